"""The schema as SQLAlchemy Core tables; migrations under migrations/ create it.

Invariants are enforced here too: unique idempotency keys, CHECK constraints
on statuses and amounts, foreign keys from orders and keys to merchants.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)

gateway_settings = Table(
    "gateway_settings",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

merchants = Table(
    "merchants",
    metadata,
    Column("partner_id", String(12), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("status", String(16), nullable=False),
    Column("fee_rate", String(16), nullable=False),
    Column("ip_whitelist", Text, nullable=False),
    Column("gateway_private_key", Text, nullable=False),
    Column("gateway_public_key", Text, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    CheckConstraint("status IN ('ACTIVE', 'DISABLED')", name="status"),
)

merchant_keys = Table(
    "merchant_keys",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "partner_id",
        String(12),
        ForeignKey("merchants.partner_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("fingerprint", String(64), nullable=False),
    Column("public_key_der", Text, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    UniqueConstraint("partner_id", "fingerprint", name="uq_merchant_keys_partner_fingerprint"),
)

orders = Table(
    "orders",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("order_no", String(32), nullable=False, unique=True),
    Column("partner_id", String(12), ForeignKey("merchants.partner_id"), nullable=False),
    Column("merchant_order_no", String(64), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("revoked", Boolean, nullable=False, default=False),
    Column("total_fils", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("subject", String(64), nullable=False),
    Column("subject_ar", String(200)),
    Column("pay_scene_code", String(32), nullable=False),
    Column("pay_scene_params", Text, nullable=False),
    Column("payee_mid", String(20), nullable=False),
    Column("notify_url", String(200)),
    Column("device_id", String(200)),
    Column("secondary_merchant_id", String(64)),
    Column("reserved", String(200)),
    Column("risk_info", String(512)),
    Column("details", Text, nullable=False),
    Column("request_time", BigInteger, nullable=False),
    Column("expired_time", BigInteger, nullable=False),
    Column("token", String(64), nullable=False, unique=True),
    Column("fail_code", String(64)),
    Column("fail_des", String(200)),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    Column("version", Integer, nullable=False),
    UniqueConstraint("partner_id", "merchant_order_no", name="uq_orders_partner_merchant_order_no"),
    CheckConstraint("status IN ('CREATED', 'PAID_SUCCESS', 'SETTLED', 'FAILURE')", name="status"),
    CheckConstraint("total_fils > 0", name="total_positive"),
    CheckConstraint("currency = 'AED'", name="currency_aed"),
    CheckConstraint("expired_time > request_time", name="expiry_after_request"),
    CheckConstraint("(status = 'FAILURE') = (fail_code IS NOT NULL)", name="fail_code_iff_failure"),
)

Index("ix_orders_status_expired_time", orders.c.status, orders.c.expired_time)
