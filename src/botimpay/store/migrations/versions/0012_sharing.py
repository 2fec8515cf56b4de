"""order_shares: each sharing member's share of a payment order and its refunds

One row per (order, sharingIdentitySeqId): the member it resolved to, the share, the
transaction fee it withholds (set at payment), and what refunds took back of it. The
CHECKs are the money rules again: a member never gives back more than it holds.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 03:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "order_shares",
        sa.Column("order_no", sa.String(32), nullable=False),
        sa.Column("seq_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.String(20), nullable=False),
        sa.Column("memo", sa.String(128), nullable=False),
        sa.Column("amount_fils", sa.BigInteger(), nullable=False),
        sa.Column("withhold_fee", sa.Boolean(), nullable=False),
        sa.Column("fee_fils", sa.BigInteger(), nullable=False),
        sa.Column("refunded_fils", sa.BigInteger(), nullable=False),
        sa.Column("fee_refunded_fils", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_no"], ["orders.order_no"], name=op.f("fk_order_shares_order_no_orders")
        ),
        sa.PrimaryKeyConstraint("order_no", "seq_id", name=op.f("pk_order_shares")),
        sa.CheckConstraint("amount_fils > 0", name=op.f("ck_order_shares_amount_positive")),
        sa.CheckConstraint(
            "fee_fils >= 0 AND fee_fils <= amount_fils", name=op.f("ck_order_shares_fee_range")
        ),
        sa.CheckConstraint(
            "fee_refunded_fils >= 0 AND fee_refunded_fils <= fee_fils",
            name=op.f("ck_order_shares_fee_back"),
        ),
        sa.CheckConstraint(
            "refunded_fils >= 0 AND amount_fils - fee_fils - refunded_fils"
            " + fee_refunded_fils >= 0",
            name=op.f("ck_order_shares_not_over_refunded"),
        ),
    )
    op.create_index("ix_order_shares_member_id", "order_shares", ["member_id"])


def downgrade() -> None:
    op.drop_index("ix_order_shares_member_id", table_name="order_shares")
    op.drop_table("order_shares")
