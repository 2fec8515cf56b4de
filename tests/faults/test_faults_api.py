"""Sandbox fault injection against a real gateway: each fault kind answers exactly as the
reference documents it (signed with the merchant's gateway key), `times`, `durationMs`,
`merchantOrderNo` and the operation decide which calls it hits, TIMEOUT really drops the
connection, `applied` decides whether the change happens behind the fault, and every
faulted call is marked in the request log. Production has none of it."""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from tests.faults import (
    CANCEL,
    FAULTS,
    GET,
    PLACE,
    arm,
    armed,
    clear,
    listed,
    logged,
    until,
)
from tests.harness import (
    ApiResponse,
    Gateway,
    Merchant,
    assert_invalid,
    assert_refused,
    dumps,
    jsapi_order,
    now_ms,
    order_no,
)

MOCK = "Botimpay-Mock-Response"


@pytest.fixture(scope="module")
def shop(gateway: Gateway) -> Merchant:
    """A merchant of its own: the faults armed here hit no other test's calls."""
    return gateway.add_merchant()


@pytest.fixture(autouse=True)
def no_faults_left(gateway: Gateway, shop: Merchant) -> Iterator[None]:
    yield
    clear(gateway, shop.partner_id)


def placed(shop: Merchant) -> dict[str, Any]:
    return shop.place_order().assert_ok().order


def get(shop: Merchant, order: dict[str, Any], **kw: Any) -> ApiResponse:
    return shop.call(GET, {"merchantOrderNo": order["merchantOrderNo"]}, **kw)


def assert_fault_answer(response: ApiResponse, apply_status: str, code: str, msg: str) -> None:
    """The documented answer: signed (Merchant.call verified it), that head, no body."""
    assert response.signature_valid is True
    assert (response.apply_status, response.code) == (apply_status, code), response.json
    assert response.msg.startswith(msg), response.msg
    assert response.body is None
    assert response.head["traceCode"]


# --- the answers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("operation", "fault", "apply_status", "code", "msg"),
    [
        (GET, "SYSTEM_ERROR", "FAIL", "500", "SYSTEM_ERROR"),
        (GET, "SERVICE_TIMEOUT", "FAIL", "504", "SERVICE_TIMEOUT"),
        (PLACE, "RISK_FAIL", "FAIL", "601", "RISK_FAIL"),
        (CANCEL, "ORDER_PAID", "SUCCESS", "62001", "ORDER_PAID"),
        (CANCEL, "62001", "SUCCESS", "62001", "ORDER_PAID"),
        (GET, "merchant_order_no_not_exist", "SUCCESS", "62004", "MERCHANT_ORDER_NO_NOT_EXIST"),
    ],
)
def test_each_fault_kind_gives_the_documented_signed_answer(
    gateway: Gateway,
    shop: Merchant,
    operation: str,
    fault: str,
    apply_status: str,
    code: str,
    msg: str,
) -> None:
    order = placed(shop)
    armed_fault = arm(gateway, partnerId=shop.partner_id, operation=operation, fault=fault)
    assert armed_fault["fault"] == msg
    assert (armed_fault["operation"], armed_fault["remaining"]) == (operation, 1)
    if operation == PLACE:
        response = shop.place_order()
    else:
        response = shop.call(operation, {"merchantOrderNo": order["merchantOrderNo"]})
    assert_fault_answer(response, apply_status, code, msg)
    assert get(shop, order).assert_ok().order["status"] == "CREATED"  # used up: normal again


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"operation": GET, "fault": "ORDER_PAID"}, ["ORDER_PAID", GET]),
        ({"operation": PLACE, "fault": "REFUND_AMOUNT_EXCEEDED"}, ["REFUND_AMOUNT_EXCEEDED"]),
        ({"operation": "acquire2/nope", "fault": "SYSTEM_ERROR"}, ["operation", "acquire2/nope"]),
        ({"operation": GET}, ["fault"]),
        ({"fault": "SYSTEM_ERROR"}, ["operation"]),
        ({"operation": GET, "fault": "SYSTEM_ERROR", "times": 0}, ["times"]),
        ({"operation": GET, "fault": "SYSTEM_ERROR", "times": 1.5}, ["times"]),
        ({"operation": GET, "fault": "SYSTEM_ERROR", "durationMs": "5"}, ["durationMs"]),
        ({"operation": GET, "fault": "SYSTEM_ERROR", "holdMs": 10}, ["holdMs"]),
        ({"operation": GET, "fault": "DELAY"}, ["holdMs"]),
        ({"operation": GET, "fault": "SYSTEM_ERROR", "applied": True}, ["applied"]),
        ({"operation": CANCEL, "fault": "SYSTEM_ERROR", "applied": "yes"}, ["applied"]),
        ({"operation": GET, "fault": "SYSTEM_ERROR", "merchantOrderNo": ""}, ["merchantOrderNo"]),
        ({"operation": GET, "fault": "SYSTEM_ERROR", "colour": "red"}, ["colour"]),
    ],
)
def test_a_bad_fault_is_refused_naming_the_field(
    gateway: Gateway, shop: Merchant, body: dict[str, Any], named: list[str]
) -> None:
    response = httpx.post(
        gateway.base_url + FAULTS, json={"partnerId": shop.partner_id, **body}, timeout=30
    )
    assert response.status_code == 400, response.text
    answer = response.json()
    assert (answer["result"], answer["reason"]) == ("ERROR", "INVALID_PARAMETER"), answer
    for name in named:
        assert name in answer["message"], (name, answer)
    assert armed(gateway, shop.partner_id) == []


def test_bad_requests_to_the_faults_api(gateway: Gateway) -> None:
    url = gateway.base_url + FAULTS
    cases = [
        httpx.post(url, content=b"{not json", timeout=30),
        httpx.post(url, content=b'{"partnerId":"1","partnerId":"2"}', timeout=30),
        httpx.post(url, json={"partnerId": "nobody", "operation": GET, "fault": "SYSTEM_ERROR"}),
        httpx.get(url, timeout=30),
        httpx.delete(url, params={"partnerId": "x" * 13}, timeout=30),
    ]
    for response, named in zip(
        cases, ["JSON", "partnerId", "nobody", "partnerId", "partnerId"], strict=True
    ):
        assert response.status_code == 400, response.text
        assert response.json()["reason"] == "INVALID_PARAMETER"
        assert named in response.json()["message"], response.text


# --- which calls a fault hits ----------------------------------------------------------------


def test_times_hits_exactly_the_next_n_matching_calls(gateway: Gateway, shop: Merchant) -> None:
    order = placed(shop)
    arm(gateway, partnerId=shop.partner_id, operation=GET, fault="SYSTEM_ERROR", times=2)
    assert [f["remaining"] for f in armed(gateway, shop.partner_id)] == [2]
    assert get(shop, order).code == "500"
    assert [f["remaining"] for f in armed(gateway, shop.partner_id)] == [1]
    assert get(shop, order).code == "500"
    assert armed(gateway, shop.partner_id) == []  # used up: no longer listed
    for _ in range(3):
        assert get(shop, order).assert_ok().order["status"] == "CREATED"


def test_duration_ms_faults_every_call_until_it_expires(gateway: Gateway, shop: Merchant) -> None:
    order = placed(shop)
    fault = arm(
        gateway, partnerId=shop.partner_id, operation=GET, fault="SERVICE_TIMEOUT", durationMs=2000
    )
    assert fault["remaining"] is None
    assert fault["expiresAt"] >= now_ms()
    for _ in range(3):
        assert get(shop, order).code == "504"
    while now_ms() <= fault["expiresAt"] + 50:  # wait out the fault's life, then check
        time.sleep(0.1)
    assert get(shop, order).assert_ok().order["status"] == "CREATED"
    assert armed(gateway, shop.partner_id) == []


def test_merchant_order_no_narrows_to_one_order(gateway: Gateway, shop: Merchant) -> None:
    target, other = placed(shop), placed(shop)
    arm(
        gateway,
        partnerId=shop.partner_id,
        operation=GET,
        fault="SYSTEM_ERROR",
        merchantOrderNo=target["merchantOrderNo"],
    )
    assert get(shop, other).assert_ok().order["orderNo"] == other["orderNo"]
    assert shop.call(GET, {"orderNo": target["orderNo"]}).assert_ok()  # names it otherwise
    assert get(shop, target).code == "500"
    assert get(shop, target).assert_ok()


def test_the_operation_narrows(gateway: Gateway, shop: Merchant) -> None:
    order = placed(shop)
    arm(gateway, partnerId=shop.partner_id, operation=CANCEL, fault="SYSTEM_ERROR")
    assert get(shop, order).assert_ok()
    assert shop.place_order().assert_ok()
    cancel = shop.call(CANCEL, {"merchantOrderNo": order["merchantOrderNo"]})
    assert_fault_answer(cancel, "FAIL", "500", "SYSTEM_ERROR")


def test_a_fault_hits_only_its_merchant(
    gateway: Gateway, shop: Merchant, merchant: Merchant
) -> None:
    arm(gateway, partnerId=shop.partner_id, operation=PLACE, fault="SYSTEM_ERROR")
    assert merchant.place_order().assert_ok()
    assert shop.place_order().code == "500"


# --- TIMEOUT, DELAY, applied -----------------------------------------------------------------


def test_timeout_drops_the_connection_without_an_answer(gateway: Gateway, shop: Merchant) -> None:
    order = placed(shop)
    arm(gateway, partnerId=shop.partner_id, operation=GET, fault="TIMEOUT", holdMs=300)
    started = time.monotonic()
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        get(shop, order)
    assert time.monotonic() - started >= 0.3
    assert get(shop, order).assert_ok()  # the next call is answered
    rows = until(
        lambda: [
            row
            for row in listed(gateway, "--order", order["merchantOrderNo"], "--operation", GET)
            if row["fault"]
        ],
        "the dropped call in the log",
    )
    assert [(row["code"], row["fault"]) for row in rows] == [(None, "TIMEOUT 300ms")]


def test_timeout_outlasts_a_short_client_timeout(gateway: Gateway, shop: Merchant) -> None:
    order = placed(shop)
    arm(gateway, partnerId=shop.partner_id, operation=GET, fault="TIMEOUT", holdMs=2000)
    impatient = dataclasses.replace(shop, http=httpx.Client(timeout=0.5))
    with pytest.raises(httpx.ReadTimeout):
        get(impatient, order)


def test_delay_gives_the_correct_answer_late(gateway: Gateway, shop: Merchant) -> None:
    order = placed(shop)
    arm(gateway, partnerId=shop.partner_id, operation=GET, fault="DELAY", holdMs=400)
    started = time.monotonic()
    answer = get(shop, order).assert_ok()
    assert time.monotonic() - started >= 0.4
    assert answer.order["orderNo"] == order["orderNo"]
    record = logged(gateway, answer.head["traceCode"])
    assert (record["code"], record["fault"]) == ("0", "DELAY 400ms")
    # a refusal is the correct answer too, and comes as late
    arm(gateway, partnerId=shop.partner_id, operation=GET, fault="DELAY", holdMs=400)
    started = time.monotonic()
    refused = shop.call(GET, {"merchantOrderNo": order_no()})
    assert time.monotonic() - started >= 0.4
    assert_refused(refused, "62004", "MERCHANT_ORDER_NO_NOT_EXIST")


@pytest.mark.parametrize("fault", ["SYSTEM_ERROR", "TIMEOUT"])
@pytest.mark.parametrize("applied", [True, False])
def test_applied_decides_whether_place_order_creates_the_order(
    gateway: Gateway, shop: Merchant, fault: str, applied: bool
) -> None:
    number = order_no()
    arm(
        gateway,
        partnerId=shop.partner_id,
        operation=PLACE,
        fault=fault,
        merchantOrderNo=number,
        applied=applied,
        holdMs=100 if fault == "TIMEOUT" else None,
    )
    if fault == "TIMEOUT":
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            shop.place_order(merchantOrderNo=number)
    else:
        assert_fault_answer(shop.place_order(merchantOrderNo=number), "FAIL", "500", "SYSTEM_ERROR")
    found = shop.call(GET, {"merchantOrderNo": number})
    if applied:
        assert found.assert_ok().order["status"] == "CREATED"
    else:
        assert_refused(found, "62004", "MERCHANT_ORDER_NO_NOT_EXIST")
    # the merchant's retry with the same parameters gets the (now existing) order
    assert shop.place_order(merchantOrderNo=number).assert_ok().order["status"] == "CREATED"


@pytest.mark.parametrize(("applied", "status"), [(True, "FAILURE"), (False, "CREATED")])
def test_applied_decides_whether_cancel_order_cancels(
    gateway: Gateway, shop: Merchant, applied: bool, status: str
) -> None:
    order = placed(shop)
    arm(
        gateway,
        partnerId=shop.partner_id,
        operation=CANCEL,
        fault="SYSTEM_ERROR",
        merchantOrderNo=order["merchantOrderNo"],
        applied=applied,
    )
    cancel = shop.call(CANCEL, {"merchantOrderNo": order["merchantOrderNo"]})
    assert_fault_answer(cancel, "FAIL", "500", "SYSTEM_ERROR")
    assert get(shop, order).assert_ok().order["status"] == status


# --- the Botimpay-Mock-Response header --------------------------------------------------------


def test_the_mock_response_header_faults_that_one_call(gateway: Gateway, shop: Merchant) -> None:
    order = placed(shop)
    header = {MOCK: json.dumps({"fault": "SYSTEM_ERROR"})}
    assert_fault_answer(get(shop, order, headers=header), "FAIL", "500", "SYSTEM_ERROR")
    assert get(shop, order).assert_ok()
    paid = {MOCK: '{"fault": "ORDER_PAID"}'}
    cancel = shop.call(CANCEL, {"merchantOrderNo": order["merchantOrderNo"]}, headers=paid)
    assert_fault_answer(cancel, "SUCCESS", "62001", "ORDER_PAID")
    delayed = get(shop, order, headers={MOCK: '{"fault": "DELAY", "holdMs": 200}'})
    assert delayed.assert_ok().order["status"] == "CREATED"
    applied = {MOCK: '{"fault": "SYSTEM_ERROR", "applied": true}'}
    cancel = shop.call(CANCEL, {"merchantOrderNo": order["merchantOrderNo"]}, headers=applied)
    assert cancel.code == "500"
    assert get(shop, order).assert_ok().order["status"] == "FAILURE"


@pytest.mark.parametrize(
    ("value", "named"),
    [
        ("{not json", []),
        ('["SYSTEM_ERROR"]', []),
        ('{"fault": "ORDER_PAID"}', ["ORDER_PAID"]),  # not documented for getOrder
        ('{"fault": "SYSTEM_ERROR", "times": 2}', ["times"]),
        ('{"fault": 500}', ["fault"]),
    ],
)
def test_a_malformed_mock_response_header_is_invalid_parameter(
    shop: Merchant, value: str, named: list[str]
) -> None:
    response = shop.call(GET, {"merchantOrderNo": order_no()}, headers={MOCK: value})
    assert_invalid(response, "Botimpay-Mock-Response", *named)


# --- the request log marks faulted calls -----------------------------------------------------


def test_every_faulted_call_is_marked_in_the_request_log(gateway: Gateway, shop: Merchant) -> None:
    order = placed(shop)
    arm(gateway, partnerId=shop.partner_id, operation=GET, fault="RISK_FAIL")
    by_armed = get(shop, order)
    by_header = get(shop, order, headers={MOCK: '{"fault": "SERVICE_TIMEOUT"}'})
    plain = get(shop, order).assert_ok()
    expected = {
        by_armed.head["traceCode"]: ("601", "RISK_FAIL"),
        by_header.head["traceCode"]: ("504", "SERVICE_TIMEOUT"),
        plain.head["traceCode"]: ("0", None),
    }
    for trace, (code, fault) in expected.items():
        record = logged(gateway, trace)
        assert (record["code"], record["fault"], record["operation"]) == (code, fault, GET)
        assert record["merchantOrderNo"] == order["merchantOrderNo"]
    shown = gateway.cli("requests", "show", by_armed.head["traceCode"]).stdout
    assert any(line.split() == ["fault", "RISK_FAIL"] for line in shown.splitlines()), shown
    shown = gateway.cli("requests", "show", plain.head["traceCode"]).stdout
    assert any(line.split() == ["fault", "-"] for line in shown.splitlines()), shown
    table = gateway.cli("requests", "list", "--order", order["merchantOrderNo"]).stdout
    assert "RISK_FAIL" in table
    assert "SERVICE_TIMEOUT" in table


# --- production has no faults ----------------------------------------------------------------


def test_production_refuses_every_fault(fresh_gateway: Callable[..., Gateway]) -> None:
    production = fresh_gateway("--mode", "production", "--notify-allow-cidr", "127.0.0.0/8")
    shop = production.add_merchant()
    for value in ('{"fault": "SYSTEM_ERROR"}', "{not json"):  # ignored, even malformed
        answer = shop.call(PLACE, jsapi_order(), headers={MOCK: value}).assert_ok()
        assert answer.order["status"] == "CREATED"
        record = logged(production, answer.head["traceCode"])
        assert (record["code"], record["fault"]) == ("0", None)
    body = {"partnerId": shop.partner_id, "operation": GET, "fault": "SYSTEM_ERROR"}
    url = production.base_url + FAULTS
    assert httpx.post(url, json=body, timeout=30).status_code == 404
    assert httpx.get(url, params={"partnerId": shop.partner_id}, timeout=30).status_code == 404
    assert httpx.delete(url, params={"partnerId": shop.partner_id}, timeout=30).status_code == 404
    for args in (
        ["add", "--partner-id", shop.partner_id, "--operation", GET, "--fault", "SYSTEM_ERROR"],
        ["list", "--partner-id", shop.partner_id],
        ["clear", "--partner-id", shop.partner_id],
    ):
        result = production.cli("faults", *args, check=False)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith("error: fault injection is a sandbox feature"), lines
        assert "production" in lines[0]
    raw = dumps({"requestTime": now_ms(), "bizContent": {"merchantOrderNo": order_no()}})
    plain = shop.post_raw(GET, raw, headers={MOCK: '{"fault": "SYSTEM_ERROR"}'})
    assert (plain.code, plain.signature_valid) == ("62004", True)
