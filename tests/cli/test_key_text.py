"""`--public-key` takes the key itself or a file holding it."""

from __future__ import annotations

from pathlib import Path

from botimpay.cli.common import key_text
from tests.harness import new_key, public_b64, public_pem


def test_inline_base64_with_slashes_is_not_mistaken_for_a_path() -> None:
    # A base64 key with "/" splits into path parts longer than a file name may be.
    key = public_b64(new_key())
    long_parts = "A" * 300 + "/" + key
    assert key_text(long_parts) == long_parts
    assert key_text(key) == key


def test_pem_text_is_used_as_is_and_files_are_read(tmp_path: Path) -> None:
    pem = public_pem(new_key())
    assert key_text(pem) == pem
    path = tmp_path / "merchant.pem"
    path.write_text(pem)
    assert key_text(str(path)) == pem
