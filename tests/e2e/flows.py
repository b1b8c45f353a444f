"""Steps of the issue #2 walkthrough that several browser tests share.

Each step clicks what a learner clicks and waits for what the page shows, by
the ids and data attributes the templates give for that purpose."""

import re

from playwright.sync_api import Locator, expect

from tests.e2e.support import LIVE_TIMEOUT_MS, Tab


def open_blade(tab: Tab, app: str, page: str, step: str | None = None) -> None:
    """Open one of the app's blades straight from its URL (a deep link)."""
    response = tab.goto(tab.app_url(app, page), step)
    assert response is not None and response.status == 200, f"{app} {page}: {response and response.status}"


def status_badge(tab: Tab) -> Locator:
    return tab.page.locator("span[id^=app-status-]").first


def open_add_vnet_pane(tab: Tab, step: str | None = "add-vnet-pane") -> Locator:
    """On the VNet Configuration page: "Add VNet" opens the context pane."""
    tab.page.locator("#add-vnet").click()
    pane = wait_for_pane(tab)
    expect(pane.locator("#vnet-select")).to_be_visible()
    if step:
        tab.shot(step)
    return pane


def wait_for_pane(tab: Tab, pane_id: str = "context-pane") -> Locator:
    """A pane (the context pane, the notifications pane), once it has slid in
    from the right and htmx has wired up its controls."""
    tab.settle()
    tab.page.wait_for_function(
        """(id) => {
          const pane = document.getElementById(id);
          return pane && pane.classList.contains('open')
            && Math.abs(pane.getBoundingClientRect().right - window.innerWidth) < 1;
        }""",
        arg=pane_id,
    )
    return tab.page.locator(f"#{pane_id}.open")


def vnet_option(tab: Tab, vnet: str) -> Locator:
    """The drop-down's option for ``vnet`` (its label adds the group or region)."""
    return tab.page.locator("#vnet-select option", has_text=re.compile(rf"^{re.escape(vnet)} \("))


def choose_vnet(tab: Tab, vnet: str, step: str | None = None) -> None:
    value = vnet_option(tab, vnet).get_attribute("value")
    with tab.page.expect_response(lambda r: "/vnetintegration/add/details" in r.url):
        tab.page.locator("#vnet-select").select_option(value)
    tab.settle()
    if step:
        tab.shot(step)


def select_existing_mode(tab: Tab, step: str | None = None) -> None:
    tab.page.locator("#mode-existing").check()
    tab.settle()
    expect(tab.page.locator("#subnet-select")).to_be_visible()
    if step:
        tab.shot(step)


def subnet_option(tab: Tab, subnet: str) -> Locator:
    return tab.page.locator("#subnet-select option", has_text=re.compile(rf"^{re.escape(subnet)} \("))


def integrate_existing_subnet(
    tab: Tab, *, vnet: str = "contoso-vnet", subnet: str = "integration-subnet", step: str = "integrate"
) -> None:
    """Add VNet -> a same-region VNet -> Select Existing -> a subnet -> OK,
    from the app's VNet Configuration page; waits for the integrated panel."""
    open_add_vnet_pane(tab, step=None)
    choose_vnet(tab, vnet)
    select_existing_mode(tab)
    tab.page.locator("#subnet-select").select_option(subnet_option(tab, subnet).get_attribute("value"))
    tab.shot(f"{step}-chosen")
    tab.page.locator("#add-vnet-ok").click()
    tab.settle()
    expect(tab.page.locator("#integration-panel")).to_have_attribute("data-integrated", "regional")
    expect(tab.page.locator("#context-pane")).not_to_have_class(re.compile(r"\bopen\b"))
    tab.shot(f"{step}-done")


def integrate_new_subnet(tab: Tab, name: str, *, vnet: str = "contoso-vnet", step: str = "integrate") -> str:
    """Add VNet -> a same-region VNet -> Create New Subnet with the suggested
    address block -> OK. Returns the block."""
    open_add_vnet_pane(tab, step=None)
    choose_vnet(tab, vnet)
    tab.page.locator("#subnet-name").fill(name)
    prefix = tab.page.locator("#subnet-prefix").input_value()
    tab.shot(f"{step}-new-subnet")
    tab.page.locator("#add-vnet-ok").click()
    tab.settle()
    expect(tab.page.locator("#integration-panel")).to_have_attribute("data-integrated", "regional")
    tab.shot(f"{step}-done")
    return prefix


def wait_until_running(tab: Tab) -> None:
    """The restart is over (pushed to the tab when the operation finishes)."""
    expect(status_badge(tab)).to_have_attribute("data-status", "Running", timeout=LIVE_TIMEOUT_MS)


def toast(tab: Tab, title: str) -> Locator:
    return tab.page.locator("#toasts .az-toast", has=tab.page.locator(".az-toast-title", has_text=title))
