"""The portal shell and the sandbox: Home's top bar and menu, "Reset
sandbox", and that one browser never sees or hears another's sandbox."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.flows import integrate_existing_subnet, integrate_new_subnet, open_blade, status_badge, toast

pytestmark = pytest.mark.browser


def test_home_shows_the_portal_shell(tab):
    tab.goto("/", "home")
    page = tab.page
    topbar = page.locator("header.az-topbar")
    expect(topbar.locator(".az-brand")).to_have_text("Microsoft Azure")
    expect(topbar.get_by_role("searchbox", name="Search resources, services, and docs")).to_be_visible()
    expect(topbar.get_by_role("link", name="Notifications")).to_be_visible()
    expect(topbar.locator("#subscription-name")).to_contain_text("Azure subscription 1")
    menu = page.locator("nav.az-portal-menu")
    for label in ("Create a resource", "All resources", "Resource groups"):
        expect(menu.locator("a.az-menu-item", has_text=re.compile(rf"^\W*{label}$"))).to_be_visible()


def test_reset_sandbox_returns_to_the_seed(tab):
    open_blade(tab, "contoso-web", "vnet_integration")
    sandbox = tab.sandbox()
    integrate_new_subnet(tab, "e2e-subnet")
    open_blade(tab, "contoso-web", "networking", "networking-integrated")
    expect(tab.page.locator("#vnet-integration-status")).to_contain_text("contoso-vnet/e2e-subnet")

    tab.goto("/")
    tab.page.locator("#reset-sandbox").click()
    pane = tab.page.locator("#context-pane")
    expect(pane.locator("#confirm-question")).to_contain_text("return to the demo seed?")
    tab.shot("reset-confirmation")
    tab.follow(pane.locator("#reset-yes"), "home-after-reset")
    assert tab.sandbox() == sandbox, "a reset keeps the sandbox (and its subscription ID)"
    expect(tab.page.locator("#bell-count")).to_have_text("1")

    tab.follow(tab.page.locator("nav.az-portal-menu").get_by_role("link", name="All resources"), "all-resources")
    expect(tab.page.locator("#resource-table").get_by_role("link", name="contoso-web", exact=True)).to_be_visible()
    open_blade(tab, "contoso-web", "networking", "networking-after-reset")
    expect(tab.page.locator("#vnet-integration-status")).to_have_text("Not configured")
    expect(status_badge(tab)).to_have_count(0)  # the Networking blade shows no badge; Overview does
    open_blade(tab, "contoso-web", "overview")
    expect(status_badge(tab)).to_have_attribute("data-status", "Running")

    tab.goto("/resources/?type=Microsoft.Network/virtualNetworks")
    tab.follow(tab.page.locator("#resource-table").get_by_role("link", name="contoso-vnet", exact=True))
    tab.follow(tab.page.locator("nav.az-resource-menu").get_by_role("link", name="Subnets"), "subnets-after-reset")
    names = tab.page.locator("#subnet-table tbody tr").evaluate_all("rows => rows.map(r => r.dataset.subnet)")
    assert sorted(names) == ["integration-subnet", "sqlmi-subnet", "tiny-subnet", "vm-subnet"]


def test_another_browser_gets_its_own_sandbox_and_hears_nothing_of_the_first(tabs):
    first = tabs.tab("first")
    open_blade(first, "contoso-web", "vnet_integration", "vnet-configuration")
    first_overview = first.app_url("contoso-web", "overview")

    other = tabs.tab("other")
    other.goto("/", "home")
    assert other.sandbox() != first.sandbox()
    expect(other.page.locator("#subscription-name")).to_contain_text("Azure subscription 1")

    response = other.page.goto(other.base_url + first_overview)
    assert response is not None and response.status == 404
    other.shot("first-sandbox-app-404")

    open_blade(other, "contoso-web", "overview", "own-overview")
    assert other.page.url != first.page.url
    bell_before = other.page.locator("#bell-count").inner_text()
    heard = other.probe()["wsMessages"]
    assert heard == 1, "the state the server sends on connecting, nothing more"

    integrate_existing_subnet(first)
    expect(toast(first, "Added VNet Integration")).to_be_visible()
    assert first.probe()["wsMessages"] >= 3, (
        "the first sandbox's own tab did hear its pushes (after the state on connecting)"
    )

    other.shot("own-overview-after")
    assert other.probe()["wsMessages"] == heard, "a push of another sandbox reached this tab"
    expect(other.page.locator("#bell-count")).to_have_text(bell_before)
    expect(other.page.locator("#toasts .az-toast")).to_have_count(0)
    expect(status_badge(other)).to_have_attribute("data-status", "Running")
    assert set(other.probe()["statuses"]) == {"Running"}
    expect(other.page.locator("body")).to_have_attribute("data-ws", "live")
    assert re.search(r"/sites/contoso-web/overview$", other.page.url)


def test_new_sandbox_link_asks_then_signs_every_other_browser_out(tabs):
    """SBX-04: "New sandbox link" in Portal settings; this browser keeps the
    sandbox, a browser with the old cookie or link gets a new one of its own."""
    first = tabs.tab("first")
    first.goto("/sandbox/")
    sandbox = first.sandbox()
    old_link = first.page.locator("#sandbox-link").inner_text()
    second = tabs.tab("second", same_sandbox_as=first)
    assert second.sandbox() == sandbox

    first.page.locator("#new-sandbox-link").click()
    pane = first.page.locator("#context-pane")
    expect(pane.locator("#confirm-question")).to_contain_text("will no longer open it")
    first.shot("new-link-confirmation")
    first.follow(pane.locator("#new-link-yes"), "new-link-done")
    expect(first.page.locator("#sandbox-link")).not_to_have_text(old_link)
    assert first.sandbox() == sandbox

    response = second.page.goto(old_link)
    assert response is not None and response.status == 404
    second.goto("/")
    assert second.sandbox() != sandbox


def test_too_many_new_sandboxes_from_one_address_get_the_429_page(tabs, settings):
    """SBX-02: past the limit per address, the portal's refusal page with Retry-After."""
    settings.VNETLAB_NEW_SANDBOXES_PER_HOUR = 1
    first = tabs.tab("first")
    assert first.page.goto(first.base_url + "/").status == 200
    second = tabs.tab("second")
    response = second.page.goto(second.base_url + "/")
    assert response is not None and response.status == 429
    assert int(response.headers["retry-after"]) > 3000
    expect(second.page.locator("h1")).to_have_text("Too many new sandboxes")
    expect(second.page.locator("#sandbox-refused")).to_contain_text("SBX-02")
    expect(second.page.locator("#retry-after")).to_have_text("Try again in about 60 minutes.")
    second.shot("too-many-new-sandboxes")
    assert first.page.goto(first.base_url + "/resources/").status == 200, "a browser with its sandbox goes on"
