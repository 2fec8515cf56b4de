"""Worked accounting examples: what every money move does to the books.

Read each test as a small journal. Amounts are AED; a positive leg raises the
account's balance, a negative one lowers it, and every entry sums to zero.
The merchant's fee rate is the gateway default, 0.3 %, rounded half-up to the fils.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest

from botimpay.domain import ledger
from botimpay.domain.fees import payee_fee
from botimpay.domain.ledger import (
    CARD_CLEARING,
    FEE_INCOME,
    SANDBOX_FUNDING,
    AccountKind,
    AccountRef,
    Entry,
    EntryKind,
    InsufficientFunds,
    LedgerError,
    Posting,
    funding_entry,
    merchant_available,
    merchant_pending,
    payment_entry,
    settlement_entry,
    wallet,
)
from botimpay.errors import BotimpayError
from botimpay.protocol.money import Money

RATE = Decimal("0.003")
MEMBER = "100000000008"
SHOP = "200000000888"
ORDER = "131800000000000000001"


def aed(text: str) -> Money:
    return Money.from_decimal(Decimal(text))


def legs(entry: Entry) -> dict[AccountRef, Decimal]:
    """The entry as a journal: account → signed AED amount."""
    journal: dict[AccountRef, Decimal] = {}
    for posting in entry.postings:
        assert posting.account not in journal, f"{posting.account} posted twice"
        journal[posting.account] = posting.amount.amount
    return journal


class Books:
    """A tiny in-memory ledger: applies entries and refuses what the database refuses."""

    def __init__(self) -> None:
        self.balances: Counter[AccountRef] = Counter()

    def post(self, entry: Entry) -> None:
        after = Counter(self.balances)
        for posting in entry.postings:
            after[posting.account] += posting.amount.fils
        for account, fils in after.items():
            if fils < 0 and not account.kind.may_go_negative:
                raise LedgerError(f"{account} would go negative")
        self.balances = after

    def aed(self, account: AccountRef) -> Decimal:
        return Money(self.balances[account]).amount

    def total(self) -> int:
        return sum(self.balances.values())


# --- a wallet payment ------------------------------------------------------------------------


def test_aed_100_wallet_payment_with_a_0_3_percent_fee() -> None:
    gross = aed("100.00")
    fee = payee_fee(gross, RATE)
    assert fee == aed("0.30")

    entry = payment_entry(ORDER, wallet(MEMBER), SHOP, gross, fee)

    #   member wallet            -100.00
    #   merchant pending          +99.70
    #   gateway fee income         +0.30
    assert legs(entry) == {
        wallet(MEMBER): Decimal("-100.00"),
        merchant_pending(SHOP): Decimal("99.70"),
        FEE_INCOME: Decimal("0.30"),
    }
    assert sum(p.amount.fils for p in entry.postings) == 0
    assert entry.kind is EntryKind.PAYMENT
    assert entry.order_no == ORDER
    assert ORDER in entry.memo


@pytest.mark.parametrize(
    ("paid", "exact_fee_in_fils", "fee"),
    [
        ("1.50", "0.45", "0.00"),  # below half a fils: rounds down to nothing
        ("1.66", "0.498", "0.00"),
        ("1.67", "0.501", "0.01"),
        ("4.99", "1.497", "0.01"),
        ("5.00", "1.5", "0.02"),  # exactly half a fils: rounds up
        ("15.00", "4.5", "0.05"),  # half-up, not banker's rounding (which gives 0.04)
        ("35.00", "10.5", "0.11"),  # banker's rounding would give 0.10
        ("12.34", "3.702", "0.04"),
        ("123.45", "37.035", "0.37"),
        ("9999.99", "2999.997", "30.00"),
    ],
)
def test_fees_round_half_up_to_the_fils(paid: str, exact_fee_in_fils: str, fee: str) -> None:
    assert Decimal(aed(paid).fils) * RATE == Decimal(exact_fee_in_fils)
    assert payee_fee(aed(paid), RATE) == aed(fee)


def test_a_payment_too_small_for_a_fee_has_no_fee_leg() -> None:
    # AED 1.50 x 0.3 % = 0.45 fils, rounded to 0: the merchant gets everything.
    gross = aed("1.50")
    entry = payment_entry(ORDER, wallet(MEMBER), SHOP, gross, payee_fee(gross, RATE))
    assert legs(entry) == {
        wallet(MEMBER): Decimal("-1.50"),
        merchant_pending(SHOP): Decimal("1.50"),
    }


def test_half_a_fils_of_fee_becomes_a_whole_fils() -> None:
    # AED 5.00 x 0.3 % = 1.5 fils, rounded half-up to 2 fils.
    gross = aed("5.00")
    entry = payment_entry(ORDER, wallet(MEMBER), SHOP, gross, payee_fee(gross, RATE))
    assert legs(entry) == {
        wallet(MEMBER): Decimal("-5.00"),
        merchant_pending(SHOP): Decimal("4.98"),
        FEE_INCOME: Decimal("0.02"),
    }


# --- a card payment --------------------------------------------------------------------------


def test_card_payment_draws_on_card_clearing_which_goes_negative() -> None:
    books = Books()
    books.post(funding_entry(MEMBER, aed("10000.00")))
    gross = aed("250.00")
    fee = payee_fee(gross, RATE)
    entry = payment_entry(ORDER, CARD_CLEARING, SHOP, gross, fee)

    #   card clearing            -250.00
    #   merchant pending         +249.25
    #   gateway fee income         +0.75
    assert legs(entry) == {
        CARD_CLEARING: Decimal("-250.00"),
        merchant_pending(SHOP): Decimal("249.25"),
        FEE_INCOME: Decimal("0.75"),
    }
    books.post(entry)
    assert books.aed(CARD_CLEARING) == Decimal("-250.00")
    assert books.aed(wallet(MEMBER)) == Decimal("10000.00")  # the wallet is not touched
    assert books.total() == 0


def test_only_external_accounts_may_go_negative() -> None:
    external = {AccountKind.CARD_CLEARING, AccountKind.SANDBOX_FUNDING}
    for kind in AccountKind:
        assert kind.may_go_negative is (kind in external), kind


def test_a_wallet_cannot_pay_more_than_it_holds() -> None:
    books = Books()
    books.post(funding_entry(MEMBER, aed("100.00")))
    too_much = payment_entry(ORDER, wallet(MEMBER), SHOP, aed("100.01"), aed("0.30"))
    with pytest.raises(LedgerError):
        books.post(too_much)
    books.post(payment_entry(ORDER, wallet(MEMBER), SHOP, aed("100.00"), aed("0.30")))
    assert books.aed(wallet(MEMBER)) == Decimal("0.00")


# --- settlement and funding ------------------------------------------------------------------


def test_settlement_moves_the_net_amount_from_pending_to_available() -> None:
    entry = settlement_entry(ORDER, SHOP, aed("99.70"))

    #   merchant pending          -99.70
    #   merchant available        +99.70
    assert legs(entry) == {
        merchant_pending(SHOP): Decimal("-99.70"),
        merchant_available(SHOP): Decimal("99.70"),
    }
    assert entry.kind is EntryKind.SETTLEMENT
    assert entry.order_no == ORDER


def test_sandbox_funding_gives_a_test_wallet_its_opening_balance() -> None:
    entry = funding_entry(MEMBER, aed("10000.00"))

    #   sandbox funding        -10000.00
    #   member wallet          +10000.00
    assert legs(entry) == {
        SANDBOX_FUNDING: Decimal("-10000.00"),
        wallet(MEMBER): Decimal("10000.00"),
    }
    assert entry.kind is EntryKind.FUNDING
    assert entry.order_no is None


def test_the_whole_story_fund_pay_settle() -> None:
    books = Books()
    books.post(funding_entry(MEMBER, aed("10000.00")))
    gross = aed("100.00")
    fee = payee_fee(gross, RATE)
    books.post(payment_entry(ORDER, wallet(MEMBER), SHOP, gross, fee))
    assert books.aed(merchant_pending(SHOP)) == Decimal("99.70")
    assert books.aed(merchant_available(SHOP)) == Decimal("0.00")

    books.post(settlement_entry(ORDER, SHOP, gross - fee))

    assert {account: books.aed(account) for account in books.balances} == {
        SANDBOX_FUNDING: Decimal("-10000.00"),
        wallet(MEMBER): Decimal("9900.00"),
        merchant_pending(SHOP): Decimal("0.00"),
        merchant_available(SHOP): Decimal("99.70"),
        FEE_INCOME: Decimal("0.30"),
    }
    assert books.total() == 0


def test_settling_more_than_is_pending_is_refused_by_the_books() -> None:
    books = Books()
    books.post(funding_entry(MEMBER, aed("100.00")))
    books.post(payment_entry(ORDER, wallet(MEMBER), SHOP, aed("100.00"), aed("0.30")))
    with pytest.raises(LedgerError):
        books.post(settlement_entry(ORDER, SHOP, aed("100.00")))


# --- what the ledger refuses -----------------------------------------------------------------


def test_an_unbalanced_entry_is_refused() -> None:
    with pytest.raises(LedgerError, match="does not balance: 1 fils"):
        Entry(
            EntryKind.PAYMENT,
            "one fils appears from nowhere",
            (Posting(wallet(MEMBER), Money(-100)), Posting(merchant_pending(SHOP), Money(101))),
        )


def test_a_zero_posting_is_refused() -> None:
    with pytest.raises(LedgerError, match="zero"):
        Entry(
            EntryKind.PAYMENT,
            "a leg of nothing",
            (
                Posting(wallet(MEMBER), Money(-100)),
                Posting(merchant_pending(SHOP), Money(100)),
                Posting(FEE_INCOME, Money(0)),
            ),
        )


@pytest.mark.parametrize("count", [0, 1])
def test_an_entry_needs_two_postings(count: int) -> None:
    postings = (Posting(wallet(MEMBER), Money(100)),)[:count]
    with pytest.raises(LedgerError, match="at least two postings"):
        Entry(EntryKind.FUNDING, "alone", postings)


def test_a_fee_larger_than_the_payment_is_refused() -> None:
    with pytest.raises(LedgerError, match="fee"):
        payment_entry(ORDER, wallet(MEMBER), SHOP, aed("1.00"), aed("1.01"))


def test_a_negative_fee_is_refused() -> None:
    with pytest.raises(LedgerError, match="fee"):
        payment_entry(ORDER, wallet(MEMBER), SHOP, aed("1.00"), aed("-0.01"))


def test_a_fee_of_the_whole_amount_leaves_no_merchant_leg() -> None:
    entry = payment_entry(ORDER, wallet(MEMBER), SHOP, aed("1.00"), aed("1.00"))
    assert legs(entry) == {wallet(MEMBER): Decimal("-1.00"), FEE_INCOME: Decimal("1.00")}


def test_nothing_to_move_is_refused() -> None:
    with pytest.raises(LedgerError):
        payment_entry(ORDER, wallet(MEMBER), SHOP, Money.zero(), Money.zero())
    with pytest.raises(LedgerError):
        settlement_entry(ORDER, SHOP, Money.zero())
    with pytest.raises(LedgerError):
        funding_entry(MEMBER, Money.zero())


def test_ledger_errors_share_the_root_and_stay_value_errors() -> None:
    assert issubclass(LedgerError, ValueError)
    assert issubclass(LedgerError, BotimpayError)
    assert issubclass(InsufficientFunds, LedgerError)
    short = InsufficientFunds(wallet(MEMBER))
    assert short.account == wallet(MEMBER)
    assert str(short) == f"MEMBER_WALLET {MEMBER} has insufficient funds"
    assert ledger.GATEWAY == FEE_INCOME.owner_id == CARD_CLEARING.owner_id
