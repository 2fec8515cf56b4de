"""Which addresses a notification may be sent to: the refused ranges and the operator's
allow-list. Pure: an address in, a verdict out; resolving names is botimpay.netguard's job.

A notifyUrl is chosen by the merchant, so without a rule the gateway would POST
wherever a merchant points it: its own loopback services, the cloud metadata
endpoint, the operator's private network (server-side request forgery).
Production therefore refuses every address that is not public:

    unspecified   0.0.0.0, ::
    loopback      127.0.0.0/8, ::1
    link-local    169.254.0.0/16 (metadata services), fe80::/10
    multicast     224.0.0.0/4, ff00::/8
    private       10/8, 172.16/12, 192.168/16, fc00::/7, documentation ranges, ...
    reserved      240.0.0.0/4, 255.255.255.255, ...
    non-public    anything else not globally routable (100.64.0.0/10 shared NAT, ...)

IPv6 forms of an IPv4 address are judged by the IPv4 address inside them too:
IPv4-mapped (::ffff:127.0.0.1), 6to4 (2002:7f00:1::) and NAT64 (64:ff9b::7f00:1).
An operator may allow ranges explicitly (`--notify-allow-cidr 10.20.0.0/16`); the
sandbox allows every address, since a developer's shop runs on loopback.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from ipaddress import (
    IPv4Address,
    IPv4Network,
    IPv6Address,
    IPv6Network,
    ip_address,
    ip_network,
)

from botimpay.errors import ConfigError

Address = IPv4Address | IPv6Address
Network = IPv4Network | IPv6Network

_NAT64 = IPv6Network("64:ff9b::/96")  # RFC 6052: the IPv4 address is the last 32 bits


def parse_networks(cidrs: Iterable[str]) -> tuple[Network, ...]:
    """The operator's allow-list; a bare address is a /32 (or /128), host bits are dropped.

    Raises ConfigError naming the first entry that is not an IP address or CIDR."""
    networks: list[Network] = []
    for cidr in cidrs:
        text = cidr.strip()
        try:
            networks.append(ip_network(text, strict=False))
        except ValueError:
            raise ConfigError(
                f"--notify-allow-cidr {cidr!r} is not an IP address or CIDR range"
            ) from None
    return tuple(networks)


def embedded_ipv4(address: Address) -> IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, 6to4, NAT64), if any."""
    if isinstance(address, IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _range_of(address: Address) -> str | None:
    if address.is_unspecified:
        return "unspecified"
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_multicast:
        return "multicast"
    if address.is_reserved:
        return "reserved"
    if address.is_private or (isinstance(address, IPv6Address) and address.is_site_local):
        return "private"
    if not address.is_global:
        return "non-public"
    return None


def refused_range(address: Address) -> str | None:
    """The kind of range `address` is in ("loopback", ...), None if it is public."""
    inner = embedded_ipv4(address)
    if inner is not None:
        # Judged by the IPv4 address it carries: the NAT64 prefix itself is "reserved"
        # to the ipaddress module, yet 64:ff9b::808:808 is just 8.8.8.8.
        return _range_of(inner)
    return _range_of(address)


@dataclass(frozen=True, slots=True)
class TargetPolicy:
    """Production's rule (the default) or the sandbox's (`permissive()`), plus allowed ranges."""

    allowed: tuple[Network, ...] = ()
    enforce: bool = True

    @classmethod
    def permissive(cls) -> TargetPolicy:
        """The sandbox: every address may be a notification target."""
        return cls(enforce=False)

    def is_allowed_explicitly(self, address: Address) -> bool:
        inner = embedded_ipv4(address)
        return any(
            address in network or (inner is not None and inner in network)
            for network in self.allowed
        )

    def refusal(self, address: Address) -> str | None:
        """Why `address` may not receive notifications ("a loopback address"), or None
        if it may."""
        if not self.enforce:
            return None
        kind = refused_range(address)
        if kind is None or self.is_allowed_explicitly(address):
            return None
        article = "an" if kind[0] in "aeiou" else "a"
        return f"{article} {kind} address"


def show(address: Address) -> str:
    """The address as people write it: IPv4-mapped ones as ::ffff:127.0.0.1."""
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return f"::ffff:{address.ipv4_mapped}"
    return str(address)


def parse_address(text: str) -> Address | None:
    """`text` as an IP address if it is one in standard notation ("[::1]" included)."""
    try:
        return ip_address(text.removeprefix("[").removesuffix("]"))
    except ValueError:
        return None
