"""Two "hosts" on this machine: network namespaces joined by a bridge, each running
`botimpay serve` against one PostgreSQL (reached through its unix socket, a filesystem
object every namespace sees), and a notification receiver on the bridge's address.

Needs root and iproute2; `Cluster.start` raises `Unavailable` (the tests skip) when a
namespace cannot be made. Everything made is removed in `stop`, whatever happened.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import orjson

from tests.harness import BOTIMPAY

PG_SOCKET_DIR = Path("/var/run/postgresql")
PORT = 8000


class Unavailable(Exception):
    """Namespaces (or the PostgreSQL socket) cannot be had here: the tests skip."""


def _ip(*args: str) -> None:
    result = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=30)
    if result.returncode != 0:
        raise Unavailable(f"ip {' '.join(args)}: {result.stderr.strip()}")


@dataclass
class Node:
    """One gateway in its own namespace."""

    name: str
    namespace: str
    address: str
    log_path: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.address}:{PORT}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


class Receiver:
    """A notifyUrl on the bridge: records (path, notify_id, body) of every POST, answers
    {"response":"SUCCESS"}."""

    def __init__(self, address: str) -> None:
        self.received: list[tuple[str, str, dict[str, Any]]] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                data = orjson.loads(body)
                with receiver._lock:
                    receiver.received.append((self.path, str(data.get("notify_id")), data))
                payload = b'{"response":"SUCCESS"}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer((address, 0), Handler)
        self._server.daemon_threads = True
        self.address = address
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def url(self, path: str) -> str:
        return f"http://{self.address}:{self._server.server_address[1]}/{path}"

    def at(self, path: str) -> list[tuple[str, dict[str, Any]]]:
        """(notify_id, body) of every POST to /path, in arrival order."""
        with self._lock:
            return [(nid, data) for p, nid, data in self.received if p == f"/{path}"]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@dataclass
class Cluster:
    """The bridge, two namespaces with a gateway each, and the receiver."""

    workdir: Path
    db_url: str
    serve_args: list[str]
    tag: str = field(default_factory=lambda: f"{os.getpid() % 100000}")
    nodes: list[Node] = field(default_factory=list)
    receiver: Receiver | None = None
    _made: list[tuple[str, ...]] = field(default_factory=list)

    @property
    def subnet(self) -> str:
        return f"10.213.{100 + os.getpid() % 150}"

    @property
    def bridge(self) -> str:
        return f"bpbr{self.tag}"

    def _network(self) -> None:
        if os.geteuid() != 0 or shutil.which("ip") is None:
            raise Unavailable("network namespaces need root and iproute2 (`ip`)")
        if not PG_SOCKET_DIR.is_dir():
            raise Unavailable(f"no PostgreSQL socket directory {PG_SOCKET_DIR}")
        _ip("link", "add", self.bridge, "type", "bridge")
        self._made.append(("link", "del", self.bridge))
        _ip("addr", "add", f"{self.subnet}.1/24", "dev", self.bridge)
        _ip("link", "set", self.bridge, "up")
        for index, name in enumerate(("a", "b")):
            namespace, host_end, node_end = (
                f"bp{self.tag}{name}",
                f"bpv{self.tag}{name}",
                f"bpn{self.tag}{name}",
            )
            _ip("netns", "add", namespace)
            self._made.append(("netns", "del", namespace))
            _ip("link", "add", host_end, "type", "veth", "peer", "name", node_end)
            self._made.append(("link", "del", host_end))
            _ip("link", "set", node_end, "netns", namespace)
            _ip("link", "set", host_end, "master", self.bridge)
            _ip("link", "set", host_end, "up")
            address = f"{self.subnet}.{2 + index}"
            _ip("-n", namespace, "addr", "add", f"{address}/24", "dev", node_end)
            _ip("-n", namespace, "link", "set", node_end, "up")
            _ip("-n", namespace, "link", "set", "lo", "up")
            log_path = self.workdir / f"node-{name}.log"
            self.nodes.append(Node(f"node-{name}", namespace, address, log_path))

    def start(self) -> None:
        """Builds the network, the receiver and both gateways (healthy when this returns)."""
        self._network()
        self.receiver = Receiver(f"{self.subnet}.1")
        for node in self.nodes:
            log = open(node.log_path, "wb")  # noqa: SIM115
            node.process = subprocess.Popen(
                [
                    "ip",
                    "netns",
                    "exec",
                    node.namespace,
                    *BOTIMPAY,
                    "serve",
                    "--db",
                    self.db_url,
                    "--host",
                    node.address,
                    "--port",
                    str(PORT),
                    "--public-url",
                    node.base_url,
                    *self.serve_args,
                ],
                cwd=self.workdir,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        for node in self.nodes:
            self._wait_healthy(node)

    def _wait_healthy(self, node: Node) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert node.process is not None
            if node.process.poll() is not None:
                raise RuntimeError(f"{node.name} exited:\n{node.log()}")
            try:
                answer = httpx.get(node.base_url + "/healthz", timeout=1, trust_env=False)
                if answer.status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{node.name} did not become healthy in 60 s:\n{node.log()}")

    def stop(self) -> None:
        """Stops the gateways and the receiver and removes every link and namespace made."""
        for node in self.nodes:
            if node.process is not None and node.process.poll() is None:
                node.process.terminate()
                try:
                    node.process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    node.process.kill()
                    node.process.wait()
        if self.receiver is not None:
            self.receiver.close()
        for command in reversed(self._made):
            subprocess.run(["ip", *command], capture_output=True, timeout=30)
        self._made.clear()
