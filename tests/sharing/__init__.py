"""Sharing (split payments) tests over HTTP and the CLI; the helpers they share.

Sharing identities are encrypted as a merchant does it: RSA PKCS#1 v1.5 with the
gateway's public key for that merchant, base64 (integration-guide.md).
"""

from __future__ import annotations

import asyncio
import base64
from decimal import Decimal
from typing import Any

from cryptography.hazmat.primitives.asymmetric import padding

from botimpay.store import ledger_repo
from botimpay.store.database import open_database
from tests.harness import Gateway, Merchant
from tests.refunds import money


def encrypt(merchant: Merchant, plain: str) -> str:
    cipher = merchant.gateway_public_key.encrypt(plain.encode(), padding.PKCS1v15())
    return base64.b64encode(cipher).decode()


def share(
    merchant: Merchant,
    seq: int,
    identity: str,
    amount: str,
    kind: str = "MEMBER_ID",
    **extra: Any,
) -> dict[str, Any]:
    """One sharingParamList item, its identity encrypted for `merchant`."""
    item: dict[str, Any] = {
        "sharingIdentitySeqId": seq,
        "sharingIdentityType": kind,
        "sharingIdentity": encrypt(merchant, identity),
        "sharingMemo": f"share {seq}",
        "sharingAmount": money(amount),
    }
    item.update(extra)
    return item


def snapshot(gateway: Gateway, *refs: tuple[str, str]) -> dict[tuple[str, str], Decimal]:
    """The balances (AED) of accounts (kind, owner), 0 for one the ledger has not opened,
    read from the gateway's database (a `ledger balances` subprocess per read is slow)."""

    async def read() -> dict[tuple[str, str], Decimal]:
        db = open_database(gateway.db_url, pool_size=1)
        try:
            async with db.read() as conn:  # logical accounts: sub-rows summed
                found = {
                    (row.account.kind.value, row.account.owner_id): row.balance.amount
                    for row in await ledger_repo.all_balances(conn)
                }
        finally:
            await db.dispose()
        return {ref: found.get(ref, Decimal(0)) for ref in refs}

    return asyncio.run(read())


def moved(
    before: dict[tuple[str, str], Decimal], gateway: Gateway
) -> dict[tuple[str, str], Decimal]:
    """How much each account of `before` moved since."""
    now = snapshot(gateway, *before)
    return {ref: now[ref] - before[ref] for ref in before}
