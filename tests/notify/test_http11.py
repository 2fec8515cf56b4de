"""The notification transport against scripted merchants on loopback sockets: framing,
keep-alive reuse (and when a connection must not be reused), the errors a Sender sees."""

from __future__ import annotations

import asyncio
import gzip
import time
from collections.abc import Callable
from types import TracebackType

import httpx
import pytest

from botimpay.notify.delivery import AttemptResult, Outcome, Sender
from botimpay.notify.http11 import KeepAliveTransport

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nsuccess"


class Merchant:
    """A raw HTTP/1.1 server: reads each request (head + Content-Length body) and writes
    `script(n)` for the n-th; None closes the connection without an answer."""

    def __init__(self, script: Callable[[int], bytes | None], *, close_after: bool = False):
        self.script = script
        self.close_after = close_after  # close each connection after its first answer
        self.connections = 0
        self.requests: list[bytes] = []
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> Merchant:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    async def __aexit__(
        self, _t: type[BaseException] | None, _e: BaseException | None, _tb: TracebackType | None
    ) -> None:
        assert self._server is not None
        self._server.close()

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}/notify"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                self.requests.append(head + await reader.readexactly(length))
                answer = self.script(len(self.requests))
                if answer is None:
                    break
                writer.write(answer)
                await writer.drain()
                if self.close_after:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


def always(answer: bytes | None) -> Callable[[int], bytes | None]:
    return lambda _n: answer


async def post(m: Merchant, times: int = 1, read_timeout_ms: int = 2000) -> list[AttemptResult]:
    sender = Sender(connect_timeout_ms=1000, read_timeout_ms=read_timeout_ms)
    try:
        results = []
        for _ in range(times):
            results.append(await sender.post(m.url, b'{"a":1}', "SIGN"))
            await asyncio.sleep(0.01)  # lets a close by the merchant arrive first
        return results
    finally:
        await sender.aclose()


def answers(results: list[AttemptResult]) -> list[tuple[Outcome, int | None, str | None]]:
    return [(r.outcome, r.http_status, r.excerpt) for r in results]


async def test_one_connection_carries_every_request() -> None:
    async with Merchant(always(OK)) as m:
        assert answers(await post(m, times=3)) == [(Outcome.SUCCESS, 200, "success")] * 3
    assert m.connections == 1
    first = m.requests[0]
    assert first.startswith(b"POST /notify HTTP/1.1\r\n")
    assert b"\r\nsign: SIGN\r\n" in first
    assert b"\r\nContent-Type: application/json; charset=UTF-8\r\n" in first
    assert first.endswith(b'\r\n\r\n{"a":1}')


async def test_chunked_gzipped_and_interim_answers_are_read() -> None:
    packed = gzip.compress(b'{"response":"SUCCESS"}')
    script = [
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nsuc\r\n4\r\ncess\r\n0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n%s"
        % (len(packed), packed),
        b"HTTP/1.1 100 Continue\r\n\r\n" + OK,
    ]
    async with Merchant(lambda n: script[n - 1]) as m:
        assert answers(await post(m, times=3)) == [
            (Outcome.SUCCESS, 200, "success"),
            (Outcome.SUCCESS, 200, '{"response":"SUCCESS"}'),
            (Outcome.SUCCESS, 200, "success"),
        ]
    assert m.connections == 1


@pytest.mark.parametrize(
    ("answer", "close_after"),
    [
        (b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 7\r\n\r\nsuccess", False),
        (b"HTTP/1.0 200 OK\r\nContent-Length: 7\r\n\r\nsuccess", False),
        (b"HTTP/1.1 200 OK\r\n\r\nsuccess", True),  # the body ends when the merchant closes
        (OK + b"HTTP/1.1 200 OK\r\n", False),  # bytes beyond the answer
        (OK, True),  # keep-alive answer, then the merchant closes the idle connection
    ],
)
async def test_a_connection_that_cannot_carry_another_request_is_not_reused(
    answer: bytes, close_after: bool
) -> None:
    async with Merchant(always(answer), close_after=close_after) as m:
        assert answers(await post(m, times=2)) == [(Outcome.SUCCESS, 200, "success")] * 2
    assert m.connections == 2


async def test_long_answers_are_cut_to_an_excerpt() -> None:
    big = b"x" * 200_000
    async with Merchant(
        always(b"HTTP/1.1 500 Oops\r\nContent-Length: %d\r\n\r\n%s" % (len(big), big))
    ) as m:
        [result] = await post(m)
    assert (result.outcome, result.http_status) == (Outcome.HTTP_ERROR, 500)
    assert result.excerpt is not None
    assert set(result.excerpt[:-1]) == {"x"}


@pytest.mark.parametrize(
    ("answer", "outcome", "detail"),
    [
        (None, Outcome.CONNECT_ERROR, "RemoteProtocolError: Server disconnected without"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nsuc", Outcome.TIMEOUT, "ReadTimeout"),
        (b"NOT HTTP\r\n\r\n", Outcome.CONNECT_ERROR, "RemoteProtocolError"),
        (b"", Outcome.TIMEOUT, "ReadTimeout after"),
    ],
)
async def test_broken_answers_are_classified(
    answer: bytes | None, outcome: Outcome, detail: str
) -> None:
    async with Merchant(always(answer)) as m:
        [result] = await post(m, read_timeout_ms=300)
    assert (result.outcome, result.http_status) == (outcome, None)
    assert result.excerpt is not None
    assert result.excerpt.startswith(detail), result.excerpt


async def test_a_refused_connection_reads_as_with_httpx_own_transport() -> None:
    sender = Sender(connect_timeout_ms=1000, read_timeout_ms=1000)
    try:
        result = await sender.post("http://127.0.0.1:1/notify", b"{}", "S")
    finally:
        await sender.aclose()
    assert (result.outcome, result.excerpt) == (
        Outcome.CONNECT_ERROR,
        "ConnectError: All connection attempts failed",
    )


async def test_connections_are_capped_and_requests_wait_for_one() -> None:
    release = asyncio.Event()
    active = most = 0

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal active, most
        await reader.readuntil(b"\r\n\r\n")
        active += 1
        most = max(most, active)
        await release.wait()
        writer.write(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 7\r\n\r\nsuccess")
        await writer.drain()
        active -= 1
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/notify"
    client = httpx.AsyncClient(transport=KeepAliveTransport(max_connections=2))
    try:
        posts = [asyncio.create_task(client.post(url, content=b"{}")) for _ in range(5)]
        deadline = time.monotonic() + 10  # a busy CI machine may take a while to connect
        while most < 2 and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.2)  # a third connection, were the cap broken, would be in by now
        assert most == 2
        release.set()
        assert [r.status_code for r in await asyncio.gather(*posts)] == [200] * 5
    finally:
        await client.aclose()
        server.close()
