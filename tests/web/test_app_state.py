"""What an app keeps for speed is its own: two apps in one process never share the
Jinja environment (with its compiled templates) or the parsed merchant keys."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from botimpay.clock import Clock
from botimpay.protocol import signing
from botimpay.services.merchants import MerchantService
from botimpay.settings import Settings
from botimpay.store import migrate
from botimpay.store.database import open_database
from botimpay.web import templating
from botimpay.web.state import AppState
from botimpay.web.templating import build_environment, render

PARTNER_ID = "200000000777"


def _page_app() -> Starlette:
    async def page(request: Request) -> Response:
        return render(request, "base.html", {})

    app = Starlette(routes=[Route("/", page)])
    app.state.botimpay = SimpleNamespace(templates=build_environment())
    return app


async def test_each_app_renders_with_its_own_environment() -> None:
    first, second = _page_app(), _page_app()
    first_env = first.state.botimpay.templates
    second_env = second.state.botimpay.templates
    assert first_env is not second_env

    transport = httpx.ASGITransport(app=first)
    async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
        response = await client.get("/")
    assert response.status_code == 200
    assert "<title>Botim Money</title>" in response.text
    assert first_env.cache is not None
    assert second_env.cache is not None
    assert len(first_env.cache) == 1  # base.html, compiled by the app that rendered it
    assert len(second_env.cache) == 0


def test_templating_keeps_no_environment_of_its_own() -> None:
    assert not any(
        isinstance(value, type(build_environment())) for value in vars(templating).values()
    )


async def test_two_app_states_share_no_caches(tmp_path: Path) -> None:
    settings = Settings(db_url=f"sqlite:///{tmp_path / 'two.db'}")
    setup = open_database(settings.db_url)
    try:
        await migrate.upgrade(setup)
        merchant_key = signing.generate_private_key()
        await MerchantService(setup, Clock()).add(
            partner_id=PARTNER_ID,
            name="Two apps",
            public_key=signing.public_key_pem(merchant_key.public_key()),
        )
    finally:
        await setup.dispose()

    first, second = AppState.build(settings), AppState.build(settings)
    try:
        assert first.templates is not second.templates
        assert first.db.statements is not second.db.statements
        assert first.db.memo is not second.db.memo

        one = await first.authenticator.load(PARTNER_ID)
        other = await second.authenticator.load(PARTNER_ID)
        assert one is not None
        assert other is not None
        assert one.public_keys[0] is not other.public_keys[0]
        assert one.gateway_key is not other.gateway_key

        # Within one app a new revision with the same keys reuses the parsed keys.
        await first.merchants.set_whitelist(PARTNER_ID, ["127.0.0.1"])
        again = await first.authenticator.load(PARTNER_ID)
        assert again is not None
        assert again is not one
        assert again.public_keys[0] is one.public_keys[0]
        assert again.gateway_key is one.gateway_key
    finally:
        await first.db.dispose()
        await second.db.dispose()
