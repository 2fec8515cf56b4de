"""Merchant API authentication and wire format: signatures, headers, envelope,
requestTime window, malformed bodies, keys/whitelist/status via the CLI, rate limit."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import time
import zlib
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import orjson
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.harness import (
    ApiResponse,
    Gateway,
    Merchant,
    dumps,
    jsapi_order,
    new_key,
    now_ms,
    order_no,
    public_pem,
    rsa_sign,
    rsa_verify,
)

PLACE = "acquire2/placeOrder"
GET = "acquire2/getOrder"
MIN = 60_000
EMPTY_ACCESSORY = {"amountDetail": {}, "goodsDetail": {}, "terminalDetail": {}}


def envelope(biz: object, request_time: int | None = None) -> bytes:
    return dumps({"requestTime": request_time or now_ms(), "bizContent": biz})


def send(m: Merchant, path: str, content: bytes, headers: dict[str, str]) -> ApiResponse:
    """POSTs with exactly these headers (nothing added by the harness)."""
    response = m.http.post(m.base_url + "/sgs/api/" + path, content=content, headers=headers)
    sign = response.headers.get("sign")
    valid = rsa_verify(m.gateway_public_key, response.content, sign) if sign is not None else None
    return ApiResponse(response.status_code, response.content, response.headers,
                       orjson.loads(response.content), valid)


def assert_json_content_type(r: ApiResponse) -> None:
    content_type = r.headers.get("content-type", "")
    assert content_type.replace(" ", "").lower() == "application/json;charset=utf-8", content_type


def assert_refused(
    r: ApiResponse, status: str, code: str, msg_prefix: str | None = None, *, signed: bool = True
) -> None:
    assert r.status_code == 200, (r.status_code, r.raw)
    assert (r.apply_status, r.code) == (status, code), r.json
    assert not r.json.get("body"), r.json
    if msg_prefix:
        assert r.msg.startswith(msg_prefix), r.msg
    if signed:
        assert r.signature_valid is True, (r.headers, r.raw)
    else:
        assert "sign" not in r.headers, r.headers
    assert_json_content_type(r)


def ok_order(r: ApiResponse) -> dict[str, Any]:
    """HTTP 200, valid response signature, SUCCESS/0; returns acquireOrder."""
    assert r.status_code == 200, (r.status_code, r.raw)
    assert r.signature_valid is True, (r.headers, r.raw)
    return r.assert_ok().order


def assert_not_written(m: Merchant, merchant_order_no: str) -> None:
    r = m.call(GET, {"merchantOrderNo": merchant_order_no})
    assert (r.apply_status, r.code) == ("SUCCESS", "62004"), r.json


def fingerprint(key: rsa.RSAPrivateKey) -> str:
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(der).hexdigest()


# --- request signature

@pytest.mark.parametrize(
    ("old", "new"),
    [(b'"subject":"iPhone"', b'"subject":"iPhonf"'), (b'"amount":12.34', b'"amount":12.35')],
    ids=["subject", "amount"],
)
def test_body_byte_flipped_after_signing_is_refused_and_nothing_written(
    merchant: Merchant, old: bytes, new: bytes
) -> None:
    biz = jsapi_order()
    body = envelope(biz)
    sign = rsa_sign(merchant.private_key, body)
    tampered = body.replace(old, new, 1)
    assert len(tampered) == len(body)
    assert tampered != body
    r = merchant.post_raw(PLACE, tampered, sign=sign)
    assert_refused(r, "ERROR", "403")
    assert_not_written(merchant, biz["merchantOrderNo"])


@pytest.mark.parametrize("position", [0, 100, 255])
def test_signature_byte_flipped_is_refused(merchant: Merchant, position: int) -> None:
    biz = jsapi_order()
    body = envelope(biz)
    raw = bytearray(base64.b64decode(rsa_sign(merchant.private_key, body)))
    raw[position] ^= 0x01
    r = merchant.post_raw(PLACE, body, sign=base64.b64encode(bytes(raw)).decode())
    assert_refused(r, "ERROR", "403")
    assert_not_written(merchant, biz["merchantOrderNo"])


BAD_SIGNS: dict[str, Callable[[Merchant, bytes], str]] = {
    "another_key": lambda m, body: rsa_sign(new_key(), body),
    "garbage_base64": lambda m, body: "%%%not*base64!!!",
    "valid_base64_not_a_signature": lambda m, body: base64.b64encode(b"hello world").decode(),
    "truncated": lambda m, body: rsa_sign(m.private_key, body)[:-8],
    "empty": lambda m, body: "",
    "over_bizcontent_only": lambda m, body: rsa_sign(
        m.private_key, orjson.dumps(orjson.loads(body)["bizContent"])
    ),
}


@pytest.mark.parametrize("kind", BAD_SIGNS)
def test_bad_signature_is_refused_with_signed_error(merchant: Merchant, kind: str) -> None:
    biz = jsapi_order()
    body = envelope(biz)
    r = merchant.post_raw(PLACE, body, sign=BAD_SIGNS[kind](merchant, body))
    assert_refused(r, "ERROR", "403")
    assert_not_written(merchant, biz["merchantOrderNo"])


def test_missing_sign_header_is_refused(merchant: Merchant) -> None:
    biz = jsapi_order()
    headers = {"Content-Type": "application/json", "Partner-Id": merchant.partner_id}
    r = send(merchant, PLACE, envelope(biz), headers)
    assert_refused(r, "ERROR", "403")
    assert_not_written(merchant, biz["merchantOrderNo"])


# --- response signature and envelope for every kind of answer
ANSWERS: dict[str, tuple[Callable[[Merchant], ApiResponse], str, str]] = {
    "success": (lambda m: m.post_raw(PLACE, envelope(jsapi_order())), "SUCCESS", "0"),
    "business_refusal": (
        lambda m: m.post_raw(GET, envelope({"merchantOrderNo": order_no()})), "SUCCESS", "62004"
    ),
    "invalid_parameter": (
        lambda m: m.post_raw(PLACE, envelope({**jsapi_order(), "subject": None})), "FAIL", "400"
    ),
    "request_time": (
        lambda m: m.post_raw(PLACE, envelope(jsapi_order(), now_ms() - 30 * MIN)), "FAIL", "400"
    ),
    "malformed_json": (lambda m: m.post_raw(PLACE, b'{"requestTime":'), "FAIL", "400"),
    "bad_signature": (
        lambda m: m.post_raw(PLACE, envelope(jsapi_order()), sign=rsa_sign(new_key(), b"x")),
        "ERROR",
        "403",
    ),
}


@pytest.mark.parametrize("kind", ANSWERS)
def test_every_answer_is_signed_json_envelope(merchant: Merchant, kind: str) -> None:
    make, status, code = ANSWERS[kind]
    r = make(merchant)
    assert r.status_code == 200, r.raw
    assert (r.apply_status, r.code) == (status, code), r.json
    assert r.signature_valid is True, (r.headers, r.raw)
    assert_json_content_type(r)
    assert isinstance(r.head["code"], str)
    assert "traceCode" in r.head
    assert bool(r.json.get("body")) is (code == "0"), r.json


@pytest.mark.parametrize("partner_id", ["999999999999", "7"])
def test_unknown_partner_id_is_fail_403_unsigned(merchant: Merchant, partner_id: str) -> None:
    biz = jsapi_order()
    r = merchant.post_raw(PLACE, envelope(biz), partner_id=partner_id)
    assert_refused(r, "FAIL", "403", signed=False)
    assert_not_written(merchant, biz["merchantOrderNo"])


def test_missing_partner_id_is_fail_400_unsigned(merchant: Merchant) -> None:
    biz = jsapi_order()
    body = envelope(biz)
    headers = {"Content-Type": "application/json", "sign": rsa_sign(merchant.private_key, body)}
    r = send(merchant, PLACE, body, headers)
    assert_refused(r, "FAIL", "400", signed=False)
    assert_not_written(merchant, biz["merchantOrderNo"])


# --- what real clients send

@pytest.mark.parametrize("style", ["lower", "upper", "sdk_extra_headers"])
def test_header_names_in_any_case_and_extra_headers(merchant: Merchant, style: str) -> None:
    biz = jsapi_order()
    body = envelope(biz)
    pid, sign = merchant.partner_id, rsa_sign(merchant.private_key, body)
    headers = {
        "lower": {"content-type": "application/json", "partner-id": pid, "sign": sign},
        "upper": {"CONTENT-TYPE": "application/json", "PARTNER-ID": pid, "SIGN": sign},
        "sdk_extra_headers": {
            "Content-Type": "application/json", "Partner-Id": pid, "sign": sign,
            "api-version": "v1", "group-name": "", "branch-name": "", "Content-Language": "en",
        },
    }[style]
    r = send(merchant, PLACE, body, headers)
    assert ok_order(r)["merchantOrderNo"] == biz["merchantOrderNo"]


@pytest.mark.parametrize(
    ("raw_amount", "value"),
    [("10.50", "10.50"), ("5.00", "5"), ("0.1", "0.10"), ("1E+1", "10"), ("10", "10")],
)
def test_request_shaped_like_official_java_sdk(
    merchant: Merchant, raw_amount: str, value: str
) -> None:
    mono = order_no()
    text = (
        '{"bizContent":{"accessoryContent":{"amountDetail":{},"goodsDetail":{},'
        f'"terminalDetail":{{}}}},"merchantOrderNo":"{mono}",'
        '"notifyUrl":"http://127.0.0.1:9/notify","paySceneCode":"JSAPI","paySceneParams":{},'
        '"subject":"Phone case","subjectAr":"غطاء هاتف ذكي",'
        f'"totalAmount":{{"amount":{raw_amount},"currency":"AED"}}}},"requestTime":{now_ms()}}}'
    )
    body = text.encode("utf-8")
    assert not body.endswith(b"\n")
    assert b"\\u" not in body
    headers = {
        "Content-Type": "application/json", "Partner-Id": merchant.partner_id,
        "sign": rsa_sign(merchant.private_key, body),
        "api-version": "v1", "group-name": "", "branch-name": "",
    }
    r = send(merchant, PLACE, body, headers)
    order = ok_order(r)
    assert order["merchantOrderNo"] == mono
    assert Decimal(str(order["totalAmount"]["amount"])) == Decimal(value)
    assert order["totalAmount"]["currency"] == "AED"
    assert order["subjectAr"] == "غطاء هاتف ذكي"
    assert order["accessoryContent"] == EMPTY_ACCESSORY
    assert order["paySceneParams"].get("oneTimePayment") == "false"
    token_url = (r.body or {})["interActionParams"]["tokenUrl"]
    assert token_url.startswith(merchant.base_url + "/pay-page/main?ft=")


def test_signature_is_checked_over_the_bytes_as_sent(merchant: Merchant) -> None:
    """Pretty-printed, unsorted, \\u-escaped JSON with a trailing newline: never re-serialised."""
    biz = {**jsapi_order(), "totalAmount": {"currency": "AED", "amount": 12}, "subjectAr": "هاتف"}
    body = (json.dumps({"requestTime": now_ms(), "bizContent": biz}, indent=3) + "\n").encode()
    assert b"\\u" in body
    r = merchant.post_raw(PLACE, body)
    assert ok_order(r)["subjectAr"] == "هاتف"


def test_gzip_request_body_is_accepted(merchant: Merchant) -> None:
    biz = jsapi_order()
    body = envelope(biz)
    r = merchant.post_raw(
        PLACE, gzip.compress(body), sign=rsa_sign(merchant.private_key, body),
        headers={"Content-Encoding": "gzip"},
    )
    assert ok_order(r)["merchantOrderNo"] == biz["merchantOrderNo"]


@pytest.mark.parametrize("kind", ["not_gzip", "gzip_bomb_over_64k", "truncated"])
def test_bad_gzip_body_is_fail_400(merchant: Merchant, kind: str) -> None:
    biz = jsapi_order()
    body = envelope(biz)
    if kind == "gzip_bomb_over_64k":
        body = body[:-1] + b" " * (512 * 1024) + b"}"
    content = body if kind == "not_gzip" else gzip.compress(body)
    if kind == "truncated":  # no trailer: signed over what it inflates to, still refused
        content = content[:-8]
        body = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(content)
    r = merchant.post_raw(
        PLACE, content, sign=rsa_sign(merchant.private_key, body),
        headers={"Content-Encoding": "gzip"},
    )
    assert_refused(r, "FAIL", "400")
    assert_not_written(merchant, biz["merchantOrderNo"])


# --- requestTime

@pytest.mark.parametrize(
    ("offset_min", "expected"),
    [(-16, "REQUESTTIME_TOO_EARLY"), (16, "REQUESTTIME_TOO_LATER"), (-14, None), (14, None)],
)
def test_request_time_window(merchant: Merchant, offset_min: int, expected: str | None) -> None:
    biz = jsapi_order()
    r = merchant.call(PLACE, biz, request_time=now_ms() + offset_min * MIN)
    if expected is None:
        assert r.assert_ok().order["merchantOrderNo"] == biz["merchantOrderNo"]
    else:
        assert_refused(r, "FAIL", "400", expected)
        assert_not_written(merchant, biz["merchantOrderNo"])


def test_request_time_as_numeric_string_is_refused(merchant: Merchant) -> None:
    """The reference's Timestamp is a JSON integer; "1764…" is loose parsing (issue 10)."""
    biz = jsapi_order()
    r = merchant.post_raw(PLACE, dumps({"requestTime": str(now_ms()), "bizContent": biz}))
    assert_refused(r, "FAIL", "400", "INVALID_PARAMETER")
    assert "requestTime" in r.msg
    assert_not_written(merchant, biz["merchantOrderNo"])


@pytest.mark.parametrize("value", ["abc", "", "12x", None, True, [1], {"t": 1}])
def test_request_time_of_wrong_type_is_fail_400(merchant: Merchant, value: object) -> None:
    biz = jsapi_order()
    r = merchant.post_raw(PLACE, dumps({"requestTime": value, "bizContent": biz}))
    assert_refused(r, "FAIL", "400", "INVALID_PARAMETER")
    assert "requestTime" in r.msg
    assert_not_written(merchant, biz["merchantOrderNo"])


# --- malformed bodies
MALFORMED: dict[str, tuple[Callable[[int], bytes], str | None]] = {
    "truncated_json": (lambda t: b'{"requestTime":%d,"bizContent":{"subject":' % t, None),
    "form_encoded": (lambda t: b"requestTime=1&bizContent=x", None),
    "empty_body": (lambda t: b"", None),
    "invalid_utf8": (lambda t: b'{"requestTime":%d,"bizContent":{"subject":"\xff\xfe"}}' % t, None),
    "top_level_array": (lambda t: dumps([{"requestTime": t, "bizContent": jsapi_order()}]), None),
    "top_level_string": (lambda t: b'"hello"', None),
    "top_level_null": (lambda t: b"null", None),
    "missing_bizContent": (lambda t: dumps({"requestTime": t}), "bizContent"),
    "missing_requestTime": (lambda t: dumps({"bizContent": jsapi_order()}), "requestTime"),
    "bizContent_string": (lambda t: dumps({"requestTime": t, "bizContent": "x"}), "bizContent"),
    "bizContent_json_text": (
        lambda t: dumps({"requestTime": t, "bizContent": dumps(jsapi_order()).decode()}),
        "bizContent",
    ),
    "bizContent_array": (lambda t: dumps({"requestTime": t, "bizContent": [jsapi_order()]}),
                         "bizContent"),
    "bizContent_null": (lambda t: dumps({"requestTime": t, "bizContent": None}), "bizContent"),
    "bizContent_number": (lambda t: dumps({"requestTime": t, "bizContent": 5}), "bizContent"),
}


@pytest.mark.parametrize("kind", MALFORMED)
def test_malformed_body_is_fail_400(merchant: Merchant, kind: str) -> None:
    make, field = MALFORMED[kind]
    r = merchant.post_raw(PLACE, make(now_ms()))
    assert_refused(r, "FAIL", "400")
    if field:
        assert field in r.msg, r.msg


@pytest.mark.parametrize(("padding", "accepted"), [(60 * 1024, True), (65 * 1024, False),
                                                   (300 * 1024, False)])
def test_body_size_limit_64_kib(merchant: Merchant, padding: int, accepted: bool) -> None:
    biz = jsapi_order()
    body = b'{"requestTime":%d,"bizContent":' % now_ms() + b" " * padding + dumps(biz) + b"}"
    assert (len(body) > 64 * 1024) is not accepted
    r = merchant.post_raw(PLACE, body)
    if accepted:
        ok_order(r)
    else:
        assert_refused(r, "FAIL", "400")
        assert_not_written(merchant, biz["merchantOrderNo"])


# --- replay

def test_same_signed_bytes_twice_within_window_is_idempotent(merchant: Merchant) -> None:
    place = envelope(jsapi_order())
    first, second = merchant.post_raw(PLACE, place), merchant.post_raw(PLACE, place)
    assert first.assert_ok().order["orderNo"] == second.assert_ok().order["orderNo"]
    get = envelope({"orderNo": first.order["orderNo"]})
    a, b = merchant.post_raw(GET, get), merchant.post_raw(GET, get)
    assert ok_order(a) == ok_order(b)
    assert a.order["merchantOrderNo"] == first.order["merchantOrderNo"]


def test_old_signed_bytes_outside_window_are_refused(merchant: Merchant) -> None:
    placed = merchant.place_order().assert_ok()
    old = envelope({"orderNo": placed.order["orderNo"]}, request_time=now_ms() - 16 * MIN)
    r = merchant.post_raw(GET, old)
    assert_refused(r, "FAIL", "400", "REQUESTTIME_TOO_EARLY")


@pytest.mark.parametrize("path", ["acquire2/noSuchEndpoint", "nothing", "acquire2/placeOrder/x"])
def test_unknown_path_answers_with_envelope(merchant: Merchant, path: str) -> None:
    r = merchant.post_raw(path, envelope({"merchantOrderNo": order_no()}))
    assert b"<html" not in r.raw.lower()
    assert_refused(r, "FAIL", "404", f"SERVICE_NOT_AVAILABLE: no API at POST /sgs/api/{path}")


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS", "PUT", "DELETE"])
def test_other_methods_answer_404_envelope(merchant: Merchant, method: str) -> None:
    """One front door: every method under /sgs/api/ gets the envelope; HEAD without it."""
    url = merchant.base_url + "/sgs/api/" + PLACE
    response = merchant.http.request(method, url, headers={"Partner-Id": merchant.partner_id})
    assert response.status_code == 200, response.content
    assert "sign" in response.headers
    if method == "HEAD":
        assert response.content == b""
        assert int(response.headers["content-length"]) > 0
        return
    r = ApiResponse(200, response.content, response.headers, orjson.loads(response.content),
                    rsa_verify(merchant.gateway_public_key, response.content,
                               response.headers["sign"]))
    assert_refused(r, "FAIL", "404", f"SERVICE_NOT_AVAILABLE: no API at {method} /sgs/api/{PLACE}")


# --- merchant keys, status and whitelist via the CLI

def test_key_rotation_via_cli(gateway: Gateway) -> None:
    old = gateway.add_merchant()
    pid, new = old.partner_id, new_key()
    fresh = Merchant(pid, new, old.gateway_public_key, old.base_url)
    old_fp, new_fp = fingerprint(old.private_key), fingerprint(new)
    added = gateway.cli("merchant", "key", "add", "--partner-id", pid,
                        "--public-key", public_pem(new))
    assert new_fp in added.stdout.lower()
    listed = gateway.cli("merchant", "key", "list", "--partner-id", pid).stdout.lower()
    assert old_fp in listed
    assert new_fp in listed
    old.place_order().assert_ok()
    fresh.place_order().assert_ok()

    gateway.cli("merchant", "key", "remove", "--partner-id", pid, "--fingerprint", old_fp)
    biz = jsapi_order()
    assert_refused(old.call(PLACE, biz), "ERROR", "403")
    assert_not_written(fresh, biz["merchantOrderNo"])
    fresh.place_order().assert_ok()
    assert old_fp not in gateway.cli("merchant", "key", "list", "--partner-id", pid).stdout.lower()

    last = gateway.cli("merchant", "key", "remove", "--partner-id", pid, "--fingerprint", new_fp,
                       check=False)
    assert last.returncode != 0
    assert "Traceback" not in last.stdout + last.stderr
    fresh.place_order().assert_ok()


def test_merchant_with_bare_base64_public_key(gateway: Gateway) -> None:
    m = gateway.add_merchant(key_format="b64")
    assert m.place_order().assert_ok().order["payeeMid"] == m.partner_id


def test_disabled_merchant_is_fail_403_signed_and_enable_restores(gateway: Gateway) -> None:
    m = gateway.add_merchant()
    gateway.cli("merchant", "disable", "--partner-id", m.partner_id)
    biz = jsapi_order()
    assert_refused(m.call(PLACE, biz), "FAIL", "403")
    assert_refused(m.call(GET, {"merchantOrderNo": biz["merchantOrderNo"]}), "FAIL", "403")
    gateway.cli("merchant", "enable", "--partner-id", m.partner_id)
    assert_not_written(m, biz["merchantOrderNo"])
    m.call(PLACE, biz).assert_ok()


def test_ip_whitelist(gateway: Gateway) -> None:
    m = gateway.add_merchant(extra=["--ip-whitelist", "10.0.0.0/8"])
    biz = jsapi_order()
    assert_refused(m.call(PLACE, biz), "FAIL", "403")
    gateway.cli("merchant", "set-whitelist", "--partner-id", m.partner_id, "127.0.0.0/8")
    assert_not_written(m, biz["merchantOrderNo"])
    m.call(PLACE, biz).assert_ok()
    gateway.cli("merchant", "set-whitelist", "--partner-id", m.partner_id, "192.168.0.0/16",
                "10.0.0.0/8")
    assert_refused(m.call(GET, {"merchantOrderNo": biz["merchantOrderNo"]}), "FAIL", "403")
    gateway.cli("merchant", "set-whitelist", "--partner-id", m.partner_id, "10.0.0.0/8",
                "127.0.0.1/32")
    m.place_order().assert_ok()
    gateway.cli("merchant", "set-whitelist", "--partner-id", m.partner_id, "*")
    m.place_order().assert_ok()


# --- rate limit

def test_rate_limit_per_merchant(fresh_gateway: Callable[..., Gateway]) -> None:
    gw = fresh_gateway("--rate-limit", "3")
    m, other = gw.add_merchant(), gw.add_merchant()
    bodies = [envelope({"merchantOrderNo": order_no()}) for _ in range(10)]
    signed = [(body, rsa_sign(m.private_key, body)) for body in bodies]
    answers = [m.post_raw(GET, body, sign=sign) for body, sign in signed]
    for r in answers:
        assert r.status_code == 200, r.raw
        assert r.signature_valid is True, (r.headers, r.raw)
        assert (r.apply_status, r.code) in {("SUCCESS", "62004"), ("FAIL", "402")}, r.json
    limited = [r for r in answers if r.code == "402"]
    assert limited, [r.json for r in answers]
    assert all(r.msg.startswith("RATE_LIMIT_REJECT") for r in limited)
    assert answers[0].code == "62004"
    assert sum(r.code == "62004" for r in answers) >= 3

    assert other.call(GET, {"merchantOrderNo": order_no()}).code == "62004"
    time.sleep(1.5)
    for _ in range(3):
        r = m.call(GET, {"merchantOrderNo": order_no()})
        assert (r.apply_status, r.code) == ("SUCCESS", "62004"), r.json
