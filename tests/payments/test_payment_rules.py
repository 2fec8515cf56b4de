"""Every payment rule, black-box: the merchant API, the sandbox helpers and the CLI.

The shared gateway's tests pay with wallets 8 and 9 (other modules use 0-7). Tests
that move business time, lock a wallet or need a clean ledger get their own gateway.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from decimal import Decimal

import httpx
import pytest

from tests.harness import Gateway, Merchant, now_ms
from tests.payments import (
    CANCEL,
    CARD_CLEARING,
    FEE_INCOME,
    OPENING,
    PASSWORD,
    advance_clock,
    assert_ledger_ok,
    available,
    balances,
    changes,
    decode,
    fee_of,
    get_order,
    member,
    pay,
    payment_info,
    pending,
    place,
    settle_now,
    tamper,
    wallet,
)

MINUTE = 60
HOUR_MS = 3_600_000


# --- wallet balance and the payment password --------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "fee"), [("5.00", "0.02"), ("15.00", "0.05"), ("499.99", "1.50")]
)
def test_wallet_payment_under_aed_500_needs_no_password(
    gateway: Gateway, merchant: Merchant, amount: str, fee: str
) -> None:
    assert fee_of(amount) == Decimal(fee)  # 1.5 → 2 and 4.5 → 5 fils: half-up
    order = place(merchant, amount)
    before, started = balances(gateway), now_ms()

    answer = pay(gateway, order["orderNo"], wallet=8).succeeded()

    got = get_order(merchant, order["orderNo"])
    assert got["status"] == "PAID_SUCCESS"
    paid_time = got["paymentInfo"]["paidTime"]
    assert isinstance(paid_time, int)
    assert paid_time >= started
    assert got["paymentInfo"] == payment_info(amount, 8, "BALANCE", paid_time)
    assert answer.order["paymentInfo"] == got["paymentInfo"]
    assert "interActionParams" not in got
    assert "failCode" not in got
    net = Decimal(amount) - Decimal(fee)
    assert changes(before, balances(gateway)) == {
        wallet(8): -Decimal(amount),
        pending(merchant): net,
        FEE_INCOME: Decimal(fee),
    }


def test_aed_500_or_more_needs_the_payment_password(gateway: Gateway, merchant: Merchant) -> None:
    order = place(merchant, "500.00")
    before = balances(gateway)
    pay(gateway, order["orderNo"], wallet=9).refused("PASSWORD_REQUIRED")
    pay(gateway, order["orderNo"], wallet=9, password="").refused("PASSWORD_REQUIRED")
    assert get_order(merchant, order["orderNo"])["status"] == "CREATED"
    assert changes(before, balances(gateway)) == {}

    pay(gateway, order["orderNo"], wallet=9, password=PASSWORD).succeeded()
    got = get_order(merchant, order["orderNo"])
    assert got["paymentInfo"]["payerMid"] == member(9)
    assert changes(before, balances(gateway))[wallet(9)] == Decimal("-500.00")


def test_wrong_passwords_count_down_and_five_lock_the_wallet_for_30_minutes(
    fresh_gateway: Callable[..., Gateway],
) -> None:
    gw = fresh_gateway()
    shop = gw.add_merchant()
    big, small = place(shop, "500.00"), place(shop, "1.00")
    for left in (4, 3, 2, 1):
        answer = pay(gw, big["orderNo"], wallet=0, password="000000").refused("WRONG_PASSWORD")
        assert f"{left} attempts left" in answer.json["message"], answer.json
    locked = pay(gw, big["orderNo"], wallet=0, password="000000").refused("LOCKED")
    assert "30 minutes" in locked.json["message"], locked.json
    # Locked means locked: the right password and small payments are refused too.
    pay(gw, big["orderNo"], wallet=0, password=PASSWORD).refused("LOCKED")
    pay(gw, small["orderNo"], wallet=0).refused("LOCKED")
    pay(gw, small["orderNo"], wallet=0, method="CARD").refused("LOCKED")
    pay(gw, small["orderNo"], wallet=1).succeeded()  # other wallets are not affected

    advance_clock(gw, 29 * MINUTE)
    pay(gw, big["orderNo"], wallet=0, password=PASSWORD).refused("LOCKED")
    advance_clock(gw, 2 * MINUTE)
    pay(gw, big["orderNo"], wallet=0, password=PASSWORD).succeeded()
    assert get_order(shop, big["orderNo"])["paymentInfo"]["payerMid"] == member(0)
    assert balances(gw)[wallet(0)] == OPENING - Decimal("500.00")
    assert_ledger_ok(gw)


def test_the_right_password_resets_the_count(fresh_gateway: Callable[..., Gateway]) -> None:
    gw = fresh_gateway()
    shop = gw.add_merchant()
    first, second = place(shop, "600.00"), place(shop, "700.00")
    for _ in range(4):
        pay(gw, first["orderNo"], wallet=2, password="999999").refused("WRONG_PASSWORD")
    pay(gw, first["orderNo"], wallet=2, password=PASSWORD).succeeded()
    for left in (4, 3, 2, 1):
        answer = pay(gw, second["orderNo"], wallet=2, password="1").refused("WRONG_PASSWORD")
        assert f"{left} attempts left" in answer.json["message"], answer.json
    pay(gw, second["orderNo"], wallet=2, password=PASSWORD).succeeded()
    assert balances(gw)[wallet(2)] == OPENING - Decimal("1300.00")
    assert_ledger_ok(gw)


def test_insufficient_balance_fails_the_attempt_not_the_order(
    gateway: Gateway, merchant: Merchant
) -> None:
    order = place(merchant, "10000.01")  # more than any test wallet holds
    before = balances(gateway)
    for _ in range(2):  # a failed attempt may be retried
        answer = pay(gateway, order["orderNo"], wallet=8, password=PASSWORD)
        answer.failed("INSUFFICIENT_BALANCE")
        assert "not enough" in answer.json["message"], answer.json
        assert answer.order["status"] == "CREATED"
        got = get_order(merchant, order["orderNo"])
        assert got["status"] == "CREATED"
        assert "paymentInfo" not in got
    assert changes(before, balances(gateway)) == {}

    pay(gateway, order["orderNo"], wallet=8, password=PASSWORD, method="CARD").succeeded()
    assert get_order(merchant, order["orderNo"])["paymentInfo"]["payChannel"] == "CARD"


@pytest.mark.parametrize(
    ("amount", "method", "outcome", "reason"),
    [
        ("10000.01", "BALANCE", "SUCCESS", "INSUFFICIENT_BALANCE"),
        ("3.00", "CARD", "FAILURE", "CARD_DECLINED"),
    ],
)
def test_one_time_payment_makes_a_failed_attempt_final(
    gateway: Gateway, merchant: Merchant, amount: str, method: str, outcome: str, reason: str
) -> None:
    order = place(merchant, amount, oneTimePayment="true")
    assert order["paySceneParams"]["oneTimePayment"] == "true"
    before = balances(gateway)
    answer = pay(
        gateway, order["orderNo"], wallet=9, password=PASSWORD, method=method, outcome=outcome
    ).failed(reason)
    assert answer.order["status"] == "FAILURE"
    assert "one attempt only" in answer.json["message"], answer.json

    got = get_order(merchant, order["orderNo"])
    assert (got["status"], got["failCode"]) == ("FAILURE", "PAYMENT_FAILED")
    pay(gateway, order["orderNo"], wallet=9, password=PASSWORD, method="CARD").refused("FAILED")
    pay(gateway, order["orderNo"], wallet=8, password=PASSWORD).refused("FAILED")
    assert get_order(merchant, order["orderNo"])["status"] == "FAILURE"
    assert changes(before, balances(gateway)) == {}


# --- who may pay -----------------------------------------------------------------------------


def test_jsapi_payer_mid_must_be_the_payer(gateway: Gateway, merchant: Merchant) -> None:
    order = place(merchant, "2.00", payerMid=member(8))
    answer = pay(gateway, order["orderNo"], wallet=9).refused("WRONG_PAYER")
    assert "another customer" in answer.json["message"], answer.json
    pay(gateway, order["orderNo"], wallet=9, method="CARD").refused("WRONG_PAYER")
    assert get_order(merchant, order["orderNo"])["status"] == "CREATED"
    pay(gateway, order["orderNo"], wallet=8).succeeded()
    assert get_order(merchant, order["orderNo"])["paymentInfo"]["payerMid"] == member(8)


def test_dynqr_binds_the_first_payer_even_when_that_attempt_fails(
    gateway: Gateway, merchant: Merchant
) -> None:
    order = place(merchant, "2.50", scene="DYNQR")
    assert order["paySceneParams"]["changePayer"] == "true"  # the default
    pay(gateway, order["orderNo"], wallet=9, method="CARD", outcome="FAILURE").failed(
        "CARD_DECLINED"
    )
    pay(gateway, order["orderNo"], wallet=8).refused("WRONG_PAYER")
    pay(gateway, order["orderNo"], wallet=8, method="CARD").refused("WRONG_PAYER")
    assert get_order(merchant, order["orderNo"])["status"] == "CREATED"
    pay(gateway, order["orderNo"], wallet=9).succeeded()
    assert get_order(merchant, order["orderNo"])["paymentInfo"]["payerMid"] == member(9)


def test_dynqr_without_change_payer_lets_anyone_pay(gateway: Gateway, merchant: Merchant) -> None:
    order = place(merchant, "2.75", scene="DYNQR", changePayer="false")
    assert order["paySceneParams"]["changePayer"] == "false"
    pay(gateway, order["orderNo"], wallet=9, method="CARD", outcome="FAILURE").failed(
        "CARD_DECLINED"
    )
    pay(gateway, order["orderNo"], wallet=8).succeeded()
    assert get_order(merchant, order["orderNo"])["paymentInfo"]["payerMid"] == member(8)


def test_eid_must_be_the_payers_emirates_id(gateway: Gateway, merchant: Merchant) -> None:
    eid = hashlib.sha256(b"784199000000008").hexdigest()  # wallet 8's Emirates ID
    order = place(merchant, "3.25", scene="DYNQR", eid=eid.upper())
    answer = pay(gateway, token_url=order["tokenUrl"], wallet=9).refused("EID_MISMATCH")
    assert "Emirates ID" in answer.json["message"], answer.json
    assert get_order(merchant, order["orderNo"])["status"] == "CREATED"
    # The refused scanner did not bind the order: the right customer can still pay.
    pay(gateway, token_url=order["tokenUrl"], wallet=8).succeeded()
    assert get_order(merchant, order["orderNo"])["paymentInfo"]["payerMid"] == member(8)


# --- orders that cannot be paid --------------------------------------------------------------


def test_cancelled_order_cannot_be_paid(gateway: Gateway, merchant: Merchant) -> None:
    order = place(merchant, "4.00")
    merchant.call(CANCEL, {"orderNo": order["orderNo"]}).assert_ok()
    before = balances(gateway)
    answer = pay(gateway, order["orderNo"], wallet=8).refused("CANCELLED")
    assert "cancelled" in answer.json["message"], answer.json
    pay(gateway, order["orderNo"], wallet=8, method="CARD").refused("CANCELLED")
    assert get_order(merchant, order["orderNo"])["failCode"] == "ORDER_CANCELLED"
    assert changes(before, balances(gateway)) == {}


def test_paid_order_cannot_be_paid_again(gateway: Gateway, merchant: Merchant) -> None:
    order = place(merchant, "4.50")
    before = balances(gateway)
    pay(gateway, order["orderNo"], wallet=8).succeeded()
    pay(gateway, order["orderNo"], wallet=8).refused("ALREADY_PAID")
    pay(gateway, order["orderNo"], wallet=9, method="CARD").refused("ALREADY_PAID")
    assert get_order(merchant, order["orderNo"])["paymentInfo"]["payerMid"] == member(8)
    moved = changes(before, balances(gateway))
    assert moved[wallet(8)] == Decimal("-4.50")
    assert wallet(9) not in moved
    assert CARD_CLEARING not in moved


def test_unknown_orders_and_wallets_are_refused(gateway: Gateway, merchant: Merchant) -> None:
    pay(gateway, "1" * 21, wallet=8).refused("TOKEN_UNKNOWN")
    pay(gateway, token_url=gateway.base_url + "/pay-page/main?ft=nope", wallet=8).refused(
        "TOKEN_UNKNOWN"
    )
    order = place(merchant, "1.25")
    for phone in ("+971 56 000 0099", "not a phone", ""):
        body = {"orderNo": order["orderNo"], "phone": phone}
        response = httpx.post(gateway.base_url + "/sandbox/api/pay", json=body, timeout=30)
        assert response.status_code == 409, (phone, response.text)
        assert decode(response.content)["reason"] == "SIGN_IN_FAILED", response.text
    assert get_order(merchant, order["orderNo"])["status"] == "CREATED"


def test_expired_order_is_refused_and_new_orders_follow_business_time(
    fresh_gateway: Callable[..., Gateway],
) -> None:
    gw = fresh_gateway()
    shop = gw.add_merchant()
    old = place(shop, "6.00")
    assert old["expiredTime"] == old["requestTime"] + 2 * HOUR_MS
    moved = advance_clock(gw, 3 * 3600)
    assert moved["offsetMs"] == 3 * HOUR_MS
    assert moved["expired"] == 1  # the old order, by the advance itself

    answer = pay(gw, old["orderNo"], wallet=3).refused("EXPIRED")
    assert "expired" in answer.json["message"], answer.json
    got = get_order(shop, old["orderNo"])
    assert (got["status"], got["failCode"]) == ("FAILURE", "ORDER_EXPIRED")

    new = place(shop, "7.00")  # default expiry counts from business time
    assert new["expiredTime"] == new["requestTime"] + 3 * HOUR_MS + 2 * HOUR_MS
    pay(gw, new["orderNo"], wallet=3).succeeded()
    got = get_order(shop, new["orderNo"])
    assert got["paymentInfo"]["paidTime"] >= moved["now"]
    assert balances(gw)[wallet(3)] == OPENING - Decimal("7.00")
    assert_ledger_ok(gw)


# --- the test card ---------------------------------------------------------------------------


def test_card_payment_leaves_the_wallet_alone(gateway: Gateway, merchant: Merchant) -> None:
    order = place(merchant, "25.00")
    before = balances(gateway)
    answer = pay(gateway, order["orderNo"], wallet=9, method="CARD").succeeded()
    got = get_order(merchant, order["orderNo"])
    paid_time = got["paymentInfo"]["paidTime"]
    assert got["paymentInfo"] == payment_info("25.00", 9, "CARD", paid_time)
    assert answer.order["paymentInfo"] == got["paymentInfo"]
    after = balances(gateway)
    assert changes(before, after) == {
        CARD_CLEARING: Decimal("-25.00"),
        pending(merchant): Decimal("24.92"),
        FEE_INCOME: Decimal("0.08"),
    }
    assert after[CARD_CLEARING] < 0  # the one account (with funding) that may go negative


def test_declined_card_fails_the_attempt_only(gateway: Gateway, merchant: Merchant) -> None:
    order = place(merchant, "5.50")
    before = balances(gateway)
    answer = pay(gateway, order["orderNo"], wallet=9, method="CARD", outcome="FAILURE")
    answer.failed("CARD_DECLINED")
    assert "declined" in answer.json["message"], answer.json
    assert get_order(merchant, order["orderNo"])["status"] == "CREATED"
    assert changes(before, balances(gateway)) == {}
    pay(gateway, order["orderNo"], wallet=9).succeeded()


def test_pending_card_payment_is_confirmed_later(fresh_gateway: Callable[..., Gateway]) -> None:
    gw = fresh_gateway()
    shop = gw.add_merchant()
    order = place(shop, "80.00")
    answer = pay(gw, order["orderNo"], wallet=4, method="CARD", outcome="PENDING")
    assert (answer.status_code, answer.result, answer.reason) == (200, "PENDING", "PAYMENT_PENDING")
    assert answer.order["status"] == "CREATED"
    assert get_order(shop, order["orderNo"])["status"] == "CREATED"
    pay(gw, order["orderNo"], wallet=4).refused("PAYMENT_PENDING")
    pay(gw, order["orderNo"], wallet=5, method="CARD").refused("PAYMENT_PENDING")
    assert balances(gw)[wallet(4)] == OPENING

    moved = advance_clock(gw, 10)
    assert moved["cardPaymentsConfirmed"] == 1
    got = get_order(shop, order["orderNo"])
    assert got["status"] == "PAID_SUCCESS"
    assert got["paymentInfo"] == payment_info("80.00", 4, "CARD", got["paymentInfo"]["paidTime"])
    now = balances(gw)
    assert now[wallet(4)] == OPENING
    assert now[CARD_CLEARING] == Decimal("-80.00")
    pay(gw, order["orderNo"], wallet=4).refused("ALREADY_PAID")
    assert_ledger_ok(gw)


# --- settlement ------------------------------------------------------------------------------


def test_sandbox_settle_makes_paid_orders_settled(fresh_gateway: Callable[..., Gateway]) -> None:
    gw = fresh_gateway()
    shop = gw.add_merchant()
    paid, unpaid = place(shop, "100.00"), place(shop, "1.00")
    pay(gw, paid["orderNo"], wallet=6).succeeded()
    assert get_order(shop, paid["orderNo"])["status"] == "PAID_SUCCESS"  # 24 h delay by default

    assert settle_now(gw) == 1
    got = get_order(shop, paid["orderNo"])
    assert got["status"] == "SETTLED"
    assert got["paymentInfo"] == payment_info(
        "100.00", 6, "BALANCE", got["paymentInfo"]["paidTime"]
    )
    assert get_order(shop, unpaid["orderNo"])["status"] == "CREATED"
    assert settle_now(gw) == 0  # nothing settles twice
    pay(gw, paid["orderNo"], wallet=6).refused("ALREADY_PAID")
    assert shop.call(CANCEL, {"orderNo": paid["orderNo"]}).code == "62003"  # ORDER_SETTLED

    books = balances(gw)
    assert books[pending(shop)] == Decimal("0.00")
    assert books[available(shop)] == Decimal("99.70")
    assert books[FEE_INCOME] == Decimal("0.30")
    assert books[wallet(6)] == OPENING - Decimal("100.00")
    assert_ledger_ok(gw)


def test_sandbox_settle_of_one_order_leaves_the_others(gateway: Gateway) -> None:
    shop = gateway.add_merchant()
    first, second = place(shop, "10.00"), place(shop, "20.00")
    for order in (first, second):
        pay(gateway, order["orderNo"], wallet=6).succeeded()
    url = gateway.base_url + "/sandbox/api/settle"

    def settle(body: object) -> httpx.Response:
        return httpx.post(url, json=body, timeout=60)

    assert settle({"orderNo": first["orderNo"]}).json() == {"settled": 1}
    assert get_order(shop, first["orderNo"])["status"] == "SETTLED"
    assert get_order(shop, second["orderNo"])["status"] == "PAID_SUCCESS"
    assert settle({"orderNo": first["orderNo"]}).json() == {"settled": 0}  # not twice
    assert settle({"orderNo": "1" * 22}).json() == {"settled": 0}  # no such order
    for bad in ({"orderNo": ""}, {"orderNo": 5}, {"order": first["orderNo"]}):
        refused = settle(bad)
        assert refused.status_code == 400, refused.text
        assert refused.json()["reason"] == "INVALID_PARAMETER"
    assert get_order(shop, second["orderNo"])["status"] == "PAID_SUCCESS"
    assert_ledger_ok(gateway)


def test_the_sweeper_settles_after_the_settle_delay(fresh_gateway: Callable[..., Gateway]) -> None:
    gw = fresh_gateway("--settle-delay-ms", "60000", "--sweep-interval-ms", "200")
    shop = gw.add_merchant()
    first, second = place(shop, "40.00"), place(shop, "50.00")
    pay(gw, first["orderNo"], wallet=7).succeeded()
    time.sleep(0.6)  # a few sweeps: not due yet
    assert get_order(shop, first["orderNo"])["status"] == "PAID_SUCCESS"

    # 58 s of business time: still not due, so the advance settles nothing itself; the
    # sweeper settles the order once 60 s have passed (about 2 s of real time later).
    moved = advance_clock(gw, 58)
    assert (moved["offsetMs"], moved["settled"]) == (58_000, 0)
    assert get_order(shop, first["orderNo"])["status"] == "PAID_SUCCESS"
    deadline = time.monotonic() + 15
    while get_order(shop, first["orderNo"])["status"] != "SETTLED":
        assert time.monotonic() < deadline, "the sweeper did not settle the order"
        time.sleep(0.1)

    # A clock advance of 61 s makes the next payment due at once.
    pay(gw, second["orderNo"], wallet=7).succeeded()
    advance_clock(gw, 61)
    deadline = time.monotonic() + 5
    while get_order(shop, second["orderNo"])["status"] != "SETTLED":
        assert time.monotonic() < deadline, "the order was not settled after 61 s"
        time.sleep(0.1)
    books = balances(gw)
    assert books[pending(shop)] == Decimal("0.00")
    assert books[available(shop)] == Decimal("90.00") - fee_of("40.00") - fee_of("50.00")
    assert books[wallet(7)] == OPENING - Decimal("90.00")
    assert_ledger_ok(gw)


# --- the books ------------------------------------------------------------------------------


def test_ledger_check_notices_books_changed_behind_its_back(
    fresh_gateway: Callable[..., Gateway],
) -> None:
    gw = fresh_gateway()
    shop = gw.add_merchant()
    paid, unpaid = place(shop, "10.00"), place(shop, "20.00")
    pay(gw, paid["orderNo"], wallet=5).succeeded()
    assert_ledger_ok(gw)

    tamper(gw, f"UPDATE orders SET paid_time = 1 WHERE order_no = '{unpaid['orderNo']}'")
    failed = gw.cli("ledger", "check", check=False)
    assert failed.returncode == 1, failed.stdout
    assert f"order {unpaid['orderNo']}" in failed.stderr, failed.stderr
    assert "0 payment" in failed.stderr, failed.stderr
    tamper(gw, f"UPDATE orders SET paid_time = NULL WHERE order_no = '{unpaid['orderNo']}'")
    assert_ledger_ok(gw)

    tamper(
        gw,
        "UPDATE accounts SET balance_fils = balance_fils + 1"
        f" WHERE kind = 'MEMBER_WALLET' AND owner_id = '{member(5)}'",
    )
    failed = gw.cli("ledger", "check", check=False)
    assert failed.returncode == 1, failed.stdout
    assert "postings sum to" in failed.stderr, failed.stderr
    assert "all balances together are 1 fils" in failed.stderr, failed.stderr


def test_ledger_check_and_balances_after_every_rule(gateway: Gateway, merchant: Merchant) -> None:
    # Self-contained: a wallet and a card payment of its own, on top of whatever ran before.
    for index, method in ((8, "BALANCE"), (9, "BALANCE"), (9, "CARD")):
        order = place(merchant, "100.00")
        pay(gateway, order["orderNo"], wallet=index, password=PASSWORD, method=method).succeeded()
    out = assert_ledger_ok(gateway)
    assert "ledger transactions" in out
    assert "orders checked" in out
    printed = gateway.cli("ledger", "balances").stdout
    for name in ("MEMBER_WALLET", "MERCHANT_PENDING", "FEE_INCOME", "CARD_CLEARING"):
        assert name in printed, printed
    books = balances(gateway)
    assert books[wallet(8)] < OPENING
    assert books[wallet(9)] < OPENING
    assert books[pending(merchant)] > 0
    assert books[CARD_CLEARING] < 0
    external = ("CARD_CLEARING", "SANDBOX_FUNDING")
    assert all(v >= 0 for k, v in books.items() if k[0] not in external), books
    assert sum(books.values()) == 0
