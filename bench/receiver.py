"""A merchant notifyUrl that is never the bottleneck: `python -m bench.receiver --port N`.

A raw asyncio Protocol speaking just enough HTTP/1.1 (keep-alive, pipelining,
Content-Length bodies) to answer every POST with 200 `success` — an
acknowledgement for the dispatcher — at tens of thousands of requests a second
on one core, so a dispatcher benchmark measures the dispatcher. `GET /count`
answers what arrived: POSTs, distinct notify_ids (a redelivery is a duplicate)
and the CLOCK_MONOTONIC times of the first and last POST, which other local
processes can compare with their own time.monotonic().
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import time
from typing import cast

import orjson

_SUCCESS = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 7\r\n\r\nsuccess"
_NOTIFY_ID = b'"notify_id":"'  # the dispatcher sends compact JSON
_MAX_HEAD = 16 * 1024


class Tally:
    """What the receiver has seen, shared by all connections."""

    def __init__(self) -> None:
        self.posts = 0
        self.notify_ids: set[bytes] = set()
        self.first_at: float | None = None
        self.last_at: float | None = None

    def post(self, body: bytes) -> None:
        now = time.monotonic()
        if self.first_at is None:
            self.first_at = now
        self.last_at = now
        self.posts += 1
        start = body.find(_NOTIFY_ID)
        if start >= 0:
            start += len(_NOTIFY_ID)
            self.notify_ids.add(body[start : body.find(b'"', start)])

    def report(self) -> bytes:
        return orjson.dumps(
            {
                "posts": self.posts,
                "unique": len(self.notify_ids),
                "duplicates": self.posts - len(self.notify_ids),
                "first_at": self.first_at,
                "last_at": self.last_at,
            }
        )


class HttpProtocol(asyncio.Protocol):
    """One keep-alive connection: parses requests out of the byte stream as they complete."""

    def __init__(self, tally: Tally) -> None:
        self.tally = tally
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        out: list[bytes] = []
        close = False
        while True:
            head_end = self.buffer.find(b"\r\n\r\n")
            if head_end < 0:
                close = len(self.buffer) > _MAX_HEAD
                break
            head = bytes(self.buffer[:head_end]).lower()
            length = 0
            at = head.find(b"\r\ncontent-length:")
            if at >= 0:
                line_end = head.find(b"\r\n", at + 2)
                length = int(head[at + 17 : line_end if line_end >= 0 else None])
            end = head_end + 4 + length
            if len(self.buffer) < end:
                break
            body = bytes(self.buffer[head_end + 4 : end])
            del self.buffer[:end]
            if head.startswith(b"post "):
                self.tally.post(body)
                out.append(_SUCCESS)
            elif head.startswith(b"get /count"):
                report = self.tally.report()
                out.append(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    b"Content-Length: %d\r\n\r\n%s" % (len(report), report)
                )
            else:
                out.append(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
            if b"\r\nconnection: close" in head:
                close = True
                break
        assert self.transport is not None
        if out:
            self.transport.write(b"".join(out))
        if close:
            self.transport.close()


async def serve(host: str, port: int) -> None:
    loop = asyncio.get_running_loop()
    tally = Tally()
    server = await loop.create_server(lambda: HttpProtocol(tally), host, port, backlog=1024)
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with server:
        await stop.wait()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    try:
        import uvloop
    except ImportError:
        asyncio.run(serve(args.host, args.port))
    else:
        uvloop.run(serve(args.host, args.port))


if __name__ == "__main__":
    main()
