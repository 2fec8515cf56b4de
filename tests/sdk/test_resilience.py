"""The SDK between a real gateway and a faulty network: tampered answers are refused,
lost answers and 502s are retried only where resending is safe, and wait_for_final
brings an unpaid order to a final status."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from botimpay_sdk import (
    ApiError,
    HttpStatusError,
    Money,
    OrderStatus,
    PlaceOrderRequest,
    RefundRequest,
    RetryPolicy,
    SignatureError,
    TransportError,
    codes,
    jsapi,
)

from tests.harness import Gateway
from tests.sdk.conftest import Api, sandbox_pay
from tests.sdk.proxy import Action, FaultProxy, fault_proxy

MakeApi = Callable[..., Api]
FIVE_TRIES = RetryPolicy(attempts=5, backoff=0.01, max_backoff=0.05)


def new_no() -> str:
    return f"RES-{uuid.uuid4().hex}"


def order_request(merchant_order_no: str, amount: str = "12.34") -> PlaceOrderRequest:
    return PlaceOrderRequest(
        merchant_order_no=merchant_order_no,
        subject="Dates, 1 kg",
        total_amount=Money.aed(amount),
        scene=jsapi(),
    )


def order_nos_answered(proxy: FaultProxy, suffix: str) -> set[str]:
    """The orderNo in every answer the gateway gave to `suffix` requests through the proxy."""
    return {
        json.loads(exchange.upstream_body)["body"]["acquireOrder"]["orderNo"]
        for exchange in proxy.seen(suffix)
        if exchange.upstream_body is not None
    }


# --- tampering --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["sync", "async"])
@pytest.mark.parametrize(
    "where",
    [
        pytest.param(lambda body: body.index(b'"amount":') + len(b'"amount":'), id="amount"),
        pytest.param(lambda body: 0, id="first-byte"),
        pytest.param(lambda body: len(body) - 1, id="last-byte"),
    ],
)
def test_a_flipped_byte_in_the_answer_is_a_signature_error(
    make_api: MakeApi, gateway: Gateway, kind: str, where: Callable[[bytes], int]
) -> None:
    merchant_order_no = new_no()
    make_api(kind).place_order(order_request(merchant_order_no))  # directly, untouched

    with fault_proxy(gateway.base_url, default=Action.TAMPER) as proxy:
        proxy.flip_at = where
        api = make_api(kind, base_url=proxy.base_url, retry=FIVE_TRIES)
        with pytest.raises(SignatureError) as caught:
            api.get_order(merchant_order_no)

    (exchange,) = proxy.exchanges  # refused at once: a tampered answer is not retried
    assert exchange.sent_body != exchange.upstream_body
    assert exchange.upstream_body is not None
    assert b"12.34" in exchange.upstream_body
    # Nothing of the body is handed out: not in the error, not chained to it.
    error = caught.value
    assert merchant_order_no not in str(error)
    assert "12.34" not in str(error)
    assert error.__cause__ is None
    assert error.__context__ is None
    assert not error.retryable


def test_a_tampered_place_order_answer_is_refused_and_the_order_can_be_read(
    make_api: MakeApi, gateway: Gateway
) -> None:
    merchant_order_no = new_no()
    with fault_proxy(gateway.base_url, Action.TAMPER) as proxy:
        proxy.flip_at = lambda body: body.index(b"ft=") + 3  # inside the token
        api = make_api(base_url=proxy.base_url)
        with pytest.raises(SignatureError):
            api.place_order(order_request(merchant_order_no))
        # The order exists; asking again (untampered now) gives the genuine link.
        genuine = api.place_order(order_request(merchant_order_no))
    assert genuine.token_url is not None
    assert genuine.token_url.encode() in (proxy.exchanges[0].upstream_body or b"")


# --- retries ----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["sync", "async"])
@pytest.mark.parametrize("failure", [Action.HTTP_502, Action.DROP])
def test_get_order_succeeds_after_failed_attempts(
    make_api: MakeApi, gateway: Gateway, kind: str, failure: Action
) -> None:
    merchant_order_no = new_no()
    placed = make_api(kind).place_order(order_request(merchant_order_no))
    with fault_proxy(gateway.base_url, failure, failure, failure) as proxy:
        api = make_api(kind, base_url=proxy.base_url, retry=FIVE_TRIES)
        order = api.get_order(merchant_order_no)
    assert order.order_no == placed.acquire_order.order_no
    assert [e.action for e in proxy.exchanges] == [failure] * 3 + [Action.FORWARD]
    bodies = {(e.body, e.sign) for e in proxy.exchanges}
    assert len(bodies) == 1  # the identical signed bytes were resent


def test_get_order_gives_up_after_the_policy_attempts(make_api: MakeApi, gateway: Gateway) -> None:
    with fault_proxy(gateway.base_url, default=Action.HTTP_502) as proxy:
        api = make_api(
            base_url=proxy.base_url, retry=RetryPolicy(attempts=3, backoff=0.01, max_backoff=0.02)
        )
        with pytest.raises(HttpStatusError) as caught:
            api.get_order(new_no())
    assert caught.value.status_code == 502
    assert len(proxy.exchanges) == 3


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_place_order_whose_answers_were_lost_exists_once(
    make_api: MakeApi, gateway: Gateway, kind: str
) -> None:
    merchant_order_no = new_no()
    plan = (Action.FORWARD_THEN_DROP, Action.HTTP_502, Action.FORWARD_THEN_DROP)
    with fault_proxy(gateway.base_url, *plan) as proxy:
        api = make_api(kind, base_url=proxy.base_url, retry=FIVE_TRIES)
        placed = api.place_order(order_request(merchant_order_no))

    assert [e.action for e in proxy.exchanges] == [*plan, Action.FORWARD]
    assert len({(e.body, e.sign) for e in proxy.exchanges}) == 1
    # Three requests reached the gateway; every answer named the same single order.
    assert sum(e.upstream_status == 200 for e in proxy.exchanges) == 3
    assert order_nos_answered(proxy, "placeOrder") == {placed.acquire_order.order_no}
    direct = make_api(kind)
    assert direct.get_order(merchant_order_no).order_no == placed.acquire_order.order_no
    assert placed.acquire_order.status == OrderStatus.CREATED


def test_refund_whose_answer_was_lost_refunds_once(make_api: MakeApi, gateway: Gateway) -> None:
    direct = make_api()
    merchant_order_no = new_no()
    placed = direct.place_order(order_request(merchant_order_no, "20"))
    sandbox_pay(gateway, order_no=placed.acquire_order.order_no)
    request = RefundRequest(
        refund_merchant_order_no=new_no(),
        amount=Money.aed("5"),
        origin_merchant_order_no=merchant_order_no,
    )
    with fault_proxy(gateway.base_url, Action.FORWARD_THEN_DROP, Action.DROP) as proxy:
        result = make_api(base_url=proxy.base_url, retry=FIVE_TRIES).refund(request)
    assert len(proxy.exchanges) == 3
    assert result.refund_summary is not None
    assert result.refund_summary.remain_refund_amount == Money.aed("15")  # refunded once


@pytest.mark.parametrize("kind", ["sync", "async"])
@pytest.mark.parametrize("failure", [Action.HTTP_502, Action.FORWARD_THEN_DROP])
def test_cancel_is_retried(make_api: MakeApi, gateway: Gateway, kind: str, failure: Action) -> None:
    merchant_order_no = new_no()
    make_api(kind).place_order(order_request(merchant_order_no))
    with fault_proxy(gateway.base_url, failure) as proxy:
        api = make_api(kind, base_url=proxy.base_url, retry=FIVE_TRIES)
        cancelled = api.cancel_order(merchant_order_no)
    # After FORWARD_THEN_DROP the first attempt did cancel; the resend is refused with
    # 62002, and the SDK reports the cancelled order instead of that refusal.
    assert cancelled.status == OrderStatus.FAILURE
    assert cancelled.fail_code == "ORDER_CANCELLED"
    assert [e.action for e in proxy.seen("cancelOrder")] == [failure, Action.FORWARD]
    with pytest.raises(ApiError) as again:  # a plain second cancel is still refused
        make_api(kind).cancel_order(merchant_order_no)
    assert again.value.code == codes.ORDER_FAILURE


def test_a_resent_cancel_of_an_order_that_expired_is_still_refused(
    make_api: MakeApi, gateway: Gateway
) -> None:
    """62002 after a lost answer is only forgiven when the order failed by cancellation."""
    merchant_order_no = new_no()
    direct = make_api()
    direct.place_order(order_request(merchant_order_no))
    direct.revoke_order(merchant_order_no)  # FAILURE, failCode ORDER_REVOKED
    with fault_proxy(gateway.base_url, Action.HTTP_502) as proxy, pytest.raises(ApiError) as caught:
        make_api(base_url=proxy.base_url, retry=FIVE_TRIES).cancel_order(merchant_order_no)
    assert caught.value.code == codes.ORDER_FAILURE
    assert [e.action for e in proxy.seen("cancelOrder")] == [Action.HTTP_502, Action.FORWARD]


def test_a_business_refusal_is_not_retried(make_api: MakeApi, gateway: Gateway) -> None:
    merchant_order_no = new_no()
    make_api().place_order(order_request(merchant_order_no, "12.34"))
    with fault_proxy(gateway.base_url) as proxy:
        api = make_api(base_url=proxy.base_url, retry=FIVE_TRIES)
        with pytest.raises(ApiError) as caught:
            api.place_order(order_request(merchant_order_no, "99.99"))
    assert caught.value.code == codes.MERCHANT_ORDER_NO_EXIST
    assert len(proxy.exchanges) == 1


@pytest.mark.parametrize("kind", ["sync", "async"])
@pytest.mark.parametrize("call", ["update_expired_time", "revoke_order"])
def test_non_idempotent_calls_are_sent_once(
    make_api: MakeApi, gateway: Gateway, kind: str, call: str
) -> None:
    merchant_order_no = new_no()
    placed = make_api(kind).place_order(order_request(merchant_order_no))
    assert placed.acquire_order.expired_time is not None
    arguments: dict[str, Any] = (
        {"expired_time": placed.acquire_order.expired_time - 60_000}
        if call == "update_expired_time"
        else {}
    )
    with fault_proxy(gateway.base_url, Action.FORWARD_THEN_DROP) as proxy:
        api = make_api(kind, base_url=proxy.base_url, retry=FIVE_TRIES)
        with pytest.raises(TransportError):
            getattr(api, call)(merchant_order_no, **arguments)
    assert len(proxy.exchanges) == 1
    assert proxy.exchanges[0].upstream_status == 200  # the gateway did act


# --- wait_for_final ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_wait_for_final_cancels_an_order_nobody_pays(make_api: MakeApi, kind: str) -> None:
    api = make_api(kind)
    merchant_order_no = new_no()
    api.place_order(order_request(merchant_order_no))
    started = time.monotonic()
    final = api.wait_for_final(merchant_order_no, deadline_s=0.6)
    assert time.monotonic() - started < 10
    assert final.status == OrderStatus.FAILURE
    assert final.fail_code == "ORDER_CANCELLED"
    assert api.get_order(merchant_order_no).status == OrderStatus.FAILURE


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_wait_for_final_returns_an_order_paid_meanwhile(
    make_api: MakeApi, gateway: Gateway, kind: str
) -> None:
    pays_on_second_pause = _PayingSleep(gateway, pay_on_call=2)
    api = make_api(kind, sleep=pays_on_second_pause.sleep_for(kind))
    merchant_order_no = new_no()
    placed = api.place_order(order_request(merchant_order_no))
    pays_on_second_pause.order_no = placed.acquire_order.order_no

    final = api.wait_for_final(merchant_order_no, deadline_s=30)
    assert final.status == OrderStatus.PAID_SUCCESS
    assert final.is_paid
    assert pays_on_second_pause.calls == 2  # polled before, during and after the payment


def test_wait_for_final_sees_a_payment_made_from_another_thread(
    make_api: MakeApi, gateway: Gateway
) -> None:
    api = make_api()
    merchant_order_no = new_no()
    placed = api.place_order(order_request(merchant_order_no))
    payer = threading.Timer(
        0.3, sandbox_pay, args=(gateway,), kwargs={"order_no": placed.acquire_order.order_no}
    )
    payer.start()
    try:
        final = api.wait_for_final(merchant_order_no, deadline_s=20)
    finally:
        payer.join(timeout=30)
    assert final.status == OrderStatus.PAID_SUCCESS


def test_wait_for_final_on_an_unknown_order_raises_at_once(make_api: MakeApi) -> None:
    with pytest.raises(ApiError) as caught:
        make_api().wait_for_final(new_no(), deadline_s=5)
    assert caught.value.code == codes.MERCHANT_ORDER_NO_NOT_EXIST


class _PayingSleep:
    """An injected sleep that pays the order (wallet 3) on its n-th call."""

    def __init__(self, gateway: Gateway, pay_on_call: int) -> None:
        self.gateway = gateway
        self.pay_on_call = pay_on_call
        self.order_no: str | None = None
        self.calls = 0

    def _tick(self, seconds: float) -> None:
        self.calls += 1
        if self.calls == self.pay_on_call:
            assert self.order_no is not None
            sandbox_pay(self.gateway, order_no=self.order_no)
        time.sleep(min(seconds, 0.1))

    def sleep_for(self, kind: str) -> Callable[[float], Any]:
        if kind == "sync":
            return self._tick

        async def asleep(seconds: float) -> None:
            self._tick(seconds)

        return asleep
