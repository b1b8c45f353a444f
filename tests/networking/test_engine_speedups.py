"""The engine's indexes and compiled tables (networking/engine/index.py, the
compiled route table of routes.SubnetRouting, the compiled rules of nsg.Nsg)
give the answers of plain brute force, on random topologies.

The brute-force references are in tests/helpers/engine_reference.py.
"""

from dataclasses import replace
from ipaddress import IPv4Address, IPv4Network, ip_network

from hypothesis import given, settings
from hypothesis import strategies as st

from networking.engine import nsg as n
from networking.engine import routes as r
from networking.engine import servicetags
from networking.engine.topology import (
    Gateway,
    Nic,
    Peering,
    PrivateEndpoint,
    RouteTable,
    Subnet,
    Target,
    Topology,
    Vnet,
    Zone,
)
from tests.helpers.engine_reference import (
    reference_evaluate_one,
    reference_gateway_prefixes,
    reference_routing,
    reference_select_route,
)

N = IPv4Network
A = IPv4Address

# --- Random topologies ------------------------------------------------------------------

BLOCKS = [
    N("10.0.0.0/8"),
    N("10.1.0.0/16"),
    N("10.2.0.0/16"),
    N("10.1.4.0/22"),
    N("172.16.0.0/12"),
    N("192.168.0.0/16"),
]
HOPS = [r.VIRTUAL_APPLIANCE, r.INTERNET, r.NONE, r.VNET_LOCAL, r.GATEWAY]
SERVICES = ["Microsoft.Storage", "Microsoft.Sql", "Microsoft.KeyVault"]
PE_POLICIES = ["Disabled", "Enabled", "RouteTableEnabled", "NetworkSecurityGroupEnabled"]


def _inside(block: IPv4Network, offset: int, length: int) -> IPv4Network:
    length = max(length, block.prefixlen)
    address = int(block.network_address) + offset % block.num_addresses
    return N((address & ((0xFFFFFFFF << (32 - length)) & 0xFFFFFFFF), length))


prefix_in_blocks = st.builds(
    _inside,
    st.sampled_from(BLOCKS + [N("20.60.0.0/16"), N("20.42.64.0/18"), N("52.0.0.0/8"), N("0.0.0.0/0")]),
    st.integers(0, 2**32 - 1),
    st.integers(0, 32),
)


@st.composite
def topologies(draw):
    vnets = {}
    for vid in range(1, draw(st.integers(1, 5)) + 1):
        spaces = draw(
            st.lists(
                st.builds(_inside, st.sampled_from(BLOCKS), st.integers(0, 2**24), st.integers(8, 24)),
                min_size=1,
                max_size=2,
                unique=True,
            )
        )
        vnets[vid] = Vnet(vid, f"vnet{vid}", draw(st.sampled_from(["eastus", "westus"])), tuple(spaces))
    route_tables = {}
    for tid in range(1, draw(st.integers(0, 3)) + 1):
        udrs = draw(st.lists(st.tuples(prefix_in_blocks, st.sampled_from(HOPS)), max_size=6))
        routes = tuple(
            r.Route(p, h, r.USER, "10.0.9.4" if h == r.VIRTUAL_APPLIANCE else None, f"u{i}")
            for i, (p, h) in enumerate(udrs)
        )
        route_tables[tid] = RouteTable(tid, f"rt{tid}", draw(st.booleans()), routes)
    subnets = {}
    sid = 0
    for vnet in vnets.values():
        for _ in range(draw(st.integers(1, 3))):
            sid += 1
            space = draw(st.sampled_from(vnet.space))
            prefix = _inside(
                space, draw(st.integers(0, 2**24)), draw(st.integers(space.prefixlen, min(space.prefixlen + 8, 29)))
            )
            subnets[sid] = Subnet(
                sid,
                f"s{sid}",
                vnet.id,
                prefix,
                route_table_id=draw(st.sampled_from([None, *route_tables])),
                service_endpoints=frozenset(draw(st.lists(st.sampled_from(SERVICES), max_size=2))),
                pe_policies=draw(st.sampled_from(PE_POLICIES)),
            )
    ids = list(vnets)
    peerings = tuple(
        Peering(
            a, b, draw(st.sampled_from(["Connected", "Disconnected"])), draw(st.booleans()), False, draw(st.booleans())
        )
        for a, b in draw(st.lists(st.tuples(st.sampled_from(ids), st.sampled_from(ids)), max_size=6))
    )
    gateways = {
        vid: Gateway(
            vid,
            f"gw{vid}",
            "Vpn",
            tuple(draw(st.lists(prefix_in_blocks, max_size=3))),
            draw(st.sampled_from([None, N("172.31.200.0/24"), N("192.168.250.0/24")])),
        )
        for vid in draw(st.lists(st.sampled_from(ids), max_size=2, unique=True))
    }
    endpoints = []
    for i in range(draw(st.integers(0, 4))):
        subnet = subnets[draw(st.sampled_from(list(subnets)))]
        ip = subnet.prefix.network_address + 4 + draw(st.integers(0, 3)) % max(subnet.prefix.num_addresses - 4, 1)
        endpoints.append(
            PrivateEndpoint(f"pe{i}", subnet.id, ip, f"t{i % 2}.blob.core.windows.net", draw(st.booleans()))
        )
    nics = tuple(
        Nic(f"nic{i}", s.id, s.prefix.network_address + 4 + i % 3)
        for i, s in enumerate(draw(st.lists(st.sampled_from(list(subnets.values())), max_size=4)))
    )
    targets = tuple(
        Target(
            "storage",
            f"t{i}",
            f"t{i}.blob.core.windows.net",
            servicetags.service_address("Storage", i),
            "Microsoft.Storage",
            "privatelink.blob.core.windows.net",
        )
        for i in range(2)
    )
    zones = tuple(
        Zone(
            f"z{i}.internal",
            {},
            tuple((draw(st.sampled_from(ids)), draw(st.booleans())) for _ in range(draw(st.integers(0, 3)))),
        )
        for i in range(draw(st.integers(0, 3)))
    )
    return Topology(
        era=draw(st.sampled_from(["classic", "current"])),
        vnets=vnets,
        subnets=subnets,
        peerings=peerings,
        gateways=gateways,
        route_tables=route_tables,
        private_endpoints=tuple(endpoints),
        nics=nics,
        targets=targets,
        zones=zones,
    )


def interesting_addresses(topology: Topology, extra: list[int]) -> list[IPv4Address]:
    """Addresses on the edges of every prefix in play, plus random ones."""
    nets = [s for v in topology.vnets.values() for s in v.space]
    nets += [s.prefix for s in topology.subnets.values()]
    nets += [route.prefix for t in topology.route_tables.values() for route in t.routes]
    nets += [p for g in topology.gateways.values() for p in g.prefixes]
    nets += list(r.RESERVED) + [N("20.60.0.0/16"), N("20.42.64.0/18")]
    out = [pe.ip for pe in topology.private_endpoints] + [nic.ip for nic in topology.nics]
    for net in nets:
        out += [net.network_address, net.broadcast_address, net.network_address + net.num_addresses // 2]
    out += [A(x) for x in extra]
    return out


@settings(max_examples=250, deadline=None)
@given(topology=topologies(), extra=st.lists(st.integers(0, 2**32 - 1), max_size=5), pe_policy=st.booleans())
def test_route_selection_agrees_with_brute_force_on_random_topologies(topology, extra, pe_policy):
    addresses = interesting_addresses(topology, extra)
    for subnet in topology.subnets.values():
        routing = topology.routing_for(subnet)
        assert routing == reference_routing(topology, subnet)
        assert topology.routing_for(subnet) is routing  # computed once per snapshot
        if pe_policy:
            routing = replace(routing, pe_subnet_route_tables_enabled=True)
        table = r.effective_routes(routing)
        for address in addresses:
            decision = r.select_route(routing, address)
            assert decision == r.select_route(routing, address, active=table)  # the scan it replaces
            assert decision.route == reference_select_route(routing, address), (str(address), decision)


@settings(max_examples=150, deadline=None)
@given(topology=topologies(), extra=st.lists(st.integers(0, 2**32 - 1), max_size=8))
def test_lookups_agree_with_scans_on_random_topologies(topology, extra):
    for address in interesting_addresses(topology, extra):
        assert topology.vnet_of_address(address) == next(
            (v for v in topology.vnets.values() if any(address in s for s in v.space)), None
        )
        assert topology.subnet_of_address(address) == next(
            (s for s in topology.subnets.values() if address in s.prefix), None
        )
        assert topology.nic_with(address) == next((x for x in topology.nics if x.ip == address), None)
        assert topology.endpoint_with(address) == next((p for p in topology.private_endpoints if p.ip == address), None)
    for vnet_id in topology.vnets:
        connected = [p for p in topology.peerings if p.vnet_id == vnet_id and p.state == "Connected" and p.allow_access]
        assert topology.connected_peerings(vnet_id) == connected
        linked = [(z, f) for z in topology.zones for v, f in z.links if v == vnet_id]
        assert topology.linked_zones(vnet_id) == linked
        tag = list(topology.vnets[vnet_id].space)
        for p in connected:
            if p.remote_vnet_id in topology.vnets:
                tag += topology.vnets[p.remote_vnet_id].space
        tag += reference_gateway_prefixes(topology, vnet_id)
        assert topology.virtual_network_tag(vnet_id) == tuple(tag)
        for subnet in topology.subnets.values():
            if subnet.vnet_id != vnet_id:
                continue
            table = topology.route_tables.get(subnet.route_table_id) if subnet.route_table_id else None
            routed = [route.prefix for route in table.routes] if table else []
            assert topology.virtual_network_tag(vnet_id, subnet.id) == tuple(tag + routed)


ADDRESS_SPECS = [
    "*",
    "Any",
    "any",
    "0.0.0.0/0",
    "Internet",
    "VirtualNetwork",
    "AzureLoadBalancer",
    "AzureCloud",
    "Storage",
    "Storage.EastUS",
    "Sql",
    "AzureKeyVault",
    "10.0.0.0/8",
    "10.1.0.0/16",
    "10.1.2.3",
    "168.63.129.16",
    "192.168.0.0/16",
    " 20.60.0.0/16 ",
    "2001:db8::/32",
    "bogus",
    "",
]
# Tag edges: the load balancer, services, the internet, and private addresses
# that random VNets rarely cover (Internet excludes them all the same).
FLOW_ADDRESSES = ["168.63.129.16", "20.60.1.1", "20.42.64.5", "20.1.2.3", "8.8.8.8", "172.20.1.1", "192.168.200.1"]
FLOW_ADDRESSES += ["100.64.0.1", "10.250.0.1"]
PORT_SPECS = ["*", "Any", "22", "443", "80-8080", "1000-2000", " 53 ", "0-65535"]

address_spec = st.one_of(st.sampled_from(ADDRESS_SPECS), prefix_in_blocks.map(str))
port_spec = st.one_of(st.sampled_from(PORT_SPECS), st.integers(0, 65535).map(str))
random_rules = st.lists(
    st.builds(
        lambda i, prio, direction, access, proto, src, sport, dst, dport: n.Rule(
            f"r{i}", prio, direction, access, proto, tuple(src), tuple(sport), tuple(dst), tuple(dport)
        ),
        st.integers(0, 10**6),
        st.integers(100, 130),  # ties on purpose: the first listed wins
        st.sampled_from(["Inbound", "Outbound"]),
        st.sampled_from(["Allow", "Deny"]),
        st.sampled_from(["*", "Any", "Tcp", "Udp", "Icmp", "tcp"]),
        st.lists(address_spec, min_size=1, max_size=3),
        st.lists(port_spec, min_size=1, max_size=2),
        st.lists(address_spec, min_size=1, max_size=3),
        st.lists(port_spec, min_size=1, max_size=3),
    ),
    max_size=12,
)


@settings(max_examples=150, deadline=None)
@given(
    topology=topologies(),
    rules=random_rules,
    extra=st.lists(st.integers(0, 2**32 - 1), max_size=4),
    ports=st.lists(st.integers(0, 65535), min_size=1, max_size=3),
    data=st.data(),
)
def test_nsg_evaluation_agrees_with_brute_force_on_random_topologies(topology, rules, extra, ports, data):
    group = n.Nsg("nsg", tuple(rules))
    addresses = interesting_addresses(topology, extra) + [A(x) for x in FLOW_ADDRESSES]
    tags = [topology.virtual_network_tag(vnet_id) for vnet_id in topology.vnets]
    tags += [topology.virtual_network_tag(s.vnet_id, s.id) for s in topology.subnets.values()]  # with UDR prefixes
    for vnet_tag in tags:
        for _ in range(8):
            flow = n.Flow(
                data.draw(st.sampled_from(["Inbound", "Outbound"])),
                data.draw(st.sampled_from(["Tcp", "Udp", "Icmp"])),
                data.draw(st.sampled_from(addresses)),
                data.draw(st.sampled_from(ports)),
                data.draw(st.sampled_from(addresses)),
                data.draw(st.sampled_from(ports)),
            )
            verdict = n.evaluate_one(group, flow, vnet_tag)
            expected = reference_evaluate_one(group, flow, vnet_tag)
            assert verdict.rule == expected
            assert verdict.allowed == (expected.access == "Allow")
            assert verdict.nsg is group
            assert verdict.rule_ids == (("NSG-02", "NSG-10") if expected.is_default else ("NSG-02",))


def test_a_bad_port_range_fails_as_it_did_and_only_when_reached():
    group = n.Nsg("n", (n.Rule("a", 100, "Outbound", "Deny", destination_ports=("443", "x-y")),))
    flow = n.Flow("Outbound", "Tcp", A("10.0.0.4"), 5000, A("8.8.8.8"), 443)
    assert n.evaluate_one(group, flow, ()).rule.name == "a"  # 443 matches before x-y is read
    try:
        n.evaluate_one(group, replace(flow, destination_port=80), ())
    except ValueError:
        pass
    else:
        raise AssertionError("a port range that isn't numbers should fail as before")


def test_the_index_belongs_to_one_snapshot():
    vnet = Vnet(1, "v", "eastus", (N("10.0.0.0/16"),))
    subnet = Subnet(1, "s", 1, N("10.0.1.0/24"))
    table = RouteTable(1, "rt", True, (r.Route(N("10.0.1.0/24"), r.NONE, r.USER),))
    base = Topology("classic", {1: vnet}, {1: subnet}, route_tables={1: table})
    assert r.select_route(base.routing_for(subnet), A("10.0.1.9")).route.next_hop_type == r.VNET_LOCAL
    with_table = replace(subnet, route_table_id=1)
    changed = replace(base, subnets={1: with_table})  # a new snapshot builds its own index
    assert r.select_route(changed.routing_for(with_table), A("10.0.1.9")).route.next_hop_type == r.NONE
    # A subnet that differs from the snapshot's own is answered, not served from the cache.
    assert r.select_route(base.routing_for(with_table), A("10.0.1.9")).route.next_hop_type == r.NONE
    assert r.select_route(base.routing_for(subnet), A("10.0.1.9")).route.next_hop_type == r.VNET_LOCAL


def test_public_dns_hands_out_a_copy():
    topology = Topology("classic", {}, {}, public_names={"www.contoso.com": ("A", "93.184.216.34")})
    names = topology.public_dns()
    names["evil.example"] = ("A", "1.2.3.4")
    assert "evil.example" not in topology.public_dns()


def test_effective_routes_hands_out_a_new_list_each_time():
    config = r.SubnetRouting((N("10.0.0.0/16"),))
    first = r.effective_routes(config)
    first.clear()
    assert r.effective_routes(config)


def test_an_ipv6_user_route_never_matches_an_ipv4_destination():
    config = r.SubnetRouting((N("10.0.0.0/16"),), user_routes=(r.Route(IPv4Network("0.0.0.0/0"), r.NONE, r.USER),))
    v6 = r.Route(ip_network("::/0"), r.VIRTUAL_APPLIANCE, r.USER)
    mixed = replace(config, user_routes=config.user_routes + (v6,))
    assert r.select_route(mixed, A("8.8.8.8")) == r.select_route(mixed, A("8.8.8.8"), active=r.effective_routes(mixed))
