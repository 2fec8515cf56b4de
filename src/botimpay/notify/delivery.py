"""One delivery attempt: the exact signed body, the POST, and the verdict on the answer.

The body is the stored payload (`acquireOrder` or `refundOrder`) plus
`notify_id` (the same on every attempt), `notify_timestamp` (business ms at send
time), the deprecated `notify_time` and `_input_charset`. Like the reference's
samples, `notify_time` is yyyyMMddHHmmss in Gulf Standard Time (UTC+4, no DST).
Numbers stay exact (Decimal in, JSON number out); the `sign` header covers the
exact bytes sent. Logs name the notification, never the body or any key.
"""

from __future__ import annotations

import asyncio
import functools
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson

from botimpay import __version__
from botimpay.domain.notification import is_acknowledged
from botimpay.netguard import NotifyGuard
from botimpay.notify.http11 import KeepAliveTransport
from botimpay.protocol.money import wire_default
from botimpay.store import jsonfield

EXCERPT_CHARS = 300
_READ_LIMIT = 4096  # bytes of the merchant's answer kept; the rest is never read
CONTENT_TYPE = "application/json; charset=UTF-8"
# The reference's samples: notify_timestamp 1587113039189 -> notify_time "20200417124359".
GULF_TIME = timezone(timedelta(hours=4), "GST")


class Outcome(StrEnum):
    """How one attempt ended (stored in `notification_attempts.outcome`)."""

    SUCCESS = "SUCCESS"  # 2xx with {"response":"SUCCESS"} in any case
    HTTP_ERROR = "HTTP_ERROR"  # any status outside 2xx
    BAD_RESPONSE = "BAD_RESPONSE"  # 2xx without the success body
    TIMEOUT = "TIMEOUT"  # no connection or no answer in time
    CONNECT_ERROR = "CONNECT_ERROR"  # refused, reset, DNS, bad URL


@dataclass(frozen=True, slots=True)
class AttemptResult:
    outcome: Outcome
    http_status: int | None
    latency_ms: int
    excerpt: str | None


def notify_time(now_ms: int) -> str:
    """The deprecated `notify_time`: yyyyMMddHHmmss in Gulf Standard Time (UTC+4)."""
    return datetime.fromtimestamp(now_ms // 1000, tz=GULF_TIME).strftime("%Y%m%d%H%M%S")


def build_body(
    payload: str, *, notify_id: str, now_ms: int, deprecated_fields: bool = True
) -> bytes:
    """The exact bytes of one attempt: compact JSON, keys sorted, amounts exact; the
    deprecated fields only for the kinds whose samples have them (VOID, chargeback: not)."""
    body: dict[str, Any] = jsonfield.loads(payload)
    body.update(notify_id=notify_id, notify_timestamp=now_ms)
    if deprecated_fields:
        body.update(notify_time=notify_time(now_ms), _input_charset="UTF-8")
    return orjson.dumps(body, default=wire_default, option=orjson.OPT_SORT_KEYS)


def safe_url(url: str) -> str:
    """The URL without query string, user info or fragment, for logs."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "<invalid url>"
    return f"{parts.scheme}://{host}{port}{parts.path}"


@functools.lru_cache(maxsize=1024)
def _parsed_url(url: str) -> httpx.URL:
    """httpx.URL of a notifyUrl, parsed once rather than on every attempt."""
    return httpx.URL(url)


def _excerpt(text: str) -> str:
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1] + "…"


class Sender:
    """POSTs signed notification bodies through one shared httpx.AsyncClient."""

    def __init__(
        self,
        *,
        connect_timeout_ms: int,
        read_timeout_ms: int,
        max_connections: int = 64,
        transport: httpx.AsyncBaseTransport | None = None,
        guard: NotifyGuard | None = None,
    ) -> None:
        """`guard` (production) checks every new connection's addresses; without one
        (sandbox) any address is reached. A guard needs our own transport."""
        if guard is not None and transport is not None:
            raise ValueError("a guard checks the addresses of KeepAliveTransport only")
        self.connect_timeout_ms = connect_timeout_ms
        self.read_timeout_ms = read_timeout_ms
        # An attempt never outlives connect + read (+1 s for writing the small body),
        # even if the merchant trickles its answer byte by byte.
        self.deadline_ms = connect_timeout_ms + read_timeout_ms + 1000
        self.client = httpx.AsyncClient(
            timeout=httpx.Timeout(
                connect=connect_timeout_ms / 1000,
                read=read_timeout_ms / 1000,
                write=read_timeout_ms / 1000,
                pool=connect_timeout_ms / 1000,
            ),
            limits=httpx.Limits(
                max_connections=max_connections, max_keepalive_connections=max_connections
            ),
            follow_redirects=False,
            transport=transport or KeepAliveTransport(max_connections=max_connections, guard=guard),
            headers={"User-Agent": f"botimpay-notify/{__version__}"},
            # An HTTP(S)_PROXY from the environment would connect for us, past the guard.
            trust_env=guard is None,
        )

    async def aclose(self) -> None:
        await self.client.aclose()

    async def post(self, url: str, body: bytes, sign: str) -> AttemptResult:
        started = time.monotonic_ns()

        def latency() -> int:
            return (time.monotonic_ns() - started) // 1_000_000

        try:
            async with asyncio.timeout(self.deadline_ms / 1000):
                status, answer = await self._exchange(url, body, sign)
        except (TimeoutError, httpx.TimeoutException) as exc:
            what = type(exc).__name__ if isinstance(exc, httpx.TimeoutException) else "deadline"
            return AttemptResult(Outcome.TIMEOUT, None, latency(), f"{what} after {latency()} ms")
        except (httpx.HTTPError, httpx.InvalidURL, OSError) as exc:
            detail = _excerpt(f"{type(exc).__name__}: {exc}".rstrip(": "))
            return AttemptResult(Outcome.CONNECT_ERROR, None, latency(), detail)
        text = _excerpt(answer.decode("utf-8", errors="replace"))
        if is_acknowledged(status, answer):
            outcome = Outcome.SUCCESS
        elif 200 <= status < 300:
            outcome = Outcome.BAD_RESPONSE
        else:
            outcome = Outcome.HTTP_ERROR
        return AttemptResult(outcome, status, latency(), text)

    async def _exchange(self, url: str, body: bytes, sign: str) -> tuple[int, bytes]:
        """Sends the request; returns the status and at most _READ_LIMIT bytes of the answer."""
        headers = {"Content-Type": CONTENT_TYPE, "sign": sign}
        target = _parsed_url(url)
        async with self.client.stream("POST", target, content=body, headers=headers) as response:
            kept = bytearray()
            async for chunk in response.aiter_bytes():
                kept += chunk
                if len(kept) >= _READ_LIMIT:
                    break
            return response.status_code, bytes(kept[:_READ_LIMIT])
