"""A NAT gateway in the trace (networking/engine/trace/): the internet sees
the NAT gateway's public IP as the source of its subnets' outbound traffic
(ASRT-17, NAT-07), ahead of a NIC's public IP or default outbound access;
without it, the previous source. TCP and UDP only (NAT-08); no public IP,
no way out (NAT-04). Traffic a route sends elsewhere doesn't meet it."""

from dataclasses import replace
from ipaddress import IPv4Address, IPv4Network

import pytest

from networking import snapshot
from networking.engine import routes as r
from networking.engine.topology import App, NatGateway, Nic, RouteTable, Subnet, Topology, Vnet
from networking.engine.trace import BLOCKED, DEFAULT_OUTBOUND_IP, REACHABLE, trace_app, trace_nic, trace_subnet
from networking.models import NetworkInterface
from networking.models import Subnet as SubnetRow
from networking.services import nat as nat_services
from networking.views.watcher import watcher_url
from portal.models import ResourceGroup

N, A = IPv4Network, IPv4Address
NAT = NatGateway("contoso-nat", (A("198.51.100.1"), A("198.51.100.2")))
VNET = Vnet(1, "contoso-vnet", "eastus", (N("10.0.0.0/16"),))
WEB = Subnet(10, "web-subnet", 1, N("10.0.1.0/24"))
NVA_SUBNET = Subnet(12, "nva-subnet", 1, N("10.0.3.0/24"))
WEB_VM = Nic("web01-nic", 10, A("10.0.1.4"), owner="web01")
NVA = Nic("nva01-nic", 12, A("10.0.3.4"), owner="nva01", ip_forwarding=True)
APP = App("contoso-web", "eastus", ("20.119.0.10",), "regional", 1, 10, route_all=True)
TO_NVA = RouteTable(5, "to-nva", True, (r.Route(N("0.0.0.0/0"), r.VIRTUAL_APPLIANCE, r.USER, "10.0.3.4", "to-nva"),))
PUBLIC = {"www.contoso.com": ("A", "93.184.216.34")}


def topo(era: str = "classic", *, nat: NatGateway | None = NAT, route_table: int | None = None) -> Topology:
    web = replace(WEB, nat=nat, route_table_id=route_table)
    return Topology(
        era=era,
        vnets={1: VNET},
        subnets={10: web, 12: NVA_SUBNET},
        nics=(WEB_VM, NVA),
        route_tables={5: TO_NVA},
        public_names=PUBLIC,
    )


def test_a_subnet_with_a_nat_gateway_reaches_the_internet_from_its_public_ip_asrt_17():
    trace = trace_subnet(topo(), topo().subnets[10], "www.contoso.com", 443, "Tcp")
    assert (trace.verdict, trace.source_ip) == (REACHABLE, "198.51.100.1")
    assert {"ASRT-17", "NAT-07"} <= set(trace.rule_ids) and "DOA-01" not in trace.rule_ids
    assert any("contoso-nat" in h.detail for h in trace.hops)


def test_without_a_nat_gateway_the_previous_source_stays():
    plain = topo(nat=None)
    trace = trace_subnet(plain, plain.subnets[10], "www.contoso.com", 443, "Tcp")
    assert (trace.verdict, trace.source_ip) == (REACHABLE, DEFAULT_OUTBOUND_IP)
    assert "DOA-01" in trace.rule_ids and "NAT-07" not in trace.rule_ids


@pytest.mark.parametrize("era", ["classic", "current"])
def test_the_nat_gateway_takes_precedence_over_a_nics_public_ip_nat_07(era):
    vm = replace(WEB_VM, public_ip=A("52.170.10.4"))
    trace = trace_nic(topo(era), vm, "www.contoso.com", 443, "Tcp")
    assert (trace.verdict, trace.source_ip) == (REACHABLE, "198.51.100.1")
    assert {"ASRT-17", "NAT-07"} <= set(trace.rule_ids)
    without = trace_nic(topo(era, nat=None), vm, "www.contoso.com", 443, "Tcp")
    assert without.source_ip == "52.170.10.4" and "NAT-07" not in without.rule_ids


def test_in_the_current_era_a_nat_gateway_is_the_way_out_of_a_private_subnet_doa_02():
    blocked = trace_nic(topo("current", nat=None), WEB_VM, "www.contoso.com", 443, "Tcp")
    assert blocked.verdict == BLOCKED and "DOA-02" in blocked.rule_ids
    trace = trace_nic(topo("current"), WEB_VM, "www.contoso.com", 443, "Tcp")
    assert (trace.verdict, trace.source_ip) == (REACHABLE, "198.51.100.1")


def test_an_integrated_app_with_route_all_leaves_from_the_nat_gateway_asrt_17():
    trace = trace_app(topo(), APP, "www.contoso.com", 443, "Tcp")
    assert (trace.verdict, trace.source_ip) == (REACHABLE, "198.51.100.1") and "ASRT-17" in trace.rule_ids
    without = trace_app(topo(nat=None), APP, "www.contoso.com", 443, "Tcp")
    assert without.source_ip == "20.119.0.10"
    # Route all off: public traffic never enters the VNet, so the NAT gateway doesn't see it (ASRT-03).
    direct = trace_app(topo(), replace(APP, route_all=False), "www.contoso.com", 443, "Tcp")
    assert direct.source_ip == "20.119.0.10" and "NAT-07" not in direct.rule_ids


def test_a_nat_gateway_carries_no_icmp_nat_08():
    trace = trace_nic(topo(), WEB_VM, "www.contoso.com", 0, "Icmp")
    assert (trace.verdict, trace.deciding_step) == (BLOCKED, "Delivery") and "NAT-08" in trace.rule_ids
    assert trace_nic(topo(), WEB_VM, "www.contoso.com", 53, "Udp").source_ip == "198.51.100.1"


def test_a_nat_gateway_without_a_public_ip_gives_no_way_out_nat_04():
    trace = trace_nic(topo(nat=NatGateway("empty-nat")), WEB_VM, "www.contoso.com", 443, "Tcp")
    assert trace.verdict == BLOCKED and "NAT-04" in trace.rule_ids and "empty-nat" in trace.fix


def test_a_default_route_to_an_appliance_bypasses_the_nat_gateway():
    trace = trace_nic(topo(route_table=5), WEB_VM, "www.contoso.com", 443, "Tcp")
    assert trace.source_ip != "198.51.100.1" and "NAT-07" not in trace.rule_ids


@pytest.mark.django_db
def test_the_snapshot_gives_a_subnet_its_nat_gateway_and_the_trace_its_address(alice):
    rg = ResourceGroup.objects.get(subscription__sandbox=alice.sandbox, name="contoso-rg")
    subnet = SubnetRow.objects.get(vnet__sandbox=alice.sandbox, vnet__name="contoso-vnet", name="vm-subnet")
    nic = NetworkInterface.objects.filter(subnet=subnet).first()
    before = snapshot.build(alice.sandbox)
    nat_services.create_nat_gateway(
        rg, nat_services.NatGatewaySpec(name="contoso-nat", location="eastus", new_public_ip="nat-ip", subnets=(subnet,))
    )
    after = snapshot.build(alice.sandbox)
    assert after.subnets[subnet.pk].nat == NatGateway("contoso-nat", (A("198.51.100.1"),))
    source = next(n for n in after.nics if n.name == nic.name)
    assert trace_nic(after, source, "www.contoso.com", 443, "Tcp").source_ip == "198.51.100.1"
    assert trace_nic(before, source, "www.contoso.com", 443, "Tcp").source_ip != "198.51.100.1"


@pytest.mark.django_db
def test_connection_troubleshoot_shows_the_nat_gateways_address_as_the_source_asrt_17(alice):
    rg = ResourceGroup.objects.get(subscription__sandbox=alice.sandbox, name="contoso-rg")
    subnet = SubnetRow.objects.get(vnet__sandbox=alice.sandbox, vnet__name="contoso-vnet", name="vm-subnet")
    nic = NetworkInterface.objects.filter(subnet=subnet).first()
    nat_services.create_nat_gateway(
        rg, nat_services.NatGatewaySpec(name="contoso-nat", location="eastus", new_public_ip="nat-ip", subnets=(subnet,))
    )
    url = watcher_url(alice.sandbox.subscriptions.get(), "eastus", "connection_troubleshoot")
    data = {"source_type": "vm", "nic": str(nic.pk), "destination_type": "manual", "destination": "8.8.8.8", "protocol": "Tcp", "destination_port": "443"}
    html = alice.get(url, data, HTTP_HX_REQUEST="true").content.decode()
    assert 'id="source-ip-seen">198.51.100.1<' in html and "ASRT-17" in html and "NAT-07" in html
