"""Fuzzing the signed merchant API: every field of the seven operations, the envelope,
and the raw bytes (non-JSON, other encodings, gzip).

Every request is properly signed, so each answer must be HTTP 200 with a signed
envelope, a documented (code, msg) that is never 500, `body` exactly when code is 0,
and `400 INVALID_PARAMETER` whenever the request is certainly invalid.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.client import Fuzzer, gzipped
from tests.fuzz.jsonfuzz import (
    MINUTE_MS,
    Now,
    Pairs,
    as_object,
    encode,
    hostile_json,
    int_value,
    json_kind,
    must_refuse,
    one_in,
)
from tests.fuzz.operations import BY_PATH, OPERATIONS, Seeds, biz_content
from tests.fuzz.profiles import budget
from tests.harness import dumps, jsapi_order, now_ms

WINDOW_MS = 15 * MINUTE_MS

request_times = st.one_of(
    st.just(Now(0)),
    st.just(Now(0)),
    st.just(Now(0)),
    st.just(Now(0)),
    st.just(Now(0)),
    st.sampled_from([Now(-14 * MINUTE_MS), Now(14 * MINUTE_MS)]),
    st.sampled_from([Now(-16 * MINUTE_MS), Now(16 * MINUTE_MS), Now(-48 * 60 * MINUTE_MS)]),
    hostile_json,
)


# What real clients add (DESIGN.md: the PayBy Java SDK sends api-version and empty
# group-name / branch-name); the answer must not depend on any of them.
client_headers = st.fixed_dictionaries(
    {},
    optional={
        "Content-Language": st.sampled_from(["en", "ar", "zh-CN", "", "x" * 200]),
        "api-version": st.sampled_from(["v1", "v2", ""]),
        "group-name": st.just(""),
        "branch-name": st.just(""),
        "Content-Type": st.sampled_from(
            ["application/json; charset=UTF-8", "text/plain", "application/x-www-form-urlencoded"]
        ),
    },
)


def request_time_ok(value: Any) -> bool:
    """An integer of milliseconds within 15 minutes of now (the generated ones are at
    least a minute away from the edges)."""
    number = int_value(value)
    return number is not None and 0 < number < 10**14 and abs(number - now_ms()) <= WINDOW_MS


def _operation_test(path: str) -> Callable[..., None]:
    operation = BY_PATH[path]

    @budget(path)
    @given(data=st.data())
    def test(fuzzer: Fuzzer, seeds: Seeds, data: st.DataObject) -> None:
        drawn = data.draw(biz_content(operation, seeds), label="bizContent")
        request_time = data.draw(request_times, label="requestTime")
        sdk_order = data.draw(st.booleans(), label="bizContent first")
        ascii_only = data.draw(st.booleans(), label="ASCII escapes")
        headers = data.draw(client_headers, label="headers")
        envelope: dict[str, Any] = (
            {"bizContent": drawn.biz, "requestTime": request_time}
            if sdk_order
            else {"requestTime": request_time, "bizContent": drawn.biz}
        )
        invalid = drawn.expect_invalid or must_refuse(envelope)
        invalid = invalid or not request_time_ok(request_time)
        body = encode(envelope, ascii_only=ascii_only)
        response = fuzzer.api(path, body, headers=headers)
        fuzzer.check_api(response, expect_invalid=invalid, sent=body, path=path)

    test.__name__ = test.__qualname__ = "test_" + path.replace("/", "_")
    return test


test_place_order = _operation_test("acquire2/placeOrder")
test_get_order = _operation_test("acquire2/getOrder")
test_cancel_order = _operation_test("acquire2/cancelOrder")
test_update_expired_time = _operation_test("acquire2/updateExpiredTime")
test_revoke_order = _operation_test("acquire2/revokeOrder")
test_refund = _operation_test("acquire2/refund/placeOrder")
test_get_refund = _operation_test("acquire2/refund/getOrder")
test_get_order_payer = _operation_test("acquire2/getOrderPayer")
test_get_cashier_url_info = _operation_test("acquire2/getCashierUrlInfo")
test_query_order_page = _operation_test("acquire2Query/queryOrderPage")
test_query_refund_order_page = _operation_test("acquire2Query/queryRefundOrderPage")
test_get_balance = _operation_test("member/getBalance")
test_get_order_statement = _operation_test("acquire2/download/getOrderStatement")
test_get_invoice = _operation_test("acquire2/download/getInvoice")

# --- the envelope ------------------------------------------------------------------------------

OTHER_PATHS = ["acquire2/nothingHere", "acquire2/getOrder/", "ACQUIRE2/GETORDER"]


@st.composite
def envelopes(draw: st.DrawFn, seeds: Seeds, path: str) -> tuple[Any, bool]:
    """A top-level JSON value and whether it is certainly invalid for `path`."""
    shape = draw(st.sampled_from(["envelope", "envelope", "envelope", "any"]), label="shape")
    if shape == "any":
        value = draw(hostile_json, label="body")
        return value, True  # a valid envelope needs a requestTime near now: never drawn here
    fields: dict[str, Any] = {}
    invalid = False
    time_mode = draw(st.sampled_from(["drawn", "drawn", "missing"]), label="requestTime mode")
    if time_mode == "drawn":
        fields["requestTime"] = draw(request_times, label="requestTime")
        invalid = not request_time_ok(fields["requestTime"])
    else:
        invalid = True
    biz_mode = draw(st.sampled_from(["operation", "hostile", "missing"]), label="biz mode")
    if biz_mode == "operation" and path in BY_PATH:
        drawn = draw(biz_content(BY_PATH[path], seeds), label="bizContent")
        fields["bizContent"] = drawn.biz
        invalid = invalid or drawn.expect_invalid
    elif biz_mode in ("operation", "hostile"):
        fields["bizContent"] = draw(hostile_json, label="bizContent")
        invalid = invalid or json_kind(fields["bizContent"]) != "object"
    else:
        invalid = True
    extra = draw(st.dictionaries(st.text(max_size=12), hostile_json, max_size=3), label="extra")
    for key, item in extra.items():
        fields.setdefault(key, item)
    items = list(fields.items())
    order = draw(st.permutations(range(len(items))), label="key order")
    pairs = [items[i] for i in order]
    if pairs and draw(one_in(8), label="repeat a key"):
        pairs.append(draw(st.sampled_from(pairs), label="repeated"))
    value = Pairs(tuple(pairs))
    return value, invalid or must_refuse(value) or as_object(value) is None


@budget("envelope")
@given(data=st.data())
def test_envelope(fuzzer: Fuzzer, seeds: Seeds, data: st.DataObject) -> None:
    """Random requestTime and bizContent types, random top-level JSON, any key order."""
    path = data.draw(st.sampled_from([op.path for op in OPERATIONS] + OTHER_PATHS), label="path")
    value, invalid = data.draw(envelopes(seeds, path), label="envelope")
    body = encode(value, ascii_only=data.draw(st.booleans(), label="ASCII escapes"))
    if path not in BY_PATH:
        invalid = False  # 404 SERVICE_NOT_AVAILABLE comes before the body is read
    response = fuzzer.api(path, body)
    fuzzer.check_api(response, expect_invalid=invalid, sent=body, path=path)


# --- raw bytes -------------------------------------------------------------------------------


def valid_body() -> bytes:
    return dumps({"requestTime": now_ms(), "bizContent": jsapi_order(subjectAr="هاتف")})


def certainly_not_an_object(body: bytes) -> bool:
    """Bytes the server must refuse as JSON: not UTF-8, NUL, a BOM, blank, or text that
    Python's own (more lenient) decoder does not read as an object."""
    if b"\x00" in body or body.startswith(b"\xef\xbb\xbf") or not body.strip():
        return True
    try:
        value = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return True
    return not isinstance(value, dict)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A valid placeOrder body with a few bytes inserted, replaced or cut."""
    body = bytearray(valid_body())
    for _ in range(draw(st.integers(1, 3), label="mutations")):
        where = draw(st.integers(0, len(body)), label="at")
        action = draw(st.sampled_from(["insert", "replace", "cut", "truncate"]), label="do")
        chunk = draw(
            st.one_of(
                st.binary(min_size=1, max_size=4),
                st.sampled_from([b"\x00", b"\\u0000", b"\\ud800", b",", b"{", b"]", b'"']),
            ),
            label="bytes",
        )
        if action == "insert":
            body[where:where] = chunk
        elif action == "replace":
            body[where : where + len(chunk)] = chunk
        elif action == "cut":
            del body[where : where + draw(st.integers(1, 8), label="length")]
        else:
            del body[where:]
    return bytes(body)


def inflated(body: bytes) -> bytes:
    """What a gzip reader makes of `body` before it fails: the bytes the server verifies
    the signature over (a truncated stream yields its prefix)."""
    try:
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(body)
    except zlib.error:
        return body


def _encoded(encoding: str) -> bytes:
    return valid_body().decode("utf-8").encode(encoding)


RAW_SAMPLES = [
    b"",
    b" \n\t",
    b"null",
    b"[]",
    b'"text"',
    b"0",
    b"1e999",
    b"{",
    b"}",
    b"{}",
    b'{"requestTime":1}',
    b"\xef\xbb\xbf{}",
    b"\xff\xfe{\x00}\x00",
    b"<xml/>",
    b"requestTime=1&bizContent=x",
    b"[" * 10_000 + b"]" * 10_000,
    b'{"a":' * 10_000 + b"1" + b"}" * 10_000,
    b"\xc0\x80",
    b"\xed\xa0\x80",
    b'{"requestTime":' + b"9" * 5001 + b"}",
    b"{" + b" " * 70_000 + b"}",
]


@st.composite
def raw_requests(draw: st.DrawFn) -> tuple[bytes, bytes, dict[str, str], str]:
    """(bytes on the wire, bytes signed, extra headers, expectation: invalid/ok/any)."""
    kind = draw(
        st.sampled_from(
            ["binary", "sample", "mutated", "mutated", "encoding", "gzip", "gzip-bad", "header"]
        ),
        label="kind",
    )
    if kind == "binary":
        body = draw(st.binary(max_size=300), label="bytes")
        return body, body, {}, "invalid" if certainly_not_an_object(body) else "any"
    if kind == "sample":
        body = draw(st.sampled_from(RAW_SAMPLES), label="bytes")
        return body, body, {}, "invalid"
    if kind == "mutated":
        body = draw(mutated(), label="bytes")
        return body, body, {}, "invalid" if certainly_not_an_object(body) else "any"
    if kind == "encoding":
        encoding = draw(st.sampled_from(["utf-16", "utf-16-be", "utf-32", "utf-8-sig"]))
        body = _encoded(encoding)
        return body, body, {}, "invalid"
    if kind == "gzip":
        plain = valid_body()
        name = draw(st.sampled_from(["gzip", "GZIP", "Gzip"]), label="Content-Encoding")
        return gzipped(plain), plain, {"Content-Encoding": name}, "ok"
    if kind == "gzip-bad":
        variant = draw(
            st.sampled_from(["truncated", "garbage", "bomb", "undeclared", "not-json"]),
            label="variant",
        )
        plain = valid_body()
        if variant == "truncated":
            body = gzipped(plain)[: draw(st.integers(0, 30), label="keep")]
        elif variant == "garbage":
            body = draw(st.binary(max_size=64), label="bytes")
        elif variant == "bomb":
            plain = b'{"requestTime":1,"x":"' + b"0" * 2_000_000 + b'"}'
            body = gzipped(plain)
        elif variant == "undeclared":
            return gzipped(plain), gzipped(plain), {}, "invalid"
        else:
            plain = draw(st.sampled_from(RAW_SAMPLES[:12]), label="inner bytes")
            body = gzipped(plain)
        return body, inflated(body), {"Content-Encoding": "gzip"}, "invalid"
    # Other transfer codings are not decoded: the body is read as sent.
    body = valid_body()
    name = draw(st.sampled_from(["deflate", "br", "identity", "x-unknown", ""]), label="coding")
    return body, body, {"Content-Encoding": name}, "ok"


@budget("raw")
@given(request=raw_requests())
def test_raw_bytes(fuzzer: Fuzzer, request: tuple[bytes, bytes, dict[str, str], str]) -> None:
    """Non-JSON bytes, other encodings, mutations of a valid body, gzip bodies."""
    body, signed, headers, expectation = request
    path = "acquire2/placeOrder"
    response = fuzzer.api(path, body, signed=signed, headers=headers)
    head = fuzzer.check_api(response, expect_invalid=expectation == "invalid", sent=body, path=path)
    if expectation == "ok":
        assert head["code"] == "0", (headers, response.content)
