"""Effective routes (NIC and subnet) and Effective security rules (NIC):
the Network Watcher grids of a network interface's blade, their CSV
downloads, and that they cost the same however large the sandbox grows."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from networking import models as n
from networking.services import nsgs, routes
from portal import changes
from tests.helpers import HX
from tests.helpers.nsgs import make_nsg, make_table, rule_form
from tests.helpers.watcher import grow_estate, seed_nic, seed_vm_subnet

pytestmark = pytest.mark.django_db

ROUTE_HEADER = [
    "Source",
    "State",
    "Address Prefixes",
    "Next Hop Type",
    "Next Hop IP Address",
    "User Defined Route Name",
]


def _nic_url(nic, page: str) -> str:
    rg = nic.resource_group
    kwargs = {"subscription_id": rg.subscription.subscription_id, "rg": rg.name, "name": nic.name}
    return reverse(f"networking:nic_{page}", kwargs=kwargs)


def _subnet_url(client, vnet: str, subnet: str, page="subnet_effective_routes") -> str:
    vnet = n.VirtualNetwork.objects.select_related("resource_group__subscription").get(
        sandbox=client.sandbox, name=vnet
    )
    rg = vnet.resource_group
    kwargs = {
        "provider": vnet.arm_type.split("/")[0],
        "subscription_id": rg.subscription.subscription_id,
        "rg": rg.name,
        "name": vnet.name,
        "subnet": subnet,
    }
    return reverse(f"networking:{page}", kwargs=kwargs)


def _csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    return list(csv.reader(io.StringIO(response.content.decode())))


def _routes(client, url) -> dict[tuple[str, str], dict]:
    """The CSV's rows keyed by (prefix, source)."""
    header, *rows = _csv_rows(client.get(url))
    assert header == ROUTE_HEADER
    return {(row[2], row[0]): dict(zip(header, row, strict=True)) for row in rows}


def _appliance_route_on_vm_subnet(client) -> n.RouteTable:
    table = make_table(client, "vm-rt")
    data = {
        "name": "to-nva",
        "address_prefix": "0.0.0.0/0",
        "next_hop_type": "VirtualAppliance",
        "next_hop_ip": "10.0.1.10",
    }
    routes.add_route(table, data)
    routes.associate_subnet(table, seed_vm_subnet(client))
    return table


# --- Effective routes ------------------------------------------------------------------------


def test_the_seed_vms_nic_has_the_default_system_routes_route_01_route_33(alice):
    nic = seed_nic(alice)
    html = alice.get(_nic_url(nic, "effective_routes")).content.decode()
    for column in ROUTE_HEADER:
        assert f"<th>{column}</th>" in html
    assert 'data-prefix="10.0.0.0/16" data-state="Active" data-source="Default" data-hop="Virtual network"' in html
    assert 'data-prefix="0.0.0.0/0" data-state="Active" data-source="Default" data-hop="Internet"' in html
    for prefix in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"):
        assert f'data-prefix="{prefix}" data-state="Active" data-source="Default" data-hop="None"' in html


def test_the_nic_menu_offers_effective_routes_and_security_rules(alice):
    nic = seed_nic(alice)
    html = alice.get(_nic_url(nic, "overview")).content.decode()
    assert "Support + troubleshooting" in html
    assert _nic_url(nic, "effective_routes") in html and _nic_url(nic, "effective_security_rules") in html


def test_the_download_is_csv_with_one_row_per_route(alice):
    nic = seed_nic(alice)
    header, *rows = _csv_rows(alice.get(_nic_url(nic, "effective_routes_download")))
    assert header == ROUTE_HEADER
    assert len(rows) == 6
    html = alice.get(_nic_url(nic, "effective_routes")).content.decode()
    assert html.count("<tr data-prefix=") == len(rows)
    assert ["Default", "Active", "10.0.0.0/16", "Virtual network", "", ""] in rows


def test_a_user_default_route_invalidates_the_system_one_route_32(alice):
    _appliance_route_on_vm_subnet(alice)
    rows = _routes(alice, _nic_url(seed_nic(alice), "effective_routes_download"))
    assert rows[("0.0.0.0/0", "Default")]["State"] == "Invalid"
    user = rows[("0.0.0.0/0", "User")]
    assert (user["State"], user["Next Hop Type"], user["Next Hop IP Address"], user["User Defined Route Name"]) == (
        "Active",
        "Virtual appliance",
        "10.0.1.10",
        "to-nva",
    )
    # ROUTE-05 exception / ROUTE-31: the reserved None routes are gone.
    assert ("10.0.0.0/8", "Default") not in rows


def test_the_grid_shows_the_udr_name_column_route_33(alice):
    _appliance_route_on_vm_subnet(alice)
    html = alice.get(_nic_url(seed_nic(alice), "effective_routes")).content.decode()
    assert 'data-prefix="0.0.0.0/0" data-state="Invalid" data-source="Default"' in html
    assert 'data-prefix="0.0.0.0/0" data-state="Active" data-source="User" data-hop="Virtual appliance"' in html
    assert "<td>to-nva</td>" in html


def test_the_subnet_page_lists_the_same_routes(alice):
    _appliance_route_on_vm_subnet(alice)
    nic_rows = _routes(alice, _nic_url(seed_nic(alice), "effective_routes_download"))
    subnet_rows = _routes(alice, _subnet_url(alice, "contoso-vnet", "vm-subnet", "subnet_effective_routes_download"))
    assert nic_rows == subnet_rows
    html = alice.get(_subnet_url(alice, "contoso-vnet", "vm-subnet")).content.decode()
    assert "contoso-vnet" in html and "Subnet vm-subnet (10.0.1.0/24)" in html and "Download" in html


def test_a_subnet_without_a_route_table_keeps_its_system_routes(alice):
    rows = _routes(alice, _subnet_url(alice, "contoso-vnet", "integration-subnet", "subnet_effective_routes_download"))
    assert rows[("0.0.0.0/0", "Default")]["State"] == "Active"
    assert rows[("10.0.0.0/8", "Default")]["Next Hop Type"] == "None"


def test_the_spokes_routes_show_peering_gateway_and_service_endpoint_hops_route_24(carol):
    rows = _routes(
        carol, _subnet_url(carol, "contoso-spoke-vnet", "workload-subnet", "subnet_effective_routes_download")
    )
    assert rows[("10.100.0.0/16", "Default")]["Next Hop Type"] == "VNet peering"
    assert rows[("192.168.0.0/16", "Virtual network gateway")]["Next Hop Type"] == "Virtual network gateway"
    assert rows[("20.60.0.0/16", "Default")]["Next Hop Type"] == "VirtualNetworkServiceEndpoint"
    assert rows[("20.60.0.0/16", "Default")]["User Defined Route Name"] == ""
    assert rows[("0.0.0.0/0", "User")]["State"] == "Active"
    assert rows[("0.0.0.0/0", "Default")]["State"] == "Invalid"


def test_the_route_pages_answer_after_a_change_without_a_stale_cache(alice):
    url = _nic_url(seed_nic(alice), "effective_routes_download")
    assert ("0.0.0.0/0", "User") not in _routes(alice, url)
    _appliance_route_on_vm_subnet(alice)
    assert ("0.0.0.0/0", "User") in _routes(alice, url)


# --- Effective security rules ----------------------------------------------------------------


def _nsg_on_vm_subnet(client, name="vm-subnet-nsg") -> n.NetworkSecurityGroup:
    nsg = make_nsg(client, name)
    nsgs.associate_subnet(nsg, seed_vm_subnet(client))
    return nsg


def test_with_no_nsg_everything_is_allowed(alice):
    html = alice.get(_nic_url(seed_nic(alice), "effective_security_rules")).content.decode()
    assert 'id="no-nsg"' in html and "NSG-21" in html


def test_effective_rules_group_by_nsg_and_direction_with_defaults_nw_30(alice):
    subnet_nsg = _nsg_on_vm_subnet(alice)
    nsgs.add_rule(subnet_nsg, "Outbound", rule_form())
    nic = seed_nic(alice)
    nic_nsg = make_nsg(alice, "vm01-nic-nsg")
    nsgs.associate_nic(nic_nsg, nic)
    html = alice.get(_nic_url(nic, "effective_security_rules")).content.decode()
    assert 'data-nsg="vm-subnet-nsg"' in html and 'data-nsg="vm01-nic-nsg"' in html
    assert "Subnet: contoso-vnet/vm-subnet" in html and "Network interface: contoso-vm01-nic" in html
    assert html.count("Inbound rules</h3>") == 2 and html.count("Outbound rules</h3>") == 2
    for column in (
        "Name",
        "Priority",
        "Source",
        "Source Ports",
        "Destination",
        "Destination Ports",
        "Protocol",
        "Access",
    ):
        assert f"<th>{column}</th>" in html
    assert html.count('data-rule="AllowInternetOutBound" data-default="true"') == 2
    assert 'data-rule="DenySqlOutbound"' in html
    # NW-30: a tag expands to its prefixes; VirtualNetwork to the VNet's space.
    assert "Address prefixes" in html and "10.0.0.0/16, 168.63.129.16/32" in html


def test_the_rules_download_has_one_row_per_rule(alice):
    nsg = _nsg_on_vm_subnet(alice)
    nsgs.add_rule(nsg, "Outbound", rule_form())
    header, *rows = _csv_rows(alice.get(_nic_url(seed_nic(alice), "effective_security_rules_download")))
    assert header[3:] == [
        "Name",
        "Priority",
        "Source",
        "Source Ports",
        "Destination",
        "Destination Ports",
        "Protocol",
        "Access",
    ]
    assert len(rows) == 7  # one custom rule and the six defaults
    assert [
        "vm-subnet-nsg",
        "Subnet: contoso-vnet/vm-subnet",
        "Outbound",
        "DenySqlOutbound",
        "200",
        "Any",
        "Any",
        "Sql",
        "1433",
        "TCP",
        "Deny",
    ] in rows
    assert rows[-1][3:5] == ["DenyAllOutBound", "65500"]


# --- access, methods, query counts -----------------------------------------------------------


PAGES = [
    "effective_routes",
    "effective_routes_download",
    "effective_security_rules",
    "effective_security_rules_download",
]


@pytest.mark.parametrize("page", PAGES)
def test_an_outsider_gets_404(alice, bob, page):
    assert bob.get(_nic_url(seed_nic(alice), page)).status_code == 404


def test_an_outsider_gets_404_for_a_subnet(alice, bob):
    assert bob.get(_subnet_url(alice, "contoso-vnet", "vm-subnet")).status_code == 404
    assert (
        bob.get(_subnet_url(alice, "contoso-vnet", "vm-subnet", "subnet_effective_routes_download")).status_code == 404
    )


def test_an_unknown_subnet_is_404(alice):
    assert alice.get(_subnet_url(alice, "contoso-vnet", "no-such-subnet")).status_code == 404


@pytest.mark.parametrize("page", PAGES)
def test_the_pages_are_read_only(alice, page):
    assert alice.post(_nic_url(seed_nic(alice), page)).status_code == 405


def test_the_subnet_page_is_read_only(alice):
    assert alice.post(_subnet_url(alice, "contoso-vnet", "vm-subnet")).status_code == 405


def test_the_page_is_the_same_with_htmx(alice):
    response = alice.get(_nic_url(seed_nic(alice), "effective_routes"), **HX)
    assert response.status_code == 200 and 'id="effective-routes"' in response.content.decode()


@pytest.mark.parametrize("page", PAGES)
def test_query_counts_do_not_grow_with_the_sandbox(alice, page, django_assert_num_queries):
    _nsg_on_vm_subnet(alice)
    url = _nic_url(seed_nic(alice), page)
    with CaptureQueriesContext(connection) as before:
        assert alice.get(url).status_code == 200
    grow_estate(alice)
    with django_assert_num_queries(len(before)):
        assert alice.get(url).status_code == 200


def test_the_subnet_page_query_count_does_not_grow(alice, django_assert_num_queries):
    url = _subnet_url(alice, "contoso-vnet", "vm-subnet")
    # Both reads the first after a change, as after grow_estate: what a page
    # keeps per generation (the account menu's seat) is read again in each.
    changes.bump(alice.sandbox)
    with CaptureQueriesContext(connection) as before:
        alice.get(url)
    grow_estate(alice)
    with django_assert_num_queries(len(before)):
        assert alice.get(url).status_code == 200


def test_a_gateway_route_shows_the_gateways_instance_ip_nw_20_route_33(carol):
    """The hub gateway's private address in its GatewaySubnet (10.100.255.0/27),
    for the spoke that uses it as a remote gateway too."""
    for vnet, subnet in (("contoso-spoke-vnet", "workload-subnet"), ("contoso-hub-vnet", "nva-subnet")):
        rows = _routes(carol, _subnet_url(carol, vnet, subnet, "subnet_effective_routes_download"))
        assert rows[("192.168.0.0/16", "Virtual network gateway")]["Next Hop IP Address"] == "10.100.255.4", vnet
    html = carol.get(_subnet_url(carol, "contoso-spoke-vnet", "workload-subnet")).content.decode()
    row = html[html.index('data-prefix="192.168.0.0/16"') :]
    assert "<td>10.100.255.4</td>" in row[: row.index("</tr>")]
