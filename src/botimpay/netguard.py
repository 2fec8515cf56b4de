"""Resolving a notifyUrl's host once and checking every address, for placeOrder and delivery.

The rule itself is pure (botimpay.domain.notify_target); this module adds the I/O:
the host is resolved asynchronously (the loop's getaddrinfo, within a short
timeout), every address is checked, and the caller gets the checked addresses.
Numeric forms (0x7f000001, 2130706433, 127.1) resolve exactly as a connection would
resolve them, so they are judged as what they are.

Two callers, one guard: the merchant API refuses a bad notifyUrl at placeOrder
(services), and the notification transport (notify) resolves through the guard and
connects to an address it returned, never to the name again: an answer that
changes between the check and the connection (DNS rebinding) reaches nothing the
check did not see. Nothing is cached here; DNS changes count from the next lookup.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable

import httpx

from botimpay.domain.notify_target import (
    Address,
    TargetPolicy,
    parse_address,
    parse_networks,
    show,
)
from botimpay.errors import BotimpayError
from botimpay.settings import Settings

RESOLVE_TIMEOUT_S = 2.0
_DEFAULT_PORTS = {"http": 80, "https": 443}

# host, port -> the addresses it resolves to (text); raises OSError if it does not resolve
Resolver = Callable[[str, int], Awaitable[list[str]]]


class TargetRefused(BotimpayError):
    """Raised when a notifyUrl may not be used: its host resolves to an address the
    policy refuses, does not resolve (in time), or the URL cannot be read."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


async def system_resolver(host: str, port: int) -> list[str]:
    """The addresses `host` has for a TCP connection, through the loop's getaddrinfo."""
    infos = await asyncio.get_running_loop().getaddrinfo(
        host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
    )
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class NotifyGuard:
    """Resolves notification targets and refuses those the policy does not allow."""

    def __init__(
        self,
        policy: TargetPolicy,
        *,
        resolver: Resolver | None = None,
        timeout_s: float = RESOLVE_TIMEOUT_S,
    ) -> None:
        self.policy = policy
        self.resolver = resolver or system_resolver
        self.timeout_s = timeout_s

    @classmethod
    def from_settings(cls, settings: Settings) -> NotifyGuard | None:
        """Production's guard with the operator's allow-list; None in the sandbox, which
        allows every address. A bad allow-list entry raises ConfigError in either mode."""
        allowed = parse_networks(settings.notify_allowed_networks)
        if settings.is_sandbox:
            return None
        return cls(TargetPolicy(allowed=allowed))

    async def addresses(self, host: str, port: int) -> list[Address]:
        """Every address `host` resolves to, each one allowed; raises TargetRefused."""
        literal = parse_address(host)
        if literal is not None:
            found = [literal]
        else:
            found = await self._resolve(host, port)
        for address in found:
            reason = self.policy.refusal(address)
            if reason is not None:
                if literal is not None:
                    raise TargetRefused(f"{show(address)} is {reason}, not allowed")
                raise TargetRefused(f"{host} resolves to {show(address)}, {reason}, not allowed")
        return found

    async def _resolve(self, host: str, port: int) -> list[Address]:
        try:
            async with asyncio.timeout(self.timeout_s):
                texts = await self.resolver(host, port)
        except TimeoutError:
            raise TargetRefused(
                f"host {host} did not resolve within {self.timeout_s:g} s"
            ) from None
        except (OSError, UnicodeError) as exc:
            detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise TargetRefused(f"host {host} does not resolve ({detail})") from None
        found = [address for text in texts if (address := parse_address(text)) is not None]
        if not found:
            raise TargetRefused(f"host {host} does not resolve to any IP address")
        return found

    async def check_url(self, url: str) -> list[Address]:
        """Resolves and checks the host of `url` as the notification client reads it."""
        try:
            target = httpx.URL(url)
            host = target.raw_host.decode("ascii")
            port = target.port or _DEFAULT_PORTS[target.scheme]
        except (httpx.InvalidURL, UnicodeError, KeyError):
            raise TargetRefused("not a valid URL") from None
        if not host:
            raise TargetRefused("no host in the URL")
        return await self.addresses(host, port)
