"""Migration tests' shared steps: move a database to an alembic revision (up or down),
and a database of a test's own at an old revision holding one merchant row."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from alembic import command
from sqlalchemy import text

from botimpay.store import migrate
from botimpay.store.database import Database, open_database
from tests.conftest import _fresh_database

OLD_PARTNER = "123456789012"


async def migrate_to(db: Database, revision: str, *, down: bool = False) -> None:
    await migrate.migrate_with(
        db,
        lambda sync: (command.downgrade if down else command.upgrade)(
            migrate._config(sync), revision
        ),
    )


@asynccontextmanager
async def database_at(
    revision: str, where: Path, backend_url: str | None
) -> AsyncIterator[Database]:
    """A fresh database migrated to `revision` with merchant OLD_PARTNER ('Old Shop'),
    written as that revision's schema knows it; dropped afterwards (PostgreSQL)."""
    databases = _fresh_database(backend_url, where)
    database = open_database(next(databases))
    await migrate_to(database, revision)
    async with database.write() as conn:
        await conn.execute(
            text(
                "INSERT INTO merchants (partner_id, name, status, fee_rate, ip_whitelist, "
                "gateway_private_key, gateway_public_key, created_at, updated_at) VALUES "
                "(:pid, 'Old Shop', 'ACTIVE', '0.003', '[\"*\"]', 'priv', 'pub', 1, 1)"
            ),
            {"pid": OLD_PARTNER},
        )
    try:
        yield database
    finally:
        await database.dispose()
        for _ in databases:
            pass
