"""A demo merchant page (/demo/shop) that uses the JS library, for the whole JSAPI loop.

Sandbox only. It is the demo merchant's own "server": it places orders
through OrderService directly (no signing round trip) at prices it owns, and
answers the page's status polls. Its JSON POSTs must come from this origin.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from decimal import Decimal

from fastapi import APIRouter
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response

from botimpay.errors import BotimpayError
from botimpay.protocol.money import Money
from botimpay.protocol.requests import OrderRef, PlaceOrderBiz
from botimpay.services.setup import DEMO_PARTNER_ID
from botimpay.web.appshell_api import error, gateway_origins, ok, public_origin
from botimpay.web.body import parse_json_object, read_body
from botimpay.web.state import state_of
from botimpay.web.templating import render

router = APIRouter(prefix="/demo/shop", tags=["Demo shop"], include_in_schema=False)

_JSON_LIMIT = 2048
SCENES = ("JSAPI", "DYNQR")


@dataclass(frozen=True, slots=True)
class Product:
    product_id: str
    name: str
    name_ar: str
    blurb: str
    price: Money
    icon: str


PRODUCTS = (
    Product(
        "coffee",
        "Arabic Coffee, 250 g",
        "قهوة عربية، ٢٥٠ غ",
        "Light roast with cardamom, ground fresh in Dubai.",
        Money(4_500),
        "coffee",
    ),
    Product(
        "earbuds",
        "Wireless Earbuds",
        "سماعات لاسلكية",
        "Noise cancelling, 30 hours with the case.",
        Money(18_900),
        "earbuds",
    ),
    Product(
        "watch",
        "Smart Watch Pro",
        "ساعة ذكية برو",
        "AMOLED, GPS, titanium case. Asks for the payment password.",
        Money(129_900),
        "watch",
    ),
)
_BY_ID = {product.product_id: product for product in PRODUCTS}


def _post_allowed(request: Request) -> bool:
    """The demo's CSRF rule: a JSON body sent by a page of this gateway (Origin checked)."""
    origin = request.headers.get("origin", "").lower()
    content_type = request.headers.get("content-type", "")
    return origin in gateway_origins(request) and content_type.startswith("application/json")


def _page_policy(nonce: str, gateway: str) -> str:
    """The strict policy, plus the gateway's public origin for the library, its QR
    images and framing by the app shell: the shop may be reached at another origin."""
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' {gateway} 'nonce-{nonce}'",
            f"style-src 'self' 'nonce-{nonce}'",
            f"img-src 'self' {gateway} data: blob:",
            "connect-src 'self'",
            "frame-src 'self'",
            f"frame-ancestors 'self' {gateway}",
            "form-action 'self'",
            "base-uri 'none'",
            "object-src 'none'",
        ]
    )


@router.get("")
async def shop_page(request: Request) -> Response:
    """Loads botimpay-jsapi.js from the gateway's public URL, as a merchant site would."""
    gateway = public_origin(state_of(request).settings.public_url)
    nonce = getattr(request.state, "csp_nonce", "")
    return render(
        request,
        "demo/shop.html",
        {"products": PRODUCTS, "gateway": gateway},
        headers={"Content-Security-Policy": _page_policy(nonce, gateway)},
    )


@router.post("/api/checkout")
async def checkout(request: Request) -> Response:
    """Places a JSAPI (or DYNQR) order for one product; returns its tokenUrl."""
    if not _post_allowed(request):
        return error(403, "CSRF", "Send JSON from the demo shop page itself.")
    try:
        body = parse_json_object(await read_body(request, _JSON_LIMIT))
    except BotimpayError:
        return error(400, "INVALID_PARAMETER", "Send a JSON object with productId.")
    product = _BY_ID.get(str(body.get("productId", "")))
    scene = body.get("scene", "JSAPI")
    if product is None or scene not in SCENES:
        return error(400, "INVALID_PARAMETER", "Unknown productId or scene (JSAPI or DYNQR).")
    state = state_of(request)
    now = state.clock.real_ms()
    merchant_order_no = f"DEMO{now}{secrets.token_hex(4).upper()}"
    try:
        biz = PlaceOrderBiz.model_validate(
            {
                "merchantOrderNo": merchant_order_no,
                "subject": product.name,
                "subjectAr": product.name_ar,
                "totalAmount": {"amount": product.price.amount, "currency": "AED"},
                "paySceneCode": scene,
                "paySceneParams": {},
                "accessoryContent": {
                    "goodsDetail": {"goodsId": product.product_id, "goodsName": product.name}
                },
            }
        )
        demo = await state.authenticator.load(DEMO_PARTNER_ID)
        if demo is None:
            return error(
                503, "DEMO_UNAVAILABLE", "The demo merchant is not set up (botimpay init)."
            )
        placed = await state.orders.place(DEMO_PARTNER_ID, biz, now, merchant=demo.merchant)
    except (ValidationError, BotimpayError) as exc:
        return error(503, "DEMO_UNAVAILABLE", f"The demo merchant could not place the order: {exc}")
    if placed.token_url is None:
        return error(409, "ORDER_CLOSED", "The order is no longer payable.")
    return ok(
        {
            "tokenUrl": placed.token_url,
            "orderNo": placed.order.order_no,
            "merchantOrderNo": placed.order.merchant_order_no,
            "scene": scene,
            "subject": product.name,
            "amount": Decimal(product.price.amount),
        }
    )


@router.get("/api/status")
async def status(request: Request) -> Response:
    """The demo merchant's view of one of its orders (what getOrder says): ?orderNo=…"""
    order_no = request.query_params.get("orderNo", "")
    if not order_no.isdigit() or len(order_no) > 32:
        return error(400, "INVALID_PARAMETER", "orderNo must be the gateway's order number.")
    try:
        order = await state_of(request).orders.get(DEMO_PARTNER_ID, OrderRef(orderNo=order_no))
    except BotimpayError:
        return error(404, "ORDER_NOT_FOUND", f"The demo shop has no order {order_no}.")
    return ok(
        {
            "orderNo": order.order_no,
            "merchantOrderNo": order.merchant_order_no,
            "status": order.status.value,
            "payerMid": order.payer_mid,
        }
    )
