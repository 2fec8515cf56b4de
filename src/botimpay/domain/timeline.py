"""One order's timeline: everything recorded about it merged into one list, oldest first.

The sources keep their own times (all business time) and their own ids; at the same
millisecond the order follows cause and effect: the API call, then the order's
creation, the payment attempt, the state change, the ledger entry, the refund, and
last the notification it queued and that notification's attempts. Pure: the services
load the records, this only sorts them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    CALL = "call"
    CREATED = "created"
    ATTEMPT = "attempt"
    STATE = "state"
    LEDGER = "ledger"
    REFUND = "refund"
    NOTIFICATION = "notification"
    DELIVERY = "delivery"


_RANK = {kind: rank for rank, kind in enumerate(Kind)}


@dataclass(frozen=True, slots=True)
class TimelineItem:
    """One thing that happened: its kind, business time (ms), its source's id (to keep
    a source's own order at equal times) and the record itself, for the page to show."""

    kind: Kind
    at: int
    seq: int
    record: object


def merge(items: Iterable[TimelineItem]) -> list[TimelineItem]:
    """Oldest first; equal times in cause-and-effect order, then each source's own."""
    return sorted(items, key=lambda item: (item.at, _RANK[item.kind], item.seq))
