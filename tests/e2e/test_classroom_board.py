"""The live board in a browser (issue #13, item 3): the instructor's board
shows a learner's row change as the learner works in their own browser,
without a reload (CLS-20), and a learner opening the board gets 404."""

import pytest
from playwright.sync_api import expect

from appservice.models import WebApp
from classroom import live as board_live
from classroom.models import Seat
from classroom.services import create_class, create_instructor
from labs import catalog, engine
from labs import live as lab_live
from labs import services as lab_services
from portal.errors import refuse
from portal.models import Sandbox
from portal.seed import create_sandbox
from portal.services import log_refusal
from tests.e2e.axe import assert_accessible
from tests.e2e.flows import integrate_lab_subnet, sign_in_instructor
from tests.e2e.support import LIVE_TIMEOUT_MS

pytestmark = pytest.mark.browser

PASSWORD = "tidal-basin-gateway-42"
LAB = "integrate-same-region"


def _stuck_learner(klass, name: str, seed: int) -> Seat:
    """A learner refused three times by the same rule (CLS-15)."""
    seat = Seat.objects.create(klass=klass, sandbox=create_sandbox(klass.era), display_name=name)
    lab_services.start_lab(seat.sandbox, catalog.get(LAB), seed=seed)
    app = WebApp.objects.select_related("resource_group").get(sandbox=seat.sandbox, name__startswith="contoso-web")
    for _ in range(3):
        error = refuse("ERR-02", "ASVI-01", "ASVI-20", vnet="far-vnet", vnet_region="West US", app_region="East US")
        log_refusal(Sandbox.objects.get(pk=seat.sandbox.pk), app, "Create or Update App Service", error)
    return seat


def test_the_board_shows_a_learners_progress_live_cls_20(tabs):
    dana = create_instructor("dana", PASSWORD)
    klass = create_class(dana, "AZ-104 Tuesday", lab_ids=[LAB])
    learner = tabs.tab("learner")
    learner.goto("/")
    sandbox = learner.sandbox()
    seat = Seat.objects.create(klass=klass, sandbox=sandbox, display_name="Ada Lovelace")
    run = lab_services.start_lab(sandbox, catalog.get(LAB), seed=3)
    app = next(v for k, v in run.params.items() if k == "appName")
    subnet = run.params["subnet"]

    # Another learner, refused three times by the same rule: stuck (CLS-15).
    bea = _stuck_learner(klass, "Bea Stuck", 4)

    instructor = tabs.tab("instructor")
    sign_in_instructor(instructor, "dana", PASSWORD)
    board_url = f"/classroom/{klass.pk}/board/"
    assert instructor.page.goto(instructor.base_url + board_url).status == 200
    page = instructor.page
    expect(page.locator("#board-live")).to_have_attribute("data-state", "live")
    row = page.locator(f"#board-row-{seat.pk}")
    expect(row).to_contain_text("Ada Lovelace")
    expect(row.locator('[data-passed="yes"]')).to_have_count(0)
    expect(page.locator("#board-done-count")).to_contain_text("0 of 2")
    stuck = page.locator(f"#board-row-{bea.pk}")
    expect(stuck).to_have_attribute("data-stuck", "yes")
    expect(stuck.locator('[data-rule="ASVI-01"]')).to_contain_text("Refused 3 times in a row by ASVI-01")
    instructor.shot("board-before")
    loaded_at = page.evaluate("window.__vnetlab.loadedAt")

    # The learner integrates the app with the lab's subnet in their own browser.
    learner.goto(learner.app_url(app, "vnet_integration"))
    integrate_lab_subnet(learner, subnet)

    # The board, never reloaded, shows every check passed and the learner done.
    expect(row.locator('[data-passed="yes"]')).to_have_count(3, timeout=LIVE_TIMEOUT_MS)
    expect(row).to_have_attribute("data-state", "done")
    expect(row).to_contain_text("10 / 10")
    expect(row).to_contain_text("Create or Update Web App VNet Connection")
    # The app's restart ends on the server's timer, with nothing more from
    # the learner: the row's last actions read "Succeeded" (CLS-20).
    expect(row.locator(".board-action").first).to_contain_text("Succeeded", timeout=LIVE_TIMEOUT_MS)
    expect(page.locator("#board-done-count")).to_contain_text("1 of 2")
    assert page.evaluate("window.__vnetlab.loadedAt") == loaded_at, "the board was not reloaded"
    assert page.evaluate("window.__vnetlab.wsMessages") >= 1
    instructor.shot("board-after")

    # The learner's own browser gets the portal's 404 for the board.
    assert learner.page.goto(learner.base_url + board_url).status == 404


def test_a_filtered_board_counts_the_whole_class_live_and_marks_a_row_that_left_the_filter_cls_17_cls_20(tabs):
    """On a board filtered to "Stuck" and sorted by score, "N of M done" and
    the stuck count follow the whole class without a reload; a shown row
    whose learner is no longer stuck stays, marked; a learner who becomes
    stuck is counted next to a Refresh link, and Refresh shows them."""
    dana = create_instructor("dana", PASSWORD)
    klass = create_class(dana, "AZ-104 Tuesday", lab_ids=[LAB])
    learner = tabs.tab("learner")
    learner.goto("/")
    ada = Seat.objects.create(klass=klass, sandbox=learner.sandbox(), display_name="Ada Lovelace")
    run = lab_services.start_lab(ada.sandbox, catalog.get(LAB), seed=3)
    bea = _stuck_learner(klass, "Bea Stuck", 4)

    instructor = tabs.tab("instructor")
    sign_in_instructor(instructor, "dana", PASSWORD)
    page = instructor.page
    assert page.goto(instructor.base_url + f"/classroom/{klass.pk}/board/?show=stuck&sort=score").status == 200
    expect(page.locator("#board-live")).to_have_attribute("data-state", "live")
    rows = page.locator("tr.board-row")
    expect(rows).to_have_count(1)
    expect(page.locator("#board-done-count")).to_contain_text("0 of 2")
    expect(page.locator("#board-stuck-count")).to_contain_text("1 stuck")
    expect(page.locator("#board-unshown")).to_be_hidden()
    loaded_at = page.evaluate("window.__vnetlab.loadedAt")

    # Ada finishes in her browser: counted, not shown (she isn't stuck).
    learner.goto(learner.app_url(run.params["appName"], "vnet_integration"))
    integrate_lab_subnet(learner, run.params["subnet"])
    expect(page.locator("#board-done-count")).to_contain_text("1 of 2", timeout=LIVE_TIMEOUT_MS)
    expect(rows).to_have_count(1)
    expect(page.locator("#board-unshown")).to_be_hidden()

    # Bea gets it right: her row stays, marked as no longer stuck.
    beas_run = lab_services.active_run(Sandbox.objects.get(pk=bea.sandbox.pk))
    engine.apply(bea.sandbox, catalog.get(LAB).solution, beas_run.params)
    lab_live.regrade_and_push(bea.sandbox.pk)
    bea_row = page.locator(f"#board-row-{bea.pk}")
    expect(bea_row).to_have_attribute("data-state", "done", timeout=LIVE_TIMEOUT_MS)
    expect(bea_row).to_have_attribute("data-matches", "no")
    expect(bea_row).to_contain_text("No longer stuck: Refresh to update")
    expect(page.locator("#board-done-count")).to_contain_text("2 of 2")
    expect(page.locator("#board-stuck-count")).to_be_hidden()

    # Cy joins late and is refused three times: counted, and a Refresh away.
    cy = _stuck_learner(klass, "Cy Late", 5)
    board_live.mark(cy.sandbox.pk)
    expect(page.locator("#board-unshown")).to_contain_text("1 more learner to show: Refresh", timeout=LIVE_TIMEOUT_MS)
    expect(page.locator("#board-done-count")).to_contain_text("2 of 3")
    expect(page.locator("#board-stuck-count")).to_contain_text("1 stuck")
    assert page.evaluate("window.__vnetlab.loadedAt") == loaded_at, "the board was not reloaded"
    instructor.shot("filtered-live")
    assert_accessible(page, context="a filtered board with a marked row and learners to show")

    with page.expect_navigation():
        page.locator("#board-unshown").click()
    expect(page.locator(f"#board-row-{cy.pk}")).to_contain_text("Refused 3 times in a row by ASVI-01")
    expect(rows).to_have_count(1)
    expect(page.locator("#board-unshown")).to_be_hidden()
    instructor.shot("filtered-refreshed")
