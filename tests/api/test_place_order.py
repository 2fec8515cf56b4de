"""placeOrder over HTTP: echoed fields, scene params, validation, Money, sharing,
expiry rules, payeeMid, idempotency and the reference request sample."""

from __future__ import annotations

import copy
import hashlib
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.harness import (
    ApiResponse,
    Gateway,
    Merchant,
    assert_invalid,
    assert_refused,
    jsapi_order,
    now_ms,
    order_no,
)
from tests.sharing import encrypt

PLACE = "acquire2/placeOrder"
HOUR = 3_600_000
EID = hashlib.sha256(b"784-1990-1234567-1").hexdigest()
WALLET = "100000000004"  # a sandbox test wallet: a payerMid must name a member (62018)
SHARER = "100000000001"  # sandbox wallets: a sharing member must exist (62083)
SHARER_PHONE = "+971-560000002"
TOKEN_URL = re.compile(r"(?P<base>.+)/pay-page/main\?ft=(?P<ft>[A-Za-z0-9_-]{22,})&t=(?P<t>\d{13})")


# --- helpers ---------------------------------------------------------------------------------

def exact(response: ApiResponse) -> dict[str, Any]:
    """The response JSON with every fractional number parsed as Decimal."""
    return json.loads(response.raw, parse_float=Decimal)


def money(value: str) -> dict[str, Any]:
    return {"amount": Decimal(value), "currency": "AED"}


def assert_money(obj: dict[str, Any], value: str) -> None:
    amount = obj["amount"]
    assert isinstance(amount, (int, Decimal)), obj
    assert not isinstance(amount, bool), obj
    assert amount == Decimal(value), obj
    assert obj["currency"] == "AED", obj


def assert_token_url(url: str, merchant: Merchant) -> str:
    match = TOKEN_URL.fullmatch(url)
    assert match, url
    assert match["base"] == merchant.base_url, url
    return match["ft"]


MISSING = object()


def at(biz: Any, path: str, value: Any = MISSING, *, delete: bool = False) -> Any:
    """Reads, sets or deletes the value at a dotted path ("sharingParamList.0.sharingMemo")."""
    *parents, last = path.split(".")
    for part in parents:
        biz = biz[int(part)] if part.isdigit() else biz[part]
    key: Any = int(last) if last.isdigit() else last
    if delete:
        del biz[key]
    elif value is not MISSING:
        biz[key] = value
    return biz.get(key) if isinstance(biz, dict) else None


def names(path: str) -> list[str]:
    """What the 400 msg must contain: the wire path (list items: list path + field)."""
    parts = path.split(".")
    if any(p.isdigit() for p in parts):
        index = next(i for i, p in enumerate(parts) if p.isdigit())
        return ["bizContent." + ".".join(parts[:index]), parts[-1]]
    return ["bizContent." + path]


def sharing(seq: int, amount: str, **extra: Any) -> dict[str, Any]:
    item = {"sharingIdentitySeqId": seq, "sharingIdentityType": "MEMBER_ID",
            "sharingIdentity": SHARER, "sharingMemo": f"share {seq}",
            "sharingAmount": money(amount)}
    item.update(extra)
    return item


PROMOTIONS = [{"appliedRewardId": "R-1", "settleFlag": "YES"},
              {"appliedRewardId": "R-2", "settleFlag": "NO"}]
ACCESSORY = {
    "amountDetail": {"amount": money("10.00"), "discountableAmount": money("1.50"),
                     "vatAmount": money("0.84"), "tipAmount": money("2")},
    "goodsDetail": {"body": "Gifts", "categoriesTree": "CT12", "goodsCategory": "GC10",
                    "goodsId": "GI1005", "goodsName": "candy flower",
                    "showUrl": "https://shop.example/p/1", "price": money("10.87"),
                    "quantity": Decimal("2")},
    "terminalDetail": {"operatorId": "OP1", "storeId": "S1", "terminalId": "T1",
                       "merchantName": "candy home", "storeName": "lovely house"},
}


def sealed(merchant: Merchant, biz: dict[str, Any]) -> dict[str, Any]:
    """`biz` with every sharingIdentity RSA-encrypted for the merchant, as the reference
    asks (the gateway decrypts it with its key for that merchant)."""
    for item in biz.get("sharingParamList") or []:
        item["sharingIdentity"] = encrypt(merchant, item["sharingIdentity"])
    return biz


def full_order(merchant: Merchant | None = None, **overrides: Any) -> dict[str, Any]:
    """Every field; sharing identities encrypted for `merchant` when one is given."""
    biz = jsapi_order(
        subjectAr="آيفون", riskInfo='{"scene":"casino"}', secondaryMerchantId="SM-1",
        deviceId="DEV-1", reserved="order desc", accessoryContent=copy.deepcopy(ACCESSORY),
        sharingParamList=[sharing(1, "1.00"),
                          sharing(2, "2.50", sharingIdentityType="PHONE_NO",
                                  sharingIdentity=SHARER_PHONE, withholdAndRemitFee=True)],
        promotionInfoList=copy.deepcopy(PROMOTIONS))
    biz.update(overrides)
    return sealed(merchant, biz) if merchant is not None else biz


@pytest.fixture(scope="module")
def other_merchant(gateway: Gateway) -> Merchant:
    return gateway.add_merchant()


# --- valid orders ----------------------------------------------------------------------------

def test_jsapi_order_echoes_every_field(merchant: Merchant) -> None:
    rt = now_ms()
    biz = full_order(merchant, expiredTime=rt + HOUR, paySceneParams={"payerMid": WALLET})
    response = merchant.call(PLACE, biz, request_time=rt).assert_ok()
    content_type = response.headers["content-type"].lower().replace(" ", "")
    assert content_type == "application/json;charset=utf-8"
    body = exact(response)["body"]
    order = body["acquireOrder"]
    assert order["merchantOrderNo"] == biz["merchantOrderNo"]
    assert re.fullmatch(r"\d{1,32}", order["orderNo"]), order["orderNo"]
    assert order["status"] == "CREATED"
    assert isinstance(order["product"], str)
    assert order["product"]
    assert_money(order["totalAmount"], "12.34")
    assert order["payeeMid"] == merchant.partner_id
    assert order["expiredTime"] == rt + HOUR
    assert order["requestTime"] == rt
    for key in ("notifyUrl", "subject", "subjectAr", "paySceneCode", "reserved", "deviceId",
                "secondaryMerchantId", "riskInfo"):
        assert order[key] == biz[key], key
    assert order["revoked"] == "false"
    assert order["paySceneParams"]["payerMid"] == WALLET
    assert order["paySceneParams"]["oneTimePayment"] == "false"
    accessory = order["accessoryContent"]
    assert Decimal(str(accessory["goodsDetail"]["quantity"])) == 2
    for section, fields in ACCESSORY.items():
        for name, value in fields.items():
            if name != "quantity":
                assert accessory[section][name] == value, (section, name)
    for name in ("amount", "discountableAmount", "vatAmount", "tipAmount"):
        sent = ACCESSORY["amountDetail"][name]["amount"]
        assert_money(accessory["amountDetail"][name], str(sent))
    shares = sorted(order["sharingInfoList"], key=lambda s: s["sharingIdentitySeqId"])
    assert [s["sharingIdentitySeqId"] for s in shares] == [1, 2]
    assert_money(shares[0]["sharingAmount"], "1.00")
    assert_money(shares[1]["sharingAmount"], "2.50")
    assert [s["sharingMemo"] for s in shares] == ["share 1", "share 2"]
    assert order["promotionInfoList"] == PROMOTIONS
    token = assert_token_url(body["interActionParams"]["tokenUrl"], merchant)
    assert len(token) >= 22


def test_dynqr_order_defaults_and_unique_tokens(merchant: Merchant) -> None:
    first = merchant.place_order(paySceneCode="DYNQR").assert_ok()
    second = merchant.place_order(paySceneCode="DYNQR").assert_ok()
    order = exact(first)["body"]["acquireOrder"]
    assert order["paySceneCode"] == "DYNQR"
    assert order["status"] == "CREATED"
    assert order["paySceneParams"]["changePayer"] == "true"
    assert order["paySceneParams"]["oneTimePayment"] == "false"
    empty = {"amountDetail": {}, "goodsDetail": {}, "terminalDetail": {}}
    assert order["accessoryContent"] == empty
    assert order["payeeMid"] == merchant.partner_id
    assert order["revoked"] == "false"
    urls = [r.body["interActionParams"]["tokenUrl"] for r in (first, second)]
    tokens = {assert_token_url(url, merchant) for url in urls}
    assert len(tokens) == 2
    assert first.order["orderNo"] != second.order["orderNo"]


# --- paySceneParams --------------------------------------------------------------------------

BOOLEANS = [("true", "true"), ("TRUE", "true"), ("False", "false"), ("false", "false"),
            (True, "true"), (False, "false")]


SCENE_BOOLEANS = [("JSAPI", "oneTimePayment"), ("DYNQR", "oneTimePayment"),
                  ("DYNQR", "changePayer")]


@pytest.mark.parametrize(("scene", "name"), SCENE_BOOLEANS)
@pytest.mark.parametrize(("value", "echo"), BOOLEANS)
def test_boolean_scene_params(
    merchant: Merchant, scene: str, name: str, value: Any, echo: str
) -> None:
    response = merchant.place_order(paySceneCode=scene, paySceneParams={name: value})
    order = response.assert_ok().order
    assert str(order["paySceneParams"][name]).lower() == echo


@pytest.mark.parametrize("scene", ["JSAPI", "DYNQR"])
@pytest.mark.parametrize("value", ["yes", "1", "tru", "null"])
def test_invalid_one_time_payment(merchant: Merchant, scene: str, value: str) -> None:
    response = merchant.place_order(paySceneCode=scene, paySceneParams={"oneTimePayment": value})
    assert_refused(response, "62073", "INVALID_ONE_TIME_PAYMENT")


@pytest.mark.parametrize("value", ["yes", "0", "ture"])
def test_invalid_change_payer(merchant: Merchant, value: str) -> None:
    response = merchant.place_order(paySceneCode="DYNQR", paySceneParams={"changePayer": value})
    assert_invalid(response, "bizContent.paySceneParams.changePayer")


def test_dynqr_email_and_eid_echoed(merchant: Merchant) -> None:
    params = {"email": "customer@payment.com", "eid": EID, "changePayer": "false"}
    order = merchant.place_order(paySceneCode="DYNQR", paySceneParams=params).assert_ok().order
    assert order["paySceneParams"]["email"] == "customer@payment.com"
    assert order["paySceneParams"]["eid"] == EID
    assert order["paySceneParams"]["changePayer"] == "false"
    assert order["paySceneParams"]["oneTimePayment"] == "false"


@pytest.mark.parametrize("email", ["not-an-email", "a@", "@payment.com", "a b@payment.com"])
def test_invalid_email(merchant: Merchant, email: str) -> None:
    response = merchant.place_order(paySceneCode="DYNQR", paySceneParams={"email": email})
    assert_refused(response, "62059", "INVALID_EMAIL")


@pytest.mark.parametrize("eid", ["z" * 64, EID[:63], EID + "0", "784-1990-1234567-1"])
def test_invalid_eid(merchant: Merchant, eid: str) -> None:
    response = merchant.place_order(paySceneCode="DYNQR", paySceneParams={"eid": eid})
    assert_invalid(response, "bizContent.paySceneParams.eid")


@pytest.mark.parametrize("scene", ["PAYPAGE", "INAPP", "EWALLET", "QRPAY", "AUTODEBIT", "DIRECTPAY",
                                   "PREAUTH", "PREAUTHVOID", "CAPTURE", "CASHTOPUP", "PAYANDSIGN"])
def test_unsupported_scene_codes(merchant: Merchant, scene: str) -> None:
    assert_refused(merchant.place_order(paySceneCode=scene), "62026", "PRODUCT_IS_NOT_APPLIED")


@pytest.mark.parametrize("scene", ["FOO", "jsapi", "QR_PAY"])
def test_unknown_scene_code(merchant: Merchant, scene: str) -> None:
    assert_refused(merchant.place_order(paySceneCode=scene), "62012", "PAYSCENECODE_ILLEGAL")


# --- field validation ------------------------------------------------------------------------

LIMITS = [
    ("merchantOrderNo", 64), ("subject", 64), ("subjectAr", 200), ("riskInfo", 512),
    ("payeeMid", 20), ("notifyUrl", 200), ("secondaryMerchantId", 64), ("deviceId", 200),
    ("reserved", 200), ("paySceneParams.payerMid", 12),
    *[(f"accessoryContent.goodsDetail.{f}", 200) for f in
      ("body", "categoriesTree", "goodsCategory", "goodsId", "goodsName", "showUrl")],
    *[(f"accessoryContent.terminalDetail.{f}", 200) for f in
      ("operatorId", "storeId", "terminalId", "merchantName", "storeName")],
    ("sharingParamList.0.sharingIdentity", 512), ("sharingParamList.0.sharingMemo", 128),
    ("promotionInfoList.0.appliedRewardId", 64), ("promotionInfoList.0.settleFlag", 32),
]


def text_of(path: str, length: int) -> str:
    field = path.rsplit(".", 1)[-1]
    if field == "merchantOrderNo":
        return (order_no() + "M" * length)[:length]
    if field in ("notifyUrl", "showUrl"):
        return "https://shop.example/" + "n" * (length - 21)
    if field == "riskInfo":
        return '{"k":"' + "r" * (length - 8) + '"}'
    if field == "subjectAr":
        return "ع" * length
    if field in ("payeeMid", "payerMid"):
        return "9" * length
    return "a" * length


@pytest.mark.parametrize(("path", "limit"), LIMITS, ids=[p for p, _ in LIMITS])
def test_max_length(merchant: Merchant, path: str, limit: int) -> None:
    at_max = full_order(merchant)
    at(at_max, path, text_of(path, limit))
    response = merchant.call(PLACE, at_max)
    if path == "sharingParamList.0.sharingIdentity":  # passes the length, is no ciphertext
        assert_invalid(response, "bizContent.sharingParamList[0].sharingIdentity")
    elif path == "payeeMid":  # passes the length check, then is an unknown merchant
        assert_refused(response, "62019", "PAYEEMID_NOT_EXIST")
    elif path == "paySceneParams.payerMid":  # passes the length check, then is no member
        assert_refused(response, "62018", "PAYERMID_NOT_EXIST")
    else:
        order = response.assert_ok().order
        if not path.startswith("sharingParamList"):
            assert at(order, path) == at(at_max, path)
    over = full_order()
    at(over, path, text_of(path, limit + 1))
    assert_invalid(merchant.call(PLACE, over), *names(path))


REQUIRED = ["merchantOrderNo", "subject", "totalAmount", "totalAmount.amount",
            "totalAmount.currency", "paySceneCode", "sharingParamList.0.sharingIdentitySeqId",
            "sharingParamList.0.sharingIdentityType", "sharingParamList.0.sharingIdentity",
            "sharingParamList.0.sharingMemo", "sharingParamList.0.sharingAmount",
            "sharingParamList.0.sharingAmount.amount", "promotionInfoList.0.appliedRewardId",
            "promotionInfoList.0.settleFlag"]


@pytest.mark.parametrize("path", REQUIRED)
def test_required_field_missing(merchant: Merchant, path: str) -> None:
    biz = full_order()
    at(biz, path, delete=True)
    assert_invalid(merchant.call(PLACE, biz), *names(path))


WRONG_TYPES = [
    ("merchantOrderNo", 123456), ("subject", 123), ("subjectAr", ["x"]), ("totalAmount", "12.34"),
    ("totalAmount", [12.34]), ("paySceneCode", 1), ("paySceneParams", []),
    ("paySceneParams", "oneTimePayment=true"), ("expiredTime", "tomorrow"), ("riskInfo", 42),
    ("riskInfo", [1, 2]), ("notifyUrl", 5), ("notifyUrl", "not a url"),
    ("notifyUrl", "ftp://shop.example/notify"), ("deviceId", {"id": 1}),
    ("accessoryContent", "gift"),
    ("accessoryContent.goodsDetail", ["gift"]), ("accessoryContent.goodsDetail.quantity", "many"),
    ("sharingParamList", {"a": 1}), ("sharingParamList.0.sharingIdentitySeqId", "first"),
    ("sharingParamList.0.sharingIdentityType", "EMAIL"),
    ("sharingParamList.0.withholdAndRemitFee", "maybe"), ("promotionInfoList", "YES"),
    ("promotionInfoList.0.settleFlag", 1),
]


@pytest.mark.parametrize(("path", "value"), WRONG_TYPES, ids=[f"{p}={v!r}" for p, v in WRONG_TYPES])
def test_wrong_type(merchant: Merchant, path: str, value: Any) -> None:
    biz = full_order()
    at(biz, path, value)
    response = merchant.call(PLACE, biz)
    assert_invalid(response, *names(path))


# --- Money -----------------------------------------------------------------------------------

ACCEPTED_AMOUNTS = [("12.34", "12.34"), ("10.50", "10.5"), ("10.500", "10.5"), ("1E+1", "10"),
                    ("1e1", "10"), ("5.00", "5"), ("0.01", "0.01"), ("10", "10"),
                    ("999999999999.99", "999999999999.99"), ('"12.34"', "12.34"),
                    ('"10.50"', "10.5")]


@pytest.mark.parametrize(("raw", "value"), ACCEPTED_AMOUNTS)
def test_total_amount_accepted(merchant: Merchant, raw: str, value: str) -> None:
    biz = jsapi_order(totalAmount={"amount": orjson.Fragment(raw.encode()), "currency": "AED"})
    response = merchant.call(PLACE, biz).assert_ok()
    assert_money(exact(response)["body"]["acquireOrder"]["totalAmount"], value)


@pytest.mark.parametrize("raw", ["0", "0.00", "-1", "-0.01", "1.005", "1.0050", "0.001",
                                 "1234567890123", "1E+12", '"abc"', '"1.005"', "true", "null"])
def test_total_amount_rejected(merchant: Merchant, raw: str) -> None:
    biz = jsapi_order(totalAmount={"amount": orjson.Fragment(raw.encode()), "currency": "AED"})
    assert_invalid(merchant.call(PLACE, biz), "bizContent.totalAmount")


@pytest.mark.parametrize("money_obj", [{"amount": Decimal("12.34"), "currency": "USD"},
                                       {"amount": Decimal("12.34"), "currency": ""},
                                       {"amount": Decimal("12.34")}])
def test_total_amount_currency(merchant: Merchant, money_obj: dict[str, Any]) -> None:
    assert_invalid(merchant.place_order(totalAmount=money_obj), "bizContent.totalAmount")


MONEY_PATHS = ["sharingParamList.0.sharingAmount", "accessoryContent.amountDetail.vatAmount",
               "accessoryContent.amountDetail.tipAmount", "accessoryContent.goodsDetail.price"]
BAD_MONEY = [money("1.005"), money("1234567890123"), {"amount": "x", "currency": "AED"},
             {"amount": Decimal("1.00"), "currency": "USD"}]


@pytest.mark.parametrize("path", MONEY_PATHS)
@pytest.mark.parametrize("bad", BAD_MONEY)
def test_nested_money_rejected(merchant: Merchant, path: str, bad: dict[str, Any]) -> None:
    biz = full_order()
    at(biz, path, bad)
    assert_invalid(merchant.call(PLACE, biz), *names(path))


# --- sharing and promotions ------------------------------------------------------------------

def test_sharing_up_to_total_accepted(merchant: Merchant) -> None:
    shares = [sharing(1, "10.00"), sharing(2, "2.34", withholdAndRemitFee=True)]
    biz = sealed(merchant, jsapi_order(sharingParamList=shares))
    order = exact(merchant.call(PLACE, biz).assert_ok())["body"]["acquireOrder"]
    by_seq = {s["sharingIdentitySeqId"]: s for s in order["sharingInfoList"]}
    assert set(by_seq) == {1, 2}
    assert_money(by_seq[1]["sharingAmount"], "10")
    assert_money(by_seq[2]["sharingAmount"], "2.34")


@pytest.mark.parametrize("shares", [
    [sharing(1, "1", withholdAndRemitFee=True), sharing(2, "1", withholdAndRemitFee=True)],
    [sharing(1, "1"), sharing(1, "2")],
], ids=["two-withhold", "duplicate-seq-id"])
def test_sharing_rules(merchant: Merchant, shares: list[dict[str, Any]]) -> None:
    assert_invalid(merchant.place_order(sharingParamList=shares), "bizContent.sharingParamList")


def test_sharing_over_what_the_order_leaves_is_refused(merchant: Merchant) -> None:
    """Shares are paid out of the order: 12.34 less the merchant's fee 0.04 leaves 12.30
    (the reference's sample, AED 2 of AED 1.01, could move no money: tests/sharing)."""
    shares = [sharing(1, "10.00"), sharing(2, "2.31")]
    biz = sealed(merchant, jsapi_order(sharingParamList=shares))
    assert_invalid(merchant.call(PLACE, biz), "bizContent.sharingParamList")


# --- expiredTime and payeeMid -----------------------------------------------------------------

def test_default_expiry_is_two_hours_after_request_time(merchant: Merchant) -> None:
    rt = now_ms() - 60_000
    order = merchant.call(PLACE, jsapi_order(), request_time=rt).assert_ok().order
    assert order["expiredTime"] == rt + 2 * HOUR
    assert order["requestTime"] == rt


@pytest.mark.parametrize("delta", [1000, HOUR, 48 * HOUR])
def test_expired_time_accepted(merchant: Merchant, delta: int) -> None:
    rt = now_ms()
    response = merchant.call(PLACE, jsapi_order(expiredTime=rt + delta), request_time=rt)
    order = response.assert_ok().order
    assert order["expiredTime"] == rt + delta


@pytest.mark.parametrize(("delta", "code", "msg"), [
    (0, "62008", "EXPIREDTIME_LESS_THAN_REQUESTTIME"),
    (-60_000, "62008", "EXPIREDTIME_LESS_THAN_REQUESTTIME"),
    (48 * HOUR + 1000, "62009", "EXPIREDTIME_TOO_LATER"),
    (30 * 24 * HOUR, "62009", "EXPIREDTIME_TOO_LATER"),
])
def test_expired_time_refused(merchant: Merchant, delta: int, code: str, msg: str) -> None:
    rt = now_ms()
    response = merchant.call(PLACE, jsapi_order(expiredTime=rt + delta), request_time=rt)
    assert_refused(response, code, msg)


def test_unknown_payee_mid(merchant: Merchant) -> None:
    assert_refused(merchant.place_order(payeeMid="999999999999"), "62019", "PAYEEMID_NOT_EXIST")


@pytest.mark.parametrize("payee", ["self", "other"])
def test_registered_payee_mid(merchant: Merchant, other_merchant: Merchant, payee: str) -> None:
    payee_mid = merchant.partner_id if payee == "self" else other_merchant.partner_id
    order = merchant.place_order(payeeMid=payee_mid).assert_ok().order
    assert order["payeeMid"] == payee_mid


def test_payer_mid_is_a_member_other_than_the_payee(
    merchant: Merchant, other_merchant: Merchant
) -> None:
    """create-order.mdx: an unknown payerMid is 62018, the payee as payer 62020."""
    unknown = merchant.place_order(paySceneParams={"payerMid": "199999999999"})
    assert_refused(unknown, "62018", "PAYERMID_NOT_EXIST")
    itself = merchant.place_order(paySceneParams={"payerMid": merchant.partner_id})
    assert_refused(itself, "62020", "PAYERMID_PAYEEMID_ARE_SAME")
    payee = other_merchant.partner_id
    named = merchant.place_order(payeeMid=payee, paySceneParams={"payerMid": payee})
    assert_refused(named, "62020", "PAYERMID_PAYEEMID_ARE_SAME")
    order = merchant.place_order(payeeMid=payee, paySceneParams={"payerMid": WALLET})
    assert order.assert_ok().order["paySceneParams"]["payerMid"] == WALLET
    # DYNQR has no payerMid parameter: one sent anyway is ignored, not checked
    dynqr = merchant.place_order(paySceneCode="DYNQR", paySceneParams={"payerMid": "1"})
    assert "payerMid" not in dynqr.assert_ok().order["paySceneParams"]


# --- idempotency -----------------------------------------------------------------------------

def test_same_request_returns_same_order(merchant: Merchant) -> None:
    biz = full_order(merchant)
    first_rt = now_ms() - 5000
    first = merchant.call(PLACE, biz, request_time=first_rt).assert_ok()
    again = merchant.call(PLACE, biz).assert_ok()
    for key in ("orderNo", "merchantOrderNo", "status", "expiredTime", "totalAmount"):
        assert again.order[key] == first.order[key], key
    assert again.order["requestTime"] == first_rt
    token_url = first.body["interActionParams"]["tokenUrl"]
    assert again.body["interActionParams"]["tokenUrl"] == token_url


CHANGES = [("subject", "iPad"), ("totalAmount", money("12.35")), ("paySceneCode", "DYNQR"),
           ("notifyUrl", "http://127.0.0.1:9/other"),
           ("paySceneParams", {"oneTimePayment": "true"}),
           ("reserved", "extra"), ("expiredTime", None), ("deviceId", "DEV-2"),
           ("promotionInfoList", PROMOTIONS[:1])]


@pytest.mark.parametrize(("key", "value"), CHANGES, ids=[k for k, _ in CHANGES])
def test_same_merchant_order_no_different_field(merchant: Merchant, key: str, value: Any) -> None:
    biz = full_order(merchant)
    first = merchant.call(PLACE, biz).assert_ok()
    changed = copy.deepcopy(biz)
    changed[key] = value if value is not None else now_ms() + HOUR
    assert_refused(merchant.call(PLACE, changed), "62016", "MERCHANT_ORDER_NO_EXIST")
    assert merchant.call(PLACE, biz).assert_ok().order["orderNo"] == first.order["orderNo"]


def test_two_merchants_may_share_merchant_order_no(
    merchant: Merchant, other_merchant: Merchant
) -> None:
    biz = jsapi_order()
    mine = merchant.call(PLACE, biz).assert_ok().order
    theirs = other_merchant.call(PLACE, biz).assert_ok().order
    assert mine["merchantOrderNo"] == theirs["merchantOrderNo"] == biz["merchantOrderNo"]
    assert mine["orderNo"] != theirs["orderNo"]
    assert mine["payeeMid"] == merchant.partner_id
    assert theirs["payeeMid"] == other_merchant.partner_id


# --- the reference request sample (create-order.mdx, "Request Sample", Http Body) --------------

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "reference"


def reference_sample() -> str:
    """The Http Body under "Request Sample" in 3_Payment/create-order.mdx, verbatim."""
    return (SAMPLES / "create-order-request.json").read_text().strip()


def test_reference_request_sample_accepted(merchant: Merchant) -> None:
    mon = order_no()
    sample = reference_sample()
    assert json.loads(sample)["bizContent"]["merchantOrderNo"] == "M965739182419"
    text = sample.replace("1581404947666", str(now_ms())).replace("M965739182419", mon)
    # Its ciphertexts were made with Botim Money's key, and it shares AED 2 of AED 1.01:
    # identities encrypted for this gateway (two sandbox wallets), a total that pays them.
    sharing_list = json.loads(sample)["bizContent"]["sharingParamList"]
    for item, plain in zip(sharing_list, (SHARER_PHONE, SHARER), strict=True):
        text = text.replace(item["sharingIdentity"], encrypt(merchant, plain))
    text = text.replace('"amount":1.01', '"amount":2.01')
    response = merchant.post_raw(PLACE, text.encode())
    assert response.status_code == 200
    assert response.signature_valid is True
    response.assert_ok()
    body = exact(response)["body"]
    order = body["acquireOrder"]
    assert order["merchantOrderNo"] == mon
    assert order["status"] == "CREATED"
    assert_money(order["totalAmount"], "2.01")
    assert json.loads(order["riskInfo"]) == {"scene": "casino", "level": "low"}
    assert " " not in order["riskInfo"]
    assert order["paySceneParams"]["oneTimePayment"] == "true"
    assert order["reserved"] == "order desc"
    assert sorted(s["sharingMemo"] for s in order["sharingInfoList"]) == ["bouns", "cashback"]
    assert [p["appliedRewardId"] for p in order["promotionInfoList"]] == ["1234", "12534"]
    assert_money(order["accessoryContent"]["amountDetail"]["vatAmount"], "20.65")
    assert order["accessoryContent"]["terminalDetail"]["storeName"] == "lovely house"
    assert_token_url(body["interActionParams"]["tokenUrl"], merchant)
