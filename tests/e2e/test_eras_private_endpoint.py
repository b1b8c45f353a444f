"""The newer "Create a private endpoint" wizard's Virtual Network tab in the
browser (issue #10, portal-ui §7.1 [newer]): under Subnet, the subnet's
"Network policy for private endpoints" and its "edit" pane (SUBNET-21), which
saves the subnet and leaves the wizard as it was; "Statically allocate IP
address" with a reserved address refused on its box (SUBNET-01), then a free
one the endpoint's NIC and DNS record get (PRIVIP-01); the empty, disabled
"Application security group"."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from networking.models import PrivateDnsRecordSet, PrivateEndpoint, SqlServer, Subnet
from networking.services import paas as paas_services
from tests.e2e.flows import (
    pane_closed,
    review_and_create,
    switch_era,
    wait_for_pane,
    wizard_click,
    wizard_tab,
)
from tests.e2e.support import Tab

pytestmark = pytest.mark.browser


def _choose(tab: Tab, select: str, label: str) -> None:
    """Pick the option whose text starts with ``label``: the wizard redraws."""
    option = tab.page.locator(f"{select} option", has_text=re.compile(rf"^{re.escape(label)}( |$)"))
    with tab.page.expect_response(lambda r: "/create/" in r.url and r.request.method == "POST"):
        tab.page.locator(select).select_option(option.get_attribute("value"))
    tab.settle()


def _wizard_url(tab: Tab) -> str:
    sandbox = tab.sandbox()
    group = sandbox.subscriptions.get().resource_groups.get(name="contoso-rg")
    paas_services.create_target(SqlServer, group, name="contoso-sql", location="eastus")
    kwargs = {"subscription_id": group.subscription.subscription_id, "rg": group.name}
    return reverse("networking:private_endpoint_create", kwargs=kwargs)


def test_current_virtual_network_tab_edits_the_policy_and_sets_a_static_ip(tab):
    page = tab.page
    switch_era(tab, "current")
    tab.goto(_wizard_url(tab))
    page.locator("#name").fill("sql-pe")
    wizard_click(tab, page.locator("#next-button"))
    _choose(tab, "#resource-type", "Microsoft.Sql/servers")
    _choose(tab, "#target", "contoso-sql")
    wizard_click(tab, page.locator("#next-button"))
    expect(wizard_tab(tab, "network")).to_have_attribute("aria-selected", "true")
    _choose(tab, "#vnet", "contoso-vnet")
    _choose(tab, "#subnet", "vm-subnet")

    # 1. The subnet's policy, and "edit" -> "Edit subnet network policy" (SUBNET-21).
    row = page.locator("#network-policy-row")
    expect(row).to_contain_text("Network policy for private endpoints")
    expect(page.locator("#pe-network-policy")).to_have_text("Disabled")
    expect(page.locator("#application-security-group")).to_be_disabled()
    expect(page.locator("#tab-network")).to_contain_text("No application security groups exist in (US) East US")
    tab.shot("current-network-tab")
    page.locator("#edit-network-policy").click()
    pane = wait_for_pane(tab)
    expect(pane.get_by_role("heading", name="Edit subnet network policy")).to_be_visible()
    expect(pane.locator("#policy-pane-nsg")).not_to_be_checked()
    pane.locator("#policy-pane-nsg").check()
    tab.shot("current-policy-pane")
    with page.expect_response(lambda r: "/subnetpolicy" in r.url and r.request.method == "POST") as saved:
        pane.locator("#save-subnet-policy").click()
    assert saved.value.status == 200
    pane_closed(tab)
    expect(page.locator("#pe-network-policy")).to_have_text("Network security groups")
    expect(page.locator("#name")).to_have_value("sql-pe")  # the wizard stayed as it was
    subnet = Subnet.objects.get(vnet__sandbox=tab.sandbox(), vnet__name="contoso-vnet", name="vm-subnet")
    assert subnet.private_endpoint_network_policies == "NetworkSecurityGroupEnabled"

    # 2. "Statically allocate IP address": a reserved address is refused on its box (SUBNET-01).
    expect(page.locator("#ip-allocation-dynamic")).to_be_checked()
    with page.expect_response(lambda r: "/create/" in r.url and r.request.method == "POST"):
        page.locator("#ip-allocation-static").check()
    tab.settle()
    grid = page.locator("#static-ip-grid")
    expect(grid.locator("thead")).to_contain_text("Name")
    expect(grid.locator("thead")).to_contain_text("Private IP")
    expect(grid.locator("tbody tr")).to_have_attribute("data-member", "sqlServer")
    page.locator("#static-ip").fill("10.0.1.3")
    banner = review_and_create(tab, "current-static-refused")
    expect(banner).to_have_attribute("data-validation", "failed")
    wizard_click(tab, wizard_tab(tab, "network"))
    cell = grid.locator("td").nth(1)
    expect(cell).to_contain_text("reserved by Azure")
    expect(cell).to_contain_text("SUBNET-01")
    tab.shot("current-static-ip-error")

    # 3. A free address: the NIC and the zone's A record get it (PRIVIP-01).
    page.locator("#static-ip").fill("10.0.1.50")
    tab.shot("current-static-ip")
    banner = review_and_create(tab, "current-static-review")
    expect(banner).to_have_attribute("data-validation", "passed")
    expect(page.locator("#tab-review")).to_contain_text("Statically allocate IP address (sqlServer: 10.0.1.50)")
    with page.expect_response(lambda r: "/privateEndpoints/sql-pe/overview" in r.url):
        page.locator("#create-button").click()
    tab.settle()
    expect(page.locator("#pe-ip")).to_have_text("10.0.1.50")
    tab.shot("current-static-overview")
    endpoint = PrivateEndpoint.objects.select_related("nic").get(sandbox=tab.sandbox(), name="sql-pe")
    assert endpoint.nic.private_ip == "10.0.1.50"
    record = PrivateDnsRecordSet.objects.get(zone__sandbox=tab.sandbox(), name="contoso-sql", record_type="A")
    assert record.records == ["10.0.1.50"]


def test_classic_configuration_tab_has_none_of_it(tab):
    page = tab.page
    tab.goto(_wizard_url(tab))
    wizard_click(tab, wizard_tab(tab, "configuration"))
    _choose(tab, "#vnet", "contoso-vnet")
    page.locator("#subnet").select_option(label="vm-subnet (10.0.1.0/24)")
    tab.shot("classic-configuration-tab")
    for selector in ("#network-policy-row", "#edit-network-policy", "#ip-allocation", "#application-security-group"):
        expect(page.locator(selector)).to_have_count(0)
