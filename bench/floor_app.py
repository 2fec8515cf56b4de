"""The floor: a minimal ASGI app doing only the unavoidable crypto of one API call.

It verifies one SHA256withRSA signature over the request body (header `sign`) and signs
its response, nothing else. Keys: BENCH_FLOOR_PUBLIC_KEY (the merchant's public PEM) and
BENCH_FLOOR_PRIVATE_KEY (a private PEM to sign responses), both file paths.
Run: uvicorn bench.floor_app:app --workers 2
"""

from __future__ import annotations

import base64
import os
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

_PUBLIC = serialization.load_pem_public_key(Path(os.environ["BENCH_FLOOR_PUBLIC_KEY"]).read_bytes())
_PRIVATE = serialization.load_pem_private_key(
    Path(os.environ["BENCH_FLOOR_PRIVATE_KEY"]).read_bytes(), None
)
assert isinstance(_PUBLIC, rsa.RSAPublicKey)
assert isinstance(_PRIVATE, rsa.RSAPrivateKey)
_OK = b'{"head":{"applyStatus":"SUCCESS","code":"0","msg":"SUCCESS","traceCode":"floor"},"body":{}}'
_BAD = b'{"head":{"applyStatus":"ERROR","code":"403","msg":"INVALID_SIGN","traceCode":"floor"}}'


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] != "http":
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    sign = dict(scope["headers"]).get(b"sign", b"")
    try:
        _PUBLIC.verify(base64.b64decode(sign), body, padding.PKCS1v15(), hashes.SHA256())
        answer = _OK
    except (InvalidSignature, ValueError):
        answer = _BAD
    signature = base64.b64encode(_PRIVATE.sign(answer, padding.PKCS1v15(), hashes.SHA256()))
    headers = [
        (b"content-type", b"application/json; charset=UTF-8"),
        (b"sign", signature),
    ]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": answer})
