"""services/transitions.py: every state change through apply_event, one retry policy for
conflicts, and an insert that lost its race answered with the winner. Real database, no
mocks: a conflict here is a real version mismatch, a duplicate a real unique key."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest
from sqlalchemy.exc import IntegrityError

from botimpay.clock import Clock
from botimpay.domain.notification import NotificationKind
from botimpay.domain.order import FAIL_EXPIRED, Cancel, Order, OrderStatus
from botimpay.errors import BusinessError
from botimpay.protocol import codes
from botimpay.protocol.requests import OrderRef
from botimpay.services import notifications
from botimpay.services.orders import OrderService
from botimpay.services.setup import DEMO_PARTNER_ID
from botimpay.services.transitions import (
    CONFLICT_ATTEMPTS,
    OrderBusy,
    apply_event,
    first_writer_wins,
    write_retrying,
)
from botimpay.store import orders_repo, outbox_repo
from botimpay.store.conflicts import DuplicateKey, RowChanged
from botimpay.store.connection import Connection
from botimpay.store.database import Database
from tests.services.conftest import demo_merchant, merchant_order_no, order_biz

HOUR_MS = 3_600_000


async def placed(orders: OrderService) -> Order:
    merchant = await demo_merchant(orders.db)
    return (
        await orders.place(DEMO_PARTNER_ID, order_biz(), orders.clock.real_ms(), merchant=merchant)
    ).order


async def current(db: Database, order_no: str) -> Order:
    async with db.read() as conn:
        order = await orders_repo.find_by_order_no(conn, order_no)
    assert order is not None
    return order


async def notified(db: Database, subject_no: str) -> int:
    """How many notifications were queued about `subject_no`."""
    async with db.read() as conn:
        return len(await outbox_repo.list_for(conn, subject_no=subject_no))


async def probe(conn: Connection, subject_no: str) -> None:
    """A write whose survival shows whether its transaction committed."""
    await notifications.enqueue(
        conn,
        kind=NotificationKind.PAYMENT,
        partner_id=DEMO_PARTNER_ID,
        subject_no=subject_no,
        url="http://shop.test/notify",
        body={},
        now_ms=0,
    )


def later(clock: Clock) -> tuple[int, int]:
    """updateExpiredTime's (expiredTime, requestTime) moving the expiry 3 hours out."""
    return clock.now_ms() + 3 * HOUR_MS, clock.real_ms()


# --- apply_event ---------------------------------------------------------------


async def test_a_change_is_saved_with_its_notification(
    db: Database, orders: OrderService, clock: Clock
) -> None:
    order = await placed(orders)
    async with db.write() as conn:
        locked = await orders_repo.find_by_order_no(conn, order.order_no, for_update=True)
        assert locked is not None
        cancelled = await apply_event(conn, locked, Cancel(), clock.now_ms())
    assert cancelled.status is OrderStatus.FAILURE
    assert cancelled.version == order.version + 1
    assert await current(db, order.order_no) == cancelled
    assert await notified(db, order.order_no) == 1  # in the same transaction as the change


async def test_a_save_on_a_moved_row_raises_row_changed_and_keeps_nothing(
    db: Database, orders: OrderService, clock: Clock
) -> None:
    stale = await placed(orders)
    moved = await orders.update_expiry(
        DEMO_PARTNER_ID, OrderRef(orderNo=stale.order_no), *later(clock)
    )
    with pytest.raises(RowChanged):
        async with db.write() as conn:
            await apply_event(conn, stale, Cancel(), clock.now_ms())
    assert await current(db, stale.order_no) == moved
    assert await notified(db, stale.order_no) == 0


# --- the retry policy ------------------------------------------------------------


async def test_a_conflict_runs_the_whole_transaction_again(
    db: Database, orders: OrderService, clock: Clock
) -> None:
    stale = await placed(orders)
    await orders.update_expiry(DEMO_PARTNER_ID, OrderRef(orderNo=stale.order_no), *later(clock))
    tag = f"probe-{stale.order_no}"
    attempts = 0

    async def cancel(conn: Connection) -> Order:
        nonlocal attempts
        attempts += 1
        await probe(conn, tag)  # written by every attempt, kept only by the one that commits
        order = stale
        if attempts > 1:
            order = await orders_repo.find_by_order_no(conn, stale.order_no, for_update=True)
            assert order is not None
        return await apply_event(conn, order, Cancel(), clock.now_ms())

    cancelled = await write_retrying(db, cancel)

    assert attempts == 2
    assert cancelled.status is OrderStatus.FAILURE
    assert await current(db, stale.order_no) == cancelled
    assert await notified(db, tag) == 1  # the first attempt's write was rolled back
    assert await notified(db, stale.order_no) == 1


async def test_an_order_that_keeps_changing_is_busy_after_the_last_attempt(
    db: Database, orders: OrderService, clock: Clock
) -> None:
    stale = await placed(orders)
    moved = await orders.update_expiry(
        DEMO_PARTNER_ID, OrderRef(orderNo=stale.order_no), *later(clock)
    )
    tag = f"probe-{stale.order_no}"
    attempts = 0

    async def always_stale(conn: Connection) -> Order:
        nonlocal attempts
        attempts += 1
        await probe(conn, tag)
        return await apply_event(conn, stale, Cancel(), clock.now_ms())

    with pytest.raises(OrderBusy) as busy:
        await write_retrying(db, always_stale)

    assert attempts == CONFLICT_ATTEMPTS
    assert busy.value.code is codes.SYSTEM_ERROR  # answered as before: "please retry"
    assert await current(db, stale.order_no) == moved
    assert await notified(db, tag) == 0


async def test_a_refusal_named_in_commit_before_keeps_what_was_saved(db: Database) -> None:
    tag = f"probe-{merchant_order_no()}"

    async def save_then_refuse(conn: Connection) -> None:
        await probe(conn, tag)
        raise BusinessError(codes.ORDER_FAILURE, "refused after a save")

    with pytest.raises(BusinessError):
        await write_retrying(db, save_then_refuse)
    assert await notified(db, tag) == 0  # any other error rolls back

    with pytest.raises(BusinessError):
        await write_retrying(db, save_then_refuse, commit_before=(BusinessError,))
    assert await notified(db, tag) == 1


async def test_cancelling_an_expired_order_saves_the_expiry_then_refuses(
    db: Database, orders: OrderService, clock: Clock
) -> None:
    """The use case behind commit_before: the expiry found on the way stays, and is
    notified, even though the cancel itself is refused."""
    order = await placed(orders)
    clock.offset_ms = 3 * HOUR_MS  # business time past the default 2-hour expiry

    with pytest.raises(BusinessError) as refused:
        await orders.cancel(DEMO_PARTNER_ID, OrderRef(orderNo=order.order_no))

    assert refused.value.code is codes.ORDER_FAILURE
    expired = await current(db, order.order_no)
    assert expired.status is OrderStatus.FAILURE
    assert expired.fail_code == FAIL_EXPIRED[0]
    assert await notified(db, order.order_no) == 1


# --- lost insert races -------------------------------------------------------------


def twin(order: Order, **changes: object) -> Order:
    """Another order like `order`: its own number and token unless told otherwise."""
    fresh = {"order_no": order.order_no + "9", "token": order.token + "x", "version": 1}
    return dataclasses.replace(order, **{**fresh, **changes})  # type: ignore[arg-type]


async def test_an_insert_that_lost_the_race_is_answered_with_the_winner(
    db: Database, orders: OrderService
) -> None:
    winner = await placed(orders)

    async def insert_twin(conn: Connection) -> Order:
        loser = twin(winner)  # same merchant and merchantOrderNo: the unique key is taken
        await orders_repo.insert_order(conn, loser)
        return loser

    async def find_winner(conn: Connection) -> Order | None:
        return await orders_repo.find(
            conn, DEMO_PARTNER_ID, merchant_order_no=winner.merchant_order_no
        )

    assert await first_writer_wins(db, insert_twin, find_winner) == winner
    assert await current(db, winner.order_no) == winner


async def test_a_clash_on_another_key_stays_a_duplicate_key(
    db: Database, orders: OrderService
) -> None:
    first = await placed(orders)
    clash = twin(first, merchant_order_no=merchant_order_no(), token=first.token)

    async def insert_clash(conn: Connection) -> Order:
        await orders_repo.insert_order(conn, clash)
        return clash

    async def find_clash(conn: Connection) -> Order | None:
        return await orders_repo.find(
            conn, DEMO_PARTNER_ID, merchant_order_no=clash.merchant_order_no
        )

    with pytest.raises(DuplicateKey) as duplicate:
        await first_writer_wins(db, insert_clash, find_clash)
    assert isinstance(duplicate.value.__cause__, IntegrityError)  # the driver's, for the log
    assert first.token not in str(duplicate.value)


async def test_identical_placeorders_at_once_make_one_order(
    db: Database, orders: OrderService, clock: Clock
) -> None:
    biz, merchant = order_biz(), await demo_merchant(db)
    placed_all = await asyncio.gather(
        *(orders.place(DEMO_PARTNER_ID, biz, clock.real_ms(), merchant=merchant) for _ in range(8))
    )
    assert len({p.order.order_no for p in placed_all}) == 1
    async with db.read() as conn:
        found = await orders_repo.find(conn, DEMO_PARTNER_ID, merchant_order_no=biz.merchantOrderNo)
    assert found is not None
    assert found.order_no == placed_all[0].order.order_no
