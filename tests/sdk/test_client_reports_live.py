"""The SDK's reporting calls, with `Client` and `AsyncClient`, against a real `botimpay
serve`: walking order and refund pages (none lost or repeated), filters and instants,
who is at the checkout, the balance reconciled with the settled orders, and the typed
errors the gateway's refusals become. Wallet 3 pays (this suite's wallet)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from botimpay_sdk import (
    ApiError,
    Money,
    OrderStatus,
    PlaceOrderRequest,
    RefundStatus,
    codes,
    dynqr,
)

from tests.api.test_order_payer import app_shell_scan
from tests.harness import Gateway, Merchant, jsapi_order
from tests.sdk.conftest import WALLET, Api, SdkMerchant, api_for, sandbox_pay, write_pems

ORDERS = 25
GULF = timezone(timedelta(hours=4))
PAID = 3
REFUNDS_EACH = 4
FROM = date.today() - timedelta(days=7)  # business dates may run ahead of the wall clock
TO = date.today() + timedelta(days=366)


@dataclass(frozen=True)
class Shop:
    """A merchant of its own with 25 orders (3 paid, each refunded 4 times)."""

    sdk: SdkMerchant
    merchant_order_nos: frozenset[str]
    paid: frozenset[str]
    device_orders: frozenset[str]
    refund_nos: frozenset[str]


def new_no(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex}"


@pytest.fixture(scope="module")
def shop(gateway: Gateway, tmp_path_factory: pytest.TempPathFactory) -> Shop:
    merchant = gateway.add_merchant()
    numbers, paid, on_device, refunds = [], set(), set(), set()
    for index in range(ORDERS):
        device = {"deviceId": "POS-7"} if index % 5 == 0 else {}
        response = merchant.place_order(**jsapi_order(**device)).assert_ok()
        number = response.order["merchantOrderNo"]
        numbers.append(number)
        if device:
            on_device.add(number)
        if index < PAID:
            sandbox_pay(gateway, order_no=response.order["orderNo"])
            paid.add(number)
            for _ in range(REFUNDS_EACH):
                refund_no = new_no("R")
                merchant.call(
                    "acquire2/refund/placeOrder",
                    {
                        "refundMerchantOrderNo": refund_no,
                        "originMerchantOrderNo": number,
                        "amount": {"amount": Decimal("0.01"), "currency": "AED"},
                    },
                ).assert_ok()
                refunds.add(refund_no)
    sdk = write_pems(merchant, tmp_path_factory.mktemp("sdk-reports"))
    return Shop(sdk, frozenset(numbers), frozenset(paid), frozenset(on_device), frozenset(refunds))


def walk(api: Api, method: str, *args: Any, **kwargs: Any) -> list[Any]:
    """All pages of a page iterator, sync or async."""
    pages = getattr(api.client, method)(*args, **kwargs)
    if not api.is_async:
        return list(pages)

    async def collect() -> list[Any]:
        return [page async for page in pages]

    assert api._runner is not None
    return api._runner.run(collect())


def api_error(call: Callable[[], object]) -> ApiError:
    with pytest.raises(ApiError) as info:
        call()
    return info.value


# --- order and refund pages -----------------------------------------------------------------


def test_walking_25_orders_at_size_10_loses_and_repeats_none(
    make_api: Callable[..., Api], kind: str, shop: Shop
) -> None:
    api = api_for(make_api, kind, shop.sdk)
    pages = walk(api, "iter_order_pages", FROM, TO, size=10)
    assert [len(page.items) for page in pages] == [10, 10, 5]
    assert [page.number for page in pages] == [0, 1, 2]
    assert {(page.total_elements, page.total_pages) for page in pages} == {(25, 3)}
    listed = [item.merchant_order_no for page in pages for item in page.items]
    assert len(listed) == len(set(listed)) == ORDERS
    assert set(listed) == shop.merchant_order_nos
    created = [item.request_time for page in pages for item in page.items]
    assert created == sorted(created, reverse=True)  # newest first

    last = api.query_order_page(FROM, TO, number=2, size=10)
    assert [item.merchant_order_no for item in last.items] == listed[20:]
    assert last.is_last
    beyond = api.query_order_page(FROM, TO, number=3, size=10)
    assert (beyond.items, beyond.total_elements) == ([], 25)


def test_order_pages_filter_and_type_what_they_list(
    make_api: Callable[..., Api], kind: str, shop: Shop
) -> None:
    api = api_for(make_api, kind, shop.sdk)
    paid_or_settled = [OrderStatus.PAID_SUCCESS, OrderStatus.SETTLED]  # another test may settle
    paid = api.query_order_page(FROM, TO, statuses=paid_or_settled)
    assert {item.merchant_order_no for item in paid.items} == shop.paid
    for item in paid.items:
        info = item.payment_info
        assert info is not None
        assert item.status in paid_or_settled
        assert info.paid_amount == Money.aed("12.34")
        assert isinstance(info.paid_amount.amount, Decimal)
        assert info.payer_mid == f"10000000000{WALLET}"
        assert info.payee_fee_amount_before_tax is not None
        assert info.payee_fee_vat is not None
        assert info.payee_fee_amount is not None
        fee_parts = info.payee_fee_amount_before_tax.amount + info.payee_fee_vat.amount
        assert fee_parts == info.payee_fee_amount.amount
        assert api.get_order(item.merchant_order_no).payment_info.paid_amount == info.paid_amount

    on_device = walk(api, "iter_order_pages", FROM, TO, device_ids=["POS-7"], size=2)
    assert {item.merchant_order_no for page in on_device for item in page.items} == (
        shop.device_orders
    )
    assert all(item.device_id == "POS-7" for page in on_device for item in page.items)

    # Instants (aware datetimes, sent as epoch ms) select by creation time too.
    start = datetime.combine(FROM, time(), GULF)
    end = datetime.combine(TO, time(23, 59, 59, 999_000), UTC)
    between = walk(api, "iter_order_pages", start, end, size=7)
    assert [len(page.items) for page in between] == [7, 7, 7, 4]
    listed = {item.merchant_order_no for page in between for item in page.items}
    assert listed == shop.merchant_order_nos
    long_ago = datetime(2020, 1, 1, tzinfo=UTC)
    assert api.query_order_page(long_ago, long_ago + timedelta(days=1)).total_elements == 0


def test_walking_refund_pages(make_api: Callable[..., Api], kind: str, shop: Shop) -> None:
    api = api_for(make_api, kind, shop.sdk)
    pages = walk(api, "iter_refund_order_pages", FROM, TO, size=5)
    assert [len(page.items) for page in pages] == [5, 5, 2]
    listed = [item.refund_merchant_order_no for page in pages for item in page.items]
    assert len(listed) == len(set(listed))
    assert set(listed) == shop.refund_nos
    for page in pages:
        for refund in page.items:
            assert refund.amount == Money.aed("0.01")
            assert refund.fee_refunded is not None
            assert refund.status in {status.value for status in RefundStatus}
    status = pages[0].items[0].status
    same = {item.order_no for page in pages for item in page.items if item.status == status}
    filtered = api.query_refund_order_page(FROM, TO, size=20, statuses=[status])
    assert {item.order_no for item in filtered.items} == same
    assert filtered.total_elements == len(same)
    none = api.query_refund_order_page(FROM, TO, statuses=[RefundStatus.FAILURE])
    assert none.items == []


def test_page_refusals_raise_api_error_with_the_code(
    make_api: Callable[..., Api], kind: str, shop: Shop
) -> None:
    api = api_for(make_api, kind, shop.sdk)
    too_big = api_error(lambda: api.query_order_page(FROM, TO, size=1001))
    assert too_big.code == codes.INVALID_PARAMETER
    assert "size" in too_big.msg
    bad_status = api_error(lambda: api.query_refund_order_page(FROM, TO, statuses=["PAID"]))
    assert bad_status.code == codes.INVALID_PARAMETER
    assert "includeStatusList" in bad_status.msg
    walking = api_error(lambda: walk(api, "iter_order_pages", FROM, TO, statuses=["NOPE"]))
    assert walking.code == codes.INVALID_PARAMETER


# --- who is at the checkout -----------------------------------------------------------------


def test_order_payer_and_cashier_link_follow_the_checkout(api: Api, gateway: Gateway) -> None:
    merchant_order_no = new_no("PAYER")
    placed = api.place_order(
        PlaceOrderRequest(
            merchant_order_no=merchant_order_no,
            subject="Tea",
            total_amount=Money.aed("3.10"),
            scene=dynqr(),
            notify_url="http://127.0.0.1:9/notify",
        )
    )
    token_url, order_no = placed.token_url, placed.acquire_order.order_no
    assert token_url is not None
    assert api.get_order_payer(merchant_order_no) is None  # nobody scanned yet
    waiting = api.get_cashier_url_info(token_url)
    assert (waiting.scanned, waiting.mobile_number_mask) == (False, None)

    app_shell_scan(gateway, WALLET, token_url)
    scanned = api.get_order_payer(order_no=order_no)
    assert scanned is not None
    assert scanned.payer_mid == f"10000000000{WALLET}"
    assert scanned.mobile_number_mask == f"+971-56*****0{WALLET}"
    assert scanned.ip_address == "127.0.0.1"
    assert scanned.device_id is not None
    assert scanned.device_id.startswith("TI")
    assert api.get_cashier_url_info(token_url).mobile_number_mask == f"+971-56*0{WALLET}"

    sandbox_pay(gateway, order_no=order_no)
    assert api.get_order_payer(merchant_order_no) == scanned  # the payer, seen at its scan


def test_payer_refusals_raise_api_error_with_the_code(api: Api) -> None:
    missing = api_error(lambda: api.get_order_payer(new_no("NONE")))
    assert missing.code == codes.MERCHANT_ORDER_NO_NOT_EXIST
    assert api_error(lambda: api.get_order_payer(order_no="1")).code == codes.ORDER_NO_NOT_EXIST
    link = "https://checkout.payby.com/pay-page/main?BIZ_TYPE=202&ft=cd62&t=1654519114067"
    assert api_error(lambda: api.get_cashier_url_info(link)).code == codes.TOKEN_URL_NOT_EXIST


# --- balance --------------------------------------------------------------------------------


def test_balance_is_the_settled_money(
    make_api: Callable[..., Api], gateway: Gateway, tmp_path: Path
) -> None:
    """Sync and async side by side on one new merchant (adding one costs two CLI runs)."""
    merchant: Merchant = gateway.add_merchant()
    sdk = write_pems(merchant, tmp_path)
    apis = [api_for(make_api, kind, sdk) for kind in ("sync", "async")]
    for api in apis:
        empty = api.get_balance()
        assert empty.member_id
        assert empty.available_balance == Money.aed("0")

    for amount in ("10.50", "7.25"):
        order = merchant.place_order(totalAmount={"amount": Decimal(amount), "currency": "AED"})
        sandbox_pay(gateway, order_no=order.assert_ok().order["orderNo"])
    for api in apis:
        assert api.get_balance().available_balance == Money.aed("0")  # paid, not settled
    settle = httpx.post(gateway.base_url + "/sandbox/api/settle", json={}, timeout=60)
    assert settle.status_code == 200, settle.text

    for api in apis:
        pages = walk(api, "iter_order_pages", FROM, TO, statuses=[OrderStatus.SETTLED])
        settlements = [
            item.payment_info.settlement_amount.amount for page in pages for item in page.items
        ]
        assert len(settlements) == 2
        balance = api.get_balance("AED")
        assert balance.available_balance is not None
        assert isinstance(balance.available_balance.amount, Decimal)
        assert balance.available_balance == Money.aed(sum(settlements, Decimal(0)))
        assert Decimal(0) < balance.available_balance.amount < Decimal("17.75")  # fees withheld

        unsupported = api_error(lambda api=api: api.get_balance("USD"))
        assert unsupported.code == codes.CURRENCY_CODE_NOT_SUPPORTED
