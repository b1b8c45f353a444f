"""The demo seed's network estate (issue #3): a hub-and-spoke network with
on-premises behind the hub's VPN gateway, a storage account locked to a
service endpoint subnet, and a SQL server behind a private endpoint. Traced
with the connectivity engine as a learner would."""

import pytest
from django.test import Client
from django.urls import reverse

from appservice import services
from appservice.models import AppSetting
from networking import models as n
from networking import snapshot
from networking.engine.trace import BLOCKED, REACHABLE, trace_app
from portal.middleware import SESSION_KEY
from portal.models import Sandbox
from portal.resources import count_resources
from tests.conftest import app_of, subnet_of


@pytest.fixture
def carol(db, settings):
    """A learner whose sandbox has the full demo seed, network included."""
    settings.VNETLAB_SEED_NETWORK = True
    client = Client()
    client.get(reverse("home"))
    client.sandbox = Sandbox.objects.get(key=client.session[SESSION_KEY])
    return client


def _trace(client, destination, port=443):
    app = app_of(client, "contoso-web")
    return trace_app(snapshot.build(client.sandbox), snapshot.app_source(app), destination, port)


def _integrate_with_spoke(client):
    subnet = subnet_of(client, "contoso-spoke-vnet", "app-integration-subnet")
    services.add_regional_integration(app_of(client, "contoso-web"), subnet.vnet, subnet=subnet)


def test_the_seed_holds_the_network_estate(carol):
    assert count_resources(carol.sandbox) == 31
    html = carol.get(reverse("all_resources")).content.decode()
    for name in (
        "contoso-hub-vnet",
        "contoso-spoke-vnet",
        "contoso-hub-vpngw",
        "contoso-onprem-lng",
        "contoso-sql01-pe",
        "contosodata01",
    ):
        assert name in html, name


def test_vnet_10_the_hub_and_spoke_are_peered_both_ways(carol):
    states = set(
        n.VirtualNetworkPeering.objects.filter(vnet__sandbox=carol.sandbox).values_list("name", "peering_state")
    )
    assert states == {("hub-to-spoke", "Connected"), ("spoke-to-hub", "Connected")}


def test_reset_returns_a_full_sandbox_to_the_seed(carol):
    n.NetworkSecurityGroup.objects.create(
        sandbox=carol.sandbox,
        resource_group=n.VirtualNetwork.objects.get(sandbox=carol.sandbox, name="contoso-hub-vnet").resource_group,
        name="extra-nsg",
        location="eastus",
    )
    assert carol.post(reverse("reset_sandbox")).status_code == 302
    assert count_resources(carol.sandbox) == 31
    assert not n.NetworkSecurityGroup.objects.filter(sandbox=carol.sandbox, name="extra-nsg").exists()


def test_seed_24_pedns_11_the_sql_private_endpoint_needs_the_dns_settings_in_classic(carol):
    _integrate_with_spoke(carol)
    blocked = _trace(carol, "contoso-sql01.database.windows.net", 1433)
    assert blocked.verdict == BLOCKED  # public resolution, and public access is disabled
    assert blocked.deciding_step == "Delivery"
    app = app_of(carol, "contoso-web")
    AppSetting.objects.create(app=app, name="WEBSITE_DNS_SERVER", value="168.63.129.16")
    AppSetting.objects.create(app=app, name="WEBSITE_VNET_ROUTE_ALL", value="1")
    reached = _trace(carol, "contoso-sql01.database.windows.net", 1433)
    assert reached.verdict == REACHABLE, reached.as_dict()
    assert reached.destination_ip == "10.100.2.4"


def test_seed_20_storage_needs_the_integration_subnets_service_endpoint_and_rule(carol):
    _integrate_with_spoke(carol)
    trace = _trace(carol, "contosodata01.blob.core.windows.net")
    assert trace.verdict == BLOCKED and "SE-01" in trace.rule_ids


def test_seed_14_on_premises_is_reached_through_the_hubs_gateway(carol):
    _integrate_with_spoke(carol)
    trace = _trace(carol, "192.168.10.5")
    assert trace.verdict == REACHABLE
    assert "VirtualNetworkGateway" in " ".join(s.detail for s in trace.steps)


def test_seed_14_the_hubs_appliance_is_reached_across_the_peering(carol):
    _integrate_with_spoke(carol)
    assert _trace(carol, "10.100.1.4", 22).verdict == REACHABLE
