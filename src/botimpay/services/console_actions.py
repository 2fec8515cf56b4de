"""The order page's buttons: cancel, refund, revoke, and in the sandbox pay as a test
wallet and advance the clock, each through the same service the API (or the sandbox
API and `botimpay pay`) uses, so the console can do nothing the API could not.

Each returns one sentence for the page's flash message. A refusal raises: the API's
BusinessError, a payment's CheckoutRefused, or ConsoleRefused for what the console's
own form got wrong; the page shows its message, never a 500. Resending a notification
lives in notify/admin.py (the layer above), called by the page itself.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from pydantic import ValidationError

from botimpay.clock import Clock
from botimpay.domain.order import Order
from botimpay.domain.payment import AttemptStatus, CardOutcome, Method
from botimpay.errors import BotimpayError
from botimpay.protocol.money import Money, MoneyError, parse_amount
from botimpay.protocol.refund_requests import RefundBiz
from botimpay.protocol.requests import OrderRef
from botimpay.services.orders import OrderService
from botimpay.services.payments import TEST_CARD, Card, PaymentService
from botimpay.services.refunds import RefundService
from botimpay.services.sandbox import MAX_ADVANCE_S, SandboxClock
from botimpay.services.setup import TEST_PASSWORD, TEST_WALLETS, test_wallet
from botimpay.services.wallets import WalletService

ADVANCE_CHOICES = (  # (seconds, label) the page offers
    (60, "1 minute"),
    (600, "10 minutes"),
    (3600, "1 hour"),
    (2 * 3600 + 60, "2 hours 1 minute (past the default expiry)"),
    (24 * 3600, "1 day (settlement)"),
)


class ConsoleRefused(BotimpayError):
    """Raised when a console action's form is unusable (an amount that is not exact
    AED, a wallet that is no test wallet, a sandbox action in production)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class ConsoleActions:
    """The app's own service objects, so the console shares their settings and guards."""

    clock: Clock
    orders: OrderService
    refunds: RefundService
    payments: PaymentService
    wallets: WalletService
    sandbox_clock: SandboxClock
    sandbox: bool

    async def cancel(self, order: Order) -> str:
        done = await self.orders.cancel(order.partner_id, OrderRef(orderNo=order.order_no))
        return f"Order {done.order_no} cancelled: it is now {done.status.value}."

    async def refund(self, order: Order, amount_text: str, reason: str, username: str) -> str:
        """A refund of `amount_text` AED (blank: all that is left), by the API's rules."""
        amount = refund_amount(order, amount_text)
        number = f"CONSOLE{self.clock.real_ms()}{secrets.token_hex(4).upper()}"
        try:
            biz = RefundBiz.model_validate(
                {
                    "refundMerchantOrderNo": number,
                    "originOrderNo": order.order_no,
                    "amount": {"amount": str(amount.amount), "currency": amount.currency},
                    "reason": reason.strip() or None,
                    "operatorName": f"console {username}",
                }
            )
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            where = ".".join(str(part) for part in first["loc"]) or "refund"
            message = str(first["msg"]).removeprefix("Value error, ")
            raise ConsoleRefused(f"{where}: {message}") from None
        result = await self.refunds.refund(order.partner_id, biz, self.clock.real_ms())
        left = result.order.total - result.order.refunded
        return (
            f"Refunded AED {result.refund.amount.amount} (refund {result.refund.refund_no},"
            f" refundMerchantOrderNo {number}); AED {left.amount} left to refund."
        )

    async def revoke(self, order: Order) -> str:
        done = await self.refunds.revoke(order.partner_id, OrderRef(orderNo=order.order_no))
        refunded = f", AED {done.refunded.amount} refunded" if done.refunded.fils else ""
        return f"Order {done.order_no} revoked: it is now {done.status.value}{refunded}."

    async def pay(self, order: Order, wallet_text: str, method_text: str) -> tuple[bool, str]:
        """Pays as test wallet N, as `botimpay pay ORDER --wallet N` does (sandbox only);
        (succeeded, message): an attempt that ran and failed is news, not a refusal."""
        self._require_sandbox("Paying as a test wallet")
        wallet = wallet_text.strip()
        if not (wallet.isascii() and wallet.isdigit() and int(wallet) < TEST_WALLETS):
            raise ConsoleRefused(f"wallet must be a test wallet 0 to {TEST_WALLETS - 1}")
        try:
            method = Method(method_text.strip().upper())
        except ValueError:
            raise ConsoleRefused("method must be BALANCE or CARD") from None
        member = await self.wallets.member_by_phone(test_wallet(int(wallet))[1])
        result = await self.payments.pay(
            member_id=member.member_id,
            method=method,
            order_no=order.order_no,
            password=TEST_PASSWORD,
            card=Card(*TEST_CARD),
            outcome=CardOutcome.SUCCESS,
        )
        head = f"Payment by test wallet {wallet} ({method.value}) {result.status.value}"
        return result.status is not AttemptStatus.FAILED, f"{head}: {result.message}"

    async def advance_clock(self, order: Order, seconds_text: str) -> str:
        """Moves business time forward (sandbox only), as POST /sandbox/api/clock/advance
        does; then reads the order through the API's service, so a due expiry shows."""
        self._require_sandbox("Advancing the clock")
        text = seconds_text.strip()
        if not (text.isascii() and text.isdigit() and 0 < int(text) <= MAX_ADVANCE_S):
            raise ConsoleRefused(f"seconds must be a whole number from 1 to {MAX_ADVANCE_S}")
        offset = await self.sandbox_clock.advance(int(text))
        now = await self.orders.get(order.partner_id, OrderRef(orderNo=order.order_no))
        expired = " The order expired." if now.status is not order.status else ""
        return (
            f"Business time moved forward {int(text)} s (now {offset // 1000} s ahead of"
            f" real time).{expired}"
        )

    def _require_sandbox(self, what: str) -> None:
        if not self.sandbox:
            raise ConsoleRefused(f"{what} is a sandbox feature; this gateway is in production")


def refund_amount(order: Order, text: str) -> Money:
    """The exact amount a refund form asks for; blank or 'full' means all that is left."""
    text = text.strip()
    if text.lower() in ("", "full", "all"):
        left = order.total - order.refunded
        if left.fils <= 0:
            raise ConsoleRefused(f"order {order.order_no} has nothing to refund")
        return left
    try:
        money = Money.from_decimal(parse_amount(text, "amount"))
    except MoneyError as exc:
        raise ConsoleRefused(f"{exc} (got {text[:20]!r})") from None
    if money.fils <= 0:
        raise ConsoleRefused(f"the amount must be greater than 0 (got {text[:20]!r})")
    return money
