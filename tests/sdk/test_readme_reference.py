"""The README's SDK sections stay true: the API reference lists exactly `botimpay_sdk.__all__`
(each name importable), and the five-minute example runs against a real gateway."""

from __future__ import annotations

import re
import subprocess
import sys
import uuid
from pathlib import Path

import botimpay_sdk
import httpx

from tests.harness import Gateway
from tests.sdk.conftest import PASSWORD, PHONE

README = Path(__file__).resolve().parents[2] / "README.md"


def section(title: str) -> str:
    """The text of the README's `## title` section, up to the next `## ` heading."""
    text = README.read_text(encoding="utf-8")
    found = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert found, f"README.md has no '## {title}' section"
    return found.group(1)


def documented_names() -> list[str]:
    return re.findall(r"^- `([A-Za-z_][A-Za-z0-9_]*)` — \S", section("SDK API reference"), re.M)


def test_every_documented_name_exists_and_imports() -> None:
    names = documented_names()
    assert names, "no '- `name` — description' lines in the SDK API reference"
    namespace: dict[str, object] = {}
    for name in names:
        exec(f"from botimpay_sdk import {name}", namespace)  # what a reader would type
        assert namespace[name] is getattr(botimpay_sdk, name)


def test_the_reference_lists_exactly_the_public_names() -> None:
    names = documented_names()
    duplicates = sorted({name for name in names if names.count(name) > 1})
    assert not duplicates, f"listed twice in README.md: {duplicates}"
    public = set(botimpay_sdk.__all__)
    missing = sorted(public - set(names))
    unknown = sorted(set(names) - public)
    assert not missing, f"public names missing from README.md's SDK API reference: {missing}"
    assert not unknown, f"README.md documents names botimpay_sdk does not export: {unknown}"


def test_the_five_minute_example_runs(gateway: Gateway) -> None:
    """The first code block, run as written against the session gateway's demo merchant
    (its key files are where `botimpay init` put them); only the URL and number differ."""
    code = re.search(r"```python\n(.*?)```", section("Integrate in five minutes"), re.S)
    assert code, "no python example in 'Integrate in five minutes'"
    source = code.group(1)
    assert "http://127.0.0.1:8000/sgs/api" in source
    assert '"M-0001"' in source
    merchant_order_no = f"README-{uuid.uuid4().hex}"
    source = source.replace("http://127.0.0.1:8000/sgs/api", gateway.base_url + "/sgs/api")
    source = source.replace('"M-0001"', f'"{merchant_order_no}"')
    run = subprocess.run([sys.executable, "-c", source], cwd=gateway.workdir,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    token_url, status = run.stdout.split()
    assert token_url.startswith(gateway.base_url + "/pay-page/main?ft=")
    assert status == "CREATED"

    paid = httpx.post(gateway.base_url + "/sandbox/api/pay", timeout=30,
                      json={"tokenUrl": token_url, "phone": PHONE, "paymentPassword": PASSWORD})
    assert paid.json()["acquireOrder"]["merchantOrderNo"] == merchant_order_no
    assert paid.json()["result"] == "SUCCESS"
