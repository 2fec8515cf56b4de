"""The console's Developers page:
partner id, merchant keys, gateway key, IP whitelist, default notify URL, snippets.

A merchant user sees its own merchant only (another's partner id is a 404 like a
missing one); an operator picks one (`?partner=`). Every POST needs the session's
CSRF token, then redirects (303) back with a `done` flash; a refused change shows
the page again (400) with the reason and what was typed. Retiring a key and
generating a key pair ask first on a page of their own. A generated private key
is the answer to that POST, as a download: it is never stored, logged or shown again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from fastapi import APIRouter
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from botimpay.domain.console import ConsoleSession
from botimpay.errors import ConfigError
from botimpay.protocol import signing
from botimpay.services.console_developers import DeveloperSettings
from botimpay.store.merchants_repo import MerchantRecord
from botimpay.web.checkout_forms import no_store
from botimpay.web.console_developers_snippets import Snippet, snippets
from botimpay.web.console_orders import when
from botimpay.web.console_session import current_session, forbidden, page, session_csrf_ok, to_login
from botimpay.web.state import state_of
from botimpay.web.text_guard import refuse_unstorable_text

router = APIRouter(include_in_schema=False)

PATH = "/console/developers"
MAX_TEXT = 8192  # a form field: a PEM key, a long whitelist
MAX_KEY_FILE = 16384
DONE = {
    "key-added": "Public key added. Requests signed with it verify now; retire the old key "
    "once every server signs with the new one.",
    "key-retired": "Key retired: requests signed with it are refused from now on.",
    "whitelist": "IP whitelist saved. It applies to the next request.",
    "notify-url": "Default notify URL saved. Orders and refunds without notifyUrl use it.",
    "notify-url-cleared": "Default notify URL cleared.",
}


@dataclass(frozen=True, slots=True)
class Posted:
    """A posted form: its text fields (first value of each) and an uploaded file's bytes."""

    values: dict[str, str]
    upload: bytes


def _service(request: Request) -> DeveloperSettings:
    state = state_of(request)
    return DeveloperSettings(
        state.merchants, sandbox=state.settings.is_sandbox, notify_guard=state.orders.notify_guard
    )


async def _read(request: Request) -> Posted | None:
    """Like checkout_forms.read_form but with room for a PEM key and one key file."""
    try:
        form = await request.form(max_files=1, max_fields=16, max_part_size=MAX_TEXT)
    except Exception:  # malformed or oversized body: the caller answers 403/400
        return None
    values: dict[str, str] = {}
    upload = b""
    try:
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                upload = await value.read(MAX_KEY_FILE + 1)
                if len(upload) > MAX_KEY_FILE:
                    return None
            elif len(value) <= MAX_TEXT:
                values.setdefault(key, value)
            else:
                return None
    finally:
        await form.close()
    refuse_unstorable_text(values)
    return Posted(values, upload)


def _here(partner_id: str, **extra: str) -> str:
    return PATH + "?" + urlencode({"partner": partner_id, **extra})


def _wanted(session: ConsoleSession, raw: str | None) -> str:
    """The partner id asked for; a merchant user's own when none is."""
    wanted = (raw or "").strip()[:12]
    return wanted or session.user.visible_partner or ""


def _not_found(request: Request, session: ConsoleSession) -> Response:
    return page(
        request,
        "console/error.html",
        session,
        {"title": "Not found", "message": "No such merchant."},
        status_code=404,
    )


def _gateway_fingerprint(record: MerchantRecord) -> str:
    return signing.key_fingerprint(signing.load_public_key(record.gateway_public_key.encode()))


def _developers_page(
    request: Request,
    session: ConsoleSession,
    record: MerchantRecord,
    *,
    error: str | None = None,
    typed: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    state = state_of(request)
    merchant = record.merchant
    done = DONE.get(request.query_params.get("done", "")) if error is None else None
    typed = typed or {}
    examples: list[Snippet] = snippets(
        state.settings.public_url, merchant.partner_id, sandbox=state.settings.is_sandbox
    )
    return page(
        request,
        "console/developers.html",
        session,
        {
            "title": "Developers",
            "record": record,
            "merchant": merchant,
            "operator": session.user.visible_partner is None,
            "sandbox": state.settings.is_sandbox,
            "keys": record.keys,
            "gateway_fingerprint": _gateway_fingerprint(record),
            "whitelist_text": typed.get("whitelist", "\n".join(merchant.ip_whitelist)),
            "notify_url": typed.get("notify_url", merchant.default_notify_url or ""),
            "key_text": typed.get("public_key", ""),
            "api_url": state.settings.public_url + "/sgs/api",
            "snippets": examples,
            "done": done,
            "error": error,
            "error_form": typed.get("form", ""),
            "when": when,
        },
        status_code=status_code,
    )


@router.get(PATH)
async def developers(request: Request) -> Response:
    session = await current_session(request)
    if session is None:
        return to_login(request)
    service = _service(request)
    partner_id = _wanted(session, request.query_params.get("partner"))
    if not partner_id:  # an operator who has not picked a merchant yet
        return page(
            request,
            "console/developers_pick.html",
            session,
            {"title": "Developers", "merchants": await service.choices(session.user)},
        )
    record = await service.merchant(session.user, partner_id)
    if record is None:
        return _not_found(request, session)
    return _developers_page(request, session, record)


async def _viewed(request: Request) -> tuple[ConsoleSession, MerchantRecord] | Response:
    """The session and the merchant (?partner=) a GET shows; or the answer refusing it."""
    session = await current_session(request)
    if session is None:
        return to_login(request)
    partner_id = _wanted(session, request.query_params.get("partner"))
    record = await _service(request).merchant(session.user, partner_id)
    if record is None:
        return _not_found(request, session)
    return session, record


@router.get(PATH + "/gateway-key.pem")
async def gateway_key(request: Request) -> Response:
    """The gateway public key that verifies this merchant's answers and notifications."""
    viewed = await _viewed(request)
    if isinstance(viewed, Response):
        return viewed
    _, record = viewed
    partner_id = record.merchant.partner_id
    return no_store(
        Response(
            record.gateway_public_key,
            media_type="application/x-pem-file",
            headers={
                "Content-Disposition": f'attachment; filename="gateway-public-{partner_id}.pem"'
            },
        )
    )


async def _posted(
    request: Request,
) -> tuple[ConsoleSession, Posted, MerchantRecord] | Response:
    """The session, form and merchant of a POST; or the answer refusing it."""
    session = await current_session(request)
    if session is None:
        return to_login(request)
    form = await _read(request)
    if form is None or not session_csrf_ok(session, form.values):
        return forbidden(request, "The form expired or did not come from this console.")
    partner_id = _wanted(session, form.values.get("partner"))
    record = await _service(request).merchant(session.user, partner_id)
    if record is None:
        return _not_found(request, session)
    return session, form, record


def _back(partner_id: str, done: str) -> Response:
    return no_store(RedirectResponse(_here(partner_id, done=done), status_code=303))


Change = Callable[[DeveloperSettings, ConsoleSession, str, Posted], Awaitable[str]]


async def _change(
    request: Request, form_name: str, typed_fields: tuple[str, ...], change: Change
) -> Response:
    """One of the page's forms: session, CSRF and merchant checked, then `change` (which
    returns the flash key); a refusal shows the page again (400) with what was typed."""
    posted = await _posted(request)
    if isinstance(posted, Response):
        return posted
    session, form, record = posted
    partner_id = record.merchant.partner_id
    try:
        done = await change(_service(request), session, partner_id, form)
    except ConfigError as exc:
        typed = {"form": form_name, **{name: form.values.get(name, "") for name in typed_fields}}
        return _developers_page(
            request, session, record, error=str(exc), typed=typed, status_code=400
        )
    return _back(partner_id, done)


@router.post(PATH + "/keys")
async def add_key(request: Request) -> Response:
    async def change(
        service: DeveloperSettings, session: ConsoleSession, partner_id: str, form: Posted
    ) -> str:
        text = form.values.get("public_key", "")
        key = form.upload if form.upload.strip() else text.encode()
        await service.add_key(session.user, partner_id, key)
        return "key-added"

    return await _change(request, "keys", ("public_key",), change)


@router.get(PATH + "/keys/retire")
async def retire_confirm(request: Request) -> Response:
    viewed = await _viewed(request)
    if isinstance(viewed, Response):
        return viewed
    session, record = viewed
    fingerprint = request.query_params.get("fingerprint", "")[:64]
    key = next((k for k in record.keys if k.fingerprint == fingerprint), None)
    if key is None:
        return _not_found(request, session)
    return page(
        request,
        "console/developers_confirm.html",
        session,
        {
            "title": "Retire a key",
            "merchant": record.merchant,
            "action": PATH + "/keys/retire",
            "fingerprint": key.fingerprint,
            "added": when(key.created_at),
            "last": len(record.keys) <= 1,
            "kind": "retire",
        },
    )


@router.post(PATH + "/keys/retire")
async def retire_key(request: Request) -> Response:
    async def change(
        service: DeveloperSettings, session: ConsoleSession, partner_id: str, form: Posted
    ) -> str:
        await service.retire_key(session.user, partner_id, form.values.get("fingerprint", ""))
        return "key-retired"

    return await _change(request, "keys", (), change)


@router.get(PATH + "/keygen")
async def keygen_confirm(request: Request) -> Response:
    viewed = await _viewed(request)
    if isinstance(viewed, Response):
        return viewed
    session, record = viewed
    partner_id = record.merchant.partner_id
    if not state_of(request).settings.is_sandbox:
        return forbidden(request, "Key pairs are generated in sandbox mode only.")
    return page(
        request,
        "console/developers_confirm.html",
        session,
        {
            "title": "Generate a key pair",
            "merchant": record.merchant,
            "action": PATH + "/keygen",
            "kind": "keygen",
            "last": False,
            "filename": _private_name(partner_id),
        },
    )


def _private_name(partner_id: str) -> str:
    return f"merchant-private-{partner_id}.pem"


@router.post(PATH + "/keygen")
async def keygen(request: Request) -> Response:
    """Sandbox: adds a fresh key pair's public half; the private half is this answer."""
    posted = await _posted(request)
    if isinstance(posted, Response):
        return posted
    session, _, record = posted
    partner_id = record.merchant.partner_id
    try:
        generated = await _service(request).generate_key(session.user, partner_id)
    except ConfigError as exc:
        return forbidden(request, str(exc))
    response = Response(
        generated.private_pem,
        media_type="application/x-pem-file",
        headers={
            "Content-Disposition": f'attachment; filename="{_private_name(partner_id)}"',
            "X-Key-Fingerprint": generated.fingerprint,
        },
    )
    return no_store(response)


@router.post(PATH + "/whitelist")
async def whitelist(request: Request) -> Response:
    async def change(
        service: DeveloperSettings, session: ConsoleSession, partner_id: str, form: Posted
    ) -> str:
        await service.set_whitelist(session.user, partner_id, form.values.get("whitelist", ""))
        return "whitelist"

    return await _change(request, "whitelist", ("whitelist",), change)


@router.post(PATH + "/notify-url")
async def notify_url(request: Request) -> Response:
    async def change(
        service: DeveloperSettings, session: ConsoleSession, partner_id: str, form: Posted
    ) -> str:
        text = form.values.get("notify_url", "")
        url = await service.set_default_notify_url(session.user, partner_id, text)
        return "notify-url" if url else "notify-url-cleared"

    return await _change(request, "notify", ("notify_url",), change)
