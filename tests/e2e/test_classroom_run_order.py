"""CLS-05 in a browser: the instructor checks labs, the Run order lists them
in the order checked, moves one up from the keyboard, and the class runs
them in that order."""

import pytest
from playwright.sync_api import expect

from classroom.models import Class
from classroom.services import create_instructor
from labs import catalog
from tests.e2e.axe import assert_accessible
from tests.e2e.flows import sign_in_instructor

pytestmark = pytest.mark.browser

PASSWORD = "tidal-basin-gateway-42"
A, B, C = "integrate-existing-subnet", "integrate-same-region", "nat-gateway-outbound"


def test_the_instructor_sets_the_run_order_from_the_keyboard(tabs):
    create_instructor("dana", PASSWORD)
    tab = tabs.tab("instructor")
    tab.goto("/", "home")
    page = tab.page
    sign_in_instructor(tab, "dana", PASSWORD)

    page.locator("#create-class").click()
    pane = page.locator("#context-pane")
    expect(pane.locator("#run-order-empty")).to_be_visible()
    pane.locator("#class-name").fill("AZ-700 Friday")
    pane.locator("#class-era-current").check()
    rows = pane.locator("tr[data-run-order]")
    for lab_id, count in ((C, 1), (A, 2), (B, 3)):  # checked in this order
        pane.locator(f"#class-lab-{lab_id}").focus()
        page.keyboard.press("Space")
        expect(rows).to_have_count(count)
        tab.settle()  # the redrawn pane's checkboxes answer a change only once htmx has processed them
    expect(rows.nth(0)).to_contain_text(catalog.get(C).title)
    expect(rows.nth(1)).to_contain_text(catalog.get(A).title)
    expect(rows.nth(2)).to_contain_text(catalog.get(B).title)
    expect(pane.locator("#class-name")).to_have_value("AZ-700 Friday")
    # Move B up from the keyboard: the focus stays on its button.
    up = pane.locator(f"#run-order-up-{B}")
    up.focus()
    page.keyboard.press("Enter")
    expect(rows.nth(1)).to_contain_text(catalog.get(B).title)
    expect(pane.locator(f"#run-order-up-{B}")).to_be_focused()
    pane.locator("#run-order").scroll_into_view_if_needed()
    tab.shot("run-order")
    assert_accessible(page, "the Create a class pane with a run order")
    with page.expect_navigation():
        pane.locator("#save-class").click()
    assert Class.objects.get().lab_ids == [C, B, A]
    labs = page.locator("#class-labs li")
    expect(labs.nth(0)).to_contain_text(catalog.get(C).title)
    expect(labs.nth(1)).to_contain_text(catalog.get(B).title)
    tab.shot("overview-in-run-order")
