"""The order state machine as a payments person would read it."""

from __future__ import annotations

import dataclasses

import pytest

from botimpay.domain.order import (
    DEFAULT_EXPIRY_MS,
    HOUR_MS,
    MAX_EXPIRY_UPDATE_MS,
    Cancel,
    ChangeExpiry,
    Expire,
    Order,
    OrderFailed,
    OrderStatus,
    check_idempotent_repeat,
    resolve_expiry,
    transition,
)
from botimpay.domain.scenes import SceneParams
from botimpay.errors import BusinessError
from botimpay.protocol.money import Money

T0 = 1_800_000_000_000


def order(**changes: object) -> Order:
    base = Order(
        order_no="131800000000000000001",
        partner_id="200000000888",
        merchant_order_no="M1",
        fingerprint="f" * 64,
        status=OrderStatus.CREATED,
        total=Money(1234),
        subject="iPhone",
        scene_code="JSAPI",
        scene=SceneParams(),
        payee_mid="200000000888",
        request_time=T0,
        expired_time=T0 + DEFAULT_EXPIRY_MS,
        created_at=T0,
        updated_at=T0,
        token="tok",
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def test_default_expiry_is_two_hours_after_request_time() -> None:
    assert resolve_expiry(T0, None) == T0 + 2 * HOUR_MS


@pytest.mark.parametrize(
    ("expired_time", "code"),
    [(T0, "62008"), (T0 - 1, "62008"), (T0 + 48 * HOUR_MS + 1, "62009")],
)
def test_expiry_limits(expired_time: int, code: str) -> None:
    with pytest.raises(BusinessError) as info:
        resolve_expiry(T0, expired_time)
    assert info.value.code.code == code


def test_expiry_of_exactly_48_hours_is_allowed() -> None:
    assert resolve_expiry(T0, T0 + 48 * HOUR_MS) == T0 + 48 * HOUR_MS


def test_cancel_turns_created_into_failure_and_asks_for_a_notification() -> None:
    cancelled, effects = transition(order(), Cancel(), T0 + 1000)
    assert cancelled.status is OrderStatus.FAILURE
    assert cancelled.fail_code == "ORDER_CANCELLED"
    assert cancelled.version == 2
    assert effects == [OrderFailed("131800000000000000001")]


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (OrderStatus.PAID_SUCCESS, "62001"),
        (OrderStatus.FAILURE, "62002"),
        (OrderStatus.SETTLED, "62003"),
    ],
)
def test_cancel_only_from_created(status: OrderStatus, code: str) -> None:
    with pytest.raises(BusinessError) as info:
        transition(order(status=status, fail_code="X"), Cancel(), T0)
    assert info.value.code.code == code


def test_expire_is_a_no_op_before_expiry_and_fails_the_order_after() -> None:
    same, effects = transition(order(), Expire(), T0 + DEFAULT_EXPIRY_MS - 1)
    assert same.status is OrderStatus.CREATED
    assert effects == []
    expired, effects = transition(order(), Expire(), T0 + DEFAULT_EXPIRY_MS)
    assert expired.status is OrderStatus.FAILURE
    assert expired.fail_code == "ORDER_EXPIRED"
    assert len(effects) == 1


def test_an_expired_order_cannot_be_cancelled() -> None:
    with pytest.raises(BusinessError) as info:
        transition(order(), Cancel(), T0 + DEFAULT_EXPIRY_MS + 1)
    assert info.value.code.code == "62002"


def test_change_expiry_rules() -> None:
    now = T0 + 1000
    changed, _ = transition(order(), ChangeExpiry(T0 + 5 * HOUR_MS, now), now)
    assert changed.expired_time == T0 + 5 * HOUR_MS
    for bad, code in ((now, "62089"), (now + MAX_EXPIRY_UPDATE_MS + 1, "62089")):
        with pytest.raises(BusinessError) as info:
            transition(order(), ChangeExpiry(bad, now), now)
        assert info.value.code.code == code


def test_a_repeat_with_other_parameters_is_refused() -> None:
    check_idempotent_repeat(order(), "f" * 64)
    with pytest.raises(BusinessError) as info:
        check_idempotent_repeat(order(), "e" * 64)
    assert info.value.code.code == "62016"
