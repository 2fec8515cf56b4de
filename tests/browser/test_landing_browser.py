"""The landing page `/` in headless Chromium: no console error (no CSP violation, no 404,
the favicon included), a Copy button that really fills the clipboard, working links."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Response, expect

from tests.browser.conftest import SCREENSHOTS
from tests.harness import Gateway

# Playwright injects this before the page's own scripts (the page's CSP does not apply to it)
WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


@pytest.fixture
def desktop(browser: Browser) -> Iterator[Page]:
    """A desktop-sized page allowed to use the clipboard."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 900},
        permissions=["clipboard-read", "clipboard-write"],
    )
    context.add_init_script(WATCH_CSP)
    page = context.new_page()
    yield page
    context.close()


def watch_everything(page: Page, origin: str) -> list[str]:
    """Every console error (a failed load included) and every failed answer of the gateway."""
    errors: list[str] = []

    def keep(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    def check(response: Response) -> None:
        if response.status >= 400 and response.url.startswith(origin):
            errors.append(f"{response.status} {response.url}")

    page.on("console", keep)
    page.on("response", check)
    return errors


def test_landing_page_copies_a_snippet_without_console_errors(
    desktop: Page, gateway: Gateway
) -> None:
    page = desktop
    errors = watch_everything(page, gateway.base_url)
    response = page.goto(gateway.base_url + "/")
    assert response is not None
    assert response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.get_by_role("heading", name="Botim Money Business gateway")).to_be_visible()
    expect(page.locator("#partner-id")).to_have_text("200000000888")
    expect(page.get_by_role("link", name="BOTIM app")).to_be_visible()

    icon = page.locator('link[rel="icon"]').get_attribute("href")
    assert icon is not None
    fetched = page.request.get(gateway.base_url + icon)
    assert fetched.status == 200
    assert fetched.headers["content-type"] == "image/svg+xml"

    snippet = page.locator("#snippet-curl").inner_text()
    assert "Partner-Id: 200000000888" in snippet
    button = page.locator('button[data-copy="snippet-curl"]')
    button.click()
    expect(button).to_have_text("Copied")
    expect(page.locator("#copy-status")).to_have_text("Copied to the clipboard.")
    assert page.evaluate("navigator.clipboard.readText()") == snippet

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "landing.png"), full_page=True)
    assert page.evaluate("window.__cspViolations") == []

    page.get_by_role("link", name="BOTIM app").click()
    page.wait_for_url(gateway.base_url + "/app")
    page.wait_for_load_state("networkidle")
    assert page.evaluate("window.__cspViolations") == []
    assert errors == [], errors
