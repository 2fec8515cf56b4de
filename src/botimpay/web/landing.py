"""The landing page `/` and the favicon: where a new user starts, and the icon every page shows.

In sandbox mode the page links the BOTIM app shell, the demo shop, the API docs
and the console (each only when it is served), and shows the demo merchant's
partner id and key paths with copyable curl and SDK snippets filled with this
gateway's values. In production it is a plain page: the merchant API's URL,
the docs and console when they are on, and how to register a merchant.

Key paths: `serve` is not told where `init` wrote the key files, so the page
looks where `init` writes them by default (`botimpay-keys/` under the server's
working directory, as `make run` does) and says whether the gateway public key
found there is this database's. Only paths are shown, never a private key.
"""

from __future__ import annotations

import asyncio
import json
import shlex
from dataclasses import dataclass
from pathlib import Path

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Match

from botimpay import __version__
from botimpay.services.setup import DEMO_PARTNER_ID, TEST_PASSWORD, test_wallet
from botimpay.services.wallets import SANDBOX_OTP
from botimpay.web.state import state_of
from botimpay.web.templating import STATIC, render

router = APIRouter(include_in_schema=False)

# `botimpay init`'s default --key-dir and the files it writes there (services/setup.initialise),
# relative to the working directory; tests/web/test_landing.py pins them to what init prints.
DEFAULT_KEY_DIR = Path("botimpay-keys")
FAVICON = STATIC / "favicon.svg"
_FAVICON_CACHE = "public, max-age=86400"


@dataclass(frozen=True, slots=True)
class Link:
    href: str
    title: str
    blurb: str


@dataclass(frozen=True, slots=True)
class Snippet:
    slug: str
    title: str
    language: str
    text: str


@dataclass(frozen=True, slots=True)
class DemoKeys:
    """The demo merchant as the page shows it: its name, partner id and key file paths."""

    partner_id: str
    name: str
    private_key: Path
    public_key: Path
    gateway_public_key: Path
    found: bool  # the gateway public key file there is this database's


def _serves(request: Request, path: str) -> bool:
    """True when a route of the app answers GET `path` (the console, when it is mounted).

    Asked through each route's `matches`, not its `path`: FastAPI keeps included
    routers as single entries of `app.routes`."""
    scope = {**request.scope, "path": path, "raw_path": path.encode(), "method": "GET"}
    return any(route.matches(scope)[0] is Match.FULL for route in request.app.router.routes)


def _links(request: Request) -> list[Link]:
    settings = state_of(request).settings
    links: list[Link] = []
    if settings.is_sandbox:
        links.append(Link("/app", "BOTIM app", "The app shell: sign in as a test wallet and pay."))
        links.append(
            Link("/demo/shop", "Demo shop", "A merchant page paying through the JS bridge.")
        )
    if _serves(request, "/console"):
        links.append(Link("/console", "Console", "Orders, logs, notifications and keys."))
    if settings.docs:
        links.append(Link("/docs", "API docs", "Every merchant API operation, with schemas."))
    links.append(Link("/healthz", "Health", "Liveness and the database check (JSON)."))
    return links


def _read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


async def _demo_keys(request: Request) -> DemoKeys | None:
    """The demo merchant and where its key files are; None when there is none."""
    record = await state_of(request).merchants.find(DEMO_PARTNER_ID)
    if record is None:
        return None
    key_dir = DEFAULT_KEY_DIR.resolve()
    gateway_key = key_dir / f"gateway-public-{DEMO_PARTNER_ID}.pem"
    on_disk = await asyncio.to_thread(_read_text, gateway_key)
    return DemoKeys(
        partner_id=record.merchant.partner_id,
        name=record.merchant.name,
        private_key=key_dir / "demo-merchant-private.pem",
        public_key=key_dir / "demo-merchant-public.pem",
        gateway_public_key=gateway_key,
        found=on_disk is not None and on_disk.strip() == record.gateway_public_key.strip(),
    )


def _snippets(public_url: str, demo: DemoKeys) -> list[Snippet]:
    """curl (signed with openssl), the Python SDK, and paying as a test wallet."""
    api = public_url + "/sgs/api"
    body = (
        '\'{"requestTime":\'$NOW\'000,"bizContent":{"merchantOrderNo":"M-\'$NOW\'",'
        '"subject":"Green tea","totalAmount":{"amount":10.50,"currency":"AED"},'
        '"paySceneCode":"JSAPI","paySceneParams":{}}}\''
    )
    curl = "\n".join(
        [
            "NOW=$(date +%s)",
            f"BODY={body}",
            'SIGN=$(printf %s "$BODY" | openssl dgst -sha256 -sign '
            f"{shlex.quote(str(demo.private_key))} | openssl base64 -A)",
            f"curl -sS {shlex.quote(api + '/acquire2/placeOrder')} \\",
            "  -H 'Content-Type: application/json' \\",
            f"  -H {shlex.quote('Partner-Id: ' + demo.partner_id)} \\",
            '  -H "sign: $SIGN" --data-binary "$BODY"',
        ]
    )
    sdk = "\n".join(
        [
            "import time",
            "",
            "from botimpay_sdk import Client, Money, PlaceOrderRequest, jsapi",
            "",
            "client = Client(",
            f"    partner_id={json.dumps(demo.partner_id)},",
            f"    private_key={json.dumps(str(demo.private_key))},",
            f"    gateway_public_key={json.dumps(str(demo.gateway_public_key))},",
            f"    base_url={json.dumps(api)},",
            ")",
            'order_no = f"M-{time.time_ns()}"',
            "result = client.place_order(PlaceOrderRequest(",
            "    merchant_order_no=order_no,",
            '    subject="Green tea",',
            '    total_amount=Money.aed("10.50"),  # Decimal or str, never float',
            "    scene=jsapi(),",
            "))",
            "print(result.token_url)  # open it in the BOTIM app shell, or pay it below",
            "print(client.get_order(order_no).status)  # CREATED; PAID_SUCCESS once paid",
        ]
    )
    _, phone, _ = test_wallet(1)
    pay_body = json.dumps(
        {"tokenUrl": "<token_url>", "phone": phone, "paymentPassword": TEST_PASSWORD},
        separators=(",", ":"),
    )
    pay = "\n".join(
        [
            f"curl -sS -H 'Content-Type: application/json' -d {shlex.quote(pay_body)} \\",
            f"  {shlex.quote(public_url + '/sandbox/api/pay')}",
        ]
    )
    return [
        Snippet("curl", "Place an order with curl (signed by openssl)", "shell", curl),
        Snippet("sdk", "Place an order with the Python SDK (botimpay_sdk)", "python", sdk),
        Snippet("pay", "Pay it as test wallet 1, without a phone", "shell", pay),
    ]


@router.api_route("/", methods=["GET", "HEAD"])
async def landing(request: Request) -> Response:
    """The landing page; in sandbox mode with the demo merchant's values."""
    settings = state_of(request).settings
    demo = await _demo_keys(request) if settings.is_sandbox else None
    _, phone, _ = test_wallet(1)
    return render(
        request,
        "landing.html",
        {
            "sandbox": settings.is_sandbox,
            "mode": settings.mode.value,
            "version": __version__,
            "api_url": settings.public_url + "/sgs/api",
            "links": _links(request),
            "demo": demo,
            "snippets": _snippets(settings.public_url, demo) if demo is not None else [],
            "wallet": {"phone": phone, "otp": SANDBOX_OTP, "password": TEST_PASSWORD},
            "key_dir": DEFAULT_KEY_DIR,
        },
    )


@router.api_route("/favicon.ico", methods=["GET", "HEAD"])
async def favicon() -> FileResponse:
    """The icon as SVG, where browsers look for one when a page names none."""
    return FileResponse(
        FAVICON, media_type="image/svg+xml", headers={"Cache-Control": _FAVICON_CACHE}
    )
