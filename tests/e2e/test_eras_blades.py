"""The network blades follow the portal era switched in Portal settings
(issue #10, docs/fidelity.md "Eras: blade by blade"): each test reads the
2021 labels, switches to Current and reads the 2023-2026 ones
(portal-ui §1, §3-§7 [newer]). App Service's blades: tests/e2e/test_eras.py."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from networking.models import NetworkSecurityGroup, PrivateDnsZone, RouteTable, VirtualNetwork
from networking.views.watcher import watcher_url
from portal.access import blade_kwargs
from tests.e2e.flows import switch_era, wait_for_pane, wizard_tab
from tests.e2e.support import Tab

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _network_seed(settings) -> None:
    """The demo's hub-and-spoke network: a route table, an NSG, a privatelink zone."""
    settings.VNETLAB_SEED_NETWORK = True


def _url(tab: Tab, model, name: str, url_name: str) -> str:
    resource = model.objects.get(sandbox=tab.sandbox(), name=name)
    return reverse(f"networking:{url_name}", kwargs=blade_kwargs(resource))


def _create_url(tab: Tab, url_name: str) -> str:
    kwargs = blade_kwargs(RouteTable.objects.get(sandbox=tab.sandbox(), name="contoso-spoke-rt"))
    kwargs.pop("name")
    return reverse(f"networking:{url_name}", kwargs=kwargs)


def _tab_labels(tab: Tab) -> list[str]:
    return [text.strip() for text in tab.page.locator("[id^=tab-button-]").all_inner_texts()]


def _shell_and_wizards(tab: Tab, era: str) -> None:
    """All resources, the Marketplace page and the create wizards of §3.1, §6, §7.1."""
    page = tab.page
    current = era == "current"
    tab.goto("/resources/")
    expect(page.locator("#all-resources-create")).to_have_text("Create" if current else "Add")
    tab.follow(page.locator("#all-resources-create"), f"{era}-marketplace")
    expect(page.locator("h1.az-blade-title")).to_have_text("Marketplace" if current else "Create a resource")

    tab.goto("/create/virtualnetwork/", f"{era}-vnet-wizard")
    second, third = ("Security", "IP addresses") if current else ("IP Addresses", "Security")
    assert _tab_labels(tab) == ["Basics", second, third, "Tags", "Review + create"]

    tab.goto(_create_url(tab, "gateway_create"), f"{era}-gateway-wizard")
    skus = page.locator("#sku option").all_inner_texts()
    assert "VpnGw1" in skus
    assert ("Basic" in skus) is not current

    tab.goto(_create_url(tab, "private_endpoint_create"), f"{era}-pe-wizard")
    middle = ["Virtual Network", "DNS"] if current else ["Configuration"]
    assert _tab_labels(tab) == ["Basics", "Resource", *middle, "Tags", "Review + create"]
    expect(page.locator("label[for=group-id]")).to_contain_text(
        "Target subresource" if current else "Target sub-resource"
    )
    expect(wizard_tab(tab, "network")).to_have_count(1 if current else 0)
    expect(page.locator("label[for=nic-name]")).to_have_count(1 if current else 0)
    if current:
        expect(page.locator("label[for=nic-name]")).to_contain_text("Network Interface Name")


def test_the_shell_and_the_create_wizards_change_with_the_era(tab):
    _shell_and_wizards(tab, "classic")
    switch_era(tab, "current")
    _shell_and_wizards(tab, "current")


def _open_pane(tab: Tab, url: str, button: str, step: str):
    tab.goto(url)
    tab.page.locator(button).click()
    pane = wait_for_pane(tab)
    tab.shot(step)
    return pane


def _panes(tab: Tab, era: str) -> None:
    """Add route (§5), Add inbound security rule (§4), Add virtual network link
    (§7.2), IP flow verify's protocols (§8)."""
    page = tab.page
    current = era == "current"
    routes = _url(tab, RouteTable, "contoso-spoke-rt", "route_table_routes")
    pane = _open_pane(tab, routes, "#add-route", f"{era}-route-pane")
    expect(pane.locator("#destination-kind")).to_have_count(1 if current else 0)
    expect(pane.locator("label[for=address-prefix]")).to_contain_text(
        "Destination IP addresses/CIDR ranges" if current else "Address prefix"
    )
    expect(pane.locator("#save-route")).to_have_text("Add" if current else "OK")
    if current:
        expect(pane.locator("label[for=destination-kind]")).to_contain_text("Address prefix destination")
        with page.expect_response(lambda r: "/routes/add" in r.url and r.request.method == "GET"):
            pane.locator("#destination-kind").select_option("ServiceTag")
        tab.settle()
        expect(pane.locator("label[for=address-prefix]")).to_contain_text("Destination Service Tag")
        expect(pane.locator("select#address-prefix option[value=Storage]")).to_have_count(1)
        tab.shot(f"{era}-route-pane-tag")

    nsg = _url(tab, NetworkSecurityGroup, "contoso-spoke-nsg", "nsg_overview")
    pane = _open_pane(tab, nsg, "#add-inbound-rule", f"{era}-nsg-rule-pane")
    expect(pane.locator("label:has(#protocol-icmp)")).to_have_text("ICMPv4" if current else "ICMP")

    links = _url(tab, PrivateDnsZone, "privatelink.database.windows.net", "dns_zone_links")
    pane = _open_pane(tab, links, "#add-link", f"{era}-dns-link-pane")
    expect(pane.locator("#link-fallback")).to_have_count(1 if current else 0)
    expect(page.locator("#links th", has_text="Fallback to internet")).to_have_count(1 if current else 0)

    tab.goto(watcher_url(tab.sandbox().subscriptions.get()), f"{era}-ip-flow-verify")
    expect(page.locator("input[name=protocol][value=Icmp]")).to_have_count(1 if current else 0)


def _subnets(tab: Tab, era: str) -> None:
    """Subnets' command bar and the Add subnet pane (§3.3)."""
    page = tab.page
    current = era == "current"
    vnet = VirtualNetwork.objects.get(sandbox=tab.sandbox(), name="contoso-vnet")
    url = reverse("networking:vnet_subnets", kwargs={**blade_kwargs(vnet), "provider": "Microsoft.Network"})
    pane = _open_pane(tab, url, "#add-subnet", f"{era}-add-subnet-pane")
    expect(page.locator("#add-gateway-subnet")).to_have_count(0 if current else 1)
    expect(pane.locator("#subnet-purpose")).to_have_count(1 if current else 0)
    expect(pane.locator("#subnet-pe-policies")).to_have_count(0 if current else 1)
    # DOA-03: Current's private subnet checkbox, on for a new subnet (DOA-02).
    expect(pane.locator("#subnet-private")).to_have_count(1 if current else 0)
    if not current:
        expect(pane.locator("#subnet-pe-policies option")).to_have_text(["Disabled", "Enabled"])
        return
    expect(pane.locator("label:has(#subnet-private)")).to_contain_text(
        "Enable private subnet (no default outbound access)"
    )
    expect(pane.locator("#subnet-private")).to_be_checked()
    expect(pane.locator("label:has(#subnet-pe-policy-nsg)")).to_contain_text("Network security groups")
    expect(pane.locator("label:has(#subnet-pe-policy-rt)")).to_contain_text("Route tables")
    expect(pane.locator("label[for=subnet-purpose]")).to_contain_text("Subnet purpose")
    with page.expect_response(lambda r: "/addsubnet" in r.url and r.request.method == "GET"):
        pane.locator("#subnet-purpose").select_option(label="Virtual Network Gateway")
    tab.settle()
    expect(pane.locator("#subnet-name")).to_have_value("GatewaySubnet")
    expect(pane.locator("#subnet-name")).to_have_attribute("readonly", "")
    tab.shot(f"{era}-add-subnet-pane-gateway")


def test_the_subnets_blade_changes_with_the_era(tab):
    _subnets(tab, "classic")
    switch_era(tab, "current")
    _subnets(tab, "current")


def test_a_current_subnet_saved_without_private_subnet_gets_default_outbound_access_doa_03(tab):
    """Current's pane: clear "Enable private subnet", Save; the subnet's
    defaultOutboundAccess is true and its pane shows the box cleared."""
    switch_era(tab, "current")
    page = tab.page
    vnet = VirtualNetwork.objects.get(sandbox=tab.sandbox(), name="contoso-vnet")
    url = reverse("networking:vnet_subnets", kwargs={**blade_kwargs(vnet), "provider": "Microsoft.Network"})
    pane = _open_pane(tab, url, "#add-subnet", "current-add-subnet-private")
    pane.locator("#subnet-name").fill("open-subnet")
    pane.locator("#subnet-private").uncheck()
    pane.locator("#save-subnet").click()
    expect(page.locator("tr[data-subnet=open-subnet]")).to_have_count(1)
    assert vnet.subnets.get(name="open-subnet").default_outbound_access is True
    page.locator("tr[data-subnet=open-subnet] a").first.click()
    pane = wait_for_pane(tab)
    expect(pane.locator("#subnet-private")).not_to_be_checked()
    tab.shot("current-subnet-pane-not-private")


def test_the_route_nsg_rule_and_dns_link_panes_and_ip_flow_verify_change_with_the_era(tab):
    _panes(tab, "classic")
    switch_era(tab, "current")
    _panes(tab, "current")
