"""Sandbox helpers (absent in production mode): pay, move the clock, settle.

JSON, unsigned. They go through the same services as the checkout.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request

from botimpay.domain.payment import CardOutcome, Method
from botimpay.errors import BotimpayError, CheckoutRefused
from botimpay.services.payments import TEST_CARD, Card, token_from_url
from botimpay.services.views import acquire_order
from botimpay.web.body import parse_json_object, read_body
from botimpay.web.responses import WireJSONResponse, sandbox_error
from botimpay.web.state import state_of

router = APIRouter(prefix="/sandbox/api", tags=["Sandbox"])


class PayRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    orderNo: str | None = Field(default=None, max_length=32)
    tokenUrl: str | None = Field(default=None, max_length=600)
    phone: str = Field(max_length=32)
    paymentPassword: str | None = Field(default=None, max_length=64)
    method: Literal["BALANCE", "CARD"] = "BALANCE"
    outcome: Literal["SUCCESS", "FAILURE", "PENDING"] = "SUCCESS"


class AdvanceRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    seconds: int = Field(gt=0, le=366 * 24 * 3600)


async def _json(request: Request) -> dict[str, object]:
    return parse_json_object(await read_body(request, state_of(request).settings.max_body_bytes))


@router.post("/pay", summary="Pay an order as a test wallet, without the browser")
async def pay(request: Request) -> WireJSONResponse:
    state = state_of(request)
    try:
        body = PayRequest.model_validate(await _json(request))
    except ValidationError as exc:
        return sandbox_error(400, "INVALID_PARAMETER", str(exc.errors(include_url=False)[:3]))
    except Exception as exc:  # the body reader's InvalidParameter
        return sandbox_error(400, "INVALID_PARAMETER", str(exc))
    if (body.orderNo is None) == (body.tokenUrl is None):
        return sandbox_error(400, "INVALID_PARAMETER", "give exactly one of orderNo and tokenUrl")
    try:
        member = await state.wallets.member_by_phone(body.phone)
        result = await state.payments.pay(
            member_id=member.member_id,
            method=Method(body.method),
            token=token_from_url(body.tokenUrl) if body.tokenUrl else None,
            order_no=body.orderNo,
            password=body.paymentPassword,
            card=Card(*TEST_CARD),
            outcome=CardOutcome(body.outcome),
        )
    except CheckoutRefused as exc:
        return sandbox_error(409, exc.reason, exc.message)
    return WireJSONResponse(
        {
            "result": result.status,
            "reason": result.reason.value if result.reason else None,
            "message": result.message,
            "acquireOrder": acquire_order(result.order),
        }
    )


@router.post("/clock/advance", summary="Move business time forward")
async def advance(request: Request) -> WireJSONResponse:
    state = state_of(request)
    try:
        body = AdvanceRequest.model_validate(await _json(request))
    except ValidationError as exc:
        return sandbox_error(400, "INVALID_PARAMETER", str(exc.errors(include_url=False)[:3]))
    except Exception as exc:
        return sandbox_error(400, "INVALID_PARAMETER", str(exc))
    offset = await state.sandbox_clock.advance(body.seconds)
    expired = await state.orders.expire_due()
    confirmed = await state.payments.resolve_pending_cards()
    settled = await state.settlement.settle_due()
    return WireJSONResponse(
        {
            "offsetMs": offset,
            "now": state.clock.now_ms(),
            "expired": expired,
            "cardPaymentsConfirmed": confirmed,
            "settled": settled,
        }
    )


class SettleRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    orderNo: str | None = Field(default=None, min_length=1, max_length=32)


@router.post("/settle", summary="Settle every paid order now, or one (orderNo)")
async def settle(request: Request) -> WireJSONResponse:
    """`{}` (or no body) settles every paid order; `{"orderNo": ...}` that order alone,
    if it is PAID_SUCCESS (`settled` is then 1, else 0)."""
    state = state_of(request)
    try:
        raw = await read_body(request, state.settings.max_body_bytes)
        body = SettleRequest.model_validate(parse_json_object(raw) if raw.strip() else {})
    except ValidationError as exc:
        return sandbox_error(400, "INVALID_PARAMETER", str(exc.errors(include_url=False)[:3]))
    except BotimpayError as exc:  # the body reader's InvalidParameter
        return sandbox_error(400, "INVALID_PARAMETER", str(exc))
    if body.orderNo is not None:
        return WireJSONResponse({"settled": await state.settlement.settle(body.orderNo)})
    return WireJSONResponse({"settled": await state.settlement.settle_all()})
