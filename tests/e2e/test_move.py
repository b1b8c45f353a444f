"""Move resources in the browser (VNet Lab issue #10): Essentials'
"Resource group (change)" opens the pane, Validate checks the move, and
Move takes the route table to its new resource group and ID (MOVE-01..08)."""

import pytest
from playwright.sync_api import expect

from networking.services import routes
from portal.services import create_resource_group
from tests.e2e.flows import htmx_click

pytestmark = pytest.mark.browser


def test_a_route_table_moves_through_resource_group_change(tab):
    group = tab.sandbox().subscriptions.get().resource_groups.get(name="contoso-rg")
    table = routes.create_route_table(group, name="move-me-rt", location="eastus")
    create_resource_group(tab.sandbox(), name="target-rg", location="eastus")
    tab.goto("/resource" + table.arm_id + "/overview")
    page = tab.page
    htmx_click(tab, page.locator("#move-group-link"), "/move", method="GET")
    pane = page.locator("#context-pane")
    expect(pane.get_by_role("heading", name="Move resources")).to_be_visible()
    expect(page.locator("#move-items")).to_contain_text("move-me-rt")

    # The source group itself is no target: MOVE-01 on the field, nothing moves.
    page.locator("#move-acknowledge").check()
    response = htmx_click(tab, page.locator("#move-ok"), "/move")
    assert response.status == 422
    expect(pane).to_contain_text("MOVE-01")

    page.locator("#move-target").select_option("target-rg")
    htmx_click(tab, page.locator("#move-validate"), "/move")
    expect(page.locator("#move-valid")).to_contain_text("can be moved to 'target-rg'")
    expect(pane).to_contain_text("Checking whether these resources can be moved")
    tab.shot("move-pane-validated")

    page.locator("#move-acknowledge").check()
    with page.expect_navigation():
        page.locator("#move-ok").click()
    tab.wait_live()
    assert "/resourceGroups/target-rg/providers/Microsoft.Network/routeTables/move-me-rt/" in page.url
    expect(page.locator("#essentials")).to_contain_text("target-rg")
    tab.shot("moved")

    # "Subscription (change)": the sandbox has one subscription, and says so (MOVE-06).
    htmx_click(tab, page.locator("#move-subscription-link"), "/move", method="GET")
    expect(page.locator("#move-one-subscription")).to_contain_text("The sandbox has one subscription")
    page.wait_for_timeout(400)  # the pane's slide-in
    tab.shot("subscription-pane")
