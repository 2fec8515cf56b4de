"""`--db` spellings map onto async driver URLs."""

from __future__ import annotations

from pathlib import Path

import pytest

from botimpay.errors import ConfigError
from botimpay.store.database import normalize_url, redact


def test_bare_path_and_sqlite_url(tmp_path: Path) -> None:
    expected = f"sqlite+pysqlite:///{tmp_path / 'x.db'}"
    assert normalize_url(str(tmp_path / "x.db")) == expected
    assert normalize_url(f"sqlite:///{tmp_path / 'x.db'}") == expected


def test_postgres_urls_get_asyncpg() -> None:
    assert normalize_url("postgresql://postgres@127.0.0.1:5432/test") == (
        "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
    )
    assert normalize_url("postgres://u:pw@h/db").startswith("postgresql+asyncpg://u:pw@h/db")


def test_passwords_are_redacted_for_display() -> None:
    assert "pw" not in redact(normalize_url("postgresql://u:pw@h/db"))


@pytest.mark.parametrize("bad", ["", "mysql://root@localhost/db"])
def test_unsupported_urls(bad: str) -> None:
    with pytest.raises(ConfigError):
        normalize_url(bad)
