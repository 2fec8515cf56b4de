"""Sharing (split payments): each member's share of an order, its fee, its refunds, and
the ledger entries that move them (create-order.mdx sharingParamList, order-refund.mdx).

Worked example, a AED 100.00 payment, fee 0.3 %, sharing AED 10.00 to member A and
AED 5.00 to member B, B with withholdAndRemitFee (B pays the order's whole fee):

    payer wallet             -100.00
    merchant pending          +85.00   (100 - 10 - 5; the merchant pays no fee)
    sharing pending A         +10.00
    sharing pending B          +4.70   (5.00 less the fee 0.30)
    gateway fee income         +0.30

Without a withholder the merchant pays the fee (+84.70) and every member gets its
whole share. A refund of A returns the payer's money from the fee account (its fee
share, as any refund) and the rest from merchant and members: in proportion to what
each has left of the order, or by the amounts the request names per member (never
for an order with a withholder, whose refunds are proportional only). Settlement
moves what each has left from pending to available, in the order's one settlement.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from botimpay.domain import ledger
from botimpay.errors import BusinessError, InvalidParameter
from botimpay.protocol import codes
from botimpay.protocol.money import Money, parse_money

MERCHANT = 0  # the payee's slot in an allocation; members use their sharingIdentitySeqId


@dataclass(frozen=True, slots=True)
class Share:
    """One sharing member's part of an order; amounts in fils of the order's currency.

    `fee` is the order's fee when this member withholds it (set at payment), `refunded`
    what refunds took back of the share, `fee_refunded` the fee they gave back to it."""

    order_no: str
    seq_id: int
    member_id: str
    memo: str
    amount: Money
    withhold_fee: bool = False
    fee: Money = dataclasses.field(default_factory=Money.zero)
    refunded: Money = dataclasses.field(default_factory=Money.zero)
    fee_refunded: Money = dataclasses.field(default_factory=Money.zero)

    @property
    def received(self) -> Money:
        """sharingSettledAmount: what the payment gave the member (share less its fee)."""
        return self.amount - self.fee

    @property
    def left(self) -> Money:
        """What the member still holds of this order."""
        return self.amount - self.fee - self.refunded + self.fee_refunded


def wire_field(index: int, name: str, prefix: str = "bizContent.sharingParamList") -> str:
    return f"{prefix}[{index}].{name}"


def _amount_and_fee(item: dict[str, Any], payee_fee: Money | None) -> tuple[Money, Money]:
    """A stored sharingParamList item's share and the fee it pays (the order's whole fee
    for the withholder, once the order is paid)."""
    amount = parse_money(item["sharingAmount"], "sharingAmount")
    withhold = bool(item.get("withholdAndRemitFee"))
    return amount, payee_fee if withhold and payee_fee is not None else Money(0)


def info_list(params: Sequence[dict[str, Any]], payee_fee: Money | None) -> list[dict[str, Any]]:
    """The acquireOrder's sharingInfoList from the stored sharingParamList (identities
    already resolved to member ids): settled and fee amounts once the order is paid
    (`payee_fee` set), zero before; the withholder's fee is the order's whole fee."""
    infos: list[dict[str, Any]] = []
    for item in params:
        amount, fee = _amount_and_fee(item, payee_fee)
        info: dict[str, Any] = {
            "sharingIdentitySeqId": item["sharingIdentitySeqId"],
            "sharingMemo": item["sharingMemo"],
            "sharingAmount": amount.to_wire(),
            "sharingSettledAmount": (amount - fee if payee_fee is not None else fee).to_wire(),
            "sharingSettledFeeAmount": fee.to_wire(),
            "withholdAndRemitFee": bool(item.get("withholdAndRemitFee")),
        }
        identity = str(item.get("sharingIdentity", ""))
        if item.get("sharingIdentityType") == "MEMBER_ID" and identity.isdigit():
            info["sharingMid"] = identity
        infos.append(info)
    return infos


def shared_out(params: Sequence[dict[str, Any]], payee_fee: Money) -> Money:
    """What a paid order's sharing members received, to take off the merchant's
    settlementAmount (the paid amount less the fee): their shares, less the fee a
    withholder paid in the merchant's stead."""
    received = 0
    for item in params:
        amount, fee = _amount_and_fee(item, payee_fee)
        received += (amount - fee).fils
    return Money(received)


def check_fits(total: Money, fee: Money, shares: Sequence[Share]) -> None:
    """Refuses shares the order cannot pay: more than the total less the fee the merchant
    pays, or a withholder whose share is smaller than the fee it pays."""
    shared = sum(share.amount.fils for share in shares)
    withholder = next((share for share in shares if share.withhold_fee), None)
    payable = total.fils - (0 if withholder is not None else fee.fils)
    if shared > payable:
        raise InvalidParameter(
            f"bizContent.sharingParamList: the shares ({Money(shared)}) exceed the order's"
            f" {total} less the transaction fee the merchant pays ({fee})"
            if withholder is None
            else f"bizContent.sharingParamList: the shares ({Money(shared)}) exceed the"
            f" order's {total}"
        )
    if withholder is not None and withholder.amount < fee:
        index = list(shares).index(withholder)
        raise InvalidParameter(
            f"{wire_field(index, 'sharingAmount')} ({withholder.amount}) is smaller than the"
            f" transaction fee ({fee}) its withholdAndRemitFee makes it pay"
        )


def _entry(
    kind: ledger.EntryKind, memo: str, order_no: str, legs: Sequence[tuple[ledger.AccountRef, int]]
) -> ledger.Entry:
    """An entry with one posting per account (legs to one account merged, zeros left out)."""
    merged: dict[ledger.AccountRef, int] = {}
    for account, fils in legs:
        merged[account] = merged.get(account, 0) + fils
    postings = tuple(ledger.Posting(a, Money(f)) for a, f in merged.items() if f != 0)
    return ledger.Entry(kind, memo, postings, order_no)


def at_payment(shares: Sequence[Share], fee: Money) -> list[Share]:
    """The shares with the withholder's fee set, as the payment books them."""
    return [replace(s, fee=fee if s.withhold_fee else Money(0)) for s in shares]


def payment_entry(
    order_no: str,
    payer: ledger.AccountRef,
    partner_id: str,
    total: Money,
    fee: Money,
    shares: Sequence[Share],
) -> ledger.Entry:
    """The payer pays `total`; members get their shares (the withholder less the fee),
    the gateway the fee, the merchant the rest. `shares` come from `at_payment`."""
    check_fits(total, fee, shares)
    member_legs = [(ledger.sharing_pending(s.member_id), s.received.fils) for s in shares]
    merchant = total.fils - fee.fils - sum(fils for _, fils in member_legs)
    return _entry(
        ledger.EntryKind.PAYMENT,
        f"payment of order {order_no} with {len(shares)} sharing members",
        order_no,
        [
            (payer, -total.fils),
            (ledger.merchant_pending(partner_id), merchant),
            (ledger.FEE_INCOME, fee.fils),
            *member_legs,
        ],
    )


def merchant_left(order_unsettled_net: Money, shares: Sequence[Share]) -> Money:
    """What the merchant holds of the order: the order's net less the members' parts."""
    return order_unsettled_net - Money(sum(s.left.fils for s in shares))


def settlement_entry(
    order_no: str, partner_id: str, merchant_net: Money, shares: Sequence[Share]
) -> ledger.Entry | None:
    """Moves what merchant and members hold of the order from pending to available."""
    legs: list[tuple[ledger.AccountRef, int]] = [
        (ledger.merchant_pending(partner_id), -merchant_net.fils),
        (ledger.merchant_available(partner_id), merchant_net.fils),
    ]
    for s in shares:
        legs += [
            (ledger.sharing_pending(s.member_id), -s.left.fils),
            (ledger.sharing_available(s.member_id), s.left.fils),
        ]
    if all(fils == 0 for _, fils in legs):
        return None
    return _entry(ledger.EntryKind.SETTLEMENT, f"settlement of order {order_no}", order_no, legs)


def allocate(pool: int, holdings: dict[int, int]) -> dict[int, int]:
    """Splits `pool` fils in proportion to `holdings` (largest remainder, exact sum);
    no part exceeds its holding while `pool` does not exceed their sum."""
    held = sum(holdings.values())
    if pool > held or pool < 0:
        raise BusinessError(codes.REFUND_AMOUNT_EXCEEDED, f"cannot take {pool} fils of {held}")
    if held == 0:
        return dict.fromkeys(holdings, 0)
    parts = {key: value * pool // held for key, value in holdings.items()}
    remainders = sorted(holdings, key=lambda k: (-(holdings[k] * pool % held), k))
    for key in remainders[: pool - sum(parts.values())]:
        parts[key] += 1
    return parts


@dataclass(frozen=True, slots=True)
class RefundSplit:
    """Who gives back what of one refund: `merchant` fils, and per member (by seq id) the
    share refunded and the fee given back to it (the withholder's fee share)."""

    merchant: int
    refunded: dict[int, int]
    fee_back: dict[int, int]

    def applied(self, shares: Sequence[Share]) -> list[Share]:
        return [
            replace(
                s,
                refunded=s.refunded + Money(self.refunded.get(s.seq_id, 0)),
                fee_refunded=s.fee_refunded + Money(self.fee_back.get(s.seq_id, 0)),
            )
            for s in shares
        ]


def split_refund(
    amount: Money,
    fee_refunded: Money,
    merchant_holds: Money,
    shares: Sequence[Share],
    *,
    from_members: bool,
    requested: dict[int, Money] | None = None,
) -> RefundSplit:
    """How `amount` (of which the fee account gives back `fee_refunded`) is taken from the
    merchant and the members. Proportional when `from_members` and nothing `requested`;
    `requested` names what each listed member gives back; otherwise the merchant alone."""
    pool = amount.fils - fee_refunded.fils
    withholder = next((s for s in shares if s.withhold_fee), None)
    if not from_members:
        if pool > merchant_holds.fils:
            raise BusinessError(
                codes.REFUND_AMOUNT_EXCEEDED,
                f"bizContent.amount: the merchant holds {merchant_holds} of this order;"
                " set refundSharingAmount to true to refund the rest from its sharing members",
            )
        return RefundSplit(pool, {}, {})
    if requested is None:
        holdings = {MERCHANT: merchant_holds.fils, **{s.seq_id: s.left.fils for s in shares}}
        parts = allocate(pool, holdings)
        fee_back = {withholder.seq_id: fee_refunded.fils} if withholder is not None else {}
        # The withholder paid the fee, so the fee share the fee account gives back counts
        # as refunded of its share while it gives only its part of the pool.
        refunded = {s.seq_id: parts[s.seq_id] + fee_back.get(s.seq_id, 0) for s in shares}
        return RefundSplit(parts[MERCHANT], refunded, fee_back)
    taken = 0
    for s in shares:
        want = requested.get(s.seq_id, Money(0))
        if want > s.left:
            raise BusinessError(
                codes.REFUND_AMOUNT_EXCEEDED,
                f"bizContent.sharingParamList: sharing member {s.seq_id} holds {s.left} of"
                f" this order, less than the {want} asked",
            )
        taken += want.fils
    merchant = pool - taken
    if merchant < 0:
        raise BusinessError(
            codes.REFUND_AMOUNT_EXCEEDED,
            f"bizContent.sharingParamList: the members' refunds ({Money(taken)}) exceed the"
            f" refund less its fee share ({Money(pool)})",
        )
    if merchant > merchant_holds.fils:
        raise BusinessError(
            codes.REFUND_AMOUNT_EXCEEDED,
            f"bizContent.amount: the merchant holds {merchant_holds} of this order, less"
            f" than the {Money(merchant)} the refund leaves it to give back",
        )
    return RefundSplit(merchant, {k: v.fils for k, v in requested.items() if v.fils}, {})


def refund_entry(
    order_no: str,
    refund_no: str,
    *,
    settled: bool,
    partner_id: str,
    payer: ledger.AccountRef,
    amount: Money,
    fee_refunded: Money,
    split: RefundSplit,
    shares: Sequence[Share],
    kind: ledger.EntryKind = ledger.EntryKind.REFUND,
) -> ledger.Entry:
    """The payer gets `amount`: the fee account gives its share, merchant and members the
    parts of `split`, from pending before settlement and from available after it. A
    chargeback or VOID of a shared order moves the same legs under its own `kind`."""
    merchant_account = (
        ledger.merchant_available(partner_id) if settled else ledger.merchant_pending(partner_id)
    )
    member_account = ledger.sharing_available if settled else ledger.sharing_pending
    legs: list[tuple[ledger.AccountRef, int]] = [
        (payer, amount.fils),
        (ledger.FEE_INCOME, -fee_refunded.fils),
        (merchant_account, -split.merchant),
    ]
    for s in shares:
        given = split.refunded.get(s.seq_id, 0) - split.fee_back.get(s.seq_id, 0)
        legs.append((member_account(s.member_id), -given))
    return _entry(kind, f"{kind.value.lower()} {refund_no} of order {order_no}", order_no, legs)
