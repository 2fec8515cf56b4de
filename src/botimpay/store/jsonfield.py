"""JSON text for columns that hold wire objects; numbers stay Decimal, never float."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import orjson

from botimpay.protocol.money import wire_default


def dumps(value: Any) -> str:
    return orjson.dumps(value, default=wire_default, option=orjson.OPT_SORT_KEYS).decode()


_DECODER = json.JSONDecoder(parse_float=Decimal)


def loads(text: str) -> Any:
    return _DECODER.decode(text)
