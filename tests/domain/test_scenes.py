"""Scene codes and their parameters (create-order.mdx, _jsapi.md, _dynqr.md)."""

from __future__ import annotations

import hashlib

import pytest

from botimpay.domain.scenes import DOCUMENTED_SCENES, SceneParams, parse_scene_params
from botimpay.errors import BusinessError, InvalidParameter


def test_jsapi_defaults() -> None:
    assert parse_scene_params("JSAPI", {}) == SceneParams(one_time_payment=False)
    assert parse_scene_params("JSAPI", {}).to_wire() == {"oneTimePayment": "false"}


def test_dynqr_defaults_bind_the_first_payer() -> None:
    params = parse_scene_params("DYNQR", {})
    assert params.change_payer is True
    assert params.to_wire() == {"oneTimePayment": "false", "changePayer": "true"}


@pytest.mark.parametrize("value", ["true", "TRUE", " True ", True])
def test_flags_accept_strings_in_any_case_and_booleans(value: object) -> None:
    assert parse_scene_params("JSAPI", {"oneTimePayment": value}).one_time_payment is True


@pytest.mark.parametrize("code", sorted(DOCUMENTED_SCENES - {"JSAPI", "DYNQR"}))
def test_documented_but_unsupported_scenes_are_not_applied(code: str) -> None:
    with pytest.raises(BusinessError) as info:
        parse_scene_params(code, {})
    assert info.value.code.code == "62026"


def test_unknown_scene_is_illegal() -> None:
    with pytest.raises(BusinessError) as info:
        parse_scene_params("CRYPTO", {})
    assert info.value.code.code == "62012"


def test_bad_one_time_payment_has_its_own_code() -> None:
    with pytest.raises(BusinessError) as info:
        parse_scene_params("DYNQR", {"oneTimePayment": "yes"})
    assert info.value.code.code == "62073"


def test_dynqr_checks_email_and_eid() -> None:
    eid = hashlib.sha256(b"784-1990-1234567-1").hexdigest()
    params = parse_scene_params("DYNQR", {"email": "a@b.ae", "eid": eid.upper()})
    assert params.eid == eid
    with pytest.raises(BusinessError) as info:
        parse_scene_params("DYNQR", {"email": "not-an-email"})
    assert info.value.code.code == "62059"
    with pytest.raises(InvalidParameter, match=r"paySceneParams\.eid"):
        parse_scene_params("DYNQR", {"eid": "784-1990-1234567-1"})


def test_payer_mid_is_limited_to_12_characters() -> None:
    assert parse_scene_params("JSAPI", {"payerMid": "1" * 12}).payer_mid == "1" * 12
    with pytest.raises(InvalidParameter, match="payerMid"):
        parse_scene_params("JSAPI", {"payerMid": "1" * 13})
