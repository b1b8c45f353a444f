"""A private subnet in the trace (networking/engine/trace/): a subnet's own
defaultOutboundAccess (lab-defined DOA-03) decides whether its VMs get
default outbound access (DOA-01) or none (DOA-02), whatever the era; left
unset, the era decides. Without default outbound access an internet-bound
packet needs an explicit outbound method, which then supplies the source
the destination sees (ASRT-17): a NAT gateway (NAT-07), the NIC's public IP
(NSG-05), a load balancer outbound rule (LB-01), or a route to an appliance
that has one. App Service integration traffic never uses the subnet's
default outbound access: the app leaves from its own outbound IPs."""

from dataclasses import replace
from ipaddress import IPv4Address, IPv4Network

import pytest

from networking.engine import routes as r
from networking.engine.topology import (
    App,
    NatGateway,
    Nic,
    OutboundRule,
    RouteTable,
    Subnet,
    Topology,
    Vnet,
    has_default_outbound,
)
from networking.engine.trace import BLOCKED, DEFAULT_OUTBOUND_IP, FORWARDED, REACHABLE, trace_app, trace_nic

N, A = IPv4Network, IPv4Address
VNET = Vnet(1, "contoso-vnet", "eastus", (N("10.0.0.0/16"),))
WEB = Subnet(10, "web-subnet", 1, N("10.0.1.0/24"))
NVA_SUBNET = Subnet(12, "nva-subnet", 1, N("10.0.3.0/24"))
WEB_VM = Nic("web01-nic", 10, A("10.0.1.4"), owner="web01")
NVA = Nic("nva01-nic", 12, A("10.0.3.4"), owner="nva01", ip_forwarding=True)
NAT = NatGateway("contoso-nat", (A("198.51.100.1"),))
TO_NVA = RouteTable(5, "to-nva", True, (r.Route(N("0.0.0.0/0"), r.VIRTUAL_APPLIANCE, r.USER, "10.0.3.4", "to-nva"),))
APP = App("contoso-web", "eastus", ("20.119.0.10",), "regional", 1, 10, route_all=True)
PUBLIC = {"www.contoso.com": ("A", "93.184.216.34")}
ERAS = ["classic", "current"]


def topo(era: str, web: Subnet = WEB, nva_subnet: Subnet = NVA_SUBNET, nva: Nic = NVA) -> Topology:
    return Topology(
        era=era,
        vnets={1: VNET},
        subnets={10: web, 12: nva_subnet},
        nics=(WEB_VM, nva),
        route_tables={5: TO_NVA},
        public_names=PUBLIC,
    )


def private(subnet: Subnet = WEB, **changes) -> Subnet:
    return replace(subnet, default_outbound_access=False, **changes)


@pytest.mark.parametrize(
    ("era", "setting", "expected"),
    [
        ("classic", None, True),
        ("current", None, False),
        ("classic", False, False),
        ("current", True, True),
        ("current", False, False),
    ],
)
def test_the_subnets_own_setting_wins_over_the_eras_default_doa_03(era, setting, expected):
    assert has_default_outbound(era, setting) is expected


@pytest.mark.parametrize("era", ERAS)
def test_a_private_subnet_without_an_explicit_outbound_method_drops_internet_traffic_doa_02(era):
    trace = trace_nic(topo(era, private()), WEB_VM, "www.contoso.com", 443, "Tcp")
    assert (trace.verdict, trace.deciding_step) == (BLOCKED, "Delivery")
    assert "DOA-02" in trace.rule_ids and "DOA-01" not in trace.rule_ids
    assert "private (no default outbound access)" in trace.steps[-1].detail
    # DOA-03: the subnet's own setting is named where it goes against the
    # era's default (Classic); in Current it is the default (an export of a
    # Current subnet writes it, and its copy must trace the same).
    if era == "classic":
        assert "DOA-03" in trace.rule_ids and "'Enable private subnet' is on" in trace.steps[-1].detail
    else:
        assert "DOA-03" not in trace.rule_ids and "new virtual networks have private subnets" in trace.steps[-1].detail
    assert "no explicit outbound method" in trace.steps[-1].detail
    assert "NAT gateway" in trace.fix and "public IP" in trace.fix and "load balancer outbound rule" in trace.fix
    assert trace.source_ip != DEFAULT_OUTBOUND_IP


@pytest.mark.parametrize("era", ERAS)
def test_a_private_subnet_with_a_nat_gateway_leaves_from_its_public_ip_asrt_17(era):
    trace = trace_nic(topo(era, private(nat=NAT)), WEB_VM, "www.contoso.com", 443, "Tcp")
    assert (trace.verdict, trace.source_ip) == (REACHABLE, "198.51.100.1")
    assert {"ASRT-17", "NAT-07"} <= set(trace.rule_ids) and "DOA-02" not in trace.rule_ids


@pytest.mark.parametrize("era", ERAS)
def test_a_private_subnet_vm_with_a_public_ip_leaves_from_it_nsg_05(era):
    vm = replace(WEB_VM, public_ip=A("52.170.10.4"))
    trace = trace_nic(topo(era, private()), vm, "www.contoso.com", 443, "Tcp")
    assert (trace.verdict, trace.source_ip) == (REACHABLE, "52.170.10.4")
    assert "NSG-05" in trace.rule_ids and "DOA-02" not in trace.rule_ids


def test_a_private_subnet_vm_behind_a_load_balancer_outbound_rule_leaves_from_its_frontend_lb_01():
    vm = replace(WEB_VM, outbound_rule=OutboundRule("contoso-lb", A("20.10.0.5")))
    trace = trace_nic(topo("current", private()), vm, "www.contoso.com", 443, "Tcp")
    assert (trace.verdict, trace.source_ip) == (REACHABLE, "20.10.0.5") and "LB-01" in trace.rule_ids


def test_clearing_enable_private_subnet_gives_default_outbound_access_in_current_doa_03():
    web = replace(WEB, default_outbound_access=True)
    trace = trace_nic(topo("current", web), WEB_VM, "www.contoso.com", 443, "Tcp")
    assert (trace.verdict, trace.source_ip) == (REACHABLE, DEFAULT_OUTBOUND_IP)
    assert {"DOA-01", "DOA-03"} <= set(trace.rule_ids)


def test_an_unset_subnet_follows_the_era_and_cites_no_doa_03():
    classic = trace_nic(topo("classic"), WEB_VM, "www.contoso.com", 443, "Tcp")
    assert classic.source_ip == DEFAULT_OUTBOUND_IP and "DOA-03" not in classic.rule_ids
    current = trace_nic(topo("current"), WEB_VM, "www.contoso.com", 443, "Tcp")
    assert current.verdict == BLOCKED and "DOA-02" in current.rule_ids and "DOA-03" not in current.rule_ids
    assert "new virtual networks have private subnets" in current.steps[-1].detail


@pytest.mark.parametrize("era", ERAS)
def test_a_route_to_an_appliance_is_the_way_out_of_a_private_subnet_asrt_17(era):
    """The VM's private subnet doesn't matter past the appliance: the
    appliance's own way out supplies the source (here its public IP)."""
    nva = replace(NVA, public_ip=A("52.170.20.9"))
    trace = trace_nic(topo(era, private(route_table_id=5), nva=nva), WEB_VM, "www.contoso.com", 443, "Tcp")
    assert trace.verdict == FORWARDED and trace.source_ip == "52.170.20.9"
    assert "ASRT-17" in trace.rule_ids and "DOA-02" not in trace.rule_ids


@pytest.mark.parametrize("era", ERAS)
def test_an_appliance_in_a_private_subnet_without_a_public_ip_has_no_way_out_doa_02(era):
    web = replace(WEB, route_table_id=5)
    trace = trace_nic(topo(era, web, private(NVA_SUBNET)), WEB_VM, "www.contoso.com", 443, "Tcp")
    assert trace.source_ip == "" and {"ASRT-17", "DOA-02"} <= set(trace.rule_ids)
    assert ("DOA-03" in trace.rule_ids) == (era == "classic")
    with_nat = trace_nic(topo(era, web, private(NVA_SUBNET, nat=NAT)), WEB_VM, "www.contoso.com", 443, "Tcp")
    assert with_nat.source_ip == "198.51.100.1" and "NAT-07" in with_nat.rule_ids


def test_an_integrated_app_ignores_the_subnets_default_outbound_access_asrt_17():
    """App Service's integration subnet is delegated: the app leaves from
    its own outbound IPs (route all on), not from default outbound access."""
    trace = trace_app(topo("current", private()), APP, "www.contoso.com", 443, "Tcp")
    assert (trace.verdict, trace.source_ip) == (REACHABLE, "20.119.0.10")
    assert not {"DOA-01", "DOA-02", "DOA-03"} & set(trace.rule_ids)
