"""The console's Balances page over HTTP: after paying, refunding and settling orders its
numbers are the ledger's (`botimpay ledger balances`, `ledger check`), the SVG chart has
bars for the days with volume, and a merchant user sees only its own merchant."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from html import unescape

import httpx
import pytest

from tests.console.conftest import Account, ConsoleClient, add_user
from tests.harness import Gateway, Merchant, jsapi_order
from tests.payments import member, pay
from tests.refunds import refund_ok

WALLET = 7


def cell(html: str, row_attr: str, kind: str) -> Decimal:
    """The amount in the row `data-…="…"` and the cell `data-kind="kind"`."""
    row = re.search(rf"<tr {row_attr}>(.*?)</tr>", html, re.S)
    assert row is not None, row_attr
    found = re.search(rf'data-kind="{kind}">AED ([0-9,.-]+)<', row.group(1))
    assert found is not None, (row_attr, kind, row.group(1))
    return Decimal(found.group(1).replace(",", ""))


def page(client: ConsoleClient, **params: str) -> str:
    response = client.get("/console/balances", **params)
    assert response.status_code == 200, response.text
    assert "style=" not in response.text
    assert "<script" not in response.text
    return response.text


@pytest.fixture(scope="module")
def shops(gateway: Gateway, merchant: Merchant) -> tuple[Merchant, Merchant]:
    """A new merchant A with two paid orders (AED 120.00, 35.50) and a AED 20.00 refund;
    B (the session's shared merchant) with one more paid order of AED 77.25."""
    shop_a, shop_b = gateway.add_merchant(), merchant
    paid = []
    for shop, amount in ((shop_a, "120.00"), (shop_a, "35.50"), (shop_b, "77.25")):
        biz = jsapi_order(totalAmount={"amount": Decimal(amount), "currency": "AED"})
        order = shop.call("acquire2/placeOrder", biz).assert_ok().order
        pay(gateway, order["orderNo"], wallet=WALLET, password="132580").succeeded()
        paid.append(order)
    refund_ok(shop_a, paid[0], "20.00")
    return shop_a, shop_b


def test_operator_sees_the_ledger_numbers_and_a_chart(
    gateway: Gateway,
    shops: tuple[Merchant, Merchant],
    operator: Account,
    new_client: Callable[[], ConsoleClient],
) -> None:
    shop_a, shop_b = shops
    assert new_client().get("/console/balances").status_code == 303  # no session
    client = new_client().signed_in(operator.username, operator.password)
    a = f'data-partner="{shop_a.partner_id}"'

    html = page(client, partner=shop_a.partner_id)
    ledger = gateway.ledger_balances()
    assert cell(html, a, "MERCHANT_PENDING") == ledger[("MERCHANT_PENDING", shop_a.partner_id)]
    assert cell(html, a, "MERCHANT_PENDING") > 0
    assert ("MERCHANT_AVAILABLE", shop_a.partner_id) not in ledger
    assert cell(html, a, "MERCHANT_AVAILABLE") == 0
    assert shop_b.partner_id not in html

    # the chart: one day of volume (business today), a paid and a refunded bar
    (today,) = re.findall(r'<tr data-day="([0-9-]+)">', html)
    assert today >= datetime.now(UTC).date().isoformat()  # the sandbox clock may be ahead
    assert html.count('<svg class="bar-chart"') == 2
    assert '<title id="volume-chart-title">Daily volume (AED)</title>' in html
    assert html.count('class="bar bar-paid"') == 1
    assert html.count('class="bar bar-refunded"') == 1
    assert html.count('class="bar bar-fee"') == 1
    assert f"<title>{today}: Paid AED 155.50</title>" in html
    assert f"<title>{today}: Refunded AED 20.00</title>" in html
    row = re.search(rf'<tr data-day="{today}">(.*?)</tr>', html, re.S)
    assert row is not None
    amounts = re.findall(r"AED ([0-9,.]+)", row.group(1))
    assert amounts[:2] == ["155.50", "20.00"]
    fees, fees_back, net = (Decimal(x) for x in amounts[2:])
    assert fees - fees_back == net
    assert fees > 0

    # settling moves pending to available; the page follows the ledger
    assert httpx.post(gateway.base_url + "/sandbox/api/settle", timeout=30).status_code == 200
    settled = page(client, partner=shop_a.partner_id)
    html = page(client, check="1")  # every merchant, the gateway's accounts, the wallets
    ledger = gateway.ledger_balances()
    for key in ("MERCHANT_PENDING", "MERCHANT_AVAILABLE"):
        assert cell(settled, a, key) == ledger[(key, shop_a.partner_id)]
    assert cell(settled, a, "MERCHANT_AVAILABLE") > 0
    for shop in shops:
        row = f'data-partner="{shop.partner_id}"'
        assert (
            cell(html, row, "MERCHANT_AVAILABLE") == ledger[("MERCHANT_AVAILABLE", shop.partner_id)]
        )
    wallet = f'data-member="{member(WALLET)}"'
    assert cell(html, wallet, "MEMBER_WALLET") == ledger[("MEMBER_WALLET", member(WALLET))]
    fee = re.search(r'data-kind="FEE_INCOME">AED ([0-9,.]+)<', html)
    assert fee is not None
    assert Decimal(fee.group(1).replace(",", "")) == ledger[("FEE_INCOME", "GATEWAY")]
    assert 'id="ledger-check">Ledger OK' in html
    assert html.count('class="bar bar-paid"') >= 1


def test_a_merchant_user_sees_only_its_own_merchant(
    gateway: Gateway, shops: tuple[Merchant, Merchant], new_client: Callable[[], ConsoleClient]
) -> None:
    shop_a, shop_b = shops
    user = add_user(gateway, partner_id=shop_b.partner_id)
    client = new_client().signed_in(user.username, user.password)
    for params in ({}, {"partner": shop_a.partner_id}, {"check": "1"}):
        html = page(client, **params)
        assert f'data-partner="{shop_b.partner_id}"' in html
        assert shop_a.partner_id not in html
        assert 'id="wallets"' not in html
        assert 'id="gateway-accounts"' not in html
        assert "ledger-check" not in html
        assert html.count('class="bar bar-paid"') >= 1
        assert "Paid AED 155.50</title>" not in unescape(html)
        assert f"<td>{shop_b.partner_id}</td>" in html  # no filter link for a merchant
