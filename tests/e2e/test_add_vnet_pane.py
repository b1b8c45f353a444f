"""Issue #2 walkthrough, up to the point of integrating: the app's blades, the
Networking page, and everything the "Add VNet" pane allows or refuses, and why."""

import re

import pytest
from playwright.sync_api import expect

from networking.models import Subnet
from tests.e2e.flows import (
    choose_vnet,
    open_add_vnet_pane,
    open_blade,
    select_existing_mode,
    status_badge,
    subnet_option,
    wait_for_pane,
)

pytestmark = pytest.mark.browser


def test_it_opens_contoso_web_from_all_resources_and_shows_its_overview(tab):
    tab.goto("/", "home")
    tab.follow(tab.page.locator("nav.az-portal-menu").get_by_role("link", name="All resources"), "all-resources")
    tab.follow(tab.page.locator("#resource-table").get_by_role("link", name="contoso-web", exact=True), "overview")

    page = tab.page
    expect(page.locator("h1.az-blade-title")).to_have_text("contoso-web")
    expect(status_badge(tab)).to_have_attribute("data-status", "Running")
    expect(status_badge(tab)).to_have_text(re.compile("Running"))
    essentials = page.locator("#essentials")
    expect(essentials.locator(".az-prop", has_text="App Service Plan")).to_contain_text("contoso-s1-plan (S1: 1)")
    expect(essentials.locator(".az-prop", has_text="Location")).to_contain_text("East US")
    expect(essentials.locator(".az-prop", has_text="Operating System")).to_contain_text("Windows")
    menu = page.locator("nav.az-resource-menu")
    expect(menu.get_by_role("link", name="Activity log")).to_be_visible()
    expect(menu.get_by_role("link", name="Networking")).to_be_visible()


def test_it_shows_the_networking_blade_and_links_to_the_vnet_configuration(tab):
    open_blade(tab, "contoso-web", "overview")
    tab.follow(tab.page.locator("nav.az-resource-menu").get_by_role("link", name="Networking"), "networking")

    page = tab.page
    expect(page.get_by_role("heading", name="Inbound Traffic")).to_be_visible()
    expect(page.get_by_role("heading", name="Outbound Traffic")).to_be_visible()
    expect(page.locator("#vnet-integration-status")).to_have_text("Not configured")

    tab.follow(page.get_by_role("link", name="Click here to configure"), "vnet-configuration")
    expect(page.locator("h1.az-blade-title")).to_contain_text("VNet Configuration")
    expect(page.locator("#integration-panel")).to_have_attribute("data-integrated", "none")
    expect(page.locator("#integration-state")).to_have_text("Not configured")
    expect(page.locator("#add-vnet")).to_be_enabled()


def test_add_vnet_opens_a_pane_on_the_right_with_same_region_vnets_first(tab):
    open_blade(tab, "contoso-web", "vnet_integration")
    closed = tab.page.locator("#context-pane")
    expect(closed).not_to_have_class(re.compile(r"\bopen\b"))
    assert closed.bounding_box()["x"] >= tab.page.viewport_size["width"], "a closed pane is off-screen"
    pane = open_add_vnet_pane(tab)

    box = pane.bounding_box()
    viewport = tab.page.viewport_size
    assert box is not None
    assert abs(box["x"] + box["width"] - viewport["width"]) <= 2, "the pane hugs the right edge"
    assert box["x"] > viewport["width"] / 2, "the pane is a context pane, not the page"

    groups = pane.locator("#vnet-select optgroup")
    expect(groups).to_have_count(2)
    assert groups.nth(0).get_attribute("data-group") == "same-region"
    assert groups.nth(1).get_attribute("data-group") == "other-regions"
    same_region = [t.split(" (")[0] for t in groups.nth(0).locator("option").all_inner_texts()]
    other_regions = [t.split(" (")[0] for t in groups.nth(1).locator("option").all_inner_texts()]
    assert same_region == ["contoso-vnet"]
    assert sorted(other_regions) == ["contoso-westus-vnet", "contoso-weu-vnet"]
    expect(pane.locator("#add-vnet-ok")).to_be_disabled()


def test_it_explains_which_existing_subnets_of_a_same_region_vnet_can_be_used(tab):
    open_blade(tab, "contoso-web", "vnet_integration")
    open_add_vnet_pane(tab)
    choose_vnet(tab, "contoso-vnet")
    select_existing_mode(tab, "existing-subnets")

    page = tab.page
    refused = {"vm-subnet": "ERR-01", "tiny-subnet": "ERR-05", "sqlmi-subnet": "ERR-10"}
    for name, err in refused.items():
        expect(subnet_option(tab, name)).to_be_disabled()
        reason = page.locator(f"#subnet-reasons li[data-subnet='{name}']")
        expect(reason).to_have_attribute("data-enabled", "false")
        expect(reason.locator(".az-option-reason")).to_contain_text(err)
    expect(page.locator("#subnet-reasons li[data-subnet='vm-subnet']")).to_contain_text("isn't empty")
    expect(page.locator("#subnet-reasons li[data-subnet='tiny-subnet']")).to_contain_text("too small")
    expect(page.locator("#subnet-reasons li[data-subnet='sqlmi-subnet']")).to_contain_text(
        "Microsoft.Sql/managedInstances"
    )
    expect(subnet_option(tab, "integration-subnet")).to_be_enabled()
    expect(page.locator("#subnet-reasons li[data-subnet='integration-subnet']")).to_have_attribute(
        "data-enabled", "true"
    )
    expect(page.locator("#add-vnet-ok")).to_be_enabled()


def test_create_new_subnet_suggests_a_free_26_and_refuses_bad_address_blocks(tab):
    open_blade(tab, "contoso-web", "vnet_integration")
    open_add_vnet_pane(tab)
    choose_vnet(tab, "contoso-vnet", "create-new")

    page = tab.page
    expect(page.locator("#mode-new")).to_be_checked()
    suggested = page.locator("#subnet-prefix").input_value()
    assert re.fullmatch(r"10\.0\.\d+\.\d+/26", suggested), suggested
    free_ranges = page.locator("#free-ranges").inner_text()
    assert free_ranges not in ("", "none")
    assert suggested.rsplit(".", 1)[0] in free_ranges or suggested in free_ranges, (suggested, free_ranges)

    subnets_before = set(Subnet.objects.filter(vnet__sandbox=tab.sandbox()).values_list("pk", flat=True))
    bad_blocks = {
        "10.0.1.0/24": "overlaps 'vm-subnet (10.0.1.0/24)'",
        "10.9.0.0/26": "outside the address space of 'contoso-vnet'",
        "10.0.5.0/28": "/27",  # smaller than a subnet created here may be
    }
    for prefix, why in bad_blocks.items():
        page.locator("#subnet-name").fill("e2e-apps")
        page.locator("#subnet-prefix").fill(prefix)
        with page.expect_response(lambda r: r.request.method == "POST" and "/vnetintegration/add" in r.url) as answer:
            page.locator("#add-vnet-ok").click()
        tab.settle()
        assert answer.value.status == 422, prefix
        error = page.locator(".az-field:has(#subnet-prefix) .az-field-error")
        expect(error).to_be_visible()
        expect(error).to_contain_text(why)
        expect(page.locator("#subnet-prefix")).to_have_value(prefix)
        tab.shot(f"refused-{prefix.replace('/', '_')}")

    expect(page.locator("#integration-panel")).to_have_attribute("data-integrated", "none")
    after = set(Subnet.objects.filter(vnet__sandbox=tab.sandbox()).values_list("pk", flat=True))
    assert after == subnets_before, "a refused address block creates nothing"


def test_another_regions_vnet_needs_a_p2s_gateway_and_a_windows_app(tabs):
    web = tabs.tab("web")
    open_blade(web, "contoso-web", "vnet_integration")
    open_add_vnet_pane(web, step=None)

    choose_vnet(web, "contoso-weu-vnet", "weu-no-gateway")
    problem = web.page.locator("#gateway-problem")
    expect(problem).to_have_attribute("data-err", "ERR-18")
    expect(problem).to_contain_text("no virtual network gateway")
    expect(problem).to_contain_text("Create a route-based VPN gateway with point-to-site")
    expect(web.page.locator("#add-vnet-ok")).to_be_disabled()

    choose_vnet(web, "contoso-westus-vnet", "westus-gateway")
    expect(web.page.locator("#gateway-ok")).to_contain_text("contoso-westus-vpngw")
    expect(web.page.locator("#gateway-problem")).to_have_count(0)
    expect(web.page.locator("#add-vnet-ok")).to_be_enabled()

    api = tabs.tab("api", same_sandbox_as=web)
    open_blade(api, "contoso-api", "vnet_integration")
    open_add_vnet_pane(api, step=None)
    choose_vnet(api, "contoso-westus-vnet", "westus-linux")
    problem = api.page.locator("#gateway-problem")
    expect(problem).to_have_attribute("data-err", "ERR-18")
    expect(problem).to_contain_text("'contoso-api' runs on Linux")
    expect(problem).to_contain_text("ASGW-02")
    expect(api.page.locator("#add-vnet-ok")).to_be_disabled()


def test_the_classic_vnet_link_offers_only_classic_vnets_with_a_gateway(tab):
    open_blade(tab, "contoso-web", "vnet_integration")
    open_add_vnet_pane(tab, step=None)
    tab.page.locator("#classic-vnet-link").click()
    pane = wait_for_pane(tab)
    expect(pane.get_by_role("heading", name="Classic VNet")).to_be_visible()
    tab.shot("classic-pane")

    usable = pane.locator("#classic-vnets li[data-vnet='contoso-classic-vnet']")
    expect(usable).to_have_attribute("data-enabled", "true")
    expect(usable.locator("input[type=radio]")).to_be_enabled()
    legacy = pane.locator("#classic-vnets li[data-vnet='legacy-classic-vnet']")
    expect(legacy).to_have_attribute("data-enabled", "false")
    expect(legacy.locator("input[type=radio]")).to_be_disabled()
    expect(legacy.locator(".az-option-reason")).to_contain_text("no virtual network gateway")
    expect(pane.locator("#classic-vnets li")).to_have_count(2)


@pytest.mark.parametrize(
    ("app", "err", "says"),
    [
        ("contoso-dev", "ERR-03", "The Free tier doesn't support virtual network integration"),
        ("contoso-internal", "ERR-04", "already run inside a virtual network"),
    ],
    ids=["free-tier", "app-service-environment"],
)
def test_plans_that_cannot_integrate_say_why_and_disable_add_vnet(tab, app, err, says):
    open_blade(tab, app, "networking", "networking")
    banner = tab.page.locator("#plan-problem")
    expect(banner).to_have_attribute("data-err", err)
    expect(banner).to_contain_text(says)

    tab.follow(tab.page.get_by_role("link", name="Click here to configure"), "vnet-configuration")
    expect(tab.page.locator(f"#integration-panel [data-err='{err}']")).to_contain_text(says)
    expect(tab.page.locator("#add-vnet")).to_be_disabled()
