"""Issue #3, the virtual network part, as a learner clicks it: contoso-vnet
gets a second address range, a subnet with a service endpoint, a refused
overlap, a refused delete of a subnet in use, custom DNS, and all of it shows
in the JSON View and the Activity log."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.flows import htmx_click, pane_closed, wait_for_pane

pytestmark = pytest.mark.browser


def _menu(tab, label: str, step: str) -> None:
    tab.follow(tab.page.locator("nav.az-resource-menu").get_by_role("link", name=label), step)


def _open_add_subnet_pane(tab, step: str):
    tab.page.locator("#add-subnet").click()
    pane = wait_for_pane(tab)
    expect(pane.get_by_role("heading", name="Add subnet")).to_be_visible()
    tab.shot(step)
    return pane


def test_a_learner_builds_out_contoso_vnet(tab):
    page = tab.page
    tab.goto("/resources/?type=Microsoft.Network/virtualNetworks", "vnet-list")
    tab.follow(page.locator("#resource-table").get_by_role("link", name="contoso-vnet", exact=True), "overview")
    expect(page.locator("h1.az-blade-title")).to_have_text("contoso-vnet")
    expect(page.locator("#vnet-address-space")).to_have_text("10.0.0.0/16")

    # Address space: add 10.5.0.0/16, then Save.
    _menu(tab, "Address space", "address-space")
    page.locator("#new-address-space").fill("10.5.0.0/16")
    page.locator("#new-address-space").press("Enter")
    tab.settle()
    expect(page.locator("#address-space")).to_have_attribute("data-unsaved", "true")
    tab.shot("address-space-draft")
    response = htmx_click(tab, page.locator("#save-address-space"), "/addressspace")
    assert response.status == 200
    expect(page.locator("#address-space-saved")).to_be_visible()
    expect(page.locator("#address-space-grid tr[data-range='10.5.0.0/16']")).to_be_visible()
    tab.shot("address-space-saved")

    # Subnets: + Subnet -> app-subnet 10.5.1.0/24 with Microsoft.Sql.
    _menu(tab, "Subnets", "subnets")
    pane = _open_add_subnet_pane(tab, "add-subnet-pane")
    pane.locator("#subnet-name").fill("app-subnet")
    pane.locator("#subnet-prefix").fill("10.5.1.0/24")
    pane.locator("#se-microsoftsql").check()
    tab.shot("add-subnet-filled")
    response = htmx_click(tab, pane.locator("#save-subnet"), "/addsubnet")
    assert response.status == 200
    pane_closed(tab)
    row = page.locator("#subnet-table tr[data-subnet='app-subnet']")
    expect(row).to_contain_text("10.5.1.0/24")
    expect(row).to_contain_text("Microsoft.Sql")
    expect(row.locator("td[data-available]")).to_have_text("251")
    tab.shot("subnet-added")

    # An overlapping subnet is refused, with the rule.
    pane = _open_add_subnet_pane(tab, "overlap-pane")
    pane.locator("#subnet-name").fill("overlap-subnet")
    pane.locator("#subnet-prefix").fill("10.5.1.128/25")
    response = htmx_click(tab, pane.locator("#save-subnet"), "/addsubnet")
    assert response.status == 422
    error = page.locator("#context-pane .az-field-error")
    expect(error).to_contain_text("overlaps 'app-subnet (10.5.1.0/24)'")
    expect(error).to_contain_text("ERR-21")
    tab.shot("overlap-refused")
    page.locator("#context-pane [data-close-pane]").first.click()
    pane_closed(tab)
    expect(page.locator("#subnet-table tr[data-subnet='overlap-subnet']")).to_have_count(0)

    # vm-subnet holds a VM's NIC: Delete -> Yes is refused (ERR-14).
    page.locator("#subnet-table tr[data-subnet='vm-subnet'] a").first.click()
    pane = wait_for_pane(tab)
    expect(pane.locator("#subnet-in-use")).to_contain_text("contoso-vm01-nic")
    tab.shot("vm-subnet-pane")
    htmx_click(tab, pane.locator("#delete-subnet"), "/delete", method="GET")
    expect(pane.get_by_role("heading", name="Delete subnet")).to_be_visible()
    tab.shot("vm-subnet-delete-confirm")
    response = htmx_click(tab, page.locator("#confirm-delete-subnet"), "/delete")
    assert response.status == 422
    banner = page.locator("#subnet-error")
    expect(banner).to_have_attribute("data-err", "ERR-14")
    expect(banner).to_contain_text("can't be resized or deleted while 'contoso-vm01-nic' uses it")
    tab.shot("vm-subnet-delete-refused")
    page.locator("#context-pane [data-close-pane]").first.click()
    pane_closed(tab)

    # DNS servers: Custom 10.0.1.4, Save.
    _menu(tab, "DNS servers", "dns")
    with page.expect_response(lambda r: "/dnsservers" in r.url and r.request.method == "POST"):
        page.locator("#dns-custom").check()
    tab.settle()
    page.locator("#new-dns-server").fill("10.0.1.4")
    response = htmx_click(tab, page.locator("#save-dns"), "/dnsservers")
    assert response.status == 200
    expect(page.locator("#dns-saved")).to_be_visible()
    expect(page.locator("#dns-server-grid tr[data-server='10.0.1.4']")).to_be_visible()
    expect(page.locator("#dns-dhcp-note")).to_contain_text("DHCP")
    tab.shot("dns-saved")

    # All of it in the JSON View...
    _menu(tab, "Properties", "json-view")
    document = page.locator("#arm-json")
    expect(document).to_contain_text('"10.5.0.0/16"')
    expect(document).to_contain_text('"app-subnet"')
    expect(document).to_contain_text('"Microsoft.Sql"')
    expect(document).to_contain_text('"10.0.1.4"')

    # ... and in the Activity log.
    _menu(tab, "Activity log", "activity-log")
    operations = page.locator("#activity-log tbody tr td:first-child").all_inner_texts()
    assert operations.count("Create or Update Virtual Network") >= 2, operations
    assert "Create or Update Subnet" in operations
    expect(page.locator("#activity-log")).not_to_contain_text(re.compile("Delete Subnet"))
