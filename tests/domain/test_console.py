"""The console's pure rules: where sign-in may send you, the keyset cursor, dates,
what a merchant user may see, and names and passwords."""

from __future__ import annotations

import pytest

from botimpay.domain.console import (
    ConsoleUser,
    Cursor,
    Role,
    day_start_ms,
    password_problem,
    safe_next,
    token_hash,
    username_problem,
)


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/console/orders?q=1", "/console/orders?q=1"),
        ("/console", "/console"),
        (None, "/console/orders"),
        ("", "/console/orders"),
        ("https://evil.example/console", "/console/orders"),
        ("//evil.example/console", "/console/orders"),
        ("/console\\@evil", "/console/orders"),
        ("/console\r\nSet-Cookie: x", "/console/orders"),
        ("/app", "/console/orders"),
    ],
)
def test_safe_next_stays_in_the_console(target: str | None, expected: str) -> None:
    assert safe_next(target) == expected


def test_cursor_round_trips_and_refuses_what_no_row_can_have() -> None:
    cursor = Cursor(1_796_000_000_000, 42)
    assert Cursor.parse(cursor.text()) == cursor
    for bad in ("", None, "1", "1.", ".1", "a.1", "1.2.3", "-1.2", f"1.{2**31}", f"{2**63}.1"):
        assert Cursor.parse(bad) is None, bad


def test_days_are_utc_and_the_end_is_exclusive() -> None:
    assert day_start_ms("2026-11-30") == 1_795_996_800_000
    assert day_start_ms("2026-11-30", end=True) == 1_795_996_800_000 + 86_400_000
    assert day_start_ms("30/11/2026") is None
    assert day_start_ms(None) is None


def test_a_merchant_user_sees_only_its_merchant() -> None:
    operator = ConsoleUser(1, "admin", "h", Role.OPERATOR, None)
    shop = ConsoleUser(2, "shop", "h", Role.MERCHANT, "200000000001")
    assert operator.visible_partner is None
    assert operator.may_see("200000000001")
    assert shop.visible_partner == "200000000001"
    assert shop.may_see("200000000001")
    assert not shop.may_see("200000000002")


def test_names_passwords_and_token_hashes() -> None:
    assert username_problem("ops.lead@example") is None
    assert username_problem("bad name") is not None
    assert username_problem("-dash") is not None
    assert password_problem("short") is not None
    assert password_problem("long enough") is None
    assert token_hash("t") == token_hash("t")
    assert len(token_hash("t")) == 64
