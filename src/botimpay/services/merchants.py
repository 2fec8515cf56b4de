"""Registering merchants, changing their settings (name, fee rate, scenes), rotating
their keys, and their gateway key pairs.

Each merchant gets its own gateway RSA key pair; the gateway signs that
merchant's responses and notifications with it.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from decimal import Decimal

from botimpay.clock import Clock
from botimpay.domain.merchant import (
    DEFAULT_FEE_RATE,
    Merchant,
    MerchantStatus,
    check_partner_id,
    parse_fee_rate,
    parse_notify_url,
    parse_scenes,
    parse_whitelist,
)
from botimpay.domain.scenes import SUPPORTED_SCENES
from botimpay.errors import ConfigError
from botimpay.protocol import signing
from botimpay.store import merchants_repo
from botimpay.store.conflicts import DuplicateKey
from botimpay.store.connection import Connection
from botimpay.store.database import Database
from botimpay.store.merchants_repo import MerchantRecord


@dataclass(frozen=True, slots=True)
class NewKey:
    fingerprint: str
    der_b64: str


def parse_merchant_key(text: str | bytes) -> NewKey:
    """A merchant public key from PEM or bare base64 (or, given text, a file path; bytes
    are never taken as a path); raises ConfigError."""
    key = signing.load_public_key(text)
    der = signing.public_key_der(key)
    return NewKey(signing.key_fingerprint(key), base64.b64encode(der).decode("ascii"))


def _check_name(name: str) -> str:
    if not name.strip() or len(name) > 200:
        raise ConfigError("merchant name must be 1 to 200 characters")
    return name.strip()


class MerchantService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def add(
        self,
        *,
        partner_id: str,
        name: str,
        public_key: str,
        ip_whitelist: list[str] | None = None,
        fee_rate: str | Decimal = DEFAULT_FEE_RATE,
        gateway_private_key_pem: str | None = None,
        scenes: str | list[str] | None = None,
    ) -> MerchantRecord:
        """Registers a merchant with its first public key and a new gateway key pair;
        enabled for `scenes` (default: every scene botimpay serves)."""
        check_partner_id(partner_id)
        clean_name = _check_name(name)
        key = parse_merchant_key(public_key)
        merchant = Merchant(
            partner_id=partner_id,
            name=clean_name,
            status=MerchantStatus.ACTIVE,
            fee_rate=parse_fee_rate(fee_rate),
            ip_whitelist=parse_whitelist(ip_whitelist or []),
            scenes=SUPPORTED_SCENES if scenes is None else parse_scenes(scenes),
        )
        gateway_key = (
            signing.load_private_key(gateway_private_key_pem)
            if gateway_private_key_pem
            else signing.generate_private_key()
        )
        now = self.clock.real_ms()
        try:
            async with self.db.write() as conn:
                if await merchants_repo.exists(conn, partner_id):
                    raise ConfigError(f"merchant {partner_id} already exists")
                await merchants_repo.insert_merchant(
                    conn,
                    merchant,
                    gateway_private_key=signing.private_key_pem(gateway_key),
                    gateway_public_key=signing.public_key_pem(gateway_key.public_key()),
                    now_ms=now,
                )
                await merchants_repo.add_key(conn, partner_id, key.fingerprint, key.der_b64, now)
        except DuplicateKey as exc:  # a concurrent add of the same partner id won
            raise ConfigError(f"merchant {partner_id} already exists") from exc
        return await self.get(partner_id)

    async def get(self, partner_id: str) -> MerchantRecord:
        async with self.db.read() as conn:
            record = await merchants_repo.load(conn, partner_id)
        if record is None:
            raise ConfigError(f"no merchant with partner id {partner_id}")
        return record

    async def find(self, partner_id: str) -> MerchantRecord | None:
        async with self.db.read() as conn:
            return await merchants_repo.load(conn, partner_id)

    async def list_all(self) -> list[MerchantRecord]:
        async with self.db.read() as conn:
            return await merchants_repo.list_all(conn)

    async def add_key(self, partner_id: str, public_key: str | bytes) -> str:
        """Adds a key beside the existing ones (rotation); returns its fingerprint."""
        key = parse_merchant_key(public_key)
        async with self.db.write() as conn:
            await self._require(conn, partner_id)
            existing = await merchants_repo.load(conn, partner_id)
            if existing and any(k.fingerprint == key.fingerprint for k in existing.keys):
                raise ConfigError("this key is already registered for the merchant")
            await merchants_repo.add_key(
                conn, partner_id, key.fingerprint, key.der_b64, self.clock.real_ms()
            )
        return key.fingerprint

    async def remove_key(self, partner_id: str, fingerprint: str) -> None:
        """Removes a key; the last key cannot be removed (the merchant would be locked out)."""
        async with self.db.write() as conn:
            await self._require(conn, partner_id)
            await merchants_repo.lock(conn, partner_id)  # two retirements cannot both pass
            if await merchants_repo.count_keys(conn, partner_id) <= 1:
                raise ConfigError("refusing to remove the merchant's last key; add a new one first")
            if not await merchants_repo.remove_key(conn, partner_id, fingerprint.lower()):
                raise ConfigError(f"merchant {partner_id} has no key {fingerprint}")

    async def update(
        self,
        partner_id: str,
        *,
        name: str | None = None,
        fee_rate: str | Decimal | None = None,
        scenes: str | list[str] | None = None,
    ) -> MerchantRecord:
        """Changes only the settings given; the API sees them on the merchant's next request
        (the revision is bumped). Enabled scenes gate new orders only."""
        if name is None and fee_rate is None and scenes is None:
            raise ConfigError("nothing to change: give a name, a fee rate or scenes")
        new_name = None if name is None else _check_name(name)
        new_rate = None if fee_rate is None else parse_fee_rate(fee_rate)
        new_scenes = None if scenes is None else parse_scenes(scenes)
        async with self.db.write() as conn:
            if not await merchants_repo.update_settings(
                conn,
                partner_id,
                self.clock.real_ms(),
                name=new_name,
                fee_rate=new_rate,
                scenes=new_scenes,
            ):
                raise ConfigError(f"no merchant with partner id {partner_id}")
        return await self.get(partner_id)

    async def set_status(self, partner_id: str, status: MerchantStatus) -> None:
        async with self.db.write() as conn:
            if not await merchants_repo.set_status(conn, partner_id, status, self.clock.real_ms()):
                raise ConfigError(f"no merchant with partner id {partner_id}")

    async def set_whitelist(self, partner_id: str, entries: list[str]) -> tuple[str, ...]:
        whitelist = parse_whitelist(entries)
        async with self.db.write() as conn:
            if not await merchants_repo.set_whitelist(
                conn, partner_id, whitelist, self.clock.real_ms()
            ):
                raise ConfigError(f"no merchant with partner id {partner_id}")
        return whitelist

    async def set_default_notify_url(self, partner_id: str, text: str | None) -> str | None:
        """Sets (or with empty text clears) the URL used when a request names no notifyUrl.

        Checked like notifyUrl (http/https, at most 200 characters); a production
        gateway's address rules are the caller's (it holds the guard)."""
        url = parse_notify_url(text)
        async with self.db.write() as conn:
            if not await merchants_repo.set_default_notify_url(
                conn, partner_id, url, self.clock.real_ms()
            ):
                raise ConfigError(f"no merchant with partner id {partner_id}")
        return url

    @staticmethod
    async def _require(conn: Connection, partner_id: str) -> None:
        if not await merchants_repo.exists(conn, partner_id):
            raise ConfigError(f"no merchant with partner id {partner_id}")
