"""services/sandbox.py: time travel stored once (store/settings_repo.py), followed by
every process: another SandboxClock, and `botimpay notify resend` in notify/admin.py."""

from __future__ import annotations

import pytest

from botimpay.clock import Clock
from botimpay.domain.notification import NotificationKind, NotificationStatus
from botimpay.notify.admin import resend
from botimpay.services import notifications
from botimpay.services.sandbox import MAX_ADVANCE_S, SandboxClock
from botimpay.services.setup import DEMO_PARTNER_ID
from botimpay.store import outbox_repo, settings_repo
from botimpay.store.database import Database


async def test_time_travel_is_shared_through_the_database(db: Database) -> None:
    here, there = Clock(), Clock()
    async with db.read() as conn:
        start = await settings_repo.clock_offset(conn)

    assert await SandboxClock(db, here).advance(60) == start + 60_000
    assert here.offset_ms == start + 60_000
    assert await SandboxClock(db, there).refresh() == start + 60_000  # another process
    assert await SandboxClock(db, there).advance(30) == start + 90_000
    assert await SandboxClock(db, here).refresh() == start + 90_000


@pytest.mark.parametrize("seconds", [0, -1, MAX_ADVANCE_S + 1])
async def test_time_only_moves_forward_and_not_too_far(db: Database, seconds: int) -> None:
    with pytest.raises(ValueError, match="seconds must be between"):
        await SandboxClock(db, Clock()).advance(seconds)


async def test_a_resent_notification_is_due_at_business_now(db: Database) -> None:
    clock = Clock()
    offset = await SandboxClock(db, clock).advance(3600)
    async with db.write() as conn:
        notify_id = await notifications.enqueue(
            conn,
            kind=NotificationKind.PAYMENT,
            partner_id=DEMO_PARTNER_ID,
            subject_no="resend-probe",
            url="http://shop.test/notify",
            body={},
            now_ms=clock.now_ms(),
        )
    before = clock.real_ms() + offset

    due = await resend(db, notify_id)

    assert before <= due <= Clock().real_ms() + offset
    async with db.read() as conn:
        row = await outbox_repo.by_notify_id(conn, notify_id)
    assert row is not None
    assert (row.status, row.attempts, row.next_attempt_at) == (
        NotificationStatus.PENDING,
        0,
        due,
    )
