"""Pay scenes: which codes exist, which this gateway offers, and their parameters.

JSAPI takes payerMid and oneTimePayment; DYNQR takes changePayer,
oneTimePayment, email and eid (create-order.mdx, _jsapi.md, _dynqr.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from botimpay.errors import BusinessError, InvalidParameter
from botimpay.protocol import codes

SUPPORTED_SCENES = frozenset({"JSAPI", "DYNQR"})
DOCUMENTED_SCENES = frozenset(
    {
        "PAYPAGE",
        "INAPP",
        "EWALLET",
        "DYNQR",
        "QRPAY",
        "JSAPI",
        "AUTODEBIT",
        "DIRECTPAY",
        "PREAUTH",
        "PREAUTHVOID",
        "CAPTURE",
        "CASHTOPUP",
        "PAYANDSIGN",
    }
)
PRODUCT_NAME = "Basic Payment Gateway"

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
_SHA256_HEX = re.compile(r"^[0-9a-fA-F]{64}$")


@dataclass(frozen=True, slots=True)
class SceneParams:
    """The validated paySceneParams of a JSAPI or DYNQR order, defaults applied."""

    one_time_payment: bool = False
    payer_mid: str | None = None
    change_payer: bool | None = None
    email: str | None = None
    eid: str | None = None

    def to_wire(self) -> dict[str, str]:
        wire: dict[str, str] = {"oneTimePayment": _flag_text(self.one_time_payment)}
        if self.payer_mid is not None:
            wire["payerMid"] = self.payer_mid
        if self.change_payer is not None:
            wire["changePayer"] = _flag_text(self.change_payer)
        if self.email is not None:
            wire["email"] = self.email
        if self.eid is not None:
            wire["eid"] = self.eid
        return wire


def _flag_text(value: bool) -> str:
    return "true" if value else "false"


def _parse_flag(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def _optional_text(params: dict[str, Any], name: str, max_length: int | None) -> str | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidParameter(f"bizContent.paySceneParams.{name}: must be a string")
    if max_length is not None and len(value) > max_length:
        raise InvalidParameter(
            f"bizContent.paySceneParams.{name}: must be at most {max_length} characters"
        )
    return value


def check_scene_code(code: str) -> None:
    """62026 for documented scenes this gateway does not offer, 62012 for unknown ones."""
    if code in SUPPORTED_SCENES:
        return
    if code in DOCUMENTED_SCENES:
        raise BusinessError(
            codes.PRODUCT_IS_NOT_APPLIED, f"paySceneCode {code} is not applied for this merchant"
        )
    raise BusinessError(codes.PAYSCENECODE_ILLEGAL, f"paySceneCode {code!r} is not a known value")


def parse_scene_params(code: str, params: dict[str, Any]) -> SceneParams:
    """Validates the parameters of `code`; parameters of other scenes are ignored."""
    check_scene_code(code)
    raw_once = params.get("oneTimePayment")
    one_time = False
    if raw_once is not None and raw_once != "":
        parsed = _parse_flag(raw_once)
        if parsed is None:
            raise BusinessError(
                codes.INVALID_ONE_TIME_PAYMENT,
                "bizContent.paySceneParams.oneTimePayment: must be true or false",
            )
        one_time = parsed
    if code == "JSAPI":
        return SceneParams(
            one_time_payment=one_time, payer_mid=_optional_text(params, "payerMid", 12)
        )
    raw_change = params.get("changePayer")
    change_payer = True
    if raw_change is not None and raw_change != "":
        parsed_change = _parse_flag(raw_change)
        if parsed_change is None:
            raise InvalidParameter("bizContent.paySceneParams.changePayer: must be true or false")
        change_payer = parsed_change
    email = _optional_text(params, "email", 200)
    if email is not None and not _EMAIL.match(email):
        raise BusinessError(codes.INVALID_EMAIL, "bizContent.paySceneParams.email: invalid email")
    eid = _optional_text(params, "eid", 64)
    if eid is not None and not _SHA256_HEX.match(eid):
        raise InvalidParameter(
            "bizContent.paySceneParams.eid: must be the SHA-256 hex digest of the Emirates ID"
        )
    return SceneParams(
        one_time_payment=one_time,
        change_payer=change_payer,
        email=email,
        eid=eid.lower() if eid else None,
    )
