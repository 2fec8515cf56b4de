"""The console's order timeline shows a chargeback: its state row, ledger entry and
notification."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from tests.chargebacks.test_chargebacks import chargeback, paid
from tests.chargebacks.test_cli import cli
from tests.console.conftest import ConsoleClient
from tests.harness import Gateway, Merchant
from tests.notify.receiver import Receiver

Make = Callable[..., Receiver]


def test_the_order_page_shows_the_chargeback(
    cb_gateway: Gateway, cb_merchant: Merchant, receiver: Make
) -> None:
    rx = receiver()
    order_no, _ = paid(cb_gateway, cb_merchant, rx.url, "15.00")
    answer = chargeback(
        cb_gateway, {"orderNo": order_no, "amount": "5.25", "caseType": "DUPLICATE"}
    )
    rx.wait_for(2)
    name, password = f"user-{uuid.uuid4().hex[:10]}", f"pw-{uuid.uuid4().hex}"
    cli(cb_gateway, "console-user", "add", name, "--password", password)
    client = ConsoleClient(cb_gateway.base_url).signed_in(name, password)
    try:
        page = client.get(f"/console/orders/{order_no}")
    finally:
        client.http.close()
    assert page.status_code == 200, page.text
    assert "Chargeback" in page.text  # the timeline's state row, with its detail
    assert "SUCCESS: 5.25 AED (DUPLICATE)" in page.text
    memo = f"chargeback {answer['chargebackNo']} of order {order_no}"  # the ledger entry
    assert memo in page.text
    assert "CHARGEBACK queued" in page.text  # the notification
