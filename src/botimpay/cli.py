"""The `botimpay` command line: init, serve, worker, merchants and notifications.

Every command takes `--db URL` (default ./botimpay.db, env BOTIMPAY_DB).
Errors a user can cause print one line and exit 2, never a traceback.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from botimpay.clock import Clock
from botimpay.domain.merchant import MerchantStatus
from botimpay.errors import BotimpayError
from botimpay.services.merchants import MerchantService
from botimpay.services.setup import initialise
from botimpay.settings import DEFAULT_DB, Mode, Settings
from botimpay.store.database import Database, normalize_url, open_database, redact

T = TypeVar("T")


class Cli(click.Group):
    """Turns BotimpayError into a one-line message and exit status 2."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BotimpayError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)


db_option = click.option(
    "--db",
    "db_url",
    envvar="BOTIMPAY_DB",
    default=DEFAULT_DB,
    show_default=True,
    help="sqlite:///path, a bare path, or postgresql://user@host/db",
)


def dispatcher_options(command: Callable[..., None]) -> Callable[..., None]:
    """Options of the notification dispatcher shared by `serve` and `worker`."""
    options = [
        click.option(
            "--dispatch-interval-ms",
            default=500,
            show_default=True,
            type=click.IntRange(10),
            help="how long the dispatcher idles when no notification is due",
        ),
        click.option(
            "--notify-timeout-ms",
            default=10_000,
            show_default=True,
            type=click.IntRange(50),
            help="read timeout of a notification POST (connect timeout: 5 s)",
        ),
        click.option(
            "--notify-per-merchant",
            default=4,
            show_default=True,
            type=click.IntRange(1),
            help="notification POSTs in flight per merchant and process",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _run(db_url: str, work: Callable[[Database], Awaitable[T]]) -> T:
    async def main() -> T:
        db = open_database(db_url, pool_size=2)
        try:
            return await work(db)
        finally:
            await db.dispose()

    return asyncio.run(main())


def _key_text(value: str) -> str:
    """A key given inline (PEM/base64) or as a path to a file holding one."""
    candidate = Path(value).expanduser()
    if "\n" not in value and len(value) < 4096 and candidate.is_file():
        return candidate.read_text()
    return value


@click.group(cls=Cli)
@click.version_option(package_name="botimpay")
def main() -> None:
    """botimpay: a Botim Money Business acquiring gateway you run yourself."""


@main.command()
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
def init(db_url: str, mode: str, key_dir: Path) -> None:
    """Create or upgrade the schema; in sandbox mode also the demo merchant."""
    sandbox = Mode(mode) is Mode.SANDBOX
    demo = _run(db_url, lambda db: initialise(db, Clock(), sandbox=sandbox, key_dir=key_dir))
    click.echo(f"botimpay initialised ({mode}) at {redact(normalize_url(db_url))}")
    if demo is not None:
        click.echo(f"demo merchant partner id:  {demo.partner_id}")
        click.echo(f"demo merchant private key: {demo.private_key_path}")
        click.echo(f"demo merchant public key:  {demo.public_key_path}")
        click.echo(f"gateway public key:        {demo.gateway_public_key_path}")


@main.command()
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
    help="requests per second per merchant and worker; 0 = unlimited",
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
    sweep_interval_ms: int,
    settle_delay_ms: int,
    card_pending_ms: int,
    no_dispatcher: bool,
    dispatch_interval_ms: int,
    notify_timeout_ms: int,
    notify_per_merchant: int,
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
        sweep_interval_ms=sweep_interval_ms,
        settle_delay_ms=settle_delay_ms,
        card_pending_ms=card_pending_ms,
        run_dispatcher=not no_dispatcher,
        dispatch_interval_ms=dispatch_interval_ms,
        notify_read_timeout_ms=notify_timeout_ms,
        notify_per_merchant=notify_per_merchant,
    )
    _run(db_url, migrate.upgrade)
    logging.basicConfig(
        level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    click.echo(f"botimpay {mode} gateway on {settings.public_url}")
    click.echo(f"  merchant API: {settings.public_url}/sgs/api/acquire2/placeOrder")
    click.echo(f"  API docs:     {settings.public_url}/docs")
    click.echo(f"  health:       {settings.public_url}/healthz")
    click.echo(f"  database:     {redact(normalize_url(db_url))}")
    if workers == 1:
        from botimpay.web.app import create_app

        uvicorn.run(
            create_app(settings), host=host, port=port, log_level=log_level, access_log=False
        )
        return
    os.environ.update(settings.to_env())
    uvicorn.run(
        "botimpay.web.app:create_app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        access_log=False,
    )


@main.command()
@db_option
@click.option(
    "--mode",
    type=click.Choice([m.value for m in Mode]),
    default=Mode.SANDBOX.value,
    show_default=True,
    help="sandbox workers follow the sandbox clock (time travel)",
)
@dispatcher_options
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
    lease_ms: int,
    log_level: str,
) -> None:
    """Deliver notifications only (no HTTP server); stops cleanly on SIGTERM/SIGINT.

    Any number of workers may run against one database."""
    import signal

    from botimpay.notify.dispatcher import run_worker

    settings = Settings(
        db_url=db_url,
        mode=Mode(mode),
        dispatch_interval_ms=dispatch_interval_ms,
        notify_read_timeout_ms=notify_timeout_ms,
        notify_per_merchant=notify_per_merchant,
        notify_lease_ms=lease_ms,
    )
    normalize_url(db_url)  # a bad --db fails here with one line
    logging.basicConfig(
        level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        await run_worker(settings, stop)

    asyncio.run(main())


@main.group()
def notify() -> None:
    """Inspect and resend merchant notifications."""


@notify.command("list")
@db_option
@click.option("--order", "subject_no", default=None, help="only this orderNo (or refund orderNo)")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
def notify_list(db_url: str, subject_no: str | None, limit: int, as_json: bool) -> None:
    """Notifications, newest first, with their delivery attempts."""
    from botimpay.notify.admin import list_notifications

    views = _run(db_url, lambda db: list_notifications(db, subject_no=subject_no, limit=limit))
    if as_json:
        click.echo(json.dumps(views, indent=2, ensure_ascii=False))
        return
    from rich.console import Console

    from botimpay.notify.admin import as_table

    Console(width=max(160, Console().width)).print(as_table(views))


@notify.command("resend")
@db_option
@click.argument("notify_id")
def notify_resend(db_url: str, notify_id: str) -> None:
    """Deliver a notification again (same notify_id), even a DELIVERED or FAILED one."""
    from botimpay.notify.admin import resend

    _run(db_url, lambda db: resend(db, notify_id))
    click.echo(f"notification {notify_id} is due now; a dispatcher will deliver it")


@main.group()
def ledger() -> None:
    """Inspect the double-entry ledger."""


@ledger.command("check")
@db_option
def ledger_check(db_url: str) -> None:
    """Prove the ledger balances and matches every order; exit 1 if it does not."""
    from botimpay.services.reconcile import check_ledger

    report = _run(db_url, check_ledger)
    click.echo(
        f"{report.transactions} ledger transactions, {report.accounts} accounts,"
        f" {report.orders} orders checked"
    )
    if report.ok:
        click.echo("ledger OK: every transaction balances and matches its order")
        return
    for problem in report.problems:
        click.echo(f"PROBLEM: {problem}", err=True)
    sys.exit(1)


@ledger.command("balances")
@db_option
def ledger_balances(db_url: str) -> None:
    """Every account's balance, as a table with bars."""
    from rich.console import Console
    from rich.table import Table

    from botimpay.store import ledger_repo

    async def load(db: Database) -> list[ledger_repo.AccountBalance]:
        async with db.read() as conn:
            return await ledger_repo.all_balances(conn)

    balances = _run(db_url, load)
    largest = max((abs(b.balance.fils) for b in balances), default=0) or 1
    table = Table("account", "owner", "balance (AED)", "")
    for item in balances:
        bar = "█" * max(0, round(abs(item.balance.fils) * 30 / largest))
        table.add_row(
            item.account.kind.value,
            item.account.owner_id,
            str(item.balance.amount),
            ("-" if item.balance.fils < 0 else "") + bar,
        )
    Console().print(table)


@main.group()
def merchant() -> None:
    """Register merchants and manage their keys."""


@merchant.command("add")
@db_option
@click.option("--partner-id", required=True)
@click.option("--name", required=True)
@click.option("--public-key", required=True, help="PEM, bare base64, or a file holding either")
@click.option("--ip-whitelist", multiple=True, help="CIDR or * (repeatable); default *")
@click.option("--fee-rate", default="0.003", show_default=True, help="payee fee, 0.003 = 0.3 %")
def merchant_add(
    db_url: str,
    partner_id: str,
    name: str,
    public_key: str,
    ip_whitelist: tuple[str, ...],
    fee_rate: str,
) -> None:
    """Register a merchant and create its gateway key pair."""
    record = _run(
        db_url,
        lambda db: MerchantService(db, Clock()).add(
            partner_id=partner_id,
            name=name,
            public_key=_key_text(public_key),
            ip_whitelist=list(ip_whitelist),
            fee_rate=fee_rate,
        ),
    )
    click.echo(f"merchant {record.merchant.partner_id} added; key {record.keys[0].fingerprint}")


@merchant.command("gateway-key")
@db_option
@click.option("--partner-id", required=True)
def merchant_gateway_key(db_url: str, partner_id: str) -> None:
    """Print the gateway public key (PEM) that signs this merchant's responses."""
    record = _run(db_url, lambda db: MerchantService(db, Clock()).get(partner_id))
    click.echo(record.gateway_public_key, nl=False)


@merchant.command("list")
@db_option
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
def merchant_list(db_url: str, as_json: bool) -> None:
    """List merchants with their status, fee rate, whitelist and keys."""
    records = _run(db_url, lambda db: MerchantService(db, Clock()).list_all())
    rows: list[dict[str, Any]] = [
        {
            "partnerId": r.merchant.partner_id,
            "name": r.merchant.name,
            "status": r.merchant.status.value,
            "feeRate": str(r.merchant.fee_rate),
            "ipWhitelist": list(r.merchant.ip_whitelist),
            "keys": [k.fingerprint for k in r.keys],
        }
        for r in records
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("partner id", "name", "status", "fee rate", "IP whitelist", "keys")
    for row in rows:
        table.add_row(
            str(row["partnerId"]),
            row["name"],
            row["status"],
            row["feeRate"],
            " ".join(row["ipWhitelist"]),
            str(len(row["keys"])),
        )
    Console().print(table)


@merchant.command("disable")
@db_option
@click.option("--partner-id", required=True)
def merchant_disable(db_url: str, partner_id: str) -> None:
    """Refuse every request of this merchant until enabled again."""
    _run(
        db_url,
        lambda db: MerchantService(db, Clock()).set_status(partner_id, MerchantStatus.DISABLED),
    )
    click.echo(f"merchant {partner_id} disabled")


@merchant.command("enable")
@db_option
@click.option("--partner-id", required=True)
def merchant_enable(db_url: str, partner_id: str) -> None:
    """Accept this merchant's requests again."""
    _run(
        db_url,
        lambda db: MerchantService(db, Clock()).set_status(partner_id, MerchantStatus.ACTIVE),
    )
    click.echo(f"merchant {partner_id} enabled")


@merchant.command("set-whitelist")
@db_option
@click.option("--partner-id", required=True)
@click.argument("cidrs", nargs=-1, required=True)
def merchant_set_whitelist(db_url: str, partner_id: str, cidrs: tuple[str, ...]) -> None:
    """Replace the IP whitelist (CIDRs, or * for any address)."""
    whitelist = _run(
        db_url, lambda db: MerchantService(db, Clock()).set_whitelist(partner_id, list(cidrs))
    )
    click.echo(f"merchant {partner_id} whitelist: {' '.join(whitelist)}")


@merchant.group("key")
def merchant_key() -> None:
    """Rotate a merchant's public keys: add the new one, then remove the old."""


@merchant_key.command("add")
@db_option
@click.option("--partner-id", required=True)
@click.option("--public-key", required=True, help="PEM, bare base64, or a file holding either")
def merchant_key_add(db_url: str, partner_id: str, public_key: str) -> None:
    """Add a public key; old and new keys are both valid until one is removed."""
    fingerprint = _run(
        db_url, lambda db: MerchantService(db, Clock()).add_key(partner_id, _key_text(public_key))
    )
    click.echo(fingerprint)


@merchant_key.command("remove")
@db_option
@click.option("--partner-id", required=True)
@click.option("--fingerprint", required=True)
def merchant_key_remove(db_url: str, partner_id: str, fingerprint: str) -> None:
    """Remove a public key by fingerprint (the last key cannot be removed)."""
    _run(db_url, lambda db: MerchantService(db, Clock()).remove_key(partner_id, fingerprint))
    click.echo(f"key {fingerprint} removed")


@merchant_key.command("list")
@db_option
@click.option("--partner-id", required=True)
def merchant_key_list(db_url: str, partner_id: str) -> None:
    """Print the fingerprints of the merchant's public keys."""
    record = _run(db_url, lambda db: MerchantService(db, Clock()).get(partner_id))
    for key in record.keys:
        click.echo(key.fingerprint)
