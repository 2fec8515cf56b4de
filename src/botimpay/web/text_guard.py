"""Refusing text no database can store: NUL characters and unpaired surrogates.

PostgreSQL refuses NUL in text and neither backend can encode a lone UTF-16
surrogate, so such a value reaching a statement would end as a 500. Every way
text comes in is checked before it gets that far, and the 400 names the field:
JSON bodies (`body.py`), forms (`checkout_forms.read_form`) and, in the
middleware below, the path, query string and cookies of every page.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

from starlette.requests import cookie_parser
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from botimpay.errors import InvalidParameter

_SURROGATE = re.compile("[\ud800-\udfff]")


def unstorable(text: str) -> str | None:
    """What makes `text` unstorable, or None when it can be stored."""
    if "\x00" in text:
        return "contains a NUL character"
    if _SURROGATE.search(text) is not None:
        return "contains an unpaired UTF-16 surrogate"
    return None


def printable(name: str) -> str:
    """A field name safe to echo in an answer: NUL and surrogates as \\u escapes."""
    return name.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\u0000")


def refuse_unstorable_text(value: object, path: str = "") -> None:
    """Raises InvalidParameter naming the first key or string (by its JSON path) that
    cannot be stored; walks iteratively, so nesting depth costs no recursion."""
    stack: list[tuple[str, object]] = [(path, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, str):
            problem = unstorable(item)
            if problem is not None:
                raise InvalidParameter(f"{printable(where) or 'body'}: {problem}")
        elif isinstance(item, dict):
            children: list[tuple[str, object]] = []
            for key, child in item.items():
                name = f"{where}.{key}" if where else str(key)
                problem = unstorable(str(key))
                if problem is not None:
                    raise InvalidParameter(f"{printable(name)}: the key {problem}")
                children.append((name, child))
            stack.extend(reversed(children))
        elif isinstance(item, list):
            stack.extend(reversed([(f"{where}[{i}]", child) for i, child in enumerate(item)]))


def request_text_problem(scope: Scope) -> str | None:
    """What in the path, query string or cookies cannot be stored, named; or None."""
    path: str = scope.get("path", "")
    if unstorable(path) is not None:
        return f"the URL path {unstorable(path)}"
    query: bytes = scope.get("query_string", b"")
    if b"%00" in query or b"\x00" in query:
        for key, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
            problem = unstorable(key) or unstorable(value)
            if problem is not None:
                return f"query parameter {printable(key)}: {problem}"
    for name, value in scope.get("headers", ()):
        if name == b"cookie" and b"\\" in value:  # octal escapes in quoted values
            for key, text in cookie_parser(value.decode("latin-1")).items():
                problem = unstorable(key) or unstorable(text)
                if problem is not None:
                    return f"cookie {printable(key)}: {problem}"
    return None


def refusal(scope: Scope, message: str) -> Response:
    """A 400 in the form the surface speaks: JSON for the JSON APIs, text for pages."""
    path: str = scope.get("path", "")
    if path.startswith(("/sandbox/api/", "/app/api/")) or "/api/" in path:
        return JSONResponse(
            {"result": "ERROR", "reason": "INVALID_PARAMETER", "message": message}, 400
        )
    return PlainTextResponse(f"400 Bad Request: {message}", 400)


class RefuseUnstorableText:
    """ASGI middleware: a 400 naming the parameter before any route sees such text."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            problem = request_text_problem(scope)
            if problem is not None:
                await refusal(scope, problem)(scope, receive, send)
                return
        await self.app(scope, receive, send)
