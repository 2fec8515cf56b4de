"""Database.first_row: on PostgreSQL one autocommit statement on a raw asyncpg connection
(store/pg_compiled.py) that reads what the engine reads, with the same types; a
connection the server dropped costs a retry, never a failed read; and without the
engine's pre-ping a dead connection fails one write unit, then the next one works.

What is meaningful on both backends runs on both; the dropped-connection tests need
a PostgreSQL server (BOTIMPAY_TEST_DB) and a gateway test runs `botimpay serve`."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import asyncpg
import pytest
from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    Numeric,
    Select,
    Table,
    TypeDecorator,
    bindparam,
    func,
    insert,
    literal_column,
    select,
)
from sqlalchemy.exc import DBAPIError

from botimpay.domain.order import Order
from botimpay.store import merchants_repo, orders_repo
from botimpay.store.database import Database, open_database
from botimpay.store.orders_repo import to_order
from botimpay.store.pg_compiled import PgCompiled, compile_select
from botimpay.store.rate_limit_repo import PostgresWindows
from botimpay.store.tables import merchants
from tests.harness import Gateway
from tests.store.test_order_decoding import _row

PARTNER = "200000000777"
_PG_ONLY = "needs PostgreSQL (BOTIMPAY_TEST_DB)"
_KILL_OTHERS = (
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
)


async def _seed(db: Database) -> Order:
    order = to_order(
        _row(
            partner_id=PARTNER,
            payee_mid=PARTNER,
            merchant_order_no="M-fast",
            revoked=False,
            subject_ar="شاي",
            details='{"goods":[{"price":"1.50"}]}',
            paid_time=None,
        )
    )
    async with db.write() as conn:
        await conn.execute(
            insert(merchants).values(
                partner_id=PARTNER,
                name="Shop",
                status="ACTIVE",
                fee_rate="0.01",
                ip_whitelist="[]",
                gateway_private_key="private",
                gateway_public_key="public",
                created_at=1,
                updated_at=1,
            )
        )
        await orders_repo.insert_order(conn, order)
    return order


def _hot_statements(order: Order) -> list[tuple[Select[Any], dict[str, Any]]]:
    """Every statement first_row runs in src (merchants_repo.revision, find_committed)."""
    by_number = {"partner_id": PARTNER, "key": order.merchant_order_no}
    by_order_no = {"partner_id": PARTNER, "key": order.order_no}
    return [
        (merchants_repo._REVISION, {"partner_id": PARTNER}),
        (merchants_repo._REVISION, {"partner_id": "999999999999"}),
        (orders_repo._BY_MERCHANT_ORDER_NO[False], by_number),
        (orders_repo._BY_ORDER_NO_FOR_PARTNER[False], by_order_no),
        (orders_repo._BY_ORDER_NO_FOR_PARTNER[False], {"partner_id": PARTNER, "key": "nope"}),
    ]


async def _kill_other_connections(db: Database) -> int:
    """Terminates every other session on the database, as a restart or a proxy would."""
    assert db.pg is not None
    admin = await asyncpg.connect(db.url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        killed = await admin.fetch(_KILL_OTHERS)
    finally:
        await admin.close()
    await asyncio.sleep(0.05)  # as much as a request later: the loop may see the sockets close
    return len(killed)


# --- the same rows as the engine's ------------------------------------------------------


async def test_first_row_reads_what_the_engine_reads(db: Database) -> None:
    order = await _seed(db)
    for statement, params in _hot_statements(order):
        fast = await db.first_row(statement, params)
        async with db.read() as conn:
            slow = (await conn.execute(statement, params)).first()
        if slow is None:
            assert fast is None
            continue
        assert fast._fields == tuple(slow._fields)
        assert tuple(fast) == tuple(slow)
        if not db.is_sqlite:  # (SQLite's fast path has always read booleans as 0/1)
            assert [type(value) for value in fast] == [type(value) for value in slow]
    assert await merchants_repo.revision(db, PARTNER) == 1
    by_merchant_order_no = await orders_repo.find_committed(
        db, PARTNER, merchant_order_no=order.merchant_order_no, order_no=None
    )
    assert by_merchant_order_no == order
    by_order_no = await orders_repo.find_committed(
        db, PARTNER, merchant_order_no=None, order_no=order.order_no
    )
    assert by_order_no == order


async def test_first_row_sees_each_commit_at_once(db: Database) -> None:
    await _seed(db)
    for expected in (1, 2, 3):
        assert await merchants_repo.revision(db, PARTNER) == expected
        async with db.write() as conn:
            await merchants_repo.bump_revision(conn, PARTNER)


async def test_reads_share_a_few_connections(db: Database) -> None:
    if db.is_sqlite:
        pytest.skip(_PG_ONLY)
    await _seed(db)
    reader = db.pg_reader()
    rows = await asyncio.gather(
        *(merchants_repo.revision(db, PARTNER) for _ in range(4 * reader.max_connections))
    )
    assert rows == [1] * (4 * reader.max_connections)
    assert 1 <= reader.idle <= reader.max_connections
    assert len(reader) == 1  # compiled once


async def test_a_refused_statement_keeps_its_connection(db: Database) -> None:
    if db.is_sqlite:
        pytest.skip(_PG_ONLY)
    await _seed(db)
    broken = select(merchants.c.revision).where(
        merchants.c.partner_id == bindparam("partner_id", type_=Integer)
    )
    with pytest.raises(asyncpg.PostgresError):  # varchar = integer: the server refuses it
        await db.first_row(broken, {"partner_id": 1})
    assert db.pg_reader().idle == 1
    assert await merchants_repo.revision(db, PARTNER) == 1


async def test_a_cancelled_read_gives_up_its_connection(db: Database) -> None:
    """A read cancelled mid-statement (a client gone, a timeout) leaves its connection
    mid-protocol: it is closed, never handed to the next read, and the cancellation is
    not swallowed by a second attempt."""
    if db.is_sqlite:
        pytest.skip(_PG_ONLY)
    slow = select(literal_column("1").label("one")).select_from(
        func.pg_sleep(bindparam("seconds", type_=Numeric))
    )
    assert (await db.first_row(slow, {"seconds": Decimal(0)})).one == 1
    reader = db.pg_reader()
    assert reader.idle == 1
    task = asyncio.create_task(db.first_row(slow, {"seconds": Decimal(2)}))
    await asyncio.sleep(0.2)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert reader.idle == 0
    assert (await db.first_row(slow, {"seconds": Decimal(0)})).one == 1


# --- compiled once, with the dialect's type processing ------------------------------------


def _pg_dialect() -> Any:
    db = open_database("postgresql://u@127.0.0.1:1/nothing")  # no connection is made
    assert db.pg is not None
    return db.pg.dialect


def test_the_hot_statements_need_no_type_processing() -> None:
    """The columns first_row reads (text, integers, booleans) come from asyncpg as the
    engine returns them: the dialect has no bind or result processor for any of them."""
    order = to_order(_row(partner_id=PARTNER))
    for statement, _params in _hot_statements(order):
        compiled = compile_select(statement, _pg_dialect())
        assert compiled.results is None, statement
        assert all(process is None for _name, process in compiled.binds)
        assert "$1" in compiled.sql
    by_number = compile_select(orders_repo._BY_MERCHANT_ORDER_NO[False], _pg_dialect())
    assert [name for name, _ in by_number.binds] == ["partner_id", "key"]
    assert by_number.args({"key": "M-1", "partner_id": PARTNER}) == [PARTNER, "M-1"]
    assert by_number.row._fields == tuple(column.name for column in orders_repo.orders.c)  # type: ignore[attr-defined]


class _Cents(TypeDecorator[int]):
    impl = Integer
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        return None if value is None else value * 100

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        return None if value is None else value // 100


_META = MetaData()
_PRICES = Table("prices", _META, Column("id", Integer, primary_key=True), Column("amount", _Cents))


def test_type_processors_are_applied() -> None:
    statement = select(_PRICES).where(_PRICES.c.amount == bindparam("amount"))
    compiled: PgCompiled = compile_select(statement, _pg_dialect())
    assert compiled.args({"amount": 3}) == [300]
    row = compiled.to_row((7, 500))
    assert (row.id, row.amount) == (7, 5)


def test_values_whose_sql_depends_on_them_are_refused() -> None:
    statement = select(_PRICES).where(_PRICES.c.id.in_(bindparam("ids", expanding=True)))
    with pytest.raises(NotImplementedError):
        compile_select(statement, _pg_dialect())


# --- dropped connections -----------------------------------------------------------------


async def test_a_read_survives_its_connections_being_terminated(db: Database) -> None:
    if db.is_sqlite:
        pytest.skip(_PG_ONLY)
    order = await _seed(db)
    statements = _hot_statements(order)
    for _ in range(3):
        await asyncio.gather(*(db.first_row(s, p) for s, p in statements))  # a few idle
        assert await _kill_other_connections(db) >= 1
        assert await merchants_repo.revision(db, PARTNER) == 1
        found = await orders_repo.find_committed(
            db, PARTNER, merchant_order_no=order.merchant_order_no, order_no=None
        )
        assert found == order


class _Unaware:
    """A connection that does not know yet that the server dropped it (no FIN seen yet,
    a half-open socket): first_row cannot skip it and runs its statement on it."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def is_closed(self) -> bool:
        return False

    def __getattr__(self, name: str) -> Callable[..., Any]:
        return getattr(self.conn, name)  # type: ignore[no-any-return]


async def test_a_dead_connection_is_dropped_and_the_read_runs_again(db: Database) -> None:
    if db.is_sqlite:
        pytest.skip(_PG_ONLY)
    await _seed(db)
    reader = db.pg_reader()
    await asyncio.gather(*(merchants_repo.revision(db, PARTNER) for _ in range(3)))
    await _kill_other_connections(db)
    dead = list(reader._idle)
    assert dead
    assert all(conn.is_closed() for conn in dead)
    reader._idle[:] = [_Unaware(conn) for conn in dead]
    assert await merchants_repo.revision(db, PARTNER) == 1  # on a fresh connection
    assert reader.idle == 1  # the dead ones are gone
    (fresh,) = reader._idle
    assert fresh not in dead
    assert not fresh.is_closed()


async def test_a_write_on_a_dead_connection_fails_once_then_works(db: Database) -> None:
    """No pre-ping, and no failed unit either: a pooled connection found dead by the
    unit's BEGIN (before the unit did anything) is thrown away and the next tried."""
    if db.is_sqlite:
        pytest.skip(_PG_ONLY)
    assert db.pg is not None
    assert db.pg.sync_engine.pool._pre_ping is False  # type: ignore[attr-defined]
    await _seed(db)
    async with db.write() as conn:  # pooled connections to be killed
        await merchants_repo.bump_revision(conn, PARTNER)
    await _kill_other_connections(db)
    failed: list[DBAPIError] = []
    for _ in range(3):
        try:
            async with db.write() as conn:
                await merchants_repo.bump_revision(conn, PARTNER)
        except DBAPIError as exc:
            failed.append(exc)
    assert not failed
    assert await merchants_repo.revision(db, PARTNER) == 2 + 3
    async with db.read() as conn:  # the read transactions recovered too
        assert await merchants_repo.onboarded_at(conn, PARTNER) == 1


def test_a_gateway_keeps_answering_after_its_connections_die(
    backend_url: str | None, fresh_gateway: Callable[..., Gateway]
) -> None:
    """getOrder reads on, and placeOrder too: a dead pooled connection is found by the
    unit's BEGIN and replaced before the unit runs (no SYSTEM_ERROR, never HTTP 500)."""
    if not backend_url:
        pytest.skip(_PG_ONLY)
    gw = fresh_gateway()
    shop = gw.add_merchant()
    placed = shop.place_order().assert_ok().order
    ref = {"orderNo": placed["orderNo"]}
    assert shop.call("acquire2/getOrder", ref).assert_ok().order["orderNo"] == placed["orderNo"]
    for _ in range(3):
        asyncio.run(_kill_gateway_connections(gw.db_url))
        for _ in range(3):
            assert shop.call("acquire2/getOrder", ref).assert_ok().order["status"] == "CREATED"
        for _ in range(2):
            answer = shop.place_order()  # asserts HTTP 200 and a valid signature
            assert answer.code == "0", answer.json


async def _kill_gateway_connections(url: str) -> None:
    admin = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        killed = await admin.fetch(_KILL_OTHERS)
    finally:
        await admin.close()
    assert killed  # the gateway had connections to lose
    await asyncio.sleep(0.05)


# --- the rate-limit counter's pool: no reset round trip per hit ---------------------------


async def test_the_rate_limit_pool_releases_without_a_reset_query(db: Database) -> None:
    """asyncpg's pool would run `RESET ALL` (and more) on every release, a round trip per
    hit: the counter's pool keeps the session as it is, so a setting made survives."""
    if db.is_sqlite:
        pytest.skip(_PG_ONLY)
    windows = PostgresWindows(db.url, window_ms=1000, max_connections=1)
    try:
        assert await windows.hit("k") == 1
        pool = await windows._connections()
        async with pool.acquire() as conn:
            await conn.execute("SET work_mem = '7MB'")
        async with pool.acquire() as conn:  # the same connection: max_connections=1
            assert await conn.fetchval("SHOW work_mem") == "7MB"
        assert await windows.hit("k") == 2
    finally:
        await windows.close()
