"""Presenter mode in the browser (issue #13 item 5; CLS-29, CLS-30, CLS-32,
CLS-33): turned on from the top bar, a blade is drawn larger with the
portal menu still beside it, a click is outlined for a moment, and "Reset
to the demo start" comes back to the same blade. No console error (the
fixture fails the test on one)."""

import pytest
from playwright.sync_api import expect

from tests.e2e.flows import open_blade
from tests.e2e.support import SCREENSHOTS, slug

pytestmark = pytest.mark.browser

# The blade title's size as the room sees it: its computed font size times
# the zoom in effect on it (Chromium's standard CSS zoom).
TITLE_SIZE = """() => {
  const title = document.querySelector("h1.az-blade-title");
  return parseFloat(getComputedStyle(title).fontSize) * (title.currentCSSZoom || 1);
}"""
LAYOUT = """() => {
  const menu = document.querySelector("nav.az-portal-menu").getBoundingClientRect();
  const main = document.querySelector("main.az-main").getBoundingClientRect();
  const title = document.querySelector("h1.az-blade-title").getBoundingClientRect();
  return {menuLeft: menu.left, menuRight: menu.right, menuTop: menu.top, menuBottom: menu.bottom, menuWidth: menu.width,
          mainLeft: main.left, mainTop: main.top, mainWidth: main.width, titleHeight: title.height,
          scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
          innerHeight: window.innerHeight};
}"""


def window_shot(tab, step: str) -> None:
    """What the projector shows: the window only (a full-page shot stretches
    the window, and fixed panes are drawn where no window puts them)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tab.page.screenshot(path=str(SCREENSHOTS / f"{slug(tab.test_name + '-' + step)}.png"))


def test_presenter_mode_draws_the_blade_larger_keeps_the_layout_and_outlines_clicks(tab):
    """CLS-29, CLS-30, CLS-32, CLS-33."""
    page = tab.page
    page.set_viewport_size({"width": 1280, "height": 720})
    open_blade(tab, "contoso-web", "networking")
    blade = page.url
    before_size = page.evaluate(TITLE_SIZE)
    before = page.evaluate(LAYOUT)
    expect(page.locator("html")).not_to_have_class("az-presenter az-zoom-150")

    # CLS-29: on from the top bar's presenter menu, back on the same blade.
    page.locator("#presenter-menu > summary").click()
    tab.follow(page.locator("#presenter-toggle"))
    assert page.url == blade
    expect(page.locator("html")).to_have_class("az-presenter az-zoom-150")
    after_size = page.evaluate(TITLE_SIZE)
    after = page.evaluate(LAYOUT)
    assert after_size == pytest.approx(before_size * 1.5, rel=0.05), (before_size, after_size)
    assert after["titleHeight"] > before["titleHeight"] * 1.3
    # The layout holds: the portal menu and the blade side by side, nothing
    # wider than the window.
    assert after["menuWidth"] == pytest.approx(before["menuWidth"] * 1.5, rel=0.05)
    assert after["menuRight"] <= after["mainLeft"] + 1 and abs(after["menuTop"] - after["mainTop"]) < 60, after
    assert after["mainWidth"] > 500, after
    assert after["scrollWidth"] <= after["innerWidth"], after
    # The sticky portal menu ends at the window's bottom (its last item reachable).
    assert after["menuBottom"] == pytest.approx(after["innerHeight"], abs=2), after
    window_shot(tab, "networking-presenter-1280x720")

    # CLS-30: the clicked control is outlined, then the outline goes.
    bell = page.locator("header.az-topbar a.az-bell")
    bell.click()
    expect(bell).to_have_class("az-topbar-btn az-bell az-presenter-click")
    expect(page.locator("#notifications-pane")).to_have_class("az-pane az-pane-narrow open")
    window_shot(tab, "click-highlight")
    expect(bell).not_to_have_class("az-topbar-btn az-bell az-presenter-click", timeout=3000)
    page.keyboard.press("Escape")

    # CLS-32, CLS-33: reset to the demo start, still on the same blade, still presenting.
    page.locator("#presenter-menu > summary").click()
    page.locator("#presenter-demo-reset").click()
    pane = page.locator("#context-pane")
    expect(pane.locator("#confirm-question")).to_contain_text("return to the demo start?")
    # The pane, slid in, is whole in the window at this zoom.
    tab.page.wait_for_function(
        "() => { const r = document.querySelector('#context-pane').getBoundingClientRect();"
        " return r.left > 0 && Math.abs(r.right - window.innerWidth) < 2; }"
    )
    window_shot(tab, "demo-reset-confirmation")
    pane.locator("#demo-reset-yes").click()
    expect(page.locator("#toasts")).to_contain_text("Demo reset")
    assert page.url == blade
    expect(page.locator("h1.az-blade-title")).to_be_visible()
    expect(page.locator("html")).to_have_class("az-presenter az-zoom-150")


def test_presenter_mode_off_from_portal_settings_gives_the_usual_size(tab):
    """CLS-29: Portal settings' switch turns it off; the page is drawn at 100%."""
    page = tab.page
    tab.goto("/sandbox/")
    page.locator("#presenter").check()
    page.locator("#presenter-zoom").select_option("175")
    tab.follow(page.locator("#save-presenter"))
    expect(page.locator("html")).to_have_class("az-presenter az-zoom-175")
    tab.shot("settings-presenter-175")
    page.locator("#presenter").uncheck()
    tab.follow(page.locator("#save-presenter"))
    expect(page.locator("html")).not_to_have_class("az-presenter az-zoom-175")
    assert page.evaluate("() => document.documentElement.currentCSSZoom || 1") == 1
