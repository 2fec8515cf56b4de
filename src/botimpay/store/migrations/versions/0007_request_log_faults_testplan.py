"""api_requests, faults, testplan_runs: the go-live test kit

The merchant API's request log (one row per call), the sandbox faults merchants
arm against themselves, and the test-plan case runs graded from the log; the
notification faults' marks on notifications and their delivery attempts.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_requests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("trace_code", sa.String(64), nullable=False),
        sa.Column("received_at", sa.BigInteger(), nullable=False),
        sa.Column("business_at", sa.BigInteger(), nullable=False),
        sa.Column("partner_id", sa.String(12), nullable=True),
        sa.Column("claimed_partner_id", sa.String(64), nullable=True),
        sa.Column("operation", sa.String(160), nullable=False),
        sa.Column("merchant_order_no", sa.String(64), nullable=True),
        sa.Column("order_no", sa.String(64), nullable=True),
        sa.Column("refund_merchant_order_no", sa.String(64), nullable=True),
        sa.Column("code", sa.String(16), nullable=True),
        sa.Column("msg", sa.String(64), nullable=True),
        sa.Column("order_status", sa.String(32), nullable=True),
        sa.Column("latency_us", sa.BigInteger(), nullable=False),
        sa.Column("client_ip", sa.String(64), nullable=True),
        sa.Column("request_body", sa.Text(), nullable=False),
        sa.Column("response_body", sa.Text(), nullable=False),
        sa.Column("fault", sa.String(64), nullable=True),
        sa.Column("detail", sa.String(300), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_requests")),
    )
    op.create_index("ix_api_requests_trace_code", "api_requests", ["trace_code"])
    op.create_index("ix_api_requests_partner_id_id", "api_requests", ["partner_id", "id"])
    op.create_index(
        "ix_api_requests_partner_id_merchant_order_no",
        "api_requests",
        ["partner_id", "merchant_order_no"],
    )
    op.create_index(
        "ix_api_requests_partner_id_order_no", "api_requests", ["partner_id", "order_no"]
    )
    op.create_table(
        "faults",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column(
            "partner_id",
            sa.String(12),
            sa.ForeignKey("merchants.partner_id", name=op.f("fk_faults_partner_id_merchants")),
            nullable=False,
        ),
        sa.Column("operation", sa.String(64), nullable=False),
        sa.Column("fault", sa.String(64), nullable=False),
        sa.Column("applied", sa.Boolean(), nullable=False),
        sa.Column("hold_ms", sa.Integer(), nullable=False),
        sa.Column("merchant_order_no", sa.String(64), nullable=True),
        sa.Column("remaining", sa.Integer(), nullable=True),
        sa.Column("expires_at", sa.BigInteger(), nullable=True),
        sa.Column("run_id", sa.String(32), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_faults")),
        sa.CheckConstraint(
            "remaining IS NULL OR remaining >= 0", name=op.f("ck_faults_remaining_non_negative")
        ),
        sa.CheckConstraint("hold_ms >= 0", name=op.f("ck_faults_hold_ms_non_negative")),
    )
    op.create_index("ix_faults_partner_id", "faults", ["partner_id"])
    op.create_table(
        "testplan_runs",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column(
            "partner_id",
            sa.String(12),
            sa.ForeignKey(
                "merchants.partner_id", name=op.f("fk_testplan_runs_partner_id_merchants")
            ),
            nullable=False,
        ),
        sa.Column("case_no", sa.String(3), nullable=False),
        sa.Column("time_scale", sa.String(16), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("merchant_order_no", sa.String(64), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("bound_at", sa.BigInteger(), nullable=True),
        sa.Column("finished_at", sa.BigInteger(), nullable=True),
        sa.Column("report", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_testplan_runs")),
        sa.CheckConstraint(
            "status IN ('PENDING', 'PASS', 'FAIL')", name=op.f("ck_testplan_runs_status")
        ),
    )
    op.create_index("ix_testplan_runs_partner_id", "testplan_runs", ["partner_id"])
    # Notification faults: the one that hit a notification, how long it is held back, and
    # which delivery attempts were made under it. Plain ADD COLUMNs: no table rebuild.
    op.add_column("notifications", sa.Column("fault", sa.String(64), nullable=True))
    op.add_column("notifications", sa.Column("held_until", sa.BigInteger(), nullable=True))
    op.add_column("notification_attempts", sa.Column("fault", sa.String(64), nullable=True))


def downgrade() -> None:
    op.drop_column("notification_attempts", "fault")
    op.drop_column("notifications", "held_until")
    op.drop_column("notifications", "fault")
    op.drop_table("testplan_runs")
    op.drop_table("faults")
    op.drop_table("api_requests")
