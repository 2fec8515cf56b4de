"""The console's order page over HTTP: one timeline of everything that happened to an
order, and its buttons acting through the API's services: pay as a test wallet,
refund (partial, then one too many), resend a notification, cancel, revoke and
advance the clock; each confirmed first, guarded by the session's CSRF token, and
only on orders the user may see. Production offers neither pay nor the clock."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable, Iterator
from html import unescape
from typing import cast

import httpx
import pytest

from botimpay.domain.order import Order
from botimpay.services.console_actions import ConsoleActions, ConsoleRefused
from botimpay.services.setup import DEMO_PARTNER_ID
from tests.console.conftest import Account, ConsoleClient, add_user
from tests.harness import Gateway, Merchant, jsapi_order
from tests.notify.receiver import Receiver

NOTIFY_ID = re.compile(r'name="notify_id" value="([^"]+)"')


def text_of(response: httpx.Response) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.text)).split())


def act(
    client: ConsoleClient, order_no: str, action: str, confirmed: bool = True, **fields: str
) -> httpx.Response:
    data = {"csrf_token": client.csrf(), **fields}
    if confirmed:
        data["confirmed"] = "yes"
    return client.http.post(f"/console/orders/{order_no}/{action}", data=data)


def acted(client: ConsoleClient, order_no: str, action: str, **fields: str) -> str:
    """Confirms the action; the text of the order page it redirects to (with its flash)."""
    response = act(client, order_no, action, **fields)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"/console/orders/{order_no}"
    page = client.get(f"/console/orders/{order_no}")
    assert page.status_code == 200
    return text_of(page)


def wait_for(client: ConsoleClient, order_no: str, wanted: str, seconds: float = 15) -> str:
    deadline = time.monotonic() + seconds
    while True:
        text = text_of(client.get(f"/console/orders/{order_no}"))
        if wanted in text or time.monotonic() > deadline:
            return text
        time.sleep(0.2)


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    rx = Receiver()
    yield rx
    rx.close()


@pytest.fixture(scope="module")
def shop(gateway: Gateway) -> Merchant:
    return gateway.add_merchant()


def place(shop: Merchant, receiver: Receiver, amount: str = "12.34") -> str:
    biz = jsapi_order(notifyUrl=receiver.url, totalAmount={"amount": amount, "currency": "AED"})
    return str(shop.call("acquire2/placeOrder", biz).assert_ok().order["orderNo"])


def test_pay_refund_resend_on_one_timeline(
    new_client: Callable[[], ConsoleClient],
    operator: Account,
    shop: Merchant,
    receiver: Receiver,
) -> None:
    client = new_client().signed_in(operator.username, operator.password)
    order_no = place(shop, receiver)

    # unconfirmed: a confirmation page, and nothing happens yet
    asked = act(client, order_no, "pay", confirmed=False, wallet="3", method="BALANCE")
    assert asked.status_code == 200
    assert "Are you sure?" in asked.text
    assert 'name="confirmed" value="yes"' in asked.text
    assert 'name="wallet" value="3"' in asked.text
    assert "CREATED" in text_of(client.get(f"/console/orders/{order_no}"))

    text = acted(client, order_no, "pay", wallet="3", method="BALANCE")
    assert "Payment by test wallet 3 (BALANCE) SUCCESS" in text
    assert "CREATED → PAID_SUCCESS" in text
    assert "Pay" in text
    assert "Payment attempt SUCCESS" in text
    assert "PAYMENT" in text
    assert "MERCHANT_PENDING" in text

    text = acted(client, order_no, "refund", amount="2.00", reason="damaged box")
    assert "Refunded AED 2.00" in text
    assert "AED 10.34 left to refund" in text
    assert "damaged box" in text
    assert f"by console {operator.username}" in text
    text = acted(client, order_no, "refund", amount="11.00", reason="too much")
    assert "Refused (" in text
    assert "exceeds the refundable 10.34 AED" in text
    assert "Refused: amount" in acted(client, order_no, "refund", amount="1.234")

    receiver.wait_for(2)  # the payment's and the refund's notifications
    text = wait_for(client, order_no, "attempt #1 SUCCESS")
    page = client.get(f"/console/orders/{order_no}").text
    notify_id = NOTIFY_ID.findall(page)[0]
    text = acted(client, order_no, "resend", notify_id=notify_id)
    assert f"Notification {notify_id} queued again" in text
    receiver.wait_for(3)
    text = wait_for(client, order_no, "attempt #2 SUCCESS")
    assert "attempt #2 SUCCESS · HTTP 200" in text
    assert '{"response":"SUCCESS"}' in text  # what the endpoint answered
    # someone else's notification cannot be resent through this order
    other = place(shop, receiver)
    assert "not one of this order's" in acted(client, other, "resend", notify_id="NOPE")

    # oldest first: created, paid, refunded, notified again
    for earlier, later in [
        ("Order created", "CREATED → PAID_SUCCESS"),
        ("CREATED → PAID_SUCCESS", "AED 2.00 SUCCESS"),
        ("attempt #1", "attempt #2"),
    ]:
        assert text.index(earlier) < text.index(later), (earlier, later)


def test_cancel_revoke_clock_and_who_may_act(
    gateway: Gateway,
    new_client: Callable[[], ConsoleClient],
    operator: Account,
    shop: Merchant,
    receiver: Receiver,
) -> None:
    client = new_client().signed_in(operator.username, operator.password)
    cancelled, paid, other = place(shop, receiver), place(shop, receiver), place(shop, receiver)

    text = acted(client, cancelled, "cancel")
    assert f"Order {cancelled} cancelled: it is now FAILURE" in text
    assert "CREATED → FAILURE Cancel ORDER_CANCELLED" in text
    text = acted(client, cancelled, "cancel")
    assert "Refused (" in text  # a second cancel: the API's rule, not a 500

    acted(client, paid, "pay", wallet="4", method="BALANCE")
    text = acted(client, paid, "revoke")
    assert f"Order {paid} revoked: it is now FAILURE, AED 12.34 refunded" in text
    assert "by revoke" in text
    assert "Revoke" in text

    text = acted(client, paid, "advance-clock", seconds="60")
    assert "Business time moved forward 60 s" in text
    assert "Refused: seconds" in acted(client, paid, "advance-clock", seconds="-5")

    # a merchant user of another merchant (the demo shop): 404, by page and by action
    account = add_user(gateway, partner_id=DEMO_PARTNER_ID)
    stranger = new_client().signed_in(account.username, account.password)
    assert stranger.get(f"/console/orders/{other}").status_code == 404
    assert act(stranger, other, "cancel").status_code == 404
    assert "CREATED" in text_of(client.get(f"/console/orders/{other}"))
    # without the session's CSRF token: 403, and nothing happened
    response = client.http.post(f"/console/orders/{paid}/refund", data={"confirmed": "yes"})
    assert response.status_code == 403
    assert act(client, paid, "no-such-action").status_code == 404


def test_production_refuses_pay_and_clock() -> None:
    """The page hides both buttons in production (botimpay serve --mode production, checked
    by hand and in the web guard); the service refuses them even if asked directly."""
    actions = ConsoleActions(*([None] * 6), sandbox=False)  # type: ignore[arg-type]
    order = cast(Order, None)
    for attempt in (actions.pay(order, "0", "BALANCE"), actions.advance_clock(order, "60")):
        with pytest.raises(ConsoleRefused, match="sandbox feature"):
            asyncio.run(attempt)
