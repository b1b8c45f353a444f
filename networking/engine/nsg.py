"""Network security group evaluation (pure: no Django).

Rules are evaluated by priority, lowest first, and the first match decides
(NSG-02); the default rules come last (NSG-10). Outbound, the NIC's NSG is
evaluated before the subnet's and either can deny; inbound, the subnet's then
the NIC's, and both must allow (NSG-21). No NSG at all allows everything.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from ipaddress import IPv4Address, IPv4Network, ip_network

from networking.engine import servicetags
from networking.engine.rules import DEFAULT_RULES

PRIVATE = (
    IPv4Network("10.0.0.0/8"),
    IPv4Network("172.16.0.0/12"),
    IPv4Network("192.168.0.0/16"),
    IPv4Network("100.64.0.0/10"),
)
ANY_ADDRESS = {"*", "any", "0.0.0.0/0", "internet-any"}


class VirtualNetworkTag(tuple):
    """NSG-30: the prefixes of the VirtualNetwork tag, as a tuple. The last
    ``routed`` of them are user-defined route prefixes: VirtualNetwork covers
    them, but a route doesn't make a public address part of the network, so
    they stay in Internet (NSG-31). A plain tuple counts as all network."""

    routed = 0

    def __new__(cls, own: Iterable[IPv4Network], routed: tuple[IPv4Network, ...] = ()) -> VirtualNetworkTag:
        tag = super().__new__(cls, (*own, *routed))
        tag.routed = len(routed)
        return tag


def with_ranges(virtual_network: tuple[IPv4Network, ...], ranges: Iterable[IPv4Network]) -> VirtualNetworkTag:
    """The tag with more network ranges (not routes) in it."""
    own = _own_part(virtual_network)
    return VirtualNetworkTag((*own, *ranges), tuple(virtual_network[len(own) :]))


def _own_part(virtual_network: tuple[IPv4Network, ...]) -> tuple[IPv4Network, ...]:
    """The prefixes of the tag that aren't routes (NSG-31 excludes them from Internet)."""
    routed = getattr(virtual_network, "routed", 0)
    return tuple(virtual_network[: len(virtual_network) - routed]) if routed else virtual_network


@dataclass(frozen=True)
class Rule:
    name: str
    priority: int
    direction: str
    access: str
    protocol: str = "*"
    sources: tuple[str, ...] = ("*",)
    source_ports: tuple[str, ...] = ("*",)
    destinations: tuple[str, ...] = ("*",)
    destination_ports: tuple[str, ...] = ("*",)
    is_default: bool = False

    @property
    def label(self) -> str:
        """As Network Watcher names it (NW-03)."""
        return f"{'defaultSecurityRules' if self.is_default else 'securityRules'}/{self.name}"


def default_rules() -> tuple[Rule, ...]:
    return tuple(
        Rule(
            name=d.name,
            priority=d.priority,
            direction=d.direction,
            access=d.access,
            protocol=d.protocol,
            sources=(d.source,),
            source_ports=(d.source_ports,),
            destinations=(d.destination,),
            destination_ports=(d.destination_ports,),
            is_default=True,
        )
        for d in DEFAULT_RULES
    )


@dataclass(frozen=True)
class Nsg:
    name: str
    rules: tuple[Rule, ...]
    arm_id: str = ""

    @cached_property
    def _compiled(self) -> dict[str, tuple]:
        """Per direction, the rules in evaluation order with their prefixes
        and ports parsed (filled on first use; see _compiled_rules)."""
        return {}


@dataclass(frozen=True)
class Flow:
    direction: str
    protocol: str  # "Tcp", "Udp", "Icmp"
    source: IPv4Address
    source_port: int
    destination: IPv4Address
    destination_port: int


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    rule: Rule | None
    nsg: Nsg | None
    rule_ids: tuple[str, ...]

    @property
    def access(self) -> str:
        return "Allow" if self.allowed else "Deny"


def address_matches(spec: str, address: IPv4Address, virtual_network: tuple[IPv4Network, ...]) -> bool:
    """Whether ``address`` is in a rule's source/destination ``spec``
    (Any, an IP, a CIDR or a service tag: NSG-04, NSG-30 to NSG-34)."""
    key = spec.strip()
    if key.lower() in ANY_ADDRESS:
        return True
    base = key.split(".", 1)[0] if not key[:1].isdigit() else key  # Storage.EastUS -> Storage
    if base == "VirtualNetwork":
        return address in servicetags.AZURE_LOAD_BALANCER or any(address in net for net in virtual_network)
    if base == "AzureLoadBalancer":
        return address in servicetags.AZURE_LOAD_BALANCER
    if base == "Internet":
        inside = any(address in net for net in _own_part(virtual_network)) or any(address in net for net in PRIVATE)
        return not inside
    if base == "AzureCloud":
        return address in servicetags.AZURE_CLOUD
    if base in servicetags.SERVICE_TAGS:
        return address in servicetags.SERVICE_TAGS[base][0]
    try:
        return address in ip_network(key, strict=False)
    except ValueError:
        return False


def port_matches(spec: str, port: int) -> bool:
    spec = spec.strip()
    if spec in ("*", "Any"):
        return True
    if "-" in spec:
        low, high = spec.split("-", 1)
        return int(low) <= port <= int(high)
    return int(spec) == port


def rule_matches(rule: Rule, flow: Flow, virtual_network: tuple[IPv4Network, ...]) -> bool:
    if rule.direction != flow.direction:
        return False
    if rule.protocol not in ("*", "Any") and rule.protocol.lower() != flow.protocol.lower():
        return False
    if not any(address_matches(s, flow.source, virtual_network) for s in rule.sources):
        return False
    if not any(address_matches(d, flow.destination, virtual_network) for d in rule.destinations):
        return False
    if flow.protocol.lower() == "icmp":
        return True  # ICMP has no ports
    return any(port_matches(p, flow.source_port) for p in rule.source_ports) and any(
        port_matches(p, flow.destination_port) for p in rule.destination_ports
    )


def evaluate_one(nsg: Nsg, flow: Flow, virtual_network: tuple[IPv4Network, ...]) -> Verdict:
    """The first matching rule of one NSG, custom rules by priority then the
    defaults (NSG-02, NSG-10). The rules are sorted and parsed once per NSG;
    the answer is the same as rule_matches on each rule in turn."""
    if flow.source.version != 4 or flow.destination.version != 4:
        return _evaluate_one_plain(nsg, flow, virtual_network)
    compiled = nsg._compiled.get(flow.direction)
    if compiled is None:
        compiled = nsg._compiled[flow.direction] = _compile_rules(nsg, flow.direction)
    vn, own = _vnet_ints(virtual_network)
    source, destination = int(flow.source), int(flow.destination)
    # Membership of the VirtualNetwork and Internet tags, computed on first need.
    src_vn = dst_vn = src_internet = dst_internet = None
    protocol = flow.protocol.lower()
    icmp = protocol == "icmp"
    sport, dport = flow.source_port, flow.destination_port
    for rule_protocol, sources, destinations, sports, dports, verdict in compiled:
        if rule_protocol is not None and rule_protocol != protocol:
            continue
        for kind, net, mask in sources:
            if kind == _NET:
                if source & mask == net:
                    break
            elif kind == _ANY:
                break
            elif kind == _VNET:
                if src_vn is None:
                    src_vn = source == _ALB or _member(source, vn)
                if src_vn:
                    break
            elif kind == _INTERNET:
                if src_internet is None:
                    src_internet = not (_is_private(source) or _member(source, own))
                if src_internet:
                    break
        else:
            continue
        for kind, net, mask in destinations:
            if kind == _NET:
                if destination & mask == net:
                    break
            elif kind == _ANY:
                break
            elif kind == _VNET:
                if dst_vn is None:
                    dst_vn = destination == _ALB or _member(destination, vn)
                if dst_vn:
                    break
            elif kind == _INTERNET:
                if dst_internet is None:
                    dst_internet = not (_is_private(destination) or _member(destination, own))
                if dst_internet:
                    break
        else:
            continue
        if icmp or (_ports_match(sports, sport) and _ports_match(dports, dport)):
            return verdict
    return Verdict(False, None, nsg, ("NSG-10",))  # unreachable: DenyAll matches everything


# --- Compiled rules ---------------------------------------------------------------------

_ANY, _VNET, _INTERNET, _NET, _NEVER = range(5)
_ALB = int(servicetags.AZURE_LOAD_BALANCER.network_address)  # a /32
_PRIVATE_INTS = tuple((int(n.network_address), int(n.netmask)) for n in PRIVATE)
_DEFAULT_RULES = default_rules()
_last_vnet: tuple = ((), ((), ()))  # (the tag asked about, its (network, mask) ints: all, own)


def _is_private(address: int) -> bool:
    return any(address & m == n for n, m in _PRIVATE_INTS)


def _member(address: int, nets: tuple[tuple[int, int], ...]) -> bool:
    return any(address & m == n for n, m in nets)


def _vnet_ints(
    virtual_network: tuple[IPv4Network, ...],
) -> tuple[tuple[tuple[int, int], ...], tuple[tuple[int, int], ...]]:
    """The VirtualNetwork tag as ints: all of it, and the part that isn't
    routes (what Internet excludes). The last tag asked about is kept, since
    a topology hands out the same tuple for a VNet or subnet every time."""
    global _last_vnet
    last = _last_vnet
    if last[0] is virtual_network:
        return last[1]
    ints = tuple((int(n.network_address), int(n.netmask)) for n in virtual_network if n.version == 4)
    own_part = _own_part(virtual_network)
    own = (
        ints
        if own_part is virtual_network
        else tuple((int(n.network_address), int(n.netmask)) for n in own_part if n.version == 4)
    )
    _last_vnet = (virtual_network, (ints, own))
    return ints, own


def _net(network: IPv4Network) -> tuple[int, int, int]:
    return (_NET, int(network.network_address), int(network.netmask))


def _compile_address(spec: str) -> tuple[int, int, int]:
    """address_matches, decided once per spec."""
    key = spec.strip()
    if key.lower() in ANY_ADDRESS:
        return (_ANY, 0, 0)
    base = key.split(".", 1)[0] if not key[:1].isdigit() else key
    if base == "VirtualNetwork":
        return (_VNET, 0, 0)
    if base == "AzureLoadBalancer":
        return _net(servicetags.AZURE_LOAD_BALANCER)
    if base == "Internet":
        return (_INTERNET, 0, 0)
    if base == "AzureCloud":
        return _net(servicetags.AZURE_CLOUD)
    if base in servicetags.SERVICE_TAGS:
        return _net(servicetags.SERVICE_TAGS[base][0])
    try:
        network = ip_network(key, strict=False)
    except ValueError:
        return (_NEVER, 0, 0)
    if network.version != 4:
        return (_NEVER, 0, 0)  # an IPv4 address is never in an IPv6 range
    return _net(network)


def _compile_port(spec: str) -> tuple[int, int] | str | None:
    """port_matches, parsed once: None for any port, (low, high), or the spec
    itself when it doesn't parse (port_matches then raises as it always did)."""
    text = spec.strip()
    if text in ("*", "Any"):
        return None
    try:
        if "-" in text:
            low, high = text.split("-", 1)
            return (int(low), int(high))
        value = int(text)
        return (value, value)
    except ValueError:
        return spec


def _ports_match(entries: Iterable[tuple[int, int] | str | None], port: int) -> bool:
    for entry in entries:
        if entry is None:
            return True
        if entry.__class__ is tuple:
            if entry[0] <= port <= entry[1]:
                return True
        elif port_matches(entry, port):
            return True
    return False


def _compile_rules(nsg: Nsg, direction: str) -> tuple:
    custom = sorted((r for r in nsg.rules if r.direction == direction), key=lambda r: r.priority)
    defaults = [r for r in _DEFAULT_RULES if r.direction == direction]
    compiled = []
    for rule in [*custom, *defaults]:
        protocol = None if rule.protocol in ("*", "Any") else rule.protocol.lower()
        rule_ids = ("NSG-02", "NSG-10") if rule.is_default else ("NSG-02",)
        compiled.append(
            (
                protocol,
                tuple(_compile_address(s) for s in rule.sources),
                tuple(_compile_address(d) for d in rule.destinations),
                tuple(_compile_port(p) for p in rule.source_ports),
                tuple(_compile_port(p) for p in rule.destination_ports),
                Verdict(rule.access == "Allow", rule, nsg, rule_ids),
            )
        )
    return tuple(compiled)


def _evaluate_one_plain(nsg: Nsg, flow: Flow, virtual_network: tuple[IPv4Network, ...]) -> Verdict:
    """evaluate_one without compiling: rule_matches on each rule in turn."""
    custom = sorted((r for r in nsg.rules if r.direction == flow.direction), key=lambda r: r.priority)
    defaults = [r for r in default_rules() if r.direction == flow.direction]
    for rule in [*custom, *defaults]:
        if rule_matches(rule, flow, virtual_network):
            return Verdict(rule.access == "Allow", rule, nsg, ("NSG-02", "NSG-10") if rule.is_default else ("NSG-02",))
    return Verdict(False, None, nsg, ("NSG-10",))  # unreachable: DenyAll matches everything


def evaluate(
    flow: Flow,
    virtual_network: tuple[IPv4Network, ...],
    *,
    nic_nsg: Nsg | None = None,
    subnet_nsg: Nsg | None = None,
) -> tuple[Verdict, list[Verdict]]:
    """NSG-21: outbound NIC then subnet, inbound subnet then NIC; the first
    deny stops the flow. Returns the deciding verdict and every verdict made."""
    order = [nic_nsg, subnet_nsg] if flow.direction == "Outbound" else [subnet_nsg, nic_nsg]
    verdicts = [evaluate_one(nsg, flow, virtual_network) for nsg in order if nsg is not None]
    if not verdicts:
        return Verdict(True, None, None, ("NSG-21",)), []
    for verdict in verdicts:
        if not verdict.allowed:
            return verdict, verdicts
    return verdicts[-1], verdicts
