"""What the trace must not teach wrong (issue #10, networking/engine/trace/):
the source address an internet host sees after a virtual appliance
(ASRT-17), a distinct verdict for an address nobody holds, and the route
step deciding a None route's drop (NW-46)."""

from dataclasses import replace
from ipaddress import IPv4Address, IPv4Network

import pytest

from networking.engine import routes as r
from networking.engine.topology import App, NatGateway, Nic, RouteTable, Subnet, Topology, Vnet
from networking.engine.trace import (
    BLOCKED,
    DEFAULT_OUTBOUND_IP,
    DESTINATION_STEP,
    FORWARDED,
    NO_ANSWER,
    trace_app,
    trace_nic,
    trace_subnet,
)

N, A = IPv4Network, IPv4Address
VNET = Vnet(1, "hub-vnet", "eastus", (N("10.0.0.0/16"),))
WORKLOAD = Subnet(10, "workload-subnet", 1, N("10.0.1.0/24"), route_table_id=5)
INTEGRATION = Subnet(11, "app-subnet", 1, N("10.0.2.0/24"), route_table_id=5)
NVA_SUBNET = Subnet(12, "nva-subnet", 1, N("10.0.3.0/24"))
WEB_VM = Nic("web01-nic", 10, A("10.0.1.4"), owner="web01")
NVA = Nic("nva01-nic", 12, A("10.0.3.4"), owner="nva01", ip_forwarding=True)
APP = App("contoso-web", "eastus", ("20.119.0.10",), "regional", 1, 11, route_all=True)
TO_NVA = RouteTable(5, "to-nva", True, (r.Route(N("0.0.0.0/0"), r.VIRTUAL_APPLIANCE, r.USER, "10.0.3.4", "to-nva"),))
NAT = NatGateway("nva-nat", (A("198.51.100.7"),))


def topo(era: str = "classic", *, nva: Nic = NVA, nva_nat: NatGateway | None = None) -> Topology:
    return Topology(
        era=era,
        vnets={1: VNET},
        subnets={10: WORKLOAD, 11: INTEGRATION, 12: replace(NVA_SUBNET, nat=nva_nat)},
        nics=(WEB_VM, nva),
        route_tables={5: TO_NVA},
    )


# --- ASRT-17: after an appliance, the internet sees the public IP that does the SNAT ---------


@pytest.mark.parametrize(
    "topology, seen, rule",
    [
        (topo("classic"), DEFAULT_OUTBOUND_IP, "DOA-01"),
        (topo("current", nva=replace(NVA, public_ip=A("52.170.10.9"))), "52.170.10.9", "NSG-05"),
        (topo("current", nva=replace(NVA, public_ip=A("52.170.10.9")), nva_nat=NAT), "198.51.100.7", "NAT-07"),
    ],
    ids=["default-outbound-classic", "appliance-public-ip", "nat-gateway-on-the-appliance-subnet"],
)
def test_asrt_17_the_internet_sees_the_appliances_public_address_not_the_private_source(topology, seen, rule):
    for trace in (
        trace_subnet(topology, topology.subnets[10], "8.8.8.8", 443),
        trace_nic(topology, WEB_VM, "8.8.8.8", 443),
        trace_app(topology, APP, "8.8.8.8", 443),
    ):
        assert trace.verdict == FORWARDED
        assert trace.source_ip == seen, trace.as_dict()
        assert {"ASRT-17", rule} <= set(trace.rule_ids)


def test_asrt_17_an_appliance_in_a_private_subnet_gives_no_address_to_be_seen():
    topology = topo("current")
    trace = trace_subnet(topology, topology.subnets[10], "8.8.8.8", 443)
    assert trace.verdict == FORWARDED and trace.source_ip == ""
    assert {"ASRT-17", "DOA-02"} <= set(trace.rule_ids)
    assert "10.0.1.4" in trace.steps[-1].detail and "never" in trace.steps[-1].detail


def test_asrt_16_a_private_destination_behind_the_appliance_still_sees_the_private_source():
    topology = topo("classic")
    route = r.Route(N("10.0.1.0/24"), r.VIRTUAL_APPLIANCE, r.USER, "10.0.3.4", "east-west")
    east_west = replace(topology, route_tables={5: RouteTable(5, "to-nva", True, (route,))})
    trace = trace_nic(east_west, WEB_VM, "10.0.1.9", 443)
    assert trace.verdict == FORWARDED and trace.source_ip == "10.0.1.4"
    assert "ASRT-17" not in trace.rule_ids


# --- ROUTE-01, NW-41: an address nobody holds gets a verdict of its own ------------------------


def test_route_01_the_network_delivers_to_an_address_nobody_holds_and_nothing_answers():
    topology = topo("classic")
    for trace in (
        trace_nic(topology, WEB_VM, "10.0.1.99", 22),
        trace_subnet(topology, topology.subnets[10], "10.0.1.99", 22),
        trace_app(topology, replace(APP, route_all=False), "10.0.1.99", 22),
    ):
        assert (trace.verdict, trace.deciding_step) == (NO_ANSWER, DESTINATION_STEP), trace.as_dict()
        # Every step before it lets the packet through: nothing claims it was blocked.
        assert BLOCKED not in [s.outcome for s in trace.steps]
        assert [s.outcome for s in trace.steps if s.name == "Route"] == ["Selected"]
        assert "VnetLocal" in next(s.detail for s in trace.steps if s.name == "Route")
        last = trace.steps[-1]
        assert (last.name, last.outcome) == (DESTINATION_STEP, NO_ANSWER)
        assert "delivers" in last.detail and "nothing answers" in last.detail
        assert {"ROUTE-01", "NW-41"} <= set(last.rule_ids)
        assert "10.0.1.99" in trace.fix


# --- NW-46: a None route's drop is decided by the route, not by Delivery ----------------------


DROP = RouteTable(6, "drop-web", True, (r.Route(N("10.0.1.0/24"), r.NONE, r.USER, None, "blackhole-web"),))


@pytest.mark.parametrize(
    "route_table, destination, rules",
    [
        (DROP, "10.0.1.9", ("ROUTE-02", "ROUTE-21", "NW-46")),  # user-defined, next hop None
        (None, "10.9.0.4", ("ROUTE-02", "ROUTE-05", "NW-46")),  # system: 10.0.0.0/8 -> None
    ],
    ids=["user-defined-route", "system-route"],
)
def test_nw_46_a_none_route_drops_the_packet_at_the_route_step(route_table, destination, rules):
    subnets = {11: replace(INTEGRATION, route_table_id=route_table.id if route_table else None)}
    topology = replace(topo(), route_tables={6: DROP}, subnets={**topo().subnets, **subnets})
    source = Nic("app-vm-nic", 11, A("10.0.2.4"), owner="app-vm")
    for trace in (
        trace_nic(replace(topology, nics=(*topology.nics, source)), source, destination, 22),
        trace_subnet(topology, topology.subnets[11], destination, 22),
        trace_app(topology, APP, destination, 22),
    ):
        assert (trace.verdict, trace.deciding_step) == (BLOCKED, "Route"), trace.as_dict()
        assert "Delivery" not in [s.name for s in trace.steps]
        assert set(rules) <= set(trace.steps[-1].rule_ids)
        assert "next hop is None" in trace.steps[-1].detail
        assert (trace.hops[-1].kind, trace.hops[-1].state) == ("Route", "blocked")
        assert trace.hops[-1].label.endswith("-> None")
