"""Schema migrations: Alembic driven programmatically, no alembic.ini needed.

Concurrent `init`s are safe: SQLite serialises them with BEGIN IMMEDIATE,
PostgreSQL with a transaction-scoped advisory lock.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from botimpay.store.database import Database

MIGRATIONS = Path(__file__).parent / "migrations"
_LOCK_KEY = 0x626F74696D706179  # "botimpay"


def _config(connection: Any = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(_config()).get_current_head()


async def upgrade(db: Database) -> None:
    """Brings the schema to the newest revision in one transaction."""
    async with db.write() as conn:
        if not db.is_sqlite:
            await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
        await conn.run_sync(lambda sync_conn: command.upgrade(_config(sync_conn), "head"))


async def current_revision(db: Database) -> str | None:
    async with db.read() as conn:
        return await conn.run_sync(
            lambda sync_conn: MigrationContext.configure(sync_conn).get_current_revision()
        )
