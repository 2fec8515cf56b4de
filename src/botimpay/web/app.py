"""The application factory: `create_app(settings)` wires state, routers and tasks.

Background tasks (the expiry sweeper, the notification dispatcher) start and
stop with the lifespan.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response
from starlette.staticfiles import StaticFiles

from botimpay import __version__
from botimpay.clock import Clock
from botimpay.errors import InvalidParameter
from botimpay.gc_tuning import tune_gc
from botimpay.notify.dispatcher import Dispatcher
from botimpay.settings import Settings
from botimpay.web import (
    appshell,
    checkout,
    console,
    demo_shop,
    health,
    landing,
    qr,
    sandbox_api,
    sandbox_chargebacks,
    sandbox_faults,
    sandbox_testplan,
)
from botimpay.web.docs import OPENAPI_URL, install_docs
from botimpay.web.fast_path import MerchantApiFastPath
from botimpay.web.security import SecurityHeaders
from botimpay.web.state import AppState
from botimpay.web.templating import STATIC
from botimpay.web.text_guard import RefuseUnstorableText, refusal

log = logging.getLogger("botimpay")


async def _sweep_forever(state: AppState) -> None:
    """Expires orders, confirms pending card payments and settles due orders in the
    background; errors are logged, never fatal."""
    interval = state.settings.sweep_interval_ms / 1000
    while True:
        await asyncio.sleep(interval)
        try:
            expired = await state.orders.expire_due()
            confirmed = await state.payments.resolve_pending_cards()
            settled = await state.settlement.settle_due()
            if expired or confirmed or settled:
                log.info(
                    "sweeper: %d expired, %d card payments confirmed, %d settled",
                    expired,
                    confirmed,
                    settled,
                )
        except Exception:
            log.exception("sweeper run failed; retrying next interval")


async def _follow_sandbox_clock(state: AppState) -> None:
    """Other worker processes may move business time; pick it up every second."""
    while True:
        try:
            await state.sandbox_clock.refresh()
        except Exception:
            log.exception("could not read the sandbox clock")
        await asyncio.sleep(1)


async def _invalid_parameter(request: Request, exc: Exception) -> Response:
    """A page or helper refused a field (e.g. text no database can store): 400, named."""
    message = exc.message if isinstance(exc, InvalidParameter) else "invalid request"
    return refusal(request.scope, message)


def create_app(settings: Settings, clock: Clock | None = None) -> MerchantApiFastPath:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state = AppState.build(settings, clock)
        tune_gc()
        app.state.botimpay = state
        tasks: list[asyncio.Task[None]] = []
        if settings.is_sandbox:
            await state.sandbox_clock.refresh()
            tasks.append(asyncio.create_task(_follow_sandbox_clock(state), name="sandbox-clock"))
        if settings.run_sweeper:
            tasks.append(asyncio.create_task(_sweep_forever(state), name="expiry-sweeper"))
        background = contextlib.AsyncExitStack()
        # the request log prunes where the sweeper runs (one process of a deployment)
        await background.enter_async_context(state.request_log.running(prune=settings.run_sweeper))
        if settings.run_dispatcher:  # one dispatcher per process; drains on shutdown
            dispatcher = Dispatcher.from_settings(
                settings, state.db, state.clock, signing_keys=state.authenticator.load
            )
            await background.enter_async_context(dispatcher.running())
        try:
            yield
        finally:
            await background.aclose()
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await state.authenticator.rate_limiter.close()
            await state.db.dispose()
            state.metrics.process_stopped()

    app = FastAPI(
        title="botimpay",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=OPENAPI_URL if settings.docs else None,
    )
    app.add_middleware(RefuseUnstorableText)
    app.add_middleware(SecurityHeaders)
    app.add_exception_handler(InvalidParameter, _invalid_parameter)
    app.include_router(health.router)
    app.include_router(landing.router)
    app.include_router(checkout.router)
    app.include_router(qr.router)
    app.include_router(console.router)
    if settings.is_sandbox:  # production has no customer wallets: no sign-in, app shell, demo
        app.include_router(checkout.wallet_router)
        app.include_router(appshell.router)
        app.include_router(sandbox_api.router)
        app.include_router(sandbox_faults.router)
        app.include_router(sandbox_chargebacks.router)
        app.include_router(sandbox_testplan.router)
        app.include_router(demo_shop.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    if settings.docs:
        install_docs(app)
    return MerchantApiFastPath(app)


def create_app_from_env() -> MerchantApiFastPath:
    """Entry point for uvicorn worker processes (settings come from BOTIMPAY_*)."""
    return create_app(Settings.from_env())
