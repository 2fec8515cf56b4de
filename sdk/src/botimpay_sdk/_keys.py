"""RSA keys in the forms merchants hold them, and SHA256withRSA sign/verify.

A key is PEM text, the bare base64 a merchant portal shows (DER), a path to a
file holding either, or an already loaded `cryptography` key object.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from botimpay_sdk._exceptions import ConfigError
from botimpay_sdk._types import PrivateKeyTypes, PublicKeyTypes

_PKCS1 = padding.PKCS1v15()
_SHA256 = hashes.SHA256()
_BASE64_TEXT = re.compile(rb"^[A-Za-z0-9+/=\s]+$")
_MAX_PATH_LENGTH = 4096


def _key_bytes(source: str | bytes | os.PathLike[str], what: str) -> bytes:
    """Returns PEM or DER bytes from text, base64 text or a file path."""
    if isinstance(source, os.PathLike):
        return _read_file(Path(source), what)
    raw = source.encode() if isinstance(source, str) else bytes(source)
    stripped = raw.strip()
    if stripped.startswith(b"-----BEGIN"):
        return stripped
    if isinstance(source, str) and len(source) < _MAX_PATH_LENGTH:
        path = Path(source.strip()).expanduser()
        try:
            is_file = path.is_file()
        except (OSError, ValueError):
            is_file = False
        if is_file:
            return _read_file(path, what)
    if stripped and _BASE64_TEXT.match(stripped):
        try:
            return base64.b64decode(re.sub(rb"\s+", b"", stripped), validate=True)
        except (binascii.Error, ValueError):
            pass
    if isinstance(source, bytes) and stripped[:1] == b"\x30":
        return stripped  # raw DER (an ASN.1 SEQUENCE)
    raise ConfigError(f"{what} is neither PEM text, base64 DER nor the path of an existing file")


def _read_file(path: Path, what: str) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read {what} file {path}: {exc.strerror}") from exc
    stripped = data.strip()
    if stripped.startswith(b"-----BEGIN") or stripped[:1] == b"\x30":
        return stripped
    return _key_bytes(stripped, what)


def load_private_key(source: PrivateKeyTypes) -> rsa.RSAPrivateKey:
    """Loads the merchant's unencrypted RSA private key; raises ConfigError."""
    if isinstance(source, rsa.RSAPrivateKey):
        return source
    data = _key_bytes(source, "private key")
    key: object
    try:
        if data.startswith(b"-----BEGIN"):
            key = serialization.load_pem_private_key(data, password=None)
        else:
            key = serialization.load_der_private_key(data, password=None)
    except TypeError as exc:
        raise ConfigError("private key is encrypted; give it without a password") from exc
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise ConfigError(f"not a usable private key: {exc}") from exc
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ConfigError("private key is not an RSA key")
    return key


def load_public_key(source: PublicKeyTypes) -> rsa.RSAPublicKey:
    """Loads the gateway's RSA public key (or certificate); raises ConfigError."""
    if isinstance(source, rsa.RSAPublicKey):
        return source
    data = _key_bytes(source, "public key")
    key: object
    try:
        if data.startswith(b"-----BEGIN CERTIFICATE"):
            key = x509.load_pem_x509_certificate(data).public_key()
        elif data.startswith(b"-----BEGIN"):
            key = serialization.load_pem_public_key(data)
        else:
            key = serialization.load_der_public_key(data)
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise ConfigError(f"not a usable public key: {exc}") from exc
    if not isinstance(key, rsa.RSAPublicKey):
        raise ConfigError("public key is not an RSA key")
    return key


def sign(private_key: rsa.RSAPrivateKey, message: bytes) -> str:
    """base64(SHA256withRSA(message)), the value of the `sign` header."""
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
