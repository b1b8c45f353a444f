"""Issue #2 walkthrough, steps 10 and 11: Configuration > Application
settings (drafted in a pane, saved after a confirmation, the app restarting
live in every tab), two tabs saving over each other (APPSET-04), and what
route-all and Azure DNS settings change on the VNet Configuration page."""

import re

import pytest
from playwright.sync_api import expect

from appservice.models import AppSetting
from tests.e2e.flows import (
    add_app_setting,
    htmx_click,
    integrate_existing_subnet,
    open_blade,
    open_setting_pane,
    pane_closed,
    save_app_settings,
    setting_names,
    setting_row,
    status_badge,
    statuses_seen,
    submit_setting,
    toast,
    wait_for_pane,
    wait_until_running,
    watch_overview,
)
from tests.e2e.support import LIVE_TIMEOUT_MS, Tab

pytestmark = pytest.mark.browser

SEEDED = ["ASPNETCORE_ENVIRONMENT", "WEBSITE_RUN_FROM_PACKAGE"]
SAVED_TOAST = "Successfully updated application settings"


def _saved(tab: Tab, app: str = "contoso-web") -> dict[str, str]:
    """The app's settings as the database holds them."""
    return dict(AppSetting.objects.filter(app=tab.app(app)).values_list("name", "value"))


def _open_configuration(tab: Tab, step: str = "configuration") -> None:
    open_blade(tab, "contoso-web", "overview")
    tab.follow(tab.page.locator("nav.az-resource-menu").get_by_role("link", name="Configuration"), step)
    expect(tab.page.locator("h1.az-blade-title")).to_contain_text("Configuration")
    expect(tab.page.locator("#configuration-tabs a.active")).to_have_text("Application settings")


def test_values_are_hidden_until_show_values(tab):
    _open_configuration(tab)
    page = tab.page
    assert setting_names(tab) == SEEDED
    hidden = page.locator("#app-settings-table .az-hidden-value")
    expect(hidden).to_have_count(2)
    expect(hidden.first).to_have_text("Hidden value. Click to show value")
    expect(page.locator("#app-settings-table [data-value]")).to_have_count(0)
    expect(page.locator("#app-settings-table")).not_to_contain_text("Production")
    expect(page.locator("#toggle-values")).to_have_text(re.compile(r"^\s*Show values\s*$"))

    htmx_click(tab, page.locator("#toggle-values"), "/configuration/draft")
    tab.shot("values-shown")
    expect(setting_row(tab, "ASPNETCORE_ENVIRONMENT").locator("[data-value]")).to_have_text("Production")
    expect(setting_row(tab, "WEBSITE_RUN_FROM_PACKAGE").locator("[data-value]")).to_have_text("1")
    expect(hidden).to_have_count(0)
    expect(page.locator("#toggle-values")).to_have_text(re.compile(r"^\s*Hide values\s*$"))
    expect(page.locator("#unsaved-changes")).to_have_count(0)  # showing values changes nothing

    htmx_click(tab, page.locator("#toggle-values"), "/configuration/draft")
    expect(page.locator("#app-settings-table [data-value]")).to_have_count(0)
    expect(hidden).to_have_count(2)


def test_new_setting_pane_refuses_a_bad_name_then_adds_an_unsaved_row_that_discard_drops(tab):
    _open_configuration(tab)
    page = tab.page
    closed = page.locator("#context-pane")
    expect(closed).not_to_have_class(re.compile(r"\bopen\b"))

    pane = open_setting_pane(tab, step="new-setting-pane")
    box = pane.bounding_box()
    viewport = page.viewport_size
    assert abs(box["x"] + box["width"] - viewport["width"]) <= 2, "the pane hugs the right edge"
    assert box["x"] > viewport["width"] / 2, "the pane is a context pane, not the page"

    response = submit_setting(tab, "BAD NAME!", "1", step="bad-name")
    assert response.status == 422
    expect(page.locator("#context-pane")).to_have_class(re.compile(r"\bopen\b"))
    name_field = page.locator(".az-field:has(#setting-name)")
    expect(name_field).to_have_class(re.compile(r"\bhas-error\b"))
    error = name_field.locator("#name-error")
    expect(error).to_be_visible()
    expect(error).to_have_attribute("data-rule", re.compile(r"\bAPPSET-01\b"))
    expect(error).to_contain_text("letters, numbers (0-9), periods ('.') and underscores ('_')")
    expect(page.locator("#setting-name")).to_have_value("BAD NAME!")
    assert setting_names(tab) == SEEDED, "a refused name leaves the grid as it was"
    expect(page.locator("#app-settings")).to_have_attribute("data-unsaved", "false")
    expect(page.locator("#unsaved-changes")).to_have_count(0)

    response = submit_setting(tab, "WEBSITE_VNET_ROUTE_ALL", "1", step="good-name")
    assert response.status == 200
    pane_closed(tab)
    row = setting_row(tab, "WEBSITE_VNET_ROUTE_ALL")
    expect(row).to_have_attribute("data-unsaved", "true")
    expect(row.locator(".az-chip")).to_have_text("Unsaved")
    expect(row.locator("[data-hint]")).to_contain_text("SEED-17")
    expect(page.locator("#unsaved-changes")).to_contain_text("You have unsaved changes")
    assert setting_names(tab) == [*SEEDED, "WEBSITE_VNET_ROUTE_ALL"]
    assert "WEBSITE_VNET_ROUTE_ALL" not in _saved(tab), "OK changes the grid only"

    htmx_click(tab, page.locator("#discard-settings"), "/configuration", method="GET")
    tab.shot("discarded")
    expect(setting_row(tab, "WEBSITE_VNET_ROUTE_ALL")).to_have_count(0)
    expect(page.locator("#unsaved-changes")).to_have_count(0)
    assert setting_names(tab) == SEEDED
    assert set(_saved(tab)) == set(SEEDED)


def test_save_asks_first_then_saves_and_another_tab_sees_the_app_restart_live(tabs):
    config = tabs.tab()
    _open_configuration(config)
    watcher = watch_overview(tabs, config)
    loaded_at = watcher.probe()["loadedAt"]

    add_app_setting(config, "WEBSITE_VNET_ROUTE_ALL", "1", step="added")
    assert statuses_seen(watcher) == ["Running"], "nothing restarts before Save"

    # Cancel on the confirmation saves nothing.
    config.page.locator("#save-settings").click()
    pane = wait_for_pane(config)
    pane.get_by_role("button", name="Cancel").click()
    pane_closed(config)
    expect(setting_row(config, "WEBSITE_VNET_ROUTE_ALL")).to_have_attribute("data-unsaved", "true")
    assert "WEBSITE_VNET_ROUTE_ALL" not in _saved(config)

    config.page.locator("#save-settings").click()
    pane = wait_for_pane(config)
    expect(pane.get_by_role("heading", name="Save changes")).to_be_visible()
    expect(pane.locator("#confirm-save")).to_have_text("Continue")
    config.shot("save-confirm")
    response = htmx_click(config, pane.locator("#confirm-save"), "/configuration/save")
    assert response.status == 200
    pane_closed(config)

    expect(toast(config, SAVED_TOAST)).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    config.shot("saved-toast")
    row = setting_row(config, "WEBSITE_VNET_ROUTE_ALL")
    expect(row).to_have_attribute("data-unsaved", "false")
    expect(row.locator(".az-chip")).to_have_count(0)
    expect(config.page.locator("#unsaved-changes")).to_have_count(0)
    assert _saved(config)["WEBSITE_VNET_ROUTE_ALL"] == "1"

    expect(status_badge(watcher)).to_have_attribute("data-status", "Restarting")
    watcher.shot("overview-restarting")
    wait_until_running(watcher)
    watcher.shot("overview-running-again")
    assert statuses_seen(watcher) == ["Running", "Restarting", "Running"]
    assert watcher.probe()["loadedAt"] == loaded_at, "the second tab was never reloaded"
    assert SAVED_TOAST in watcher.probe()["toasts"], "the other tab hears of the save too"
    wait_until_running(config)

    # Reloading shows what was saved, not a leftover draft.
    config.page.reload()
    config.wait_live()
    assert setting_names(config) == [*SEEDED, "WEBSITE_VNET_ROUTE_ALL"]
    expect(config.page.locator("#app-settings")).to_have_attribute("data-unsaved", "false")


def test_editing_and_deleting_a_setting_then_saving(tabs):
    config = tabs.tab()
    _open_configuration(config)
    page = config.page
    htmx_click(config, page.locator("#toggle-values"), "/configuration/draft")

    pane = open_setting_pane(config, edit="ASPNETCORE_ENVIRONMENT", step="edit-pane")
    expect(pane.locator("#setting-name")).to_have_value("ASPNETCORE_ENVIRONMENT")
    expect(pane.locator("#setting-value")).to_have_value("Production")
    response = submit_setting(config, "ASPNETCORE_ENVIRONMENT", "Staging", step="edited")
    assert response.status == 200
    pane_closed(config)
    row = setting_row(config, "ASPNETCORE_ENVIRONMENT")
    expect(row).to_have_attribute("data-unsaved", "true")
    expect(row.locator("[data-value]")).to_have_text("Staging")
    assert setting_names(config) == SEEDED, "editing keeps the row in place, no duplicate"

    watcher = watch_overview(tabs, config)
    assert save_app_settings(config, "save-edit").status == 200
    expect(toast(config, SAVED_TOAST)).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    expect(setting_row(config, "ASPNETCORE_ENVIRONMENT")).to_have_attribute("data-unsaved", "false")
    assert _saved(config)["ASPNETCORE_ENVIRONMENT"] == "Staging"
    wait_until_running(watcher)
    assert statuses_seen(watcher) == ["Running", "Restarting", "Running"]
    wait_until_running(config)

    htmx_click(
        config,
        setting_row(config, "WEBSITE_RUN_FROM_PACKAGE").get_by_role("button", name="Delete WEBSITE_RUN_FROM_PACKAGE"),
        "/configuration/draft",
    )
    config.shot("deleted")
    expect(setting_row(config, "WEBSITE_RUN_FROM_PACKAGE")).to_have_count(0)
    expect(page.locator("#deleted-settings")).to_have_text("WEBSITE_RUN_FROM_PACKAGE")
    assert "WEBSITE_RUN_FROM_PACKAGE" in _saved(config), "the trash changes the grid only"

    toasts_before = watcher.probe()["toasts"].count(SAVED_TOAST)
    assert save_app_settings(config, "save-delete").status == 200
    expect(page.locator("#unsaved-changes")).to_have_count(0)
    assert setting_names(config) == ["ASPNETCORE_ENVIRONMENT"]
    assert _saved(config) == {"ASPNETCORE_ENVIRONMENT": "Staging"}
    wait_until_running(watcher)
    assert statuses_seen(watcher) == ["Running", "Restarting", "Running", "Restarting", "Running"]
    assert watcher.probe()["toasts"].count(SAVED_TOAST) == toasts_before + 1


def test_a_tab_that_loaded_the_settings_before_another_tab_saved_is_refused(tabs):
    first = tabs.tab("tab-a")
    _open_configuration(first)
    second = tabs.tab("tab-b", same_sandbox_as=first)
    _open_configuration(second)
    version = second.page.locator("#app-settings").get_attribute("data-version")

    add_app_setting(second, "B_SETTING", "from-b", step="unsaved")
    add_app_setting(first, "A_SETTING", "from-a")
    assert save_app_settings(first, "save").status == 200
    expect(toast(first, SAVED_TOAST)).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    assert _saved(first).get("A_SETTING") == "from-a"

    response = save_app_settings(second, "save")
    assert response.status == 422
    page = second.page
    error = page.locator("#settings-error")
    expect(error).to_be_visible()
    expect(error).to_have_attribute("data-rule", re.compile(r"\bAPPSET-04\b"))
    expect(error).to_contain_text("changed by someone else")
    expect(error).to_contain_text("APPSET-04")
    row = setting_row(second, "B_SETTING")
    expect(row).to_be_visible()
    expect(row).to_have_attribute("data-unsaved", "true")
    expect(setting_row(second, "A_SETTING")).to_have_count(0)
    expect(page.locator("#app-settings")).to_have_attribute("data-version", version)
    expect(toast(second, SAVED_TOAST)).to_have_count(1)  # tab A's save only

    saved = _saved(second)
    assert saved.get("A_SETTING") == "from-a", "tab A's saved setting is still there"
    assert "B_SETTING" not in saved

    page.locator("#settings-error").get_by_role("link", name="Discard my changes and load the latest settings").click()
    second.settle()
    second.shot("latest-loaded")
    expect(setting_row(second, "A_SETTING")).to_have_attribute("data-unsaved", "false")
    expect(setting_row(second, "B_SETTING")).to_have_count(0)
    expect(page.locator("#settings-error")).to_have_count(0)


def test_route_all_and_azure_dns_settings_turn_on_private_dns_zones(tab):
    open_blade(tab, "contoso-web", "vnet_integration")
    integrate_existing_subnet(tab)
    wait_until_running(tab)
    page = tab.page
    routing = page.locator("#outbound-routing")
    expect(routing).to_have_attribute("data-route-all", "rfc1918")
    expect(page.locator("#routing-explained")).to_contain_text("Only RFC1918 traffic")
    expect(page.locator("#private-zones")).to_have_attribute("data-used", "no")
    expect(page.locator("#private-zones")).to_contain_text(re.compile(r"^\s*Not used"))
    tab.shot("routing-before")

    tab.follow(page.locator("nav.az-resource-menu").get_by_role("link", name="Configuration"), "configuration")
    add_app_setting(tab, "WEBSITE_VNET_ROUTE_ALL", "1")
    add_app_setting(tab, "WEBSITE_DNS_SERVER", "168.63.129.16", step="two-settings")
    assert save_app_settings(tab).status == 200
    expect(toast(tab, SAVED_TOAST)).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    wait_until_running(tab)

    tab.follow(page.locator("#known-settings").get_by_role("link", name="VNet Configuration"), "routing-after")
    expect(page.locator("#integration-panel")).to_have_attribute("data-integrated", "regional")
    expect(routing).to_have_attribute("data-route-all", "all")
    explained = page.locator("#routing-explained")
    expect(explained).to_contain_text("All outbound traffic is routed into the virtual network")
    expect(explained).to_contain_text("WEBSITE_VNET_ROUTE_ALL = 1")
    expect(page.locator("#route-all-state")).to_have_text("Enabled")
    expect(page.locator("#dns-servers")).to_contain_text("168.63.129.16")
    expect(page.locator("#dns-servers")).to_contain_text("the app setting WEBSITE_DNS_SERVER")
    zones = page.locator("#private-zones")
    expect(zones).to_have_attribute("data-used", "yes")
    expect(zones).to_contain_text(re.compile(r"^\s*Used:"))
    expect(zones).to_contain_text("SEED-24")


def test_azure_dns_alone_does_not_turn_on_private_dns_zones_in_the_classic_portal(tab):
    open_blade(tab, "contoso-web", "vnet_integration")
    integrate_existing_subnet(tab)
    wait_until_running(tab)
    page = tab.page
    tab.follow(page.locator("nav.az-resource-menu").get_by_role("link", name="Configuration"))
    add_app_setting(tab, "WEBSITE_DNS_SERVER", "168.63.129.16")
    assert save_app_settings(tab).status == 200
    wait_until_running(tab)

    tab.follow(page.locator("#known-settings").get_by_role("link", name="VNet Configuration"), "dns-only")
    expect(page.locator("#dns-servers")).to_contain_text("168.63.129.16")
    expect(page.locator("#outbound-routing")).to_have_attribute("data-route-all", "rfc1918")
    zones = page.locator("#private-zones")
    expect(zones).to_have_attribute("data-used", "no")
    expect(zones).to_contain_text(re.compile(r"^\s*Not used"))
    expect(zones).to_contain_text("WEBSITE_VNET_ROUTE_ALL = 1")


def test_a_refused_stale_grid_does_not_claim_the_learner_deleted_the_other_tabs_setting(tabs):
    first = tabs.tab("tab-a")
    _open_configuration(first)
    second = tabs.tab("tab-b", same_sandbox_as=first)
    _open_configuration(second)
    add_app_setting(second, "B_SETTING", "from-b")
    add_app_setting(first, "A_SETTING", "from-a")
    assert save_app_settings(first, None).status == 200

    assert save_app_settings(second, "refused").status == 422
    expect(second.page.locator("#settings-error")).to_have_attribute("data-rule", re.compile(r"\bAPPSET-04\b"))
    # Tab B never saw A_SETTING, let alone deleted it.
    expect(second.page.locator("#deleted-settings", has_text="A_SETTING")).to_have_count(0, timeout=2_000)
