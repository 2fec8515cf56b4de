"""A lean HTTP/1.1 keep-alive transport for notification POSTs, under httpx.AsyncClient.

httpx's default transport (httpcore on anyio) cost about a millisecond of CPU per
notification: its pool re-checks every pooled connection on each request and, with
anyio no longer pulling in sniffio, retries a failed `import sniffio` for every
lock and event it creates (encode/httpcore#1103). At thousands of deliveries a
second that, not the merchant, was the limit. This transport keeps the wire
behaviour — h11 frames the messages exactly as httpcore does, the same errors and
messages, httpx's TLS context, idle connections expire after 5 s, one poll() before
reusing one tells whether the merchant closed it — on asyncio protocols, where a
request is one write and a few callbacks. The client above it (headers, content
decoding, proxies from the environment) is unchanged.
"""

from __future__ import annotations

import asyncio
import select
import socket
import ssl
import time
from collections.abc import AsyncIterator
from typing import cast

import h11
import httpx

from botimpay.netguard import NotifyGuard, TargetRefused

MAX_INCOMPLETE_EVENT = 100 * 1024  # the longest response head accepted (httpcore's)
HIGH_WATER = 64 * 1024  # unread bytes buffered before the socket is paused
KEEPALIVE_EXPIRY_S = 5.0  # httpx's default
_PORTS = {b"http": 80, b"https": 443}

Origin = tuple[bytes, bytes, int]  # scheme, host, port


class _Connection(asyncio.Protocol):
    """One keep-alive connection; h11 pulls the bytes it needs from what arrived."""

    def __init__(self, origin: Origin) -> None:
        self.origin = origin
        self.h11 = h11.Connection(h11.CLIENT, max_incomplete_event_size=MAX_INCOMPLETE_EVENT)
        self.transport: asyncio.Transport | None = None
        self.in_use = True
        self.idle_since = 0.0
        self.lost = False
        self._lost_error: BaseException | None = None
        self._eof = False
        self._unread: list[bytes] = []
        self._unread_size = 0
        self._paused = False
        self._waiter: asyncio.Future[None] | None = None

    # --- asyncio callbacks -------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        if not self.in_use:  # bytes nobody asked for: the connection cannot be reused
            self.close()
            return
        self._unread.append(data)
        self._unread_size += len(data)
        if self._unread_size > HIGH_WATER and not self._paused and self.transport is not None:
            self.transport.pause_reading()
            self._paused = True
        self._wake()

    def eof_received(self) -> bool | None:
        self._eof = True
        self._wake()
        return None  # close our side too

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        self._lost_error = exc
        self._wake()

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    # --- used by the transport -----------------------------------------------------

    def is_readable(self) -> bool:
        """Whether the idle socket has something to read: the merchant closed it (or sent
        bytes nobody asked for) and the loop has not seen it yet. Either way: not reusable."""
        if self.transport is None:
            return True
        sock = self.transport.get_extra_info("socket")
        if sock is None:
            return False
        poller = select.poll()
        poller.register(sock.fileno(), select.POLLIN)
        return bool(poller.poll(0))

    def has_unread_bytes(self) -> bool:
        return bool(self._unread) or bool(self.h11.trailing_data[0])

    def write(self, data: bytes) -> None:
        assert self.transport is not None
        self.transport.write(data)

    def close(self) -> None:
        self.lost = True
        if self.transport is not None:
            self.transport.close()

    async def response_head(self, read_timeout: float | None) -> h11.Response:
        """The response's status line and headers (any 1xx before it skipped)."""
        while True:
            event = await self.next_event(read_timeout)
            if isinstance(event, h11.Response):
                return event
            if not isinstance(event, h11.InformationalResponse):
                raise httpx.RemoteProtocolError(f"unexpected {event!r} instead of a response")

    async def next_event(self, read_timeout: float | None) -> h11.Event | type[h11.PAUSED]:
        """The next event of the response, reading (within `read_timeout`) as needed."""
        while True:
            try:
                event = self.h11.next_event()
            except h11.RemoteProtocolError as exc:
                raise httpx.RemoteProtocolError(str(exc)) from exc
            if event is not h11.NEED_DATA:
                return cast(h11.Event | type[h11.PAUSED], event)
            if self._unread:
                data = b"".join(self._unread)
                self._unread.clear()
                self._unread_size = 0
                if self._paused and self.transport is not None:
                    self.transport.resume_reading()
                    self._paused = False
                self.h11.receive_data(data)
            elif self._eof or self.lost:
                if self._lost_error is not None:
                    raise httpx.ReadError(str(self._lost_error)) from self._lost_error
                if self.h11.their_state is h11.SEND_RESPONSE:
                    raise httpx.RemoteProtocolError(
                        "Server disconnected without sending a response."
                    )
                self.h11.receive_data(b"")
            else:
                self._waiter = asyncio.get_running_loop().create_future()
                try:
                    async with asyncio.timeout(read_timeout):
                        await self._waiter
                except TimeoutError:
                    raise httpx.ReadTimeout("timed out waiting for the response") from None
                finally:
                    self._waiter = None


class _Body(httpx.AsyncByteStream):
    """The response body as it arrives; closing it hands the connection back."""

    def __init__(
        self, transport: KeepAliveTransport, conn: _Connection, read_timeout: float | None
    ) -> None:
        self._transport = transport
        self._conn = conn
        self._read_timeout = read_timeout
        self._complete = False
        self._closed = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while not self._complete:
            event = await self._conn.next_event(self._read_timeout)
            if isinstance(event, h11.Data):
                yield bytes(event.data)
            elif isinstance(event, h11.EndOfMessage):
                self._complete = True
            else:
                raise httpx.RemoteProtocolError(f"unexpected {event!r} in the response body")

    async def aclose(self) -> None:
        if not self._closed:
            self._closed = True
            self._transport.release(self._conn, complete=self._complete)


class KeepAliveTransport(httpx.AsyncBaseTransport):
    """At most `max_connections` connections (and requests) at once, reused per origin."""

    def __init__(
        self,
        *,
        max_connections: int = 100,
        keepalive_expiry: float = KEEPALIVE_EXPIRY_S,
        ssl_context: ssl.SSLContext | None = None,
        guard: NotifyGuard | None = None,
    ) -> None:
        self.max_connections = max_connections
        self.keepalive_expiry = keepalive_expiry
        self._ssl_context = ssl_context
        self._guard = guard
        self._slots = asyncio.Semaphore(max_connections)
        self._idle: dict[Origin, list[_Connection]] = {}  # most recently used last
        self._open = 0
        self._closed = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.raw_scheme not in _PORTS:
            if not url.raw_scheme:
                raise httpx.UnsupportedProtocol(
                    "Request URL is missing an 'http://' or 'https://' protocol."
                )
            raise httpx.UnsupportedProtocol(
                f"Request URL has an unsupported protocol '{url.scheme}://'."
            )
        if not url.raw_host:
            raise httpx.UnsupportedProtocol(
                "Request URL is missing an 'http://' or 'https://' protocol."
            )
        if self._closed:
            raise RuntimeError("the transport is closed")
        origin = (url.raw_scheme, url.raw_host, url.port or _PORTS[url.raw_scheme])
        timeouts = request.extensions.get("timeout", {})
        body = await request.aread()
        if self._slots.locked():
            try:
                async with asyncio.timeout(timeouts.get("pool")):
                    await self._slots.acquire()
            except TimeoutError:
                raise httpx.PoolTimeout("no connection free in time") from None
        else:
            await self._slots.acquire()  # free: returns at once
        conn: _Connection | None = None
        try:
            conn = self._reuse(origin) or await self._connect(origin, timeouts.get("connect"))
            read_timeout = timeouts.get("read")
            try:
                data = conn.h11.send(
                    h11.Request(
                        method=request.method, target=url.raw_path, headers=request.headers.raw
                    )
                )
                if body:
                    data = (data or b"") + (conn.h11.send(h11.Data(data=body)) or b"")
                data = (data or b"") + (conn.h11.send(h11.EndOfMessage()) or b"")
            except h11.LocalProtocolError as exc:
                raise httpx.LocalProtocolError(str(exc)) from exc
            conn.write(data)
            head = await conn.response_head(read_timeout)
        except BaseException:
            if conn is not None:
                self._discard(conn)
            self._slots.release()
            raise
        return httpx.Response(
            status_code=head.status_code,
            headers=head.headers.raw_items(),
            stream=_Body(self, conn, read_timeout),
            extensions={"http_version": b"HTTP/" + head.http_version, "reason_phrase": head.reason},
        )

    def _reuse(self, origin: Origin) -> _Connection | None:
        idle = self._idle.get(origin)
        now = time.monotonic()
        while idle:
            conn = idle.pop()
            if now - conn.idle_since > self.keepalive_expiry:  # and every older one too
                for stale in (*idle, conn):
                    self._discard(stale)
                idle.clear()
                return None
            if conn.lost or conn.is_readable():
                self._discard(conn)
                continue
            conn.in_use = True
            return conn
        return None

    async def _connect(self, origin: Origin, timeout: float | None) -> _Connection:
        if self._open >= self.max_connections:
            self._close_oldest_idle()
        self._open += 1
        scheme, raw_host, port = origin
        host = raw_host.decode("ascii")
        tls = self._tls() if scheme == b"https" else None
        try:
            async with asyncio.timeout(timeout):
                if self._guard is None:
                    targets = [host]
                else:  # resolved once and checked; we connect to what was checked
                    targets = [str(a) for a in await self._guard.addresses(host, port)]
                conn = await self._open_first(origin, targets, tls)
        except BaseException as exc:
            self._open -= 1
            if isinstance(exc, TimeoutError):
                raise httpx.ConnectTimeout("timed out connecting") from None
            if isinstance(exc, TargetRefused):
                raise httpx.ConnectError(exc.message) from exc
            if isinstance(exc, (socket.gaierror, ssl.SSLError)):
                raise httpx.ConnectError(str(exc)) from exc
            if isinstance(exc, OSError):
                raise httpx.ConnectError("All connection attempts failed") from exc
            raise
        return conn

    @staticmethod
    async def _open_first(
        origin: Origin, targets: list[str], tls: ssl.SSLContext | None
    ) -> _Connection:
        """A connection to the first of `targets` (names or addresses) that accepts one."""
        loop = asyncio.get_running_loop()
        server_hostname = origin[1].decode("ascii") if tls is not None else None
        for index, target in enumerate(targets):
            try:
                _transport, conn = await loop.create_connection(
                    lambda: _Connection(origin),
                    target,
                    origin[2],
                    ssl=tls,
                    server_hostname=server_hostname,
                )
            except ssl.SSLError:
                raise
            except OSError:
                if index == len(targets) - 1:
                    raise
                continue
            return conn
        raise OSError("no address to connect to")

    def _tls(self) -> ssl.SSLContext:
        if self._ssl_context is None:
            self._ssl_context = httpx.create_ssl_context()
            self._ssl_context.set_alpn_protocols(["http/1.1"])
        return self._ssl_context

    def release(self, conn: _Connection, *, complete: bool) -> None:
        """The response was closed: keep the connection if it can carry another request."""
        self._slots.release()
        states = (conn.h11.our_state, conn.h11.their_state)
        if (
            not complete
            or conn.lost
            or self._closed
            or states != (h11.DONE, h11.DONE)
            or conn.has_unread_bytes()  # more than the response: not a stream we can trust
        ):
            self._discard(conn)
            return
        conn.h11.start_next_cycle()
        conn.in_use = False
        conn.idle_since = time.monotonic()
        self._idle.setdefault(conn.origin, []).append(conn)

    def _discard(self, conn: _Connection) -> None:
        conn.close()
        self._open -= 1

    def _close_oldest_idle(self) -> None:
        candidates = [idle[0] for idle in self._idle.values() if idle]
        if candidates:
            oldest = min(candidates, key=lambda c: c.idle_since)
            self._idle[oldest.origin].remove(oldest)
            self._discard(oldest)

    async def aclose(self) -> None:
        self._closed = True
        for idle in self._idle.values():
            for conn in idle:
                self._discard(conn)
        self._idle.clear()
