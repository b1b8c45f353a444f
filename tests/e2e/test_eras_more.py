"""More blades that follow the portal era switched in Portal settings
(issue #10, docs/fidelity.md "Eras: blade by blade"): each test reads the
2021 labels, switches to Current and reads the 2023-2026 ones. The Subnets
grid's "NAT gateway" column (portal-ui §3.3), IP flow verify's "Target
resource type" (§8, NW-01), the header's "Directories + subscriptions" (§1.1)
and the gateway wizard's public IPs (§6, VPNGW-01 to VPNGW-03)."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from networking.models import NetworkInterface, RouteTable, Subnet, VirtualNetwork
from networking.services import gateways as gateway_services
from networking.services import nat as nat_services
from networking.views.watcher import watcher_url
from portal.access import blade_kwargs
from tests.e2e.flows import switch_era, wait_for_pane
from tests.e2e.support import Tab

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _network_seed(settings) -> None:
    settings.VNETLAB_SEED_NETWORK = True


def _redraw(tab: Tab, path_part: str, method: str, action) -> None:
    """Change a control whose change redraws its form, and wait for the redraw."""
    with tab.page.expect_response(lambda r: path_part in r.url and r.request.method == method):
        action()
    tab.settle()


# --- Subnets grid ----------------------------------------------------------------------------


def _subnets(tab: Tab, era: str) -> None:
    page = tab.page
    current = era == "current"
    vnet = VirtualNetwork.objects.get(sandbox=tab.sandbox(), name="contoso-vnet")
    tab.goto(
        reverse("networking:vnet_subnets", kwargs={**blade_kwargs(vnet), "provider": "Microsoft.Network"}),
        f"{era}-subnets",
    )
    expect(page.locator("#subnet-table th", has_text="NAT gateway")).to_have_count(1 if current else 0)
    if current:
        row = page.locator('#subnet-table tr[data-subnet="vm-subnet"]')
        expect(row.locator("td[data-nat-gateway]")).to_have_text("contoso-nat")


def test_the_subnets_grid_shows_the_nat_gateway_column_in_current(tab):
    sandbox = tab.sandbox()
    rg = sandbox.subscriptions.get().resource_groups.get(name="contoso-rg")
    nat = nat_services.create_nat_gateway(rg, nat_services.NatGatewaySpec(name="contoso-nat", location="eastus"))
    nat_services.associate_subnet(
        nat, Subnet.objects.get(vnet__sandbox=sandbox, vnet__name="contoso-vnet", name="vm-subnet")
    )
    _subnets(tab, "classic")
    switch_era(tab, "current")
    _subnets(tab, "current")


# --- IP flow verify ---------------------------------------------------------------------------


def _seed_nic(tab: Tab) -> NetworkInterface:
    return NetworkInterface.objects.get(sandbox=tab.sandbox(), name="contoso-vm01-nic")


def _fill_packet(tab: Tab) -> None:
    page = tab.page
    page.locator("#local-ip").fill("10.0.1.4")
    page.locator("#local-port").fill("50000")
    page.locator("#remote-ip").fill("8.8.8.8")
    page.locator("#remote-port").fill("443")


def _verify(tab: Tab, step: str) -> None:
    tab.page.locator("#check").click()
    tab.settle()
    expect(tab.page.locator("#ip-flow-result #access")).to_have_text("Access allowed")
    tab.shot(step)


def test_ip_flow_verify_targets_by_resource_type_in_current(tab):
    page = tab.page
    url = watcher_url(tab.sandbox().subscriptions.get())
    tab.goto(url, "classic-ip-flow-verify")
    expect(page.locator("label[for=nic-select]")).to_contain_text("Virtual machine / Network interface")
    expect(page.get_by_text("Target resource type")).to_have_count(0)
    expect(page.locator("#check")).to_have_text("Check")

    switch_era(tab, "current")
    tab.goto(url, "current-ip-flow-verify")
    expect(page.locator("#target-resource-title")).to_have_text("Target resource")
    expect(page.locator("#packet-details-title")).to_have_text("Packet details")
    expect(page.get_by_text("Target resource type")).to_be_visible()
    expect(page.locator("label:has(#target-type-vm)")).to_contain_text("Virtual machine")
    expect(page.locator("label:has(#target-type-nic)")).to_contain_text("Network interface")
    expect(page.locator("label[for=target-vm]")).to_contain_text("Virtual machine")
    expect(page.locator("label[for=nic-select]")).to_contain_text("Network interface")
    expect(page.locator("#check")).to_have_text("Verify IP flow")

    # By virtual machine: its one network interface is picked for the check.
    _redraw(tab, "ipFlowVerify", "GET", lambda: page.locator("#target-vm").select_option(label="contoso-vm01"))
    expect(page.locator("#nic-select option")).to_have_text(
        ["Select a network interface", "contoso-vm01-nic (10.0.1.4)"]
    )
    expect(page.locator("#nic-select")).to_have_value(str(_seed_nic(tab).pk))
    _fill_packet(tab)
    _verify(tab, "current-ip-flow-by-vm")

    # By network interface: the virtual machine picker goes away.
    _redraw(tab, "ipFlowVerify", "GET", lambda: page.locator("#target-type-nic").check())
    expect(page.locator("#target-vm")).to_have_count(0)
    page.locator("#nic-select").select_option(label="contoso-vm01-nic (10.0.1.4)")
    _fill_packet(tab)
    _verify(tab, "current-ip-flow-by-nic")


# --- Header -----------------------------------------------------------------------------------


def test_the_header_opens_directories_and_subscriptions_in_current(tab):
    page = tab.page
    tab.goto("/", "classic-header")
    expect(page.locator("#directories-button")).to_have_count(0)
    expect(page.locator('[title="Directory + subscription"]')).to_have_count(1)

    switch_era(tab, "current")
    tab.goto("/")
    button = page.locator("#directories-button")
    expect(button).to_have_attribute("title", "Directories + subscriptions")
    button.click()
    pane = wait_for_pane(tab)
    tab.shot("current-directories-pane")
    expect(pane.locator("h2")).to_have_text("Directories + subscriptions")
    expect(pane.locator("#current-directory")).to_have_text("Default Directory")
    subscription = tab.sandbox().subscriptions.get()
    row = pane.locator("#directory-subscriptions tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Azure subscription 1")
    expect(row.locator("[data-subscription-id]")).to_have_text(str(subscription.subscription_id))


# --- Create virtual network gateway -----------------------------------------------------------


def _gateway_url(tab: Tab) -> str:
    kwargs = blade_kwargs(RouteTable.objects.get(sandbox=tab.sandbox(), name="contoso-spoke-rt"))
    kwargs.pop("name")
    return reverse("networking:gateway_create", kwargs=kwargs)


def test_the_gateway_wizard_has_standard_public_ips_zones_and_a_second_ip_in_current(tab):
    page = tab.page
    tab.goto(_gateway_url(tab), "classic-gateway-wizard")
    for control in ("#public-ip-sku", "#availability-zone", "#second-public-ip-name"):
        expect(page.locator(control)).to_have_count(0)

    switch_era(tab, "current")
    tab.goto(_gateway_url(tab), "current-gateway-wizard")
    expect(page.locator("#public-ip-sku")).to_contain_text("Standard")
    expect(page.locator("#public-ip-assignment")).to_contain_text("Static")
    expect(page.locator("#availability-zone")).to_have_count(0)  # VpnGw1 isn't an AZ SKU
    _redraw(tab, "/create", "POST", lambda: page.locator("#sku").select_option("VpnGw2AZ"))
    expect(page.locator("label[for=availability-zone]")).to_contain_text("Availability zone")
    expect(page.locator("#availability-zone")).to_have_value("Zone-redundant")
    expect(page.locator("#second-public-ip-name")).to_have_count(0)
    _redraw(tab, "/create", "POST", lambda: page.locator("#active-active-enabled").check())
    expect(page.locator("label[for=second-public-ip-name]")).to_contain_text("Second Public IP address name")
    tab.shot("current-gateway-wizard-active-active")

    # A gateway made so (the service the wizard calls) shows both public IPs.
    rg = tab.sandbox().subscriptions.get().resource_groups.get(name="contoso-rg")
    vnet = VirtualNetwork.objects.create(
        sandbox=rg.subscription.sandbox,
        resource_group=rg,
        name="hub-vnet",
        location="eastus",
        address_space=["10.50.0.0/16"],
    )
    spec = gateway_services.GatewaySpec(
        name="hub-vpngw",
        location="eastus",
        vnet=vnet,
        sku="VpnGw2AZ",
        generation="Generation2",
        gateway_subnet_prefix="10.50.255.0/27",
        public_ip_name="hub-vpngw-pip1",
        active_active=True,
        public_ip_sku="Standard",
        availability_zone="Zone-redundant",
        second_public_ip_name="hub-vpngw-pip2",
    )
    gateway = gateway_services.create_gateway(rg, spec)
    tab.goto(reverse("networking:gateway_overview", kwargs=blade_kwargs(gateway)), "current-gateway-overview")
    expect(page.locator("#gateway-public-ips")).to_have_text(
        "hub-vpngw-pip1, hub-vpngw-pip2 (Standard, zone-redundant)"
    )
