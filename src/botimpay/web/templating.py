"""Server-rendered pages: one Jinja2 environment per app, autoescaped, with a CSP nonce.

The environment (and its cache of compiled templates) is built with the app's
state and kept there (`AppState.templates`), so two apps never share one. Every
page gets `csp_nonce` for its (rare) inline script or style; everything else is
served from /static under a strict Content-Security-Policy.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from botimpay.protocol.money import Money

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"


def _aed(value: Money) -> str:
    """AED 1,234.50"""
    return f"AED {value.amount:,.2f}"


def build_environment() -> Environment:
    """The pages' environment: templates from TEMPLATES, compiled once each per app."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "xml"], default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["aed"] = _aed
    return env


def render(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """Renders `template` with the environment of the request's app and the request's
    CSP nonce in the context."""
    env: Environment = request.app.state.botimpay.templates
    nonce = getattr(request.state, "csp_nonce", "")
    html = env.get_template(template).render(request=request, csp_nonce=nonce, **context)
    return HTMLResponse(html, status_code=status_code, headers=headers)
