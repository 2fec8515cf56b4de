"""Key loading in every accepted form (the wire core's one policy), and golden
SHA256withRSA vectors.

PKCS#1 v1.5 signatures are deterministic, so signing a fixed body with the
committed test key must give exactly these strings.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from botimpay_sdk import ConfigError
from botimpay_sdk.wire import load_private_key, load_public_key, sign, verify
from sdk_testkit import (
    DATA,
    GATEWAY_KEY,
    GATEWAY_PUBLIC,
    MERCHANT_KEY,
    MERCHANT_PRIVATE,
    MERCHANT_PUBLIC,
)

GET_ORDER_BODY = b'{"bizContent":{"merchantOrderNo":"M965739182419"},"requestTime":1581405884647}'
GET_ORDER_SIGN = (
    "lsfwBNAKkSU0883Q5967TqH98C91d9seQG2rM3utw2r9jNc9XYE/crWf85YG35JyHpmW7OXEE4p6xWJT/7XqYQW0"
    "Sdx3BcrxMly4MJtgqeB1GVrffKtR1PJqHtLV7pI5i2xnwE3QPXq2cu5VoLDiBYdvs0ZrliEfR0D3SwEl1Ygyhqh"
    "CJbWzVYBZgc5MFgNKwJSLGLyd2lVnf737N2czlKOjsD/axfPnRNFTGMCH1E1EUETKbmfJrpfldAKLLIdiXvnnzZ"
    "Xh/Xz6pQLpHoOQ5YwYcaGLgpoLg5bjKm6ym1nRxNNAdPj4LamBxNvyRM6vNtNoPJpPC6Yy6BI3rTrn5A=="
)
RESPONSE_BODY = (
    '{"head":{"applyStatus":"SUCCESS","code":"0","msg":"SUCCESS","traceCode":"843909"},'
    '"body":{"acquireOrder":{"merchantOrderNo":"M1","orderNo":"131658997939155072",'
    '"status":"CREATED","subject":"آيفون","totalAmount":{"amount":10.50,"currency":"AED"}}}}'
).encode()
RESPONSE_SIGN = (
    "XhJ7l1hx4LCcw6TT6ci0NYEQD6LR8mcXMXJRSp7Qf8kkQOarapA0GUn1lNCJgQAos++jn3uL/0LE5ksEpZNwgVIk"
    "NinI/TQu91xZJBBJbccEvDZxopEnKmeZ0NngMzCMsh8waf7MF+UuEbmElWQ951cVCIL0k+0EmgiNnYAUoFo3IHS"
    "KZGYvD23K1kqaP/Wl3W+E/fk8zzKLesNDMeXwPlgjCetWcmdx9isMyepsbEvY+z3fGWRQ3bJ9bYlP6sUkZoh7cL"
    "Lw3P8HHQ0j1GwSNXQD7noIx+2zTLTJmaCCLNW8J4T4YdyJB6p59q8xJBvJ29S0jcgXFKxIs/z9vIWUpA=="
)
EMPTY_SIGN = (
    "vt3KXbH4xBYftWN1OMqkBa0WBcowAcR1lYKnDfHt/bc8FvRQRlisal+kkjEjqChrm9aS//BbMsOfXCcv6GxivobhbA"
    "IG9lh8lcCd5mSQO6x8Wt1swnLx1n7h9nv4Llx7/69DVOUs7U9JL10zIsUYpTlheCzW1/m2V3b6TZcJIoDMalwDP9G"
    "z61RNB40QFiIk5Ce8IZfyHMSKUeZfSoCfP2czzC5edSVIu3Ufn+H1pT+KSVB5BEPOPK1LA0kmmfve3LAZfoniUoGcI"
    "DyoUMt2hNagypqxmxRfVVJEBO8j2RTPp0HtITFE1kdN9KwVSiJpl6vx71no4R+InPWrtPfJ5w=="
)


@pytest.mark.parametrize(
    ("key", "body", "expected"),
    [
        (MERCHANT_KEY, GET_ORDER_BODY, GET_ORDER_SIGN),
        (GATEWAY_KEY, RESPONSE_BODY, RESPONSE_SIGN),
        (MERCHANT_KEY, b"", EMPTY_SIGN),
    ],
    ids=["request", "utf8-response", "empty"],
)
def test_golden_signatures(key: object, body: bytes, expected: str) -> None:
    assert sign(key, body) == expected  # type: ignore[arg-type]


def test_golden_signature_verifies_and_tampering_does_not() -> None:
    public = load_public_key(GATEWAY_PUBLIC)
    assert verify(public, RESPONSE_BODY, RESPONSE_SIGN)
    assert not verify(public, RESPONSE_BODY.replace(b"10.50", b"10.51"), RESPONSE_SIGN)
    assert not verify(public, RESPONSE_BODY + b" ", RESPONSE_SIGN)
    assert not verify(load_public_key(MERCHANT_PUBLIC), RESPONSE_BODY, RESPONSE_SIGN)
    assert not verify(public, RESPONSE_BODY, "not base64!")
    assert not verify(public, RESPONSE_BODY, "")


def _private_forms(tmp_path: Path) -> list[object]:
    pem_text = MERCHANT_PRIVATE.read_text()
    der = MERCHANT_KEY.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    pkcs1_pem = MERCHANT_KEY.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    b64 = base64.b64encode(der).decode()
    b64_file = tmp_path / "key.b64"
    b64_file.write_text(b64 + "\n")
    return [
        pem_text,
        pem_text.encode(),
        str(MERCHANT_PRIVATE),
        MERCHANT_PRIVATE,
        b64,
        "\n".join(b64[i : i + 64] for i in range(0, len(b64), 64)),
        der,
        pkcs1_pem.decode(),
        b64_file,
        MERCHANT_KEY,
    ]


def test_private_key_forms(tmp_path: Path) -> None:
    for form in _private_forms(tmp_path):
        key = load_private_key(form)  # type: ignore[arg-type]
        assert sign(key, GET_ORDER_BODY) == GET_ORDER_SIGN, repr(form)[:40]


def test_public_key_forms(tmp_path: Path) -> None:
    public = load_public_key(GATEWAY_PUBLIC)
    der = public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    forms: list[object] = [
        GATEWAY_PUBLIC.read_text(),
        str(GATEWAY_PUBLIC),
        GATEWAY_PUBLIC,
        base64.b64encode(der).decode(),
        der,
        public,
    ]
    for form in forms:
        key = load_public_key(form)  # type: ignore[arg-type]
        assert verify(key, RESPONSE_BODY, RESPONSE_SIGN), repr(form)[:40]


@pytest.mark.parametrize(
    "bad",
    ["", "not a key", "/no/such/file.pem", "QUJD", "-----BEGIN PRIVATE KEY-----\nxx\n"],
)
def test_bad_private_keys_raise_config_error(bad: str) -> None:
    with pytest.raises(ConfigError):
        load_private_key(bad)


def test_public_key_is_not_a_private_key() -> None:
    with pytest.raises(ConfigError):
        load_private_key(MERCHANT_PUBLIC)
    with pytest.raises(ConfigError):
        load_public_key("garbage")


def test_encrypted_private_key_is_refused() -> None:
    encrypted = MERCHANT_KEY.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"secret"),
    )
    with pytest.raises(ConfigError, match="encrypted"):
        load_private_key(encrypted)


def test_keys_under_2048_bits_are_refused_in_every_form(tmp_path: Path) -> None:
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505
    pem = weak.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public_pem = weak.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    path = tmp_path / "weak.pem"
    path.write_bytes(pem)
    for private in (weak, pem, pem.decode(), str(path)):
        with pytest.raises(ConfigError, match="RSA private key must be at least 2048 bits"):
            load_private_key(private)
    for public in (weak.public_key(), public_pem):
        with pytest.raises(ConfigError, match="RSA public key must be at least 2048 bits"):
            load_public_key(public)


def test_errors_about_a_key_file_name_the_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.pem"
    broken.write_text("-----BEGIN PRIVATE KEY-----\nxx\n-----END PRIVATE KEY-----\n")
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a key\n")
    missing = tmp_path / "missing.pem"
    for source, path in [(str(broken), broken), (garbage, garbage), (missing, missing)]:
        with pytest.raises(ConfigError, match=re.escape(str(path))):
            load_private_key(source)
    with pytest.raises(ConfigError, match=re.escape(str(garbage))):
        load_public_key(str(garbage))


def test_raw_der_is_taken_as_given() -> None:
    """DER is binary: its last byte may look like white space and must not be stripped."""
    der_file = DATA / "trailing_space_private.der"
    der = der_file.read_bytes()
    assert der.endswith(b" ")
    numbers = load_private_key(der).private_numbers()
    assert load_private_key(der_file).private_numbers() == numbers
    assert load_private_key(base64.b64encode(der).decode()).private_numbers() == numbers


def test_a_missing_key_file_is_named_with_the_path_tried(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The quick start run outside the repository root: the relative path names nothing
    here, and the error says which absolute path was tried."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as info:
        load_private_key("botimpay-keys/demo-merchant-private.pem")
    assert str(tmp_path / "botimpay-keys" / "demo-merchant-private.pem") in str(info.value)
