"""Logging for `serve` and `worker`: one line format, nothing forged, nothing secret.

Every record is one line `time level logger message`:

- control characters in the message (C0, DEL, C1 with U+0085, U+2028/U+2029)
  are written as escapes (`\\n`, `\\x1b`, `\\u2028`), so text a client sends
  (a merchantOrderNo with a newline, say) cannot start a line of its own;
- exception text follows on lines indented by four spaces, escaped the same
  way, so nothing in an exception message can reach column 0 either;
- a database error anywhere in an exception chain, or passed as a message
  argument, is written as its class and a statement name (`INSERT INTO orders`),
  the SQLite error name or PostgreSQL's sqlstate and constraint, never as
  str(exc): that holds the statement's parameters (checkout tokens) and
  PostgreSQL's DETAIL (`Key (token)=(...) already exists`). What such an error
  caused is described the same way (SQLAlchemy's asyncpg adapter repeats the
  asyncpg message in its own).

`config(level)` is the dictConfig both commands install; `serve` also hands it
to uvicorn (`log_config=`), so uvicorn's own loggers and every process of
`--workers N` log through the same formatter.
"""

from __future__ import annotations

import logging
import logging.config
import re
import sqlite3
import traceback
from types import TracebackType
from typing import Any

from sqlalchemy.exc import StatementError

FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
INDENT = "    "

_ESCAPES: dict[int, str] = {
    **{code: f"\\x{code:02x}" for code in [*range(0x20), 0x7F, *range(0x80, 0xA0)]},
    ord("\n"): "\\n",
    ord("\r"): "\\r",
    ord("\t"): "\\t",
    0x2028: "\\u2028",
    0x2029: "\\u2029",
}
_STATEMENT = re.compile(
    r"\s*(?:(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+([\w.\"]+)"
    r"|(SELECT)\b.*?\bFROM\s+([\w.\"]+)"
    r"|([A-Za-z]+))",
    re.IGNORECASE | re.DOTALL,
)


def escape(text: str) -> str:
    """`text` with every control character written as an escape."""
    return text.translate(_ESCAPES)


def statement_name(sql: str | None) -> str:
    """The kind of statement and its table, e.g. `INSERT INTO orders`; never values."""
    match = _STATEMENT.match(sql or "")
    if match is None:
        return "statement"
    verb, table, select, source, word = match.groups()
    if verb:
        return f"{' '.join(verb.upper().split())} {table}"
    if select:
        return f"SELECT FROM {source}"
    return str(word).upper()


def _is_db_error(exc: BaseException) -> bool:
    if isinstance(exc, StatementError | sqlite3.Error):
        return True
    module = type(exc).__module__
    return module.startswith(("asyncpg", "sqlalchemy.dialects"))


def _class_name(exc: BaseException) -> str:
    cls = type(exc)
    if cls.__module__ in ("builtins", "__main__"):
        return cls.__qualname__
    return f"{cls.__module__}.{cls.__qualname__}"


def describe_db_error(exc: BaseException) -> str:
    """A database error without the values it carries: class, statement, error code."""
    parts: list[str] = []
    if isinstance(exc, StatementError):
        if exc.orig is not None:
            parts.append(f"({_class_name(exc.orig)})")
        parts.append(f"in {statement_name(exc.statement)}")
    name = getattr(exc, "sqlite_errorname", None)
    if isinstance(name, str):
        parts.append(name)
    for attribute in ("sqlstate", "constraint_name", "table_name"):
        value = getattr(exc, attribute, None)
        if isinstance(value, str) and value:
            parts.append(f"{attribute.removesuffix('_name')}={escape(value)}")
    return ": ".join([_class_name(exc), " ".join(parts)]) if parts else _class_name(exc)


def format_exception(exc: BaseException) -> str:
    """The traceback of `exc` and its chain, as Python prints it, database errors
    (and whatever caused them) described by `describe_db_error`."""
    lines: list[str] = []
    _format_chain(exc, lines, seen=set(), below_db_error=False)
    return "".join(lines).rstrip("\n")


def _format_chain(
    exc: BaseException, out: list[str], seen: set[int], *, below_db_error: bool
) -> None:
    seen.add(id(exc))
    secret = below_db_error or _is_db_error(exc)
    cause, context = exc.__cause__, exc.__context__
    if cause is not None and id(cause) not in seen:
        _format_chain(cause, out, seen, below_db_error=secret)
        out.append("\nThe above exception was the direct cause of the following exception:\n\n")
    elif context is not None and not exc.__suppress_context__ and id(context) not in seen:
        _format_chain(context, out, seen, below_db_error=False)
        out.append("\nDuring handling of the above exception, another exception occurred:\n\n")
    if exc.__traceback__ is not None:
        out.append("Traceback (most recent call last):\n")
        out.extend(traceback.format_tb(exc.__traceback__))
    if secret:
        out.append(describe_db_error(exc) + "\n")
    else:
        out.extend(traceback.format_exception_only(type(exc), exc))
    if isinstance(exc, BaseExceptionGroup):
        for number, member in enumerate(exc.exceptions, 1):
            out.append(f"\n[{_class_name(exc)} member {number} of {len(exc.exceptions)}]\n")
            _format_chain(member, out, seen, below_db_error=secret)


class SafeFormatter(logging.Formatter):
    """`time level logger message`, escaped; exception text indented; database
    errors by class and statement name only (see the module docstring)."""

    def __init__(self, fmt: str | None = FORMAT, datefmt: str | None = None) -> None:
        super().__init__(fmt, datefmt)

    def format(self, record: logging.LogRecord) -> str:
        args = record.args
        if isinstance(args, tuple) and any(isinstance(a, BaseException) for a in args):
            record.args = tuple(
                describe_db_error(a) if isinstance(a, BaseException) and _is_db_error(a) else a
                for a in args
            )
        try:
            record.message = escape(record.getMessage())
        finally:
            record.args = args
        if self.usesTime():
            record.asctime = self.formatTime(record, self.datefmt)
        line = self.formatMessage(record)
        details: list[str] = []
        if record.exc_info and record.exc_info[1] is not None:
            details.append(self.formatException(record.exc_info))
        elif record.exc_text:
            details.append(record.exc_text)
        if record.stack_info:
            details.append(self.formatStack(record.stack_info))
        for text in details:
            line += "".join(f"\n{INDENT}{escape(part)}" for part in text.split("\n"))
        return line

    def formatException(
        self,
        ei: tuple[type[BaseException], BaseException, TracebackType | None]
        | tuple[None, None, None],
    ) -> str:
        exc = ei[1]
        return "" if exc is None else format_exception(exc)


def config(level: str) -> dict[str, Any]:
    """The logging configuration of `serve` (its workers and uvicorn) and `worker`."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"line": {"()": f"{__name__}.SafeFormatter", "fmt": FORMAT}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "line",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"handlers": ["stderr"], "level": level.upper()},
        "loggers": {
            # uvicorn's own loggers: through the root handler, none of their own
            "uvicorn": {"handlers": [], "propagate": True},
            "uvicorn.error": {"handlers": [], "propagate": True},
            "uvicorn.access": {"handlers": [], "propagate": True},
        },
    }


def configure(level: str) -> None:
    """Installs `config(level)` in this process."""
    logging.config.dictConfig(config(level))
