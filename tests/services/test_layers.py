"""The layers as contracts (DESIGN.md, Architecture): services run no SQL of their own
and import no table object; notify/ imports nothing from services/ (what it needs is
handed in: signing keys, the sandbox clock)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import botimpay

PACKAGE = Path(botimpay.__file__).parent


def imports(module: Path) -> set[str]:
    """Every module `module` imports (`from a.b import c` counts as a.b and a.b.c)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(module.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def modules(layer: str) -> list[Path]:
    return sorted((PACKAGE / layer).glob("*.py"))


@pytest.mark.parametrize("module", modules("services"), ids=lambda p: p.name)
def test_services_import_no_table_or_sql(module: Path) -> None:
    wrong = {
        name for name in imports(module) if name.startswith(("botimpay.store.tables", "sqlalchemy"))
    }
    assert wrong == set()


@pytest.mark.parametrize("module", modules("notify"), ids=lambda p: p.name)
def test_notify_imports_no_service(module: Path) -> None:
    assert {name for name in imports(module) if name.startswith("botimpay.services")} == set()
