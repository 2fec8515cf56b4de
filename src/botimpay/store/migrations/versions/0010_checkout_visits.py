"""checkout_visits, and refunds by merchant and time

checkout_visits: the wallets that scanned an order's QR or opened its checkout.

One row per (order, wallet), written by the app shell's scanner and the checkout page
while the order can be paid; getOrderPayer and getCashierUrlInfo read it to tell the
merchant who is at the checkout before (and, with the payer, after) the payment.
An index on refunds (partner_id, created_at, id) serves queryRefundOrderPage's window.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 00:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "checkout_visits",
        sa.Column(
            "order_no",
            sa.String(32),
            sa.ForeignKey("orders.order_no", name=op.f("fk_checkout_visits_order_no_orders")),
            nullable=False,
        ),
        sa.Column(
            "member_id",
            sa.String(12),
            sa.ForeignKey("members.member_id", name=op.f("fk_checkout_visits_member_id_members")),
            nullable=False,
        ),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("ip_address", sa.String(64), nullable=False),
        sa.Column("device_id", sa.String(32), nullable=False),
        sa.Column("first_seen_at", sa.BigInteger(), nullable=False),
        sa.Column("last_seen_at", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "source IN ('SCAN', 'CHECKOUT')", name=op.f("ck_checkout_visits_source")
        ),
        sa.PrimaryKeyConstraint("order_no", "member_id", name=op.f("pk_checkout_visits")),
    )

    op.create_index(
        "ix_refunds_partner_id_created_at_id", "refunds", ["partner_id", "created_at", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_refunds_partner_id_created_at_id", table_name="refunds")
    op.drop_table("checkout_visits")
