"""One API call on the wire: the signed request, and reading the signed envelope.

Request: `{"bizContent": {...}, "requestTime": ms}` as compact sorted JSON,
headers Partner-Id and sign = base64(SHA256withRSA(body bytes)).
Response: HTTP 200, header `sign` over the exact body bytes, body
`{"head": {"applyStatus", "code", "msg", "traceCode"}, "body": {...}}`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from botimpay_sdk import _json
from botimpay_sdk._config import Config
from botimpay_sdk._exceptions import (
    ApiError,
    HttpStatusError,
    ProtocolError,
    SignatureError,
    TransportError,
)
from botimpay_sdk.codes import SUCCESS, UNSIGNED_TOLERATED
from botimpay_sdk.wire import sign, verify

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

logger = logging.getLogger("botimpay_sdk")


@dataclass(frozen=True, slots=True)
class Call(Generic[T]):
    """What to send to which endpoint, and how to read the success body.

    `idempotent` marks calls whose identical bytes may be sent again.
    """

    path: str
    biz_content: Mapping[str, Any]
    parse: Callable[[Mapping[str, Any]], T]
    idempotent: bool
    file: Callable[[httpx.Response], T] | None = None
    """For the download endpoints: reads a success answer that is a file (a ZIP, a PDF)
    rather than the JSON envelope; a refusal is still the envelope. Such a request goes
    without Content-Language, as the official SDK's download path sends it."""


def encode_request(config: Config, call: Call[Any]) -> httpx.Request:
    """The signed HTTP request for `call`, with requestTime = now."""
    body = _json.dumps({"bizContent": call.biz_content, "requestTime": config.now_ms()})
    headers = {
        "Content-Type": "application/json",
        "Accept": "application/json" if call.file is None else "*/*",
        "Partner-Id": config.partner_id,
        "sign": sign(config.private_key, body),
        "User-Agent": config.user_agent,
    }
    if config.language and call.file is None:
        headers["Content-Language"] = config.language
    return httpx.Request("POST", config.url(call.path), content=body, headers=headers)


def decode_reply(config: Config, call: Call[T], reply: httpx.Response | Exception) -> T:
    """The parsed body of a successful answer; raises the matching SdkError otherwise."""
    if isinstance(reply, Exception):
        raise TransportError(f"{call.path}: {type(reply).__name__}: {reply}") from reply
    if reply.status_code != 200:
        raise HttpStatusError(reply.status_code, f"{call.path}: HTTP {reply.status_code}")
    raw = reply.content
    signature = reply.headers.get("sign")
    if signature is not None and not verify(config.gateway_public_key, raw, signature):
        raise SignatureError(f"{call.path}: response sign does not verify")
    if call.file is not None and not _is_json(reply):
        return call.file(reply)  # the reference documents no sign on a file answer
    try:
        envelope = _envelope(call, raw)
    except ProtocolError as exc:
        if signature is None:
            raise SignatureError(f"{call.path}: response has no sign header") from exc
        raise
    head = envelope["head"]
    code = str(head.get("code"))
    if signature is None and code not in UNSIGNED_TOLERATED:
        raise SignatureError(f"{call.path}: response has no sign header (code {code})")
    msg = str(head.get("msg") or "")
    trace_code = None if head.get("traceCode") is None else str(head["traceCode"])
    apply_status = None if head.get("applyStatus") is None else str(head["applyStatus"])
    logger.debug("%s -> %s %s %s (traceCode %s)", call.path, apply_status, code, msg, trace_code)
    if apply_status != "SUCCESS" or code != SUCCESS:
        raise ApiError(code, msg, trace_code, apply_status)
    body = envelope.get("body")
    if not isinstance(body, dict):
        raise ProtocolError(f"{call.path}: success without a body object")
    return call.parse(body)


def _is_json(reply: httpx.Response) -> bool:
    media_type = str(reply.headers.get("content-type", "")).split(";")[0].strip().lower()
    return media_type == "application/json" or media_type.endswith("+json")


def _envelope(call: Call[Any], raw: bytes) -> dict[str, Any]:
    try:
        data = _json.loads(raw)
    except ValueError as exc:
        raise ProtocolError(f"{call.path}: response is not JSON: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("head"), dict):
        raise ProtocolError(f"{call.path}: response has no head object")
    if "code" not in data["head"]:
        raise ProtocolError(f"{call.path}: response head has no code")
    return data


def field(model: type[M], name: str) -> Callable[[Mapping[str, Any]], M]:
    """A parser that validates `body[name]` as `model`."""

    def parse(body: Mapping[str, Any]) -> M:
        try:
            return model.model_validate(body[name])
        except KeyError:
            raise ProtocolError(f"response body has no {name}") from None
        except ValidationError as exc:
            raise ProtocolError(f"response {name} is not in the documented shape: {exc}") from exc

    return parse


def whole(model: type[M]) -> Callable[[Mapping[str, Any]], M]:
    """A parser that validates the whole body as `model`."""

    def parse(body: Mapping[str, Any]) -> M:
        try:
            return model.model_validate(body)
        except ValidationError as exc:
            raise ProtocolError(f"response body does not have the documented shape: {exc}") from exc

    return parse
