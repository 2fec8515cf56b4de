"""Who may pay an order, and how: the checkout's rules as pure functions.

JSAPI `payerMid` must be the paying member; DYNQR `changePayer` binds the
first member who pays; `eid` must match the member's Emirates ID hash;
payments of AED 500 or more need the payment password. Without a wallet (a card
payment in production) only orders that name no payer can be paid. A card payment
is shown to the merchant masked, as paymentInfo.cardInfo (first six and last four digits).
"""

from __future__ import annotations

from enum import StrEnum

from botimpay.domain.member import Lockout, Member
from botimpay.domain.order import Order, OrderStatus
from botimpay.errors import CheckoutRefused
from botimpay.protocol.money import Money

PASSWORD_THRESHOLD = Money(50_000)


class Method(StrEnum):
    BALANCE = "BALANCE"
    CARD = "CARD"


class CardOutcome(StrEnum):
    SUCCESS = "SUCCESS"
    PENDING = "PENDING"
    FAILURE = "FAILURE"


class AttemptStatus(StrEnum):
    """How one payment attempt ended, as the checkout shows it and payment_attempts
    keeps it; PENDING is a card payment the bank has yet to confirm."""

    SUCCESS = "SUCCESS"
    FAILED = "FAILED"
    PENDING = "PENDING"


class Reason(StrEnum):
    TOKEN_UNKNOWN = "TOKEN_UNKNOWN"
    EXPIRED = "EXPIRED"
    CANCELLED = "CANCELLED"
    ALREADY_PAID = "ALREADY_PAID"
    FAILED = "FAILED"
    WRONG_PAYER = "WRONG_PAYER"
    EID_MISMATCH = "EID_MISMATCH"
    LOCKED = "LOCKED"
    PASSWORD_REQUIRED = "PASSWORD_REQUIRED"
    WRONG_PASSWORD = "WRONG_PASSWORD"
    INSUFFICIENT_BALANCE = "INSUFFICIENT_BALANCE"
    CARD_DECLINED = "CARD_DECLINED"
    CARD_INVALID = "CARD_INVALID"
    SIGN_IN_FAILED = "SIGN_IN_FAILED"
    PAYMENT_PENDING = "PAYMENT_PENDING"
    ORDER_CLOSED = "ORDER_CLOSED"  # a pending card payment's order closed before the bank


# What the gateway's issuer says of the one card it accepts (the sandbox test card, a
# Mastercard credit card issued in the UAE); the number itself comes from the payment.
_TEST_ISSUER = {
    "cardType": "CREDIT",
    "cardLevel": "STANDARD",
    "issueCountry": "AE",
    "issueBank": "Botimpay Test Bank",
}


def card_brand(digits: str) -> str:
    """The card scheme a number's leading digits (its BIN) name."""
    if digits.startswith("4"):
        return "VISA"
    if digits[:2] in {"51", "52", "53", "54", "55"} or "2221" <= digits[:4] <= "2720":
        return "MASTERCARD"
    if digits[:2] in {"34", "37"}:
        return "AMEX"
    return "UNKNOWN"


def card_info(number: str) -> dict[str, str]:
    """paymentInfo.cardInfo of an accepted card payment, shaped like the sample in
    retrieve-order-detail.mdx: the number masked to its first six and last four digits."""
    digits = "".join(ch for ch in number if ch.isdigit())
    return {"brand": card_brand(digits), "first6": digits[:6], "last4": digits[-4:], **_TEST_ISSUER}


def refuse_unless_payable(order: Order, now_ms: int) -> None:
    """The order must be CREATED and unexpired; the message says why not."""
    if order.is_paid:
        raise CheckoutRefused(Reason.ALREADY_PAID, "This order has already been paid.")
    if order.status is OrderStatus.FAILURE:
        if order.fail_code == "ORDER_CANCELLED":
            raise CheckoutRefused(Reason.CANCELLED, "The merchant cancelled this order.")
        if order.fail_code == "ORDER_EXPIRED":
            raise CheckoutRefused(Reason.EXPIRED, "This order has expired.")
        raise CheckoutRefused(Reason.FAILED, "This order can no longer be paid.")
    if order.is_expired_at(now_ms):
        raise CheckoutRefused(Reason.EXPIRED, "This order has expired.")


def refuse_wrong_payer(order: Order, member: Member, eid_hash: str | None) -> None:
    """Scene rules: JSAPI payerMid, DYNQR bound payer, and the Emirates ID check."""
    if order.scene.payer_mid and order.scene.payer_mid != member.member_id:
        raise CheckoutRefused(Reason.WRONG_PAYER, "This order is reserved for another customer.")
    if order.bound_payer_mid and order.bound_payer_mid != member.member_id:
        raise CheckoutRefused(
            Reason.WRONG_PAYER, "Another customer has already scanned this order."
        )
    if order.scene.eid and order.scene.eid != (eid_hash or "").lower():
        raise CheckoutRefused(
            Reason.EID_MISMATCH, "Your Emirates ID does not match the one this order requires."
        )


def refuse_without_wallet(order: Order, method: Method) -> None:
    """Paying without a wallet (production's checkout has no sign-in): by card only, and
    only orders that do not name their payer (JSAPI payerMid, a bound DYNQR payer, eid)."""
    if method is not Method.CARD:
        raise CheckoutRefused(Reason.SIGN_IN_FAILED, "Sign in to your wallet first.")
    if order.scene.payer_mid or order.bound_payer_mid or order.scene.eid:
        raise CheckoutRefused(
            Reason.WRONG_PAYER, "This order can only be paid from the customer's Botim wallet."
        )


def binds_payer(order: Order) -> bool:
    """DYNQR with changePayer=true binds the first member who tries to pay."""
    return order.scene_code == "DYNQR" and bool(order.scene.change_payer)


def requires_password(order: Order) -> bool:
    return order.total >= PASSWORD_THRESHOLD


def refuse_if_locked(member: Member, now_ms: int) -> None:
    """The payment password is locked (too many wrong ones): no payment from this wallet."""
    _refuse_locked(member.password_lock, now_ms, "Too many wrong payment passwords.")


def refuse_if_sign_in_locked(member: Member, now_ms: int) -> None:
    """The sign-in code is locked (too many wrong OTPs): even the right one waits."""
    _refuse_locked(member.otp_lock, now_ms, "Too many wrong verification codes.")


def _refuse_locked(lock: Lockout, now_ms: int, what: str) -> None:
    if lock.is_locked(now_ms) and lock.locked_until is not None:
        minutes = max(1, (lock.locked_until - now_ms + 59_999) // 60_000)
        raise CheckoutRefused(
            Reason.LOCKED,
            f"{what} Try again in {minutes} {'minute' if minutes == 1 else 'minutes'}.",
        )
