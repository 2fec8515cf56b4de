"""The OpenAPI document and /docs, in process: the merchant API's paths come from
merchant_api.OPERATIONS (it has no FastAPI routes), the rest from the app's routes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode

from botimpay.settings import Settings
from botimpay.web.app import create_app
from botimpay.web.merchant_api import OPERATIONS, PREFIX
from botimpay.web.operation import Operation

REF = "#/components/schemas/{model}"


@pytest.fixture
async def http(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """The app without its lifespan: the document and the docs page need no database."""
    gateway = create_app(Settings(db_url=f"sqlite:///{tmp_path / 'unused.db'}"))
    transport = httpx.ASGITransport(app=gateway)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
        yield client


@pytest.fixture
async def document(http: httpx.AsyncClient) -> dict[str, Any]:
    response = await http.get("/openapi.json")
    assert response.status_code == 200
    spec: dict[str, Any] = response.json()
    return spec


def resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    node: Any = spec
    for part in schema["$ref"].removeprefix("#/").split("/"):
        node = node[part]
    assert isinstance(node, dict)
    return node


def own_schema(model: type[BaseModel], mode: JsonSchemaMode) -> dict[str, Any]:
    schema = model.model_json_schema(ref_template=REF, mode=mode)
    schema.pop("$defs", None)
    return schema


@pytest.mark.parametrize("operation", OPERATIONS, ids=[op.path for op in OPERATIONS])
def test_every_operation_is_documented(document: dict[str, Any], operation: Operation) -> None:
    described = document["paths"][PREFIX + operation.path]
    assert set(described) == {"post"}
    post = described["post"]
    assert post["summary"] == operation.summary
    assert post["tags"] == ["Merchant API"]
    headers = {p["name"]: p for p in post["parameters"] if p["in"] == "header"}
    assert set(headers) == {"Partner-Id", "sign"}
    assert all(p["required"] for p in headers.values())

    body = post["requestBody"]
    assert body["required"] is True
    request = resolve(document, body["content"]["application/json"]["schema"])
    assert request == own_schema(operation.request_model, "validation")
    content = post["responses"]["200"]["content"]
    answer = content["application/json"]["schema"]
    assert resolve(document, answer) == own_schema(operation.response_model, "serialization")
    files = set(content) - {"application/json"}  # a download: the file beside the refusal
    expected = {"getOrderStatement": {"application/zip"}, "getInvoice": {"application/pdf"}}
    assert files == expected.get(operation.path.rsplit("/", 1)[1], set())


def test_every_reference_resolves(document: dict[str, Any]) -> None:
    def refs(node: Any) -> list[str]:
        if isinstance(node, dict):
            found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
            return found + [ref for value in node.values() for ref in refs(value)]
        if isinstance(node, list):
            return [ref for value in node for ref in refs(value)]
        return []

    for ref in refs(document):
        assert resolve(document, {"$ref": ref}), ref


def test_the_other_routes_stay_in_the_document(document: dict[str, Any]) -> None:
    api = {PREFIX + op.path for op in OPERATIONS}
    assert {path for path in document["paths"] if path.startswith(PREFIX)} == api
    assert {"/healthz", "/qr.png", "/qr.svg", "/sandbox/api/pay"} <= set(document["paths"])


async def test_docs_page_is_served_with_its_assets(http: httpx.AsyncClient) -> None:
    page = await http.get("/docs")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "/openapi.json" in page.text
    for asset in ("/_swagger/swagger-ui-bundle.js", "/_swagger/swagger-ui.css"):
        assert asset in page.text
        assert (await http.get(asset)).status_code == 200
