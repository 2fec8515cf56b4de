"""The request log against a real gateway: under a mixed load every answered call is
logged and found by its traceCode, refused calls keep the Partner-Id they claimed,
bodies are cut to the bound, hostile bytes are stored, the server log has one line per
call without secrets, and retention prunes by rows and by business days."""

from __future__ import annotations

import dataclasses
import random
import re
import socket
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable

import httpx

from botimpay.domain.request_log import BODY_LIMIT_BYTES
from tests.faults import CANCEL, GET, PLACE, REFUND, listed, logged, logged_all, pay, until
from tests.harness import ApiResponse, Gateway, Merchant, dumps, now_ms, order_no

LOAD_S = 10  # seconds of load: well over 200 calls even on a busy 2-core CI machine
THREADS = 4
TRACE = re.compile(r" trace=([0-9a-f]+)")


def unknown_partner() -> str:
    return "9" + str(uuid.uuid4().int)[:11]


def get_body(number: str | None = None) -> bytes:
    return dumps({"requestTime": now_ms(), "bizContent": {"merchantOrderNo": number or order_no()}})


def server_log(gateway: Gateway) -> str:
    return (gateway.workdir / f"serve-{gateway.port}.log").read_text(errors="replace")


@dataclasses.dataclass
class Answered:
    trace: str
    partner: str
    operation: str
    code: str


class Load:
    """Threads of mixed merchant calls; every answered call is kept."""

    def __init__(self, gateway: Gateway, shop: Merchant, stranger: str, seconds: float) -> None:
        self.gateway = gateway
        self.shop = shop
        self.stranger = stranger
        self.stop_at = time.monotonic() + seconds
        self.answered: list[Answered] = []
        self.token_urls: list[str] = []
        self.signs: list[str] = []
        self.errors: list[BaseException] = []
        self.lock = threading.Lock()

    def keep(self, response: ApiResponse, operation: str, partner: str | None = None) -> None:
        answered = Answered(
            response.head["traceCode"], partner or self.shop.partner_id, operation, response.code
        )
        with self.lock:
            self.answered.append(answered)

    def run(self) -> None:
        threads = [threading.Thread(target=self.worker, args=(n,)) for n in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not self.errors, self.errors

    def worker(self, number: int) -> None:
        try:
            self.calls(number)
        except BaseException as exc:  # reported by run()
            self.errors.append(exc)

    def calls(self, number: int) -> None:
        http = httpx.Client(timeout=30)
        me = dataclasses.replace(self.shop, http=http)
        rng = random.Random(number)
        refused_at = 0.0
        while time.monotonic() < self.stop_at:
            placed = me.place_order().assert_ok()
            self.keep(placed, PLACE)
            with self.lock:
                self.token_urls.append(placed.body["interActionParams"]["tokenUrl"])  # type: ignore[index]
            order = placed.order
            self.keep(me.call(GET, {"orderNo": order["orderNo"]}), GET)
            roll = rng.random()
            if roll < 0.3:
                self.keep(me.call(CANCEL, {"merchantOrderNo": order["merchantOrderNo"]}), CANCEL)
            elif roll < 0.5:
                pay(self.gateway, order["orderNo"], http)
                refund = {
                    "refundMerchantOrderNo": "R" + order_no()[1:],
                    "originOrderNo": order["orderNo"],
                    "amount": order["totalAmount"],
                }
                self.keep(me.call(REFUND, refund).assert_ok(), REFUND)
            if time.monotonic() - refused_at > 0.5:  # a few refused calls, within the budget
                refused_at = time.monotonic()
                bad_sign = me.post_raw(GET, get_body(), sign="c2lnbmF0dXJl")
                assert bad_sign.code == "403", bad_sign.json
                self.keep(bad_sign, GET)
                stranger = me.post_raw(GET, get_body(), partner_id=self.stranger)
                assert stranger.code == "403", stranger.json
                self.keep(stranger, GET, self.stranger)
                again = me.call(GET, {"orderNo": order["orderNo"]})
                self.keep(again, GET)
                with self.lock:
                    self.signs.append(str(again.headers["sign"]))


def test_every_answered_call_of_a_mixed_load_is_logged(
    fresh_gateway: Callable[..., Gateway],
) -> None:
    gateway = fresh_gateway()
    shop = gateway.add_merchant()
    load = Load(gateway, shop, unknown_partner(), LOAD_S)
    load.run()
    by_partner: dict[str, list[Answered]] = {}
    for call in load.answered:
        by_partner.setdefault(call.partner, []).append(call)
    assert set(by_partner) == {shop.partner_id, load.stranger}
    assert len(load.answered) > 200  # a real load, not a handful
    for partner, calls in by_partner.items():
        rows = logged_all(gateway, partner, [c.trace for c in calls])
        for call in calls:
            row = rows[call.trace]
            assert (row["operation"], row["code"]) == (call.operation, call.code), row
            assert row["partnerId"] == partner
            assert row["knownPartner"] is (partner == shop.partner_id)
    # lookup by traceCode, one of each kind
    samples = {(c.operation, c.code, c.partner): c for c in load.answered}
    for call in samples.values():
        record = logged(gateway, call.trace)
        assert (record["traceCode"], record["partnerId"]) == (call.trace, call.partner)
        assert record["code"] == call.code
        assert record["responseBody"].startswith('{"head"')
    # the server log: one line per call, no signatures, no tokenUrls
    counted = until(
        lambda: (
            (lines := Counter(TRACE.findall(server_log(gateway))))
            and all(lines[c.trace] for c in load.answered)
            and lines
        ),
        "a server log line for every call",
    )
    assert all(counted[c.trace] == 1 for c in load.answered)
    text = server_log(gateway)
    assert not any(url in text for url in load.token_urls)
    assert "pay-page" not in text
    assert load.signs
    assert not any(sign in text for sign in load.signs)


def test_a_call_is_one_line_of_the_server_log(gateway: Gateway, merchant: Merchant) -> None:
    placed = merchant.place_order().assert_ok()
    trace = placed.head["traceCode"]
    line = until(
        lambda: next((ln for ln in server_log(gateway).splitlines() if f"trace={trace}" in ln), ""),
        "the placeOrder's line",
    )
    assert " INFO botimpay.api acquire2/placeOrder " in line
    assert f"partner={merchant.partner_id}" in line
    assert f"order={placed.order['merchantOrderNo']}" in line
    assert "code=0 SUCCESS" in line
    assert re.search(r" latency=\d+\.\dms ", line), line
    assert "tokenUrl" not in line
    assert "pay-page" not in line


def test_refused_calls_keep_the_partner_id_they_claimed(
    gateway: Gateway, merchant: Merchant
) -> None:
    stranger = unknown_partner()
    unknown = merchant.post_raw(GET, get_body(), partner_id=stranger)
    bad_sign = merchant.post_raw(GET, get_body(), sign="c2lnbmF0dXJl")
    nobody = merchant.post_raw(GET, get_body(), partner_id="")
    record = logged(gateway, unknown.head["traceCode"])
    assert (record["partnerId"], record["knownPartner"], record["code"]) == (stranger, False, "403")
    assert "unknown Partner-Id" in record["detail"]
    record = logged(gateway, bad_sign.head["traceCode"])
    assert (record["partnerId"], record["knownPartner"]) == (merchant.partner_id, True)
    assert record["code"] == "403"
    record = logged(gateway, nobody.head["traceCode"])
    assert (record["partnerId"], record["code"]) == (None, "400")
    assert [row["traceCode"] for row in listed(gateway, "--partner-id", stranger)] == [
        unknown.head["traceCode"]
    ]


def test_bodies_are_cut_to_the_bound(gateway: Gateway, merchant: Merchant) -> None:
    body = dumps({"requestTime": now_ms(), "bizContent": {"merchantOrderNo": order_no()}})
    body += b" " * 20_000  # JSON whitespace: still a valid call, over 8 KiB, under 64 KiB
    response = merchant.post_raw(GET, body)
    assert response.code == "62004", response.json
    record = logged(gateway, response.head["traceCode"])
    suffix = f"...[{len(body) - BODY_LIMIT_BYTES} more bytes]"
    assert record["requestBody"] == body[:BODY_LIMIT_BYTES].decode() + suffix
    assert record["responseBody"] == response.raw.decode()
    shown = gateway.cli("requests", "show", response.head["traceCode"]).stdout
    assert suffix in shown  # not JSON any more: printed raw
    assert '"traceCode": "' + response.head["traceCode"] in shown  # the answer, pretty-printed


def test_hostile_bytes_are_stored(gateway: Gateway, merchant: Merchant) -> None:
    with_nul = b'{"requestTime":%d,"bizContent":{"merchantOrderNo":"a\x00b"}}' % now_ms()
    not_utf8 = b'{"requestTime":%d,"bizContent":{"merchantOrderNo":"\xff\xfe"}}' % now_ms()
    traces = []
    for body, stored in ((with_nul, '"a\\x00b"'), (not_utf8, '"\\xff\\xfe"')):
        response = merchant.post_raw(GET, body)
        assert response.code == "400", response.json
        record = logged(gateway, response.head["traceCode"])
        assert stored in record["requestBody"], record["requestBody"]
        traces.append(response.head["traceCode"])
    # Partner-Id bytes that are not UTF-8 (the HTTP layer reads header bytes as latin-1)
    odd = httpx.post(
        gateway.base_url + "/sgs/api/" + GET,
        content=get_body(),
        headers=[(b"Partner-Id", b"\xc3\x28\xff"), (b"sign", b"c2lnbmF0dXJl")],
        timeout=30,
    ).json()
    record = logged(gateway, odd["head"]["traceCode"])
    assert (record["partnerId"], record["knownPartner"]) == ("\xc3\x28\xff", False)
    for trace in [*traces, odd["head"]["traceCode"]]:
        assert gateway.cli("requests", "show", trace).returncode == 0
    # NUL in a header never reaches the API: the HTTP parser refuses the request
    with socket.create_connection(("127.0.0.1", gateway.port), timeout=10) as sock:
        sock.sendall(
            b"POST /sgs/api/acquire2/getOrder HTTP/1.1\r\nHost: x\r\nPartner-Id: a\x00b\r\n"
            b"Content-Length: 2\r\n\r\n{}"
        )
        assert sock.recv(100).startswith(b"HTTP/1.1 400 ")
    assert merchant.place_order().assert_ok()  # and the gateway carries on


def test_retention_keeps_the_newest_rows_and_the_last_days(
    fresh_gateway: Callable[..., Gateway],
) -> None:
    gateway = fresh_gateway(
        "--request-log-max-rows",
        "5",
        "--request-log-days",
        "1",
        "--request-log-prune-ms",
        "200",
    )
    shop = gateway.add_merchant()
    traces = [shop.post_raw(GET, get_body()).head["traceCode"] for _ in range(12)]

    def kept() -> list[str]:
        return [row["traceCode"] for row in listed(gateway, "--partner-id", shop.partner_id)]

    until(lambda: kept() == traces[:-6:-1], "only the newest 5 calls kept")
    moved = httpx.post(
        gateway.base_url + "/sandbox/api/clock/advance", json={"seconds": 2 * 86_400}, timeout=30
    )
    assert moved.status_code == 200, moved.text
    fresh = [shop.post_raw(GET, get_body()).head["traceCode"] for _ in range(2)]
    until(lambda: kept() == fresh[::-1], "calls older than a business day pruned")
    assert "old calls pruned" in server_log(gateway)
