"""Migration 0011 (merchants.scenes) on SQLite and PostgreSQL: a merchant of a 0010
database gets every scene botimpay serves; the CHECK refuses a malformed list; the
downgrade drops the column and the upgrade brings it back."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import insert, inspect, text, update
from sqlalchemy.exc import IntegrityError

from botimpay.domain.scenes import SUPPORTED_SCENES
from botimpay.store import merchants_repo, migrate
from botimpay.store.database import Database
from botimpay.store.tables import merchants
from tests.store.revisions import OLD_PARTNER, database_at, migrate_to

PARTNER = OLD_PARTNER


@pytest.fixture
async def db_at_0010(tmp_path: Path, backend_url: str | None) -> AsyncIterator[Database]:
    """A database of this test's own at revision 0010 with one merchant row."""
    async with database_at("0010", tmp_path, backend_url) as database:
        yield database


async def _columns(db: Database) -> set[str]:
    async with db.read() as conn:
        names = await conn.run_sync(
            lambda sync: [column["name"] for column in inspect(sync).get_columns("merchants")]
        )
    return set(names)


async def test_upgrade_gives_an_existing_merchant_every_served_scene(db_at_0010: Database) -> None:
    assert "scenes" not in await _columns(db_at_0010)
    await migrate.upgrade(db_at_0010)
    async with db_at_0010.read() as conn:
        record = await merchants_repo.load(conn, PARTNER)
        stored = await conn.scalar(text("SELECT scenes FROM merchants"))
    assert record is not None
    assert record.merchant.scenes == SUPPORTED_SCENES
    assert stored == "DYNQR,JSAPI"


@pytest.mark.parametrize("bad", ["", "JSAPI,,DYNQR", ",JSAPI", "JSAPI,", "JSAPI, DYNQR"])
async def test_the_check_refuses_a_malformed_list(db_at_0010: Database, bad: str) -> None:
    await migrate.upgrade(db_at_0010)
    with pytest.raises(IntegrityError):
        async with db_at_0010.write() as conn:
            await conn.execute(
                update(merchants).where(merchants.c.partner_id == PARTNER).values(scenes=bad)
            )
    row = {
        "partner_id": "1",
        "name": "New",
        "status": "ACTIVE",
        "fee_rate": "0",
        "ip_whitelist": "[]",
        "gateway_private_key": "k",
        "gateway_public_key": "k",
        "created_at": 1,
        "updated_at": 1,
    }
    with pytest.raises(IntegrityError):
        async with db_at_0010.write() as conn:
            await conn.execute(insert(merchants).values(**row, scenes=bad))
    async with db_at_0010.write() as conn:  # the same row with a well-formed list goes in
        await conn.execute(insert(merchants).values(**row, scenes="JSAPI"))


async def test_downgrade_drops_the_column_and_upgrade_restores_it(db_at_0010: Database) -> None:
    await migrate_to(db_at_0010, "0011")  # 0011 alone: later revisions are theirs to test
    assert "scenes" in await _columns(db_at_0010)
    await migrate_to(db_at_0010, "0010", down=True)
    assert "scenes" not in await _columns(db_at_0010)
    await migrate_to(db_at_0010, "0011")
    assert "scenes" in await _columns(db_at_0010)
    async with db_at_0010.read() as conn:
        record = await merchants_repo.load(conn, PARTNER)
    assert record is not None
    assert record.merchant.scenes == SUPPORTED_SCENES
