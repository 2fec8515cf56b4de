"""Merchants, their public keys and their gateway key pairs in the database."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, bindparam, delete, func, insert, select, update

from botimpay.domain.merchant import Merchant, MerchantStatus, scenes_text
from botimpay.store import jsonfield
from botimpay.store.connection import Connection
from botimpay.store.database import Database
from botimpay.store.tables import merchant_keys, merchants


@dataclass(frozen=True, slots=True)
class MerchantKey:
    fingerprint: str
    public_key_der: str  # base64 DER SubjectPublicKeyInfo
    created_at: int


@dataclass(frozen=True, slots=True)
class MerchantRecord:
    """A merchant with the key material the API needs to authenticate it."""

    merchant: Merchant
    keys: tuple[MerchantKey, ...]
    gateway_private_key: str
    gateway_public_key: str
    revision: int


def _merchant(row: Row[Any]) -> Merchant:
    return Merchant(
        partner_id=row.partner_id,
        name=row.name,
        status=MerchantStatus(row.status),
        fee_rate=Decimal(row.fee_rate),
        ip_whitelist=tuple(jsonfield.loads(row.ip_whitelist)),
        default_notify_url=row.default_notify_url,
        scenes=frozenset(row.scenes.split(",")),
    )


async def insert_merchant(
    conn: Connection,
    merchant: Merchant,
    *,
    gateway_private_key: str,
    gateway_public_key: str,
    now_ms: int,
) -> None:
    await conn.execute(
        insert(merchants).values(
            partner_id=merchant.partner_id,
            name=merchant.name,
            status=merchant.status.value,
            fee_rate=str(merchant.fee_rate),
            ip_whitelist=jsonfield.dumps(list(merchant.ip_whitelist)),
            gateway_private_key=gateway_private_key,
            gateway_public_key=gateway_public_key,
            default_notify_url=merchant.default_notify_url,
            scenes=scenes_text(merchant.scenes),
            created_at=now_ms,
            updated_at=now_ms,
        )
    )


async def onboarded_at(conn: Connection, partner_id: str) -> int | None:
    """When the merchant was added (epoch milliseconds), if it exists."""
    found = await conn.scalar(
        select(merchants.c.created_at).where(merchants.c.partner_id == partner_id)
    )
    return None if found is None else int(found)


async def exists(conn: Connection, partner_id: str) -> bool:
    found = await conn.scalar(
        select(merchants.c.partner_id).where(merchants.c.partner_id == partner_id)
    )
    return found is not None


async def load(conn: Connection, partner_id: str) -> MerchantRecord | None:
    row = (
        await conn.execute(select(merchants).where(merchants.c.partner_id == partner_id))
    ).first()
    if row is None:
        return None
    key_rows = await conn.execute(
        select(
            merchant_keys.c.fingerprint, merchant_keys.c.public_key_der, merchant_keys.c.created_at
        )
        .where(merchant_keys.c.partner_id == partner_id)
        .order_by(merchant_keys.c.id)
    )
    return MerchantRecord(
        merchant=_merchant(row),
        keys=tuple(MerchantKey(r.fingerprint, r.public_key_der, r.created_at) for r in key_rows),
        gateway_private_key=row.gateway_private_key,
        gateway_public_key=row.gateway_public_key,
        revision=row.revision,
    )


_REVISION = select(merchants.c.revision).where(merchants.c.partner_id == bindparam("partner_id"))


async def revision(db: Database, partner_id: str) -> int | None:
    """The merchant's revision, or None if there is no such merchant (asked per request)."""
    row = await db.first_row(_REVISION, {"partner_id": partner_id})
    return None if row is None else int(row.revision)


async def bump_revision(conn: Connection, partner_id: str) -> None:
    """Marks the merchant changed: every API process reloads it on its next request."""
    await conn.execute(
        update(merchants)
        .where(merchants.c.partner_id == partner_id)
        .values(revision=merchants.c.revision + 1)
    )


async def list_all(conn: Connection) -> list[MerchantRecord]:
    ids = (
        await conn.scalars(select(merchants.c.partner_id).order_by(merchants.c.partner_id))
    ).all()
    records = [await load(conn, partner_id) for partner_id in ids]
    return [record for record in records if record is not None]


async def add_key(
    conn: Connection, partner_id: str, fingerprint: str, der_b64: str, now_ms: int
) -> None:
    await conn.execute(
        insert(merchant_keys).values(
            partner_id=partner_id,
            fingerprint=fingerprint,
            public_key_der=der_b64,
            created_at=now_ms,
        )
    )
    await bump_revision(conn, partner_id)


async def lock(conn: Connection, partner_id: str) -> None:
    """Holds the merchant's row until the transaction ends (PostgreSQL; SQLite writes
    are serial anyway), so key changes of one merchant queue behind each other."""
    await conn.execute(
        select(merchants.c.partner_id).where(merchants.c.partner_id == partner_id).with_for_update()
    )


async def count_keys(conn: Connection, partner_id: str) -> int:
    count = await conn.scalar(
        select(func.count())
        .select_from(merchant_keys)
        .where(merchant_keys.c.partner_id == partner_id)
    )
    return int(count or 0)


async def remove_key(conn: Connection, partner_id: str, fingerprint: str) -> bool:
    result = await conn.execute(
        delete(merchant_keys).where(
            merchant_keys.c.partner_id == partner_id, merchant_keys.c.fingerprint == fingerprint
        )
    )
    await bump_revision(conn, partner_id)
    return bool(result.rowcount)


async def set_status(
    conn: Connection, partner_id: str, status: MerchantStatus, now_ms: int
) -> bool:
    result = await conn.execute(
        update(merchants)
        .where(merchants.c.partner_id == partner_id)
        .values(status=status.value, updated_at=now_ms, revision=merchants.c.revision + 1)
    )
    return bool(result.rowcount)


async def set_whitelist(
    conn: Connection, partner_id: str, whitelist: tuple[str, ...], now_ms: int
) -> bool:
    result = await conn.execute(
        update(merchants)
        .where(merchants.c.partner_id == partner_id)
        .values(
            ip_whitelist=jsonfield.dumps(list(whitelist)),
            updated_at=now_ms,
            revision=merchants.c.revision + 1,
        )
    )
    return bool(result.rowcount)


async def set_default_notify_url(
    conn: Connection, partner_id: str, url: str | None, now_ms: int
) -> bool:
    """Bumps the revision too: the API's cached merchant carries the URL to placeOrder."""
    result = await conn.execute(
        update(merchants)
        .where(merchants.c.partner_id == partner_id)
        .values(default_notify_url=url, updated_at=now_ms, revision=merchants.c.revision + 1)
    )
    return bool(result.rowcount)


async def update_settings(
    conn: Connection,
    partner_id: str,
    now_ms: int,
    *,
    name: str | None = None,
    fee_rate: Decimal | None = None,
    scenes: frozenset[str] | None = None,
) -> bool:
    """Changes the settings given (None leaves one as it is) and bumps the revision."""
    values: dict[str, Any] = {"updated_at": now_ms, "revision": merchants.c.revision + 1}
    if name is not None:
        values["name"] = name
    if fee_rate is not None:
        values["fee_rate"] = str(fee_rate)
    if scenes is not None:
        values["scenes"] = scenes_text(scenes)
    result = await conn.execute(
        update(merchants).where(merchants.c.partner_id == partner_id).values(**values)
    )
    return bool(result.rowcount)
