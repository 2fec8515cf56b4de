"""What the console shows of the request log: a filtered, keyset-paged list of merchant
API calls and one call, always narrowed to what the signed-in user may see.

A merchant user sees the calls that named its own merchant only; calls whose
Partner-Id named no merchant (kept with the claim as given) are an operator's to see.
"""

from __future__ import annotations

from dataclasses import dataclass

from botimpay.domain.console import MAX_BIGINT, PAGE_SIZE, ConsoleUser
from botimpay.domain.request_log import RequestRecord
from botimpay.store import orders_repo, request_log_repo
from botimpay.store.database import Database


@dataclass(frozen=True, slots=True)
class LogQuery:
    """The list's filters as the page's form gives them (already checked)."""

    partner_id: str | None = None  # an operator's merchant filter
    operation: str | None = None  # e.g. acquire2/placeOrder
    code: str | None = None  # head.code ("0") or head.msg (INVALID_PARAMETER)
    trace_code: str | None = None
    before_id: int | None = None  # keyset: the last row shown on the previous page


@dataclass(frozen=True, slots=True)
class LogPage:
    calls: list[RequestRecord]
    next_before: int | None  # None on the last page


@dataclass(frozen=True, slots=True)
class CallView:
    """One call and the order it named, when that order exists (for the order link)."""

    call: RequestRecord
    order_no: str | None


class ConsoleLogs:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def page(self, user: ConsoleUser, query: LogQuery) -> LogPage:
        partner = user.visible_partner or query.partner_id
        if user.visible_partner is not None and query.partner_id not in (None, partner):
            return LogPage([], None)  # a merchant user asked for another merchant
        async with self.db.request_log().read() as conn:
            rows = await request_log_repo.console_page(
                conn,
                partner_id=partner,
                operation=query.operation,
                code=query.code,
                trace_code=query.trace_code,
                before_id=query.before_id,
                limit=PAGE_SIZE + 1,
            )
        shown = rows[:PAGE_SIZE]
        more = len(rows) > PAGE_SIZE and shown[-1].record_id is not None
        return LogPage(shown, shown[-1].record_id if more else None)

    async def call(self, user: ConsoleUser, ref: str) -> CallView | None:
        """The call with this id or traceCode, or None when there is none the user may
        see (never says which)."""
        async with self.db.request_log().read() as conn:
            if ref.isascii() and ref.isdigit() and int(ref) <= MAX_BIGINT:
                found = await request_log_repo.by_id(conn, int(ref))
            else:
                found = await request_log_repo.by_trace_code(conn, ref)
        if found is None:
            return None
        if user.visible_partner is not None and found.partner_id != user.visible_partner:
            return None
        return CallView(found, await self._order_no(found))

    async def _order_no(self, call: RequestRecord) -> str | None:
        """The orderNo of the order the call named, if it is stored."""
        if call.partner_id is None:
            return None
        refs = [ref for ref in (call.order_no, call.merchant_order_no) if ref]
        async with self.db.read() as conn:
            for ref in refs:
                found = await orders_repo.by_ref(conn, ref, partner_id=call.partner_id, limit=1)
                if found:
                    return found[0].order_no
        return None
