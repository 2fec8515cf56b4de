"""The console's Developers page over HTTP: key rotation that takes effect at once,
the gateway key download, the sandbox key pair downloaded once, the IP whitelist
with the portal's wildcard form, the default notify URL used by placeOrder, CSRF,
and a merchant user who sees only its own merchant."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from html import unescape
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from botimpay.cli.common import run_db
from botimpay.clock import Clock
from botimpay.services.console_auth import ConsoleAuth
from botimpay.services.merchants import MerchantService
from botimpay.services.setup import initialise
from botimpay.settings import Mode, Settings
from botimpay.store.database import Database
from botimpay.web.app import create_app
from tests.console.conftest import Account, ConsoleClient, add_user, csrf_of
from tests.harness import Gateway, Merchant, dumps, jsapi_order, new_key, now_ms, public_pem

PAGE = "/console/developers"
FINGERPRINT = re.compile(r'<code class="dev-fingerprint">([0-9a-f]{64})</code>')


def with_key(shop: Merchant, key: rsa.RSAPrivateKey) -> Merchant:
    """The same merchant, signing with `key`."""
    return Merchant(shop.partner_id, key, shop.gateway_public_key, shop.base_url)


def fingerprints(client: ConsoleClient, partner_id: str) -> list[str]:
    response = client.get(PAGE, partner=partner_id)
    assert response.status_code == 200, response.text
    return FINGERPRINT.findall(response.text)


def post(
    client: ConsoleClient,
    path: str,
    data: dict[str, str],
    files: dict[str, tuple[str, bytes, str]] | None = None,
) -> httpx.Response:
    """A console form POST with the session's CSRF token."""
    return client.http.post(PAGE + path, data={"csrf_token": client.csrf(), **data}, files=files)


def error_of(response: httpx.Response) -> str:
    found = re.search(r'<p class="notice error" role="alert">([^<]*)</p>', response.text)
    assert found is not None, response.text
    return unescape(found.group(1))


@pytest.fixture(scope="module")
def shop(gateway: Gateway) -> Merchant:
    return gateway.add_merchant()


@pytest.fixture
def client(new_client: Callable[[], ConsoleClient], operator: Account) -> ConsoleClient:
    return new_client().signed_in(operator.username, operator.password)


def test_rotate_keys_both_work_then_retired_key_is_refused_at_once(
    client: ConsoleClient, shop: Merchant
) -> None:
    pid = shop.partner_id
    page = client.get(PAGE, partner=pid)
    assert page.status_code == 200
    assert pid in page.text
    assert "Generate a key pair" in page.text
    for snippet in ("snippet-curl", "snippet-sdk", "snippet-java"):
        assert f'id="{snippet}"' in page.text
    assert f"&#39;Partner-Id: {pid}&#39;" in page.text  # curl, filled and escaped
    assert f"gateway-public-{pid}.pem" in page.text
    [old_fp] = fingerprints(client, pid)

    # no CSRF token: refused, nothing added
    refused = client.http.post(PAGE + "/keys", data={"partner": pid, "public_key": "x"})
    assert refused.status_code == 403
    assert fingerprints(client, pid) == [old_fp]

    # upload a new key as PEM text: both keys verify during the rotation
    new = new_key()
    added = post(client, "/keys", {"partner": pid, "public_key": public_pem(new)})
    assert added.status_code == 303
    assert added.headers["location"] == f"{PAGE}?partner={pid}&done=key-added"
    assert "Public key added" in client.get(PAGE, partner=pid, done="key-added").text
    assert len(fingerprints(client, pid)) == 2
    shop.place_order().assert_ok()
    with_key(shop, new).place_order().assert_ok()

    # the same key again, and text that is no key: 400 with the reason, nothing added
    again = post(client, "/keys", {"partner": pid, "public_key": public_pem(new)})
    assert again.status_code == 400
    assert "already registered" in error_of(again)
    junk = post(client, "/keys", {"partner": pid, "public_key": "/etc/passwd"})
    assert junk.status_code == 400
    assert "neither PEM" in error_of(junk)
    # a key file (multipart) works as well as pasted text
    third = new_key()
    pem_file = public_pem(third).encode()
    by_file = post(
        client,
        "/keys",
        {"partner": pid, "public_key": ""},
        files={"public_key_file": ("key.pem", pem_file, "application/x-pem-file")},
    )
    assert by_file.status_code == 303, by_file.text
    assert len(fingerprints(client, pid)) == 3

    # retire the old key: a confirmation page, then every request signed with it is refused
    confirm = client.get(PAGE + "/keys/retire", partner=pid, fingerprint=old_fp)
    assert confirm.status_code == 200
    assert "Retire the key" in confirm.text
    retired = post(client, "/keys/retire", {"partner": pid, "fingerprint": old_fp})
    assert retired.status_code == 303
    assert old_fp not in fingerprints(client, pid)
    stale = shop.post_raw("acquire2/placeOrder", _body(jsapi_order()))
    assert (stale.apply_status, stale.code) == ("ERROR", "403"), stale.json
    with_key(shop, new).place_order().assert_ok()

    # retiring down to the last key is refused with a clear message
    third_fp = fingerprints(client, pid)[-1]
    assert (
        post(client, "/keys/retire", {"partner": pid, "fingerprint": third_fp}).status_code == 303
    )
    [last] = fingerprints(client, pid)
    last_confirm = client.get(PAGE + "/keys/retire", partner=pid, fingerprint=last)
    assert "last key" in last_confirm.text
    assert "Retire the key" not in last_confirm.text
    refused_last = post(client, "/keys/retire", {"partner": pid, "fingerprint": last})
    assert refused_last.status_code == 400
    assert "last key" in error_of(refused_last)
    with_key(shop, new).place_order().assert_ok()

    # the gateway public key downloads as a PEM file that verifies our answers
    download = client.get(PAGE + "/gateway-key.pem", partner=pid)
    assert download.status_code == 200
    assert download.headers["content-disposition"] == (
        f'attachment; filename="gateway-public-{pid}.pem"'
    )
    key = serialization.load_pem_public_key(download.content)
    assert key.public_numbers() == shop.gateway_public_key.public_numbers()  # type: ignore[union-attr]


def _body(biz: dict[str, object]) -> bytes:
    return dumps({"requestTime": now_ms(), "bizContent": biz})


def test_sandbox_key_pair_downloads_once(client: ConsoleClient, shop: Merchant) -> None:
    pid = shop.partner_id
    confirm = client.get(PAGE + "/keygen", partner=pid)
    assert confirm.status_code == 200
    assert "downloads <strong>once</strong>" in confirm.text
    assert client.http.post(PAGE + "/keygen", data={"partner": pid}).status_code == 403
    generated = post(client, "/keygen", {"partner": pid})
    assert generated.status_code == 200
    assert generated.headers["content-disposition"] == (
        f'attachment; filename="merchant-private-{pid}.pem"'
    )
    assert generated.headers["cache-control"] == "no-store"
    private_key = serialization.load_pem_private_key(generated.content, password=None)
    assert isinstance(private_key, rsa.RSAPrivateKey)
    assert private_key.key_size == 2048
    assert generated.headers["x-key-fingerprint"] in fingerprints(client, pid)
    with_key(shop, private_key).place_order().assert_ok()
    # shown nowhere afterwards: not on the page, not on the confirm page
    for path in (PAGE, PAGE + "/keygen"):
        assert "PRIVATE KEY" not in client.get(path, partner=pid).text


def test_whitelist_wildcard_is_enforced_and_malformed_refused(
    client: ConsoleClient, shop: Merchant
) -> None:
    pid = shop.partner_id
    key = new_key()
    assert post(client, "/keys", {"partner": pid, "public_key": public_pem(key)}).status_code == 303
    signer = with_key(shop, key)
    outside = post(client, "/whitelist", {"partner": pid, "whitelist": "192.168.*.*\n10.0.0.0/8"})
    assert outside.status_code == 303
    page = client.get(PAGE, partner=pid).text
    assert "192.168.*.*\n10.0.0.0/8</textarea>" in page  # kept as given
    refused = signer.post_raw("acquire2/placeOrder", _body(jsapi_order()))
    assert refused.code == "403", refused.json
    assert "whitelist" in refused.msg, refused.json

    assert post(client, "/whitelist", {"partner": pid, "whitelist": "127.0.*.*"}).status_code == 303
    signer.place_order().assert_ok()

    for bad, why in (("192.*.1.*", "last parts"), ("300.1.*.*", "'300' is not 0 to 255")):
        answer = post(client, "/whitelist", {"partner": pid, "whitelist": f"10.0.0.1\n{bad}"})
        assert answer.status_code == 400
        message = error_of(answer)
        assert bad in message, message
        assert why in message, message
        assert f"10.0.0.1\n{bad}</textarea>" in answer.text  # what was typed, kept
    signer.place_order().assert_ok()  # the refused whitelists changed nothing
    assert post(client, "/whitelist", {"partner": pid, "whitelist": "*"}).status_code == 303


def test_default_notify_url_fills_orders_without_one(
    client: ConsoleClient, gateway: Gateway, shop: Merchant
) -> None:
    pid = shop.partner_id
    key = new_key()  # the shop's first key was retired by the rotation test
    assert post(client, "/keys", {"partner": pid, "public_key": public_pem(key)}).status_code == 303
    signer = with_key(shop, key)
    url = "http://127.0.0.1:9/default-notify"
    bad = post(client, "/notify-url", {"partner": pid, "notify_url": "ftp://x.example/n"})
    assert bad.status_code == 400
    assert "http:// or https://" in error_of(bad)
    too_long = "http://a.b/" + "x" * 200
    long = post(client, "/notify-url", {"partner": pid, "notify_url": too_long})
    assert long.status_code == 400
    assert "at most 200" in error_of(long)
    saved = post(client, "/notify-url", {"partner": pid, "notify_url": url})
    assert saved.status_code == 303
    assert saved.headers["location"].endswith("done=notify-url")
    assert f'value="{url}"' in client.get(PAGE, partner=pid).text

    without = signer.place_order(notifyUrl=None).assert_ok().order["orderNo"]
    own = signer.place_order(notifyUrl="http://127.0.0.1:9/own").assert_ok().order["orderNo"]
    assert f"<dd>{url}</dd>" in client.get(f"/console/orders/{without}").text
    assert "<dd>http://127.0.0.1:9/own</dd>" in client.get(f"/console/orders/{own}").text

    cleared = post(client, "/notify-url", {"partner": pid, "notify_url": ""})
    assert cleared.headers["location"].endswith("done=notify-url-cleared")
    # the CLI takes the wildcard whitelist form too (the same domain rules)
    out = gateway.cli("merchant", "set-whitelist", "--partner-id", pid, "127.*.*.*").stdout
    assert "127.*.*.*" in out
    signer.place_order().assert_ok()


def test_merchant_user_sees_only_its_own_merchant(
    new_client: Callable[[], ConsoleClient], gateway: Gateway, shop: Merchant, merchant: Merchant
) -> None:
    other = merchant  # the session's shared merchant
    account = add_user(gateway, partner_id=shop.partner_id)
    user = new_client().signed_in(account.username, account.password)
    own = user.get(PAGE)
    assert own.status_code == 200
    assert shop.partner_id in own.text
    assert 'name="partner" value="' + shop.partner_id in own.text
    assert other.partner_id not in own.text
    assert user.get(PAGE, partner=other.partner_id).status_code == 404
    assert user.get(PAGE + "/gateway-key.pem", partner=other.partner_id).status_code == 404
    assert user.get(PAGE + "/keygen", partner=other.partner_id).status_code == 404
    for path, data in (
        ("/keys", {"public_key": public_pem(new_key())}),
        ("/whitelist", {"whitelist": "10.0.0.1"}),
        ("/notify-url", {"notify_url": "http://127.0.0.1:9/x"}),
        ("/keygen", {}),
    ):
        answer = post(user, path, {"partner": other.partner_id, **data})
        assert answer.status_code == 404, (path, answer.text)
    other.place_order().assert_ok()  # untouched: its whitelist is still *
    # without a session: the sign-in page
    anonymous = new_client()
    assert anonymous.get(PAGE).status_code == 303
    assert anonymous.http.post(PAGE + "/keys", data={}).status_code == 303


async def test_production_refuses_key_generation(tmp_path: Path) -> None:
    """In process (no server to start): a production gateway's page offers no key pair,
    and both the confirmation page and the POST are refused."""
    db_url = f"sqlite:///{tmp_path / 'production.db'}"
    pid = "200000000777"

    async def setup(db: Database) -> None:
        await initialise(db, Clock(), sandbox=False, key_dir=tmp_path / "keys")
        await MerchantService(db, Clock()).add(
            partner_id=pid, name="Prod shop", public_key=public_pem(new_key())
        )
        await ConsoleAuth(db, Clock()).add_user("prod-operator", "prod-password")

    await asyncio.to_thread(run_db, db_url, setup)
    settings = Settings(
        db_url=db_url, mode=Mode.PRODUCTION, run_sweeper=False, run_dispatcher=False
    )
    gateway = create_app(settings)
    async with gateway.app.router.lifespan_context(gateway.app):
        transport = httpx.ASGITransport(app=gateway)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw.test") as http:
            token = csrf_of((await http.get("/console/login")).text)
            login = {"csrf_token": token, "username": "prod-operator", "password": "prod-password"}
            assert (await http.post("/console/login", data=login)).status_code == 303
            page = await http.get(PAGE, params={"partner": pid})
            assert page.status_code == 200
            assert "Generate a key pair" not in page.text
            assert len(FINGERPRINT.findall(page.text)) == 1
            confirm = await http.get(PAGE + "/keygen", params={"partner": pid})
            assert confirm.status_code == 403
            data = {"csrf_token": csrf_of(page.text), "partner": pid}
            refused = await http.post(PAGE + "/keygen", data=data)
            assert refused.status_code == 403
            assert "sandbox mode only" in refused.text
            assert "PRIVATE KEY" not in refused.text
            again = await http.get(PAGE, params={"partner": pid})
            assert len(FINGERPRINT.findall(again.text)) == 1
