"""Authenticating a merchant request: partner, IP whitelist, status, rate, signature.

Each app's Authenticator keeps every merchant it has seen (rules and parsed keys)
in memory, tagged with the merchant's revision. A request costs one primary-key
lookup of that revision; any change through the CLI bumps it, so rotation,
disabling and whitelist changes still take effect on the very next request.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import rsa

from botimpay.clock import Clock
from botimpay.domain.faults import ArmedFault
from botimpay.domain.merchant import Merchant
from botimpay.errors import ApiError, AuthenticationError
from botimpay.protocol import codes, signing
from botimpay.services.rate_limits import MerchantLimiter
from botimpay.store import faults_repo, merchants_repo, testplan_repo
from botimpay.store.database import Database


@dataclass(frozen=True, slots=True)
class MerchantAuth:
    """What the API needs of a merchant: the rules, its keys, and the key to answer with."""

    merchant: Merchant
    public_keys: tuple[rsa.RSAPublicKey, ...]
    gateway_key: rsa.RSAPrivateKey
    # sandbox only: the faults armed for the merchant, and whether a test-plan run waits
    # for its next new order (both part of the revision the cache is keyed by)
    faults: tuple[ArmedFault, ...] = ()
    run_waiting: bool = False

    def sign(self, data: bytes) -> str:
        return signing.sign(self.gateway_key, data)


class RateLimiter:
    """A token bucket per key and process: `rate` requests/s, burst `burst` (default `rate`).

    Tokens are counted in nano-tokens so the arithmetic stays in integers. At most
    `max_keys` buckets are kept; past that, buckets that have refilled are dropped
    (a full bucket and a missing one mean the same), so many keys cost bounded memory.
    """

    _ONE = 1_000_000_000

    def __init__(self, rate: int, *, burst: int | None = None, max_keys: int = 100_000) -> None:
        self.rate = rate
        self.capacity = (burst if burst is not None else rate) * self._ONE
        self.max_keys = max_keys
        self._buckets: dict[str, tuple[int, int]] = {}

    def _tokens(self, key: str, now: int) -> int:
        tokens, last = self._buckets.get(key, (self.capacity, now))
        return min(self.capacity, tokens + (now - last) * self.rate)

    async def spend(self, key: str) -> bool:
        """`allow` as a MerchantLimiter (services/rate_limits.py)."""
        return self.allow(key)

    async def close(self) -> None:
        """Nothing to release: the buckets live in this process."""

    def has_budget(self, key: str) -> bool:
        """Whether `allow(key)` would pass now; spends nothing."""
        return self.rate <= 0 or self._tokens(key, time.monotonic_ns()) >= self._ONE

    def allow(self, key: str) -> bool:
        """Spends one token of `key`'s bucket; False (and nothing spent) when it is empty."""
        if self.rate <= 0:
            return True
        now = time.monotonic_ns()
        tokens = self._tokens(key, now)
        if tokens < self._ONE:
            self._buckets[key] = (tokens, now)
            return False
        if key not in self._buckets and len(self._buckets) >= self.max_keys:
            self._drop_refilled(now)
        self._buckets[key] = (tokens - self._ONE, now)
        return True

    def _drop_refilled(self, now: int) -> None:
        for key in [k for k in self._buckets if self._tokens(k, now) >= self.capacity]:
            del self._buckets[key]


class Authenticator:
    def __init__(
        self,
        db: Database,
        rate_limiter: MerchantLimiter,
        failure_limiter: RateLimiter | None = None,
        *,
        sandbox: bool = False,
        clock: Clock | None = None,
    ) -> None:
        self.db = db
        self.sandbox = sandbox
        self.clock = clock or Clock()
        # per merchant, spent only by verified requests: this process's buckets, or
        # one shared by every process and node (services/rate_limits.py)
        self.rate_limiter = rate_limiter
        self.failure_limiter = failure_limiter or RateLimiter(0)  # per client IP: refusals
        self._known: dict[str, tuple[int, MerchantAuth]] = {}
        # Parsed keys by their text: a new revision (a disabled merchant, a whitelist
        # change) usually keeps its keys, and parsing RSA keys is slow. Per
        # authenticator, so two apps in one process never share key material.
        self._public_key = functools.lru_cache(maxsize=4096)(signing.load_public_key)
        self._private_key = functools.lru_cache(maxsize=1024)(signing.load_private_key)

    async def load(self, partner_id: str) -> MerchantAuth | None:
        """The merchant's current keys and status: cached, revalidated by revision."""
        revision = await merchants_repo.revision(self.db, partner_id)
        if revision is None:
            self._known.pop(partner_id, None)
            return None
        known = self._known.get(partner_id)
        if known is not None and known[0] == revision:
            return known[1]
        armed: tuple[ArmedFault, ...] = ()
        run_waiting = False
        async with self.db.read() as conn:
            record = await merchants_repo.load(conn, partner_id)
            if record is not None and self.sandbox:
                armed = tuple(
                    await faults_repo.for_merchant(conn, partner_id, self.clock.real_ms())
                )
                run_waiting = await testplan_repo.waiting(conn, partner_id) is not None
        if record is None:
            return None
        auth = MerchantAuth(
            merchant=record.merchant,
            public_keys=tuple(self._public_key(key.public_key_der) for key in record.keys),
            gateway_key=self._private_key(record.gateway_private_key),
            faults=armed,
            run_waiting=run_waiting,
        )
        self._known[partner_id] = (record.revision, auth)
        return auth

    def over_failure_budget(self, client_ip: str | None) -> bool:
        """Counts one refused request (bad sign, unknown partner...) of `client_ip`; True
        when the address has used up its budget and should hear 402 instead of the refusal.

        Only refusals are counted, so a merchant's valid requests are never slowed by a
        forger behind the same address (or a NAT)."""
        return not self.failure_limiter.allow(client_ip or "")

    async def check(
        self, auth: MerchantAuth, client_ip: str | None, body: bytes, signature: str | None
    ) -> None:
        """Raises AuthenticationError / 402 unless the request may proceed.

        The merchant's rate budget is spent only after the signature verifies, so a
        forger who knows a Partner-Id cannot use up the merchant's limit; refusals are
        counted per client IP instead (`over_failure_budget`, by the caller).
        """
        merchant = auth.merchant
        if not merchant.allows_ip(client_ip):
            raise AuthenticationError(f"IP address {client_ip} is not in the merchant's whitelist")
        if not merchant.is_active:
            raise AuthenticationError(f"merchant {merchant.partner_id} is disabled")
        if not signature:
            raise AuthenticationError("the sign header is missing", signature_failed=True)
        if not any(signing.verify(key, body, signature) for key in auth.public_keys):
            raise AuthenticationError(
                "sign does not verify with the merchant's public keys", signature_failed=True
            )
        if not await self.rate_limiter.spend(merchant.partner_id):
            raise ApiError(codes.RATE_LIMIT_REJECT)
