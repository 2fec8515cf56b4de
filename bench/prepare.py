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
