"""The HTTP edge of `botimpay serve` (issue 10, items 4 and 5).

Request heads are bounded (request line + headers in bytes, and the number of
headers): more is answered 431 and the connection closed, however the bytes
arrive, with one worker or several. X-Forwarded-For is believed only from the
proxies named by --forwarded-allow-ips (none by default), so a merchant's IP
whitelist cannot be passed by writing the header.
"""

from __future__ import annotations

import select
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.harness import BOTIMPAY, Gateway, dumps, free_port, now_ms, order_no

MIB = 1024 * 1024
GET_ORDER = "acquire2/getOrder"


def send_head(port: int, start: bytes, chunk: bytes = b"", total: int = 0) -> tuple[bytes, int]:
    """Sends `start`, then `chunk`s up to `total` bytes and the end of the head, stopping
    as soon as the server answers or closes. Returns (the answer, bytes sent)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(start)
        sent = len(start)
        try:
            while sent < total:
                readable, _, _ = select.select([sock], [], [], 0)
                if readable:
                    break
                sock.sendall(chunk)
                sent += len(chunk)
            else:
                sock.sendall(b"\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        return _read_answer(sock), sent


def _read_answer(sock: socket.socket) -> bytes:
    """Everything the server writes until it closes (or 5 s of silence)."""
    sock.settimeout(5)
    answer = b""
    while True:
        try:
            data = sock.recv(65536)
        except (TimeoutError, ConnectionResetError):
            return answer
        if not data:
            return answer
        answer += data


def head(*headers: str, target: str = "/healthz") -> bytes:
    lines = [f"GET {target} HTTP/1.1", "Host: 127.0.0.1", "Connection: close", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def assert_431(answer: bytes) -> None:
    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line == b"HTTP/1.1 431 Request Header Fields Too Large", answer[:300]
    assert b"connection: close" in rest.lower(), answer[:300]


def assert_200(answer: bytes) -> None:
    assert answer.startswith(b"HTTP/1.1 200 "), answer[:300]


HUGE_HEADS: dict[str, tuple[bytes, bytes]] = {
    "one_header_value": (b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ", b"a" * 65536),
    "one_header_name": (b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-", b"a" * 65536),
    "request_target": (b"GET /healthz?q=", b"a" * 65536),
    "many_header_lines": (
        b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n",
        (b"X-Line: " + b"a" * 1000 + b"\r\n") * 64,
    ),
}


@pytest.fixture(scope="module")
def edge_gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    """A gateway with the default limits (32 KiB, 100 headers), shared by this module."""
    workdir = tmp_path_factory.mktemp("edge")
    gw = Gateway(db_url=f"sqlite:///{workdir / 'edge.db'}", port=free_port(), workdir=workdir)
    gw.cli("init", "--db", gw.db_url)
    gw.start()
    try:
        yield gw
    finally:
        gw.stop()


@pytest.mark.parametrize("kind", HUGE_HEADS)
def test_a_64_mib_head_is_refused_431_early(edge_gateway: Gateway, kind: str) -> None:
    start, chunk = HUGE_HEADS[kind]
    began = time.monotonic()
    answer, sent = send_head(edge_gateway.port, start, chunk, 64 * MIB)
    assert_431(answer)
    # what was sent includes what the kernels buffered (a few MiB on loopback)
    assert sent < 16 * MIB, f"{sent} bytes sent before the server refused"
    assert time.monotonic() - began < 3
    assert_200(send_head(edge_gateway.port, head())[0])  # and it keeps serving


def test_head_size_limit_is_32_kib_by_default(edge_gateway: Gateway) -> None:
    assert_200(send_head(edge_gateway.port, head("Cookie: " + "c" * 30_000))[0])
    assert_431(send_head(edge_gateway.port, head("Cookie: " + "c" * 33_000))[0])
    # several headers that together are too much, all in one packet
    assert_431(send_head(edge_gateway.port, head(*[f"X-{i}: {'v' * 4000}" for i in range(9)]))[0])


def test_header_count_limit_is_100_by_default(edge_gateway: Gateway) -> None:
    fits = [f"X-H{i}: v" for i in range(90)]  # + Host and Connection
    assert_200(send_head(edge_gateway.port, head(*fits))[0])
    assert_431(send_head(edge_gateway.port, head(*[f"X-H{i}: v" for i in range(120)]))[0])


def test_normal_requests_still_work(edge_gateway: Gateway) -> None:
    merchant = edge_gateway.add_merchant()
    merchant.place_order().assert_ok()
    # keep-alive: several requests on one connection, each head counted afresh
    with httpx.Client(base_url=edge_gateway.base_url) as client:
        for _ in range(5):
            response = client.get("/healthz", headers={"X-Pad": "p" * 20_000})
            assert response.status_code == 200


def test_limits_apply_in_every_worker_process(fresh_gateway: Callable[..., Gateway]) -> None:
    gw = fresh_gateway("--workers", "2", "--max-header-bytes", "4096", "--max-headers", "20")
    for _ in range(4):  # connections land on either worker
        assert_200(send_head(gw.port, head("X-Pad: " + "p" * 3000))[0])
        assert_431(send_head(gw.port, head("X-Pad: " + "p" * 5000))[0])
        assert_200(send_head(gw.port, head(*[f"X-H{i}: v" for i in range(15)]))[0])
        assert_431(send_head(gw.port, head(*[f"X-H{i}: v" for i in range(25)]))[0])
    answer, sent = send_head(gw.port, *HUGE_HEADS["one_header_value"], 64 * MIB)
    assert_431(answer)
    assert sent < 16 * MIB
    gw.add_merchant().place_order().assert_ok()


# --- X-Forwarded-For and the IP whitelist


@pytest.mark.parametrize(
    ("args", "trusted"),
    [
        ((), False),
        (("--forwarded-allow-ips", "127.0.0.1"), True),
        (("--workers", "2"), False),
        (("--workers", "2", "--forwarded-allow-ips", "127.0.0.0/8"), True),
    ],
    ids=["default", "trusted_proxy", "workers_default", "workers_trusted_proxy"],
)
def test_x_forwarded_for_is_believed_only_from_named_proxies(
    fresh_gateway: Callable[..., Gateway],
    monkeypatch: pytest.MonkeyPatch,
    args: tuple[str, ...],
    trusted: bool,
) -> None:
    # uvicorn's own default would trust this environment variable; ours must not
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "*")
    gw = fresh_gateway(*args)
    merchant = gw.add_merchant(extra=["--ip-whitelist", "10.1.2.3/32"])

    def get_order(forwarded_for: str | None) -> tuple[str, str]:
        headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
        body = dumps({"requestTime": now_ms(), "bizContent": {"merchantOrderNo": order_no()}})
        r = merchant.post_raw(GET_ORDER, body, headers=headers)
        assert r.status_code == 200, r.raw
        assert r.signature_valid is True, r.raw
        return r.code, r.msg

    unauthorized = ("403", "UNAUTHORIZED")
    assert get_order(None)[0] == "403"  # the connection comes from 127.0.0.1
    code, msg = get_order("10.1.2.3")
    if trusted:
        assert code == "62004", msg  # past the whitelist: the order does not exist
        assert get_order("10.9.9.9")[0] == "403"
    else:
        assert (code, msg.split(":")[0]) == unauthorized, msg


@pytest.mark.parametrize("value", ["10.0.0.1/8", "proxy.internal", "127.0.0.1,10.0.0.0/33"])
def test_a_proxy_list_uvicorn_would_misread_is_refused_at_start(
    tmp_path: Path, value: str
) -> None:
    # uvicorn would take each of these for a host name that never matches, silently
    result = subprocess.run(
        [*BOTIMPAY, "serve", "--db", str(tmp_path / "x.db"), "--port", str(free_port()),
         "--forwarded-allow-ips", value],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "--forwarded-allow-ips" in result.stderr
