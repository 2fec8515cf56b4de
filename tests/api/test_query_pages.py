"""queryOrderPage and queryRefundOrderPage against a real gateway: the reference's
request samples, every code they produce, 1,000 orders paged with none lost or
repeated, UAE-day windows in business time (after a clock advance), and refund pages.

The gateway is this module's own: the test advances its business clock.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from bench.scale import OrderRows, load_pg, load_sqlite

from botimpay.store.database import normalize_url
from botimpay.web.schemas_query_pages import OrderPageResponse, RefundPageResponse
from tests.conftest import own_gateway
from tests.harness import ApiResponse, Gateway, Merchant, assert_invalid, now_ms
from tests.refunds import advance, aed, body_of, decode, pay, place, refund_ok, settle_all

ORDERS = "acquire2Query/queryOrderPage"
REFUNDS = "acquire2Query/queryRefundOrderPage"
SAMPLES = Path(__file__).resolve().parents[1] / "data" / "reference"
GULF = timezone(timedelta(hours=4))
DAY_MS = 86_400_000
BULK = 1000


def gulf_day(ms: int) -> date:
    return datetime.fromtimestamp(ms / 1000, UTC).astimezone(GULF).date()


def day_start(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=GULF).timestamp()) * 1000


def biz(
    start: object, end: object, size: int = 20, number: int = 0, **extra: Any
) -> dict[str, Any]:
    """A page query's bizContent."""
    content = {
        "startDate": start,
        "endDate": end,
        "sortPageParam": {"number": number, "size": size},
    }
    return content | extra


def page(merchant: Merchant, path: str, content: dict[str, Any]) -> dict[str, Any]:
    """One page's body, checked against the documented response model."""
    response = merchant.call(path, content)
    model = OrderPageResponse if path == ORDERS else RefundPageResponse
    model.model_validate(decode(response.raw))  # exact amounts: Money refuses floats
    return body_of(response)


def numbers(body: dict[str, Any]) -> list[str]:
    return [item["orderNo"] for item in body["items"]]


@pytest.fixture(scope="module")
def gw(tmp_path_factory: pytest.TempPathFactory, backend_url: str | None) -> Iterator[Gateway]:
    with own_gateway(tmp_path_factory.mktemp("query-pages"), backend_url) as gateway:
        yield gateway


@pytest.fixture(scope="module")
def shop(gw: Gateway) -> Merchant:
    """The module's merchant (adding one costs a CLI run); the 1,000 orders have their own."""
    return gw.add_merchant()


# --- the reference's samples and codes ---------------------------------------------------


def sample(name: str) -> str:
    """A request sample as the page writes it, its `//` comments (JSONC) taken out."""
    text = (SAMPLES / name).read_text().strip()
    return re.sub(r"\s*//[^\n]*", "", text)


def test_reference_samples_answer_an_empty_page(shop: Merchant) -> None:
    for path, name in (
        (ORDERS, "query-order-page-request.json"),
        (REFUNDS, "query-refund-order-page-request.jsonc"),
    ):
        text = sample(name)
        assert '"requestTime": 1581404947666' in text
        fresh = shop.post_raw(path, text.replace("1581404947666", str(now_ms())).encode())
        assert fresh.signature_valid is True
        assert body_of(fresh) == {
            "totalElements": 0,
            "totalPages": 0,
            "sortPageParam": {"number": 0, "size": 20},
            "items": [],
        }


def window_refusals(shop: Merchant, path: str, name: str) -> tuple[ApiResponse, ApiResponse]:
    """The sample verbatim (its requestTime is from 2020), and 16 minutes ahead."""
    text = sample(name)
    stale = shop.post_raw(path, text.encode())
    ahead = shop.post_raw(path, text.replace("1581404947666", str(now_ms() + 16 * 60_000)).encode())
    assert stale.signature_valid is True
    assert ahead.signature_valid is True
    assert stale.body is None
    assert ahead.body is None
    return stale, ahead


def test_order_page_request_time_window_global_codes(shop: Merchant) -> None:
    """query-order-page.mdx lists no codes of its own: the global 400 ones apply."""
    stale, ahead = window_refusals(shop, ORDERS, "query-order-page-request.json")
    assert (stale.code, stale.msg.split(":")[0]) == ("400", "REQUESTTIME_TOO_EARLY")
    assert (ahead.code, ahead.msg.split(":")[0]) == ("400", "REQUESTTIME_TOO_LATER")


def test_refund_page_request_time_window_codes(shop: Merchant) -> None:
    """query-refund-order-page.mdx documents 71002 and 71003 for the 15-minute window."""
    stale, ahead = window_refusals(shop, REFUNDS, "query-refund-order-page-request.jsonc")
    assert (stale.apply_status, stale.code) == ("SUCCESS", "71002")
    assert stale.msg.startswith("REQUESTTIME_TOO_EARLY")
    assert (ahead.apply_status, ahead.code) == ("SUCCESS", "71003")
    assert ahead.msg.startswith("REQUESTTIME_TOO_LATER")


def test_invalid_requests_name_the_field(shop: Merchant) -> None:
    today = "2026-07-22"
    cases: list[tuple[str, dict[str, Any], str]] = [
        (ORDERS, {"endDate": today, "sortPageParam": {"size": 20}}, "bizContent.startDate"),
        (ORDERS, biz("22-07-2026", today), "bizContent.startDate"),
        (ORDERS, biz(today, "2026-02-30"), "bizContent.endDate"),
        (ORDERS, biz("2026-07-23", today), "bizContent.endDate"),
        (ORDERS, {"startDate": today, "endDate": today}, "bizContent.sortPageParam"),
        (ORDERS, biz(today, today, size=0), "bizContent.sortPageParam.size"),
        (ORDERS, biz(today, today, size=1001), "bizContent.sortPageParam.size"),
        (ORDERS, biz(today, today, number=-1), "bizContent.sortPageParam.number"),
        (ORDERS, biz(today, today, includeStatusList=["SUCCESS"]), "includeStatusList"),
        (ORDERS, biz(today, today, deviceIdList="POS-1"), "bizContent.deviceIdList"),
        (REFUNDS, biz(today, today, includeStatusList=["PAID_SUCCESS"]), "includeStatusList"),
        (REFUNDS, {"startDate": today, "endDate": today, "sortPageParam": {}}, ".size"),
        (REFUNDS, biz(1_795_982_400_000, 1_795_896_000_000), "bizContent.endDate"),
    ]
    for path, content, field in cases:
        assert_invalid(shop.call(path, content), field)


# --- 1,000 orders, every page ------------------------------------------------------------


class SpreadRows(OrderRows):
    """Bulk orders whose created_at (and requestTime) step back 1 s every third order, so
    the sort's tie-break on id is exercised; every tenth has deviceId POS-10."""

    def rows(self, start: int, count: int) -> Iterator[tuple[Any, ...]]:
        at = {name: self.columns.index(name) for name in ("created_at", "request_time")}
        device = self.columns.index("device_id")
        for i, row in enumerate(super().rows(start, count), start):
            values = list(row)
            values[at["created_at"]] = values[at["request_time"]] = self.now - 1000 * (i // 3)
            values[device] = "POS-10" if i % 10 == 0 else None
            yield tuple(values)


def bulk_load(gw: Gateway, partner_id: str) -> None:
    rows = SpreadRows(partner_id)
    if gw.db_url.startswith("sqlite"):
        load_sqlite(Path(gw.db_url.removeprefix("sqlite:///")), rows, 0, BULK)
    else:
        load_pg(normalize_url(gw.db_url).replace("+asyncpg", ""), rows, 0, BULK)


def test_one_thousand_orders_paged_none_lost_or_repeated(gw: Gateway) -> None:
    shop = gw.add_merchant()
    bulk_load(gw, shop.partner_id)
    today = gulf_day(now_ms())
    window = ((today - timedelta(days=1)).isoformat(), (today + timedelta(days=1)).isoformat())

    seen: list[dict[str, Any]] = []
    for number in range(28):  # 1,000 rows of 37: 27 full pages and one of 1
        body = page(shop, ORDERS, biz(*window, size=37, number=number))
        assert (body["totalElements"], body["totalPages"]) == (BULK, 28)
        assert body["sortPageParam"] == {"number": number, "size": 37}
        assert len(body["items"]) == (37 if number < 27 else 1)
        seen += body["items"]
    assert len({item["orderNo"] for item in seen}) == BULK  # none lost, none repeated
    times = [item["requestTime"] for item in seen]
    assert times == sorted(times, reverse=True)  # newest first
    assert seen[0]["merchantOrderNo"] == OrderRows.merchant_order_no(2)  # ties: higher id first
    assert all(item["payeeMid"] == shop.partner_id for item in seen)

    past_end = page(shop, ORDERS, biz(*window, size=37, number=28))
    assert (past_end["totalElements"], past_end["totalPages"], past_end["items"]) == (BULK, 28, [])
    whole = page(shop, ORDERS, biz(*window, size=1000))
    assert numbers(whole) == [item["orderNo"] for item in seen]  # the same order, one page

    devices = page(shop, ORDERS, biz(*window, size=1000, deviceIdList=["POS-10", "nope"]))
    assert devices["totalElements"] == 100
    assert {item["deviceId"] for item in devices["items"]} == {"POS-10"}
    assert seen[1]["deviceId"] == ""  # required in an item: empty when the order has none
    failed = page(shop, ORDERS, biz(*window, includeStatusList=["FAILURE"]))
    assert (failed["totalElements"], failed["totalPages"], failed["items"]) == (0, 0, [])


# --- UAE days in business time, statuses, refunds ------------------------------------------


def test_windows_follow_business_time_and_filters(gw: Gateway, shop: Merchant) -> None:
    """Only this merchant's orders (the 1,000 others share the day) by UAE day, status,
    device; then two days later in business time; then its refunds."""
    day0 = gulf_day(now_ms())
    waiting = place(shop, "10.00", deviceId="POS-7")
    settled = place(shop, "200.00")
    pay(gw, settled["orderNo"], wallet=1)
    settle_all(gw)
    one_day = biz(day0.isoformat(), day0.isoformat())

    assert numbers(page(shop, ORDERS, one_day)) == [settled["orderNo"], waiting["orderNo"]]
    only = page(shop, ORDERS, one_day | {"includeStatusList": ["SETTLED"]})["items"]
    assert [item["orderNo"] for item in only] == [settled["orderNo"]]
    info = only[0]["paymentInfo"]
    assert info["settledTime"] >= info["paidTime"] > 0
    names = ("payeeFeeAmount", "payeeFeeAmountBeforeTax", "payeeFeeVat")
    fee, before, vat = (aed(info[name]) for name in names)
    assert fee == before + vat == Decimal("0.60")
    assert vat == Decimal("0.03")
    assert aed(info["settlementAmount"]) == Decimal("199.40")
    assert numbers(page(shop, ORDERS, one_day | {"includeStatusList": ["CREATED"]})) == [
        waiting["orderNo"]
    ]
    by_device = page(shop, ORDERS, one_day | {"deviceIdList": ["POS-7"]})["items"]
    assert [(i["orderNo"], i["deviceId"]) for i in by_device] == [(waiting["orderNo"], "POS-7")]

    advance(gw, 2 * 86_400)  # business time moves two UAE days on; requestTime stays real
    later = place(shop, "30.00")
    pay(gw, later["orderNo"], wallet=2)
    day2 = day0 + timedelta(days=2)
    assert numbers(page(shop, ORDERS, biz(day2.isoformat(), day2.isoformat()))) == [
        later["orderNo"]
    ]
    assert page(shop, ORDERS, one_day)["totalElements"] == 2
    gap = (day0 + timedelta(days=1)).isoformat()
    assert page(shop, ORDERS, biz(gap, gap))["totalElements"] == 0
    assert page(shop, ORDERS, biz(day0.isoformat(), day2.isoformat()))["totalElements"] == 3
    as_sdk = biz(day_start(day2), day_start(day2) + DAY_MS - 1)  # the Java SDK's numbers
    assert numbers(page(shop, ORDERS, as_sdk)) == [later["orderNo"]]
    paid = page(shop, ORDERS, as_sdk | {"includeStatusList": ["PAID_SUCCESS"]})["items"][0]
    assert "settledTime" not in paid["paymentInfo"]

    refunds = [
        refund_ok(shop, later, "1.00", reason="damaged", deviceId="POS-9")["refundOrder"],
        refund_ok(shop, later, "2.00")["refundOrder"],
        refund_ok(shop, later, "3.00", reserved="r3")["refundOrder"],
    ]
    first = page(shop, REFUNDS, biz(day2.isoformat(), day2.isoformat(), size=2))
    second = page(shop, REFUNDS, biz(day2.isoformat(), day2.isoformat(), size=2, number=1))
    assert (first["totalElements"], first["totalPages"], second["totalPages"]) == (3, 2, 2)
    listed = first["items"] + second["items"]
    assert [item["orderNo"] for item in listed] == [r["orderNo"] for r in reversed(refunds)]
    oldest = listed[-1]
    assert oldest["refundMerchantOrderNo"] == refunds[0]["refundMerchantOrderNo"]
    assert (oldest["reason"], oldest["deviceId"], aed(oldest["amount"])) == (
        "damaged",
        "POS-9",
        Decimal("1.00"),
    )
    assert aed(oldest["feeRefunded"]) >= 0
    assert oldest["status"] == refunds[0]["status"]
    assert listed[0]["reserved"] == "r3"
    status = refunds[0]["status"]
    same = page(shop, REFUNDS, as_sdk | {"includeStatusList": [status]})
    assert same["totalElements"] == sum(1 for r in refunds if r["status"] == status)
    other = "FAILURE" if status != "FAILURE" else "CREATED"
    assert page(shop, REFUNDS, as_sdk | {"includeStatusList": [other]})["totalElements"] == 0
    devices = page(shop, REFUNDS, as_sdk | {"deviceIdList": ["POS-9"]})
    assert [item["orderNo"] for item in devices["items"]] == [refunds[0]["orderNo"]]
    assert page(shop, REFUNDS, one_day)["totalElements"] == 0  # refunds are dated day 2
