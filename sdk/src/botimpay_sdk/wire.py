"""The wire core the SDK and the botimpay gateway share: signatures, keys, amounts.

Written once, here, and used by both sides (the gateway depends on botimpay-sdk
for it); the response codes are the one table in `botimpay_sdk.codes`. Pure:
the standard library and `cryptography`, nothing else of the SDK.

- Signatures: `sign(private_key, body)` is base64(SHA256withRSA(body)), the value
  of the `sign` header; `verify(public_key, body, sign)` checks one over the exact
  bytes as received, never over re-serialised JSON.
- Keys, one policy: RSA of at least 2048 bits, given as PEM text (a certificate
  for a public key), DER, the bare base64 DER a merchant portal shows, a path to a
  file holding any of those, or a loaded key. Anything else is a ConfigError; one
  about a file names the file.
- Amounts, one rule: a JSON number or a plain ASCII decimal string, finite, at
  most 12 digits before and 2 after the decimal point, never a float; written as
  the shortest plain JSON number (10, 10.5, 0.01).
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Final, TypeVar

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from botimpay_sdk._exceptions import AmountError, ConfigError
from botimpay_sdk._types import PrivateKeyTypes, PublicKeyTypes

__all__ = [
    "MAX_INTEGER_DIGITS",
    "MIN_KEY_BITS",
    "AmountError",
    "ConfigError",
    "amount_text",
    "exceeds_integer_digits",
    "fils_text",
    "has_more_than_two_decimals",
    "load_private_key",
    "load_public_key",
    "parse_amount",
    "sign",
    "to_fils",
    "verify",
]

MIN_KEY_BITS: Final = 2048
MAX_INTEGER_DIGITS: Final = 12

_PKCS1 = padding.PKCS1v15()
_SHA256 = hashes.SHA256()
_BASE64_TEXT = re.compile(rb"^[A-Za-z0-9+/=\s]+$")
_WHITESPACE = re.compile(rb"\s+")
_MAX_PATH_LENGTH = 4096
_DECIMAL_TEXT = re.compile(r"-?[0-9]+(?:\.[0-9]+)?", re.ASCII)
_TWO_PLACES = Decimal("0.01")
_Key = TypeVar("_Key", rsa.RSAPrivateKey, rsa.RSAPublicKey)

# --- Signatures -------------------------------------------------------------------------


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


# --- Keys -------------------------------------------------------------------------------


def load_private_key(source: PrivateKeyTypes) -> rsa.RSAPrivateKey:
    """An unencrypted RSA private key of at least 2048 bits; raises ConfigError."""
    if isinstance(source, rsa.RSAPrivateKey):
        return _rsa_private(source)
    return _load(source, "private key", _pem_private, _der_private, _rsa_private)


def load_public_key(source: PublicKeyTypes) -> rsa.RSAPublicKey:
    """An RSA public key (or a certificate's) of at least 2048 bits; raises ConfigError."""
    if isinstance(source, rsa.RSAPublicKey):
        return _rsa_public(source)
    der = serialization.load_der_public_key
    return _load(source, "public key", _pem_public, der, _rsa_public)


def _pem_private(data: bytes) -> object:
    return serialization.load_pem_private_key(data, password=None)


def _der_private(data: bytes) -> object:
    return serialization.load_der_private_key(data, password=None)


def _pem_public(data: bytes) -> object:
    if data.startswith(b"-----BEGIN CERTIFICATE"):
        return x509.load_pem_x509_certificate(data).public_key()
    return serialization.load_pem_public_key(data)


def _rsa_private(key: object) -> rsa.RSAPrivateKey:
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ConfigError("private key is not an RSA key")
    return _big_enough(key, "private key")


def _rsa_public(key: object) -> rsa.RSAPublicKey:
    if not isinstance(key, rsa.RSAPublicKey):
        raise ConfigError("public key is not an RSA key")
    return _big_enough(key, "public key")


def _load(
    source: str | bytes | os.PathLike[str],
    what: str,
    pem: Callable[[bytes], object],
    der: Callable[[bytes], object],
    check: Callable[[object], _Key],
) -> _Key:
    """The key `source` holds, parsed by `pem` or `der`; a file's errors name the file."""
    data, path = _key_bytes(source, what)
    try:
        return check(_parse(data, what, pem, der))
    except ConfigError as exc:
        if path is None:
            raise
        raise ConfigError(f"{exc} (in file {path})") from exc


def _parse(
    data: bytes, what: str, pem: Callable[[bytes], object], der: Callable[[bytes], object]
) -> object:
    try:
        return (pem if data.startswith(b"-----BEGIN") else der)(data)
    except TypeError as exc:
        raise ConfigError(f"{what} is encrypted; give it without a password") from exc
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise ConfigError(f"not a usable {what}: {exc}") from exc


def _big_enough(key: _Key, what: str) -> _Key:
    if key.key_size < MIN_KEY_BITS:
        raise ConfigError(f"RSA {what} must be at least {MIN_KEY_BITS} bits")
    return key


def _key_bytes(source: str | bytes | os.PathLike[str], what: str) -> tuple[bytes, Path | None]:
    """PEM or DER bytes from text, base64 text, raw DER or a file; and the file, if read."""
    if isinstance(source, os.PathLike):
        path = Path(source).expanduser()
        return _file_bytes(path, what), path
    raw = source.encode() if isinstance(source, str) else bytes(source)
    stripped = raw.strip()
    if stripped.startswith(b"-----BEGIN"):
        return stripped, None
    if isinstance(source, str):
        found = _existing_file(source)
        if found is not None:
            return _file_bytes(found, what), found
    elif raw[:1] == b"\x30":
        return raw, None  # raw DER (an ASN.1 SEQUENCE), taken as given
    der = _base64_der(stripped)
    if der is None:
        tried = _path_tried(source)
        raise ConfigError(
            f"{what} is neither PEM text, base64 DER nor the path of an existing file"
            + (f" (no file at {tried})" if tried else "")
        )
    return der, None


def _path_tried(source: str | bytes) -> str | None:
    """The absolute path a one-line text would name, for the error: a relative path is
    taken from the current directory, which is where a quick start run elsewhere fails."""
    if not isinstance(source, str) or "\n" in source.strip() or len(source) >= _MAX_PATH_LENGTH:
        return None
    try:
        return str(Path(source.strip()).expanduser().absolute())
    except (OSError, ValueError):
        return None


def _existing_file(text: str) -> Path | None:
    if len(text) >= _MAX_PATH_LENGTH:
        return None
    path = Path(text.strip()).expanduser()
    try:
        return path if path.is_file() else None
    except (OSError, ValueError):  # base64 text is rarely a valid path (too long, odd bytes)
        return None


def _file_bytes(path: Path, what: str) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read {what} file {path}: {exc.strerror}") from exc
    if data[:1] == b"\x30":
        return data  # raw DER; stripping could eat a last byte that looks like a space
    stripped = data.strip()
    if stripped.startswith(b"-----BEGIN"):
        return stripped
    der = _base64_der(stripped)
    if der is None:
        raise ConfigError(f"{what} file {path} holds neither PEM text, DER nor base64 DER")
    return der


def _base64_der(text: bytes) -> bytes | None:
    """The DER that bare base64 text (line breaks allowed) stands for; None if it is not."""
    if not text or not _BASE64_TEXT.match(text):
        return None
    try:
        return base64.b64decode(_WHITESPACE.sub(b"", text), validate=True)
    except (binascii.Error, ValueError):
        return None


# --- Amounts ----------------------------------------------------------------------------


def parse_amount(value: object, field: str = "amount") -> Decimal:
    """A JSON number (parsed as Decimal/int) or a plain ASCII decimal string; never a float.

    Strings are held to `12.34` form: no sign but `-`, no spaces, exponents, digit
    separators or non-ASCII digits, which Decimal() alone would take. At most 12
    digits before the decimal point; `to_fils` checks the decimals. Raises
    AmountError naming `field`.
    """
    if isinstance(value, bool) or value is None:
        raise AmountError(f"{field} must be a number")
    if isinstance(value, float):
        raise AmountError(f"{field} must be an exact decimal, not a binary float")
    if isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, Decimal):
        amount = value
    elif isinstance(value, str):
        if _DECIMAL_TEXT.fullmatch(value) is None:
            raise AmountError(f"{field} is not a number: {value[:40]!r}")
        amount = Decimal(value)
    else:
        raise AmountError(f"{field} must be a number")
    if not amount.is_finite():
        raise AmountError(f"{field} must be a finite number")
    if exceeds_integer_digits(amount):
        raise AmountError(f"{field} allows at most 12 digits before the decimal point")
    return amount


def exceeds_integer_digits(amount: Decimal) -> bool:
    """More than 12 digits before the decimal point, from the exponent (`1E+12` has 13)."""
    return amount.adjusted() >= MAX_INTEGER_DIGITS


def has_more_than_two_decimals(amount: Decimal) -> bool:
    """Exactly, from the digits: `1.500` has two, `1E-999999999` has many (no rounding)."""
    _, digits, exponent = amount.as_tuple()
    if isinstance(exponent, str):  # NaN or infinity
        return True
    extra = -2 - exponent  # digits after the second decimal place
    return extra > 0 and any(digits[-extra:])


def to_fils(amount: Decimal, field: str = "amount") -> int:
    """The amount in fils (1/100), exactly; raises AmountError rather than round."""
    if not amount.is_finite():
        raise AmountError(f"{field} must be a finite number")
    if exceeds_integer_digits(amount):
        raise AmountError(f"{field} allows at most 12 digits before the decimal point")
    if has_more_than_two_decimals(amount):
        raise AmountError(f"{field} allows at most 2 digits after the decimal point")
    return int(amount.quantize(_TWO_PLACES).scaleb(2))


def fils_text(fils: int) -> str:
    """An amount in fils as the shortest plain JSON number: 1050 → 10.5, 1000 → 10, 1 → 0.01."""
    units, cents = divmod(abs(fils), 100)
    minus = "-" if fils < 0 else ""
    if cents == 0:
        return f"{minus}{units}"
    if cents % 10 == 0:
        return f"{minus}{units}.{cents // 10}"
    return f"{minus}{units}.{cents:02d}"


def amount_text(amount: Decimal) -> str:
    """A Decimal as the shortest plain JSON number, no exponent: 10.50 → 10.5, 1E+1 → 10."""
    return format(amount.normalize(), "f")
