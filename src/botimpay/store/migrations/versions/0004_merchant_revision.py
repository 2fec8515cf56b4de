"""merchants.revision: bumped by every change to a merchant or its keys

Lets each API process keep a merchant's parsed keys and rules in memory and
revalidate them with one primary-key lookup per request.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 23:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "merchants",
        sa.Column("revision", sa.BigInteger(), nullable=False, server_default=sa.text("1")),
    )


def downgrade() -> None:
    with op.batch_alter_table("merchants") as batch:
        batch.drop_column("revision")
