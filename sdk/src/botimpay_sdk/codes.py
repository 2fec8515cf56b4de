"""Response codes of the Botim Money API (`head.code`): the one table, shared with the gateway.

From the reference's response-code page and each endpoint's table. Each constant
is a `ResponseCode`: the wire string itself (`ORDER_PAID == "62001"`) carrying
`.code`, `.msg`, `.description` and `.is_global`. Several messages share one code
(400 is INVALID_PARAMETER, REQUESTTIME_TOO_EARLY and REQUESTTIME_TOO_LATER): each
equals the string "400", but not the others; tell them apart by `ApiError.msg`.

    try:
        client.cancel_order("M1")
    except ApiError as exc:
        if exc.code == codes.ORDER_PAID:
            ...
"""

from __future__ import annotations

from typing import Any, Final, NoReturn


class ResponseCode(str):
    """One documented (code, msg) pair; the string itself is the wire code.

    It equals its code as a plain string, so `ApiError.code == ORDER_PAID` works; two
    ResponseCodes are equal only when code and msg both are. Immutable.
    """

    code: str
    msg: str
    description: str

    def __new__(cls, code: str, msg: str, description: str) -> ResponseCode:
        self = super().__new__(cls, code)
        vars(self).update(code=str(code), msg=msg, description=description)
        return self

    @property
    def is_global(self) -> bool:
        """Global codes (400..601) are protocol failures, not business results."""
        return len(self.code) <= 3

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ResponseCode):
            return self.code == other.code and self.msg == other.msg
        return str.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = str.__hash__

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError(f"ResponseCode is immutable; cannot set {name}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (ResponseCode, (self.code, self.msg, self.description))


# --- Global -------------------------------------------------------------------
SUCCESS = ResponseCode("0", "SUCCESS", "The request has been successful")
INVALID_PARAMETER = ResponseCode(
    "400", "INVALID_PARAMETER", "The parameter has not been passed correctly"
)
REQUESTTIME_TOO_EARLY = ResponseCode(
    "400",
    "REQUESTTIME_TOO_EARLY",
    "The difference between the request time and the current time cannot exceed 15 minutes",
)
REQUESTTIME_TOO_LATER = ResponseCode(
    "400",
    "REQUESTTIME_TOO_LATER",
    "The difference between the request time and the current time cannot exceed 15 minutes",
)
RATE_LIMIT_REJECT = ResponseCode("402", "RATE_LIMIT_REJECT", "Request frequency is too high")
UNAUTHORIZED = ResponseCode(
    "403", "UNAUTHORIZED", "Merchant does not have permission to use this API"
)
SERVICE_NOT_AVAILABLE = ResponseCode(
    "404", "SERVICE_NOT_AVAILABLE", "API service is temporarily unavailable"
)
SYSTEM_ERROR = ResponseCode("500", "SYSTEM_ERROR", "System error")
SERVICE_TIMEOUT = ResponseCode("504", "SERVICE_TIMEOUT", "Timeout")
RISK_FAIL = ResponseCode(
    "601", "RISK_FAIL", "The request was intercepted by the risk control system"
)

# --- Payment and refund -------------------------------------------------------
ORDER_PAID = ResponseCode("62001", "ORDER_PAID", "Request cannot be executed when order is paid")
ORDER_FAILURE = ResponseCode(
    "62002", "ORDER_FAILURE", "Request cannot be executed when order has failed"
)
ORDER_SETTLED = ResponseCode(
    "62003", "ORDER_SETTLED", "Request cannot be executed when order is settled"
)
MERCHANT_ORDER_NO_NOT_EXIST = ResponseCode(
    "62004", "MERCHANT_ORDER_NO_NOT_EXIST", "The merchant order number does not exist"
)
REFUND_AMOUNT_EXCEEDED = ResponseCode(
    "62006", "REFUND_AMOUNT_EXCEEDED", "Refund amount exceeds refundable amount"
)
REFUND_MERCHANT_ORDER_NO_NOT_EXIST = ResponseCode(
    "62007", "REFUND_MERCHANT_ORDER_NO_NOT_EXIST", "The refund merchant order number does not exist"
)
EXPIREDTIME_LESS_THAN_REQUESTTIME = ResponseCode(
    "62008",
    "EXPIREDTIME_LESS_THAN_REQUESTTIME",
    "The expiredTime should be later than request time",
)
EXPIREDTIME_TOO_LATER = ResponseCode(
    "62009",
    "EXPIREDTIME_TOO_LATER",
    "The expiredTime should not exceed 48 hours after the request time",
)
PAYSCENECODE_ILLEGAL = ResponseCode(
    "62012", "PAYSCENECODE_ILLEGAL", "The parameter is outside the range of enumerated values"
)
STATEMENT_NOT_EXIST = ResponseCode(
    "62013",
    "STATEMENT_NOT_EXIST",
    "Statement not generated. Please wait a few minutes or check if the date being passed is a "
    "future date.",
)
STATEMENT_NOT_GENERATED = ResponseCode(
    "62014",
    "STATEMENT_NOT_GENERATED",
    "Statement not generated. Please download the statement after the specified time set by the "
    "merchant.",
)
ORDER_NOT_PAID = ResponseCode(
    "62015", "ORDER_NOT_PAID", "Request cannot be executed when order is unpaid"
)
MERCHANT_ORDER_NO_EXIST = ResponseCode(
    "62016",
    "MERCHANT_ORDER_NO_EXIST",
    "An order has already been created with the same merchantOrderNo",
)
REFUND_MERCHANT_ORDER_NO_EXIST = ResponseCode(
    "62017",
    "REFUND_MERCHANT_ORDER_NO_EXIST",
    "The refund merchant order number has generated a refund order",
)
PAYERMID_NOT_EXIST = ResponseCode("62018", "PAYERMID_NOT_EXIST", "PayerMid not exist")
PAYEEMID_NOT_EXIST = ResponseCode("62019", "PAYEEMID_NOT_EXIST", "PayeeMid not exist")
PAYERMID_PAYEEMID_ARE_SAME = ResponseCode(
    "62020", "PAYERMID_PAYEEMID_ARE_SAME", "PayerMid and PayeeMid cannot be the same"
)
NAME_NOT_MATCH = ResponseCode(
    "62023", "NAME_NOT_MATCH", "The payee name being passed does not match the KYC information"
)
PRODUCT_IS_NOT_APPLIED = ResponseCode(
    "62026", "PRODUCT_IS_NOT_APPLIED", "Merchant does not have permission to use this product"
)
BENEFICIARY_NOT_EXIST = ResponseCode("62027", "BENEFICIARY_NOT_EXIST", "The payee does not exist")
ORDER_SUCCESS = ResponseCode("62028", "ORDER_SUCCESS", "The order has been successful")
ORDER_CREATED = ResponseCode("62029", "ORDER_CREATED", "The order has been created")
ORDER_BANK_FAIL = ResponseCode("62030", "ORDER_BANK_FAIL", "The order has been refunded")
MISSING_IAP_DEVICE_ID = ResponseCode("62031", "MISSING_IAP_DEVICE_ID", "Missing iapDeviceId")
MISSING_APP_ID = ResponseCode("62032", "MISSING_APP_ID", "Missing AppId")
MISSING_AUTHCODE = ResponseCode("62033", "MISSING_AUTHCODE", "Missing authCode")
INVALID_APP_ID = ResponseCode("62034", "INVALID_APP_ID", "Invalid appId")
ORDER_NO_NOT_EXIST = ResponseCode("62035", "ORDER_NO_NOT_EXIST", "Order number does not exist")
MERCHANT_DEVICE_NOT_EXIST = ResponseCode(
    "62036", "MERCHANT_DEVICE_NOT_EXIST", "This device doesn't exist in merchant account"
)
DEVICE_ACCESS_FORBIDDEN = ResponseCode(
    "62037", "DEVICE_ACCESS_FORBIDDEN", "This device is forbidden"
)
INVALID_SECONDARY_MERCHANT = ResponseCode(
    "62038",
    "INVALID_SECONDARY_MERCHANT",
    "The secondary merchant must be the same as that of the payment order",
)
REVOKE_FAILURE = ResponseCode("62039", "REVOKE_FAILURE", "Request failed, please try again")
ACQUIRE_ORDER_REVOKED = ResponseCode(
    "62040", "ACQUIRE_ORDER_REVOKED", "The payment order has been revoked and cannot be refunded"
)
ACQUIRE_ORDER_REFUNDED = ResponseCode(
    "62041", "ACQUIRE_ORDER_REFUNDED", "The order has been refunded and cannot be revoked"
)
MISSING_AUTH_PROTOCOL_NO = ResponseCode(
    "62042", "MISSING_AUTH_PROTOCOL_NO", "Missing authProtocolNo"
)
MISSING_BUSINESS_TYPE = ResponseCode(
    "62043", "MISSING_BUSINESS_TYPE", "Missing businessType. Please adjust the request parameters."
)
INVALID_BUSINESS_TYPE = ResponseCode(
    "62044",
    "INVALID_BUSINESS_TYPE",
    "The businessType is invalid. Please adjust the request parameters.",
)
REFUND_REJECTED = ResponseCode("62045", "REFUND_REJECTED", "Request is rejected")
REVOKE_REJECTED = ResponseCode("62046", "REVOKE_REJECTED", "Request is rejected")
MISSING_AUTH_TOKEN = ResponseCode("62047", "MISSING_AUTH_TOKEN", "Missing authToken")
MISSING_UNIQUE_DEVICE = ResponseCode("62048", "MISSING_UNIQUE_DEVICE", "Missing uniqueDevice")
MISSING_CARD_NO = ResponseCode("62049", "MISSING_CARD_NO", "Missing cardNo")
MISSING_HOLDER_NAME = ResponseCode("62050", "MISSING_HOLDER_NAME", "Missing holderName")
MISSING_CVV = ResponseCode("62051", "MISSING_CVV", "Missing cvv")
MISSING_PLATFORM_TYPE = ResponseCode("62052", "MISSING_PLATFORM_TYPE", "Missing platformType")
MISSING_EXP_YEAR = ResponseCode("62053", "MISSING_EXP_YEAR", "Missing expYear")
MISSING_EXP_MONTH = ResponseCode("62054", "MISSING_EXP_MONTH", "Missing expMonth")
MISSING_CUSTOMER_ID = ResponseCode("62055", "MISSING_CUSTOMER_ID", "Missing customerId")
MISSING_EMAIL = ResponseCode("62056", "MISSING_EMAIL", "Missing email")
INVALID_SAVE_CARD = ResponseCode(
    "62057", "INVALID_SAVE_CARD", "Invalid saveCard, please pass true or false"
)
INVALID_THREEDSECURE = ResponseCode(
    "62058", "INVALID_THREEDSECURE", "Invalid threeDSecure, please pass true or false"
)
INVALID_EMAIL = ResponseCode("62059", "INVALID_EMAIL", "Invalid email")
INVALID_PLATFORM_TYPE = ResponseCode(
    "62060", "INVALID_PLATFORM_TYPE", "Invalid platformType, please check the enumerated values"
)
MISSING_REAL_IP = ResponseCode("62061", "MISSING_REAL_IP", "Missing realIP")
INVALID_REAL_IP = ResponseCode("62062", "INVALID_REAL_IP", "Invalid realIP")
INVALID_EXP_YEAR = ResponseCode("62063", "INVALID_EXP_YEAR", "Invalid expYear")
INVALID_EXP_MONTH = ResponseCode("62064", "INVALID_EXP_MONTH", "Invalid expMonth")
INVALID_CARD_NO = ResponseCode("62065", "INVALID_CARD_NO", "Invalid cardNo")
INVALID_CVV = ResponseCode("62066", "INVALID_CVV", "Invalid cvv")
HOLDER_NAME_TOO_LONG = ResponseCode("62067", "HOLDER_NAME_TOO_LONG", "Holder name max length is 64")
MISSING_SAVE_CARD = ResponseCode("62068", "MISSING_SAVE_CARD", "Missing saveCard")
CARD_NO_LENGTH_UNMATCH = ResponseCode(
    "62069",
    "CARD_NO_LENGTH_UNMATCH",
    "cardNo length does not meet the requirements, usually 16 to19",
)
CARD_BIN_NOT_SUPPORTED = ResponseCode("62070", "CARD_BIN_NOT_SUPPORTED", "cardBin does not support")
CARD_BIN_UNAVAILABLE = ResponseCode("62071", "CARD_BIN_UNAVAILABLE", "cardBin unavailable")
MISSING_REDIRECT_URL = ResponseCode("62072", "MISSING_REDIRECT_URL", "Missing redirectUrl")
INVALID_ONE_TIME_PAYMENT = ResponseCode(
    "62073", "INVALID_ONE_TIME_PAYMENT", "Invalid oneTimePayment, please pass true or false"
)
CARD_NOT_EXIST = ResponseCode("62078", "CARD_NOT_EXIST", "Card not saved or has been deleted")
MISSING_CARD_NO_CARD_TOKEN = ResponseCode(
    "62079", "MISSING_CARD_NO_CARD_TOKEN", "cardToken and cardNo cannot be empty at the same time"
)
MISSING_EWALLET_CODE = ResponseCode("62080", "MISSING_EWALLET_CODE", "Missing eWalletCode")
INVALID_EWALLET_CODE = ResponseCode(
    "62081", "INVALID_EWALLET_CODE", "Invalid eWalletCode, please check the enumerated values"
)
TOKEN_URL_NOT_EXIST = ResponseCode(
    "62082", "TOKEN_URL_NOT_EXIST", "tokenUrl does not exist or has expired"
)
SHARING_MEMBER_NOT_EXIST = ResponseCode(
    "62083", "SHARING_MEMBER_NOT_EXIST", "The sharing member ID does not exist"
)
REFUND_SHARING_MEMBER_MISMATCH = ResponseCode(
    "62084", "REFUND_SHARING_MEMBER_MISMATCH", "The refund sharing details do not match"
)
MISSING_PROTOCOL_SCENE_CODE = ResponseCode(
    "62085",
    "MISSING_PROTOCOL_SCENE_CODE",
    "Missing protocol scene code. Please adjust the request parameters.",
)
INVALID_PAYEEMID = ResponseCode("62086", "INVALID_PAYEEMID", "The PayeeMid is invalid")
INVALID_TYPE = ResponseCode(
    "62087", "INVALID_TYPE", "The type is invalid. Please check and adjust the request parameters"
)
MISSING_UNIQUE_ID = ResponseCode(
    "62088", "MISSING_UNIQUE_ID", "Missing uniqueId, please check and adjust the request parameters"
)
INVALID_EXPIRED_TIME = ResponseCode("62089", "INVALID_EXPIRED_TIME", "The expiredTime is invalid")

# --- Member (9_Member/get-balance.mdx) ------------------------------------------
CURRENCY_CODE_NOT_SUPPORTED = ResponseCode(
    "78001", "CURRENCY_CODE_NOT_SUPPORTED", "The currency is not supported."
)

# --- Refund page query (4_Refund/query-refund-order-page.mdx) ---------------------
# That page alone answers the 15-minute requestTime window with its own codes (the
# names are the global 400 pairs', so these constants carry the page's prefix).
REFUND_PAGE_REQUESTTIME_TOO_EARLY = ResponseCode(
    "71002",
    "REQUESTTIME_TOO_EARLY",
    "Request time is more than 15 minutes earlier than current time",
)
REFUND_PAGE_REQUESTTIME_TOO_LATER = ResponseCode(
    "71003",
    "REQUESTTIME_TOO_LATER",
    "Request time is more than 15 minutes later than current time",
)

ALL_CODES: Final[tuple[ResponseCode, ...]] = tuple(
    value for value in list(globals().values()) if isinstance(value, ResponseCode)
)
"""Every documented (code, msg) pair, in the order of the table above."""

# --- Groups the SDK acts on ---------------------------------------------------
RETRYABLE: Final = frozenset({SYSTEM_ERROR, SERVICE_TIMEOUT})
"""Codes after which the identical request may be sent again."""

UNSIGNED_TOLERATED: Final = frozenset(
    {INVALID_PARAMETER, RATE_LIMIT_REJECT, UNAUTHORIZED, SERVICE_NOT_AVAILABLE,
     SYSTEM_ERROR, SERVICE_TIMEOUT, RISK_FAIL}
)
"""Codes a response may carry without `sign` (as the official Java SDK allows)."""
