"""Hostile JSON for the fuzz suite: a value model that can say what plain Python can't,
its exact encoder, and the strategies that draw hostile text, numbers and structures.

A value is None, bool, int, Decimal, str, list, dict, or one of:
`Raw` (JSON text written verbatim: huge or odd numbers, deep nesting, invalid
tokens), `Pairs` (an object with keys in order, possibly repeated) and `Now`
(a millisecond timestamp relative to the moment the body is encoded).
Strings may hold NUL, control characters and lone surrogates; the encoder writes
them as `\\u` escapes (ASCII mode) or raw UTF-8 (lone surrogates then become
bytes that are not UTF-8).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from tests.harness import now_ms

MINUTE_MS = 60_000
HOUR_MS = 60 * MINUTE_MS


@dataclass(frozen=True)
class Raw:
    """JSON text written as is. `kind`: number, array, object or invalid (not RFC 8259
    JSON, so the whole body must be refused)."""

    text: str
    kind: str

    def __repr__(self) -> str:
        shown = self.text if len(self.text) <= 40 else f"{self.text[:20]}...({len(self.text)})"
        return f"Raw({shown!r})"


@dataclass(frozen=True)
class Pairs:
    """A JSON object written with exactly these keys, in order (repeats allowed)."""

    items: tuple[tuple[str, Any], ...]

    @property
    def has_duplicates(self) -> bool:
        keys = [key for key, _ in self.items]
        return len(set(keys)) != len(keys)


@dataclass(frozen=True)
class Now:
    """now_ms() + offset_ms at encoding time."""

    offset_ms: int = 0


# --- encoding -----------------------------------------------------------------------------


def encode(value: Any, *, ascii_only: bool = True) -> bytes:
    """The exact JSON bytes of `value` (compact). With ascii_only=False strings are raw
    UTF-8, lone surrogates written as their (invalid) three-byte forms."""
    return _text(value, ascii_only).encode("utf-8", "surrogatepass")


def _text(value: Any, ascii_only: bool) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=ascii_only)
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, Now):
        return str(now_ms() + value.offset_ms)
    if isinstance(value, list):
        return "[" + ",".join(_text(item, ascii_only) for item in value) + "]"
    if isinstance(value, dict):
        value = Pairs(tuple(value.items()))
    if isinstance(value, Pairs):
        return (
            "{"
            + ",".join(
                f"{json.dumps(key, ensure_ascii=ascii_only)}:{_text(item, ascii_only)}"
                for key, item in value.items
            )
            + "}"
        )
    raise TypeError(f"not a fuzz JSON value: {value!r}")


# --- what the server must make of it ----------------------------------------------------------

_SURROGATE = re.compile("[\ud800-\udfff]")
_INT = re.compile(r"-?(?:0|[1-9][0-9]*)")


def unstorable(text: str) -> bool:
    """NUL or a lone surrogate: text no database can store (strings are generated with
    surrogate pairs already combined, so any surrogate left is unpaired)."""
    return "\x00" in text or _SURROGATE.search(text) is not None


def must_refuse(value: Any) -> bool:
    """True when any JSON body containing `value` must be answered 400: unstorable text
    in a key or string, a repeated key, or text that is not JSON at all."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if unstorable(item):
                return True
        elif isinstance(item, Raw):
            if item.kind == "invalid":
                return True
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict | Pairs):
            pairs = item if isinstance(item, Pairs) else Pairs(tuple(item.items()))
            if pairs.has_duplicates:
                return True
            for key, child in pairs.items:
                if unstorable(key):
                    return True
                stack.append(child)
    return False


def as_object(value: Any) -> dict[str, Any] | None:
    """The object the server decodes from `value`, or None when it is no JSON object."""
    if isinstance(value, dict):
        return value
    if isinstance(value, Pairs) and not value.has_duplicates:
        return dict(value.items)
    if isinstance(value, Raw) and value.kind == "object":
        return {}  # only its keys matter to callers; Raw objects have none they read
    return None


def json_kind(value: Any) -> str:
    """How the server's decoder sees `value`: null, bool, int (a JSON integer of at most
    20 characters), bignum (a longer integer), number (any other number), string,
    array, object or invalid."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, Now):
        return "int"
    if isinstance(value, int | Decimal):
        return _number_kind(str(value))
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict | Pairs):
        return "object"
    if isinstance(value, Raw):
        return _number_kind(value.text) if value.kind == "number" else value.kind
    raise TypeError(value)


def _number_kind(text: str) -> str:
    if _INT.fullmatch(text):
        return "int" if len(text) <= 20 else "bignum"
    return "number"


def int_value(value: Any) -> int | None:
    """The integer the server decodes from `value` when json_kind is int."""
    if json_kind(value) != "int":
        return None
    if isinstance(value, Now):
        return now_ms() + value.offset_ms
    return int(value.text if isinstance(value, Raw) else str(value))


# --- strategies ------------------------------------------------------------------------------


def one_in(n: int) -> st.SearchStrategy[bool]:
    """True about once in `n` draws (st.integers favours its bounds)."""
    return st.sampled_from([False] * (n - 1) + [True])


def combine_pairs(text: str) -> str:
    """Joins surrogate pairs into the characters they encode; lone ones stay."""
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


NUL_SAMPLES = ["\x00", "a\x00b", "\x00" * 3, "ORD\x00-1", "AED\x00"]
SURROGATE_SAMPLES = ["\ud800", "\udfff", "x\udc00y", "\ud83d", "a\ude00", "\udbff\udbff"]
CONTROL_SAMPLES = [
    "\x01",
    "\x1f",
    "\x7f",
    "\t\n\r",
    "\x1b[31mred",
    "\u0085",
    "\u2028\u2029",
    "\ufeff",
    "\ufffe",
    "\uffff",
    "\U0010ffff",
]
RTL_SAMPLES = [
    "هاتف محمول",
    "مرحبا بالعالم",
    "\u200fشراء\u200f",
    "\u202eevil\u202c",
    "\u061c\u0660\u0661\u0662",
    "درهم ١٢٫٣٤",
    "שלום",
    "a\u0301\u0301\u0301",
    "😀👍🏽",
]
TRICKY_SAMPLES = [
    "",
    " ",
    "null",
    "true",
    "0",
    "-1",
    "1e999",
    "NaN",
    "' OR '1'='1' --",
    "%s%n%x",
    "{{7*7}}",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "\\",
    '"',
    "\\u0000",
    "²",
    "١٢٣",
    "１２",
    "AED",
    "aed",
    "JSAPI",
    "http://127.0.0.1:9/notify",
    "https://",
]

TEXT_CHARACTERS = st.characters(codec=None, exclude_categories=())  # surrogates included


def hostile_text(max_size: int = 80) -> st.SearchStrategy[str]:
    """Strings with NUL, lone surrogates, control characters, RTL text, odd digits,
    and some very long ones (up to past the 64 KiB body limit)."""
    short = st.text(TEXT_CHARACTERS, max_size=max_size).map(combine_pairs)
    long = st.builds(
        lambda unit, size: (unit * size)[:size],
        st.sampled_from(["a", "ب", "\x00", "\ud800", "€", "😀", "9"]),
        st.sampled_from([63, 64, 65, 199, 200, 201, 512, 513, 2049, 10_000, 70_000]),
    )
    samples = st.sampled_from(
        NUL_SAMPLES + SURROGATE_SAMPLES + CONTROL_SAMPLES + RTL_SAMPLES + TRICKY_SAMPLES
    )
    mixed = (
        st.lists(st.one_of(samples, short), min_size=2, max_size=4).map("".join).map(combine_pairs)
    )
    return st.one_of(samples, short, mixed, long)


NUMBER_TOKENS = [
    "1e999",
    "-1e999",
    "1E+1",
    "1e-999",
    "-0",
    "-0.0",
    "0",
    "0.0",
    "0.001",
    "0.1",
    "12.345",
    "12.34",
    "1.0E2",
    "5E-324",
    "1.7976931348623157e308",
    "123456789012.34",
    "1234567890123",
    "999999999999.99",
    "9223372036854775808",
    "-9223372036854775809",
    "18446744073709551616",
    "9" * 5001,
    "-" + "9" * 5001,
    "1" + "0" * 4300,
    "0." + "0" * 5000 + "1",
    "1" + "0" * 21,
]
INVALID_TOKENS = ["NaN", "Infinity", "-Infinity", "01", "+1", ".5", "1.", "0x10", "1e", "--1"]

raw_numbers = st.sampled_from([Raw(text, "number") for text in NUMBER_TOKENS])
invalid_tokens = st.sampled_from([Raw(text, "invalid") for text in INVALID_TOKENS])
deep_nesting = st.sampled_from(
    [Raw("[" * n + "]" * n, "array") for n in (100, 1000, 10_000)]
    + [Raw('{"a":' * n + "1" + "}" * n, "object") for n in (100, 1000, 10_000)]
)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.decimals(allow_nan=False, allow_infinity=False),
    hostile_text(),
    raw_numbers,
)

keys = st.one_of(st.sampled_from(["amount", "currency", "a", ""]), hostile_text(12))


def _containers(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(keys, children, max_size=4),
        st.lists(st.tuples(keys, children), min_size=2, max_size=4).map(
            lambda items: Pairs((*items, items[0]))  # the first key again
        ),
    )


hostile_json = st.one_of(
    scalars,
    st.recursive(scalars, _containers, max_leaves=8),
    raw_numbers,
    invalid_tokens,
    deep_nesting,
)
"""Any hostile JSON value: wrong types, odd numbers, bad text, nesting, repeated keys."""
