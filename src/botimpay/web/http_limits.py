"""Bounds on request heads: uvicorn's httptools protocol with a size and a count limit.

httptools (what `uvicorn[standard]` speaks HTTP/1.1 with) puts no limit on the
request line or the headers: it gathers a header of any length before telling
anyone about it, so one 64 MiB header was read, kept and parsed. Here every
request head (request target, header names and values) is held to
`max_header_bytes` and `max_headers` (Settings, `serve --max-header-bytes` /
`--max-headers`); over either, the client hears 431 Request Header Fields Too
Large and the connection closes.

Two checks, both cheap on the hot path (one comparison per received chunk, one
short loop over the headers per request):

- while a head is still incomplete at the end of a received chunk, that chunk's
  bytes count toward the limit, so a head that never ends is refused after about
  `max_header_bytes` more bytes than the chunk it started in (at most 256 KiB);
- when the head is complete, its exact size and header count are checked.

After a 431 the connection lingers briefly (the answer written, our side shut,
what the client still sends read and dropped) so the client can read the answer
instead of a reset.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

import httptools
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from botimpay.errors import BotimpayError
from botimpay.settings import Settings

log = logging.getLogger("botimpay.http")

LINGER_SECONDS = 1.0  # after a 431: at most this long ...
LINGER_BYTES = 1024 * 1024  # ... or this many dropped bytes, then the connection closes
_BODY = b"request header fields too large\n"


DROP_EXTENSION = "botimpay.drop"


class HeadTooLarge(BotimpayError):
    """Raised inside the parser's callbacks when a request head is over a limit;
    the protocol answers 431. Never leaves this module."""


class HeaderLimitedProtocol(HttpToolsProtocol):
    """HttpToolsProtocol that answers 431 to a request head over either limit."""

    max_header_bytes: int = Settings().max_header_bytes
    max_headers: int = Settings().max_headers

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_open = False  # a request has begun and its head is not complete
        self._began_here = False  # ... and it began in the chunk being parsed
        self._head_bytes = 0  # bytes of whole chunks received while the head was open
        self._refused = False
        self._dropped = 0

    def data_received(self, data: bytes) -> None:
        # uvicorn 0.54's HttpToolsProtocol.data_received, plus the head limits
        if self._refused:
            self._drop(len(data))
            return
        self._unset_keepalive_if_required()
        self._began_here = False
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            if isinstance(exc.__context__, HeadTooLarge):
                self._refuse(str(exc.__context__))
                return
            msg = "Invalid HTTP request received."
            self.logger.warning(msg)
            self.send_400_response(msg)
            return
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
            return
        if self._head_open and not self._began_here:
            self._head_bytes += len(data)  # all of it belongs to the open head
            if self._head_bytes > self.max_header_bytes:
                self._refuse(f"more than {self.max_header_bytes} bytes")

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._head_open = True
        self._began_here = True
        self._head_bytes = 0

    def on_headers_complete(self) -> None:
        self._head_open = False
        headers = self.headers
        if len(headers) > self.max_headers:
            raise HeadTooLarge(f"{len(headers)} headers, more than {self.max_headers}")
        size = len(self.url) + 4 * len(headers)  # ": " and CRLF per header
        for name, value in headers:
            size += len(name) + len(value)
        if size > self.max_header_bytes:
            raise HeadTooLarge(f"{size} bytes, more than {self.max_header_bytes}")
        # lets the front door close a connection without an answer (a TIMEOUT fault)
        self.scope.setdefault("extensions", {})[DROP_EXTENSION] = {"abort": self.transport.abort}
        super().on_headers_complete()

    def _refuse(self, reason: str) -> None:
        """Answers 431, shuts our side and lingers (dropping input) before closing."""
        self._refused = True
        client = self.client[0] if self.client else "unknown client"
        log.warning("request head from %s refused with 431: %s", client, reason)
        transport = self.transport
        if self.cycle is not None and not self.cycle.response_complete:
            transport.close()  # an earlier answer is still being written: no room for ours
            return
        content = [STATUS_LINE[431]]
        for name, value in self.server_state.default_headers:
            content.extend([name, b": ", value, b"\r\n"])
        content.extend(
            [
                b"content-type: text/plain; charset=utf-8\r\n",
                b"content-length: " + str(len(_BODY)).encode("ascii") + b"\r\n",
                b"connection: close\r\n",
                b"\r\n",
                _BODY,
            ]
        )
        transport.write(b"".join(content))
        if not transport.can_write_eof():
            transport.close()
            return
        transport.write_eof()
        self.loop.call_later(LINGER_SECONDS, transport.close)

    def _drop(self, size: int) -> None:
        self._dropped += size
        if self._dropped > LINGER_BYTES:
            self.transport.close()


def protocol_for(settings: Settings) -> type[HeaderLimitedProtocol]:
    """The protocol class bound to `settings`' limits (`serve` with one process)."""

    class Bound(HeaderLimitedProtocol):
        max_header_bytes = settings.max_header_bytes
        max_headers = settings.max_headers

    return Bound


class HeaderLimitedProtocolFromEnv(HeaderLimitedProtocol):
    """The limits from BOTIMPAY_MAX_HEADER_BYTES / BOTIMPAY_MAX_HEADERS: for `serve
    --workers N`, whose worker processes uvicorn builds from the import string
    `FROM_ENV`; the environment is read once per process."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.max_header_bytes, self.max_headers = _limits_from_env()
        super().__init__(*args, **kwargs)


@functools.cache
def _limits_from_env() -> tuple[int, int]:
    settings = Settings.from_env()
    return settings.max_header_bytes, settings.max_headers


FROM_ENV = f"{__name__}:{HeaderLimitedProtocolFromEnv.__name__}"
