"""Tags and Locks in the browser (issue #10): a tag applied on a VNet reads
back, and a Delete lock makes the VNet's Delete refuse with LOCK-01."""

import pytest
from playwright.sync_api import expect

from tests.e2e.flows import htmx_click

pytestmark = pytest.mark.browser


def _vnet(tab, name: str) -> str:
    subscription = tab.sandbox().subscriptions.get().subscription_id
    return f"/resource/subscriptions/{subscription}/resourceGroups/contoso-rg/providers/Microsoft.Network/virtualNetworks/{name}"


def test_a_tag_applied_on_a_vnet_reads_back(tab):
    tab.goto(_vnet(tab, "contoso-vnet") + "/overview")
    menu = tab.page.locator("nav.az-resource-menu")
    tab.follow(menu.get_by_role("link", name="Tags"), "tags")
    page = tab.page
    page.locator("#tag-name-0").fill("env")
    page.locator("#tag-value-0").fill("lab")
    response = htmx_click(tab, page.locator("#apply-tags"), "/tags")
    assert response.status == 200
    expect(page.locator("#tags-saved")).to_be_visible()
    tab.shot("tags-applied")

    tab.goto(_vnet(tab, "contoso-vnet") + "/tags")
    expect(page.locator("#tag-name-0")).to_have_value("env")
    expect(page.locator("#tag-value-0")).to_have_value("lab")


def test_a_delete_lock_refuses_deleting_the_vnet(tab):
    tab.goto(_vnet(tab, "contoso-weu-vnet") + "/overview")
    page = tab.page
    menu = page.locator("nav.az-resource-menu")
    tab.follow(menu.get_by_role("link", name="Locks"), "locks")
    htmx_click(tab, page.locator("#add-lock"), "/locks/add", method="GET")
    pane = page.locator("#context-pane")
    expect(pane.get_by_role("heading", name="Add lock")).to_be_visible()
    page.locator("#lock-name").fill("keep")
    page.locator("#lock-level").select_option("CanNotDelete")
    page.locator("#lock-notes").fill("Shared with the class")
    tab.shot("add-lock-pane")
    assert htmx_click(tab, page.locator("#save-lock"), "/locks/add").status == 200
    row = page.locator("#lock-table tr[data-lock='keep']")
    expect(row).to_contain_text("Delete")
    expect(row).to_contain_text("This resource")
    tab.shot("lock-added")

    tab.follow(menu.get_by_role("link", name="Overview"))
    htmx_click(tab, page.locator("#delete-vnet"), "/delete", method="GET")
    response = htmx_click(tab, page.locator("#confirm-delete-vnet"), "/delete")
    assert response.status == 422
    error = page.locator("#delete-vnet-error")
    expect(error).to_contain_text("cannot perform delete operation because following scope(s) are locked")
    expect(error).to_contain_text("LOCK-01")
    tab.shot("delete-refused")
