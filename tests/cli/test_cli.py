"""The `botimpay` command line (init, merchant management, --db forms) and the
unsigned HTTP extras: /healthz, /openapi.json and the locally served /docs."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlparse

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from tests.harness import BOTIMPAY, Gateway, Merchant, free_port, new_key, public_b64, public_pem

DEMO = "200000000888"
ENDPOINTS = ["placeOrder", "getOrder", "cancelOrder", "updateExpiredTime"]


def run(*args: str, cwd: Path, env_db: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "BOTIMPAY_DB"}
    if env_db:
        env["BOTIMPAY_DB"] = env_db
    return subprocess.run([*BOTIMPAY, *args], capture_output=True, text=True, cwd=cwd, env=env,
                          timeout=120)


def output(result: subprocess.CompletedProcess[str]) -> str:
    return result.stdout + result.stderr


def printed_key_files(text: str, cwd: Path) -> tuple[list[Path], list[Path]]:
    """(private key files, public key files) among the paths printed in `text`."""
    private, public = [], []
    for token in re.split(r"[\s'\"`=,;()\[\]]+", text):
        token = token.rstrip(".:")
        if not token:
            continue
        path = Path(token) if Path(token).is_absolute() else cwd / token
        try:
            if not path.is_file():
                continue
            content = path.read_bytes()
        except OSError:
            continue
        if b"PRIVATE KEY" in content and path.resolve() not in private:
            private.append(path.resolve())
        elif b"PUBLIC KEY" in content and path.resolve() not in public:
            public.append(path.resolve())
    return private, public


def fingerprint(key: rsa.RSAPrivateKey) -> str:
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(der).hexdigest()


def random_pid() -> str:
    return str(300000000000 + uuid.uuid4().int % 99999999999)


def merchants(gateway: Gateway) -> dict[str, dict[str, Any]]:
    data = json.loads(gateway.cli("merchant", "list", "--json").stdout)
    assert isinstance(data, list)
    return {entry["partnerId"]: entry for entry in data}


# --- init -------------------------------------------------------------------------------


@pytest.mark.parametrize("key_dir", [True, False], ids=["key_dir", "default_key_dir"])
def test_init_on_fresh_database_prints_demo_merchant_and_key_paths(
    tmp_path: Path, key_dir: bool
) -> None:
    db = f"sqlite:///{tmp_path / 'fresh.db'}"
    args = ["init", "--db", db] + (["--key-dir", str(tmp_path / "keys")] if key_dir else [])
    result = run(*args, cwd=tmp_path)
    assert result.returncode == 0, output(result)
    assert DEMO in output(result)
    private, public = printed_key_files(output(result), tmp_path)
    assert len(private) == 1, output(result)
    assert len(public) >= 1, output(result)
    key = serialization.load_pem_private_key(private[0].read_bytes(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    assert all(isinstance(serialization.load_pem_public_key(p.read_bytes()), rsa.RSAPublicKey)
               for p in public)
    if key_dir:
        assert all(p.is_relative_to((tmp_path / "keys").resolve()) for p in private + public)
    assert "Traceback" not in output(result)


def test_init_twice_is_idempotent(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'twice.db'}"
    args = ("init", "--db", db, "--key-dir", str(tmp_path / "keys"))
    first = run(*args, cwd=tmp_path)
    assert first.returncode == 0, output(first)
    private, public = printed_key_files(output(first), tmp_path)
    before = {path: path.read_bytes() for path in private + public}
    assert private, output(first)
    listed = run("merchant", "list", "--json", "--db", db, cwd=tmp_path)
    demo_before = next(m for m in json.loads(listed.stdout) if m["partnerId"] == DEMO)
    second = run(*args, cwd=tmp_path)
    assert second.returncode == 0, output(second)
    assert "Traceback" not in output(second)
    assert {path: path.read_bytes() for path in before} == before
    listed = run("merchant", "list", "--json", "--db", db, cwd=tmp_path)
    demos = [m for m in json.loads(listed.stdout) if m["partnerId"] == DEMO]
    assert demos == [demo_before]
    assert len(demo_before["keys"]) == 1


def test_demo_private_key_signs_requests_the_gateway_accepts(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'demo.db'}"
    init = run("init", "--db", db, cwd=tmp_path)
    assert init.returncode == 0, output(init)
    private, public = printed_key_files(output(init), tmp_path)
    assert len(private) == 1, output(init)
    demo_key = serialization.load_pem_private_key(private[0].read_bytes(), password=None)
    assert isinstance(demo_key, rsa.RSAPrivateKey)
    printed = [serialization.load_pem_public_key(p.read_bytes()) for p in public]
    gw = Gateway(db_url=db, port=free_port(), workdir=tmp_path)
    gw.start()
    try:
        served = serialization.load_pem_public_key(
            gw.cli("merchant", "gateway-key", "--partner-id", DEMO).stdout.encode()
        )
        assert isinstance(served, rsa.RSAPublicKey)
        assert served.public_numbers() in [k.public_numbers() for k in printed]  # type: ignore[union-attr]
        demo = Merchant(DEMO, demo_key, served, gw.base_url)
        order = demo.place_order().assert_ok().order  # call() checks the response signature
        assert order["payeeMid"] == DEMO
    finally:
        gw.stop()


# --- merchant add / list ----------------------------------------------------------------


def test_merchant_list_json(gateway: Gateway) -> None:
    plain = gateway.add_merchant()
    custom = gateway.add_merchant(extra=["--fee-rate", "0.01", "--ip-whitelist", "10.0.0.0/8"])
    gateway.cli("merchant", "disable", "--partner-id", custom.partner_id)
    listed = merchants(gateway)
    assert DEMO in listed
    for m in (plain, custom):
        entry = listed[m.partner_id]
        assert {"partnerId", "name", "status", "feeRate", "ipWhitelist", "keys"} <= set(entry)
        assert entry["name"] == f"Shop {m.partner_id}"
        assert [k.lower() for k in entry["keys"]] == [fingerprint(m.private_key)]
    assert Decimal(str(listed[plain.partner_id]["feeRate"])) == Decimal("0.003")
    assert Decimal(str(listed[custom.partner_id]["feeRate"])) == Decimal("0.01")
    assert listed[plain.partner_id]["ipWhitelist"] == ["*"]
    assert listed[custom.partner_id]["ipWhitelist"] == ["10.0.0.0/8"]
    assert listed[plain.partner_id]["status"] != listed[custom.partner_id]["status"]
    gateway.cli("merchant", "enable", "--partner-id", custom.partner_id)
    assert merchants(gateway)[custom.partner_id]["status"] == listed[plain.partner_id]["status"]
    table = gateway.cli("merchant", "list").stdout
    assert plain.partner_id in table
    assert custom.partner_id in table


@pytest.mark.parametrize("key_format", ["pem", "b64"])
def test_merchant_add_reads_public_key_from_file(
    gateway: Gateway, tmp_path: Path, key_format: str
) -> None:
    key, pid = new_key(), random_pid()
    key_file = tmp_path / f"merchant.{key_format}"
    key_file.write_text(public_pem(key) if key_format == "pem" else public_b64(key) + "\n")
    gateway.cli("merchant", "add", "--partner-id", pid, "--name", "File Shop",
                "--public-key", str(key_file))
    gateway_key = serialization.load_pem_public_key(
        gateway.cli("merchant", "gateway-key", "--partner-id", pid).stdout.encode()
    )
    assert isinstance(gateway_key, rsa.RSAPublicKey)
    Merchant(pid, key, gateway_key, gateway.base_url).place_order().assert_ok()


def _ec_public_pem() -> str:
    return ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


# kind: (partner id, None = a fresh valid one; public key, None = a valid PEM; extra args)
BAD_ADDS: dict[str, tuple[str | None, str | None, list[str]]] = {
    "key_not_a_key": (None, "not a key", []),
    "key_broken_pem": (None, "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", []),
    "key_missing_file": (None, "/nonexistent/k.pem", []),
    "key_not_rsa": (None, _ec_public_pem(), []),
    "pid_non_digit": ("12345abc", None, []),
    "pid_13_chars": ("1234567890123", None, []),
    "pid_empty": ("", None, []),
    "cidr_prefix_33": (None, None, ["--ip-whitelist", "10.0.0.0/33"]),
    "cidr_garbage": (None, None, ["--ip-whitelist", "not-an-ip"]),
    "fee_rate_2": (None, None, ["--fee-rate", "2"]),
    "fee_rate_negative": (None, None, ["--fee-rate", "-0.1"]),
    "fee_rate_text": (None, None, ["--fee-rate", "abc"]),
}


@pytest.mark.parametrize("kind", BAD_ADDS)
def test_merchant_add_refuses_bad_input_cleanly(gateway: Gateway, kind: str) -> None:
    pid_override, key, extra = BAD_ADDS[kind]
    pid = random_pid() if pid_override is None else pid_override
    result = gateway.cli("merchant", "add", "--partner-id", pid, "--name", "Bad Shop",
                         "--public-key", key or public_pem(new_key()), *extra, check=False)
    assert result.returncode != 0, output(result)
    assert output(result).strip(), "no message"
    assert "Traceback" not in output(result), output(result)
    assert pid not in merchants(gateway)


def test_merchant_add_duplicate_partner_id_is_refused(gateway: Gateway) -> None:
    original = gateway.add_merchant()
    result = gateway.cli("merchant", "add", "--partner-id", original.partner_id, "--name", "Dup",
                         "--public-key", public_pem(new_key()), check=False)
    assert result.returncode != 0, output(result)
    assert output(result).strip()
    assert "Traceback" not in output(result), output(result)
    entry = merchants(gateway)[original.partner_id]
    assert entry["name"] == f"Shop {original.partner_id}"
    assert [k.lower() for k in entry["keys"]] == [fingerprint(original.private_key)]
    original.place_order().assert_ok()


def test_gateway_key_for_unknown_partner_fails(gateway: Gateway) -> None:
    result = gateway.cli("merchant", "gateway-key", "--partner-id", "999999999998", check=False)
    assert result.returncode != 0, output(result)
    assert "BEGIN PUBLIC KEY" not in result.stdout
    assert "Traceback" not in output(result), output(result)


# --- --db forms -------------------------------------------------------------------------


@pytest.mark.parametrize(("init_form", "use_form"),
                         [("url", "bare"), ("bare", "url"), ("env_url", "bare")])
def test_db_option_accepts_url_and_bare_path(tmp_path: Path, init_form: str, use_form: str) -> None:
    path = tmp_path / "forms.db"
    forms = {"url": f"sqlite:///{path}", "bare": str(path)}
    if init_form == "env_url":
        init = run("init", "--key-dir", str(tmp_path / "keys"), cwd=tmp_path, env_db=forms["url"])
    else:
        init = run("init", "--db", forms[init_form], "--key-dir", str(tmp_path / "keys"),
                   cwd=tmp_path)
    assert init.returncode == 0, output(init)
    assert path.is_file()
    pid = random_pid()
    added = run("merchant", "add", "--db", forms[use_form], "--partner-id", pid, "--name", "Forms",
                "--public-key", public_pem(new_key()), cwd=tmp_path)
    assert added.returncode == 0, output(added)
    listed = run("merchant", "list", "--json", "--db", forms[use_form], cwd=tmp_path)
    assert listed.returncode == 0, output(listed)
    assert {DEMO, pid} <= {m["partnerId"] for m in json.loads(listed.stdout)}
    assert not (tmp_path / "botimpay.db").exists()
    assert not (tmp_path / "sqlite:").exists()


# --- HTTP extras ------------------------------------------------------------------------


def test_healthz(gateway: Gateway) -> None:
    r = httpx.get(gateway.base_url + "/healthz")
    assert r.status_code == 200
    assert r.json()["status"] == "ok"


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    for _ in range(10):
        if "$ref" in schema:
            node: Any = spec
            for part in schema["$ref"].removeprefix("#/").split("/"):
                node = node[part]
            schema = node
        elif len(schema.get("allOf", [])) == 1:
            schema = schema["allOf"][0]
        else:
            return schema
    raise AssertionError(f"unresolvable schema {schema}")


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_openapi_documents_merchant_endpoint(gateway: Gateway, endpoint: str) -> None:
    r = httpx.get(gateway.base_url + "/openapi.json")
    assert r.status_code == 200
    spec = r.json()
    operation = spec["paths"][f"/sgs/api/acquire2/{endpoint}"]["post"]
    request = _resolve(spec, operation["requestBody"]["content"]["application/json"]["schema"])
    assert {"requestTime", "bizContent"} <= set(request.get("properties", {})), request
    biz = _resolve(spec, request["properties"]["bizContent"])
    assert biz.get("properties"), biz
    if endpoint == "placeOrder":
        required = {"merchantOrderNo", "subject", "totalAmount", "paySceneCode"}
        assert required <= set(biz["properties"])
    response = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert "head" in _resolve(spec, response).get("properties", {}), response


def test_docs_page_loads_only_same_origin_assets(gateway: Gateway) -> None:
    r = httpx.get(gateway.base_url + "/docs")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    html = r.text
    scripts = re.findall(r"<script[^>]*\bsrc\s*=\s*[\"']([^\"']+)", html, re.IGNORECASE)
    styles = re.findall(r"<link[^>]*\bhref\s*=\s*[\"']([^\"']+)", html, re.IGNORECASE)
    assert scripts, html
    origin = urlparse(gateway.base_url).netloc
    for src in scripts + styles:
        url = urljoin(gateway.base_url + "/docs", src)
        assert urlparse(url).netloc == origin, src
        assert httpx.get(url).status_code == 200, url
    for cdn in ("cdn.jsdelivr.net", "unpkg.com", "cdnjs.cloudflare.com"):
        assert cdn not in html
