"""Every SDK call, with `Client` and `AsyncClient`, against a real `botimpay serve`:
placing JSAPI and DYNQR orders, reading, cancelling, moving expiry, revoking,
refunding, and the typed errors the gateway's refusals become."""

from __future__ import annotations

import hashlib
import io
import uuid
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
import zxingcpp
from botimpay_sdk import (
    ApiError,
    Client,
    InvalidRequestError,
    Money,
    OrderStatus,
    PlaceOrderRequest,
    RefundRequest,
    RefundStatus,
    SignatureError,
    codes,
    dynqr,
    jsapi,
    qr_png,
    qr_svg,
)
from PIL import Image

from tests.harness import Gateway, new_key, public_pem
from tests.sdk.conftest import EMIRATES_ID, PAYER_MID, Api, SdkMerchant, sandbox_pay

TWO_HOURS = timedelta(hours=2)


def new_no(prefix: str = "SDK") -> str:
    return f"{prefix}-{uuid.uuid4().hex}"


def jsapi_request(
    merchant_order_no: str, amount: str = "10.50", **fields: object
) -> PlaceOrderRequest:
    return PlaceOrderRequest.model_validate(
        {
            "merchant_order_no": merchant_order_no,
            "subject": "Green tea",
            "total_amount": Money.aed(amount),
            "scene": jsapi(),
            "notify_url": "http://127.0.0.1:9/notify",
            **fields,
        }
    )


def paid_order(api: Api, gateway: Gateway, amount: str = "10.50") -> str:
    """A new JSAPI order paid by wallet 3; returns its merchantOrderNo."""
    merchant_order_no = new_no()
    placed = api.place_order(jsapi_request(merchant_order_no, amount))
    sandbox_pay(gateway, order_no=placed.acquire_order.order_no)
    return merchant_order_no


# --- placeOrder -------------------------------------------------------------------------------


def test_place_jsapi_order_and_read_it_back(api: Api, gateway: Gateway) -> None:
    merchant_order_no = new_no()
    request = jsapi_request(merchant_order_no, "10.50", subject_ar="شاي أخضر", device_id="POS-7",
                            scene=jsapi(payer_mid=PAYER_MID, one_time_payment=False))
    placed = api.place_order(request)

    order = placed.acquire_order
    assert order.merchant_order_no == merchant_order_no
    assert order.status == OrderStatus.CREATED
    assert not order.is_final
    assert order.total_amount == Money.aed("10.50")
    assert isinstance(order.total_amount.amount, Decimal)
    assert order.pay_scene_code == "JSAPI"
    assert order.pay_scene_params == {"payerMid": PAYER_MID, "oneTimePayment": "false"}
    assert order.subject_ar == "شاي أخضر"
    assert order.payee_mid == api.partner_id
    assert order.revoked is False
    assert placed.token_url is not None
    assert placed.token_url.startswith(gateway.base_url + "/pay-page/main?ft=")

    by_merchant_no = api.get_order(merchant_order_no)
    by_order_no = api.get_order(order_no=order.order_no, device_id="POS-7")
    assert by_merchant_no == by_order_no
    assert by_merchant_no.order_no == order.order_no
    assert by_merchant_no.expired_time == order.expired_time

    again = api.place_order(request)  # idempotent: the same order, same link
    assert again.acquire_order.order_no == order.order_no
    assert again.token_url == placed.token_url


def test_place_dynqr_order_whose_qr_codes_carry_the_token_url(api: Api, gateway: Gateway) -> None:
    eid = hashlib.sha256(EMIRATES_ID.encode()).hexdigest()
    placed = api.place_order(
        jsapi_request(
            new_no(),
            "7",
            scene=dynqr(change_payer=False, one_time_payment=True, email="payer@example.com",
                        eid=eid),
        )
    )
    assert placed.acquire_order.pay_scene_code == "DYNQR"
    assert placed.acquire_order.pay_scene_params == {
        "changePayer": "false", "oneTimePayment": "true", "email": "payer@example.com", "eid": eid,
    }
    token_url = placed.token_url
    assert token_url is not None

    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr_png(token_url))))
    assert [code.text for code in decoded] == [token_url]
    svg = qr_svg(token_url)
    assert svg.startswith("<svg")
    assert "<path" in svg

    # The eid the SDK sent is the one the gateway checks: wallet 3 may pay.
    paid = sandbox_pay(gateway, token_url=token_url)
    assert paid["acquireOrder"]["status"] == "PAID_SUCCESS"
    assert api.get_order(placed.acquire_order.merchant_order_no).is_paid


def test_same_merchant_order_no_with_other_fields_is_api_error_62016(api: Api) -> None:
    merchant_order_no = new_no()
    api.place_order(jsapi_request(merchant_order_no, "10.50"))
    with pytest.raises(ApiError) as caught:
        api.place_order(jsapi_request(merchant_order_no, "10.51"))
    error = caught.value
    assert error.code == codes.MERCHANT_ORDER_NO_EXIST == "62016"
    assert error.apply_status == "SUCCESS"
    assert error.msg.startswith("MERCHANT_ORDER_NO_EXIST")
    assert error.trace_code
    assert error.retryable is False


# --- getOrder / cancelOrder / updateExpiredTime -----------------------------------------------


def test_unknown_orders_are_typed_api_errors(api: Api) -> None:
    with pytest.raises(ApiError) as by_merchant_no:
        api.get_order(new_no("NOPE"))
    assert by_merchant_no.value.code == codes.MERCHANT_ORDER_NO_NOT_EXIST
    with pytest.raises(ApiError) as by_order_no:
        api.get_order(order_no="1" * 20)
    assert by_order_no.value.code == codes.ORDER_NO_NOT_EXIST
    with pytest.raises(InvalidRequestError):  # refused before anything is sent
        api.get_order("M1", order_no="1")


def test_cancel_order_then_cancel_again(api: Api) -> None:
    merchant_order_no = new_no()
    placed = api.place_order(jsapi_request(merchant_order_no))

    cancelled = api.cancel_order(order_no=placed.acquire_order.order_no)
    assert cancelled.status == OrderStatus.FAILURE
    assert cancelled.fail_code == "ORDER_CANCELLED"
    assert api.get_order(merchant_order_no).status == OrderStatus.FAILURE

    with pytest.raises(ApiError) as caught:
        api.cancel_order(merchant_order_no)
    assert caught.value.code == codes.ORDER_FAILURE


def test_cancel_a_paid_order_is_refused_with_62001(api: Api, gateway: Gateway) -> None:
    merchant_order_no = paid_order(api, gateway)
    with pytest.raises(ApiError) as caught:
        api.cancel_order(merchant_order_no)
    assert caught.value.code == codes.ORDER_PAID
    assert api.get_order(merchant_order_no).status == OrderStatus.PAID_SUCCESS


def test_update_expired_time_with_millis_and_with_a_datetime(api: Api) -> None:
    merchant_order_no = new_no()
    placed = api.place_order(jsapi_request(merchant_order_no))
    default_expiry = placed.acquire_order.expired_time
    assert default_expiry is not None
    # The default is 2 h after the gateway's business now (which other tests may move).
    business_now = datetime.fromtimestamp(default_expiry / 1000, tz=UTC) - TWO_HOURS

    one_hour = business_now + timedelta(hours=1)
    millis = (one_hour - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)
    updated = api.update_expired_time(merchant_order_no, expired_time=millis)
    assert updated.expired_time == millis
    assert updated.status == OrderStatus.CREATED

    later = (business_now + timedelta(hours=3)).astimezone(timezone(timedelta(hours=4)))
    expected = (later - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)
    updated = api.update_expired_time(order_no=placed.acquire_order.order_no, expired_time=later)
    assert updated.expired_time == expected
    assert api.get_order(merchant_order_no).expired_time == expected

    with pytest.raises(ApiError) as too_late:
        api.update_expired_time(merchant_order_no, expired_time=business_now + timedelta(days=16))
    assert too_late.value.code == codes.INVALID_EXPIRED_TIME


# --- revoke / refund --------------------------------------------------------------------------


def test_revoke_an_unpaid_order(api: Api) -> None:
    merchant_order_no = new_no()
    api.place_order(jsapi_request(merchant_order_no))
    revoked = api.revoke_order(merchant_order_no)
    assert revoked.status == OrderStatus.FAILURE
    assert revoked.revoked is True
    assert api.get_order(merchant_order_no).revoked is True


def test_revoke_a_paid_order_refunds_it(api: Api, gateway: Gateway) -> None:
    merchant_order_no = paid_order(api, gateway, "3.20")
    assert api.get_order(merchant_order_no).is_paid
    revoked = api.revoke_order(merchant_order_no)
    assert revoked.revoked is True
    assert revoked.status == OrderStatus.FAILURE
    assert not revoked.is_paid
    with pytest.raises(ApiError) as caught:
        api.refund(RefundRequest(refund_merchant_order_no=new_no("R"), amount=Money.aed("1"),
                                 origin_merchant_order_no=merchant_order_no))
    assert caught.value.code in {codes.ACQUIRE_ORDER_REVOKED, codes.ORDER_FAILURE}


def test_refund_and_get_refund(api: Api, gateway: Gateway) -> None:
    merchant_order_no = paid_order(api, gateway, "10.50")
    order = api.get_order(merchant_order_no)
    assert order.status == OrderStatus.PAID_SUCCESS
    assert order.payment_info is not None
    assert order.payment_info.payer_mid == PAYER_MID
    assert order.payment_info.paid_amount == Money.aed("10.50")

    refund_no = new_no("R")
    request = RefundRequest(refund_merchant_order_no=refund_no, amount=Money.aed("1.25"),
                            origin_merchant_order_no=merchant_order_no, reason="damaged box")
    result = api.refund(request)
    refund = result.refund_order
    assert refund.refund_merchant_order_no == refund_no
    assert refund.status == RefundStatus.SUCCESS
    assert refund.is_final
    assert refund.amount == Money.aed("1.25")
    assert result.refund_summary is not None
    assert result.refund_summary.remain_refund_amount == Money.aed("9.25")

    assert api.refund(request).refund_order.order_no == refund.order_no  # idempotent
    assert api.get_refund(refund_no).refund_order.order_no == refund.order_no
    assert api.get_refund(order_no=refund.order_no).refund_order.status == RefundStatus.SUCCESS

    by_order_no = api.refund(RefundRequest(refund_merchant_order_no=new_no("R"),
                                           amount=Money.aed("9.25"),
                                           origin_order_no=order.order_no))
    assert by_order_no.refund_summary is not None
    assert by_order_no.refund_summary.remain_refund_amount == Money.aed("0")

    with pytest.raises(ApiError) as exceeded:
        api.refund(RefundRequest(refund_merchant_order_no=new_no("R"), amount=Money.aed("0.01"),
                                 origin_merchant_order_no=merchant_order_no))
    assert exceeded.value.code == codes.REFUND_AMOUNT_EXCEEDED
    with pytest.raises(ApiError) as changed:
        api.refund(request.model_copy(update={"amount": Money.aed("1.30")}))
    assert changed.value.code == codes.REFUND_MERCHANT_ORDER_NO_EXIST
    with pytest.raises(ApiError) as unknown:
        api.get_refund(new_no("R"))
    assert unknown.value.code == codes.REFUND_MERCHANT_ORDER_NO_NOT_EXIST


def test_refund_of_an_unpaid_order_is_refused(api: Api) -> None:
    merchant_order_no = new_no()
    api.place_order(jsapi_request(merchant_order_no))
    with pytest.raises(ApiError) as caught:
        api.refund(RefundRequest(refund_merchant_order_no=new_no("R"), amount=Money.aed("1"),
                                 origin_merchant_order_no=merchant_order_no))
    assert caught.value.code == codes.ORDER_NOT_PAID


# --- keys -------------------------------------------------------------------------------------


def test_a_key_the_gateway_does_not_know_is_api_error_403(
    sdk_merchant: SdkMerchant, gateway: Gateway
) -> None:
    client = Client(partner_id=sdk_merchant.partner_id, private_key=new_key(),
                    gateway_public_key=sdk_merchant.gateway_public_key_path,
                    base_url=gateway.base_url + "/sgs/api")
    with client, pytest.raises(ApiError) as caught:
        client.get_order(new_no())
    assert caught.value.code == codes.UNAUTHORIZED
    assert caught.value.apply_status == "ERROR"


def test_answers_signed_with_another_gateway_key_are_refused(
    sdk_merchant: SdkMerchant, gateway: Gateway
) -> None:
    merchant_order_no = new_no()
    with Client(partner_id=sdk_merchant.partner_id,
                private_key=sdk_merchant.private_key_path,
                gateway_public_key=public_pem(new_key()),
                base_url=gateway.base_url + "/sgs/api") as client, pytest.raises(SignatureError):
        client.place_order(jsapi_request(merchant_order_no))
