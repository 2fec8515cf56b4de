"""The chargeback and VOID rules as worked examples (pure domain, no gateway)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from botimpay.domain import ledger
from botimpay.domain.chargeback import (
    check_chargeback,
    check_void,
    parse_chargeback,
    parse_void,
)
from botimpay.domain.order import OrderStatus, RecordRefund, transition
from botimpay.domain.refund import accounts_of, fee_share
from botimpay.errors import BusinessError, InvalidParameter
from botimpay.protocol.money import Money
from tests.domain.test_order import T0, order

PAID = {
    "status": OrderStatus.PAID_SUCCESS,
    "total": Money(10_000),
    "payee_fee": Money(30),
    "payer_mid": "100000000001",
    "pay_channel": "BALANCE",
    "paid_time": T0,
}


def test_a_chargeback_of_40_of_a_100_payment_is_posted_like_a_refund() -> None:
    """AED 100.00 paid with a 0.30 fee; AED 40.00 charged back:

    merchant pending   -39.88
    gateway fee income  -0.12
    member wallet      +40.00
    """
    paid = order(**PAID)
    amount = Money.from_decimal(Decimal("40.00"))
    check_chargeback(paid, amount)
    merchant, payer = accounts_of(paid)
    entry = ledger.chargeback_entry(
        paid.order_no,
        "CB1",
        void=False,
        merchant_account=merchant,
        payer=payer,
        amount=amount,
        fee_returned=fee_share(paid, amount),
    )
    assert entry.kind is ledger.EntryKind.CHARGEBACK
    assert {(p.account.kind.value, p.amount.fils) for p in entry.postings} == {
        ("MERCHANT_PENDING", -3988),
        ("FEE_INCOME", -12),
        ("MEMBER_WALLET", 4000),
    }
    after, effects = transition(paid, RecordRefund(amount, fee_share(paid, amount)), T0)
    assert (after.refunded, effects) == (amount, [])
    assert after.unsettled_net == Money(10_000 - 30 - 4000 + 12)  # what settlement moves
    with pytest.raises(BusinessError) as info:
        check_chargeback(after, Money(6001))
    assert info.value.code == "62006"
    check_chargeback(after, Money(6000))


def test_a_settled_card_payment_is_charged_back_from_available_to_card_clearing() -> None:
    settled = order(**{**PAID, "status": OrderStatus.SETTLED, "pay_channel": "CARD"})
    merchant, payer = accounts_of(settled)
    assert (merchant.kind.value, payer) == ("MERCHANT_AVAILABLE", ledger.CARD_CLEARING)


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"status": OrderStatus.CREATED}, "62015"),
        ({"status": OrderStatus.FAILURE, "fail_code": "X"}, "62002"),
        ({"status": OrderStatus.SETTLED}, "62003"),
        ({"refunded": Money(1)}, "62041"),
        ({"details": {"sharingParamList": [{"sharingIdentitySeqId": "1"}]}}, "62045"),
    ],
)
def test_a_void_needs_a_whole_untouched_unsettled_payment(
    changes: dict[str, object], code: str
) -> None:
    with pytest.raises(BusinessError) as info:
        check_void(order(**{**PAID, **changes}), None)
    assert info.value.code == code


def test_a_void_reverses_the_whole_amount_only() -> None:
    paid = order(**PAID)
    assert check_void(paid, None) == Money(10_000)
    assert check_void(paid, Money(10_000)) == Money(10_000)
    with pytest.raises(InvalidParameter, match=r"amount must be the order's full 100\.00 AED"):
        check_void(paid, Money(9_999))
    assert fee_share(paid, Money(10_000)) == Money(30)  # the whole fee goes back


def test_requests_name_the_field_they_refuse() -> None:
    with pytest.raises(InvalidParameter, match="amount is required"):
        parse_chargeback({"orderNo": "1"})
    with pytest.raises(InvalidParameter, match=r"amount\.currency"):
        parse_chargeback({"orderNo": "1", "amount": {"amount": 1, "currency": "EUR"}})
    with pytest.raises(InvalidParameter, match="voidMerchantOrderNo"):
        parse_void({"orderNo": "1", "voidMerchantOrderNo": "x" * 65})
    request = parse_chargeback({"merchantOrderNo": "M1", "partnerId": "2", "amount": "1.5"})
    assert (request.amount, request.case_type) == (Money(150), "DISPUTE")
    assert request.order.merchant_order_no == "M1"


def test_orders_with_sharing_members_are_not_charged_back() -> None:
    shared = order(**PAID, details={"sharingParamList": [{"sharingIdentitySeqId": "1"}]})
    with pytest.raises(BusinessError, match="sharing"):
        check_chargeback(shared, Money(1))
