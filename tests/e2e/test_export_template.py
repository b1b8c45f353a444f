"""Export template in the browser: the resource group's menu leads to it,
Copy puts the template on the clipboard (static/portal/export.js) and
Download saves template.json."""

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_a_resource_groups_export_template_copies_and_downloads(tab):
    sandbox = tab.sandbox()
    subscription = sandbox.subscriptions.get().subscription_id
    tab.goto(f"/resource/subscriptions/{subscription}/resourceGroups/contoso-rg/overview")
    menu = tab.page.locator("nav.az-resource-menu")
    tab.follow(menu.get_by_role("link", name="Export template"), "export-template")
    template = tab.page.locator("#export-template-json")
    expect(template).to_contain_text('"virtualNetworks_contoso_vnet_name"')

    tab.page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    tab.page.locator("#export-copy").click()
    expect(tab.page.locator("#export-copy-status")).to_have_text("Copied to clipboard")
    copied = json.loads(tab.page.evaluate("navigator.clipboard.readText()"))
    assert copied == json.loads(template.text_content())

    with tab.page.expect_download() as download:
        tab.page.locator("#export-download").click()
    assert download.value.suggested_filename == "template.json"
    assert json.loads(Path(download.value.path()).read_text())["resources"] == copied["resources"]
