"""RSA keys and pre-signed request files (signed before the timed window).

Keys load and requests are signed through the SDK's wire core, as the gateway does.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import orjson
from botimpay_sdk.wire import load_private_key, sign
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

_KEY: rsa.RSAPrivateKey | None = None


def new_key_pem() -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def public_pem(private_pem: bytes) -> bytes:
    return (
        load_private_key(private_pem)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


def _init_worker(pem: bytes) -> None:
    global _KEY
    _KEY = load_private_key(pem)


def _sign_chunk(bodies: Sequence[bytes]) -> list[str]:
    assert _KEY is not None
    return [sign(_KEY, body) for body in bodies]


def sign_all(pem: bytes, bodies: Sequence[bytes]) -> list[str]:
    """Signs every body, in parallel on every core."""
    workers = os.cpu_count() or 1
    size = max(1, len(bodies) // (workers * 4) + 1)
    chunks = [bodies[i : i + size] for i in range(0, len(bodies), size)]
    with ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(pem,)) as pool:
        return [s for part in pool.map(_sign_chunk, chunks) for s in part]


def now_ms() -> int:
    return int(time.time() * 1000)


def envelope(biz: dict[str, object]) -> bytes:
    return orjson.dumps({"requestTime": now_ms(), "bizContent": biz})


def place_biz(merchant_order_no: str) -> dict[str, object]:
    return {
        "merchantOrderNo": merchant_order_no,
        "subject": "Bench",
        "totalAmount": {"amount": 12.34, "currency": "AED"},
        "paySceneCode": "JSAPI",
        "paySceneParams": {},
    }


def write_signed(
    path: Path, api_path: str, partner_id: str, pem: bytes, bizs: Iterable[dict[str, object]]
) -> list[bytes]:
    """Writes one signed request a line (the format bench/wrk.lua reads); returns the bodies."""
    bodies = [envelope(biz) for biz in bizs]
    signs = sign_all(pem, bodies)
    with path.open("wb") as out:
        for body, signature in zip(bodies, signs, strict=True):
            headers = f"Content-Type:application/json|Partner-Id:{partner_id}|sign:{signature}"
            out.write(f"{api_path}\t{headers}\t".encode() + body + b"\n")
    return bodies
