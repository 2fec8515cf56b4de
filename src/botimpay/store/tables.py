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
    text,
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
    # bumped by every change to the merchant or its keys (the API's cache key)
    Column("revision", BigInteger, nullable=False, server_default=text("1")),
    # used when an order or refund names no notifyUrl (the console's Developers page)
    Column("default_notify_url", String(200)),
    # the scenes it may place orders in, sorted, comma-separated (0011); inserts name them
    Column("scenes", String(200), nullable=False, server_default=text("'DYNQR,JSAPI'")),
    CheckConstraint("status IN ('ACTIVE', 'DISABLED')", name="status"),
    CheckConstraint(
        "scenes <> '' AND scenes NOT LIKE '% %' AND scenes NOT LIKE ',%' "
        "AND scenes NOT LIKE '%,' AND scenes NOT LIKE '%,,%'",
        name="scenes_well_formed",
    ),
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
    Column("payer_mid", String(12)),
    Column("bound_payer_mid", String(12)),
    Column("paid_time", BigInteger),
    Column("pay_channel", String(16)),
    Column("payee_fee_fils", BigInteger),
    Column("settled_time", BigInteger),
    Column("refunded_fils", BigInteger, nullable=False, server_default="0"),
    Column("fee_refunded_fils", BigInteger, nullable=False, server_default="0"),
    UniqueConstraint("partner_id", "merchant_order_no", name="uq_orders_partner_merchant_order_no"),
    CheckConstraint("status IN ('CREATED', 'PAID_SUCCESS', 'SETTLED', 'FAILURE')", name="status"),
    CheckConstraint("total_fils > 0", name="total_positive"),
    CheckConstraint(
        "refunded_fils >= 0 AND refunded_fils <= total_fils", name="refund_within_total"
    ),
    CheckConstraint("currency = 'AED'", name="currency_aed"),
    CheckConstraint("expired_time > request_time", name="expiry_after_request"),
    CheckConstraint("(status = 'FAILURE') = (fail_code IS NOT NULL)", name="fail_code_iff_failure"),
)

Index("ix_orders_status_expired_time", orders.c.status, orders.c.expired_time)
Index("ix_orders_status_paid_time", orders.c.status, orders.c.paid_time)

members = Table(
    "members",
    metadata,
    Column("member_id", String(12), primary_key=True),
    Column("phone", String(20), nullable=False, unique=True),
    Column("name", String(100), nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("eid_hash", String(64)),
    Column("failed_password_attempts", Integer, nullable=False),
    Column("locked_until", BigInteger),
    Column("created_at", BigInteger, nullable=False),
    # The sign-in code's lockout, counted like the payment password's (0005).
    Column("failed_otp_attempts", Integer, nullable=False, server_default=text("0")),
    Column("otp_locked_until", BigInteger),
    CheckConstraint("failed_password_attempts >= 0", name="attempts_non_negative"),
    CheckConstraint("failed_otp_attempts >= 0", name="otp_attempts_non_negative"),
)

accounts = Table(
    "accounts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),
    Column("owner_id", String(20), nullable=False),
    Column("balance_fils", BigInteger, nullable=False),
    Column("may_go_negative", Boolean, nullable=False),
    # one logical account (kind, owner) is one or more sub-rows (domain/ledger.py SLOTS)
    Column("slot", Integer, nullable=False, server_default="0"),
    UniqueConstraint("kind", "owner_id", "slot", name="uq_accounts_kind_owner_slot"),
    CheckConstraint("may_go_negative OR balance_fils >= 0", name="balance_non_negative"),
    CheckConstraint("slot >= 0", name="slot_non_negative"),
)

ledger_transactions = Table(
    "ledger_transactions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),
    Column("order_no", String(32)),
    Column("memo", String(200), nullable=False),
    Column("created_at", BigInteger, nullable=False),
)
Index("ix_ledger_transactions_order_no", ledger_transactions.c.order_no)
Index("ix_ledger_transactions_created_at", ledger_transactions.c.created_at)

postings = Table(
    "postings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("transaction_id", Integer, ForeignKey("ledger_transactions.id"), nullable=False),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=False),
    Column("amount_fils", BigInteger, nullable=False),
    CheckConstraint("amount_fils <> 0", name="amount_non_zero"),
)
Index("ix_postings_account_id", postings.c.account_id)
Index("ix_postings_transaction_id", postings.c.transaction_id)

payment_attempts = Table(
    "payment_attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("order_no", String(32), ForeignKey("orders.order_no"), nullable=False),
    Column("member_id", String(12)),
    Column("method", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("reason", String(64)),
    Column("amount_fils", BigInteger, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("resolved_at", BigInteger),
    CheckConstraint("status IN ('SUCCESS', 'FAILED', 'PENDING')", name="status"),
)
Index("ix_payment_attempts_order_no", payment_attempts.c.order_no)
Index("ix_payment_attempts_status", payment_attempts.c.status)

order_events = Table(
    "order_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("order_no", String(32), ForeignKey("orders.order_no"), nullable=False),
    Column("event", String(32), nullable=False),
    Column("from_status", String(32), nullable=False),
    Column("to_status", String(32), nullable=False),
    Column("detail", Text),
    Column("created_at", BigInteger, nullable=False),
)
Index("ix_order_events_order_no", order_events.c.order_no, order_events.c.id)

# The wallets that scanned an order's QR or opened its checkout while it could be paid,
# one row per (order, wallet), for getOrderPayer and getCashierUrlInfo (0010).
checkout_visits = Table(
    "checkout_visits",
    metadata,
    Column("order_no", String(32), ForeignKey("orders.order_no"), primary_key=True),
    Column("member_id", String(12), ForeignKey("members.member_id"), primary_key=True),
    Column("source", String(16), nullable=False),
    Column("ip_address", String(64), nullable=False),
    Column("device_id", String(32), nullable=False),
    Column("first_seen_at", BigInteger, nullable=False),
    Column("last_seen_at", BigInteger, nullable=False),
    CheckConstraint("source IN ('SCAN', 'CHECKOUT')", name="source"),
)

customer_sessions = Table(
    "customer_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("member_id", String(12), ForeignKey("members.member_id"), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
)

refunds = Table(
    "refunds",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("refund_no", String(32), nullable=False, unique=True),
    Column("partner_id", String(12), ForeignKey("merchants.partner_id"), nullable=False),
    Column("refund_merchant_order_no", String(64), nullable=False),
    Column("origin_order_no", String(32), ForeignKey("orders.order_no"), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("status", String(20), nullable=False),
    Column("amount_fils", BigInteger, nullable=False),
    Column("fee_refunded_fils", BigInteger, nullable=False),
    Column("reason", String(64)),
    Column("operator_name", String(200)),
    Column("notify_url", String(200)),
    Column("device_id", String(200)),
    Column("secondary_merchant_id", String(200)),
    Column("reserved", String(200)),
    Column("details", Text, nullable=False),
    Column("is_revoke", Boolean, nullable=False),
    Column("fail_code", String(64)),
    Column("fail_des", String(200)),
    Column("request_time", BigInteger, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    UniqueConstraint(
        "partner_id", "refund_merchant_order_no", name="uq_refunds_partner_refund_merchant_order_no"
    ),
    CheckConstraint("amount_fils > 0", name="amount_positive"),
    CheckConstraint(
        "fee_refunded_fils >= 0 AND fee_refunded_fils <= amount_fils", name="fee_share"
    ),
    CheckConstraint(
        "status IN ('CREATED', 'REFUNDED_SETTLED', 'SUCCESS', 'FAILURE')", name="status"
    ),
)
Index("ix_refunds_origin_order_no", refunds.c.origin_order_no)

# Each sharing member's share of an order, its fee and what refunds took back (0012).
order_shares = Table(
    "order_shares",
    metadata,
    Column("order_no", String(32), ForeignKey("orders.order_no"), primary_key=True),
    Column("seq_id", Integer, primary_key=True),
    Column("member_id", String(20), nullable=False),
    Column("memo", String(128), nullable=False),
    Column("amount_fils", BigInteger, nullable=False),
    Column("withhold_fee", Boolean, nullable=False),
    Column("fee_fils", BigInteger, nullable=False),
    Column("refunded_fils", BigInteger, nullable=False),
    Column("fee_refunded_fils", BigInteger, nullable=False),
    CheckConstraint("amount_fils > 0", name="amount_positive"),
    CheckConstraint("fee_fils >= 0 AND fee_fils <= amount_fils", name="fee_range"),
    CheckConstraint("fee_refunded_fils >= 0 AND fee_refunded_fils <= fee_fils", name="fee_back"),
    CheckConstraint(
        "refunded_fils >= 0 AND amount_fils - fee_fils - refunded_fils + fee_refunded_fils >= 0",
        name="not_over_refunded",
    ),
)
Index("ix_order_shares_member_id", order_shares.c.member_id)
# queryRefundOrderPage (0014): one merchant's window newest first, with the status and
# device filters in the index too, so a filtered count or page never reads the table.
Index(
    "ix_refunds_partner_id_created_at_id_status_device_id",
    refunds.c.partner_id,
    refunds.c.created_at,
    refunds.c.id,
    refunds.c.status,
    refunds.c.device_id,
)

# Sandbox chargebacks and VOIDs of paid orders, each with its ledger entry (0013).
chargebacks = Table(
    "chargebacks",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("chargeback_no", String(32), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),
    Column("partner_id", String(12), ForeignKey("merchants.partner_id"), nullable=False),
    Column("order_no", String(32), ForeignKey("orders.order_no"), nullable=False),
    Column("merchant_ref", String(64)),
    Column("status", String(16), nullable=False),
    Column("amount_fils", BigInteger, nullable=False),
    Column("fee_returned_fils", BigInteger, nullable=False),
    Column("case_type", String(200)),
    Column("notify_url", String(200)),
    Column("fail_code", String(64)),
    Column("fail_des", String(200)),
    Column("created_at", BigInteger, nullable=False),
    UniqueConstraint("partner_id", "merchant_ref", name="uq_chargebacks_partner_merchant_ref"),
    CheckConstraint("kind IN ('CHARGEBACK', 'VOID')", name="kind"),
    CheckConstraint("status IN ('SUCCESS', 'FAILURE')", name="status"),
    CheckConstraint("amount_fils > 0", name="amount_positive"),
    CheckConstraint(
        "fee_returned_fils >= 0 AND fee_returned_fils <= amount_fils", name="fee_share"
    ),
)
Index("ix_chargebacks_order_no", chargebacks.c.order_no)

notifications = Table(
    "notifications",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("notify_id", String(32), nullable=False, unique=True),
    Column("partner_id", String(12), ForeignKey("merchants.partner_id"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("subject_no", String(32), nullable=False),
    Column("url", String(200), nullable=False),
    Column("payload", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    # `attempts` when the current round of the retry schedule began (0; a resend sets it
    # to `attempts`): attempts keep their numbers, the schedule starts again.
    Column("round_start", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", BigInteger, nullable=False),
    Column("claimed_until", BigInteger),
    Column("created_at", BigInteger, nullable=False),
    Column("delivered_at", BigInteger),
    Column("last_error", String(300)),
    # sandbox: the notification fault that hit this notification (its label, e.g.
    # "LATE 1500ms"), and until when (real ms) its first attempt may be held back
    Column("fault", String(64)),
    Column("held_until", BigInteger),
    CheckConstraint("kind IN ('PAYMENT', 'REFUND', 'CHARGEBACK', 'VOID')", name="kind"),
    CheckConstraint("status IN ('PENDING', 'DELIVERED', 'FAILED')", name="status"),
    CheckConstraint("attempts >= 0", name="attempts_non_negative"),
    CheckConstraint("round_start >= 0 AND round_start <= attempts", name="round_start_range"),
)
Index("ix_notifications_due", notifications.c.status, notifications.c.next_attempt_at)
Index("ix_notifications_subject_no", notifications.c.subject_no)
Index("ix_notifications_partner_id_id", notifications.c.partner_id, notifications.c.id)

notification_attempts = Table(
    "notification_attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("notification_id", Integer, ForeignKey("notifications.id"), nullable=False),
    Column("attempt_no", Integer, nullable=False),
    Column("started_at", BigInteger, nullable=False),
    Column("real_started_at", BigInteger, nullable=False),
    Column("latency_ms", Integer, nullable=False),
    Column("http_status", Integer),
    Column("outcome", String(20), nullable=False),
    Column("response_excerpt", String(500)),
    Column("fault", String(64)),  # sandbox: the notification fault this attempt was made under
)
Index("ix_notification_attempts_notification_id", notification_attempts.c.notification_id)

# The merchant API's request log: one row per call, written in batches off the hot path.
# On SQLite the rows live in a file of their own (`<db>-requests`, Database.request_log)
# and this table of the main file stays empty.
api_requests = Table(
    "api_requests",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("trace_code", String(64), nullable=False),
    Column("received_at", BigInteger, nullable=False),  # wall-clock ms
    Column("business_at", BigInteger, nullable=False),  # business-clock ms
    # the merchant, when the Partner-Id named one; else NULL and the claim as given
    Column("partner_id", String(12), nullable=True),
    Column("claimed_partner_id", String(64), nullable=True),
    Column("operation", String(160), nullable=False),
    Column("merchant_order_no", String(64), nullable=True),
    Column("order_no", String(64), nullable=True),
    Column("refund_merchant_order_no", String(64), nullable=True),
    Column("code", String(16), nullable=True),  # head.code; NULL when no answer was sent
    Column("msg", String(64), nullable=True),
    Column("order_status", String(32), nullable=True),  # acquireOrder.status answered
    Column("latency_us", BigInteger, nullable=False),
    Column("client_ip", String(64), nullable=True),
    Column("request_body", Text, nullable=False),
    Column("response_body", Text, nullable=False),
    Column("fault", String(64), nullable=True),
    Column("detail", String(300), nullable=True),
)
Index("ix_api_requests_trace_code", api_requests.c.trace_code)
Index("ix_api_requests_partner_id_id", api_requests.c.partner_id, api_requests.c.id)
Index(
    "ix_api_requests_partner_id_merchant_order_no",
    api_requests.c.partner_id,
    api_requests.c.merchant_order_no,
)
Index("ix_api_requests_partner_id_order_no", api_requests.c.partner_id, api_requests.c.order_no)

# Sandbox faults a merchant armed against itself (domain.faults).
faults = Table(
    "faults",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("partner_id", String(12), ForeignKey("merchants.partner_id"), nullable=False),
    Column("operation", String(64), nullable=False),
    Column("fault", String(64), nullable=False),
    Column("applied", Boolean, nullable=False),
    Column("hold_ms", Integer, nullable=False),
    Column("merchant_order_no", String(64), nullable=True),
    Column("remaining", Integer, nullable=True),
    Column("expires_at", BigInteger, nullable=True),
    Column("run_id", String(32), nullable=True),
    Column("created_at", BigInteger, nullable=False),
    CheckConstraint("remaining IS NULL OR remaining >= 0", name="remaining_non_negative"),
    CheckConstraint("hold_ms >= 0", name="hold_ms_non_negative"),
)
Index("ix_faults_partner_id", faults.c.partner_id)

# Test-plan case runs (domain.testplan): bound to the merchant's next new order.
testplan_runs = Table(
    "testplan_runs",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("partner_id", String(12), ForeignKey("merchants.partner_id"), nullable=False),
    Column("case_no", String(3), nullable=False),
    Column("time_scale", String(16), nullable=False),  # a Decimal, as text
    Column("status", String(8), nullable=False),
    Column("merchant_order_no", String(64), nullable=True),
    Column("created_at", BigInteger, nullable=False),  # wall-clock ms
    Column("bound_at", BigInteger, nullable=True),
    Column("finished_at", BigInteger, nullable=True),
    Column("report", Text, nullable=True),  # the final report, JSON
    CheckConstraint("status IN ('PENDING', 'PASS', 'FAIL')", name="status"),
)
Index("ix_testplan_runs_partner_id", testplan_runs.c.partner_id)

# The console's operator and merchant users and their sign-in sessions (0008).
console_users = Table(
    "console_users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("password_hash", Text, nullable=False),
    Column("role", String(16), nullable=False),
    Column("partner_id", String(12), ForeignKey("merchants.partner_id"), nullable=True),
    Column("failed_attempts", Integer, nullable=False),
    Column("locked_until", BigInteger),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    CheckConstraint("role IN ('operator', 'merchant')", name="role"),
    CheckConstraint("(role = 'merchant') = (partner_id IS NOT NULL)", name="partner_iff_merchant"),
    CheckConstraint("failed_attempts >= 0", name="attempts_non_negative"),
)

console_sessions = Table(
    "console_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),  # sha256 of the cookie's token
    Column(
        "user_id",
        Integer,
        ForeignKey("console_users.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
)
Index("ix_console_sessions_user_id", console_sessions.c.user_id)

# The console's orders list: newest first by (created_at, id), of all, one merchant, one
# status or one scene (0008); each grows at its right edge, so placeOrder barely feels
# them. A merchantOrderNo is found merchant by merchant through
# uq_orders_partner_merchant_order_no: an index of its own (random inserts) cost more.
Index("ix_orders_created_at_id", orders.c.created_at, orders.c.id)
# One merchant's orders (the console's list and queryOrderPage, 0014): status and device
# ride along so queryOrderPage's filters are checked in the index, never in the table.
Index(
    "ix_orders_partner_id_created_at_id_status_device_id",
    orders.c.partner_id,
    orders.c.created_at,
    orders.c.id,
    orders.c.status,
    orders.c.device_id,
)
Index("ix_orders_status_created_at_id", orders.c.status, orders.c.created_at, orders.c.id)
Index(
    "ix_orders_pay_scene_code_created_at_id",
    orders.c.pay_scene_code,
    orders.c.created_at,
    orders.c.id,
)

# The merchant rate limit shared by every process and node (0015): verified requests per
# (merchant, fixed window), window_start in epoch ms; see store/rate_limit_repo.py.
rate_limit_windows = Table(
    "rate_limit_windows",
    metadata,
    Column("partner_id", String(12), primary_key=True),
    Column("window_start", BigInteger, primary_key=True),
    Column("hits", Integer, nullable=False),
)
