"""Long grids in the browser (issue #12, "long grids are paged"): a VNet of
250 subnets pages by 100 with the keyboard and the mouse, the page is in
the address bar and survives Back and a reload; All resources pages the
same way; the Add VNet pane's filter finds a network past its first page.
No console error on the way."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from appservice.models import WebApp
from networking.models import Subnet, VirtualNetwork
from portal.models import ResourceGroup
from tests.e2e.flows import console_errors, htmx_click, open_add_vnet_pane, open_blade, pane_closed, wait_for_pane

pytestmark = pytest.mark.browser


def _long_vnet(tab, n: int = 250) -> str:
    """A VNet of ``n`` subnets in the tab's sandbox; its Subnets page's path."""
    sandbox = tab.sandbox()
    rg = ResourceGroup.objects.get(subscription__sandbox=sandbox, name="contoso-rg")
    vnet = VirtualNetwork.objects.create(
        sandbox=sandbox, resource_group=rg, name="long-vnet", location="eastus", address_space=["10.200.0.0/16"]
    )
    Subnet.objects.bulk_create(
        Subnet(vnet=vnet, name=f"subnet-{i:03d}", address_prefix=f"10.200.{i // 4}.{(i % 4) * 64}/26") for i in range(n)
    )
    kwargs = {"subscription_id": rg.subscription.subscription_id, "rg": rg.name, "provider": "Microsoft.Network"}
    return reverse("networking:vnet_subnets", kwargs={**kwargs, "name": "long-vnet"})


def _first_row(tab):
    return tab.page.locator("#subnet-table tbody tr").first


def test_the_subnets_grid_pages_with_the_keyboard_and_the_mouse(tab):
    path = _long_vnet(tab)
    errors = console_errors(tab)
    response = tab.goto(path, "subnets-page-1")
    assert response.ok, path
    page = tab.page
    count = page.locator("#subnet-grid-count")
    expect(count).to_have_text("Showing 1 to 100 of 250 records.")
    expect(page.locator("#subnet-table tbody tr")).to_have_count(100)
    expect(page.get_by_role("navigation", name="Subnets: pages")).to_be_visible()

    # The keyboard: Tab reaches "Next", Enter follows it; only the grid is
    # swapped, focus stays on "Next", and the page is in the address bar.
    page.locator("#subnet-grid-page").focus()
    page.keyboard.press("Tab")
    expect(page.locator("#subnet-grid-next")).to_be_focused()
    page.keyboard.press("Enter")
    expect(count).to_have_text("Showing 101 to 200 of 250 records.")
    expect(_first_row(tab)).to_have_attribute("data-subnet", "subnet-100")
    expect(page.locator("#subnet-grid-next")).to_be_focused()
    expect(page).to_have_url(re.compile(r"\?page=2$"))
    tab.shot("subnets-page-2-keyboard")

    # The page picker, by keyboard: the last page.
    page.locator("#subnet-grid-page").select_option("3")
    expect(count).to_have_text("Showing 201 to 250 of 250 records.")
    expect(page.locator("#subnet-table tbody tr")).to_have_count(50)
    expect(page.locator("#subnet-grid-next")).to_have_attribute("aria-disabled", "true")
    expect(page).to_have_url(re.compile(r"\?page=3$"))

    # The mouse: Previous.
    page.get_by_role("link", name="Previous").click()
    expect(count).to_have_text("Showing 101 to 200 of 250 records.")
    expect(page).to_have_url(re.compile(r"\?page=2$"))

    # Back goes to the page before, a reload keeps the page.
    page.go_back()
    expect(count).to_have_text("Showing 201 to 250 of 250 records.")
    page.reload()
    expect(count).to_have_text("Showing 201 to 250 of 250 records.")
    expect(page.locator("h1.az-blade-title")).to_be_visible()

    # Searching starts again from a first page of what matches.
    page.locator("#subnet-filter").fill("subnet-1")
    expect(count).to_have_text("Showing 100 records.")
    expect(_first_row(tab)).to_have_attribute("data-subnet", "subnet-100")
    tab.shot("subnets-search")
    assert errors == []


def test_a_subnet_opened_from_page_two_saves_back_onto_page_two(tab):
    path = _long_vnet(tab, 150)
    errors = console_errors(tab)
    tab.goto(path + "?page=2")
    page = tab.page
    page.locator("#subnet-table tr[data-subnet='subnet-120'] a").first.click()
    pane = wait_for_pane(tab)
    response = htmx_click(tab, pane.locator("#save-subnet"), "/subnets/subnet-120")
    assert response.status == 200
    pane_closed(tab)
    expect(page.locator("#subnet-grid-count")).to_have_text("Showing 101 to 150 of 150 records.")
    assert errors == []


def test_all_resources_pages_and_keeps_its_filter(tab):
    sandbox = tab.sandbox()
    rg = ResourceGroup.objects.get(subscription__sandbox=sandbox, name="contoso-rg")
    VirtualNetwork.objects.bulk_create(
        VirtualNetwork(
            sandbox=sandbox,
            resource_group=rg,
            name=f"many-vnet-{i:03d}",
            location="eastus",
            address_space=["10.50.0.0/24"],
        )
        for i in range(180)
    )
    errors = console_errors(tab)
    tab.goto(reverse("all_resources") + "?q=many-vnet", "all-resources-page-1")
    page = tab.page
    count = page.locator("#resource-table-count")
    expect(count).to_have_text("Showing 1 to 100 of 180 records.")
    page.locator("#resource-table-next").click()
    expect(count).to_have_text("Showing 101 to 180 of 180 records.")
    expect(page).to_have_url(re.compile(r"\?q=many-vnet&page=2$"))
    expect(page.locator("#resource-table tbody tr").first).to_contain_text("many-vnet-100")
    tab.shot("all-resources-page-2")
    assert errors == []


def test_the_add_vnet_panes_filter_finds_a_network_past_the_first_page(tab):
    sandbox = tab.sandbox()
    app = WebApp.objects.select_related("resource_group").get(sandbox=sandbox, name="contoso-web")
    VirtualNetwork.objects.bulk_create(
        VirtualNetwork(
            sandbox=sandbox,
            resource_group=app.resource_group,
            name=f"many-vnet-{i:03d}",
            location="eastus",
            address_space=[f"10.{100 + i // 250}.{i % 250}.0/24"],
        )
        for i in range(220)
    )
    errors = console_errors(tab)
    open_blade(tab, "contoso-web", "vnet_integration")
    pane = open_add_vnet_pane(tab, "add-vnet-long")
    expect(pane.locator("#vnet-count")).to_contain_text("Filter to find the others.")
    expect(pane.locator("#vnet-select option", has_text="many-vnet-219")).to_have_count(0)
    pane.locator("#vnet-filter").fill("vnet-219")
    expect(pane.locator("#vnet-select option", has_text="many-vnet-219")).to_have_count(1)
    expect(pane.locator("#vnet-count")).to_contain_text("1 of")
    # Enter in the filter box filters; it doesn't submit the pane.
    pane.locator("#vnet-filter").press("Enter")
    value = pane.locator("#vnet-select option", has_text="many-vnet-219").get_attribute("value")
    with tab.page.expect_response(lambda r: "/vnetintegration/add/details" in r.url):
        pane.locator("#vnet-select").select_option(value)
    expect(pane.locator("#subnet-mode")).to_be_visible()
    tab.shot("add-vnet-filtered")
    expect(tab.page.locator("#context-pane")).to_have_class(re.compile(r"\bopen\b"))
    assert errors == []
