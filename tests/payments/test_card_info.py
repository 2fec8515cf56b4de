"""paymentInfo.cardInfo (retrieve-order-detail.mdx's sample, _card-info.mdx): a card payment
carries the masked card in getOrder, the payment notification and the order page;
a wallet-balance payment carries none. Wallet 8 pays by card (its balance stays)
and AED 1.00 from its balance."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from tests.harness import Gateway, Merchant, jsapi_order
from tests.notify.receiver import Receiver
from tests.payments import PLACE, TEST_CARD_INFO, balances, get_order, money, pay, place, wallet

SAMPLE_KEYS = {"brand", "cardLevel", "cardType", "first6", "issueBank", "issueCountry", "last4"}
ORDER_PAGE = "acquire2Query/queryOrderPage"
GULF = timezone(timedelta(hours=4))  # the order page's days are UAE days


@pytest.fixture
def receiver() -> Any:
    rx = Receiver()
    yield rx
    rx.close()


def place_notified(merchant: Merchant, amount: str, rx: Receiver) -> dict[str, Any]:
    """A JSAPI order whose notifications go to `rx`; returns its acquireOrder."""
    biz = jsapi_order(totalAmount=money(amount), notifyUrl=rx.url)
    return merchant.call(PLACE, biz).assert_ok().order


def notified_order(rx: Receiver, order_no: str) -> dict[str, Any]:
    """The acquireOrder of the first notification about `order_no`."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        for item in rx.wait_for(1, timeout=max(0.1, deadline - time.monotonic())):
            acquire: dict[str, Any] = item.json()["acquireOrder"]
            if acquire["orderNo"] == order_no:
                return acquire
        time.sleep(0.1)
    raise AssertionError(f"no notification about {order_no}")


def test_a_card_payment_shows_the_masked_card(
    gateway: Gateway, merchant: Merchant, receiver: Receiver
) -> None:
    order = place_notified(merchant, "12.00", receiver)
    before = balances(gateway)
    answer = pay(gateway, order["orderNo"], wallet=8, method="CARD").succeeded()
    assert answer.order["paymentInfo"]["cardInfo"] == TEST_CARD_INFO
    assert balances(gateway)[wallet(8)] == before[wallet(8)]  # the card paid, not the wallet

    got = get_order(merchant, order["orderNo"])
    info = got["paymentInfo"]
    assert info["payChannel"] == "CARD"
    assert info["cardInfo"] == TEST_CARD_INFO
    assert set(info["cardInfo"]) == SAMPLE_KEYS  # the sample's fields, nothing more
    assert "5123450000000008" not in str(got)  # the whole number is never shown

    notified = notified_order(receiver, order["orderNo"])
    assert notified["status"] == "PAID_SUCCESS"
    assert notified["paymentInfo"]["cardInfo"] == TEST_CARD_INFO


def test_a_balance_payment_has_no_card(
    gateway: Gateway, merchant: Merchant, receiver: Receiver
) -> None:
    order = place_notified(merchant, "1.00", receiver)
    pay(gateway, order["orderNo"], wallet=8).succeeded()
    got = get_order(merchant, order["orderNo"])
    assert got["paymentInfo"]["payChannel"] == "BALANCE"
    assert "cardInfo" not in got["paymentInfo"]
    notified = notified_order(receiver, order["orderNo"])
    assert notified["paymentInfo"]["payChannel"] == "BALANCE"
    assert "cardInfo" not in notified["paymentInfo"]


def test_a_pending_card_payment_shows_the_card_once_confirmed(
    gateway: Gateway, merchant: Merchant
) -> None:
    order = place(merchant, "7.00")
    pay(gateway, order["orderNo"], wallet=8, method="CARD", outcome="PENDING")
    assert "paymentInfo" not in get_order(merchant, order["orderNo"])
    deadline = time.monotonic() + 20  # the sweeper confirms it after card_pending_ms (5 s)
    got = get_order(merchant, order["orderNo"])
    while got["status"] == "CREATED" and time.monotonic() < deadline:
        time.sleep(0.5)
        got = get_order(merchant, order["orderNo"])
    assert got["status"] == "PAID_SUCCESS", got
    assert got["paymentInfo"]["cardInfo"] == TEST_CARD_INFO


def test_the_order_page_lists_the_card(gateway: Gateway) -> None:
    shop = gateway.add_merchant()  # its own: the page holds only this order
    order = place(shop, "3.00")
    pay(gateway, order["orderNo"], wallet=8, method="CARD").succeeded()
    today = datetime.now(UTC).astimezone(GULF).date()
    window = {
        "startDate": str(today - timedelta(days=1)),
        "endDate": str(today + timedelta(days=1)),
    }
    page = shop.call(ORDER_PAGE, window | {"sortPageParam": {"number": 0, "size": 20}})
    assert page.assert_ok().body is not None
    [item] = page.body["items"]
    assert item["orderNo"] == order["orderNo"]
    assert item["paymentInfo"]["cardInfo"] == TEST_CARD_INFO
