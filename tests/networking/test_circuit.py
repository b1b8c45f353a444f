"""ExpressRoute circuits: create (with the prefixes on-premises advertises
over BGP, ROUTE-27), the blade and Delete."""

import pytest

from networking.models import ExpressRouteCircuit
from networking.services import gateways as services
from tests.helpers import HX
from tests.helpers.gateways import blade_url, create_url, make_circuit, make_gateway, make_vnet, rg_of

pytestmark = pytest.mark.django_db


def _form(client, **overrides):
    data = {
        "subscription": str(rg_of(client).subscription.subscription_id),
        "resource_group": rg_of(client).name,
        "name": "onprem-er",
        "region": "eastus",
        "provider": "Equinix",
        "peering_location": "Washington DC",
        "bandwidth": "1000",
        "advertised_prefix": ["192.168.0.0/16", ""],
        "current_tab": "basics",
        "action": "create",
    }
    data.update(overrides)
    return data


def test_create_stores_the_advertised_prefixes_route_27(alice):
    html = alice.get(create_url(alice, "circuit_create")).content.decode()
    for label in ("Create ExpressRoute circuit", "Provider", "Peering location", "Bandwidth", "Advertised on-premises prefixes"):
        assert label in html
    assert alice.post(create_url(alice, "circuit_create"), _form(alice)).status_code == 302
    circuit = ExpressRouteCircuit.objects.get()
    assert circuit.advertised_prefixes == ["192.168.0.0/16"] and circuit.bandwidth_mbps == 1000
    page = alice.get(blade_url(circuit, "circuit_overview")).content.decode()
    assert 'id="circuit-prefixes">192.168.0.0/16' in page


@pytest.mark.parametrize(
    ("overrides", "text"),
    [({"advertised_prefix": ["10.0.0.1/8"]}, "Did you mean"), ({"bandwidth": "123"}, "Select a valid choice"), ({"provider": "Nope"}, "Select a valid choice")],
)
def test_create_refuses_bad_input(alice, overrides, text):
    response = alice.post(create_url(alice, "circuit_create"), _form(alice, **overrides), **HX)
    assert response.status_code == 422 and text in response.content.decode()
    assert not ExpressRouteCircuit.objects.exists()


def test_delete_is_refused_while_a_connection_uses_it_route_27(alice):
    circuit = make_circuit(alice)
    gateway = make_gateway(alice, make_vnet(alice, "er-vnet", "10.51.0.0/16"), gateway_type="ExpressRoute", sku="Standard")
    services.add_connection(gateway, services.ConnectionSpec(name="er-conn", connection_type="ExpressRoute", circuit=circuit))
    response = alice.post(blade_url(circuit, "circuit_delete"), **HX)
    assert response.status_code == 422 and "ROUTE-27" in response.content.decode()


def test_delete_works_otherwise(alice):
    circuit = make_circuit(alice)
    assert alice.post(blade_url(circuit, "circuit_delete"), **HX)["HX-Location"]
    assert not ExpressRouteCircuit.objects.exists()


@pytest.mark.parametrize("page", ["circuit_overview", "circuit_activity", "circuit_properties", "circuit_delete"])
def test_circuit_pages_outsider_404(alice, bob, page):
    circuit = make_circuit(alice)
    assert alice.get(blade_url(circuit, page)).status_code == 200
    assert bob.get(blade_url(circuit, page)).status_code == 404


def test_overview_fragment_and_405(alice):
    circuit = make_circuit(alice)
    url = blade_url(circuit, "circuit_overview")
    assert alice.get(url, **HX).content.decode().lstrip().startswith('<div id="circuit-essentials">')
    assert alice.post(url).status_code == 405
