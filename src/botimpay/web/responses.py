"""JSON responses that render Money and Decimal as exact numbers (orjson, no floats)."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import JSONResponse

from botimpay.protocol.money import wire_default


class WireJSONResponse(JSONResponse):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, default=wire_default)


def sandbox_error(status: int, reason: str, message: str) -> WireJSONResponse:
    """How the unsigned /sandbox helpers refuse a request."""
    return WireJSONResponse({"result": "ERROR", "reason": reason, "message": message}, status)
