"""The console's Balances page:
wallets, merchant accounts, pending vs available, daily volume and fees as SVG.

The charts are drawn on the server (domain.svg_chart) as inline SVG with classes and
presentation attributes only: no script, no style attribute, so the strict CSP holds.
An operator may filter on one merchant (`?partner=`) and run `ledger check` (`?check=1`).
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from botimpay.domain.svg_chart import BarChart, Series, bar_chart
from botimpay.services.console_balances import BalancesView, ConsoleBalances
from botimpay.web.console_session import current_session, page, to_login
from botimpay.web.state import state_of

router = APIRouter(include_in_schema=False)


def charts(view: BalancesView) -> tuple[BarChart, BarChart]:
    """Daily volume (paid, refunded) and daily fees (charged, given back)."""
    days = [d.day for d in view.days]
    volume = bar_chart(
        "Daily volume (AED)",
        days,
        [
            Series("Paid", "paid", tuple(d.paid.amount for d in view.days)),
            Series("Refunded", "refunded", tuple(d.refunded.amount for d in view.days)),
        ],
    )
    fees = bar_chart(
        "Daily fees (AED)",
        days,
        [
            Series("Fees charged", "fee", tuple(d.fees.amount for d in view.days)),
            Series("Fees refunded", "fee-back", tuple(d.fees_refunded.amount for d in view.days)),
        ],
    )
    return volume, fees


@router.get("/console/balances")
async def balances_page(request: Request) -> Response:
    session = await current_session(request)
    if session is None:
        return to_login(request)
    state = state_of(request)
    partner = request.query_params.get("partner", "").strip()[:12] or None
    check = request.query_params.get("check") == "1"
    view = await ConsoleBalances(state.db, state.clock).view(session.user, partner, check=check)
    volume, fees = charts(view)
    return page(
        request,
        "console/balances.html",
        session,
        {
            "title": "Balances",
            "view": view,
            "partner": partner or "",
            "volume_chart": volume,
            "fees_chart": fees,
            "active_days": [d for d in reversed(view.days) if d.active],
            "sandbox": state.settings.is_sandbox,
        },
    )
