"""The shop's orders and the notifications it has seen, in one SQLite file (stdlib sqlite3).

A notification is applied at most once: its notify_id is the primary key of
`notifications`, checked and written in the same IMMEDIATE transaction as the
order change. A repeated delivery only counts up `deliveries`.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS orders (
    merchant_order_no TEXT PRIMARY KEY,
    product_id        TEXT NOT NULL,
    subject           TEXT NOT NULL,
    quantity          INTEGER NOT NULL CHECK (quantity > 0),
    amount            TEXT NOT NULL,          -- exact decimal text, AED
    scene             TEXT NOT NULL CHECK (scene IN ('JSAPI', 'DYNQR')),
    status            TEXT NOT NULL,          -- NEW, UNKNOWN, CREATED, PAID_SUCCESS, SETTLED,
                                              -- FAILURE, ERROR
    order_no          TEXT,                   -- the gateway's number
    token_url         TEXT,
    confirmed_by      TEXT,                   -- 'notification <id>', 'getOrder', 'wait_for_final'
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS notifications (
    notify_id         TEXT PRIMARY KEY,
    kind              TEXT NOT NULL,          -- payment | refund
    merchant_order_no TEXT,
    status            TEXT NOT NULL,          -- the status it reported
    outcome           TEXT NOT NULL,          -- applied | no-change | unknown-order | mismatch
    deliveries        INTEGER NOT NULL DEFAULT 1,
    first_seen        INTEGER NOT NULL,
    last_seen         INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS order_events (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    merchant_order_no TEXT NOT NULL REFERENCES orders (merchant_order_no),
    at                INTEGER NOT NULL,
    status            TEXT NOT NULL,
    source            TEXT NOT NULL
);
"""

FINAL = frozenset({"PAID_SUCCESS", "SETTLED", "FAILURE"})
_NEXT: dict[str, frozenset[str]] = {  # status -> statuses it may move to
    "NEW": frozenset({"UNKNOWN", "ERROR", "CREATED", *FINAL}),
    "UNKNOWN": frozenset({"ERROR", "CREATED", *FINAL}),  # placeOrder's outcome is unknown
    "ERROR": frozenset({"CREATED", *FINAL}),
    "CREATED": FINAL,
    "PAID_SUCCESS": frozenset({"SETTLED", "FAILURE"}),  # settled, or revoked (refunded)
}


@dataclass(frozen=True, slots=True)
class Order:
    merchant_order_no: str
    product_id: str
    subject: str
    quantity: int
    amount: Decimal
    scene: str
    status: str
    order_no: str | None
    token_url: str | None
    confirmed_by: str | None
    created_at: int
    updated_at: int

    @property
    def is_paid(self) -> bool:
        return self.status in ("PAID_SUCCESS", "SETTLED")


@dataclass(frozen=True, slots=True)
class PaymentUpdate:
    """What a verified payment notification (or a getOrder answer) says about an order."""

    merchant_order_no: str
    order_no: str
    status: str
    amount: Decimal | None


def _now() -> int:
    return int(time.time() * 1000)


def _order(row: sqlite3.Row) -> Order:
    values: dict[str, Any] = dict(row)
    values["amount"] = Decimal(values["amount"])
    return Order(**values)


class OrderStore:
    """Short-lived connections, one per call, so any thread may use the store."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @contextmanager
    def _connect(self, *, write: bool = False) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        conn.row_factory = sqlite3.Row
        try:
            conn.execute("PRAGMA foreign_keys = ON")
            if not write:
                yield conn
                return
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        finally:
            conn.close()

    def create_schema(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as conn:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.executescript(SCHEMA)

    def add(
        self,
        merchant_order_no: str,
        product_id: str,
        subject: str,
        quantity: int,
        amount: Decimal,
        scene: str,
    ) -> None:
        now = _now()
        with self._connect(write=True) as conn:
            conn.execute(
                "INSERT INTO orders (merchant_order_no, product_id, subject, quantity, amount,"
                " scene, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'NEW', ?, ?)",
                (merchant_order_no, product_id, subject, quantity, str(amount), scene, now, now),
            )

    def placed(
        self, merchant_order_no: str, order_no: str, token_url: str | None, status: str
    ) -> None:
        """Records the gateway's answer to placeOrder."""
        with self._connect(write=True) as conn:
            conn.execute(
                "UPDATE orders SET order_no = ?, token_url = ?, updated_at = ? "
                "WHERE merchant_order_no = ?",
                (order_no, token_url, _now(), merchant_order_no),
            )
            self._move(conn, merchant_order_no, status, "placeOrder")

    def failed_to_place(self, merchant_order_no: str) -> None:
        """placeOrder was refused: the order was not created."""
        with self._connect(write=True) as conn:
            self._move(conn, merchant_order_no, "ERROR", "placeOrder failed")

    def unknown(self, merchant_order_no: str) -> None:
        """placeOrder failed without saying whether the order was created."""
        with self._connect(write=True) as conn:
            self._move(conn, merchant_order_no, "UNKNOWN", "placeOrder: outcome unknown")

    def never_placed(self, merchant_order_no: str) -> None:
        """resolve_order found that the gateway never had the order."""
        with self._connect(write=True) as conn:
            self._move(conn, merchant_order_no, "ERROR", "resolve_order: not at Botim Money")

    def flag(self, merchant_order_no: str, note: str) -> None:
        """Records something a person must look at, without changing the status."""
        with self._connect(write=True) as conn:
            conn.execute(
                "INSERT INTO order_events (merchant_order_no, at, status, source) "
                "SELECT merchant_order_no, ?, status, ? FROM orders WHERE merchant_order_no = ?",
                (_now(), note, merchant_order_no),
            )

    def in_status(self, statuses: frozenset[str]) -> list[Order]:
        """The orders in any of `statuses`, oldest first."""
        marks = ", ".join("?" * len(statuses))
        with self._connect() as conn:
            rows = conn.execute(
                f"SELECT * FROM orders WHERE status IN ({marks}) ORDER BY created_at",  # noqa: S608
                sorted(statuses),
            ).fetchall()
        return [_order(row) for row in rows]

    def get(self, merchant_order_no: str) -> Order | None:
        with self._connect() as conn:
            row = conn.execute(
                "SELECT * FROM orders WHERE merchant_order_no = ?", (merchant_order_no,)
            ).fetchone()
        return _order(row) if row is not None else None

    def history(self, merchant_order_no: str) -> dict[str, list[dict[str, Any]]]:
        """The order's status changes and the notifications seen for it, oldest first."""
        with self._connect() as conn:
            events = conn.execute(
                "SELECT at, status, source FROM order_events WHERE merchant_order_no = ? "
                "ORDER BY id",
                (merchant_order_no,),
            ).fetchall()
            notes = conn.execute(
                "SELECT notify_id AS notifyId, kind, status, outcome, deliveries,"
                " first_seen AS firstSeen, last_seen AS lastSeen FROM notifications"
                " WHERE merchant_order_no = ? ORDER BY first_seen",
                (merchant_order_no,),
            ).fetchall()
        return {"events": [dict(e) for e in events], "notifications": [dict(n) for n in notes]}

    def apply_notification(self, notify_id: str, kind: str, update: PaymentUpdate) -> str:
        """Applies a verified notification once; returns 'duplicate' or the recorded outcome."""
        now = _now()
        with self._connect(write=True) as conn:
            seen = conn.execute(
                "UPDATE notifications SET deliveries = deliveries + 1, last_seen = ? "
                "WHERE notify_id = ?",
                (now, notify_id),
            )
            if seen.rowcount:
                return "duplicate"
            if kind == "payment":
                outcome = self._apply(conn, update, f"notification {notify_id}")
            else:
                known = self._row(conn, update.merchant_order_no) is not None
                outcome = "no-change" if known else "unknown-order"
            conn.execute(
                "INSERT INTO notifications (notify_id, kind, merchant_order_no, status, outcome,"
                " first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (notify_id, kind, update.merchant_order_no, update.status, outcome, now, now),
            )
            return outcome

    def apply_query(self, update: PaymentUpdate, source: str = "getOrder") -> str:
        """Applies what getOrder (or the SDK flow named by `source`) said."""
        with self._connect(write=True) as conn:
            return self._apply(conn, update, source)

    def _row(self, conn: sqlite3.Connection, merchant_order_no: str) -> Order | None:
        row = conn.execute(
            "SELECT * FROM orders WHERE merchant_order_no = ?", (merchant_order_no,)
        ).fetchone()
        return _order(row) if row is not None else None

    def _apply(self, conn: sqlite3.Connection, update: PaymentUpdate, source: str) -> str:
        order = self._row(conn, update.merchant_order_no)
        if order is None:
            return "unknown-order"
        if order.order_no not in (None, update.order_no) or (
            update.amount is not None and update.amount != order.amount
        ):
            return "mismatch"  # not the order we placed: never mark it paid
        if order.order_no is None:
            conn.execute(
                "UPDATE orders SET order_no = ? WHERE merchant_order_no = ?",
                (update.order_no, order.merchant_order_no),
            )
        return (
            "applied"
            if self._move(conn, order.merchant_order_no, update.status, source)
            else "no-change"
        )

    def _move(
        self, conn: sqlite3.Connection, merchant_order_no: str, status: str, source: str
    ) -> bool:
        """Moves the order to `status` if that is a step forward; records the event."""
        row = conn.execute(
            "SELECT status FROM orders WHERE merchant_order_no = ?", (merchant_order_no,)
        ).fetchone()
        if row is None or status not in _NEXT.get(row["status"], frozenset()):
            return False
        now = _now()
        confirmed = source if status in FINAL else None
        conn.execute(
            "UPDATE orders SET status = ?, updated_at = ?, "
            "confirmed_by = COALESCE(?, confirmed_by) WHERE merchant_order_no = ?",
            (status, now, confirmed, merchant_order_no),
        )
        conn.execute(
            "INSERT INTO order_events (merchant_order_no, at, status, source) VALUES (?, ?, ?, ?)",
            (merchant_order_no, now, status, source),
        )
        return True
