"""The `botimpay` command line: init, serve, worker, merchants, ledger, notifications.

Every command takes `--db URL` (default ./botimpay.db, env BOTIMPAY_DB).
Errors a user can cause print one line and exit 2, never a traceback.
"""

from __future__ import annotations

import click

from botimpay.cli.common import Cli
from botimpay.cli.console_users import console_user
from botimpay.cli.faults import faults
from botimpay.cli.ledger import ledger
from botimpay.cli.merchants import merchant
from botimpay.cli.notify import notify
from botimpay.cli.orders import orders
from botimpay.cli.payments import pay, refund, trigger
from botimpay.cli.requests import requests
from botimpay.cli.requests_lint import lint
from botimpay.cli.sandbox import sandbox
from botimpay.cli.server import init, serve, worker
from botimpay.cli.statements import statements
from botimpay.cli.testplan import testplan


@click.group(cls=Cli)
@click.version_option(package_name="botimpay")
def main() -> None:
    """botimpay: a Botim Money Business acquiring gateway you run yourself."""


for command in (init, serve, worker, merchant, ledger, notify, requests, faults, testplan):
    main.add_command(command)
requests.add_command(lint)
main.add_command(console_user)
for command in (orders, pay, refund, trigger):  # CLI counterparts of the console
    main.add_command(command)
for command in (statements, sandbox):
    main.add_command(command)

__all__ = ["main"]
