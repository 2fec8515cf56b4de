"""The SDK installs alone into a fresh virtualenv and pulls in no server packages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SDK_DIR = Path(__file__).resolve().parents[1]

CHECK = """
import importlib.metadata, importlib.util, json
import botimpay_sdk
from botimpay_sdk import Money, PlaceOrderRequest, jsapi, qr_svg
PlaceOrderRequest(merchant_order_no="M1", subject="Tea", total_amount=Money.aed("1.00"),
                  scene=jsapi())
assert qr_svg("x").startswith("<svg")
server = ["fastapi", "sqlalchemy", "uvicorn", "starlette", "alembic", "botimpay"]
print(json.dumps({
    "version": botimpay_sdk.__version__,
    "present": [name for name in server if importlib.util.find_spec(name) is not None],
    "requires": sorted(
        r for r in importlib.metadata.requires("botimpay-sdk") or [] if "extra ==" not in r
    ),
}))
"""


@pytest.mark.slow
def test_fresh_virtualenv_install(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q",
         str(SDK_DIR)],
        capture_output=True, text=True, timeout=600, env=env, cwd=tmp_path,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    check = subprocess.run(
        [str(python), "-c", CHECK],
        capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path,
    )
    assert check.returncode == 0, check.stderr
    report = json.loads(check.stdout)
    assert report["present"] == []
    assert report["requires"] == [
        "cryptography==50.0.2", "httpx==0.28.1", "pydantic==2.14.4", "segno==1.6.6",
    ]
