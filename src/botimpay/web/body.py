"""Reading a request body safely: size limit, optional gzip, JSON without floats.

The signature is verified over the bytes this returns, exactly as received
(after transfer decoding), never over a re-serialisation.
"""

from __future__ import annotations

import codecs
import json
import re
import zlib
from collections.abc import AsyncIterator, Mapping
from decimal import Decimal
from typing import Any

from starlette.requests import ClientDisconnect, Request

from botimpay.errors import BotimpayError, InvalidParameter
from botimpay.web.text_guard import refuse_unstorable_text


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
    if not inflater.eof:
        raise InvalidParameter("the gzip request body is truncated")
    return out


def parse_json_object(body: bytes) -> dict[str, Any]:
    """A JSON object with exact numbers (Decimal); anything else is INVALID_PARAMETER.

    Exactly RFC 8259 JSON in UTF-8: no byte order mark, no other encoding, no
    duplicate keys (a merchant reading the first of two keys would see another
    order than the gateway), no text a database cannot store (NUL, lone surrogates).
    """
    if not body.strip():
        raise InvalidParameter("the request body is empty")
    if body.startswith(codecs.BOM_UTF8):
        raise InvalidParameter("the request body must be UTF-8 JSON without a byte order mark")
    if b"\x00" in body:
        raise InvalidParameter("the request body must be UTF-8 JSON; it has NUL bytes (UTF-16?)")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidParameter(f"the request body is not valid UTF-8 (byte {exc.start})") from exc
    try:
        value = _DECODER.decode(text)
    except DuplicateKeyError as exc:
        raise InvalidParameter(f"the key {exc.key!r} appears more than once in one object") from exc
    except RecursionError as exc:
        raise InvalidParameter("the request body nests too deeply") from exc
    except json.JSONDecodeError as exc:
        raise InvalidParameter(
            f"the request body is not valid JSON: {exc.msg} (line {exc.lineno} column {exc.colno})"
        ) from exc
    except ValueError as exc:
        raise InvalidParameter(f"the request body is not valid JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise InvalidParameter("the request body must be a JSON object")
    if _ESCAPE.search(body) is not None:  # NUL and surrogates can only arrive as \u escapes
        refuse_unstorable_text(value)
    return value


class DuplicateKeyError(BotimpayError, ValueError):
    """Raised by the decoder when one JSON object names a key twice; parse_json_object
    turns it into INVALID_PARAMETER, so it never leaves this module."""

    def __init__(self, key: str) -> None:
        super().__init__(f"duplicate key {key!r}")
        self.key = key


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise DuplicateKeyError(key)
            seen.add(key)
    return result


def _integer(text: str) -> int | Decimal:
    """Integers as int; very long ones as Decimal, so the field's own check names them
    (int() refuses more than 4,300 digits with an error that would name nothing)."""
    return int(text) if len(text) <= 20 else Decimal(text)


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


# \u0000 and \uD800-\uDFFF: the only ways NUL or a surrogate gets into strict UTF-8 JSON.
_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})")

_DECODER = json.JSONDecoder(
    object_pairs_hook=_object,
    parse_float=Decimal,
    parse_int=_integer,
    parse_constant=_no_constants,
)
