"""Request models of the payer endpoints: acquire2/getOrderPayer
(3_Payment/retrieve-order-payer.mdx) and acquire2/getCashierUrlInfo (get-cashier-url.mdx)."""

from __future__ import annotations

from botimpay.protocol.fields import Required512
from botimpay.protocol.requests import OrderRef, WireModel


class GetOrderPayerBiz(OrderRef):
    """bizContent of acquire2/getOrderPayer: merchantOrderNo xor orderNo."""


class GetCashierUrlInfoBiz(WireModel):
    """bizContent of acquire2/getCashierUrlInfo: the tokenUrl placeOrder returned.

    The page gives no maximum length; 512 characters hold any tokenUrl this gateway
    makes (about 60 beyond its public URL)."""

    tokenUrl: Required512


__all__ = ["GetCashierUrlInfoBiz", "GetOrderPayerBiz"]
