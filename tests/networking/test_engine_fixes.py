"""Review fixes to the connectivity engine that a table case can't show on its
own: what a step must not cite, which address a packet carries, what the
snapshot hands the engine, and the shape of a tag (networking/engine/,
networking/snapshot.py). The verdicts are in the tables:
test_engine_trace_table.py (app) and test_engine_trace_sources.py (VM, subnet).
"""

from dataclasses import replace
from ipaddress import IPv4Address, IPv4Network

import pytest
from django.test import Client

from appservice import snapshot as app_snapshot
from appservice.models import AppSetting, VnetIntegration
from networking import models as m
from networking import snapshot
from networking.engine import nsg
from networking.engine import routes as r
from networking.engine.trace import (
    BLOCKED,
    DESTINATION,
    FORWARDED,
    HOP_BLOCKED,
    NEXT_HOP,
    REACHABLE,
    STAND_IN_P2S_POOL,
    trace_app,
)
from portal import services as portal_services
from tests.helpers import app_of, persona, subnet_of, vnet_of
from tests.helpers.trace_estate import (
    CLASSIC,
    CURRENT,
    ENDPOINTS,
    FORCED,
    LEGACY,
    LEGACY_PEERED,
    LEGACY_SUBNET,
    LEGACY_VM,
    LEGACY_VM_IP,
    NVA_IP,
    P2S_GATEWAY,
    P2S_POOL,
    PARTNER_IP,
    PEER_VM_IP,
    SHARED_PEERED,
    SHARED_VM_IP,
    SQL_PE,
    TRANSIT,
    VAULT,
    VM_IP,
    gateway,
    integration,
    net,
    outside,
    regional,
    transit_app,
    udr,
    vm_guarded,
    with_routes,
)

N = IPv4Network
A = IPv4Address


# --- SEED-24 concerns regional integration only ------------------------------------------------


@pytest.mark.parametrize("app", [outside(CLASSIC), gateway(CLASSIC)], ids=["not-integrated", "gateway-required"])
def test_seed_24_isnt_cited_for_an_app_without_regional_integration(app):
    trace = trace_app(net(CLASSIC), app, "api.partner.example", 443)
    assert trace.verdict == REACHABLE
    assert "SEED-24" not in trace.rule_ids
    assert not any("private DNS zones" in step.detail for step in trace.steps)


def test_seed_24_is_still_cited_for_a_classic_regional_app():
    assert "SEED-24" in trace_app(net(CLASSIC), regional(CLASSIC), "api.partner.example", 443).rule_ids


# --- NSG-23: platform traffic bypasses the integration subnet's NSG ----------------------------


def test_nsg_23_the_app_reaches_azure_dns_past_a_deny_all_nsg_from_its_subnet():
    topology = net(CURRENT, subnets=[integration(nsg_id=1)], nsgs={1: nsg.Nsg("lockdown", ())})
    trace = trace_app(topology, regional(CURRENT, route_all=True), "168.63.129.16", 53, "Udp")
    assert trace.verdict == REACHABLE
    assert [s.outcome for s in trace.steps if s.name == "Network security group"] == ["Skipped"]
    assert A(trace.source_ip) in integration().prefix
    assert trace.hops[-1].label == "Azure platform 168.63.129.16"


# --- ASGW-17: the P2S pool is the source -------------------------------------------------------


def test_asgw_17_the_source_is_the_gateways_p2s_pool():
    trace = trace_app(net(CURRENT, gateways={1: P2S_GATEWAY}), gateway(CURRENT), VM_IP, 443)
    assert A(trace.source_ip) in P2S_POOL


def test_asgw_17_without_a_pool_in_the_topology_a_stand_in_pool_is_used():
    trace = trace_app(vm_guarded(CURRENT, nic_rules=()), gateway(CURRENT), VM_IP, 443)
    assert A(trace.source_ip) in STAND_IN_P2S_POOL
    assert trace.verdict == REACHABLE  # AllowVnetInBound: the tag covers the pool (NSG-30)


def test_nsg_30_the_p2s_pool_is_in_the_tag_of_the_gateway_vnet_and_of_a_spoke_using_its_gateway():
    topology = net(CURRENT, gateways={1: P2S_GATEWAY}, peerings=TRANSIT)
    assert P2S_POOL in topology.virtual_network_tag(1)
    assert P2S_POOL in topology.virtual_network_tag(2)  # Use remote gateways (VNET-11)
    assert P2S_POOL not in net(CURRENT, gateways={1: P2S_GATEWAY}).virtual_network_tag(2)


# --- ASGW-18: gateway transit and the plan's routes ---------------------------------------------


def test_asgw_18_the_fix_names_both_peering_settings():
    trace = trace_app(
        net(CURRENT, peerings=(replace(TRANSIT[0], allow_gateway_transit=False), TRANSIT[1])),
        transit_app(CURRENT, "10.1.0.0/16"),
        PEER_VM_IP,
        443,
    )
    assert (trace.verdict, trace.deciding_step) == (BLOCKED, "Enter the virtual network")
    assert "allow gateway transit" in trace.fix and "use remote gateways" in trace.fix


def test_asgw_15_with_transit_the_fix_names_the_range_to_add():
    trace = trace_app(net(CURRENT, peerings=TRANSIT), gateway(CURRENT), PEER_VM_IP, 443)
    assert "10.1.0.0/16" in trace.fix


def test_asgw_15_a_plan_route_for_another_range_doesnt_open_the_peer():
    trace = trace_app(net(CURRENT, peerings=TRANSIT), transit_app(CURRENT, "10.9.0.0/16"), PEER_VM_IP, 443)
    assert trace.verdict == BLOCKED


# --- ASVI-03: a classic VNet across a peering -----------------------------------------------------


def test_asvi_03_the_trace_stops_at_the_peering_hop_and_points_to_gateway_required():
    topology = net(CURRENT, vnets=[LEGACY], subnets=[LEGACY_SUBNET], nics=[LEGACY_VM], peerings=LEGACY_PEERED)
    trace = trace_app(topology, regional(CURRENT), LEGACY_VM_IP, 443)
    assert (trace.hops[-1].kind, trace.hops[-1].label, trace.hops[-1].state) == (NEXT_HOP, "VNet peering", HOP_BLOCKED)
    assert "gateway-required" in trace.fix


# --- ASRT-01: shared address space without route all --------------------------------------------


def test_asrt_01_shared_address_space_without_route_all_says_to_turn_route_all_on():
    trace = trace_app(net(CURRENT, peerings=SHARED_PEERED), regional(CURRENT), SHARED_VM_IP, 443)
    assert (trace.verdict, trace.deciding_step) == (BLOCKED, "Delivery")
    assert "WEBSITE_VNET_ROUTE_ALL=1" in trace.fix
    assert trace.source_ip == "40.112.30.9"  # it left from the app's outbound address
    assert trace.hops[-1].kind == DESTINATION


def test_asrt_02_with_route_all_the_same_address_is_reached_through_the_peering():
    trace = trace_app(net(CURRENT, peerings=SHARED_PEERED), regional(CURRENT, route_all=True), SHARED_VM_IP, 443)
    assert trace.verdict == REACHABLE


def test_a_public_address_still_leaves_for_the_internet():
    assert trace_app(net(CURRENT), regional(CURRENT), PARTNER_IP, 443).verdict == REACHABLE


# --- NSG-30 / NSG-31: UDR prefixes join VirtualNetwork, not leave Internet -----------------------


def test_nsg_30_a_subnets_tag_adds_its_udr_prefixes_and_the_vnets_doesnt():
    topology = with_routes(CURRENT, udr("172.16.0.0/12", r.VIRTUAL_APPLIANCE, NVA_IP))
    assert N("172.16.0.0/12") not in topology.virtual_network_tag(1)
    tag = topology.virtual_network_tag(1, integration().id)
    assert tag[: len(topology.virtual_network_tag(1))] == topology.virtual_network_tag(1)
    assert N("172.16.0.0/12") in tag
    assert topology.virtual_network_tag(1, integration().id) is tag  # kept for the snapshot


def test_nsg_31_a_default_route_udr_covers_virtualnetwork_but_leaves_public_addresses_internet():
    tag = with_routes(CURRENT, FORCED).virtual_network_tag(1, integration().id)
    public = A(PARTNER_IP)
    assert nsg.address_matches("VirtualNetwork", public, tag)
    assert nsg.address_matches("Internet", public, tag)
    assert not nsg.address_matches("Internet", A(VM_IP), tag)
    flow = nsg.Flow("Outbound", "Tcp", A("10.0.2.4"), 49152, public, 443)
    group = nsg.Nsg("n", (nsg.Rule("deny-internet", 100, "Outbound", "Deny", destinations=("Internet",)),))
    assert nsg.evaluate_one(group, flow, tag).rule.name == "deny-internet"
    assert nsg.evaluate_one(nsg.Nsg("empty", ()), flow, tag).rule.name == "AllowVnetOutBound"


# --- ROUTE-08 / SUBNET-21: the PE subnet's policy reaches the routing ---------------------------


@pytest.mark.parametrize("policy, wired", [("RouteTableEnabled", True), ("Enabled", True), ("Disabled", False)])
def test_subnet_21_the_pe_subnets_policy_marks_its_endpoints(policy, wired):
    topology = net(CURRENT, subnets=[replace(ENDPOINTS, pe_policies=policy)], private_endpoints=(SQL_PE,))
    routing = topology.routing_for(integration())
    assert (N("10.0.3.5/32") in routing.route_table_endpoints) is wired


# --- ROUTE-21 / ROUTE-27: invalid next hops ------------------------------------------------------


def test_route_21_the_appliance_must_forward():
    trace = trace_app(
        with_routes(CLASSIC, udr("172.16.0.0/12", r.VIRTUAL_APPLIANCE, VM_IP, "via-orders-vm")),
        regional(CLASSIC),
        "172.16.5.4",
        443,
    )
    assert "Enable IP forwarding on network interface 'orders-vm-nic'" in trace.fix
    assert trace.hops[-1].label == f"Virtual appliance {VM_IP}"


def test_route_21_an_appliance_that_is_the_destination_needs_no_forwarding():
    trace = trace_app(
        with_routes(CLASSIC, udr("10.0.1.0/24", r.VIRTUAL_APPLIANCE, VM_IP, "via-orders-vm")),
        regional(CLASSIC),
        VM_IP,
        443,
    )
    assert trace.verdict == FORWARDED


# --- PEDNS-10: the public CNAME uses the service's privatelink zone -------------------------------


def test_pedns_10_key_vaults_public_cname_points_into_vaultcore():
    public = net(CURRENT, private_endpoints=(replace(SQL_PE, ip=A("10.0.3.7"), target_host=VAULT.host),)).public_dns()
    assert public[VAULT.host] == ("CNAME", "orders-kv.privatelink.vaultcore.azure.net")


# --- The snapshot (database) ----------------------------------------------------------------------


@pytest.fixture
def dave(db, settings):
    """A learner whose sandbox has the full demo seed, network included."""
    settings.VNETLAB_SEED_NETWORK = True
    return persona(Client())


def test_asdns_06_the_alt_server_is_appended_to_the_inherited_list_of_an_unintegrated_app(alice):
    app = app_of(alice, "contoso-web")
    AppSetting.objects.create(app=app, name="WEBSITE_DNS_ALT_SERVER", value="10.0.1.11")
    assert app_snapshot.app_source(app).dns_servers == ("168.63.129.16", "10.0.1.11")


def test_asdns_06_the_alt_server_follows_the_vnets_custom_dns(alice):
    vnet = vnet_of(alice, "contoso-vnet")
    vnet.dns_servers = ["10.0.1.10"]
    vnet.save()
    app = app_of(alice, "contoso-web")
    VnetIntegration.objects.create(
        app=app, kind="regional", vnet=vnet, subnet=subnet_of(alice, "contoso-vnet", "integration-subnet")
    )
    AppSetting.objects.create(app=app, name="website_dns_alt_server", value="10.0.1.11")
    assert app_snapshot.app_source(app).dns_servers == ("10.0.1.10", "10.0.1.11")


def test_asdns_04_without_either_setting_the_app_inherits(alice):
    assert app_snapshot.app_source(app_of(alice, "contoso-web")).dns_servers == ()


def test_asgw_17_the_snapshot_keeps_the_p2s_pool_and_a_vm_behind_the_gateway_accepts_it(alice):
    west = vnet_of(alice, "contoso-westus-vnet")
    app = app_of(alice, "contoso-web")
    VnetIntegration.objects.create(app=app, kind="gateway", vnet=west)
    group = m.NetworkSecurityGroup.objects.create(
        sandbox=alice.sandbox, resource_group=west.resource_group, name="apps-nsg", location="westus"
    )
    m.NetworkInterface.objects.create(
        sandbox=alice.sandbox,
        resource_group=west.resource_group,
        name="west-vm-nic",
        location="westus",
        subnet=subnet_of(alice, "contoso-westus-vnet", "apps-subnet"),
        private_ip="10.1.1.4",
        vm_name="west-vm",
        nsg=group,
    )
    topology = snapshot.build(alice.sandbox)
    assert topology.gateways[west.pk].p2s_pool == N("172.16.201.0/24")
    trace = trace_app(topology, app_snapshot.app_source(app), "10.1.1.4", 443)
    assert trace.verdict == REACHABLE, trace.as_dict()
    assert A(trace.source_ip) in N("172.16.201.0/24")
    assert trace.steps[-1].rule_ids[:2] == ("ASGW-17", "NSG-21")


def test_route_08_the_snapshot_wires_the_pe_subnets_policy(dave):
    portal_services.set_era(dave.sandbox, "current")
    endpoints = subnet_of(dave, "contoso-hub-vnet", "endpoints-subnet")
    endpoints.private_endpoint_network_policies = "RouteTableEnabled"
    endpoints.save()
    topology = snapshot.build(dave.sandbox)
    routing = topology.routing_for(topology.subnets[endpoints.pk])
    assert N("10.100.2.4/32") in routing.private_endpoints
    assert N("10.100.2.4/32") in routing.route_table_endpoints
