"""QR images for tokenUrls: GET /qr.svg and /qr.png (segno).

The image is a pure function of the query, so browsers may keep it; `private`
keeps payment links out of shared caches. Merchant pages on other origins may
embed the images (Cross-Origin-Resource-Policy: cross-origin).
"""

from __future__ import annotations

import re

from fastapi import APIRouter, Query
from starlette.responses import Response

from botimpay.services.qrcodes import MAX_DATA_BYTES, data_bytes, qr_png, qr_svg
from botimpay.web.responses import WireJSONResponse

router = APIRouter(tags=["QR"])

_SCALE = re.compile("[0-9]{1,2}")  # ASCII digits only: "²".isdigit() is True
_CACHE = "private, max-age=86400, immutable"
_SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'"
_DATA_DOC = f"The text to encode, usually a tokenUrl (1 to {MAX_DATA_BYTES} bytes of UTF-8)."
_SCALE_DOC = "Size of one module: pixels (PNG) or SVG units, 1 to 20."


def _error(message: str) -> WireJSONResponse:
    return WireJSONResponse(
        {"error": "INVALID_PARAMETER", "message": message},
        400,
        headers={"Cache-Control": "no-store"},
    )


def _check(data: str | None, scale: str | None, default_scale: int) -> tuple[str, int] | str:
    """(data, scale), or the message that says what is wrong."""
    if not data:
        return "data is required"
    if data_bytes(data) > MAX_DATA_BYTES:
        return f"data is longer than {MAX_DATA_BYTES} bytes of UTF-8"
    if scale is None or scale == "":
        return data, default_scale
    if _SCALE.fullmatch(scale) is None or not 1 <= int(scale) <= 20:
        return "scale must be a whole number from 1 to 20"
    return data, int(scale)


def _image(body: bytes, media_type: str, extra: dict[str, str] | None = None) -> Response:
    headers = {"Cache-Control": _CACHE, "Cross-Origin-Resource-Policy": "cross-origin"}
    headers.update(extra or {})
    return Response(body, media_type=media_type, headers=headers)


@router.get(
    "/qr.svg",
    summary="A QR code of `data` as SVG",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}}}, 400: {"description": "bad query"}},
)
async def svg(
    data: str | None = Query(None, description=_DATA_DOC),
    scale: str | None = Query(None, description=_SCALE_DOC),
) -> Response:
    checked = _check(data, scale, 4)
    if isinstance(checked, str):
        return _error(checked)
    text, size = checked
    return _image(
        qr_svg(text, scale=size), "image/svg+xml", {"Content-Security-Policy": _SVG_POLICY}
    )


@router.get(
    "/qr.png",
    summary="A QR code of `data` as PNG",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}}, 400: {"description": "bad query"}},
)
async def png(
    data: str | None = Query(None, description=_DATA_DOC),
    scale: str | None = Query(None, description=_SCALE_DOC),
) -> Response:
    checked = _check(data, scale, 8)
    if isinstance(checked, str):
        return _error(checked)
    text, size = checked
    return _image(qr_png(text, scale=size), "image/png")
