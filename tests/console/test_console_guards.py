"""Every console route, found in the router itself so a new page cannot skip this:
each GET page without a session redirects to sign-in, and each form (POST) is refused
without the session's CSRF token, with a wrong one, and without a session at all.

Path parameters are filled with a real order's numbers where the route names an order
and with a made-up value elsewhere: the guards run before any lookup, so neither the
session check nor the CSRF check may depend on what the parameter names.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import pytest
from starlette.routing import Route

from botimpay.web import console
from tests.console.conftest import Account, ConsoleClient
from tests.harness import Gateway, jsapi_order

PUBLIC = {"/console/login"}  # the sign-in form itself (its own CSRF: test_console_sign_in)
PARAM = re.compile(r"\{([^}:]+)(?::[^}]+)?\}")


def _routes(method: str) -> list[str]:
    """The console's own routes and those of every page router it includes."""
    routers = [console.router, *(module.router for module in console.PAGE_MODULES)]
    paths = {
        route.path
        for router in routers
        for route in router.routes
        if isinstance(route, Route) and method in (route.methods or set())
    }
    return sorted(paths - PUBLIC)


GET_PATHS = _routes("GET")
POST_PATHS = _routes("POST")


def _fill(path: str, order_no: str) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "action":
            return "cancel"
        return order_no if "order" in name else "abc123"

    return PARAM.sub(value, path)


@pytest.fixture(scope="module")
def order_no(gateway: Gateway) -> str:
    shop = gateway.add_merchant()
    return str(shop.call("acquire2/placeOrder", jsapi_order()).assert_ok().order["orderNo"])


def test_the_router_has_the_console_pages() -> None:
    """The enumeration below is not vacuous: the console's main pages are in it."""
    for page in ("/console/orders", "/console/orders/{order_no}", "/console/logs"):
        assert page in GET_PATHS
    assert "/console/logout" in POST_PATHS


@pytest.mark.parametrize("path", GET_PATHS)
def test_every_get_without_a_session_goes_to_sign_in(
    new_client: Callable[[], ConsoleClient], order_no: str, path: str
) -> None:
    url = _fill(path, order_no)
    response = new_client().get(url)
    if response.headers.get("content-type", "").startswith("application/json"):
        assert response.status_code == 401, (url, response.status_code)
        return
    assert response.status_code == 303, (url, response.status_code, response.text[:200])
    target = urlsplit(response.headers["location"])
    assert target.path == "/console/login"
    assert parse_qs(target.query)["next"] == [url]


@pytest.mark.parametrize("path", POST_PATHS)
def test_every_form_is_refused_without_a_session(
    new_client: Callable[[], ConsoleClient], order_no: str, path: str
) -> None:
    url = _fill(path, order_no)
    response = new_client().http.post(url, data={"csrf_token": "x" * 43})
    assert response.status_code in (303, 403), (url, response.status_code)
    if response.status_code == 303:
        assert urlsplit(response.headers["location"]).path == "/console/login"


@pytest.mark.parametrize("path", POST_PATHS)
def test_every_form_without_or_with_a_wrong_csrf_token_is_403(
    new_client: Callable[[], ConsoleClient], operator: Account, order_no: str, path: str
) -> None:
    url = _fill(path, order_no)
    client = new_client().signed_in(operator.username, operator.password)
    real = client.csrf()
    wrong = real[:-1] + ("A" if real[-1] != "A" else "B")  # differs from the real one, always
    for data in ({}, {"csrf_token": ""}, {"csrf_token": wrong}):
        response = client.http.post(url, data=data)
        assert response.status_code == 403, (url, data, response.status_code)
    still = client.get("/console/orders")
    assert still.status_code == 200  # the refusals did not end the session
