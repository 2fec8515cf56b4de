"""The reporting methods of `Client` and `AsyncClient` (page queries and their page
iterators, the order's payer, the cashier link, the balance, statement and invoice).

Two thin shells over `_queries`, mixed into the clients: each method builds its call
there and runs it with the client's `_run`; nothing about the protocol lives here.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable, Collection, Iterator
from datetime import date
from typing import TypeVar

from botimpay_sdk import _flows
from botimpay_sdk import _queries as q
from botimpay_sdk._config import Config
from botimpay_sdk._protocol import Call
from botimpay_sdk._reports import (
    CashierPayer,
    DownloadedFile,
    MemberBalance,
    OrderPage,
    OrderPayer,
    RefundPage,
)

T = TypeVar("T")
P = TypeVar("P", OrderPage, RefundPage)
ITER_PAGE_SIZE = 100


class SyncReports(ABC):
    """The reporting methods of `Client` (which runs their flows)."""

    _config: Config

    @abstractmethod
    def _run(self, flow: _flows.Flow[T]) -> T: ...

    def _call(self, call: Call[T]) -> T:
        return self._run(_flows.perform(self._config, call))

    def query_order_page(
        self,
        start_date: date,
        end_date: date,
        *,
        number: int = 0,
        size: int = q.DEFAULT_PAGE_SIZE,
        statuses: Collection[str] | None = None,
        device_ids: Collection[str] | None = None,
    ) -> OrderPage:
        """One page of the orders created from `start_date` to `end_date`
        (acquire2Query/queryOrderPage), newest first; `number` counts from 0.

        A `date` is a whole UAE day (sent as YYYY-MM-DD); an aware `datetime` is an
        instant (sent as epoch milliseconds). `statuses` (OrderStatus values) and
        `device_ids` filter; empty or None matches everything. Retried safely."""
        return self._call(
            q.query_order_page(start_date, end_date, number, size, statuses, device_ids)
        )

    def query_refund_order_page(
        self,
        start_date: date,
        end_date: date,
        *,
        number: int = 0,
        size: int = q.DEFAULT_PAGE_SIZE,
        statuses: Collection[str] | None = None,
        device_ids: Collection[str] | None = None,
    ) -> RefundPage:
        """One page of the refund orders created from `start_date` to `end_date`
        (acquire2Query/queryRefundOrderPage); arguments as `query_order_page`, statuses
        are RefundStatus values."""
        return self._call(
            q.query_refund_order_page(start_date, end_date, number, size, statuses, device_ids)
        )

    def iter_order_pages(
        self,
        start_date: date,
        end_date: date,
        *,
        size: int = ITER_PAGE_SIZE,
        statuses: Collection[str] | None = None,
        device_ids: Collection[str] | None = None,
    ) -> Iterator[OrderPage]:
        """Every page of `query_order_page`, from page 0 until the last (`total_pages`),
        fetched as you iterate: `for page in client.iter_order_pages(day, day): ...`.

        Pages are offsets into a list sorted newest first: orders created inside the
        window while you walk it shift later pages. Walk a window that has ended (e.g.
        yesterday) to see each order exactly once."""

        def make(number: int) -> Call[OrderPage]:
            return q.query_order_page(start_date, end_date, number, size, statuses, device_ids)

        make(0)  # bad arguments raise here, not at the first next()
        return self._walk(make)

    def iter_refund_order_pages(
        self,
        start_date: date,
        end_date: date,
        *,
        size: int = ITER_PAGE_SIZE,
        statuses: Collection[str] | None = None,
        device_ids: Collection[str] | None = None,
    ) -> Iterator[RefundPage]:
        """Every page of `query_refund_order_page`, as `iter_order_pages`."""

        def make(number: int) -> Call[RefundPage]:
            return q.query_refund_order_page(
                start_date, end_date, number, size, statuses, device_ids
            )

        make(0)
        return self._walk(make)

    def _walk(self, make: Callable[[int], Call[P]]) -> Iterator[P]:
        number: int | None = 0
        while number is not None:
            page = self._call(make(number))
            yield page
            number = q.next_page_number(number, page)

    def get_order_payer(
        self, merchant_order_no: str | None = None, *, order_no: str | None = None
    ) -> OrderPayer | None:
        """Who pays the order (acquire2/getOrderPayer): the payer once paid; before,
        the wallet that last scanned its QR or opened its checkout; None until one did.
        ApiError 62004 / 62035 for an unknown order."""
        return self._call(q.get_order_payer(merchant_order_no, order_no))

    def get_cashier_url_info(self, token_url: str) -> CashierPayer:
        """Whether a tokenUrl's QR was scanned, and by whom, masked
        (acquire2/getCashierUrlInfo). ApiError 62082 TOKEN_URL_NOT_EXIST for a link
        that is not yours or whose order is closed."""
        return self._call(q.get_cashier_url_info(token_url))

    def get_balance(self, currency_code: str = "AED") -> MemberBalance:
        """The merchant's balance (member/getBalance); `.available_balance` is the
        settled money. ApiError 78001 CURRENCY_CODE_NOT_SUPPORTED for another currency."""
        return self._call(q.get_balance(currency_code))

    def get_order_statement(
        self, statement_date: date | str, *, version: str | None = None
    ) -> DownloadedFile:
        """The day's statements, one ZIP of CSV files (acquire2/download/getOrderStatement);
        `statement_date` is a date or 'YYYYMMDD'. ApiError 62013 STATEMENT_NOT_EXIST when
        there is none, 62014 STATEMENT_NOT_GENERATED before it is ready. `version` ("V1"
        or "V2" columns) is a botimpay extension; by default it is not sent (V1)."""
        return self._call(q.get_order_statement(statement_date, version))

    def get_invoice(
        self,
        month: date | str,
        *,
        business_type: str | None = None,
        need_evict_cache: bool = False,
    ) -> DownloadedFile:
        """The month's invoice PDF (acquire2/download/getInvoice); `month` is a date (its
        month counts) or 'YYYYMM', a past month not before onboarding. ApiError 62013
        when there is none, 400 for a month outside that range."""
        return self._call(q.get_invoice(month, business_type, need_evict_cache))


class AsyncReports(ABC):
    """The reporting methods of `AsyncClient` (which runs their flows); see `SyncReports`
    (`Client`) for each."""

    _config: Config

    @abstractmethod
    async def _run(self, flow: _flows.Flow[T]) -> T: ...

    async def _call(self, call: Call[T]) -> T:
        return await self._run(_flows.perform(self._config, call))

    async def query_order_page(
        self,
        start_date: date,
        end_date: date,
        *,
        number: int = 0,
        size: int = q.DEFAULT_PAGE_SIZE,
        statuses: Collection[str] | None = None,
        device_ids: Collection[str] | None = None,
    ) -> OrderPage:
        """See `Client.query_order_page`."""
        return await self._call(
            q.query_order_page(start_date, end_date, number, size, statuses, device_ids)
        )

    async def query_refund_order_page(
        self,
        start_date: date,
        end_date: date,
        *,
        number: int = 0,
        size: int = q.DEFAULT_PAGE_SIZE,
        statuses: Collection[str] | None = None,
        device_ids: Collection[str] | None = None,
    ) -> RefundPage:
        """See `Client.query_refund_order_page`."""
        return await self._call(
            q.query_refund_order_page(start_date, end_date, number, size, statuses, device_ids)
        )

    def iter_order_pages(
        self,
        start_date: date,
        end_date: date,
        *,
        size: int = ITER_PAGE_SIZE,
        statuses: Collection[str] | None = None,
        device_ids: Collection[str] | None = None,
    ) -> AsyncIterator[OrderPage]:
        """See `Client.iter_order_pages`: `async for page in client.iter_order_pages(...)`."""

        def make(number: int) -> Call[OrderPage]:
            return q.query_order_page(start_date, end_date, number, size, statuses, device_ids)

        make(0)
        return self._walk(make)

    def iter_refund_order_pages(
        self,
        start_date: date,
        end_date: date,
        *,
        size: int = ITER_PAGE_SIZE,
        statuses: Collection[str] | None = None,
        device_ids: Collection[str] | None = None,
    ) -> AsyncIterator[RefundPage]:
        """See `Client.iter_refund_order_pages`."""

        def make(number: int) -> Call[RefundPage]:
            return q.query_refund_order_page(
                start_date, end_date, number, size, statuses, device_ids
            )

        make(0)
        return self._walk(make)

    async def _walk(self, make: Callable[[int], Call[P]]) -> AsyncIterator[P]:
        number: int | None = 0
        while number is not None:
            page = await self._call(make(number))
            yield page
            number = q.next_page_number(number, page)

    async def get_order_payer(
        self, merchant_order_no: str | None = None, *, order_no: str | None = None
    ) -> OrderPayer | None:
        """See `Client.get_order_payer`."""
        return await self._call(q.get_order_payer(merchant_order_no, order_no))

    async def get_cashier_url_info(self, token_url: str) -> CashierPayer:
        """See `Client.get_cashier_url_info`."""
        return await self._call(q.get_cashier_url_info(token_url))

    async def get_balance(self, currency_code: str = "AED") -> MemberBalance:
        """See `Client.get_balance`."""
        return await self._call(q.get_balance(currency_code))

    async def get_order_statement(
        self, statement_date: date | str, *, version: str | None = None
    ) -> DownloadedFile:
        """See `Client.get_order_statement`."""
        return await self._call(q.get_order_statement(statement_date, version))

    async def get_invoice(
        self,
        month: date | str,
        *,
        business_type: str | None = None,
        need_evict_cache: bool = False,
    ) -> DownloadedFile:
        """See `Client.get_invoice`."""
        return await self._call(q.get_invoice(month, business_type, need_evict_cache))
