"""Migration 0013 on SQLite and PostgreSQL: the chargebacks table appears, the outbox
accepts the CHARGEBACK and VOID kinds (and still refuses others); the downgrade takes
both back, and the upgrade brings them again."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from botimpay.store.database import Database
from tests.store.revisions import OLD_PARTNER, database_at, migrate_to

PARTNER = OLD_PARTNER
NOTIFICATION = (
    "INSERT INTO notifications (notify_id, partner_id, kind, subject_no, url, payload,"
    " status, attempts, next_attempt_at, created_at) VALUES"
    " (:notify_id, :pid, :kind, 'O1', 'http://x/n', '{}', 'PENDING', 0, 0, 0)"
)


async def _tables(db: Database) -> set[str]:
    async with db.read() as conn:
        return set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))


async def _notify(db: Database, notify_id: str, kind: str) -> None:
    async with db.write() as conn:
        await conn.execute(
            text(NOTIFICATION), {"notify_id": notify_id, "pid": PARTNER, "kind": kind}
        )


@pytest.fixture
async def db_at_0012(tmp_path: Path, backend_url: str | None) -> AsyncIterator[Database]:
    async with database_at("0012", tmp_path, backend_url) as database:
        yield database


async def test_0013_adds_the_table_and_the_kinds_and_takes_them_back(
    db_at_0012: Database,
) -> None:
    db = db_at_0012
    await _notify(db, "1", "PAYMENT")
    with pytest.raises(IntegrityError):
        await _notify(db, "2", "CHARGEBACK")

    await migrate_to(db, "0013")
    assert "chargebacks" in await _tables(db)
    await _notify(db, "3", "CHARGEBACK")
    await _notify(db, "4", "VOID")
    with pytest.raises(IntegrityError):
        await _notify(db, "5", "SOMETHING")

    await migrate_to(db, "0012", down=True)
    assert "chargebacks" not in await _tables(db)
    async with db.read() as conn:
        left = (await conn.execute(text("SELECT notify_id FROM notifications"))).scalars()
        assert sorted(left) == ["1"]  # the rows of the new kinds went with them
    with pytest.raises(IntegrityError):
        await _notify(db, "6", "VOID")

    await migrate_to(db, "0013")
    await _notify(db, "7", "VOID")
