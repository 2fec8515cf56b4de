"""Schema migrations: Alembic driven programmatically, no alembic.ini needed.

Concurrent `init`s are safe: SQLite serialises them with BEGIN IMMEDIATE,
PostgreSQL with a transaction-scoped advisory lock.

On SQLite a migration runs on a connection of its own with foreign keys off: some
changes (a UNIQUE written inline, 0016) can only be made by rebuilding a table other
tables refer to, which SQLite refuses while they are on. Before COMMIT every
reference is checked (PRAGMA foreign_key_check); one that dangles rolls it all back.
This is the procedure SQLite's documentation gives for such changes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection as SyncConnection

from botimpay.errors import ConfigError
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
    await migrate_with(db, lambda sync_conn: command.upgrade(_config(sync_conn), "head"))


async def migrate_with(db: Database, step: Callable[[SyncConnection], object]) -> None:
    """Runs `step` (Alembic on the connection it is given) in one transaction: on
    PostgreSQL under the advisory lock, on SQLite with foreign keys off and checked
    before COMMIT."""
    if db.sqlite is None:
        async with db.write() as conn:
            await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
            await conn.run_sync(step)
        return
    with db.sqlite.connect() as sync_conn:
        sync_conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        try:
            sync_conn.exec_driver_sql("BEGIN IMMEDIATE")
            try:
                step(sync_conn)
                dangling = sync_conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if dangling:
                    raise ConfigError(f"migration left dangling references: {dangling[:5]}")
            except BaseException:
                sync_conn.rollback()
                raise
            sync_conn.commit()
        finally:
            sync_conn.exec_driver_sql("PRAGMA foreign_keys=ON")


async def current_revision(db: Database) -> str | None:
    async with db.read() as conn:
        return await conn.run_sync(
            lambda sync_conn: MigrationContext.configure(sync_conn).get_current_revision()
        )
