"""The fuzzed merchant API operations: every bizContent field, a strategy of
plausible values for it, and what the request models make of a hostile one.

Field lists follow src/botimpay/protocol/requests.py and refund_requests.py (and the
reference pages under 3_Payment and 4_Refund). A drawn bizContent comes with
`expect_invalid`: True only when the answer must be `400 INVALID_PARAMETER`
(a field of the wrong JSON type or length, a required field missing or null, the
"exactly one of" rules broken, unstorable text, a repeated key).
"""

from __future__ import annotations

import string
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from tests.fuzz.jsonfuzz import (
    HOUR_MS,
    MINUTE_MS,
    RTL_SAMPLES,
    Now,
    Pairs,
    Raw,
    hostile_json,
    hostile_text,
    int_value,
    json_kind,
    must_refuse,
    one_in,
)

MISSING = object()


@dataclass(frozen=True)
class Seeds:
    """Real objects of the fuzz merchant, so drawn requests reach past "not found"."""

    merchant_order_nos: tuple[str, ...]
    order_nos: tuple[str, ...]
    refund_merchant_order_nos: tuple[str, ...]
    refund_order_nos: tuple[str, ...]
    token_urls: tuple[str, ...]

    def __repr__(self) -> str:  # shown in every failing example
        return f"Seeds({len(self.order_nos)} orders, {len(self.refund_order_nos)} refund)"


@dataclass(frozen=True)
class Field:
    """One bizContent field. kind: text, money, timestamp, flag, object, list or loose
    (no expectation). required: missing or null is a 400; nullable: null is allowed."""

    name: str
    kind: str
    valid: Callable[[Seeds], st.SearchStrategy[Any]]
    max_len: int | None = None
    required: bool = False
    nullable: bool = True

    def definitely_invalid(self, value: Any) -> bool:
        """True when the request model must refuse `value` for this field."""
        if value is MISSING:
            return self.required
        kind = json_kind(value)
        if kind == "invalid":
            return True
        if kind == "null":
            return self.required or not self.nullable
        if self.kind == "text":
            if kind != "string":
                return True
            too_long = self.max_len is not None and len(value) > self.max_len
            return too_long or (self.required and value == "")
        if self.kind == "money":
            return kind != "object"
        if self.kind == "timestamp":
            number = int_value(value)
            return number is None or not 0 < number < 10**14
        if self.kind == "flag":
            if kind == "bool":
                return False
            return kind != "string" or value.strip().lower() not in ("true", "false")
        if self.kind == "object":
            return kind != "object"
        if self.kind == "list":
            return kind != "array"
        return False


@dataclass(frozen=True)
class Operation:
    path: str
    fields: tuple[Field, ...]
    # Cross-field rules of the model: True when the (present, well-typed) values break them.
    rule: Callable[[dict[str, Any]], bool] = field(default=lambda values: False)
    # Groups of fields of which a plausible request gives exactly one.
    exclusive: tuple[tuple[str, str], ...] = ()


# --- plausible values ------------------------------------------------------------------------

ORDER_ALPHABET = string.ascii_letters + string.digits + "-_"


def _order_no(seeds: tuple[str, ...], max_size: int) -> st.SearchStrategy[str]:
    fresh = st.text(ORDER_ALPHABET, min_size=1, max_size=max_size)
    return st.one_of(st.sampled_from(seeds), fresh) if seeds else fresh


def _amount() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100.00"), places=2),
        st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999999999999.99"), places=2),
        st.integers(min_value=1, max_value=10**12),
        st.sampled_from(
            [
                Raw("1E+1", "number"),
                Raw("0.1", "number"),
                Raw("10.50", "number"),
                Raw("0.001", "number"),
                Raw("0", "number"),
                Raw("-1", "number"),
                Raw("1e999", "number"),
                Raw("1234567890123", "number"),
                "12.34",
                "1E+1",
            ]
        ),
    )


def money(_: Seeds | None = None) -> st.SearchStrategy[Any]:
    currency = st.sampled_from(["AED", "AED", "AED", "AED", "aed", "USD", "AED ", ""])
    plain = st.fixed_dictionaries({"amount": _amount(), "currency": currency})
    extra = st.fixed_dictionaries(
        {"amount": _amount(), "currency": currency}, optional={"value": st.integers()}
    )
    no_currency = st.fixed_dictionaries({"amount": _amount()})
    return st.one_of(plain, plain, plain, extra, no_currency)


def timestamp(_: Seeds | None = None) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.builds(Now, st.integers(min_value=-HOUR_MS, max_value=50 * HOUR_MS)),
        st.sampled_from(
            [Now(0), Now(MINUTE_MS), Now(2 * HOUR_MS), Now(48 * HOUR_MS), Now(49 * HOUR_MS)]
        ),
        st.integers(min_value=1, max_value=10**14 - 1),
    )


def text(max_size: int, min_size: int = 0) -> Callable[[Seeds], st.SearchStrategy[Any]]:
    def strategy(_: Seeds) -> st.SearchStrategy[Any]:
        return st.one_of(
            st.text(string.printable, min_size=min_size, max_size=max_size),
            st.sampled_from([s for s in RTL_SAMPLES if min_size <= len(s) <= max_size]),
        )

    return strategy


def flag(_: Seeds) -> st.SearchStrategy[Any]:
    return st.sampled_from([True, False, "true", "false", "TRUE", " False ", "yes", 1])


def notify_url(_: Seeds) -> st.SearchStrategy[Any]:
    # Only unreachable local targets: a notification must never leave the machine.
    return st.builds(
        lambda path: "http://127.0.0.1:9/" + path, st.text(ORDER_ALPHABET, max_size=40)
    )


def scene_code(_: Seeds) -> st.SearchStrategy[Any]:
    return st.sampled_from(
        ["JSAPI", "JSAPI", "JSAPI", "DYNQR", "DYNQR", "PAYPAGE", "INAPP", "jsapi", "QRPAY", ""]
    )


def scene_params(_: Seeds) -> st.SearchStrategy[Any]:
    value = st.one_of(flag(_), hostile_json)
    return st.fixed_dictionaries(
        {},
        optional={
            "oneTimePayment": value,
            "payerMid": st.one_of(st.sampled_from(["100000000009", "1"]), hostile_json),
            "changePayer": value,
            "email": st.one_of(st.sampled_from(["a@b.ae", "not-an-email"]), hostile_json),
            "eid": st.one_of(st.just("ab" * 32), hostile_json),
        },
    )


def accessory(_: Seeds) -> st.SearchStrategy[Any]:
    detail_value = st.one_of(hostile_text(), money(), hostile_json)
    detail = st.dictionaries(
        st.sampled_from(
            [
                "amount",
                "vatAmount",
                "tipAmount",
                "discountableAmount",
                "goodsName",
                "goodsId",
                "price",
                "quantity",
                "body",
                "showUrl",
                "storeId",
                "terminalId",
                "merchantName",
            ]
        ),
        detail_value,
        max_size=4,
    )
    return st.fixed_dictionaries(
        {},
        optional={
            "amountDetail": st.one_of(detail, hostile_json),
            "goodsDetail": st.one_of(detail, hostile_json),
            "terminalDetail": st.one_of(detail, hostile_json),
        },
    )


def sharing_list(_: Seeds) -> st.SearchStrategy[Any]:
    item = st.fixed_dictionaries(
        {
            "sharingIdentitySeqId": st.one_of(
                st.integers(min_value=0, max_value=1000), hostile_json
            ),
            "sharingIdentityType": st.one_of(
                st.sampled_from(["PHONE_NO", "MEMBER_ID", "BOTIM_ID"]), hostile_json
            ),
            "sharingIdentity": st.one_of(
                st.sampled_from(["+971560000001", "x" * 344]), hostile_text()
            ),
            "sharingMemo": st.one_of(st.just("memo"), hostile_text()),
            "sharingAmount": st.one_of(money(), hostile_json),
        },
        optional={"withholdAndRemitFee": st.one_of(flag(_), hostile_json)},
    )
    return st.lists(item, max_size=3)


def promotion_list(_: Seeds) -> st.SearchStrategy[Any]:
    item = st.fixed_dictionaries(
        {
            "appliedRewardId": st.one_of(st.just("R1"), hostile_text()),
            "settleFlag": st.one_of(st.just("Y"), hostile_text()),
        }
    )
    return st.lists(item, max_size=2)


def risk_info(_: Seeds) -> st.SearchStrategy[Any]:
    return st.one_of(text(512)(_), st.dictionaries(st.text(max_size=8), hostile_json, max_size=3))


def merchant_order_no(seeds: Seeds) -> st.SearchStrategy[Any]:
    return _order_no(seeds.merchant_order_nos, 64)


def order_no(seeds: Seeds) -> st.SearchStrategy[Any]:
    return _order_no(seeds.order_nos, 32)


def token_url(seeds: Seeds) -> st.SearchStrategy[Any]:
    fresh = st.text(string.printable, min_size=1, max_size=512)
    return st.one_of(st.sampled_from(seeds.token_urls), fresh) if seeds.token_urls else fresh


def refund_merchant_order_no(seeds: Seeds) -> st.SearchStrategy[Any]:
    return _order_no(seeds.refund_merchant_order_nos, 64)


def refund_order_no(seeds: Seeds) -> st.SearchStrategy[Any]:
    return _order_no(seeds.refund_order_nos, 32)


def query_date(_: Seeds) -> st.SearchStrategy[Any]:
    """The page queries' dates: YYYY-MM-DD (the reference) or milliseconds (the Java SDK)."""
    days = st.dates(min_value=date(1970, 1, 1), max_value=date(2100, 12, 31))
    return st.one_of(days.map(date.isoformat), st.integers(min_value=0, max_value=10**14 - 1))


def currency_code(_: Seeds) -> st.SearchStrategy[Any]:
    """member/getBalance's currencyCode: AED (the one it takes), near misses, and text."""
    return st.one_of(
        st.sampled_from(["AED", "aed", "AED ", "USD"]), st.text(string.printable, max_size=32)
    )


def billing_month(_: Seeds) -> st.SearchStrategy[Any]:
    """getInvoice's statementDate: YYYYMM months that are never a PDF for the fuzz merchant
    (onboarded in 2026-12 or later: before it is too early, from 2100 too late), near
    misses, text."""
    months = st.one_of(
        st.integers(min_value=1970 * 12, max_value=2026 * 12 + 10),
        st.integers(min_value=2100 * 12, max_value=10000 * 12 - 1),
    ).map(lambda n: f"{n // 12:04d}{n % 12 + 1:02d}")
    misses = st.sampled_from(["202603", "202613", "202600", "2026-03", "20260301", "１９９９01"])
    return st.one_of(months, misses, st.text(string.printable, max_size=8))


def statement_day(_: Seeds) -> st.SearchStrategy[Any]:
    """getOrderStatement's statementDate: YYYYMMDD days that are never a ZIP for the fuzz
    merchant (onboarded in 2026-12 or later: before it 62013, from 2100 a future day),
    near misses, text."""
    days = st.one_of(
        st.dates(min_value=date(1970, 1, 1), max_value=date(2026, 11, 30)),
        st.dates(min_value=date(2100, 1, 1), max_value=date(9999, 12, 31)),
    ).map(lambda day: day.strftime("%Y%m%d"))
    misses = st.sampled_from(["20200605", "20261341", "2026-12-01", "2026120", "２０２６１２０１"])
    return st.one_of(days, misses, st.text(string.printable, max_size=8))


def statement_version(_: Seeds) -> st.SearchStrategy[Any]:
    return st.sampled_from(["V1", "V2", "v1", "V3", ""])


def business_type(_: Seeds) -> st.SearchStrategy[Any]:
    return st.sampled_from(["MERCHANT", "TAXI", "MULTI_MERCHANT", "merchant", "", "PERSON"])


def evict_cache(_: Seeds) -> st.SearchStrategy[Any]:
    return st.one_of(st.sampled_from(["true", "false", "TRUE", ""]), st.booleans())


def device_ids(_: Seeds) -> st.SearchStrategy[Any]:
    return st.lists(st.one_of(st.just("POS-1"), hostile_text()), max_size=3)


def order_statuses(_: Seeds) -> st.SearchStrategy[Any]:
    names = ["CREATED", "PAID_SUCCESS", "SETTLED", "FAILURE", "SUCCESS", "paid"]
    return st.lists(st.sampled_from(names), max_size=3)


def refund_statuses(_: Seeds) -> st.SearchStrategy[Any]:
    names = ["CREATED", "REFUNDED_SETTLED", "SUCCESS", "FAILURE", "PAID_SUCCESS"]
    return st.lists(st.sampled_from(names), max_size=3)


def sort_page(_: Seeds) -> st.SearchStrategy[Any]:
    size = st.one_of(st.integers(min_value=1, max_value=1000), hostile_json)
    number = st.one_of(st.integers(min_value=0, max_value=2**40), hostile_json)
    return st.fixed_dictionaries({"size": size}, optional={"number": number})


# --- the operations --------------------------------------------------------------------------


def _count_present(values: dict[str, Any], *names: str) -> int:
    return sum(1 for name in names if values.get(name, MISSING) not in (MISSING, None))


def _exactly_one(first: str, second: str) -> Callable[[dict[str, Any]], bool]:
    def rule(values: dict[str, Any]) -> bool:
        return _count_present(values, first, second) != 1

    return rule


def _refund_rule(values: dict[str, Any]) -> bool:
    own = {
        values.get(name)
        for name in ("refundMerchantOrderNo", "merchantOrderNo")
        if isinstance(values.get(name), str) and values.get(name)
    }
    names_ok = all(
        values.get(name, MISSING) in (MISSING, None) or isinstance(values[name], str)
        for name in ("refundMerchantOrderNo", "merchantOrderNo")
    )
    if names_ok and len(own) != 1:
        return True
    return _count_present(values, "originMerchantOrderNo", "originOrderNo") != 1


MERCHANT_ORDER_NO = Field("merchantOrderNo", "text", merchant_order_no, 64)
ORDER_NO = Field("orderNo", "text", order_no, 32)
ORDER_REF = (("merchantOrderNo", "orderNo"),)

OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "acquire2/placeOrder",
        (
            Field("merchantOrderNo", "text", merchant_order_no, 64, required=True, nullable=False),
            Field("subject", "text", text(64, 1), 64, required=True, nullable=False),
            Field("subjectAr", "text", text(200), 200),
            Field("riskInfo", "loose", risk_info),
            Field("totalAmount", "money", money, required=True, nullable=False),
            Field("expiredTime", "timestamp", timestamp),
            Field("payeeMid", "text", text(20), 20),
            Field("paySceneCode", "text", scene_code, 32, required=True, nullable=False),
            Field("paySceneParams", "object", scene_params, nullable=False),
            Field("notifyUrl", "text", notify_url, 200),
            Field("secondaryMerchantId", "text", text(64), 64),
            Field("deviceId", "text", text(200), 200),
            Field("reserved", "text", text(200), 200),
            Field("accessoryContent", "object", accessory, nullable=False),
            Field("sharingParamList", "list", sharing_list, nullable=False),
            Field("promotionInfoList", "list", promotion_list, nullable=False),
        ),
    ),
    Operation(
        "acquire2/getOrder",
        (MERCHANT_ORDER_NO, ORDER_NO, Field("deviceId", "text", text(32), 32)),
        _exactly_one("merchantOrderNo", "orderNo"),
        ORDER_REF,
    ),
    Operation(
        "acquire2/cancelOrder",
        (MERCHANT_ORDER_NO, ORDER_NO),
        _exactly_one("merchantOrderNo", "orderNo"),
        ORDER_REF,
    ),
    Operation(
        "acquire2/updateExpiredTime",
        (
            MERCHANT_ORDER_NO,
            ORDER_NO,
            Field("expiredTime", "timestamp", timestamp, required=True, nullable=False),
        ),
        _exactly_one("merchantOrderNo", "orderNo"),
        ORDER_REF,
    ),
    Operation(
        "acquire2/revokeOrder",
        (MERCHANT_ORDER_NO, ORDER_NO),
        _exactly_one("merchantOrderNo", "orderNo"),
        ORDER_REF,
    ),
    Operation(
        "acquire2/refund/placeOrder",
        (
            Field("refundMerchantOrderNo", "text", refund_merchant_order_no, 64),
            Field("merchantOrderNo", "text", refund_merchant_order_no, 64),
            Field("originMerchantOrderNo", "text", merchant_order_no, 64),
            Field("originOrderNo", "text", order_no, 64),
            Field("amount", "money", money, required=True, nullable=False),
            Field("refundSharingAmount", "flag", flag),
            Field("sharingParamList", "list", sharing_list, nullable=False),
            Field("notifyUrl", "text", notify_url, 200),
            Field("operatorName", "text", text(200), 200),
            Field("reason", "text", text(64), 64),
            Field("deviceId", "text", text(200), 200),
            Field("secondaryMerchantId", "text", text(200), 200),
            Field("reserved", "text", text(200), 200),
        ),
        _refund_rule,
        (("refundMerchantOrderNo", "merchantOrderNo"), ("originMerchantOrderNo", "originOrderNo")),
    ),
    Operation(
        "acquire2/refund/getOrder",
        (
            Field("refundMerchantOrderNo", "text", refund_merchant_order_no, 64),
            Field("orderNo", "text", refund_order_no, 32),
        ),
        _exactly_one("refundMerchantOrderNo", "orderNo"),
        (("refundMerchantOrderNo", "orderNo"),),
    ),
    Operation(
        "acquire2/getOrderPayer",
        (MERCHANT_ORDER_NO, ORDER_NO),
        _exactly_one("merchantOrderNo", "orderNo"),
        ORDER_REF,
    ),
    Operation(
        "acquire2/getCashierUrlInfo",
        (Field("tokenUrl", "text", token_url, 512, required=True, nullable=False),),
    ),
    *(
        Operation(
            path,
            (
                Field("startDate", "loose", query_date, required=True, nullable=False),
                Field("endDate", "loose", query_date, required=True, nullable=False),
                Field("deviceIdList", "list", device_ids),
                Field("includeStatusList", "list", statuses),
                Field("sortPageParam", "object", sort_page, required=True, nullable=False),
            ),
        )
        for path, statuses in (
            ("acquire2Query/queryOrderPage", order_statuses),
            ("acquire2Query/queryRefundOrderPage", refund_statuses),
        )
    ),
    Operation(
        "member/getBalance",
        (Field("currencyCode", "text", currency_code, 32, required=True, nullable=False),),
    ),
    Operation(
        "acquire2/download/getOrderStatement",
        (
            Field("statementDate", "text", statement_day, 8, required=True, nullable=False),
            Field("statementVersion", "loose", statement_version),
        ),
    ),
    Operation(
        "acquire2/download/getInvoice",
        (
            Field("statementDate", "text", billing_month, 6, required=True, nullable=False),
            Field("needEvictCache", "loose", evict_cache),
            Field("businessType", "text", business_type, 14),
        ),
    ),
)

BY_PATH = {op.path: op for op in OPERATIONS}

# How many fields of a plausible bizContent are then changed ("all": every one).
_MUTATIONS: list[int | str] = [0, 0, 1, 1, 1, 2, 3, "all"]
_MODES = ["hostile", "hostile", "missing", "null", "valid"]


@dataclass(frozen=True)
class Drawn:
    """A drawn bizContent and whether the request model must refuse it."""

    biz: Any
    expect_invalid: bool


@st.composite
def biz_content(draw: st.DrawFn, operation: Operation, seeds: Seeds) -> Drawn:
    """A plausible bizContent for `operation` (required fields, one of each "exactly
    one" pair, some optional ones), then a few fields (or all) made hostile, left out
    or null; sometimes unknown fields, sometimes a key written twice."""
    chosen = {draw(st.sampled_from(group), label="one of") for group in operation.exclusive}
    left_out = {name for group in operation.exclusive for name in group} - chosen
    values: dict[str, Any] = {}
    for spec in operation.fields:
        if spec.name in left_out:
            continue
        if spec.required or spec.name in chosen or draw(st.booleans(), label=spec.name):
            values[spec.name] = draw(spec.valid(seeds), label=spec.name)
    count = draw(st.sampled_from(_MUTATIONS), label="mutations")
    targets = (
        list(operation.fields)
        if count == "all"
        else [draw(st.sampled_from(operation.fields), label="mutate") for _ in range(int(count))]
    )
    for spec in targets:
        mode = draw(st.sampled_from(_MODES), label=f"{spec.name} becomes")
        if mode == "missing":
            values.pop(spec.name, None)
        elif mode == "null":
            values[spec.name] = None
        elif mode == "valid":
            values[spec.name] = draw(spec.valid(seeds), label=spec.name)
        else:
            values[spec.name] = draw(hostile_json, label=spec.name)
    invalid = any(
        spec.definitely_invalid(values.get(spec.name, MISSING)) for spec in operation.fields
    )
    invalid = invalid or operation.rule(values)
    names = {spec.name for spec in operation.fields}
    extra = (
        draw(st.dictionaries(hostile_text(16), hostile_json, max_size=2), label="extra")
        if draw(one_in(4), label="unknown fields")
        else {}
    )
    for key, item in extra.items():
        if key not in names:
            values[key] = item
    invalid = invalid or must_refuse(values)
    if values and draw(one_in(10), label="repeat a key"):
        key = draw(st.sampled_from(sorted(values)), label="repeated key")
        again = draw(st.one_of(st.just(values[key]), hostile_json), label="second value")
        return Drawn(Pairs((*values.items(), (key, again))), True)
    return Drawn(values, invalid)
