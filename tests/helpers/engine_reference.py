"""Brute-force references for the engine's indexes and compiled tables: they
scan everything on every call, the way the engine did before it kept indexes.
tests/networking/test_engine_speedups.py checks the engine agrees with them on
random topologies; tests/bench/engine_bench.py times them."""

from ipaddress import IPv4Address, IPv4Network

from networking.engine import nsg as n
from networking.engine import routes as r
from networking.engine import servicetags
from networking.engine.topology import (
    Subnet,
    Topology,
)

N = IPv4Network
A = IPv4Address


def reference_routing(topology: Topology, subnet: Subnet) -> r.SubnetRouting:
    """Topology.routing_for by scanning the snapshot's tuples."""
    vnet = topology.vnets[subnet.vnet_id]
    connected = [p for p in topology.peerings if p.vnet_id == vnet.id and p.state == "Connected" and p.allow_access]
    peered, peer_ids = [], {vnet.id}
    for peering in connected:
        remote = topology.vnets.get(peering.remote_vnet_id)
        if remote is None:
            continue
        peer_ids.add(remote.id)
        peered.extend((space, remote.location != vnet.location) for space in remote.space)
    table = topology.route_tables.get(subnet.route_table_id) if subnet.route_table_id else None
    endpoints = [
        pe
        for pe in topology.private_endpoints
        if pe.subnet_id in topology.subnets and topology.subnets[pe.subnet_id].vnet_id in peer_ids
    ]
    return r.SubnetRouting(
        vnet_space=vnet.space,
        peered=tuple(peered),
        gateway_prefixes=reference_gateway_prefixes(topology, vnet.id),
        gateway_next_hops=reference_gateway_next_hops(topology, vnet.id),
        service_endpoint_prefixes=tuple(servicetags.service_endpoint_prefixes(sorted(subnet.service_endpoints))),
        private_endpoints=tuple(N(f"{pe.ip}/32") for pe in endpoints),
        user_routes=table.routes if table else (),
        propagate_gateway_routes=table.propagate_gateway_routes if table else True,
        classic_pe_rules=topology.era == "classic",
        route_table_endpoints=frozenset(
            N(f"{pe.ip}/32")
            for pe in endpoints
            if topology.subnets[pe.subnet_id].pe_policies in ("RouteTableEnabled", "Enabled")
        ),
        vnet_prefix_length=min((s.prefixlen for s in vnet.space), default=16),
    )


def reference_gateway_next_hops(topology: Topology, vnet_id: int) -> tuple[tuple[IPv4Network, str], ...]:
    """Each gateway route's next hop IP: a BGP peer's for what it taught,
    else the gateway instance's."""
    hops = []
    for prefix in reference_gateway_prefixes(topology, vnet_id):
        for gateway in _used_gateways(topology, vnet_id):
            if prefix in gateway.prefixes or prefix == gateway.p2s_pool:
                peer = dict(gateway.peer_ips).get(prefix)
                if peer or gateway.ip:
                    hops.append((prefix, peer or gateway.ip))
                break
    return tuple(hops)


def _used_gateways(topology: Topology, vnet_id: int) -> list:
    connected = [p for p in topology.peerings if p.vnet_id == vnet_id and p.state == "Connected" and p.allow_access]
    used = [vnet_id] + [
        p.remote_vnet_id for p in connected if p.use_remote_gateways and p.remote_vnet_id in topology.vnets
    ]
    return [topology.gateways[v] for v in used if v in topology.gateways]


def reference_gateway_prefixes(topology: Topology, vnet_id: int) -> tuple[IPv4Network, ...]:
    """ROUTE-07: the VNet's own gateway's prefixes and P2S pool, then those of
    the gateways of peers it uses remote gateways of."""
    connected = [p for p in topology.peerings if p.vnet_id == vnet_id and p.state == "Connected" and p.allow_access]
    used = [vnet_id] + [
        p.remote_vnet_id for p in connected if p.use_remote_gateways and p.remote_vnet_id in topology.vnets
    ]
    prefixes = []
    for gateway_vnet in used:
        gateway = topology.gateways.get(gateway_vnet)
        if gateway is None:
            continue
        prefixes.extend(gateway.prefixes)
        if gateway.p2s_pool is not None and gateway.p2s_pool not in gateway.prefixes:
            prefixes.append(gateway.p2s_pool)
    return tuple(prefixes)


def _reference_tie_winner(same: list[r.Route], config: r.SubnetRouting) -> r.Route:
    """ROUTE-30/32 on one prefix: an endpoint route wins (SE-03, ROUTE-08),
    except a Classic-era equal UDR over a private endpoint; otherwise User >
    BGP > System, the first listed on a tie."""
    endpoint = [c for c in same if c.next_hop_type in (r.SERVICE_ENDPOINT, r.INTERFACE_ENDPOINT)]
    users = [c for c in same if c.source == r.USER]
    if endpoint:
        if config.classic_pe_rules and users and any(c.next_hop_type == r.INTERFACE_ENDPOINT for c in endpoint):
            return users[0]
        return endpoint[0]
    for wanted in (r.USER, r.GATEWAY_SOURCE):
        for c in same:
            if c.source == wanted:
                return c
    return same[0]


def reference_select_route(config: r.SubnetRouting, destination: IPv4Address) -> r.Route | None:
    """ROUTE-30 by brute force over every candidate route: which are Active,
    which contain the destination, then the exceptions, then the longest."""
    candidates = r.candidate_routes(config)
    matching = []
    for c in candidates:
        if destination not in c.prefix:
            continue
        same = [x for x in candidates if x.prefix == c.prefix]
        if _reference_tie_winner(same, config) is c:
            matching.append(c)
    if not matching:
        return None
    if any(c.next_hop_type in (r.VNET_LOCAL, r.PEERING, r.GLOBAL_PEERING, r.SERVICE_ENDPOINT) for c in matching):
        matching = [c for c in matching if c.source != r.GATEWAY_SOURCE]  # ROUTE-30.3

    def longest(routes):
        best = None
        for c in routes:
            if best is None or c.prefix.prefixlen > best.prefix.prefixlen:
                best = c
        return best

    se = [c for c in matching if c.next_hop_type == r.SERVICE_ENDPOINT]
    if se:
        return longest(se)
    pe = [c for c in matching if c.next_hop_type == r.INTERFACE_ENDPOINT]
    if pe:
        route_tables = config.pe_subnet_route_tables_enabled or any(
            c.prefix in config.route_table_endpoints for c in pe
        )
        if not config.classic_pe_rules and route_tables:
            udrs = [
                c
                for c in matching
                if c.source == r.USER and c.prefix.prefixlen >= config.vnet_prefix_length and c.prefix.prefixlen > 0
            ]
            if udrs:
                return longest(udrs)
        return min(pe, key=lambda c: c.prefix.prefixlen)
    return longest(matching)


def reference_evaluate_one(nsg: n.Nsg, flow: n.Flow, virtual_network) -> n.Rule:
    """NSG-02/NSG-10: of every rule of the flow's direction that matches
    (parsed from its text each time), custom before default, the lowest
    priority, the first listed on a tie."""
    rules = [(False, rule.priority, i, rule) for i, rule in enumerate(nsg.rules)]
    rules += [(True, rule.priority, i, rule) for i, rule in enumerate(n.default_rules())]
    matching = [
        key for key in rules if key[3].direction == flow.direction and n.rule_matches(key[3], flow, virtual_network)
    ]
    return min(matching, key=lambda key: key[:3])[3]
