"""The "Add peering" pane and a link's own pane follow the portal era
(issue #10, portal-ui §3.4, docs/fidelity.md "Eras: blade by blade",
Ruleset.peering_checkboxes): the 2021 pane's "This virtual network" and
radio groups, then, in Current, the "Remote/Local virtual network summary"
sections whose checkboxes name both networks once the remote one is chosen.
A peering is added with the newer pane, and a refusal (VNET-11) shows on
its checkbox."""

import pytest
from playwright.sync_api import expect

from networking.models import VirtualNetwork, VirtualNetworkPeering
from networking.services import create_vnet
from portal.models import ResourceGroup
from tests.e2e.flows import htmx_click, pane_closed, switch_era, wait_for_pane
from tests.e2e.support import Tab

pytestmark = pytest.mark.browser


def _peerings_url(tab: Tab) -> str:
    """hub-vnet's Peerings page, with hub-vnet and spoke-vnet made by the service."""
    rg = ResourceGroup.objects.select_related("subscription").get(
        subscription__sandbox=tab.sandbox(), name="contoso-rg"
    )
    for name, space in (("hub-vnet", "10.100.0.0/16"), ("spoke-vnet", "10.101.0.0/16")):
        create_vnet(rg, name=name, location="eastus", address_space=[space], subnets=[("default", space.replace("/16", "/24"))])
    return (
        f"/resource/subscriptions/{rg.subscription.subscription_id}/resourceGroups/{rg.name}"
        "/providers/Microsoft.Network/virtualNetworks/hub-vnet/peerings"
    )


def _open_add(tab: Tab, url: str, step: str):
    tab.goto(url)
    tab.page.locator("#add-peering").click()
    pane = wait_for_pane(tab)
    tab.shot(step)
    return pane


def test_the_add_peering_pane_changes_with_the_era_and_adds_a_peering_in_current(tab):
    url = _peerings_url(tab)
    page = tab.page

    pane = _open_add(tab, url, "classic-add-peering")
    expect(pane.locator("h3.az-section-title")).to_have_text(["This virtual network", "Remote virtual network"])
    expect(pane.locator("#local-gateway-field")).to_contain_text("Use this virtual network's gateway")
    expect(pane.locator("#local-transit")).to_have_count(0)

    switch_era(tab, "current")
    pane = _open_add(tab, url, "current-add-peering-empty")
    expect(pane.locator("h3.az-section-title")).to_have_text(
        ["Remote virtual network summary", "Local virtual network summary"]
    )
    expect(pane.locator("#local-gateway-field")).to_have_count(0)
    expect(pane.locator("label[for=local-allow-access]")).to_contain_text(
        "Allow 'hub-vnet' to access the remote virtual network"
    )
    spoke = VirtualNetwork.objects.get(sandbox=tab.sandbox(), name="spoke-vnet")
    with page.expect_response(lambda r: "/peerings/add" in r.url and r.request.method == "GET"):
        pane.locator("#remote-vnet").select_option(str(spoke.pk))
    tab.settle()
    labels = {
        "remote-allow-access": "Allow 'spoke-vnet' to access 'hub-vnet'",
        "remote-allow-forwarded": "Allow 'spoke-vnet' to receive forwarded traffic from 'hub-vnet'",
        "remote-transit": "Allow gateway or route server in 'spoke-vnet' to forward traffic to 'hub-vnet'",
        "remote-use-remote": "Enable 'spoke-vnet' to use 'hub-vnet's' remote gateway or route server",
        "local-allow-access": "Allow 'hub-vnet' to access 'spoke-vnet'",
        "local-allow-forwarded": "Allow 'hub-vnet' to receive forwarded traffic from 'spoke-vnet'",
        "local-transit": "Allow gateway or route server in 'hub-vnet' to forward traffic to 'spoke-vnet'",
        "local-use-remote": "Enable 'hub-vnet' to use 'spoke-vnet's' remote gateway or route server",
    }
    for control, label in labels.items():
        expect(pane.locator(f"label[for={control}]")).to_contain_text(label)
    expect(pane.locator("#local-allow-access")).to_be_checked()
    expect(pane.locator("#local-allow-forwarded")).not_to_be_checked()

    # Offering a gateway hub-vnet doesn't have: refused on that checkbox.
    pane.locator("#remote-peering-name").fill("spoke-to-hub")
    pane.locator("#peering-name").fill("hub-to-spoke")
    pane.locator("#local-transit").check()
    response = htmx_click(tab, pane.locator("#add-peering-submit"), "/peerings/add")
    assert response.status == 422
    error = page.locator("#context-pane #local-transit-error")
    expect(error).to_contain_text("'hub-vnet' has no virtual network gateway")
    expect(error).to_contain_text("VNET-11")
    error.scroll_into_view_if_needed()
    tab.shot("current-add-peering-refused")

    pane = page.locator("#context-pane")
    pane.locator("#local-transit").uncheck()
    pane.locator("#remote-allow-forwarded").check()
    tab.shot("current-add-peering-filled")
    response = htmx_click(tab, pane.locator("#add-peering-submit"), "/peerings/add")
    assert response.status == 200
    pane_closed(tab)
    row = page.locator('#peering-table tr[data-peering="hub-to-spoke"]')
    expect(row).to_have_attribute("data-state", "Connected")
    links = {
        link.name: (
            link.allow_virtual_network_access,
            link.allow_forwarded_traffic,
            link.allow_gateway_transit,
            link.use_remote_gateways,
        )
        for link in VirtualNetworkPeering.objects.filter(vnet__sandbox=tab.sandbox())
    }
    assert links == {"hub-to-spoke": (True, False, False, False), "spoke-to-hub": (True, True, False, False)}

    # The link's own pane: its four checkboxes, as set.
    with page.expect_response(lambda r: "/peerings/hub-to-spoke/edit" in r.url):
        row.locator("a", has_text="hub-to-spoke").click()
    pane = wait_for_pane(tab)
    expect(pane.locator("label[for=edit-transit]")).to_contain_text(
        "Allow gateway or route server in 'hub-vnet' to forward traffic to 'spoke-vnet'"
    )
    expect(pane.locator("#edit-allow-access")).to_be_checked()
    expect(pane.locator("#edit-allow-forwarded")).not_to_be_checked()
    tab.shot("current-edit-peering")
