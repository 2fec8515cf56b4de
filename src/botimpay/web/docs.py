"""The OpenAPI document of the merchant API and a Swagger UI served locally.

Served only when `Settings.docs` is on (default: sandbox); otherwise /docs,
/openapi.json and the Swagger assets are not routes at all (404).

The merchant API is not a FastAPI route (web/fast_path.py answers it), so its
paths are written here from merchant_api.OPERATIONS: the Partner-Id and sign
headers, the request envelope as the body, the signed answer as the 200
response. The rest of the document is FastAPI's, from the app's routes.
"""

from __future__ import annotations

import re
from typing import Any

import swagger_ui_bundle  # type: ignore[import-untyped]
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, JsonSchemaValue, models_json_schema
from starlette.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

from botimpay import __version__
from botimpay.web.merchant_api import OPERATIONS, PREFIX
from botimpay.web.operation import Operation

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
    paths, schemas = merchant_api_paths()
    document["paths"] = {**paths, **document.get("paths", {})}
    components = document.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in schemas.items():
        components.setdefault(name, schema)
    app.openapi_schema = document
    return document


_HEADERS: list[dict[str, Any]] = [
    {
        "name": "Partner-Id",
        "in": "header",
        "required": True,
        "schema": {"type": "string", "maxLength": 12},
    },
    {
        "name": "sign",
        "in": "header",
        "required": True,
        "schema": {"type": "string"},
        "description": "base64 SHA256withRSA over the exact body bytes",
    },
]


def merchant_api_paths() -> tuple[dict[str, Any], dict[str, Any]]:
    """The OpenAPI paths of merchant_api.OPERATIONS and the schemas they refer to."""
    wanted: list[tuple[type[BaseModel], JsonSchemaMode]] = []
    for op in OPERATIONS:
        wanted += [(op.request_model, "validation"), (op.response_model, "serialization")]
    refs, definitions = models_json_schema(
        list(dict.fromkeys(wanted)), ref_template="#/components/schemas/{model}"
    )
    paths = {
        PREFIX + op.path: {
            "post": _operation(
                op, refs[op.request_model, "validation"], refs[op.response_model, "serialization"]
            )
        }
        for op in OPERATIONS
    }
    return paths, definitions.get("$defs", {})


def _operation(op: Operation, request: JsonSchemaValue, response: JsonSchemaValue) -> Any:
    return {
        "tags": ["Merchant API"],
        "summary": op.summary,
        "description": op.summary,
        "operationId": _operation_id(op),
        "parameters": _HEADERS,
        "requestBody": {"required": True, "content": {"application/json": {"schema": request}}},
        "responses": {"200": _success(op, response)},
    }


def _success(op: Operation, envelope: JsonSchemaValue) -> dict[str, Any]:
    """A signed envelope; for a download, the signed file, or the envelope of a refusal."""
    if op.file_media_type is None:
        return {
            "description": "Signed envelope",
            "content": {"application/json": {"schema": envelope}},
        }
    return {
        "description": (
            f"The file itself ({op.file_media_type}, Content-Disposition names it, `sign` "
            "signs its bytes); a refusal is the signed JSON envelope"
        ),
        "content": {
            op.file_media_type: {"schema": {"type": "string", "format": "binary"}},
            "application/json": {"schema": envelope},
        },
    }


def _operation_id(op: Operation) -> str:
    """The id FastAPI gave the route that documented the operation before."""
    return re.sub(r"\W", "_", op.path.replace("/", "_") + PREFIX + op.path) + "_post"


def install_docs(app: FastAPI) -> None:
    """/docs and the Swagger assets; the app serves the document at OPENAPI_URL."""
    app.openapi = lambda: openapi_document(app)  # type: ignore[method-assign]
    app.mount("/_swagger", StaticFiles(directory=swagger_ui_bundle.swagger_ui_path), name="swagger")

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return HTMLResponse(_DOCS_PAGE)


# Swagger UI started by a file (static/docs.js), not an inline script: the strict CSP
# (script-src 'self' 'nonce-…') blocks FastAPI's stock page, which rendered blank.
_DOCS_PAGE = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>botimpay merchant API</title>
<link rel="icon" href="/_swagger/favicon-32x32.png">
<link rel="stylesheet" href="/_swagger/swagger-ui.css">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{OPENAPI_URL}"></div>
<script src="/_swagger/swagger-ui-bundle.js"></script>
<script src="/static/docs.js"></script>
</body>
</html>
"""
