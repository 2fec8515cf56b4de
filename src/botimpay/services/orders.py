"""Order use cases: place, get, cancel, change expiry, and the expiry sweep.

Each runs in one transaction, changing orders through services/transitions.py;
business refusals are raised as BusinessError after any state change the rules
require (an expiry found on the way) is saved.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, replace

from botimpay.clock import Clock
from botimpay.domain.merchant import Merchant
from botimpay.domain.order import (
    Cancel,
    ChangeExpiry,
    Event,
    Expire,
    Order,
    OrderStatus,
    check_idempotent_repeat,
    resolve_expiry,
)
from botimpay.domain.scenes import SceneParams, parse_scene_params
from botimpay.errors import BusinessError
from botimpay.netguard import NotifyGuard
from botimpay.protocol import codes
from botimpay.protocol.requests import OrderRef, PlaceOrderBiz
from botimpay.services import sharing
from botimpay.services.notifications import check_notify_url
from botimpay.services.transitions import apply_event, first_writer_wins, write_retrying
from botimpay.store import jsonfield, members_repo, merchants_repo, orders_repo
from botimpay.store.connection import Connection
from botimpay.store.database import Database


@dataclass(frozen=True, slots=True)
class PlacedOrder:
    order: Order
    token_url: str | None


def fingerprint(biz: PlaceOrderBiz, scene: SceneParams) -> str:
    """SHA-256 of the canonical business parameters (requestTime excluded)."""
    canonical = biz.model_dump(exclude={"paySceneParams"})
    canonical["paySceneParams"] = scene.to_wire()
    return hashlib.sha256(jsonfield.dumps(canonical).encode()).hexdigest()


def new_order_no(now_ms: int) -> str:
    """18+ digits like the reference's (`131658997939155072`): time then randomness."""
    return f"13{now_ms:013d}{secrets.randbelow(10**7):07d}"


def new_token() -> str:
    """192 random bits, URL-safe: the tokenUrl's `ft`."""
    return secrets.token_urlsafe(24)


def _not_found(ref: OrderRef) -> BusinessError:
    if ref.merchantOrderNo is not None:
        return BusinessError(
            codes.MERCHANT_ORDER_NO_NOT_EXIST,
            f"merchantOrderNo {ref.merchantOrderNo} does not exist",
        )
    return BusinessError(codes.ORDER_NO_NOT_EXIST, f"orderNo {ref.orderNo} does not exist")


class OrderService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        public_url: str,
        *,
        notify_guard: NotifyGuard | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.public_url = public_url.rstrip("/")
        self.notify_guard = notify_guard  # production: notifyUrls must be public

    def token_url(self, order: Order) -> str | None:
        """Only a CREATED order has a checkout link; the token dies with the order."""
        if order.status is not OrderStatus.CREATED:
            return None
        return f"{self.public_url}/pay-page/main?ft={order.token}&t={order.created_at}"

    # --- placeOrder --------------------------------------------------------

    async def place(
        self,
        partner_id: str,
        biz: PlaceOrderBiz,
        request_time: int,
        *,
        merchant: Merchant,
        default_notify_url: str | None = None,
    ) -> PlacedOrder:
        """`default_notify_url` (the merchant's, from its cached record) is used when
        the request names no notifyUrl; it was checked when it was set. `merchant` (its
        cached record, required so that no caller can skip the gate) gates a new order
        by its enabled scenes (62026); a repeat of an order placed before its scene was
        disabled still answers that order."""
        scene = parse_scene_params(biz.paySceneCode, biz.paySceneParams)
        await check_notify_url(self.notify_guard, biz.notifyUrl)  # resolved before any lock
        biz = await sharing.prepare_place(self.db, partner_id, biz)  # members decrypted
        digest = fingerprint(biz, scene)
        order = self._new_order(partner_id, biz, scene, digest, request_time)
        if order.notify_url is None and default_notify_url:
            order = replace(order, notify_url=default_notify_url)

        async def earlier(conn: Connection) -> Order | None:
            return await orders_repo.find(conn, partner_id, merchant_order_no=biz.merchantOrderNo)

        async def insert_unless_placed(conn: Connection) -> Order | None:
            """One write transaction: an earlier request's order, or None once ours is in."""
            existing = await earlier(conn)
            if existing is None:
                merchant.check_scene(biz.paySceneCode)
                await self._check_payee(conn, partner_id, biz.payeeMid)
                await self._check_payer(conn, order)
                await orders_repo.insert_order(conn, order)
                await sharing.insert_for_order(conn, order, biz)
            return existing

        # A concurrent identical request may win the race to insert: then it is earlier.
        existing = await first_writer_wins(self.db, insert_unless_placed, earlier)
        if existing is not None:
            return await self._repeat(existing, digest)
        return PlacedOrder(order, self.token_url(order))

    @staticmethod
    async def _check_payee(conn: Connection, partner_id: str, payee_mid: str | None) -> None:
        if (
            payee_mid
            and payee_mid != partner_id
            and not await merchants_repo.exists(conn, payee_mid)
        ):
            raise BusinessError(
                codes.PAYEEMID_NOT_EXIST, f"bizContent.payeeMid {payee_mid} does not exist"
            )

    @staticmethod
    async def _check_payer(conn: Connection, order: Order) -> None:
        """JSAPI's payerMid names a wallet member other than the payee (create-order.mdx:
        62020, then 62018; a merchant is never a member, so sameness is told first)."""
        payer_mid = order.scene.payer_mid
        if payer_mid is None:
            return
        if payer_mid == order.payee_mid:
            raise BusinessError(
                codes.PAYERMID_PAYEEMID_ARE_SAME,
                f"bizContent.paySceneParams.payerMid {payer_mid} is the payee",
            )
        if await members_repo.by_id(conn, payer_mid) is None:
            raise BusinessError(
                codes.PAYERMID_NOT_EXIST,
                f"bizContent.paySceneParams.payerMid {payer_mid} does not exist",
            )

    def _new_order(
        self,
        partner_id: str,
        biz: PlaceOrderBiz,
        scene: SceneParams,
        digest: str,
        request_time: int,
    ) -> Order:
        now = self.clock.now_ms()
        details = biz.model_dump(
            include={"accessoryContent", "agreementInfo", "sharingParamList", "promotionInfoList"},
            exclude_none=True,
        )
        return Order(
            order_no=new_order_no(now),
            partner_id=partner_id,
            merchant_order_no=biz.merchantOrderNo,
            fingerprint=digest,
            status=OrderStatus.CREATED,
            total=biz.totalAmount,
            subject=biz.subject,
            scene_code=biz.paySceneCode,
            scene=scene,
            payee_mid=biz.payeeMid or partner_id,
            request_time=request_time,
            expired_time=resolve_expiry(request_time, biz.expiredTime, self.clock.offset_ms),
            created_at=now,
            updated_at=now,
            token=new_token(),
            subject_ar=biz.subjectAr,
            notify_url=biz.notifyUrl,
            device_id=biz.deviceId,
            secondary_merchant_id=biz.secondaryMerchantId,
            reserved=biz.reserved,
            risk_info=biz.riskInfo,
            details=jsonfield.loads(jsonfield.dumps(details)),
        )

    async def _repeat(self, existing: Order, digest: str) -> PlacedOrder:
        check_idempotent_repeat(existing, digest)
        current = await self._expire_if_due(existing)
        return PlacedOrder(current, self.token_url(current))

    # --- getOrder / cancelOrder / updateExpiredTime --------------------------

    async def get(self, partner_id: str, ref: OrderRef) -> Order:
        order = await orders_repo.find_committed(
            self.db, partner_id, merchant_order_no=ref.merchantOrderNo, order_no=ref.orderNo
        )
        if order is None:
            raise _not_found(ref)
        return await self._expire_if_due(order)

    async def cancel(self, partner_id: str, ref: OrderRef) -> Order:
        return await self._apply(partner_id, ref, Cancel())

    async def update_expiry(
        self, partner_id: str, ref: OrderRef, expired_time: int, request_time: int
    ) -> Order:
        return await self._apply(partner_id, ref, ChangeExpiry(expired_time, request_time))

    async def expire_due(self, limit: int = 500) -> int:
        """The sweeper: marks CREATED orders past their expiredTime as FAILURE."""
        now = self.clock.now_ms()
        async with self.db.read() as conn:
            due = await orders_repo.due_for_expiry(conn, now, limit)
        expired = 0
        for order in due:
            current = await self._expire_if_due(order)
            expired += current.status is OrderStatus.FAILURE
        return expired

    # --- helpers -----------------------------------------------------------

    @staticmethod
    async def _find(conn: Connection, partner_id: str, ref: OrderRef, *, for_update: bool) -> Order:
        order = await orders_repo.find(
            conn,
            partner_id,
            merchant_order_no=ref.merchantOrderNo,
            order_no=ref.orderNo,
            for_update=for_update,
        )
        if order is None:
            raise _not_found(ref)
        return order

    async def _expire_if_due(self, order: Order) -> Order:
        if not order.is_expired_at(self.clock.now_ms()):
            return order
        ref = OrderRef(orderNo=order.order_no)
        return await self._apply(order.partner_id, ref, Expire())

    async def _apply(self, partner_id: str, ref: OrderRef, event: Event) -> Order:
        """Locks the order, applies a due expiry and then `event`; a refusal of `event`
        is raised after the expiry is saved."""

        async def change(conn: Connection) -> Order:
            now = self.clock.now_ms()
            order = await self._find(conn, partner_id, ref, for_update=True)
            order = await apply_event(conn, order, Expire(), now)
            if isinstance(event, Expire):
                return order
            return await apply_event(conn, order, event, now)

        return await write_retrying(self.db, change, commit_before=(BusinessError,))
