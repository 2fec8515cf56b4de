"""Worked examples of domain/sharing.py a payments person can check by hand: who gets
what of a payment, of a refund and of a settlement, in fils."""

from __future__ import annotations

import pytest

from botimpay.domain import ledger
from botimpay.domain.sharing import (
    Share,
    allocate,
    at_payment,
    check_fits,
    merchant_left,
    payment_entry,
    refund_entry,
    settlement_entry,
    split_refund,
)
from botimpay.errors import BusinessError, InvalidParameter
from botimpay.protocol.money import Money

PAYER = ledger.wallet("100000000005")


def legs(entry: ledger.Entry | None) -> dict[tuple[str, str], int]:
    assert entry is not None
    return {(p.account.kind.value, p.account.owner_id): p.amount.fils for p in entry.postings}


def shares(*specs: tuple[int, str, int, bool]) -> list[Share]:
    return [Share("O1", seq, mid, "m", Money(fils), withhold) for seq, mid, fils, withhold in specs]


def test_payment_with_a_withholder() -> None:
    """AED 100.00, fee 0.30: A gets 10.00, B 5.00 less the whole fee, the merchant 85.00."""
    booked = at_payment(shares((1, "A", 1000, False), (2, "B", 500, True)), Money(30))
    assert legs(payment_entry("O1", PAYER, "M", Money(10000), Money(30), booked)) == {
        ("MEMBER_WALLET", "100000000005"): -10000,
        ("MERCHANT_PENDING", "M"): 8500,
        ("FEE_INCOME", "GATEWAY"): 30,
        ("SHARING_PENDING", "A"): 1000,
        ("SHARING_PENDING", "B"): 470,
    }


def test_payment_without_a_withholder_the_merchant_pays_the_fee() -> None:
    booked = at_payment(shares((1, "A", 1000, False)), Money(30))
    assert (
        legs(payment_entry("O1", PAYER, "M", Money(10000), Money(30), booked))[
            ("MERCHANT_PENDING", "M")
        ]
        == 8970
    )


def test_shares_that_do_not_fit() -> None:
    with pytest.raises(InvalidParameter, match="exceed"):
        check_fits(Money(1000), Money(3), shares((1, "A", 998, False)))
    check_fits(Money(1000), Money(3), shares((1, "A", 997, False)))
    check_fits(Money(1000), Money(3), shares((1, "A", 1000, True)))  # it pays the fee itself
    with pytest.raises(InvalidParameter, match=r"sharingParamList\[0\].sharingAmount"):
        check_fits(Money(1000), Money(3), shares((1, "A", 2, True)))


def test_allocate_is_exact_and_never_over_a_holding() -> None:
    assert allocate(100, {0: 100, 1: 100, 2: 100}) == {0: 34, 1: 33, 2: 33}
    assert allocate(2, {0: 1, 1: 1, 2: 1}) == {0: 1, 1: 1, 2: 0}
    assert allocate(3, {0: 1, 1: 1, 2: 1}) == {0: 1, 1: 1, 2: 1}
    with pytest.raises(BusinessError):
        allocate(4, {0: 1, 1: 1, 2: 1})


def test_proportional_refund_and_settlement() -> None:
    """AED 100.00 paid, fee 0.30, A 20.00, B 10.00: a 50.00 refund returns the fee's 0.15
    and takes 49.85 from merchant 69.70, A 20.00 and B 10.00 in proportion (half each)."""
    booked = at_payment(shares((1, "A", 2000, False), (2, "B", 1000, False)), Money(30))
    merchant = merchant_left(Money(10000 - 30), booked)
    assert merchant == Money(6970)
    split = split_refund(Money(5000), Money(15), merchant, booked, from_members=True)
    assert (split.merchant, split.refunded) == (3485, {1: 1000, 2: 500})
    entry = refund_entry(
        "O1",
        "R1",
        settled=False,
        partner_id="M",
        payer=PAYER,
        amount=Money(5000),
        fee_refunded=Money(15),
        split=split,
        shares=booked,
    )
    assert legs(entry) == {
        ("MEMBER_WALLET", "100000000005"): 5000,
        ("FEE_INCOME", "GATEWAY"): -15,
        ("MERCHANT_PENDING", "M"): -3485,
        ("SHARING_PENDING", "A"): -1000,
        ("SHARING_PENDING", "B"): -500,
    }
    after = split.applied(booked)
    # the order's net after the refund: 50.00 paid less the fee kept 0.15
    assert legs(settlement_entry("O1", "M", merchant_left(Money(4985), after), after)) == {
        ("MERCHANT_PENDING", "M"): -3485,
        ("MERCHANT_AVAILABLE", "M"): 3485,
        ("SHARING_PENDING", "A"): -1000,
        ("SHARING_AVAILABLE", "A"): 1000,
        ("SHARING_PENDING", "B"): -500,
        ("SHARING_AVAILABLE", "B"): 500,
    }


def test_withholder_gets_its_fee_share_back() -> None:
    """B withheld the fee 0.30 of 5.00 (holds 4.70); a full refund returns the fee to the
    payer from the gateway, so B gives back 4.70 and counts 5.00 refunded."""
    booked = at_payment(shares((1, "A", 1000, False), (2, "B", 500, True)), Money(30))
    merchant = merchant_left(Money(10000 - 30), booked)
    split = split_refund(Money(10000), Money(30), merchant, booked, from_members=True)
    assert (split.merchant, split.refunded, split.fee_back) == (8500, {1: 1000, 2: 500}, {2: 30})
    assert [s.left for s in split.applied(booked)] == [Money(0), Money(0)]


def test_requested_refunds_per_member() -> None:
    booked = at_payment(shares((1, "A", 2000, False)), Money(30))
    merchant = merchant_left(Money(9970), booked)
    split = split_refund(
        Money(1000), Money(3), merchant, booked, from_members=True, requested={1: Money(400)}
    )
    assert (split.merchant, split.refunded) == (597, {1: 400})
    with pytest.raises(BusinessError, match="holds"):
        split_refund(
            Money(3000), Money(9), merchant, booked, from_members=True, requested={1: Money(2001)}
        )
    with pytest.raises(BusinessError, match="exceed"):
        split_refund(
            Money(100), Money(0), merchant, booked, from_members=True, requested={1: Money(101)}
        )
