"""The merchant API's one front door, in front of the FastAPI app.

Every request under /sgs/api/, whatever its method, is answered by one pipeline
(merchant_api.handle) that already does its own errors, limits and headers.
Sending those requests through FastAPI's middleware stack, router and
dependency machinery cost more per request than the pipeline's own Python;
this ASGI wrapper adapts each to an ApiCall (the only place that does) and
hands it to the pipeline directly. A HEAD is answered as a GET without the
body (same status and headers). Everything else (pages, docs, health) goes to
FastAPI.
"""

from __future__ import annotations

import asyncio

from fastapi import FastAPI
from starlette.requests import Request
from starlette.types import Receive, Scope, Send

from botimpay.web.body import read_chunks
from botimpay.web.http_limits import DROP_EXTENSION
from botimpay.web.merchant_api import PREFIX, ApiCall, handle


class MerchantApiFastPath:
    """ASGI app: /sgs/api/* (any method) straight to the pipeline, the rest to `app`."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(PREFIX):
            await self._merchant_api(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def _merchant_api(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers: dict[str, str] = {}
        for name, value in reversed(scope["headers"]):  # the first of repeated headers wins
            headers[name.decode("latin-1")] = value.decode("latin-1")
        client = scope.get("client")
        head = scope["method"] == "HEAD"
        call = ApiCall(
            "GET" if head else scope["method"],
            scope["path"],
            headers,
            client[0] if client else None,
            lambda limit: read_chunks(Request(scope, receive).stream(), headers, limit),
        )
        answer = await handle(self.app.state.botimpay, call)
        if answer.drop:
            await _drop(scope, send)
            return
        await send({"type": "http.response.start", "status": 200, "headers": answer.headers})
        await send({"type": "http.response.body", "body": b"" if head else answer.payload})


async def _drop(scope: Scope, send: Send) -> None:
    """Closes the connection without an answer. Under our uvicorn protocol the transport
    is aborted; under any other server the answer is cut off after its status line."""
    drop = scope.get("extensions", {}).get(DROP_EXTENSION)
    if drop is not None:
        drop["abort"]()
        for _ in range(3):  # let the server see the connection gone before we return
            await asyncio.sleep(0)
        return
    await send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"1")]}
    )
