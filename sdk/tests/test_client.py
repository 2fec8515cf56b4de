"""The sync client on the wire: what it sends, and how it reads (and refuses) answers."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from decimal import Decimal

import httpx
import pytest

from botimpay_sdk import (
    ApiError,
    Client,
    ConfigError,
    HttpStatusError,
    InvalidRequestError,
    Money,
    PlaceOrderRequest,
    ProtocolError,
    RefundRequest,
    SignatureError,
    codes,
    jsapi,
)
from botimpay_sdk._json import loads
from botimpay_sdk.wire import load_public_key, verify
from sdk_testkit import (
    BASE,
    GATEWAY_PUBLIC,
    MERCHANT_PRIVATE,
    MERCHANT_PUBLIC,
    PARTNER_ID,
    T0,
    FakeGateway,
    acquire_order,
    envelope,
    fail,
    ok,
    order_body,
    signed,
)

MakeClient = Callable[..., Client]
MERCHANT_PUB = load_public_key(MERCHANT_PUBLIC)

# placeOrder for M1 / Tea / 10.50 / JSAPI at requestTime T0: exact bytes and signature.
GOLDEN_PLACE_ORDER = (
    b'{"bizContent":{"accessoryContent":{"amountDetail":{},"goodsDetail":{},"terminalDetail":{}},'
    b'"merchantOrderNo":"M1","notifyUrl":"https://shop.example/notify","paySceneCode":"JSAPI",'
    b'"paySceneParams":{"oneTimePayment":"true"},"subject":"Tea",'
    b'"totalAmount":{"amount":10.50,"currency":"AED"}},"requestTime":1700000000000}'
)
GOLDEN_PLACE_ORDER_SIGN = (
    "xj5A2rCgLJQ8AeCgxQrWWfJ2s8WFIlfPL4cK/T5OKKnUg7afQAIiSutdKgRdlRVbL7/D5jA9xa9fmr+XbEy67qmq"
    "QwT10ZWO9j57l6c+byENtTTgQuTCUvw2OhpuvM0I1SzeZFPVS0fvW6a8zfu5RyITvYBj6oLtDy7DzJK9emx1egRk"
    "YktYle8auKRM2hbrytAM/RItgq4O/zrZf9zrM+Srff+qZKDo0sXQnCrhtzTso2n+nxMW5mAyiljPp/dnjXKKC87z"
    "vaat4nLNDR2zeIysLYKRk4eN4F2zgada6GC74tvG+qx/XRDfZv354uEEJcUqV2JUqyqqkBIaUYP1kQ=="
)


def tea_order(**overrides: object) -> PlaceOrderRequest:
    fields: dict[str, object] = {
        "merchant_order_no": "M1",
        "subject": "Tea",
        "total_amount": Money.aed("10.50"),
        "scene": jsapi(one_time_payment=True),
        "notify_url": "https://shop.example/notify",
    }
    fields.update(overrides)
    return PlaceOrderRequest(**fields)  # type: ignore[arg-type]


def biz(request: httpx.Request) -> dict[str, object]:
    data = loads(request.content)
    assert data["requestTime"] == int(T0 * 1000)
    result: dict[str, object] = data["bizContent"]
    return result


class TestRequests:
    def test_place_order_golden_bytes_and_headers(self, make_client: MakeClient) -> None:
        gateway = FakeGateway(ok({**order_body(), "interActionParams": {"tokenUrl": "u"}}))
        result = make_client(gateway).place_order(tea_order())
        request = gateway.requests[0]
        assert request.method == "POST"
        assert str(request.url) == f"{BASE}/acquire2/placeOrder"
        assert request.content == GOLDEN_PLACE_ORDER
        assert request.headers["sign"] == GOLDEN_PLACE_ORDER_SIGN
        assert verify(MERCHANT_PUB, request.content, request.headers["sign"])
        assert request.headers["Partner-Id"] == PARTNER_ID
        assert request.headers["Content-Type"] == "application/json"
        assert "Content-Language" not in request.headers
        assert result.token_url == "u"
        assert result.acquire_order.total_amount == Money.aed("10.50")

    @pytest.mark.parametrize(
        ("method", "args", "kwargs", "path", "expected"),
        [
            ("get_order", ("M1",), {}, "acquire2/getOrder", {"merchantOrderNo": "M1"}),
            ("get_order", (), {"order_no": "13", "device_id": "D"}, "acquire2/getOrder",
             {"orderNo": "13", "deviceId": "D"}),
            ("cancel_order", ("M1",), {}, "acquire2/cancelOrder", {"merchantOrderNo": "M1"}),
            ("cancel_order", (), {"order_no": "13"}, "acquire2/cancelOrder", {"orderNo": "13"}),
            ("revoke_order", ("M1",), {}, "acquire2/revokeOrder", {"merchantOrderNo": "M1"}),
            ("update_expired_time", ("M1",), {"expired_time": 1_700_003_600_000},
             "acquire2/updateExpiredTime",
             {"merchantOrderNo": "M1", "expiredTime": 1_700_003_600_000}),
        ],
    )
    def test_order_calls(
        self,
        make_client: MakeClient,
        method: str,
        args: tuple[object, ...],
        kwargs: dict[str, object],
        path: str,
        expected: dict[str, object],
    ) -> None:
        gateway = FakeGateway(ok(order_body("FAILURE", failCode="ORDER_CANCELLED")))
        order = getattr(make_client(gateway), method)(*args, **kwargs)
        assert gateway.paths == [path]
        assert biz(gateway.requests[0]) == expected
        assert order.status == "FAILURE"
        assert order.fail_code == "ORDER_CANCELLED"

    def test_refund_and_get_refund(self, make_client: MakeClient) -> None:
        refund_body = {
            "refundOrder": {"refundMerchantOrderNo": "R1", "orderNo": "19", "status": "CREATED",
                            "originMerchantOrderNo": "M1",
                            "amount": {"amount": Decimal("0.01"), "currency": "AED"}},
            "refundSummary": {"acquireAmount": {"amount": Decimal("10.50"), "currency": "AED"},
                              "remainRefundAmount": {"amount": Decimal("10.49"),
                                                     "currency": "AED"}},
        }
        gateway = FakeGateway(ok(refund_body), ok(refund_body))
        client = make_client(gateway)
        result = client.refund(RefundRequest(
            refund_merchant_order_no="R1", origin_merchant_order_no="M1",
            amount=Money.aed("0.01"),
        ))
        again = client.get_refund("R1")
        assert gateway.paths == ["acquire2/refund/placeOrder", "acquire2/refund/getOrder"]
        assert biz(gateway.requests[0]) == {
            "refundMerchantOrderNo": "R1", "originMerchantOrderNo": "M1",
            "amount": {"amount": Decimal("0.01"), "currency": "AED"},
        }
        assert biz(gateway.requests[1]) == {"refundMerchantOrderNo": "R1"}
        assert result == again
        assert result.refund_summary is not None
        assert str(result.refund_summary.remain_refund_amount.amount) == "10.49"  # type: ignore[union-attr]

    def test_language_header(self, make_client: MakeClient) -> None:
        gateway = FakeGateway(ok(order_body()))
        make_client(gateway, language="ar").get_order("M1")
        assert gateway.requests[0].headers["Content-Language"] == "ar"

    @pytest.mark.parametrize(
        "call",
        [
            lambda c: c.get_order(),
            lambda c: c.get_order("M1", order_no="13"),
            lambda c: c.cancel_order(),
            lambda c: c.get_refund(),
            lambda c: c.revoke_order("M1", order_no="1"),
            lambda c: c.update_expired_time("M1", expired_time=1.5),
            lambda c: c.place_order({"merchantOrderNo": "M1"}),
        ],
    )
    def test_bad_arguments_raise_before_sending(
        self, make_client: MakeClient, call: Callable[[Client], object]
    ) -> None:
        gateway = FakeGateway()
        with pytest.raises(InvalidRequestError):
            call(make_client(gateway))
        assert gateway.requests == []


class TestVerification:
    def test_tampered_body_is_refused(self, make_client: MakeClient) -> None:
        good = ok(order_body("CREATED"))
        tampered = httpx.Response(
            200,
            content=good.content.replace(b"CREATED", b"SETTLED"),
            headers={"sign": good.headers["sign"]},
        )
        with pytest.raises(SignatureError):
            make_client(FakeGateway(tampered)).get_order("M1")

    def test_signed_by_the_wrong_key_is_refused(self, make_client: MakeClient) -> None:
        gateway = FakeGateway(ok(order_body()))
        client = make_client(gateway, gateway_public_key=MERCHANT_PUBLIC)
        with pytest.raises(SignatureError):
            client.get_order("M1")

    def test_missing_sign_on_success_is_refused(self, make_client: MakeClient) -> None:
        unsigned = signed(envelope(body=order_body()), with_sign=False)
        with pytest.raises(SignatureError, match="no sign"):
            make_client(FakeGateway(unsigned)).get_order("M1")

    @pytest.mark.parametrize(
        ("code", "msg"),
        [("400", "INVALID_PARAMETER"), ("402", "RATE_LIMIT_REJECT"), ("403", "UNAUTHORIZED"),
         ("404", "SERVICE_NOT_AVAILABLE"), ("601", "RISK_FAIL")],
    )
    def test_missing_sign_tolerated_for_global_codes(
        self, make_client: MakeClient, code: str, msg: str
    ) -> None:
        gateway = FakeGateway(fail(code, msg, with_sign=False))
        with pytest.raises(ApiError) as info:
            make_client(gateway).get_order("M1")
        assert (info.value.code, info.value.msg) == (code, msg)

    @pytest.mark.parametrize("code", ["62004", "0", "999"])
    def test_missing_sign_not_tolerated_for_other_codes(
        self, make_client: MakeClient, code: str
    ) -> None:
        gateway = FakeGateway(fail(code, "X", with_sign=False, apply_status="SUCCESS"))
        with pytest.raises(SignatureError):
            make_client(gateway).get_order("M1")

    def test_unsigned_garbage_is_a_signature_error(self, make_client: MakeClient) -> None:
        gateway = FakeGateway(httpx.Response(200, content=b"<html>proxy</html>"))
        with pytest.raises(SignatureError):
            make_client(gateway).get_order("M1")

    def test_sign_header_name_is_case_insensitive(self, make_client: MakeClient) -> None:
        good = ok(order_body())
        response = httpx.Response(200, content=good.content, headers={"SIGN": good.headers["sign"]})
        assert make_client(FakeGateway(response)).get_order("M1").order_no


class TestErrors:
    def test_business_refusal(self, make_client: MakeClient) -> None:
        gateway = FakeGateway(fail(codes.ORDER_PAID, "ORDER_PAID", trace_code="TR9"))
        with pytest.raises(ApiError) as info:
            make_client(gateway).cancel_order("M1")
        error = info.value
        assert error.code == codes.ORDER_PAID == "62001"
        assert (error.msg, error.trace_code, error.apply_status) == ("ORDER_PAID", "TR9", "SUCCESS")
        assert not error.retryable
        assert str(error) == "62001 ORDER_PAID (traceCode TR9)"
        assert pickle.loads(pickle.dumps(error)).trace_code == "TR9"  # noqa: S301

    def test_signature_rejected_by_gateway(self, make_client: MakeClient) -> None:
        gateway = FakeGateway(fail("403", "UNAUTHORIZED", apply_status="ERROR"))
        with pytest.raises(ApiError) as info:
            make_client(gateway).get_order("M1")
        assert info.value.apply_status == "ERROR"

    def test_http_status(self, make_client: MakeClient) -> None:
        gateway = FakeGateway(httpx.Response(404, content=b"not found"))
        with pytest.raises(HttpStatusError) as info:
            make_client(gateway).revoke_order("M1")
        assert info.value.status_code == 404
        assert not info.value.retryable

    @pytest.mark.parametrize(
        "raw",
        [b"[]", b'{"head": "x"}', b'{"head": {"msg": "no code"}}', b"not json",
         envelope(body=None), envelope(body={"acquireOrder": {"status": "CREATED"}}),
         envelope(body={"other": {}})],
    )
    def test_signed_but_malformed(self, make_client: MakeClient, raw: bytes) -> None:
        with pytest.raises(ProtocolError):
            make_client(FakeGateway(signed(raw))).get_order("M1")

    def test_body_ignored_unless_success(self, make_client: MakeClient) -> None:
        raw = envelope("62004", "MERCHANT_ORDER_NO_NOT_EXIST", body=order_body())
        with pytest.raises(ApiError):
            make_client(FakeGateway(signed(raw))).get_order("M1")


class TestConfig:
    @pytest.mark.parametrize(
        ("name", "url"),
        [("uat", "https://uat.test2pay.com/sgs/api"),
         ("production", "https://api.payby.com/sgs/api"),
         ("LOCAL", "http://127.0.0.1:8000/sgs/api"),
         ("https://gw.example/sgs/api/", "https://gw.example/sgs/api")],
    )
    def test_base_url(self, name: str, url: str) -> None:
        with Client(partner_id=PARTNER_ID, private_key=MERCHANT_PRIVATE,
                    gateway_public_key=GATEWAY_PUBLIC, base_url=name) as client:
            assert client.base_url == url
            assert PARTNER_ID in repr(client)

    @pytest.mark.parametrize(
        "overrides",
        [{"base_url": "staging"}, {"base_url": "ftp://x/y"}, {"partner_id": "abc"},
         {"partner_id": "1234567890123"}, {"private_key": "nope"},
         {"gateway_public_key": MERCHANT_PRIVATE}, {"language": "en\r\nX: y"}],
    )
    def test_bad_config(self, overrides: dict[str, object]) -> None:
        kwargs: dict[str, object] = {
            "partner_id": PARTNER_ID, "private_key": MERCHANT_PRIVATE,
            "gateway_public_key": GATEWAY_PUBLIC, "base_url": "local",
        }
        kwargs.update(overrides)
        with pytest.raises(ConfigError):
            Client(**kwargs)  # type: ignore[arg-type]


def test_acquire_order_helper_round_trips() -> None:
    assert acquire_order()["merchantOrderNo"] == "M1"
