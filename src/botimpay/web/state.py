"""What a running app holds: settings, database, clock, services and page templates.

Built in the lifespan of create_app and kept on `app.state.botimpay`.
"""

from __future__ import annotations

from dataclasses import dataclass

from jinja2 import Environment
from starlette.requests import Request

from botimpay.clock import Clock
from botimpay.netguard import NotifyGuard
from botimpay.services.auth import Authenticator, RateLimiter
from botimpay.services.faults import FaultService
from botimpay.services.merchants import MerchantService
from botimpay.services.orders import OrderService
from botimpay.services.payments import PaymentService
from botimpay.services.rate_limits import shared_limiter
from botimpay.services.refunds import RefundService
from botimpay.services.request_log import RequestLog, Retention
from botimpay.services.sandbox import SandboxClock
from botimpay.services.settlement import SettlementService
from botimpay.services.testplan import TestPlanService
from botimpay.services.wallets import WalletService
from botimpay.settings import Settings
from botimpay.store.database import Database, open_database
from botimpay.web.metrics import Metrics
from botimpay.web.templating import build_environment


@dataclass(frozen=True, slots=True)
class AppState:
    settings: Settings
    db: Database
    clock: Clock
    authenticator: Authenticator
    merchants: MerchantService
    orders: OrderService
    wallets: WalletService
    payments: PaymentService
    refunds: RefundService
    settlement: SettlementService
    sandbox_clock: SandboxClock
    templates: Environment
    faults: FaultService
    request_log: RequestLog
    testplan: TestPlanService
    metrics: Metrics

    @classmethod
    def build(cls, settings: Settings, clock: Clock | None = None) -> AppState:
        db = open_database(settings.db_url)
        clock = clock or Clock()
        notify_guard = NotifyGuard.from_settings(settings)  # None in the sandbox
        return cls(
            settings=settings,
            db=db,
            clock=clock,
            authenticator=Authenticator(
                db,
                shared_limiter(settings, db.url) or RateLimiter(settings.rate_limit),
                RateLimiter(settings.auth_failure_rate, burst=5 * settings.auth_failure_rate),
                sandbox=settings.is_sandbox,
                clock=clock,
            ),
            merchants=MerchantService(db, clock),
            orders=OrderService(db, clock, settings.public_url, notify_guard=notify_guard),
            wallets=WalletService(db, clock, sandbox=settings.is_sandbox),
            payments=PaymentService(
                db, clock, card_pending_ms=settings.card_pending_ms, sandbox=settings.is_sandbox
            ),
            refunds=RefundService(db, clock, notify_guard=notify_guard),
            settlement=SettlementService(db, clock, delay_ms=settings.settle_delay_ms),
            sandbox_clock=SandboxClock(db, clock),
            templates=build_environment(),
            faults=FaultService(db, clock, sandbox=settings.is_sandbox),
            testplan=TestPlanService(db, clock, sandbox=settings.is_sandbox),
            metrics=Metrics.build(),
            request_log=RequestLog(
                db,
                clock,
                flush_ms=settings.request_log_flush_ms,
                retention=Retention(
                    max_rows_per_merchant=settings.request_log_max_rows,
                    days=settings.request_log_days,
                    every_ms=settings.request_log_prune_ms,
                ),
            ),
        )


def state_of(request: Request) -> AppState:
    """The running app's state, as every route reads it."""
    state: AppState = request.app.state.botimpay
    return state
