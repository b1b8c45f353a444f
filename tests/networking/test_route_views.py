"""The route table blade: create, Configuration ("Propagate gateway routes"),
Routes with the "Add route" pane, Subnets, JSON View, Activity log, Delete."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from networking.models import Route, RouteTable, Subnet
from networking.services import routes
from portal.errors import AzureRuleError
from portal.models import ActivityLogEntry
from tests.helpers import HX, subnet_of
from tests.helpers.nsgs import blade_url, create_url, make_table, rg_of

pytestmark = pytest.mark.django_db

APPLIANCE = {
    "name": "to-firewall",
    "address_prefix": "0.0.0.0/0",
    "next_hop_type": "VirtualAppliance",
    "next_hop_ip": "10.0.1.4",
}
PAGES = [
    "route_table_overview",
    "route_table_activity",
    "route_table_json",
    "route_table_configuration",
    "route_table_routes",
    "route_add",
    "route_table_subnets",
    "route_table_associate",
    "route_table_delete",
]


def test_the_create_wizard_sets_propagate_gateway_routes_route_26(alice):
    url = create_url(alice, "route_table_create")
    page = alice.get(url).content.decode()
    assert "Create route table" in page and "Propagate gateway routes" in page
    form = {
        "subscription": str(rg_of(alice).subscription.subscription_id),
        "resource_group": "contoso-rg",
        "name": "spoke-rt",
        "region": "eastus",
        "propagate": "No",
    }
    assert 'data-validation="passed"' in alice.post(url, {**form, "action": "review"}, **HX).content.decode()
    response = alice.post(url, {**form, "action": "create"})
    table = RouteTable.objects.get(sandbox=alice.sandbox, name="spoke-rt")
    assert response.status_code == 302 and table.disable_bgp_route_propagation is True
    assert "spoke-rt" in alice.get("/resources/").content.decode()
    assert ActivityLogEntry.objects.filter(
        resource_id=table.arm_id, operation_name="Create or Update Route Table"
    ).exists()


def test_the_201st_route_table_in_a_region_is_refused_limit_22(alice, monkeypatch):
    monkeypatch.setattr(routes, "MAX_ROUTE_TABLES_PER_REGION", 1)
    make_table(alice)
    with pytest.raises(AzureRuleError) as exc:
        make_table(alice, "second")
    assert "LIMIT-22" in exc.value.learn_more


def test_the_overview_shows_essentials_routes_and_subnets(alice):
    table = make_table(alice)
    routes.add_route(table, APPLIANCE)
    html = alice.get(blade_url(table, "route_table_overview")).content.decode()
    for label in ("Resource group", "Location", "Subscription", "Subscription ID", "Propagate gateway routes"):
        assert f"<dt>{label}</dt>" in html or f"<dt>{label} (<a" in html  # "(change)" links: MOVE-01
    assert 'data-route="to-firewall"' in html and "Virtual appliance" in html and "10.0.1.4" in html


def test_configuration_saves_propagate_gateway_routes_route_26(alice):
    table = make_table(alice)
    response = alice.post(blade_url(table, "route_table_configuration"), {"propagate": "No"}, **HX)
    assert response.status_code == 200 and 'id="configuration-saved"' in response.content.decode()
    assert RouteTable.objects.get(pk=table.pk).disable_bgp_route_propagation is True
    assert alice.post(blade_url(table, "route_table_configuration"), {"propagate": "maybe"}, **HX).status_code == 422


def test_adding_an_appliance_route_returns_the_fresh_grid(alice):
    table = make_table(alice)
    response = alice.post(blade_url(table, "route_add"), APPLIANCE, **HX)
    assert response.status_code == 200 and response["HX-Retarget"] == "#route-grid"
    route = Route.objects.get(route_table=table)
    assert (route.address_prefix, route.next_hop_type, route.next_hop_ip) == (
        "0.0.0.0/0",
        "VirtualAppliance",
        "10.0.1.4",
    )
    assert ActivityLogEntry.objects.filter(resource_id=table.arm_id, operation_name="Create or Update Route").exists()


def test_the_next_hop_address_field_shows_only_for_a_virtual_appliance(alice):
    table = make_table(alice)
    url = blade_url(table, "route_add")
    assert "Next hop address" not in alice.get(url, {"next_hop_type": "Internet"}, **HX).content.decode()
    html = alice.get(url, {"next_hop_type": "VirtualAppliance"}, **HX).content.decode()
    assert "Next hop address" in html
    for label in ("Route name", "Address prefix", "Next hop type"):
        assert f">{label}</" in html
    for label in ("Virtual network gateway", "Virtual network", "Internet", "Virtual appliance", "None"):
        assert f">{label}</option>" in html


@pytest.mark.parametrize(
    "data, field_text",
    [
        ({**APPLIANCE, "next_hop_ip": ""}, "a virtual appliance needs a next hop address"),
        ({**APPLIANCE, "next_hop_ip": "10.0.1.256"}, "is not a valid IPv4 address"),
        ({**APPLIANCE, "next_hop_ip": "fd00::4"}, "is not a valid IPv4 address"),
        ({**APPLIANCE, "next_hop_type": "Internet"}, "allowed only with Virtual appliance"),
        ({**APPLIANCE, "next_hop_type": "Bogus", "next_hop_ip": ""}, "choose Virtual network gateway"),
    ],
)
def test_invalid_next_hops_are_refused_err_29_route_21(alice, data, field_text):
    table = make_table(alice)
    response = alice.post(blade_url(table, "route_add"), data, **HX)
    html = response.content.decode()
    assert response.status_code == 422 and "has an invalid next hop" in html and field_text in html
    assert "ERR-29, ROUTE-21" in html and not Route.objects.exists()


@pytest.mark.parametrize("hop", ["VNetPeering", "VirtualNetworkServiceEndpoint"])
def test_system_next_hops_are_refused_err_29_route_22(alice, hop):
    table = make_table(alice)
    response = alice.post(blade_url(table, "route_add"), {**APPLIANCE, "next_hop_type": hop, "next_hop_ip": ""}, **HX)
    assert response.status_code == 422 and "ERR-29, ROUTE-22" in response.content.decode()


@pytest.mark.parametrize("prefix", ["10.0.1.5/24", "10.0.0.0/33", "nonsense", ""])
def test_invalid_prefixes_are_refused(alice, prefix):
    table = make_table(alice)
    response = alice.post(blade_url(table, "route_add"), {**APPLIANCE, "address_prefix": prefix}, **HX)
    assert response.status_code == 422 and not Route.objects.exists()


def test_a_service_tag_prefix_is_accepted_up_to_25_routes_err_30_route_23(alice):
    table = make_table(alice)
    Route.objects.bulk_create(
        Route(route_table=table, name=f"t{i}", address_prefix="Storage", next_hop_type="Internet") for i in range(25)
    )
    response = alice.post(
        blade_url(table, "route_add"), {"name": "sql", "address_prefix": "Sql", "next_hop_type": "Internet"}, **HX
    )
    assert response.status_code == 422 and "ERR-30, ROUTE-23" in response.content.decode()
    ok = alice.post(
        blade_url(table, "route_add"), {"name": "cidr", "address_prefix": "10.2.0.0/16", "next_hop_type": "None"}, **HX
    )
    assert ok.status_code == 200


def test_the_401st_route_is_refused_err_30_limit_23(alice):
    table = make_table(alice)
    Route.objects.bulk_create(
        Route(route_table=table, name=f"r{i}", address_prefix=f"10.{i // 256}.{i % 256}.0/24", next_hop_type="None")
        for i in range(400)
    )
    response = alice.post(blade_url(table, "route_add"), APPLIANCE, **HX)
    assert (
        response.status_code == 422
        and "is full (400 routes" in response.content.decode()
        and "ERR-30, LIMIT-23" in response.content.decode()
    )


def test_route_names_are_unique_in_the_table(alice):
    table = make_table(alice)
    routes.add_route(table, APPLIANCE)
    response = alice.post(blade_url(table, "route_add"), {**APPLIANCE, "name": "TO-FIREWALL"}, **HX)
    assert response.status_code == 422 and "already exists" in response.content.decode()


def test_editing_and_deleting_a_route(alice):
    table = make_table(alice)
    routes.add_route(table, APPLIANCE)
    url = blade_url(table, "route_edit", route="to-firewall")
    assert 'value="10.0.1.4"' in alice.get(url, **HX).content.decode()
    assert alice.post(url, {**APPLIANCE, "next_hop_ip": "10.0.1.5"}, **HX).status_code == 200
    assert Route.objects.get(route_table=table).next_hop_ip == "10.0.1.5"
    delete = blade_url(table, "route_delete", route="to-firewall")
    assert ">Yes<" in alice.get(delete, **HX).content.decode()
    assert alice.post(delete, **HX).status_code == 200 and not Route.objects.exists()


def test_associating_a_subnet_route_20_subnet_07(alice):
    table, other = make_table(alice), make_table(alice, "other-rt")
    subnet = subnet_of(alice, "contoso-vnet", "vm-subnet")
    response = alice.post(
        blade_url(table, "route_table_associate"), {"vnet": subnet.vnet_id, "subnet": subnet.pk}, **HX
    )
    assert response.status_code == 200 and 'data-subnet="contoso-vnet/vm-subnet"' in response.content.decode()
    refused = alice.post(blade_url(other, "route_table_associate"), {"vnet": subnet.vnet_id, "subnet": subnet.pk}, **HX)
    assert (
        refused.status_code == 422
        and "ROUTE-20, SUBNET-07" in refused.content.decode()
        and "&#x27;spoke-rt&#x27;" in refused.content.decode()
    )
    assert Subnet.objects.get(pk=subnet.pk).route_table == table
    dissociate = blade_url(table, "route_table_dissociate", subnet_id=subnet.pk)
    assert alice.post(dissociate, **HX).status_code == 200 and Subnet.objects.get(pk=subnet.pk).route_table is None


def test_the_gateway_subnet_warns_about_propagation_and_a_default_route_route_26(alice):
    table = make_table(alice, propagate=False)
    routes.add_route(table, APPLIANCE)
    gateway_subnet = subnet_of(alice, "contoso-westus-vnet", "GatewaySubnet")
    routes.associate_subnet(table, gateway_subnet)
    html = alice.get(blade_url(table, "route_table_subnets")).content.decode()
    assert html.count('data-warning="ROUTE-26"') == 2
    assert "never disable it on the GatewaySubnet" in html and "don&#x27;t attach a 0.0.0.0/0 route" in html


def test_deleting_a_route_table_in_use_is_refused_until_dissociated_route_20(alice):
    table = make_table(alice)
    subnet = subnet_of(alice, "contoso-vnet", "vm-subnet")
    routes.associate_subnet(table, subnet)
    refused = alice.post(blade_url(table, "route_table_delete"), **HX)
    assert refused.status_code == 422 and "Dissociate it from every subnet first" in refused.content.decode()
    routes.dissociate_subnet(table, subnet)
    assert alice.post(blade_url(table, "route_table_delete")).status_code == 302
    assert not RouteTable.objects.filter(pk=table.pk).exists()


def test_the_json_view_and_activity_log(alice):
    table = make_table(alice)
    routes.add_route(table, APPLIANCE)
    html = alice.get(blade_url(table, "route_table_json")).content.decode()
    assert table.arm_id in html and "disableBgpRoutePropagation" in html and "VirtualAppliance" in html
    assert "Create or Update Route" in alice.get(blade_url(table, "route_table_activity")).content.decode()


@pytest.mark.parametrize("page", PAGES)
def test_an_outsider_gets_404_on_every_route_table_page(alice, bob, page):
    table = make_table(alice)
    assert bob.get(blade_url(table, page)).status_code == 404
    assert bob.post(blade_url(table, "route_add"), APPLIANCE).status_code == 404
    assert not Route.objects.exists()


@pytest.mark.parametrize(
    "page",
    ["route_table_overview", "route_table_activity", "route_table_json", "route_table_routes", "route_table_subnets"],
)
def test_read_only_route_pages_refuse_post_with_405(alice, page):
    assert alice.post(blade_url(make_table(alice), page)).status_code == 405


@pytest.mark.parametrize(
    "page, partial_id",
    [
        ("route_table_routes", 'id="route-grid"'),
        ("route_table_subnets", 'id="route-subnet-grid"'),
        ("route_add", 'id="route-form"'),
    ],
)
def test_route_pages_answer_a_fragment_to_htmx_and_a_full_page_otherwise(alice, page, partial_id):
    table = make_table(alice)
    full = alice.get(blade_url(table, page)).content.decode()
    fragment = alice.get(blade_url(table, page), **HX).content.decode()
    assert "<html" in full and "<html" not in fragment and partial_id in fragment


def _grow(client, table, n):
    start = Route.objects.filter(route_table=table).count()
    Route.objects.bulk_create(
        Route(route_table=table, name=f"g{start + i}", address_prefix=f"10.9.{start + i}.0/24", next_hop_type="None")
        for i in range(n)
    )
    vnet = subnet_of(client, "contoso-vnet", "vm-subnet").vnet
    for i in range(n):
        Subnet.objects.create(
            vnet=vnet, name=f"s{start}-{i}", address_prefix=f"10.0.{100 + start + i}.0/29", route_table=table
        )
        RouteTable.objects.create(
            sandbox=client.sandbox, resource_group=table.resource_group, name=f"rt-{start}-{i}", location="eastus"
        )


@pytest.mark.parametrize(
    "page",
    [
        "route_table_overview",
        "route_table_routes",
        "route_table_subnets",
        "route_table_json",
        "route_table_configuration",
    ],
)
def test_route_table_pages_query_count_does_not_grow_with_the_sandbox(alice, page, django_assert_num_queries):
    table = make_table(alice)
    url = blade_url(table, page)
    _grow(alice, table, 2)
    with CaptureQueriesContext(connection) as ctx:
        alice.get(url)
    _grow(alice, table, 20)
    with django_assert_num_queries(len(ctx.captured_queries)):
        alice.get(url)


def test_a_bad_propagation_choice_is_a_field_error_and_shows_the_saved_one_route_26(alice):
    table = make_table(alice, propagate=False)
    response = alice.post(blade_url(table, "route_table_configuration"), {"propagate": "maybe"}, **HX)
    html = response.content.decode()
    assert response.status_code == 422 and "Choose Yes or No." in html and 'class="az-field has-error"' in html
    assert 'id="propagate-no" checked' in html and 'id="propagate-yes" checked' not in html
    assert RouteTable.objects.get(pk=table.pk).disable_bgp_route_propagation


def test_current_asks_the_address_prefix_destination_first(alice):
    table = make_table(alice)
    classic = alice.get(blade_url(table, "route_add"), **HX).content.decode()
    assert "Address prefix destination" not in classic and ">OK</button>" in classic
    alice.post("/sandbox/era/", {"era": "current"})
    pane = alice.get(blade_url(table, "route_add"), **HX).content.decode()
    assert "Address prefix destination" in pane and "Destination IP addresses/CIDR ranges" in pane
    assert ">Add</button>" in pane
    tags = alice.get(blade_url(table, "route_add") + "?destination_kind=ServiceTag", **HX).content.decode()
    assert "Destination Service Tag" in tags and '<option value="Storage"' in tags
    data = {
        "name": "to-storage",
        "destination_kind": "ServiceTag",
        "address_prefix": "Storage",
        "next_hop_type": "Internet",
    }
    assert alice.post(blade_url(table, "route_add"), data, **HX).status_code == 200
    edit = alice.get(blade_url(table, "route_edit", route="to-storage"), **HX).content.decode()
    assert "Destination Service Tag" in edit
