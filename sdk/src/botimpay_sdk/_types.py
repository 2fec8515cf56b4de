"""Names for the input types the public API accepts."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Protocol, TypeAlias

from cryptography.hazmat.primitives.asymmetric import rsa

PrivateKeyTypes: TypeAlias = str | bytes | os.PathLike[str] | rsa.RSAPrivateKey
"""PEM text, DER, bare base64 DER (PKCS#8 or PKCS#1), a path to a file holding any of those,
or a key; RSA of at least 2048 bits (the policy of `botimpay_sdk.wire`)."""

PublicKeyTypes: TypeAlias = str | bytes | os.PathLike[str] | rsa.RSAPublicKey
"""PEM text (public key or certificate), DER, bare base64 DER, a path to such a file, or a
key; RSA of at least 2048 bits."""

HeaderTypes: TypeAlias = (
    Mapping[str, str]
    | Mapping[bytes, bytes]
    | Iterable[tuple[str, str]]
    | Iterable[tuple[bytes, bytes]]
)
"""Request headers as a framework hands them over: any mapping or list of pairs."""

SyncSleep: TypeAlias = Callable[[float], None]
AsyncSleep: TypeAlias = Callable[[float], Awaitable[None]]


class Clock(Protocol):
    """Where the SDK reads time: `time()` (epoch seconds, for requestTime) and
    `monotonic()` (for deadlines). Inject a fake one in tests."""

    def time(self) -> float: ...

    def monotonic(self) -> float: ...
