"""An instructor signs in through the sign-in page (issue #13, item 1):
from the account menu of a learner's portal to Classes, keeping the
browser's sandbox, and out again."""

import pytest
from playwright.sync_api import expect

from classroom.services import create_instructor

pytestmark = pytest.mark.browser

PASSWORD = "tidal-basin-gateway-42"


def test_an_instructor_signs_in_from_the_account_menu_and_sees_classes(tab):
    create_instructor("dana", PASSWORD)
    tab.goto("/", "home")
    sandbox = tab.sandbox()
    page = tab.page

    page.locator("#account-menu summary").click()
    with page.expect_navigation():
        page.get_by_role("link", name="Sign in with a different account").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    tab.shot("sign-in")

    page.get_by_label("Username").fill("dana")
    page.get_by_label("Password").fill("not-the-password")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#sign-in-error")).to_contain_text("Your account or password is incorrect.")

    page.get_by_label("Password").fill(PASSWORD)
    tab.follow(page.get_by_role("button", name="Sign in"), "classes")
    expect(page.get_by_role("heading", name="Classes", level=1)).to_be_visible()
    expect(page.locator("#class-table")).to_contain_text("No classes to display")
    expect(page.locator("#create-class")).to_be_enabled()
    expect(page.locator("#subscription-name")).to_contain_text("Azure subscription 1")
    assert tab.sandbox() == sandbox, "signing in keeps the browser's sandbox"

    page.locator("#account-menu summary").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()
    expect(page.locator("#signed-out")).to_contain_text("You signed out of your account.")
    assert tab.sandbox() == sandbox, "signing out keeps it too"
    assert tab.page.goto(tab.base_url + "/classroom/").status == 404
