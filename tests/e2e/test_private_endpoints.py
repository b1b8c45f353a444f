"""Issue #3 scenario, as a learner clicks it: a SQL server, a private endpoint
for it in contoso-vnet/vm-subnet with private DNS integration (after the
delegated sqlmi-subnet is refused with ERR-11), then the endpoint's NIC and
private IP, and the privatelink.database.windows.net zone with its A record
and its link to contoso-vnet."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from networking.models import PrivateEndpoint
from tests.e2e.flows import htmx_click
from tests.e2e.support import Tab

pytestmark = pytest.mark.browser


def _create_url(tab: Tab, url_name: str) -> str:
    subscription = tab.sandbox().subscriptions.get()
    return reverse(url_name, kwargs={"subscription_id": subscription.subscription_id, "rg": "contoso-rg"})


def _press(tab: Tab, locator, step: str | None = None):
    """A wizard button or a select that re-renders the wizard in place."""
    response = htmx_click(tab, locator, "/create/")
    if step:
        tab.shot(step)
    return response


def _value(tab: Tab, select: str, name: str) -> str:
    """The value of the option whose label starts with ``name`` and a space."""
    return tab.page.locator(f"{select} option", has_text=re.compile(rf"^{re.escape(name)} ")).get_attribute("value")


def _choose(tab: Tab, select: str, name: str, step: str | None = None) -> None:
    value = _value(tab, select, name)
    with tab.page.expect_response(lambda r: "/create/" in r.url and r.request.method == "POST"):
        tab.page.locator(select).select_option(value)
    tab.settle()
    if step:
        tab.shot(step)


def test_a_private_endpoint_for_a_sql_server_with_its_private_dns_zone(tab):
    page = tab.page
    # 1. Create a SQL server.
    tab.goto(_create_url(tab, "networking:sql_create"), "sql-basics")
    expect(page.locator("h1.az-blade-title")).to_contain_text("Create SQL Database Server")
    page.locator("#name").fill("contoso-sqlsrv")
    page.locator("#region").select_option(label="(US) East US")
    banner = page.locator("#validation-banner")
    _press(tab, page.locator("#review-button"), "sql-review")
    expect(banner).to_have_attribute("data-validation", "passed")
    with page.expect_navigation():
        page.locator("#create-button").click()
    tab.wait_live()
    expect(page.locator("#host-name")).to_have_text("contoso-sqlsrv.database.windows.net")
    tab.shot("sql-overview")

    # 2. Private endpoint connections -> "+ Private endpoint" opens the wizard for it.
    tab.follow(page.locator(".az-resource-menu").get_by_role("link", name="Private endpoint connections"), "sql-connections")
    tab.follow(page.locator("#new-private-endpoint"), "pe-basics")
    expect(page.locator("h1.az-blade-title")).to_contain_text("Create a private endpoint")
    page.locator("#name").fill("sql-pe")
    _press(tab, page.locator("#next-button"), "pe-resource")
    expect(page.locator("#resource-type")).to_have_value("Microsoft.Sql/servers")
    expect(page.locator("#target option:checked")).to_have_text("contoso-sqlsrv")
    expect(page.locator("#group-id")).to_have_value("sqlServer")
    _press(tab, page.locator("#next-button"), "pe-configuration")

    # 3. The delegated subnet is refused (ERR-11, SUBNET-11).
    _choose(tab, "#vnet", "contoso-vnet")
    page.locator("#subnet").select_option(_value(tab, "#subnet", "sqlmi-subnet"))
    expect(page.locator("#private-dns-zone")).to_have_text("(New) privatelink.database.windows.net")
    tab.shot("pe-delegated-subnet")
    response = _press(tab, page.locator("#review-button"), "pe-refused")
    assert response.status == 422
    expect(banner).to_have_attribute("data-validation", "failed")
    expect(banner).to_contain_text("delegated to 'Microsoft.Sql/managedInstances'")
    expect(banner).to_contain_text("ERR-11")
    expect(page.locator("#tab-button-configuration")).to_have_attribute("data-error", "true")

    # 4. vm-subnet with DNS integration: validation passes, then Create.
    _press(tab, page.locator("#tab-button-configuration"))
    page.locator("#subnet").select_option(_value(tab, "#subnet", "vm-subnet"))
    expect(page.locator("#integrate-dns-yes")).to_be_checked()
    _press(tab, page.locator("#review-button"), "pe-review")
    expect(banner).to_have_attribute("data-validation", "passed")
    with page.expect_response(lambda r: "/privateEndpoints/sql-pe/overview" in r.url):
        page.locator("#create-button").click()
    tab.settle()
    expect(page.locator("#pe-state")).to_contain_text("Approved")
    expect(page.locator("#pe-ip")).to_have_text("10.0.1.5")
    tab.shot("pe-overview")
    endpoint = PrivateEndpoint.objects.select_related("nic").get(sandbox=tab.sandbox(), name="sql-pe")
    assert endpoint.nic.private_ip == "10.0.1.5"

    # 5. The NIC with its private IP.
    tab.follow(page.locator("#pe-nic a"), "nic-overview")
    expect(page.locator("#nic-ip")).to_have_text("10.0.1.5")
    expect(page.locator("#nic-subnet")).to_have_text("contoso-vnet/vm-subnet")
    page.go_back()
    tab.wait_live()

    # 6. DNS configuration -> the zone, its A record and its link to contoso-vnet.
    tab.follow(page.locator(".az-resource-menu").get_by_role("link", name="DNS configuration"), "pe-dns")
    expect(page.locator("#fqdns")).to_contain_text("contoso-sqlsrv.database.windows.net")
    tab.follow(page.locator("#zone-group").get_by_role("link", name="privatelink.database.windows.net"), "zone-overview")
    row = page.locator("#record-sets tr[data-record='contoso-sqlsrv']")
    expect(row).to_have_attribute("data-type", "A")
    expect(row).to_contain_text("10.0.1.5")
    tab.follow(page.locator(".az-resource-menu").get_by_role("link", name="Virtual network links"), "zone-links")
    expect(page.locator("#links tr[data-vnet='contoso-vnet']")).to_contain_text("Completed")
