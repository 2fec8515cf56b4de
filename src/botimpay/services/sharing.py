"""Sharing use-case steps: decrypting and resolving sharing members, and booking each
member's share at placeOrder, payment, settlement and refund (rules in domain/sharing.py).

`sharingIdentity` arrives RSA-encrypted with the gateway's public key for the merchant
(integration-guide.md: "encrypt ... with Botim Money's public key"; PKCS#1 v1.5 as the
official SDK's RsaUtil, base64, one or more key-sized blocks). It is decrypted once,
before the request's fingerprint, and replaced by the member id it resolves to: a
repeated request with a fresh ciphertext is the same request, and no phone number is
stored. MEMBER_ID names a wallet member or a merchant (a merchant's partner id is its
Botim Money member id); PHONE_NO a wallet member's phone; BOTIM_ID none the gateway knows.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Sequence
from typing import Any, TypeVar

from cryptography.hazmat.primitives.asymmetric import padding, rsa

from botimpay.domain import ledger
from botimpay.domain import sharing as rules
from botimpay.domain.fees import payee_fee
from botimpay.domain.member import normalize_phone
from botimpay.domain.order import Order, OrderStatus
from botimpay.domain.payment import Method, Reason
from botimpay.errors import ApiError, BusinessError, CheckoutRefused, ConfigError, InvalidParameter
from botimpay.protocol import codes, signing
from botimpay.protocol.money import Money
from botimpay.protocol.refund_requests import RefundBiz
from botimpay.protocol.requests import PlaceOrderBiz, SharingParam
from botimpay.store import members_repo, merchants_repo, shares_repo
from botimpay.store.connection import Connection
from botimpay.store.database import Database

PLACE_PREFIX = "bizContent.sharingParamList"
P = TypeVar("P", bound=SharingParam)
_MEMBER_ID = re.compile(r"[0-9]{1,20}")


def decrypt_identity(key: rsa.RSAPrivateKey, ciphertext: str, where: str) -> str:
    """The UTF-8 plaintext of a base64 RSA (PKCS#1 v1.5) ciphertext; InvalidParameter
    naming `where` when it is not one made with the gateway's public key."""
    try:
        raw = base64.b64decode(ciphertext.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidParameter(f"{where} is not base64 (it must be RSA-encrypted)") from exc
    size = key.key_size // 8
    if not raw or len(raw) % size:
        raise InvalidParameter(
            f"{where} is not an RSA-{key.key_size} ciphertext of the gateway's public key"
        )
    try:
        plain = b"".join(
            key.decrypt(raw[at : at + size], padding.PKCS1v15()) for at in range(0, len(raw), size)
        )
        return plain.decode("utf-8").strip()
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidParameter(
            f"{where} does not decrypt with the gateway's key for this merchant"
            " (encrypt it with the gateway public key, RSA PKCS#1 v1.5, base64)"
        ) from exc


async def _is_member(conn: Connection, member_id: str) -> bool:
    """A wallet member's id or a merchant's partner id (its Botim Money member id);
    anything but ASCII digits is neither, and never reaches the database."""
    if not _MEMBER_ID.fullmatch(member_id):
        return False
    if await members_repo.by_id(conn, member_id) is not None:
        return True
    return await merchants_repo.exists(conn, member_id)


async def _resolve(
    conn: Connection, kind: str, identity: str, where: str, payee_mid: str | None
) -> str:
    """The member id an identity names; 62083 when the gateway knows no such member."""
    member_id: str | None = None
    if kind == "PHONE_NO":
        try:
            phone = normalize_phone(identity)
        except ConfigError as exc:
            raise InvalidParameter(f"{where}: the decrypted value is not a phone number") from exc
        member = await members_repo.by_phone(conn, phone)
        member_id = member.member_id if member is not None else None
    elif kind == "MEMBER_ID" and await _is_member(conn, identity):
        member_id = identity
    if member_id is None:
        raise BusinessError(
            codes.SHARING_MEMBER_NOT_EXIST, f"{where}: no Botim Money member has this {kind}"
        )
    if member_id == payee_mid:
        raise InvalidParameter(f"{where} names the order's payee, which cannot share with itself")
    return member_id


async def _resolved_params(
    db: Database, partner_id: str, params: Sequence[P], prefix: str, payee_mid: str | None
) -> list[P]:
    """`params` with each identity decrypted and replaced by its MEMBER_ID."""
    async with db.read() as conn:
        record = await merchants_repo.load(conn, partner_id)
        if record is None:
            raise BusinessError(codes.SHARING_MEMBER_NOT_EXIST, f"merchant {partner_id} is unknown")
        key = signing.load_private_key(record.gateway_private_key)
        resolved: list[P] = []
        for index, param in enumerate(params):
            where = rules.wire_field(index, "sharingIdentity", prefix)
            plain = decrypt_identity(key, param.sharingIdentity, where)
            mid = await _resolve(conn, param.sharingIdentityType, plain, where, payee_mid)
            resolved.append(
                param.model_copy(
                    update={"sharingIdentity": mid, "sharingIdentityType": "MEMBER_ID"}
                )
            )
    return resolved


async def prepare_place(db: Database, partner_id: str, biz: PlaceOrderBiz) -> PlaceOrderBiz:
    """The request with its sharing members resolved and their shares checked against the
    order's total and the payee's fee (62083, or 400 naming the field)."""
    if not biz.sharingParamList:
        return biz
    payee_mid = biz.payeeMid or partner_id
    params = await _resolved_params(db, partner_id, biz.sharingParamList, PLACE_PREFIX, payee_mid)
    async with db.read() as conn:
        payee = await merchants_repo.load(conn, payee_mid)
    if payee is not None:  # an unknown payeeMid is refused by the order service (62010)
        fee = payee_fee(biz.totalAmount, payee.merchant.fee_rate)
        rules.check_fits(biz.totalAmount, fee, shares_of("", params))
    return biz.model_copy(update={"sharingParamList": params})


def shares_of(order_no: str, params: Sequence[SharingParam]) -> list[rules.Share]:
    return [
        rules.Share(
            order_no=order_no,
            seq_id=p.sharingIdentitySeqId,
            member_id=p.sharingIdentity,
            memo=p.sharingMemo,
            amount=p.sharingAmount,
            withhold_fee=bool(p.withholdAndRemitFee),
        )
        for p in params
    ]


async def insert_for_order(conn: Connection, order: Order, biz: PlaceOrderBiz) -> None:
    """Writes the shares of a new order (after the order row)."""
    await shares_repo.insert_shares(conn, shares_of(order.order_no, biz.sharingParamList))


async def payment_entry(
    conn: Connection, order: Order, payer: ledger.AccountRef, fee: Money
) -> ledger.Entry:
    """The payment's entry: the plain one, or with each member's share when it has any."""
    shares = await shares_repo.for_order(conn, order.order_no)
    if not shares:
        return ledger.payment_entry(order.order_no, payer, order.payee_mid, order.total, fee)
    booked = rules.at_payment(shares, fee)
    try:
        entry = rules.payment_entry(
            order.order_no, payer, order.payee_mid, order.total, fee, booked
        )
    except ApiError as exc:  # the payee's fee rate rose since placeOrder: shares no longer fit
        raise CheckoutRefused(Reason.FAILED, "This order cannot be paid: " + exc.message) from exc
    await shares_repo.save(conn, booked)
    return entry


async def settlement_entry(conn: Connection, order: Order) -> ledger.Entry | None:
    """The settlement's entry: the merchant's net and each member's part left."""
    shares = await shares_repo.for_order(conn, order.order_no)
    if not shares:
        net = order.unsettled_net
        return ledger.settlement_entry(order.order_no, order.payee_mid, net) if net.fils else None
    merchant = rules.merchant_left(order.unsettled_net, shares)
    return rules.settlement_entry(order.order_no, order.payee_mid, merchant, shares)


async def prepare_refund(db: Database, partner_id: str, biz: RefundBiz) -> RefundBiz:
    """The refund request with its sharingParamList identities resolved (when it counts)."""
    if not (biz.refundSharingAmount and biz.sharingParamList):
        return biz
    params = await _resolved_params(db, partner_id, biz.sharingParamList, PLACE_PREFIX, None)
    return biz.model_copy(update={"sharingParamList": params})


def _requested(biz: RefundBiz, shares: Sequence[rules.Share]) -> dict[int, Money]:
    """Per seq id, what the request asks each member to give back; 62084 unless every
    entry names a member of the order by its seq id and identity."""
    by_seq = {s.seq_id: s for s in shares}
    if any(s.withhold_fee for s in shares):
        raise BusinessError(
            codes.REFUND_SHARING_MEMBER_MISMATCH,
            "bizContent.sharingParamList: a member of this order withholds the fee"
            " (withholdAndRemitFee), so its refunds are proportional only; leave the list out",
        )
    wanted: dict[int, Money] = {}
    for index, param in enumerate(biz.sharingParamList):
        share = by_seq.get(param.sharingIdentitySeqId)
        if share is None or share.member_id != param.sharingIdentity:
            raise BusinessError(
                codes.REFUND_SHARING_MEMBER_MISMATCH,
                f"{rules.wire_field(index, 'sharingIdentity')}: sharingIdentitySeqId"
                f" {param.sharingIdentitySeqId} names no such sharing member of the order",
            )
        if share.seq_id in wanted:
            raise InvalidParameter(
                f"{rules.wire_field(index, 'sharingIdentitySeqId')} is listed twice"
            )
        wanted[share.seq_id] = param.sharingAmount
    return wanted


class RefundPlan:
    """One refund's split between merchant and members, ready to post and record."""

    def __init__(self, shares: list[rules.Share], split: rules.RefundSplit) -> None:
        self.shares = shares
        self.split = split

    def details(self) -> dict[str, Any]:
        """The refund's sharingInfoList: each member's share and what this refund took."""
        return {
            "sharingInfoList": [
                {
                    "sharingIdentitySeqId": s.seq_id,
                    "sharingMid": s.member_id,
                    "sharingMemo": s.memo,
                    "sharingAmount": s.amount.to_wire(),
                    "sharingSettledAmount": Money(self.split.refunded.get(s.seq_id, 0)).to_wire(),
                }
                for s in self.shares
            ]
        }

    def entry(
        self,
        order: Order,
        refund_no: str,
        amount: Money,
        fee: Money,
        kind: ledger.EntryKind = ledger.EntryKind.REFUND,
    ) -> ledger.Entry:
        payer = (
            ledger.wallet(order.payer_mid)
            if order.pay_channel == Method.BALANCE and order.payer_mid
            else ledger.CARD_CLEARING
        )
        return rules.refund_entry(
            order.order_no,
            refund_no,
            settled=order.status is not OrderStatus.PAID_SUCCESS,
            partner_id=order.payee_mid,
            payer=payer,
            amount=amount,
            fee_refunded=fee,
            split=self.split,
            shares=self.shares,
            kind=kind,
        )

    def after(self) -> tuple[rules.Share, ...]:
        """The order's shares once this refund is booked."""
        return tuple(self.split.applied(self.shares))

    async def record(self, conn: Connection) -> None:
        await shares_repo.save(conn, self.after())


async def shares_now(conn: Connection, order_no: str) -> tuple[rules.Share, ...]:
    return tuple(await shares_repo.for_order(conn, order_no))


async def plan_refund(
    conn: Connection, order: Order, amount: Money, fee: Money, biz: RefundBiz | None
) -> RefundPlan | None:
    """None for an order without sharing members; a revoke (`biz` None) takes back from
    every member in proportion, as refundSharingAmount=true does."""
    shares = await shares_repo.for_order(conn, order.order_no)
    if not shares:
        return None
    from_members = biz is None or bool(biz.refundSharingAmount)
    requested = _requested(biz, shares) if biz and from_members and biz.sharingParamList else None
    merchant = rules.merchant_left(order.unsettled_net, shares)
    split = rules.split_refund(
        amount, fee, merchant, shares, from_members=from_members, requested=requested
    )
    return RefundPlan(shares, split)
