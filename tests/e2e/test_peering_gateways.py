"""Issue #3 walkthrough, the on-premises part: a hub VNet gets a VPN gateway
(the learner watches it go from Updating to Succeeded live), a spoke is
peered to it with "Use the remote virtual network's gateway", peering two
overlapping VNets is refused (ERR-22), and a local network gateway gets a
site-to-site connection. The VNets themselves come from the service: their
create wizard is another family's walkthrough."""

import pytest
from playwright.sync_api import expect

from networking.models import VirtualNetwork, VirtualNetworkGatewayConnection, VirtualNetworkPeering
from networking.services import create_vnet
from portal.models import ResourceGroup
from tests.e2e.flows import htmx_click, pane_closed, toast, wait_for_pane
from tests.e2e.support import LIVE_TIMEOUT_MS, Tab

pytestmark = pytest.mark.browser

GATEWAY_SECONDS = 4.0


def _estate(tab: Tab) -> dict:
    sandbox = tab.sandbox()
    rg = ResourceGroup.objects.select_related("subscription").get(subscription__sandbox=sandbox, name="contoso-rg")
    for name, space in (("hub-vnet", "10.100.0.0/16"), ("spoke-vnet", "10.101.0.0/16"), ("overlap-vnet", "10.100.128.0/17")):
        create_vnet(rg, name=name, location="eastus", address_space=[space], subnets=[("default", space.replace("/16", "/24").replace("/17", "/24"))])
    base = f"/resource/subscriptions/{rg.subscription.subscription_id}/resourceGroups/{rg.name}/providers/"
    return {"base": base, "rg": rg}


def _peerings_url(estate, vnet: str) -> str:
    return f"{estate['base']}Microsoft.Network/virtualNetworks/{vnet}/peerings"


def _create_gateway(tab: Tab, estate) -> None:
    tab.goto(estate["base"] + "Microsoft.Network/virtualNetworkGateways/create", "gateway-create")
    page = tab.page
    expect(page.locator("h1.az-blade-title")).to_contain_text("Create virtual network gateway")
    page.locator("#name").fill("hub-vpngw")
    hub_pk = str(VirtualNetwork.objects.get(sandbox=tab.sandbox(), name="hub-vnet").pk)
    with page.expect_response(lambda r: "virtualNetworkGateways/create" in r.url):
        page.locator("#vnet").select_option(hub_pk)
    tab.settle()
    expect(page.locator("#gateway-subnet-prefix")).to_have_value("10.100.1.0/27")
    page.locator("#public-ip-name").fill("hub-vpngw-ip")
    tab.shot("gateway-basics")
    htmx_click(tab, page.locator("#review-button"), "virtualNetworkGateways/create")
    expect(page.locator("#validation-banner")).to_have_attribute("data-validation", "passed")
    tab.shot("gateway-review")
    with page.expect_navigation():
        page.locator("#create-button").click()
    tab.wait_live()


def test_hub_gateway_live_then_peered_spoke_local_gateway_and_connection(tabs, settings):
    settings.VNETLAB_OPERATION_SECONDS = GATEWAY_SECONDS
    tab = tabs.tab()
    estate = _estate(tab)
    page = tab.page

    # 1. The VPN gateway: Updating, then Succeeded without a reload.
    _create_gateway(tab, estate)
    loaded_at = tab.probe()["loadedAt"]
    status = page.locator("#gateway-status")
    expect(status).to_have_attribute("data-status", "Updating")
    # The in-progress toast was pushed while the browser was still navigating here.
    tab.shot("gateway-updating")
    expect(status).to_have_attribute("data-status", "Succeeded", timeout=LIVE_TIMEOUT_MS)
    expect(toast(tab, "Deployment succeeded")).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    tab.shot("gateway-succeeded")
    assert tab.probe()["loadedAt"] == loaded_at, "the overview was reloaded"
    assert tab.probe()["wsMessages"] >= 1

    # 2. The spoke uses the hub's gateway over a peering.
    tab.goto(_peerings_url(estate, "spoke-vnet"), "spoke-peerings-empty")
    expect(page.locator("#not-transitive")).to_contain_text("not transitive")
    page.locator("#add-peering").click()
    pane = wait_for_pane(tab)
    pane.locator("#peering-name").fill("spoke-to-hub")
    pane.locator("#remote-peering-name").fill("hub-to-spoke")
    hub_pk = str(VirtualNetwork.objects.get(sandbox=tab.sandbox(), name="hub-vnet").pk)
    pane.locator("#remote-vnet").select_option(hub_pk)
    pane.locator("#local-gateway-remote").check()
    pane.locator("#remote-gateway-local").check()
    tab.shot("add-peering-pane")
    response = htmx_click(tab, pane.locator("#add-peering-submit"), "/peerings/add")
    assert response.status == 200
    pane_closed(tab)
    row = page.locator('#peering-table tr[data-peering="spoke-to-hub"]')
    expect(row).to_have_attribute("data-state", "Connected")
    expect(row).to_contain_text("Using the remote gateway")
    tab.shot("spoke-peered")
    assert VirtualNetworkPeering.objects.get(name="hub-to-spoke").allow_gateway_transit

    # 3. Two overlapping VNets can't be peered (ERR-22, VNET-15).
    tab.goto(_peerings_url(estate, "hub-vnet"))
    page.locator("#add-peering").click()
    pane = wait_for_pane(tab)
    pane.locator("#peering-name").fill("hub-to-overlap")
    pane.locator("#remote-peering-name").fill("overlap-to-hub")
    overlap_pk = str(VirtualNetwork.objects.get(sandbox=tab.sandbox(), name="overlap-vnet").pk)
    pane.locator("#remote-vnet").select_option(overlap_pk)
    response = htmx_click(tab, pane.locator("#add-peering-submit"), "/peerings/add")
    assert response.status == 422
    error = page.locator('#context-pane .az-field-error[data-err="ERR-22"]')
    expect(error).to_contain_text("can't be peered: their address spaces overlap")
    expect(error).to_contain_text("VNET-15")
    tab.shot("overlap-refused")
    assert not VirtualNetworkPeering.objects.filter(name="hub-to-overlap").exists()

    # 4. The on-premises site: a local network gateway and a site-to-site connection.
    tab.goto(estate["base"] + "Microsoft.Network/localNetworkGateways/create", "local-gateway-create")
    page.locator("#name").fill("onprem-lng")
    page.locator("#ip-address").fill("203.0.113.10")
    page.locator("#local-address-space input").last.fill("192.168.0.0/16")
    htmx_click(tab, page.locator("#review-button"), "localNetworkGateways/create")
    expect(page.locator("#validation-banner")).to_have_attribute("data-validation", "passed")
    tab.shot("local-gateway-review")
    with page.expect_navigation():
        page.locator("#create-button").click()
    tab.wait_live()
    expect(page.locator("#local-prefixes")).to_have_text("192.168.0.0/16")
    tab.shot("local-gateway-overview")

    tab.goto(estate["base"] + "Microsoft.Network/virtualNetworkGateways/hub-vpngw/connections")
    page.locator("#add-connection").click()
    pane = wait_for_pane(tab)
    pane.locator("#connection-name").fill("hub-to-onprem")
    pane.locator("#local-gateway").select_option(label="onprem-lng (203.0.113.10)")
    pane.locator("#shared-key").fill("Lab-PSK-123")
    tab.shot("add-connection-pane")
    response = htmx_click(tab, pane.locator("#add-connection-ok"), "/connections/add")
    assert response.status == 200
    pane_closed(tab)
    expect(page.locator('#connection-table tr[data-connection="hub-to-onprem"]')).to_contain_text("Connected")
    tab.shot("connections")
    tab.follow(page.locator("#connection-table a", has_text="hub-to-onprem"), "connection-overview")
    expect(page.locator("#connection-status")).to_contain_text("Connected")
    assert VirtualNetworkGatewayConnection.objects.get(name="hub-to-onprem").local_network_gateway.name == "onprem-lng"
