"""The one clock: real time for the request window, business time for the rules.

In sandbox mode business time can be moved forward (time travel) so expiry and
retry schedules are testable in seconds; the real clock never moves.
"""

from __future__ import annotations

import time


class Clock:
    """Milliseconds since the epoch; `offset_ms` shifts business time only."""

    def __init__(self, offset_ms: int = 0) -> None:
        self.offset_ms = offset_ms

    def real_ms(self) -> int:
        return time.time_ns() // 1_000_000

    def now_ms(self) -> int:
        """Business time: real time plus the sandbox offset."""
        return self.real_ms() + self.offset_ms
