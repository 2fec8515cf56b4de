"""members.failed_otp_attempts, members.otp_locked_until: the sign-in code's lockout

Wrong verification codes lock a wallet's sign-in the way wrong payment
passwords lock its payments (domain.member.Lockout); existing members start
with no failures.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMNs with the CHECK inline: no table rebuild (SQLite's batch mode
    # would drop `members`, which customer_sessions and the ledger refer to).
    op.add_column(
        "members",
        sa.Column(
            "failed_otp_attempts",
            sa.Integer(),
            sa.CheckConstraint(
                "failed_otp_attempts >= 0", name=op.f("ck_members_otp_attempts_non_negative")
            ),
            nullable=False,
            server_default=sa.text("0"),
        ),
    )
    op.add_column("members", sa.Column("otp_locked_until", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    op.drop_column("members", "otp_locked_until")
    op.drop_column("members", "failed_otp_attempts")  # its own CHECK goes with it
