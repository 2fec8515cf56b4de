"""The merchant API's own front door, in front of the FastAPI app.

Every merchant API call is a POST to /sgs/api/..., answered by one pipeline
(merchant_api.handle) that already does its own errors, limits and headers.
Sending those requests through FastAPI's middleware stack, router and
dependency machinery cost more per request than the pipeline's own Python;
this ASGI wrapper hands them to the pipeline directly. Everything else (pages,
docs, health, the FastAPI routes that document the API) goes to FastAPI.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.requests import Request
from starlette.types import Receive, Scope, Send

from botimpay.web.merchant_api import OPERATIONS_BY_PATH, PREFIX, handle


class MerchantApiFastPath:
    """ASGI app: POST /sgs/api/* straight to the pipeline, the rest to `app`."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] == "POST"
            and scope["path"].startswith(PREFIX)
        ):
            request = Request(scope, receive)
            operation = OPERATIONS_BY_PATH.get(scope["path"])
            response = await handle(self.app.state.botimpay, request, operation)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
