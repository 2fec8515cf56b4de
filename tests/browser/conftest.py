"""Browser fixtures: Debian's Chromium driven by Playwright (never a browser download).

Screenshots of each step go to test-artifacts/screenshots/<test>/<step>.png.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect, sync_playwright

from tests.notify.receiver import Receiver

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Run in every page of `desktop` before the page's own scripts: a strict-CSP page that
# tried an inline script or style leaves the blocked directive here.
WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """One Chromium for the browser tests; closed when they end, because Playwright's
    sync API keeps an event loop running that later `asyncio.run` calls would trip on."""
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: apt-get install -y chromium (see README)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A phone-sized page in a fresh context (no cookies shared between tests)."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=1)
    new_page = context.new_page()
    yield new_page
    context.close()


class Screenshots:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0

    def __call__(self, page: Page, step: str) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{re.sub(r'[^a-z0-9]+', '-', step.lower())}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Screenshots:
    """`shot(page, "step name")` saves a screenshot of the step."""
    folder = SCREENSHOTS / re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    return Screenshots(folder)


@pytest.fixture
def desktop(browser: Browser) -> Iterator[Page]:
    """A 1360x860 page in a fresh context that records CSP violations (see PageErrors)."""
    context = browser.new_context(viewport={"width": 1360, "height": 860})
    context.add_init_script(WATCH_CSP)
    new_page = context.new_page()
    yield new_page
    context.close()


class PageErrors:
    """What a `desktop` page complained of from now on: console errors as they come,
    and the CSP violations WATCH_CSP recorded in the page shown."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.console: list[str] = []
        page.on("console", self._keep)

    def _keep(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console.append(message.text)

    def csp_violations(self) -> list[str]:
        violations: list[str] = self.page.evaluate("window.__cspViolations")
        return violations


def sign_in(page: Page, url: str, username: str, password: str) -> None:
    """Opens console `url` signed out, checks the console sent it to the sign-in form
    (which comes back to `url` afterwards) and signs in there."""
    parts = urlsplit(url)
    here = parts.path + (f"?{parts.query}" if parts.query else "")
    page.goto(url)
    login = f"{parts.scheme}://{parts.netloc}/console/login?" + urlencode({"next": here})
    expect(page).to_have_url(login)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A merchant's notifyUrl on loopback, answering SUCCESS."""
    rx = Receiver()
    yield rx
    rx.close()
