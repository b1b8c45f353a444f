"""Everything works from the keyboard (issue #13 item 6, A11Y-06,
docs/accessibility.md): Tab reaches the account menu, the resource menu and
the command bar; Enter opens a pane, whose first field takes the focus;
Escape closes it and gives the focus back to the command that opened it."""

import pytest
from playwright.sync_api import expect

from tests.e2e.axe import assert_accessible
from tests.e2e.flows import open_blade, pane_closed, wait_for_pane
from tests.e2e.support import Tab

pytestmark = pytest.mark.browser

# More Tab presses than any page has stops before its command bar.
MAX_TABS = 200


def tab_to(tab: Tab, selector: str) -> int:
    """Press Tab from the top of the page until ``selector`` has the focus;
    how many presses it took. Fails when Tab never gets there."""
    page = tab.page
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    target = page.locator(selector)
    for presses in range(1, MAX_TABS + 1):
        page.keyboard.press("Tab")
        if target.evaluate("(el) => el === document.activeElement"):
            return presses
    pytest.fail(f"Tab never reached {selector} in {MAX_TABS} presses", pytrace=False)


def test_a_pane_opens_fills_and_closes_from_the_keyboard_returning_the_focus(tab):
    """A11Y-06: Tab to "+ New application setting", Enter opens the pane with
    the focus in Name, type the setting, Escape closes the pane without
    saving and the focus is back on the command."""
    open_blade(tab, "contoso-web", "configuration")
    page = tab.page
    tab_to(tab, "#new-app-setting")
    page.keyboard.press("Enter")
    pane = wait_for_pane(tab)
    expect(page.locator("#setting-name")).to_be_focused()
    assert_accessible(page, context="the app setting pane, opened from the keyboard")

    page.keyboard.type("GREETING")
    page.keyboard.press("Tab")
    expect(page.locator("#setting-value")).to_be_focused()
    page.keyboard.type("hello")
    tab.shot("pane-filled-from-keyboard")

    page.keyboard.press("Escape")
    pane_closed(tab)
    expect(pane).to_have_count(0)
    expect(page.locator("#new-app-setting")).to_be_focused()
    expect(page.locator("#app-settings-rows")).not_to_contain_text("GREETING")


def test_the_account_menu_opens_and_closes_from_the_keyboard(tab):
    tab.goto("/")
    page = tab.page
    tab_to(tab, "#account-menu summary")
    page.keyboard.press("Enter")
    expect(page.locator("#account-menu")).to_have_attribute("open", "")
    page.keyboard.press("Tab")
    expect(page.locator("#sign-in-link")).to_be_focused()
    assert_accessible(page, context="Home with the account menu open")
    page.keyboard.press("Escape")
    expect(page.locator("#account-menu")).not_to_have_attribute("open", "")
    expect(page.locator("#account-menu summary")).to_be_focused()


def test_the_resource_menu_and_the_command_bar_are_reached_with_tab(tab):
    """The resource menu's links and the overview's commands take the focus
    in turn; Enter on a menu link opens its page."""
    open_blade(tab, "contoso-web", "overview")
    page = tab.page
    tab_to(tab, "nav.az-resource-menu a >> nth=1")
    tab_to(tab, "#restart-app")
    page.keyboard.press("Enter")
    wait_for_pane(tab)
    page.keyboard.press("Escape")
    pane_closed(tab)
    expect(page.locator("#restart-app")).to_be_focused()

    link = page.locator("nav.az-resource-menu a", has_text="Configuration").first
    tab_to(tab, "nav.az-resource-menu a:has-text('Configuration') >> nth=0")
    href = link.get_attribute("href")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(href)
