"""The console's Logs page over HTTP: filters by operation, code, merchant and traceCode,
keyset pages, one call's page (bodies, latency, link to its order), and a merchant user
who sees only its own merchant's calls, by list, filter or URL."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from html import unescape

import pytest

from tests.console.conftest import Account, ConsoleClient, add_user
from tests.harness import Gateway, Merchant, jsapi_order

ROW = re.compile(r'<a class="call-link" href="/console/logs/(\d+)">')
NEXT = re.compile(r'<a href="([^"]+)" rel="next">')


def ids(client: ConsoleClient, **params: str) -> list[int]:
    response = client.get("/console/logs", **params)
    assert response.status_code == 200, response.text
    return [int(found) for found in ROW.findall(response.text)]


@pytest.fixture(scope="module")
def calls(gateway: Gateway, merchant: Merchant) -> tuple[Merchant, Merchant, dict[str, str]]:
    """A new merchant and the shared one: 55 orders placed by the new one (more than a
    page), one refused call and one getOrder; one order of the other; traceCodes by name."""
    mine, theirs = gateway.add_merchant(), merchant
    traces: dict[str, str] = {}
    for index in range(55):
        placed = mine.call("acquire2/placeOrder", jsapi_order()).assert_ok()
        if index == 0:
            traces["placed"] = placed.head["traceCode"]
            traces["orderNo"] = placed.order["orderNo"]
    bad = mine.call("acquire2/placeOrder", jsapi_order(totalAmount={"amount": -1}))
    assert bad.code != "0"
    traces["refused"] = bad.head["traceCode"]
    traces["refused_code"] = bad.code
    got = mine.call("acquire2/getOrder", {"orderNo": traces["orderNo"]}).assert_ok()
    traces["get"] = got.head["traceCode"]
    other = theirs.call("acquire2/placeOrder", jsapi_order()).assert_ok()
    traces["other"] = other.head["traceCode"]
    traces["otherOrderNo"] = other.order["orderNo"]
    return mine, theirs, traces


def wait_logged(client: ConsoleClient, trace: str) -> None:
    """The request log is written in batches: wait until `trace` is in it."""
    deadline = time.monotonic() + 15
    while not ids(client, trace=trace):
        assert time.monotonic() < deadline, f"{trace} never reached the log"
        time.sleep(0.2)


def test_filters_pages_and_detail(
    new_client: Callable[[], ConsoleClient],
    operator: Account,
    calls: tuple[Merchant, Merchant, dict[str, str]],
) -> None:
    mine, theirs, traces = calls
    client = new_client().signed_in(operator.username, operator.password)
    for name in ("placed", "refused", "get", "other"):
        wait_logged(client, traces[name])
    # a merchant's calls newest first, in keyset pages that see each call once
    first = client.get("/console/logs", partner=mine.partner_id)
    page_one = [int(found) for found in ROW.findall(first.text)]
    assert len(page_one) == 50
    assert page_one == sorted(page_one, reverse=True)
    link = NEXT.search(first.text)
    assert link is not None
    assert "before=" in link.group(1)
    page_two = [int(found) for found in ROW.findall(client.http.get(unescape(link.group(1))).text)]
    assert len(page_two) == 7
    assert max(page_two) < min(page_one)
    # operation, code (head.code or head.msg), traceCode
    get_ids = ids(client, partner=mine.partner_id, operation="acquire2/getOrder")
    assert len(get_ids) == 1
    refused = ids(client, partner=mine.partner_id, code=traces["refused_code"])
    assert refused == ids(client, trace=traces["refused"])
    assert len(refused) == 1
    assert ids(client, partner=mine.partner_id, code="INVALID_PARAMETER") == refused
    assert len(ids(client, partner=mine.partner_id, code="0")) == 50
    assert ids(client, partner=theirs.partner_id)[0] == ids(client, trace=traces["other"])[0]
    assert ids(client, trace="no-such-trace") == []
    for cursor in ("x", "-1", str(2**64), "١٢"):  # ignored, never an error
        assert len(ids(client, partner=mine.partner_id, before=cursor)) == 50
    # the detail page, by id or by traceCode: bodies pretty and exact, latency, the order
    by_id = client.get(f"/console/logs/{get_ids[0]}")
    by_trace = client.get(f"/console/logs/{traces['get']}")
    assert by_id.status_code == by_trace.status_code == 200
    assert traces["get"] in by_id.text
    assert " ms" in by_id.text
    assert f'href="/console/orders/{traces["orderNo"]}"' in by_id.text
    assert f'"orderNo": "{traces["orderNo"]}"' in unescape(by_id.text)
    placed = client.get(f"/console/logs/{traces['placed']}")
    assert '"amount": 12.34,' in unescape(placed.text)  # numbers exactly as sent
    assert client.get("/console/logs/999999999").status_code == 404
    assert client.get("/console/logs/nope").status_code == 404


def test_a_merchant_user_sees_only_its_own_calls(
    gateway: Gateway,
    new_client: Callable[[], ConsoleClient],
    operator: Account,
    calls: tuple[Merchant, Merchant, dict[str, str]],
) -> None:
    mine, theirs, traces = calls
    wait_logged(new_client().signed_in(operator.username, operator.password), traces["other"])
    account = add_user(gateway, partner_id=mine.partner_id)
    client = new_client().signed_in(account.username, account.password)
    own = ids(client)
    assert len(own) == 50
    assert 'name="partner"' not in client.get("/console/logs").text  # no merchant filter
    # not by filter, traceCode or URL
    assert ids(client, partner=theirs.partner_id) == []
    assert ids(client, trace=traces["other"]) == []
    hidden = client.get(f"/console/logs/{traces['other']}")
    assert hidden.status_code == 404
    assert traces["otherOrderNo"] not in hidden.text
    assert client.get(f"/console/logs/{traces['get']}").status_code == 200
    # without a session: to the sign-in page
    anonymous = new_client()
    for path in ("/console/logs", f"/console/logs/{traces['get']}"):
        response = anonymous.get(path)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/console/login?next=")
