"""`botimpay init`, `serve` and `worker`: set up the database and run the gateway."""

from __future__ import annotations

import asyncio
import ipaddress
import os
from pathlib import Path
from typing import Any

import click

from botimpay import logs
from botimpay.cli.common import db_option, dispatcher_options, notify_allow_option, run_db
from botimpay.clock import Clock
from botimpay.services.console_auth import ConsoleAuth
from botimpay.services.rate_limits import describe
from botimpay.services.setup import DemoMerchant, initialise, refuse_other_mode
from botimpay.settings import Mode, Settings
from botimpay.store.database import Database, normalize_url, redact


def _proxy_list(value: str) -> str:
    """--forwarded-allow-ips, checked: uvicorn takes an entry that is not an IP address
    or network (a typo, host bits in a CIDR) for a host name that never matches."""
    parts = [part.strip() for part in value.split(",") if part.strip()]
    for part in parts:
        try:
            if part != "*":
                ipaddress.ip_network(part)
        except ValueError:
            raise click.BadParameter(f"{part!r} is not an IP address or network") from None
    return ",".join(parts)


def _redis_url(value: str) -> str:
    """--redis-url, checked before any worker starts."""
    if value and not value.startswith(("redis://", "rediss://", "unix://")):
        raise click.BadParameter(f"{value!r} is not a redis://, rediss:// or unix:// URL")
    return value


@click.command()
@db_option
@click.option(
    "--mode",
    type=click.Choice([m.value for m in Mode]),
    default=Mode.SANDBOX.value,
    show_default=True,
)
@click.option(
    "--key-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("botimpay-keys"),
    show_default=True,
    help="where the demo merchant's key files are written",
)
@click.option(
    "--console-password",
    default=None,
    help="the console operator admin's password (also changes an existing admin's); "
    "default: a random one for a new admin, printed once",
)
def init(db_url: str, mode: str, key_dir: Path, console_password: str | None) -> None:
    """Create or upgrade the schema and the console's admin; in sandbox mode also the
    demo merchant."""
    sandbox = Mode(mode) is Mode.SANDBOX

    async def setup(db: Database) -> tuple[DemoMerchant | None, str | None]:
        demo = await initialise(db, Clock(), sandbox=sandbox, key_dir=key_dir)
        return demo, await ConsoleAuth(db, Clock()).ensure_admin(console_password)

    demo, admin_password = run_db(db_url, setup)
    click.echo(f"botimpay initialised ({mode}) at {redact(normalize_url(db_url))}")
    if admin_password is not None:
        click.echo(f"console admin password:    {admin_password}")
        click.echo("  (shown once; sign in as admin at /console)")
    elif console_password is not None:
        click.echo("console admin password:    set from --console-password")
    if demo is not None:
        click.echo(f"demo merchant partner id:  {demo.partner_id}")
        click.echo(f"demo merchant private key: {demo.private_key_path}")
        click.echo(f"demo merchant public key:  {demo.public_key_path}")
        click.echo(f"gateway public key:        {demo.gateway_public_key_path}")


@click.command()
@db_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64))
@click.option(
    "--mode",
    type=click.Choice([m.value for m in Mode]),
    default=Mode.SANDBOX.value,
    show_default=True,
)
@click.option("--public-url", default=None, help="base URL customers reach (tokenUrl links)")
@click.option(
    "--rate-limit",
    default=1000,
    show_default=True,
    type=click.IntRange(0),
    help="verified requests per second per merchant, shared by every worker and node "
    "(Redis with --redis-url, else PostgreSQL; SQLite: this host's workers); 0 = unlimited",
)
@click.option(
    "--redis-url",
    envvar="BOTIMPAY_REDIS_URL",
    default="",
    callback=lambda ctx, param, value: _redis_url(value),
    help="count the rate limit in Redis, e.g. redis://127.0.0.1:6379/0 "
    "(env BOTIMPAY_REDIS_URL); default: the database",
)
@click.option(
    "--auth-failure-rate",
    default=20,
    show_default=True,
    type=click.IntRange(0),
    help="refused requests (bad sign, unknown Partner-Id...) per second per client IP "
    "and worker, burst 5x; more get 402 RATE_LIMIT_REJECT; 0 = unlimited",
)
@click.option(
    "--sweep-interval-ms",
    default=5000,
    show_default=True,
    type=click.IntRange(50),
    help="how often expired orders are marked FAILURE in the background",
)
@click.option(
    "--settle-delay-ms",
    default=24 * 3600 * 1000,
    show_default=True,
    type=click.IntRange(0),
    help="business time between payment and settlement",
)
@click.option(
    "--card-pending-ms",
    default=5000,
    show_default=True,
    type=click.IntRange(0),
    help="business time until a PENDING test-card payment is confirmed",
)
@click.option(
    "--no-dispatcher",
    is_flag=True,
    help="do not deliver notifications in this process (run `botimpay worker`s)",
)
@dispatcher_options
@notify_allow_option
@click.option(
    "--forwarded-allow-ips",
    default="",
    show_default=True,
    callback=lambda ctx, param, value: _proxy_list(value),
    help="proxies (comma-separated IPs or CIDRs) whose X-Forwarded-For / "
    "X-Forwarded-Proto are trusted for the client address; empty = none",
)
@click.option(
    "--max-header-bytes",
    default=32 * 1024,
    show_default=True,
    type=click.IntRange(1024, 1024 * 1024),
    help="request line and headers together; larger requests get 431",
)
@click.option(
    "--max-headers",
    default=100,
    show_default=True,
    type=click.IntRange(8, 1000),
    help="headers per request; more get 431",
)
@click.option(
    "--docs/--no-docs",
    "docs",
    default=None,
    help="serve /docs and /openapi.json [default: on in sandbox, off in production]",
)
@click.option(
    "--metrics-token",
    envvar="BOTIMPAY_METRICS_TOKEN",
    default="",
    help="require `Authorization: Bearer TOKEN` on /metrics (env BOTIMPAY_METRICS_TOKEN); "
    "production serves /metrics only with a token",
)
@click.option(
    "--request-log-max-rows",
    default=100_000,
    show_default=True,
    type=click.IntRange(0),
    help="request log: newest calls kept per merchant; 0 = no limit",
)
@click.option(
    "--request-log-days",
    default=0,
    show_default=True,
    type=click.IntRange(0),
    help="request log: days of business time kept; 0 = no limit",
)
@click.option(
    "--request-log-flush-ms",
    default=200,
    show_default=True,
    type=click.IntRange(10, 60_000),
    help="request log: how often queued calls are written (a kill -9 loses at most this)",
)
@click.option(
    "--request-log-prune-ms",
    default=60_000,
    show_default=True,
    type=click.IntRange(100),
    help="request log: how often the retention is applied",
)
@click.option(
    "--log-level",
    default="info",
    show_default=True,
    type=click.Choice(["debug", "info", "warning", "error"]),
)
def serve(
    db_url: str,
    host: str,
    port: int,
    workers: int,
    mode: str,
    public_url: str | None,
    rate_limit: int,
    redis_url: str,
    auth_failure_rate: int,
    sweep_interval_ms: int,
    settle_delay_ms: int,
    card_pending_ms: int,
    no_dispatcher: bool,
    dispatch_interval_ms: int,
    notify_timeout_ms: int,
    notify_per_merchant: int,
    notify_allow_cidr: tuple[str, ...],
    forwarded_allow_ips: str,
    max_header_bytes: int,
    max_headers: int,
    docs: bool | None,
    metrics_token: str,
    request_log_max_rows: int,
    request_log_days: int,
    request_log_flush_ms: int,
    request_log_prune_ms: int,
    log_level: str,
) -> None:
    """Run the gateway (merchant API, docs, health) with uvicorn.

    Each process also delivers notifications unless --no-dispatcher is given."""
    import uvicorn

    from botimpay.store import migrate

    settings = Settings(
        db_url=db_url,
        mode=Mode(mode),
        public_url=(public_url or f"http://{host}:{port}").rstrip("/"),
        rate_limit=rate_limit,
        redis_url=redis_url,
        workers=workers,
        auth_failure_rate=auth_failure_rate,
        sweep_interval_ms=sweep_interval_ms,
        settle_delay_ms=settle_delay_ms,
        card_pending_ms=card_pending_ms,
        run_dispatcher=not no_dispatcher,
        dispatch_interval_ms=dispatch_interval_ms,
        notify_read_timeout_ms=notify_timeout_ms,
        notify_per_merchant=notify_per_merchant,
        notify_allow_cidrs=",".join(notify_allow_cidr),
        forwarded_allow_ips=forwarded_allow_ips,
        max_header_bytes=max_header_bytes,
        max_headers=max_headers,
        docs=(Mode(mode) is Mode.SANDBOX) if docs is None else docs,
        metrics_token=metrics_token,
        request_log_max_rows=request_log_max_rows,
        request_log_days=request_log_days,
        request_log_flush_ms=request_log_flush_ms,
        request_log_prune_ms=request_log_prune_ms,
    )
    run_db(db_url, migrate.upgrade)
    run_db(db_url, lambda db: refuse_other_mode(db, sandbox=settings.is_sandbox))
    logs.configure(log_level)
    click.echo(f"botimpay {mode} gateway on {settings.public_url}")
    click.echo(f"  start here:   {settings.public_url}/")
    click.echo(f"  console:      {settings.public_url}/console")
    click.echo(f"  merchant API: {settings.public_url}/sgs/api/acquire2/placeOrder")
    if settings.docs:
        click.echo(f"  API docs:     {settings.public_url}/docs")
    if settings.is_sandbox:
        click.echo(f"  BOTIM app:    {settings.public_url}/app")
        click.echo(f"  demo shop:    {settings.public_url}/demo/shop")
    click.echo(f"  health:       {settings.public_url}/healthz")
    click.echo(f"  database:     {redact(normalize_url(db_url))}")
    click.echo(f"  rate limit:   {describe(settings, normalize_url(db_url))}")
    from botimpay.web import http_limits

    edge: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_level": log_level,
        "log_config": logs.config(log_level),  # uvicorn's loggers and every worker process
        "access_log": False,
        # X-Forwarded-* only from the named proxies; always given, so uvicorn's
        # FORWARDED_ALLOW_IPS environment default never applies
        "proxy_headers": bool(settings.forwarded_allow_ips),
        "forwarded_allow_ips": settings.forwarded_allow_ips,
    }
    from botimpay.web.metrics import worker_metrics_dir

    with worker_metrics_dir(workers):  # before any worker starts (see web/metrics.py)
        if workers == 1:
            from botimpay.web.app import create_app

            uvicorn.run(create_app(settings), http=http_limits.protocol_for(settings), **edge)
            return
        os.environ.update(settings.to_env())
        uvicorn.run(
            "botimpay.web.app:create_app_from_env",
            factory=True,
            workers=workers,
            http=http_limits.FROM_ENV,
            **edge,
        )


@click.command()
@db_option
@click.option(
    "--mode",
    type=click.Choice([m.value for m in Mode]),
    default=Mode.SANDBOX.value,
    show_default=True,
    help="sandbox workers follow the sandbox clock (time travel)",
)
@dispatcher_options
@notify_allow_option
@click.option(
    "--lease-ms",
    default=60_000,
    show_default=True,
    type=click.IntRange(100),
    help="how long a claimed notification is ours before others may take it",
)
@click.option(
    "--log-level",
    default="info",
    show_default=True,
    type=click.Choice(["debug", "info", "warning", "error"]),
)
def worker(
    db_url: str,
    mode: str,
    dispatch_interval_ms: int,
    notify_timeout_ms: int,
    notify_per_merchant: int,
    notify_allow_cidr: tuple[str, ...],
    lease_ms: int,
    log_level: str,
) -> None:
    """Deliver notifications only (no HTTP server); stops cleanly on SIGTERM/SIGINT.

    Any number of workers may run against one database."""
    import signal

    from botimpay.cli.worker import run_worker

    settings = Settings(
        db_url=db_url,
        mode=Mode(mode),
        dispatch_interval_ms=dispatch_interval_ms,
        notify_read_timeout_ms=notify_timeout_ms,
        notify_per_merchant=notify_per_merchant,
        notify_lease_ms=lease_ms,
        notify_allow_cidrs=",".join(notify_allow_cidr),
    )
    normalize_url(db_url)  # a bad --db fails here with one line
    run_db(db_url, lambda db: refuse_other_mode(db, sandbox=settings.is_sandbox))
    logs.configure(log_level)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        await run_worker(settings, stop)

    asyncio.run(main())
