"""The dispatcher in-process on a SQLite file with a hand-driven clock and a mock merchant:
schedule arithmetic, leases, giving up, and surviving its own errors."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest

from botimpay.clock import Clock
from botimpay.domain.notification import NotificationKind, NotificationStatus
from botimpay.notify.delivery import Sender
from botimpay.notify.dispatcher import DispatchCounts, Dispatcher
from botimpay.services import notifications
from botimpay.services.auth import Authenticator, RateLimiter
from botimpay.services.setup import DEMO_PARTNER_ID, initialise
from botimpay.store import outbox_repo
from botimpay.store.database import Database, open_database
from botimpay.store.outbox_repo import OutboxRow

T0 = 1_800_000_000_000
PAYLOAD = {"acquireOrder": {"orderNo": "1", "status": "PAID_SUCCESS"}}


class HandClock(Clock):
    """Real time stands still unless moved; business time = real + offset."""

    def __init__(self) -> None:
        super().__init__()
        self.real = T0

    def real_ms(self) -> int:
        return self.real


class Merchant:
    """A MockTransport handler that answers each POST from a list (last one repeats)."""

    def __init__(self, *statuses: int) -> None:
        self.statuses = list(statuses)
        self.bodies: list[bytes] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.bodies.append(request.content)
        status = self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]
        if status == 0:
            raise RuntimeError("the dispatcher's own bug")
        return httpx.Response(status, content=b'{"response":"SUCCESS"}')


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An initialised database file, made once and copied for every test."""
    where = tmp_path_factory.mktemp("outbox-template")

    async def build() -> None:
        database = open_database(f"sqlite:///{where / 'outbox.db'}")
        await initialise(database, Clock(), sandbox=True, key_dir=where / "keys")
        await database.dispose()

    asyncio.run(build())
    return where / "outbox.db"


@pytest.fixture
async def db(template: Path, tmp_path: Path) -> AsyncIterator[Database]:
    for suffix in ("", "-wal"):
        if Path(f"{template}{suffix}").exists():
            shutil.copy(f"{template}{suffix}", tmp_path / f"outbox.db{suffix}")
    database = open_database(f"sqlite:///{tmp_path / 'outbox.db'}")
    yield database
    await database.dispose()


@pytest.fixture
def clock() -> HandClock:
    return HandClock()


def make(db: Database, clock: Clock, merchant: Merchant, **options: int) -> Dispatcher:
    sender = Sender(
        connect_timeout_ms=1000, read_timeout_ms=1000, transport=httpx.MockTransport(merchant)
    )
    keys = Authenticator(db, RateLimiter(0))  # what the app hands its dispatcher
    return Dispatcher(db, clock, sender, signing_keys=keys.load, **options)


async def enqueue(db: Database, clock: Clock) -> str:
    async with db.write() as conn:
        return await notifications.enqueue(
            conn,
            kind=NotificationKind.PAYMENT,
            partner_id=DEMO_PARTNER_ID,
            subject_no="1",
            url="http://shop.test/notify",
            body=PAYLOAD,
            now_ms=clock.now_ms(),
        )


async def row(db: Database, notify_id: str) -> OutboxRow:
    async with db.read() as conn:
        found = await outbox_repo.by_notify_id(conn, notify_id)
    assert found is not None
    return found


async def test_delivered_on_the_first_try(db: Database, clock: HandClock) -> None:
    merchant = Merchant(200)
    dispatcher = make(db, clock, merchant)
    notify_id = await enqueue(db, clock)
    assert await dispatcher.run_once() == DispatchCounts(claimed=1, delivered=1)
    assert await dispatcher.run_once() == DispatchCounts()
    stored = await row(db, notify_id)
    assert (stored.status, stored.attempts, stored.delivered_at) == (
        NotificationStatus.DELIVERED,
        1,
        clock.now_ms(),
    )
    await dispatcher.aclose()


async def test_retries_are_due_exactly_on_the_business_schedule(
    db: Database, clock: HandClock
) -> None:
    merchant = Merchant(503)
    dispatcher = make(db, clock, merchant)
    notify_id = await enqueue(db, clock)
    schedule = [120_000, 600_000, 600_000, 3_600_000, 7_200_000, 21_600_000, 54_000_000]
    assert (await dispatcher.run_once()).retrying == 1
    for number, delay in enumerate(schedule, start=2):
        stored = await row(db, notify_id)
        assert stored.next_attempt_at == clock.now_ms() + delay
        clock.offset_ms += delay - 1  # business time only; real time stands still
        assert await dispatcher.run_once() == DispatchCounts()
        clock.offset_ms += 1
        counts = await dispatcher.run_once()
        assert counts.claimed == 1, number
        assert (await row(db, notify_id)).attempts == number
    assert counts.failed == 1
    stored = await row(db, notify_id)
    assert (stored.status, stored.last_error) == (NotificationStatus.FAILED, "HTTP_ERROR 503")
    clock.offset_ms += 10 * 24 * 3_600_000
    assert await dispatcher.run_once() == DispatchCounts()
    assert len(merchant.bodies) == 8
    async with db.read() as conn:
        history = await outbox_repo.attempts_of(conn, stored.id)
    assert [a["attempt_no"] for a in history] == list(range(1, 9))
    await dispatcher.aclose()


async def test_a_claim_is_a_lease_in_real_time(db: Database, clock: HandClock) -> None:
    merchant = Merchant(200)
    dispatcher = make(db, clock, merchant, lease_ms=60_000)
    notify_id = await enqueue(db, clock)
    async with db.write() as conn:  # another dispatcher claims it, then dies
        [claimed] = await outbox_repo.claim_due(
            conn, business_now=clock.now_ms(), real_now=clock.real, lease_ms=60_000, limit=10
        )
    assert claimed.notify_id == notify_id
    clock.offset_ms += 24 * 3_600_000  # business time does not end a lease
    assert await dispatcher.run_once() == DispatchCounts()
    clock.real += 60_001
    assert await dispatcher.run_once() == DispatchCounts(claimed=1, delivered=1)
    await dispatcher.aclose()


async def test_an_internal_error_leaves_the_row_for_the_next_lease(
    db: Database, clock: HandClock
) -> None:
    merchant = Merchant(0, 200)  # the first POST blows up inside the dispatcher
    dispatcher = make(db, clock, merchant, lease_ms=5_000)
    notify_id = await enqueue(db, clock)
    assert await dispatcher.run_once() == DispatchCounts(claimed=1, error=1)
    assert (await row(db, notify_id)).attempts == 0  # nothing recorded
    assert await dispatcher.run_once() == DispatchCounts()  # still leased
    clock.real += 5_001
    assert await dispatcher.run_once() == DispatchCounts(claimed=1, delivered=1)
    await dispatcher.aclose()


async def test_run_forever_delivers_and_stops_when_asked(db: Database) -> None:
    clock = Clock()
    merchant = Merchant(500, 200)
    dispatcher = make(db, clock, merchant, interval_ms=20)
    stop = asyncio.Event()
    task = asyncio.create_task(dispatcher.run_forever(stop))
    notify_id = await enqueue(db, clock)
    await _until(lambda: len(merchant.bodies) == 1)
    await asyncio.sleep(0.1)
    assert len(merchant.bodies) == 1  # the retry is two minutes away
    assert (await row(db, notify_id)).attempts == 1
    stop.set()
    await asyncio.wait_for(task, 5)
    await dispatcher.aclose()


async def _until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)
