"""The member endpoint of the merchant API: member/getBalance (9_Member/get-balance.mdx)."""

from __future__ import annotations

from typing import Any

from botimpay.protocol.member_requests import GetBalanceBiz
from botimpay.services.auth import MerchantAuth
from botimpay.services.member_balance import merchant_balance
from botimpay.web import schemas_member
from botimpay.web.operation import Operation
from botimpay.web.state import AppState


async def _get_balance(
    state: AppState, auth: MerchantAuth, biz: GetBalanceBiz, request_time: int
) -> dict[str, Any]:
    balance = await merchant_balance(state.db, auth.merchant.partner_id, biz.currencyCode)
    return {  # in the sample's order
        "balanceList": [{"availableBalance": balance.available.to_wire()}],
        "memberId": balance.member_id,
    }


OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "member/getBalance",
        "Read the merchant's available (settled) balance",
        GetBalanceBiz,
        schemas_member.GetBalanceRequest,
        schemas_member.GetBalanceResponse,
        _get_balance,
    ),
)
