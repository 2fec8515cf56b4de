"""Paying an order: wallet balance or the test card, in one transaction.

A sandbox customer pays from a signed-in test wallet (balance or card); in
production, which has no customer wallets, a card pays without one.

Locks are always taken in the same order (order row, member row, accounts by
kind and owner) so concurrent payments queue instead of deadlocking. Exactly
one payment can succeed per order: the order row is locked and its version
checked; a wallet can never go negative: its row is locked, its balance
checked, and the UPDATE itself refuses to go below zero. An attempt is judged
at one business instant, taken once its order is locked, so an expiry falling
in the middle of an attempt cannot turn into an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlparse

from sqlalchemy import insert, select, update

from botimpay.clock import Clock
from botimpay.domain import ledger
from botimpay.domain.fees import payee_fee
from botimpay.domain.member import Member, after_right_password, after_wrong_password
from botimpay.domain.order import BindPayer, Event, Expire, FailPayment, Order, Pay
from botimpay.domain.payment import (
    CardOutcome,
    Method,
    Reason,
    binds_payer,
    refuse_if_locked,
    refuse_unless_payable,
    refuse_without_wallet,
    refuse_wrong_payer,
    requires_password,
)
from botimpay.errors import CheckoutRefused
from botimpay.services.passwords import verify_password
from botimpay.services.transitions import apply_event
from botimpay.store import ledger_repo, members_repo, merchants_repo, orders_repo
from botimpay.store.connection import Connection
from botimpay.store.database import Database
from botimpay.store.tables import payment_attempts

TEST_CARD = ("5123450000000008", "05/31", "100")
_NON_DIGITS = re.compile(r"\D+")


@dataclass(frozen=True, slots=True)
class Card:
    number: str
    expiry: str
    cvv: str

    def is_test_card(self) -> bool:
        number = _NON_DIGITS.sub("", self.number)
        expiry = self.expiry.replace(" ", "")
        return (number, expiry, self.cvv.strip()) == TEST_CARD


@dataclass(frozen=True, slots=True)
class PaymentResult:
    """What the checkout shows: SUCCESS, FAILED (attempt failed) or PENDING."""

    status: str
    order: Order
    message: str
    reason: Reason | None = None


def token_from_url(token_url: str) -> str:
    """The `ft` of a tokenUrl (or the token itself)."""
    if "://" not in token_url and "?" not in token_url:
        return token_url.strip()
    values = parse_qs(urlparse(token_url.strip()).query).get("ft")
    if not values:
        raise CheckoutRefused(Reason.TOKEN_UNKNOWN, "This is not a Botim Money payment link.")
    return values[0]


class PaymentService:
    def __init__(
        self, db: Database, clock: Clock, *, card_pending_ms: int = 5_000, sandbox: bool = True
    ) -> None:
        self.db = db
        self.clock = clock
        self.card_pending_ms = card_pending_ms
        self.sandbox = sandbox  # production does not name the test card to customers

    # --- reading -----------------------------------------------------------

    async def order_for_token(self, token: str) -> Order:
        """The order behind a checkout token, with a due expiry applied."""
        async with self.db.write() as conn:
            order = await orders_repo.find_by_token(conn, token, for_update=True)
            if order is None:
                raise CheckoutRefused(Reason.TOKEN_UNKNOWN, "This payment link is not valid.")
            return await self._apply(conn, order, Expire())

    async def merchant_name(self, partner_id: str) -> str:
        async with self.db.read() as conn:
            record = await merchants_repo.load(conn, partner_id)
        return record.merchant.name if record else partner_id

    # --- paying ------------------------------------------------------------

    async def pay(
        self,
        *,
        member_id: str | None,
        method: Method,
        token: str | None = None,
        order_no: str | None = None,
        password: str | None = None,
        card: Card | None = None,
        outcome: CardOutcome = CardOutcome.SUCCESS,
    ) -> PaymentResult:
        """One payment attempt by a member's wallet or card, or (`member_id=None`) by a
        card without a wallet; refusals raise CheckoutRefused after saving what must stay
        (an expiry found, the bound payer, the password counter, a failed attempt)."""
        async with self.db.write() as conn:
            try:
                return await self._pay(
                    conn, member_id, method, token, order_no, password, card, outcome
                )
            except CheckoutRefused as exc:
                refusal = exc  # leave the block normally so what must stay is committed
        raise refusal

    async def _pay(
        self,
        conn: Connection,
        member_id: str | None,
        method: Method,
        token: str | None,
        order_no: str | None,
        password: str | None,
        card: Card | None,
        outcome: CardOutcome,
    ) -> PaymentResult:
        order = await self._locked_order(conn, token, order_no)
        now = self.clock.now_ms()
        order = await self._apply(conn, order, Expire(), now)
        refuse_unless_payable(order, now)
        if member_id is None:
            refuse_without_wallet(order, method)
            await self._refuse_if_pending(conn, order)
            return await self._pay_by_card(conn, order, None, card, outcome, now)
        member = await members_repo.by_id(conn, member_id, for_update=True)
        if member is None:
            raise CheckoutRefused(Reason.SIGN_IN_FAILED, "Sign in to your wallet first.")
        refuse_if_locked(member, now)
        refuse_wrong_payer(order, member, member.eid_hash)
        if binds_payer(order):
            order = await self._apply(conn, order, BindPayer(member.member_id), now)
        await self._check_password(conn, order, member, password, now)
        await self._refuse_if_pending(conn, order)
        if method is Method.CARD:
            return await self._pay_by_card(conn, order, member.member_id, card, outcome, now)
        wallet = ledger.wallet(member.member_id)
        available = await ledger_repo.balance(conn, wallet, for_update=True)
        if available < order.total:
            message = (
                f"Your balance of AED {available.amount} is not enough"
                f" for AED {order.total.amount}."
            )
            return await self._failed(
                conn, order, member.member_id, method, Reason.INSUFFICIENT_BALANCE, message, now
            )
        return await self._succeed(conn, order, member.member_id, wallet, "BALANCE", now)

    async def _pay_by_card(
        self,
        conn: Connection,
        order: Order,
        member_id: str | None,
        card: Card | None,
        outcome: CardOutcome,
        now: int,
    ) -> PaymentResult:
        if card is None or not card.is_test_card():
            raise CheckoutRefused(
                Reason.CARD_INVALID,
                "Use the sandbox test card 5123 4500 0000 0008, 05/31, CVV 100."
                if self.sandbox
                else "The card was not accepted. Check its number, expiry date and CVV.",
            )
        if outcome is CardOutcome.FAILURE:
            return await self._failed(
                conn,
                order,
                member_id,
                Method.CARD,
                Reason.CARD_DECLINED,
                "The card was declined.",
                now,
            )
        if outcome is CardOutcome.PENDING:
            await self._record_attempt(conn, order, member_id, Method.CARD, "PENDING", None)
            return PaymentResult(
                "PENDING", order, "The bank is confirming the payment.", Reason.PAYMENT_PENDING
            )
        return await self._succeed(conn, order, member_id, ledger.CARD_CLEARING, "CARD", now)

    async def _check_password(
        self, conn: Connection, order: Order, member: Member, password: str | None, now: int
    ) -> None:
        if not password:
            if requires_password(order):
                raise CheckoutRefused(
                    Reason.PASSWORD_REQUIRED,
                    "Payments of AED 500 or more need your payment password.",
                )
            return
        if verify_password(password, member.password_hash):
            await members_repo.save_password_state(conn, after_right_password(member))
            return
        updated = after_wrong_password(member, now)
        await members_repo.save_password_state(conn, updated)
        refuse_if_locked(updated, now)
        raise CheckoutRefused(
            Reason.WRONG_PASSWORD,
            f"Wrong payment password. {updated.password_lock.attempts_left()} attempts left.",
        )

    async def _succeed(
        self,
        conn: Connection,
        order: Order,
        member_id: str | None,
        payer: ledger.AccountRef,
        channel: str,
        now: int,
        *,
        record_attempt: bool = True,
    ) -> PaymentResult:
        """Books the payment; `record_attempt=False` when a pending attempt is being resolved."""
        record = await merchants_repo.load(conn, order.payee_mid)
        if record is None:
            raise CheckoutRefused(Reason.FAILED, "The merchant of this order no longer exists.")
        fee = payee_fee(order.total, record.merchant.fee_rate)
        await ledger_repo.post(
            conn,
            ledger.payment_entry(order.order_no, payer, order.payee_mid, order.total, fee),
            now,
        )
        paid = await self._apply(conn, order, Pay(member_id, channel, fee), now)
        if record_attempt:
            await self._record_attempt(conn, order, member_id, Method(channel), "SUCCESS", None)
        return PaymentResult("SUCCESS", paid, "Payment successful.")

    async def _failed(
        self,
        conn: Connection,
        order: Order,
        member_id: str | None,
        method: Method,
        reason: Reason,
        message: str,
        now: int,
    ) -> PaymentResult:
        await self._record_attempt(conn, order, member_id, method, "FAILED", reason)
        if order.scene.one_time_payment:
            order = await self._apply(conn, order, FailPayment(message), now)
            message += " This order allowed one attempt only."
        return PaymentResult("FAILED", order, message, reason)

    # --- background --------------------------------------------------------

    async def resolve_pending_cards(self, limit: int = 200) -> int:
        """Pending card attempts older than `card_pending_ms` are confirmed by the 'bank'."""
        cutoff = self.clock.now_ms() - self.card_pending_ms
        async with self.db.read() as conn:
            rows = (
                await conn.execute(
                    select(payment_attempts.c.id, payment_attempts.c.order_no)
                    .where(
                        payment_attempts.c.status == "PENDING",
                        payment_attempts.c.created_at <= cutoff,
                    )
                    .limit(limit)
                )
            ).all()
        resolved = 0
        for attempt_id, order_no in rows:
            async with self.db.write() as conn:
                resolved += await self._resolve_pending(conn, int(attempt_id), order_no)
        return resolved

    async def _resolve_pending(self, conn: Connection, attempt_id: int, order_no: str) -> int:
        now = self.clock.now_ms()
        order = await orders_repo.find_by_order_no(conn, order_no, for_update=True)
        attempt = (
            await conn.execute(
                select(payment_attempts.c.member_id).where(
                    payment_attempts.c.id == attempt_id, payment_attempts.c.status == "PENDING"
                )
            )
        ).first()
        if order is None or attempt is None:
            return 0
        member_id = attempt.member_id  # None: a card without a wallet
        order = await self._apply(conn, order, Expire(), now)
        payable = not order.is_paid and not order.is_final and not order.is_expired_at(now)
        if payable and order.status.value == "CREATED":
            await self._succeed(
                conn, order, member_id, ledger.CARD_CLEARING, "CARD", now, record_attempt=False
            )
            status, reason = "SUCCESS", None
        else:
            status, reason = "FAILED", "ORDER_CLOSED"
        await conn.execute(
            update(payment_attempts)
            .where(payment_attempts.c.id == attempt_id)
            .values(status=status, reason=reason, resolved_at=now)
        )
        return 1

    # --- helpers -----------------------------------------------------------

    @staticmethod
    async def _locked_order(conn: Connection, token: str | None, order_no: str | None) -> Order:
        if token is not None:
            order = await orders_repo.find_by_token(conn, token, for_update=True)
        elif order_no is not None:
            order = await orders_repo.find_by_order_no(conn, order_no, for_update=True)
        else:
            order = None
        if order is None:
            raise CheckoutRefused(Reason.TOKEN_UNKNOWN, "This payment link is not valid.")
        return order

    async def _apply(
        self, conn: Connection, order: Order, event: Event, now: int | None = None
    ) -> Order:
        """Applies `event` at business time `now` (the attempt's instant; default: now)."""
        changed = await apply_event(conn, order, event, self.clock.now_ms() if now is None else now)
        if changed is None:
            raise CheckoutRefused(Reason.FAILED, "The order changed meanwhile; please retry.")
        return changed

    async def _record_attempt(
        self,
        conn: Connection,
        order: Order,
        member_id: str | None,
        method: Method,
        status: str,
        reason: Reason | None,
    ) -> None:
        now = self.clock.now_ms()
        await conn.execute(
            insert(payment_attempts).values(
                order_no=order.order_no,
                member_id=member_id,
                method=method.value,
                status=status,
                reason=reason.value if reason else None,
                amount_fils=order.total.fils,
                created_at=now,
                resolved_at=None if status == "PENDING" else now,
            )
        )

    @staticmethod
    async def _refuse_if_pending(conn: Connection, order: Order) -> None:
        found = await conn.scalar(
            select(payment_attempts.c.id).where(
                payment_attempts.c.order_no == order.order_no,
                payment_attempts.c.status == "PENDING",
            )
        )
        if found is not None:
            raise CheckoutRefused(
                Reason.PAYMENT_PENDING, "A card payment for this order is still being confirmed."
            )
