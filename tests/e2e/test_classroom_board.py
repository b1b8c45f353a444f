"""The live board in a browser (issue #13, item 3): the instructor's board
shows a learner's row change as the learner works in their own browser,
without a reload (CLS-20), and a learner opening the board gets 404."""

import pytest
from playwright.sync_api import expect

from appservice.models import WebApp
from classroom.models import Seat
from classroom.services import create_class, create_instructor
from labs import catalog
from labs import services as lab_services
from portal.errors import refuse
from portal.models import Sandbox
from portal.seed import create_sandbox
from portal.services import log_refusal
from tests.e2e.flows import choose_vnet, open_add_vnet_pane, sign_in_instructor
from tests.e2e.support import LIVE_TIMEOUT_MS

pytestmark = pytest.mark.browser

PASSWORD = "tidal-basin-gateway-42"
LAB = "integrate-same-region"


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
    bea = Seat.objects.create(klass=klass, sandbox=create_sandbox(klass.era), display_name="Bea Stuck")
    lab_services.start_lab(bea.sandbox, catalog.get(LAB), seed=4)
    beas_app = WebApp.objects.select_related("resource_group").get(sandbox=bea.sandbox, name__startswith="contoso-web")
    for _ in range(3):
        error = refuse("ERR-02", "ASVI-01", "ASVI-20", vnet="far-vnet", vnet_region="West US", app_region="East US")
        log_refusal(Sandbox.objects.get(pk=bea.sandbox.pk), beas_app, "Create or Update App Service", error)

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
    open_add_vnet_pane(learner, step=None)
    choose_vnet(learner, "contoso-vnet")
    learner.page.locator("#subnet-name").fill(subnet["name"])
    learner.page.locator("#subnet-prefix").fill(subnet["prefix"])
    learner.page.locator("#add-vnet-ok").click()
    learner.settle()
    expect(learner.page.locator("#integration-panel")).to_have_attribute("data-integrated", "regional")

    # The board, never reloaded, shows every check passed and the learner done.
    expect(row.locator('[data-passed="yes"]')).to_have_count(3, timeout=LIVE_TIMEOUT_MS)
    expect(row).to_have_attribute("data-state", "done")
    expect(row).to_contain_text("10 / 10")
    expect(row).to_contain_text("Create or Update Web App VNet Connection")
    expect(page.locator("#board-done-count")).to_contain_text("1 of 2")
    assert page.evaluate("window.__vnetlab.loadedAt") == loaded_at, "the board was not reloaded"
    assert page.evaluate("window.__vnetlab.wsMessages") >= 1
    instructor.shot("board-after")

    # The learner's own browser gets the portal's 404 for the board.
    assert learner.page.goto(learner.base_url + board_url).status == 404
