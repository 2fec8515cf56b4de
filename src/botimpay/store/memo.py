"""Recent decodings of database rows, kept by the Database that read them.

Decoding a row into a domain value (JSON columns, Money, a wide frozen dataclass)
can cost more than reading it, and some rows are read again and again (merchants
poll their orders). A row is an immutable value, so a decoding keyed by the whole
row can never be stale: a changed row is another key. Each Database owns one Memo,
so two databases (two apps) in one process never share decodings or memory.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable
from typing import Any, TypeVar, cast

T = TypeVar("T")

MAX_ENTRIES = 4096


def _apply(decode: Callable[..., Any], *key: Hashable) -> Any:
    return decode(*key)


class Memo:
    """The last `maxsize` results of `decode(*key)`, keyed by the decoder and its key;
    `decode` must be a pure function of `key`."""

    __slots__ = ("_remembered",)

    def __init__(self, maxsize: int = MAX_ENTRIES) -> None:
        # functools' C LRU, one per Memo: a hit costs a hash of the key, nothing more.
        self._remembered = functools.lru_cache(maxsize=maxsize)(_apply)

    def __call__(self, decode: Callable[..., T], *key: Hashable) -> T:
        return cast(T, self._remembered(decode, *key))

    def __len__(self) -> int:
        return self._remembered.cache_info().currsize

    def clear(self) -> None:
        self._remembered.cache_clear()
