"""`botimpay merchant add/update --scenes` and `merchant list`: scenes in any case and
separator, one-line refusals (exit 2) naming the bad scene, and `update` changing
only the options it is given."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from click.testing import CliRunner

from botimpay.cli import main
from tests.cli.test_cli import random_pid
from tests.conftest import _fresh_database
from tests.harness import new_key, public_pem


@dataclass(frozen=True)
class Ran:
    returncode: int
    stdout: str
    stderr: str


@dataclass(frozen=True)
class Db:
    url: str

    def cli(self, *args: str) -> Ran:
        """`botimpay ARGS` on this database, in this process (a subprocess costs seconds of
        interpreter start on a busy machine); the same click group, exits and streams."""
        result = CliRunner().invoke(main, list(args), env={"BOTIMPAY_DB": self.url})
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return Ran(result.exit_code, result.stdout, result.stderr)


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory, backend_url: str | None) -> Iterator[Db]:
    """An initialised database of this module's own (no server: these commands work on
    the database)."""
    databases = _fresh_database(backend_url, tmp_path_factory.mktemp("scenes-cli"))
    initialised = Db(next(databases))
    assert initialised.cli("init").returncode == 0
    yield initialised
    for _ in databases:
        pass


def output(ran: Ran) -> str:
    return ran.stdout + ran.stderr


def merchants(db: Db) -> dict[str, dict[str, Any]]:
    listed = db.cli("merchant", "list", "--json")
    assert listed.returncode == 0, output(listed)
    return {row["partnerId"]: row for row in json.loads(listed.stdout)}


def add(db: Db, pid: str, *extra: str) -> Ran:
    return db.cli(
        "merchant", "add", "--partner-id", pid, "--name", f"Scenes {pid}",
        "--public-key", public_pem(new_key()), *extra,
    )  # fmt: skip


def update(db: Db, pid: str, *extra: str) -> Ran:
    return db.cli("merchant", "update", "--partner-id", pid, *extra)


def entry(db: Db, pid: str) -> dict[str, Any]:
    return merchants(db)[pid]


def assert_one_line_refusal(result: Ran, *named: str) -> None:
    assert result.returncode == 2, output(result)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, output(result)
    assert lines[0].startswith("error: "), lines
    for text in named:
        assert text in lines[0], lines


def test_add_takes_scenes_in_any_case_and_list_shows_them(db: Db) -> None:
    limited, spaced, default = random_pid(), random_pid(), random_pid()
    assert add(db, limited, "--scenes", "dynqr").returncode == 0
    added = add(db, spaced, "--scenes", " JSAPI , DYNQR ")
    assert added.returncode == 0, output(added)
    assert "scenes DYNQR,JSAPI" in added.stdout
    assert add(db, default).returncode == 0
    listed = merchants(db)
    assert listed[limited]["scenes"] == ["DYNQR"]
    assert listed[spaced]["scenes"] == ["DYNQR", "JSAPI"]
    assert listed[default]["scenes"] == ["DYNQR", "JSAPI"]
    table = db.cli("merchant", "list").stdout
    [row] = [line for line in table.splitlines() if limited in line]
    assert "DYNQR" in row
    assert "JSAPI" not in row


@pytest.mark.parametrize(
    ("scenes", "named"),
    [
        ("JSAPI,CRYPTO", ["unknown scene 'CRYPTO'", "DYNQR, JSAPI"]),
        ("PAYPAGE", ["'PAYPAGE' is not served"]),
        ("", ["at least one scene"]),
        (",", ["at least one scene"]),
    ],
)
def test_add_with_a_bad_scene_is_refused_in_one_line(db: Db, scenes: str, named: list[str]) -> None:
    pid = random_pid()
    assert_one_line_refusal(add(db, pid, "--scenes", scenes), *named)
    assert pid not in merchants(db)


def test_update_changes_only_what_it_is_given(db: Db) -> None:
    pid = random_pid()
    assert add(db, pid, "--fee-rate", "0.01").returncode == 0
    before = entry(db, pid)

    changed = update(db, pid, "--scenes", "JSAPI")
    assert changed.returncode == 0, output(changed)
    assert "scenes JSAPI" in changed.stdout
    after = entry(db, pid)
    assert after["scenes"] == ["JSAPI"]
    assert {k: v for k, v in after.items() if k != "scenes"} == {
        k: v for k, v in before.items() if k != "scenes"
    }

    assert update(db, pid, "--name", "Renamed Shop").returncode == 0
    renamed = entry(db, pid)
    assert (renamed["name"], renamed["scenes"]) == ("Renamed Shop", ["JSAPI"])
    assert Decimal(renamed["feeRate"]) == Decimal("0.01")

    assert update(db, pid, "--fee-rate", "0.002", "--scenes", "DYNQR,JSAPI").returncode == 0
    both = entry(db, pid)
    assert (Decimal(both["feeRate"]), both["scenes"]) == (Decimal("0.002"), ["DYNQR", "JSAPI"])
    assert both["name"] == "Renamed Shop"


def test_update_refusals_are_one_line_and_change_nothing(db: Db) -> None:
    pid = random_pid()
    assert add(db, pid, "--scenes", "DYNQR").returncode == 0
    before = entry(db, pid)
    assert_one_line_refusal(update(db, pid, "--scenes", "DYNQR,QRCODE"), "'QRCODE'")
    assert_one_line_refusal(update(db, pid, "--name", "New", "--scenes", "EWALLET"), "'EWALLET'")
    assert_one_line_refusal(update(db, pid), "nothing to change")
    assert_one_line_refusal(update(db, pid, "--fee-rate", "2"), "fee rate")
    assert entry(db, pid) == before
    assert_one_line_refusal(update(db, "999999999997", "--scenes", "JSAPI"), "999999999997")


def test_trigger_payment_is_gated_by_the_merchants_scenes(db: Db) -> None:
    """`botimpay trigger payment` places its order through the same gate as the API."""
    pid = random_pid()
    assert add(db, pid, "--scenes", "DYNQR").returncode == 0
    refused = db.cli("trigger", "payment", "--partner-id", pid, "--scene", "JSAPI")
    assert_one_line_refusal(refused, "62026", "JSAPI")
    paid = db.cli("trigger", "payment", "--partner-id", pid, "--scene", "DYNQR", "--json")
    assert paid.returncode == 0, output(paid)
    assert json.loads(paid.stdout)["acquireOrder"]["paySceneCode"] == "DYNQR"
