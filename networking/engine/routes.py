"""Effective routes of a subnet and next-hop selection (pure: no Django).

The rules are azure-rules.md §9: the default system routes (ROUTE-01 to
ROUTE-05), optional system routes for peering, gateways and service
endpoints (ROUTE-07), private endpoint /32 routes (ROUTE-08), user-defined
routes (ROUTE-20 to ROUTE-26), and selection (ROUTE-30 to ROUTE-32).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from ipaddress import IPv4Address, IPv4Network

# ROUTE-24: next hop types as ARM names them.
VNET_LOCAL = "VnetLocal"
INTERNET = "Internet"
NONE = "None"
VIRTUAL_APPLIANCE = "VirtualAppliance"
GATEWAY = "VirtualNetworkGateway"
PEERING = "VNetPeering"
GLOBAL_PEERING = "VNetGlobalPeering"
SERVICE_ENDPOINT = "VirtualNetworkServiceEndpoint"
INTERFACE_ENDPOINT = "InterfaceEndpoint"

# Sources, as the effective routes grid shows them (ROUTE-33).
DEFAULT = "Default"
USER = "User"
GATEWAY_SOURCE = "Virtual network gateway"

# ROUTE-01: the reserved prefixes with next hop None.
RESERVED = (
    IPv4Network("10.0.0.0/8"),
    IPv4Network("172.16.0.0/12"),
    IPv4Network("192.168.0.0/16"),
    IPv4Network("100.64.0.0/10"),
)
DEFAULT_ROUTE = IPv4Network("0.0.0.0/0")
_RANKS = {USER: 0, GATEWAY_SOURCE: 1}


@dataclass(frozen=True)
class Route:
    """One candidate route of a subnet."""

    prefix: IPv4Network
    next_hop_type: str
    source: str = DEFAULT
    next_hop_ip: str | None = None
    name: str = ""
    rule_ids: tuple[str, ...] = ()

    @property
    def rank(self) -> int:
        """ROUTE-30: on an exact prefix tie, User > BGP (gateway) > System."""
        return _RANKS.get(self.source, 2)


@dataclass(frozen=True)
class EffectiveRoute:
    route: Route
    state: str  # "Active" or "Invalid" (ROUTE-32)
    reason: str = ""


@dataclass(frozen=True)
class SubnetRouting:
    """What the subnet's routing depends on, as plain values."""

    vnet_space: tuple[IPv4Network, ...]
    peered: tuple[tuple[IPv4Network, bool], ...] = ()  # (range, global)
    gateway_prefixes: tuple[IPv4Network, ...] = ()  # BGP / local network gateway / P2S
    gateway_next_hops: tuple[tuple[IPv4Network, str], ...] = ()  # (prefix, next hop IP) (NW-10, ROUTE-33)
    service_endpoint_prefixes: tuple[tuple[IPv4Network, str], ...] = ()  # (prefix, service)
    private_endpoints: tuple[IPv4Network, ...] = ()  # /32s in this VNet or directly peered ones
    user_routes: tuple[Route, ...] = ()
    propagate_gateway_routes: bool = True  # ROUTE-26
    classic_pe_rules: bool = True  # ROUTE-08: era
    # ROUTE-08 [Current]: whose private endpoint subnet enables route tables
    # (RouteTableEnabled or Enabled): every endpoint's, or those /32s.
    pe_subnet_route_tables_enabled: bool = False
    route_table_endpoints: frozenset[IPv4Network] = frozenset()
    vnet_prefix_length: int = 16

    # Compiled once per instance (the topology caches one instance per subnet):
    # the effective routes, and the Active ones keyed for longest prefix match.
    @cached_property
    def _effective(self) -> tuple[EffectiveRoute, ...]:
        return tuple(_compute_effective_routes(self))

    @cached_property
    def _lookup(self) -> CompiledRoutes:
        return CompiledRoutes(e.route for e in self._effective if e.state == "Active")


class CompiledRoutes:
    """Active routes as one dict per prefix length (network address -> the
    Active route of that prefix; effective_routes keeps one per prefix)."""

    __slots__ = ("levels",)

    def __init__(self, active_routes: Iterable[Route]) -> None:
        by_length: dict[int, dict[int, Route]] = {}
        for route in active_routes:
            if route.prefix.version != 4:
                continue  # an IPv6 UDR never matches an IPv4 destination
            by_length.setdefault(route.prefix.prefixlen, {})[int(route.prefix.network_address)] = route
        # Ascending prefix length: the order effective_routes lists them in.
        self.levels = tuple(
            ((0xFFFFFFFF << (32 - length)) & 0xFFFFFFFF, table) for length, table in sorted(by_length.items())
        )

    def matching(self, address: int) -> list[Route]:
        """The Active routes whose prefix contains ``address``, shortest first."""
        out = []
        for mask, table in self.levels:
            route = table.get(address & mask)
            if route is not None:
                out.append(route)
        return out


def default_routes(vnet_space: tuple[IPv4Network, ...]) -> list[Route]:
    """ROUTE-01/03/04: a VNet route per range, 0/0 to the Internet, and the
    reserved prefixes to None, adjusted for VNet ranges that equal or contain
    a reserved prefix."""
    routes = [Route(space, VNET_LOCAL, rule_ids=("ROUTE-01",)) for space in vnet_space]
    routes.append(Route(DEFAULT_ROUTE, INTERNET, rule_ids=("ROUTE-01",)))
    for reserved in RESERVED:
        if any(space == reserved for space in vnet_space):
            continue  # ROUTE-03: the VNet route for the range replaces it
        if any(space.supernet_of(reserved) for space in vnet_space):
            continue  # ROUTE-04: removed, the VNet route covers it
        routes.append(Route(reserved, NONE, rule_ids=("ROUTE-01", "ROUTE-02")))
    return routes


def candidate_routes(config: SubnetRouting) -> list[Route]:
    routes = default_routes(config.vnet_space)
    for prefix, is_global in config.peered:
        routes.append(Route(prefix, GLOBAL_PEERING if is_global else PEERING, rule_ids=("ROUTE-07",)))
    if config.propagate_gateway_routes:
        next_hops: dict[IPv4Network, str] = {}
        for prefix, ip in config.gateway_next_hops:
            next_hops.setdefault(prefix, ip)  # the first gateway's, as the routes' order
        for prefix in config.gateway_prefixes:
            routes.append(
                Route(
                    prefix,
                    GATEWAY,
                    source=GATEWAY_SOURCE,
                    next_hop_ip=next_hops.get(prefix),
                    rule_ids=("ROUTE-07", "ROUTE-26"),
                )
            )
    for prefix, service in config.service_endpoint_prefixes:
        routes.append(Route(prefix, SERVICE_ENDPOINT, name=service, rule_ids=("ROUTE-07", "SE-03")))
    for prefix in config.private_endpoints:
        routes.append(Route(prefix, INTERFACE_ENDPOINT, rule_ids=("ROUTE-08",)))
    routes.extend(config.user_routes)
    if any(r.source == USER and r.prefix == DEFAULT_ROUTE for r in config.user_routes):
        # ROUTE-05 exception, ROUTE-31: a 0/0 UDR removes the reserved None routes.
        routes = [r for r in routes if not (r.source == DEFAULT and r.next_hop_type == NONE and r.prefix in RESERVED)]
    return routes


def effective_routes(config: SubnetRouting) -> list[EffectiveRoute]:
    """Every candidate with its state: on an exact prefix tie one route is
    Active and the others Invalid (ROUTE-30, ROUTE-32). Computed once per
    ``config`` instance; each call returns a new list."""
    return list(config._effective)


def _compute_effective_routes(config: SubnetRouting) -> list[EffectiveRoute]:
    by_prefix: dict[IPv4Network, list[Route]] = {}
    for route in candidate_routes(config):
        by_prefix.setdefault(route.prefix, []).append(route)
    result = []
    for prefix in sorted(by_prefix, key=lambda p: (p.prefixlen, int(p.network_address))):
        routes = by_prefix[prefix]
        winner = _tie_winner(routes, config)
        for route in routes:
            if route is winner:
                result.append(EffectiveRoute(route, "Active"))
            else:
                result.append(EffectiveRoute(route, "Invalid", f"overridden by the {winner.source.lower()} route"))
    return result


def _tie_winner(routes: list[Route], config: SubnetRouting) -> Route:
    endpoint = [r for r in routes if r.next_hop_type in (SERVICE_ENDPOINT, INTERFACE_ENDPOINT)]
    if endpoint:
        pe = [r for r in endpoint if r.next_hop_type == INTERFACE_ENDPOINT]
        if pe and config.classic_pe_rules and any(r.source == USER for r in routes):
            # ROUTE-08 [Classic]: an equal /32 UDR on the client subnet takes the tie.
            return min((r for r in routes if r.source == USER), key=lambda r: r.rank)
        return endpoint[0]  # SE-03 / ROUTE-30.4: endpoint routes beat UDR and BGP
    return min(routes, key=lambda r: r.rank)


@dataclass(frozen=True)
class RouteDecision:
    route: Route | None
    considered: tuple[Route, ...] = field(default_factory=tuple)
    rule_ids: tuple[str, ...] = ()
    note: str = ""


def select_route(
    config: SubnetRouting, destination: IPv4Address, active: list[EffectiveRoute] | None = None
) -> RouteDecision:
    """The route a packet to ``destination`` takes (ROUTE-30): longest prefix
    match among the Active routes, with the documented exceptions.

    Without ``active``, the Active routes come from the config's compiled
    table (a dict lookup per prefix length); the answer is the same as
    scanning effective_routes(config)."""
    if active is None and destination.version == 4:
        matching = config._lookup.matching(int(destination))
    else:
        if active is None:
            active = config._effective
        matching = [e.route for e in active if e.state == "Active" and destination in e.route.prefix]
    return _decide(config, matching)


def _decide(config: SubnetRouting, matching: list[Route]) -> RouteDecision:
    """ROUTE-30 on the Active routes that match, shortest prefix first."""
    if not matching:
        return RouteDecision(None, (), ("ROUTE-30",), "no route matches")
    # ROUTE-30.3: VNet, peering and service endpoint system routes beat BGP,
    # even a more specific BGP route.
    system_cover = [r for r in matching if r.next_hop_type in (VNET_LOCAL, PEERING, GLOBAL_PEERING, SERVICE_ENDPOINT)]
    if system_cover:
        matching = [r for r in matching if r.source != GATEWAY_SOURCE]
    # ROUTE-30.4: a service endpoint route beats UDRs for the service prefixes.
    se = [r for r in matching if r.next_hop_type == SERVICE_ENDPOINT]
    if se:
        best = max(se, key=lambda r: r.prefix.prefixlen)
        return RouteDecision(
            best, tuple(matching), ("ROUTE-30", "SE-03"), "service endpoint routes win for the service's prefixes"
        )
    pe = [r for r in matching if r.next_hop_type == INTERFACE_ENDPOINT]
    if pe:
        decision = _private_endpoint_decision(config, pe[0], matching)
        if decision is not None:
            return decision
    best = max(matching, key=lambda r: (r.prefix.prefixlen, -r.rank))
    return RouteDecision(best, tuple(matching), best.rule_ids + ("ROUTE-30",), "longest prefix match")


def _private_endpoint_decision(config: SubnetRouting, pe: Route, matching: list[Route]) -> RouteDecision | None:
    """ROUTE-08: the PE /32 wins, unless [Current] the PE subnet enables route
    tables and a UDR at least as long as the VNet prefix matches (never 0/0)."""
    if config.classic_pe_rules:
        return RouteDecision(pe, tuple(matching), ("ROUTE-08",), "the private endpoint's /32 route")
    if config.pe_subnet_route_tables_enabled or pe.prefix in config.route_table_endpoints:
        udrs = [
            r
            for r in matching
            if r.source == USER and r.prefix.prefixlen >= config.vnet_prefix_length and r.prefix != DEFAULT_ROUTE
        ]
        if udrs:
            best = max(udrs, key=lambda r: r.prefix.prefixlen)
            return RouteDecision(
                best, tuple(matching), ("ROUTE-08", "SUBNET-21"), "a UDR overrides the private endpoint route"
            )
    return RouteDecision(pe, tuple(matching), ("ROUTE-08",), "the private endpoint's /32 route")
