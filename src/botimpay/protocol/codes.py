"""Every response code of the Botim Money reference as a named constant.

Global codes come from `1_General/response-code.mdx`; payment and refund codes
from the same page and each endpoint's page. Codes are strings on the wire.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ResponseCode:
    """One documented (code, msg) pair; `code` is the wire string."""

    code: str
    msg: str
    description: str

    @property
    def is_global(self) -> bool:
        """Global codes (400..601) are protocol failures, not business results."""
        return len(self.code) <= 3


def _c(code: str, msg: str, description: str) -> ResponseCode:
    return ResponseCode(code, msg, description)


# --- Global -----------------------------------------------------------------
SUCCESS = _c("0", "SUCCESS", "The request has been successful")
INVALID_PARAMETER = _c("400", "INVALID_PARAMETER", "The parameter has not been passed correctly")
REQUESTTIME_TOO_EARLY = _c(
    "400",
    "REQUESTTIME_TOO_EARLY",
    "The difference between the request time and the current time cannot exceed 15 minutes",
)
REQUESTTIME_TOO_LATER = _c(
    "400",
    "REQUESTTIME_TOO_LATER",
    "The difference between the request time and the current time cannot exceed 15 minutes",
)
RATE_LIMIT_REJECT = _c("402", "RATE_LIMIT_REJECT", "Request frequency is too high")
UNAUTHORIZED = _c("403", "UNAUTHORIZED", "Merchant does not have permission to use this API")
SERVICE_NOT_AVAILABLE = _c("404", "SERVICE_NOT_AVAILABLE", "API service is temporarily unavailable")
SYSTEM_ERROR = _c("500", "SYSTEM_ERROR", "System error")
SERVICE_TIMEOUT = _c("504", "SERVICE_TIMEOUT", "Timeout")
RISK_FAIL = _c("601", "RISK_FAIL", "The request was intercepted by the risk control system")

# --- Payment & refund -------------------------------------------------------
ORDER_PAID = _c("62001", "ORDER_PAID", "Request cannot be executed when order is paid")
ORDER_FAILURE = _c("62002", "ORDER_FAILURE", "Request cannot be executed when order has failed")
ORDER_SETTLED = _c("62003", "ORDER_SETTLED", "Request cannot be executed when order is settled")
MERCHANT_ORDER_NO_NOT_EXIST = _c(
    "62004", "MERCHANT_ORDER_NO_NOT_EXIST", "The merchant order number does not exist"
)
REFUND_AMOUNT_EXCEEDED = _c(
    "62006", "REFUND_AMOUNT_EXCEEDED", "Refund amount exceeds refundable amount"
)
REFUND_MERCHANT_ORDER_NO_NOT_EXIST = _c(
    "62007", "REFUND_MERCHANT_ORDER_NO_NOT_EXIST", "The refund merchant order number does not exist"
)
EXPIREDTIME_LESS_THAN_REQUESTTIME = _c(
    "62008",
    "EXPIREDTIME_LESS_THAN_REQUESTTIME",
    "The expiredTime should be later than request time",
)
EXPIREDTIME_TOO_LATER = _c(
    "62009",
    "EXPIREDTIME_TOO_LATER",
    "The expiredTime should not exceed 48 hours after the request time",
)
PAYSCENECODE_ILLEGAL = _c(
    "62012", "PAYSCENECODE_ILLEGAL", "The parameter is outside the range of enumerated values"
)
ORDER_NOT_PAID = _c("62015", "ORDER_NOT_PAID", "Request cannot be executed when order is unpaid")
MERCHANT_ORDER_NO_EXIST = _c(
    "62016",
    "MERCHANT_ORDER_NO_EXIST",
    "An order has already been created with the same merchantOrderNo",
)
REFUND_MERCHANT_ORDER_NO_EXIST = _c(
    "62017",
    "REFUND_MERCHANT_ORDER_NO_EXIST",
    "The refund merchant order number has generated a refund order",
)
PAYERMID_NOT_EXIST = _c("62018", "PAYERMID_NOT_EXIST", "PayerMid not exist")
PAYEEMID_NOT_EXIST = _c("62019", "PAYEEMID_NOT_EXIST", "PayeeMid not exist")
PAYERMID_PAYEEMID_ARE_SAME = _c(
    "62020", "PAYERMID_PAYEEMID_ARE_SAME", "PayerMid and PayeeMid cannot be the same"
)
PRODUCT_IS_NOT_APPLIED = _c(
    "62026", "PRODUCT_IS_NOT_APPLIED", "Merchant does not have permission to use this product"
)
ORDER_BANK_FAIL = _c("62030", "ORDER_BANK_FAIL", "The order has been refunded")
ORDER_NO_NOT_EXIST = _c("62035", "ORDER_NO_NOT_EXIST", "Order number does not exist")
MERCHANT_DEVICE_NOT_EXIST = _c(
    "62036", "MERCHANT_DEVICE_NOT_EXIST", "This device doesn't exist in merchant account"
)
DEVICE_ACCESS_FORBIDDEN = _c("62037", "DEVICE_ACCESS_FORBIDDEN", "This device is forbidden")
INVALID_SECONDARY_MERCHANT = _c(
    "62038",
    "INVALID_SECONDARY_MERCHANT",
    "The secondary merchant must be the same as that of the payment order",
)
REVOKE_FAILURE = _c("62039", "REVOKE_FAILURE", "Request failed, please try again")
ACQUIRE_ORDER_REVOKED = _c(
    "62040", "ACQUIRE_ORDER_REVOKED", "The payment order has been revoked and cannot be refunded"
)
ACQUIRE_ORDER_REFUNDED = _c(
    "62041", "ACQUIRE_ORDER_REFUNDED", "The order has been refunded and cannot be revoked"
)
REFUND_REJECTED = _c("62045", "REFUND_REJECTED", "Request is rejected")
REVOKE_REJECTED = _c("62046", "REVOKE_REJECTED", "Request is rejected")
INVALID_ONE_TIME_PAYMENT = _c(
    "62073", "INVALID_ONE_TIME_PAYMENT", "Invalid oneTimePayment, please pass true or false"
)
INVALID_EMAIL = _c("62059", "INVALID_EMAIL", "Invalid email")
TOKEN_URL_NOT_EXIST = _c("62082", "TOKEN_URL_NOT_EXIST", "tokenUrl does not exist or has expired")
SHARING_MEMBER_NOT_EXIST = _c(
    "62083", "SHARING_MEMBER_NOT_EXIST", "The sharing member ID does not exist"
)
REFUND_SHARING_MEMBER_MISMATCH = _c(
    "62084", "REFUND_SHARING_MEMBER_MISMATCH", "The refund sharing details do not match"
)
INVALID_PAYEEMID = _c("62086", "INVALID_PAYEEMID", "The PayeeMid is invalid")
INVALID_EXPIRED_TIME = _c("62089", "INVALID_EXPIRED_TIME", "The expiredTime is invalid")

ALL_CODES: tuple[ResponseCode, ...] = tuple(
    value for value in globals().values() if isinstance(value, ResponseCode)
)
