"""Log lines cannot be forged or leak database values (issue 10, items 9 and 10).

The formatter (`botimpay.logs`) escapes control characters in messages and
indents exception text, so text a client sends can never start a line; database
errors anywhere in an exception chain are logged by class and statement name,
never with their parameters or PostgreSQL's DETAIL. `botimpay serve` logs
through it in every worker process.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import asyncpg
import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from botimpay.logs import SafeFormatter
from tests.harness import Gateway, dumps, jsapi_order, now_ms

SECRET = "tok_SECRET_5f3a9c"
LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} [A-Z]+ [\w.]+ ")


def formatted(msg: str, *args: object, exc: BaseException | None = None) -> str:
    record = logging.LogRecord(
        "botimpay.api",
        logging.ERROR if exc else logging.INFO,
        __file__,
        1,
        msg,
        args,
        (type(exc), exc, exc.__traceback__) if exc is not None else None,
    )
    return SafeFormatter().format(record)


def raised(exc: BaseException, cause: BaseException | None = None) -> BaseException:
    """`exc`, raised (from `cause`) and caught, so it has a traceback."""
    try:
        raise exc from cause
    except BaseException as caught:
        return caught


def test_the_line_format_is_time_level_logger_message() -> None:
    line = formatted("trace=%s refused", "abc")
    assert LINE.match(line), line
    assert line.endswith(" INFO botimpay.api trace=abc refused")


@pytest.mark.parametrize(
    ("char", "shown"),
    [
        ("\n", "\\n"),
        ("\r", "\\r"),
        ("\t", "\\t"),
        ("\x00", "\\x00"),
        ("\x1b", "\\x1b"),
        ("\x7f", "\\x7f"),
        ("\x85", "\\x85"),
        ("\x9b", "\\x9b"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ],
)
def test_control_characters_in_a_message_are_escaped(char: str, shown: str) -> None:
    line = formatted("merchantOrderNo %s does not exist", f"x{char}2026-01-01 INFO forged")
    assert line.count("\n") == 0
    assert char not in line
    assert f"x{shown}2026-01-01 INFO forged does not exist" in line
    assert line.splitlines() == [line]


def test_a_forged_line_cannot_start_a_line() -> None:
    forged = "2026-01-01 00:00:00,000 INFO botimpay.api forged"
    text = formatted("merchantOrderNo %s does not exist", f"x\n{forged}")
    assert not any(line.startswith(forged) for line in text.splitlines())


def test_exception_text_is_indented_and_escaped() -> None:
    forged = "2026-01-01 00:00:00,000 INFO botimpay.api forged"
    exc = raised(ValueError(f"bad value\n{forged}\x1b[31m"), raised(KeyError(f"k\n{forged}")))
    text = formatted("unexpected error", exc=exc)
    first, *rest = text.split("\n")
    assert LINE.match(first)
    assert first.endswith("unexpected error")
    assert rest, text
    for line in rest:
        assert line == "" or line.startswith(" "), line
    assert "\x1b" not in text
    assert "\\x1b[31m" in text
    assert "ValueError: bad value" in text
    assert "KeyError" in text
    assert "The above exception was the direct cause of the following exception:" in text


def _sqlalchemy_integrity_error() -> IntegrityError:
    """A real IntegrityError from an engine that does not hide its parameters."""
    engine = sa.create_engine("sqlite://")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE checkout_tokens (token TEXT PRIMARY KEY, order_no TEXT)")
        insert = sa.text("INSERT INTO checkout_tokens (token, order_no) VALUES (:token, :o)")
        conn.execute(insert, {"token": SECRET, "o": "1"})
        with pytest.raises(IntegrityError) as caught:
            conn.execute(insert, {"token": SECRET, "o": "2"})
    assert SECRET in str(caught.value)  # what would have been logged
    return caught.value


def test_a_database_error_is_logged_without_its_parameters() -> None:
    db_error = _sqlalchemy_integrity_error()
    exc = raised(RuntimeError("could not place the order"), db_error)
    text = formatted("trace=%s unexpected error", "t1", exc=exc)
    assert SECRET not in text
    assert "sqlalchemy.exc.IntegrityError" in text
    assert "INSERT INTO checkout_tokens" in text
    assert "sqlite3.IntegrityError" in text  # the driver's error, by class
    assert "RuntimeError: could not place the order" in text
    # and as an argument of the message
    line = formatted("write failed: %s", db_error)
    assert SECRET not in line
    assert "IntegrityError" in line


def test_postgres_detail_is_never_logged() -> None:
    pg = asyncpg.exceptions.UniqueViolationError.new(
        {
            "S": "ERROR",
            "C": "23505",
            "M": 'duplicate key value violates unique constraint "orders_token_key"',
            "D": f"Key (token)=({SECRET}) already exists.",
            "n": "orders_token_key",
            "t": "orders",
        }
    )
    assert SECRET in str(pg)

    class AdaptedError(Exception):
        """Like SQLAlchemy's asyncpg adapter errors: str() repeats asyncpg's."""

    adapted = raised(AdaptedError(f"<class 'UniqueViolationError'>: {pg}"), raised(pg))
    statement = "UPDATE orders SET token=$1 WHERE orders.order_no = $2"
    wrapped = raised(IntegrityError(statement, (SECRET, "1"), adapted), adapted)
    text = formatted("unexpected error", exc=wrapped)
    assert SECRET not in text
    assert "asyncpg.exceptions.UniqueViolationError" in text
    assert "23505" in text
    assert "UPDATE orders" in text
    assert SECRET not in formatted("failed: %s %r", pg, pg)


def test_a_sqlite_error_is_logged_by_class() -> None:
    exc = raised(sqlite3.OperationalError(f"near {SECRET!r}: syntax error"))
    text = formatted("failed", exc=exc)
    assert SECRET not in text
    assert "sqlite3.OperationalError" in text


# --- through a running gateway

FORGED = "2026-01-01 00:00:00,000 INFO botimpay.api forged"


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_newline_in_merchant_order_no_cannot_forge_a_log_line(
    fresh_gateway: Callable[..., Gateway], workers: str
) -> None:
    gw = fresh_gateway("--workers", workers)
    merchant = gw.add_merchant()
    for _ in range(4):  # with two workers, reach both
        body = dumps({"requestTime": now_ms(), "bizContent": {"merchantOrderNo": f"x\n{FORGED}"}})
        r = merchant.post_raw("acquire2/getOrder", body)
        assert r.code == "62004", r.json  # refused, and logged
    log = _serve_log(gw, "forged does not exist", count=4)
    assert not [line for line in log.splitlines() if line.startswith(FORGED)], log
    refused = [line for line in log.splitlines() if "forged does not exist" in line]
    assert len(refused) == 4, log
    for line in refused:
        assert LINE.match(line), line
        assert "merchantOrderNo x\\n2026-01-01" in line, line


# Fails every order insert; PostgreSQL's way puts the key value in DETAIL.
SQLITE_TRIGGER = (
    "CREATE TRIGGER refuse BEFORE INSERT ON orders BEGIN SELECT RAISE(ABORT, 'no'); END"
)
PG_TRIGGER = """
CREATE FUNCTION refuse_order() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE unique_violation USING
    MESSAGE = 'duplicate key value violates unique constraint "orders_probe"',
    DETAIL = 'Key (merchant_order_no)=(' || NEW.merchant_order_no || ') already exists.';
END $$;
CREATE TRIGGER refuse_order BEFORE INSERT ON orders
  FOR EACH ROW EXECUTE FUNCTION refuse_order();
"""


async def _pg_execute(url: str, sql: str) -> None:
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def test_a_database_error_in_the_server_is_logged_without_values(
    fresh_gateway: Callable[..., Gateway],
) -> None:
    gw = fresh_gateway()
    merchant = gw.add_merchant()
    postgres = gw.db_url.startswith("postgresql")
    if postgres:
        asyncio.run(_pg_execute(gw.db_url, PG_TRIGGER))
    else:
        with sqlite3.connect(gw.db_url.removeprefix("sqlite:///")) as db:
            db.execute(SQLITE_TRIGGER)
    secret_no = "SECRETORDER" + SECRET[-6:]
    r = merchant.post_raw(
        "acquire2/placeOrder",
        dumps({"requestTime": now_ms(), "bizContent": jsapi_order(merchantOrderNo=secret_no)}),
    )
    assert r.code == "500", r.json
    log = _serve_log(gw, "IntegrityError")
    assert secret_no not in log
    assert "sqlalchemy.exc.IntegrityError" in log
    assert "INSERT INTO orders" in log
    assert "[parameters" not in log
    assert "[SQL" not in log
    if postgres:
        assert "asyncpg.exceptions.UniqueViolationError: sqlstate=23505" in log
        assert "DETAIL" not in log


def _serve_log(gw: Gateway, needle: str, count: int = 1) -> str:
    """The serve log once `needle` appears `count` times (logging is asynchronous)."""
    path = Path(gw.workdir / f"serve-{gw.port}.log")
    deadline = time.monotonic() + 10
    text = path.read_text()
    while text.count(needle) < count and time.monotonic() < deadline:
        time.sleep(0.1)
        text = path.read_text()
    return text
