"""CLS-09 in a browser: a learner in a class opens the account menu from the
keyboard, finds the class and "Leave class", answers the Yes/No pane, and
is back in the sandbox the browser had before."""

import pytest
from playwright.sync_api import expect

from classroom.models import Seat
from classroom.services import create_class, create_instructor
from portal.models import Sandbox
from tests.e2e.axe import assert_accessible

pytestmark = pytest.mark.browser


def test_a_learner_leaves_the_class_from_the_account_menu(tabs):
    dana = create_instructor("dana", "tidal-basin-gateway-42")
    klass = create_class(dana, "AZ-104 Tuesday", lab_ids=["integrate-same-region"], era="current")
    tab = tabs.tab("learner")
    tab.goto("/", "home")
    page = tab.page
    own = tab.sandbox()
    page.goto(tab.base_url + f"/join/{klass.code}/")
    page.get_by_label("Your name").fill("Ana Lopez")
    tab.follow(page.locator("#join-button"), "portal")
    seat = Seat.objects.get()
    assert tab.sandbox() == seat.sandbox

    tile = page.locator("#account-menu summary")
    tile.focus()
    page.keyboard.press("Enter")
    menu = page.locator("#account-menu .az-account-menu")
    expect(menu).to_be_visible()
    expect(page.locator("#account-class-name")).to_have_text("AZ-104 Tuesday")
    expect(page.locator("#account-class")).to_contain_text("as Ana Lopez")
    leave = page.locator("#account-leave-class")
    page.keyboard.press("Tab")
    expect(leave).to_be_focused()
    tab.shot("account-menu")
    assert_accessible(page, "the account menu of a learner in a class")

    page.keyboard.press("Enter")
    pane = page.locator("#context-pane")
    expect(pane.get_by_role("heading", name="Leave class")).to_be_visible()
    expect(pane.locator("#confirm-question")).to_contain_text("Leave 'AZ-104 Tuesday'")
    tab.shot("leave-pane")
    assert_accessible(page, "the Leave class pane")
    pane.locator("#confirm-no").click()  # No: nothing changes
    expect(pane).to_be_empty()
    assert tab.sandbox() == seat.sandbox

    if not menu.is_visible():  # the menu closes as its item opens the pane
        tile.click()
    leave.click()
    with page.expect_navigation():
        pane.locator("#leave-class-yes").click()
    tab.wait_live()
    assert page.url.rstrip("/") == tab.base_url
    assert tab.sandbox() == own
    assert Sandbox.objects.filter(pk=seat.sandbox.pk).exists() and Seat.objects.count() == 1
    page.locator("#account-menu summary").click()
    expect(page.locator("#sign-in-link")).to_be_visible()
    expect(page.locator("#account-class")).to_have_count(0)
    tab.shot("after-leaving")
