"""`botimpay testplan run-all` against a real `botimpay serve`, driven case by case by an
integration that reads its progress: the table, and the exit status a CI job relies on."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest

from tests.harness import BOTIMPAY, Gateway, Merchant
from tests.notify.receiver import SUCCESS, Receiver
from tests.testplan.client import Integration, Pace, conforming, follow_run_all

SCALE = Decimal("0.1")
PACE = Pace(SCALE, cancel_after=30)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    rx = Receiver(default=SUCCESS)
    yield rx
    rx.close()


def run_all(
    gateway: Gateway,
    partner_id: str,
    integration_for: Callable[[str], Integration | None],
    *options: str,
) -> tuple[int, list[str]]:
    """`botimpay testplan run-all`, driven as it goes; (exit status, output lines)."""
    process = subprocess.Popen(
        [
            *BOTIMPAY,
            "testplan",
            "run-all",
            "--db",
            gateway.db_url,
            "--partner-id",
            partner_id,
            "--time-scale",
            str(SCALE),
            *options,
        ],
        cwd=gateway.workdir,
        env={**os.environ, "COLUMNS": "200"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        lines = follow_run_all(process, integration_for)
        return process.wait(60), lines
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def table_rows(lines: list[str]) -> dict[str, list[str]]:
    """The run-all table's rows by case: the cells of each line that starts one."""
    rows: dict[str, list[str]] = {}
    for line in lines:
        cells = [cell.strip() for cell in line.strip("│┃ ").split("│")]
        if cells and len(cells[0]) == 3 and cells[0].isdigit():
            rows[cells[0]] = cells
    return rows


def test_run_all_passes_every_case_driven_by_a_conforming_integration(
    gateway: Gateway, shop: Merchant, receiver: Receiver
) -> None:
    def integration_for(case: str) -> Integration:
        plan = conforming(case, PACE, gateway, receiver.url)
        return Integration(shop, plan.pace, **plan.options)

    status, lines = run_all(gateway, shop.partner_id, integration_for, "--timeout", "30")
    output = "\n".join(lines)
    assert status == 0, output
    rows = table_rows(lines)
    assert sorted(rows) == [f"{n:03d}" for n in range(1, 10)], output
    assert {row[2] for row in rows.values()} == {"PASS"}, output
    assert "all 9 cases passed (timeScale 0.1)" in output
    print(output)  # the README shows this table


def test_run_all_exits_1_on_a_failing_case_or_a_timeout(
    gateway: Gateway, shop: Merchant, receiver: Receiver
) -> None:
    def integration_for(case: str) -> Integration | None:
        if case == "002":  # polls every 1 s (scaled): too often
            return Integration(shop, PACE.but(query_every=1.0))
        return None  # 007: nobody drives it

    status, lines = run_all(
        gateway, shop.partner_id, integration_for, "--cases", "002,7", "--timeout", "3"
    )
    output = "\n".join(lines)
    assert status == 1, output
    rows = table_rows(lines)
    assert rows["002"][2] == "FAIL", output
    assert "The query request frequency is 2-6s." in output
    assert rows["007"][2] == "TIMEOUT", output
    assert "2 of 2 cases did not pass: 002, 007" in output
