"""A tiny threaded HTTP proxy on loopback that injects faults between the SDK and the gateway.

Each request takes the next action from a plan (then `default`): forward it,
answer HTTP 502, drop the connection before or after the gateway saw the
request, or forward it and flip one byte of the gateway's answer. Every
exchange is recorded, so tests can tell what reached the gateway.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import Enum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

# Not copied from the gateway's answer: hop-by-hop, recomputed, or (content-encoding) undone
# by httpx, which hands over the decoded body.
_NOT_COPIED = {
    "connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding",
    "date", "server",
}


class Action(Enum):
    FORWARD = "forward"
    HTTP_502 = "502"  # answered by the proxy; the gateway never sees the request
    DROP = "drop"  # connection closed before forwarding; the gateway never sees it
    FORWARD_THEN_DROP = "forward-then-drop"  # the gateway acts, the answer is lost
    TAMPER = "tamper"  # the gateway's answer with one byte of the body flipped


@dataclass
class Exchange:
    """One request as the proxy saw it, and what the gateway answered (if forwarded)."""

    path: str
    body: bytes
    sign: str | None
    action: Action
    upstream_status: int | None = None
    upstream_body: bytes | None = None
    sent_body: bytes | None = None


@dataclass
class FaultProxy:
    upstream: str
    plan: list[Action] = field(default_factory=list)
    default: Action = Action.FORWARD
    flip_at: Callable[[bytes], int] = lambda body: len(body) // 2
    exchanges: list[Exchange] = field(default_factory=list)
    port: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sgs/api"

    def next_action(self) -> Action:
        with self._lock:
            return self.plan.pop(0) if self.plan else self.default

    def record(self, exchange: Exchange) -> None:
        with self._lock:
            self.exchanges.append(exchange)

    def seen(self, suffix: str) -> list[Exchange]:
        """The exchanges whose path ends with `suffix` (e.g. "placeOrder")."""
        with self._lock:
            return [e for e in self.exchanges if e.path.endswith(suffix)]


def flip_byte(body: bytes, index: int) -> bytes:
    """`body` with the byte at `index` changed (a digit stays a digit, so JSON stays valid)."""
    original = body[index]
    replacement = 48 + (original - 48 + 1) % 10 if 48 <= original <= 57 else original ^ 1
    return body[:index] + bytes([replacement]) + body[index + 1 :]


def _handler(proxy: FaultProxy, http: httpx.Client) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            action = proxy.next_action()
            exchange = Exchange(self.path, body, self.headers.get("sign"), action)
            proxy.record(exchange)
            if action is Action.DROP:
                self.close_connection = True
                return
            if action is Action.HTTP_502:
                self._answer(502, b"<html>502 Bad Gateway</html>", {"Content-Type": "text/html"})
                return
            headers = {
                name: value
                for name, value in self.headers.items()
                if name.lower() not in {"host", "content-length", "connection"}
            }
            upstream = http.post(proxy.upstream + self.path, content=body, headers=headers)
            exchange.upstream_status = upstream.status_code
            exchange.upstream_body = upstream.content
            if action is Action.FORWARD_THEN_DROP:
                self.close_connection = True
                return
            answer = upstream.content
            if action is Action.TAMPER:
                answer = flip_byte(answer, proxy.flip_at(answer))
            exchange.sent_body = answer
            self._answer(
                upstream.status_code,
                answer,
                {k: v for k, v in upstream.headers.items() if k.lower() not in _NOT_COPIED},
            )

        def _answer(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


@contextmanager
def fault_proxy(
    upstream: str, *plan: Action, default: Action = Action.FORWARD
) -> Iterator[FaultProxy]:
    """A running FaultProxy in front of `upstream` (the gateway's http://host:port)."""
    proxy = FaultProxy(upstream=upstream.rstrip("/"), plan=list(plan), default=default)
    with httpx.Client(timeout=30) as http:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(proxy, http))
        server.daemon_threads = True
        proxy.port = int(server.server_address[1])
        thread = threading.Thread(target=server.serve_forever, name="fault-proxy", daemon=True)
        thread.start()
        try:
            yield proxy
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=10)
