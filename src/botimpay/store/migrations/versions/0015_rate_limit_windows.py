"""rate_limit_windows: the merchant rate limit shared by every process and node

One row per (merchant, window): `window_start` is the window's first millisecond (epoch
ms, a multiple of the window length) and `hits` the verified requests counted in it.
On PostgreSQL each request adds one hit with a single INSERT ... ON CONFLICT DO UPDATE
... RETURNING (store/rate_limit_repo.py); the first hit of a window deletes the
merchant's older windows, so the table holds about one row per merchant. The table is
UNLOGGED there (no WAL, emptied by a crash; about 3x the hits/s of a logged one, ~0.25
ms a hit on this machine). On SQLite the same table is created in a side file
(`<db>-ratelimit`) for `serve --workers N`; the main file's table stays empty, for the
schema's sake.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 03:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_limit_windows",
        sa.Column("partner_id", sa.String(12), nullable=False),
        sa.Column("window_start", sa.BigInteger(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("partner_id", "window_start", name=op.f("pk_rate_limit_windows")),
    )
    if op.get_bind().dialect.name == "postgresql":
        # counters need no WAL: a crash empties the table (every budget starts afresh)
        op.execute("ALTER TABLE rate_limit_windows SET UNLOGGED")


def downgrade() -> None:
    op.drop_table("rate_limit_windows")
