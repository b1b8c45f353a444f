"""A virtual network gateway's blade: Configuration (SKU), Point-to-site
configuration, Properties, Activity log and Delete."""

import json

import pytest

from appservice import services as appservice_services
from networking.models import VirtualNetworkGateway
from portal.models import ActivityLogEntry, Notification
from tests.helpers import HX, app_of, vnet_of
from tests.helpers.gateways import blade_url, make_gateway, make_vnet

pytestmark = pytest.mark.django_db

PAGES = [
    "gateway_overview",
    "gateway_activity",
    "gateway_properties",
    "gateway_configuration",
    "gateway_connections",
    "gateway_p2s",
    "gateway_delete",
    "gateway_connection_add",
]


@pytest.fixture
def gateway(alice):
    return make_gateway(alice, make_vnet(alice, "hub-vnet", "10.50.0.0/16"), "hub-vpngw")


def _p2s(client, gateway, **data):
    return client.post(
        blade_url(gateway, "gateway_p2s"),
        {"address_pool": "172.16.201.0/24", "tunnel_type": "SSTP", "auth_type": "certificate", **data},
        **HX,
    )


def test_the_menu_has_the_gateway_pages(alice, gateway):
    html = alice.get(blade_url(gateway, "gateway_overview")).content.decode()
    for label in (
        "Overview",
        "Activity log",
        "Configuration",
        "Connections",
        "Point-to-site configuration",
        "Properties",
    ):
        assert f"<span>{label}</span>" in html


@pytest.mark.parametrize("page", PAGES)
def test_an_outsider_gets_404_on_every_gateway_page(alice, bob, gateway, page):
    assert bob.get(blade_url(gateway, page)).status_code == 404


@pytest.mark.parametrize("page", ["gateway_overview", "gateway_activity", "gateway_properties", "gateway_connections"])
def test_read_only_gateway_pages_refuse_post_with_405(alice, gateway, page):
    assert alice.post(blade_url(gateway, page)).status_code == 405


def test_properties_is_the_arm_json(alice, gateway):
    html = alice.get(blade_url(gateway, "gateway_properties")).content.decode()
    assert "Microsoft.Network/virtualNetworkGateways" in html and gateway.arm_id in html


def test_configure_now_opens_the_point_to_site_form(alice, gateway):
    page = alice.get(blade_url(gateway, "gateway_p2s")).content.decode()
    assert 'id="configure-now"' in page and "Point-to-site is not configured" in page
    form = alice.get(blade_url(gateway, "gateway_p2s") + "?configure=1", **HX).content.decode()
    assert form.lstrip().startswith('<div id="p2s-panel">')
    for label in (
        "Address pool",
        "Tunnel type",
        "Authentication type",
        "Root certificates",
        "Public certificate data",
        "OpenVPN (SSL)",
        "SSTP (SSL)",
        "IKEv2 and SSTP (SSL)",
        "Azure certificate",
    ):
        assert label in form, label


def test_save_stores_the_pool_and_tunnel_type_with_activity_and_notification(alice, gateway):
    response = _p2s(alice, gateway, tunnel_type="IkeV2SSTP")
    assert response.status_code == 200 and 'id="p2s-saved"' in response.content.decode()
    gateway.refresh_from_db()
    assert gateway.p2s_address_pool == "172.16.201.0/24" and gateway.p2s_tunnel_types == ["IKEv2", "SSTP"]
    assert (
        ActivityLogEntry.objects.filter(
            resource_id=gateway.arm_id, operation_name="Create or Update Virtual Network Gateway", status="Succeeded"
        ).count()
        == 2
    )
    assert Notification.objects.filter(title="Saved point-to-site configuration").exists()


@pytest.mark.parametrize(
    ("pool", "text"),
    [
        ("10.50.1.0/24", "overlaps the address space"),
        ("172.16.201.5/24", "Did you mean"),
        ("nonsense", "not a valid CIDR"),
        ("fd00::/64", "IPv6"),
        ("224.0.0.0/24", "VNET-02"),
    ],
)
def test_the_address_pool_must_be_a_cidr_outside_the_vnet_asgw_09(alice, gateway, pool, text):
    response = _p2s(alice, gateway, address_pool=pool)
    assert response.status_code == 422 and text in response.content.decode()
    gateway.refresh_from_db()
    assert gateway.p2s_address_pool == ""


def test_app_service_needs_sstp_and_rfc1918_noted_not_refused_asgw_07_asgw_09_asgw_10(alice, gateway):
    response = _p2s(alice, gateway, address_pool="100.64.0.0/24", tunnel_type="IkeV2")
    html = response.content.decode()
    assert response.status_code == 200 and 'id="app-service-note"' in html
    assert "ASGW-07, ASGW-09, ASGW-10" in html


def test_at_most_20_root_certificates_limit_24(alice, gateway):
    data = {"cert_name": [f"root{i}" for i in range(21)], "cert_data": ["TUlJQw=="] * 21}
    response = alice.post(
        blade_url(gateway, "gateway_p2s"),
        {"address_pool": "172.16.201.0/24", "tunnel_type": "SSTP", "auth_type": "certificate", **data},
        **HX,
    )
    assert response.status_code == 422 and "LIMIT-24" in response.content.decode()


def test_root_certificate_data_must_be_base64(alice, gateway):
    response = alice.post(
        blade_url(gateway, "gateway_p2s"),
        {
            "address_pool": "172.16.201.0/24",
            "tunnel_type": "SSTP",
            "auth_type": "certificate",
            "cert_name": ["root"],
            "cert_data": ["not base64!"],
        },
        **HX,
    )
    assert response.status_code == 422 and "isn&#x27;t Base64" in response.content.decode()


def test_the_basic_sku_hides_tunnel_and_auth_type_and_uses_sstp(alice):
    basic = make_gateway(alice, make_vnet(alice, "basic-vnet", "10.52.0.0/16"), "basic-gw", sku="Basic")
    html = alice.get(blade_url(basic, "gateway_p2s") + "?configure=1").content.decode()
    assert 'id="basic-sku-note"' in html and 'id="tunnel-type"' not in html
    _p2s(alice, basic, tunnel_type="IkeV2")
    basic.refresh_from_db()
    assert basic.p2s_tunnel_types == ["SSTP"]


def test_expressroute_gateways_have_no_point_to_site_asgw_08(alice):
    er = make_gateway(
        alice, make_vnet(alice, "er-vnet", "10.53.0.0/16"), "er-gw", gateway_type="ExpressRoute", sku="Standard"
    )
    assert 'id="p2s-unavailable"' in alice.get(blade_url(er, "gateway_p2s")).content.decode()
    response = _p2s(alice, er)
    assert response.status_code == 422 and "ASGW-08" in response.content.decode()


def test_point_to_site_waits_for_the_gateway_to_be_created_asgw_12(alice):
    busy = make_gateway(alice, make_vnet(alice, "busy-vnet", "10.54.0.0/16"), "busy-gw", finished=False)
    assert _p2s(alice, busy).status_code == 422


def test_configuration_resizes_the_sku(alice, gateway):
    response = alice.post(blade_url(gateway, "gateway_configuration"), {"sku": "VpnGw2"}, **HX)
    assert response.status_code == 200
    gateway.refresh_from_db()
    assert gateway.sku == "VpnGw2"
    response = alice.post(blade_url(gateway, "gateway_configuration"), {"sku": "Basic"}, **HX)
    assert response.status_code == 422 and "Basic gateway can&#x27;t be resized" in response.content.decode()


def test_delete_asks_yes_no_and_deletes_with_activity(alice, gateway):
    url = blade_url(gateway, "gateway_delete")
    html = alice.get(url, **HX).content.decode()
    assert ">Yes</button>" in html and ">No</button>" in html
    response = alice.post(url, **HX)
    assert response.status_code == 200 and json.loads(response["HX-Location"])["path"].endswith("/overview")
    assert not VirtualNetworkGateway.objects.filter(pk=gateway.pk).exists()
    assert ActivityLogEntry.objects.filter(
        resource_id=gateway.arm_id, operation_name="Delete Virtual Network Gateway"
    ).exists()


def test_delete_is_refused_while_an_app_uses_gateway_required_integration(alice):
    gateway = VirtualNetworkGateway.objects.get(sandbox=alice.sandbox, name="contoso-westus-vpngw")
    appservice_services.add_gateway_integration(app_of(alice, "contoso-web"), vnet_of(alice, "contoso-westus-vnet"))
    response = alice.post(blade_url(gateway, "gateway_delete"), **HX)
    assert response.status_code == 422 and "contoso-web" in response.content.decode()
    assert VirtualNetworkGateway.objects.filter(pk=gateway.pk).exists()


def test_the_gateway_json_has_the_point_to_site_pool(alice, gateway):
    _p2s(alice, gateway)
    gateway.refresh_from_db()
    document = gateway.arm_json()
    assert (
        json.dumps(document["properties"]["vpnClientConfiguration"]["vpnClientAddressPool"])
        == '{"addressPrefixes": ["172.16.201.0/24"]}'
    )


@pytest.mark.parametrize("page", ["gateway_overview", "gateway_connections", "gateway_p2s"])
def test_gateway_pages_query_count_does_not_grow_with_the_sandbox(alice, gateway, page, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.helpers.gateways import grow_connections

    grow_connections(alice, gateway, 2, 0)
    alice.get(blade_url(gateway, page))  # the first page load finishes the due create operation
    with CaptureQueriesContext(connection) as small:
        alice.get(blade_url(gateway, page))
    grow_connections(alice, gateway, 10, 2)
    with django_assert_num_queries(len(small.captured_queries)):
        alice.get(blade_url(gateway, page))


def test_point_to_site_settings_are_kept_and_shown_in_the_json(alice):
    """ASGW-10, LIMIT-24: the tunnel, authentication type and root
    certificates are stored with the gateway."""
    from networking.models import VirtualNetworkGateway
    from networking.services.gateways import PointToSite, save_point_to_site

    gateway = VirtualNetworkGateway.objects.select_related("sandbox", "vnet", "resource_group__subscription").get(
        sandbox=alice.sandbox, name="contoso-westus-vpngw"
    )
    save_point_to_site(gateway, PointToSite("172.16.202.0/24", "SSTP", "certificate", (("root1", "MIIBIjANBgkq"),)))
    gateway.refresh_from_db()
    assert gateway.p2s_root_certificates == [["root1", "MIIBIjANBgkq"]]
    document = gateway.arm_json()["properties"]["vpnClientConfiguration"]
    assert document["vpnClientRootCertificates"] == [{"name": "root1"}]
    assert document["vpnAuthenticationTypes"] == ["Certificate"]
