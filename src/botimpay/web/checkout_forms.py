"""Checkout plumbing: which link a visit came from, form reading, CSRF and page links.

Before sign-in the CSRF check is a double-submit cookie (`bp_csrf` + hidden
field); after sign-in the hidden field must equal the session's token.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from botimpay.services.wallets import SESSION_TTL_MS, Session
from botimpay.web.checkout_text import language
from botimpay.web.security import (
    CSRF_COOKIE,
    CSRF_FIELD,
    SESSION_COOKIE,
    csrf_matches,
    new_csrf_token,
    set_cookie,
)
from botimpay.web.state import state_of
from botimpay.web.text_guard import refuse_unstorable_text

MAX_TOKEN = 200
MAX_FIELD = 256
CSRF_COOKIE_AGE = 4 * 3600
SESSION_COOKIE_AGE = SESSION_TTL_MS // 1000


@dataclass(frozen=True, slots=True)
class Visit:
    """The tokenUrl's `ft` and `t`, and the page language, carried by every link and form."""

    ft: str
    t: str
    lang: str

    @classmethod
    def of(cls, values: Mapping[str, str]) -> Visit:
        ft = values.get("ft", "").strip()
        t = values.get("t", "").strip()
        return cls(
            ft=ft if len(ft) <= MAX_TOKEN else "",
            t=t if t.isascii() and t.isdigit() and len(t) <= 16 else "",
            lang=language(values.get("lang")),
        )

    def url(self, path: str, *, lang: str | None = None, **extra: str) -> str:
        query = {"ft": self.ft}
        if self.t:
            query["t"] = self.t
        chosen = lang or self.lang
        if chosen != "en":
            query["lang"] = chosen
        query.update(extra)
        return f"{path}?{urlencode(query)}"

    @property
    def main_url(self) -> str:
        return self.url("/pay-page/main")

    @property
    def other_lang(self) -> str:
        return "en" if self.lang == "ar" else "ar"

    def other_language_url(self, path: str = "/pay-page/main", **extra: str) -> str:
        """The same page in the other language."""
        return self.url(path, lang=self.other_lang, **extra)

    def result_url(self, result: str, **extra: str) -> str:
        return self.url("/pay-page/result", result=result, **extra)


async def read_form(request: Request) -> dict[str, str] | None:
    """The posted text fields (first value of each); None when the form is unusable.

    Raises InvalidParameter naming a field whose text cannot be stored."""
    try:
        form: FormData = await request.form(max_files=0, max_fields=32, max_part_size=4096)
    except Exception:  # malformed or oversized body: the caller answers 400
        return None
    values: dict[str, str] = {}
    for key, value in form.multi_items():
        if not isinstance(value, str) or len(value) > MAX_FIELD:
            return None
        values.setdefault(key, value)
    refuse_unstorable_text(values)  # a 400 naming the field (app's InvalidParameter handler)
    return values


async def current_session(request: Request) -> Session | None:
    return await state_of(request).wallets.session(request.cookies.get(SESSION_COOKIE))


def presign_csrf(request: Request) -> tuple[str, bool]:
    """The double-submit token of this browser, and whether the cookie must be (re)set."""
    existing = request.cookies.get(CSRF_COOKIE, "")
    if 20 <= len(existing) <= 64:
        return existing, False
    return new_csrf_token(), True


def presign_csrf_ok(request: Request, form: Mapping[str, str]) -> bool:
    return csrf_matches(request.cookies.get(CSRF_COOKIE), form.get(CSRF_FIELD))


def session_csrf_ok(session: Session | None, form: Mapping[str, str]) -> bool:
    return session is not None and csrf_matches(session.csrf_token, form.get(CSRF_FIELD))


def remember_csrf(request: Request, response: Response, token: str) -> None:
    set_cookie(request, response, CSRF_COOKIE, token, CSRF_COOKIE_AGE)


def start_session(request: Request, response: Response, token: str) -> None:
    set_cookie(request, response, SESSION_COOKIE, token, SESSION_COOKIE_AGE)


def end_session(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")


def no_store(response: Response) -> Response:
    """Pages hold CSRF tokens and balances: never cache them."""
    response.headers["Cache-Control"] = "no-store"
    return response
