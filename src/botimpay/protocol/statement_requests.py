"""Request model of acquire2/download/getOrderStatement
(8_Reconciliation/statement-download.mdx): the statement day, and the column set.

`statementDate` is `YYYYMMDD` (at most 8 characters, a real calendar day).
`statementVersion` is botimpay's own optional field (the reference shows a V1 and a
V2 column set but names no request field choosing one): `V1` (default) or `V2`.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal

from pydantic import PlainValidator, WithJsonSchema

from botimpay.protocol.requests import WireModel

_DAY = re.compile(r"\d{8}")
VERSIONS = ("V1", "V2")


def parse_statement_date(value: object) -> date:
    """`YYYYMMDD` as a calendar day; ValueError saying what is wrong otherwise."""
    if not isinstance(value, str):
        raise ValueError("must be a date in YYYYMMDD format (a string)")
    if not _DAY.fullmatch(value):
        raise ValueError("must be a date in YYYYMMDD format")
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError as exc:
        raise ValueError("is not a calendar date") from exc


def _version(value: object) -> str:
    if value is None:  # null: as if left out
        return VERSIONS[0]
    if value not in VERSIONS:
        raise ValueError("must be V1 or V2")
    return str(value)


StatementDate = Annotated[
    date,
    PlainValidator(parse_statement_date),
    WithJsonSchema(
        {"type": "string", "pattern": "^[0-9]{8}$", "maxLength": 8, "examples": ["20200605"]}
    ),
]

Version = Annotated[
    Literal["V1", "V2"],
    PlainValidator(_version),
    WithJsonSchema({"type": "string", "enum": ["V1", "V2"], "default": "V1"}),
]


class GetOrderStatementBiz(WireModel):
    """bizContent of getOrderStatement: the UAE day whose statements to download."""

    statementDate: StatementDate
    statementVersion: Version = "V1"


__all__ = ["VERSIONS", "GetOrderStatementBiz", "parse_statement_date"]
