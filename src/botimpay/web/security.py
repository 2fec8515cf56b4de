"""Browser-facing security: headers (CSP with a per-request nonce), CSRF tokens, cookies.

Merchant API responses are JSON and keep only the neutral headers; HTML
pages get the strict policy. The app shell relaxes exactly one directive
(`frame-src`) so it can show merchant sites in its webview.
"""

from __future__ import annotations

import hmac
import secrets

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SESSION_COOKIE = "bp_session"
CSRF_COOKIE = "bp_csrf"
CSRF_FIELD = "csrf_token"

# The headers every answer carries: the merchant API's (sent by the fast path, which
# bypasses the middleware below) and every page's, to which SecurityHeaders adds them.
NEUTRAL_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
)


def content_security_policy(nonce: str, *, frame_src: str = "'self'") -> str:
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            f"style-src 'self' 'nonce-{nonce}'",
            "img-src 'self' data: blob:",
            "connect-src 'self'",
            f"frame-src {frame_src}",
            "frame-ancestors 'self'",
            "form-action 'self'",
            "base-uri 'none'",
            "object-src 'none'",
        ]
    )


class SecurityHeaders:
    """ASGI middleware: a nonce per request, and security headers on every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(16)
        scope.setdefault("state", {})["csp_nonce"] = nonce

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                extra = list(NEUTRAL_HEADERS)
                content_type = dict(headers).get(b"content-type", b"")
                if (
                    content_type.startswith(b"text/html")
                    and b"content-security-policy" not in names
                ):
                    extra.append(
                        (b"content-security-policy", content_security_policy(nonce).encode())
                    )
                    extra.append((b"x-frame-options", b"SAMEORIGIN"))
                headers.extend(item for item in extra if item[0] not in names)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def new_csrf_token() -> str:
    return secrets.token_urlsafe(24)


def csrf_matches(expected: str | None, given: str | None) -> bool:
    return bool(expected) and bool(given) and hmac.compare_digest(str(expected), str(given))


def secure_cookies(request: Request) -> bool:
    """Cookies are Secure whenever the gateway is reached over https."""
    public_url: str = request.app.state.botimpay.settings.public_url
    return public_url.startswith("https://") or request.url.scheme == "https"


def set_cookie(request: Request, response: Response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=secure_cookies(request),
        path="/",
    )
