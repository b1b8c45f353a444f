"""A learner who joins while the board is open appears on it, without a
reload (CLS-20: the roster is live), in place of "No learners have joined
yet"."""

import pytest
from playwright.sync_api import expect

from classroom.models import Seat
from classroom.services import create_class, create_instructor
from tests.e2e.flows import sign_in_instructor
from tests.e2e.support import LIVE_TIMEOUT_MS
from tests.e2e.test_classroom_board import PASSWORD

pytestmark = pytest.mark.browser


def test_a_learner_who_joins_appears_on_the_open_board_cls_20(tabs):
    klass = create_class(create_instructor("dana", PASSWORD), "AZ-104 Tuesday", lab_ids=["integrate-same-region"])
    instructor = tabs.tab("instructor")
    sign_in_instructor(instructor, "dana", PASSWORD)
    page = instructor.page
    page.goto(instructor.base_url + f"/classroom/{klass.pk}/board/")
    expect(page.locator("#board-live")).to_have_attribute("data-state", "live")
    expect(page.locator("#board-empty")).to_contain_text("No learners have joined yet")
    loaded_at = page.evaluate("window.__vnetlab.loadedAt")

    learner = tabs.tab("learner")
    learner.page.goto(learner.base_url + f"/join/{klass.code}/")
    learner.page.locator("#join-name").fill("Ada Lovelace")
    with learner.page.expect_navigation():
        learner.page.locator("#join-name").press("Enter")

    seat = Seat.objects.get(klass=klass)
    row = page.locator(f"#board-row-{seat.pk}")
    expect(row).to_contain_text("Ada Lovelace", timeout=LIVE_TIMEOUT_MS)
    expect(row).to_contain_text("Task 1 of")
    expect(page.locator("#board-empty")).to_have_count(0)
    expect(page.locator("#board-rows tr")).to_have_count(1)
    assert page.evaluate("window.__vnetlab.loadedAt") == loaded_at, "the board was not reloaded"
    instructor.shot("board-joined-live")
