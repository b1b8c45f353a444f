"""Issue #2 walkthrough, steps 8, 9 and 14: integrating and disconnecting, as
every open tab of the sandbox sees it live, and what the Activity log and the
notifications keep of it."""

import re

import pytest
from playwright.sync_api import expect

from portal import services as portal_services
from portal.models import NotificationLevel
from tests.e2e.flows import (
    integrate_existing_subnet,
    open_blade,
    status_badge,
    toast,
    wait_for_pane,
    wait_until_running,
)
from tests.e2e.support import LIVE_TIMEOUT_MS, Tab

pytestmark = pytest.mark.browser


def _statuses_seen(tab: Tab) -> list[str]:
    """Every status the tab's badge showed, repeats folded."""
    seen: list[str] = []
    for status in tab.probe()["statuses"]:
        if not seen or seen[-1] != status:
            seen.append(status)
    return seen


def _watch_overview(tabs, same_sandbox_as: Tab) -> Tab:
    """A second tab of the same sandbox (same cookies) on the app's Overview."""
    watcher = tabs.tab("second-tab", same_sandbox_as=same_sandbox_as)
    open_blade(watcher, "contoso-web", "overview", "overview-before")
    expect(status_badge(watcher)).to_have_attribute("data-status", "Running")
    assert watcher.sandbox() == same_sandbox_as.sandbox()
    return watcher


def test_ok_integrates_and_another_tab_sees_the_app_restart_live(tabs):
    config = tabs.tab()
    open_blade(config, "contoso-web", "vnet_integration")
    watcher = _watch_overview(tabs, config)
    loaded_at = watcher.probe()["loadedAt"]

    integrate_existing_subnet(config)
    expect(status_badge(watcher)).to_have_attribute("data-status", "Restarting")
    watcher.shot("overview-restarting")
    expect(toast(config, "Added VNet Integration")).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    config.shot("added-toast")
    wait_until_running(watcher)
    watcher.shot("overview-running-again")

    assert watcher.probe()["loadedAt"] == loaded_at, "the second tab was never reloaded"
    assert _statuses_seen(watcher) == ["Running", "Restarting", "Running"]
    for seen in (config, watcher):
        assert seen.probe()["toasts"] == ["Adding VNet Integration", "Added VNet Integration"], seen.label
    expect(toast(watcher, "Added VNet Integration")).to_be_visible()

    page = config.page
    page.reload()
    config.wait_live()
    config.shot("vnet-configuration-integrated")
    expect(page.locator("#integration-panel")).to_have_attribute("data-integrated", "regional")
    expect(page.locator("#detail-vnet")).to_have_text("contoso-vnet")
    expect(page.locator("#detail-location")).to_have_text("East US")
    expect(page.locator("#detail-address-space")).to_have_text("10.0.0.0/16")
    expect(page.locator("#detail-subnet")).to_have_text("integration-subnet")
    expect(page.locator("#detail-subnet-range")).to_have_text("10.0.2.0/26")
    expect(page.locator("#detail-kind")).to_contain_text("Regional")
    expect(page.locator("#disconnect")).to_have_text(re.compile(r"^\s*Disconnect\s*$"))
    expect(page.locator("#add-vnet")).to_be_disabled()


def test_disconnect_restarts_the_app_live_and_leaves_the_subnet_delegated(tabs):
    config = tabs.tab()
    open_blade(config, "contoso-web", "vnet_integration")
    integrate_existing_subnet(config)
    wait_until_running(config)
    watcher = _watch_overview(tabs, config)

    config.page.locator("#disconnect").click()
    pane = wait_for_pane(config)
    expect(pane).to_contain_text("Disconnect 'contoso-web' from 'contoso-vnet/integration-subnet'?")
    config.shot("disconnect-pane")
    pane.locator("#confirm-disconnect").click()
    config.settle()
    expect(config.page.locator("#integration-panel")).to_have_attribute("data-integrated", "none")
    expect(config.page.locator("#integration-state")).to_have_text("Not configured")
    config.shot("disconnected")

    expect(status_badge(watcher)).to_have_attribute("data-status", "Restarting")
    watcher.shot("overview-restarting")
    wait_until_running(watcher)
    expect(toast(watcher, "Disconnected VNet Integration")).to_be_visible()
    assert _statuses_seen(watcher) == ["Running", "Restarting", "Running"]

    config.goto("/resources/?type=Microsoft.Network/virtualNetworks", "virtual-networks")
    config.follow(config.page.locator("#resource-table").get_by_role("link", name="contoso-vnet", exact=True))
    config.follow(config.page.locator("nav.az-resource-menu").get_by_role("link", name="Subnets"), "subnets")
    row = config.page.locator("#subnet-table tr[data-subnet='integration-subnet']")
    expect(row.locator("td").nth(3)).to_have_text("Microsoft.Web/serverFarms")
    expect(row.locator("td").nth(4)).to_have_text("-")


def test_the_activity_log_and_the_bell_record_the_integration(tabs):
    config = tabs.tab()
    open_blade(config, "contoso-web", "vnet_integration")
    bell = config.page.locator("#bell-count")
    unread_before = int(bell.inner_text() or 0)

    integrate_existing_subnet(config)
    wait_until_running(config)
    expect(bell).to_be_visible()
    expect(bell).to_have_text(str(unread_before + 1))

    config.follow(config.page.locator("nav.az-resource-menu").get_by_role("link", name="Activity log"), "activity-log")
    log = config.page.locator("#activity-log")
    for operation in ("Create or Update Web App VNet Connection", "Restart Web App"):
        rows = log.locator("tbody tr", has=config.page.locator("td", has_text=re.compile(rf"^{operation}$")))
        # Newest first, as the portal lists them.
        assert [rows.nth(i).get_attribute("data-status") for i in range(rows.count())] == ["Succeeded", "Started"]
        expect(rows.first.locator("td").nth(1)).to_have_text(re.compile("Succeeded"))

    config.page.locator("a.az-bell").click()
    pane = wait_for_pane(config, "notifications-pane")
    expect(pane.locator("#notification-list li[data-level='success']")).to_contain_text("Added VNet Integration")
    expect(pane.locator("#notification-list")).to_contain_text("contoso-web: contoso-vnet/integration-subnet")
    config.shot("notifications-pane")


def test_the_in_progress_toast_gives_way_to_the_done_toast(tabs):
    config = tabs.tab()
    open_blade(config, "contoso-web", "vnet_integration")
    integrate_existing_subnet(config)
    expect(toast(config, "Added VNet Integration")).to_be_visible()
    expect(toast(config, "Adding VNet Integration")).to_have_count(0)
    config.shot("only-the-done-toast")


def test_opening_the_notifications_pane_clears_the_bell_count(tabs):
    config = tabs.tab()
    open_blade(config, "contoso-web", "vnet_integration")
    integrate_existing_subnet(config)
    wait_until_running(config)
    expect(config.page.locator("#bell-count")).to_have_text("1")
    config.page.locator("a.az-bell").click()
    wait_for_pane(config, "notifications-pane")
    expect(config.page.locator("#bell-count")).to_be_hidden(timeout=2_000)


def test_an_open_notifications_pane_lists_a_new_notification_live(tabs):
    """A push carries the bell's count and a cue, not the list: the open pane
    fetches its list again, and the new notification appears in it."""
    tab = tabs.tab()
    open_blade(tab, "contoso-web", "overview")
    tab.page.locator("a.az-bell").click()
    pane = wait_for_pane(tab, "notifications-pane")
    expect(pane.locator("#notification-list")).not_to_contain_text("Saved the e2e settings")
    portal_services.notify(tab.sandbox(), "Saved the e2e settings", level=NotificationLevel.SUCCESS)
    expect(pane.locator("#notification-list li[data-level='success']").first).to_contain_text(
        "Saved the e2e settings", timeout=LIVE_TIMEOUT_MS
    )
    expect(tab.page.locator("#bell-count")).to_have_text("1")
    tab.shot("notifications-pane-live")
