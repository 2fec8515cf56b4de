"""Fuzzing the unsigned surfaces that take input: the sandbox helpers and the pages.

None of them may answer 5xx; the sandbox helpers answer a JSON object, and a 400
to any body with unstorable text, a repeated key or no JSON object at all. The
clock is shared by the whole session, so /sandbox/api/clock/advance only gets
bodies that cannot move it.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qsl, quote

import httpx
from hypothesis import assume, given, reject
from hypothesis import strategies as st

from tests.fuzz.client import Fuzzer, token_query
from tests.fuzz.jsonfuzz import (
    Raw,
    as_object,
    encode,
    hostile_json,
    hostile_text,
    int_value,
    json_kind,
    must_refuse,
    one_in,
)
from tests.fuzz.operations import Seeds
from tests.fuzz.profiles import budget

PHONES = ["+971 56 000 0009", "+971560000009", "971560000009", "0560000009", "+971 56 000 0019"]


@st.composite
def pay_bodies(draw: st.DrawFn, seeds: Seeds) -> Any:
    """A plausible pay request (a test wallet paying a real order), then a few fields
    made hostile, left out or null; or any JSON at all."""
    if draw(one_in(6), label="any JSON"):
        return draw(hostile_json, label="body")
    plausible: dict[str, st.SearchStrategy[Any]] = {
        "orderNo": st.sampled_from([*seeds.order_nos, "0" * 32]),
        "tokenUrl": st.sampled_from([*seeds.token_urls, "http://x/pay-page/main?ft=a&t=1"]),
        "phone": st.sampled_from(PHONES),
        "paymentPassword": st.sampled_from(["132580", "000000", ""]),
        "method": st.sampled_from(["BALANCE", "CARD", "balance"]),
        "outcome": st.sampled_from(["SUCCESS", "FAILURE", "PENDING", "success"]),
    }
    order = draw(st.sampled_from(["orderNo", "tokenUrl"]), label="order by")
    body: dict[str, Any] = {}
    for name, strategy in plausible.items():
        if name in ("orderNo", "tokenUrl") and name != order:
            continue
        if name in (order, "phone") or draw(st.booleans(), label=name):
            body[name] = draw(strategy, label=name)
    for _ in range(draw(st.sampled_from([0, 1, 1, 2, 3]), label="mutations")):
        name = draw(st.sampled_from(sorted(plausible)), label="mutate")
        mode = draw(st.sampled_from(["hostile", "hostile", "missing", "null"]), label="becomes")
        if mode == "missing":
            body.pop(name, None)
        else:
            body[name] = None if mode == "null" else draw(hostile_json, label=name)
    extra = draw(st.dictionaries(hostile_text(12), hostile_json, max_size=1), label="extra")
    return {**extra, **body}


@budget("sandbox/pay")
@given(data=st.data())
def test_sandbox_pay(fuzzer: Fuzzer, seeds: Seeds, data: st.DataObject) -> None:
    value = data.draw(pay_bodies(seeds), label="body")
    body = encode(value, ascii_only=data.draw(st.booleans(), label="ASCII escapes"))
    response = fuzzer.post("/sandbox/api/pay", body)
    fuzzer.check_unsigned(
        response,
        what=f"POST /sandbox/api/pay {body[:400]!r}",
        json_body=True,
        expect_400=must_refuse(value) or as_object(value) is None,
    )


# --- the clock: invalid bodies only ------------------------------------------------------------

MAX_ADVANCE = 366 * 24 * 3600


def might_move_the_clock(value: Any) -> bool:
    """True unless `value` is certainly refused by {"seconds": 0 < int <= 1 year}
    (conservative: a numeric-looking string or number in range counts as valid)."""
    if must_refuse(value):
        return False
    fields = as_object(value)
    if fields is None or set(fields) != {"seconds"}:
        return False
    seconds = fields["seconds"]
    kind = json_kind(seconds)
    if kind == "bool":
        return seconds is True
    if kind == "int":
        number = int_value(seconds)
        return number is not None and 0 < number <= MAX_ADVANCE
    if kind == "number":
        text = seconds.text if isinstance(seconds, Raw) else str(seconds)
        try:
            return 0 < Decimal(text) <= MAX_ADVANCE
        except InvalidOperation:
            return True
    if kind == "string":
        return any(char.isdigit() for char in seconds)
    return False


def _python_json(body: bytes) -> Any:
    """What Python's decoder reads (NaN and friends as null, which the server refuses)."""
    try:
        return json.loads(body.decode("utf-8"), parse_float=Decimal, parse_constant=lambda _: None)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None


clock_values = st.one_of(
    st.fixed_dictionaries({"seconds": hostile_json}),
    st.fixed_dictionaries({"seconds": st.integers(min_value=-(2**40), max_value=0)}),
    st.fixed_dictionaries({"seconds": st.integers(min_value=MAX_ADVANCE + 1)}),
    st.fixed_dictionaries(
        {"seconds": st.integers(min_value=1, max_value=60)},
        optional={"extra": hostile_json, "": hostile_json, "Seconds": hostile_json},
    ).filter(lambda body: len(body) > 1),
    st.dictionaries(hostile_text(12), hostile_json, max_size=3),
    hostile_json,
)


@budget("sandbox/clock")
@given(data=st.data())
def test_clock_advance_refuses(fuzzer: Fuzzer, data: st.DataObject) -> None:
    if data.draw(one_in(5), label="raw bytes"):
        body = data.draw(st.binary(max_size=80), label="body")
        assume(not might_move_the_clock(_python_json(body)))
    else:
        value = data.draw(clock_values, label="body")
        assume(not might_move_the_clock(value))
        body = encode(value, ascii_only=data.draw(st.booleans(), label="ASCII escapes"))
    response = fuzzer.post("/sandbox/api/clock/advance", body)
    fuzzer.check_unsigned(
        response,
        what=f"POST /sandbox/api/clock/advance {body[:400]!r}",
        json_body=True,
        expect_400=True,
    )


# --- pages ----------------------------------------------------------------------------------

RAW_FRAGMENTS = ["%", "%zz", "%00", "%ED%A0%80", "%C0%80", "%FF", "+", "&", "=", ";", "%%00", "%0"]
SCALES = ["", "1", "20", "0", "21", "-1", "1.5", "²", "١", "１", "৪", "9" * 30, " 4", "4 "]
# Around the 2,048-character limit, in characters of 1 to 4 UTF-8 bytes.
QR_DATA = [unit * size for unit in ("a", "é", "€", "😀") for size in (700, 1000, 2048)]
RESULTS = ["PAYMENT_SUCCESS", "PAYMENT_FAILED", "CANCELLED", "PENDING", "payment_success"]
REASONS = ["INSUFFICIENT_BALANCE", "CARD_DECLINED", "TOKEN_UNKNOWN"]


def _percent(text: str) -> str:
    # At most 2,100 characters: the client refuses URLs past 64 KiB.
    return quote(text[:2100].encode("utf-8", "surrogatepass"), safe="")


def query_value(*plausible: str) -> st.SearchStrategy[str]:
    """A query value as it goes on the wire: percent-encoded text, or raw fragments."""
    hostile = hostile_text(40).map(_percent)
    raw = st.lists(
        st.one_of(st.sampled_from(RAW_FRAGMENTS), st.text("abc019", max_size=3)), max_size=4
    ).map("".join)
    if not plausible:
        return st.one_of(hostile, raw)
    chosen = st.sampled_from(plausible).map(_percent)
    return st.one_of(chosen, chosen, hostile, raw)


CHECKOUT_PAGES = ["/pay-page/main", "/pay-page/result", "/pay-page/status"]
QR_IMAGES = ["/qr.svg", "/qr.png"]
OTHER_PAGES = ["/app", "/demo/shop", "/demo/shop/api/status"]


@st.composite
def page_requests(draw: st.DrawFn, seeds: Seeds, paths: list[str]) -> tuple[bytes, bytes | None]:
    """(path and query bytes, Cookie header or None)."""
    tokens = [token_query(url) for url in seeds.token_urls]
    fts = [t.get("ft", "") for t in tokens]
    ts = [t.get("t", "") for t in tokens]
    params: dict[str, st.SearchStrategy[str]]
    path = draw(st.sampled_from(paths), label="path")
    scale = query_value(*SCALES)
    visit = {"ft": query_value(*fts), "t": query_value(*ts), "lang": query_value("en", "ar")}
    params = {
        "/pay-page/main": visit,
        "/pay-page/result": visit
        | {"result": query_value(*RESULTS), "reason": query_value(*REASONS)},
        "/pay-page/status": visit,
        "/qr.svg": {"data": query_value(*seeds.token_urls, *QR_DATA), "scale": scale},
        "/qr.png": {"data": query_value(*seeds.token_urls, *QR_DATA), "scale": scale},
        "/demo/shop/api/status": {"orderNo": query_value(*seeds.order_nos)},
    }.get(path, {})
    pairs: list[tuple[str, str]] = []
    for name, strategy in params.items():
        if not draw(one_in(6), label=f"{name} absent"):
            pairs.append((name, draw(strategy, label=name)))
    for _ in range(draw(st.integers(0, 2), label="extra params")):
        pairs.append((draw(query_value("ft", "t", "x"), label="name"), draw(query_value())))
    query = "&".join(f"{name}={value}" for name, value in pairs)
    if draw(one_in(10), label="bare query"):
        query = draw(query_value(), label="query")
    target = f"{path}?{query}" if query else path
    cookie = None
    if draw(one_in(4), label="cookie"):
        value = draw(
            st.one_of(
                st.text("abcdefABCDEF0123456789-_.", max_size=40),
                st.sampled_from(['"\\000"', '"a\\000b"', '"\\377"', '"\\"', '""', "%00"]),
            ),
            label="cookie value",
        )
        name = draw(st.sampled_from(["bp_session", "bp_csrf", "x"]), label="cookie name")
        cookie = f"{name}={value}".encode()
    return target.encode("ascii"), cookie


def _query_has_nul(target: bytes) -> bool:
    _, _, query = target.decode("ascii").partition("?")
    return any(
        "\x00" in key or "\x00" in value for key, value in parse_qsl(query, keep_blank_values=True)
    )


def _fuzz_pages(fuzzer: Fuzzer, target: bytes, cookie: bytes | None) -> None:
    """Never a 5xx; a NUL in a query parameter is a 400."""
    try:
        response = fuzzer.get(target, cookie)
    except httpx.InvalidURL:  # httpx refuses to send it (a query over 64 KiB): not our input
        reject()
    fuzzer.check_unsigned(
        response,
        what=f"GET {target[:400]!r} Cookie: {cookie!r}",
        json_body=False,
        expect_400=_query_has_nul(target),
        head_bytes=len(target) + len(cookie or b""),
    )


@budget("pages/checkout")
@given(data=st.data())
def test_checkout_pages(fuzzer: Fuzzer, seeds: Seeds, data: st.DataObject) -> None:
    """/pay-page/main, result and status with random ft, t, lang, result, reason."""
    _fuzz_pages(fuzzer, *data.draw(page_requests(seeds, CHECKOUT_PAGES), label="request"))


@budget("pages/qr")
@given(data=st.data())
def test_qr_images(fuzzer: Fuzzer, seeds: Seeds, data: st.DataObject) -> None:
    """/qr.svg and /qr.png with random data and scale."""
    _fuzz_pages(fuzzer, *data.draw(page_requests(seeds, QR_IMAGES), label="request"))


@budget("pages/other")
@given(data=st.data())
def test_app_and_demo_pages(fuzzer: Fuzzer, seeds: Seeds, data: st.DataObject) -> None:
    """/app and the demo shop with random query parameters and cookies."""
    _fuzz_pages(fuzzer, *data.draw(page_requests(seeds, OTHER_PAGES), label="request"))
