"""The landing page `/` and the favicon over HTTP: sandbox and production content, the
demo merchant's values in snippets that really work, escaping, no secrets, no inline code."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from html import unescape
from pathlib import Path

import httpx
import pytest

from botimpay.cli.common import run_db
from botimpay.store import migrate
from tests.conftest import _fresh_database
from tests.harness import Gateway, free_port, new_key, public_pem

DEMO = "200000000888"
HOSTILE = """<script>alert("x")</script> & 'Tea' <b onmouseover=alert(1)>"""
SNIPPET = re.compile(r'<code id="snippet-([a-z]+)"[^>]*>(.*?)</code>', re.DOTALL)
INIT_PATH = re.compile(
    r"^(demo merchant private key|demo merchant public key|gateway public key):\s+(.+)$"
)


def get(gateway: Gateway, path: str) -> httpx.Response:
    return httpx.get(gateway.base_url + path, timeout=30)


def hrefs(html: str) -> set[str]:
    return set(re.findall(r'href="([^"]*)"', html))


def snippets(html: str) -> dict[str, str]:
    return {slug: unescape(text) for slug, text in SNIPPET.findall(html)}


def init_paths(gateway: Gateway) -> dict[str, str]:
    """The key paths `botimpay init` prints (it is idempotent: it writes the same files)."""
    out = gateway.cli("init", "--db", gateway.db_url).stdout
    return dict(m.groups() for line in out.splitlines() if (m := INIT_PATH.match(line)))


def assert_no_inline_code(response: httpx.Response) -> None:
    """What the checkout's CSP asks: scripts and styles from files, nothing inline."""
    html = response.text
    assert "script-src 'self' 'nonce-" in response.headers["content-security-policy"]
    for tag in re.findall(r"<script[^>]*>", html):
        assert 'src="/static/' in tag, tag
    assert "<style" not in html
    for tag in re.findall(r"<[a-z][^>]*>", html):
        assert not re.search(r"\s(style|on[a-z]+)=", tag), tag


def test_sandbox_landing_links_pages_and_shows_the_demo_merchant(gateway: Gateway) -> None:
    response = get(gateway, "/")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert_no_inline_code(response)
    html = response.text
    links = hrefs(html)
    assert {"/app", "/demo/shop", "/docs", "/healthz", "/static/favicon.svg"} <= links
    console_served = get(gateway, "/console").status_code != 404
    assert ("/console" in links) is console_served
    assert f'<code id="partner-id">{DEMO}</code>' in html
    assert '<dd id="demo-name">Demo Shop</dd>' in html
    printed = init_paths(gateway)
    assert printed["demo merchant private key"].startswith(str(gateway.workdir))
    for label, element in [
        ("demo merchant private key", "private-key-path"),
        ("demo merchant public key", "public-key-path"),
        ("gateway public key", "gateway-key-path"),
    ]:
        assert f'<code id="{element}">{printed[label]}</code>' in html
    assert 'id="keys-missing"' not in html
    assert "PRIVATE KEY" not in html  # a path to the private key, never the key
    assert httpx.head(gateway.base_url + "/", timeout=30).status_code == 200
    assert f"{gateway.base_url}/sgs/api" in html


def test_the_snippets_place_and_pay_an_order(gateway: Gateway, tmp_path: Path) -> None:
    """curl (signed by openssl), the SDK and the pay helper, run as a user would paste them,
    from a directory that is not the gateway's: the paths in them are absolute."""
    code = snippets(get(gateway, "/").text)
    assert set(code) == {"curl", "sdk", "pay"}
    curl = subprocess.run(
        ["bash", "-c", code["curl"]],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
        check=True,
    )
    answer = json.loads(curl.stdout)
    assert (answer["head"]["applyStatus"], answer["head"]["code"]) == ("SUCCESS", "0"), answer
    assert answer["body"]["acquireOrder"]["status"] == "CREATED"

    sdk = subprocess.run(
        [sys.executable, "-c", code["sdk"]],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
        check=True,
    )
    token_url, status = sdk.stdout.split()
    assert token_url.startswith(gateway.base_url + "/pay-page/main?ft="), sdk.stdout
    assert status == "CREATED"

    assert "<token_url>" in code["pay"]
    pay = subprocess.run(
        ["bash", "-c", code["pay"].replace("<token_url>", token_url)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
        check=True,
    )
    paid = json.loads(pay.stdout)
    assert paid["result"] == "SUCCESS", paid
    assert paid["acquireOrder"]["status"] == "PAID_SUCCESS"


def test_favicon_is_an_svg_everywhere(gateway: Gateway) -> None:
    for path in ("/favicon.ico", "/static/favicon.svg"):
        response = get(gateway, path)
        assert response.status_code == 200, path
        assert response.headers["content-type"] == "image/svg+xml", path
        assert response.text.startswith("<svg "), path
        assert "<script" not in response.text
    assert "max-age" in get(gateway, "/favicon.ico").headers["cache-control"]
    for page in ("/", "/app", "/demo/shop"):
        assert "/static/favicon.svg" in hrefs(get(gateway, page).text), page


@pytest.fixture
def hostile_gateway(tmp_path: Path, backend_url: str | None) -> Iterator[Gateway]:
    """A sandbox whose demo merchant was registered, before `init`, under a hostile name."""
    databases = _fresh_database(backend_url, tmp_path)
    url = next(databases)
    gw = Gateway(db_url=url, port=free_port(), workdir=tmp_path)
    run_db(url, migrate.upgrade)
    key = tmp_path / "demo-public.pem"
    key.write_text(public_pem(new_key()))
    gw.cli("merchant", "add", "--partner-id", DEMO, "--name", HOSTILE, "--public-key", str(key))
    gw.cli("init", "--db", url)
    gw.start()
    try:
        yield gw
    finally:
        gw.stop()
        for _ in databases:
            pass


def test_a_hostile_merchant_name_is_escaped(hostile_gateway: Gateway) -> None:
    response = get(hostile_gateway, "/")
    assert response.status_code == 200
    html = response.text
    assert HOSTILE not in html
    assert "<script>alert" not in html
    assert "<b onmouseover" not in html
    shown = re.search(r'<dd id="demo-name">(.*?)</dd>', html)
    assert shown is not None
    assert unescape(shown.group(1)) == HOSTILE
    assert_no_inline_code(response)


def test_missing_key_files_are_named_not_hidden(hostile_gateway: Gateway) -> None:
    """Served from a directory without the key files (here: removed), the page still names
    the paths `init` writes and says how to write them again."""
    keys = hostile_gateway.workdir / "botimpay-keys"
    (keys / f"gateway-public-{DEMO}.pem").unlink()
    html = get(hostile_gateway, "/").text
    assert 'id="keys-missing"' in html
    assert f'<code id="private-key-path">{keys / "demo-merchant-private.pem"}</code>' in html


@pytest.fixture
def production(fresh_gateway: Callable[..., Gateway]) -> Gateway:
    return fresh_gateway("--mode", "production")


def test_production_landing_is_plain(production: Gateway) -> None:
    response = get(production, "/")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert_no_inline_code(response)
    html = response.text
    links = hrefs(html)
    assert "/healthz" in links
    for sandbox_only in ("/app", "/demo/shop", "/docs"):  # docs are off by default there
        assert sandbox_only not in links
    assert DEMO not in html
    assert "/sandbox/api" not in html
    assert "snippet-" not in html
    assert 'class="ld-tag ld-tag-production"' in html
    assert f"{production.base_url}/sgs/api" in html
    assert get(production, "/favicon.ico").headers["content-type"] == "image/svg+xml"


def test_unknown_paths_are_still_json_404(gateway: Gateway) -> None:
    response = get(gateway, "/no-such-page")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
