"""The merchant API pipeline in process: `create_app(settings)` through httpx.ASGITransport.

No server process: the database is a temporary SQLite file set up as `botimpay init`
does (services/setup.initialise), and the test drives the FastAPI app's lifespan
itself (ASGITransport runs none), so each test costs milliseconds. The subprocess
tests in tests/api check the same answers over a real socket.
"""

from __future__ import annotations

import gzip
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import orjson
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from botimpay.cli.common import run_db
from botimpay.clock import Clock
from botimpay.services.setup import initialise
from botimpay.settings import Settings
from botimpay.web.app import create_app
from botimpay.web.merchant_api import OPERATIONS_BY_PATH, PREFIX
from botimpay.web.security import NEUTRAL_HEADERS
from tests.harness import dumps, jsapi_order, loads_exact, new_key, now_ms, rsa_sign, rsa_verify

PLACE = PREFIX + "acquire2/placeOrder"
GET = PREFIX + "acquire2/getOrder"
MIN = 60_000
LIMIT = 64 * 1024


@dataclass(frozen=True)
class DemoMerchant:
    """The merchant `botimpay init` makes in sandbox mode, with its keys."""

    db_url: str
    partner_id: str
    private_key: rsa.RSAPrivateKey
    gateway_key: rsa.RSAPublicKey


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoMerchant:
    tmp = tmp_path_factory.mktemp("in_process")
    db_url = f"sqlite:///{tmp / 'botimpay.db'}"
    made = run_db(db_url, lambda db: initialise(db, Clock(), sandbox=True, key_dir=tmp / "keys"))
    assert made is not None
    private = serialization.load_pem_private_key(made.private_key_path.read_bytes(), None)
    public = serialization.load_pem_public_key(made.gateway_public_key_path.read_bytes())
    assert isinstance(private, rsa.RSAPrivateKey)
    assert isinstance(public, rsa.RSAPublicKey)
    return DemoMerchant(db_url, made.partner_id, private, public)


@dataclass(frozen=True)
class Answer:
    response: httpx.Response
    json: dict[str, Any]
    signed: bool | None  # None: no sign header

    @property
    def head(self) -> dict[str, str]:
        head: dict[str, str] = self.json["head"]
        return head

    def status_code(self) -> tuple[str, str]:
        return self.head["applyStatus"], self.head["code"]


@dataclass(frozen=True)
class Api:
    http: httpx.AsyncClient
    merchant: DemoMerchant

    def answer(self, response: httpx.Response) -> Answer:
        assert response.status_code == 200, response.content
        sign = response.headers.get("sign")
        key = self.merchant.gateway_key
        signed = None if sign is None else rsa_verify(key, response.content, sign)
        return Answer(response, orjson.loads(response.content), signed)

    async def post(
        self,
        path: str,
        content: bytes,
        *,
        headers: dict[str, str] | None = None,
        signed_over: bytes | None = None,
    ) -> Answer:
        """POSTs `content` as the demo merchant, signed over `signed_over` (or `content`)."""
        sign = rsa_sign(self.merchant.private_key, content if signed_over is None else signed_over)
        base = {"Partner-Id": self.merchant.partner_id, "sign": sign}
        response = await self.http.post(path, content=content, headers=base | (headers or {}))
        return self.answer(response)

    async def call(self, path: str, biz: dict[str, Any], request_time: int | None = None) -> Answer:
        return await self.post(path, envelope(biz, request_time))


def envelope(biz: object, request_time: int | None = None) -> bytes:
    return dumps({"requestTime": request_time or now_ms(), "bizContent": biz})


@pytest.fixture
async def api(demo: DemoMerchant) -> AsyncIterator[Api]:
    settings = Settings(db_url=demo.db_url, run_sweeper=False, run_dispatcher=False)
    gateway = create_app(settings)
    async with gateway.app.router.lifespan_context(gateway.app):
        transport = httpx.ASGITransport(app=gateway)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as http:
            yield Api(http, demo)


def assert_refused(answer: Answer, status: str, code: str, *, signed: bool, names: str) -> None:
    """No body; signed (with a valid signature) or unsigned; the message says `names`."""
    assert answer.status_code() == (status, code), answer.json
    assert "body" not in answer.json, answer.json
    assert answer.signed is (True if signed else None), answer.response.headers
    assert names in answer.head["msg"], answer.head["msg"]


# --- a valid call


async def test_place_order_then_get_order(api: Api) -> None:
    biz = jsapi_order()
    placed = await api.call(PLACE, biz)
    assert placed.status_code() == ("SUCCESS", "0"), placed.json
    assert placed.signed is True
    OPERATIONS_BY_PATH[PLACE].response_model.model_validate(loads_exact(placed.response.content))
    order = placed.json["body"]["acquireOrder"]
    assert order["merchantOrderNo"] == biz["merchantOrderNo"]
    assert placed.json["body"]["interActionParams"]["tokenUrl"]

    got = await api.call(GET, {"orderNo": order["orderNo"]})
    assert got.status_code() == ("SUCCESS", "0"), got.json
    assert got.signed is True
    OPERATIONS_BY_PATH[GET].response_model.model_validate(loads_exact(got.response.content))
    assert got.json["body"]["acquireOrder"] == order


async def test_answers_carry_the_security_headers_pages_carry(api: Api) -> None:
    answer = await api.call(GET, {"merchantOrderNo": "M-unknown"})
    page = await api.http.get("/healthz")
    assert answer.response.headers["content-type"] == "application/json; charset=UTF-8"
    for name, value in NEUTRAL_HEADERS:
        assert answer.response.headers[name.decode()] == value.decode()
        assert page.headers[name.decode()] == value.decode()


# --- who is calling


async def test_missing_partner_id_is_400_unsigned(api: Api) -> None:
    body = envelope(jsapi_order())
    sign = rsa_sign(api.merchant.private_key, body)
    answer = api.answer(await api.http.post(PLACE, content=body, headers={"sign": sign}))
    assert_refused(answer, "FAIL", "400", signed=False, names="Partner-Id")


@pytest.mark.parametrize("partner_id", ["999999999999", "7", "1" * 13])
async def test_unknown_partner_id_is_403_unsigned(api: Api, partner_id: str) -> None:
    answer = await api.post(PLACE, envelope(jsapi_order()), headers={"Partner-Id": partner_id})
    assert_refused(answer, "FAIL", "403", signed=False, names="unknown Partner-Id")


@pytest.mark.parametrize("sign", ["", "AAAA", "other key"])
async def test_bad_sign_is_403_error_signed(api: Api, sign: str) -> None:
    body = envelope(jsapi_order())
    if sign == "other key":
        sign = rsa_sign(new_key(), body)
    answer = await api.post(PLACE, body, headers={"sign": sign})
    assert_refused(answer, "ERROR", "403", signed=True, names="sign")


# --- what no API answers: 404 SERVICE_NOT_AVAILABLE naming the method and path


@pytest.mark.parametrize("method", ["GET", "OPTIONS", "PUT", "PATCH", "DELETE"])
async def test_other_methods_are_404_naming_the_method(api: Api, method: str) -> None:
    headers = {"Partner-Id": api.merchant.partner_id}
    answer = api.answer(await api.http.request(method, PLACE, headers=headers))
    assert_refused(answer, "FAIL", "404", signed=True, names=f"{method} {PLACE}; it takes POST")


async def test_other_methods_without_partner_id_are_404_unsigned(api: Api) -> None:
    answer = api.answer(await api.http.options(PLACE))
    assert_refused(answer, "FAIL", "404", signed=False, names=f"OPTIONS {PLACE}")


async def test_head_is_answered_as_get_without_the_body(api: Api) -> None:
    headers = {"Partner-Id": api.merchant.partner_id}
    get = await api.http.get(PLACE, headers=headers)
    head = await api.http.head(PLACE, headers=headers)
    assert head.status_code == get.status_code == 200
    assert head.content == b""
    assert sorted(head.headers.keys()) == sorted(get.headers.keys())
    same = {name: value for name, value in get.headers.items() if name != "sign"}
    assert {name: head.headers[name] for name in same} == same  # sign: another traceCode


@pytest.mark.parametrize(
    "path", ["acquire2/noSuchEndpoint", "nothing", "acquire2/placeOrder/x", "ACQUIRE2/PLACEORDER"]
)
async def test_unknown_path_is_404_naming_it(api: Api, path: str) -> None:
    answer = await api.post(PREFIX + path, envelope(jsapi_order()))
    assert_refused(answer, "FAIL", "404", signed=True, names=f"no API at POST {PREFIX}{path}")


async def test_long_unknown_path_is_named_cut_short(api: Api) -> None:
    answer = await api.post(PREFIX + "x" * 5000, envelope({}))
    assert_refused(answer, "FAIL", "404", signed=True, names="x" * 100)
    assert len(answer.head["msg"]) < 200, answer.head["msg"]


# --- the body


async def test_body_over_the_limit_is_400(api: Api) -> None:
    body = envelope(jsapi_order())[:-1] + b" " * LIMIT + b"}"
    answer = await api.post(PLACE, body)
    assert_refused(answer, "FAIL", "400", signed=True, names=f"exceeds {LIMIT} bytes")


async def test_streamed_body_over_the_limit_is_400(api: Api) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(5):
            yield b" " * (LIMIT // 4)

    headers = {"Partner-Id": api.merchant.partner_id, "sign": "AAAA"}
    answer = api.answer(await api.http.post(PLACE, content=chunks(), headers=headers))
    assert "content-length" not in answer.response.request.headers
    assert_refused(answer, "FAIL", "400", signed=True, names=f"exceeds {LIMIT} bytes")


async def test_gzip_body_is_read_and_signed_over_the_inflated_bytes(api: Api) -> None:
    biz = jsapi_order()
    body = envelope(biz)
    gz = {"Content-Encoding": "gzip"}
    answer = await api.post(PLACE, gzip.compress(body), headers=gz, signed_over=body)
    assert answer.status_code() == ("SUCCESS", "0"), answer.json
    assert answer.json["body"]["acquireOrder"]["merchantOrderNo"] == biz["merchantOrderNo"]


@pytest.mark.parametrize(
    ("kind", "names"),
    [("not gzip", "corrupt"), ("bomb", "decompressed request body exceeds"), ("cut", "truncated")],
)
async def test_bad_gzip_body_is_400(api: Api, kind: str, names: str) -> None:
    body = envelope(jsapi_order())
    if kind == "bomb":
        body = body[:-1] + b" " * (8 * LIMIT) + b"}"
    content = body if kind == "not gzip" else gzip.compress(body)
    if kind == "cut":
        content = content[:-8]
    answer = await api.post(PLACE, content, headers={"Content-Encoding": "gzip"}, signed_over=b"")
    assert_refused(answer, "FAIL", "400", signed=True, names=names)


@pytest.mark.parametrize(
    ("content", "key"),
    [
        (b'{"requestTime":1,"requestTime":2,"bizContent":{}}', "requestTime"),
        (b'{"requestTime":%d,"bizContent":{"subject":"a","subject":"b"}}', "subject"),
    ],
)
async def test_duplicate_keys_are_400(api: Api, content: bytes, key: str) -> None:
    answer = await api.post(PLACE, content.replace(b"%d", str(now_ms()).encode()))
    assert_refused(answer, "FAIL", "400", signed=True, names=f"{key!r} appears more than once")


@pytest.mark.parametrize(
    ("offset_min", "expected"),
    [(-16, "REQUESTTIME_TOO_EARLY"), (16, "REQUESTTIME_TOO_LATER"), (-14, None), (14, None)],
)
async def test_request_time_window(api: Api, offset_min: int, expected: str | None) -> None:
    answer = await api.call(PLACE, jsapi_order(), request_time=now_ms() + offset_min * MIN)
    if expected is None:
        assert answer.status_code() == ("SUCCESS", "0"), answer.json
    else:
        assert_refused(answer, "FAIL", "400", signed=True, names=expected)


# --- the rest of the app is not the merchant API's


async def test_other_paths_go_to_the_fastapi_app(api: Api) -> None:
    assert (await api.http.get("/healthz")).status_code == 200
    assert (await api.http.post("/sgs/api")).status_code == 404  # not under /sgs/api/
    assert (await api.http.get("/sgs/apix/acquire2/getOrder")).status_code == 404
