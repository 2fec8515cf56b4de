"""Reading a request body safely: size limit, optional gzip, JSON without floats.

The signature is verified over the bytes this returns, exactly as received
(after transfer decoding), never over a re-serialisation.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import AsyncIterator, Mapping
from decimal import Decimal
from typing import Any

from starlette.requests import ClientDisconnect, Request

from botimpay.errors import InvalidParameter


async def read_body(request: Request, limit: int) -> bytes:
    """The raw body, refusing more than `limit` bytes before or after gunzip."""
    return await read_chunks(request.stream(), request.headers, limit)


async def read_chunks(
    stream: AsyncIterator[bytes], headers: Mapping[str, str], limit: int
) -> bytes:
    """read_body over any chunk stream and its request's (lower-case) headers."""
    declared = headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise InvalidParameter(f"request body exceeds {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in stream:
            size += len(chunk)
            if size > limit:
                raise InvalidParameter(f"request body exceeds {limit} bytes")
            chunks.append(chunk)
    except ClientDisconnect as exc:
        raise InvalidParameter("the client disconnected before sending the whole body") from exc
    body = b"".join(chunks)
    if headers.get("content-encoding", "").strip().lower() == "gzip":
        body = _gunzip(body, limit)
    return body


def _gunzip(data: bytes, limit: int) -> bytes:
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, limit + 1)
    except zlib.error as exc:
        raise InvalidParameter("the gzip request body is corrupt") from exc
    if len(out) > limit or inflater.unconsumed_tail:
        raise InvalidParameter(f"the decompressed request body exceeds {limit} bytes")
    return out


def parse_json_object(body: bytes) -> dict[str, Any]:
    """A JSON object with exact numbers (Decimal); anything else is INVALID_PARAMETER."""
    if not body.strip():
        raise InvalidParameter("the request body is empty")
    try:
        encoding = "utf-8" if body[:1] == b"{" else json.detect_encoding(body)
        value = _DECODER.decode(body.decode(encoding, "surrogatepass"))
    except (ValueError, RecursionError) as exc:
        raise InvalidParameter("the request body is not valid UTF-8 JSON") from exc
    if not isinstance(value, dict):
        raise InvalidParameter("the request body must be a JSON object")
    return value


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


# what json.loads(..., parse_float=Decimal, ...) would build on every call
_DECODER = json.JSONDecoder(parse_float=Decimal, parse_constant=_no_constants)
