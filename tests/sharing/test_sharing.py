"""Split payments end to end: placeOrder resolves and checks sharing members, the
payment credits each member's share, settlement makes it available, refunds take it
back per member, and `botimpay ledger check` agrees at every step."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from botimpay.web.schemas import OrderResponse, RefundResponse
from tests.harness import Gateway, Merchant, loads_exact, now_ms, order_no
from tests.refunds import (
    GET,
    PLACE,
    aed,
    assert_ledger_ok,
    at_once,
    body_of,
    get_order,
    invalid,
    member,
    money,
    pay,
    place,
    refund,
    refund_ok,
    refused,
    settle_one,
)
from tests.sharing import encrypt, moved, share, snapshot

PAYER = 5
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "reference" / "create-order-request.json"
A, B = member(1), member(2)
PEND, AVAIL = "SHARING_PENDING", "SHARING_AVAILABLE"


@pytest.fixture(scope="module")
def partner(gateway: Gateway) -> Merchant:
    """A second merchant: a sharing member by its partner id."""
    return gateway.add_merchant()


def infos(order: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {item["sharingIdentitySeqId"]: item for item in order["sharingInfoList"]}


def paid_with_shares(
    gateway: Gateway, merchant: Merchant, total: str, shares: list[dict[str, Any]]
) -> dict[str, Any]:
    placed = place(merchant, total, sharingParamList=shares)
    return pay(gateway, placed["orderNo"], PAYER)


# --- the documented sample -----------------------------------------------------------------


def test_documented_sample_splits_and_settles(gateway: Gateway, merchant: Merchant) -> None:
    """create-order.mdx's request sample with its identities encrypted for this gateway
    and the total of the documented response (_response-example.md: AED 10, 1 + 1)."""
    biz = json.loads(SAMPLE.read_text(), parse_float=Decimal)["bizContent"]
    biz["merchantOrderNo"] = order_no()
    biz["totalAmount"] = money("10")
    first, second = biz["sharingParamList"]
    first["sharingIdentity"] = encrypt(merchant, "+971-560000001")  # PHONE_NO of wallet 1
    second["sharingIdentity"] = encrypt(merchant, B)  # MEMBER_ID of wallet 2
    refs = [(PEND, A), (PEND, B), (AVAIL, A), (AVAIL, B), ("MERCHANT_PENDING", merchant.partner_id)]
    before = snapshot(gateway, *refs)

    placed = body_of(merchant.call(PLACE, biz))["acquireOrder"]
    shares = infos(placed)
    assert (shares[1]["sharingMid"], shares[2]["sharingMid"]) == (A, B)
    assert [shares[i]["sharingMemo"] for i in (1, 2)] == ["bouns", "cashback"]
    assert aed(shares[1]["sharingSettledAmount"]) == 0  # nothing received before payment

    pay(gateway, placed["orderNo"], PAYER)
    response = merchant.call(GET, {"orderNo": placed["orderNo"]})
    OrderResponse.model_validate(loads_exact(response.raw))  # the SDK's AcquireOrder shape
    paid = body_of(response)["acquireOrder"]
    assert aed(paid["paymentInfo"]["settlementAmount"]) == Decimal("7.97")  # the merchant's
    for seq in (1, 2):
        assert aed(infos(paid)[seq]["sharingAmount"]) == 1
        assert aed(infos(paid)[seq]["sharingSettledAmount"]) == 1
        assert aed(infos(paid)[seq]["sharingSettledFeeAmount"]) == 0
        assert infos(paid)[seq]["withholdAndRemitFee"] is False
    # fee 0.03 on 10.00 is the merchant's: it keeps 10 - 2 - 0.03
    assert moved(before, gateway) == {
        (PEND, A): 1,
        (PEND, B): 1,
        (AVAIL, A): 0,
        (AVAIL, B): 0,
        ("MERCHANT_PENDING", merchant.partner_id): Decimal("7.97"),
    }
    assert_ledger_ok(gateway)

    assert settle_one(gateway, placed["orderNo"]) == 1
    assert get_order(merchant, placed["orderNo"])["status"] == "SETTLED"
    assert moved(before, gateway) == {
        (PEND, A): 0,
        (PEND, B): 0,
        (AVAIL, A): 1,
        (AVAIL, B): 1,
        ("MERCHANT_PENDING", merchant.partner_id): 0,
    }
    assert_ledger_ok(gateway)


def test_sample_ciphertext_is_not_ours_400(merchant: Merchant) -> None:
    """The sample's ciphertexts were made with another key: a 400 naming the field."""
    text = SAMPLE.read_text().replace("1581404947666", str(now_ms()))
    response = merchant.post_raw(PLACE, text.replace("M965739182419", order_no()).encode())
    invalid(response, "bizContent.sharingParamList[0].sharingIdentity", "decrypt")


# --- refusals at placeOrder ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "identity"),
    [("MEMBER_ID", "199999999999"), ("PHONE_NO", "+971-509999999"), ("MEMBER_ID", "abc")],
)
def test_unknown_member_is_62083(merchant: Merchant, kind: str, identity: str) -> None:
    shares = [share(merchant, 1, A, "1.00"), share(merchant, 2, identity, "1.00", kind)]
    response = merchant.place_order(sharingParamList=shares)
    refused(response, "62083")
    assert response.msg.startswith("SHARING_MEMBER_NOT_EXIST"), response.json
    assert "bizContent.sharingParamList[1].sharingIdentity" in response.msg


@pytest.mark.parametrize(
    "identity",
    ["not base64 at all!", "QUJD", "A" * 344],  # not base64; too short; 256 bytes of zeros
)
def test_bad_ciphertext_is_400_naming_the_field(merchant: Merchant, identity: str) -> None:
    item = share(merchant, 1, A, "1.00") | {"sharingIdentity": identity}
    invalid(merchant.place_order(sharingParamList=[item]), "sharingParamList[0].sharingIdentity")


def test_identity_for_another_merchant_is_400(merchant: Merchant, partner: Merchant) -> None:
    item = share(partner, 1, A, "1.00")  # encrypted with the other merchant's gateway key
    invalid(merchant.place_order(sharingParamList=[item]), "sharingParamList[0].sharingIdentity")


def test_shares_must_fit_the_order(merchant: Merchant, partner: Merchant) -> None:
    # 12.34 less its fee 0.04 leaves 12.30 to share
    over = [share(merchant, 1, A, "10.00"), share(merchant, 2, B, "2.31")]
    invalid(merchant.place_order(sharingParamList=over), "bizContent.sharingParamList")
    merchant.place_order(sharingParamList=[*over[:1], share(merchant, 2, B, "2.30")]).assert_ok()
    # a withholder pays the fee 0.04 out of its share
    small = share(merchant, 1, partner.partner_id, "0.03", withholdAndRemitFee=True)
    invalid(merchant.place_order(sharingParamList=[small]), "sharingParamList[0].sharingAmount")
    # the payee cannot share with itself
    itself = share(merchant, 1, merchant.partner_id, "1.00")
    invalid(merchant.place_order(sharingParamList=[itself]), "sharingParamList[0].sharingIdentity")


def test_repeat_with_fresh_ciphertext_is_the_same_order(merchant: Merchant) -> None:
    number = order_no()
    first = merchant.place_order(
        merchantOrderNo=number, sharingParamList=[share(merchant, 1, A, "1")]
    )
    again = merchant.place_order(
        merchantOrderNo=number, sharingParamList=[share(merchant, 1, A, "1")]
    )
    assert first.assert_ok().order["orderNo"] == again.assert_ok().order["orderNo"]
    other = merchant.place_order(
        merchantOrderNo=number, sharingParamList=[share(merchant, 1, B, "1")]
    )
    refused(other, "62016")


# --- withholdAndRemitFee ---------------------------------------------------------------------


def test_withholder_pays_the_whole_fee(
    gateway: Gateway, merchant: Merchant, partner: Merchant
) -> None:
    shares = [
        share(merchant, 1, A, "10.00"),
        share(merchant, 2, partner.partner_id, "5.00", withholdAndRemitFee=True),
    ]
    refs = [(PEND, A), (PEND, partner.partner_id), ("MERCHANT_PENDING", merchant.partner_id)]
    before = snapshot(gateway, *refs)
    paid = paid_with_shares(gateway, merchant, "100.00", shares)
    acquired = get_order(merchant, paid["orderNo"])
    assert aed(acquired["paymentInfo"]["settlementAmount"]) == Decimal("85.00")
    got = infos(acquired)
    assert (aed(got[1]["sharingSettledAmount"]), aed(got[1]["sharingSettledFeeAmount"])) == (
        Decimal("10.00"),
        0,
    )
    assert (aed(got[2]["sharingSettledAmount"]), aed(got[2]["sharingSettledFeeAmount"])) == (
        Decimal("4.70"),
        Decimal("0.30"),
    )
    assert got[2]["withholdAndRemitFee"] is True
    assert got[2]["sharingMid"] == partner.partner_id
    assert moved(before, gateway) == {
        (PEND, A): Decimal("10.00"),
        (PEND, partner.partner_id): Decimal("4.70"),
        ("MERCHANT_PENDING", merchant.partner_id): Decimal("85.00"),
    }
    # refunds of such an order are proportional only
    listed = [share(merchant, 1, A, "1.00")]
    refused(
        refund(merchant, paid, "10.00", refundSharingAmount=True, sharingParamList=listed), "62084"
    )
    body = refund_ok(merchant, paid, "100.00", refundSharingAmount=True)
    back = {
        i["sharingIdentitySeqId"]: aed(i["sharingSettledAmount"])
        for i in body["refundOrder"]["sharingInfoList"]
    }
    assert back == {1: Decimal("10.00"), 2: Decimal("5.00")}
    assert all(v == 0 for v in moved(before, gateway).values())
    assert_ledger_ok(gateway)


# --- refunds ---------------------------------------------------------------------------------


def test_proportional_refund_then_settled_refund(gateway: Gateway, merchant: Merchant) -> None:
    refs = [(PEND, A), (PEND, B), (AVAIL, A), (AVAIL, B)]
    before = snapshot(gateway, *refs)
    paid = paid_with_shares(
        gateway,
        merchant,
        "100.00",
        [share(merchant, 1, A, "20.00"), share(merchant, 2, B, "10.00")],
    )
    # half back: fee 0.15 from the gateway, 49.85 from merchant 69.70 / A 20 / B 10 by half
    body = refund_ok(merchant, paid, "50.00", refundSharingAmount=True)
    assert body["refundOrder"]["refundSharingAmount"] is True
    assert moved(before, gateway) == {(PEND, A): 10, (PEND, B): 5, (AVAIL, A): 0, (AVAIL, B): 0}
    assert settle_one(gateway, paid["orderNo"]) == 1
    assert moved(before, gateway) == {(PEND, A): 0, (PEND, B): 0, (AVAIL, A): 10, (AVAIL, B): 5}
    # after settlement the rest comes from the available balances
    refund_ok(merchant, paid, "50.00", refundSharingAmount=True)
    assert all(v == 0 for v in moved(before, gateway).values())
    assert_ledger_ok(gateway)


def test_refund_split_per_member(gateway: Gateway, merchant: Merchant) -> None:
    refs = [(PEND, A), (PEND, B), ("MERCHANT_PENDING", merchant.partner_id)]
    paid = paid_with_shares(
        gateway,
        merchant,
        "100.00",
        [share(merchant, 1, A, "20.00"), share(merchant, 2, B, "10.00")],
    )
    before = snapshot(gateway, *refs)
    listed = [share(merchant, 2, B, "4.00")]
    response = refund(merchant, paid, "10.00", refundSharingAmount=True, sharingParamList=listed)
    RefundResponse.model_validate(loads_exact(response.raw))  # the documented shape, no more
    body = body_of(response)
    left = {
        i["memeberId"]: aed(i["remainRefundAmount"])
        for i in body["refundSummary"]["sharingRemainRefundInfoList"]
    }
    assert left == {A: Decimal("20.00"), B: Decimal("6.00")}
    back = {
        i["sharingMid"]: aed(i["sharingSettledAmount"])
        for i in body["refundOrder"]["sharingInfoList"]
    }
    assert back == {A: 0, B: Decimal("4.00")}
    # fee share 0.03; the merchant gives 10 - 0.03 - 4
    assert moved(before, gateway) == {
        (PEND, A): 0,
        (PEND, B): -4,
        ("MERCHANT_PENDING", merchant.partner_id): Decimal("-5.97"),
    }
    # without refundSharingAmount the merchant alone gives back
    refund_ok(merchant, paid, "1.00", sharingParamList=listed)
    assert moved(before, gateway)[(PEND, B)] == -4
    # mismatches: a seq id the order lacks, or another member under a seq id
    for wrong in ([share(merchant, 9, B, "1.00")], [share(merchant, 1, B, "1.00")]):
        response = refund(merchant, paid, "5.00", refundSharingAmount=True, sharingParamList=wrong)
        refused(response, "62084")
        assert "sharingParamList[0]" in response.msg
    # B holds 6.00 of it now: 7.00 is an over-refund of that member
    too_much = [share(merchant, 2, B, "7.00")]
    response = refund(merchant, paid, "8.00", refundSharingAmount=True, sharingParamList=too_much)
    refused(response, "62006")
    # members asked for more than the refund (less its fee share)
    response = refund(
        merchant,
        paid,
        "0.50",
        refundSharingAmount=True,
        sharingParamList=[share(merchant, 2, B, "1.00")],
    )
    refused(response, "62006")
    bad = share(merchant, 1, A, "1.00") | {"sharingIdentity": "QUJD"}
    invalid(
        refund(merchant, paid, "5.00", refundSharingAmount=True, sharingParamList=[bad]),
        "bizContent.sharingParamList[0].sharingIdentity",
    )
    assert_ledger_ok(gateway)


def test_revoke_takes_every_share_back(gateway: Gateway, merchant: Merchant) -> None:
    refs = [(PEND, A), (PEND, B)]
    before = snapshot(gateway, *refs)
    paid = paid_with_shares(
        gateway, merchant, "40.00", [share(merchant, 1, A, "3.33"), share(merchant, 2, B, "6.67")]
    )
    body_of(merchant.call("acquire2/revokeOrder", {"orderNo": paid["orderNo"]}))
    assert moved(before, gateway) == {(PEND, A): 0, (PEND, B): 0}
    assert (
        body_of(merchant.call(GET, {"orderNo": paid["orderNo"]}))["acquireOrder"]["revoked"]
        == "true"
    )
    assert_ledger_ok(gateway)


def test_refunds_at_once_never_over_refund_a_member(gateway: Gateway, merchant: Merchant) -> None:
    """Ten refunds of 10.00 fit the order, but each asks A for 5.00 of its 20.00: four win."""
    paid = paid_with_shares(gateway, merchant, "100.00", [share(merchant, 1, A, "20.00")])
    before = snapshot(gateway, (PEND, A))
    listed = [share(merchant, 1, A, "5.00")]

    def call(number: int) -> Any:
        return lambda client: refund(
            client,
            paid,
            "10.00",
            f"R{number}-{order_no()}",
            refundSharingAmount=True,
            sharingParamList=listed,
        )

    answers = at_once(merchant, [call(i) for i in range(10)])
    codes = sorted(a.code for a in answers)
    assert codes == ["0"] * 4 + ["62006"] * 6, [a.json for a in answers]
    assert moved(before, gateway) == {(PEND, A): Decimal("-20.00")}
    assert_ledger_ok(gateway)
