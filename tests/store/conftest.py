"""Store fixtures: a fresh database on the backend under test (BOTIMPAY_TEST_DB, else
SQLite in the test's tmp_path), migrated to head."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from botimpay.store import migrate
from botimpay.store.database import Database, open_database
from tests.conftest import _fresh_database


@pytest.fixture
async def db(tmp_path: Path, backend_url: str | None) -> AsyncIterator[Database]:
    """A database of this test's own, upgraded to the head migration; dropped afterwards."""
    databases = _fresh_database(backend_url, tmp_path)
    database = open_database(next(databases))
    await migrate.upgrade(database)
    try:
        yield database
    finally:
        await database.dispose()
        for _ in databases:
            pass
