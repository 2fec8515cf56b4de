"""Merchant SDK for the Botim Money Business acquiring API.

    from botimpay_sdk import Client, Money, PlaceOrderRequest, jsapi

Everything public is listed in `__all__`; modules starting with `_` are private.
"""

from botimpay_sdk import codes
from botimpay_sdk._client import AsyncClient, Client
from botimpay_sdk._config import BASE_URLS
from botimpay_sdk._exceptions import (
    ApiError,
    ConfigError,
    HttpStatusError,
    InvalidRequestError,
    ProtocolError,
    SdkError,
    SignatureError,
    TransportError,
    UnresolvedOrderError,
)
from botimpay_sdk._money import Money
from botimpay_sdk._notifications import (
    NOTIFICATION_SUCCESS_BODY,
    Notification,
    PaymentNotification,
    RefundNotification,
    parse_notification,
)
from botimpay_sdk._qr import qr_png, qr_svg
from botimpay_sdk._requests import (
    AccessoryContent,
    AmountDetail,
    GoodsDetail,
    PlaceOrderRequest,
    PromotionInfo,
    RefundRequest,
    SharingParam,
    TerminalDetail,
)
from botimpay_sdk._responses import (
    AcquireOrder,
    InteractionParams,
    OrderStatus,
    PaymentInfo,
    PlaceOrderResult,
    RefundOrder,
    RefundResult,
    RefundStatus,
    RefundSummary,
    SharingInfo,
)
from botimpay_sdk._retry import RetryPolicy
from botimpay_sdk._scenes import PayScene, dynqr, jsapi
from botimpay_sdk._types import Clock, HeaderTypes, PrivateKeyTypes, PublicKeyTypes
from botimpay_sdk._version import __version__

__all__ = [
    "BASE_URLS",
    "NOTIFICATION_SUCCESS_BODY",
    "AccessoryContent",
    "AcquireOrder",
    "AmountDetail",
    "ApiError",
    "AsyncClient",
    "Client",
    "Clock",
    "ConfigError",
    "GoodsDetail",
    "HeaderTypes",
    "HttpStatusError",
    "InteractionParams",
    "InvalidRequestError",
    "Money",
    "Notification",
    "OrderStatus",
    "PayScene",
    "PaymentInfo",
    "PaymentNotification",
    "PlaceOrderRequest",
    "PlaceOrderResult",
    "PrivateKeyTypes",
    "PromotionInfo",
    "ProtocolError",
    "PublicKeyTypes",
    "RefundNotification",
    "RefundOrder",
    "RefundRequest",
    "RefundResult",
    "RefundStatus",
    "RefundSummary",
    "RetryPolicy",
    "SdkError",
    "SharingInfo",
    "SharingParam",
    "SignatureError",
    "TerminalDetail",
    "TransportError",
    "UnresolvedOrderError",
    "__version__",
    "codes",
    "dynqr",
    "jsapi",
    "parse_notification",
    "qr_png",
    "qr_svg",
]

# Show the public home in reprs and tracebacks (as httpx does).
_locals = locals()
for _name in __all__:
    _obj = _locals[_name]
    if callable(_obj) and getattr(_obj, "__module__", "").startswith("botimpay_sdk._"):
        _obj.__module__ = "botimpay_sdk"
del _locals, _name, _obj
