"""refunds, notification outbox and delivery attempts

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 20:43:28.505551
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("notify_id", sa.String(length=32), nullable=False),
        sa.Column("partner_id", sa.String(length=12), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("subject_no", sa.String(length=32), nullable=False),
        sa.Column("url", sa.String(length=200), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.BigInteger(), nullable=False),
        sa.Column("claimed_until", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("delivered_at", sa.BigInteger(), nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.CheckConstraint("kind IN ('PAYMENT', 'REFUND')", name=op.f("ck_notifications_kind")),
        sa.CheckConstraint(
            "status IN ('PENDING', 'DELIVERED', 'FAILED')", name=op.f("ck_notifications_status")
        ),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_notifications_attempts_non_negative")),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["merchants.partner_id"],
            name=op.f("fk_notifications_partner_id_merchants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint("notify_id", name=op.f("uq_notifications_notify_id")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index("ix_notifications_due", ["status", "next_attempt_at"], unique=False)
        batch_op.create_index("ix_notifications_subject_no", ["subject_no"], unique=False)

    op.create_table(
        "notification_attempts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("notification_id", sa.Integer(), nullable=False),
        sa.Column("attempt_no", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.BigInteger(), nullable=False),
        sa.Column("real_started_at", sa.BigInteger(), nullable=False),
        sa.Column("latency_ms", sa.Integer(), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("response_excerpt", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["notifications.id"],
            name=op.f("fk_notification_attempts_notification_id_notifications"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_attempts")),
    )
    with op.batch_alter_table("notification_attempts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_notification_attempts_notification_id", ["notification_id"], unique=False
        )

    op.create_table(
        "refunds",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("refund_no", sa.String(length=32), nullable=False),
        sa.Column("partner_id", sa.String(length=12), nullable=False),
        sa.Column("refund_merchant_order_no", sa.String(length=64), nullable=False),
        sa.Column("origin_order_no", sa.String(length=32), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("amount_fils", sa.BigInteger(), nullable=False),
        sa.Column("fee_refunded_fils", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=True),
        sa.Column("operator_name", sa.String(length=200), nullable=True),
        sa.Column("notify_url", sa.String(length=200), nullable=True),
        sa.Column("device_id", sa.String(length=200), nullable=True),
        sa.Column("secondary_merchant_id", sa.String(length=200), nullable=True),
        sa.Column("reserved", sa.String(length=200), nullable=True),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("is_revoke", sa.Boolean(), nullable=False),
        sa.Column("fail_code", sa.String(length=64), nullable=True),
        sa.Column("fail_des", sa.String(length=200), nullable=True),
        sa.Column("request_time", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "status IN ('CREATED', 'REFUNDED_SETTLED', 'SUCCESS', 'FAILURE')",
            name=op.f("ck_refunds_status"),
        ),
        sa.CheckConstraint("amount_fils > 0", name=op.f("ck_refunds_amount_positive")),
        sa.CheckConstraint(
            "fee_refunded_fils >= 0 AND fee_refunded_fils <= amount_fils",
            name=op.f("ck_refunds_fee_share"),
        ),
        sa.ForeignKeyConstraint(
            ["origin_order_no"], ["orders.order_no"], name=op.f("fk_refunds_origin_order_no_orders")
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["merchants.partner_id"], name=op.f("fk_refunds_partner_id_merchants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refunds")),
        sa.UniqueConstraint(
            "partner_id",
            "refund_merchant_order_no",
            name="uq_refunds_partner_refund_merchant_order_no",
        ),
        sa.UniqueConstraint("refund_no", name=op.f("uq_refunds_refund_no")),
    )
    with op.batch_alter_table("refunds", schema=None) as batch_op:
        batch_op.create_index("ix_refunds_origin_order_no", ["origin_order_no"], unique=False)

    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("refunded_fils", sa.BigInteger(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("fee_refunded_fils", sa.BigInteger(), server_default="0", nullable=False)
        )
        batch_op.create_check_constraint(
            "refund_within_total", "refunded_fils >= 0 AND refunded_fils <= total_fils"
        )


def downgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_constraint("ck_orders_refund_within_total", type_="check")
        batch_op.drop_column("fee_refunded_fils")
        batch_op.drop_column("refunded_fils")

    with op.batch_alter_table("refunds", schema=None) as batch_op:
        batch_op.drop_index("ix_refunds_origin_order_no")

    op.drop_table("refunds")
    with op.batch_alter_table("notification_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_notification_attempts_notification_id")

    op.drop_table("notification_attempts")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_subject_no")
        batch_op.drop_index("ix_notifications_due")

    op.drop_table("notifications")
