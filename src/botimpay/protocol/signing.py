"""SHA256withRSA signatures over raw bytes, and RSA key loading.

Keys come as PEM text or as the bare base64 a merchant portal shows (DER,
SubjectPublicKeyInfo or PKCS#8 / PKCS#1).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from botimpay.errors import ConfigError

_PKCS1 = padding.PKCS1v15()
_SHA256 = hashes.SHA256()
_WHITESPACE = re.compile(rb"\s+")


def _der_from_text(key: str | bytes) -> tuple[bytes, bool]:
    """Returns (bytes, is_pem) for PEM text or bare base64 DER."""
    raw = key.encode() if isinstance(key, str) else key
    raw = raw.strip()
    if raw.startswith(b"-----BEGIN"):
        return raw, True
    try:
        return base64.b64decode(_WHITESPACE.sub(b"", raw), validate=True), False
    except (binascii.Error, ValueError) as exc:
        raise ConfigError("key is neither PEM nor base64 DER") from exc


def load_public_key(key: str | bytes) -> rsa.RSAPublicKey:
    """Parses an RSA public key given as PEM or bare base64; raises ConfigError."""
    data, is_pem = _der_from_text(key)
    try:
        loaded = (
            serialization.load_pem_public_key(data)
            if is_pem
            else serialization.load_der_public_key(data)
        )
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise ConfigError(f"not a usable public key: {exc}") from exc
    if not isinstance(loaded, rsa.RSAPublicKey):
        raise ConfigError("public key is not RSA")
    if loaded.key_size < 2048:
        raise ConfigError("RSA public key must be at least 2048 bits")
    return loaded


def load_private_key(key: str | bytes) -> rsa.RSAPrivateKey:
    """Parses an unencrypted RSA private key given as PEM or bare base64."""
    data, is_pem = _der_from_text(key)
    try:
        loaded = (
            serialization.load_pem_private_key(data, password=None)
            if is_pem
            else serialization.load_der_private_key(data, password=None)
        )
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise ConfigError(f"not a usable private key: {exc}") from exc
    if not isinstance(loaded, rsa.RSAPrivateKey):
        raise ConfigError("private key is not RSA")
    return loaded


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


def sign(private_key: rsa.RSAPrivateKey, message: bytes) -> str:
    """base64(SHA256withRSA(message)) as sent in the `sign` header."""
    return base64.b64encode(private_key.sign(message, _PKCS1, _SHA256)).decode("ascii")


def verify(public_key: rsa.RSAPublicKey, message: bytes, signature: str) -> bool:
    """True when `signature` (base64) is a valid SHA256withRSA signature of `message`."""
    try:
        raw = base64.b64decode(signature.strip(), validate=True)
    except (binascii.Error, ValueError):
        return False
    try:
        public_key.verify(raw, message, _PKCS1, _SHA256)
    except InvalidSignature:
        return False
    return True
