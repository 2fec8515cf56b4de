"""The `receiver` fixture: loopback notifyUrls closed after the test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.notify.receiver import Receiver


@pytest.fixture
def receiver() -> Iterator[Callable[..., Receiver]]:
    """Factory: `receiver(*script, default=..., slow_seconds=...)`."""
    made: list[Receiver] = []

    def make(*script: str, **options: Any) -> Receiver:
        rx = Receiver(*script, **options)
        made.append(rx)
        return rx

    yield make
    for rx in made:
        rx.close()
