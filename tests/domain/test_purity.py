"""The domain imports no framework — checked at run time too. import-linter (the
`pure-domain` contract) sees only our own modules; a package outside the tree (the SDK,
say) that pulls in httpx or pydantic when imported would pass it unseen, so a fresh
interpreter imports every domain module and lists what got loaded."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).parents[2] / "pyproject.toml"

_PROBE = """
import importlib, pkgutil, sys
import botimpay.domain as domain
for info in pkgutil.walk_packages(domain.__path__, "botimpay.domain."):
    importlib.import_module(info.name)
forbidden = sys.argv[1:]
print(" ".join(sorted(name for name in forbidden if name in sys.modules)))
"""


def _forbidden() -> list[str]:
    config = tomllib.loads(PYPROJECT.read_text())["tool"]["importlinter"]
    (contract,) = [c for c in config["contracts"] if c["id"] == "pure-domain"]
    return list(contract["forbidden_modules"])


def test_importing_the_domain_loads_no_framework() -> None:
    forbidden = _forbidden()
    assert "sqlalchemy" in forbidden
    loaded = subprocess.run(
        [sys.executable, "-c", _PROBE, *forbidden],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.split()
    assert loaded == []
