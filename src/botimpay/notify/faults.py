"""Sandbox notification faults: which claimed notification an armed fault hits, and
holding a hit notification back (LATE, REFUND_FIRST) until it may go.

A fault is taken on a notification's first claim, in the same transaction that marks
the row with it (`notifications.fault`): each use hits exactly one notification, even
with several dispatcher processes, and a notification claimed again (a lease that ran
out, a held one coming back) is never hit twice. A held row waits with its lease
(`claimed_until`) pushed to when it may be looked at again:

- LATE: until holdMs of real time has passed; business time is left alone, so the
  retry schedule after the first attempt is the usual one.
- REFUND_FIRST (payment notifications of paid orders only): until a refund
  notification of the same order has been sent (attempted, whatever the answer;
  re-checked every `recheck_ms`), or at most holdMs (default 60 s), so nothing is lost.
- DUPLICATE holds nothing: the dispatcher POSTs the same signed bytes twice.

Only a notification's first attempt (both POSTs of a DUPLICATE) is made under the
fault and marked with it; retries are ordinary. Production never applies any.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Sequence
from typing import Any

from botimpay.clock import Clock
from botimpay.domain.faults import NOTIFY_OPERATION, ArmedFault, NotifyFault
from botimpay.domain.notification import NotificationKind
from botimpay.store import faults_repo, jsonfield, outbox_repo
from botimpay.store.conflicts import RowChanged
from botimpay.store.database import Database
from botimpay.store.outbox_repo import OutboxRow

log = logging.getLogger("botimpay.notify")

REFUND_FIRST_HOLD_MS = 60_000
_PAID = frozenset({"PAID_SUCCESS", "SETTLED"})

ArmedOf = Callable[[str], Sequence[ArmedFault]]
"""A merchant's armed faults by partner id (as read with its keys for this claim)."""


def fault_kind(label: str) -> NotifyFault:
    """The kind of a fault label as stored on a notification ("LATE 1500ms" -> LATE)."""
    return NotifyFault(label.split(" ", 1)[0])


def is_duplicate(row: OutboxRow) -> bool:
    """Whether this attempt of `row` is to be POSTed twice."""
    return (
        row.attempts == 0
        and row.fault is not None
        and fault_kind(row.fault) is NotifyFault.DUPLICATE
    )


def attempt_fault(row: OutboxRow) -> str | None:
    """The fault label this attempt of `row` is made under: on the first attempt only."""
    return row.fault if row.attempts == 0 else None


class NotificationFaults:
    """Applies merchants' armed notification faults to claimed rows (sandbox only)."""

    def __init__(self, db: Database, clock: Clock, *, enabled: bool, recheck_ms: int) -> None:
        self.db = db
        self.clock = clock
        self.enabled = enabled
        self.recheck_ms = recheck_ms

    async def triage(self, rows: list[OutboxRow], armed_of: ArmedOf) -> tuple[list[OutboxRow], int]:
        """The rows to attempt now (with any fault that hit them) and how many are held back.

        With nothing armed and nothing held this reads no database: the merchants' faults
        come with their keys (cached by revision), and a row's mark comes with the row."""
        if not self.enabled:
            return rows, 0
        ready: list[OutboxRow] = []
        held = 0
        for row in rows:  # in claim order, so "the next N" are the oldest due
            armed = _notify_faults(armed_of(row.partner_id))
            if row.attempts == 0 and (row.fault is not None or armed):
                try:
                    now_row = await self._triage_one(row, armed)
                except Exception:  # a fault is a test aid: never let it stop a delivery
                    log.exception("notification %s: sandbox fault not applied", row.notify_id)
                    now_row = row
                if now_row is None:
                    held += 1
                    continue
                row = now_row
            ready.append(row)
        return ready, held

    async def _triage_one(self, row: OutboxRow, armed: Sequence[ArmedFault]) -> OutboxRow | None:
        """The row to attempt now, or None when it is held back (or no longer ours)."""
        now = self.clock.real_ms()
        if row.fault is None:
            try:
                taken = await self._take(row, armed, now)
            except RowChanged:  # marked or attempted by someone else: the use is undone
                return None  # another dispatcher has it now
            if taken is None:
                return row
            return taken if taken.held_until is None else None
        kind = fault_kind(row.fault)
        if kind is not NotifyFault.REFUND_FIRST or row.held_until is None or now >= row.held_until:
            return row  # a LATE row is claimed again only once its hold is over
        async with self.db.write() as conn:
            if await outbox_repo.refund_notice_sent(conn, row.subject_no):
                return row
            await outbox_repo.hold(conn, row.id, until=min(now + self.recheck_ms, row.held_until))
        return None

    async def _take(
        self, row: OutboxRow, armed: Sequence[ArmedFault], now: int
    ) -> OutboxRow | None:
        """Spends one use of the oldest armed fault that matches `row` and marks the row
        with it, atomically; the marked row, or None when no fault hits it."""
        payload: dict[str, Any] | None = None
        for fault in armed:
            kind = NotifyFault(fault.spec.fault)
            if payload is None:
                payload = jsonfield.loads(row.payload)
            if kind is NotifyFault.REFUND_FIRST and not _is_paid_payment(row, payload):
                continue
            refs = _merchant_order_nos(payload) or (None,)
            if not any(fault.matches(NOTIFY_OPERATION, ref, now) for ref in refs):
                continue
            held_until, claimed_until = self._hold_of(kind, fault.spec.hold_ms, now)
            async with self.db.write() as conn:
                if not await faults_repo.consume(conn, fault, now):
                    continue  # used up by another call or process first
                if not await outbox_repo.mark_fault(
                    conn,
                    row.id,
                    fault=fault.spec.label,
                    held_until=held_until,
                    claimed_until=claimed_until,
                ):
                    raise RowChanged  # rolls the use of the fault back
            log.info(
                "notification %s (%s %s): sandbox fault %s",
                row.notify_id,
                row.kind.value,
                row.subject_no,
                fault.spec.label,
            )
            return dataclasses.replace(row, fault=fault.spec.label, held_until=held_until)
        return None

    def _hold_of(self, kind: NotifyFault, hold_ms: int, now: int) -> tuple[int | None, int | None]:
        """(held_until, claimed_until) of a row just hit by a fault of `kind`; a DUPLICATE
        is not held and keeps the claim's lease."""
        if kind is NotifyFault.LATE:
            return now + hold_ms, now + hold_ms
        if kind is NotifyFault.REFUND_FIRST:
            until = now + (hold_ms or REFUND_FIRST_HOLD_MS)
            return until, min(now + self.recheck_ms, until)
        return None, None


def _notify_faults(armed: Sequence[ArmedFault]) -> list[ArmedFault]:
    return [fault for fault in armed if fault.spec.operation == NOTIFY_OPERATION]


def _is_paid_payment(row: OutboxRow, payload: dict[str, Any]) -> bool:
    order = payload.get("acquireOrder")
    return (
        row.kind is NotificationKind.PAYMENT
        and isinstance(order, dict)
        and order.get("status") in _PAID
    )


def _merchant_order_nos(payload: dict[str, Any]) -> tuple[str, ...]:
    """The merchant's order numbers a notification is about: a payment's merchantOrderNo;
    a refund's refundMerchantOrderNo and its payment's (originMerchantOrderNo)."""
    found: list[str] = []
    for key, names in (
        ("acquireOrder", ("merchantOrderNo",)),
        ("refundOrder", ("refundMerchantOrderNo", "originMerchantOrderNo")),
    ):
        subject = payload.get(key)
        if isinstance(subject, dict):
            found += [str(subject[name]) for name in names if subject.get(name)]
    return tuple(found)
