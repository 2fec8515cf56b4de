"""The reporting endpoints: for each, its path, bizContent, result and retry safety
(page queries, the order's payer, the cashier link, the balance, the two downloads).

Written once, like `_operations`; all are reads, so every one may be resent. Page
dates: a `date` goes out as the reference's `YYYY-MM-DD` (a whole UAE day), an aware
`datetime` as epoch milliseconds (an instant, what the official Java SDK sends).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from datetime import UTC, date, datetime, timedelta
from email.message import Message
from typing import Any

import httpx

from botimpay_sdk._exceptions import InvalidRequestError, ProtocolError
from botimpay_sdk._operations import _order_ref
from botimpay_sdk._protocol import Call, field, whole
from botimpay_sdk._reports import (
    CashierPayer,
    DownloadedFile,
    MemberBalance,
    OrderPage,
    OrderPayer,
    RefundPage,
)

QUERY_ORDER_PAGE = "acquire2Query/queryOrderPage"
QUERY_REFUND_ORDER_PAGE = "acquire2Query/queryRefundOrderPage"
GET_ORDER_PAYER = "acquire2/getOrderPayer"
GET_CASHIER_URL_INFO = "acquire2/getCashierUrlInfo"
GET_BALANCE = "member/getBalance"
GET_ORDER_STATEMENT = "acquire2/download/getOrderStatement"
GET_INVOICE = "acquire2/download/getInvoice"

DEFAULT_PAGE_SIZE = 20  # the reference's sample
BUSINESS_TYPES = ("MERCHANT", "TAXI", "MULTI_MERCHANT")
STATEMENT_VERSIONS = ("V1", "V2")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_MS = timedelta(milliseconds=1)
_DAY = re.compile(r"[0-9]{8}")
_MONTH = re.compile(r"[0-9]{6}")


def query_order_page(
    start_date: date,
    end_date: date,
    number: int,
    size: int,
    statuses: Collection[str] | None,
    device_ids: Collection[str] | None,
) -> Call[OrderPage]:
    biz = _page_biz(start_date, end_date, number, size, statuses, device_ids)
    return Call(QUERY_ORDER_PAGE, biz, whole(OrderPage), idempotent=True)


def query_refund_order_page(
    start_date: date,
    end_date: date,
    number: int,
    size: int,
    statuses: Collection[str] | None,
    device_ids: Collection[str] | None,
) -> Call[RefundPage]:
    biz = _page_biz(start_date, end_date, number, size, statuses, device_ids)
    return Call(QUERY_REFUND_ORDER_PAGE, biz, whole(RefundPage), idempotent=True)


def next_page_number(number: int, page: OrderPage | RefundPage) -> int | None:
    """The page to ask for after page `number`, or None when it was the last (or empty)."""
    if not page.items or number + 1 >= page.total_pages:
        return None
    return number + 1


def get_order_payer(merchant_order_no: str | None, order_no: str | None) -> Call[OrderPayer | None]:
    biz = _order_ref(merchant_order_no, order_no)
    return Call(GET_ORDER_PAYER, biz, _optional_payer, idempotent=True)


def get_cashier_url_info(token_url: str) -> Call[CashierPayer]:
    if not isinstance(token_url, str) or not token_url:
        raise InvalidRequestError("token_url must be a non-empty string")
    biz = {"tokenUrl": token_url}
    return Call(GET_CASHIER_URL_INFO, biz, field(CashierPayer, "payer"), idempotent=True)


def get_balance(currency_code: str) -> Call[MemberBalance]:
    if not isinstance(currency_code, str) or not currency_code:
        raise InvalidRequestError("currency_code must be a non-empty string such as 'AED'")
    biz = {"currencyCode": currency_code}
    return Call(GET_BALANCE, biz, whole(MemberBalance), idempotent=True)


def get_order_statement(statement_date: date | str, version: str | None) -> Call[DownloadedFile]:
    """The day's statements as one ZIP (`statementDate` YYYYMMDD); `version` is botimpay's
    own `statementVersion` (V1 or V2 columns), left out unless given."""
    if isinstance(statement_date, date) and not isinstance(statement_date, datetime):
        day = statement_date.strftime("%Y%m%d")
    elif isinstance(statement_date, str) and _DAY.fullmatch(statement_date):
        day = statement_date
    else:
        raise InvalidRequestError("statement_date must be a date or a 'YYYYMMDD' string")
    biz = {"statementDate": day}
    if version is not None:
        if version not in STATEMENT_VERSIONS:
            raise InvalidRequestError("version must be 'V1' or 'V2'")
        biz["statementVersion"] = version
    reader = _file_reader(b"PK", "application/zip", "statement ZIP")
    return _download(GET_ORDER_STATEMENT, biz, reader)


def get_invoice(
    month: date | str, business_type: str | None, need_evict_cache: bool
) -> Call[DownloadedFile]:
    """The month's invoice PDF (`statementDate` YYYYMM; a date stands for its month)."""
    if isinstance(month, date) and not isinstance(month, datetime):
        text = month.strftime("%Y%m")
    elif isinstance(month, str) and _MONTH.fullmatch(month):
        text = month
    else:
        raise InvalidRequestError("month must be a date or a 'YYYYMM' string")
    biz: dict[str, Any] = {"statementDate": text}
    if business_type is not None:
        if business_type not in BUSINESS_TYPES:
            raise InvalidRequestError(f"business_type must be one of {', '.join(BUSINESS_TYPES)}")
        biz["businessType"] = business_type
    if not isinstance(need_evict_cache, bool):
        raise InvalidRequestError("need_evict_cache must be a bool")
    if need_evict_cache:
        biz["needEvictCache"] = "true"
    return _download(GET_INVOICE, biz, _file_reader(b"%PDF-", "application/pdf", "invoice PDF"))


# --- helpers ----------------------------------------------------------------------------


def _page_biz(
    start_date: date,
    end_date: date,
    number: int,
    size: int,
    statuses: Collection[str] | None,
    device_ids: Collection[str] | None,
) -> dict[str, Any]:
    for name, value, least in (("number", number, 0), ("size", size, 1)):
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise InvalidRequestError(f"{name} must be an int of at least {least}")
    return {
        "startDate": _query_date(start_date, "start_date"),
        "endDate": _query_date(end_date, "end_date"),
        "deviceIdList": _strings(device_ids, "device_ids"),
        "includeStatusList": _strings(statuses, "statuses"),
        "sortPageParam": {"number": number, "size": size},
    }


def _query_date(value: date, name: str) -> str | int:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise InvalidRequestError(f"{name}: give a date, or an aware datetime (with tzinfo)")
        return (value - _EPOCH) // _ONE_MS  # integer ms: timestamp() * 1000 can be 1 ms off
    if isinstance(value, date):
        return value.isoformat()
    raise InvalidRequestError(f"{name} must be a datetime.date (or an aware datetime)")


def _strings(values: Collection[str] | None, name: str) -> list[str]:
    if values is None:
        return []
    if isinstance(values, str | bytes) or not all(isinstance(v, str) and v for v in values):
        raise InvalidRequestError(f"{name} must be a collection of non-empty strings")
    return [str(value) for value in values]  # a StrEnum member goes out as its value


def _optional_payer(body: Mapping[str, Any]) -> OrderPayer | None:
    """None while nobody scanned the QR or opened the checkout (the body is `{}`)."""
    if body.get("payer") is None:
        return None
    return field(OrderPayer, "payer")(body)


def _no_file(body: Mapping[str, Any]) -> DownloadedFile:
    raise ProtocolError("a download answered a JSON success instead of the file")


def _download(
    path: str, biz: dict[str, Any], reader: Callable[[httpx.Response], DownloadedFile]
) -> Call[DownloadedFile]:
    return Call(path, biz, _no_file, idempotent=True, file=reader)


def _file_reader(
    magic: bytes, media_type: str, what: str
) -> Callable[[httpx.Response], DownloadedFile]:
    def read(reply: httpx.Response) -> DownloadedFile:
        content = reply.content
        if not content.startswith(magic):
            raise ProtocolError(f"the answer is not a {what} ({len(content)} bytes)")
        sent_type = reply.headers.get("content-type", "").split(";")[0].strip().lower()
        name = file_name(reply.headers.get("content-disposition"))
        if name is None:
            raise ProtocolError(f"the {what} came without a Content-Disposition file name")
        return DownloadedFile(file_name=name, content_type=sent_type or media_type, content=content)

    return read


def file_name(content_disposition: str | None) -> str | None:
    """The file name of a Content-Disposition header (plain, quoted or RFC 2231), without
    any directory part; None when there is none."""
    if not content_disposition:
        return None
    message = Message()
    message["content-disposition"] = content_disposition
    name = message.get_filename()
    if not name:
        return None
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return base if base not in ("", ".", "..") else None
