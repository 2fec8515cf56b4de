"""Request model of the invoice endpoint, acquire2/download/getInvoice
(8_Reconciliation/invoice-download.mdx): the billing month and the two options."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field, PlainValidator, WithJsonSchema

from botimpay.protocol.requests import WireModel

_MONTH = re.compile(r"[0-9]{4}(0[1-9]|1[0-2])")
BUSINESS_TYPES = ("MERCHANT", "TAXI", "MULTI_MERCHANT")


def _billing_month(value: object) -> str:
    """`YYYYMM`: six digits, a month 01..12 of a year from 1970."""
    if not isinstance(value, str):
        raise ValueError("must be a month in YYYYMM format (a string)")
    if not _MONTH.fullmatch(value) or int(value[:4]) < 1970:
        raise ValueError("must be a month in YYYYMM format, e.g. 202603")
    return value


def _evict(value: object) -> bool:
    """The page: `true` activates, any other value (or none) means false. A JSON boolean
    is read the same way; any other JSON type is refused."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value == "true"
    raise ValueError("must be a string, e.g. false")


BillingMonthText = Annotated[
    str,
    PlainValidator(_billing_month),
    WithJsonSchema({"type": "string", "pattern": r"^\d{6}$", "maxLength": 6}),
]
EvictFlag = Annotated[
    bool,
    PlainValidator(_evict),
    WithJsonSchema({"type": "string", "examples": ["false"]}),
]


class GetInvoiceBiz(WireModel):
    """bizContent of acquire2/download/getInvoice.

    `needEvictCache` is accepted and changes nothing: the invoice is rendered from the
    ledger on every call, and a closed month's postings never change."""

    statementDate: BillingMonthText = Field(examples=["202603"])
    needEvictCache: EvictFlag = False
    businessType: Literal["MERCHANT", "TAXI", "MULTI_MERCHANT"] | None = Field(
        default=None, examples=["MERCHANT"]
    )


__all__ = ["BUSINESS_TYPES", "GetInvoiceBiz"]
