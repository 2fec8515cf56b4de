"""/docs in headless Chromium: Swagger UI starts under the strict CSP and shows every
merchant operation (it rendered blank while its start-up script was inline)."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import Screenshots
from tests.browser.test_checkout_browser import watch_console
from tests.harness import Gateway


def test_docs_render_every_operation_under_the_csp(
    page: Page, gateway: Gateway, shot: Screenshots
) -> None:
    errors = watch_console(page)
    page.set_viewport_size({"width": 1280, "height": 900})
    response = page.goto(gateway.base_url + "/docs")
    assert response is not None
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("botimpay merchant API")
    operations = page.locator(".opblock-post .opblock-summary-path")
    expect(operations.first).to_be_visible()
    paths = {text.strip().replace("\u200b", "") for text in operations.all_inner_texts()}
    for path in ("acquire2/placeOrder", "acquire2/getOrder", "acquire2/refund/placeOrder"):
        assert f"/sgs/api/{path}" in paths, paths
    shot(page, "docs")
    page.locator(".opblock-post").first.click()
    expect(page.locator(".opblock-body").first).to_be_visible()
    shot(page, "docs placeOrder expanded")
    assert errors == [], errors
