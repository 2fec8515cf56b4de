"""Wrong verification codes lock a wallet's sign-in like wrong payment passwords lock its
payments: five in a row, then 30 minutes (business time) during which even the right code
is refused, on the checkout's sign-in form and in the app shell alike."""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape
from urllib.parse import parse_qs, urlparse

import httpx

from tests.harness import Gateway

OTP = "123456"
WRONG = "000000"
ATTEMPTS = 5  # domain.member.MAX_PASSWORD_ATTEMPTS, the payment password's count
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
META_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]*)">')
LOCKED = "Too many wrong verification codes. Try again in 30 minutes."


def text_of(response: httpx.Response) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.text)).split())


class CheckoutForm:
    """The checkout's sign-in form, posted as a browser without JavaScript would."""

    def __init__(self, gateway: Gateway, token_url: str) -> None:
        self.http = httpx.Client(base_url=gateway.base_url, timeout=30)
        self.link = {k: v[0] for k, v in parse_qs(urlparse(token_url).query).items()}

    def sign_in(self, phone: str, otp: str, **extra: str) -> httpx.Response:
        page = self.http.get("/pay-page/main", params=self.link | extra)
        found = CSRF.search(page.text)
        assert found, text_of(page)
        data = self.link | extra | {"csrf_token": found[1], "phone": phone, "otp": otp}
        return self.http.post("/pay-page/sign-in", data=data)


class AppShell:
    """The app shell's sign-in API with its double-submit token."""

    def __init__(self, gateway: Gateway) -> None:
        self.http = httpx.Client(base_url=gateway.base_url, timeout=30)
        found = META_CSRF.search(self.http.get("/app").text)
        assert found
        self.csrf = found[1]

    def sign_in(self, phone: str, otp: str) -> httpx.Response:
        return self.http.post(
            "/app/api/sign-in",
            json={"phone": phone, "otp": otp},
            headers={"X-CSRF-Token": self.csrf},
        )


def token_url(gateway: Gateway) -> str:
    placed = gateway.add_merchant().place_order().assert_ok()
    assert placed.body is not None
    return str(placed.body["interActionParams"]["tokenUrl"])


def test_five_wrong_codes_lock_the_sign_in_form(fresh_gateway: Callable[..., Gateway]) -> None:
    gateway = fresh_gateway()
    url = token_url(gateway)
    form = CheckoutForm(gateway, url)
    phone = "+971 56 000 0004"
    for left in range(ATTEMPTS - 1, 0, -1):
        wrong = form.sign_in(phone, WRONG)
        assert wrong.status_code == 409
        assert f"The verification code is wrong. {left} attempts left." in text_of(wrong)
    locked = form.sign_in(phone, WRONG)
    assert locked.status_code == 409
    assert LOCKED in text_of(locked)
    right = CheckoutForm(gateway, url).sign_in(phone, OTP)  # another browser, the right code
    assert right.status_code == 409
    assert LOCKED in text_of(right)
    assert "bp_session" not in right.headers.get("set-cookie", "")
    arabic = form.sign_in(phone, OTP, lang="ar")
    assert "حاول مرة أخرى بعد 30 دقيقة" in text_of(arabic)
    # the lock is the wallet's: the app shell refuses it too, other wallets sign in
    shell = AppShell(gateway)
    refused = shell.sign_in(phone, OTP)
    assert (refused.status_code, refused.json()["error"]) == (400, "LOCKED")
    assert shell.sign_in("+971 56 000 0005", OTP).status_code == 200
    # 30 minutes later the right code works, and the count starts again
    advanced = httpx.post(gateway.base_url + "/sandbox/api/clock/advance", json={"seconds": 1801})
    assert advanced.status_code == 200
    assert form.sign_in(phone, OTP).status_code == 303


def test_a_right_code_resets_the_count(fresh_gateway: Callable[..., Gateway]) -> None:
    gateway = fresh_gateway()
    shell = AppShell(gateway)
    phone = "+971 56 000 0006"
    for _ in range(ATTEMPTS - 1):
        wrong = shell.sign_in(phone, WRONG)
        assert (wrong.status_code, wrong.json()["error"]) == (400, "SIGN_IN_FAILED")
    assert shell.sign_in(phone, OTP).status_code == 200
    for left in range(ATTEMPTS - 1, 0, -1):
        wrong = AppShell(gateway).sign_in(phone, WRONG)
        assert f"{left} attempts left" in wrong.json()["message"]
    locked = AppShell(gateway).sign_in(phone, WRONG)
    assert (locked.status_code, locked.json()["error"]) == (400, "LOCKED")
    assert locked.json()["message"] == LOCKED
    # a number without a wallet locks nothing and says only that the code is wrong
    for _ in range(ATTEMPTS + 1):
        stranger = shell.sign_in("+971 50 123 4567", WRONG)
        assert stranger.json()["message"] == "The verification code is wrong."
