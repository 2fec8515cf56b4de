"""Liveness and metrics: GET /healthz and GET /metrics (Prometheus text).

/metrics wants `Authorization: Bearer <metrics token>` when a token is set; without
one it is public in sandbox and absent (404) in production. What it serves is
web/metrics.py's, with the database's counts (store/metrics_repo.py) read per scrape.
"""

from __future__ import annotations

import hmac

from fastapi import APIRouter
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from botimpay import __version__
from botimpay.store import metrics_repo
from botimpay.web.state import state_of

router = APIRouter(tags=["Operations"])


@router.get("/healthz", summary="Liveness and database check")
async def healthz(request: Request) -> JSONResponse:
    state = state_of(request)
    try:
        async with state.db.read() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception:  # the answer is the check
        return JSONResponse({"status": "unavailable", "database": "down"}, status_code=503)
    return JSONResponse(
        {
            "status": "ok",
            "version": __version__,
            "mode": state.settings.mode.value,
            "database": "ok",
        }
    )


@router.get("/metrics", summary="Prometheus metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    state = state_of(request)
    token = state.settings.metrics_token
    if not token and not state.settings.is_sandbox:
        raise HTTPException(status_code=404)  # as if there were no such route
    if token and not _bearer_matches(request.headers.get("authorization", ""), token):
        raise HTTPException(
            status_code=401,
            detail="metrics need Authorization: Bearer <token>",
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    business_now = state.clock.now_ms()
    async with state.db.read() as conn:
        counts = await metrics_repo.counts(conn, business_now=business_now)
    return Response(state.metrics.exposition(counts, business_now), media_type=CONTENT_TYPE_LATEST)


def _bearer_matches(header: str, token: str) -> bool:
    """`Bearer <token>` (scheme in any case), compared in constant time."""
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())
