"""Notification rules: the retry schedule and what counts as the merchant's acknowledgement."""

from __future__ import annotations

import pytest

from botimpay.domain.notification import (
    MAX_ATTEMPTS,
    MINUTE_MS,
    RETRY_DELAYS_MS,
    is_acknowledged,
    next_attempt_delay,
)


def test_the_reference_schedule_2m_10m_10m_1h_2h_6h_15h() -> None:
    assert [next_attempt_delay(n) for n in range(1, 8)] == [
        m * MINUTE_MS for m in (2, 10, 10, 60, 120, 360, 900)
    ]
    assert tuple(next_attempt_delay(n) for n in range(1, 8)) == RETRY_DELAYS_MS


def test_eight_attempts_then_the_gateway_gives_up() -> None:
    assert MAX_ATTEMPTS == 8
    assert next_attempt_delay(7) == 15 * 60 * MINUTE_MS
    assert next_attempt_delay(8) is None
    assert next_attempt_delay(9) is None


def test_no_delay_before_a_first_attempt() -> None:
    assert next_attempt_delay(0) is None
    assert next_attempt_delay(-1) is None


def test_last_attempt_is_just_over_a_day_after_the_first() -> None:
    total = sum(d for d in (next_attempt_delay(n) for n in range(1, 8)) if d is not None)
    assert total == (24 * 60 + 22) * MINUTE_MS  # 24 h 22 min


@pytest.mark.parametrize(
    "body",
    [
        b'{"response":"SUCCESS"}',
        b'{"response":"success"}',
        b'{"response":"Success"}',
        b'{"response":"sUcCeSs"}',
        b' { "response" : "SUCCESS" }\r\n',
        b'{\n  "response": "success"\n}\n',
        b"success",
        b"SUCCESS\r\n",
        b'"success"',
    ],
)
def test_success_in_any_case_and_spacing_is_an_acknowledgement(body: bytes) -> None:
    assert is_acknowledged(200, body)


@pytest.mark.parametrize("status", [200, 201, 204, 299])
def test_any_2xx_status_with_the_body_counts(status: int) -> None:
    assert is_acknowledged(status, b'{"response":"SUCCESS"}')


@pytest.mark.parametrize("status", [100, 199, 301, 302, 400, 404, 500, 503])
def test_a_status_outside_2xx_never_counts(status: int) -> None:
    assert not is_acknowledged(status, b'{"response":"SUCCESS"}')


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"{}",
        b'{"response":"FAIL"}',
        b'{"response":"SUCCESSFUL"}',
        b'{"response":" SUCCESS"}',
        b'{"response":"SUCCESS"',
        b'{"result":"SUCCESS"}',
        b'{"response":["SUCCESS"]}',
        b'<html>{"response":"SUCCESS"}</html>',
        b'{"response":"SUCCESS"}{"response":"FAIL"}',
        b"successful",
        b"not success",
    ],
)
def test_anything_else_is_not_an_acknowledgement(body: bytes) -> None:
    assert not is_acknowledged(200, body)
