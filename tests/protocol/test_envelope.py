"""The response envelope and the requestTime window."""

from __future__ import annotations

import orjson

from botimpay.protocol import codes
from botimpay.protocol.envelope import (
    REQUEST_WINDOW_MS,
    ApplyStatus,
    check_request_time,
    encode_response,
)


def test_success_carries_body() -> None:
    raw = encode_response(codes.SUCCESS, trace_code="t1", body={"x": 1})
    assert orjson.loads(raw) == {
        "head": {"applyStatus": "SUCCESS", "code": "0", "msg": "SUCCESS", "traceCode": "t1"},
        "body": {"x": 1},
    }


def test_business_refusal_is_success_without_body() -> None:
    data = orjson.loads(
        encode_response(codes.MERCHANT_ORDER_NO_EXIST, trace_code="t", body={"x": 1}, detail="d")
    )
    assert data["head"]["applyStatus"] == "SUCCESS"
    assert data["head"]["code"] == "62016"
    assert data["head"]["msg"] == "MERCHANT_ORDER_NO_EXIST: d"
    assert "body" not in data


def test_global_codes_fail_and_signature_errors_are_error() -> None:
    assert (
        orjson.loads(encode_response(codes.INVALID_PARAMETER, trace_code="t"))["head"][
            "applyStatus"
        ]
        == "FAIL"
    )
    error = orjson.loads(
        encode_response(codes.UNAUTHORIZED, trace_code="t", apply_status=ApplyStatus.ERROR)
    )
    assert error["head"]["applyStatus"] == "ERROR"


def test_request_time_window_edges() -> None:
    now = 1_800_000_000_000
    assert check_request_time(now, now) is None
    assert check_request_time(now - REQUEST_WINDOW_MS, now) is None
    assert check_request_time(now + REQUEST_WINDOW_MS, now) is None
    assert check_request_time(now - REQUEST_WINDOW_MS - 1, now) is codes.REQUESTTIME_TOO_EARLY
    assert check_request_time(now + REQUEST_WINDOW_MS + 1, now) is codes.REQUESTTIME_TOO_LATER


def test_every_code_is_unique_per_message() -> None:
    pairs = [(c.code, c.msg) for c in codes.ALL_CODES]
    assert len(pairs) == len(set(pairs))
    assert {"0", "400", "402", "403", "404", "500", "504", "601"} <= {
        c.code for c in codes.ALL_CODES
    }
