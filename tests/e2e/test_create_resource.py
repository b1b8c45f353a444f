"""Issue #2 walkthrough, step 13: "+ Create a resource" -> Marketplace ->
Virtual network (a new resource group, an overlapping subnet caught by
"Review + create", then the deployment page), then an App Service plan and a
web app on it, whose Networking blade can integrate."""

import re

import pytest
from playwright.sync_api import expect

from appservice.models import AppServicePlan, WebApp
from networking.models import VirtualNetwork
from tests.e2e.flows import (
    create_and_open_deployment,
    open_add_vnet_pane,
    open_marketplace_product,
    review_and_create,
    wizard_click,
    wizard_tab,
)
from tests.e2e.support import Tab

pytestmark = pytest.mark.browser

RG = "e2e-network-rg"
VNET = "e2e-vnet"


def _subnet_row(tab: Tab, index: int):
    return tab.page.locator("#subnet-grid tbody tr[data-subnet]").nth(index)


def _all_resources_row(tab: Tab, name: str):
    tab.goto("/")
    tab.follow(tab.page.locator("nav.az-portal-menu").get_by_role("link", name="All resources"))
    return tab.page.locator("#resource-table tbody tr", has=tab.page.get_by_role("link", name=name, exact=True))


def test_create_a_virtual_network_in_a_new_resource_group_after_fixing_an_overlap(tab):
    open_marketplace_product(tab, "virtualnetwork", "wizard-basics")
    page = tab.page
    expect(page.locator("h1.az-blade-title")).to_contain_text("Create virtual network")
    expect(page.locator("#subscription")).to_contain_text("Azure subscription 1")

    # Basics: Resource group "Create new", a name, a region.
    new_group = page.locator("#create-new-resource-group")
    new_group.locator("summary").click()
    expect(page.locator("#new-rg-name")).to_be_visible()
    page.locator("#new-rg-name").fill(RG)
    tab.shot("new-resource-group")
    wizard_click(tab, new_group.get_by_role("button", name="OK"))
    expect(page.locator("#resource-group option:checked")).to_have_text(f"(new) {RG}")
    page.locator("#name").fill(VNET)
    page.locator("#region").select_option(label="(US) East US")
    tab.shot("basics-filled")

    # IP Addresses: the address space and two subnets, the second overlapping the first.
    wizard_click(tab, page.locator("#next-button"))
    expect(wizard_tab(tab, "ipaddresses")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#tab-ipaddresses")).to_be_visible()
    space = page.locator("#address-space-grid input[name=address_space]").first
    expect(space).to_have_value("10.0.0.0/16")
    space.fill("10.80.0.0/16")
    _subnet_row(tab, 0).locator("input[name=subnet_name]").fill("web")
    _subnet_row(tab, 0).locator("input[name=subnet_prefix]").fill("10.80.1.0/24")
    wizard_click(tab, page.locator("#add-subnet"))
    expect(page.locator("#subnet-grid tbody tr[data-subnet]")).to_have_count(2)
    suggested = _subnet_row(tab, 1).locator("input[name=subnet_prefix]").input_value()
    assert re.fullmatch(r"10\.80\.\d+\.0/24", suggested) and suggested != "10.80.1.0/24", suggested
    _subnet_row(tab, 1).locator("input[name=subnet_name]").fill("apps")
    _subnet_row(tab, 1).locator("input[name=subnet_prefix]").fill("10.80.1.128/26")
    tab.shot("overlapping-subnet")

    banner = review_and_create(tab, "validation-failed")
    expect(banner).to_have_attribute("data-validation", "failed")
    expect(banner).to_contain_text("Validation failed")
    expect(banner.locator(".az-problem-list")).to_contain_text("IP Addresses:")
    expect(banner.locator(".az-problem-list")).to_contain_text("overlaps")
    ip_tab = wizard_tab(tab, "ipaddresses")
    expect(ip_tab).to_have_attribute("data-error", "true")
    expect(ip_tab.locator(".az-tab-dot")).to_be_visible()
    expect(ip_tab.locator(".az-tab-dot")).to_have_css(
        "background-color", re.compile(r"rgb\((1[5-9]\d|2\d\d), \d{1,2}, \d{1,2}\)")
    )
    expect(wizard_tab(tab, "basics").locator(".az-tab-dot")).to_have_count(0)
    expect(page.locator("#create-button")).to_be_disabled()
    assert not VirtualNetwork.objects.filter(sandbox=tab.sandbox(), name=VNET).exists()

    wizard_click(tab, ip_tab, "overlap-on-field")
    apps = _subnet_row(tab, 1)
    error = apps.locator("td:has(input[name=subnet_prefix]) .az-field-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("overlaps")
    expect(error).to_contain_text("web")
    expect(_subnet_row(tab, 0).locator(".az-field-error")).to_have_count(0)
    expect(apps.locator("input[name=subnet_prefix]")).to_have_value("10.80.1.128/26")

    apps.locator("input[name=subnet_prefix]").fill("10.80.2.0/26")
    banner = review_and_create(tab, "validation-passed")
    expect(banner).to_have_attribute("data-validation", "passed")
    expect(banner).to_have_text("Validation passed")
    expect(wizard_tab(tab, "ipaddresses")).not_to_have_attribute("data-error", "true")
    expect(page.locator(".az-tab-dot")).to_have_count(0)
    review = page.locator("#tab-review")
    expect(review.locator(".az-prop", has_text="Resource group")).to_contain_text(f"(new) {RG}")
    expect(review.locator(".az-prop", has_text="Address space")).to_contain_text("10.80.0.0/16")
    expect(review.locator(".az-prop", has_text="Subnet 'apps'")).to_contain_text("10.80.2.0/26")

    create_and_open_deployment(tab)
    assert re.search(r"/create/deployments/[0-9a-f-]{36}/$", page.url), page.url
    expect(page.locator("#deployment-details")).to_contain_text(VNET)
    expect(page.locator("#deployment-details")).to_contain_text("Microsoft.Network/virtualNetworks")
    tab.follow(page.locator("#go-to-resource"), "vnet-blade")
    expect(page.locator("#go-to-resource")).to_have_count(0)
    expect(page.locator("h1.az-blade-title")).to_contain_text(VNET)

    vnet = VirtualNetwork.objects.get(sandbox=tab.sandbox(), name=VNET)
    assert vnet.resource_group.name == RG
    assert vnet.location == "eastus"
    assert sorted(vnet.subnets.values_list("name", "address_prefix")) == [
        ("apps", "10.80.2.0/26"),
        ("web", "10.80.1.0/24"),
    ]

    row = _all_resources_row(tab, VNET)
    expect(row).to_have_count(1)
    tab.shot("all-resources")
    expect(row.locator("td").nth(1)).to_contain_text(re.compile("Virtual network", re.I))
    expect(row.locator("td").nth(2)).to_have_text(RG)
    expect(row.locator("td").nth(3)).to_have_text("East US")


def test_create_an_s1_windows_plan_and_a_web_app_then_open_its_networking(tab):
    # App Service Plan: Basics only, then Review + create.
    open_marketplace_product(tab, "appserviceplan", "plan-basics")
    page = tab.page
    page.locator("#resource-group").select_option("contoso-rg")
    page.locator("#name").fill("e2e-s1-plan")
    page.locator("input[name=os][value=Windows]").check()
    page.locator("#region").select_option(label="(US) East US")
    page.locator("#sku").select_option("S1")
    expect(page.locator("#tier-table tr[data-sku='S1']")).to_have_attribute("data-vnet", "true")
    expect(page.locator("#tier-table tr[data-sku='F1']")).to_have_attribute("data-vnet", "false")
    tab.shot("plan-filled")
    banner = review_and_create(tab, "plan-review")
    expect(banner).to_have_attribute("data-validation", "passed")
    expect(page.locator("#tab-review .az-prop", has_text="Pricing tier")).to_contain_text("S1 (Standard)")
    expect(page.locator("#tab-review .az-prop", has_text="Operating System")).to_contain_text("Windows")
    create_and_open_deployment(tab, "plan-deployment")
    plan = AppServicePlan.objects.get(sandbox=tab.sandbox(), name="e2e-s1-plan")
    assert (plan.sku, plan.os, plan.location) == ("S1", "Windows", "eastus")

    # Web App on that plan.
    open_marketplace_product(tab, "webapp", "webapp-basics")
    page.locator("#resource-group").select_option("contoso-rg")
    page.locator("#name").fill("e2e-webapp")
    expect(page.locator("#name-check")).to_contain_text("e2e-webapp.azurewebsites.net is available")
    with page.expect_response(lambda r: "/create/webapp/" in r.url and r.request.method == "POST"):
        page.locator("#runtime-stack").select_option(label=".NET 5")
    tab.settle()
    expect(page.locator("#webapp-os-windows")).to_be_checked()
    option = page.locator("#plan option", has_text=re.compile(r"^e2e-s1-plan \("))
    with page.expect_response(lambda r: "/create/webapp/" in r.url and r.request.method == "POST"):
        page.locator("#plan").select_option(option.get_attribute("value"))
    tab.settle()
    expect(page.locator("#webapp-sku")).to_contain_text("S1")
    expect(page.locator("#webapp-os-windows")).to_be_checked()
    expect(page.locator("#webapp-region")).to_contain_text("East US")
    tab.shot("webapp-filled")
    banner = review_and_create(tab, "webapp-review")
    expect(banner).to_have_attribute("data-validation", "passed")
    expect(page.locator("#tab-review .az-prop", has_text="App Service Plan")).to_contain_text("e2e-s1-plan (S1)")
    create_and_open_deployment(tab, "webapp-deployment")
    tab.follow(page.locator("#go-to-resource"), "webapp-overview")
    expect(page.locator("h1.az-blade-title")).to_have_text("e2e-webapp")
    expect(page.locator("#essentials .az-prop", has_text="App Service Plan")).to_contain_text("e2e-s1-plan")
    app = WebApp.objects.get(sandbox=tab.sandbox(), name="e2e-webapp")
    assert app.plan == plan

    tab.follow(page.locator("nav.az-resource-menu").get_by_role("link", name="Networking"), "webapp-networking")
    expect(page.locator("h1.az-blade-title")).to_contain_text("Networking")
    expect(page.locator("#plan-problem")).to_have_count(0)
    expect(page.locator("#vnet-integration-status")).to_have_text("Not configured")
    tab.follow(page.get_by_role("link", name="Click here to configure"))
    expect(page.locator("#add-vnet")).to_be_enabled()
    pane = open_add_vnet_pane(tab, step="webapp-add-vnet")
    same_region = pane.locator("#vnet-select optgroup[data-group='same-region'] option")
    expect(same_region.filter(has_text=re.compile(r"^contoso-vnet \("))).to_have_count(1)
