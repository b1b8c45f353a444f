"""A Read-only lock in the browser (issue #10, LOCK-02): with the app's
resource group locked, Overview > Restart answers "Yes" with the lock's
ScopeLocked refusal in the pane, and the Current era's Outbound internet
traffic Apply opens the pane with it; the app is left as it was."""

import pytest
from playwright.sync_api import expect

from portal import locks
from portal.models import LockLevel
from tests.e2e.flows import (
    htmx_click,
    integrated_in_current_era,
    open_blade,
    wait_for_pane,
)
from tests.e2e.support import Tab

pytestmark = pytest.mark.browser


def _lock_group(tab: Tab) -> None:
    """A Read-only lock on contoso-rg, where the seed's apps are."""
    sandbox = tab.sandbox()
    group = sandbox.subscriptions.get().resource_groups.get(name="contoso-rg")
    locks.add_lock(sandbox, group, name="freeze", level=LockLevel.READ_ONLY, notes="LOCK-02")


def test_lock_02_restart_is_refused_in_the_pane(tab):
    _lock_group(tab)
    restart_ends_at = tab.app("contoso-web").restart_ends_at
    open_blade(tab, "contoso-web", "overview")
    page = tab.page
    htmx_click(tab, page.locator("#restart-app"), "/restart", method="GET")
    pane = wait_for_pane(tab)
    response = htmx_click(tab, pane.locator("#restart-form-yes"), "/restart")
    assert response.status == 422
    error = page.locator("#confirm-error")
    expect(error).to_contain_text("cannot perform write operation because following scope(s) are locked")
    expect(error).to_contain_text("LOCK-02")
    tab.shot("restart-refused")
    assert tab.app("contoso-web").restart_ends_at == restart_ends_at


def test_lock_02_outbound_internet_traffic_apply_opens_the_refusal(tab):
    integrated_in_current_era(tab)
    _lock_group(tab)
    page = tab.page

    # The portal's pane turned it on (ASVI-67): turning it off is the change refused.
    page.get_by_label("Outbound internet traffic").uncheck()
    response = htmx_click(tab, page.locator("#apply-routing"), "/routeall")
    assert response.status == 422
    pane = wait_for_pane(tab)
    expect(pane.locator("#confirm-error")).to_contain_text("LOCK-02")
    tab.shot("outbound-internet-traffic-refused")
    assert tab.app("contoso-web").vnet_route_all_enabled
