"""Sending pre-signed requests untimed (to create the orders a scenario needs)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx


class _Connection:
    """One keep-alive HTTP/1.1 connection sending pre-built requests in turn.

    A bare asyncio stream client costs tens of microseconds a request where httpx
    costs milliseconds: preparation then takes seconds, not most of the run."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    async def send(self, request: bytes) -> tuple[int, bytes]:
        self.writer.write(request)
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


async def _send_all(base_url: str, lines: list[bytes], concurrency: int) -> int:
    url = httpx.URL(base_url)
    host, port = url.host, url.port or 80
    requests = [_request(f"{host}:{port}", line) for line in lines]
    failures = 0
    next_index = 0

    async def worker() -> None:
        nonlocal failures, next_index
        connection = _Connection(*await asyncio.open_connection(host, port))
        try:
            while next_index < len(requests):
                request = requests[next_index]
                next_index += 1
                status, body = await connection.send(request)
                if status != 200 or b'"code":"0"' not in body:
                    failures += 1
        finally:
            connection.writer.close()

    await asyncio.gather(*(worker() for _ in range(min(concurrency, len(requests)))))
    return failures


def send_file(base_url: str, requests_file: Path, concurrency: int = 16) -> None:
    """Sends every request of the file once; raises if any did not succeed."""
    lines = requests_file.read_bytes().splitlines()
    failures = asyncio.run(_send_all(base_url, lines, concurrency))
    if failures:
        raise RuntimeError(f"{failures} of {len(lines)} preparation requests failed")


async def _place_and_pay(base_url: str, lines: list[bytes], phone: str, concurrency: int) -> int:
    failures = 0
    gate = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:

        async def one(line: bytes) -> None:
            nonlocal failures
            path, header_text, body = line.rstrip(b"\n").split(b"\t", 2)
            headers = dict(pair.split(":", 1) for pair in header_text.decode().split("|"))
            async with gate:
                placed = await client.post(path.decode(), content=body, headers=headers)
                order_no = placed.json().get("body", {}).get("acquireOrder", {}).get("orderNo")
                if not order_no:
                    failures += 1
                    return
                paid = await client.post(
                    "/sandbox/api/pay",
                    json={"orderNo": order_no, "phone": phone, "method": "CARD"},
                )
            if paid.status_code != 200 or paid.json().get("result") != "SUCCESS":
                failures += 1

        await asyncio.gather(*(one(line) for line in lines))
    return failures


def place_and_pay(base_url: str, requests_file: Path, phone: str, concurrency: int = 32) -> None:
    """Places every order of the file and pays it with the sandbox test card (untimed)."""
    lines = requests_file.read_bytes().splitlines()
    failures = asyncio.run(_place_and_pay(base_url, lines, phone, concurrency))
    if failures:
        raise RuntimeError(f"{failures} of {len(lines)} orders could not be placed and paid")
