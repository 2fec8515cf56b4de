"""The shop's web app: product page, checkout (placeOrder), order page, notify endpoint.

Built by `create_app(settings)`; the SDK client, the store, the resolver (which brings
every order to a final status in the background) and the templates live on
`app.state`. It talks to the gateway only through botimpay_sdk.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from botimpay_sdk import (
    NOTIFICATION_SUCCESS_BODY,
    AccessoryContent,
    AsyncClient,
    GoodsDetail,
    Money,
    Pacing,
    PaymentNotification,
    PlaceOrderRequest,
    ProtocolError,
    SdkError,
    SignatureError,
    dynqr,
    jsapi,
    qr_svg,
)
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from example_shop import catalog
from example_shop.cashier import Cashier
from example_shop.resolver import Resolver
from example_shop.settings import Settings
from example_shop.store import FINAL, Order, OrderStore, PaymentUpdate

HERE = Path(__file__).parent
logger = logging.getLogger("example_shop")
# Only for a form posted without its `scene` field (no JavaScript): the page itself asks
# the BOTIM bridge, BotimPay.isInApp(), and sends JSAPI inside the app and DYNQR elsewhere.
_MOBILE = re.compile(r"Mobile|Android|iPhone|iPad|BOTIM", re.IGNORECASE)
_ORDER_NO = re.compile(r"^SHOP-[0-9a-f]{16}$")


class Shop:
    """Request handlers; everything they use comes in through the constructor."""

    def __init__(self, settings: Settings, store: OrderStore, client: AsyncClient) -> None:
        self.settings = settings
        self.store = store
        self.client = client
        self.resolver = Resolver(client, store)
        self.cashier = Cashier(client)
        self.templates = Jinja2Templates(directory=HERE / "templates")
        parts = urlsplit(settings.gateway_url)
        self.gateway_origin = f"{parts.scheme}://{parts.netloc}"

    def _page(
        self, request: Request, name: str, context: dict[str, Any], status_code: int = 200
    ) -> Response:
        context.setdefault("gateway_origin", self.gateway_origin)
        return self.templates.TemplateResponse(request, name, context, status_code=status_code)

    def _error(self, request: Request, status_code: int, message: str) -> Response:
        return self._page(request, "error.html", {"message": message}, status_code)

    async def index(self, request: Request) -> Response:
        return self._page(
            request,
            "index.html",
            {"products": catalog.PRODUCTS, "max_quantity": catalog.MAX_QUANTITY},
        )

    async def checkout(self, request: Request) -> Response:
        form = await request.form()
        product = catalog.find(str(form.get("product", "")))
        quantity_text = str(form.get("quantity", "1"))
        if (
            product is None
            or not quantity_text.isdigit()
            or not (1 <= int(quantity_text) <= catalog.MAX_QUANTITY)
        ):
            return self._error(request, 400, "Pick a product and quantity.")
        quantity = int(quantity_text)
        scene = str(form.get("scene") or "")
        if scene not in ("JSAPI", "DYNQR"):  # no JavaScript ran: guess from the User-Agent
            scene = "JSAPI" if _MOBILE.search(request.headers.get("user-agent", "")) else "DYNQR"
        amount = product.price * quantity
        merchant_order_no = "SHOP-" + secrets.token_hex(8)
        subject = f"{product.name} x {quantity}"[:64]
        await run_in_threadpool(
            self.store.add, merchant_order_no, product.product_id, subject, quantity, amount, scene
        )
        request_model = PlaceOrderRequest(
            merchant_order_no=merchant_order_no,
            subject=subject,
            total_amount=Money.aed(amount),
            scene=jsapi() if scene == "JSAPI" else dynqr(),
            notify_url=self.settings.notify_url,
            accessory_content=AccessoryContent(
                goods_detail=GoodsDetail(
                    goods_id=product.product_id,
                    goods_name=product.name,
                    price=Money.aed(product.price),
                    quantity=Decimal(quantity),
                )
            ),
        )
        try:
            result = await self.client.place_order(request_model)
        except SdkError as exc:
            if not exc.retryable:  # refused: the order was not created
                logger.warning("placeOrder %s failed: %s", merchant_order_no, exc)
                await run_in_threadpool(self.store.failed_to_place, merchant_order_no)
                return self._error(request, 502, "Payments are unavailable right now. Try again.")
            # SYSTEM_ERROR, SERVICE_TIMEOUT, a timeout: the order may exist. Query, then
            # cancel it, so it can never be paid behind the customer's back.
            logger.warning(
                "placeOrder %s: outcome unknown (%s); resolving it", merchant_order_no, exc
            )
            await run_in_threadpool(self.store.unknown, merchant_order_no)
            self.resolver.watch(merchant_order_no, placed=False)
            return RedirectResponse(f"/orders/{merchant_order_no}", status_code=303)
        await run_in_threadpool(
            self.store.placed,
            merchant_order_no,
            result.acquire_order.order_no,
            result.token_url,
            result.acquire_order.status,
        )
        self.resolver.watch(merchant_order_no, placed=True)  # paid, or cancelled when abandoned
        return RedirectResponse(f"/orders/{merchant_order_no}", status_code=303)

    async def order_page(self, request: Request) -> Response:
        merchant_order_no = request.path_params["merchant_order_no"]
        order = await self._order(merchant_order_no)
        if order is None:
            return self._error(request, 404, "No such order.")
        history = await run_in_threadpool(self.store.history, merchant_order_no)
        qr = (
            qr_svg(order.token_url, scale=5)
            if (order.scene == "DYNQR" and order.status == "CREATED" and order.token_url)
            else None
        )
        scanned_by = await self._scanned_by(order)
        context = {"order": order, "qr": qr, "scanned_by": scanned_by, **history}
        return self._page(request, "order.html", context)

    async def order_status(self, request: Request) -> Response:
        """JSON for the page's polling and for BotimPay.pay({statusUrl})."""
        merchant_order_no = request.path_params["merchant_order_no"]
        order = await self._order(merchant_order_no)
        if order is None:
            return JSONResponse({"error": "unknown order"}, 404)
        history = await run_in_threadpool(self.store.history, merchant_order_no)
        return JSONResponse(
            {
                "merchantOrderNo": order.merchant_order_no,
                "orderNo": order.order_no,
                "status": order.status,
                "amount": str(order.amount),
                "confirmedBy": order.confirmed_by,
                "scannedBy": await self._scanned_by(order),
                **history,
            }
        )

    async def refresh(self, request: Request) -> Response:
        """Asks the gateway (getOrder) instead of waiting for the notification."""
        merchant_order_no = request.path_params["merchant_order_no"]
        order = await self._order(merchant_order_no)
        if order is None:
            return self._error(request, 404, "No such order.")
        if order.status not in FINAL:
            try:
                found = await self.client.get_order(merchant_order_no)
            except SdkError as exc:
                logger.warning("getOrder %s failed: %s", merchant_order_no, exc)
            else:
                update = PaymentUpdate(
                    found.merchant_order_no,
                    found.order_no,
                    found.status,
                    found.total_amount.amount if found.total_amount else None,
                )
                await run_in_threadpool(self.store.apply_query, update)
        return RedirectResponse(f"/orders/{merchant_order_no}", status_code=303)

    async def notify(self, request: Request) -> Response:
        """The notifyUrl: verify the signature over the raw bytes, apply once, and only
        then acknowledge with SUCCESS (anything else makes the gateway deliver it again)."""
        body = await request.body()
        try:
            note = self.client.parse_notification(request.headers, body)
        except SignatureError as exc:
            logger.warning("refused a notification: %s", exc)
            return JSONResponse({"response": "FAIL", "reason": "bad signature"}, 401)
        except ProtocolError as exc:
            logger.warning("unreadable notification: %s", exc)
            return JSONResponse({"response": "FAIL", "reason": "bad notification"}, 400)
        if isinstance(note, PaymentNotification):
            order = note.acquire_order
            kind = "payment"
            update = PaymentUpdate(
                order.merchant_order_no,
                order.order_no,
                order.status,
                order.total_amount.amount if order.total_amount else None,
            )
        else:
            refund = note.refund_order
            kind = "refund"
            update = PaymentUpdate(
                refund.origin_merchant_order_no or "", refund.order_no, refund.status, None
            )
        try:
            outcome = await run_in_threadpool(
                self.store.apply_notification, note.notify_id, kind, update
            )
        except Exception:  # not recorded: no SUCCESS, so the gateway sends it again
            logger.exception("notification %s could not be recorded", note.notify_id)
            return JSONResponse({"response": "FAIL", "reason": "not processed"}, 503)
        logger.info(
            "notification %s (%s %s %s): %s",
            note.notify_id,
            kind,
            update.merchant_order_no,
            update.status,
            outcome,
        )
        return Response(NOTIFICATION_SUCCESS_BODY, media_type="application/json")

    async def healthz(self, request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def _scanned_by(self, order: Order) -> str | None:
        """Who scanned a waiting DYNQR order's QR (getCashierUrlInfo), for the cashier."""
        if order.scene != "DYNQR" or order.status != "CREATED" or not order.token_url:
            return None
        return await self.cashier.scanned_by(order.token_url)

    async def _order(self, merchant_order_no: str) -> Order | None:
        if not _ORDER_NO.match(merchant_order_no):
            return None
        return await run_in_threadpool(self.store.get, merchant_order_no)


class SecurityHeaders:
    """A strict CSP that still lets the gateway's JS library run and the app shell frame us."""

    def __init__(self, app: Any, gateway_origin: str) -> None:
        self.app = app
        self.csp = (
            f"default-src 'self'; script-src 'self' {gateway_origin}; "
            f"img-src 'self' data: {gateway_origin}; style-src 'self'; "
            f"connect-src 'self'; frame-ancestors 'self' {gateway_origin}; "
            "base-uri 'none'; form-action 'self'"
        )

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = message.setdefault("headers", [])
                headers.append((b"content-security-policy", self.csp.encode()))
                headers.append((b"x-content-type-options", b"nosniff"))
                headers.append((b"referrer-policy", b"no-referrer"))
            await send(message)

        await self.app(scope, receive, with_headers)


def make_client(settings: Settings) -> AsyncClient:
    return AsyncClient(
        partner_id=settings.partner_id,
        private_key=settings.private_key,
        gateway_public_key=settings.gateway_public_key,
        base_url=settings.api_base_url,
        pacing=Pacing().scaled(settings.time_scale),
        timeout=15.0,
    )


def create_app(settings: Settings, *, client: AsyncClient | None = None) -> Starlette:
    store = OrderStore(settings.db)
    store.create_schema()
    shop = Shop(settings, store, client if client is not None else make_client(settings))

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await shop.resolver.resume()  # what an earlier run left unfinished
        yield
        await shop.resolver.aclose()
        await shop.client.aclose()

    routes = [
        Route("/", shop.index),
        Route("/checkout", shop.checkout, methods=["POST"]),
        Route("/orders/{merchant_order_no}", shop.order_page),
        Route("/orders/{merchant_order_no}/status", shop.order_status),
        Route("/orders/{merchant_order_no}/refresh", shop.refresh, methods=["POST"]),
        Route("/botim/notify", shop.notify, methods=["POST"]),
        Route("/healthz", shop.healthz),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.add_middleware(SecurityHeaders, gateway_origin=shop.gateway_origin)
    app.state.shop = shop
    return app
