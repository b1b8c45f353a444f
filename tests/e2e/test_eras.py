"""The App Service blades follow the portal era switched in Portal settings
(issue #10): the 2021 words in Classic, the 2023-2026 ones in Current
(portal-ui §2.2-2.4, ASVI-66), Route All asked in the portal's Yes/No pane
(Classic) and Outbound internet traffic ticked and applied (Current), ASRT-07;
no classic VNets in Current (CLASSIC-01)."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.flows import (
    htmx_click,
    integrate_existing_subnet,
    integrated_in_current_era,
    open_add_vnet_pane,
    open_blade,
    switch_era,
    wait_for_pane,
    wait_until_running,
)
from tests.e2e.support import Tab

pytestmark = pytest.mark.browser


def _menu(tab: Tab):
    return tab.page.locator("nav.az-resource-menu")


def test_the_app_service_blades_change_with_the_era(tabs):
    tab = tabs.tab()
    page = tab.page
    open_blade(tab, "contoso-web", "networking", "classic-networking")
    expect(page.locator("#inbound-traffic").locator("xpath=preceding-sibling::h2[1]")).to_have_text("Inbound Traffic")
    expect(page.locator("#configure-vnet-integration")).to_have_text("Click here to configure")
    expect(_menu(tab).get_by_role("link", name="Configuration")).to_be_visible()

    switch_era(tab, "current")
    open_blade(tab, "contoso-web", "networking", "current-networking")
    main = page.locator(".az-page, main").first
    expect(main).to_contain_text("Inbound traffic configuration")
    expect(main).to_contain_text("Outbound traffic configuration")
    expect(page.locator("#vnet-integration-card dt")).to_have_text("Virtual network integration")
    expect(page.get_by_text("Click here to configure")).to_have_count(0)
    expect(page.get_by_text("Inbound Traffic", exact=True)).to_have_count(0)

    tab.follow(page.locator("#configure-vnet-integration"), "current-integration-page")
    expect(page.locator("h1")).to_contain_text("Virtual network integration")
    expect(page.locator("#integration-panel h2").first).to_have_text("Virtual network integration")
    expect(page.locator("#integration-panel")).not_to_contain_text("VNet Integration")
    expect(page.locator("#classic-retired")).to_contain_text("retired")

    pane = open_add_vnet_pane(tab, step="current-add-pane")
    expect(pane.locator("h2").first).to_have_text("Add virtual network integration")
    expect(pane.locator("#subscription-select")).to_be_visible()
    expect(pane.locator("label[for=vnet-select]")).to_contain_text("Virtual network")
    expect(pane.locator("#add-vnet-ok")).to_have_text("Connect")
    expect(pane.locator("#classic-vnet-link")).to_have_count(0)
    expect(pane.locator("#classic-retired")).to_contain_text("CLASSIC-01")
    expect(pane).not_to_contain_text("Network Feature Status")

    tab.follow(_menu(tab).get_by_role("link", name="Environment variables"), "current-environment-variables")
    expect(page.locator("h1")).to_contain_text("Environment variables")
    expect(page.locator("#configuration-tabs")).to_contain_text("App settings")
    expect(page.locator("#save-settings")).to_have_text("Apply")
    # The 2026 portal keeps "Configuration" for General settings, Default documents and Path mappings.
    configuration = _menu(tab).get_by_role("link", name=re.compile(r"\bConfiguration$"))
    expect(configuration).to_have_attribute("href", re.compile(r"/configuration/general$"))

    switch_era(tab, "classic")
    open_blade(tab, "contoso-web", "configuration", "classic-configuration")
    expect(page.locator("#configuration-tabs")).to_contain_text("Application settings")
    expect(page.locator("#save-settings")).to_have_text("Save")


def test_classic_route_all_switch_asks_yes_in_the_portals_pane(tabs):
    tab = tabs.tab()
    page = tab.page
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    open_blade(tab, "contoso-web", "vnet_integration")
    integrate_existing_subnet(tab)
    wait_until_running(tab)
    switch = page.locator("#toggle-route-all")
    expect(switch).to_have_attribute("aria-checked", "false")
    expect(page.locator("#route-all-state")).to_have_text("Disabled")

    htmx_click(tab, switch, "/routeall", method="GET")
    pane = wait_for_pane(tab)
    expect(pane.locator("#confirm-question")).to_contain_text("Enable Route All for 'contoso-web'?")
    tab.shot("route-all-asks")
    htmx_click(tab, pane.locator("#confirm-route-all"), "/routeall")
    expect(page.locator("#outbound-routing")).to_have_attribute("data-route-all", "all")
    expect(page.locator("#toggle-route-all")).to_have_attribute("aria-checked", "true")
    expect(page.locator("#route-all-state")).to_have_text("Enabled")
    tab.shot("route-all-on")
    assert tab.app("contoso-web").vnet_route_all_enabled is True
    assert dialogs == [], "the portal asks in its own pane, not the browser's confirm box"


def test_current_outbound_internet_traffic_is_on_after_the_pane_and_applied_asvi_67(tabs):
    tab = tabs.tab()
    page = tab.page
    integrated_in_current_era(tab)
    routing = page.locator("#application-routing")
    expect(routing).to_contain_text("Application routing")
    # The portal's pane turns outbound internet routing on (ASVI-67).
    box = page.get_by_label("Outbound internet traffic")
    expect(box).to_be_checked()
    expect(page.locator("#outbound-routing")).to_have_attribute("data-route-all", "all")
    expect(page.locator("#toggle-route-all")).to_have_count(0)

    box.uncheck()
    htmx_click(tab, page.locator("#apply-routing"), "/routeall")
    expect(page.locator("#outbound-routing")).to_have_attribute("data-route-all", "rfc1918")
    expect(page.get_by_label("Outbound internet traffic")).not_to_be_checked()
    expect(page.locator("#routing-explained")).to_contain_text("outboundVnetRouting.applicationTraffic")
    tab.shot("outbound-internet-traffic-applied")
    assert tab.app("contoso-web").vnet_route_all_enabled is False
