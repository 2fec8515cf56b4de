"""Initialising a gateway: schema, the mode, and in sandbox mode the demo merchant.

The demo merchant's private key is kept in the database (sandbox only) so that
`init` is idempotent and can write the key files again anywhere.

`init` records the mode it set a database up in, and a database stays in that
mode: a sandbox one holds the demo merchant, its private key and the test
wallets, so production never serves it (`refuse_other_mode`), and neither
`init` turns one into the other. A production gateway starts from a database
of its own.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from botimpay.clock import Clock
from botimpay.errors import ConfigError
from botimpay.protocol import signing
from botimpay.protocol.money import Money
from botimpay.services.merchants import MerchantService
from botimpay.services.wallets import WalletService
from botimpay.store import members_repo, merchants_repo, migrate, settings_repo
from botimpay.store.database import Database

DEMO_PARTNER_ID = "200000000888"
TEST_WALLETS = 10
TEST_PASSWORD = "132580"  # noqa: S105 - the reference's published sandbox password
TEST_OPENING_BALANCE = Money(1_000_000)  # AED 10,000.00
DEMO_NAME = "Demo Shop"
_DEMO_KEY_SETTING = "demo_merchant_private_key"
_MODE_SETTING = "mode"
SANDBOX, PRODUCTION = "sandbox", "production"
PRODUCTION_NEEDS_ITS_OWN = (
    "this database was initialised in sandbox mode: it holds the demo merchant, its "
    "private key and the test wallets, so production will not use it; set up a "
    "production database with `botimpay init --mode production --db <a new database>`"
)


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


async def _demo_private_key(db: Database) -> str:
    """The stored demo key, or a new one stored now (first writer wins)."""
    async with db.read() as conn:
        existing = await settings_repo.get(conn, _DEMO_KEY_SETTING)
    if existing is not None:
        return existing
    pem = signing.private_key_pem(signing.generate_private_key())
    async with db.write() as conn:
        return await settings_repo.put_if_absent(conn, _DEMO_KEY_SETTING, pem)


async def database_mode(db: Database) -> str | None:
    """ "sandbox" or "production" as `init` recorded it. A database initialised before
    the mode was recorded counts as sandbox when it holds the demo merchant, its key or
    a test wallet; None when nothing says (no schema yet, or no sandbox data)."""
    async with db.read() as conn:
        if not await settings_repo.has_table(conn):
            return None
        recorded = await settings_repo.get(conn, _MODE_SETTING)
        if recorded is not None:
            return recorded
        sandbox_data = (
            await settings_repo.get(conn, _DEMO_KEY_SETTING) is not None
            or await merchants_repo.exists(conn, DEMO_PARTNER_ID)
            or await members_repo.any_of(conn, [test_wallet(i)[0] for i in range(TEST_WALLETS)])
        )
    return SANDBOX if sandbox_data else None


async def _record_mode(db: Database, mode: str) -> str:
    """Records `mode` unless one is recorded already; returns the recorded one."""
    async with db.write() as conn:
        return await settings_repo.put_if_absent(conn, _MODE_SETTING, mode)


def _other_mode(found: str, *, serving: bool) -> ConfigError:
    """The one-line refusal for a database set up in `found`, the other mode."""
    if found == SANDBOX:
        return ConfigError(PRODUCTION_NEEDS_ITS_OWN)
    if serving:
        return ConfigError(
            "this database was initialised in production mode: run with --mode "
            "production (a sandbox needs a database of its own: "
            "`botimpay init --db <a new database>`)"
        )
    return ConfigError(
        "this database was initialised in production mode; a sandbox init would add the "
        "demo merchant and test wallets to it: set up a sandbox with "
        "`botimpay init --db <a new database>`"
    )


async def refuse_other_mode(db: Database, *, sandbox: bool) -> None:
    """What `serve` and `worker` check first: the database is of the mode they run in.

    Raises ConfigError otherwise. Production records itself on a database nothing
    was recorded on, so that a later sandbox `init` cannot plant the demo merchant."""
    wanted = SANDBOX if sandbox else PRODUCTION
    found = await database_mode(db)
    if found is None and not sandbox:
        async with db.write() as conn:
            if await settings_repo.has_table(conn):
                found = await settings_repo.put_if_absent(conn, _MODE_SETTING, PRODUCTION)
    if found is not None and found != wanted:
        raise _other_mode(found, serving=True)


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
    """Creates or upgrades the schema and records the mode; in sandbox mode ensures the
    demo merchant. Refuses (ConfigError) a database set up in the other mode."""
    await migrate.upgrade(db)
    wanted = SANDBOX if sandbox else PRODUCTION
    found = await database_mode(db)
    if found is None or found == wanted:
        found = await _record_mode(db, wanted)  # a concurrent init may have won
    if found != wanted:
        raise _other_mode(found, serving=False)
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
