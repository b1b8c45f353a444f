"""A pane takes the focus once, as it opens, and never after the learner has
typed (issue #12): "+ New application setting" opens a pane whose Name field
asks for the focus (autofocus)."""

import pytest
from playwright.sync_api import expect

from tests.e2e.flows import console_errors, open_blade

pytestmark = pytest.mark.browser


def test_the_pane_focuses_its_first_field_as_it_opens(tab):
    open_blade(tab, "contoso-web", "configuration")
    tab.page.locator("#new-app-setting").click()
    expect(tab.page.locator("#setting-name")).to_be_focused()


def test_what_the_learner_types_into_the_field_they_clicked_all_lands_there(tab):
    open_blade(tab, "contoso-web", "configuration")
    page = tab.page
    errors = console_errors(tab)
    # As on a busy machine: htmx settles the swapped pane late (it used to
    # focus the [autofocus] field then, in the middle of the learner's typing).
    page.evaluate("htmx.config.defaultSettleDelay = 1500")

    page.locator("#new-app-setting").click()
    name, value = page.locator("#setting-name"), page.locator("#setting-value")
    value.click()
    page.keyboard.type("contoso-value-for-the-learner", delay=80)  # 2.3 s: htmx settles meanwhile

    expect(value).to_have_value("contoso-value-for-the-learner")
    expect(name).to_have_value("")
    expect(value).to_be_focused()
    tab.shot("typed-into-value")
    assert errors == []


def test_a_pane_that_opens_after_the_learner_started_typing_leaves_the_focus_alone(tab):
    open_blade(tab, "contoso-web", "configuration")
    page = tab.page
    errors = console_errors(tab)
    held = []
    page.route("**/configuration/setting*", lambda route: held.append(route))

    page.locator("#new-app-setting").click()
    search = page.get_by_role("searchbox", name="Search resources, services, and docs")
    search.click()
    page.keyboard.type("vnet")
    page.wait_for_function("() => true")  # the pane's request is on its way...
    assert len(held) == 1
    held[0].continue_()  # ...and answered while the learner types on
    page.locator("#setting-name").wait_for(state="attached")
    page.keyboard.type("-hub", delay=40)

    expect(search).to_have_value("vnet-hub")
    expect(search).to_be_focused()
    expect(page.locator("#setting-name")).to_have_value("")
    assert errors == []
