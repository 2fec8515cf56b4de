"""Sandbox faults at the merchant API's front door: which one a call hits, and running it.

A fault comes from the Botimpay-Mock-Response header (sandbox only) or from the
faults armed for the merchant; a placeOrder first binds a test-plan run that
waits for the merchant's next new order, so the run's faults apply to that very
call. In production nothing here applies: `pick` returns None.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

import orjson

from botimpay.domain.faults import Behaviour, FaultSpec, parse_fault_spec
from botimpay.domain.inputs import refuse_unknown_fields
from botimpay.errors import ApiError, BotimpayError, InvalidParameter
from botimpay.protocol.codes import ResponseCode
from botimpay.services.auth import MerchantAuth
from botimpay.web.operation import Reply
from botimpay.web.state import AppState

MOCK_HEADER = "botimpay-mock-response"
PLACE_ORDER = "acquire2/placeOrder"


class Injected(BotimpayError):
    """The answer a fault gives instead of the handler's (never leaves the front door)."""

    def __init__(self, code: ResponseCode) -> None:
        super().__init__(code.msg)
        self.code = code


@dataclass(frozen=True, slots=True)
class Outcome:
    """What running a call under a fault produced: the handler's result (None when the
    fault answers instead) and whether to drop the connection without an answer."""

    result: Reply | None
    drop: bool = False


def _header_fault(headers: Mapping[str, str], operation: str) -> FaultSpec | None:
    raw = headers.get(MOCK_HEADER)
    if raw is None:
        return None
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InvalidParameter("the Botimpay-Mock-Response header is not a JSON object") from exc
    if not isinstance(value, dict):
        raise InvalidParameter("the Botimpay-Mock-Response header is not a JSON object")
    refuse_unknown_fields(value, ("fault", "applied", "holdMs"), source="Botimpay-Mock-Response")
    try:
        return parse_fault_spec(value, operation=operation)
    except InvalidParameter as exc:
        raise InvalidParameter(f"Botimpay-Mock-Response: {exc.message}") from exc


def may_apply(state: AppState, auth: MerchantAuth, headers: Mapping[str, str]) -> bool:
    """Whether a fault could hit this call at all (a cheap test made on every call)."""
    return state.settings.is_sandbox and (
        bool(auth.faults) or auth.run_waiting or MOCK_HEADER in headers
    )


async def pick(
    state: AppState,
    auth: MerchantAuth,
    headers: Mapping[str, str],
    operation: str,
    merchant_order_no: str | None,
) -> FaultSpec | None:
    """The fault this call hits, if any (a use of an armed fault is spent here)."""
    if not state.settings.is_sandbox:
        return None
    from_header = _header_fault(headers, operation)
    if from_header is not None:
        return from_header
    if auth.run_waiting and operation == PLACE_ORDER and merchant_order_no:
        partner_id = auth.merchant.partner_id
        if await state.faults.bind_waiting_run(partner_id, merchant_order_no) is not None:
            auth = await state.authenticator.load(partner_id) or auth
    if not auth.faults:
        return None
    armed = await state.faults.take(auth.faults, operation, merchant_order_no)
    return None if armed is None else armed.spec


async def run(fault: FaultSpec | None, handler: Callable[[], Awaitable[Reply]]) -> Outcome:
    """Runs the call's handler as `fault` says. Raises Injected for an answer fault."""
    if fault is None:
        return Outcome(await handler())
    if fault.behaviour is Behaviour.DELAY:
        try:
            result = await handler()
        except ApiError:  # a refusal is the correct answer too: as late
            await asyncio.sleep(fault.hold_ms / 1000)
            raise
        await asyncio.sleep(fault.hold_ms / 1000)
        return Outcome(result)
    if fault.applied:  # the change happens behind the fault; the caller hears it failed
        with contextlib.suppress(ApiError):  # refused on its own merits: the fault still answers
            await handler()
    if fault.behaviour is Behaviour.TIMEOUT:
        await asyncio.sleep(fault.hold_ms / 1000)
        return Outcome(None, drop=True)
    assert fault.code is not None
    raise Injected(fault.code)
