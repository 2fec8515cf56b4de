"""A merchant's enabled scenes as the rules see them: parsing what an operator types,
the stored form, and the 62026 refusal naming the scene and the enabled ones."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from botimpay.domain.merchant import Merchant, MerchantStatus, parse_scenes, scenes_text
from botimpay.domain.scenes import SUPPORTED_SCENES
from botimpay.errors import BusinessError, ConfigError
from botimpay.protocol import codes


def merchant(scenes: frozenset[str] = SUPPORTED_SCENES) -> Merchant:
    return Merchant("123", "Shop", MerchantStatus.ACTIVE, Decimal("0.003"), ("*",), None, scenes)


@pytest.mark.parametrize(
    ("typed", "scenes"),
    [
        ("DYNQR", {"DYNQR"}),
        ("jsapi, dynqr", {"JSAPI", "DYNQR"}),
        ("JSAPI JSAPI", {"JSAPI"}),
        (["JSAPI", "DYNQR,"], {"JSAPI", "DYNQR"}),
    ],
)
def test_parse_scenes_takes_any_case_and_separator(
    typed: str | list[str], scenes: set[str]
) -> None:
    assert parse_scenes(typed) == frozenset(scenes)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("JSAPI,NOPE", "unknown scene 'NOPE' (botimpay serves DYNQR, JSAPI)"),
        ("INAPP", "scene 'INAPP' is not served by botimpay"),
        (" , ", "give at least one scene"),
        ([], "give at least one scene"),
    ],
)
def test_parse_scenes_refuses_naming_the_scene(typed: str | list[str], message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        parse_scenes(typed)


def test_stored_form_is_sorted_and_comma_separated() -> None:
    assert scenes_text(frozenset({"JSAPI", "DYNQR"})) == "DYNQR,JSAPI"
    assert scenes_text(SUPPORTED_SCENES, ", ") == "DYNQR, JSAPI"


def test_a_merchant_is_enabled_for_every_served_scene_by_default() -> None:
    default = merchant()
    for scene in sorted(SUPPORTED_SCENES):
        default.check_scene(scene)


def test_a_scene_not_enabled_is_62026_naming_it_and_the_enabled_ones() -> None:
    limited = merchant(frozenset({"DYNQR"}))
    limited.check_scene("DYNQR")
    with pytest.raises(BusinessError) as refused:
        limited.check_scene("JSAPI")
    assert refused.value.code == codes.PRODUCT_IS_NOT_APPLIED
    assert refused.value.message == (
        "paySceneCode JSAPI is not applied for merchant 123; its enabled scenes are DYNQR"
    )
