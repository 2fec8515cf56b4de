"""Sandbox fault injection: arming, listing and clearing faults, and picking the one a call hits.

Faults exist in sandbox mode only: a production gateway refuses to arm them
(SandboxOnly) and the front door never applies them there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from botimpay.clock import Clock
from botimpay.domain.faults import ArmedFault, FaultSpec, parse_fault_spec, parse_times
from botimpay.domain.inputs import refuse_unknown_fields
from botimpay.errors import BotimpayError, InvalidParameter
from botimpay.store import faults_repo, merchants_repo, testplan_repo
from botimpay.store.database import Database
from botimpay.store.orders_repo import find


class SandboxOnly(BotimpayError):
    """Raised when a sandbox feature (faults, the test plan) is asked of a production gateway."""

    def __init__(self, feature: str) -> None:
        self.message = f"{feature} is a sandbox feature; this gateway runs in production mode"
        super().__init__(self.message)


@dataclass(frozen=True, slots=True)
class FaultRequest:
    """A fault to arm, as the CLI and POST /sandbox/api/faults give it."""

    partner_id: str
    spec: FaultSpec
    merchant_order_no: str | None
    times: int | None
    duration_ms: int | None

    @classmethod
    def parse(cls, raw: Mapping[str, object]) -> FaultRequest:
        """Reads {"partnerId", "operation", "fault", "times"?, "durationMs"?,
        "merchantOrderNo"?, "applied"?, "holdMs"?}; InvalidParameter names the bad field."""
        known = {
            "partnerId",
            "operation",
            "fault",
            "times",
            "durationMs",
            "merchantOrderNo",
            "applied",
            "holdMs",
        }
        refuse_unknown_fields(raw, known)
        partner_id = raw.get("partnerId")
        if not isinstance(partner_id, str) or not 0 < len(partner_id) <= 12:
            raise InvalidParameter("partnerId is required (at most 12 characters)")
        order = raw.get("merchantOrderNo")
        if order is not None and (not isinstance(order, str) or not 0 < len(order) <= 64):
            raise InvalidParameter("merchantOrderNo must be text of 1 to 64 characters")
        times, duration = parse_times(raw)
        return cls(partner_id, parse_fault_spec(raw), order, times, duration)


class FaultService:
    def __init__(self, db: Database, clock: Clock, *, sandbox: bool) -> None:
        self.db = db
        self.clock = clock
        self.sandbox = sandbox

    def _require_sandbox(self, feature: str = "fault injection") -> None:
        if not self.sandbox:
            raise SandboxOnly(feature)

    async def arm(self, request: FaultRequest) -> ArmedFault:
        self._require_sandbox()
        now = self.clock.real_ms()
        async with self.db.write() as conn:
            if await merchants_repo.load(conn, request.partner_id) is None:
                raise InvalidParameter(f"no merchant with partnerId {request.partner_id}")
            return await faults_repo.arm(
                conn,
                request.partner_id,
                request.spec,
                merchant_order_no=request.merchant_order_no,
                times=request.times,
                expires_at=None if request.duration_ms is None else now + request.duration_ms,
                now_ms=now,
            )

    async def list(self, partner_id: str) -> list[ArmedFault]:
        self._require_sandbox()
        async with self.db.read() as conn:
            return await faults_repo.for_merchant(conn, partner_id, self.clock.real_ms())

    async def clear(self, partner_id: str) -> int:
        self._require_sandbox()
        async with self.db.write() as conn:
            return await faults_repo.clear(conn, partner_id)

    async def take(
        self, armed: Sequence[ArmedFault], operation: str, merchant_order_no: str | None
    ) -> ArmedFault | None:
        """The first armed fault that matches the call and still has a use left (used up
        atomically, so N uses hit exactly N calls across processes)."""
        if not self.sandbox:
            return None
        now = self.clock.real_ms()
        for fault in armed:
            if not fault.matches(operation, merchant_order_no, now):
                continue
            async with self.db.write() as conn:
                if await faults_repo.consume(conn, fault, now):
                    return fault
        return None

    async def bind_waiting_run(self, partner_id: str, merchant_order_no: str) -> str | None:
        """Binds the merchant's waiting test-plan run to `merchant_order_no` if that order is
        new, narrowing the run's faults to it; the run's id, or None."""
        if not self.sandbox:
            return None
        now = self.clock.real_ms()
        async with self.db.write() as conn:
            run = await testplan_repo.waiting(conn, partner_id)
            if run is None:
                return None
            if await find(conn, partner_id, merchant_order_no=merchant_order_no) is not None:
                return None  # not a new order
            if not await testplan_repo.bind(conn, run.run_id, merchant_order_no, now):
                return None
            await faults_repo.narrow_run(conn, run.run_id, partner_id, merchant_order_no)
            return run.run_id
