"""Configuration beyond the application settings, as a learner uses it
(issue #10): a connection string added in its pane and saved with one
confirmation, Advanced edit refusing bad JSON on the text area then
replacing the grid, Save disabled until something changes, and a General
settings change saved in the Current era (Configuration > Apply > Confirm)."""

import json
import re

import pytest
from playwright.sync_api import expect

from appservice.models import AppSetting, ConnectionString
from tests.e2e.flows import htmx_click, open_blade, pane_closed, save_app_settings, setting_names, wait_for_pane
from tests.e2e.support import Tab
from tests.e2e.test_eras import switch_era

pytestmark = pytest.mark.browser

SQL = "Server=tcp:contoso-sql01.database.windows.net,1433;Database=app"


def _strings(tab: Tab) -> list[tuple]:
    app = tab.app("contoso-web")
    return list(ConnectionString.objects.filter(app=app).values_list("name", "value", "type", "slot_setting"))


def test_adding_a_connection_string_and_saving_it(tab):
    page = tab.page
    open_blade(tab, "contoso-web", "configuration", "configuration")
    expect(page.locator("#save-settings")).to_be_disabled()
    expect(page.locator("#no-connection-strings")).to_have_text("No connection strings to display")

    page.locator("#new-connection-string").click()
    pane = wait_for_pane(tab)
    expect(pane.get_by_role("heading", name="Add/Edit connection string")).to_be_visible()
    pane.locator("#cs-name").fill("bad name")
    response = htmx_click(tab, pane.locator("#connection-string-ok"), "/configuration/draft")
    assert response.status == 422
    expect(pane.locator("#name-error")).to_have_attribute("data-rule", re.compile(r"\bCONNSTR-01\b"))
    tab.shot("connection-string-refused")

    pane.locator("#cs-name").fill("Database")
    pane.locator("#cs-value").fill(SQL)
    pane.locator("#cs-type").select_option("SQLAzure")
    tab.shot("connection-string-pane")
    assert htmx_click(tab, pane.locator("#connection-string-ok"), "/configuration/draft").status == 200
    pane_closed(tab)
    row = page.locator("#connection-strings-table tr[data-connection='Database']")
    expect(row).to_have_attribute("data-unsaved", "true")
    expect(row.locator("[data-type]")).to_have_text("SQLAzure")
    expect(row).to_contain_text("Hidden value. Click to show value")
    expect(page.locator("#save-settings")).to_be_enabled()
    assert _strings(tab) == [], "OK changes the grid only"

    assert save_app_settings(tab, "connection-string-save").status == 200
    expect(row).to_have_attribute("data-unsaved", "false")
    expect(page.locator("#save-settings")).to_be_disabled()
    assert _strings(tab) == [("Database", SQL, "SQLAzure", False)]


def test_advanced_edit_refuses_bad_json_then_replaces_the_grid(tab):
    page = tab.page
    open_blade(tab, "contoso-web", "configuration")
    page.locator("#advanced-edit").click()
    pane = wait_for_pane(tab)
    expect(pane.get_by_role("heading", name="Advanced edit")).to_be_visible()
    shown = json.loads(pane.locator("#advanced-json").input_value())
    assert [item["name"] for item in shown] == ["ASPNETCORE_ENVIRONMENT", "WEBSITE_RUN_FROM_PACKAGE"]
    assert set(shown[0]) == {"name", "value", "slotSetting"}

    pane.locator("#advanced-json").fill('[{"name": "A", "value": "1", "slotSetting": false},')
    response = htmx_click(tab, pane.locator("#advanced-ok"), "/configuration/draft")
    assert response.status == 422
    expect(pane.locator("#json-error")).to_contain_text("This isn't valid JSON")
    tab.shot("advanced-edit-refused")

    rows = [
        {"name": "GREETING", "value": "hello", "slotSetting": True},
        {"name": "MODE", "value": "2", "slotSetting": False},
    ]
    pane.locator("#advanced-json").fill(json.dumps(rows, indent=2))
    tab.shot("advanced-edit-json")
    assert htmx_click(tab, pane.locator("#advanced-ok"), "/configuration/draft").status == 200
    pane_closed(tab)
    assert setting_names(tab) == ["GREETING", "MODE"]
    expect(page.locator("#deleted-settings")).to_contain_text("ASPNETCORE_ENVIRONMENT")
    assert save_app_settings(tab, "advanced-edit-save").status == 200
    saved = AppSetting.objects.filter(app=tab.app("contoso-web")).values_list("name", "value", "slot_setting")
    assert sorted(saved) == [("GREETING", "hello", True), ("MODE", "2", False)]


def test_general_settings_apply_in_the_current_era(tab):
    page = tab.page
    switch_era(tab, "current")
    open_blade(tab, "contoso-web", "overview", "current-overview")
    tab.follow(
        page.locator("nav.az-resource-menu").get_by_role("link", name=re.compile(r"\bConfiguration$")), "general"
    )
    expect(page.locator("#configuration-tabs a.active")).to_have_text("General settings")
    apply = page.locator("#save-config")
    expect(apply).to_have_text("Apply")
    expect(apply).to_be_disabled()
    page.locator("#web-sockets-enabled-on").check()
    expect(apply).to_be_enabled()
    tab.follow(apply, "general-confirm")
    expect(page.get_by_role("heading", name="Apply changes")).to_be_visible()
    tab.follow(page.locator("#confirm-save-config"), "general-applied")
    expect(page.locator("#web-sockets-enabled-on")).to_be_checked()
    assert tab.app("contoso-web").web_sockets_enabled is True
