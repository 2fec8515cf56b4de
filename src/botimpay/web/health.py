"""Liveness and metrics: GET /healthz and GET /metrics (Prometheus text)."""

from __future__ import annotations

from fastapi import APIRouter
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from botimpay import __version__
from botimpay.web.state import AppState

router = APIRouter(tags=["Operations"])


@router.get("/healthz", summary="Liveness and database check")
async def healthz(request: Request) -> JSONResponse:
    state: AppState = request.app.state.botimpay
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
async def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
