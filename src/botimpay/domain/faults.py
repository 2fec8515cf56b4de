"""Faults a sandbox merchant arms against itself: what they are, what they match.

One spelling for the three ways to arm one (CLI, /sandbox/api/faults, the
Botimpay-Mock-Response header): `parse_fault_spec` reads the same mapping for all.
Pure: no I/O; the store keeps armed faults, the front door applies them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from botimpay.errors import InvalidParameter
from botimpay.protocol import codes
from botimpay.protocol.codes import ResponseCode

MAX_HOLD_MS = 600_000
MAX_TIMES = 1_000_000
DEFAULT_TIMEOUT_HOLD_MS = 30_000


class Behaviour(StrEnum):
    """How a fault changes the answer."""

    ANSWER = "ANSWER"  # a signed answer with an error code
    TIMEOUT = "TIMEOUT"  # hold the connection, then close it without an answer
    DELAY = "DELAY"  # the correct answer, late


class NotifyFault(StrEnum):
    """Faults of the notification dispatcher (operation `notify`)."""

    DUPLICATE = "DUPLICATE"  # deliver the next N notifications twice
    LATE = "LATE"  # deliver them holdMs late
    REFUND_FIRST = "REFUND_FIRST"  # a refund's notification before its payment's


NOTIFY_OPERATION = "notify"

_GLOBAL = (
    codes.INVALID_PARAMETER,
    codes.RATE_LIMIT_REJECT,
    codes.UNAUTHORIZED,
    codes.SERVICE_NOT_AVAILABLE,
    codes.SYSTEM_ERROR,
    codes.SERVICE_TIMEOUT,
    codes.RISK_FAIL,
)

# The business codes each endpoint's page of the reference documents (beyond the global ones).
_DOCUMENTED: dict[str, frozenset[str]] = {
    operation: frozenset(numbers.split())
    for operation, numbers in {
        "acquire2/placeOrder": (
            "62001 62002 62003 62008 62009 62012 62016 62018 62019 62020 62026 62031 62032 62033 "
            "62034 62036 62037 62042 62043 62044 62047 62048 62049 62050 62051 62052 62053 62054 "
            "62055 62056 62057 62058 62059 62060 62061 62062 62063 62064 62065 62066 62067 62068 "
            "62069 62070 62071 62072 62073 62078 62079 62080 62081 62083 62085 62086 62087 62088"
        ),
        "acquire2/getOrder": "62004 62035",
        "acquire2/cancelOrder": "62001 62002 62003 62004 62035",
        "acquire2/updateExpiredTime": "62089",
        "acquire2/revokeOrder": "62004 62035 62039 62041 62046",
        "acquire2/refund/placeOrder": (
            "62002 62004 62006 62015 62017 62035 62036 62038 62040 62045 62083 62084"
        ),
        "acquire2/refund/getOrder": "62007 62035",
        "member/getBalance": "78001",
        "acquire2/download/getInvoice": "62008 62013",
        "acquire2/download/getOrderStatement": "62008 62013 62014",
    }.items()
}

# Operations whose call changes state: `applied` says whether the change happens.
CHANGING = frozenset(
    {
        "acquire2/placeOrder",
        "acquire2/cancelOrder",
        "acquire2/updateExpiredTime",
        "acquire2/revokeOrder",
        "acquire2/refund/placeOrder",
    }
)


def api_operations() -> tuple[str, ...]:
    return tuple(_DOCUMENTED)


def documented_codes(operation: str) -> tuple[ResponseCode, ...]:
    """The codes the reference documents for `operation` (global ones first)."""
    business = [c for c in codes.ALL_CODES if c.code in _DOCUMENTED.get(operation, frozenset())]
    return (*_GLOBAL, *business)


def _code_named(operation: str, name: str) -> ResponseCode:
    """`name` is a msg (ORDER_PAID) or, where it is unambiguous, a code (62001)."""
    candidates = documented_codes(operation)
    by_msg = [c for c in candidates if c.msg == name.upper()]
    by_code = [c for c in candidates if c.code == name]
    found = by_msg or by_code
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        spelled = ", ".join(c.msg for c in found)
        raise InvalidParameter(f"fault {name} is ambiguous for {operation}; name one of {spelled}")
    known = ", ".join(c.msg for c in candidates)
    raise InvalidParameter(
        f"fault {name!r} is not TIMEOUT, DELAY or a code documented for {operation} ({known})"
    )


@dataclass(frozen=True, slots=True)
class FaultSpec:
    """What a fault does, as armed: the operation it is for and how it answers."""

    operation: str
    fault: str  # SYSTEM_ERROR, a documented msg, TIMEOUT, DELAY, or a NotifyFault
    behaviour: Behaviour | None  # None for a notification fault
    code: ResponseCode | None  # the answer of a Behaviour.ANSWER fault
    applied: bool
    hold_ms: int

    @property
    def label(self) -> str:
        """How the request log marks a call this fault hit."""
        text = self.fault
        if self.behaviour is not Behaviour.ANSWER and self.hold_ms:
            text += f" {self.hold_ms}ms"
        return text + (" applied" if self.applied else "")


@dataclass(frozen=True, slots=True)
class ArmedFault:
    """A fault kept for a merchant: narrowed to one order, for N calls or until a time."""

    fault_id: int
    partner_id: str
    spec: FaultSpec
    merchant_order_no: str | None
    remaining: int | None  # None: every matching call until `expires_at`
    expires_at: int | None  # wall-clock ms; None: until used up
    run_id: str | None  # the test-plan run that armed it

    def matches(self, operation: str, merchant_order_no: str | None, now_wall_ms: int) -> bool:
        if self.spec.operation != operation:
            return False
        if self.run_id is not None and self.merchant_order_no is None:
            return False  # a test-plan run's fault sleeps until the run binds its order
        if self.merchant_order_no is not None and self.merchant_order_no != merchant_order_no:
            return False
        if self.remaining is not None and self.remaining <= 0:
            return False
        return self.expires_at is None or now_wall_ms < self.expires_at

    def to_wire(self) -> dict[str, object]:
        spec = self.spec
        return {
            "id": self.fault_id,
            "partnerId": self.partner_id,
            "operation": spec.operation,
            "fault": spec.fault,
            "merchantOrderNo": self.merchant_order_no,
            "applied": spec.applied,
            "holdMs": spec.hold_ms,
            "remaining": self.remaining,
            "expiresAt": self.expires_at,
            "runId": self.run_id,
        }


def _int_field(raw: Mapping[str, object], name: str, low: int, high: int) -> int | None:
    value = raw.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidParameter(f"{name} must be a whole number from {low} to {high}")
    return value


def parse_fault_spec(raw: Mapping[str, object], *, operation: str | None = None) -> FaultSpec:
    """Reads {"operation", "fault", "applied"?, "holdMs"?}; `operation` when the caller knows
    it (the header applies to the call it rides on). Raises InvalidParameter naming the field."""
    op = operation if operation is not None else raw.get("operation")
    if not isinstance(op, str) or not op:
        raise InvalidParameter("operation is required, e.g. acquire2/cancelOrder")
    op = op.strip("/").removeprefix("sgs/api/")
    fault = raw.get("fault")
    if not isinstance(fault, str) or not fault.strip():
        raise InvalidParameter("fault is required, e.g. SYSTEM_ERROR, TIMEOUT or DELAY")
    fault = fault.strip().upper()
    applied = raw.get("applied", False)
    if not isinstance(applied, bool):
        raise InvalidParameter("applied must be true or false")
    hold = _int_field(raw, "holdMs", 0, MAX_HOLD_MS)
    if op == NOTIFY_OPERATION:
        if fault not in NotifyFault.__members__:
            raise InvalidParameter(
                f"fault {fault!r} is not a notification fault (DUPLICATE, LATE, REFUND_FIRST)"
            )
        if applied:
            raise InvalidParameter("applied is for API calls, not notifications")
        if fault == NotifyFault.LATE and not hold:
            raise InvalidParameter("holdMs is required for LATE: how late, in milliseconds")
        return FaultSpec(op, fault, None, None, False, hold or 0)
    if op not in _DOCUMENTED:
        known = ", ".join((*_DOCUMENTED, NOTIFY_OPERATION))
        raise InvalidParameter(f"operation {op!r} is not one of {known}")
    if applied and op not in CHANGING:
        raise InvalidParameter(f"applied is only for operations that change state, not {op}")
    if fault == Behaviour.TIMEOUT:
        return FaultSpec(
            op,
            fault,
            Behaviour.TIMEOUT,
            None,
            applied,
            DEFAULT_TIMEOUT_HOLD_MS if hold is None else hold,
        )
    if fault == Behaviour.DELAY:
        if not hold:
            raise InvalidParameter("holdMs is required for DELAY: how late, in milliseconds")
        if applied:
            raise InvalidParameter("a DELAY answers correctly; applied does not apply")
        return FaultSpec(op, fault, Behaviour.DELAY, None, False, hold)
    if hold:
        raise InvalidParameter("holdMs is only for TIMEOUT and DELAY")
    code = _code_named(op, fault)
    if code is codes.SUCCESS:
        raise InvalidParameter("SUCCESS is not a fault")
    return FaultSpec(op, code.msg, Behaviour.ANSWER, code, applied, 0)


def parse_times(raw: Mapping[str, object]) -> tuple[int | None, int | None]:
    """(times, durationMs) of an armed fault: N calls, a duration, or (default) one call."""
    times = _int_field(raw, "times", 1, MAX_TIMES)
    duration = _int_field(raw, "durationMs", 1, 366 * 24 * 3600 * 1000)
    if times is None and duration is None:
        times = 1
    return times, duration
