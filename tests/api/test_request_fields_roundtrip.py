"""Every request field of the acquiring pages round-trips: the request samples of
3_Payment/ and 4_Refund/ are parsed from the reference's .mdx at test time and sent to
a real gateway; each field comes back where the response documents it (ECHOES) or is
listed as request-only with the reason (REQUEST_ONLY). A field in neither fails, so a
field the request models drop (pydantic's extra="ignore") cannot go unnoticed.

The pages are read from tests/data/reference/botim-money-docs (the reference's 3_Payment
and 4_Refund, copied verbatim), or from $BOTIMPAY_REFERENCE (another copy to
check). Sharing fields are checked by the sharing tests (SHARING below).
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.harness import ApiResponse, Gateway, Merchant, assert_invalid, jsapi_order, now_ms
from tests.harness import order_no as fresh_no

HERE = Path(__file__).resolve()
REFERENCE = Path(
    os.environ.get("BOTIMPAY_REFERENCE") or HERE.parents[1] / "data/reference/botim-money-docs"
)
PAGES = ("3_Payment/*.mdx", "3_Payment/OrderCreation/*.md*", "4_Refund/*.mdx")
OPERATIONS = {
    "acquire2/placeOrder",
    "acquire2/getOrder",
    "acquire2/cancelOrder",
    "acquire2/revokeOrder",
    "acquire2/updateExpiredTime",
    "acquire2/getCashierUrlInfo",
    "acquire2/getOrderPayer",
    "acquire2Query/queryOrderPage",
    "acquire2Query/queryRefundOrderPage",
    "acquire2/refund/placeOrder",
    "acquire2/refund/getOrder",
}
HOUR = 3_600_000
EID = hashlib.sha256(b"784-1990-1234567-1").hexdigest()
PAYER_WALLET = "100000000004"  # a sandbox wallet: a JSAPI payerMid must name a member

# --- what comes back where -------------------------------------------------------------
# Request path -> response path ("[]" a list item, the same index on both sides; a step
# into a string reads it as JSON: riskInfo's object is echoed as compact JSON text).

_ORDER_FIELDS = (
    "merchantOrderNo",
    "subject",
    "subjectAr",
    "totalAmount.amount",
    "totalAmount.currency",
    "expiredTime",
    "payeeMid",
    "paySceneCode",
    "paySceneParams.oneTimePayment",
    "paySceneParams.payerMid",
    "paySceneParams.changePayer",
    "paySceneParams.email",
    "paySceneParams.eid",
    "notifyUrl",
    "secondaryMerchantId",
    "deviceId",
    "reserved",
    "riskInfo",  # as the String the page types it
    "riskInfo.scene",  # as the object the sample sends
    "riskInfo.level",
    "promotionInfoList[].appliedRewardId",
    "promotionInfoList[].settleFlag",
    "accessoryContent.reserved",
)
_MONEY = ("amount", "currency")
_ACCESSORY = (
    [
        f"amountDetail.{m}.{p}"
        for m in ("amount", "discountableAmount", "vatAmount", "tipAmount")
        for p in _MONEY
    ]
    + [
        f"goodsDetail.{f}"
        for f in (
            "body",
            "categoriesTree",
            "goodsCategory",
            "goodsId",
            "goodsName",
            "quantity",
            "showUrl",
        )
    ]
    + [f"goodsDetail.price.{p}" for p in _MONEY]
    + [
        f"terminalDetail.{f}"
        for f in ("operatorId", "storeId", "terminalId", "merchantName", "storeName", "location")
    ]
)
PLACE_ECHOES = {f: f"acquireOrder.{f}" for f in _ORDER_FIELDS} | {
    f"accessoryContent.{f}": f"acquireOrder.accessoryContent.{f}" for f in _ACCESSORY
}
_AGREEMENT = (
    "agreementType",
    "numberOfPayments",
    "amountVariability",
    "expiryDate",
    "paymentFrequency",
    "minimumDaysBetweenPayments",
)
# An order is named by merchantOrderNo xor orderNo: both come back as the order's own.
_ORDER_REF = {
    "merchantOrderNo": "acquireOrder.merchantOrderNo",
    "orderNo": "acquireOrder.orderNo",
}

ECHOES: dict[str, dict[str, str]] = {
    "acquire2/placeOrder": PLACE_ECHOES,
    "acquire2/getOrder": _ORDER_REF | {"deviceId": "acquireOrder.deviceId"},
    "acquire2/cancelOrder": _ORDER_REF,
    "acquire2/revokeOrder": _ORDER_REF,
    "acquire2/updateExpiredTime": _ORDER_REF | {"expiredTime": "acquireOrder.expiredTime"},
    "acquire2/getCashierUrlInfo": {},
    "acquire2/getOrderPayer": {},
    "acquire2Query/queryOrderPage": {
        "sortPageParam.number": "sortPageParam.number",
        "sortPageParam.size": "sortPageParam.size",
    },
    "acquire2Query/queryRefundOrderPage": {
        "sortPageParam.number": "sortPageParam.number",
        "sortPageParam.size": "sortPageParam.size",
    },
    "acquire2/refund/placeOrder": {
        "merchantOrderNo": "refundOrder.refundMerchantOrderNo",  # the sample's alias
        "refundMerchantOrderNo": "refundOrder.refundMerchantOrderNo",
        "originMerchantOrderNo": "refundOrder.originMerchantOrderNo",
        "originOrderNo": "refundOrder.originOrderNo",
        "amount.amount": "refundOrder.amount.amount",
        "amount.currency": "refundOrder.amount.currency",
        "operatorName": "refundOrder.operatorName",
        "reason": "refundOrder.reason",
        "reserved": "refundOrder.reserved",
        "notifyUrl": "refundOrder.notifyUrl",
        "deviceId": "refundOrder.deviceId",
        "secondaryMerchantId": "refundOrder.secondaryMerchantId",
    },
    "acquire2/refund/getOrder": {
        "refundMerchantOrderNo": "refundOrder.refundMerchantOrderNo",
        "orderNo": "refundOrder.orderNo",
    },
}
_FILTER = "a filter of the page's rows; the page echoes none of them"
REQUEST_ONLY: dict[str, dict[str, str]] = {
    "acquire2/placeOrder": {
        f"agreementInfo.{f}": "acquireOrder (_acquire-order.mdx) documents no agreementInfo;"
        " kept with the order (orders.details) and part of its idempotency"
        for f in _AGREEMENT
    },
    "acquire2/getCashierUrlInfo": {
        "tokenUrl": "names the checkout; the answer is its payer's mask, not the link",
    },
    "acquire2/getOrderPayer": {
        ref: "names the order; the payer object names no order" for ref in _ORDER_REF
    },
    "acquire2Query/queryOrderPage": {
        f: _FILTER for f in ("startDate", "endDate", "deviceIdList", "includeStatusList")
    },
    "acquire2Query/queryRefundOrderPage": {
        f: _FILTER for f in ("startDate", "endDate", "deviceIdList", "includeStatusList")
    },
}
# Owned and checked by the sharing tests, not here.
SHARING = ("sharingParamList", "refundSharingAmount")
# Documented names that are not bizContent fields, with why.
NOT_FIELDS = {
    "requestTime": "the envelope's; replaced by a fresh one",
    "bizContent": "the envelope's container",
    "sign": "a header",
}

# --- the reference ---------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    page: str
    operation: str
    biz: dict[str, Any]


def _strip_comments(text: str) -> str:
    """JSONC to JSON: drops `// ...` outside strings (the pages comment their samples)."""
    lines = []
    for line in text.splitlines():
        in_string, cut = False, len(line)
        for i, ch in enumerate(line):
            if ch == '"' and (i == 0 or line[i - 1] != "\\"):
                in_string = not in_string
            elif ch == "/" and not in_string and line[i : i + 2] == "//":
                cut = i
                break
        lines.append(line[:cut])
    return "\n".join(lines)


def _objects(block: str) -> Iterator[Any]:
    decoder = json.JSONDecoder(parse_float=Decimal)
    text, start = _strip_comments(block), 0
    while (start := text.find("{", start)) >= 0:
        try:
            value, start = decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            start += 1
            continue
        yield value


def operation_of(text: str) -> str | None:
    found = re.search(r"uat\.test2pay\.com/sgs/api/([\w/]+)", text)
    return found[1] if found else None


def request_samples() -> list[Sample]:
    samples = []
    for pattern in PAGES:
        for path in sorted(REFERENCE.glob(pattern)):
            text = path.read_text()
            for block in re.findall(r"```[a-zA-Z]*\n(.*?)```", text, re.S):
                for value in _objects(block):
                    if isinstance(value, dict) and {"requestTime", "bizContent"} <= set(value):
                        operation = operation_of(text)
                        assert operation, f"{path}: a request sample but no API URL"
                        name = str(path.relative_to(REFERENCE))
                        samples.append(Sample(name, operation, value["bizContent"]))
    return samples


def _inline(text: str, base: Path) -> str:
    """The page with its partials (`import X from './_x.mdx'` ... `<X/>`) written in."""
    for name, rel in re.findall(r"import (\w+) from ['\"](\.[^'\"]+)['\"]", text):
        if name != "RequestHeader" and re.search(rf"<{name}\s*/>", text):
            partial = base / rel
            inner = _inline(partial.read_text(), partial.parent)
            text = re.sub(rf"<{name}\s*/>", lambda _: inner, text)
    return text


def documented_names(page: str, extra: tuple[str, ...] = ()) -> set[str]:
    """The bizContent field names a page's request section documents (bold or table)."""
    path = REFERENCE / page
    text = _inline(path.read_text(), path.parent)
    body = re.search(r"\n#{2,4} (?:Http|HTTP) Body\n(.*?)\n#{2,4} Request Sample", text, re.S)
    assert body, f"{page}: no request body section"
    section = body[1] + "".join((REFERENCE / p).read_text() for p in extra)
    names = set(re.findall(r"\*\*([a-z][A-Za-z0-9]*)\*\*", section))
    names |= set(re.findall(r"(?m)^\|[^|\n]*\|\s*([a-z][A-Za-z0-9]*)\s*\|", section))
    return names


# --- walking fields --------------------------------------------------------------------


def leaves(
    value: Any, path: str = "", at: tuple[int, ...] = ()
) -> Iterator[tuple[str, Any, tuple[int, ...]]]:
    """(path, value, list indexes) of every leaf; empty objects and lists are leaves."""
    if isinstance(value, dict) and value:
        for key, item in value.items():
            yield from leaves(item, f"{path}.{key}" if path else key, at)
    elif isinstance(value, list) and value:
        for index, item in enumerate(value):
            yield from leaves(item, f"{path}[]", (*at, index))
    else:
        yield path, value, at


def resolve(body: Any, path: str, at: tuple[int, ...]) -> Any:
    indexes = list(at)
    for step in path.split("."):
        if isinstance(body, str):
            body = json.loads(body, parse_float=Decimal)
        name = step.removesuffix("[]")
        assert isinstance(body, dict), f"{path}: {name} of a non-object {body}"
        assert name in body, f"{path}: no {name} in {body}"
        body = body[name]
        if step.endswith("[]"):
            body = body[indexes.pop(0)]
    return body


def is_sharing(path: str) -> bool:
    return path.split(".")[0].removesuffix("[]") in SHARING


def check_round_trip(operation: str, biz: dict[str, Any], bodies: list[dict[str, Any]]) -> set[str]:
    """Asserts each echoed field of `biz` in every body; returns the paths walked."""
    unclassified, walked = [], set()
    for path, sent, at in leaves(biz):
        walked.add(path)
        if is_sharing(path) or path in REQUEST_ONLY.get(operation, {}):
            continue
        target = ECHOES[operation].get(path)
        if target is None:
            unclassified.append(path)
            continue
        for body in bodies:
            assert resolve(body, target, at) == sent, (operation, path, target, body)
    assert not unclassified, f"{operation}: fields neither echoed nor request-only: {unclassified}"
    return walked


# --- the gateway -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def shop(gateway: Gateway) -> Merchant:
    return gateway.add_merchant()


def call(shop: Merchant, operation: str, biz: dict[str, Any]) -> dict[str, Any]:
    response = shop.call(operation, biz).assert_ok()
    body: dict[str, Any] = json.loads(response.raw, parse_float=Decimal)["body"]
    return body


def placed(shop: Merchant, **fields: Any) -> dict[str, Any]:
    body = call(shop, "acquire2/placeOrder", jsapi_order(**fields))
    return {**body["acquireOrder"], "tokenUrl": body["interActionParams"]["tokenUrl"]}


def name_order(biz: dict[str, Any], order: dict[str, Any]) -> None:
    """Points the request at `order` by whichever of its two names the request uses."""
    key = "orderNo" if "orderNo" in biz else "merchantOrderNo"
    biz[key] = order[key]


def get_order(shop: Merchant, number: str) -> dict[str, Any]:
    return call(shop, "acquire2/getOrder", {"merchantOrderNo": number})


def paid(gateway: Gateway, shop: Merchant) -> dict[str, Any]:
    """A paid AED 1.01 order; wallet 7 pays by card, so no wallet balance moves."""
    order = placed(shop, totalAmount={"amount": Decimal("1.01"), "currency": "AED"})
    answer = httpx.post(
        gateway.base_url + "/sandbox/api/pay",
        json={"orderNo": order["orderNo"], "phone": "+971 56 000 0007", "method": "CARD"},
        timeout=60,
    )
    assert answer.json()["result"] == "SUCCESS", answer.text
    return order


Run = Callable[[Gateway, Merchant, dict[str, Any]], tuple[dict[str, Any], list[dict[str, Any]]]]


def _place(
    gw: Gateway, shop: Merchant, biz: dict[str, Any]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    biz["merchantOrderNo"] = fresh_no()
    return biz, [call(shop, "acquire2/placeOrder", biz), get_order(shop, biz["merchantOrderNo"])]


def _on_order(operation: str, stored: bool) -> Run:
    """getOrder, cancelOrder, revokeOrder, updateExpiredTime on a new order (placed with
    the sample's deviceId, if any); `stored`: getOrder reads the result back."""

    def run(
        gw: Gateway, shop: Merchant, biz: dict[str, Any]
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        order = placed(shop, **({"deviceId": biz["deviceId"]} if "deviceId" in biz else {}))
        name_order(biz, order)
        if "expiredTime" in biz:
            biz["expiredTime"] = now_ms() + HOUR
        bodies = [call(shop, operation, biz)]
        if stored:
            bodies.append(get_order(shop, order["merchantOrderNo"]))
        return biz, bodies

    return run


def _cashier(
    gw: Gateway, shop: Merchant, biz: dict[str, Any]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    biz["tokenUrl"] = placed(shop)["tokenUrl"]
    return biz, [call(shop, "acquire2/getCashierUrlInfo", biz)]


def _payer(
    gw: Gateway, shop: Merchant, biz: dict[str, Any]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    name_order(biz, placed(shop))
    return biz, [call(shop, "acquire2/getOrderPayer", biz)]


def _page(operation: str) -> Run:
    def run(
        gw: Gateway, shop: Merchant, biz: dict[str, Any]
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        return biz, [call(shop, operation, biz)]  # as written: the sample's day is empty

    return run


def _refund(
    gw: Gateway, shop: Merchant, biz: dict[str, Any]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    number = "R" + fresh_no()
    biz["refundMerchantOrderNo" if "refundMerchantOrderNo" in biz else "merchantOrderNo"] = number
    origin = paid(gw, shop)
    if "originOrderNo" in biz:
        biz["originOrderNo"] = origin["orderNo"]
    else:
        biz["originMerchantOrderNo"] = origin["merchantOrderNo"]
    first = call(shop, "acquire2/refund/placeOrder", biz)
    again = call(shop, "acquire2/refund/getOrder", {"refundMerchantOrderNo": number})
    return biz, [first, again]


def _get_refund(
    gw: Gateway, shop: Merchant, biz: dict[str, Any]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    number = "R" + fresh_no()
    origin = paid(gw, shop)["merchantOrderNo"]
    refund = call(
        shop,
        "acquire2/refund/placeOrder",
        {
            "refundMerchantOrderNo": number,
            "originMerchantOrderNo": origin,
            "amount": {"amount": Decimal("0.50"), "currency": "AED"},
        },
    )["refundOrder"]
    if "orderNo" in biz:
        biz["orderNo"] = refund["orderNo"]
    else:
        biz["refundMerchantOrderNo"] = number
    return biz, [call(shop, "acquire2/refund/getOrder", biz)]


RUNS: dict[str, Run] = {
    "acquire2/placeOrder": _place,
    "acquire2/getOrder": _on_order("acquire2/getOrder", stored=False),
    "acquire2/cancelOrder": _on_order("acquire2/cancelOrder", stored=True),
    "acquire2/revokeOrder": _on_order("acquire2/revokeOrder", stored=True),
    "acquire2/updateExpiredTime": _on_order("acquire2/updateExpiredTime", stored=True),
    "acquire2/getCashierUrlInfo": _cashier,
    "acquire2/getOrderPayer": _payer,
    "acquire2Query/queryOrderPage": _page("acquire2Query/queryOrderPage"),
    "acquire2Query/queryRefundOrderPage": _page("acquire2Query/queryRefundOrderPage"),
    "acquire2/refund/placeOrder": _refund,
    "acquire2/refund/getOrder": _get_refund,
}

SAMPLES = request_samples()


def variant(sample: Sample) -> Sample | None:
    """The sample with its other documented names: orderNo for merchantOrderNo (the
    "either, not both" rule), a refund named refundMerchantOrderNo with originOrderNo and
    every optional field the refund page documents."""
    biz = copy.deepcopy(sample.biz)
    if sample.operation == "acquire2/refund/placeOrder":
        biz["refundMerchantOrderNo"] = biz.pop("merchantOrderNo")
        biz["originOrderNo"] = biz.pop("originMerchantOrderNo")
        biz |= {
            "notifyUrl": "https://merchant.example.com/refunds",
            "deviceId": "POS-7",
            "secondaryMerchantId": "SUB-0001",
        }
    elif sample.operation == "acquire2/refund/getOrder":
        biz["orderNo"] = biz.pop("refundMerchantOrderNo")
    elif "merchantOrderNo" in biz and "orderNo" in ECHOES[sample.operation] | REQUEST_ONLY.get(
        sample.operation, {}
    ):
        biz["orderNo"] = biz.pop("merchantOrderNo")
        biz.pop("deviceId", None)  # the POS lookup goes with merchantOrderNo
    else:
        return None
    return Sample(f"{sample.page} (other names)", sample.operation, biz)


VARIANTS = [v for v in map(variant, SAMPLES) if v is not None]


def full_orders(payee_mid: str) -> list[dict[str, Any]]:
    """placeOrder with every documented field set, beyond the page's one sample: the
    accessoryContent is retrieve-order-detail.mdx's response sample (location, tips, ...)."""
    response_sample = next(
        value
        for block in re.findall(
            r"```json\n(.*?)```",
            (REFERENCE / "3_Payment/retrieve-order-detail.mdx").read_text(),
            re.S,
        )
        for value in _objects(block)
        if isinstance(value, dict) and "body" in value
    )
    accessory = response_sample["body"]["acquireOrder"]["accessoryContent"]
    common = {
        "subject": "Everything documented",
        "subjectAr": "موضوع الاختبار",
        "riskInfo": "low-risk repeat customer",
        "totalAmount": {"amount": Decimal("100.00"), "currency": "AED"},
        "expiredTime": now_ms() + HOUR,
        "payeeMid": payee_mid,
        "notifyUrl": "https://merchant.example.com/notify",
        "secondaryMerchantId": "SUB-0001",
        "deviceId": "mock_device_001",
        "reserved": "June campaign order.",
        "promotionInfoList": [
            {"appliedRewardId": "REWARD_001", "settleFlag": "YES"},
            {"appliedRewardId": "REWARD_002", "settleFlag": "NO"},
        ],
        "agreementInfo": {
            "agreementType": "RECURRING",
            "numberOfPayments": 12,
            "amountVariability": "FIXED",
            "expiryDate": "2027-12-31",
            "paymentFrequency": "MONTHLY",
            "minimumDaysBetweenPayments": 28,
        },
        "accessoryContent": {**accessory, "reserved": "gift wrap, no invoice"},
    }
    jsapi = {
        "paySceneCode": "JSAPI",
        "paySceneParams": {"payerMid": PAYER_WALLET, "oneTimePayment": "true"},
    }
    dynqr = {
        "paySceneCode": "DYNQR",
        "paySceneParams": {
            "changePayer": "false",
            "oneTimePayment": "false",
            "email": "customer@payment.com",
            "eid": EID,
        },
    }
    return [copy.deepcopy({**common, **jsapi}), copy.deepcopy({**common, **dynqr})]


# --- the tests -------------------------------------------------------------------------


def test_the_reference_has_a_request_sample_for_every_operation() -> None:
    assert {sample.operation for sample in SAMPLES} == OPERATIONS
    assert set(ECHOES) == set(RUNS) == OPERATIONS


@pytest.mark.parametrize("sample", SAMPLES + VARIANTS, ids=lambda s: f"{s.page}:{s.operation}")
def test_each_sample_field_comes_back(gateway: Gateway, shop: Merchant, sample: Sample) -> None:
    # The sharing fields are the sharing tests' (their identities must be encrypted for
    # this gateway's key; the samples' are for Botim Money's): sent without them here.
    biz = {name: value for name, value in sample.biz.items() if name not in SHARING}
    biz, bodies = RUNS[sample.operation](gateway, shop, copy.deepcopy(biz))
    check_round_trip(sample.operation, biz, bodies)


def test_every_documented_place_order_field_comes_back(gateway: Gateway, shop: Merchant) -> None:
    for biz in full_orders(shop.partner_id):
        biz, bodies = _place(gateway, shop, biz)
        check_round_trip("acquire2/placeOrder", biz, bodies)


def test_every_mapped_field_is_sent() -> None:
    """Each entry of ECHOES and REQUEST_ONLY is exercised by a sample, a variant or a
    full order: the map holds no field that is never checked."""
    sent: dict[str, set[str]] = {operation: set() for operation in OPERATIONS}
    for sample in SAMPLES + VARIANTS:
        sent[sample.operation] |= {path for path, _, _ in leaves(sample.biz)}
    for biz in full_orders("200000000888"):
        sent["acquire2/placeOrder"] |= {path for path, _, _ in leaves(biz)}
    for operation in OPERATIONS:
        mapped = set(ECHOES[operation]) | set(REQUEST_ONLY.get(operation, {}))
        assert mapped <= sent[operation], (operation, sorted(mapped - sent[operation]))


@pytest.mark.parametrize(
    ("page", "operation", "extra"),
    [
        (
            "3_Payment/create-order.mdx",
            "acquire2/placeOrder",
            ("3_Payment/OrderCreation/_jsapi.md", "3_Payment/OrderCreation/_dynqr.md"),
        ),
        ("3_Payment/retrieve-order-detail.mdx", "acquire2/getOrder", ()),
        ("3_Payment/cancel-order.mdx", "acquire2/cancelOrder", ()),
        ("3_Payment/order-revoke.mdx", "acquire2/revokeOrder", ()),
        ("3_Payment/adjust-order-expiry-time.mdx", "acquire2/updateExpiredTime", ()),
        ("3_Payment/get-cashier-url.mdx", "acquire2/getCashierUrlInfo", ()),
        ("3_Payment/retrieve-order-payer.mdx", "acquire2/getOrderPayer", ()),
        ("3_Payment/query-order-page.mdx", "acquire2Query/queryOrderPage", ()),
        ("4_Refund/query-refund-order-page.mdx", "acquire2Query/queryRefundOrderPage", ()),
        ("4_Refund/order-refund.mdx", "acquire2/refund/placeOrder", ()),
        ("4_Refund/order-refund-query.mdx", "acquire2/refund/getOrder", ()),
    ],
)
def test_every_documented_name_is_mapped(page: str, operation: str, extra: tuple[str, ...]) -> None:
    """Each name a page's request body documents is echoed, request-only or not a field
    (the JSAPI and DYNQR scene parameters: the scenes this gateway offers)."""
    segments = {
        step.removesuffix("[]")
        for path in (*ECHOES[operation], *REQUEST_ONLY.get(operation, {}), *SHARING)
        for step in path.split(".")
    }
    missing = documented_names(page, extra) - segments - set(NOT_FIELDS)
    missing -= {
        "withholdAndRemitFee",
        "sharingIdentitySeqId",
        "sharingIdentityType",
        "sharingIdentity",
        "sharingMemo",
        "sharingAmount",
    }  # SHARING's items
    assert not missing, f"{page}: documented but neither echoed nor request-only: {missing}"


def test_unknown_fields_are_still_accepted(shop: Merchant) -> None:
    biz = jsapi_order(
        futureField="ignored",
        accessoryContent={"terminalDetail": {"storeId": "S1", "newThing": 1}, "other": {}},
        agreementInfo={"agreementType": "OTHER", "laterField": True},
    )
    order = call(shop, "acquire2/placeOrder", biz)["acquireOrder"]
    assert order["accessoryContent"]["terminalDetail"] == {"storeId": "S1"}
    assert "futureField" not in order
    assert "other" not in order["accessoryContent"]
    got = call(shop, "acquire2/getOrder", {"merchantOrderNo": biz["merchantOrderNo"], "x": 1})
    assert got["acquireOrder"]["orderNo"] == order["orderNo"]


def test_agreement_info_is_kept_with_the_order(shop: Merchant) -> None:
    """Not echoed (the reference documents no echo), but part of what makes a repeat the
    same order: another agreementInfo under the same merchantOrderNo is 62016."""
    agreement = {"agreementType": "UNSCHEDULED", "minimumDaysBetweenPayments": 7}
    biz = jsapi_order(agreementInfo=agreement)
    first = call(shop, "acquire2/placeOrder", biz)["acquireOrder"]
    assert call(shop, "acquire2/placeOrder", biz)["acquireOrder"]["orderNo"] == first["orderNo"]
    changed = shop.call(
        "acquire2/placeOrder",
        {**biz, "agreementInfo": {**agreement, "minimumDaysBetweenPayments": 8}},
    )
    assert (changed.apply_status, changed.code) == ("SUCCESS", "62016"), changed.json


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"accessoryContent": {"reserved": "x" * 201}}, "accessoryContent.reserved"),
        (
            {"accessoryContent": {"terminalDetail": {"location": "x" * 201}}},
            "accessoryContent.terminalDetail.location",
        ),
        (
            {"accessoryContent": {"terminalDetail": {"location": 5}}},
            "accessoryContent.terminalDetail.location",
        ),
        ({"agreementInfo": {"agreementType": "WEEKLY"}}, "agreementInfo.agreementType"),
        ({"agreementInfo": {"numberOfPayments": 1000}}, "agreementInfo.numberOfPayments"),
        ({"agreementInfo": {"numberOfPayments": "12"}}, "agreementInfo.numberOfPayments"),
        (
            {"agreementInfo": {"minimumDaysBetweenPayments": 0}},
            "agreementInfo.minimumDaysBetweenPayments",
        ),
        ({"agreementInfo": {"amountVariability": "SOMETIMES"}}, "agreementInfo.amountVariability"),
        ({"agreementInfo": {"paymentFrequency": "HOURLY"}}, "agreementInfo.paymentFrequency"),
        ({"agreementInfo": {"expiryDate": "2027-13-01"}}, "agreementInfo.expiryDate"),
        ({"agreementInfo": {"expiryDate": "20271201"}}, "agreementInfo.expiryDate"),
        (
            {"agreementInfo": {"agreementType": "RECURRING", "numberOfPayments": 3}},
            "amountVariability, expiryDate, paymentFrequency",
        ),
        ({"agreementInfo": "monthly"}, "agreementInfo"),
    ],
)
def test_new_fields_are_validated(shop: Merchant, fields: dict[str, Any], named: str) -> None:
    response: ApiResponse = shop.call("acquire2/placeOrder", jsapi_order(**fields))
    assert_invalid(response, named)
