"""getOrderStatement and `botimpay statements`: one merchant's statement ZIP of one UAE
day, read from the ledger in one read transaction (domain/statements.py says what is in it).

Availability is business time (the injectable clock): the statement of day D can be
downloaded from D+1 00:10 UAE time (UTC+4); earlier 62014, a future day or one
before the merchant existed 62013.
"""

from __future__ import annotations

import asyncio
from datetime import date

from botimpay.clock import Clock
from botimpay.domain import statements
from botimpay.domain.statement_files import MAX_LINES, StatementZip, build_zip
from botimpay.domain.statements import StatementVersion
from botimpay.errors import ConfigError
from botimpay.store import statements_repo
from botimpay.store.database import Database


class StatementService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def download(
        self,
        partner_id: str,
        day: date,
        version: StatementVersion = StatementVersion.V1,
        *,
        max_lines: int = MAX_LINES,
    ) -> StatementZip:
        """The ZIP of `day`; BusinessError 62013/62014 when it does not exist (yet),
        ConfigError when there is no merchant `partner_id`."""
        start, end = statements.period(day)
        async with self.db.read() as conn:
            merchant = await statements_repo.merchant_since(conn, partner_id)
            if merchant is None:
                raise ConfigError(f"--partner-id: no merchant {partner_id!r}")
            name, since = merchant
            statements.check_available(day, self.clock.now_ms(), since)
            facts = statements.StatementFacts(
                partner_id=partner_id,
                merchant_name=name,
                day=day,
                version=version,
                lines=tuple(await statements_repo.period_lines(conn, partner_id, start, end)),
                earlier=tuple(await statements_repo.fees_before(conn, partner_id, start, end)),
                opening=await statements_repo.opening_balances(conn, partner_id, start),
                orders=await statements_repo.period_orders(conn, partner_id, start, end),
                refunds=await statements_repo.period_refunds(conn, partner_id, start, end),
            )
        # CPU work (a busy day is tens of thousands of rows): off the event loop
        return await asyncio.to_thread(build_zip, facts, max_lines)
