"""SHA256withRSA over raw bytes, and keys in the forms merchant portals show."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from botimpay.errors import ConfigError
from botimpay.protocol import signing
from tests.harness import new_key, public_b64, public_pem

BODY = b'{"bizContent":{"merchantOrderNo":"M1"},"requestTime":1581404947666}'


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return new_key()


def test_signature_verifies_over_the_exact_bytes(key: rsa.RSAPrivateKey) -> None:
    signature = signing.sign(key, BODY)
    assert signing.verify(key.public_key(), BODY, signature)
    # cryptography's own PKCS#1 v1.5 signature (deterministic) agrees byte for byte.
    expected = key.sign(BODY, padding.PKCS1v15(), hashes.SHA256())
    assert base64.b64decode(signature) == expected


def test_one_flipped_body_byte_fails(key: rsa.RSAPrivateKey) -> None:
    signature = signing.sign(key, BODY)
    tampered = bytearray(BODY)
    tampered[10] ^= 0x01
    assert not signing.verify(key.public_key(), bytes(tampered), signature)


def test_one_flipped_signature_byte_fails(key: rsa.RSAPrivateKey) -> None:
    raw = bytearray(base64.b64decode(signing.sign(key, BODY)))
    raw[0] ^= 0x80
    assert not signing.verify(key.public_key(), BODY, base64.b64encode(bytes(raw)).decode())


@pytest.mark.parametrize("garbage", ["", "not base64!!", "AAAA", "=" * 8])
def test_garbage_signatures_are_rejected_not_raised(key: rsa.RSAPrivateKey, garbage: str) -> None:
    assert not signing.verify(key.public_key(), BODY, garbage)


def test_reserialised_json_does_not_verify(key: rsa.RSAPrivateKey) -> None:
    """Whitespace is part of what was signed: verification never re-serialises."""
    signature = signing.sign(key, BODY)
    assert not signing.verify(key.public_key(), BODY.replace(b":", b": "), signature)


def test_public_key_loads_from_pem_and_bare_base64(key: rsa.RSAPrivateKey) -> None:
    from_pem = signing.load_public_key(public_pem(key))
    from_b64 = signing.load_public_key(public_b64(key))
    wrapped = "\n".join(public_b64(key)[i : i + 64] for i in range(0, len(public_b64(key)), 64))
    from_wrapped = signing.load_public_key(wrapped)
    fingerprints = {signing.key_fingerprint(k) for k in (from_pem, from_b64, from_wrapped)}
    assert len(fingerprints) == 1


def test_private_key_round_trips_through_pem(key: rsa.RSAPrivateKey) -> None:
    loaded = signing.load_private_key(signing.private_key_pem(key))
    assert signing.verify(key.public_key(), BODY, signing.sign(loaded, BODY))


@pytest.mark.parametrize(
    "bad", ["", "hello", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"]
)
def test_bad_keys_raise_config_error(bad: str) -> None:
    with pytest.raises(ConfigError):
        signing.load_public_key(bad)


def test_short_rsa_keys_are_refused() -> None:
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    with pytest.raises(ConfigError, match="2048"):
        signing.load_public_key(public_pem(weak))
