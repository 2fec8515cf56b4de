"""Sandbox chargebacks and VOIDs: one transaction each posts the ledger entry, records
the order's change and its timeline row, and queues the signed notification.

Money leaves the merchant's account the order sits in (pending before settlement,
available after it); when that balance is short the whole transaction is refused
(InsufficientFunds, nothing posted, nothing notified): balances never go negative.
The notification goes to the VOID's voidCallbackUrl, else the order's notifyUrl, else
the merchant's default notifyUrl; none of them: no notification.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from botimpay.clock import Clock
from botimpay.domain import ledger
from botimpay.domain.chargeback import (
    VOID_FAIL_CODE,
    VOID_FAIL_DES,
    Chargeback,
    ChargebackKind,
    ChargebackRequest,
    ChargebackStatus,
    OrderLocator,
    VoidRequest,
    check_chargeback,
    check_void,
)
from botimpay.domain.notification import NotificationKind
from botimpay.domain.order import Order, RecordRefund
from botimpay.domain.refund import accounts_of, fee_share
from botimpay.errors import BusinessError, InvalidParameter
from botimpay.protocol import codes
from botimpay.protocol.money import Money
from botimpay.services import notifications
from botimpay.services.faults import SandboxOnly
from botimpay.services.transitions import apply_event, write_retrying
from botimpay.store import (
    chargebacks_repo,
    ledger_repo,
    order_events_repo,
    orders_repo,
    outbox_repo,
)
from botimpay.store.connection import Connection
from botimpay.store.database import Database


@dataclass(frozen=True, slots=True)
class ChargebackResult:
    chargeback: Chargeback
    order: Order
    notify_id: str | None


def acquire_chargeback(chargeback: Chargeback, order: Order) -> dict[str, Any]:
    """The reference's `acquireChargeback` object."""
    return {
        "chargebackTime": chargeback.created_at,
        "merchantOrderNo": order.merchant_order_no,
        "orderNo": order.order_no,
        "payAmount": order.total.to_wire(),
        "chargebackAmount": chargeback.amount.to_wire(),
        "caseType": chargeback.case_type or "",
        "partnerId": order.partner_id,
    }


def void_order(void: Chargeback, order: Order) -> dict[str, Any]:
    """The reference's `voidOrder` object; failCode/failDes are "" on success, and the
    sandbox charges no VOID fee (feeVoid 0)."""
    wire: dict[str, Any] = {
        "voidMerchantOrderNo": void.merchant_ref,
        "voidOrderNo": void.chargeback_no,
        "originMerchantOrderNo": order.merchant_order_no,
        "status": void.status.value,
        "amount": void.amount.to_wire(),
        "failCode": void.fail_code or "",
        "failDes": void.fail_des or "",
        "feeVoid": Money.zero().to_wire(),
    }
    if void.notify_url:
        wire["voidCallbackUrl"] = void.notify_url
    return wire


def new_chargeback_no(now_ms: int) -> str:
    """18 digits like the reference's voidOrderNo `202604100000000001`."""
    return f"{now_ms:013d}{secrets.randbelow(10**5):05d}"


class ChargebackService:
    def __init__(self, db: Database, clock: Clock, *, sandbox: bool) -> None:
        self.db = db
        self.clock = clock
        self.sandbox = sandbox

    def _require_sandbox(self, feature: str) -> None:
        if not self.sandbox:
            raise SandboxOnly(feature)

    async def chargeback(self, request: ChargebackRequest) -> ChargebackResult:
        """Charges `request.amount` of a paid order back to its payer."""
        self._require_sandbox("a chargeback")

        async def work(conn: Connection) -> ChargebackResult:
            order = await _locked_order(conn, request.order)
            check_chargeback(order, request.amount)
            now = self.clock.now_ms()
            chargeback = Chargeback(
                chargeback_no=new_chargeback_no(now),
                kind=ChargebackKind.CHARGEBACK,
                partner_id=order.partner_id,
                order_no=order.order_no,
                status=ChargebackStatus.SUCCESS,
                amount=request.amount,
                fee_returned=fee_share(order, request.amount),
                created_at=now,
                case_type=request.case_type,
                notify_url=order.notify_url
                or await outbox_repo.default_notify_url(conn, order.partner_id),
            )
            order = await self._book(conn, order, chargeback)
            body = {"acquireChargeback": acquire_chargeback(chargeback, order)}
            notify_id = await self._notify(conn, chargeback, NotificationKind.CHARGEBACK, body)
            return ChargebackResult(chargeback, order, notify_id)

        return await write_retrying(self.db, work)

    async def void(self, request: VoidRequest) -> ChargebackResult:
        """VOIDs a whole unsettled payment (or, outcome FAILURE, declines to: no money
        moves). The same voidMerchantOrderNo for the same order again is that VOID."""
        self._require_sandbox("a VOID")

        async def work(conn: Connection) -> ChargebackResult:
            order = await _locked_order(conn, request.order)
            ref = request.void_merchant_order_no or f"VOID-{order.order_no}"
            earlier = await chargebacks_repo.find_by_merchant_ref(conn, order.partner_id, ref)
            if earlier is not None:
                if earlier.order_no != order.order_no:
                    raise InvalidParameter(
                        f"voidMerchantOrderNo {ref} is taken by a VOID of order {earlier.order_no}"
                    )
                return ChargebackResult(earlier, order, None)
            amount = check_void(order, request.amount)
            now = self.clock.now_ms()
            void = Chargeback(
                chargeback_no=new_chargeback_no(now),
                kind=ChargebackKind.VOID,
                partner_id=order.partner_id,
                order_no=order.order_no,
                status=ChargebackStatus.SUCCESS if request.succeed else ChargebackStatus.FAILURE,
                amount=amount,
                fee_returned=fee_share(order, amount) if request.succeed else Money.zero(),
                created_at=now,
                merchant_ref=ref,
                notify_url=request.callback_url
                or order.notify_url
                or await outbox_repo.default_notify_url(conn, order.partner_id),
                fail_code=None if request.succeed else VOID_FAIL_CODE,
                fail_des=None if request.succeed else VOID_FAIL_DES,
            )
            if request.succeed:
                order = await self._book(conn, order, void)
            else:
                await chargebacks_repo.insert_chargeback(conn, void)
                await self._timeline(conn, order, void)
            body = {"voidOrder": void_order(void, order)}
            notify_id = await self._notify(conn, void, NotificationKind.VOID, body)
            return ChargebackResult(void, order, notify_id)

        return await write_retrying(self.db, work)

    async def of_order(self, order_no: str) -> list[Chargeback]:
        async with self.db.read() as conn:
            return await chargebacks_repo.of_order(conn, order_no)

    # --- helpers -----------------------------------------------------------

    async def _book(self, conn: Connection, order: Order, item: Chargeback) -> Order:
        """Posts the entry (InsufficientFunds rolls everything back), then the order's
        returned total, the row and the timeline."""
        merchant, payer = accounts_of(order)
        entry = ledger.chargeback_entry(
            order.order_no,
            item.chargeback_no,
            void=item.kind is ChargebackKind.VOID,
            merchant_account=merchant,
            payer=payer,
            amount=item.amount,
            fee_returned=item.fee_returned,
        )
        await ledger_repo.post(conn, entry, item.created_at)
        order = await apply_event(
            conn, order, RecordRefund(item.amount, item.fee_returned), item.created_at
        )
        await chargebacks_repo.insert_chargeback(conn, item)
        await self._timeline(conn, order, item)
        return order

    @staticmethod
    async def _timeline(conn: Connection, order: Order, item: Chargeback) -> None:
        """A row in the console's order timeline (the status itself does not change)."""
        what = item.case_type if item.kind is ChargebackKind.CHARGEBACK else item.merchant_ref
        detail = f"{item.status.value}: {item.amount} ({what})"
        if item.fail_code:
            detail += f" {item.fail_code}"
        await order_events_repo.insert(
            conn,
            order_no=order.order_no,
            event=item.kind.value.capitalize(),
            from_status=order.status.value,
            to_status=order.status.value,
            detail=detail,
            created_at=item.created_at,
        )

    async def _notify(
        self, conn: Connection, item: Chargeback, kind: NotificationKind, body: dict[str, Any]
    ) -> str | None:
        """The notification, queued under the order's number (so the order's lists show it)."""
        if not item.notify_url:
            return None
        return await notifications.enqueue(
            conn,
            kind=kind,
            partner_id=item.partner_id,
            subject_no=item.order_no,
            url=item.notify_url,
            body=body,
            now_ms=item.created_at,
        )


async def _locked_order(conn: Connection, where: OrderLocator) -> Order:
    """The order, locked; refusals name the field that did not match."""
    if where.order_no is not None:
        order = await orders_repo.find_by_order_no(conn, where.order_no, for_update=True)
        if order is None or (where.partner_id and order.partner_id != where.partner_id):
            raise BusinessError(
                codes.ORDER_NO_NOT_EXIST, f"orderNo {where.order_no} does not exist"
            )
        return order
    if where.merchant_order_no is None:
        raise InvalidParameter("give exactly one of orderNo and merchantOrderNo")
    found = await orders_repo.by_ref(conn, where.merchant_order_no, partner_id=where.partner_id)
    found = [order for order in found if order.merchant_order_no == where.merchant_order_no]
    partners = sorted({order.partner_id for order in found})
    if not found:
        raise BusinessError(
            codes.MERCHANT_ORDER_NO_NOT_EXIST,
            f"merchantOrderNo {where.merchant_order_no} does not exist",
        )
    if len(partners) > 1:
        raise InvalidParameter(
            f"partnerId is required: merchantOrderNo {where.merchant_order_no} is used by"
            f" merchants {', '.join(partners)}"
        )
    order = await orders_repo.find_by_order_no(conn, found[0].order_no, for_update=True)
    if order is None:  # pragma: no cover - it was just read in this transaction
        raise BusinessError(codes.MERCHANT_ORDER_NO_NOT_EXIST, "the order disappeared")
    return order
