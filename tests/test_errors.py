"""The error tree stays one tree: every exception class the server defines shares the
root (BotimpayError) and is drawn in errors.py's docstring, where readers look for it."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

import botimpay
from botimpay import errors
from botimpay.errors import BotimpayError

# Not importable as modules: the CLI entry point runs, alembic's env needs a context.
_SKIP = ("botimpay.__main__", "botimpay.store.migrations")


def _exception_classes() -> dict[str, type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for info in pkgutil.walk_packages(botimpay.__path__, "botimpay."):
        if info.name.startswith(_SKIP):
            continue
        module = importlib.import_module(info.name)
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, BaseException) and value.__module__ == info.name:
                found[f"{info.name}.{value.__qualname__}"] = value
    return found


def test_every_server_error_shares_the_root() -> None:
    outside = [
        name for name, cls in _exception_classes().items() if not issubclass(cls, BotimpayError)
    ]
    assert outside == []


def test_the_docstring_draws_every_error() -> None:
    drawing = errors.__doc__ or ""
    missing = [
        name
        for name, cls in _exception_classes().items()
        if not re.search(rf"(^|[─ ]){cls.__name__}\s", drawing, re.MULTILINE)
    ]
    assert missing == []
