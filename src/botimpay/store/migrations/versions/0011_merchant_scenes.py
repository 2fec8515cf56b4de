"""merchants.scenes: the scenes a merchant is enabled for

The scene codes sorted and joined by commas (`DYNQR,JSAPI`): plain text that reads
the same on SQLite and PostgreSQL. The CHECK keeps the list well formed (not empty,
no blanks, no empty item); which codes exist is the code's (domain/scenes.py), so a
new scene needs no schema change. Existing merchants get every scene botimpay
serves, as new ones do (the server default fills them in). A plain ADD COLUMN with
the CHECK inline: SQLite's batch mode would rebuild `merchants`, which orders,
refunds and keys refer to.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 03:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

WELL_FORMED = (
    "scenes <> '' AND scenes NOT LIKE '% %' AND scenes NOT LIKE ',%' "
    "AND scenes NOT LIKE '%,' AND scenes NOT LIKE '%,,%'"
)


def upgrade() -> None:
    op.add_column(
        "merchants",
        sa.Column(
            "scenes",
            sa.String(200),
            sa.CheckConstraint(WELL_FORMED, name=op.f("ck_merchants_scenes_well_formed")),
            nullable=False,
            server_default=sa.text("'DYNQR,JSAPI'"),
        ),
    )


def downgrade() -> None:
    op.drop_column("merchants", "scenes")  # its own CHECK goes with it
