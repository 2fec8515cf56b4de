"""A merchant's notifyUrl on loopback: a threaded http.server that records every POST
(headers, raw body, time) and answers each one as a script says."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

# What the receiver can answer; a script is a list of these, one per request,
# after which `default` answers every further request.
SUCCESS = "success"  # 200 {"response":"SUCCESS"}
SUCCESS_LOWER = "success-lower"  # 200 {"response":"success"}
SERVER_ERROR = "500"  # 500 with the success body (the status alone must count)
WRONG_BODY = "wrong-body"  # 200 {"response":"FAIL"}
SLOW = "slow"  # sleeps `slow_seconds`, then SUCCESS
BLOCK = "block"  # holds the connection until release(), then SUCCESS

_BODIES = {
    SUCCESS: (200, b'{"response":"SUCCESS"}'),
    SUCCESS_LOWER: (200, b'{"response":"success"}'),
    SERVER_ERROR: (500, b'{"response":"SUCCESS"}'),
    WRONG_BODY: (200, b'{"response":"FAIL"}'),
}


@dataclass(frozen=True)
class Received:
    """One POST as it arrived."""

    headers: dict[str, str]  # names lower-cased
    body: bytes
    at: float  # time.monotonic() when the body had been read
    answer: str

    def json(self) -> dict[str, Any]:
        """The body with every JSON number as Decimal/int (never float)."""
        return json.loads(self.body, parse_float=Decimal)

    @property
    def notify_id(self) -> str:
        return str(self.json()["notify_id"])


class Receiver:
    """Records POSTs; `script` answers the first requests, `default` all later ones."""

    def __init__(self, *script: str, default: str = SUCCESS, slow_seconds: float = 3.0) -> None:
        self.script = list(script)
        self.default = default
        self.slow_seconds = slow_seconds
        self.received: list[Received] = []
        self._released = threading.Event()
        self._changed = threading.Condition()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/notify"

    def _next_answer(self) -> str:
        with self._changed:
            return self.script.pop(0) if self.script else self.default

    def _record(self, item: Received) -> None:
        with self._changed:
            self.received.append(item)
            self._changed.notify_all()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                answer = receiver._next_answer()
                headers = {name.lower(): value for name, value in self.headers.items()}
                receiver._record(Received(headers, body, time.monotonic(), answer))
                if answer == SLOW:
                    time.sleep(receiver.slow_seconds)
                elif answer == BLOCK:
                    receiver._released.wait(120)
                status, payload = _BODIES.get(answer, _BODIES[SUCCESS])
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json; charset=UTF-8")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass  # the dispatcher gave up (timeout) or was killed

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

    def release(self) -> None:
        """Lets every blocked request (and every later BLOCK) answer SUCCESS."""
        self._released.set()

    def count(self) -> int:
        with self._changed:
            return len(self.received)

    def wait_for(self, count: int, timeout: float = 15.0) -> list[Received]:
        """Blocks until at least `count` POSTs arrived; fails the test after `timeout`."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self.received) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"receiver got {len(self.received)} POSTs, expected {count}"
                    )
                self._changed.wait(left)
            return list(self.received)

    def assert_quiet(self, count: int, seconds: float) -> None:
        """Asserts no POST beyond the first `count` arrives within `seconds`."""
        deadline = time.monotonic() + seconds
        with self._changed:
            while time.monotonic() < deadline:
                assert len(self.received) <= count, (
                    f"unexpected POST: {len(self.received)} > {count}"
                )
                self._changed.wait(max(0.0, deadline - time.monotonic()))
            assert len(self.received) == count, (len(self.received), count)

    def notify_ids(self) -> list[str]:
        with self._changed:
            return [r.notify_id for r in self.received]

    def close(self) -> None:
        self.release()
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def receiver() -> Iterator[Callable[..., Receiver]]:
    """Factory: `receiver(*script, default=..., slow_seconds=...)`, each closed after the
    test (a conftest imports it to offer it to its folder)."""
    made: list[Receiver] = []

    def make(*script: str, **options: Any) -> Receiver:
        rx = Receiver(*script, **options)
        made.append(rx)
        return rx

    yield make
    for rx in made:
        rx.close()
