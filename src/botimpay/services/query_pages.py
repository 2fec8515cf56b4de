"""The page queries: a merchant's orders (queryOrderPage) and refunds
(queryRefundOrderPage) created in a date window, one numbered page at a time, and
the wire items the reference lists for them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from botimpay.domain.order import Order
from botimpay.domain.query_pages import PageSpec, fee_vat, window
from botimpay.domain.refund import Refund
from botimpay.protocol.query_page_requests import QueryOrderPageBiz, QueryRefundOrderPageBiz
from botimpay.services.views import acquire_order
from botimpay.store import query_pages_repo
from botimpay.store.database import Database
from botimpay.store.query_pages_repo import PageFilter

# The fields of an order item (query-order-page.mdx), in the reference's order.
_ORDER_ITEM_FIELDS = (
    "merchantOrderNo",
    "orderNo",
    "deviceId",
    "status",
    "product",
    "totalAmount",
    "payeeMid",
    "expiredTime",
    "subject",
    "requestTime",
    "paySceneCode",
    "notifyUrl",
    "revoked",
    "reserved",
    "paymentInfo",
)


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of rows and what the response says of the whole result."""

    total: int
    spec: PageSpec
    rows: list[T]

    def body(self, items: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "totalElements": self.total,
            "totalPages": self.spec.total_pages(self.total),
            "sortPageParam": {"number": self.spec.number, "size": self.spec.size},
            "items": items,
        }


def _filter(partner_id: str, biz: QueryOrderPageBiz | QueryRefundOrderPageBiz) -> PageFilter:
    lower, upper = window(biz.startDate, biz.endDate)
    return PageFilter(
        partner_id,
        lower,
        upper,
        statuses=tuple(biz.includeStatusList or ()),
        device_ids=tuple(biz.device_ids),
    )


def _spec(biz: QueryOrderPageBiz | QueryRefundOrderPageBiz) -> PageSpec:
    return PageSpec(biz.sortPageParam.number, biz.sortPageParam.size)


class QueryPages:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def orders(self, partner_id: str, biz: QueryOrderPageBiz) -> Page[Order]:
        """The merchant's orders created in the window, newest first; a page past the
        end is empty (its totals still say how many there are)."""
        filt, spec = _filter(partner_id, biz), _spec(biz)
        async with self.db.read() as conn:
            total = await query_pages_repo.count_orders(conn, filt)
            rows: list[Any] = []
            if spec.offset < total:
                rows = await query_pages_repo.order_page(conn, filt, spec.offset, spec.size, total)
        return Page(total, spec, rows)

    async def refunds(self, partner_id: str, biz: QueryRefundOrderPageBiz) -> Page[Refund]:
        """The merchant's refund orders (revokes' included) created in the window."""
        filt, spec = _filter(partner_id, biz), _spec(biz)
        async with self.db.read() as conn:
            total = await query_pages_repo.count_refunds(conn, filt)
            rows: list[Any] = []
            if spec.offset < total:
                rows = await query_pages_repo.refund_page(conn, filt, spec.offset, spec.size, total)
        return Page(total, spec, rows)


def order_item(order: Order) -> dict[str, Any]:
    """An order as the order page lists it: the acquireOrder fields the page names,
    `deviceId` always (empty when none, as the sample shows), and paymentInfo with
    its settledTime and the payee fee split into fee before tax and VAT."""
    full = acquire_order(order)
    item = {name: full[name] for name in _ORDER_ITEM_FIELDS if name in full}
    item["deviceId"] = order.device_id or ""
    payment = item.get("paymentInfo")
    if payment is not None and order.payee_fee is not None:
        before_tax, vat = fee_vat(order.payee_fee)
        payment = {**payment, "payeeFeeAmountBeforeTax": before_tax.to_wire()}
        payment["payeeFeeVat"] = vat.to_wire()
        if order.settled_time is not None:
            payment["settledTime"] = order.settled_time
        item["paymentInfo"] = payment
    return {name: item[name] for name in _ORDER_ITEM_FIELDS if name in item}


def refund_item(refund: Refund) -> dict[str, Any]:
    """A refund order as the refund page lists it (RefundOrderListResult)."""
    item: dict[str, Any] = {
        "refundMerchantOrderNo": refund.refund_merchant_order_no,
        "orderNo": refund.refund_no,
        "status": refund.status.value,
        "amount": refund.amount.to_wire(),
        "feeRefunded": refund.fee_refunded.to_wire(),
    }
    optional = {
        "notifyUrl": refund.notify_url,
        "reason": refund.reason,
        "reserved": refund.reserved,
        "deviceId": refund.device_id,
    }
    item.update({name: value for name, value in optional.items() if value is not None})
    return item
