"""The SDK's two downloads, with `Client` and `AsyncClient`, against a real `botimpay serve`:
the statement ZIP of a day and the invoice PDF of a month, with the file names the pages
give, and the refusals (62013, 62014, 400) raised as ApiError with their code.

The gateway is this module's own: it advances the business clock by 32 days, so that
the day and the month of the payments are over.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from botimpay_sdk import ApiError, DownloadedFile, codes

from tests.conftest import own_gateway
from tests.harness import Gateway, Merchant
from tests.sdk.conftest import Api, SdkMerchant, api_for, sandbox_pay, write_pems

GULF = timezone(timedelta(hours=4))


@dataclass(frozen=True)
class Setting:
    """A merchant that was paid on `day`, one that never was, and business `now`."""

    paid: SdkMerchant
    idle: SdkMerchant
    merchant_order_no: str
    day: date
    now: datetime


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory, backend_url: str | None) -> Iterator[Gateway]:
    """This module's own gateway (it moves the clock); `make_api` uses it."""
    with own_gateway(tmp_path_factory.mktemp("sdk-downloads"), backend_url) as gw:
        yield gw


@pytest.fixture(scope="module")
def sdk_merchant(gateway: Gateway, tmp_path_factory: pytest.TempPathFactory) -> SdkMerchant:
    return write_pems(gateway.add_merchant(), tmp_path_factory.mktemp("sdk-downloads-keys"))


@pytest.fixture(scope="module")
def setting(gateway: Gateway, tmp_path_factory: pytest.TempPathFactory) -> Setting:
    keys = tmp_path_factory.mktemp("sdk-download-merchants")
    paid: Merchant = gateway.add_merchant()
    idle: Merchant = gateway.add_merchant()
    order = paid.place_order(totalAmount={"amount": Decimal("100.00"), "currency": "AED"})
    placed = order.assert_ok().order
    answer = sandbox_pay(gateway, order_no=placed["orderNo"])
    settled = httpx.post(gateway.base_url + "/sandbox/api/settle", json={}, timeout=60)
    assert settled.status_code == 200, settled.text
    paid_at = paid.call("acquire2/getOrder", {"orderNo": placed["orderNo"]}).assert_ok()
    paid_time = paid_at.order["paymentInfo"]["paidTime"]
    assert answer["result"] == "SUCCESS"
    moved = httpx.post(
        gateway.base_url + "/sandbox/api/clock/advance", json={"seconds": 32 * 86_400}, timeout=60
    )
    assert moved.status_code == 200, moved.text
    return Setting(
        paid=write_pems(paid, keys),
        idle=write_pems(idle, keys),
        merchant_order_no=placed["merchantOrderNo"],
        day=datetime.fromtimestamp(paid_time / 1000, UTC).astimezone(GULF).date(),
        now=datetime.fromtimestamp(moved.json()["now"] / 1000, UTC).astimezone(GULF),
    )


def refusal(call: Callable[[], object]) -> ApiError:
    with pytest.raises(ApiError) as info:
        call()
    return info.value


def test_statement_zip_of_the_payment_day(
    make_api: Callable[..., Api], kind: str, setting: Setting, tmp_path: Path
) -> None:
    api = api_for(make_api, kind, setting.paid)
    statement = api.get_order_statement(setting.day)
    assert isinstance(statement, DownloadedFile)
    partner = setting.paid.partner_id
    assert statement.file_name == f"{partner}_{setting.day:%Y%m%d}Transaction_Settle_Statement.zip"
    assert statement.content_type == "application/zip"
    with zipfile.ZipFile(io.BytesIO(statement.content)) as archive:
        names = archive.namelist()
        assert names
        assert all(name.endswith(".csv") for name in names)
        texts = [archive.read(name).decode("utf-8") for name in names]
    assert any(setting.merchant_order_no in text for text in texts)
    again = api.get_order_statement(f"{setting.day:%Y%m%d}", version="V2")
    assert again.file_name == statement.file_name
    assert statement.save(tmp_path).read_bytes() == statement.content


def test_statement_refusals(make_api: Callable[..., Api], kind: str, setting: Setting) -> None:
    api = api_for(make_api, kind, setting.paid)
    today = setting.now.date()
    assert refusal(lambda: api.get_order_statement(today)).code == codes.STATEMENT_NOT_GENERATED
    future = today + timedelta(days=3)
    assert refusal(lambda: api.get_order_statement(future)).code == codes.STATEMENT_NOT_EXIST
    long_ago = date(2020, 1, 1)
    assert refusal(lambda: api.get_order_statement(long_ago)).code == codes.STATEMENT_NOT_EXIST


def test_invoice_pdf_of_the_payment_month(
    make_api: Callable[..., Api], kind: str, setting: Setting
) -> None:
    api = api_for(make_api, kind, setting.paid)
    invoice = api.get_invoice(setting.day)
    assert isinstance(invoice, DownloadedFile)
    assert invoice.file_name == f"{setting.paid.partner_id}_{setting.day:%Y%m}_invoice.pdf"
    assert invoice.content_type == "application/pdf"
    assert invoice.content.startswith(b"%PDF-")
    again = api.get_invoice(f"{setting.day:%Y%m}", business_type="MERCHANT", need_evict_cache=True)
    assert again.file_name == invoice.file_name


def test_invoice_refusals(make_api: Callable[..., Api], kind: str, setting: Setting) -> None:
    paid = api_for(make_api, kind, setting.paid)
    idle = api_for(make_api, kind, setting.idle)
    assert refusal(lambda: idle.get_invoice(setting.day)).code == codes.STATEMENT_NOT_EXIST
    current = refusal(lambda: paid.get_invoice(setting.now.date()))
    assert (current.code, current.msg.split(":")[0]) == ("400", "REQUESTTIME_TOO_LATER")
    before = setting.day.replace(day=1) - timedelta(days=1)  # the month before onboarding
    early = refusal(lambda: paid.get_invoice(before))
    assert (early.code, early.msg.split(":")[0]) == ("400", "REQUESTTIME_TOO_EARLY")
