"""One attempt in isolation: the exact body bytes and how answers are classified
(httpx.MockTransport stands for the merchant)."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from botimpay.notify.delivery import EXCERPT_CHARS, Outcome, Sender, build_body, notify_time

PAYLOAD = (
    '{"acquireOrder":{"orderNo":"131587112991000943","status":"PAID_SUCCESS",'
    '"totalAmount":{"amount":10.50,"currency":"AED"},'
    '"paymentInfo":{"paidAmount":{"amount":0.1,"currency":"AED"},'
    '"payerFeeAmount":{"amount":0.00,"currency":"AED"}}}}'
)


def test_body_is_the_payload_plus_the_notification_fields_exactly() -> None:
    body = build_body(PAYLOAD, notify_id="202004170007499051", now_ms=1587113039189)
    assert body == (
        b'{"_input_charset":"UTF-8","acquireOrder":{"orderNo":"131587112991000943",'
        b'"paymentInfo":{"paidAmount":{"amount":0.1,"currency":"AED"},'
        b'"payerFeeAmount":{"amount":0,"currency":"AED"}},"status":"PAID_SUCCESS",'
        b'"totalAmount":{"amount":10.5,"currency":"AED"}},'
        b'"notify_id":"202004170007499051","notify_time":"20200417124359",'
        b'"notify_timestamp":1587113039189}'
    )


def test_notify_time_matches_the_reference_samples() -> None:
    # payment-result-notification.mdx and refund-result-notification.mdx
    assert notify_time(1587113039189) == "20200417124359"
    assert notify_time(1587114148892) == "20200417130228"


def test_amounts_too_precise_for_a_float_survive() -> None:
    payload = '{"refundOrder":{"amount":{"amount":999999999999.99,"currency":"AED"}}}'
    body = build_body(payload, notify_id="1", now_ms=0)
    assert b'"amount":999999999999.99' in body


async def _post(
    handler: Callable[[httpx.Request], httpx.Response],
) -> tuple[Outcome, int | None, str | None]:
    sender = Sender(
        connect_timeout_ms=1000, read_timeout_ms=1000, transport=httpx.MockTransport(handler)
    )
    try:
        result = await sender.post("http://shop.test/notify?secret=1", b'{"a":1}', "SIGN")
    finally:
        await sender.aclose()
    return result.outcome, result.http_status, result.excerpt


def answer(status: int, body: bytes) -> Callable[[httpx.Request], httpx.Response]:
    return lambda request: httpx.Response(status, content=body)


@pytest.mark.parametrize(
    ("status", "body", "outcome"),
    [
        (200, b'{"response":"SUCCESS"}', Outcome.SUCCESS),
        (200, b'{"response":"success"}', Outcome.SUCCESS),
        (204, b'{"response":"Success"}', Outcome.SUCCESS),
        (200, b'{"response":"FAIL"}', Outcome.BAD_RESPONSE),
        (200, b"", Outcome.BAD_RESPONSE),
        (500, b'{"response":"SUCCESS"}', Outcome.HTTP_ERROR),
        (404, b"not found", Outcome.HTTP_ERROR),
        (302, b"", Outcome.HTTP_ERROR),  # redirects are not followed
    ],
)
async def test_answers_are_classified(status: int, body: bytes, outcome: Outcome) -> None:
    got = await _post(answer(status, body))
    assert got == (outcome, status, body.decode())


async def test_the_request_carries_the_exact_bytes_and_the_signature() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=b'{"response":"SUCCESS"}')

    await _post(handler)
    [request] = seen
    assert request.method == "POST"
    assert request.content == b'{"a":1}'
    assert request.headers["content-type"] == "application/json; charset=UTF-8"
    assert request.headers["sign"] == "SIGN"


async def test_long_answers_are_cut_to_an_excerpt() -> None:
    outcome, status, excerpt = await _post(answer(500, b"x" * 100_000))
    assert (outcome, status) == (Outcome.HTTP_ERROR, 500)
    assert isinstance(excerpt, str)
    assert len(excerpt) == EXCERPT_CHARS


def _raise(exc: Exception) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc

    return handler


@pytest.mark.parametrize(
    ("exc", "outcome"),
    [
        (httpx.ConnectError("refused"), Outcome.CONNECT_ERROR),
        (httpx.RemoteProtocolError("closed"), Outcome.CONNECT_ERROR),
        (httpx.ReadTimeout("slow"), Outcome.TIMEOUT),
        (httpx.ConnectTimeout("slow"), Outcome.TIMEOUT),
    ],
)
async def test_transport_failures_are_classified(exc: Exception, outcome: Outcome) -> None:
    got, status, excerpt = await _post(_raise(exc))
    assert (got, status) == (outcome, None)
    assert excerpt
    assert type(exc).__name__ in excerpt


async def test_an_unusable_url_is_a_connect_error() -> None:
    sender = Sender(connect_timeout_ms=1000, read_timeout_ms=1000)
    try:
        result = await sender.post("ftp://shop.test/notify", b"{}", "SIGN")
    finally:
        await sender.aclose()
    assert result.outcome is Outcome.CONNECT_ERROR
