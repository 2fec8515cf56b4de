"""The tables the code queries (store/tables.py) are the tables the migrations build:
after `upgrade` to head, Alembic's autogenerate comparison finds nothing to add or drop
(tables, columns, indexes, unique constraints), on SQLite and on PostgreSQL. A column
or index written into one place and forgotten in the other fails here, not in a
production database."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Index, MetaData, String, Table

from botimpay.store.database import Database
from botimpay.store.tables import metadata


async def _differences(db: Database, target: MetaData) -> list[Any]:
    async with db.read() as conn:
        return await conn.run_sync(
            lambda sync: compare_metadata(
                MigrationContext.configure(sync, opts={"compare_type": False}), target
            )
        )


async def test_head_has_every_table_column_and_index_of_the_code(db: Database) -> None:
    assert await _differences(db, metadata) == []


async def test_the_comparison_sees_a_forgotten_index_and_column(db: Database) -> None:
    """The check above is not vacuous: a copy of the metadata with one more index and
    one more column differs from the migrated schema."""
    copy = MetaData()
    for table in metadata.sorted_tables:
        table.to_metadata(copy)
    orders: Table = copy.tables["orders"]
    orders.append_column(Column("forgotten", String(8)))
    Index("ix_orders_forgotten", orders.c.forgotten)
    kinds = {difference[0] for difference in await _differences(db, copy)}
    assert {"add_column", "add_index"} <= kinds
