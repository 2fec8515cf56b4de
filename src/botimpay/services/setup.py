"""Initialising a gateway: schema, and in sandbox mode the demo merchant and its keys.

The demo merchant's private key is kept in the database (sandbox only) so that
`init` is idempotent and can write the key files again anywhere.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import insert, select

from botimpay.clock import Clock
from botimpay.errors import ConfigError
from botimpay.protocol import signing
from botimpay.protocol.money import Money
from botimpay.services.merchants import MerchantService
from botimpay.services.wallets import WalletService
from botimpay.store import migrate
from botimpay.store.database import Database
from botimpay.store.tables import gateway_settings

DEMO_PARTNER_ID = "200000000888"
TEST_WALLETS = 10
TEST_PASSWORD = "132580"  # noqa: S105 - the reference's published sandbox password
TEST_OPENING_BALANCE = Money(1_000_000)  # AED 10,000.00
DEMO_NAME = "Demo Shop"
_DEMO_KEY_SETTING = "demo_merchant_private_key"


def test_wallet(index: int) -> tuple[str, str, str]:
    """(member id, phone, Emirates ID) of sandbox test wallet `index` (0..9)."""
    return f"10000000000{index}", f"+97156000000{index}", f"78419900000000{index}"


def eid_hash(emirates_id: str) -> str:
    """SHA-256 hex of the 15 Emirates ID digits (dashes removed): the DYNQR `eid`."""
    digits = "".join(ch for ch in emirates_id if ch.isdigit())
    return hashlib.sha256(digits.encode()).hexdigest()


async def create_test_wallets(db: Database, clock: Clock) -> None:
    """The reference's ten test wallets (+971 56 000 0000 ... 0009), AED 10,000 each."""
    wallets = WalletService(db, clock, sandbox=True)
    for index in range(TEST_WALLETS):
        member_id, phone, emirates_id = test_wallet(index)
        await wallets.register(
            member_id=member_id,
            phone=phone,
            name=f"Test Wallet {index}",
            password=TEST_PASSWORD,
            eid_hash=eid_hash(emirates_id),
            opening_balance=TEST_OPENING_BALANCE,
        )


@dataclass(frozen=True, slots=True)
class DemoMerchant:
    partner_id: str
    private_key_path: Path
    public_key_path: Path
    gateway_public_key_path: Path


async def _setting(db: Database, name: str) -> str | None:
    async with db.read() as conn:
        return await conn.scalar(
            select(gateway_settings.c.value).where(gateway_settings.c.name == name)
        )


async def _demo_private_key(db: Database) -> str:
    """The stored demo key, or a new one stored now (first writer wins)."""
    existing = await _setting(db, _DEMO_KEY_SETTING)
    if existing is not None:
        return existing
    pem = signing.private_key_pem(signing.generate_private_key())
    async with db.write() as conn:
        found = await conn.scalar(
            select(gateway_settings.c.value).where(gateway_settings.c.name == _DEMO_KEY_SETTING)
        )
        if found is not None:
            return str(found)
        await conn.execute(insert(gateway_settings).values(name=_DEMO_KEY_SETTING, value=pem))
    return pem


def _write(path: Path, text: str, *, private: bool) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o644)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    tmp.replace(path)


async def initialise(
    db: Database, clock: Clock, *, sandbox: bool, key_dir: Path
) -> DemoMerchant | None:
    """Creates or upgrades the schema; in sandbox mode ensures the demo merchant."""
    await migrate.upgrade(db)
    if not sandbox:
        return None
    await create_test_wallets(db, clock)
    merchants = MerchantService(db, clock)
    private_pem = await _demo_private_key(db)
    public_pem = signing.public_key_pem(signing.load_private_key(private_pem).public_key())
    record = await merchants.find(DEMO_PARTNER_ID)
    if record is None:
        try:
            record = await merchants.add(
                partner_id=DEMO_PARTNER_ID, name=DEMO_NAME, public_key=public_pem
            )
        except ConfigError:
            record = await merchants.get(DEMO_PARTNER_ID)  # a concurrent init won
    key_dir = key_dir.resolve()
    demo = DemoMerchant(
        partner_id=DEMO_PARTNER_ID,
        private_key_path=key_dir / "demo-merchant-private.pem",
        public_key_path=key_dir / "demo-merchant-public.pem",
        gateway_public_key_path=key_dir / f"gateway-public-{DEMO_PARTNER_ID}.pem",
    )
    _write(demo.private_key_path, private_pem, private=True)
    _write(demo.public_key_path, public_pem, private=False)
    _write(demo.gateway_public_key_path, record.gateway_public_key, private=False)
    return demo
