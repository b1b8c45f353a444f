"""A SQL server's Networking in the browser, in both eras (issue #10):
[Classic] "Deny public network access" and "Allow Azure services and
resources to access this server"; [Current] "Public network access" with
"Disable" / "Selected networks" and the exception (SQL-01, SQL-02)."""

import pytest
from playwright.sync_api import expect

from networking.models import SqlServer
from networking.services import paas as paas_services
from tests.e2e.flows import htmx_click, switch_era

pytestmark = pytest.mark.browser

ALLOW_AZURE = "Allow Azure services and resources to access this server"


def _networking(tab) -> str:
    group = tab.sandbox().subscriptions.get().resource_groups.get(name="contoso-rg")
    server = SqlServer.objects.filter(sandbox=tab.sandbox(), name="contoso-sql").first()
    if server is None:
        server = paas_services.create_target(SqlServer, group, name="contoso-sql", location="eastus")
    subscription = group.subscription.subscription_id
    return f"/resource/subscriptions/{subscription}/resourceGroups/contoso-rg/providers/Microsoft.Sql/servers/{server.name}/networking"


def test_the_sql_servers_networking_has_its_own_controls_in_both_eras(tab):
    page = tab.page
    tab.goto(_networking(tab), "sql-networking-classic")
    form = page.locator("#access-form")
    expect(form.get_by_label("Deny public network access")).not_to_be_checked()
    allow = form.get_by_label(ALLOW_AZURE)
    expect(allow).not_to_be_checked()
    expect(form.get_by_text("All networks")).to_have_count(0)
    allow.check()
    assert htmx_click(tab, page.locator("#save-access"), "/networking").status == 200
    expect(page.locator("#access-form").get_by_label(ALLOW_AZURE)).to_be_checked()
    tab.shot("sql-networking-classic-saved")

    switch_era(tab, "current")
    tab.goto(_networking(tab), "sql-networking-current")
    form = page.locator("#access-form")
    expect(page.get_by_role("heading", name="Public access")).to_be_visible()
    expect(form.get_by_label("Disable", exact=True)).not_to_be_checked()
    expect(form.get_by_label("Selected networks")).to_be_checked()
    expect(form.get_by_text("Exceptions")).to_be_visible()
    expect(form.get_by_label(ALLOW_AZURE)).to_be_checked()
    expect(form.get_by_label("Deny public network access")).to_have_count(0)
    form.get_by_label("Disable", exact=True).check()
    assert htmx_click(tab, page.locator("#save-access"), "/networking").status == 200
    expect(page.locator("#access-form").get_by_label("Disable", exact=True)).to_be_checked()
    server = SqlServer.objects.get(sandbox=tab.sandbox(), name="contoso-sql")
    assert server.public_network_access == "Disabled"
