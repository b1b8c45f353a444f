"""A classic VNet's gateway (CLASSIC-02): no ARM "Virtual network gateway"
in All resources or its resource group; its pages are the classic VNet's
"VPN connections", under the type line "Virtual network (classic)"."""

import pytest
from django.urls import reverse

from networking.models import VirtualNetworkGateway
from portal.arm.export import export_sandbox
from portal.resources import resource_page
from tests.helpers.gateways import blade_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def classic_gateway(alice) -> VirtualNetworkGateway:
    return VirtualNetworkGateway.objects.select_related("vnet__resource_group__subscription").get(
        sandbox=alice.sandbox, vnet__is_classic=True
    )


def _vpn_connections_url(vnet) -> str:
    rg = vnet.resource_group
    kwargs = {"subscription_id": rg.subscription.subscription_id, "rg": rg.name, "name": vnet.name}
    return reverse("networking:vnet_vpn_connections", kwargs={"provider": "Microsoft.ClassicNetwork", **kwargs})


def test_all_resources_and_the_resource_group_leave_the_classic_gateway_out_classic_02(alice, classic_gateway):
    rows, *_ = resource_page(alice.sandbox, per_page=500)
    listed = {(row.name, row.arm_type) for row in rows}
    assert (classic_gateway.name, "Microsoft.Network/virtualNetworkGateways") not in listed
    assert (classic_gateway.vnet.name, "Microsoft.ClassicNetwork/virtualNetworks") in listed
    assert any(arm_type == "Microsoft.Network/virtualNetworkGateways" for _, arm_type in listed)  # ARM ones stay
    group_rows, *_ = resource_page(alice.sandbox, resource_group=classic_gateway.resource_group, per_page=500)
    assert classic_gateway.name not in {row.name for row in group_rows}
    html = alice.get(reverse("all_resources")).content.decode()
    assert f">{classic_gateway.name}<" not in html


def test_the_classic_gateway_opens_as_the_classic_vnets_vpn_connections_classic_02(alice, classic_gateway):
    vnet = classic_gateway.vnet
    response = alice.get(blade_url(classic_gateway, "gateway_overview"))
    assert response.status_code == 302 and response.url == _vpn_connections_url(vnet)
    html = alice.get(response.url).content.decode()
    assert '<div class="az-blade-type">Virtual network (classic)</div>' in html
    assert f'{vnet.name} <span class="az-title-sep">|</span> VPN connections' in html
    assert 'id="gateway-type"' in html and "CLASSIC-02" in html
    for page in ("gateway_p2s", "gateway_configuration", "gateway_connections", "gateway_properties"):
        page_html = alice.get(blade_url(classic_gateway, page)).content.decode()
        assert '<div class="az-blade-type">Virtual network (classic)</div>' in page_html, page
        assert "Virtual network gateway</div>" not in page_html, page


def test_the_classic_vnet_links_its_gateway_to_vpn_connections(alice, classic_gateway):
    vnet = classic_gateway.vnet
    rg = vnet.resource_group
    overview = reverse(
        "networking:vnet_overview",
        kwargs={
            "provider": "Microsoft.ClassicNetwork",
            "subscription_id": rg.subscription.subscription_id,
            "rg": rg.name,
            "name": vnet.name,
        },
    )
    html = alice.get(overview).content.decode()
    assert f'href="{_vpn_connections_url(vnet)}"' in html and "VPN connections" in html


def test_vpn_connections_is_a_classic_page_only(alice, classic_gateway, bob):
    arm_vnet = VirtualNetworkGateway.objects.filter(sandbox=alice.sandbox, vnet__is_classic=False).first().vnet
    rg = arm_vnet.resource_group
    kwargs = {"subscription_id": rg.subscription.subscription_id, "rg": rg.name, "name": arm_vnet.name}
    url = reverse("networking:vnet_vpn_connections", kwargs={"provider": "Microsoft.Network", **kwargs})
    assert alice.get(url).status_code == 404
    assert bob.get(_vpn_connections_url(classic_gateway.vnet)).status_code == 404


def test_export_template_still_writes_the_classic_gateway(alice, classic_gateway):
    exported = export_sandbox(alice.sandbox)
    defaults = {name: p.get("defaultValue") for name, p in exported["parameters"].items()}
    gateways = [
        defaults.get(r["name"][13:-3], r["name"])
        for r in exported["resources"]
        if r["type"] == "Microsoft.Network/virtualNetworkGateways"
    ]
    assert classic_gateway.name in gateways
