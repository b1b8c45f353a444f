"""'Create virtual network gateway': the wizard, the GatewaySubnet, one
gateway per VNet, and the long-running create (Updating, then Succeeded,
derived from the operation's time)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from networking.models import Subnet, VirtualNetworkGateway
from networking.services import gateways as services
from networking.services import peerings
from portal.models import ActivityLogEntry, Notification, Operation
from tests.helpers import HX
from tests.helpers.gateways import (
    blade_url,
    create_url,
    finish_operations,
    gateway_form,
    make_gateway,
    make_vnet,
)

pytestmark = pytest.mark.django_db


def _form(client, chosen, **overrides) -> dict:
    return gateway_form(client, chosen, **overrides)


@pytest.fixture
def hub(alice):
    return make_vnet(alice, "hub-vnet", "10.50.0.0/16")


def test_the_wizard_shows_the_2021_fields(alice, hub):
    response = alice.get(create_url(alice, "gateway_create"))
    html = response.content.decode()
    assert response.status_code == 200
    for label in ("Create virtual network gateway", "Project details", "Instance details", "Gateway type", "VPN type",
                  "Route-based", "Policy-based", "SKU", "Generation", "Virtual network", "Public IP address name",
                  "Enable active-active mode", "Configure BGP", "Review + create"):
        assert label in html, label


def test_choosing_a_vnet_without_gatewaysubnet_asks_for_its_range_with_a_27_suggested(alice, hub):
    data = _form(alice, hub, action="stay")
    del data["gateway_subnet_prefix"]
    html = alice.post(create_url(alice, "gateway_create"), data, **HX).content.decode()
    assert "Gateway subnet address range" in html
    assert 'value="10.50.0.0/27"' in html


def test_a_vnet_with_gatewaysubnet_shows_it(alice):
    west = make_vnet(alice, "west-hub", "10.51.0.0/16", "westus", gateway_subnet="10.51.255.0/27")
    html = alice.post(create_url(alice, "gateway_create"), _form(alice, west, action="stay"), **HX).content.decode()
    assert 'id="gateway-subnet">GatewaySubnet' in html


def test_only_vnets_of_the_chosen_region_are_offered(alice, hub):
    html = alice.post(create_url(alice, "gateway_create"), _form(alice, hub, action="stay", region="westeurope"), **HX).content.decode()
    assert "contoso-weu-vnet" in html and "hub-vnet" not in html


def test_create_starts_a_long_running_operation_and_creates_gatewaysubnet_asgw_12(alice, hub):
    response = alice.post(create_url(alice, "gateway_create"), _form(alice, hub))
    gateway = VirtualNetworkGateway.objects.get(name="hub-vpngw")
    assert response.status_code == 302 and response["Location"] == blade_url(gateway, "gateway_overview")
    assert Subnet.objects.get(vnet=hub, name="GatewaySubnet").address_prefix == "10.50.255.0/27"
    op = Operation.objects.get(kind="gateway-create", resource_id=gateway.arm_id)
    assert Notification.objects.get(operation=op).title == "Deployment in progress..."
    assert ActivityLogEntry.objects.filter(resource_id=gateway.arm_id, status="Started").exists()
    assert services.gateway_state(gateway) == "Updating"


def test_the_overview_status_is_derived_from_the_operation_time_asgw_12(alice, hub):
    gateway = make_gateway(alice, hub, finished=False)
    html = alice.get(blade_url(gateway, "gateway_overview")).content.decode()
    assert 'data-status="Updating"' in html and "hx-trigger" in html
    # A server that died mid-create: the time is up, nothing finished the operation.
    Operation.objects.update(ends_at=timezone.now() - timedelta(seconds=5))
    assert services.gateway_state(gateway) == "Succeeded"
    html = alice.get(blade_url(gateway, "gateway_overview")).content.decode()
    assert 'id="gateway-status" class="az-status az-status-succeeded" data-status="Succeeded"' in html
    assert Notification.objects.get(operation__resource_id=gateway.arm_id).title == "Deployment succeeded"
    assert ActivityLogEntry.objects.filter(resource_id=gateway.arm_id, status="Succeeded").exists()


def test_the_overview_essentials_and_htmx_fragment(alice, hub):
    gateway = make_gateway(alice, hub)
    full = alice.get(blade_url(gateway, "gateway_overview")).content.decode()
    for label in ("Resource group", "Location", "Subscription", "Subscription ID", "Gateway type", "SKU", "Virtual network"):
        assert f"<dt>{label}</dt>" in full or f"<dt>{label} (<a" in full  # "(change)" links: MOVE-01
    fragment = alice.get(blade_url(gateway, "gateway_overview"), **HX).content.decode()
    assert fragment.lstrip().startswith('<div id="gateway-essentials"') and "<html" not in fragment


def test_the_gatewaysubnet_is_required_and_must_fit_subnet_05(alice, hub):
    make_vnet(alice, "x", "10.99.0.0/16")
    response = alice.post(create_url(alice, "gateway_create"), _form(alice, hub, gateway_subnet_prefix="10.99.0.0/27"))
    assert response.status_code == 422 and "SUBNET-05" in response.content.decode()
    response = alice.post(create_url(alice, "gateway_create"), _form(alice, hub, gateway_subnet_prefix=""))
    assert response.status_code == 422
    assert not VirtualNetworkGateway.objects.filter(name="hub-vpngw").exists()
    assert not Subnet.objects.filter(vnet=hub, name="GatewaySubnet").exists()


def test_one_gateway_per_vnet_limit_04_limit_05(alice, hub):
    make_gateway(alice, hub)
    response = alice.post(create_url(alice, "gateway_create"), _form(alice, hub, name="second", gateway_type="ExpressRoute", sku="Standard"))
    html = response.content.decode()
    assert response.status_code == 422 and "LIMIT-04" in html and "LIMIT-05" in html
    assert VirtualNetworkGateway.objects.filter(vnet=hub).count() == 1


def test_the_vnet_must_be_in_the_gateways_region_vnet_03(alice, hub):
    with pytest.raises(services.AzureRuleError) as exc:
        services.check_gateway(services.GatewaySpec(name="gw", location="westus", vnet=hub, public_ip_name="ip", gateway_subnet_prefix="10.50.255.0/27"))
    assert exc.value.field == "vnet" and "VNET-03" in exc.value.learn_more


def test_a_vnet_using_a_remote_gateway_cant_get_its_own_vnet_11(alice, hub):
    spoke = make_vnet(alice, "spoke-vnet", "10.60.0.0/16")
    make_gateway(alice, hub)
    peerings.add_peering(spoke, hub, name="s-h", remote_name="h-s", local=peerings.LinkSettings(use_remote=True), remote_settings=peerings.LinkSettings(transit=True))
    response = alice.post(create_url(alice, "gateway_create"), _form(alice, spoke, name="spoke-gw", gateway_subnet_prefix="10.60.255.0/27"))
    assert response.status_code == 422 and "VNET-11" in response.content.decode()


@pytest.mark.parametrize(
    ("overrides", "field_text"),
    [
        ({"sku": "Standard"}, "isn&#x27;t offered"),
        ({"vpn_type": "PolicyBased"}, "policy-based VPN gateway is available only with the Basic SKU"),
        ({"generation": "Generation2"}, "only in Generation1"),
        ({"bgp": "Enabled", "bgp_asn": "0"}, "ASN between 1 and 4294967294"),
        ({"bgp": "Enabled", "sku": "Basic"}, "Basic SKU doesn&#x27;t support BGP"),
        ({"active_active": "Enabled", "sku": "Basic"}, "Active-active mode needs a VpnGw SKU"),
        ({"public_ip_name": ""}, "Public IP address name is required"),
        ({"name": "bad name!"}, "NAMING-31"),
        ({"vnet": ""}, "Select a virtual network."),
    ],
)
def test_review_refuses_what_azure_refuses_and_writes_nothing(alice, hub, overrides, field_text):
    response = alice.post(create_url(alice, "gateway_create"), _form(alice, hub, action="review", **overrides), **HX)
    assert response.status_code == 422
    assert field_text in response.content.decode()
    assert not VirtualNetworkGateway.objects.filter(vnet=hub).exists()
    assert not Operation.objects.filter(kind="gateway-create").exists()


def test_review_passes_and_writes_nothing(alice, hub):
    response = alice.post(create_url(alice, "gateway_create"), _form(alice, hub, action="review"), **HX)
    assert response.status_code == 200 and "Validation passed" in response.content.decode()
    assert not VirtualNetworkGateway.objects.filter(vnet=hub).exists()
    assert not Subnet.objects.filter(vnet=hub, name="GatewaySubnet").exists()


def test_an_expressroute_gateway_can_be_created(alice, hub):
    assert alice.post(create_url(alice, "gateway_create"), _form(alice, hub, gateway_type="ExpressRoute", sku="ErGw1AZ")).status_code == 302
    assert VirtualNetworkGateway.objects.get(vnet=hub).gateway_type == "ExpressRoute"


def test_an_outsider_gets_404_and_the_create_page_refuses_put(alice, bob, hub):
    assert bob.get(create_url(alice, "gateway_create")).status_code == 404
    assert bob.post(create_url(alice, "gateway_create"), _form(alice, hub)).status_code == 404
    assert alice.put(create_url(alice, "gateway_create")).status_code == 405
    assert not VirtualNetworkGateway.objects.filter(vnet=hub).exists()


def test_a_gateway_appears_in_all_resources(alice, hub):
    gateway = make_gateway(alice, hub)
    html = alice.get("/resources/?type=Microsoft.Network/virtualNetworkGateways").content.decode()
    assert blade_url(gateway, "gateway_overview") in html
    finish_operations(alice)
