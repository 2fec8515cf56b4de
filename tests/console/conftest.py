"""Console fixtures: a signed-in HTTP client for an operator or a merchant user."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import httpx
import pytest

from tests.harness import Gateway

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found is not None, html
    return found.group(1)


@dataclass
class ConsoleClient:
    """A browser-like client of /console: keeps cookies, does not follow redirects."""

    base_url: str
    http: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self.http = httpx.Client(base_url=self.base_url, timeout=30, follow_redirects=False)

    def get(self, path: str, **params: str) -> httpx.Response:
        return self.http.get(path, params=params or None)

    def login(self, username: str, password: str, *, next_path: str = "") -> httpx.Response:
        """GETs the sign-in form (for its CSRF token) and posts it."""
        token = csrf_of(self.get("/console/login").text)
        return self.http.post(
            "/console/login",
            data={
                "csrf_token": token,
                "username": username,
                "password": password,
                "next": next_path,
            },
        )

    def signed_in(self, username: str, password: str) -> ConsoleClient:
        response = self.login(username, password)
        assert response.status_code == 303, response.text
        return self

    def csrf(self) -> str:
        """The session's CSRF token, from a page's sign-out form."""
        return csrf_of(self.get("/console/orders").text)


@dataclass(frozen=True)
class Account:
    username: str
    password: str


@pytest.fixture
def new_client(gateway: Gateway) -> Iterator[Callable[[], ConsoleClient]]:
    clients: list[ConsoleClient] = []

    def make() -> ConsoleClient:
        clients.append(ConsoleClient(gateway.base_url))
        return clients[-1]

    yield make
    for client in clients:
        client.http.close()


def add_user(gateway: Gateway, *, partner_id: str | None = None) -> Account:
    """A console user made through `botimpay console-user add` with a known password."""
    account = Account(f"user-{uuid.uuid4().hex[:10]}", f"pw-{uuid.uuid4().hex}")
    extra = ["--partner-id", partner_id] if partner_id else []
    gateway.cli("console-user", "add", account.username, "--password", account.password, *extra)
    return account


@pytest.fixture(scope="session")
def operator(gateway: Gateway) -> Account:
    return add_user(gateway)
