"""chargebacks and voids

The `chargebacks` table: one row per sandbox chargeback or VOID of a paid order
(its number, the money returned, the case type, where it was notified), written in
the transaction that posts its ledger entry; and the outbox's `kind` CHECK widened
to the two new notification kinds (SQLite rebuilds the table for that).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 03:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_KINDS_BEFORE = "kind IN ('PAYMENT', 'REFUND')"
_KINDS_AFTER = "kind IN ('PAYMENT', 'REFUND', 'CHARGEBACK', 'VOID')"


def _notification_kinds(condition: str) -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.drop_constraint(op.f("ck_notifications_kind"), type_="check")
        batch.create_check_constraint(op.f("ck_notifications_kind"), condition)


def upgrade() -> None:
    op.create_table(
        "chargebacks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("chargeback_no", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("partner_id", sa.String(12), nullable=False),
        sa.Column("order_no", sa.String(32), nullable=False),
        sa.Column("merchant_ref", sa.String(64), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("amount_fils", sa.BigInteger(), nullable=False),
        sa.Column("fee_returned_fils", sa.BigInteger(), nullable=False),
        sa.Column("case_type", sa.String(200), nullable=True),
        sa.Column("notify_url", sa.String(200), nullable=True),
        sa.Column("fail_code", sa.String(64), nullable=True),
        sa.Column("fail_des", sa.String(200), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("kind IN ('CHARGEBACK', 'VOID')", name=op.f("ck_chargebacks_kind")),
        sa.CheckConstraint("status IN ('SUCCESS', 'FAILURE')", name=op.f("ck_chargebacks_status")),
        sa.CheckConstraint("amount_fils > 0", name=op.f("ck_chargebacks_amount_positive")),
        sa.CheckConstraint(
            "fee_returned_fils >= 0 AND fee_returned_fils <= amount_fils",
            name=op.f("ck_chargebacks_fee_share"),
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["merchants.partner_id"],
            name=op.f("fk_chargebacks_partner_id_merchants"),
        ),
        sa.ForeignKeyConstraint(
            ["order_no"], ["orders.order_no"], name=op.f("fk_chargebacks_order_no_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chargebacks")),
        sa.UniqueConstraint("chargeback_no", name=op.f("uq_chargebacks_chargeback_no")),
        sa.UniqueConstraint(
            "partner_id", "merchant_ref", name=op.f("uq_chargebacks_partner_merchant_ref")
        ),
    )
    op.create_index("ix_chargebacks_order_no", "chargebacks", ["order_no"])
    _notification_kinds(_KINDS_AFTER)


def downgrade() -> None:
    op.execute(
        "DELETE FROM notification_attempts WHERE notification_id IN (SELECT id FROM"
        " notifications WHERE kind IN ('CHARGEBACK', 'VOID'))"
    )
    op.execute("DELETE FROM notifications WHERE kind IN ('CHARGEBACK', 'VOID')")
    _notification_kinds(_KINDS_BEFORE)
    op.drop_index("ix_chargebacks_order_no", table_name="chargebacks")
    op.drop_table("chargebacks")
