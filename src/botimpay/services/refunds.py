"""Refund and revoke use cases: one transaction each, money back through the ledger.

Concurrent refunds of one order serialise on the order row (FOR UPDATE, or
SQLite's write lock) and the order's version; the database CHECK
`refunded_fils <= total_fils` is the second guard. A refund is idempotent on
(merchant, refundMerchantOrderNo): the same parameters return the existing
refund, different ones are 62017. Orders change through services/transitions.py,
each transaction under its one retry policy.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from botimpay.clock import Clock
from botimpay.domain import ledger
from botimpay.domain.notification import NotificationKind
from botimpay.domain.order import Expire, Order, RecordRefund, Revoke
from botimpay.domain.refund import (
    Refund,
    RefundStatus,
    accounts_of,
    check_refundable,
    check_revocable,
    fee_share,
)
from botimpay.domain.sharing import Share
from botimpay.errors import ApiError, BusinessError
from botimpay.netguard import NotifyGuard
from botimpay.protocol import codes
from botimpay.protocol.money import Money
from botimpay.protocol.refund_requests import GetRefundBiz, RefundBiz
from botimpay.protocol.requests import OrderRef
from botimpay.services import notifications, sharing
from botimpay.services.transitions import apply_event, first_writer_wins, write_retrying
from botimpay.services.views import refund_order
from botimpay.store import jsonfield, ledger_repo, orders_repo, refunds_repo
from botimpay.store.conflicts import DuplicateKey
from botimpay.store.connection import Connection
from botimpay.store.database import Database


@dataclass(frozen=True, slots=True)
class RefundResult:
    refund: Refund
    order: Order
    shares: tuple[Share, ...] = ()  # the order's sharing members, as they stand now


def refund_fingerprint(biz: RefundBiz) -> str:
    canonical = biz.model_dump(exclude={"merchantOrderNo", "refundMerchantOrderNo"})
    canonical["refund"] = biz.refund_number
    return hashlib.sha256(jsonfield.dumps(canonical).encode()).hexdigest()


def new_refund_no(now_ms: int) -> str:
    return f"19{now_ms:013d}{secrets.randbelow(10**7):07d}"


class RefundService:
    def __init__(
        self, db: Database, clock: Clock, *, notify_guard: NotifyGuard | None = None
    ) -> None:
        self.db = db
        self.clock = clock
        self.notify_guard = notify_guard  # production: notifyUrls must be public

    async def refund(
        self,
        partner_id: str,
        biz: RefundBiz,
        request_time: int,
        *,
        default_notify_url: str | None = None,
    ) -> RefundResult:
        """A refund without notifyUrl notifies the order's URL, else the merchant's
        `default_notify_url` (from its cached record)."""
        await notifications.check_notify_url(self.notify_guard, biz.notifyUrl)
        biz = await sharing.prepare_refund(self.db, partner_id, biz)  # members decrypted
        digest = refund_fingerprint(biz)

        async def earlier(conn: Connection) -> RefundResult | None:
            """The refund an earlier request with this refundMerchantOrderNo booked."""
            existing = await refunds_repo.find(
                conn, partner_id, refund_merchant_order_no=biz.refund_number
            )
            return None if existing is None else await self._repeat(conn, existing, digest)

        async def book(conn: Connection) -> RefundResult:
            repeat = await earlier(conn)
            if repeat is not None:
                return repeat
            order = await self._locked_order(
                conn, partner_id, biz.originMerchantOrderNo, biz.originOrderNo
            )
            # A concurrent twin may have committed while we waited for the order's lock.
            repeat = await earlier(conn)
            if repeat is not None:
                return repeat
            return await self._book_refund(
                conn,
                order,
                biz.amount,
                refund_merchant_order_no=biz.refund_number,
                digest=digest,
                request_time=request_time,
                biz=biz,
                default_notify_url=default_notify_url,
            )

        # A concurrent request with the same refundMerchantOrderNo may win the insert.
        return await first_writer_wins(self.db, book, earlier)

    async def get(self, partner_id: str, ref: GetRefundBiz) -> RefundResult:
        async with self.db.read() as conn:
            refund = await refunds_repo.find(
                conn,
                partner_id,
                refund_merchant_order_no=ref.refundMerchantOrderNo,
                refund_no=ref.orderNo,
            )
            if refund is None and ref.orderNo is not None:
                raise BusinessError(codes.ORDER_NO_NOT_EXIST, f"refund {ref.orderNo} is unknown")
            if refund is None:
                raise BusinessError(
                    codes.REFUND_MERCHANT_ORDER_NO_NOT_EXIST,
                    f"refund {ref.refundMerchantOrderNo} does not exist",
                )
            order = await orders_repo.find_by_order_no(conn, refund.origin_order_no)
            shares = await sharing.shares_now(conn, refund.origin_order_no)
        if order is None:
            raise ApiError(codes.SYSTEM_ERROR, "the refund's payment order is missing")
        return RefundResult(refund, order, shares)

    async def revoke(self, partner_id: str, ref: OrderRef) -> Order:
        """Unpaid → FAILURE; paid → full refund and FAILURE; settled → full refund, stays
        SETTLED; `revoked` becomes "true"; refused with 62041 once refunded."""
        try:
            return await write_retrying(self.db, lambda conn: self._revoke(conn, partner_id, ref))
        except DuplicateKey as exc:
            # A refund of another order took the number REVOKE-<orderNo> meanwhile.
            raise BusinessError(codes.REVOKE_FAILURE, "please retry the revoke") from exc

    async def _revoke(self, conn: Connection, partner_id: str, ref: OrderRef) -> Order:
        order = await self._locked_order(conn, partner_id, ref.merchantOrderNo, ref.orderNo)
        order = await apply_event(conn, order, Expire(), self.clock.now_ms())
        if order.revoked:
            return order
        check_revocable(order)
        if order.is_paid:
            number = f"REVOKE-{order.order_no}"
            if await refunds_repo.find(conn, partner_id, refund_merchant_order_no=number):
                raise BusinessError(
                    codes.REVOKE_REJECTED,
                    f"refundMerchantOrderNo {number} is taken by a refund of another order",
                )
            result = await self._book_refund(
                conn,
                order,
                order.total - order.refunded,
                refund_merchant_order_no=number,
                digest="revoke",
                request_time=self.clock.real_ms(),
                biz=None,
            )
            order = result.order
        return await apply_event(conn, order, Revoke(), self.clock.now_ms())

    # --- helpers -----------------------------------------------------------

    async def _book_refund(
        self,
        conn: Connection,
        order: Order,
        amount: Money,
        *,
        refund_merchant_order_no: str,
        digest: str,
        request_time: int,
        biz: RefundBiz | None,
        default_notify_url: str | None = None,
    ) -> RefundResult:
        now = self.clock.now_ms()
        order = await apply_event(conn, order, Expire(), now)
        if biz is not None:
            check_refundable(order, amount, now)
        fee = fee_share(order, amount)
        plan = await sharing.plan_refund(conn, order, amount, fee, biz)  # None: no sharing
        refund = Refund(
            refund_no=new_refund_no(now),
            partner_id=order.partner_id,
            refund_merchant_order_no=refund_merchant_order_no,
            origin_order_no=order.order_no,
            fingerprint=digest,
            status=RefundStatus.SUCCESS,
            amount=amount,
            fee_refunded=fee,
            request_time=request_time,
            created_at=now,
            updated_at=now,
            is_revoke=biz is None,
            reason=biz.reason if biz else "revoke",
            operator_name=biz.operatorName if biz else None,
            notify_url=(biz.notifyUrl if biz else None) or order.notify_url or default_notify_url,
            device_id=biz.deviceId if biz else None,
            secondary_merchant_id=biz.secondaryMerchantId if biz else None,
            reserved=biz.reserved if biz else None,
            details=(
                biz.model_dump(include={"sharingParamList", "refundSharingAmount"}) if biz else {}
            )
            | (plan.details() if plan else {}),
        )
        merchant_account, payer = accounts_of(order)
        entry = ledger.refund_entry(
            order.order_no,
            refund.refund_no,
            merchant_account=merchant_account,
            payer=payer,
            amount=amount,
            fee_refunded=fee,
        )
        if plan is not None:  # merchant and members give back their parts
            entry = plan.entry(order, refund.refund_no, amount, fee)
            await plan.record(conn)
        await ledger_repo.post(conn, entry, now)
        order = await apply_event(conn, order, RecordRefund(amount, fee), self.clock.now_ms())
        await refunds_repo.insert_refund(conn, refund)
        if refund.notify_url:
            await notifications.enqueue(
                conn,
                kind=NotificationKind.REFUND,
                partner_id=order.partner_id,
                subject_no=refund.refund_no,
                url=refund.notify_url,
                body={"refundOrder": refund_order(refund, order)},
                now_ms=now,
            )
        return RefundResult(refund, order, plan.after() if plan else ())

    async def _repeat(self, conn: Connection, existing: Refund, digest: str) -> RefundResult:
        if existing.fingerprint != digest:
            raise BusinessError(
                codes.REFUND_MERCHANT_ORDER_NO_EXIST,
                f"refundMerchantOrderNo {existing.refund_merchant_order_no} was used"
                " with different parameters",
            )
        order = await orders_repo.find_by_order_no(conn, existing.origin_order_no)
        if order is None:
            raise ApiError(codes.SYSTEM_ERROR, "the refund's payment order is missing")
        return RefundResult(existing, order, await sharing.shares_now(conn, order.order_no))

    @staticmethod
    async def _locked_order(
        conn: Connection, partner_id: str, merchant_order_no: str | None, order_no: str | None
    ) -> Order:
        if merchant_order_no is not None:
            order = await orders_repo.find(
                conn, partner_id, merchant_order_no=merchant_order_no, for_update=True
            )
            if order is None:
                raise BusinessError(
                    codes.MERCHANT_ORDER_NO_NOT_EXIST,
                    f"merchantOrderNo {merchant_order_no} does not exist",
                )
            return order
        order = await orders_repo.find(conn, partner_id, order_no=order_no, for_update=True)
        if order is None:
            raise BusinessError(codes.ORDER_NO_NOT_EXIST, f"orderNo {order_no} does not exist")
        return order
