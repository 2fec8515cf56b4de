"""The in-process dispatcher against real receivers: what is sent, how it is signed,
which answers count, the retry schedule in business time, timeouts and resend."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from tests.harness import Gateway, rsa_verify
from tests.notify import receiver as rx_script
from tests.notify.helpers import (
    RETRY_DELAYS_S,
    advance,
    attempts_recorded,
    notifications,
    paid_order,
    place,
    wait_attempts,
    wait_notifications,
)
from tests.notify.receiver import Receiver

Fresh = Callable[..., Gateway]
Make = Callable[..., Receiver]
FAST = ("--dispatch-interval-ms", "100")


def test_payment_sends_one_signed_exact_notification(fresh_gateway: Fresh, receiver: Make) -> None:
    rx = receiver()
    gateway = fresh_gateway(*FAST)
    merchant = gateway.add_merchant()
    order_no = paid_order(gateway, merchant, rx.url, amount="10.50")

    [got] = rx.wait_for(1)
    assert got.headers["content-type"] == "application/json; charset=UTF-8"
    assert rsa_verify(merchant.gateway_public_key, got.body, got.headers["sign"])
    assert not rsa_verify(merchant.gateway_public_key, got.body + b" ", got.headers["sign"])
    body = got.json()
    assert set(body) == {
        "notify_id",
        "notify_timestamp",
        "notify_time",
        "_input_charset",
        "acquireOrder",
    }
    assert re.fullmatch(r"\d{20}", body["notify_id"])
    assert body["_input_charset"] == "UTF-8"
    # The deprecated notify_time is in Gulf Standard Time, as in the reference's samples.
    sent = datetime.fromtimestamp(body["notify_timestamp"] // 1000, tz=UTC) + timedelta(hours=4)
    assert body["notify_time"] == sent.strftime("%Y%m%d%H%M%S")
    order = body["acquireOrder"]
    assert order["orderNo"] == order_no
    assert order["status"] == "PAID_SUCCESS"
    assert order["totalAmount"] == {"amount": Decimal("10.50"), "currency": "AED"}
    info = order["paymentInfo"]
    assert info["paidAmount"] == {"amount": Decimal("10.5"), "currency": "AED"}
    assert info["payerMid"] == "100000000008"
    assert info["paidTime"] <= body["notify_timestamp"]
    # Exact JSON numbers: no float artefacts, no exponent, no quoted amounts.
    assert b'"totalAmount":{"amount":10.5,"currency":"AED"}' in got.body
    amounts = re.findall(rb'"amount":([^,}]*)', got.body)
    assert len(amounts) >= 4
    assert all(re.fullmatch(rb"\d+(\.\d{1,2})?", a) for a in amounts), amounts

    # Exactly one POST, and the outbox says so.
    rx.assert_quiet(1, 0.6)
    [view] = wait_notifications(gateway, lambda v: v[0]["status"] == "DELIVERED", order_no)
    assert view["notifyId"] == body["notify_id"]
    assert view["kind"] == "PAYMENT"
    assert view["attempts"] == 1
    assert view["nextAttemptAt"] is None
    [attempt] = view["history"]
    assert (attempt["outcome"], attempt["httpStatus"]) == ("SUCCESS", 200)
    assert attempt["excerpt"] == '{"response":"SUCCESS"}'
    assert attempt["startedAt"] == body["notify_timestamp"]


def test_cancel_sends_a_failure_notification(fresh_gateway: Fresh, receiver: Make) -> None:
    rx = receiver()
    gateway = fresh_gateway(*FAST)
    merchant = gateway.add_merchant()
    order_no = place(merchant, rx.url)
    merchant.call("acquire2/cancelOrder", {"orderNo": order_no}).assert_ok()

    [got] = rx.wait_for(1)
    assert rsa_verify(merchant.gateway_public_key, got.body, got.headers["sign"])
    order = got.json()["acquireOrder"]
    assert (order["orderNo"], order["status"]) == (order_no, "FAILURE")
    assert "paymentInfo" not in order
    rx.assert_quiet(1, 0.5)


def test_retry_schedule_runs_on_business_time_then_gives_up(
    fresh_gateway: Fresh, receiver: Make
) -> None:
    rx = receiver(default=rx_script.SERVER_ERROR)
    gateway = fresh_gateway(*FAST)
    merchant = gateway.add_merchant()
    order_no = paid_order(gateway, merchant, rx.url)
    rx.wait_for(1)
    wait_attempts(gateway, order_no, 1)

    for made, delay in enumerate(RETRY_DELAYS_S, start=1):
        advance(gateway, delay - 30)
        rx.assert_quiet(made, 0.5)  # 30 s of business time early: nothing
        advance(gateway, 30)
        rx.wait_for(made + 1)
        wait_attempts(gateway, order_no, made + 1)

    bodies = [r.json() for r in rx.received]
    assert len({b["notify_id"] for b in bodies}) == 1
    sent = [b["notify_timestamp"] for b in bodies]
    assert len(sent) == 8
    for before, after, delay in zip(sent[:-1], sent[1:], RETRY_DELAYS_S, strict=True):
        assert delay * 1000 <= after - before < (delay + 15) * 1000, (delay, after - before)

    advance(gateway, 2 * 24 * 3600)
    rx.assert_quiet(8, 1.0)
    [view] = notifications(gateway, order_no)
    assert (view["status"], view["attempts"], view["nextAttemptAt"]) == ("FAILED", 8, None)
    assert [a["attempt"] for a in view["history"]] == list(range(1, 9))
    assert {(a["outcome"], a["httpStatus"]) for a in view["history"]} == {("HTTP_ERROR", 500)}
    assert view["lastError"] == "HTTP_ERROR 500"
    table = gateway.cli("notify", "list", "--order", order_no).stdout
    assert "FAILED" in table
    assert "#8" in table
    assert "HTTP_ERROR 500" in table

    # A resend starts a new round of the schedule; the attempts keep their numbers.
    gateway.cli("notify", "resend", view["notifyId"])
    rx.wait_for(9)
    wait_attempts(gateway, order_no, 9)
    [view] = notifications(gateway, order_no)
    assert (view["status"], view["attempts"]) == ("PENDING", 9), view
    assert view["history"][-1]["attempt"] == 9
    advance(gateway, RETRY_DELAYS_S[0])  # the first delay of a round, not "give up"
    rx.wait_for(10)
    wait_attempts(gateway, order_no, 10)
    assert "#10" in gateway.cli("notify", "list", "--order", order_no).stdout


def test_any_case_of_success_stops_the_retries(fresh_gateway: Fresh, receiver: Make) -> None:
    rx = receiver(rx_script.WRONG_BODY, default=rx_script.SUCCESS_LOWER)
    gateway = fresh_gateway(*FAST)
    merchant = gateway.add_merchant()
    order_no = paid_order(gateway, merchant, rx.url)
    rx.wait_for(1)
    [view] = wait_notifications(gateway, attempts_recorded(1), order_no)
    assert (view["status"], view["history"][0]["outcome"]) == ("PENDING", "BAD_RESPONSE")
    assert view["history"][0]["excerpt"] == '{"response":"FAIL"}'

    advance(gateway, 120)
    rx.wait_for(2)  # answered {"response":"success"}
    [view] = wait_notifications(gateway, lambda v: v[0]["status"] == "DELIVERED", order_no)
    assert [a["outcome"] for a in view["history"]] == ["BAD_RESPONSE", "SUCCESS"]
    advance(gateway, 24 * 3600)
    rx.assert_quiet(2, 1.0)


def test_a_slow_receiver_times_out_and_is_retried_on_schedule(
    fresh_gateway: Fresh, receiver: Make
) -> None:
    rx = receiver(default=rx_script.SLOW, slow_seconds=3.0)
    gateway = fresh_gateway(*FAST, "--notify-timeout-ms", "500")
    merchant = gateway.add_merchant()
    order_no = paid_order(gateway, merchant, rx.url)
    rx.wait_for(1)
    [view] = wait_notifications(gateway, attempts_recorded(1), order_no)
    [attempt] = view["history"]
    assert attempt["outcome"] == "TIMEOUT"
    assert attempt["httpStatus"] is None
    assert 450 <= attempt["latencyMs"] < 2500
    assert view["status"] == "PENDING"
    assert view["nextAttemptAt"] >= attempt["startedAt"] + 120_000

    advance(gateway, 100)
    rx.assert_quiet(1, 0.5)
    advance(gateway, 20)
    rx.wait_for(2)
    [view] = wait_notifications(gateway, attempts_recorded(2), order_no)
    assert [a["outcome"] for a in view["history"]] == ["TIMEOUT", "TIMEOUT"]
    assert rx.notify_ids()[0] == rx.notify_ids()[1]


def test_resend_delivers_again_with_the_same_notify_id(
    fresh_gateway: Fresh, receiver: Make
) -> None:
    rx = receiver()
    gateway = fresh_gateway(*FAST)
    merchant = gateway.add_merchant()
    order_no = paid_order(gateway, merchant, rx.url)
    [first] = rx.wait_for(1)
    [view] = wait_notifications(gateway, lambda v: v[0]["status"] == "DELIVERED", order_no)

    out = gateway.cli("notify", "resend", view["notifyId"]).stdout
    assert view["notifyId"] in out
    second = rx.wait_for(2)[1]
    assert second.notify_id == first.notify_id
    assert second.json()["notify_timestamp"] > first.json()["notify_timestamp"]
    assert second.json()["acquireOrder"] == first.json()["acquireOrder"]
    assert rsa_verify(merchant.gateway_public_key, second.body, second.headers["sign"])
    [view] = wait_notifications(
        gateway, lambda v: v[0]["status"] == "DELIVERED" and len(v[0]["history"]) == 2, order_no
    )
    # Attempts keep counting across a resend (it was numbered #1 again, issue 13)
    assert view["attempts"] == 2
    assert [a["attempt"] for a in view["history"]] == [1, 2]
    rx.assert_quiet(2, 0.5)

    unknown = gateway.cli("notify", "resend", "00000000000000000000", check=False)
    assert unknown.returncode == 2
    assert "no notification" in unknown.stderr
    assert "Traceback" not in unknown.stderr
