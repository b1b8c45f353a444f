"""Route selection of the pure engine (networking/engine/routes.py), case by
case, each case naming the rules it proves."""

from ipaddress import IPv4Address, IPv4Network

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from networking.engine import routes as r

N = IPv4Network
VNET = (N("10.0.0.0/16"),)


def udr(prefix, hop, ip=None, name="udr"):
    return r.Route(N(prefix), hop, source=r.USER, next_hop_ip=ip, name=name)


def hop(config, destination):
    decision = r.select_route(config, IPv4Address(destination))
    return decision.route.next_hop_type if decision.route else None


CASES = [
    # (id, rules, config, destination, expected next hop)
    ("vnet-local", "ROUTE-01", r.SubnetRouting(VNET), "10.0.5.4", r.VNET_LOCAL),
    ("internet-default", "ROUTE-01", r.SubnetRouting(VNET), "8.8.8.8", r.INTERNET),
    ("rfc1918-outside-vnet-dropped", "ROUTE-01 ROUTE-02 ROUTE-05", r.SubnetRouting(VNET), "10.9.0.4", r.NONE),
    ("172-16-dropped", "ROUTE-01 ROUTE-02", r.SubnetRouting(VNET), "172.16.3.3", r.NONE),
    ("192-168-dropped", "ROUTE-01 ROUTE-02", r.SubnetRouting(VNET), "192.168.1.1", r.NONE),
    ("cgnat-dropped", "ROUTE-01 ROUTE-02", r.SubnetRouting(VNET), "100.64.1.1", r.NONE),
    ("vnet-equal-to-reserved", "ROUTE-03", r.SubnetRouting((N("10.0.0.0/8"),)), "10.200.0.1", r.VNET_LOCAL),
    ("vnet-containing-reserved", "ROUTE-04", r.SubnetRouting((N("172.0.0.0/11"),)), "172.20.0.1", r.VNET_LOCAL),
    (
        "peering",
        "ROUTE-07",
        r.SubnetRouting(VNET, peered=((N("10.1.0.0/16"), False),)),
        "10.1.2.3",
        r.PEERING,
    ),
    (
        "global-peering",
        "ROUTE-07 VNET-13",
        r.SubnetRouting(VNET, peered=((N("10.2.0.0/16"), True),)),
        "10.2.2.3",
        r.GLOBAL_PEERING,
    ),
    (
        "gateway-bgp",
        "ROUTE-07 SEED-23",
        r.SubnetRouting(VNET, gateway_prefixes=(N("192.168.0.0/16"),)),
        "192.168.10.1",
        r.GATEWAY,
    ),
    (
        "gateway-propagation-off",
        "ROUTE-26",
        r.SubnetRouting(VNET, gateway_prefixes=(N("192.168.0.0/16"),), propagate_gateway_routes=False),
        "192.168.10.1",
        r.NONE,
    ),
    (
        "udr-beats-system-on-tie",
        "ROUTE-30 ROUTE-32",
        r.SubnetRouting(VNET, user_routes=(udr("10.0.0.0/16", r.VIRTUAL_APPLIANCE, "10.0.9.4"),)),
        "10.0.5.4",
        r.VIRTUAL_APPLIANCE,
    ),
    (
        "udr-beats-bgp-on-tie",
        "ROUTE-30",
        r.SubnetRouting(VNET, gateway_prefixes=(N("192.168.0.0/16"),), user_routes=(udr("192.168.0.0/16", r.NONE),)),
        "192.168.1.1",
        r.NONE,
    ),
    (
        "lpm-udr-more-specific",
        "ROUTE-30",
        r.SubnetRouting(VNET, user_routes=(udr("10.0.5.0/24", r.VIRTUAL_APPLIANCE, "10.0.9.4"),)),
        "10.0.5.4",
        r.VIRTUAL_APPLIANCE,
    ),
    (
        "lpm-vnet-beats-default-udr",
        "ROUTE-30 ROUTE-31",
        r.SubnetRouting(VNET, user_routes=(udr("0.0.0.0/0", r.VIRTUAL_APPLIANCE, "10.0.9.4"),)),
        "10.0.5.4",
        r.VNET_LOCAL,
    ),
    (
        "forced-tunnel-internet",
        "ROUTE-31",
        r.SubnetRouting(VNET, user_routes=(udr("0.0.0.0/0", r.VIRTUAL_APPLIANCE, "10.0.9.4"),)),
        "8.8.8.8",
        r.VIRTUAL_APPLIANCE,
    ),
    (
        "default-udr-removes-none-routes",
        "ROUTE-05 ROUTE-31",
        r.SubnetRouting(VNET, user_routes=(udr("0.0.0.0/0", r.VIRTUAL_APPLIANCE, "10.0.9.4"),)),
        "10.9.0.4",
        r.VIRTUAL_APPLIANCE,
    ),
    (
        "system-vnet-beats-more-specific-bgp",
        "ROUTE-30",
        r.SubnetRouting(VNET, gateway_prefixes=(N("10.0.5.0/24"),)),
        "10.0.5.4",
        r.VNET_LOCAL,
    ),
    (
        "peering-beats-more-specific-bgp",
        "ROUTE-30",
        r.SubnetRouting(VNET, peered=((N("10.1.0.0/16"), False),), gateway_prefixes=(N("10.1.1.0/24"),)),
        "10.1.1.5",
        r.PEERING,
    ),
    (
        "service-endpoint-beats-forced-tunnel",
        "SE-03 ROUTE-30 ROUTE-31",
        r.SubnetRouting(
            VNET,
            service_endpoint_prefixes=((N("20.60.0.0/16"), "Microsoft.Storage"),),
            user_routes=(udr("0.0.0.0/0", r.VIRTUAL_APPLIANCE, "10.0.9.4"),),
        ),
        "20.60.1.1",
        r.SERVICE_ENDPOINT,
    ),
    (
        "service-endpoint-beats-equal-udr",
        "SE-03",
        r.SubnetRouting(
            VNET,
            service_endpoint_prefixes=((N("20.60.0.0/16"), "Microsoft.Storage"),),
            user_routes=(udr("20.60.0.0/16", r.NONE),),
        ),
        "20.60.1.1",
        r.SERVICE_ENDPOINT,
    ),
    (
        "private-endpoint-beats-default-udr",
        "ROUTE-08 ROUTE-31",
        r.SubnetRouting(
            VNET,
            private_endpoints=(N("10.0.1.5/32"),),
            user_routes=(udr("0.0.0.0/0", r.VIRTUAL_APPLIANCE, "10.0.9.4"),),
        ),
        "10.0.1.5",
        r.INTERFACE_ENDPOINT,
    ),
    (
        "classic-equal-32-udr-beats-private-endpoint",
        "ROUTE-08",
        r.SubnetRouting(
            VNET,
            private_endpoints=(N("10.0.1.5/32"),),
            user_routes=(udr("10.0.1.5/32", r.VIRTUAL_APPLIANCE, "10.0.9.4"),),
        ),
        "10.0.1.5",
        r.VIRTUAL_APPLIANCE,
    ),
    (
        "current-vnet-length-udr-overrides-pe-when-policy-enabled",
        "ROUTE-08 SUBNET-21",
        r.SubnetRouting(
            VNET,
            private_endpoints=(N("10.0.1.5/32"),),
            user_routes=(udr("10.0.0.0/16", r.VIRTUAL_APPLIANCE, "10.0.9.4"),),
            classic_pe_rules=False,
            pe_subnet_route_tables_enabled=True,
        ),
        "10.0.1.5",
        r.VIRTUAL_APPLIANCE,
    ),
    (
        "current-udr-ignored-when-pe-policy-disabled",
        "ROUTE-08 SUBNET-21",
        r.SubnetRouting(
            VNET,
            private_endpoints=(N("10.0.1.5/32"),),
            user_routes=(udr("10.0.0.0/16", r.VIRTUAL_APPLIANCE, "10.0.9.4"),),
            classic_pe_rules=False,
        ),
        "10.0.1.5",
        r.INTERFACE_ENDPOINT,
    ),
    (
        "current-default-udr-never-overrides-pe",
        "ROUTE-08 ROUTE-31",
        r.SubnetRouting(
            VNET,
            private_endpoints=(N("10.0.1.5/32"),),
            user_routes=(udr("0.0.0.0/0", r.VIRTUAL_APPLIANCE, "10.0.9.4"),),
            classic_pe_rules=False,
            pe_subnet_route_tables_enabled=True,
        ),
        "10.0.1.5",
        r.INTERFACE_ENDPOINT,
    ),
    (
        "udr-none-drops",
        "ROUTE-02 ROUTE-21",
        r.SubnetRouting(VNET, user_routes=(udr("52.0.0.0/8", r.NONE),)),
        "52.1.1.1",
        r.NONE,
    ),
    (
        "udr-internet-for-private-range",
        "ROUTE-21",
        r.SubnetRouting(VNET, user_routes=(udr("10.9.0.0/16", r.INTERNET),)),
        "10.9.0.4",
        r.INTERNET,
    ),
]


@pytest.mark.parametrize("case_id, rules, config, destination, expected", CASES, ids=[c[0] for c in CASES])
def test_route_selection(case_id, rules, config, destination, expected):
    assert rules  # every case names the rules it proves
    assert hop(config, destination) == expected


def test_route_32_the_losing_route_of_a_tie_is_invalid():
    config = r.SubnetRouting(VNET, user_routes=(udr("10.0.0.0/16", r.VIRTUAL_APPLIANCE, "10.0.9.4"),))
    states = {
        (e.route.source, e.route.next_hop_type): e.state
        for e in r.effective_routes(config)
        if e.route.prefix == VNET[0]
    }
    assert states == {(r.DEFAULT, r.VNET_LOCAL): "Invalid", (r.USER, r.VIRTUAL_APPLIANCE): "Active"}


def test_route_01_lists_the_four_none_routes_beside_a_slash_16():
    none = sorted(
        str(e.route.prefix) for e in r.effective_routes(r.SubnetRouting(VNET)) if e.route.next_hop_type == r.NONE
    )
    assert none == ["10.0.0.0/8", "100.64.0.0/10", "172.16.0.0/12", "192.168.0.0/16"]


# --- Property test: longest prefix match against a brute-force reference ----------------

prefixes = st.builds(
    lambda a, n: IPv4Network((a & (0xFFFFFFFF << (32 - n)) & 0xFFFFFFFF, n)),
    st.integers(0, 2**32 - 1),
    st.integers(0, 32),
)
hops = st.sampled_from([r.VIRTUAL_APPLIANCE, r.INTERNET, r.NONE, r.VNET_LOCAL])


def _reference(config: r.SubnetRouting, destination: IPv4Address):
    """Brute force: every candidate matching the destination, longest first,
    then User before System (only UDRs and default routes here)."""
    candidates = [c for c in r.candidate_routes(config) if destination in c.prefix]
    if not candidates:
        return None
    best_len = max(c.prefix.prefixlen for c in candidates)
    best = [c for c in candidates if c.prefix.prefixlen == best_len]
    return min(best, key=lambda c: c.rank).next_hop_type


@settings(max_examples=300, deadline=None)
@given(
    user=st.lists(st.tuples(prefixes, hops), max_size=8, unique_by=lambda t: t[0]),
    destination=st.integers(0, 2**32 - 1),
)
def test_route_30_longest_prefix_match_agrees_with_brute_force(user, destination):
    config = r.SubnetRouting(VNET, user_routes=tuple(udr(str(p), h, "10.0.9.4") for p, h in user))
    address = IPv4Address(destination)
    assert hop(config, address) == _reference(config, address)
