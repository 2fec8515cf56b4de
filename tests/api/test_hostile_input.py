"""Hostile input on the merchant API and the pages (issue 10, items 1, 2, 7 and 8).

NUL characters and lone surrogates in any text, duplicate JSON keys, loosely
written numbers and other encodings get a 400 that names the field, on both
backends; forged signatures cannot spend a merchant's rate budget.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.harness import (
    ApiResponse,
    Gateway,
    Merchant,
    assert_invalid,
    dumps,
    jsapi_order,
    new_key,
    now_ms,
    order_no,
    rsa_sign,
)

NUL = "a\u0000b"


def _set(biz: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of `biz` with the dotted `path` (list items as name[0]) set to `value`."""
    result = copy.deepcopy(biz)
    target: Any = result
    parts = path.split(".")
    for part in parts[:-1]:
        name, _, index = part.partition("[")
        target = target.setdefault(name, {})
        if index:
            target = target[int(index.rstrip("]"))]
    target[parts[-1]] = value
    return result


def _order_ref() -> dict[str, Any]:
    return {"merchantOrderNo": order_no()}


def _full_order() -> dict[str, Any]:
    return jsapi_order(
        subjectAr="هاتف",
        deviceId="device-1",
        reserved="r",
        riskInfo="low",
        accessoryContent={
            "amountDetail": {},
            "goodsDetail": {"goodsName": "phone"},
            "terminalDetail": {"storeId": "s1"},
        },
    )


def _refund() -> dict[str, Any]:
    return {
        "refundMerchantOrderNo": order_no(),
        "originMerchantOrderNo": order_no(),
        "amount": {"amount": Decimal("1.00"), "currency": "AED"},
        "reason": "broken",
        "operatorName": "ops",
    }


# (operation, a valid-looking bizContent, the text fields to poison)
TEXT_FIELDS: list[tuple[str, Callable[[], dict[str, Any]], list[str]]] = [
    (
        "acquire2/placeOrder",
        _full_order,
        [
            "merchantOrderNo",
            "subject",
            "subjectAr",
            "riskInfo",
            "notifyUrl",
            "paySceneCode",
            "deviceId",
            "reserved",
            "totalAmount.currency",
            "accessoryContent.goodsDetail.goodsName",
            "accessoryContent.terminalDetail.storeId",
            "paySceneParams.anything",
            "unknownField",
        ],
    ),
    ("acquire2/getOrder", _order_ref, ["merchantOrderNo", "deviceId"]),
    ("acquire2/cancelOrder", _order_ref, ["merchantOrderNo"]),
    ("acquire2/revokeOrder", _order_ref, ["merchantOrderNo"]),
    (
        "acquire2/updateExpiredTime",
        lambda: _order_ref() | {"expiredTime": now_ms() + 3_600_000},
        ["merchantOrderNo"],
    ),
    (
        "acquire2/refund/placeOrder",
        _refund,
        ["refundMerchantOrderNo", "originMerchantOrderNo", "reason", "operatorName"],
    ),
    (
        "acquire2/refund/getOrder",
        lambda: {"refundMerchantOrderNo": order_no()},
        ["refundMerchantOrderNo"],
    ),
]

CASES = [(op, make, field) for op, make, fields in TEXT_FIELDS for field in fields]


@pytest.mark.parametrize(
    ("operation", "make", "field"), CASES, ids=[f"{c[0]}:{c[2]}" for c in CASES]
)
def test_nul_in_any_text_field_is_a_named_400(
    merchant: Merchant, operation: str, make: Callable[[], dict[str, Any]], field: str
) -> None:
    response = merchant.call(operation, _set(make(), field, NUL))
    assert_invalid(response, f"bizContent.{field}", "NUL")


@pytest.mark.parametrize("operation", ["acquire2/getOrder", "acquire2/placeOrder"])
def test_nul_by_order_number(merchant: Merchant, operation: str) -> None:
    """The issue's example: getOrder with {"merchantOrderNo":"a\\u0000"} answered 500."""
    biz = (
        {"orderNo": "a\u0000"}
        if operation.endswith("getOrder")
        else jsapi_order(merchantOrderNo="a\u0000")
    )
    assert_invalid(merchant.call(operation, biz), "NUL")


def _raw_call(merchant: Merchant, operation: str, biz_json: bytes) -> ApiResponse:
    body = b'{"requestTime":' + str(now_ms()).encode() + b',"bizContent":' + biz_json + b"}"
    response = merchant.post_raw(operation, body)
    assert response.status_code == 200
    assert response.signature_valid is True
    return response


@pytest.mark.parametrize(
    "biz_json",
    [
        b'{"merchantOrderNo":"x\\ud800"}',
        b'{"merchantOrderNo":"x\\udfff y"}',
        b'{"merchantOrderNo":"x\\u0000"}',
        b'{"merchantOrderNo":"x","deviceId":"\\uDC00"}',
    ],
)
def test_lone_surrogates_and_escaped_nul_are_named(merchant: Merchant, biz_json: bytes) -> None:
    response = _raw_call(merchant, "acquire2/getOrder", biz_json)
    assert_invalid(response, "bizContent.")
    assert "surrogate" in response.msg or "NUL" in response.msg


def test_escaped_surrogate_pairs_and_escaped_backslashes_still_work(merchant: Merchant) -> None:
    subject = b'"phone \\ud83d\\udcf1 \\\\u0000"'  # an emoji as a pair, a literal "\u0000"
    number = order_no().encode()
    biz = (
        b'{"merchantOrderNo":"' + number + b'","subject":' + subject + b',"totalAmount":'
        b'{"amount":1,"currency":"AED"},"paySceneCode":"JSAPI","paySceneParams":{}}'
    )
    response = _raw_call(merchant, "acquire2/placeOrder", biz).assert_ok()
    assert response.order["subject"] == "phone \U0001f4f1 \\u0000"


# --- pages and sandbox helpers ----------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/pay-page/main?ft=a%00b&t=1", "ft"),
        ("/pay-page/result?ft=a%00b&result=CANCELLED", "ft"),
        ("/pay-page/status?ft=a%00b", "ft"),
        ("/pay-page/main?lang=%00", "lang"),
        ("/qr/a%00b.png", "path"),
        ("/app?x%00=1", "x"),
    ],
)
def test_pages_answer_400_naming_the_parameter(gateway: Gateway, path: str, name: str) -> None:
    response = httpx.get(gateway.base_url + path)
    assert response.status_code == 400, response.text
    assert name in response.text
    assert "NUL" in response.text


def test_a_nul_in_a_cookie_is_a_400(gateway: Gateway) -> None:
    response = httpx.get(gateway.base_url + "/app", headers={"Cookie": 'bp_session="ab\\000cd"'})
    assert response.status_code == 400, response.text
    assert "bp_session" in response.text


def test_a_nul_in_a_form_field_is_a_400_naming_it(gateway: Gateway) -> None:
    response = httpx.post(
        gateway.base_url + "/pay-page/sign-in",
        content=b"ft=x&phone=%2B97156%000000001&otp=123456&csrf_token=x",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 400, response.text
    assert "phone" in response.text
    assert "NUL" in response.text


@pytest.mark.parametrize(
    "body",
    [
        b'{"orderNo":"a\\u0000b","phone":"+971560000001"}',
        b'{"tokenUrl":"http://x/pay-page/main?ft=\\u0000","phone":"+971560000001"}',
        b'{"orderNo":"1","phone":"+97156\\u00000000001"}',
    ],
)
def test_sandbox_pay_names_the_field(gateway: Gateway, body: bytes) -> None:
    response = httpx.post(
        gateway.base_url + "/sandbox/api/pay",
        content=body,
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400, response.text
    assert response.json()["reason"] == "INVALID_PARAMETER"
    assert "NUL" in response.json()["message"]


# --- duplicate keys (item 7) and loose parsing (item 8) -----------------------------------


def test_duplicate_keys_are_refused(merchant: Merchant) -> None:
    number = order_no().encode()
    biz = (
        b'{"merchantOrderNo":"' + number + b'","subject":"x","totalAmount":{"amount":1.00,'
        b'"currency":"AED"},"totalAmount":{"amount":999.00,"currency":"AED"},'
        b'"paySceneCode":"JSAPI","paySceneParams":{}}'
    )
    response = _raw_call(merchant, "acquire2/placeOrder", biz)
    assert_invalid(response, "totalAmount", "more than once")
    lookup = merchant.call("acquire2/getOrder", {"merchantOrderNo": number.decode()})
    assert lookup.code == "62004", lookup.json  # no order was created


def test_duplicate_keys_nested_and_top_level(merchant: Merchant) -> None:
    nested = b'{"merchantOrderNo":"x","orderNo":"y","orderNo":"z"}'
    assert_invalid(_raw_call(merchant, "acquire2/getOrder", nested), "orderNo")
    body = b'{"requestTime":' + str(now_ms()).encode() + b',"requestTime":1,"bizContent":{}}'
    response = merchant.post_raw("acquire2/getOrder", body)
    assert_invalid(response, "requestTime")


@pytest.mark.parametrize(
    "amount", ['"\u0661\u0660"', '"1_000"', '"+5"', '" 10 "', '"1e2"', '"0x10"']
)
def test_loose_amount_strings_are_refused(merchant: Merchant, amount: str) -> None:
    number = order_no()
    biz = (
        f'{{"merchantOrderNo":"{number}","subject":"x","totalAmount":{{"amount":{amount},'
        f'"currency":"AED"}},"paySceneCode":"JSAPI","paySceneParams":{{}}}}'
    ).encode()
    assert_invalid(_raw_call(merchant, "acquire2/placeOrder", biz), "bizContent.totalAmount.amount")


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("9" * 5001, "12 digits before"),
        ("1e999999999", "12 digits before"),
        ("1e-999999999", "2 digits after"),
    ],
)
def test_extreme_numbers_name_the_amount(merchant: Merchant, amount: str, message: str) -> None:
    biz = (
        f'{{"merchantOrderNo":"{order_no()}","subject":"x","totalAmount":{{"amount":{amount},'
        f'"currency":"AED"}},"paySceneCode":"JSAPI","paySceneParams":{{}}}}'
    ).encode()
    response = _raw_call(merchant, "acquire2/placeOrder", biz)
    assert_invalid(response, "bizContent.totalAmount.amount", message)


def test_plain_decimal_amount_strings_and_exponent_numbers_still_work(merchant: Merchant) -> None:
    for amount in ('"12.34"', "1E+1", "10.50"):
        biz = (
            f'{{"merchantOrderNo":"{order_no()}","subject":"x","totalAmount":{{"amount":{amount},'
            f'"currency":"AED"}},"paySceneCode":"JSAPI","paySceneParams":{{}}}}'
        ).encode()
        _raw_call(merchant, "acquire2/placeOrder", biz).assert_ok()


@pytest.mark.parametrize(
    "request_time",
    [
        lambda: f'"{now_ms()}"',
        lambda: f"{now_ms() / 1000:.3f}e3",
        lambda: "1.7e12",
        lambda: "9" * 5001,
    ],
)
def test_request_time_is_an_integer_json_number(
    merchant: Merchant, request_time: Callable[[], str]
) -> None:
    body = f'{{"requestTime":{request_time()},"bizContent":{{"merchantOrderNo":"x"}}}}'.encode()
    response = merchant.post_raw("acquire2/getOrder", body)
    assert response.signature_valid is True
    assert_invalid(response, "requestTime")


@pytest.mark.parametrize(
    ("encode", "message"),
    [
        (lambda text: text.encode("utf-16"), "UTF-8"),
        (lambda text: text.encode("utf-16-le"), "UTF-8"),
        (lambda text: b"\xef\xbb\xbf" + text.encode(), "byte order mark"),
        (lambda text: text.encode("latin-1").replace(b"x", b"\xe9"), "UTF-8"),
    ],
)
def test_only_utf8_without_bom(
    merchant: Merchant, encode: Callable[[str], bytes], message: str
) -> None:
    text = dumps({"requestTime": now_ms(), "bizContent": {"merchantOrderNo": "x"}}).decode()
    response = merchant.post_raw("acquire2/getOrder", encode(text))
    assert response.signature_valid is True
    assert_invalid(response, message)


def test_a_huge_integer_names_the_problem_not_utf8(merchant: Merchant) -> None:
    body = (
        b'{"requestTime":'
        + str(now_ms()).encode()
        + b',"bizContent":{"merchantOrderNo":"x","deviceId":'
        + b"7" * 5001
        + b"}}"
    )
    response = merchant.post_raw("acquire2/getOrder", body)
    assert_invalid(response, "bizContent.deviceId")
    assert "UTF-8" not in response.msg


# --- rate limits (item 2) -----------------------------------------------------------------


FORGER_KEY = new_key()


def _forged(merchant: Merchant) -> ApiResponse:
    body = dumps({"requestTime": now_ms(), "bizContent": {"merchantOrderNo": "x"}})
    return merchant.post_raw("acquire2/getOrder", body, sign=rsa_sign(FORGER_KEY, body))


def test_forged_signatures_do_not_spend_the_merchants_budget(
    fresh_gateway: Callable[..., Gateway],
) -> None:
    gateway = fresh_gateway("--rate-limit", "5", "--auth-failure-rate", "2")
    victim = gateway.add_merchant()
    forged = [_forged(victim) for _ in range(60)]
    assert {r.code for r in forged} <= {"403", "402"}
    refused_for_rate = [r for r in forged if r.code == "402"]
    assert refused_for_rate, "refused requests past the per-IP budget are answered 402"
    assert refused_for_rate[0].msg.startswith("RATE_LIMIT_REJECT")
    assert refused_for_rate[0].apply_status == "FAIL"
    # The victim still has its whole budget (burst 5), even from the same address.
    answers = [victim.call("acquire2/getOrder", {"merchantOrderNo": order_no()}) for _ in range(5)]
    assert [r.code for r in answers] == ["62004"] * 5, [r.json for r in answers]


def test_a_merchant_past_its_own_budget_gets_402_rate_limit_reject(
    fresh_gateway: Callable[..., Gateway],
) -> None:
    gateway = fresh_gateway("--rate-limit", "3")
    merchant = gateway.add_merchant()
    codes = [merchant.call("acquire2/getOrder", {"merchantOrderNo": order_no()}) for _ in range(12)]
    limited = [r for r in codes if r.code == "402"]
    assert limited, [r.code for r in codes]
    assert limited[0].msg == "RATE_LIMIT_REJECT"
    assert limited[0].apply_status == "FAIL"
    assert limited[0].signature_valid is True
