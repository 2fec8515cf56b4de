"""Wire views of domain objects: the reference's `acquireOrder` object.

Optional fields are left out when empty; amounts are exact JSON numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from botimpay.domain.order import Order, OrderStatus
from botimpay.domain.refund import Refund, RefundStatus
from botimpay.domain.scenes import PRODUCT_NAME
from botimpay.domain.sharing import Share, info_list, shared_out
from botimpay.protocol.money import Money

_EMPTY_ACCESSORY: dict[str, dict[str, Any]] = {
    "amountDetail": {},
    "goodsDetail": {},
    "terminalDetail": {},
}


def acquire_order(order: Order) -> dict[str, Any]:
    """The `acquireOrder` object of placeOrder, getOrder, cancelOrder and notifications."""
    details = order.details
    wire: dict[str, Any] = {
        "merchantOrderNo": order.merchant_order_no,
        "orderNo": order.order_no,
        "status": order.status.value,
        "product": PRODUCT_NAME,
        "totalAmount": order.total.to_wire(),
        "payeeMid": order.payee_mid,
        "expiredTime": order.expired_time,
        "subject": order.subject,
        "requestTime": order.request_time,
        "paySceneCode": order.scene_code,
        "paySceneParams": order.scene.to_wire(),
        "accessoryContent": {**_EMPTY_ACCESSORY, **details.get("accessoryContent", {})},
        "revoked": "true" if order.revoked else "false",
    }
    optional = {
        "notifyUrl": order.notify_url,
        "subjectAr": order.subject_ar,
        "reserved": order.reserved,
        "deviceId": order.device_id,
        "secondaryMerchantId": order.secondary_merchant_id,
        "riskInfo": order.risk_info,
    }
    wire.update({name: value for name, value in optional.items() if value is not None})
    if details.get("sharingParamList"):
        wire["sharingInfoList"] = info_list(details["sharingParamList"], order.payee_fee)
    if details.get("promotionInfoList"):
        wire["promotionInfoList"] = details["promotionInfoList"]
    if order.is_paid and order.payee_fee is not None and order.paid_time is not None:
        settlement = order.settlement_amount or order.total
        settlement -= shared_out(details.get("sharingParamList") or [], order.payee_fee)
        wire["paymentInfo"] = {
            "paidAmount": order.total.to_wire(),
            "paidTime": order.paid_time,
            "payerMid": order.payer_mid,
            "payChannel": order.pay_channel,
            "payerFeeAmount": Money.zero().to_wire(),
            "payeeFeeAmount": order.payee_fee.to_wire(),
            "settlementAmount": settlement.to_wire(),
        }
        if order.payer_mid is None:
            del wire["paymentInfo"]["payerMid"]
        if details.get("cardInfo"):
            wire["paymentInfo"]["cardInfo"] = details["cardInfo"]  # card payments only
    if order.status is OrderStatus.FAILURE:
        wire["failCode"] = order.fail_code
        wire["failDes"] = order.fail_des
    return wire


def refund_order(refund: Refund, order: Order) -> dict[str, Any]:
    """The reference's `refundOrder` object (refund placeOrder/getOrder, notifications)."""
    wire: dict[str, Any] = {
        "refundMerchantOrderNo": refund.refund_merchant_order_no,
        "orderNo": refund.refund_no,
        "originMerchantOrderNo": order.merchant_order_no,
        "originOrderNo": order.order_no,
        "status": refund.status.value,
        "amount": refund.amount.to_wire(),
        "feeRefunded": refund.fee_refunded.to_wire(),
    }
    optional = {
        "reason": refund.reason,
        "operatorName": refund.operator_name,
        "notifyUrl": refund.notify_url,
        "deviceId": refund.device_id,
        "secondaryMerchantId": refund.secondary_merchant_id,
        "reserved": refund.reserved,
    }
    wire.update({name: value for name, value in optional.items() if value is not None})
    if refund.details and refund.details.get("sharingInfoList"):  # services/sharing.py
        wire["refundSharingAmount"] = bool(refund.details.get("refundSharingAmount"))
        wire["sharingInfoList"] = refund.details["sharingInfoList"]
    if refund.status is RefundStatus.FAILURE:
        wire["failCode"] = refund.fail_code
        wire["failDes"] = refund.fail_des
    return wire


def refund_summary(order: Order, shares: Sequence[Share] = ()) -> dict[str, Any]:
    summary: dict[str, Any] = {
        "acquireAmount": order.total.to_wire(),
        "remainRefundAmount": (order.total - order.refunded).to_wire(),
    }
    if shares:  # the reference's sample spells the member id key "memeberId"
        summary["sharingRemainRefundInfoList"] = [
            {"remainRefundAmount": (s.amount - s.refunded).to_wire(), "memeberId": s.member_id}
            for s in shares
        ]
    return summary
