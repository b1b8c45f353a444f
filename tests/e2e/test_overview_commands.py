"""Overview's command bar in a browser: Stop asks in the portal's Yes/No pane
(never the browser's own confirm box), the app reads Stopped and its site
answers 403 (APP-01); Start brings it back; Restart asks the same way."""

import pytest
from playwright.sync_api import expect

from tests.e2e.flows import htmx_click, open_blade, status_badge, wait_for_pane, wait_until_running
from tests.e2e.support import Tab

pytestmark = pytest.mark.browser


def _answer_yes(tab: Tab, command: str, yes: str, url_part: str) -> None:
    htmx_click(tab, tab.page.locator(command), url_part, method="GET")
    pane = wait_for_pane(tab)
    htmx_click(tab, pane.locator(yes), url_part)


def test_app_01_stop_and_start_ask_in_the_portals_pane_and_the_site_follows(tabs):
    tab = tabs.tab()
    page = tab.page
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    open_blade(tab, "contoso-web", "overview", "overview")

    htmx_click(tab, page.locator("#stop-app"), "/stop", method="GET")
    pane = wait_for_pane(tab)
    expect(pane.locator("#confirm-question")).to_contain_text("Are you sure you want to stop 'contoso-web'?")
    tab.shot("stop-asks")
    htmx_click(tab, pane.locator("#stop-form-yes"), "/stop")
    expect(status_badge(tab)).to_have_attribute("data-status", "Stopped")
    expect(page.locator("#start-app")).to_be_visible()
    expect(page.locator("#context-pane")).not_to_have_class("az-pane open")  # Yes closes the pane
    tab.shot("stopped")

    site = tabs.tab("site", same_sandbox_as=tab).page
    browse = tab.base_url + tab.app_url("contoso-web", "browse")
    response = site.goto(browse)
    assert response.status == 403
    expect(site.locator("#site-status")).to_have_text("Error 403 - This web app is stopped.")

    _answer_yes(tab, "#start-app", "#start-form-yes", "/stop")
    expect(status_badge(tab)).to_have_attribute("data-status", "Running")
    assert site.goto(browse).status == 200

    _answer_yes(tab, "#restart-app", "#restart-form-yes", "/restart")
    expect(status_badge(tab)).to_have_attribute("data-status", "Restarting")
    wait_until_running(tab)
    assert dialogs == [], "the portal asks in its own pane, not the browser's confirm box"
