"""Asynchronous notifications from the gateway: verify, then parse.

The gateway POSTs signed JSON to `notifyUrl` and retries (2 m, 10 m, 10 m,
1 h, 2 h, 6 h, 15 h) until the merchant answers `{"response":"SUCCESS"}`.
The same notification may arrive more than once: process it idempotently.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final, TypeAlias, cast

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel

from botimpay_sdk import _json
from botimpay_sdk._exceptions import ProtocolError, SignatureError
from botimpay_sdk._responses import AcquireOrder, RefundOrder
from botimpay_sdk._types import HeaderTypes, PublicKeyTypes
from botimpay_sdk.wire import load_public_key, verify

NOTIFICATION_SUCCESS_BODY: Final = b'{"response":"SUCCESS"}'
"""What to answer (HTTP 200, `Content-Type: application/json`) once a notification is handled."""


class _Notification(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        extra="allow",
        frozen=True,
        coerce_numbers_to_str=True,
    )

    notify_id: str = Field(validation_alias=AliasChoices("notify_id", "notifyId"))
    notify_timestamp: int = Field(
        validation_alias=AliasChoices("notify_timestamp", "notifyTimestamp")
    )


class PaymentNotification(_Notification):
    """A payment order changed status (PAID_SUCCESS, or FAILURE on expiry, cancel, revoke)."""

    acquire_order: AcquireOrder


class RefundNotification(_Notification):
    """A refund order reached SUCCESS or FAILURE."""

    refund_order: RefundOrder


Notification: TypeAlias = PaymentNotification | RefundNotification


def _header(headers: HeaderTypes, name: str) -> str | None:
    """Case-insensitive lookup in a mapping or a list of (name, value) pairs, str or bytes."""
    items: Iterable[tuple[Any, Any]]
    if isinstance(headers, Mapping) or hasattr(headers, "items"):
        items = cast(Mapping[Any, Any], headers).items()
    else:
        items = headers
    wanted = name.lower()
    for key, value in items:
        key_text = key.decode("latin-1") if isinstance(key, bytes) else str(key)
        if key_text.lower() == wanted:
            return value.decode("latin-1") if isinstance(value, bytes) else str(value)
    return None


def parse_notification(
    headers: HeaderTypes,
    body: bytes,
    *,
    gateway_public_key: PublicKeyTypes,
) -> Notification:
    """Verifies `sign` over the exact body bytes, then returns the typed notification.

    Raises SignatureError when `sign` is missing or wrong, ProtocolError when the
    verified body is not a payment or refund notification. Pass the raw request
    body (`await request.body()`, `request.get_data()`), never re-serialised JSON.
    """
    if not isinstance(body, bytes | bytearray | memoryview):
        raise TypeError("body must be the raw request bytes")
    raw = bytes(body)
    signature = _header(headers, "sign")
    if not signature:
        raise SignatureError("notification has no sign header")
    if not verify(load_public_key(gateway_public_key), raw, signature):
        raise SignatureError("notification sign does not verify with the gateway public key")
    try:
        data = _json.loads(raw)
    except ValueError as exc:
        raise ProtocolError(f"notification body is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ProtocolError("notification body is not a JSON object")
    has_payment = "acquireOrder" in data
    has_refund = "refundOrder" in data
    if has_payment == has_refund:
        raise ProtocolError("notification must carry exactly one of acquireOrder and refundOrder")
    model: type[Notification] = PaymentNotification if has_payment else RefundNotification
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ProtocolError(f"notification does not have the documented shape: {exc}") from exc
