"""The reporting calls on the wire, with `Client` and `AsyncClient`: what the page queries,
getOrderPayer, getCashierUrlInfo, getBalance and the two downloads send, how their answers
are typed, how the page iterators walk, and how refusals and bad files are raised."""

from __future__ import annotations

import asyncio
import inspect
import io
import zipfile
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from botimpay_sdk import (
    ApiError,
    AsyncClient,
    Client,
    DownloadedFile,
    InvalidRequestError,
    Money,
    OrderStatus,
    ProtocolError,
    RefundStatus,
    SignatureError,
    codes,
)
from botimpay_sdk._json import loads
from botimpay_sdk._queries import file_name
from botimpay_sdk.wire import sign
from sdk_testkit import (
    GATEWAY_KEY,
    MERCHANT_KEY,
    FakeClock,
    FakeGateway,
    acquire_order,
    client_kwargs,
    fail,
    ok,
)

AED = {"currency": "AED"}
DAY = date(2026, 12, 1)


class Both:
    """One face for `Client` and `AsyncClient` over the same fake gateway: coroutine
    methods run to completion, async page iterators are collected into lists."""

    def __init__(self, kind: str, gateway: FakeGateway, clock: FakeClock, **options: Any) -> None:
        self.is_async = kind == "async"
        settings = client_kwargs(gateway, clock, **options)
        if self.is_async:
            self.client: Client | AsyncClient = AsyncClient(sleep=clock.asleep, **settings)
        else:
            self.client = Client(sleep=clock.sleep, **settings)
        self.runner = asyncio.Runner()

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.client, name)
        if name.startswith("iter_"):
            return lambda *a, **kw: self._collect(method(*a, **kw))
        if inspect.iscoroutinefunction(method):
            return lambda *a, **kw: self.runner.run(method(*a, **kw))
        return method

    def _collect(self, pages: Any) -> list[Any]:
        if not self.is_async:
            return list(pages)

        async def collect() -> list[Any]:
            return [page async for page in pages]

        return self.runner.run(collect())

    def close(self) -> None:
        if isinstance(self.client, AsyncClient):
            self.runner.run(self.client.aclose())
        else:
            self.client.close()
        self.runner.close()


@pytest.fixture(params=["sync", "async"])
def make_both(request: pytest.FixtureRequest, clock: FakeClock) -> Iterator[Callable[..., Both]]:
    made: list[Both] = []

    def make(gateway: FakeGateway, **options: Any) -> Both:
        both = Both(request.param, gateway, clock, **options)
        made.append(both)
        return both

    yield make
    for both in made:
        both.close()


MakeBoth = Callable[..., Both]


def biz(request: httpx.Request) -> dict[str, Any]:
    content: dict[str, Any] = loads(request.content)["bizContent"]
    return content


def money(amount: str) -> dict[str, Any]:
    return {"amount": Decimal(amount), **AED}


def order_item(n: int, **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"merchantOrderNo": f"M{n}", "orderNo": f"13{n:04d}", "deviceId": ""}
    status = fields.pop("status", "CREATED")
    return acquire_order(status, **(base | fields))


def order_page(number: int, size: int, total: int, items: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "totalElements": total,
        "totalPages": -(-total // size),
        "sortPageParam": {"number": number, "size": size},
        "items": items,
    }


def file_reply(
    content: bytes, content_type: str, disposition: str | None, *, signed: bool = False
) -> httpx.Response:
    headers = {"Content-Type": content_type}
    if disposition is not None:
        headers["Content-Disposition"] = disposition
    if signed:
        headers["sign"] = sign(GATEWAY_KEY, content)
    return httpx.Response(200, content=content, headers=headers)


def a_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("Purchase_Statement_01122026_001.csv", "*mid:200000000888\n")
    return buffer.getvalue()


PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


# --- page queries -------------------------------------------------------------------------


def test_order_page_request_and_typed_answer(make_both: MakeBoth) -> None:
    paid = order_item(
        1,
        status="SETTLED",
        deviceId="POS-1",
        paymentInfo={
            "paidTime": 1_764_547_200_000,
            "settledTime": 1_764_550_800_000,
            "payerMid": "100000000003",
            "paidAmount": money("10.50"),
            "payeeFeeAmount": money("0.21"),
            "payerFeeAmount": money("0.00"),
            "settlementAmount": money("10.29"),
            "payeeFeeAmountBeforeTax": money("0.20"),
            "payeeFeeVat": money("0.01"),
            "payChannel": "BALANCE",
            "cardInfo": {"brand": "VISA"},
        },
    )
    gateway = FakeGateway(ok(order_page(2, 5, 11, [paid])))
    page = make_both(gateway).query_order_page(
        DAY,
        DAY + timedelta(days=1),
        number=2,
        size=5,
        statuses=[OrderStatus.SETTLED, "PAID_SUCCESS"],
        device_ids=("POS-1",),
    )
    assert gateway.paths == ["acquire2Query/queryOrderPage"]
    assert biz(gateway.requests[0]) == {
        "startDate": "2026-12-01",
        "endDate": "2026-12-02",
        "deviceIdList": ["POS-1"],
        "includeStatusList": ["SETTLED", "PAID_SUCCESS"],
        "sortPageParam": {"number": 2, "size": 5},
    }
    assert (page.total_elements, page.total_pages, page.number, page.is_last) == (11, 3, 2, True)
    item = page.items[0]
    assert (item.merchant_order_no, item.status, item.device_id) == ("M1", "SETTLED", "POS-1")
    info = item.payment_info
    assert info is not None
    assert info.settled_time == 1_764_550_800_000
    assert info.settlement_amount == Money.aed("10.29")
    assert info.payee_fee_amount_before_tax == Money.aed("0.20")
    assert info.payee_fee_vat is not None
    assert isinstance(info.payee_fee_vat.amount, Decimal)
    assert str(info.payee_fee_vat.amount) == "0.01"
    assert info.card_info == {"brand": "VISA"}


def test_refund_page_request_defaults_and_datetimes(make_both: MakeBoth) -> None:
    refund = {
        "refundMerchantOrderNo": "R1",
        "orderNo": "19",
        "status": "SUCCESS",
        "amount": money("0.01"),
        "feeRefunded": money("0.00"),
        "reason": "111",
    }
    gateway = FakeGateway(ok(order_page(0, 20, 1, [refund])))
    gulf = timezone(timedelta(hours=4))
    start = datetime(2026, 12, 1, tzinfo=gulf)
    end = datetime(2026, 12, 1, 23, 59, 59, 999_000, tzinfo=UTC)
    page = make_both(gateway).query_refund_order_page(start, end)
    assert gateway.paths == ["acquire2Query/queryRefundOrderPage"]
    assert biz(gateway.requests[0]) == {
        "startDate": 1_796_068_800_000,  # 2026-12-01T00:00+04:00 in epoch ms
        "endDate": 1_796_169_599_999,  # 2026-12-01T23:59:59.999Z
        "deviceIdList": [],
        "includeStatusList": [],
        "sortPageParam": {"number": 0, "size": 20},
    }
    assert page.items[0].status == RefundStatus.SUCCESS
    assert page.items[0].fee_refunded == Money.aed("0")
    assert page.items[0].amount == Money.aed("0.01")


def test_order_pages_are_walked_to_the_last(make_both: MakeBoth) -> None:
    items = [order_item(n) for n in range(25)]
    gateway = FakeGateway(
        *(ok(order_page(n, 10, 25, items[n * 10 : n * 10 + 10])) for n in range(3))
    )
    pages = make_both(gateway).iter_order_pages(DAY, DAY, size=10)
    assert [page.number for page in pages] == [0, 1, 2]
    assert [biz(r)["sortPageParam"] for r in gateway.requests] == [
        {"number": n, "size": 10} for n in range(3)
    ]
    listed = [item.merchant_order_no for page in pages for item in page.items]
    assert listed == [f"M{n}" for n in range(25)]


def test_walking_stops_at_an_empty_page(make_both: MakeBoth) -> None:
    """An order that leaves the window while walking empties the last page: no endless loop."""
    refunds = [
        {"refundMerchantOrderNo": f"R{n}", "orderNo": f"19{n}", "status": "SUCCESS"}
        for n in range(2)
    ]
    gateway = FakeGateway(ok(order_page(0, 2, 4, refunds)), ok(order_page(1, 2, 4, [])))
    pages = make_both(gateway).iter_refund_order_pages(DAY, DAY, size=2)
    assert [len(page.items) for page in pages] == [2, 0]
    assert gateway.paths == ["acquire2Query/queryRefundOrderPage"] * 2


def test_no_orders_is_one_empty_page(make_both: MakeBoth) -> None:
    gateway = FakeGateway(ok(order_page(0, 100, 0, [])))
    pages = make_both(gateway).iter_order_pages(DAY, DAY)
    assert len(pages) == 1
    assert pages[0].total_pages == 0
    assert pages[0].is_last


def test_a_failing_page_raises_from_the_iterator(make_both: MakeBoth) -> None:
    gateway = FakeGateway(
        ok(order_page(0, 1, 2, [order_item(1)])),
        fail("400", "INVALID_PARAMETER: sortPageParam.size"),
    )
    with pytest.raises(ApiError) as info:
        make_both(gateway).iter_order_pages(DAY, DAY, size=1)
    assert info.value.code == codes.INVALID_PARAMETER


@pytest.mark.parametrize(
    "kwargs",
    [
        {"start_date": "2026-12-01"},
        {"start_date": datetime(2026, 12, 1)},  # naive: refused
        {"size": 0},
        {"size": True},
        {"number": -1},
        {"statuses": "PAID_SUCCESS"},
        {"device_ids": [""]},
    ],
)
@pytest.mark.parametrize(
    "method",
    ["query_order_page", "query_refund_order_page", "iter_order_pages", "iter_refund_order_pages"],
)
def test_bad_page_arguments_raise_before_sending(
    make_client: Callable[..., Client], method: str, kwargs: dict[str, Any]
) -> None:
    if method.startswith("iter_") and "number" in kwargs:
        return  # the iterators choose the page numbers
    arguments: dict[str, Any] = {"start_date": DAY, "end_date": DAY, **kwargs}
    gateway = FakeGateway()
    with pytest.raises(InvalidRequestError):
        getattr(make_client(gateway), method)(**arguments)  # iterators check eagerly
    assert gateway.requests == []


def test_async_iterators_check_arguments_eagerly(
    make_async_client: Callable[..., AsyncClient],
) -> None:
    gateway = FakeGateway()
    client = make_async_client(gateway)
    with pytest.raises(InvalidRequestError):
        client.iter_order_pages(DAY, DAY, size=0)
    with pytest.raises(InvalidRequestError):
        client.iter_refund_order_pages("2026-12-01", DAY)  # type: ignore[arg-type]


# --- payer, cashier link, balance ---------------------------------------------------------


def test_order_payer(make_both: MakeBoth) -> None:
    payer = {
        "payerMid": "100000000002",
        "mobileNumberMask": "+971-56*****02",
        "deviceId": "TI100000000000001",
        "ipAddress": "127.0.0.1",
    }
    gateway = FakeGateway(ok({}), ok({"payer": payer}), fail("62035", "ORDER_NO_NOT_EXIST"))
    both = make_both(gateway)
    assert both.get_order_payer("M1") is None  # nobody scanned yet: the body is {}
    found = both.get_order_payer(order_no="13")
    assert found is not None
    assert (found.payer_mid, found.mobile_number_mask) == ("100000000002", "+971-56*****02")
    assert (found.device_id, found.ip_address) == ("TI100000000000001", "127.0.0.1")
    with pytest.raises(ApiError) as info:
        both.get_order_payer(order_no="1")
    assert info.value.code == codes.ORDER_NO_NOT_EXIST
    assert gateway.paths == ["acquire2/getOrderPayer"] * 3
    assert [biz(r) for r in gateway.requests] == [
        {"merchantOrderNo": "M1"},
        {"orderNo": "13"},
        {"orderNo": "1"},
    ]
    with pytest.raises(InvalidRequestError):
        both.get_order_payer("M1", order_no="13")


def test_cashier_url_info(make_both: MakeBoth) -> None:
    gateway = FakeGateway(
        ok({"payer": {}}),
        ok({"payer": {"mobileNumberMask": "+971-56*02"}}),
        fail("62082", "TOKEN_URL_NOT_EXIST"),
    )
    both = make_both(gateway)
    waiting = both.get_cashier_url_info("https://gw/pay-page/main?ft=x&t=1")
    assert (waiting.mobile_number_mask, waiting.scanned) == (None, False)
    scanned = both.get_cashier_url_info("https://gw/pay-page/main?ft=x&t=1")
    assert (scanned.mobile_number_mask, scanned.scanned) == ("+971-56*02", True)
    with pytest.raises(ApiError) as info:
        both.get_cashier_url_info("https://gw/nope")
    assert info.value.code == codes.TOKEN_URL_NOT_EXIST
    assert biz(gateway.requests[0]) == {"tokenUrl": "https://gw/pay-page/main?ft=x&t=1"}
    with pytest.raises(InvalidRequestError):
        both.get_cashier_url_info("")


def test_balance(make_both: MakeBoth) -> None:
    body = {"balanceList": [{"availableBalance": money("897993.88")}], "memberId": "200000030907"}
    gateway = FakeGateway(ok(body), fail("78001", "CURRENCY_CODE_NOT_SUPPORTED"))
    both = make_both(gateway)
    balance = both.get_balance()
    assert balance.member_id == "200000030907"
    assert balance.available_balance == Money.aed("897993.88")
    assert isinstance(balance.balance_list[0].available_balance.amount, Decimal)
    with pytest.raises(ApiError) as info:
        both.get_balance("USD")
    assert info.value.code == codes.CURRENCY_CODE_NOT_SUPPORTED
    assert [biz(r) for r in gateway.requests] == [{"currencyCode": "AED"}, {"currencyCode": "USD"}]


# --- downloads ----------------------------------------------------------------------------


def test_statement_zip(make_both: MakeBoth, tmp_path: Path) -> None:
    content = a_zip()
    name = "200000000888_20261201Transaction_Settle_Statement.zip"
    gateway = FakeGateway(
        file_reply(content, "application/zip", f"attachment; filename={name}"),
        file_reply(content, "application/zip", f"attachment; filename={name}"),
    )
    both = make_both(gateway, language="ar")  # a language is set, yet not sent here
    statement = both.get_order_statement(DAY)
    assert isinstance(statement, DownloadedFile)
    assert (statement.file_name, statement.content_type) == (name, "application/zip")
    assert statement.content == content
    assert "content=" not in repr(statement)
    request = gateway.requests[0]
    assert gateway.paths == ["acquire2/download/getOrderStatement"]
    assert biz(request) == {"statementDate": "20261201"}
    assert "Content-Language" not in request.headers
    both.get_order_statement("20261130", version="V2")
    assert biz(gateway.requests[1]) == {"statementDate": "20261130", "statementVersion": "V2"}
    saved = statement.save(tmp_path / "statements")
    assert saved == tmp_path / "statements" / name
    with zipfile.ZipFile(saved) as archive:
        assert archive.namelist() == ["Purchase_Statement_01122026_001.csv"]


def test_invoice_pdf(make_both: MakeBoth) -> None:
    disposition = 'attachment; filename="200000000888_202611_invoice.pdf"'
    gateway = FakeGateway(
        file_reply(PDF, "application/pdf", disposition, signed=True),
        file_reply(PDF, "application/pdf", "attachment; filename=200000000888_202610_invoice.pdf"),
    )
    both = make_both(gateway)
    invoice = both.get_invoice(date(2026, 11, 30))
    again = both.get_invoice("202610", business_type="MERCHANT", need_evict_cache=True)
    assert invoice.file_name == "200000000888_202611_invoice.pdf"
    assert invoice.content == PDF
    assert again.file_name == "200000000888_202610_invoice.pdf"
    assert gateway.paths == ["acquire2/download/getInvoice"] * 2
    assert biz(gateway.requests[0]) == {"statementDate": "202611"}
    assert biz(gateway.requests[1]) == {
        "statementDate": "202610",
        "businessType": "MERCHANT",
        "needEvictCache": "true",
    }


def test_download_refusals_raise_api_error(make_both: MakeBoth) -> None:
    gateway = FakeGateway(
        fail("62013", "STATEMENT_NOT_EXIST"),
        fail("400", "REQUESTTIME_TOO_LATER: statementDate"),
    )
    both = make_both(gateway)
    with pytest.raises(ApiError) as info:
        both.get_order_statement("20200101")
    assert (info.value.code, info.value.msg) == (codes.STATEMENT_NOT_EXIST, "STATEMENT_NOT_EXIST")
    with pytest.raises(ApiError) as later:
        both.get_invoice("209901")
    assert later.value.code == codes.INVALID_PARAMETER


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (file_reply(b"not a zip", "application/zip", "attachment; filename=s.zip"), ProtocolError),
        (file_reply(a_zip(), "application/zip", None), ProtocolError),
        (file_reply(a_zip(), "application/zip", "attachment"), ProtocolError),
        (ok({"statement": "inline"}), ProtocolError),  # a JSON success is not a file
        (
            httpx.Response(
                200,
                content=a_zip(),
                headers={
                    "Content-Type": "application/zip",
                    "sign": sign(MERCHANT_KEY, b"other"),
                    "Content-Disposition": "attachment; filename=s.zip",
                },
            ),
            SignatureError,
        ),
    ],
)
def test_bad_files_are_refused(
    make_client: Callable[..., Client], reply: httpx.Response, error: type[Exception]
) -> None:
    with pytest.raises(error):
        make_client(FakeGateway(reply)).get_order_statement(DAY)


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.get_order_statement("2026-12-01"),
        lambda c: c.get_order_statement(datetime(2026, 12, 1, tzinfo=UTC)),
        lambda c: c.get_order_statement(DAY, version="V3"),
        lambda c: c.get_invoice("2026-11"),
        lambda c: c.get_invoice(DAY, business_type="SHOP"),
        lambda c: c.get_invoice(DAY, need_evict_cache="true"),
        lambda c: c.get_balance(""),
    ],
)
def test_bad_download_arguments_raise_before_sending(
    make_client: Callable[..., Client], call: Callable[[Client], object]
) -> None:
    gateway = FakeGateway()
    with pytest.raises(InvalidRequestError):
        call(make_client(gateway))
    assert gateway.requests == []


@pytest.mark.parametrize(
    ("header", "name"),
    [
        (
            "attachment; filename=a_20210112Transaction_Settle_Statement.zip",
            "a_20210112Transaction_Settle_Statement.zip",
        ),
        ('attachment; filename="1_202603_invoice.pdf"', "1_202603_invoice.pdf"),
        ("attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf", "résumé.pdf"),
        ('attachment; filename="../../etc/passwd"', "passwd"),
        ('attachment; filename="C:\\x\\y.zip"', "y.zip"),
        ('attachment; filename=".."', None),
        ("inline", None),
        (None, None),
    ],
)
def test_file_name_of_content_disposition(header: str | None, name: str | None) -> None:
    assert file_name(header) == name


def test_a_retried_download_sends_the_same_bytes(
    make_client: Callable[..., Client], clock: FakeClock
) -> None:
    name = "attachment; filename=s.zip"
    gateway = FakeGateway(
        fail("504", "SERVICE_TIMEOUT"), file_reply(a_zip(), "application/zip", name)
    )
    statement = make_client(gateway).get_order_statement(DAY)
    assert statement.file_name == "s.zip"
    assert gateway.requests[0].content == gateway.requests[1].content
    assert len(clock.sleeps) == 1
