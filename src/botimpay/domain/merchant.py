"""Merchants as the rules see them: status, fee rate, IP whitelist, partner ids and
the scenes (products) each may place orders in.

The whitelist holds CIDRs, `*` (any address), and the merchant portal's IPv4
wildcard form `192.168.*.*` (trailing parts `*`: the same as 192.168.0.0/16), kept as
given. The default notify URL is used when an order or refund names no notifyUrl.
A merchant is enabled for a set of the scenes botimpay serves (domain/scenes.py;
every one by default); placeOrder in another is refused with 62026. The switch
gates new orders only: an order placed before a scene was disabled can still be
queried, paid, refunded and revoked.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from urllib.parse import urlsplit

from botimpay.domain.scenes import DOCUMENTED_SCENES, SUPPORTED_SCENES
from botimpay.errors import BusinessError, ConfigError
from botimpay.protocol import codes

_PARTNER_ID = re.compile(r"^\d{1,12}$")
ANY_ADDRESS = "*"
DEFAULT_FEE_RATE = Decimal("0.003")
MAX_NOTIFY_URL = 200
_OCTET = re.compile(r"^(0|[1-9]\d{0,2})$")


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
    default_notify_url: str | None = None
    scenes: frozenset[str] = SUPPORTED_SCENES

    @property
    def is_active(self) -> bool:
        return self.status is MerchantStatus.ACTIVE

    def allows_ip(self, address: str | None) -> bool:
        return ip_allowed(self.ip_whitelist, address)

    def check_scene(self, scene_code: str) -> None:
        """62026 unless the merchant is enabled for `scene_code` (a new order's paySceneCode,
        already known to be a scene botimpay serves)."""
        if scene_code not in self.scenes:
            raise BusinessError(
                codes.PRODUCT_IS_NOT_APPLIED,
                f"paySceneCode {scene_code} is not applied for merchant {self.partner_id}; "
                f"its enabled scenes are {scenes_text(self.scenes, ', ')}",
            )


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


def parse_scenes(entries: str | list[str] | tuple[str, ...]) -> frozenset[str]:
    """Scene codes separated by commas or spaces (any case), each one botimpay serves;
    at least one. Raises ConfigError naming the first unknown or unserved code."""
    parts = [entries] if isinstance(entries, str) else list(entries)
    found: set[str] = set()
    for part in parts:
        for code in part.replace(",", " ").split():
            scene = code.upper()
            if scene in SUPPORTED_SCENES:
                found.add(scene)
                continue
            served = scenes_text(SUPPORTED_SCENES, ", ")
            if scene in DOCUMENTED_SCENES:
                raise ConfigError(f"scene {code!r} is not served by botimpay (it serves {served})")
            raise ConfigError(f"unknown scene {code!r} (botimpay serves {served})")
    if not found:
        served = scenes_text(SUPPORTED_SCENES, ", ")
        raise ConfigError(f"give at least one scene (botimpay serves {served})")
    return frozenset(found)


def scenes_text(scenes: frozenset[str], separator: str = ",") -> str:
    """The scenes sorted and joined: `DYNQR,JSAPI` (as stored) or `DYNQR, JSAPI`."""
    return separator.join(sorted(scenes))


def parse_whitelist(entries: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Normalises CIDRs (a bare address is a /32 or /128); `*` means any address; a
    wildcard like `192.168.*.*` is checked and kept as given."""
    if not entries:
        return (ANY_ADDRESS,)
    normalized: list[str] = []
    for entry in entries:
        for part in entry.replace(",", " ").split():
            if part == ANY_ADDRESS:
                normalized.append(ANY_ADDRESS)
                continue
            if "*" in part:
                wildcard_network(part)  # raises ConfigError naming the entry
                normalized.append(part)
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


def wildcard_network(entry: str) -> ipaddress.IPv4Network:
    """`192.168.*.*` as 192.168.0.0/16: four dot-separated parts, decimal octets first,
    then only `*`s. Raises ConfigError naming the entry otherwise."""
    parts = entry.split(".")
    if len(parts) != 4:
        raise ConfigError(
            f"{entry!r} is not a wildcard address: it needs four parts like 192.168.*.*"
        )
    fixed = 0
    while fixed < 4 and parts[fixed] != "*":
        fixed += 1
    if any(part != "*" for part in parts[fixed:]):
        raise ConfigError(
            f"{entry!r} is not a wildcard address: '*' may only stand for the last parts "
            "(like 192.168.*.*)"
        )
    for part in parts[:fixed]:
        if not _OCTET.match(part) or int(part) > 255:
            raise ConfigError(f"{entry!r} is not a wildcard address: {part!r} is not 0 to 255")
    octets = [int(part) for part in parts[:fixed]] + [0] * (4 - fixed)
    return ipaddress.IPv4Network((".".join(map(str, octets)), 8 * fixed))


def parse_notify_url(text: str | None) -> str | None:
    """A default notify URL as notifyUrl takes it: http(s), a host, at most 200
    characters, no spaces; empty clears it (None). Raises ConfigError."""
    url = (text or "").strip()
    if not url:
        return None
    if len(url) > MAX_NOTIFY_URL:
        raise ConfigError(f"the notify URL has {len(url)} characters; at most 200 are allowed")
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in url):
        raise ConfigError("the notify URL must not contain spaces or control characters")
    if not url.lower().startswith(("http://", "https://")):
        raise ConfigError("the notify URL must be an http:// or https:// URL")
    try:
        host = urlsplit(url).hostname
    except ValueError as exc:
        raise ConfigError(f"the notify URL is malformed: {exc}") from exc
    if not host:
        raise ConfigError("the notify URL has no host")
    return url


@functools.lru_cache(maxsize=1024)
def _network(cidr: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    if "*" in cidr:
        return wildcard_network(cidr)
    return ipaddress.ip_network(cidr, strict=False)
