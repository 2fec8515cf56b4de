"""Typed answers of the reporting endpoints: order and refund pages, the order's payer,
the cashier link's scanner, the member balance and downloaded files (statement, invoice).

Lenient like `_responses`: unknown fields are kept (`model_extra`), amounts are exact
Decimals. Page items reuse `AcquireOrder` / `RefundOrder`, so a listed order compares
field by field with what `get_order` returns.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from botimpay_sdk._money import Money
from botimpay_sdk._responses import AcquireOrder, PaymentInfo, RefundOrder, _ResponseModel


class SortPageParam(_ResponseModel):
    """`sortPageParam`: the page number (from 0) and its size, as the gateway echoes them."""

    number: int = 0
    size: int


class OrderPagePaymentInfo(PaymentInfo):
    """`paymentInfo` of a listed order: `PaymentInfo` plus when it was settled and the
    payee fee split into its amount before tax and its VAT."""

    settled_time: int | None = None
    payee_fee_amount_before_tax: Money | None = None
    payee_fee_vat: Money | None = None
    channel_param: dict[str, Any] | None = None
    payment_info_extend: dict[str, Any] | None = None


class OrderPageItem(AcquireOrder):
    """One order of a queryOrderPage page."""

    payment_info: OrderPagePaymentInfo | None = None


class _Page(_ResponseModel):
    total_elements: int
    total_pages: int
    sort_page_param: SortPageParam

    @property
    def number(self) -> int:
        """This page's number, from 0."""
        return self.sort_page_param.number

    @property
    def is_last(self) -> bool:
        """True when no page follows this one."""
        return self.number + 1 >= self.total_pages


class OrderPage(_Page):
    """`body` of acquire2Query/queryOrderPage: one page of orders, newest first."""

    items: list[OrderPageItem] = Field(default_factory=list)


class RefundPage(_Page):
    """`body` of acquire2Query/queryRefundOrderPage: one page of refund orders."""

    items: list[RefundOrder] = Field(default_factory=list)


class OrderPayer(_ResponseModel):
    """`body.payer` of acquire2/getOrderPayer: who paid the order, or (before payment)
    the wallet that last scanned its QR or opened its checkout."""

    payer_mid: str
    mobile_number_mask: str | None = None
    device_id: str | None = None
    ip_address: str | None = None


class CashierPayer(_ResponseModel):
    """`body.payer` of acquire2/getCashierUrlInfo; `mobile_number_mask` is None until a
    wallet scanned the link's QR (or opened it)."""

    mobile_number_mask: str | None = None

    @property
    def scanned(self) -> bool:
        """True once a wallet scanned the QR (or opened the link)."""
        return self.mobile_number_mask is not None


class BalanceEntry(_ResponseModel):
    """One entry of `balanceList`."""

    available_balance: Money


class MemberBalance(_ResponseModel):
    """`body` of member/getBalance: the merchant's member id and its balances."""

    member_id: str
    balance_list: list[BalanceEntry] = Field(default_factory=list)

    @property
    def available_balance(self) -> Money | None:
        """The first entry's available balance (the currency asked for); None if none."""
        return self.balance_list[0].available_balance if self.balance_list else None


class DownloadedFile(BaseModel):
    """A file a download endpoint returned (the statement ZIP, the invoice PDF): its bytes,
    its name from `Content-Disposition` and its media type."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    file_name: str = Field(min_length=1)
    content_type: str
    content: bytes = Field(repr=False)

    def save(self, directory: str | Path) -> Path:
        """Writes the file into `directory` (made if missing) under its file name, replacing
        a file of that name; returns the path."""
        folder = Path(directory)
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / Path(self.file_name).name
        target.write_bytes(self.content)
        return target
