"""getOrderPayer and getCashierUrlInfo over HTTP (3_Payment/retrieve-order-payer.mdx,
_acquire-order-payer.mdx, get-cashier-url.mdx): the request samples as written, the
answer before anyone scanned, after the app shell scanned the QR, after a wallet signed
in on the checkout and after the payment; the masks; every code they produce.
Wallets 1 and 2 pay AED 12.34 here."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import httpx

from botimpay.domain.payer import mask_for_cashier, mask_for_order_payer
from botimpay.web.schemas_payer import CashierUrlInfoResponse, OrderPayerResponse
from tests.harness import (
    ApiResponse,
    Gateway,
    Merchant,
    assert_invalid,
    assert_refused,
    demo_merchant,
    jsapi_order,
    now_ms,
)

PAYER = "acquire2/getOrderPayer"
CASHIER = "acquire2/getCashierUrlInfo"
OTP = "123456"
DEMO_PARTNER_ID = "200000000888"
DEVICE_ID = re.compile(r"TI\d{15}")
FORM_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
META_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]*)">')

# The pages' request samples, as written; tests replace requestTime and the order's key.
PAYER_SAMPLE = """{
    "requestTime": 1581405884647,
    "bizContent": {
        "merchantOrderNo": "M965739182419"
    }
}"""
CASHIER_SAMPLE = """{
  "requestTime": 1581406091642,
  "bizContent": {
    "tokenUrl": "https://checkout.payby.com/pay-page/main?BIZ_TYPE=202&ft=cd624549f4894d78b0d368e48bb27aae&t=1654519114067"
  }
}"""
SAMPLE_TOKEN_URL = (
    "https://checkout.payby.com/pay-page/main?BIZ_TYPE=202"
    "&ft=cd624549f4894d78b0d368e48bb27aae&t=1654519114067"
)


def phone(wallet: int) -> str:
    return f"+971 56 000 000{wallet}"


def member_id(wallet: int) -> str:
    return f"10000000000{wallet}"


def send(merchant: Merchant, path: str, sample: str, *replacements: tuple[str, str]) -> ApiResponse:
    text = sample
    for old, new in replacements:
        text = text.replace(old, new)
    response = merchant.post_raw(path, text.encode())
    assert response.status_code == 200
    assert response.signature_valid is True
    return response


def dynqr_order(merchant: Merchant) -> tuple[str, str, str]:
    """(merchantOrderNo, orderNo, tokenUrl) of a new DYNQR order."""
    biz = jsapi_order(paySceneCode="DYNQR")
    response = merchant.call("acquire2/placeOrder", biz).assert_ok()
    assert response.body is not None
    token_url = response.body["interActionParams"]["tokenUrl"]
    return biz["merchantOrderNo"], response.order["orderNo"], token_url


def payer_of(merchant: Merchant, **ref: str) -> dict[str, str] | None:
    response = merchant.call(PAYER, ref).assert_ok()
    OrderPayerResponse.model_validate(response.json)  # exactly the documented fields
    assert response.body is not None
    return response.body.get("payer")


def cashier_mask(merchant: Merchant, token_url: str) -> str | None:
    response = merchant.call(CASHIER, {"tokenUrl": token_url}).assert_ok()
    CashierUrlInfoResponse.model_validate(response.json)
    assert response.body is not None
    return response.body["payer"].get("mobileNumberMask")


def app_shell_scan(gateway: Gateway, wallet: int, token_url: str) -> None:
    """Wallet `wallet` signs in to the app shell and scans (pastes) the QR's link."""
    with httpx.Client(base_url=gateway.base_url, timeout=30) as app:
        page = app.get("/app")
        found = META_CSRF.search(page.text)
        assert found, page.text[:300]
        signed = app.post(
            "/app/api/sign-in",
            json={"phone": phone(wallet), "otp": OTP},
            headers={"X-CSRF-Token": found[1]},
        )
        assert signed.status_code == 200, signed.text
        scanned = app.post(
            "/app/api/scan",
            data={"text": token_url},
            headers={"X-CSRF-Token": signed.json()["csrfToken"]},
        )
        assert scanned.status_code == 200, scanned.text


def checkout_sign_in(gateway: Gateway, wallet: int, token_url: str) -> None:
    """Wallet `wallet` opens the link in a browser and signs in on the checkout page."""
    link = urlparse(token_url)
    params = {key: values[0] for key, values in parse_qs(link.query).items()}
    with httpx.Client(base_url=gateway.base_url, timeout=30) as browser:
        page = browser.get(link.path, params=params)
        found = FORM_CSRF.search(page.text)
        assert found, page.text[:300]
        form = params | {"phone": phone(wallet), "otp": OTP, "csrf_token": found[1]}
        signed = browser.post("/pay-page/sign-in", data=form)
        assert signed.status_code == 303, signed.text
        assert browser.get(signed.headers["location"]).status_code == 200


def sandbox_pay(gateway: Gateway, wallet: int, token_url: str) -> None:
    paid = httpx.post(
        gateway.base_url + "/sandbox/api/pay",
        json={"tokenUrl": token_url, "phone": phone(wallet)},
        timeout=30,
    )
    assert paid.json()["result"] == "SUCCESS", paid.text


def test_the_masks_follow_each_pages_sample() -> None:
    assert mask_for_order_payer("+86 139 1234 5600") == "+86-13*******00"
    assert mask_for_cashier("+971 58 123 4592") == "+971-58*92"
    assert mask_for_order_payer("+971560000001") == "+971-56*****01"
    assert mask_for_cashier("+971560000001") == "+971-56*01"


def test_the_reference_samples(merchant: Merchant) -> None:
    merchant_order_no, _, token_url = dynqr_order(merchant)
    now = str(now_ms())
    before_scan = send(
        merchant, PAYER, PAYER_SAMPLE, ("1581405884647", now), ("M965739182419", merchant_order_no)
    )
    assert before_scan.assert_ok().body == {}  # nobody scanned yet: no payer object
    stale = send(merchant, PAYER, PAYER_SAMPLE, ("M965739182419", merchant_order_no))
    assert (stale.apply_status, stale.code) == ("FAIL", "400")
    assert stale.msg.startswith("REQUESTTIME_TOO_EARLY")

    as_written = send(merchant, CASHIER, CASHIER_SAMPLE, ("1581406091642", now))
    assert_refused(as_written, "62082", "TOKEN_URL_NOT_EXIST")  # the sample's link is not ours
    ours = send(
        merchant, CASHIER, CASHIER_SAMPLE, ("1581406091642", now), (SAMPLE_TOKEN_URL, token_url)
    )
    assert ours.assert_ok().body == {"payer": {}}  # not scanned yet: no mobileNumberMask


def test_the_answers_follow_the_checkout(gateway: Gateway, merchant: Merchant) -> None:
    merchant_order_no, order_no, token_url = dynqr_order(merchant)
    assert payer_of(merchant, orderNo=order_no) is None
    assert cashier_mask(merchant, token_url) is None

    app_shell_scan(gateway, 2, token_url)  # wallet 2 scans the QR in the app
    scanned = payer_of(merchant, merchantOrderNo=merchant_order_no)
    assert scanned is not None
    assert scanned["payerMid"] == member_id(2)
    assert scanned["mobileNumberMask"] == "+971-56*****02"
    assert scanned["ipAddress"] == "127.0.0.1"
    assert DEVICE_ID.fullmatch(scanned["deviceId"]), scanned
    assert cashier_mask(merchant, token_url) == "+971-56*02"

    checkout_sign_in(gateway, 1, token_url)  # then wallet 1 opens the link and signs in
    opened = payer_of(merchant, orderNo=order_no)
    assert opened is not None
    assert (opened["payerMid"], opened["mobileNumberMask"]) == (member_id(1), "+971-56*****01")
    assert DEVICE_ID.fullmatch(opened["deviceId"]), opened
    assert opened["deviceId"] != scanned["deviceId"]  # another browser
    assert cashier_mask(merchant, token_url) == "+971-56*01"

    sandbox_pay(gateway, 2, token_url)  # wallet 2 pays: the payer wins over the last visitor
    paid = payer_of(merchant, orderNo=order_no)
    assert paid == scanned  # where wallet 2 was seen from: its scan
    assert cashier_mask(merchant, token_url) == "+971-56*02"
    app_shell_scan(gateway, 1, token_url)  # a scan after the payment changes nothing
    assert payer_of(merchant, merchantOrderNo=merchant_order_no) == scanned


def test_a_payment_without_a_visit_still_names_the_payer(
    gateway: Gateway, merchant: Merchant
) -> None:
    _, order_no, token_url = dynqr_order(merchant)
    sandbox_pay(gateway, 1, token_url)
    assert payer_of(merchant, orderNo=order_no) == {
        "payerMid": member_id(1),
        "mobileNumberMask": "+971-56*****01",
        "deviceId": "",
        "ipAddress": "",
    }


def test_refusals(gateway: Gateway, merchant: Merchant) -> None:
    other = demo_merchant(gateway)
    merchant_order_no, order_no, token_url = dynqr_order(merchant)
    assert_refused(
        merchant.call(PAYER, {"merchantOrderNo": "M-none"}), "62004", "MERCHANT_ORDER_NO_NOT_EXIST"
    )
    assert_refused(merchant.call(PAYER, {"orderNo": "1"}), "62035", "ORDER_NO_NOT_EXIST")
    assert_refused(
        other.call(PAYER, {"merchantOrderNo": merchant_order_no}),
        "62004",
        "MERCHANT_ORDER_NO_NOT_EXIST",
    )
    both = {"merchantOrderNo": merchant_order_no, "orderNo": order_no}
    assert_invalid(merchant.call(PAYER, both), "merchantOrderNo", "orderNo")
    assert_invalid(merchant.call(PAYER, {}), "merchantOrderNo", "orderNo")
    assert_invalid(merchant.call(PAYER, {"merchantOrderNo": "M" * 65}), "merchantOrderNo")

    assert_invalid(merchant.call(CASHIER, {}), "tokenUrl")
    assert_invalid(merchant.call(CASHIER, {"tokenUrl": 7}), "tokenUrl")
    assert_invalid(merchant.call(CASHIER, {"tokenUrl": ""}), "tokenUrl")
    for unknown in (token_url.split("?")[0], "not a link", token_url.replace("ft=", "ft=x")):
        assert_refused(
            merchant.call(CASHIER, {"tokenUrl": unknown}), "62082", "TOKEN_URL_NOT_EXIST"
        )
    assert_refused(other.call(CASHIER, {"tokenUrl": token_url}), "62082", "TOKEN_URL_NOT_EXIST")
    merchant.call("acquire2/cancelOrder", {"orderNo": order_no}).assert_ok()
    assert_refused(merchant.call(CASHIER, {"tokenUrl": token_url}), "62082", "TOKEN_URL_NOT_EXIST")
    assert payer_of(merchant, orderNo=order_no) is None  # the order is still there
