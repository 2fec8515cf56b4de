"""Paying an order: wallet balance or the test card, in one transaction.

A sandbox customer pays from a signed-in test wallet (balance or card); in
production, which has no customer wallets, a card pays without one.

Locks are always taken in the same order (order row, member row, accounts by
kind and owner) so concurrent payments queue instead of deadlocking. Exactly
one payment can succeed per order: the order row is locked and its version
checked; a wallet can never go negative: its row is locked, its balance
checked, and the UPDATE itself refuses to go below zero. An attempt is judged
at one business instant, taken once its order is locked, so an expiry falling
in the middle of an attempt cannot turn into an error. The order changes through
services/transitions.py, each transaction under its one retry policy.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import parse_qs, urlparse

from botimpay.clock import Clock
from botimpay.domain import ledger
from botimpay.domain.fees import payee_fee
from botimpay.domain.member import Member, after_right_password, after_wrong_password
from botimpay.domain.order import BindPayer, Expire, FailPayment, Order, OrderStatus, Pay
from botimpay.domain.payer import Visitor
from botimpay.domain.payment import (
    AttemptStatus,
    CardOutcome,
    Method,
    Reason,
    binds_payer,
    card_info,
    refuse_if_locked,
    refuse_unless_payable,
    refuse_without_wallet,
    refuse_wrong_payer,
    requires_password,
)
from botimpay.errors import CheckoutRefused
from botimpay.services import sharing
from botimpay.services.passwords import verify_password
from botimpay.services.transitions import OrderBusy, apply_event, write_retrying
from botimpay.store import (
    checkout_visits_repo,
    ledger_repo,
    members_repo,
    merchants_repo,
    orders_repo,
    payment_attempts_repo,
)
from botimpay.store.connection import Connection
from botimpay.store.database import Database
from botimpay.store.payment_attempts_repo import PendingAttempt

T = TypeVar("T")
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

    status: AttemptStatus
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

    async def order_for_token(self, token: str, visitor: Visitor | None = None) -> Order:
        """The order behind a checkout token, with a due expiry applied; a `visitor` (a
        signed-in wallet that scanned or opened it) is recorded while it can be paid."""

        async def expire_if_due(conn: Connection) -> Order:
            order = await orders_repo.find_by_token(conn, token, for_update=True)
            if order is None:
                raise CheckoutRefused(Reason.TOKEN_UNKNOWN, "This payment link is not valid.")
            now = self.clock.now_ms()
            order = await apply_event(conn, order, Expire(), now)
            if visitor is not None and order.status is OrderStatus.CREATED:
                await checkout_visits_repo.record(conn, order.order_no, visitor, now)
            return order

        return await self._write(expire_if_due)

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
        return await self._write(
            lambda conn: self._pay(
                conn, member_id, method, token, order_no, password, card, outcome
            )
        )

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
        order = await apply_event(conn, order, Expire(), now)
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
            order = await apply_event(conn, order, BindPayer(member.member_id), now)
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
        return await self._succeed(conn, order, member.member_id, wallet, Method.BALANCE, now)

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
            await self._record_attempt(
                conn, order, member_id, Method.CARD, AttemptStatus.PENDING, None, now
            )
            return PaymentResult(
                AttemptStatus.PENDING,
                order,
                "The bank is confirming the payment.",
                Reason.PAYMENT_PENDING,
            )
        return await self._succeed(
            conn,
            order,
            member_id,
            ledger.CARD_CLEARING,
            Method.CARD,
            now,
            card=card_info(card.number),
        )

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
        method: Method,
        now: int,
        *,
        record_attempt: bool = True,
        card: dict[str, str] | None = None,
    ) -> PaymentResult:
        """Books the payment; `record_attempt=False` when a pending attempt is being resolved;
        `card` is a card payment's masked cardInfo."""
        record = await merchants_repo.load(conn, order.payee_mid)
        if record is None:
            raise CheckoutRefused(Reason.FAILED, "The merchant of this order no longer exists.")
        fee = payee_fee(order.total, record.merchant.fee_rate)
        await ledger_repo.post(
            conn,
            await sharing.payment_entry(conn, order, payer, fee),
            now,
        )
        paid = await apply_event(conn, order, Pay(member_id, method.value, fee, card), now)
        if record_attempt:
            await self._record_attempt(
                conn, order, member_id, method, AttemptStatus.SUCCESS, None, now
            )
        return PaymentResult(AttemptStatus.SUCCESS, paid, "Payment successful.")

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
        await self._record_attempt(
            conn, order, member_id, method, AttemptStatus.FAILED, reason, now
        )
        if order.scene.one_time_payment:
            order = await apply_event(conn, order, FailPayment(message), now)
            message += " This order allowed one attempt only."
        return PaymentResult(AttemptStatus.FAILED, order, message, reason)

    # --- background --------------------------------------------------------

    async def resolve_pending_cards(self, limit: int = 200) -> int:
        """Pending card attempts older than `card_pending_ms` are confirmed by the 'bank'."""
        cutoff = self.clock.now_ms() - self.card_pending_ms
        async with self.db.read() as conn:
            due = await payment_attempts_repo.pending_since(conn, cutoff, limit)
        resolved = 0
        for attempt in due:
            resolved += await write_retrying(
                self.db, functools.partial(self._resolve_pending, attempt)
            )
        return resolved

    async def _resolve_pending(self, due: PendingAttempt, conn: Connection) -> int:
        now = self.clock.now_ms()
        order = await orders_repo.find_by_order_no(conn, due.order_no, for_update=True)
        attempt = await payment_attempts_repo.find_pending(conn, due.attempt_id)
        if order is None or attempt is None:
            return 0
        order = await apply_event(conn, order, Expire(), now)
        if order.status is not OrderStatus.CREATED or order.is_expired_at(now):
            await payment_attempts_repo.resolve(
                conn, attempt.attempt_id, AttemptStatus.FAILED, Reason.ORDER_CLOSED, now
            )
            return 1
        await self._succeed(
            conn,
            order,
            attempt.member_id,
            ledger.CARD_CLEARING,
            Method.CARD,
            now,
            record_attempt=False,
            # A pending attempt keeps no card; the test card is the only one ever accepted.
            card=card_info(TEST_CARD[0]),
        )
        await payment_attempts_repo.resolve(
            conn, attempt.attempt_id, AttemptStatus.SUCCESS, None, now
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

    async def _write(self, work: Callable[[Connection], Awaitable[T]]) -> T:
        """`work` in one write transaction under the one retry policy; a CheckoutRefused is
        raised after the commit, so what must stay (see `pay`) is saved."""
        try:
            return await write_retrying(self.db, work, commit_before=(CheckoutRefused,))
        except OrderBusy:
            raise CheckoutRefused(
                Reason.FAILED, "The order changed meanwhile; please retry."
            ) from None

    async def _record_attempt(
        self,
        conn: Connection,
        order: Order,
        member_id: str | None,
        method: Method,
        status: AttemptStatus,
        reason: Reason | None,
        now: int,
    ) -> None:
        """Stamped with the transaction's business time, like its ledger entry and state
        change, so the console's timeline shows them together."""
        await payment_attempts_repo.record(
            conn,
            order_no=order.order_no,
            member_id=member_id,
            method=method,
            status=status,
            reason=reason,
            amount=order.total,
            now_ms=now,
        )

    @staticmethod
    async def _refuse_if_pending(conn: Connection, order: Order) -> None:
        if await payment_attempts_repo.has_pending(conn, order.order_no):
            raise CheckoutRefused(
                Reason.PAYMENT_PENDING, "A card payment for this order is still being confirmed."
            )
