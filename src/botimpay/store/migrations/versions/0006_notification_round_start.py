"""notifications.round_start: a resent notification keeps numbering its attempts

`botimpay notify resend` used to set `attempts` back to 0, so the next attempt
was numbered #1 again. Now attempts keep counting and `round_start` (the
attempts made before the current round of the retry schedule) restarts the
schedule instead; existing rows start their round at 0.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN with its CHECK inline: no table rebuild on SQLite.
    op.add_column(
        "notifications",
        sa.Column(
            "round_start",
            sa.Integer(),
            sa.CheckConstraint(
                "round_start >= 0 AND round_start <= attempts",
                name=op.f("ck_notifications_round_start_range"),
            ),
            nullable=False,
            server_default=sa.text("0"),
        ),
    )


def downgrade() -> None:
    op.drop_column("notifications", "round_start")  # its own CHECK goes with it
