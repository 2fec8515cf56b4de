"""The fuzz suite's client: one keep-alive connection that sends the requests and
checks every answer.

The checks are the suite's properties: every merchant API answer is HTTP 200
with the envelope, signed with the merchant's gateway key, with a documented
(code, msg) and never code 500; the unsigned surfaces never answer 5xx; and the
server is still healthy after every batch of examples.
"""

from __future__ import annotations

import gzip
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import orjson
from hypothesis import event

from botimpay.protocol.codes import ALL_CODES
from botimpay.web.merchant_api import OPERATIONS
from tests.harness import Gateway, Merchant, rsa_sign, rsa_verify

_WINDOW_CODES: dict[str, tuple[str, ...]] = {
    op.path: (op.too_early.code, op.too_late.code) for op in OPERATIONS
}
"""A requestTime outside the window is refused before the body is read: with these codes."""
DOCUMENTED: dict[str, tuple[str, ...]] = {}
for _code in ALL_CODES:
    DOCUMENTED[_code.code] = (*DOCUMENTED.get(_code.code, ()), _code.msg)

_RECORD = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d")  # a log record's first line
_RAISED = re.compile(r"^\s*[A-Za-z_][\w.]*(Error|Exception|Exit|Warning)\b")
HEAD_LIMIT_MARGIN = 16 * 1024  # heads past this may hear 431 (serve --max-header-bytes 32 KiB)
HEALTH_EVERY = 100  # requests between two /healthz checks
JSON_UTF8 = "application/json; charset=utf-8"


class ServerCrash(AssertionError):
    """A 5xx or a code 500. Each exception the server logged gets its own subclass, so
    Hypothesis shrinks and reports every distinct crash of a run, not only the first."""


_CRASHES: dict[str, type[ServerCrash]] = {}


def server_crash(logged: str, message: str) -> ServerCrash:
    """The failure for a crash whose log line is `logged` (named by its exception)."""
    raised = _RAISED.match(logged)
    name = raised.group(0).strip() if raised else "not logged"
    kind = _CRASHES.setdefault(name, type(f"ServerCrash[{name}]", (ServerCrash,), {}))
    return kind(f"{message}\nserver: {logged}")


def _preview(data: bytes, limit: int = 400) -> str:
    shown = repr(data[:limit])
    return shown if len(data) <= limit else f"{shown}... ({len(data)} bytes)"


@dataclass
class Fuzzer:
    """Sends fuzz requests over one keep-alive client and checks the answers."""

    gateway: Gateway
    merchant: Merchant
    sent: int = 0
    _log_offset: int = 0

    def __repr__(self) -> str:  # shown in every failing example
        return f"Fuzzer({self.gateway.base_url}, partner {self.merchant.partner_id})"

    @property
    def http(self) -> httpx.Client:
        return self.merchant.http

    # --- transport -------------------------------------------------------------------------

    def _count(self) -> None:
        """Before each request: counts it, checks health now and then, and notes where
        the server log ends, so an error is looked up in this request's records only."""
        self._log_offset = self._log.stat().st_size if self._log.exists() else 0
        self.sent += 1
        if self.sent % HEALTH_EVERY == 0:
            self.assert_alive()

    def api(
        self,
        path: str,
        body: bytes,
        *,
        signed: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """POSTs `body` to /sgs/api/`path`, signed over `signed` (default: the body)."""
        all_headers = {
            "Content-Type": "application/json",
            "Partner-Id": self.merchant.partner_id,
            "sign": rsa_sign(self.merchant.private_key, body if signed is None else signed),
            **(headers or {}),
        }
        self._count()
        return self.http.post(
            self.gateway.base_url + "/sgs/api/" + path, content=body, headers=all_headers
        )

    def post(self, path: str, body: bytes) -> httpx.Response:
        """An unsigned JSON POST (the sandbox helpers)."""
        self._count()
        return self.http.post(
            self.gateway.base_url + path,
            content=body,
            headers={"Content-Type": "application/json"},
        )

    def get(self, raw_path: bytes, cookie: bytes | None = None) -> httpx.Response:
        """A GET of the exact path and query bytes, with no cookies but `cookie`."""
        self._count()
        self.http.cookies.clear()
        url = httpx.URL(self.gateway.base_url).copy_with(raw_path=raw_path)
        headers = {"Cookie": cookie} if cookie is not None else {}
        try:
            return self.http.get(url, headers=headers)
        finally:
            self.http.cookies.clear()

    # --- checks ----------------------------------------------------------------------------

    def assert_alive(self) -> None:
        process = self.gateway.process
        assert process is not None
        assert process.poll() is None, f"the gateway exited:\n{self.log_tail(60)}"
        health = self.http.get(self.gateway.base_url + "/healthz")
        assert health.status_code == 200, (health.status_code, health.text, self.log_tail(40))

    def log_tail(self, lines: int) -> str:
        text = self._log.read_text(errors="replace") if self._log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    @property
    def _log(self) -> Path:
        return Path(self.gateway.workdir) / f"serve-{self.gateway.port}.log"

    def server_error(self, trace: str | None) -> str:
        """The exception the server logged for `trace` (or for the last request): the
        last line naming an exception in that record. Waits a little for the record."""
        mark = f"trace={trace}" if trace else " ERROR "
        deadline = time.monotonic() + 3
        found = "(nothing in the server log)"
        while time.monotonic() < deadline:
            with self._log.open("rb") as log:
                log.seek(self._log_offset)
                lines = log.read().decode("utf-8", "replace").splitlines()
            starts = [i for i, line in enumerate(lines) if mark in line and _RECORD.match(line)]
            if starts:
                block = [lines[starts[-1]]]
                for line in lines[starts[-1] + 1 :]:
                    if _RECORD.match(line):
                        break
                    block.append(line)
                found = block[0]
                raised = [line.strip() for line in block if _RAISED.match(line)]
                if raised:
                    return raised[-1]
            time.sleep(0.05)  # the record (or its traceback) is not written yet
        return found

    def check_api(
        self, response: httpx.Response, *, expect_invalid: bool, sent: bytes, path: str
    ) -> dict[str, Any]:
        """The merchant API properties; returns the answer's head."""
        where = f"POST /sgs/api/{path} body={_preview(sent)}"
        answer = f"answer: HTTP {response.status_code} {_preview(response.content)}"
        if response.status_code >= 500:
            raise server_crash(self.server_error(None), f"{where}\n{answer}")
        assert response.status_code == 200, f"{where}\n{answer}"
        content_type = response.headers.get("content-type", "").replace(" ", "").lower()
        assert content_type == JSON_UTF8.replace(" ", ""), f"{where}\n{answer}\n{content_type}"
        signature = response.headers.get("sign")
        assert signature, f"{where}\nunsigned {answer}"
        assert rsa_verify(self.merchant.gateway_public_key, response.content, signature), (
            f"{where}\nthe sign header does not verify: {answer}"
        )
        envelope = orjson.loads(response.content)
        assert isinstance(envelope, dict), answer
        assert set(envelope) <= {"head", "body"}, answer
        head = envelope["head"]
        assert set(head) == {"applyStatus", "code", "msg", "traceCode"}, answer
        assert all(isinstance(value, str) for value in head.values()), answer
        code, msg = head["code"], head["msg"]
        if code == "500":
            raise server_crash(self.server_error(head["traceCode"]), f"{where}\n{answer}")
        assert code in DOCUMENTED, f"{where}\nundocumented code: {answer}"
        assert any(msg == m or msg.startswith(m + ": ") for m in DOCUMENTED[code]), (
            f"{where}\nmsg is not one of code {code}'s: {answer}"
        )
        event(f"code {code}")  # pytest --hypothesis-show-statistics shows the mix
        expected_status = "SUCCESS" if code == "0" or len(code) > 3 else "FAIL"
        assert head["applyStatus"] == expected_status, f"{where}\n{answer}"
        assert ("body" in envelope) == (code == "0"), f"{where}\n{answer}"
        if expect_invalid:
            refusals = ("400", "402", *_WINDOW_CODES.get(path, ()))  # a page's own window codes
            assert code in refusals, f"{where}\nshould be 400 INVALID_PARAMETER: {answer}"
        return head

    def check_unsigned(
        self,
        response: httpx.Response,
        *,
        what: str,
        json_body: bool,
        expect_400: bool = False,
        head_bytes: int = 0,
    ) -> None:
        """The unsigned surfaces: never a 5xx; JSON APIs answer JSON; a request that must
        be refused is a 400 (or a 431 when its head is over the server's 32 KiB)."""
        answer = f"answer: HTTP {response.status_code} {_preview(response.content)}"
        event(f"HTTP {response.status_code}")
        if response.status_code >= 500:
            raise server_crash(self.server_error(None), f"{what}\n{answer}")
        if json_body:
            try:
                parsed = orjson.loads(response.content)
            except orjson.JSONDecodeError:
                parsed = None
            assert isinstance(parsed, dict), f"{what}\nnot a JSON object: {answer}"
        if expect_400:
            refusals = (400, 431) if head_bytes > HEAD_LIMIT_MARGIN else (400,)
            assert response.status_code in refusals, f"{what}\nshould be 400: {answer}"


def token_query(token_url: str) -> dict[str, str]:
    """ft and t of a tokenUrl."""
    query = parse_qs(urlsplit(token_url).query)
    return {name: values[0] for name, values in query.items()}


def gzipped(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)
