"""Where an app's outbound packet goes (networking/engine/trace/): table
cases, each with the verdict, the deciding step and the rules it proves."""

from dataclasses import replace
from ipaddress import IPv4Address, IPv4Network

import pytest

from networking.engine import routes as r
from networking.engine.nsg import Nsg, Rule
from networking.engine.topology import (
    App,
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
from networking.engine.trace import BLOCKED, FORWARDED, REACHABLE, trace_app

N = IPv4Network
A = IPv4Address

HUB = Vnet(1, "contoso-vnet", "eastus", (N("10.0.0.0/16"),))
SPOKE = Vnet(2, "spoke-vnet", "eastus", (N("10.1.0.0/16"),))
VM_SUBNET = Subnet(10, "vm-subnet", 1, N("10.0.1.0/24"))
INTEGRATION = Subnet(11, "integration-subnet", 1, N("10.0.2.0/26"))
SPOKE_SUBNET = Subnet(20, "default", 2, N("10.1.0.0/24"))
SQL = Target(
    "sql",
    "contoso-sql",
    "contoso-sql.database.windows.net",
    A("20.42.64.20"),
    "Microsoft.Sql",
    "privatelink.database.windows.net",
)
STORAGE = Target(
    "storage",
    "contososa",
    "contososa.blob.core.windows.net",
    A("20.60.0.20"),
    "Microsoft.Storage",
    "privatelink.blob.core.windows.net",
)
PUBLIC = {"www.contoso.com": ("A", "93.184.216.34")}


def topo(**changes) -> Topology:
    base = Topology(
        era="classic",
        vnets={1: HUB, 2: SPOKE},
        subnets={10: VM_SUBNET, 11: INTEGRATION, 20: SPOKE_SUBNET},
        nics=(
            Nic("vm01-nic", 10, A("10.0.1.4"), owner="vm01"),
            Nic("spoke-vm-nic", 20, A("10.1.0.4"), owner="spoke-vm"),
        ),
        targets=(SQL, STORAGE),
        public_names=PUBLIC,
    )
    return replace(base, **changes)


APP = App("contoso-web", "eastus", ("20.42.0.17",))
INTEGRATED = replace(APP, integration_kind="regional", vnet_id=1, subnet_id=11)
ROUTE_ALL = replace(INTEGRATED, route_all=True)
DENY_INTERNET = Nsg("integration-nsg", (Rule("deny-internet", 200, "Outbound", "Deny", destinations=("Internet",)),))
DENY_SSH_IN = Nsg("vm-nsg", (Rule("deny-ssh", 100, "Inbound", "Deny", "Tcp", destination_ports=("22",)),))
PE = PrivateEndpoint("sql-pe", 10, A("10.0.1.5"), SQL.host)
SQL_ZONE = Zone("privatelink.database.windows.net", {"contoso-sql": ("A", ("10.0.1.5",))}, links=((1, False),))
EMPTY_SQL_ZONE = Zone("privatelink.database.windows.net", {}, links=((1, False),))
FORCED = RouteTable(5, "forced", True, (r.Route(N("0.0.0.0/0"), r.VIRTUAL_APPLIANCE, r.USER, "10.0.1.4", "to-nva"),))
BLACKHOLE = RouteTable(6, "blackhole", True, (r.Route(N("10.0.1.0/24"), r.NONE, r.USER, None, "drop-vms"),))
PEERED = (Peering(1, 2), Peering(2, 1))
ONPREM = Gateway(1, "hub-gw", "ExpressRoute", (N("192.168.0.0/16"),))

CASES = [
    # (id, rules, topology, app, destination, port, verdict, deciding step)
    ("public-not-integrated", "ASRT-01", topo(), APP, "www.contoso.com", 443, REACHABLE, ""),
    ("private-not-integrated", "SEED-08 ASRT-01", topo(), APP, "10.0.1.4", 22, BLOCKED, "Enter the virtual network"),
    ("vm-integrated", "ASRT-01 ASRT-16", topo(), INTEGRATED, "10.0.1.4", 22, REACHABLE, ""),
    (
        "nsg-ignores-public-without-route-all",
        "SEED-21 ASRT-03",
        topo(subnets={10: VM_SUBNET, 11: replace(INTEGRATION, nsg_id=1), 20: SPOKE_SUBNET}, nsgs={1: DENY_INTERNET}),
        INTEGRATED,
        "www.contoso.com",
        443,
        REACHABLE,
        "",
    ),
    (
        "nsg-blocks-public-with-route-all",
        "SEED-21 SEED-18 NSG-02",
        topo(subnets={10: VM_SUBNET, 11: replace(INTEGRATION, nsg_id=1), 20: SPOKE_SUBNET}, nsgs={1: DENY_INTERNET}),
        ROUTE_ALL,
        "www.contoso.com",
        443,
        BLOCKED,
        "Network security group",
    ),
    (
        "destination-nsg-denies",
        "NSG-21",
        topo(subnets={10: replace(VM_SUBNET, nsg_id=2), 11: INTEGRATION, 20: SPOKE_SUBNET}, nsgs={2: DENY_SSH_IN}),
        INTEGRATED,
        "10.0.1.4",
        22,
        BLOCKED,
        "Delivery",
    ),
    (
        "forced-tunnel-to-nva",
        "SEED-16 ROUTE-31",
        topo(
            subnets={10: VM_SUBNET, 11: replace(INTEGRATION, route_table_id=5), 20: SPOKE_SUBNET},
            route_tables={5: FORCED},
            # ROUTE-21: the appliance's NIC forwards traffic for others.
            nics=(
                Nic("vm01-nic", 10, A("10.0.1.4"), owner="vm01", ip_forwarding=True),
                Nic("spoke-vm-nic", 20, A("10.1.0.4"), owner="spoke-vm"),
            ),
        ),
        ROUTE_ALL,
        "www.contoso.com",
        443,
        FORWARDED,
        "Delivery",
    ),
    (
        "udr-none-drops",
        "ROUTE-02 SEED-16",
        topo(
            subnets={10: VM_SUBNET, 11: replace(INTEGRATION, route_table_id=6), 20: SPOKE_SUBNET},
            route_tables={6: BLACKHOLE},
        ),
        INTEGRATED,
        "10.0.1.4",
        22,
        BLOCKED,
        "Route",
    ),
    ("unpeered-private-dropped", "ROUTE-05", topo(), INTEGRATED, "10.1.0.4", 22, BLOCKED, "Route"),
    ("peered-vm", "SEED-14 ROUTE-07", topo(peerings=PEERED), INTEGRATED, "10.1.0.4", 22, REACHABLE, ""),
    (
        "port-25-classic",
        "SEED-19 ASVI-52",
        topo(),
        INTEGRATED,
        "www.contoso.com",
        25,
        BLOCKED,
        "Enter the virtual network",
    ),
    ("port-25-current", "ASVI-52", topo(era="current"), INTEGRATED, "www.contoso.com", 25, REACHABLE, ""),
    (
        "pe-classic-without-settings-goes-public",
        "SEED-24 PEDNS-12",
        topo(private_endpoints=(PE,), zones=(SQL_ZONE,)),
        replace(INTEGRATED, private_zones=False),
        SQL.host,
        1433,
        REACHABLE,
        "",
    ),
    (
        "pe-with-private-zones",
        "SEED-24 PEDNS-11 ROUTE-08",
        topo(private_endpoints=(PE,), zones=(SQL_ZONE,)),
        replace(ROUTE_ALL, dns_servers=("168.63.129.16",)),
        SQL.host,
        1433,
        REACHABLE,
        "",
    ),
    (
        "pe-zone-without-record",
        "PEDNS-13",
        topo(private_endpoints=(PE,), zones=(EMPTY_SQL_ZONE,)),
        ROUTE_ALL,
        SQL.host,
        1433,
        BLOCKED,
        "Name resolution",
    ),
    (
        "pe-pending",
        "PEDNS-31",
        topo(private_endpoints=(replace(PE, approved=False),), zones=(SQL_ZONE,)),
        ROUTE_ALL,
        "10.0.1.5",
        1433,
        BLOCKED,
        "Delivery",
    ),
    (
        "se-with-vnet-rule",
        "SEED-20 SE-02 SE-03",
        topo(
            subnets={
                10: VM_SUBNET,
                11: replace(INTEGRATION, service_endpoints=frozenset({"Microsoft.Storage"})),
                20: SPOKE_SUBNET,
            },
            targets=(SQL, replace(STORAGE, default_deny=True, vnet_rule_subnets=frozenset({11}))),
        ),
        INTEGRATED,
        STORAGE.host,
        443,
        REACHABLE,
        "",
    ),
    (
        "se-without-vnet-rule",
        "SEED-20 SE-01",
        topo(
            subnets={
                10: VM_SUBNET,
                11: replace(INTEGRATION, service_endpoints=frozenset({"Microsoft.Storage"})),
                20: SPOKE_SUBNET,
            },
            targets=(SQL, replace(STORAGE, default_deny=True)),
        ),
        INTEGRATED,
        STORAGE.host,
        443,
        BLOCKED,
        "Delivery",
    ),
    (
        "selected-networks-without-se",
        "SE-01 SE-02",
        topo(targets=(SQL, replace(STORAGE, default_deny=True))),
        INTEGRATED,
        STORAGE.host,
        443,
        BLOCKED,
        "Delivery",
    ),
    (
        "public-access-disabled",
        "PEDNS-12",
        topo(targets=(replace(SQL, public_network_access=False), STORAGE)),
        INTEGRATED,
        SQL.host,
        1433,
        BLOCKED,
        "Delivery",
    ),
    (
        "onprem-via-expressroute",
        "SEED-14 SEED-23",
        topo(gateways={1: ONPREM}),
        INTEGRATED,
        "192.168.10.5",
        443,
        REACHABLE,
        "",
    ),
    ("unknown-name", "PEDNS-13", topo(), INTEGRATED, "nope.contoso.com", 443, BLOCKED, "Name resolution"),
    (
        "gateway-required-inside",
        "SEED-03 ASGW-17",
        topo(),
        replace(APP, integration_kind="gateway", vnet_id=1),
        "10.0.1.4",
        22,
        REACHABLE,
        "",
    ),
    (
        "gateway-required-outside",
        "SEED-07",
        topo(),
        replace(APP, integration_kind="gateway", vnet_id=1),
        "192.168.1.1",
        22,
        BLOCKED,
        "Enter the virtual network",
    ),
]


@pytest.mark.parametrize(
    "case_id, rules, topology, app, destination, port, verdict, step", CASES, ids=[c[0] for c in CASES]
)
def test_trace(case_id, rules, topology, app, destination, port, verdict, step):
    trace = trace_app(topology, app, destination, port)
    assert trace.verdict == verdict, trace.as_dict()
    assert trace.deciding_step == step
    if verdict == BLOCKED:
        assert trace.fix
    for rule in rules.split():
        assert rule in trace.rule_ids, (rule, trace.rule_ids)


def test_asrt_16_the_destination_sees_an_integration_subnet_address():
    trace = trace_app(topo(), INTEGRATED, "10.0.1.4", 22)
    assert IPv4Address(trace.source_ip) in INTEGRATION.prefix


def test_seed_18_internet_traffic_keeps_the_apps_outbound_address():
    trace = trace_app(topo(), ROUTE_ALL, "www.contoso.com", 443)
    assert trace.source_ip == "20.42.0.17"


def test_se_02_through_a_service_endpoint_the_source_is_private():
    topology = topo(
        subnets={
            10: VM_SUBNET,
            11: replace(INTEGRATION, service_endpoints=frozenset({"Microsoft.Storage"})),
            20: SPOKE_SUBNET,
        },
        targets=(SQL, replace(STORAGE, default_deny=True, vnet_rule_subnets=frozenset({11}))),
    )
    trace = trace_app(topology, INTEGRATED, STORAGE.host, 443)
    assert IPv4Address(trace.source_ip) in INTEGRATION.prefix


def test_the_trace_is_json_ready():
    document = trace_app(topo(), INTEGRATED, "10.0.1.4", 22).as_dict()
    assert document["verdict"] == REACHABLE
    assert [s["step"] for s in document["steps"]][:2] == ["Name resolution", "Enter the virtual network"]


def test_an_ipv6_destination_is_refused_not_crashed():
    assert trace_app(topo(), INTEGRATED, "2001:db8::1", 443).verdict == BLOCKED
