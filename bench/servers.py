"""Starting and stopping the processes under test: gateway, floor app, localstripe."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PEER_VENV = ROOT / "bench" / ".peer-venv"
PG_ADMIN = ["psql", "-h", "127.0.0.1", "-p", "5432", "-U", "postgres", "-qAtc"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """A server process (and its workers) in its own session, so it can be stopped whole."""

    name: str
    process: subprocess.Popen[bytes]
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, path: str, log: Path, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited:\n{log.read_text()[-3000:]}")
            try:
                httpx.get(self.url + path, timeout=1)
                return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError(f"{self.name} not ready in {timeout} s")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def _spawn(name: str, argv: list[str], log: Path, env: dict[str, str] | None = None) -> Server:
    port = free_port()
    argv = [a.replace("{port}", str(port)) for a in argv]
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 (argv built here)
            argv,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
    return Server(name, process, port)


def botimpay(*args: str) -> str:
    result = subprocess.run(  # noqa: S603 (argv built here)
        [str(BIN / "botimpay"), *args], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"botimpay {args[0]} failed: {result.stdout}{result.stderr}")
    return result.stdout


def create_pg_database(name: str) -> str:
    subprocess.run([*PG_ADMIN, f'CREATE DATABASE "{name}"'], check=True)  # noqa: S603
    return f"postgresql://postgres@127.0.0.1:5432/{name}"


def drop_pg_database(name: str) -> None:
    subprocess.run([*PG_ADMIN, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'], check=False)  # noqa: S603


@contextlib.contextmanager
def fresh_database(backend: str, workdir: Path, name: str) -> Iterator[str]:
    """A new, empty database for one run: a SQLite file in workdir, or a PostgreSQL
    database that is dropped afterwards. Yields its URL."""
    if backend == "sqlite":
        yield f"sqlite:///{workdir / f'{name}.db'}"
        return
    url = create_pg_database(name)
    try:
        yield url
    finally:
        drop_pg_database(name)


def sqlite_path(db_url: str) -> Path:
    """The file behind a URL made by fresh_database("sqlite", ...)."""
    return Path(db_url.removeprefix("sqlite://"))


def init_database(
    db_url: str, *, mode: str, key_dir: Path, partner_id: str, name: str, public_key: Path
) -> None:
    """`botimpay init`, then the bench merchant, as an operator would set a gateway up."""
    botimpay("init", "--db", db_url, "--mode", mode, "--key-dir", str(key_dir))
    botimpay(
        "merchant",
        "add",
        "--db",
        db_url,
        "--partner-id",
        partner_id,
        "--name",
        name,
        "--public-key",
        str(public_key),
    )


def start_gateway(db_url: str, workdir: Path, workers: int = 2, mode: str = "production") -> Server:
    """`botimpay serve` with durable commits: production mode, or sandbox mode where a
    scenario must pay orders (only the sandbox has a payment API without a browser).

    The rate limiter stays on but with a limit far above what the run can reach."""
    log = workdir / f"gateway-{mode}.log"
    server = _spawn(
        "gateway",
        [
            str(BIN / "botimpay"),
            "serve",
            "--db",
            db_url,
            "--mode",
            mode,
            "--workers",
            str(workers),
            "--port",
            "{port}",
            "--rate-limit",
            "1000000",
            # the receiver runs on loopback, which production otherwise refuses to notify
            "--notify-allow-cidr",
            "127.0.0.0/8",
            "--log-level",
            "warning",
        ],
        log,
    )
    server.wait_ready("/healthz", log)
    return server


def start_receiver(workdir: Path) -> Server:
    """bench/receiver.py: a notifyUrl that acknowledges everything, faster than any gateway."""
    log = workdir / "receiver.log"
    server = _spawn(
        "receiver", [str(BIN / "python"), "-m", "bench.receiver", "--port", "{port}"], log
    )
    server.wait_ready("/count", log)
    return server


def receiver_count(server: Server) -> dict[str, Any]:
    counts: dict[str, Any] = httpx.get(server.url + "/count", timeout=5).json()
    return counts


def start_floor(public_key: Path, private_key: Path, workdir: Path, workers: int = 2) -> Server:
    log = workdir / "floor.log"
    env = dict(
        os.environ, BENCH_FLOOR_PUBLIC_KEY=str(public_key), BENCH_FLOOR_PRIVATE_KEY=str(private_key)
    )
    server = _spawn(
        "floor",
        [
            str(BIN / "uvicorn"),
            "bench.floor_app:app",
            "--port",
            "{port}",
            "--workers",
            str(workers),
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        log,
        env,
    )
    server.wait_ready("/", log)
    return server


def peer_unavailable() -> str | None:
    """Why localstripe cannot run, or None when it can."""
    if not (PEER_VENV / "bin" / "localstripe").exists():
        return f"not installed in {PEER_VENV} (pip install localstripe failed or not tried)"
    return None


def start_localstripe(workdir: Path) -> Server:
    log = workdir / "localstripe.log"
    server = _spawn(
        "localstripe",
        [str(PEER_VENV / "bin" / "localstripe"), "--port", "{port}", "--from-scratch"],
        log,
    )
    server.wait_ready("/v1/customers", log)
    return server
