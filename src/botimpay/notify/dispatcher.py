"""The outbox dispatcher: claims due notifications, delivers them concurrently, schedules retries.

A claim is a lease in real time (default 60 s): a dispatcher killed mid-delivery
loses its rows only until the lease ends, then any dispatcher takes them again
(at-least-once). Retries follow domain.notification in *business* time, so
sandbox time travel drives the schedule; after 8 attempts a row is FAILED.
Several dispatchers (in `serve` processes and `botimpay worker`s) may run on one
database; PostgreSQL hands each due row to one of them (SKIP LOCKED).

Per notification, the work is the signature and the POST; everything else is
shared: rows are claimed in batches (again when half the slots are free, not one
row per finished delivery), a batch's merchant keys are read once, and attempts
are recorded in batches (one transaction for all that finish while the previous
one commits). A merchant's slot is held for its POST only, not for the record.

Whoever builds a dispatcher hands it the way to a merchant's gateway signing key
(`signing_keys`: the app passes its Authenticator's cached keys, `botimpay worker`
its own) and, in a sandbox worker, the way to follow the sandbox clock. In sandbox
mode the keys come with the merchant's armed faults, and notify.faults applies the
notification ones to each claimed batch (production applies none).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from botimpay.clock import Clock
from botimpay.domain.faults import ArmedFault
from botimpay.domain.notification import NotificationStatus, next_attempt_delay
from botimpay.netguard import NotifyGuard
from botimpay.notify.delivery import AttemptResult, Outcome, Sender, build_body, safe_url
from botimpay.notify.faults import NotificationFaults, attempt_fault, is_duplicate
from botimpay.notify.recorder import Recorder
from botimpay.settings import Settings
from botimpay.store import outbox_repo
from botimpay.store.database import Database
from botimpay.store.outbox_repo import Attempt, OutboxRow

log = logging.getLogger("botimpay.notify")

DEFAULT_LEASE_MS = 60_000
DEFAULT_MAX_IN_FLIGHT = 32
DRAIN_MS = 5_000
REFILL_WAIT_MS = 100


class Verdict(StrEnum):
    """What became of one claimed row (the fields of DispatchCounts)."""

    DELIVERED = "delivered"
    RETRYING = "retrying"
    FAILED = "failed"
    CONFLICT = "conflict"  # another dispatcher recorded this attempt first
    ERROR = "error"  # not recorded; the row comes back when the lease ends
    EXPIRED = "expired"  # the lease ended before a slot was free; not attempted
    HELD = "held"  # held back by a sandbox notification fault; not attempted yet


@dataclass(frozen=True, slots=True)
class DispatchCounts:
    """What one run_once did: rows claimed and what became of them."""

    claimed: int = 0
    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    conflict: int = 0
    error: int = 0
    expired: int = 0
    held: int = 0

    @classmethod
    def of(cls, claimed: int, verdicts: list[Verdict]) -> DispatchCounts:
        seen = Counter(verdicts)
        return cls(
            claimed=claimed,
            delivered=seen[Verdict.DELIVERED],
            retrying=seen[Verdict.RETRYING],
            failed=seen[Verdict.FAILED],
            conflict=seen[Verdict.CONFLICT],
            error=seen[Verdict.ERROR],
            expired=seen[Verdict.EXPIRED],
            held=seen[Verdict.HELD],
        )


class Signer(Protocol):
    """A merchant's gateway key, as far as notifications need it."""

    def sign(self, data: bytes) -> str:
        """base64 SHA256withRSA of `data`: the notification's `sign` header."""
        ...

    @property
    def faults(self) -> Sequence[ArmedFault]:
        """The merchant's armed sandbox faults (empty in production)."""
        ...


SigningKeys = Callable[[str], Awaitable[Signer | None]]
"""The signer of a merchant by partner id; None when there is no such merchant."""

# A claimed row's merchant as read at claim time: its signer, None if it is gone, or the
# error that reading it raised (which fails each of its rows like before).
MerchantKeys = Signer | Exception | None


class Dispatcher:
    """Delivers due outbox rows; one instance per process, shared HTTP client."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        sender: Sender,
        *,
        signing_keys: SigningKeys,
        follow_clock: Callable[[], Awaitable[object]] | None = None,
        lease_ms: int = DEFAULT_LEASE_MS,
        interval_ms: int = 500,
        max_in_flight: int = DEFAULT_MAX_IN_FLIGHT,
        per_merchant: int = 4,
        sandbox: bool = False,
    ) -> None:
        if lease_ms <= 0 or interval_ms <= 0 or max_in_flight <= 0 or per_merchant <= 0:
            raise ValueError("lease, interval and concurrency limits must be positive")
        self.db = db
        self.clock = clock
        self.sender = sender
        self.signing_keys = signing_keys
        self.follow_clock = follow_clock  # a sandbox worker's: reads the offset before claims
        self.lease_ms = lease_ms
        self.interval_ms = interval_ms
        self.max_in_flight = max_in_flight
        self.per_merchant = per_merchant
        self._slots = asyncio.Semaphore(max_in_flight)
        # run_forever claims again once at least half the slots are free
        self._refill_at = max_in_flight - max(1, max_in_flight // 2)
        self._merchant_slots: dict[str, asyncio.Semaphore] = {}
        self._recorder = Recorder(db)
        # a held notification is looked at again every idle interval
        self._faults = NotificationFaults(db, clock, enabled=sandbox, recheck_ms=interval_ms)

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        db: Database,
        clock: Clock,
        *,
        signing_keys: SigningKeys,
        follow_clock: Callable[[], Awaitable[object]] | None = None,
    ) -> Dispatcher:
        sender = Sender(
            connect_timeout_ms=settings.notify_connect_timeout_ms,
            read_timeout_ms=settings.notify_read_timeout_ms,
            max_connections=DEFAULT_MAX_IN_FLIGHT,
            guard=NotifyGuard.from_settings(settings),  # production: public addresses only
        )
        return cls(
            db,
            clock,
            sender,
            signing_keys=signing_keys,
            follow_clock=follow_clock,
            lease_ms=settings.notify_lease_ms,
            interval_ms=settings.dispatch_interval_ms,
            per_merchant=settings.notify_per_merchant,
            sandbox=settings.is_sandbox,  # notification faults apply in sandbox mode only
        )

    async def aclose(self) -> None:
        await self.sender.aclose()

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """run_forever as a background task for the duration of the block, then closed."""
        stop = asyncio.Event()
        task = asyncio.create_task(self.run_forever(stop), name="notify-dispatcher")
        try:
            yield
        finally:
            stop.set()
            try:
                await task
            finally:
                await self.aclose()

    async def run_once(self) -> DispatchCounts:
        """Claims one batch of due rows, delivers them all and waits for the verdicts."""
        claimed_at = self.clock.real_ms()
        claimed = await self._claim(self.max_in_flight)
        merchants = await self._merchants(claimed)
        rows, held = await self._faults.triage(claimed, functools.partial(_armed, merchants))
        verdicts = await asyncio.gather(
            *(self._deliver(row, claimed_at, merchants[row.partner_id]) for row in rows)
        )
        return DispatchCounts.of(len(claimed), [*verdicts, *[Verdict.HELD] * held])

    async def run_forever(self, stop: asyncio.Event) -> None:
        """Keeps claiming while there is capacity; idles `interval_ms` when nothing is due.

        Errors are logged and the loop goes on. When `stop` is set it stops claiming,
        gives deliveries in flight DRAIN_MS to finish and cancels the rest (their
        rows come back when the lease ends).
        """
        in_flight: dict[int, asyncio.Task[Verdict]] = {}
        room = asyncio.Event()
        stopped = asyncio.create_task(stop.wait())
        try:
            while not stop.is_set():
                if len(in_flight) > self._refill_at:
                    # Busy: claim again once half the slots are free, so claims stay
                    # batched; or within REFILL_WAIT_MS of any slot freeing up, so one
                    # slow merchant's deliveries do not hold up everyone else's.
                    room.clear()
                    await _first(stopped, room.wait(), REFILL_WAIT_MS / 1000)
                    if len(in_flight) >= self.max_in_flight:
                        continue
                busy = False
                try:
                    busy = await self._fill(in_flight, room)
                except Exception:
                    log.exception("dispatcher: claiming due notifications failed; retrying")
                if not busy:
                    await asyncio.wait({stopped}, timeout=self.interval_ms / 1000)
        finally:
            stopped.cancel()
            await self._drain(in_flight)

    async def _fill(self, in_flight: dict[int, asyncio.Task[Verdict]], room: asyncio.Event) -> bool:
        """Starts deliveries for newly claimed rows; True if the batch was full."""
        free = self.max_in_flight - len(in_flight)
        if free <= 0:
            return False
        if self.follow_clock is not None:
            await self.follow_clock()
        claimed_at = self.clock.real_ms()
        claimed = await self._claim(free)
        # skipped: rows whose lease ran out while we were still delivering them
        rows = [row for row in claimed if row.id not in in_flight]
        merchants = await self._merchants(rows)
        rows, held = await self._faults.triage(rows, functools.partial(_armed, merchants))
        started = held  # a held row is done with for this claim
        for row in rows:
            task = asyncio.create_task(
                self._deliver(row, claimed_at, merchants[row.partner_id]),
                name=f"notify-{row.notify_id}",
            )
            in_flight[row.id] = task
            task.add_done_callback(
                functools.partial(_forget, in_flight, row.id, room, self._refill_at)
            )
            started += 1
        return started == free

    async def _drain(self, in_flight: dict[int, asyncio.Task[Verdict]]) -> None:
        tasks = set(in_flight.values())
        if tasks:
            _done, pending = await asyncio.wait(tasks, timeout=DRAIN_MS / 1000)
            for task in pending:
                task.cancel()
            for task in pending:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        await self._recorder.idle()  # attempts already made are recorded before we stop

    async def _claim(self, limit: int) -> list[OutboxRow]:
        async with self.db.write() as conn:
            return await outbox_repo.claim_due(
                conn,
                business_now=self.clock.now_ms(),
                real_now=self.clock.real_ms(),
                lease_ms=self.lease_ms,
                limit=limit,
            )

    async def _merchants(self, rows: list[OutboxRow]) -> dict[str, MerchantKeys]:
        """The keys of the claimed rows' merchants, read once per claim, not once per POST."""
        found: dict[str, MerchantKeys] = {}
        for partner_id in {row.partner_id for row in rows}:
            try:
                found[partner_id] = await self.signing_keys(partner_id)
            except Exception as exc:  # each of its rows fails on its own, as if loaded there
                found[partner_id] = exc
        return found

    def _merchant_slot(self, partner_id: str) -> asyncio.Semaphore:
        slot = self._merchant_slots.get(partner_id)
        if slot is None:
            slot = self._merchant_slots[partner_id] = asyncio.Semaphore(self.per_merchant)
        return slot

    async def _deliver(self, row: OutboxRow, claimed_at: int, merchant: MerchantKeys) -> Verdict:
        """One attempt for a claimed row, recorded with the row's next state.

        The slots bound requests to merchants, so they are given back once the answer
        is in: the next POST need not wait for this one's record to be committed."""
        try:
            async with self._slots, self._merchant_slot(row.partner_id):
                if self.clock.real_ms() >= claimed_at + self.lease_ms:
                    # Waited for a slot longer than the lease: the row may be another
                    # dispatcher's now; leave it to whoever claims it next.
                    return Verdict.EXPIRED
                posts, started_at = await self._attempt(row, merchant)
            return await self._record(row, posts, started_at)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("dispatcher: notification %s not attempted; retried later", row.notify_id)
            return Verdict.ERROR

    async def _attempt(
        self, row: OutboxRow, auth: MerchantKeys
    ) -> tuple[list[tuple[AttemptResult, int]], int]:
        """The POST (the same signed bytes twice under a DUPLICATE fault): each one's
        result and real start time, and the business time the attempt started."""
        if isinstance(auth, Exception):
            raise LookupError(f"merchant {row.partner_id} could not be loaded") from auth
        if auth is None:
            raise LookupError(f"merchant {row.partner_id} is gone")
        started_at = self.clock.now_ms()
        body = build_body(
            row.payload,
            notify_id=row.notify_id,
            now_ms=started_at,
            deprecated_fields=row.kind.deprecated_fields,
        )
        sign = auth.sign(body)
        posts = []
        for _ in range(2 if is_duplicate(row) else 1):
            real_started_at = self.clock.real_ms()
            posts.append((await self.sender.post(row.url, body, sign), real_started_at))
        return posts, started_at

    async def _record(
        self, row: OutboxRow, posts: list[tuple[AttemptResult, int]], started_at: int
    ) -> Verdict:
        """Records each POST as an attempt; the row's next state follows the last one
        (a DUPLICATE's pair counts as delivered if either POST was acknowledged)."""
        attempt_no = row.attempts + len(posts)
        finished_at = self.clock.now_ms()
        delay = next_attempt_delay(attempt_no - row.round_start)  # position in this round
        if any(result.outcome is Outcome.SUCCESS for result, _ in posts):
            status, verdict, next_at = NotificationStatus.DELIVERED, Verdict.DELIVERED, finished_at
        elif delay is None:
            status, verdict, next_at = NotificationStatus.FAILED, Verdict.FAILED, finished_at
        else:
            # The next attempt is due `delay` after this one ended, in business time.
            status, verdict = NotificationStatus.PENDING, Verdict.RETRYING
            next_at = finished_at + delay
        fault = attempt_fault(row)
        for number, (result, real_started_at) in enumerate(posts, start=row.attempts + 1):
            # one at a time: a batch of the recorder holds distinct rows
            saved = await self._recorder.record(
                Attempt(
                    row_id=row.id,
                    attempt_no=number,
                    started_at=started_at,
                    real_started_at=real_started_at,
                    latency_ms=result.latency_ms,
                    http_status=result.http_status,
                    outcome=result.outcome.value,
                    excerpt=result.excerpt,
                    status=status,
                    next_attempt_at=next_at,
                    delivered_at=finished_at if status is NotificationStatus.DELIVERED else None,
                    fault=fault,
                )
            )
            if log.isEnabledFor(logging.INFO):
                log.info(
                    "notification %s (%s %s) attempt %d to %s: %s%s in %d ms%s -> %s",
                    row.notify_id,
                    row.kind.value,
                    row.subject_no,
                    number,
                    safe_url(row.url),
                    result.outcome.value,
                    f" {result.http_status}" if result.http_status is not None else "",
                    result.latency_ms,
                    f" (sandbox fault {fault})" if fault else "",
                    status.value if saved else "already recorded by another dispatcher",
                )
            if not saved:
                return Verdict.CONFLICT
        return verdict


def _armed(merchants: dict[str, MerchantKeys], partner_id: str) -> Sequence[ArmedFault]:
    """The armed faults that came with a claimed row's merchant (none if it failed to load)."""
    merchant = merchants.get(partner_id)
    if merchant is None or isinstance(merchant, Exception):
        return ()
    return merchant.faults


def _forget(
    in_flight: dict[int, asyncio.Task[Verdict]],
    key: int,
    room: asyncio.Event,
    refill_at: int,
    _task: asyncio.Task[Verdict],
) -> None:
    in_flight.pop(key, None)
    if len(in_flight) <= refill_at:
        room.set()


async def _first(
    stopped: asyncio.Task[bool], event: Coroutine[Any, Any, bool], timeout: float
) -> None:
    """Waits for `event` or for `stopped`, whichever comes first, at most `timeout` s."""
    waiter = asyncio.ensure_future(event)
    try:
        await asyncio.wait({stopped, waiter}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        waiter.cancel()
