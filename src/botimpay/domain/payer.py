"""Who is at an order's checkout: the wallets that scanned its QR or opened its checkout,
which of them the merchant is told about, and how their phone number is masked.

getOrderPayer and getCashierUrlInfo report one wallet: the one that paid, else the one
bound to the order at a payment attempt, else the one seen last at the checkout. Visits
are recorded only while the order can still be paid (services/payments.py), so a link
opened after the payment does not change the answer.

The reference masks the number differently on its two pages, and each page's sample is
followed: getOrderPayer keeps one `*` per hidden digit (`+86-13*******00`), and
getCashierUrlInfo one `*` for them all (`+971-58*92`). Both show the country code, the
first two and the last two digits of the national number.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum

from botimpay.domain.order import Order

# Calling codes of one and two digits (ITU-T E.164); every other code is read as three
# digits, which holds for the Gulf (971, 966, 968, 973, 974, 965) and most of the world.
_SHORT_CALLING_CODES = frozenset(
    {"1", "7"}
    | {"20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45"}
    | {"46", "47", "48", "49", "51", "52", "53", "54", "55", "56", "57", "58", "60", "61"}
    | {"62", "63", "64", "65", "66", "81", "82", "84", "86", "90", "91", "92", "93", "94"}
    | {"95", "98"}
)
_SHOWN = 2  # digits shown at each end of the national number
DEVICE_ID_DIGITS = 15


class VisitSource(StrEnum):
    """How a wallet reached the checkout: the app shell's scanner, or the page itself."""

    SCAN = "SCAN"
    CHECKOUT = "CHECKOUT"


@dataclass(frozen=True, slots=True)
class Visitor:
    """A signed-in wallet at an order's checkout, as the web layer saw it."""

    member_id: str
    source: VisitSource
    ip_address: str
    device_id: str


@dataclass(frozen=True, slots=True)
class CheckoutVisit:
    """What is kept of one wallet's visits to one order: the first and the last."""

    order_no: str
    member_id: str
    source: VisitSource
    ip_address: str
    device_id: str
    first_seen_at: int
    last_seen_at: int


@dataclass(frozen=True, slots=True)
class OrderPayer:
    """The wallet reported for an order, with its phone and where it was seen from
    (empty when it paid without visiting the checkout, e.g. through the sandbox API)."""

    member_id: str
    phone: str
    ip_address: str
    device_id: str


def reported_member(order: Order, visits: list[CheckoutVisit]) -> str | None:
    """The member the merchant is told about: payer, else bound payer, else the last
    visitor (visits newest first); None while nobody has scanned or opened the order."""
    if order.payer_mid is not None:
        return order.payer_mid
    if order.bound_payer_mid is not None:
        return order.bound_payer_mid
    return visits[0].member_id if visits else None


def latest_visit_of(member_id: str, visits: list[CheckoutVisit]) -> CheckoutVisit | None:
    return next((visit for visit in visits if visit.member_id == member_id), None)


def device_id_of(secret: str) -> str:
    """A stable device identifier derived from a browser's session secret, shaped like
    the reference's `TI100999999999900`; the secret cannot be recovered from it."""
    digest = hashlib.sha256(b"botimpay-device:" + secret.encode()).digest()
    number = int.from_bytes(digest[:8], "big") % 10**DEVICE_ID_DIGITS
    return f"TI{number:0{DEVICE_ID_DIGITS}d}"


def split_phone(phone: str) -> tuple[str, str]:
    """`+971560000001` → (`971`, `560000001`): calling code and national number."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    size = next((n for n in (1, 2) if digits[:n] in _SHORT_CALLING_CODES), 3)
    return digits[:size], digits[size:]


def _masked(phone: str, *, one_star: bool) -> str:
    code, national = split_phone(phone)
    hidden = len(national) - 2 * _SHOWN
    if hidden <= 0:  # too short to show both ends: hide all of it
        return f"+{code}-{'*' if one_star else '*' * len(national)}"
    stars = "*" if one_star else "*" * hidden
    return f"+{code}-{national[:_SHOWN]}{stars}{national[-_SHOWN:]}"


def mask_for_order_payer(phone: str) -> str:
    """getOrderPayer's mobileNumberMask: `+971560000001` → `+971-56*****01`."""
    return _masked(phone, one_star=False)


def mask_for_cashier(phone: str) -> str:
    """getCashierUrlInfo's mobileNumberMask: `+971560000001` → `+971-56*01`."""
    return _masked(phone, one_star=True)
