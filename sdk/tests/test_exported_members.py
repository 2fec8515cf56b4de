"""The public surface is exactly `__all__`: sorted, complete, homed at botimpay_sdk."""

from __future__ import annotations

import subprocess
import sys
import types

import botimpay_sdk

PUBLIC_MODULES = {"codes", "wire"}  # the code table and the wire core shared with the gateway


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
    assert botimpay_sdk.Client  # the first use loads the client and models into the namespace
    public = {
        name
        for name, value in vars(botimpay_sdk).items()
        if not name.startswith("_") and not (
            isinstance(value, types.ModuleType) and name not in PUBLIC_MODULES
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
            assert name in PUBLIC_MODULES or name.startswith("_"), name


def test_importing_the_wire_core_loads_no_client() -> None:
    """The gateway imports `codes` and `wire` without an HTTP client, pydantic or segno."""
    probe = (
        "import sys, botimpay_sdk.wire, botimpay_sdk.codes; "
        "print(sorted({'httpx', 'pydantic', 'segno'} & set(sys.modules)))"
    )
    run = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert run.stdout.strip() == "[]"
