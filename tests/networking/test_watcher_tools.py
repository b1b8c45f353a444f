"""The Network Watcher blade: IP flow verify (NW-01 to NW-03) and Next hop
(NW-10, NW-12) on a VM's network interface, answered by the engine."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from networking import models as n
from networking.services import nsgs, routes
from networking.views.watcher import watcher_url
from portal import services as portal_services
from tests.helpers import HX
from tests.helpers.nsgs import make_nsg, make_table, rule_form
from tests.helpers.watcher import grow_estate, packet, seed_nic, seed_vm_subnet

pytestmark = pytest.mark.django_db


def _url(client, page="ip_flow_verify", region="eastus") -> str:
    return watcher_url(client.sandbox.subscriptions.get(), region, page)


def _flow(client, **overrides) -> dict:
    return packet(**{"nic": str(seed_nic(client).pk), **overrides})


def _hop(client, **overrides) -> dict:
    data = {"nic": str(seed_nic(client).pk), "source_ip": "10.0.1.4", "destination_ip": "8.8.8.8"}
    data.update(overrides)
    return data


def _nsg_on_vm_subnet(client) -> n.NetworkSecurityGroup:
    nsg = make_nsg(client, "vm-subnet-nsg")
    nsgs.associate_subnet(nsg, seed_vm_subnet(client))
    return nsg


def _check(client, page, data, status=200) -> str:
    response = client.get(_url(client, page), data, **HX)
    assert response.status_code == status, response.content.decode()[:2000]
    return response.content.decode()


# --- IP flow verify ----------------------------------------------------------------------------


def test_the_page_offers_the_vms_nics_and_the_fields(alice):
    html = alice.get(_url(alice)).content.decode()
    assert "Network Watcher" in html and "IP flow verify" in html
    assert "contoso-vm01 / contoso-vm01-nic (10.0.1.4)" in html
    for label in (
        "Protocol",
        "Direction",
        "Local IP address",
        "Local port",
        "Remote IP address",
        "Remote port",
        ">Check<",
    ):
        assert label in html


def test_outbound_https_is_allowed_by_the_default_rule_nw_03(alice):
    _nsg_on_vm_subnet(alice)
    html = _check(alice, "ip_flow_verify", _flow(alice))
    assert 'data-access="Allow"' in html and "Access allowed" in html
    assert "defaultSecurityRules/AllowInternetOutBound" in html
    # NW-03: no link to the NSG when a default rule decided.
    assert 'id="result-nsg">vm-subnet-nsg<' in html


def test_a_deny_rule_flips_the_answer_and_is_named_nw_03(alice):
    nsg = _nsg_on_vm_subnet(alice)
    nsgs.add_rule(
        nsg,
        "Outbound",
        rule_form(name="DenyWebOutbound", destination_tag="Internet", destination_ports="443", priority="300"),
    )
    html = _check(alice, "ip_flow_verify", _flow(alice))
    assert 'data-access="Deny"' in html and "Access denied" in html
    assert "securityRules/DenyWebOutbound" in html
    assert '<a href="' in html.split('id="result-nsg">', 1)[1][:20]  # a custom rule links its NSG
    # Another port still goes out by the default rule.
    assert "defaultSecurityRules/AllowInternetOutBound" in _check(
        alice, "ip_flow_verify", _flow(alice, remote_port="80")
    )


def test_inbound_from_the_internet_is_denied_by_default(alice):
    _nsg_on_vm_subnet(alice)
    html = _check(alice, "ip_flow_verify", _flow(alice, direction="Inbound", local_port="22", remote_port="50000"))
    assert "Access denied" in html and "defaultSecurityRules/DenyAllInBound" in html


def test_inbound_from_the_vnet_is_allowed_by_default(alice):
    _nsg_on_vm_subnet(alice)
    html = _check(alice, "ip_flow_verify", _flow(alice, direction="Inbound", remote_ip="10.0.2.5", local_port="22"))
    assert "Access allowed" in html and "defaultSecurityRules/AllowVnetInBound" in html


def test_the_nic_nsg_denies_outbound_before_the_subnet_nsg_nsg_21(alice):
    _nsg_on_vm_subnet(alice)
    nic_nsg = make_nsg(alice, "nic-nsg")
    nsgs.add_rule(
        nic_nsg,
        "Outbound",
        rule_form(name="NoUdp", destination="Any", protocol="Udp", destination_ports="*", priority="100"),
    )
    nsgs.associate_nic(nic_nsg, seed_nic(alice))
    html = _check(alice, "ip_flow_verify", _flow(alice, protocol="Udp", remote_port="53"))
    assert "Access denied" in html and "securityRules/NoUdp" in html and "nic-nsg" in html
    assert "Access allowed" in _check(alice, "ip_flow_verify", _flow(alice))


def test_with_no_nsg_the_flow_is_allowed(alice):
    html = _check(alice, "ip_flow_verify", _flow(alice))
    assert "Access allowed" in html and "no network security group applies" in html


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("local_ip", "10.0.1.5", "is not an IP address of contoso-vm01-nic"),
        ("local_ip", "10.0.1", "Enter a valid IPv4 address"),
        ("remote_ip", "2001:db8::1", "Enter a valid IPv4 address"),
        ("remote_ip", "", "Enter an IPv4 address"),
        ("local_port", "65536", "Enter a port from 0 to 65535."),
        ("remote_port", "-1", "Enter a port from 0 to 65535."),
        ("remote_port", "https", "Enter a port from 0 to 65535."),
        ("protocol", "Icmp", "Choose TCP or UDP. [NW-01]"),
        ("direction", "Sideways", "Choose Inbound or Outbound."),
        ("nic", "999999", "Choose a network interface."),
        ("nic", "abc", "Choose a network interface."),
    ],
)
def test_bad_input_is_a_field_error_nw_01(alice, field, value, message):
    html = _check(alice, "ip_flow_verify", _flow(alice, **{field: value}), status=422)
    assert message in html and 'id="ip-flow-result"' not in html


def test_icmp_is_offered_in_the_current_era_only_nw_01(alice):
    assert 'value="Icmp"' not in alice.get(_url(alice)).content.decode()  # Classic: TCP or UDP (NW-01)
    portal_services.set_era(alice.sandbox, "current")
    assert 'value="Icmp" id="protocol-icmp"' in alice.get(_url(alice)).content.decode()
    html = _check(alice, "ip_flow_verify", _flow(alice, protocol="Nope"), status=422)
    assert "Choose TCP, UDP or ICMP. [NW-01]" in html


def test_an_icmp_flow_ignores_the_ports_and_meets_icmp_rules_nw_01(alice):
    portal_services.set_era(alice.sandbox, "current")
    nsg = _nsg_on_vm_subnet(alice)
    nsgs.add_rule(
        nsg,
        "Outbound",
        rule_form(name="NoTcpOut", destination="Any", protocol="Tcp", destination_ports="*", priority="100"),
    )
    # A TCP rule doesn't match ICMP, and no port is needed: the default rule lets the ping out.
    html = _check(alice, "ip_flow_verify", _flow(alice, protocol="Icmp", local_port="", remote_port=""))
    assert "Access allowed" in html and "defaultSecurityRules/AllowInternetOutBound" in html
    assert 'id="icmp-ports"' in html
    nsgs.add_rule(
        nsg,
        "Outbound",
        rule_form(name="NoPing", destination="Any", protocol="Icmp", destination_ports="*", priority="110"),
    )
    html = _check(alice, "ip_flow_verify", _flow(alice, protocol="Icmp", local_port="", remote_port=""))
    assert "Access denied" in html and "securityRules/NoPing" in html
    assert "Access denied" in _check(alice, "ip_flow_verify", _flow(alice))  # TCP still meets NoTcpOut


def test_ports_0_and_65535_are_accepted_nw_01(alice):
    _check(alice, "ip_flow_verify", _flow(alice, local_port="0", remote_port="65535"))


def test_another_sandboxs_nic_cannot_be_chosen(alice, bob):
    html = _check(bob, "ip_flow_verify", _flow(bob, nic=str(seed_nic(alice).pk)), status=422)
    assert "Choose a network interface." in html


def test_a_private_endpoints_nic_is_not_offered_nw_02(alice):
    nic = seed_nic(alice)
    n.NetworkInterface.objects.create(
        sandbox=alice.sandbox,
        resource_group=nic.resource_group,
        name="sql-pe.nic",
        location="eastus",
        subnet=nic.subnet,
        private_ip="10.0.1.9",
    )
    assert "sql-pe.nic" not in alice.get(_url(alice)).content.decode()


# --- Next hop -----------------------------------------------------------------------------------


def test_next_hop_to_the_internet_is_a_system_route_nw_10(alice):
    html = _check(alice, "next_hop", _hop(alice))
    assert 'data-type="Internet"' in html
    assert 'id="route-table-id">System Route<' in html


def test_next_hop_inside_the_vnet_is_virtual_network_nw_12(alice):
    html = _check(alice, "next_hop", _hop(alice, destination_ip="10.0.2.5"))
    assert 'data-type="VirtualNetwork"' in html


def test_next_hop_to_an_unused_private_range_is_none_nw_12(alice):
    html = _check(alice, "next_hop", _hop(alice, destination_ip="172.16.5.5"))
    assert 'data-type="None"' in html and "System Route" in html


def test_next_hop_follows_a_udr_and_names_its_route_table_nw_10(alice):
    table = make_table(alice, "vm-rt")
    routes.add_route(
        table,
        {
            "name": "to-nva",
            "address_prefix": "0.0.0.0/0",
            "next_hop_type": "VirtualAppliance",
            "next_hop_ip": "10.0.1.10",
        },
    )
    routes.associate_subnet(table, seed_vm_subnet(alice))
    html = _check(alice, "next_hop", _hop(alice))
    assert 'data-type="VirtualAppliance"' in html
    assert 'id="next-hop-ip">10.0.1.10<' in html
    assert table.arm_id in html and "System Route" not in html


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("source_ip", "10.0.1.99", "is not an IP address of contoso-vm01-nic"),
        ("destination_ip", "8.8.8.256", "Enter a valid IPv4 address"),
        ("destination_ip", "", "Enter an IPv4 address"),
        ("nic", "", "Choose a network interface."),
    ],
)
def test_next_hop_bad_input_is_a_field_error(alice, field, value, message):
    html = _check(alice, "next_hop", _hop(alice, **{field: value}), status=422)
    assert message in html and 'id="next-hop-result"' not in html


# --- the blade: access, methods, fragments, query counts ----------------------------------------


@pytest.mark.parametrize("page", ["ip_flow_verify", "next_hop"])
def test_an_outsider_gets_404(alice, bob, page):
    assert bob.get(_url(alice, page)).status_code == 404
    assert bob.get(_url(alice, page), _flow(alice)).status_code == 404


@pytest.mark.parametrize("region", ["nowhere", "eastus"])
def test_an_unknown_watcher_is_404(alice, region):
    url = _url(alice, region=region)
    if region == "eastus":
        url = url.replace("NetworkWatcherRG", "contoso-rg")
    assert alice.get(url).status_code == 404


@pytest.mark.parametrize("page", ["ip_flow_verify", "next_hop"])
def test_the_checks_are_read_only(alice, page):
    assert alice.post(_url(alice, page), _flow(alice)).status_code == 405


def test_the_full_page_without_htmx_and_the_fragment_with_it(alice):
    _nsg_on_vm_subnet(alice)
    page = alice.get(_url(alice), _flow(alice))
    assert page.status_code == 200 and "<html" in page.content.decode() and "Access allowed" in page.content.decode()
    fragment = alice.get(_url(alice), _flow(alice), **HX)
    html = fragment.content.decode()
    assert "<html" not in html and html.lstrip().startswith('<div id="ip-flow-verify">')
    assert "HX-Request" in fragment["Vary"]


@pytest.mark.parametrize("page, data", [("ip_flow_verify", _flow), ("next_hop", _hop)])
def test_query_counts_do_not_grow_with_the_sandbox(alice, page, data, django_assert_num_queries):
    table = make_table(alice, "vm-rt")
    routes.add_route(
        table,
        {
            "name": "to-nva",
            "address_prefix": "0.0.0.0/0",
            "next_hop_type": "VirtualAppliance",
            "next_hop_ip": "10.0.1.10",
        },
    )
    routes.associate_subnet(table, seed_vm_subnet(alice))
    _nsg_on_vm_subnet(alice)
    params = data(alice)
    with CaptureQueriesContext(connection) as before:
        assert alice.get(_url(alice, page), params).status_code == 200
    grow_estate(alice)
    with django_assert_num_queries(len(before)):
        assert alice.get(_url(alice, page), params).status_code == 200


def _nva_hop(client, destination: str) -> dict:
    nic = n.NetworkInterface.objects.get(sandbox=client.sandbox, name="contoso-nva01-nic")
    return {"nic": str(nic.pk), "source_ip": nic.private_ip, "destination_ip": destination}


def test_next_hop_to_on_premises_is_the_gateways_ip_nw_10(carol):
    html = _check(carol, "next_hop", _nva_hop(carol, "192.168.1.10"))
    assert 'data-type="VirtualNetworkGateway"' in html
    assert 'id="next-hop-ip">10.100.255.4<' in html


def test_a_prefix_learned_over_bgp_has_the_peer_as_its_next_hop_nw_10(carol):
    connection = n.VirtualNetworkGatewayConnection.objects.get(sandbox=carol.sandbox, name="hub-to-onprem")
    local = connection.local_network_gateway
    local.bgp_asn, local.bgp_peering_address = 65010, "192.168.0.1"
    local.save(update_fields=["bgp_asn", "bgp_peering_address"])
    connection.enable_bgp = True
    connection.save(update_fields=["enable_bgp"])
    html = _check(carol, "next_hop", _nva_hop(carol, "192.168.1.10"))
    assert 'id="next-hop-ip">192.168.0.1<' in html
