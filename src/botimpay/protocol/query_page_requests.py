"""Request models of the page queries: acquire2Query/queryOrderPage
(3_Payment/query-order-page.mdx) and acquire2Query/queryRefundOrderPage
(4_Refund/query-refund-order-page.mdx).

`startDate`/`endDate` are `YYYY-MM-DD` as the reference writes them, or epoch
milliseconds as the official Java SDK sends them; a status outside the page's list
and a page size outside 1..1000 are refused naming the field.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated

from pydantic import Field, PlainValidator, WithJsonSchema, field_validator

from botimpay.protocol.fields import Text32, Text200
from botimpay.protocol.requests import WireModel

ORDER_STATUSES = ("CREATED", "PAID_SUCCESS", "SETTLED", "FAILURE")
REFUND_STATUSES = ("CREATED", "REFUNDED_SETTLED", "SUCCESS", "FAILURE")
MAX_PAGE_SIZE = 1000  # botimpay's bound; the reference gives none (its sample asks 20)
MAX_PAGE_NUMBER = 2**31 - 1
MAX_DEVICE_IDS = 100

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _query_date(value: object) -> date | int:
    """`YYYY-MM-DD` (a UAE day) or an integer JSON number of milliseconds (an instant)."""
    if isinstance(value, str):
        if not _DAY.fullmatch(value):
            raise ValueError("must be a date in YYYY-MM-DD format")
        try:
            return date.fromisoformat(value)
        except ValueError as exc:
            raise ValueError("is not a calendar date") from exc
    if isinstance(value, bool) or not isinstance(value, int):  # an exact Decimal too
        raise ValueError("must be a date in YYYY-MM-DD format or epoch milliseconds")
    if not 0 <= value < 10**14:
        raise ValueError("must be a millisecond timestamp")
    return value


QueryDate = Annotated[
    date | int,
    PlainValidator(_query_date),
    WithJsonSchema(
        {
            "oneOf": [
                {"type": "string", "format": "date", "maxLength": 10},
                {"type": "integer", "description": "epoch milliseconds (the Java SDK)"},
            ],
            "examples": ["2022-07-22"],
        }
    ),
]


class SortPageParam(WireModel):
    """The page asked for: `number` from 0 (default 0), `size` rows per page."""

    number: int = Field(default=0, strict=True, ge=0, le=MAX_PAGE_NUMBER)
    size: int = Field(strict=True, ge=1, le=MAX_PAGE_SIZE)


def _statuses(value: list[str] | None, allowed: tuple[str, ...]) -> list[str]:
    for status in value or []:
        if status not in allowed:
            raise ValueError(f"{status[:32]!r} is not one of {', '.join(allowed)}")
    return list(dict.fromkeys(value or []))


class _PageBiz(WireModel):
    startDate: QueryDate
    endDate: QueryDate
    deviceIdList: list[Text200] | None = Field(default=None, max_length=MAX_DEVICE_IDS)
    includeStatusList: list[Text32] | None = None
    sortPageParam: SortPageParam

    @property
    def device_ids(self) -> list[str]:
        """The devices asked for; empty means every device (and orders with none)."""
        return list(dict.fromkeys(self.deviceIdList or []))


class QueryOrderPageBiz(_PageBiz):
    """bizContent of acquire2Query/queryOrderPage."""

    @field_validator("includeStatusList")
    @classmethod
    def _known(cls, value: list[str] | None) -> list[str]:
        return _statuses(value, ORDER_STATUSES)


class QueryRefundOrderPageBiz(_PageBiz):
    """bizContent of acquire2Query/queryRefundOrderPage."""

    @field_validator("includeStatusList")
    @classmethod
    def _known(cls, value: list[str] | None) -> list[str]:
        return _statuses(value, REFUND_STATUSES)


__all__ = ["QueryOrderPageBiz", "QueryRefundOrderPageBiz", "SortPageParam"]
