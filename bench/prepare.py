"""Sending pre-signed requests untimed (to create the orders a scenario needs)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import orjson


class _Connection:
    """One keep-alive HTTP/1.1 connection sending requests-file lines in turn.

    A bare asyncio stream client costs tens of microseconds a request where httpx
    costs milliseconds: preparation then takes seconds, not most of the run."""

    def __init__(
        self, host: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.host = host
        self.reader = reader
        self.writer = writer

    async def send(self, line: bytes) -> tuple[int, bytes]:
        """POSTs one "path<TAB>headers<TAB>body" line; returns the status and the body."""
        self.writer.write(_request(self.host, line))
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        return status, await self.reader.readexactly(length)


def _request(host: str, line: bytes) -> bytes:
    path, header_text, body = line.rstrip(b"\n").split(b"\t", 2)
    headers = b"".join(
        b"%s: %s\r\n" % tuple(pair.split(b":", 1)) for pair in header_text.split(b"|")
    )
    return b"POST %s HTTP/1.1\r\nHost: %s\r\n%sContent-Length: %d\r\n\r\n%s" % (
        path,
        host.encode(),
        headers,
        len(body),
        body,
    )


Step = Callable[["_Connection", bytes], Awaitable[bool]]


async def _over_connections(base_url: str, lines: list[bytes], step: Step, concurrency: int) -> int:
    """Runs `step` once for every line over `concurrency` keep-alive connections;
    returns how many steps failed."""
    url = httpx.URL(base_url)
    host, port = url.host, url.port or 80
    failures = 0
    pending = iter(lines)

    async def worker() -> None:
        nonlocal failures
        connection = _Connection(f"{host}:{port}", *await asyncio.open_connection(host, port))
        try:
            for line in pending:
                failures += not await step(connection, line)
        finally:
            connection.writer.close()

    await asyncio.gather(*(worker() for _ in range(min(concurrency, len(lines)))))
    return failures


async def _place(connection: _Connection, line: bytes) -> bool:
    status, body = await connection.send(line)
    return status == 200 and b'"code":"0"' in body


def send_file(base_url: str, requests_file: Path, concurrency: int = 16) -> None:
    """Sends every request of the file once; raises if any did not succeed."""
    lines = requests_file.read_bytes().splitlines()
    failures = asyncio.run(_over_connections(base_url, lines, _place, concurrency))
    if failures:
        raise RuntimeError(f"{failures} of {len(lines)} preparation requests failed")


def place_and_pay(base_url: str, requests_file: Path, phone: str, concurrency: int = 16) -> None:
    """Places every order of the file and pays it with the sandbox test card (untimed)."""

    async def place_and_pay_one(connection: _Connection, line: bytes) -> bool:
        status, body = await connection.send(line)
        if status != 200:
            return False
        order_no = orjson.loads(body).get("body", {}).get("acquireOrder", {}).get("orderNo")
        if not order_no:
            return False
        pay = orjson.dumps({"orderNo": order_no, "phone": phone, "method": "CARD"})
        status, body = await connection.send(
            b"/sandbox/api/pay\tContent-Type:application/json\t" + pay
        )
        return status == 200 and orjson.loads(body).get("result") == "SUCCESS"

    lines = requests_file.read_bytes().splitlines()
    failures = asyncio.run(_over_connections(base_url, lines, place_and_pay_one, concurrency))
    if failures:
        raise RuntimeError(f"{failures} of {len(lines)} orders could not be placed and paid")
