"""The public surface is exactly `__all__`: sorted, complete, homed at botimpay_sdk."""

from __future__ import annotations

import types

import botimpay_sdk


def _isort_key(name: str) -> tuple[int, str]:
    """The order ruff's RUF022 keeps: CONSTANTS, then CamelCase, then the rest."""
    if name.isupper():
        return (0, name)
    if name[:1].isupper():
        return (1, name)
    return (2, name)


def test_all_is_sorted_and_unique() -> None:
    names = botimpay_sdk.__all__
    assert names == sorted(names, key=_isort_key)
    assert len(names) == len(set(names))


def test_every_exported_name_exists() -> None:
    for name in botimpay_sdk.__all__:
        assert hasattr(botimpay_sdk, name), name


def test_every_public_attribute_is_exported() -> None:
    public = {
        name
        for name, value in vars(botimpay_sdk).items()
        if not name.startswith("_") and not (
            isinstance(value, types.ModuleType) and name != "codes"
        )
    }
    assert public | {"__version__"} == set(botimpay_sdk.__all__)


def test_exported_objects_live_in_the_package_namespace() -> None:
    for name in botimpay_sdk.__all__:
        value = getattr(botimpay_sdk, name)
        module = getattr(value, "__module__", None)
        if isinstance(value, type | types.FunctionType):
            assert module == "botimpay_sdk", name


def test_models_are_fully_built() -> None:
    for name in botimpay_sdk.__all__:
        value = getattr(botimpay_sdk, name)
        if isinstance(value, type) and hasattr(value, "__pydantic_complete__"):
            assert value.__pydantic_complete__, name


def test_private_modules_are_private() -> None:
    for name, value in vars(botimpay_sdk).items():
        if isinstance(value, types.ModuleType) and value.__name__.startswith("botimpay_sdk."):
            assert name == "codes" or name.startswith("_"), name
