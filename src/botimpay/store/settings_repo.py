"""Named gateway-wide values in `gateway_settings`: the mode `init` set up, the demo key.

A value is written once (first writer wins); concurrent `init`s read back
whichever was stored.
"""

from __future__ import annotations

from sqlalchemy import inspect, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from botimpay.store.connection import Connection
from botimpay.store.tables import gateway_settings


async def has_table(conn: Connection) -> bool:
    """False on a database whose schema was never created."""
    return await conn.run_sync(lambda sync: inspect(sync).has_table(gateway_settings.name))


async def get(conn: Connection, name: str) -> str | None:
    value = await conn.scalar(
        select(gateway_settings.c.value).where(gateway_settings.c.name == name)
    )
    return None if value is None else str(value)


async def put_if_absent(conn: Connection, name: str, value: str) -> str:
    """Stores `value` unless `name` has one already; returns the stored value."""
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    await conn.execute(
        insert(gateway_settings)
        .values(name=name, value=value)
        .on_conflict_do_nothing(index_elements=["name"])
    )
    stored = await get(conn, name)
    return value if stored is None else stored
