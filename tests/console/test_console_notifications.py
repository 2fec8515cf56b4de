"""The console's Notifications page over HTTP: the outbox with filters, one notification's
attempts, resend (a confirmation page, CSRF, a real new attempt at a local receiver), a
signed test notification showing what the endpoint answered, and a merchant user who
sees and acts on its own merchant's notifications only."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from html import unescape
from typing import Any

import pytest

from tests.console.conftest import Account, ConsoleClient, add_user, csrf_of
from tests.harness import Gateway, Merchant, rsa_verify
from tests.notify import receiver as rx_script
from tests.notify.helpers import paid_order
from tests.notify.receiver import Receiver

ROW = re.compile(r'<a href="/console/notifications/(\d+)">')


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    rx = Receiver()
    yield rx
    rx.close()


@pytest.fixture(scope="module")
def shops(gateway: Gateway, merchant: Merchant, receiver: Receiver) -> dict[str, Any]:
    """A new merchant with one paid order notified at the receiver, and the shared
    merchant with one too; their partner ids, orderNos and notify_ids."""
    mine = gateway.add_merchant()
    mine_order = paid_order(gateway, mine, receiver.url)
    theirs_order = paid_order(gateway, merchant, receiver.url)
    received = receiver.wait_for(2)
    by_order = {r.json()["acquireOrder"]["orderNo"]: r.notify_id for r in received}
    return {
        "mine": mine.partner_id,
        "theirs": merchant.partner_id,
        "mine_order": mine_order,
        "mine_notify": by_order[mine_order],
        "theirs_notify": by_order[theirs_order],
        "mine_key": mine.gateway_public_key,
    }


@pytest.fixture(scope="module")
def merchant_user(gateway: Gateway, shops: dict[str, Any]) -> Account:
    return add_user(gateway, partner_id=shops["mine"])


@pytest.fixture
def as_operator(new_client: Callable[[], ConsoleClient], operator: Account) -> ConsoleClient:
    return new_client().signed_in(operator.username, operator.password)


@pytest.fixture
def as_merchant(new_client: Callable[[], ConsoleClient], merchant_user: Account) -> ConsoleClient:
    """Signed in as a user of the `mine` shop."""
    return new_client().signed_in(merchant_user.username, merchant_user.password)


def listed(client: ConsoleClient, **params: str) -> list[str]:
    response = client.get("/console/notifications", **params)
    assert response.status_code == 200, response.text
    return ROW.findall(response.text)


def attempts_shown(client: ConsoleClient, notify_id: str, count: int) -> str:
    """The notification's page once it shows `count` attempts (the outcome is recorded
    just after the receiver answers)."""
    deadline = time.monotonic() + 15
    while True:
        text = client.get(f"/console/notifications/{notify_id}").text
        if text.count('<td class="num">') >= 3 * count or time.monotonic() > deadline:
            return unescape(text)
        time.sleep(0.1)


def test_list_filters_detail_and_resend(
    as_operator: ConsoleClient, shops: dict[str, Any], receiver: Receiver
) -> None:
    client = as_operator
    notify_id = shops["mine_notify"]
    page = attempts_shown(client, notify_id, 1)
    assert "SUCCESS" in page
    assert '{"response":"SUCCESS"}' in page
    assert " ms" in page
    assert f'href="/console/orders/{shops["mine_order"]}"' in page
    assert listed(client, partner=shops["mine"]) == [notify_id]
    assert listed(client, partner=shops["mine"], status="DELIVERED") == [notify_id]
    assert listed(client, partner=shops["mine"], status="FAILED") == []
    assert shops["theirs_notify"] in listed(client)
    assert listed(client, partner=shops["mine"], status="NOPE", before="x") == [notify_id]
    # resend: a confirmation page, refused without the CSRF token, then a new attempt
    confirm = client.get(f"/console/notifications/{notify_id}/resend")
    assert confirm.status_code == 200
    assert "Resend this notification?" in confirm.text
    token = csrf_of(confirm.text)
    path = f"/console/notifications/{notify_id}/resend"
    assert client.http.post(path, data={}).status_code == 403
    assert client.http.post(path, data={"csrf_token": "forged"}).status_code == 403
    assert receiver.count() == 2  # nothing sent by the refused ones
    done = client.http.post(path, data={"csrf_token": token})
    assert done.status_code == 303
    assert done.headers["location"] == f"/console/notifications/{notify_id}?flash=resent"
    assert "Resent" in client.http.get(done.headers["location"]).text
    again = receiver.wait_for(3)[-1]
    assert again.notify_id == notify_id
    page = attempts_shown(client, notify_id, 2)
    assert page.count('"response":"SUCCESS"') >= 2
    assert re.search(r'<td class="num">2</td>', page)  # numbered after the first
    assert client.get("/console/notifications/999").status_code == 404
    assert (
        client.http.post(
            "/console/notifications/999/resend", data={"csrf_token": token}
        ).status_code
        == 404
    )


def test_test_notification_shows_what_the_endpoint_answered(
    as_merchant: ConsoleClient, shops: dict[str, Any], receiver: Receiver
) -> None:
    client = as_merchant
    form = client.get("/console/notifications/test")
    assert form.status_code == 200
    assert f'value="{receiver.url}"' in form.text  # the latest notifyUrl its orders gave
    token = csrf_of(form.text)
    before = receiver.count()
    # the merchant field is ignored for a merchant user: it sends as its own merchant
    sent = client.http.post(
        "/console/notifications/test",
        data={"csrf_token": token, "url": receiver.url, "partner": shops["theirs"]},
    )
    assert sent.status_code == 303, sent.text
    got = receiver.wait_for(before + 1)[-1]
    body = got.json()
    assert body["test"] is True
    assert body["acquireOrder"]["orderNo"] == "TEST0000000000000000"
    assert body["acquireOrder"]["payeeMid"] == shops["mine"]
    shown = unescape(client.http.get(sent.headers["location"]).text)
    assert "The endpoint answered" in shown
    assert "SUCCESS" in shown
    assert '{"response":"SUCCESS"}' in shown
    assert " ms" in shown
    assert '"orderNo": "TEST0000000000000000"' in shown  # the body sent
    # an endpoint that fails: its status and body are shown, escaped
    failing = Receiver(default=rx_script.SERVER_ERROR)
    try:
        sent = client.http.post(
            "/console/notifications/test", data={"csrf_token": token, "url": failing.url}
        )
        shown = unescape(client.http.get(sent.headers["location"]).text)
        assert "HTTP_ERROR" in shown
        assert "500" in shown
        assert rsa_verify(
            shops["mine_key"], failing.received[0].body, failing.received[0].headers["sign"]
        )
    finally:
        failing.close()
    # a tampered result is not shown; a bad URL or no CSRF token is refused
    assert (
        "The endpoint answered"
        not in client.get("/console/notifications/test", result=sent.headers["location"][-40:]).text
    )
    bad = client.http.post(
        "/console/notifications/test", data={"csrf_token": token, "url": "ftp://x"}
    )
    assert bad.status_code == 400
    assert "http or https" in bad.text
    assert (
        client.http.post("/console/notifications/test", data={"url": receiver.url}).status_code
        == 403
    )
    assert receiver.count() == before + 1
    # the order list holds no test order
    assert "TEST0000000000000000" not in client.get("/console/orders").text


def test_a_merchant_user_sees_only_its_own_notifications(
    new_client: Callable[[], ConsoleClient],
    as_merchant: ConsoleClient,
    shops: dict[str, Any],
    receiver: Receiver,
) -> None:
    client = as_merchant
    assert listed(client) == [shops["mine_notify"]]
    assert listed(client, partner=shops["theirs"]) == []
    assert 'name="partner"' not in client.get("/console/notifications").text
    other = shops["theirs_notify"]
    for path in (f"/console/notifications/{other}", f"/console/notifications/{other}/resend"):
        response = client.get(path)
        assert response.status_code == 404
        assert shops["theirs"] not in response.text
    before = receiver.count()
    token = csrf_of(client.get("/console/notifications").text)
    refused = client.http.post(f"/console/notifications/{other}/resend", data={"csrf_token": token})
    assert refused.status_code == 404
    anonymous = new_client()
    for path in (
        "/console/notifications",
        "/console/notifications/test",
        f"/console/notifications/{other}",
    ):
        assert anonymous.get(path).status_code == 303
    assert anonymous.http.post(f"/console/notifications/{other}/resend").status_code == 303
    time.sleep(0.5)
    assert receiver.count() == before
