"""The console's orders over HTTP: keyset pages that walk every order once, search by
either order number or a traceCode, filters, and a merchant user who sees only its own."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from html import unescape

import pytest

from tests.console.conftest import Account, ConsoleClient, add_user
from tests.harness import Gateway, Merchant, jsapi_order

ROW = re.compile(r'<a href="/console/orders/([^"]+)">')
NEXT = re.compile(r'<a href="([^"]+)" rel="next">')


def listed(client: ConsoleClient, **params: str) -> list[str]:
    """The orderNos on one page of the list."""
    response = client.get("/console/orders", **params)
    assert response.status_code == 200, response.text
    return ROW.findall(response.text)


def walk(client: ConsoleClient, **params: str) -> list[str]:
    """Every page, following the 'Older' links; the orderNos in the order shown."""
    seen: list[str] = []
    response = client.get("/console/orders", **params)
    while True:
        assert response.status_code == 200
        seen += ROW.findall(response.text)
        link = NEXT.search(response.text)
        if link is None:
            return seen
        assert "offset" not in link.group(1)
        response = client.http.get(unescape(link.group(1)))


@pytest.fixture(scope="module")
def shops(gateway: Gateway) -> tuple[Merchant, Merchant]:
    return gateway.add_merchant(), gateway.add_merchant()


@pytest.fixture(scope="module")
def placed(shops: tuple[Merchant, Merchant]) -> dict[str, list[dict[str, str]]]:
    """120 orders of the first shop (more than two pages) and 3 of the second, with the
    traceCode of each placeOrder."""
    result: dict[str, list[dict[str, str]]] = {}
    for shop, count in zip(shops, (120, 3), strict=True):
        orders = []
        for index in range(count):
            scene = {"paySceneCode": "DYNQR", "paySceneParams": {}} if index % 10 == 0 else {}
            response = shop.call("acquire2/placeOrder", jsapi_order(**scene)).assert_ok()
            orders.append(
                {
                    "orderNo": response.order["orderNo"],
                    "merchantOrderNo": response.order["merchantOrderNo"],
                    "traceCode": response.head["traceCode"],
                }
            )
        result[shop.partner_id] = orders
    return result


def test_keyset_pages_walk_every_order_exactly_once_newest_first(
    new_client: Callable[[], ConsoleClient],
    operator: Account,
    shops: tuple[Merchant, Merchant],
    placed: dict[str, list[dict[str, str]]],
) -> None:
    client = new_client().signed_in(operator.username, operator.password)
    first = shops[0].partner_id
    seen = walk(client, partner=first)
    expected = [order["orderNo"] for order in reversed(placed[first])]
    assert seen == expected  # each once, newest first, across three pages
    assert len(listed(client, partner=first)) == 50


def test_filters_narrow_the_list(
    new_client: Callable[[], ConsoleClient],
    operator: Account,
    shops: tuple[Merchant, Merchant],
    placed: dict[str, list[dict[str, str]]],
) -> None:
    client = new_client().signed_in(operator.username, operator.password)
    first = shops[0].partner_id
    dynqr = walk(client, partner=first, scene="DYNQR")
    assert dynqr == [
        o["orderNo"] for i, o in reversed(list(enumerate(placed[first]))) if i % 10 == 0
    ]
    assert walk(client, partner=first, status="PAID_SUCCESS") == []
    assert len(walk(client, partner=first, status="CREATED")) == 120
    today = time.strftime("%Y-%m-%d", time.gmtime())
    assert len(walk(client, partner=first, **{"from": today, "to": today})) == 120
    assert walk(client, partner=first, to="2000-01-01") == []
    # an unknown status or a malformed or out-of-range cursor is ignored, never an error
    for cursor in ("x.y", "1.2.3", f"{2**63}.1", f"1.{2**31}", "١٢.٣"):
        assert len(listed(client, partner=first, status="NOPE", after=cursor)) == 50, cursor


@pytest.mark.parametrize("field", ["orderNo", "merchantOrderNo"])
def test_search_by_either_order_number(
    new_client: Callable[[], ConsoleClient],
    operator: Account,
    shops: tuple[Merchant, Merchant],
    placed: dict[str, list[dict[str, str]]],
    field: str,
) -> None:
    client = new_client().signed_in(operator.username, operator.password)
    order = placed[shops[0].partner_id][7]
    assert listed(client, q=order[field]) == [order["orderNo"]]


def test_search_by_trace_code(
    new_client: Callable[[], ConsoleClient],
    operator: Account,
    shops: tuple[Merchant, Merchant],
    placed: dict[str, list[dict[str, str]]],
) -> None:
    client = new_client().signed_in(operator.username, operator.password)
    order = placed[shops[1].partner_id][1]
    deadline = time.monotonic() + 10  # the request log is written in batches
    while (found := listed(client, q=order["traceCode"])) == [] and time.monotonic() < deadline:
        time.sleep(0.2)
    assert found == [order["orderNo"]]


def test_order_page_shows_fields_and_its_api_calls(
    new_client: Callable[[], ConsoleClient],
    operator: Account,
    shops: tuple[Merchant, Merchant],
    placed: dict[str, list[dict[str, str]]],
) -> None:
    client = new_client().signed_in(operator.username, operator.password)
    order = placed[shops[1].partner_id][0]
    deadline = time.monotonic() + 10
    while True:
        page = client.get(f"/console/orders/{order['orderNo']}")
        if order["traceCode"] in page.text or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert page.status_code == 200
    assert order["merchantOrderNo"] in page.text
    assert "acquire2/placeOrder" in page.text
    assert order["traceCode"] in page.text
    assert "<pre>" in page.text
    assert '"amount": 12.34,' in unescape(page.text)  # the body's numbers exactly as sent
    assert client.get("/console/orders/NO-SUCH-ORDER").status_code == 404


def test_a_merchant_user_sees_only_its_own_orders(
    gateway: Gateway,
    new_client: Callable[[], ConsoleClient],
    shops: tuple[Merchant, Merchant],
    placed: dict[str, list[dict[str, str]]],
) -> None:
    mine, theirs = shops
    account = add_user(gateway, partner_id=mine.partner_id)
    client = new_client().signed_in(account.username, account.password)
    own = walk(client)
    assert own == [o["orderNo"] for o in reversed(placed[mine.partner_id])]
    other = placed[theirs.partner_id][0]
    # not by list (even asking for the other merchant), search or URL
    assert listed(client, partner=theirs.partner_id) == []
    for field in ("orderNo", "merchantOrderNo", "traceCode"):
        assert listed(client, q=other[field]) == [], field
    response = client.get(f"/console/orders/{other['orderNo']}")
    assert response.status_code == 404
    assert other["merchantOrderNo"] not in response.text
    assert client.get(f"/console/orders/{placed[mine.partner_id][0]['orderNo']}").status_code == 200
    assert 'name="partner"' not in client.get("/console/orders").text  # no merchant filter


def test_page_text_is_escaped(
    new_client: Callable[[], ConsoleClient], operator: Account, shops: tuple[Merchant, Merchant]
) -> None:
    hostile = '<script>alert("x")</script>'
    response = shops[0].call("acquire2/placeOrder", jsapi_order(subject=hostile[:60])).assert_ok()
    client = new_client().signed_in(operator.username, operator.password)
    order_no = response.order["orderNo"]
    for page in (
        client.get("/console/orders", q=order_no),
        client.get(f"/console/orders/{order_no}"),
    ):
        assert page.status_code == 200
        assert "<script>alert" not in page.text
        assert "&lt;script&gt;" in page.text or order_no in page.text
    listed_page = client.get("/console/orders", q='"><script>')
    assert "<script>" not in listed_page.text
