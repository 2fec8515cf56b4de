"""The OpenAPI document of the merchant API and a Swagger UI served locally.

Served only when `Settings.docs` is on (default: sandbox); otherwise /docs,
/openapi.json and the Swagger assets are not routes at all (404).

Request envelopes are added to the components here, since the API reads raw
bytes (for the signature) instead of letting FastAPI parse the body.
"""

from __future__ import annotations

from typing import Any

import swagger_ui_bundle  # type: ignore[import-untyped]
from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from pydantic.json_schema import models_json_schema
from starlette.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

from botimpay import __version__
from botimpay.web.merchant_api import OPERATIONS

OPENAPI_URL = "/openapi.json"
DESCRIPTION = """\
The Botim Money Business acquiring API as served by botimpay.

Every request is `POST` JSON `{"requestTime": <ms>, "bizContent": {...}}` with headers
`Partner-Id` and `sign` = base64(SHA256withRSA(body bytes)) made with the merchant's
private key. Every answer is HTTP 200 with `{"head": {...}, "body": {...}}`, signed in
the `sign` header with the gateway key of that merchant.
"""


def openapi_document(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema:
        return app.openapi_schema
    document = get_openapi(
        title="botimpay merchant API",
        version=__version__,
        description=DESCRIPTION,
        routes=app.routes,
    )
    _, extra = models_json_schema(
        [(op.request_model, "validation") for op in OPERATIONS],
        ref_template="#/components/schemas/{model}",
    )
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in extra.get("$defs", {}).items():
        schemas.setdefault(name, schema)
    app.openapi_schema = document
    return document


def install_docs(app: FastAPI) -> None:
    """/docs and the Swagger assets; the app serves the document at OPENAPI_URL."""
    app.openapi = lambda: openapi_document(app)  # type: ignore[method-assign]
    app.mount("/_swagger", StaticFiles(directory=swagger_ui_bundle.swagger_ui_path), name="swagger")

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=OPENAPI_URL,
            title="botimpay merchant API",
            swagger_js_url="/_swagger/swagger-ui-bundle.js",
            swagger_css_url="/_swagger/swagger-ui.css",
            swagger_favicon_url="/_swagger/favicon-32x32.png",
        )
