"""Console sign-in over HTTP against a real `botimpay serve`: redirects without a
session, CSRF on every form, the cookie's flags, the lockout, sign-out."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.console.conftest import Account, ConsoleClient, add_user
from tests.harness import Gateway

PAGES = [
    "/console",
    "/console/orders",
    "/console/orders?status=CREATED&q=x",
    "/console/orders/NOPE",
]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_without_a_session_redirects_to_sign_in(
    new_client: Callable[[], ConsoleClient], path: str
) -> None:
    response = new_client().get(path)
    assert response.status_code == 303
    target = urlsplit(response.headers["location"])
    assert target.path == "/console/login"
    assert parse_qs(target.query)["next"] == [path]


def test_a_forged_session_cookie_is_no_session(new_client: Callable[[], ConsoleClient]) -> None:
    client = new_client()
    client.http.cookies.set("bp_console", "forged-token-value", path="/console")
    assert client.get("/console/orders").status_code == 303


def test_sign_in_goes_to_next_and_sets_a_strict_cookie(
    new_client: Callable[[], ConsoleClient], operator: Account
) -> None:
    client = new_client()
    response = client.login(
        operator.username, operator.password, next_path="/console/orders?status=PAID_SUCCESS"
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/console/orders?status=PAID_SUCCESS"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("bp_console=")
    for flag in ("HttpOnly", "Path=/console", "SameSite=lax"):
        assert flag.lower() in cookie.lower(), cookie
    assert "secure" not in cookie.lower()  # the test gateway's public URL is http
    token = cookie.split(";")[0].split("=", 1)[1]
    assert len(token) >= 32
    page = client.get("/console/orders")
    assert page.status_code == 200
    assert operator.username in page.text
    assert page.headers["cache-control"] == "no-store"
    assert "script-src 'self' 'nonce-" in page.headers["content-security-policy"]


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/x", "/\\evil", "/other"]
)
def test_next_never_leaves_the_console(
    new_client: Callable[[], ConsoleClient], operator: Account, target: str
) -> None:
    response = new_client().login(operator.username, operator.password, next_path=target)
    assert response.headers["location"] == "/console/orders"


def test_sign_in_without_or_with_a_wrong_csrf_token_is_403(
    new_client: Callable[[], ConsoleClient], operator: Account
) -> None:
    client = new_client()
    token = client.get("/console/login").cookies.get("bp_console_csrf")
    assert token
    form = {"username": operator.username, "password": operator.password}
    assert client.http.post("/console/login", data=form).status_code == 403
    wrong = client.http.post("/console/login", data={**form, "csrf_token": "x" * 32})
    assert wrong.status_code == 403
    # a token from the form but no cookie (another site's page cannot read or set ours)
    bare = httpx.post(
        client.base_url + "/console/login", data={**form, "csrf_token": token}, timeout=30
    )
    assert bare.status_code == 403
    assert "bp_console=" not in wrong.headers.get("set-cookie", "")
    assert client.get("/console/orders").status_code == 303


def test_sign_out_needs_the_session_csrf_token(
    new_client: Callable[[], ConsoleClient], operator: Account
) -> None:
    client = new_client().signed_in(operator.username, operator.password)
    token = client.csrf()
    assert client.http.post("/console/logout", data={}).status_code == 403
    assert client.http.post("/console/logout", data={"csrf_token": "y" * 32}).status_code == 403
    # the login form's double-submit token is not the session's
    login_token = client.http.cookies.get("bp_console_csrf")
    assert client.http.post("/console/logout", data={"csrf_token": login_token}).status_code == 403
    assert client.get("/console/orders").status_code == 200  # still signed in
    out = client.http.post("/console/logout", data={"csrf_token": token})
    assert (out.status_code, out.headers["location"]) == (303, "/console/login")
    assert client.get("/console/orders").status_code == 303


def test_a_stolen_cookie_dies_with_sign_out(
    new_client: Callable[[], ConsoleClient], operator: Account
) -> None:
    client = new_client().signed_in(operator.username, operator.password)
    stolen = new_client()
    stolen.http.cookies.set("bp_console", client.http.cookies["bp_console"], path="/console")
    assert stolen.get("/console/orders").status_code == 200
    client.http.post("/console/logout", data={"csrf_token": client.csrf()})
    assert stolen.get("/console/orders").status_code == 303


def test_five_wrong_passwords_lock_the_account(
    gateway: Gateway, new_client: Callable[[], ConsoleClient]
) -> None:
    account = add_user(gateway)
    client = new_client()
    for attempt in range(4):
        response = client.login(account.username, "wrong-password")
        assert response.status_code == 401, attempt
        assert "Wrong username or password" in response.text
    fifth = client.login(account.username, "wrong-password")
    assert fifth.status_code == 401
    assert "locked" in fifth.text
    right = client.login(account.username, account.password)  # even the right one, now
    assert right.status_code == 401
    assert "locked" in right.text
    # a new password (an operator's way out) clears the lock
    gateway.cli("console-user", "passwd", account.username, "--password", "a-new-password")
    assert client.login(account.username, "a-new-password").status_code == 303


def test_a_right_password_clears_the_count(
    gateway: Gateway, new_client: Callable[[], ConsoleClient]
) -> None:
    account = add_user(gateway)
    client = new_client()
    for _ in range(4):
        assert client.login(account.username, "wrong-password").status_code == 401
    assert client.login(account.username, account.password).status_code == 303
    other = new_client()
    for _ in range(4):
        assert other.login(account.username, "wrong-password").status_code == 401
    assert other.login(account.username, account.password).status_code == 303


def test_an_unknown_user_is_told_the_same_as_a_wrong_password(
    new_client: Callable[[], ConsoleClient],
) -> None:
    response = new_client().login("nobody-here", "whatever-password")
    assert response.status_code == 401
    assert "Wrong username or password" in response.text


def test_production_serves_the_console_with_secure_cookies_behind_https(
    fresh_gateway: Callable[..., Gateway],
) -> None:
    gw = fresh_gateway("--mode", "production", "--public-url", "https://pay.example", start=False)
    gw.cli("init", "--db", gw.db_url, "--mode", "production", "--console-password", "prod-secret-1")
    gw.start()
    with httpx.Client(base_url=gw.base_url, timeout=30, follow_redirects=False) as http:
        form = http.get("/console/login")
        assert form.status_code == 200
        csrf_cookie = form.headers["set-cookie"]
        assert "secure" in csrf_cookie.lower()
        token = csrf_cookie.split(";")[0].split("=", 1)[1]
        signed = http.post(
            "/console/login",
            data={"csrf_token": token, "username": "admin", "password": "prod-secret-1"},
            headers={"cookie": f"bp_console_csrf={token}"},
        )
        assert signed.status_code == 303
        cookie = signed.headers["set-cookie"]
        assert cookie.startswith("bp_console=")
        for flag in ("secure", "httponly", "path=/console", "samesite=lax"):
            assert flag in cookie.lower(), cookie
