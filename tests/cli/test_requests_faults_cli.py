"""`botimpay requests list|show` and `botimpay faults add|list|clear` against a real
gateway: filters, the table, both bodies pretty-printed, one-line errors with exit
status 2, and faults armed from the CLI meaning what the HTTP API's mean."""

from __future__ import annotations

import json
import subprocess
from decimal import Decimal
from typing import Any

import pytest

from tests.faults import CANCEL, GET, PLACE, armed, clear, listed, logged_all
from tests.harness import Gateway, Merchant, assert_refused, jsapi_order


@pytest.fixture(scope="module")
def shop(gateway: Gateway) -> Merchant:
    return gateway.add_merchant()


@pytest.fixture(scope="module")
def history(gateway: Gateway, shop: Merchant) -> dict[str, Any]:
    """Two orders: the first placed, read by orderNo and cancelled; the second placed and
    read by merchantOrderNo; then a getOrder of an order that does not exist."""
    first = shop.call(
        PLACE, jsapi_order(totalAmount={"amount": Decimal("10.50"), "currency": "AED"})
    )
    first_order = first.assert_ok().order
    calls = {
        "place1": first,
        "get1": shop.call(GET, {"orderNo": first_order["orderNo"]}),
        "cancel1": shop.call(CANCEL, {"merchantOrderNo": first_order["merchantOrderNo"]}),
    }
    second = shop.place_order().assert_ok()
    calls["place2"] = second
    calls["get2"] = shop.call(GET, {"merchantOrderNo": second.order["merchantOrderNo"]})
    calls["missing"] = shop.call(GET, {"merchantOrderNo": "NOPE-1"})
    traces = {name: response.head["traceCode"] for name, response in calls.items()}
    logged_all(gateway, shop.partner_id, traces.values())
    return {"traces": traces, "first": first_order, "second": second.order}


def traces_of(gateway: Gateway, *filters: str) -> list[str]:
    return [row["traceCode"] for row in listed(gateway, *filters)]


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines
    return lines[0]


# --- botimpay requests ------------------------------------------------------------------------


def test_requests_list_filters_newest_first(
    gateway: Gateway, shop: Merchant, history: dict[str, Any]
) -> None:
    t = history["traces"]
    order = ["missing", "get2", "place2", "cancel1", "get1", "place1"]
    assert traces_of(gateway, "--partner-id", shop.partner_id) == [t[n] for n in order]
    first = history["first"]
    by_number = traces_of(gateway, "--order", first["merchantOrderNo"])
    assert by_number == [t["cancel1"], t["place1"]]
    assert traces_of(gateway, "--order", first["orderNo"]) == [t["get1"]]
    for spelling in ("cancelOrder", CANCEL, "/sgs/api/acquire2/cancelOrder"):
        assert traces_of(gateway, "--partner-id", shop.partner_id, "--operation", spelling) == [
            t["cancel1"]
        ]
    for code in ("62004", "merchant_order_no_not_exist"):
        assert traces_of(gateway, "--partner-id", shop.partner_id, "--code", code) == [t["missing"]]
    assert traces_of(gateway, "--partner-id", shop.partner_id, "--limit", "2") == [
        t["missing"],
        t["get2"],
    ]
    rows = listed(gateway, "--partner-id", shop.partner_id, "--limit", "1")
    assert rows[0]["orderStatus"] is None
    assert (rows[0]["code"], rows[0]["msg"], rows[0]["merchantOrderNo"]) == (
        "62004",
        "MERCHANT_ORDER_NO_NOT_EXIST",
        "NOPE-1",
    )
    assert rows[0]["latencyMs"] >= 0
    assert rows[0]["receivedAt"] <= rows[0]["businessAt"]


def test_requests_list_table(gateway: Gateway, shop: Merchant, history: dict[str, Any]) -> None:
    out = gateway.cli("requests", "list", "--partner-id", shop.partner_id).stdout
    for column in ("time (UTC)", "operation", "partner", "order", "code", "ms", "traceCode"):
        assert column in out
    rows = {line.split("│")[-2].strip(): line for line in out.splitlines() if line.count("│") > 4}
    assert set(rows) == set(history["traces"].values())
    missing = rows[history["traces"]["missing"]]
    assert "acquire2/getOrder" in missing
    assert "NOPE-1" in missing
    assert "62004 MERCHANT_ORDER_NO_NOT_EXIST" in missing
    assert shop.partner_id in missing
    nothing = gateway.cli("requests", "list", "--partner-id", "000000000000").stdout
    assert "no logged calls match" in nothing


def test_requests_show_prints_every_field_and_both_bodies(
    gateway: Gateway, shop: Merchant, history: dict[str, Any]
) -> None:
    trace = history["traces"]["place1"]
    out = gateway.cli("requests", "show", trace).stdout
    fields = dict(line.split(None, 1) for line in out.split("\n\n")[0].splitlines() if line.strip())
    assert fields["traceCode"] == trace
    assert fields["operation"] == PLACE
    assert fields["partnerId"] == shop.partner_id
    assert fields["merchantOrderNo"] == history["first"]["merchantOrderNo"]
    assert fields["code"] == "0"
    assert fields["orderStatus"] == "CREATED"
    assert fields["fault"] == "-"
    for name in ("receivedAt", "businessAt", "latencyMs", "clientIp", "knownPartner", "msg"):
        assert name in fields
    assert "request body:\n{\n" in out
    assert '\n  "bizContent": {\n' in out  # pretty-printed
    assert '"amount": 10.50' in out  # the number exactly as sent
    assert "response body:\n{\n" in out
    assert f'"traceCode": "{trace}"' in out
    as_json = json.loads(gateway.cli("requests", "show", trace, "--json").stdout)
    assert as_json["traceCode"] == trace
    assert (
        json.loads(as_json["requestBody"])["bizContent"]["merchantOrderNo"]
        == (history["first"]["merchantOrderNo"])
    )
    assert json.loads(as_json["responseBody"])["head"]["traceCode"] == trace


def test_requests_show_of_an_unknown_trace_code(gateway: Gateway) -> None:
    line = one_line_error(gateway.cli("requests", "show", "0123456789abcdef", check=False))
    assert "0123456789abcdef" in line


# --- botimpay faults --------------------------------------------------------------------------


def test_faults_add_list_clear(gateway: Gateway, shop: Merchant) -> None:
    order = shop.place_order().assert_ok().order
    number = order["merchantOrderNo"]
    out = gateway.cli(
        "faults", "add", "--partner-id", shop.partner_id, "--operation", CANCEL,
        "--fault", "ORDER_PAID", "--times", "2", "--merchant-order-no", number,
    ).stdout  # fmt: skip
    assert out.startswith(f"armed for {shop.partner_id}: #")
    assert f"{CANCEL} ORDER_PAID (order {number}; 2 call(s) left)" in out
    listed_json = json.loads(
        gateway.cli("faults", "list", "--partner-id", shop.partner_id, "--json").stdout
    )
    assert listed_json == armed(gateway, shop.partner_id)  # the HTTP API sees the same
    assert [(f["fault"], f["remaining"], f["merchantOrderNo"]) for f in listed_json] == [
        ("ORDER_PAID", 2, number)
    ]
    cancel = shop.call(CANCEL, {"merchantOrderNo": number})
    assert_refused(cancel, "62001", "ORDER_PAID")
    assert "1 call(s) left" in gateway.cli("faults", "list", "--partner-id", shop.partner_id).stdout
    cleared = gateway.cli("faults", "clear", "--partner-id", shop.partner_id).stdout
    assert cleared.strip() == f"cleared 1 fault(s) for {shop.partner_id}"
    none = gateway.cli("faults", "list", "--partner-id", shop.partner_id).stdout
    assert none.strip() == f"no faults armed for {shop.partner_id}"
    assert shop.call(CANCEL, {"merchantOrderNo": number}).assert_ok().order["status"] == "FAILURE"


def test_cli_and_http_arm_the_same_fault(gateway: Gateway, shop: Merchant) -> None:
    import httpx

    fields = {
        "partnerId": shop.partner_id,
        "operation": PLACE,
        "fault": "TIMEOUT",
        "durationMs": 60_000,
        "merchantOrderNo": "SAME-1",
        "applied": True,
        "holdMs": 1500,
    }
    by_http = httpx.post(gateway.base_url + "/sandbox/api/faults", json=fields, timeout=30).json()
    by_cli = json.loads(
        gateway.cli(
            "faults", "add", "--partner-id", shop.partner_id, "--operation", PLACE,
            "--fault", "timeout", "--duration-ms", "60000", "--merchant-order-no", "SAME-1",
            "--applied", "--hold-ms", "1500", "--json",
        ).stdout
    )  # fmt: skip
    for armed_fault in (by_http, by_cli):
        del armed_fault["id"], armed_fault["expiresAt"]
    assert by_cli == by_http
    assert by_cli["remaining"] is None
    described = gateway.cli("faults", "list", "--partner-id", shop.partner_id).stdout
    assert f"{PLACE} TIMEOUT 1500ms applied (order SAME-1; until " in described
    assert clear(gateway, shop.partner_id) == 2


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--operation", GET, "--fault", "ORDER_PAID"], ["ORDER_PAID", GET]),
        (["--operation", GET, "--fault", "SYSTEM_ERROR", "--times", "0"], ["times"]),
        (["--operation", GET, "--fault", "SYSTEM_ERROR", "--applied"], ["applied"]),
        (["--operation", GET, "--fault", "DELAY"], ["holdMs"]),
        (["--operation", "getOrder", "--fault", "SYSTEM_ERROR"], ["operation", "getOrder"]),
    ],
)
def test_faults_add_refuses_with_one_line(
    gateway: Gateway, shop: Merchant, args: list[str], named: list[str]
) -> None:
    result = gateway.cli("faults", "add", "--partner-id", shop.partner_id, *args, check=False)
    line = one_line_error(result)
    for name in named:
        assert name in line, (name, line)
    assert armed(gateway, shop.partner_id) == []


def test_faults_add_for_an_unknown_merchant(gateway: Gateway) -> None:
    result = gateway.cli(
        "faults", "add", "--partner-id", "000000000000", "--operation", GET,
        "--fault", "SYSTEM_ERROR", check=False,
    )  # fmt: skip
    assert "000000000000" in one_line_error(result)
