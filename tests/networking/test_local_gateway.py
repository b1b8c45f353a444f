"""Local network gateways: create, Configuration (edit), Delete."""

import pytest

from networking.models import LocalNetworkGateway
from portal.models import ActivityLogEntry, Notification
from tests.helpers import HX
from tests.helpers.gateways import blade_url, create_url, make_gateway, make_local, make_vnet, rg_of

pytestmark = pytest.mark.django_db


def _form(client, **overrides):
    data = {
        "subscription": str(rg_of(client).subscription.subscription_id),
        "resource_group": rg_of(client).name,
        "name": "onprem-lng",
        "region": "eastus",
        "ip_address": "203.0.113.10",
        "address_prefix": ["192.168.0.0/16", "172.20.0.0/16", ""],
        "current_tab": "basics",
        "action": "create",
    }
    data.update(overrides)
    return data


def test_create_shows_the_fields_and_creates_the_gateway(alice):
    html = alice.get(create_url(alice, "local_gateway_create")).content.decode()
    for label in ("Create local network gateway", "IP address", "Address space", "Configure BGP settings", "Autonomous system number (ASN)", "BGP peer IP address"):
        assert label in html, label
    response = alice.post(create_url(alice, "local_gateway_create"), _form(alice))
    local = LocalNetworkGateway.objects.get(name="onprem-lng")
    assert response.status_code == 302 and response["Location"] == blade_url(local, "local_gateway_overview")
    assert local.address_prefixes == ["192.168.0.0/16", "172.20.0.0/16"]
    assert ActivityLogEntry.objects.filter(resource_id=local.arm_id).exists()
    assert Notification.objects.filter(title="Deployment succeeded", body__contains="onprem-lng").exists()
    assert "onprem-lng" in alice.get("/resources/?type=Microsoft.Network/localNetworkGateways").content.decode()


@pytest.mark.parametrize(
    ("overrides", "text"),
    [
        ({"ip_address": "300.1.1.1"}, "not a valid IPv4 address"),
        ({"address_prefix": ["192.168.0.0/33"]}, "not a valid CIDR"),
        ({"address_prefix": ["192.168.0.0/16", "192.168.0.0/16"]}, "listed twice"),
        ({"address_prefix": [""]}, "ROUTE-07"),
        ({"bgp": "on", "bgp_asn": "x", "bgp_peer_ip": "10.0.0.1"}, "ASN between"),
        ({"bgp": "on", "bgp_asn": "65010", "bgp_peer_ip": "nope"}, "not a valid IPv4"),
        ({"name": "-bad"}, "NAMING-32"),
    ],
)
def test_create_refuses_bad_input_route_07(alice, overrides, text):
    response = alice.post(create_url(alice, "local_gateway_create"), _form(alice, **overrides), **HX)
    assert response.status_code == 422 and text in response.content.decode()
    assert not LocalNetworkGateway.objects.exists()


def test_bgp_without_address_space_is_allowed_route_07(alice):
    response = alice.post(create_url(alice, "local_gateway_create"), _form(alice, address_prefix=[""], bgp="on", bgp_asn="65010", bgp_peer_ip="192.168.0.1"))
    assert response.status_code == 302
    assert LocalNetworkGateway.objects.get().bgp_asn == 65010


def test_configuration_edits_address_space_and_bgp(alice):
    local = make_local(alice)
    url = blade_url(local, "local_gateway_configuration")
    assert "192.168.0.0/16" in alice.get(url).content.decode()
    response = alice.post(url, {"ip_address": "203.0.113.20", "address_prefix": ["10.200.0.0/16"], "bgp": "on", "bgp_asn": "65020", "bgp_peer_ip": "10.200.0.1"}, **HX)
    assert response.status_code == 200 and 'id="local-saved"' in response.content.decode()
    local.refresh_from_db()
    assert (local.gateway_ip_address, local.address_prefixes, local.bgp_asn) == ("203.0.113.20", ["10.200.0.0/16"], 65020)
    response = alice.post(url, {"ip_address": "bad", "address_prefix": ["10.0.0.0/8"]}, **HX)
    assert response.status_code == 422
    local.refresh_from_db()
    assert local.gateway_ip_address == "203.0.113.20"


def test_delete_is_refused_while_a_connection_uses_it(alice):
    from networking.services import gateways as services

    local = make_local(alice)
    gateway = make_gateway(alice, make_vnet(alice, "hub", "10.50.0.0/16"))
    services.add_connection(gateway, services.ConnectionSpec(name="c1", connection_type="IPsec", local_gateway=local, shared_key="k"))
    response = alice.post(blade_url(local, "local_gateway_delete"), **HX)
    assert response.status_code == 422 and "connection &#x27;c1&#x27;" in response.content.decode()
    assert LocalNetworkGateway.objects.filter(pk=local.pk).exists()


def test_delete_asks_yes_no_and_deletes(alice):
    local = make_local(alice)
    assert ">Yes</button>" in alice.get(blade_url(local, "local_gateway_delete")).content.decode()
    assert alice.post(blade_url(local, "local_gateway_delete")).status_code == 302
    assert not LocalNetworkGateway.objects.exists()


@pytest.mark.parametrize("page", ["local_gateway_overview", "local_gateway_activity", "local_gateway_properties", "local_gateway_configuration", "local_gateway_delete"])
def test_local_gateway_pages_outsider_404(alice, bob, page):
    local = make_local(alice)
    assert alice.get(blade_url(local, page)).status_code == 200
    assert bob.get(blade_url(local, page)).status_code == 404


def test_overview_essentials_fragment_and_405(alice):
    local = make_local(alice)
    url = blade_url(local, "local_gateway_overview")
    html = alice.get(url).content.decode()
    for label in ("Resource group", "Location", "Subscription", "Subscription ID", "IP address", "Address space"):
        assert f"<dt>{label}</dt>" in html or f"<dt>{label} (<a" in html  # "(change)" links: MOVE-01
    assert alice.get(url, **HX).content.decode().lstrip().startswith('<div id="local-essentials">')
    assert alice.post(url).status_code == 405
