"""Shared pieces of the command line: the error-to-exit-status group, `--db`,
dispatcher options, running a coroutine on a short-lived database."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import click

from botimpay.domain.notify_target import parse_networks
from botimpay.errors import BotimpayError
from botimpay.settings import DEFAULT_DB
from botimpay.store.database import Database, open_database

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


def _allow_cidrs(
    _ctx: click.Context, _param: click.Parameter, value: tuple[str, ...]
) -> tuple[str, ...]:
    """The CIDRs, normalised; a bad one is a ConfigError (one line, exit status 2)."""
    return tuple(str(network) for network in parse_networks(value))


notify_allow_option = click.option(
    "--notify-allow-cidr",
    "notify_allow_cidr",
    multiple=True,
    metavar="CIDR",
    callback=_allow_cidrs,
    help="in production, let notifications reach this range although it is loopback, "
    "link-local, private or multicast (repeatable); sandbox allows every address",
)


def run_db(db_url: str, work: Callable[[Database], Awaitable[T]]) -> T:
    async def main() -> T:
        db = open_database(db_url, pool_size=2)
        try:
            return await work(db)
        finally:
            await db.dispose()

    return asyncio.run(main())


def print_wide(table: Any) -> None:
    """Prints a rich Table at least 200 columns wide, rows never wrapped, so long order
    numbers and trace codes stay on one line (and stay greppable) in narrow terminals."""
    from rich.console import Console  # rich loads only for commands that print tables

    Console(width=max(200, Console().width), soft_wrap=False).print(table)
