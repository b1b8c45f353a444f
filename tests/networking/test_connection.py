"""Connections of a gateway: "+ Add" (site-to-site IPsec, ExpressRoute),
the connection's blade and Delete."""

import pytest

from networking.models import VirtualNetworkGatewayConnection
from portal.models import ActivityLogEntry
from tests.helpers import HX
from tests.helpers.gateways import blade_url, make_circuit, make_gateway, make_local, make_vnet

pytestmark = pytest.mark.django_db


@pytest.fixture
def vpn(alice):
    return make_gateway(alice, make_vnet(alice, "hub-vnet", "10.50.0.0/16"), "hub-vpngw")


@pytest.fixture
def er(alice):
    return make_gateway(alice, make_vnet(alice, "er-vnet", "10.51.0.0/16"), "er-gw", gateway_type="ExpressRoute", sku="Standard")


def _add(client, gateway, **data):
    return client.post(blade_url(gateway, "gateway_connection_add"), data, **HX)


def test_the_add_pane_has_the_fields(alice, vpn):
    make_local(alice)
    html = alice.get(blade_url(vpn, "gateway_connection_add"), **HX).content.decode()
    for label in ("Name", "Connection type", "Site-to-site (IPsec)", "Local network gateway", "Shared key (PSK)", "Enable BGP", "onprem-lng"):
        assert label in html, label


def test_a_site_to_site_connection_is_connected(alice, vpn):
    local = make_local(alice)
    response = _add(alice, vpn, name="hub-to-onprem", connection_type="IPsec", local_gateway=local.pk, shared_key="s3cr3t!")
    assert response.status_code == 200 and response["HX-Retarget"] == "#connection-table"
    connection = VirtualNetworkGatewayConnection.objects.get(name="hub-to-onprem")
    assert connection.local_network_gateway == local and connection.location == vpn.location
    html = alice.get(blade_url(connection, "connection_overview")).content.decode()
    assert 'id="connection-status"' in html and "Connected" in html
    for label in ("Resource group", "Location", "Subscription", "Subscription ID"):
        assert f"<dt>{label}</dt>" in html or f"<dt>{label} (<a" in html  # "(change)" links: MOVE-01
    assert ActivityLogEntry.objects.filter(resource_id=connection.arm_id).exists()
    assert "hub-to-onprem" in alice.get("/resources/?type=Microsoft.Network/connections").content.decode()


def test_ipsec_needs_a_vpn_gateway_route_21(alice, er):
    local = make_local(alice)
    response = _add(alice, er, name="c1", connection_type="IPsec", local_gateway=local.pk, shared_key="k")
    assert response.status_code == 422 and "ROUTE-21" in response.content.decode()
    assert not VirtualNetworkGatewayConnection.objects.exists()


def test_expressroute_needs_an_expressroute_gateway_route_27(alice, vpn):
    circuit = make_circuit(alice)
    response = _add(alice, vpn, name="c1", connection_type="ExpressRoute", circuit=circuit.pk)
    assert response.status_code == 422 and "ROUTE-27" in response.content.decode()


def test_an_expressroute_connection_always_uses_bgp_route_27(alice, er):
    circuit = make_circuit(alice)
    assert _add(alice, er, name="er-conn", connection_type="ExpressRoute", circuit=circuit.pk).status_code == 200
    assert VirtualNetworkGatewayConnection.objects.get(name="er-conn").enable_bgp


def test_bgp_needs_the_local_gateways_bgp_settings_route_07(alice, vpn):
    local = make_local(alice)
    response = _add(alice, vpn, name="c1", connection_type="IPsec", local_gateway=local.pk, shared_key="k", enable_bgp="on")
    assert response.status_code == 422 and "ROUTE-07" in response.content.decode()
    with_bgp = make_local(alice, "bgp-lng", bgp=True)
    assert _add(alice, vpn, name="c2", connection_type="IPsec", local_gateway=with_bgp.pk, shared_key="k", enable_bgp="on").status_code == 200


@pytest.mark.parametrize("key", ["", "has space", "x" * 129, "ünïcode"])
def test_the_shared_key_is_1_to_128_printable_ascii(alice, vpn, key):
    local = make_local(alice)
    assert _add(alice, vpn, name="c1", connection_type="IPsec", local_gateway=local.pk, shared_key=key).status_code == 422


def test_connections_wait_for_the_gateway_asgw_12(alice):
    busy = make_gateway(alice, make_vnet(alice, "busy", "10.55.0.0/16"), finished=False)
    local = make_local(alice)
    response = _add(alice, busy, name="c1", connection_type="IPsec", local_gateway=local.pk, shared_key="k")
    assert response.status_code == 422 and "ASGW-12" in response.content.decode()


def test_a_local_gateway_of_another_sandbox_cant_be_used(alice, bob, vpn):
    bobs = make_local(bob, "bob-lng")
    assert _add(alice, vpn, name="c1", connection_type="IPsec", local_gateway=bobs.pk, shared_key="k").status_code == 422


def test_connection_pages_outsider_404_wrong_method_405_and_fragment(alice, bob, vpn):
    local = make_local(alice)
    _add(alice, vpn, name="c1", connection_type="IPsec", local_gateway=local.pk, shared_key="k")
    connection = VirtualNetworkGatewayConnection.objects.get(name="c1")
    for page in ("connection_overview", "connection_activity", "connection_properties", "connection_delete"):
        assert bob.get(blade_url(connection, page)).status_code == 404
        assert alice.get(blade_url(connection, page)).status_code == 200
    assert alice.post(blade_url(connection, "connection_overview")).status_code == 405
    fragment = alice.get(blade_url(connection, "connection_overview"), **HX).content.decode()
    assert fragment.lstrip().startswith('<div id="connection-essentials">')


def test_deleting_a_gateway_with_connections_is_refused_and_deleting_the_connection_works(alice, vpn):
    local = make_local(alice)
    _add(alice, vpn, name="c1", connection_type="IPsec", local_gateway=local.pk, shared_key="k")
    assert alice.post(blade_url(vpn, "gateway_delete"), **HX).status_code == 422
    connection = VirtualNetworkGatewayConnection.objects.get(name="c1")
    assert alice.post(blade_url(connection, "connection_delete")).status_code == 302
    assert not VirtualNetworkGatewayConnection.objects.exists()
    assert alice.post(blade_url(vpn, "gateway_delete")).status_code == 302
