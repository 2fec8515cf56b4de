"""`botimpay console-user add|passwd`: the console's operator and merchant users.

Without `--password` a random password is generated and printed once; only its
scrypt hash is stored.
"""

from __future__ import annotations

import click

from botimpay.cli.common import db_option, run_db
from botimpay.clock import Clock
from botimpay.domain.console import new_secret
from botimpay.services.console_auth import ConsoleAuth

password_option = click.option(
    "--password",
    default=None,
    help="the password (at least 8 characters); default: a random one, printed once",
)


@click.group("console-user")
def console_user() -> None:
    """Manage the console's operator and merchant users."""


@console_user.command("add")
@db_option
@click.argument("username")
@click.option(
    "--partner-id",
    default=None,
    help="make a merchant user who sees only this merchant; default: an operator",
)
@password_option
def console_user_add(
    db_url: str, username: str, partner_id: str | None, password: str | None
) -> None:
    """Add a console user: an operator (every merchant) or a merchant user."""
    chosen = password if password is not None else new_secret()
    user = run_db(
        db_url,
        lambda db: ConsoleAuth(db, Clock()).add_user(username, chosen, partner_id=partner_id),
    )
    who = f"merchant user of {user.partner_id}" if user.partner_id else "operator"
    click.echo(f"console user {user.username} added ({who})")
    if password is None:
        click.echo(f"password: {chosen}")


@console_user.command("passwd")
@db_option
@click.argument("username")
@password_option
def console_user_passwd(db_url: str, username: str, password: str | None) -> None:
    """Set a console user's password; clears its lockout and signs it out everywhere."""
    chosen = password if password is not None else new_secret()
    run_db(db_url, lambda db: ConsoleAuth(db, Clock()).set_password(username, chosen))
    click.echo(f"password of console user {username} changed")
    if password is None:
        click.echo(f"password: {chosen}")
