"""The console's Developers page as operations: a merchant's keys, whitelist and default
notify URL, each narrowed to what the signed-in user may see.

Every change goes through MerchantService, as the CLI's does, so it bumps the
merchant's revision and every API process reloads the merchant on its next
request: a retired key stops verifying at once, in every worker.

A generated key pair (sandbox only) is never stored: its public half is added to
the merchant and the private half goes back once to the caller, to be sent to the
browser as a download and forgotten.
"""

from __future__ import annotations

from dataclasses import dataclass

from botimpay.domain.console import ConsoleUser
from botimpay.domain.merchant import parse_notify_url
from botimpay.errors import ConfigError
from botimpay.netguard import NotifyGuard, TargetRefused
from botimpay.protocol import signing
from botimpay.services.merchants import MerchantService
from botimpay.store.merchants_repo import MerchantRecord


@dataclass(frozen=True, slots=True)
class GeneratedKey:
    """A new merchant key pair: the fingerprint now registered, and the private key
    PEM (PKCS#8) to hand over exactly once."""

    fingerprint: str
    private_pem: str


class DeveloperSettings:
    def __init__(
        self, merchants: MerchantService, *, sandbox: bool, notify_guard: NotifyGuard | None
    ) -> None:
        self.merchants = merchants
        self.sandbox = sandbox
        self.notify_guard = notify_guard  # production: notify URLs must be public

    async def merchant(self, user: ConsoleUser, partner_id: str) -> MerchantRecord | None:
        """The merchant if it exists and `user` may see it (another's is as missing)."""
        if not partner_id or not user.may_see(partner_id):
            return None
        return await self.merchants.find(partner_id)

    async def choices(self, user: ConsoleUser) -> list[MerchantRecord]:
        """The merchants `user` may pick from: all for an operator, its own otherwise."""
        if user.visible_partner is not None:
            own = await self.merchants.find(user.visible_partner)
            return [] if own is None else [own]
        return await self.merchants.list_all()

    def _check(self, user: ConsoleUser, partner_id: str) -> None:
        if not user.may_see(partner_id):
            raise ConfigError(f"no merchant with partner id {partner_id}")

    async def add_key(self, user: ConsoleUser, partner_id: str, key: bytes) -> str:
        """Adds a public key (PEM, base64 or DER bytes; never read as a path)."""
        self._check(user, partner_id)
        if not key.strip():
            raise ConfigError("paste a public key or choose a key file")
        return await self.merchants.add_key(partner_id, key)

    async def retire_key(self, user: ConsoleUser, partner_id: str, fingerprint: str) -> None:
        self._check(user, partner_id)
        await self.merchants.remove_key(partner_id, fingerprint)

    async def generate_key(self, user: ConsoleUser, partner_id: str) -> GeneratedKey:
        """Sandbox only: a fresh RSA-2048 pair whose public half joins the merchant."""
        self._check(user, partner_id)
        if not self.sandbox:
            raise ConfigError(
                "key pairs are generated in sandbox mode only; in production create yours "
                "with openssl and upload the public key"
            )
        private_key = signing.generate_private_key()
        fingerprint = await self.merchants.add_key(
            partner_id, signing.public_key_pem(private_key.public_key()).encode()
        )
        return GeneratedKey(fingerprint, signing.private_key_pem(private_key))

    async def set_whitelist(self, user: ConsoleUser, partner_id: str, text: str) -> tuple[str, ...]:
        """Entries one a line (or comma separated); empty refused (use `*` for any)."""
        self._check(user, partner_id)
        entries = text.replace(",", " ").split()
        if not entries:
            raise ConfigError("the whitelist is empty; enter * to allow any address")
        return await self.merchants.set_whitelist(partner_id, entries)

    async def set_default_notify_url(
        self, user: ConsoleUser, partner_id: str, text: str
    ) -> str | None:
        """Checked like a request's notifyUrl: in production the host must resolve to
        public addresses."""
        self._check(user, partner_id)
        url = parse_notify_url(text)  # the form's rules first, then the addresses
        if url and self.notify_guard is not None:
            try:
                await self.notify_guard.check_url(url)
            except TargetRefused as exc:
                raise ConfigError(
                    f"the notify URL is refused: {exc.message} "
                    "(production sends notifications to public addresses only)"
                ) from None
        return await self.merchants.set_default_notify_url(partner_id, url or "")
