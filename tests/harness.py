"""Test harness: a real `botimpay serve` subprocess and a raw signing merchant client.

Tests talk to the gateway only over HTTP and the CLI, as a merchant would. The
client signs and verifies through the SDK's wire core (`botimpay_sdk.wire`), the
one the gateway uses; tests/protocol/test_signing.py pins it to cryptography itself.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import orjson
from botimpay_sdk.wire import sign as rsa_sign
from botimpay_sdk.wire import verify as rsa_verify
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

BOTIMPAY = [sys.executable, "-m", "botimpay"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def now_ms() -> int:
    return int(time.time() * 1000)


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_pem(key: rsa.RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def public_b64(key: rsa.RSAPrivateKey) -> str:
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode()


def order_no() -> str:
    """A fresh merchantOrderNo (max 64 chars)."""
    return "T" + uuid.uuid4().hex


def dumps(obj: Any) -> bytes:
    """Compact JSON; Decimal amounts are written exactly (no float)."""
    return orjson.dumps(obj, default=_decimal)


def _decimal(value: Any) -> Any:
    if isinstance(value, Decimal):
        return orjson.Fragment(str(value).encode())
    raise TypeError


def loads_exact(raw: bytes) -> Any:
    """JSON as the SDK reads it, every fraction a Decimal: what the documented response
    models (the SDK's, which refuse floats) validate."""
    return json.loads(raw, parse_float=Decimal)


@dataclass
class ApiResponse:
    """One HTTP exchange with the merchant API."""

    status_code: int
    raw: bytes
    headers: httpx.Headers
    json: dict[str, Any]
    signature_valid: bool | None

    @property
    def head(self) -> dict[str, Any]:
        return self.json["head"]

    @property
    def body(self) -> dict[str, Any] | None:
        return self.json.get("body")

    @property
    def code(self) -> str:
        return str(self.head["code"])

    @property
    def msg(self) -> str:
        return str(self.head.get("msg", ""))

    @property
    def apply_status(self) -> str:
        return str(self.head["applyStatus"])

    @property
    def order(self) -> dict[str, Any]:
        assert self.body is not None, self.json
        return self.body["acquireOrder"]

    def assert_ok(self) -> ApiResponse:
        assert self.apply_status == "SUCCESS", self.json
        assert self.code == "0", self.json
        return self


@dataclass
class Merchant:
    """A merchant registered through the CLI, with keys the test generated."""

    partner_id: str
    private_key: rsa.RSAPrivateKey
    gateway_public_key: rsa.RSAPublicKey
    base_url: str
    http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=30))

    def post_raw(
        self,
        path: str,
        body: bytes,
        *,
        sign: str | None = None,
        headers: dict[str, str] | None = None,
        partner_id: str | None = None,
    ) -> ApiResponse:
        """POSTs exact bytes; signs them with the merchant key unless `sign` is given."""
        all_headers = {
            "Content-Type": "application/json",
            "Partner-Id": partner_id if partner_id is not None else self.partner_id,
            "sign": sign if sign is not None else rsa_sign(self.private_key, body),
        }
        all_headers.update(headers or {})
        response = self.http.post(
            self.base_url + "/sgs/api/" + path, content=body, headers=all_headers
        )
        signature = response.headers.get("sign")
        valid = (
            rsa_verify(self.gateway_public_key, response.content, signature)
            if signature is not None
            else None
        )
        return ApiResponse(
            status_code=response.status_code,
            raw=response.content,
            headers=response.headers,
            json=orjson.loads(response.content),
            signature_valid=valid,
        )

    def call(
        self,
        path: str,
        biz: dict[str, Any],
        *,
        request_time: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> ApiResponse:
        """A well-formed signed request; asserts HTTP 200 and a valid response signature."""
        body = dumps({"requestTime": request_time or now_ms(), "bizContent": biz})
        response = self.post_raw(path, body, headers=headers)
        assert response.status_code == 200, response.raw
        assert response.signature_valid is True, (response.headers, response.raw)
        return response

    def place_order(self, **overrides: Any) -> ApiResponse:
        return self.call("acquire2/placeOrder", jsapi_order(**overrides))


def assert_invalid(response: ApiResponse, *names: str) -> None:
    """A 400 INVALID_PARAMETER whose message names every one of `names`."""
    assert (response.apply_status, response.code) == ("FAIL", "400"), response.json
    assert response.msg.startswith("INVALID_PARAMETER"), response.msg
    for name in names:
        assert name in response.msg, (name, response.msg)
    assert response.body is None


def assert_refused(response: ApiResponse, code: str, msg: str) -> None:
    """A business refusal: applyStatus SUCCESS with `code`, no body."""
    assert (response.apply_status, response.code) == ("SUCCESS", code), response.json
    assert response.msg.startswith(msg), response.msg
    assert response.body is None


def jsapi_order(**overrides: Any) -> dict[str, Any]:
    """A minimal valid JSAPI placeOrder bizContent."""
    biz: dict[str, Any] = {
        "merchantOrderNo": order_no(),
        "subject": "iPhone",
        "totalAmount": {"amount": Decimal("12.34"), "currency": "AED"},
        "paySceneCode": "JSAPI",
        "paySceneParams": {},
        "notifyUrl": "http://127.0.0.1:9/notify",
    }
    biz.update(overrides)
    return biz


@dataclass
class Gateway:
    """A running `botimpay serve` subprocess on a free loopback port."""

    db_url: str
    port: int
    workdir: Path
    process: subprocess.Popen[bytes] | None = None
    extra_args: list[str] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cli(
        self, *args: str, check: bool = True, input: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        env = dict(os.environ, BOTIMPAY_DB=self.db_url)
        result = subprocess.run(
            [*BOTIMPAY, *args],
            capture_output=True,
            text=True,
            cwd=self.workdir,
            env=env,
            input=input,
            timeout=120,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"botimpay {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
            )
        return result

    def start(self) -> None:
        log = open(self.workdir / f"serve-{self.port}.log", "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                *BOTIMPAY,
                "serve",
                "--db",
                self.db_url,
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--public-url",
                self.base_url,
                *self.extra_args,
            ],
            cwd=self.workdir,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"serve exited: {(self.workdir / f'serve-{self.port}.log').read_text()}"
                )
            try:
                if httpx.get(self.base_url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError("serve did not become healthy in 60 s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def ledger_balances(self) -> dict[tuple[str, str], Decimal]:
        """`botimpay ledger balances --json`: (account kind, owner) → exact AED."""
        rows = json.loads(self.cli("ledger", "balances", "--json").stdout)
        return {(row["kind"], row["owner"]): Decimal(row["balance"]) for row in rows}

    def add_merchant(
        self,
        *,
        partner_id: str | None = None,
        key_format: str = "pem",
        extra: list[str] | None = None,
    ) -> Merchant:
        """Registers a merchant through `botimpay merchant add` with a fresh key pair."""
        partner_id = partner_id or str(200000000000 + uuid.uuid4().int % 99999999999)
        key = new_key()
        key_text = public_pem(key) if key_format == "pem" else public_b64(key)
        self.cli(
            "merchant",
            "add",
            "--partner-id",
            partner_id,
            "--name",
            f"Shop {partner_id}",
            "--public-key",
            key_text,
            *(extra or []),
        )
        gateway_pem = self.cli("merchant", "gateway-key", "--partner-id", partner_id).stdout
        gateway_key = serialization.load_pem_public_key(gateway_pem.encode())
        assert isinstance(gateway_key, rsa.RSAPublicKey)
        return Merchant(partner_id, key, gateway_key, self.base_url)


def demo_merchant(gateway: Gateway) -> Merchant:
    """The demo merchant `botimpay init` made, with the key files it wrote (no CLI call)."""
    from botimpay.services.setup import DEMO_PARTNER_ID  # the harness is otherwise black-box

    keys = gateway.workdir / "botimpay-keys"
    private = serialization.load_pem_private_key(
        (keys / "demo-merchant-private.pem").read_bytes(), password=None
    )
    public = serialization.load_pem_public_key(
        (keys / f"gateway-public-{DEMO_PARTNER_ID}.pem").read_bytes()
    )
    assert isinstance(private, rsa.RSAPrivateKey)
    assert isinstance(public, rsa.RSAPublicKey)
    return Merchant(DEMO_PARTNER_ID, private, public, gateway.base_url)
