"""The SDK as the merchant integration of a test-plan run: the reference flow, nothing else.

`SdkIntegration` places one order with `botimpay_sdk.Client` and resolves it the way
sdk/README.md tells merchants to: `wait_for_final` after a placed order,
`resolve_order` after a placeOrder whose outcome is unknown, every interval from the
client's `Pacing` scaled to the run. It has the `run()`, `stop` and `outcome` that
tests/testplan/client.py's `drive_all` expects. `SdkNotificationEndpoint` is a
merchant's notify URL that verifies with `Client.parse_notification` and answers
`NOTIFICATION_SUCCESS_BODY` only after recording the notification (Case-009).
"""

from __future__ import annotations

import threading
import time
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import orjson
from botimpay_sdk import (
    NOTIFICATION_SUCCESS_BODY,
    Client,
    Money,
    Pacing,
    PaymentNotification,
    PlaceOrderRequest,
    SdkError,
    UnresolvedOrderError,
    jsapi,
)

from tests.harness import Merchant, order_no
from tests.testplan.client import Call, Customer, Outcome


class _Recording(httpx.BaseTransport):
    """Records each call the SDK makes (operation, send time, head.code, order status)."""

    def __init__(self, outcome: Outcome) -> None:
        self.outcome = outcome
        self.inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        operation = request.url.path.removeprefix("/sgs/api/")
        sent = time.monotonic()
        try:
            response = self.inner.handle_request(request)
            content = response.read()
        except httpx.HTTPError:
            self.outcome.calls.append(Call(operation, sent, None, None))
            raise
        code = status = None
        try:
            envelope = orjson.loads(content)
            code = envelope["head"]["code"]
            status = ((envelope.get("body") or {}).get("acquireOrder") or {}).get("status")
        except (orjson.JSONDecodeError, KeyError, TypeError, AttributeError):
            pass
        self.outcome.calls.append(Call(operation, sent, code, status))
        return httpx.Response(
            response.status_code, headers=response.headers, content=content, request=request
        )

    def close(self) -> None:
        self.inner.close()


class SdkIntegration:
    """One order, placed and resolved by the SDK at `scale`."""

    def __init__(
        self,
        merchant: Merchant,
        base_url: str,
        scale: Decimal,
        *,
        amount: Decimal = Decimal("10.00"),
        notify_url: str | None = None,
        customer: Customer | None = None,
    ) -> None:
        self.stop = threading.Event()  # the SDK's flows run to their end; kept for drive_all
        self.outcome = Outcome(order_no())
        self.amount = amount
        self.notify_url = notify_url or "http://127.0.0.1:9/notify"
        self.customer = customer
        self.client = Client(
            partner_id=merchant.partner_id,
            private_key=merchant.private_key,
            gateway_public_key=merchant.gateway_public_key,
            base_url=base_url + "/sgs/api",
            pacing=Pacing().scaled(scale),
            timeout=10.0,
            transport=_Recording(self.outcome),
        )

    def run(self) -> Outcome:
        outcome = self.outcome
        number = outcome.merchant_order_no
        request = PlaceOrderRequest(
            merchant_order_no=number,
            subject="Go-live case",
            total_amount=Money.aed(self.amount),
            scene=jsapi(),
            notify_url=self.notify_url,
        )
        try:
            try:
                placed = self.client.place_order(request)
            except SdkError as exc:
                if not exc.retryable:
                    raise
                final = self.client.resolve_order(number)  # the outcome was unknown
            else:
                outcome.order_no = placed.acquire_order.order_no
                if self.customer is not None:
                    self.customer(placed.acquire_order.order_no)
                final = self.client.wait_for_final(number)
        except UnresolvedOrderError:
            outcome.end = "CANCEL_GAVE_UP"
        else:
            if final is None:
                outcome.end = "NEVER_EXISTED"
            else:
                outcome.end = "PAID" if final.is_paid else str(final.status)
        finally:
            self.client.close()
        return outcome


class SdkNotificationEndpoint:
    """A merchant's notify URL: verifies every notification with the SDK, records it,
    then answers NOTIFICATION_SUCCESS_BODY (anything it cannot verify gets a 400)."""

    def __init__(self, merchant: Merchant) -> None:
        self.received: list[PaymentNotification | Any] = []
        self._client = Client(
            partner_id=merchant.partner_id,
            private_key=merchant.private_key,
            gateway_public_key=merchant.gateway_public_key,
            base_url="local",
        )
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    note = endpoint._client.parse_notification(dict(self.headers.items()), body)
                except SdkError:
                    self.send_response(400)
                    self.end_headers()
                    return
                endpoint.received.append(note)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(NOTIFICATION_SUCCESS_BODY)))
                self.end_headers()
                self.wfile.write(NOTIFICATION_SUCCESS_BODY)

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/notify"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._client.close()
