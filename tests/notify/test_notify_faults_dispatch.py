"""Notification faults in the dispatcher itself (in-process, hand-driven clock, mock
merchant): production applies none, a use is spent once, LATE holds in real time only."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from botimpay.clock import Clock
from botimpay.domain.faults import ArmedFault, parse_fault_spec
from botimpay.notify.delivery import Sender
from botimpay.notify.dispatcher import DispatchCounts, Dispatcher
from botimpay.services.auth import Authenticator, RateLimiter
from botimpay.services.setup import DEMO_PARTNER_ID, initialise
from botimpay.store import faults_repo, outbox_repo
from botimpay.store.database import Database, open_database
from tests.notify.test_dispatcher import HandClock, Merchant, enqueue, row

RETRY_MS = 120_000  # the first retry of the schedule


@pytest.fixture
async def db(template: Path, tmp_path: Path) -> AsyncIterator[Database]:
    for suffix in ("", "-wal"):
        if Path(f"{template}{suffix}").exists():
            shutil.copy(f"{template}{suffix}", tmp_path / f"outbox.db{suffix}")
    database = open_database(f"sqlite:///{tmp_path / 'outbox.db'}")
    yield database
    await database.dispose()


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An initialised sandbox database file, made once and copied for every test."""
    where = tmp_path_factory.mktemp("faults-template")

    async def build() -> None:
        database = open_database(f"sqlite:///{where / 'outbox.db'}")
        await initialise(database, Clock(), sandbox=True, key_dir=where / "keys")
        await database.dispose()

    asyncio.run(build())
    return where / "outbox.db"


@pytest.fixture
def clock() -> HandClock:
    return HandClock()


def make(db: Database, clock: Clock, merchant: Merchant, *, sandbox: bool) -> Dispatcher:
    sender = Sender(
        connect_timeout_ms=1000, read_timeout_ms=1000, transport=httpx.MockTransport(merchant)
    )
    # keys with the merchant's armed faults, as a sandbox app's Authenticator loads them
    keys = Authenticator(db, RateLimiter(0), sandbox=True, clock=clock)
    return Dispatcher(db, clock, sender, signing_keys=keys.load, sandbox=sandbox)


async def arm(db: Database, clock: Clock, fault: str, hold_ms: int | None = None) -> ArmedFault:
    """Writes an armed fault straight into the store (FaultService would refuse to in
    production): the dispatcher must still leave it alone there."""
    spec = parse_fault_spec({"operation": "notify", "fault": fault, "holdMs": hold_ms})
    async with db.write() as conn:
        return await faults_repo.arm(
            conn,
            DEMO_PARTNER_ID,
            spec,
            merchant_order_no=None,
            times=1,
            expires_at=None,
            now_ms=clock.real_ms(),
        )


async def remaining(db: Database, clock: Clock) -> list[int | None]:
    async with db.read() as conn:
        armed = await faults_repo.for_merchant(conn, DEMO_PARTNER_ID, clock.real_ms())
    return [fault.remaining for fault in armed]


async def faults_of_attempts(db: Database, notify_id: str) -> list[str | None]:
    stored = await row(db, notify_id)
    async with db.read() as conn:
        return [a["fault"] for a in await outbox_repo.attempts_of(conn, stored.id)]


async def test_production_applies_no_notification_fault(db: Database, clock: HandClock) -> None:
    merchant = Merchant(200)
    dispatcher = make(db, clock, merchant, sandbox=False)
    await arm(db, clock, "DUPLICATE")
    await arm(db, clock, "LATE", hold_ms=5_000)
    notify_id = await enqueue(db, clock)
    assert await dispatcher.run_once() == DispatchCounts(claimed=1, delivered=1)
    assert len(merchant.bodies) == 1
    assert await faults_of_attempts(db, notify_id) == [None]
    assert (await row(db, notify_id)).fault is None
    assert await remaining(db, clock) == [1, 1]  # nothing spent
    await dispatcher.aclose()


async def test_duplicate_posts_the_same_bytes_twice_and_records_both(
    db: Database, clock: HandClock
) -> None:
    merchant = Merchant(200)
    dispatcher = make(db, clock, merchant, sandbox=True)
    await arm(db, clock, "DUPLICATE")
    first = await enqueue(db, clock)
    assert await dispatcher.run_once() == DispatchCounts(claimed=1, delivered=1)
    assert len(merchant.bodies) == 2
    assert merchant.bodies[0] == merchant.bodies[1]
    assert await faults_of_attempts(db, first) == ["DUPLICATE", "DUPLICATE"]
    assert (await row(db, first)).attempts == 2
    assert await remaining(db, clock) == []

    second = await enqueue(db, clock)  # the one use is spent
    assert await dispatcher.run_once() == DispatchCounts(claimed=1, delivered=1)
    assert len(merchant.bodies) == 3
    assert await faults_of_attempts(db, second) == [None]
    await dispatcher.aclose()


async def test_late_holds_in_real_time_and_keeps_the_business_schedule(
    db: Database, clock: HandClock
) -> None:
    merchant = Merchant(503)  # every attempt fails: the retry schedule shows
    dispatcher = make(db, clock, merchant, sandbox=True)
    await arm(db, clock, "LATE", hold_ms=1_500)
    notify_id = await enqueue(db, clock)
    assert await dispatcher.run_once() == DispatchCounts(claimed=1, held=1)
    clock.offset_ms += 24 * 3_600_000  # business time does not end the hold
    clock.real += 1_499
    assert await dispatcher.run_once() == DispatchCounts()
    assert merchant.bodies == []
    clock.real += 2  # a lease (the hold) ends once real time is past it
    assert await dispatcher.run_once() == DispatchCounts(claimed=1, retrying=1)
    stored = await row(db, notify_id)
    assert stored.next_attempt_at == clock.now_ms() + RETRY_MS
    clock.offset_ms += RETRY_MS
    assert await dispatcher.run_once() == DispatchCounts(claimed=1, retrying=1)
    assert await faults_of_attempts(db, notify_id) == ["LATE 1500ms", None]  # retries are plain
    await dispatcher.aclose()


async def test_refund_first_lets_the_payment_go_when_its_hold_runs_out(
    db: Database, clock: HandClock
) -> None:
    merchant = Merchant(200)
    dispatcher = make(db, clock, merchant, sandbox=True)
    await arm(db, clock, "REFUND_FIRST", hold_ms=2_000)
    notify_id = await enqueue(db, clock)  # no refund of it ever comes
    assert await dispatcher.run_once() == DispatchCounts(claimed=1, held=1)
    for _ in range(3):  # looked at again after each interval (500 ms), still held
        clock.real += 501
        assert await dispatcher.run_once() == DispatchCounts(claimed=1, held=1)
    clock.real += 501
    assert await dispatcher.run_once() == DispatchCounts(claimed=1, delivered=1)
    assert await faults_of_attempts(db, notify_id) == ["REFUND_FIRST 2000ms"]
    await dispatcher.aclose()
