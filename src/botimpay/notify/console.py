"""What the console shows and does with notifications: the outbox, keyset-paged and
narrowed to what the signed-in user may see; resending one (the same operation as
`botimpay notify resend`); and one signed test notification sent right away.

A test notification is never stored: no order, no outbox row, no attempt. Its body is
a payment notification of a made-up order whose numbers say TEST, signed with the
merchant's gateway key and POSTed by the same code as real ones (notify.delivery),
through the same guard (production refuses private addresses).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from botimpay.domain.console import PAGE_SIZE, ConsoleUser
from botimpay.domain.notification import NotificationStatus
from botimpay.errors import ConfigError, InvalidParameter
from botimpay.netguard import NotifyGuard, TargetRefused
from botimpay.notify import admin
from botimpay.notify.delivery import Sender, build_body
from botimpay.notify.dispatcher import SigningKeys
from botimpay.store import jsonfield, orders_repo, outbox_repo
from botimpay.store.database import Database
from botimpay.store.outbox_repo import OutboxRow

MAX_URL = 200  # notifications.url and orders.notify_url are VARCHAR(200)
TEST_ORDER_NO = "TEST0000000000000000"
TEST_MERCHANT_ORDER_NO = "TEST-NOTIFICATION"


@dataclass(frozen=True, slots=True)
class NotificationQuery:
    partner_id: str | None = None  # an operator's merchant filter
    status: NotificationStatus | None = None
    before_id: int | None = None  # keyset: the last row shown on the previous page


@dataclass(frozen=True, slots=True)
class NotificationPage:
    rows: list[OutboxRow]
    next_before: int | None  # None on the last page


@dataclass(frozen=True, slots=True)
class NotificationDetail:
    row: OutboxRow
    attempts: list[dict[str, Any]]  # notification_attempts rows, oldest first


@dataclass(frozen=True, slots=True)
class TestResult:
    """What one test notification sent and what the endpoint answered."""

    url: str
    body: str  # the exact JSON sent
    outcome: str  # notify.delivery.Outcome, or REFUSED when it was never sent
    http_status: int | None
    latency_ms: int
    answer: str | None  # the endpoint's answer (cut short), or why it failed


class ConsoleNotifications:
    def __init__(
        self,
        db: Database,
        *,
        signing_keys: SigningKeys,
        guard: NotifyGuard | None,
        connect_timeout_ms: int,
        read_timeout_ms: int,
    ) -> None:
        self.db = db
        self.signing_keys = signing_keys  # the app's cached merchant keys
        self.guard = guard  # production: public addresses only; None in the sandbox
        self.connect_timeout_ms = connect_timeout_ms
        self.read_timeout_ms = read_timeout_ms

    async def page(self, user: ConsoleUser, query: NotificationQuery) -> NotificationPage:
        partner = user.visible_partner or query.partner_id
        if user.visible_partner is not None and query.partner_id not in (None, partner):
            return NotificationPage([], None)  # a merchant user asked for another merchant
        async with self.db.read() as conn:
            rows = await outbox_repo.console_page(
                conn,
                partner_id=partner,
                status=query.status,
                before_id=query.before_id,
                limit=PAGE_SIZE + 1,
            )
        shown = rows[:PAGE_SIZE]
        return NotificationPage(shown, shown[-1].id if len(rows) > PAGE_SIZE else None)

    async def detail(self, user: ConsoleUser, notify_id: str) -> NotificationDetail | None:
        """The notification and its attempts, or None when there is none the user may see
        (never says which)."""
        async with self.db.read() as conn:
            row = await outbox_repo.by_notify_id(conn, notify_id)
            if row is None or not user.may_see(row.partner_id):
                return None
            attempts = await outbox_repo.attempts_of(conn, row.id)
        return NotificationDetail(row, sorted(attempts, key=lambda a: int(a["id"])))

    async def resend(self, user: ConsoleUser, notify_id: str) -> bool:
        """Due again now, like `botimpay notify resend`; False if the user may not see it."""
        if await self.detail(user, notify_id) is None:
            return False
        try:
            await admin.resend(self.db, notify_id)
        except ConfigError:
            return False
        return True

    async def default_url(self, partner_id: str) -> str | None:
        """The merchant's default notifyUrl if set, else the newest one its orders gave."""
        async with self.db.read() as conn:
            return await outbox_repo.default_notify_url(
                conn, partner_id
            ) or await orders_repo.latest_notify_url(conn, partner_id)

    async def send_test(self, partner_id: str, url: str, now_ms: int) -> TestResult:
        """POSTs one signed test notification to `url` and waits for the answer.

        Raises InvalidParameter for a URL that is malformed or (production) not public,
        ConfigError for an unknown merchant."""
        check_url_shape(url)
        if self.guard is not None:  # production: public addresses only, as for notifyUrl
            try:
                await self.guard.check_url(url)
            except TargetRefused as exc:
                raise InvalidParameter(f"url is refused: {exc.message}") from None
        signer = await self.signing_keys(partner_id)
        if signer is None:
            raise ConfigError(f"no merchant with partner id {partner_id!r}")
        body = build_body(
            jsonfield.dumps(test_payload(partner_id, url, now_ms)),
            notify_id=f"TEST{now_ms:013d}000",
            now_ms=now_ms,
        )
        sender = Sender(
            connect_timeout_ms=self.connect_timeout_ms,
            read_timeout_ms=self.read_timeout_ms,
            max_connections=1,
            guard=self.guard,
        )
        try:
            result = await sender.post(url, body, signer.sign(body))
        finally:
            await sender.aclose()
        return TestResult(
            url=url,
            body=body.decode(),
            outcome=result.outcome.value,
            http_status=result.http_status,
            latency_ms=result.latency_ms,
            answer=result.excerpt,
        )


def check_url_shape(url: str) -> None:
    """An absolute http(s) URL of at most MAX_URL characters, else InvalidParameter."""
    try:
        parts = urlsplit(url)
        ok = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:
        ok = False
    if not ok or len(url) > MAX_URL or any(ch.isspace() for ch in url):
        raise InvalidParameter(
            f"the notify URL must be an absolute http or https URL of at most {MAX_URL} characters"
        )


def test_payload(partner_id: str, url: str, now_ms: int) -> dict[str, Any]:
    """A payment notification's payload for an order that does not exist: every number
    says TEST, and `test` is true, so a handler can tell it from a real one."""
    return {
        "test": True,
        "acquireOrder": {
            "merchantOrderNo": TEST_MERCHANT_ORDER_NO,
            "orderNo": TEST_ORDER_NO,
            "status": "PAID_SUCCESS",
            "product": "TEST",
            "totalAmount": {"amount": Decimal("1.00"), "currency": "AED"},
            "payeeMid": partner_id,
            "subject": "botimpay console test notification",
            "requestTime": now_ms,
            "notifyUrl": url,
            "revoked": "false",
        },
    }
