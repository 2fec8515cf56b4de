"""The payer endpoints of the merchant API: getOrderPayer and getCashierUrlInfo, which
tell a merchant (a DYNQR cashier screen) who scanned its QR or opened its checkout."""

from __future__ import annotations

from typing import Any

from botimpay.domain.payer import mask_for_cashier, mask_for_order_payer
from botimpay.protocol.payer_requests import GetCashierUrlInfoBiz, GetOrderPayerBiz
from botimpay.services.auth import MerchantAuth
from botimpay.services.payers import PayerService
from botimpay.web import schemas_payer
from botimpay.web.operation import Operation
from botimpay.web.state import AppState


async def _get_order_payer(
    state: AppState, auth: MerchantAuth, biz: GetOrderPayerBiz, request_time: int
) -> dict[str, Any]:
    payer = await PayerService(state.db, state.clock).order_payer(auth.merchant.partner_id, biz)
    if payer is None:
        return {}
    return {
        "payer": {
            "payerMid": payer.member_id,
            "mobileNumberMask": mask_for_order_payer(payer.phone),
            "deviceId": payer.device_id,
            "ipAddress": payer.ip_address,
        }
    }


async def _get_cashier_url_info(
    state: AppState, auth: MerchantAuth, biz: GetCashierUrlInfoBiz, request_time: int
) -> dict[str, Any]:
    payer = await PayerService(state.db, state.clock).cashier_payer(
        auth.merchant.partner_id, biz.tokenUrl
    )
    return {"payer": {} if payer is None else {"mobileNumberMask": mask_for_cashier(payer.phone)}}


OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "acquire2/getOrderPayer",
        "Retrieve who pays an order: the payer, or the wallet at its checkout",
        GetOrderPayerBiz,
        schemas_payer.GetOrderPayerRequest,
        schemas_payer.OrderPayerResponse,
        _get_order_payer,
    ),
    Operation(
        "acquire2/getCashierUrlInfo",
        "Whether a tokenUrl's QR was scanned, and by whom (masked)",
        GetCashierUrlInfoBiz,
        schemas_payer.GetCashierUrlInfoRequest,
        schemas_payer.CashierUrlInfoResponse,
        _get_cashier_url_info,
    ),
)
