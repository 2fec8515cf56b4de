"""`botimpay sandbox ...`: sandbox events a merchant cannot cause through the API
(chargebacks, voids)."""

from __future__ import annotations

import click


@click.group()
def sandbox() -> None:
    """Sandbox events: chargebacks and voids (sandbox databases only)."""
