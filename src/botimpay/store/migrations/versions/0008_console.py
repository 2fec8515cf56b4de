"""console_users, console_sessions, and the orders list's keyset indexes

The console's operator and merchant users (scrypt hashes, the sign-in lockout)
and their sessions (only a hash of the cookie's token is stored, with the
session's CSRF token and expiry); indexes on orders that serve the console's
newest-first list by (created_at, id) of every merchant, one merchant or one
status, and its search by merchantOrderNo across merchants.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 21:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "console_users",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column(
            "partner_id",
            sa.String(12),
            sa.ForeignKey(
                "merchants.partner_id", name=op.f("fk_console_users_partner_id_merchants")
            ),
            nullable=True,
        ),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_console_users")),
        sa.UniqueConstraint("username", name=op.f("uq_console_users_username")),
        sa.CheckConstraint("role IN ('operator', 'merchant')", name=op.f("ck_console_users_role")),
        sa.CheckConstraint(
            "(role = 'merchant') = (partner_id IS NOT NULL)",
            name=op.f("ck_console_users_partner_iff_merchant"),
        ),
        sa.CheckConstraint(
            "failed_attempts >= 0", name=op.f("ck_console_users_attempts_non_negative")
        ),
    )
    op.create_table(
        "console_sessions",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey(
                "console_users.id",
                name=op.f("fk_console_sessions_user_id_console_users"),
                ondelete="CASCADE",
            ),
            nullable=False,
        ),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_console_sessions")),
    )
    op.create_index("ix_console_sessions_user_id", "console_sessions", ["user_id"])
    op.create_index("ix_orders_created_at_id", "orders", ["created_at", "id"])
    op.create_index(
        "ix_orders_partner_id_created_at_id", "orders", ["partner_id", "created_at", "id"]
    )
    op.create_index("ix_orders_status_created_at_id", "orders", ["status", "created_at", "id"])
    op.create_index(
        "ix_orders_pay_scene_code_created_at_id", "orders", ["pay_scene_code", "created_at", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_orders_pay_scene_code_created_at_id", table_name="orders")
    op.drop_index("ix_orders_status_created_at_id", table_name="orders")
    op.drop_index("ix_orders_partner_id_created_at_id", table_name="orders")
    op.drop_index("ix_orders_created_at_id", table_name="orders")
    op.drop_table("console_sessions")
    op.drop_table("console_users")
