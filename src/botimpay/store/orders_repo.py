"""Orders in the database: insert, look up, conditional update, expiry scan.

Updates are conditional on the version read (optimistic locking) on top of
row locks, so a lost update is impossible on either backend.

The statements on the API's hot path are built once, with bind parameters:
building a 35-column INSERT or a SELECT per request (and computing its cache
key) cost more than running it.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from sqlalchemy import Select, and_, bindparam, insert, or_, select, union, update

from botimpay.domain.order import Order, OrderStatus
from botimpay.domain.scenes import SceneParams
from botimpay.protocol.money import Money
from botimpay.store import jsonfield
from botimpay.store.connection import Connection, fetch_first, run
from botimpay.store.database import Database
from botimpay.store.memo import Memo
from botimpay.store.tables import merchants, orders


def _scene(raw: str) -> SceneParams:
    data = jsonfield.loads(raw)
    return SceneParams(
        one_time_payment=bool(data.get("one_time_payment", False)),
        payer_mid=data.get("payer_mid"),
        change_payer=data.get("change_payer"),
        email=data.get("email"),
        eid=data.get("eid"),
    )


def _scene_text(scene: SceneParams) -> str:
    return jsonfield.dumps(
        {
            "one_time_payment": scene.one_time_payment,
            "payer_mid": scene.payer_mid,
            "change_payer": scene.change_payer,
            "email": scene.email,
            "eid": scene.eid,
        }
    )


def to_order(row: Any, memo: Memo | None = None) -> Order:
    """An Order from a row of `orders` (anything with the columns as attributes).

    Decoding a row (two JSON columns, Money, a 35-field frozen dataclass) cost more
    than reading it, and merchants poll the same orders again and again; with a
    `memo` (the Database's) recent decodings are kept keyed by the whole row, so a
    changed order is a different row and the memo can never be stale."""
    if memo is None:
        return _build(row)
    return memo(_decode, row._fields, tuple(row))


def _decode(fields: tuple[str, ...], values: tuple[Any, ...]) -> Order:
    return _build(SimpleNamespace(**dict(zip(fields, values, strict=True))))


def _build(row: Any) -> Order:
    return Order(
        order_no=row.order_no,
        partner_id=row.partner_id,
        merchant_order_no=row.merchant_order_no,
        fingerprint=row.fingerprint,
        status=OrderStatus(row.status),
        total=Money(int(row.total_fils), row.currency),
        subject=row.subject,
        scene_code=row.pay_scene_code,
        scene=_scene(row.pay_scene_params),
        payee_mid=row.payee_mid,
        request_time=int(row.request_time),
        expired_time=int(row.expired_time),
        created_at=int(row.created_at),
        updated_at=int(row.updated_at),
        token=row.token,
        subject_ar=row.subject_ar,
        notify_url=row.notify_url,
        device_id=row.device_id,
        secondary_merchant_id=row.secondary_merchant_id,
        reserved=row.reserved,
        risk_info=row.risk_info,
        details=jsonfield.loads(row.details),
        revoked=bool(row.revoked),
        fail_code=row.fail_code,
        fail_des=row.fail_des,
        version=int(row.version),
        payer_mid=row.payer_mid,
        bound_payer_mid=row.bound_payer_mid,
        paid_time=row.paid_time,
        pay_channel=row.pay_channel,
        payee_fee=Money(int(row.payee_fee_fils)) if row.payee_fee_fils is not None else None,
        settled_time=row.settled_time,
        refunded=Money(int(row.refunded_fils)),
        fee_refunded=Money(int(row.fee_refunded_fils)),
    )


def _values(order: Order) -> dict[str, Any]:
    return {
        "order_no": order.order_no,
        "partner_id": order.partner_id,
        "merchant_order_no": order.merchant_order_no,
        "fingerprint": order.fingerprint,
        "status": order.status.value,
        "revoked": order.revoked,
        "total_fils": order.total.fils,
        "currency": order.total.currency,
        "subject": order.subject,
        "subject_ar": order.subject_ar,
        "pay_scene_code": order.scene_code,
        "pay_scene_params": _scene_text(order.scene),
        "payee_mid": order.payee_mid,
        "notify_url": order.notify_url,
        "device_id": order.device_id,
        "secondary_merchant_id": order.secondary_merchant_id,
        "reserved": order.reserved,
        "risk_info": order.risk_info,
        "details": jsonfield.dumps(order.details),
        "request_time": order.request_time,
        "expired_time": order.expired_time,
        "token": order.token,
        "fail_code": order.fail_code,
        "fail_des": order.fail_des,
        "created_at": order.created_at,
        "updated_at": order.updated_at,
        "version": order.version,
        "payer_mid": order.payer_mid,
        "bound_payer_mid": order.bound_payer_mid,
        "paid_time": order.paid_time,
        "pay_channel": order.pay_channel,
        "payee_fee_fils": order.payee_fee.fils if order.payee_fee is not None else None,
        "settled_time": order.settled_time,
        "refunded_fils": order.refunded.fils,
        "fee_refunded_fils": order.fee_refunded.fils,
    }


_INSERT = insert(orders)
_UNCHANGING = ("id", "order_no", "partner_id", "merchant_order_no", "created_at")
_SAVE = (
    update(orders)
    .where(
        and_(
            orders.c.order_no == bindparam("before_order_no"),
            orders.c.version == bindparam("before_version"),
        )
    )
    .values({c.name: bindparam(f"new_{c.name}") for c in orders.c if c.name not in _UNCHANGING})
)


def _by(*conditions: Any, for_update: bool) -> Select[Any]:
    query = select(orders).where(*conditions)
    return query.with_for_update() if for_update else query


_BY_MERCHANT_ORDER_NO = {
    lock: _by(
        orders.c.partner_id == bindparam("partner_id"),
        orders.c.merchant_order_no == bindparam("key"),
        for_update=lock,
    )
    for lock in (False, True)
}
_BY_ORDER_NO_FOR_PARTNER = {
    lock: _by(
        orders.c.partner_id == bindparam("partner_id"),
        orders.c.order_no == bindparam("key"),
        for_update=lock,
    )
    for lock in (False, True)
}


def _merchants_order(
    partner_id: str, merchant_order_no: str | None, order_no: str | None, for_update: bool
) -> tuple[Select[Any], dict[str, Any]]:
    """The prebuilt SELECT for one of the merchant's orders, by merchantOrderNo if given."""
    if merchant_order_no is not None:
        query, key = _BY_MERCHANT_ORDER_NO[for_update], merchant_order_no
    else:
        query, key = _BY_ORDER_NO_FOR_PARTNER[for_update], order_no or ""
    return query, {"partner_id": partner_id, "key": key}


async def insert_order(conn: Connection, order: Order) -> None:
    await run(conn, _INSERT, _values(order))


async def find(
    conn: Connection,
    partner_id: str,
    *,
    merchant_order_no: str | None = None,
    order_no: str | None = None,
    for_update: bool = False,
) -> Order | None:
    """One of the merchant's orders by merchantOrderNo or orderNo."""
    query, params = _merchants_order(partner_id, merchant_order_no, order_no, for_update)
    row = await fetch_first(conn, query, params)
    return to_order(row) if row is not None else None


async def find_committed(
    db: Database, partner_id: str, *, merchant_order_no: str | None, order_no: str | None
) -> Order | None:
    """Like find(), as a single statement outside any transaction (the getOrder path)."""
    query, params = _merchants_order(partner_id, merchant_order_no, order_no, False)
    row = await db.first_row(query, params)
    return to_order(row, db.memo) if row is not None else None


async def find_by_token(conn: Connection, token: str, *, for_update: bool = False) -> Order | None:
    query = select(orders).where(orders.c.token == token)
    if for_update:
        query = query.with_for_update()
    row = (await conn.execute(query)).first()
    return to_order(row) if row is not None else None


async def find_by_order_no(
    conn: Connection, order_no: str, *, for_update: bool = False
) -> Order | None:
    query = select(orders).where(orders.c.order_no == order_no)
    if for_update:
        query = query.with_for_update()
    row = (await conn.execute(query)).first()
    return to_order(row) if row is not None else None


async def save_transition(conn: Connection, before: Order, after: Order) -> bool:
    """Writes `after` only if the row still has `before`'s version; False if it moved."""
    values = {f"new_{k}": v for k, v in _values(after).items() if k not in _UNCHANGING}
    values["before_order_no"] = before.order_no
    values["before_version"] = before.version
    return await run(conn, _SAVE, values) == 1


async def due_for_expiry(conn: Connection, now_ms: int, limit: int) -> list[Order]:
    rows = await conn.execute(
        select(orders)
        .where(orders.c.status == OrderStatus.CREATED.value, orders.c.expired_time <= now_ms)
        .order_by(orders.c.expired_time)
        .limit(limit)
    )
    return [to_order(row) for row in rows]


async def due_for_settlement(conn: Connection, paid_before_ms: int, limit: int) -> list[str]:
    rows = await conn.execute(
        select(orders.c.order_no)
        .where(
            orders.c.status == OrderStatus.PAID_SUCCESS.value,
            orders.c.paid_time <= paid_before_ms,
        )
        .order_by(orders.c.paid_time)
        .limit(limit)
    )
    return [row.order_no for row in rows]


async def payments_of_member(conn: Connection, member_id: str, limit: int) -> list[Order]:
    rows = await conn.execute(
        select(orders)
        .where(orders.c.payer_mid == member_id)
        .order_by(orders.c.paid_time.desc())
        .limit(limit)
    )
    return [to_order(row) for row in rows]


# --- operator views (`botimpay orders`) ---------------------------------------------


async def search(
    conn: Connection,
    *,
    partner_id: str | None = None,
    status: OrderStatus | None = None,
    scene_code: str | None = None,
    limit: int = 50,
) -> list[Order]:
    """Orders newest first (by insertion), optionally of one merchant, status or scene."""
    query = select(orders).order_by(orders.c.id.desc()).limit(limit)
    if partner_id is not None:
        query = query.where(orders.c.partner_id == partner_id)
    if status is not None:
        query = query.where(orders.c.status == status.value)
    if scene_code is not None:
        query = query.where(orders.c.pay_scene_code == scene_code)
    return [to_order(row) for row in await conn.execute(query)]


async def by_ref(
    conn: Connection, ref: str, *, partner_id: str | None = None, limit: int = 5
) -> list[Order]:
    """Orders whose orderNo or merchantOrderNo is `ref` (a merchantOrderNo is unique per
    merchant only, so several merchants may have one), newest first."""
    partners = select(merchants.c.partner_id) if partner_id is None else [partner_id]
    query = (
        select(orders)
        .where(or_(orders.c.order_no == ref, _merchant_order_no_in(partners, [ref])))
        .order_by(orders.c.id.desc())
        .limit(limit)
    )
    if partner_id is not None:
        query = query.where(orders.c.partner_id == partner_id)
    return [to_order(row) for row in await conn.execute(query)]


def _merchant_order_no_in(partners: Any, refs: list[str]) -> Any:
    """merchantOrderNo in `refs`, looked up merchant by merchant in the unique
    (partner_id, merchant_order_no) index (no index has merchantOrderNo first)."""
    return and_(orders.c.partner_id.in_(partners), orders.c.merchant_order_no.in_(refs))


async def latest_notify_url(conn: Connection, partner_id: str) -> str | None:
    """The notifyUrl of the merchant's newest order that gave one."""
    value = await conn.scalar(
        select(orders.c.notify_url)
        .where(orders.c.partner_id == partner_id, orders.c.notify_url.is_not(None))
        .order_by(orders.c.id.desc())
        .limit(1)
    )
    return None if value is None else str(value)


# --- the console's orders list (web/console_orders.py) --------------------------------


async def console_page(
    conn: Connection,
    *,
    partner_id: str | None = None,
    refs: list[str] | None = None,
    status: OrderStatus | None = None,
    scene_code: str | None = None,
    created_from: int | None = None,
    created_before: int | None = None,
    after: tuple[int, int] | None = None,
    limit: int = 50,
) -> list[tuple[int, Order]]:
    """(id, order) newest first by (created_at, id), strictly before `after` (the last
    row of the previous page: keyset pagination, never OFFSET), matching every filter
    given. `refs` match orderNo or merchantOrderNo (each by its index). Pages are served
    by the (created_at, id) indexes of migration 0008: of all, one merchant or one status."""
    conditions: list[Any] = []
    if partner_id is not None:
        conditions.append(orders.c.partner_id == partner_id)
    if status is not None:
        conditions.append(orders.c.status == status.value)
    if scene_code is not None:
        conditions.append(orders.c.pay_scene_code == scene_code)
    if created_from is not None:
        conditions.append(orders.c.created_at >= created_from)
    if created_before is not None:
        conditions.append(orders.c.created_at < created_before)
    if after is not None:
        created_at, row_id = after
        conditions += [  # (created_at, id) < after; the first half bounds the index range
            orders.c.created_at <= created_at,
            or_(orders.c.created_at < created_at, orders.c.id < row_id),
        ]
    query = select(orders).order_by(orders.c.created_at.desc(), orders.c.id.desc()).limit(limit)
    if refs is None:
        query = query.where(*conditions)
    else:  # each number by its own index, every filter beside it; then the few rows sorted
        matching = union(
            select(orders.c.id).where(orders.c.order_no.in_(refs), *conditions),
            select(orders.c.id).where(
                _merchant_order_no_in(
                    [partner_id] if partner_id is not None else select(merchants.c.partner_id),
                    refs,
                ),
                *conditions,
            ),
        )
        query = query.where(orders.c.id.in_(matching.scalar_subquery()))
    return [(int(row.id), to_order(row)) for row in await conn.execute(query)]
