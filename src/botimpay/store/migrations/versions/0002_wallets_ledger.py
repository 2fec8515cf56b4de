"""wallets, ledger, payments, customer sessions

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 20:34:22.490290
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

BALANCED_FUNCTION = """
CREATE FUNCTION botimpay_transaction_balanced() RETURNS trigger AS $$
DECLARE total BIGINT;
BEGIN
    SELECT COALESCE(SUM(amount_fils), 0) INTO total
    FROM postings WHERE transaction_id = NEW.transaction_id;
    IF total <> 0 THEN
        RAISE EXCEPTION 'ledger transaction % does not balance: %', NEW.transaction_id, total;
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql
"""

BALANCED_TRIGGER = """
CREATE CONSTRAINT TRIGGER postings_balanced
AFTER INSERT OR UPDATE ON postings
DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW EXECUTE FUNCTION botimpay_transaction_balanced()
"""


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("owner_id", sa.String(length=20), nullable=False),
        sa.Column("balance_fils", sa.BigInteger(), nullable=False),
        sa.Column("may_go_negative", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "may_go_negative OR balance_fils >= 0", name=op.f("ck_accounts_balance_non_negative")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint("kind", "owner_id", name="uq_accounts_kind_owner"),
    )
    op.create_table(
        "ledger_transactions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("order_no", sa.String(length=32), nullable=True),
        sa.Column("memo", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_transactions")),
    )
    with op.batch_alter_table("ledger_transactions", schema=None) as batch_op:
        batch_op.create_index("ix_ledger_transactions_order_no", ["order_no"], unique=False)

    op.create_table(
        "members",
        sa.Column("member_id", sa.String(length=12), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("eid_hash", sa.String(length=64), nullable=True),
        sa.Column("failed_password_attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "failed_password_attempts >= 0", name=op.f("ck_members_attempts_non_negative")
        ),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_members")),
        sa.UniqueConstraint("phone", name=op.f("uq_members_phone")),
    )
    op.create_table(
        "customer_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("member_id", sa.String(length=12), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.member_id"],
            name=op.f("fk_customer_sessions_member_id_members"),
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_customer_sessions")),
    )
    op.create_table(
        "postings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("transaction_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("amount_fils", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("amount_fils <> 0", name=op.f("ck_postings_amount_non_zero")),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_postings_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["ledger_transactions.id"],
            name=op.f("fk_postings_transaction_id_ledger_transactions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_postings")),
    )
    with op.batch_alter_table("postings", schema=None) as batch_op:
        batch_op.create_index("ix_postings_account_id", ["account_id"], unique=False)
        batch_op.create_index("ix_postings_transaction_id", ["transaction_id"], unique=False)

    op.create_table(
        "payment_attempts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("order_no", sa.String(length=32), nullable=False),
        sa.Column("member_id", sa.String(length=12), nullable=True),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=True),
        sa.Column("amount_fils", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("resolved_at", sa.BigInteger(), nullable=True),
        sa.CheckConstraint(
            "status IN ('SUCCESS', 'FAILED', 'PENDING')", name=op.f("ck_payment_attempts_status")
        ),
        sa.ForeignKeyConstraint(
            ["order_no"], ["orders.order_no"], name=op.f("fk_payment_attempts_order_no_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_attempts")),
    )
    with op.batch_alter_table("payment_attempts", schema=None) as batch_op:
        batch_op.create_index("ix_payment_attempts_order_no", ["order_no"], unique=False)
        batch_op.create_index("ix_payment_attempts_status", ["status"], unique=False)

    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("payer_mid", sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column("bound_payer_mid", sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column("paid_time", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("pay_channel", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("payee_fee_fils", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("settled_time", sa.BigInteger(), nullable=True))
        batch_op.create_index("ix_orders_status_paid_time", ["status", "paid_time"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        # The sum-to-zero rule, checked by the database at commit (the code checks it too).
        op.execute(BALANCED_FUNCTION)
        op.execute(BALANCED_TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS postings_balanced ON postings")
        op.execute("DROP FUNCTION IF EXISTS botimpay_transaction_balanced()")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index("ix_orders_status_paid_time")
        batch_op.drop_column("settled_time")
        batch_op.drop_column("payee_fee_fils")
        batch_op.drop_column("pay_channel")
        batch_op.drop_column("paid_time")
        batch_op.drop_column("bound_payer_mid")
        batch_op.drop_column("payer_mid")

    with op.batch_alter_table("payment_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_payment_attempts_status")
        batch_op.drop_index("ix_payment_attempts_order_no")

    op.drop_table("payment_attempts")
    with op.batch_alter_table("postings", schema=None) as batch_op:
        batch_op.drop_index("ix_postings_transaction_id")
        batch_op.drop_index("ix_postings_account_id")

    op.drop_table("postings")
    op.drop_table("customer_sessions")
    op.drop_table("members")
    with op.batch_alter_table("ledger_transactions", schema=None) as batch_op:
        batch_op.drop_index("ix_ledger_transactions_order_no")

    op.drop_table("ledger_transactions")
    op.drop_table("accounts")
