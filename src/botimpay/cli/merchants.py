"""`botimpay merchant ...`: register merchants, change their settings and scenes, rotate
keys, status and whitelist."""

from __future__ import annotations

import json
from typing import Any

import click

from botimpay.cli.common import db_option, print_wide, run_db
from botimpay.clock import Clock
from botimpay.domain.merchant import MerchantStatus, scenes_text
from botimpay.domain.scenes import SUPPORTED_SCENES
from botimpay.services.merchants import MerchantService

SCENES_HELP = "the scenes it may place orders in, comma-separated, of " + ", ".join(
    sorted(SUPPORTED_SCENES)
)


@click.group()
def merchant() -> None:
    """Register merchants and manage their keys."""


@merchant.command("add")
@db_option
@click.option("--partner-id", required=True)
@click.option("--name", required=True)
@click.option("--public-key", required=True, help="PEM, bare base64, or a file holding either")
@click.option(
    "--ip-whitelist", multiple=True, help="CIDR, 192.168.*.* or * (repeatable); default *"
)
@click.option("--fee-rate", default="0.003", show_default=True, help="payee fee, 0.003 = 0.3 %")
@click.option("--scenes", default=None, help=SCENES_HELP + "; default every one")
def merchant_add(
    db_url: str,
    partner_id: str,
    name: str,
    public_key: str,
    ip_whitelist: tuple[str, ...],
    fee_rate: str,
    scenes: str | None,
) -> None:
    """Register a merchant and create its gateway key pair."""
    record = run_db(
        db_url,
        lambda db: MerchantService(db, Clock()).add(
            partner_id=partner_id,
            name=name,
            public_key=public_key,  # text or a file: the wire core's key policy
            ip_whitelist=list(ip_whitelist),
            fee_rate=fee_rate,
            scenes=scenes,
        ),
    )
    click.echo(
        f"merchant {record.merchant.partner_id} added; key {record.keys[0].fingerprint}; "
        f"scenes {scenes_text(record.merchant.scenes)}"
    )


@merchant.command("update")
@db_option
@click.option("--partner-id", required=True)
@click.option("--name", default=None)
@click.option("--fee-rate", default=None, help="payee fee, 0.003 = 0.3 %")
@click.option("--scenes", default=None, help=SCENES_HELP)
def merchant_update(
    db_url: str, partner_id: str, name: str | None, fee_rate: str | None, scenes: str | None
) -> None:
    """Change only the settings given; the API applies them to the next request. Scenes
    gate new orders: earlier orders of a disabled scene can still be queried and refunded."""
    record = run_db(
        db_url,
        lambda db: MerchantService(db, Clock()).update(
            partner_id, name=name, fee_rate=fee_rate, scenes=scenes
        ),
    )
    updated = record.merchant
    click.echo(
        f"merchant {updated.partner_id} updated: name {updated.name!r}, fee rate "
        f"{updated.fee_rate}, scenes {scenes_text(updated.scenes)}"
    )


@merchant.command("gateway-key")
@db_option
@click.option("--partner-id", required=True)
def merchant_gateway_key(db_url: str, partner_id: str) -> None:
    """Print the gateway public key (PEM) that signs this merchant's responses."""
    record = run_db(db_url, lambda db: MerchantService(db, Clock()).get(partner_id))
    click.echo(record.gateway_public_key, nl=False)


@merchant.command("list")
@db_option
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
def merchant_list(db_url: str, as_json: bool) -> None:
    """List merchants with their status, fee rate, whitelist, scenes and keys."""
    records = run_db(db_url, lambda db: MerchantService(db, Clock()).list_all())
    rows: list[dict[str, Any]] = [
        {
            "partnerId": r.merchant.partner_id,
            "name": r.merchant.name,
            "status": r.merchant.status.value,
            "feeRate": str(r.merchant.fee_rate),
            "ipWhitelist": list(r.merchant.ip_whitelist),
            "scenes": sorted(r.merchant.scenes),
            "keys": [k.fingerprint for k in r.keys],
        }
        for r in records
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    from rich.table import Table

    table = Table("partner id", "name", "status", "fee rate", "IP whitelist", "scenes", "keys")
    for row in rows:
        table.add_row(
            str(row["partnerId"]),
            row["name"],
            row["status"],
            row["feeRate"],
            " ".join(row["ipWhitelist"]),
            ",".join(row["scenes"]),
            str(len(row["keys"])),
        )
    print_wide(table)  # a partner id or scene list is never cut


@merchant.command("disable")
@db_option
@click.option("--partner-id", required=True)
def merchant_disable(db_url: str, partner_id: str) -> None:
    """Refuse every request of this merchant until enabled again."""
    run_db(
        db_url,
        lambda db: MerchantService(db, Clock()).set_status(partner_id, MerchantStatus.DISABLED),
    )
    click.echo(f"merchant {partner_id} disabled")


@merchant.command("enable")
@db_option
@click.option("--partner-id", required=True)
def merchant_enable(db_url: str, partner_id: str) -> None:
    """Accept this merchant's requests again."""
    run_db(
        db_url,
        lambda db: MerchantService(db, Clock()).set_status(partner_id, MerchantStatus.ACTIVE),
    )
    click.echo(f"merchant {partner_id} enabled")


@merchant.command("set-whitelist")
@db_option
@click.option("--partner-id", required=True)
@click.argument("cidrs", nargs=-1, required=True)
def merchant_set_whitelist(db_url: str, partner_id: str, cidrs: tuple[str, ...]) -> None:
    """Replace the IP whitelist (CIDRs, wildcards like 192.168.*.*, or * for any address)."""
    whitelist = run_db(
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
    fingerprint = run_db(
        db_url, lambda db: MerchantService(db, Clock()).add_key(partner_id, public_key)
    )
    click.echo(fingerprint)


@merchant_key.command("remove")
@db_option
@click.option("--partner-id", required=True)
@click.option("--fingerprint", required=True)
def merchant_key_remove(db_url: str, partner_id: str, fingerprint: str) -> None:
    """Remove a public key by fingerprint (the last key cannot be removed)."""
    run_db(db_url, lambda db: MerchantService(db, Clock()).remove_key(partner_id, fingerprint))
    click.echo(f"key {fingerprint} removed")


@merchant_key.command("list")
@db_option
@click.option("--partner-id", required=True)
def merchant_key_list(db_url: str, partner_id: str) -> None:
    """Print the fingerprints of the merchant's public keys."""
    record = run_db(db_url, lambda db: MerchantService(db, Clock()).get(partner_id))
    for key in record.keys:
        click.echo(key.fingerprint)
