"""getOrder, cancelOrder, updateExpiredTime and expiry over HTTP: lookup keys, unknown
orders, the reference samples, state transitions and their refusal codes."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.harness import (
    ApiResponse,
    Gateway,
    Merchant,
    assert_invalid,
    assert_refused,
    jsapi_order,
    now_ms,
    order_no,
)

PLACE = "acquire2/placeOrder"
GET = "acquire2/getOrder"
CANCEL = "acquire2/cancelOrder"
UPDATE = "acquire2/updateExpiredTime"
HOUR = 3_600_000
DAY = 24 * HOUR


@pytest.fixture(scope="module")
def other_merchant(gateway: Gateway) -> Merchant:
    return gateway.add_merchant()


def place(merchant: Merchant, **overrides: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """Places a JSAPI order; returns (bizContent sent, acquireOrder received)."""
    biz = jsapi_order(**overrides)
    return biz, merchant.call(PLACE, biz).assert_ok().order


def key_of(order: dict[str, Any], key: str) -> dict[str, Any]:
    return {key: order[key]}


def assert_no_interaction(response: ApiResponse) -> None:
    assert response.body is not None
    assert response.body.get("interActionParams") in (None, {}), response.json


# --- getOrder --------------------------------------------------------------------------------

def test_get_order_by_either_key(merchant: Merchant) -> None:
    biz, placed = place(merchant, deviceId="POS-1")
    by_mon = merchant.call(GET, {"merchantOrderNo": biz["merchantOrderNo"]}).assert_ok().order
    by_no = merchant.call(GET, {"orderNo": placed["orderNo"]}).assert_ok().order
    for order in (by_mon, by_no):
        assert order["orderNo"] == placed["orderNo"]
        assert order["merchantOrderNo"] == biz["merchantOrderNo"]
        assert order["status"] == "CREATED"
        assert order["totalAmount"] == placed["totalAmount"]
        assert order["expiredTime"] == placed["expiredTime"]
        assert order["requestTime"] == placed["requestTime"]
        assert order["subject"] == "iPhone"
        assert order["payeeMid"] == merchant.partner_id
    with_device = {"merchantOrderNo": biz["merchantOrderNo"], "deviceId": "POS-1"}
    assert merchant.call(GET, with_device).assert_ok().order["orderNo"] == placed["orderNo"]


@pytest.mark.parametrize("path", [GET, CANCEL, UPDATE])
@pytest.mark.parametrize("keys", ["both", "neither"])
def test_exactly_one_lookup_key(merchant: Merchant, path: str, keys: str) -> None:
    biz, placed = place(merchant)
    lookup: dict[str, Any] = {}
    if keys == "both":
        lookup = {"merchantOrderNo": biz["merchantOrderNo"], "orderNo": placed["orderNo"]}
    if path == UPDATE:
        lookup["expiredTime"] = now_ms() + HOUR
    response = merchant.call(path, lookup)
    assert_invalid(response, "merchantOrderNo", "orderNo")
    after = merchant.call(GET, {"orderNo": placed["orderNo"]}).assert_ok().order
    assert after["status"] == "CREATED"
    assert after["expiredTime"] == placed["expiredTime"]


@pytest.mark.parametrize(("field", "value"), [("merchantOrderNo", "M" * 65), ("orderNo", "1" * 33)])
@pytest.mark.parametrize("path", [GET, CANCEL])
def test_lookup_key_too_long(merchant: Merchant, path: str, field: str, value: str) -> None:
    assert_invalid(merchant.call(path, {field: value}), f"bizContent.{field}")


def test_get_order_device_id_length(merchant: Merchant) -> None:
    biz, placed = place(merchant, deviceId="d" * 32)
    ok = merchant.call(GET, {"merchantOrderNo": biz["merchantOrderNo"], "deviceId": "d" * 32})
    assert ok.assert_ok().order["orderNo"] == placed["orderNo"]
    over = merchant.call(GET, {"merchantOrderNo": biz["merchantOrderNo"], "deviceId": "d" * 33})
    assert_invalid(over, "bizContent.deviceId")


UNKNOWN = [("merchantOrderNo", "62004", "MERCHANT_ORDER_NO_NOT_EXIST"),
           ("orderNo", "62035", "ORDER_NO_NOT_EXIST")]


@pytest.mark.parametrize("path", [GET, CANCEL])
@pytest.mark.parametrize(("key", "code", "msg"), UNKNOWN)
def test_unknown_order(merchant: Merchant, path: str, key: str, code: str, msg: str) -> None:
    value = order_no() if key == "merchantOrderNo" else "9" * 30
    assert_refused(merchant.call(path, {key: value}), code, msg)


@pytest.mark.parametrize("path", [GET, CANCEL])
@pytest.mark.parametrize(("key", "code", "msg"), UNKNOWN)
def test_other_merchants_order_is_unknown(
    merchant: Merchant, other_merchant: Merchant, path: str, key: str, code: str, msg: str
) -> None:
    _, placed = place(merchant)
    assert_refused(other_merchant.call(path, key_of(placed, key)), code, msg)
    mine = merchant.call(GET, key_of(placed, key)).assert_ok().order
    assert mine["status"] == "CREATED"


# --- reference request samples (sent as written; only requestTime/merchantOrderNo replaced) ---

GET_SAMPLE = """{
  "requestTime": 1581405884647,
  "bizContent": {
    "merchantOrderNo": "M965739182419"
  }
}"""
GET_POS_SAMPLE = """{
  "requestTime": 1581405884647,
  "bizContent": {
    "merchantOrderNo": "M965739182419",
    "deviceId": "1342"
  }
}"""
CANCEL_SAMPLE = """{
    "requestTime": 1581422748669,
    "bizContent": {
        "merchantOrderNo": "M172475858661"
    }
}"""


def send_sample(merchant: Merchant, path: str, sample: str, old_time: str, old_no: str,
                new_no: str) -> ApiResponse:
    text = sample.replace(old_time, str(now_ms())).replace(old_no, new_no)
    response = merchant.post_raw(path, text.encode())
    assert response.status_code == 200
    assert response.signature_valid is True
    return response


@pytest.mark.parametrize("sample", [GET_SAMPLE, GET_POS_SAMPLE], ids=["plain", "pos"])
def test_reference_get_order_sample(merchant: Merchant, sample: str) -> None:
    biz, placed = place(merchant, deviceId="1342")
    response = send_sample(merchant, GET, sample, "1581405884647", "M965739182419",
                           biz["merchantOrderNo"])
    order = response.assert_ok().order
    assert order["orderNo"] == placed["orderNo"]
    assert order["status"] == "CREATED"


def test_reference_cancel_sample(merchant: Merchant) -> None:
    biz, placed = place(merchant)
    response = send_sample(merchant, CANCEL, CANCEL_SAMPLE, "1581422748669", "M172475858661",
                           biz["merchantOrderNo"])
    order = response.assert_ok().order
    assert order["orderNo"] == placed["orderNo"]
    assert order["status"] == "FAILURE"
    assert order["failCode"] == "ORDER_CANCELLED"


# --- cancelOrder -----------------------------------------------------------------------------

@pytest.mark.parametrize("key", ["merchantOrderNo", "orderNo"])
def test_cancel_created_order(merchant: Merchant, key: str) -> None:
    biz, placed = place(merchant)
    cancelled = merchant.call(CANCEL, key_of(placed, key)).assert_ok().order
    assert cancelled["orderNo"] == placed["orderNo"]
    assert cancelled["status"] == "FAILURE"
    assert cancelled["failCode"] == "ORDER_CANCELLED"
    for lookup in ("merchantOrderNo", "orderNo"):
        seen = merchant.call(GET, key_of(placed, lookup)).assert_ok().order
        assert seen["status"] == "FAILURE"
        assert seen["failCode"] == "ORDER_CANCELLED"
    for lookup in ("merchantOrderNo", "orderNo"):
        again = merchant.call(CANCEL, key_of(placed, lookup))
        assert_refused(again, "62002", "ORDER_FAILURE")
    repeated = merchant.call(PLACE, biz).assert_ok()
    assert repeated.order["orderNo"] == placed["orderNo"]
    assert repeated.order["status"] == "FAILURE"
    assert repeated.order["failCode"] == "ORDER_CANCELLED"
    assert_no_interaction(repeated)


# --- updateExpiredTime -----------------------------------------------------------------------

@pytest.mark.parametrize("key", ["merchantOrderNo", "orderNo"])
@pytest.mark.parametrize("delta", [10 * 60_000, 3 * DAY, 15 * DAY - 60_000])
def test_update_expired_time(merchant: Merchant, key: str, delta: int) -> None:
    _, placed = place(merchant)
    rt = now_ms()
    new_expiry = rt + delta
    response = merchant.call(UPDATE, {**key_of(placed, key), "expiredTime": new_expiry},
                             request_time=rt)
    order = response.assert_ok().order
    assert order["orderNo"] == placed["orderNo"]
    assert order["expiredTime"] == new_expiry
    assert order["status"] == "CREATED"
    seen = merchant.call(GET, {"orderNo": placed["orderNo"]}).assert_ok().order
    assert seen["expiredTime"] == new_expiry
    assert seen["status"] == "CREATED"


@pytest.mark.parametrize(("delta", "code", "msg"), [
    # adjust-order-expiry-time.mdx documents 62089 for every bad expiry (not 62008/62009)
    (0, "62089", "INVALID_EXPIRED_TIME"),
    (-60_000, "62089", "INVALID_EXPIRED_TIME"),
    (15 * DAY + 60_000, "62089", "INVALID_EXPIRED_TIME"),
    (60 * DAY, "62089", "INVALID_EXPIRED_TIME"),
])
def test_update_expired_time_refused(merchant: Merchant, delta: int, code: str, msg: str) -> None:
    _, placed = place(merchant)
    rt = now_ms()
    lookup = {"orderNo": placed["orderNo"], "expiredTime": rt + delta}
    assert_refused(merchant.call(UPDATE, lookup, request_time=rt), code, msg)
    seen = merchant.call(GET, {"orderNo": placed["orderNo"]}).assert_ok().order
    assert seen["expiredTime"] == placed["expiredTime"]


def test_update_expired_time_required(merchant: Merchant) -> None:
    _, placed = place(merchant)
    assert_invalid(merchant.call(UPDATE, {"orderNo": placed["orderNo"]}), "bizContent.expiredTime")


def test_update_expired_time_of_cancelled_order(merchant: Merchant) -> None:
    biz, placed = place(merchant)
    merchant.call(CANCEL, {"orderNo": placed["orderNo"]}).assert_ok()
    lookup = {"merchantOrderNo": biz["merchantOrderNo"], "expiredTime": now_ms() + HOUR}
    assert_refused(merchant.call(UPDATE, lookup), "62002", "ORDER_FAILURE")


# --- expiry ----------------------------------------------------------------------------------

def test_order_expires(merchant: Merchant) -> None:
    rt = now_ms()
    biz = jsapi_order(expiredTime=rt + 1500)
    placed = merchant.call(PLACE, biz, request_time=rt).assert_ok()
    assert placed.order["status"] == "CREATED"
    assert placed.order["expiredTime"] == rt + 1500
    time.sleep(max(0.0, (rt + 2500 - now_ms()) / 1000))
    seen = merchant.call(GET, {"merchantOrderNo": biz["merchantOrderNo"]}).assert_ok().order
    assert seen["status"] == "FAILURE"
    assert seen["failCode"] == "ORDER_EXPIRED"
    assert_refused(merchant.call(CANCEL, {"orderNo": seen["orderNo"]}), "62002", "ORDER_FAILURE")
    update = {"orderNo": seen["orderNo"], "expiredTime": now_ms() + HOUR}
    assert_refused(merchant.call(UPDATE, update), "62002", "ORDER_FAILURE")
    repeated = merchant.call(PLACE, biz, request_time=rt).assert_ok()  # same bizContent
    assert repeated.order["orderNo"] == seen["orderNo"]
    assert repeated.order["status"] == "FAILURE"
    assert repeated.order["failCode"] == "ORDER_EXPIRED"
    assert_no_interaction(repeated)
