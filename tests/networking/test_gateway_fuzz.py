"""Fuzzing the gateway family's forms: the gateway wizard, point-to-site,
local network gateways, circuits and connections. Every answer is a page
with errors or a created resource; never a 500; nothing written on refusal."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from networking.models import (
    ExpressRouteCircuit,
    LocalNetworkGateway,
    Subnet,
    VirtualNetworkGateway,
    VirtualNetworkGatewayConnection,
)
from portal.models import Operation
from tests.helpers import HX
from tests.helpers.gateways import blade_url, create_url, make_gateway, make_vnet, rg_of

pytestmark = pytest.mark.django_db
FUZZ = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

cidr = st.one_of(
    st.text(max_size=40),
    st.builds(lambda a, b, c, d, n: f"{a}.{b}.{c}.{d}/{n}", *(st.integers(-5, 300) for _ in range(4)), st.integers(-3, 140)),
    st.sampled_from(["10.50.255.0/27", "172.16.201.0/24", "::/0", "fd00::/64", "10.50.0.0/16", "0.0.0.0/0", "١٠.0.0.0/8"]),
)
name = st.one_of(st.text(max_size=100), st.sampled_from(["gw", "a" * 81, "ok_name.", "név", "-x"]))
asn = st.one_of(st.text(max_size=12), st.integers(-10, 2**33).map(str))
ip = st.one_of(st.text(max_size=20), st.sampled_from(["203.0.113.10", "999.1.1.1", "::1", "10.0.0.1"]))


def _snapshot():
    return (
        VirtualNetworkGateway.objects.count(),
        Subnet.objects.count(),
        Operation.objects.count(),
        LocalNetworkGateway.objects.count(),
        ExpressRouteCircuit.objects.count(),
        VirtualNetworkGatewayConnection.objects.count(),
        sorted(VirtualNetworkGateway.objects.values_list("p2s_address_pool", "sku")),
    )


@FUZZ
@given(gw_name=name, prefix=cidr, sku=st.sampled_from(["Basic", "VpnGw1", "Standard", "", "x"]), gtype=st.sampled_from(["Vpn", "ExpressRoute", "?"]),
       vpn_type=st.sampled_from(["RouteBased", "PolicyBased", ""]), bgp=st.sampled_from(["Enabled", "Disabled", ""]), bgp_asn=asn, pip=name,
       action=st.sampled_from(["review", "create", "stay", "next"]), vnet=st.one_of(st.just("own"), st.text(max_size=8)))
def test_the_gateway_wizard_never_errors(alice, gw_name, prefix, sku, gtype, vpn_type, bgp, bgp_asn, pip, action, vnet):
    hub = getattr(alice, "hub", None) or make_vnet(alice, "fuzz-hub", "10.50.0.0/16")
    alice.hub = hub
    before = _snapshot()
    data = {
        "subscription": str(rg_of(alice).subscription.subscription_id), "resource_group": rg_of(alice).name,
        "name": gw_name, "region": "eastus", "gateway_type": gtype, "vpn_type": vpn_type, "sku": sku, "generation": "Generation1",
        "vnet": str(hub.pk) if vnet == "own" else vnet, "gateway_subnet_prefix": prefix, "public_ip_name": pip,
        "active_active": "Disabled", "bgp": bgp, "bgp_asn": bgp_asn, "current_tab": "basics", "action": action,
    }
    response = alice.post(create_url(alice, "gateway_create"), data, **HX)
    assert response.status_code in (200, 422)
    if response.get("HX-Location"):
        VirtualNetworkGateway.objects.all().delete()
        Subnet.objects.filter(vnet=hub).delete()
        Operation.objects.all().delete()
    else:
        assert _snapshot() == before


@FUZZ
@given(pool=cidr, tunnel=st.text(max_size=12), auth=st.text(max_size=12), cert_name=name, cert_data=st.text(max_size=40))
def test_point_to_site_never_errors(alice, pool, tunnel, auth, cert_name, cert_data):
    gateway = getattr(alice, "gw", None) or make_gateway(alice, make_vnet(alice, "p2s-hub", "10.50.0.0/16"))
    alice.gw = gateway
    gateway.refresh_from_db()
    before = _snapshot()
    response = alice.post(blade_url(gateway, "gateway_p2s"), {"address_pool": pool, "tunnel_type": tunnel, "auth_type": auth, "cert_name": cert_name, "cert_data": cert_data}, **HX)
    assert response.status_code in (200, 422)
    if response.status_code == 422:
        assert _snapshot() == before


@FUZZ
@given(lng_name=name, address=ip, prefixes=st.lists(cidr, max_size=3), bgp=st.booleans(), bgp_asn=asn, peer=ip)
def test_the_local_gateway_wizard_and_configuration_never_error(alice, lng_name, address, prefixes, bgp, bgp_asn, peer):
    before = _snapshot()
    data = {
        "subscription": str(rg_of(alice).subscription.subscription_id), "resource_group": rg_of(alice).name,
        "name": lng_name, "region": "eastus", "ip_address": address, "address_prefix": prefixes, "bgp_asn": bgp_asn,
        "bgp_peer_ip": peer, "current_tab": "basics", "action": "create", **({"bgp": "on"} if bgp else {}),
    }
    response = alice.post(create_url(alice, "local_gateway_create"), data, **HX)
    assert response.status_code in (200, 422)
    if response.get("HX-Location"):
        local = LocalNetworkGateway.objects.get()
        edit = alice.post(blade_url(local, "local_gateway_configuration"), data, **HX)
        assert edit.status_code in (200, 422)
        LocalNetworkGateway.objects.all().delete()
    else:
        assert _snapshot() == before


@FUZZ
@given(er_name=name, prefixes=st.lists(cidr, max_size=3), bandwidth=st.text(max_size=6), provider=st.text(max_size=10))
def test_the_circuit_wizard_never_errors(alice, er_name, prefixes, bandwidth, provider):
    before = _snapshot()
    data = {
        "subscription": str(rg_of(alice).subscription.subscription_id), "resource_group": rg_of(alice).name,
        "name": er_name, "region": "eastus", "provider": provider or "Equinix", "peering_location": "London",
        "bandwidth": bandwidth or "1000", "advertised_prefix": prefixes, "current_tab": "basics", "action": "create",
    }
    response = alice.post(create_url(alice, "circuit_create"), data, **HX)
    assert response.status_code in (200, 422)
    if response.get("HX-Location"):
        ExpressRouteCircuit.objects.all().delete()
    else:
        assert _snapshot() == before


@FUZZ
@given(cn_name=name, ctype=st.sampled_from(["IPsec", "ExpressRoute", "Vnet2Vnet", ""]), local=st.one_of(st.just("own"), st.text(max_size=14)), key=st.text(max_size=140), bgp=st.booleans())
def test_the_connection_pane_never_errors(alice, cn_name, ctype, local, key, bgp):
    from tests.helpers.gateways import make_local

    gateway = getattr(alice, "gw", None) or make_gateway(alice, make_vnet(alice, "cn-hub", "10.50.0.0/16"))
    alice.gw = gateway
    lng = getattr(alice, "lng", None) or make_local(alice)
    alice.lng = lng
    before = _snapshot()
    data = {"name": cn_name, "connection_type": ctype, "local_gateway": str(lng.pk) if local == "own" else local, "shared_key": key, **({"enable_bgp": "on"} if bgp else {})}
    response = alice.post(blade_url(gateway, "gateway_connection_add"), data, **HX)
    assert response.status_code in (200, 422)
    if response.status_code == 422:
        assert _snapshot() == before
    else:
        VirtualNetworkGatewayConnection.objects.all().delete()
