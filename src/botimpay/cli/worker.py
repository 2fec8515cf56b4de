"""`botimpay worker`'s process: one notification dispatcher on its own database pool.

It builds what the dispatcher is handed (the app does the same from its state): the
merchants' gateway signing keys, through an Authenticator of its own, and in
sandbox mode the sandbox clock to follow.
"""

from __future__ import annotations

import asyncio
import logging

from botimpay.clock import Clock
from botimpay.errors import ConfigError
from botimpay.gc_tuning import tune_gc
from botimpay.notify.dispatcher import Dispatcher
from botimpay.services.auth import Authenticator, RateLimiter
from botimpay.services.sandbox import SandboxClock
from botimpay.settings import Settings
from botimpay.store import migrate
from botimpay.store.database import open_database

log = logging.getLogger("botimpay.notify")


async def run_worker(settings: Settings, stop: asyncio.Event) -> None:
    """A dispatcher on its own until `stop` is set."""
    db = open_database(settings.db_url, pool_size=4)
    if await migrate.current_revision(db) is None:
        await db.dispose()
        raise ConfigError("the database has no botimpay schema: run `botimpay init` first")
    clock = Clock()
    dispatcher = Dispatcher.from_settings(
        settings,
        db,
        clock,
        # in sandbox mode the keys come with the merchant's armed (notification) faults
        signing_keys=Authenticator(
            db, RateLimiter(0), sandbox=settings.is_sandbox, clock=clock
        ).load,
        follow_clock=SandboxClock(db, clock).refresh if settings.is_sandbox else None,
    )
    if settings.notify_lease_ms < dispatcher.sender.deadline_ms:
        log.warning(
            "lease (%d ms) is shorter than one attempt may take (%d ms): other dispatchers"
            " may send a slow notification again",
            settings.notify_lease_ms,
            dispatcher.sender.deadline_ms,
        )
    log.info(
        "notification worker started: lease %d ms, idle poll %d ms, read timeout %d ms",
        settings.notify_lease_ms,
        settings.dispatch_interval_ms,
        settings.notify_read_timeout_ms,
    )
    tune_gc()
    try:
        await dispatcher.run_forever(stop)
    finally:
        await dispatcher.aclose()
        await db.dispose()
        log.info("notification worker stopped")
