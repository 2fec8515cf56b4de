"""Sending pre-signed requests untimed (to create the orders a scenario needs)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx


async def _send_all(base_url: str, lines: list[bytes], concurrency: int) -> int:
    failures = 0
    gate = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:

        async def send(line: bytes) -> None:
            nonlocal failures
            path, header_text, body = line.rstrip(b"\n").split(b"\t", 2)
            headers = dict(pair.split(":", 1) for pair in header_text.decode().split("|"))
            async with gate:
                response = await client.post(path.decode(), content=body, headers=headers)
            if response.status_code != 200 or b'"code":"0"' not in response.content:
                failures += 1

        await asyncio.gather(*(send(line) for line in lines))
    return failures


def send_file(base_url: str, requests_file: Path, concurrency: int = 64) -> None:
    """Sends every request of the file once; raises if any did not succeed."""
    lines = requests_file.read_bytes().splitlines()
    failures = asyncio.run(_send_all(base_url, lines, concurrency))
    if failures:
        raise RuntimeError(f"{failures} of {len(lines)} preparation requests failed")
