"""SHA256withRSA over raw bytes and RSA keys for the gateway, from the SDK's wire core.

`sign`, `verify` and the key policy (RSA of at least 2048 bits, as PEM, DER, bare
base64 DER or a path to a file holding one) are `botimpay_sdk.wire`, shared with
the merchant SDK; the loaders here raise the server's ConfigError with its text.
Key generation and the PEM/DER/fingerprint forms the gateway stores are its own.
A path is read from the local disk: give these loaders operator input only.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

from botimpay_sdk import wire
from botimpay_sdk.wire import sign, verify
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from botimpay.errors import ConfigError

__all__ = [
    "generate_private_key",
    "key_fingerprint",
    "load_private_key",
    "load_public_key",
    "private_key_pem",
    "public_key_der",
    "public_key_pem",
    "sign",
    "verify",
]


@contextmanager
def _as_config_error() -> Iterator[None]:
    """The SDK's ConfigError, raised again as the server's with the same text."""
    try:
        yield
    except wire.ConfigError as exc:
        raise ConfigError(str(exc)) from exc


def load_public_key(key: str | bytes) -> rsa.RSAPublicKey:
    """An RSA public key (PEM, DER, bare base64 or a file of one); raises ConfigError."""
    with _as_config_error():
        return wire.load_public_key(key)


def load_private_key(key: str | bytes) -> rsa.RSAPrivateKey:
    """An unencrypted RSA private key in the same forms; raises ConfigError."""
    with _as_config_error():
        return wire.load_private_key(key)


def generate_private_key() -> rsa.RSAPrivateKey:
    """A fresh RSA-2048 key, the size the reference's portal generates."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def private_key_pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def public_key_pem(key: rsa.RSAPublicKey) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def public_key_der(key: rsa.RSAPublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def key_fingerprint(key: rsa.RSAPublicKey) -> str:
    """SHA-256 of the DER SubjectPublicKeyInfo, hex; names a key without showing it."""
    return hashlib.sha256(public_key_der(key)).hexdigest()
