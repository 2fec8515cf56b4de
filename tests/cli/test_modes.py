"""Sandbox and production databases are kept apart: `init` records the mode it set up,
and `serve`/`worker`/`init` refuse a database of the other mode with one line that says
how to proceed (a production gateway gets a database of its own)."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import subprocess
from collections.abc import Callable

import httpx

from tests.harness import BOTIMPAY, Gateway, free_port

DEMO = "200000000888"
WAIT_S = 20  # a refusal comes at once; a gateway that starts instead runs until killed


def botimpay(gateway: Gateway, *args: str) -> subprocess.CompletedProcess[str]:
    """`botimpay ARGS --db <the gateway's database>`; a process still running after
    WAIT_S seconds (a server that started) is killed and reported as exit status -1."""
    env = {k: v for k, v in os.environ.items() if k != "BOTIMPAY_DB"}
    try:
        return subprocess.run(
            [*BOTIMPAY, *args, "--db", gateway.db_url],
            capture_output=True,
            text=True,
            cwd=gateway.workdir,
            env=env,
            timeout=WAIT_S,
        )
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else exc.stdout or ""
        return subprocess.CompletedProcess(exc.cmd, -1, out, "still running: not refused")


def refusal(result: subprocess.CompletedProcess[str]) -> str:
    """The one-line error of a refused command (exit status 2, no traceback)."""
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines
    return lines[0]


def partner_ids(gateway: Gateway) -> set[str]:
    listed = json.loads(gateway.cli("merchant", "list", "--json").stdout)
    return {entry["partnerId"] for entry in listed}


def serve_args() -> list[str]:
    return ["serve", "--host", "127.0.0.1", "--port", str(free_port())]


def forget_recorded_mode(db_url: str) -> None:
    """Makes the database look initialised before `init` recorded its mode: no
    gateway_settings rows at all (neither the mode nor the stored demo key)."""
    if db_url.startswith("sqlite"):
        with sqlite3.connect(db_url.removeprefix("sqlite:///")) as conn:
            conn.execute("DELETE FROM gateway_settings")
        return

    async def delete() -> None:
        import asyncpg

        conn = await asyncpg.connect(db_url)
        try:
            await conn.execute("DELETE FROM gateway_settings")
        finally:
            await conn.close()

    asyncio.run(delete())


def test_production_serve_and_worker_refuse_a_sandbox_database(
    fresh_gateway: Callable[..., Gateway],
) -> None:
    sandbox = fresh_gateway(start=False)
    for command in (serve_args(), ["worker"]):
        line = refusal(botimpay(sandbox, *command, "--mode", "production"))
        assert "sandbox" in line, line
        assert "botimpay init --mode production --db <a new database>" in line, line
    assert DEMO in partner_ids(sandbox)  # refused, nothing changed


def test_a_sandbox_database_from_before_the_mode_was_recorded_is_still_sandbox(
    fresh_gateway: Callable[..., Gateway],
) -> None:
    sandbox = fresh_gateway(start=False)
    forget_recorded_mode(sandbox.db_url)  # demo merchant and test wallets remain
    line = refusal(botimpay(sandbox, *serve_args(), "--mode", "production"))
    assert "botimpay init --mode production --db <a new database>" in line, line
    line = refusal(botimpay(sandbox, "init", "--mode", "production"))
    assert "botimpay init --mode production --db <a new database>" in line, line
    again = botimpay(sandbox, "init")  # a sandbox init records the mode at last
    assert again.returncode == 0, again.stderr


def test_init_does_not_switch_a_database_to_the_other_mode(
    fresh_gateway: Callable[..., Gateway],
) -> None:
    sandbox = fresh_gateway(start=False)
    line = refusal(botimpay(sandbox, "init", "--mode", "production"))
    assert "botimpay init --mode production --db <a new database>" in line, line
    production = fresh_gateway("--mode", "production", start=False)
    line = refusal(botimpay(production, "init"))
    assert "production" in line, line
    assert DEMO not in partner_ids(production)  # no demo merchant planted
    line = refusal(botimpay(production, *serve_args()))  # sandbox mode is the default
    assert "--mode production" in line, line


def test_production_init_is_repeatable_and_serves(fresh_gateway: Callable[..., Gateway]) -> None:
    production = fresh_gateway("--mode", "production", start=False)
    again = botimpay(production, "init", "--mode", "production")
    assert again.returncode == 0, again.stderr
    assert "demo merchant" not in again.stdout
    assert DEMO not in partner_ids(production)
    forget_recorded_mode(production.db_url)  # initialised before the mode was recorded:
    production.start()  # nothing sandbox in it, so production may serve it
    health = httpx.get(production.base_url + "/healthz", timeout=10).json()
    assert health["mode"] == "production"
