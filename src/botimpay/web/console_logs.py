"""The console's Logs page: the request log newest first, filterable by operation, code,
merchant and traceCode, keyset-paged, with one call's page (bodies, latency, its order).

A merchant user sees only calls that named its own merchant: the list is narrowed to
it and another merchant's call is a 404 like a missing one.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from botimpay.domain.console import MAX_BIGINT
from botimpay.domain.request_log import pretty_body
from botimpay.services.console_logs import ConsoleLogs, LogQuery
from botimpay.web.console_orders import when
from botimpay.web.console_session import current_session, page, to_login, with_query
from botimpay.web.merchant_api import OPERATIONS
from botimpay.web.state import state_of

router = APIRouter(include_in_schema=False)

OPERATION_NAMES = sorted(op.path for op in OPERATIONS)
_FILTERS = ("trace", "partner", "operation", "code")


def _logs(request: Request) -> ConsoleLogs:
    return ConsoleLogs(state_of(request).db)


def _before(raw: str | None) -> int | None:
    if raw and raw.isascii() and raw.isdigit() and len(raw) <= 19 and int(raw) <= MAX_BIGINT:
        return int(raw)
    return None


@dataclass(frozen=True, slots=True)
class Filters:
    """The list's query string, as given (shown back in the form) and as a query."""

    values: dict[str, str]
    query: LogQuery

    @classmethod
    def of(cls, request: Request) -> Filters:
        raw = request.query_params
        values = {name: raw.get(name, "").strip()[:160] for name in _FILTERS}
        return cls(
            values,
            LogQuery(
                partner_id=values["partner"][:12] or None,
                operation=values["operation"] or None,
                code=values["code"][:64] or None,
                trace_code=values["trace"][:64] or None,
                before_id=_before(raw.get("before")),
            ),
        )

    def url(self, before: int | None) -> str:
        params = {name: value for name, value in self.values.items() if value}
        if before is not None:
            params["before"] = str(before)
        return with_query("/console/logs", params)


@router.get("/console/logs")
async def logs_list(request: Request) -> Response:
    session = await current_session(request)
    if session is None:
        return to_login(request)
    filters = Filters.of(request)
    result = await _logs(request).page(session.user, filters.query)
    return page(
        request,
        "console/logs.html",
        session,
        {
            "title": "Logs",
            "calls": result.calls,
            "filters": filters.values,
            "operations": OPERATION_NAMES,
            "operator": session.user.visible_partner is None,
            "first_url": filters.url(None) if filters.query.before_id else None,
            "next_url": filters.url(result.next_before) if result.next_before else None,
            "when": when,
        },
    )


@router.get("/console/logs/{ref}")
async def log_page(request: Request, ref: str) -> Response:
    session = await current_session(request)
    if session is None:
        return to_login(request)
    found = await _logs(request).call(session.user, ref.strip()[:64])
    if found is None:
        return page(
            request,
            "console/error.html",
            session,
            {"title": "Not found", "message": "No such API call in the log."},
            status_code=404,
        )
    return page(
        request,
        "console/log.html",
        session,
        {
            "title": f"Call {found.call.trace_code}",
            "call": found.call,
            "order_no": found.order_no,
            "when": when,
            "pretty": pretty_body,
        },
    )
