"""`--public-key` takes the key itself or a file holding it: the wire core's one key policy
(botimpay_sdk.wire), reached through protocol/signing.py with the server's ConfigError."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from botimpay.errors import ConfigError
from botimpay.protocol import signing
from tests.harness import new_key, public_b64, public_pem


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return new_key()


def fingerprint(key: rsa.RSAPrivateKey) -> str:
    return signing.key_fingerprint(key.public_key())


def test_inline_base64_with_slashes_is_not_mistaken_for_a_path(key: rsa.RSAPrivateKey) -> None:
    inline = public_b64(key)
    assert signing.key_fingerprint(signing.load_public_key(inline)) == fingerprint(key)
    # A base64 key with "/" splits into path parts longer than a file name may be.
    with pytest.raises(ConfigError, match="neither PEM text, base64 DER nor the path"):
        signing.load_public_key("A" * 300 + "/" + inline)


@pytest.mark.parametrize("form", ["pem", "b64", "der"])
def test_pem_text_is_used_as_is_and_files_are_read(
    key: rsa.RSAPrivateKey, tmp_path: Path, form: str
) -> None:
    assert signing.key_fingerprint(signing.load_public_key(public_pem(key))) == fingerprint(key)
    path = tmp_path / f"merchant.{form}"
    if form == "pem":
        path.write_text(public_pem(key))
    elif form == "b64":
        path.write_text(public_b64(key) + "\n")
    else:
        path.write_bytes(base64.b64decode(public_b64(key)))
    assert signing.key_fingerprint(signing.load_public_key(str(path))) == fingerprint(key)


def test_a_file_without_a_key_is_named_in_the_error(tmp_path: Path) -> None:
    path = tmp_path / "merchant.pem"
    path.write_text("not a key\n")
    with pytest.raises(ConfigError, match=re.escape(str(path))):
        signing.load_public_key(str(path))
