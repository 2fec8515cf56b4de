"""Merchants as the rules see them: status, fee rate, IP whitelist and partner ids.

The whitelist holds CIDRs or `*` (any address), as the merchant portal does.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from botimpay.errors import ConfigError

_PARTNER_ID = re.compile(r"^\d{1,12}$")
ANY_ADDRESS = "*"
DEFAULT_FEE_RATE = Decimal("0.003")


class MerchantStatus(StrEnum):
    ACTIVE = "ACTIVE"
    DISABLED = "DISABLED"


@dataclass(frozen=True, slots=True)
class Merchant:
    partner_id: str
    name: str
    status: MerchantStatus
    fee_rate: Decimal
    ip_whitelist: tuple[str, ...]

    @property
    def is_active(self) -> bool:
        return self.status is MerchantStatus.ACTIVE

    def allows_ip(self, address: str | None) -> bool:
        return ip_allowed(self.ip_whitelist, address)


def check_partner_id(partner_id: str) -> str:
    if not _PARTNER_ID.match(partner_id):
        raise ConfigError("partner id must be 1 to 12 digits")
    return partner_id


def parse_fee_rate(text: str | Decimal) -> Decimal:
    """A fraction between 0 and 1 with at most 6 decimals, e.g. 0.003 for 0.3 %."""
    try:
        rate = Decimal(str(text))
    except InvalidOperation as exc:
        raise ConfigError(f"fee rate {text!r} is not a number") from exc
    if not rate.is_finite() or rate < 0 or rate >= 1:
        raise ConfigError("fee rate must be at least 0 and below 1 (0.003 = 0.3 %)")
    if rate != rate.quantize(Decimal("0.000001")):
        raise ConfigError("fee rate allows at most 6 decimals")
    return rate


def parse_whitelist(entries: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Normalises CIDRs (a bare address is a /32 or /128); `*` means any address."""
    if not entries:
        return (ANY_ADDRESS,)
    normalized: list[str] = []
    for entry in entries:
        for part in entry.replace(",", " ").split():
            if part == ANY_ADDRESS:
                normalized.append(ANY_ADDRESS)
                continue
            try:
                normalized.append(str(ipaddress.ip_network(part, strict=False)))
            except ValueError as exc:
                raise ConfigError(f"{part!r} is not an IP address or CIDR") from exc
    if not normalized:
        raise ConfigError("the IP whitelist is empty")
    return tuple(dict.fromkeys(normalized))


def ip_allowed(whitelist: tuple[str, ...], address: str | None) -> bool:
    if ANY_ADDRESS in whitelist:
        return True
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in _network(cidr) for cidr in whitelist)


@functools.lru_cache(maxsize=1024)
def _network(cidr: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    return ipaddress.ip_network(cidr, strict=False)
