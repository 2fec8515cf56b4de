"""The console's Developers page in headless Chromium: a merchant user rotates its key
(uploads the new one, retires the old one after a confirmation page) and saves a
wildcard whitelist; then a request signed with the new key works and one signed with
the retired key is refused (403). No CSP violation or console error on the way.

Saves test-artifacts/screenshots/console-developers.png (README)."""

from __future__ import annotations

import hashlib

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from playwright.sync_api import Page, expect

from tests.browser.conftest import SCREENSHOTS, PageErrors, sign_in
from tests.console.conftest import add_user
from tests.harness import Gateway, Merchant, dumps, jsapi_order, new_key, now_ms, public_pem


def fingerprint(key: rsa.RSAPrivateKey) -> str:
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(der).hexdigest()


def test_merchant_rotates_its_key_in_the_page(desktop: Page, gateway: Gateway) -> None:
    page = desktop
    page.set_viewport_size({"width": 1360, "height": 900})
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    seen = PageErrors(page)
    shop = gateway.add_merchant()
    account = add_user(gateway, partner_id=shop.partner_id)
    shop.place_order().assert_ok()
    old_fp = fingerprint(shop.private_key)
    new = new_key()
    rotated = Merchant(shop.partner_id, new, shop.gateway_public_key, shop.base_url)

    sign_in(page, gateway.base_url + "/console/developers", account.username, account.password)
    expect(page.get_by_role("heading", name="Developers")).to_be_visible()
    expect(page.locator("#partner-id")).to_have_text(shop.partner_id)

    # upload the new key: both verify during the rotation
    page.get_by_label("Add a public key").fill(public_pem(new))
    page.get_by_role("button", name="Add key").click()
    expect(page.get_by_role("status")).to_contain_text("Public key added")
    expect(page.locator("code.dev-fingerprint")).to_have_count(2)
    rotated.place_order().assert_ok()
    shop.place_order().assert_ok()

    # a wildcard whitelist and a default notify URL, saved through their forms
    page.locator("#whitelist").fill("127.0.*.*\n10.0.0.0/8")
    page.get_by_role("button", name="Save whitelist").click()
    expect(page.get_by_role("status")).to_contain_text("IP whitelist saved")
    page.locator("#notify-url").fill("https://shop.example/botimpay/notify")
    page.get_by_role("button", name="Save URL").click()
    expect(page.get_by_role("status")).to_contain_text("Default notify URL saved")

    # retire the old key, after its confirmation page
    row = page.locator("tr", has=page.locator(f"code:text-is('{old_fp}')"))
    row.get_by_role("link", name="Retire").click()
    expect(page.get_by_role("heading", name="Retire a key")).to_be_visible()
    page.get_by_role("button", name="Retire the key").click()
    expect(page.get_by_role("status")).to_contain_text("Key retired")
    expect(page.locator("code.dev-fingerprint")).to_have_text([fingerprint(new)])

    # the new key works; the retired one is refused at once
    rotated.place_order().assert_ok()
    stale = shop.post_raw(
        "acquire2/placeOrder", dumps({"requestTime": now_ms(), "bizContent": jsapi_order()})
    )
    assert (stale.apply_status, stale.code) == ("ERROR", "403"), stale.json

    copy = page.locator("button[data-copy='snippet-curl']")
    copy.click()
    expect(copy).to_have_text("Copied")
    assert shop.partner_id in page.evaluate("navigator.clipboard.readText()")
    page.goto(gateway.base_url + "/console/developers")  # as it stays open, without a flash
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "console-developers.png"), full_page=True)
    assert seen.csp_violations() == []
    assert seen.console == []
