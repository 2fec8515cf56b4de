"""Merchant SDK for the Botim Money Business acquiring API.

    from botimpay_sdk import Client, Money, PlaceOrderRequest, jsapi

Everything public is listed in `__all__`; modules starting with `_` are private.
Importing the package loads only the wire core (`codes`, `wire`), the errors and
the settings types; the client, the models and the QR helpers load on first use,
so the botimpay gateway shares the wire core without an HTTP client or pydantic.
"""

import importlib
import typing

from botimpay_sdk import codes, wire
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
from botimpay_sdk._pacing import Pacing
from botimpay_sdk._retry import RetryPolicy
from botimpay_sdk._types import Clock, HeaderTypes, PrivateKeyTypes, PublicKeyTypes
from botimpay_sdk._version import __version__

if typing.TYPE_CHECKING:  # at run time, __getattr__ below imports these on first use
    from botimpay_sdk._client import AsyncClient, Client
    from botimpay_sdk._money import Money
    from botimpay_sdk._notifications import (
        NOTIFICATION_SUCCESS_BODY,
        Notification,
        PaymentNotification,
        RefundNotification,
        parse_notification,
    )
    from botimpay_sdk._qr import qr_png, qr_svg
    from botimpay_sdk._reports import (
        BalanceEntry,
        CashierPayer,
        DownloadedFile,
        MemberBalance,
        OrderPage,
        OrderPageItem,
        OrderPagePaymentInfo,
        OrderPayer,
        RefundPage,
        SortPageParam,
    )
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
    from botimpay_sdk._scenes import PayScene, dynqr, jsapi

__all__ = [
    "BASE_URLS",
    "NOTIFICATION_SUCCESS_BODY",
    "AccessoryContent",
    "AcquireOrder",
    "AmountDetail",
    "ApiError",
    "AsyncClient",
    "BalanceEntry",
    "CashierPayer",
    "Client",
    "Clock",
    "ConfigError",
    "DownloadedFile",
    "GoodsDetail",
    "HeaderTypes",
    "HttpStatusError",
    "InteractionParams",
    "InvalidRequestError",
    "MemberBalance",
    "Money",
    "Notification",
    "OrderPage",
    "OrderPageItem",
    "OrderPagePaymentInfo",
    "OrderPayer",
    "OrderStatus",
    "Pacing",
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
    "RefundPage",
    "RefundRequest",
    "RefundResult",
    "RefundStatus",
    "RefundSummary",
    "RetryPolicy",
    "SdkError",
    "SharingInfo",
    "SharingParam",
    "SignatureError",
    "SortPageParam",
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
    "wire",
]

_ON_FIRST_USE = (
    "_client",
    "_money",
    "_notifications",
    "_qr",
    "_reports",
    "_requests",
    "_responses",
    "_scenes",
)
"""The private modules that define the names imported under TYPE_CHECKING above."""


def _home(value: typing.Any) -> typing.Any:
    """Shows the public home in reprs and tracebacks (as httpx does)."""
    if callable(value) and getattr(value, "__module__", "").startswith("botimpay_sdk._"):
        value.__module__ = "botimpay_sdk"
    return value


def _publish(names: dict[str, typing.Any]) -> None:
    for name in __all__:
        if name in names:
            globals()[name] = _home(names[name])


_publish(globals())

if not typing.TYPE_CHECKING:

    def __getattr__(name: str) -> typing.Any:
        """The first public name of the client or models asked for loads them all."""
        if name in __all__:
            for module_name in _ON_FIRST_USE:
                _publish(vars(importlib.import_module(f"botimpay_sdk.{module_name}")))
            return globals()[name]
        raise AttributeError(f"module 'botimpay_sdk' has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted({*globals(), *__all__})
