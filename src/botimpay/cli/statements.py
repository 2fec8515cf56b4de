"""`botimpay statements DATE --partner-id P`: the day's statement ZIP, as
getOrderStatement serves it."""

from __future__ import annotations

import click


@click.command()
def statements() -> None:
    """Write a merchant's statement ZIP for one day (not built yet)."""
    raise click.ClickException("statements: not built yet")
