"""Named gateway-wide values in `gateway_settings`: the mode `init` set up, the demo key,
and the sandbox clock's offset.

The mode and the demo key are written once (first writer wins); concurrent
`init`s read back whichever was stored. The clock offset only moves forward
(time travel), and every process reads it from here.
"""

from __future__ import annotations

from sqlalchemy import inspect, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from botimpay.store.connection import Connection
from botimpay.store.tables import gateway_settings

CLOCK_OFFSET = "clock_offset_ms"


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


async def clock_offset(conn: Connection) -> int:
    """How far (ms) sandbox business time is ahead of the real clock; 0 until it travels."""
    value = await get(conn, CLOCK_OFFSET)
    return int(value) if value is not None else 0


async def advance_clock_offset(conn: Connection, delta_ms: int) -> int:
    """Moves the clock offset forward by `delta_ms`; returns the new offset."""
    offset = await clock_offset(conn) + delta_ms
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    await conn.execute(
        insert(gateway_settings)
        .values(name=CLOCK_OFFSET, value=str(offset))
        .on_conflict_do_nothing(index_elements=["name"])
    )
    await conn.execute(
        update(gateway_settings)
        .where(gateway_settings.c.name == CLOCK_OFFSET)
        .values(value=str(offset))
    )
    return offset
