"""The page queries of the merchant API: acquire2Query/queryOrderPage and
acquire2Query/queryRefundOrderPage (a merchant's orders and refunds by date, paged)."""

from __future__ import annotations

from typing import Any

from botimpay.protocol import codes
from botimpay.protocol.query_page_requests import QueryOrderPageBiz, QueryRefundOrderPageBiz
from botimpay.services.auth import MerchantAuth
from botimpay.services.query_pages import QueryPages, order_item, refund_item
from botimpay.web import schemas_query_pages as schemas
from botimpay.web.operation import Operation
from botimpay.web.state import AppState


async def _query_order_page(
    state: AppState, auth: MerchantAuth, biz: QueryOrderPageBiz, request_time: int
) -> dict[str, Any]:
    page = await QueryPages(state.db).orders(auth.merchant.partner_id, biz)
    return page.body([order_item(order) for order in page.rows])


async def _query_refund_order_page(
    state: AppState, auth: MerchantAuth, biz: QueryRefundOrderPageBiz, request_time: int
) -> dict[str, Any]:
    page = await QueryPages(state.db).refunds(auth.merchant.partner_id, biz)
    return page.body([refund_item(refund) for refund in page.rows])


OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "acquire2Query/queryOrderPage",
        "List the merchant's orders created between two dates, by page",
        QueryOrderPageBiz,
        schemas.QueryOrderPageRequest,
        schemas.OrderPageResponse,
        _query_order_page,
    ),
    Operation(
        "acquire2Query/queryRefundOrderPage",
        "List the merchant's refund orders created between two dates, by page",
        QueryRefundOrderPageBiz,
        schemas.QueryRefundOrderPageRequest,
        schemas.RefundPageResponse,
        _query_refund_order_page,
        too_early=codes.REFUND_PAGE_REQUESTTIME_TOO_EARLY,
        too_late=codes.REFUND_PAGE_REQUESTTIME_TOO_LATER,
    ),
)
