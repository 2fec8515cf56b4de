"""The reference's nine go-live test cases: each acceptance rule worded exactly as
`test-case.mdx` words it, what the case arms, how its flow concludes, and the time bounds.

Pure data; domain.testplan grades a run against it, services.testplan arms its faults.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum

from botimpay.errors import InvalidParameter

PLACE = "acquire2/placeOrder"
QUERY = "acquire2/getOrder"
CANCEL = "acquire2/cancelOrder"

MAX_TIME_SCALE = Decimal(10)
TIMEOUT_HOLD_S = 15  # a case-004 placeOrder is held this long (scaled), then dropped
MIN_TIMEOUT_HOLD_MS = 100


class Check(StrEnum):
    """What the grader checks for one rule (the rule's words are the reference's)."""

    IDS = "IDS"
    AMOUNT = "AMOUNT"
    CREATED = "CREATED"
    PLACE_SYSTEM_ERROR = "PLACE_SYSTEM_ERROR"
    PLACE_TIMED_OUT = "PLACE_TIMED_OUT"
    QUERY_ONE = "QUERY_ONE"
    QUERY_THREE = "QUERY_THREE"
    QUERY_FREQUENCY = "QUERY_FREQUENCY"
    LAST_QUERY_PAID = "LAST_QUERY_PAID"
    CANCEL_WINDOW = "CANCEL_WINDOW"
    CANCEL_FREQUENCY = "CANCEL_FREQUENCY"
    CANCELS_LAST_SUCCEEDS = "CANCELS_LAST_SUCCEEDS"
    CANCELS_ALL_FAIL = "CANCELS_ALL_FAIL"
    NOTIFY_RECEIVED = "NOTIFY_RECEIVED"
    NOTIFY_SUCCESS = "NOTIFY_SUCCESS"


class Flow(StrEnum):
    """How a case's run concludes (domain.testplan's docstring says when, for each)."""

    PAID = "PAID"  # a query finds the order paid
    CANCEL = "CANCEL"  # the first cancelOrder
    CANCEL_RETRIED = "CANCEL_RETRIED"  # a cancelOrder succeeds after failures
    CANCEL_FAILS = "CANCEL_FAILS"  # the third failed cancelOrder
    QUERY_RECOVERS = "QUERY_RECOVERS"  # three queries, one of them answered
    QUERY_FAILS = "QUERY_FAILS"  # the third query
    NOTIFIED = "NOTIFIED"  # the payment notification's first delivery attempt


@dataclass(frozen=True, slots=True)
class Rule:
    check: Check
    text: str  # the acceptance rule as test-case.mdx words it


@dataclass(frozen=True, slots=True)
class Arm:
    """A fault a case arms for its run's order: `times` None = every call while the run
    lasts; `timeout` = a TIMEOUT held for the case's scaled hold."""

    operation: str
    fault: str
    times: int | None
    applied: bool = False
    timeout: bool = False


@dataclass(frozen=True, slots=True)
class Case:
    number: str  # "001" .. "009"
    title: str
    flow: Flow
    rules: tuple[Rule, ...]
    arms: tuple[Arm, ...]
    setup: str  # what the run arranges, and what the merchant's client must do

    def hold_ms(self, time_scale: Decimal) -> int:
        """How long a TIMEOUT fault of this case holds the connection."""
        return max(MIN_TIMEOUT_HOLD_MS, scaled_ms(TIMEOUT_HOLD_S, time_scale))


def scaled_ms(seconds: int, time_scale: Decimal) -> int:
    """`seconds` of the reference, times `time_scale`, in whole milliseconds."""
    return int((Decimal(seconds * 1000) * time_scale).to_integral_value(ROUND_HALF_UP))


@dataclass(frozen=True, slots=True)
class Window:
    """An allowed span of wall-clock time, in milliseconds (both ends included)."""

    low_ms: int
    high_ms: int

    def holds(self, ms: int) -> bool:
        return self.low_ms <= ms <= self.high_ms


@dataclass(frozen=True, slots=True)
class Bounds:
    """The reference's time rules in wall-clock milliseconds, scaled by a run's timeScale."""

    query: Window  # between consecutive queries: 2-6 s
    cancel_at: Window  # first cancelOrder after the placeOrder: 20-120 s
    cancel_retry: Window  # between consecutive cancels: 3-10 s

    @classmethod
    def scaled(cls, time_scale: Decimal) -> Bounds:
        def window(low: int, high: int) -> Window:
            return Window(scaled_ms(low, time_scale), scaled_ms(high, time_scale))

        return cls(query=window(2, 6), cancel_at=window(20, 120), cancel_retry=window(3, 10))


IDS = Rule(Check.IDS, "Both [Partner-Id] and [merchantOrderNo] are required in the request.")
QUERY_ONE = Rule(Check.QUERY_ONE, "Send at least one query request.")
QUERY_THREE = Rule(Check.QUERY_THREE, "Send at least three query requests.")
QUERY_FREQUENCY = Rule(Check.QUERY_FREQUENCY, "The query request frequency is 2-6 seconds.")
CREATED = Rule(Check.CREATED, "Payment interface responds [status=CREATED].")
CANCEL_WINDOW = Rule(
    Check.CANCEL_WINDOW,
    "Send [cancelOrder] request 20 to 120 seconds after the transaction is initiated.",
)
CANCEL_FREQUENCY = Rule(Check.CANCEL_FREQUENCY, "The CANCEL request frequency is 3-10 seconds.")
_SYSTEM_ERROR = "Payment interface responds SYSTEM_ERROR."

_CANCELLING = (IDS, QUERY_ONE, QUERY_FREQUENCY, CANCEL_WINDOW, CANCEL_FREQUENCY)

CASES: dict[str, Case] = {
    case.number: case
    for case in (
        Case(
            "001",
            "Payment with password authentication triggered",
            Flow.PAID,
            (
                IDS,
                Rule(Check.AMOUNT, "The payment amount is greater than or equals to AED 500."),
                CREATED,
                QUERY_ONE,
                QUERY_FREQUENCY,
                Rule(
                    Check.LAST_QUERY_PAID,
                    "The last query request found that the transaction was successful.",
                ),
            ),
            (),
            "nothing armed; place an order of AED 500 or more, have it paid with the payment "
            "password, and poll until a query finds it paid",
        ),
        Case(
            "002",
            "Payment expires",
            Flow.CANCEL,
            (
                IDS,
                CREATED,
                QUERY_ONE,
                Rule(Check.QUERY_FREQUENCY, "The query request frequency is 2-6s."),
                CANCEL_WINDOW,
            ),
            (),
            "nothing armed; leave the order unpaid, poll, and cancel it 20-120 s after placing",
        ),
        Case(
            "003",
            "Payment failed with SYSTEM_ERROR returned",
            Flow.CANCEL,
            (
                IDS,
                Rule(Check.PLACE_SYSTEM_ERROR, _SYSTEM_ERROR),
                QUERY_ONE,
                QUERY_FREQUENCY,
                CANCEL_WINDOW,
            ),
            (Arm(PLACE, "SYSTEM_ERROR", 1, applied=True),),
            "placeOrder answers 500 SYSTEM_ERROR although the order is created; poll it by "
            "merchantOrderNo and cancel it 20-120 s after placing",
        ),
        Case(
            "004",
            "Payment timeouts",
            Flow.CANCEL,
            (
                IDS,
                Rule(Check.PLACE_TIMED_OUT, _SYSTEM_ERROR),
                QUERY_ONE,
                QUERY_FREQUENCY,
                CANCEL_WINDOW,
            ),
            (Arm(PLACE, "TIMEOUT", 1, applied=True, timeout=True),),
            "placeOrder is held 15 s (scaled) and the connection closed without an answer, "
            "although the order is created; poll it and cancel it 20-120 s after placing",
        ),
        Case(
            "005",
            "Cancel succeeds after multiple attempts",
            Flow.CANCEL_RETRIED,
            (
                *_CANCELLING,
                Rule(
                    Check.CANCELS_LAST_SUCCEEDS,
                    "At least three CANCEL requests are required, and only the last request "
                    "returns SUCCESS.",
                ),
            ),
            (Arm(CANCEL, "SYSTEM_ERROR", 2),),
            "the first two cancelOrders answer SYSTEM_ERROR; retry every 3-10 s until one succeeds",
        ),
        Case(
            "006",
            "Cancel fails after multiple attempts",
            Flow.CANCEL_FAILS,
            (
                *_CANCELLING,
                Rule(
                    Check.CANCELS_ALL_FAIL,
                    "CANCEL requests must be made at least 3 times, All requests returns failed.",
                ),
            ),
            (Arm(CANCEL, "SYSTEM_ERROR", None),),
            "every cancelOrder answers SYSTEM_ERROR; retry every 3-10 s, at least three times",
        ),
        Case(
            "007",
            "Query succeeds after multiple attempts",
            Flow.QUERY_RECOVERS,
            (IDS, QUERY_THREE, QUERY_FREQUENCY),
            (Arm(QUERY, "SYSTEM_ERROR", 2),),
            "the first two getOrders answer SYSTEM_ERROR; keep polling every 2-6 s",
        ),
        Case(
            "008",
            "Query fails after multiple attempts",
            Flow.QUERY_FAILS,
            (IDS, QUERY_THREE, QUERY_FREQUENCY),
            (Arm(QUERY, "SYSTEM_ERROR", None),),
            "every getOrder answers SYSTEM_ERROR; keep polling every 2-6 s, at least three times",
        ),
        Case(
            "009",
            "Return a [SUCCESS] response to Botim Money after received the notification",
            Flow.NOTIFIED,
            (
                Rule(Check.NOTIFY_RECEIVED, "Receive and process the notification."),
                Rule(Check.NOTIFY_SUCCESS, "[SUCCESS] is required in the return response."),
            ),
            (),
            "nothing armed; place an order with a notifyUrl, have it paid, and answer the "
            'payment notification {"response":"SUCCESS"}',
        ),
    )
}


def parse_case(value: object, field: str = "case") -> str:
    """ "001" .. "009" (also "3" or 3); InvalidParameter names `field` otherwise."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str):
        text = value.strip().removeprefix("Case-").removeprefix("case-")
        if text.isdigit() and len(text) <= 3 and text.zfill(3) in CASES:
            return text.zfill(3)
    raise InvalidParameter(f'{field} must be one of "001" to "009"')


def parse_time_scale(value: object, field: str = "timeScale") -> Decimal:
    """A number greater than 0 and at most 10 (given as a number or its text), exactly."""
    scale: Decimal | None = None
    if isinstance(value, Decimal):
        scale = value
    elif isinstance(value, int) and not isinstance(value, bool):
        scale = Decimal(value)
    elif isinstance(value, str) and len(value) <= 20:
        try:
            scale = Decimal(value.strip())
        except InvalidOperation:
            scale = None
    if scale is None or not scale.is_finite() or not 0 < scale <= MAX_TIME_SCALE:
        raise InvalidParameter(f"{field} must be a number greater than 0 and at most 10")
    normal = scale.normalize()
    if normal.as_tuple().exponent < -6:  # type: ignore[operator]
        raise InvalidParameter(f"{field} has at most 6 decimals")
    return normal.quantize(Decimal(1)) if normal == normal.to_integral_value() else normal
