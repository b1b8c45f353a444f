"""Address arithmetic for VNets and subnets (pure: no Django).

Parsing is strict in the way Azure is: ``10.0.1.5/24`` is refused with the
network address it meant, not silently truncated.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Network, ip_address, ip_network

RFC1918 = (IPv4Network("10.0.0.0/8"), IPv4Network("172.16.0.0/12"), IPv4Network("192.168.0.0/16"))
RFC6598 = IPv4Network("100.64.0.0/10")
AZURE_DNS = IPv4Address("168.63.129.16")

# VNET-02: address space that can never be added to a VNet, with the reason.
RESERVED_PREFIXES = (
    (IPv4Network("224.0.0.0/4"), "multicast"),
    (IPv4Network("255.255.255.255/32"), "broadcast"),
    (IPv4Network("127.0.0.0/8"), "loopback"),
    (IPv4Network("169.254.0.0/16"), "link-local"),
    (IPv4Network("168.63.129.16/32"), "internal DNS"),
)

SMALLEST_SUBNET_PREFIX = 29  # SUBNET-03
RESERVED_PER_SUBNET = 5  # SUBNET-01


class AddressError(ValueError):
    """The text is not a usable address or prefix; the message says why."""


def parse_cidr(text: str) -> IPv4Network | IPv6Network:
    value = (text or "").strip()
    if not value:
        raise AddressError("Enter an address prefix in CIDR notation, for example 10.0.0.0/24.")
    if "/" not in value:
        raise AddressError(f"'{value}' is not a valid CIDR block. Use the form 10.0.0.0/24.")
    try:
        network = ip_network(value, strict=True)
    except ValueError:
        try:
            meant = ip_network(value, strict=False)
        except ValueError:
            raise AddressError(f"'{value}' is not a valid CIDR block. Use the form 10.0.0.0/24.") from None
        raise AddressError(f"'{value}' is not a valid CIDR block. Did you mean '{meant}'?") from None
    return network


def parse_ipv4(text: str) -> IPv4Address:
    value = (text or "").strip()
    try:
        address = ip_address(value)
    except ValueError:
        raise AddressError(f"'{value}' is not a valid IPv4 address.") from None
    if not isinstance(address, IPv4Address):
        raise AddressError(f"'{value}' is not a valid IPv4 address.")
    return address


def reserved_reason(network: IPv4Network | IPv6Network) -> str | None:
    """VNET-02: the reason a prefix can't be VNet space, or None."""
    if network.version != 4:
        return None
    for reserved, reason in RESERVED_PREFIXES:
        if network.overlaps(reserved):
            return reason
    return None


def usable_addresses(network: IPv4Network) -> int:
    """SUBNET-01/02: Azure reserves the first four and the last address."""
    return max(network.num_addresses - RESERVED_PER_SUBNET, 0)


def reserved_addresses(network: IPv4Network) -> list[tuple[str, str]]:
    """SUBNET-01: the five addresses Azure keeps, with what each is for."""
    base = int(network.network_address)
    return [
        (str(IPv4Address(base)), "Network address"),
        (str(IPv4Address(base + 1)), "Default gateway"),
        (str(IPv4Address(base + 2)), "Azure DNS mapping"),
        (str(IPv4Address(base + 3)), "Azure DNS mapping"),
        (str(network.broadcast_address), "Broadcast"),
    ]


@dataclass(frozen=True)
class Placement:
    """Where a candidate subnet sits relative to its VNet."""

    inside_space: bool
    overlapping: str | None  # the existing prefix it overlaps, if any


def place(candidate: IPv4Network, address_space: list[str], existing: list[str]) -> Placement:
    """SUBNET-05: a subnet must lie inside one address range and overlap no subnet."""
    spaces = [ip_network(s) for s in address_space]
    inside = any(candidate.version == s.version and candidate.subnet_of(s) for s in spaces)
    for prefix in existing:
        other = ip_network(prefix)
        if other.version == candidate.version and other.overlaps(candidate):
            return Placement(inside, prefix)
    return Placement(inside, None)


def free_ranges(address_space: list[str], used: list[str]) -> list[IPv4Network]:
    """The blocks of the VNet's IPv4 space that no subnet uses, largest aligned blocks."""
    free: list[IPv4Network] = []
    used_nets = sorted((ip_network(u) for u in used if ip_network(u).version == 4), key=lambda n: n.network_address)
    for space_text in address_space:
        space = ip_network(space_text)
        if space.version != 4:
            continue
        pieces = [space]
        for taken in used_nets:
            if not taken.overlaps(space):
                continue
            next_pieces = []
            for piece in pieces:
                if not piece.overlaps(taken):
                    next_pieces.append(piece)
                elif taken.supernet_of(piece):
                    continue
                else:
                    next_pieces.extend(piece.address_exclude(taken))
            pieces = next_pieces
        free.extend(pieces)
    return sorted(free, key=lambda n: (n.network_address, n.prefixlen))


def suggest_subnet(address_space: list[str], used: list[str], prefix: int) -> IPv4Network | None:
    """The first free block of size ``/prefix``, as the portal pre-fills it."""
    for block in free_ranges(address_space, used):
        if block.prefixlen <= prefix:
            return next(block.subnets(new_prefix=prefix))
    return None


def next_free_ip(prefix: str, used: Iterable[str]) -> str | None:
    """The first address of an IPv4 subnet a new NIC may take: not one of the
    five Azure keeps (SUBNET-01) and not in ``used``; None when it is full."""
    network = ip_network(prefix)
    if network.version != 4 or network.num_addresses <= RESERVED_PER_SUBNET:
        return None
    taken = {int(ip_address(text)) for text in used}
    first = int(network.network_address) + 4
    last = int(network.broadcast_address) - 1
    for candidate in range(first, last + 1):
        if candidate not in taken:
            return str(IPv4Address(candidate))
    return None
