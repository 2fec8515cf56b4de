"""order_events, merchants.default_notify_url, console indexes

Every change of an order's state, written by `services.transitions.apply_event` in
the transaction that makes it (the console's timeline reads them); and the
merchant's default notifyUrl, used when an order or refund names none; an index
that serves the console's notifications list of one merchant, newest first, and one
on ledger_transactions.created_at for the Balances page's daily volume.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 23:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "order_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column(
            "order_no",
            sa.String(32),
            sa.ForeignKey("orders.order_no", name=op.f("fk_order_events_order_no_orders")),
            nullable=False,
        ),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("from_status", sa.String(32), nullable=False),
        sa.Column("to_status", sa.String(32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_events")),
    )
    op.create_index("ix_order_events_order_no", "order_events", ["order_no", "id"])
    op.create_index("ix_notifications_partner_id_id", "notifications", ["partner_id", "id"])
    op.create_index("ix_ledger_transactions_created_at", "ledger_transactions", ["created_at"])
    with op.batch_alter_table("merchants") as batch:
        batch.add_column(sa.Column("default_notify_url", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("merchants") as batch:
        batch.drop_column("default_notify_url")
    op.drop_index("ix_ledger_transactions_created_at", table_name="ledger_transactions")
    op.drop_index("ix_notifications_partner_id_id", table_name="notifications")
    op.drop_index("ix_order_events_order_no", table_name="order_events")
    op.drop_table("order_events")
