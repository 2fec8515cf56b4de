"""Operator views of the outbox: notifications with their attempt history, and resending one.

Used by `botimpay notify list` and `botimpay notify resend`. A resent
notification keeps its notify_id and starts a fresh round of the schedule, due now;
its attempts keep counting, so the next one is numbered after the last.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from rich.table import Table

from botimpay.clock import Clock
from botimpay.domain.notification import NotificationStatus
from botimpay.errors import ConfigError
from botimpay.store import outbox_repo, settings_repo
from botimpay.store.database import Database


async def list_notifications(
    db: Database, *, subject_no: str | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """Newest first, each with every attempt in the order it was made."""
    views: list[dict[str, Any]] = []
    async with db.read() as conn:
        for row in await outbox_repo.list_for(conn, subject_no=subject_no, limit=limit):
            attempts = sorted(await outbox_repo.attempts_of(conn, row.id), key=lambda a: a["id"])
            views.append(
                {
                    "notifyId": row.notify_id,
                    "kind": row.kind.value,
                    "subjectNo": row.subject_no,
                    "partnerId": row.partner_id,
                    "url": row.url,
                    "status": row.status.value,
                    "attempts": row.attempts,
                    "nextAttemptAt": (
                        row.next_attempt_at if row.status is NotificationStatus.PENDING else None
                    ),
                    "createdAt": row.created_at,
                    "deliveredAt": row.delivered_at,
                    "lastError": row.last_error,
                    "fault": row.fault,  # sandbox: the notification fault that hit it
                    "history": [
                        {
                            "attempt": a["attempt_no"],
                            "startedAt": a["started_at"],
                            "latencyMs": a["latency_ms"],
                            "httpStatus": a["http_status"],
                            "outcome": a["outcome"],
                            "excerpt": a["response_excerpt"],
                            "fault": a["fault"],
                        }
                        for a in attempts
                    ],
                }
            )
    return views


async def resend(db: Database, notify_id: str) -> int:
    """Makes the notification PENDING and due now (business time); returns that time.

    Works on DELIVERED and FAILED notifications too; the retry schedule starts a new
    round, attempts keep their numbers and earlier ones stay in the history.
    """
    async with db.write() as conn:
        now = Clock(offset_ms=await settings_repo.clock_offset(conn)).now_ms()
        if not await outbox_repo.resend(conn, notify_id, now):
            raise ConfigError(f"no notification with notify_id {notify_id!r}")
    return now


def _when(ms: int | None) -> str:
    if ms is None:
        return "-"
    return datetime.fromtimestamp(ms // 1000, tz=UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def _attempt_line(attempt: dict[str, Any]) -> str:
    status = f" {attempt['httpStatus']}" if attempt["httpStatus"] is not None else ""
    fault = f" [fault {attempt['fault']}]" if attempt.get("fault") else ""
    return (
        f"#{attempt['attempt']} {_when(attempt['startedAt'])} "
        f"{attempt['outcome']}{status} {attempt['latencyMs']} ms{fault}"
    )


def as_table(views: list[dict[str, Any]]) -> Table:
    """The `notify list` table: one row per notification, its attempts one per line."""
    table = Table(
        "notify id / kind",
        "subject / url",
        "status",
        "next attempt",
        "last error",
        "attempts (business time, outcome, latency, sandbox fault)",
        show_lines=True,
    )
    for view in views:
        table.add_row(
            f"{view['notifyId']}\n{view['kind']}",
            f"{view['subjectNo']}\n{view['url']}",
            f"{view['status']}\n{view['attempts']} attempt(s)"
            + (f"\nfault {view['fault']}" if view.get("fault") else ""),
            _when(view["nextAttemptAt"]),
            view["lastError"] or "-",
            "\n".join(_attempt_line(a) for a in view["history"]) or "-",
        )
    return table
