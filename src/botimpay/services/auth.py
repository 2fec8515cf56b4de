"""Authenticating a merchant request: partner, IP whitelist, status, rate, signature.

Each process keeps every merchant it has seen (rules and parsed keys) in memory,
tagged with the merchant's revision. A request costs one primary-key lookup of
that revision; any change through the CLI bumps it, so rotation, disabling and
whitelist changes still take effect on the very next request.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import rsa

from botimpay.domain.merchant import Merchant
from botimpay.errors import ApiError, AuthenticationError
from botimpay.protocol import codes, signing
from botimpay.store import merchants_repo
from botimpay.store.database import Database


@functools.lru_cache(maxsize=4096)
def _public_key(der_b64: str) -> rsa.RSAPublicKey:
    return signing.load_public_key(der_b64)


@functools.lru_cache(maxsize=1024)
def _private_key(pem: str) -> rsa.RSAPrivateKey:
    return signing.load_private_key(pem)


@dataclass(frozen=True, slots=True)
class MerchantAuth:
    """What the API needs of a merchant: the rules, its keys, and the key to answer with."""

    merchant: Merchant
    public_keys: tuple[rsa.RSAPublicKey, ...]
    gateway_key: rsa.RSAPrivateKey

    def sign(self, data: bytes) -> str:
        return signing.sign(self.gateway_key, data)


class RateLimiter:
    """A token bucket per merchant and process: `rate` requests/s, burst `rate`.

    Tokens are counted in nano-tokens so the arithmetic stays in integers.
    """

    _ONE = 1_000_000_000

    def __init__(self, rate: int) -> None:
        self.rate = rate
        self._buckets: dict[str, tuple[int, int]] = {}

    def allow(self, partner_id: str) -> bool:
        if self.rate <= 0:
            return True
        now = time.monotonic_ns()
        capacity = self.rate * self._ONE
        tokens, last = self._buckets.get(partner_id, (capacity, now))
        tokens = min(capacity, tokens + (now - last) * self.rate)
        if tokens < self._ONE:
            self._buckets[partner_id] = (tokens, now)
            return False
        self._buckets[partner_id] = (tokens - self._ONE, now)
        return True


class Authenticator:
    def __init__(self, db: Database, rate_limiter: RateLimiter) -> None:
        self.db = db
        self.rate_limiter = rate_limiter
        self._known: dict[str, tuple[int, MerchantAuth]] = {}

    async def load(self, partner_id: str) -> MerchantAuth | None:
        """The merchant's current keys and status: cached, revalidated by revision."""
        revision = await merchants_repo.revision(self.db, partner_id)
        if revision is None:
            self._known.pop(partner_id, None)
            return None
        known = self._known.get(partner_id)
        if known is not None and known[0] == revision:
            return known[1]
        async with self.db.read() as conn:
            record = await merchants_repo.load(conn, partner_id)
        if record is None:
            return None
        auth = MerchantAuth(
            merchant=record.merchant,
            public_keys=tuple(_public_key(key.public_key_der) for key in record.keys),
            gateway_key=_private_key(record.gateway_private_key),
        )
        self._known[partner_id] = (record.revision, auth)
        return auth

    def check(
        self, auth: MerchantAuth, client_ip: str | None, body: bytes, signature: str | None
    ) -> None:
        """Raises AuthenticationError / 402 unless the request may proceed."""
        merchant = auth.merchant
        if not merchant.allows_ip(client_ip):
            raise AuthenticationError(f"IP address {client_ip} is not in the merchant's whitelist")
        if not merchant.is_active:
            raise AuthenticationError(f"merchant {merchant.partner_id} is disabled")
        if not self.rate_limiter.allow(merchant.partner_id):
            raise ApiError(codes.RATE_LIMIT_REJECT)
        if not signature:
            raise AuthenticationError("the sign header is missing", signature_failed=True)
        if not any(signing.verify(key, body, signature) for key in auth.public_keys):
            raise AuthenticationError(
                "sign does not verify with the merchant's public keys", signature_failed=True
            )
