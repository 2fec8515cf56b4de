"""Payment scenes: `paySceneCode` plus its `paySceneParams`, built by `jsapi()` / `dynqr()`."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from botimpay_sdk._exceptions import InvalidRequestError

_SHA256_HEX = re.compile(r"^[0-9a-fA-F]{64}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class PayScene(BaseModel):
    """Which checkout the order uses (`code`) and that scene's parameters.

    Use `jsapi()` or `dynqr()`; other scenes can be given as
    `PayScene(code="PAYPAGE", params={...})`.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(min_length=1, max_length=32)
    params: dict[str, Any] = Field(default_factory=dict)


def _flag(value: bool) -> str:
    return "true" if value else "false"


def jsapi(*, payer_mid: str | None = None, one_time_payment: bool | None = None) -> PayScene:
    """BOTIM in-app checkout. `payer_mid` (≤ 12 chars) makes the gateway accept
    only that wallet as payer; `one_time_payment` makes a failed attempt final."""
    params: dict[str, Any] = {}
    if payer_mid is not None:
        if not payer_mid or len(payer_mid) > 12:
            raise InvalidRequestError("payer_mid must be 1 to 12 characters")
        params["payerMid"] = payer_mid
    if one_time_payment is not None:
        params["oneTimePayment"] = _flag(one_time_payment)
    return PayScene(code="JSAPI", params=params)


def dynqr(
    *,
    change_payer: bool | None = None,
    one_time_payment: bool | None = None,
    email: str | None = None,
    eid: str | None = None,
) -> PayScene:
    """Merchant-presented dynamic QR. `change_payer` (gateway default true) binds
    the first scanner to the order; `one_time_payment` makes a failed attempt
    final; `email` is the payer's; `eid` is the SHA-256 hex of the payer's
    Emirates ID, which the wallet must match."""
    params: dict[str, Any] = {}
    if change_payer is not None:
        params["changePayer"] = _flag(change_payer)
    if one_time_payment is not None:
        params["oneTimePayment"] = _flag(one_time_payment)
    if email is not None:
        if not _EMAIL.match(email):
            raise InvalidRequestError(f"email {email!r} does not look like an email address")
        params["email"] = email
    if eid is not None:
        if not _SHA256_HEX.match(eid):
            raise InvalidRequestError("eid must be the 64-hex-digit SHA-256 of the Emirates ID")
        params["eid"] = eid
    return PayScene(code="DYNQR", params=params)
