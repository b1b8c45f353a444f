"""Acting on the room in the browser (issue #13, item 4): the instructor
announces and the learner's open tab shows the toast; the instructor pushes
a troubleshooting scenario and the learner's lab panel turns into it, live;
the Yes/No panes of Reset and Close and the printable summary."""

import pytest
from playwright.sync_api import expect

from classroom.models import Seat
from classroom.services import create_class, create_instructor
from labs import catalog
from labs import services as labs
from tests.e2e.flows import sign_in_instructor

pytestmark = pytest.mark.browser

PASSWORD = "tidal-basin-gateway-42"


def test_cls25_cls23_the_room_reaches_a_learners_open_tab(tabs):
    dana = create_instructor("dana", PASSWORD)
    klass = create_class(dana, "AZ-104 Tuesday", lab_ids=["integrate-same-region", "nsg-deny-integration"])
    learner = tabs.tab("learner")
    learner.goto("/")
    sandbox = learner.sandbox()
    Seat.objects.create(klass=klass, sandbox=sandbox, display_name="Ana")
    labs.start_lab(sandbox, catalog.get("integrate-same-region"))
    learner.goto("/")
    expect(learner.page.locator("#lab-panel")).to_contain_text(catalog.get("integrate-same-region").title)

    teacher = tabs.tab("instructor")
    teacher.goto("/")
    sign_in_instructor(teacher, "dana", PASSWORD)
    page = teacher.page
    teacher.goto(f"/classroom/{klass.pk}/room/", "room")
    expect(page.get_by_role("heading", name="AZ-104 Tuesday | Room", level=1)).to_be_visible()

    # CLS-25: an announcement, as a toast in the learner's open tab.
    page.locator("#room-announce").click()
    expect(page.locator("#announce-form")).to_be_visible()
    page.locator("#announce-submit").click()
    expect(page.locator("#announce-text-error")).to_contain_text("Write the announcement")
    page.get_by_label("Announcement").fill("Break: back at 10:40")
    teacher.shot("announce-pane")
    page.locator("#announce-submit").click()
    expect(page.locator("#room-outcome")).to_contain_text("Announced for 1 of 1.")
    learner.page.wait_for_function("() => window.__vnetlab.toasts.includes('Announcement from dana')", timeout=15_000)
    learner.shot("announcement-toast")
    page.locator("#room-result-ok").click()

    # CLS-23: a scenario, in place of the lab the learner's panel shows.
    page.locator("#room-scenario").click()
    page.get_by_label("Scenario").select_option("udr-blackhole-db")
    teacher.shot("scenario-pane")
    page.locator("#scenario-submit").click()
    # A scenario's start deploys its estate: slow on a loaded machine.
    expect(page.locator("#room-outcome")).to_contain_text("Pushed for 1 of 1.", timeout=90_000)
    scenario = catalog.get("udr-blackhole-db")
    panel = learner.page.locator("#lab-panel")
    expect(panel).to_contain_text(scenario.title)
    expect(panel).to_contain_text("Troubleshooting scenario")
    expect(learner.page.locator("#lab-symptom")).to_be_visible()
    learner.shot("scenario-panel")
    page.locator("#room-result-ok").click()

    # CLS-24 and CLS-26: the Yes/No panes say what is lost and what is kept.
    page.locator("#room-reset").click()
    expect(page.locator("#confirm-question")).to_contain_text("Reset 1 learner's sandbox to the start of")
    teacher.shot("reset-pane")
    page.locator("#confirm-no").click()
    page.locator("#room-close").click()
    expect(page.locator("#confirm-question")).to_contain_text("No one new can join")
    teacher.shot("close-pane")
    page.locator("#close-class-form-yes").click()
    expect(page.locator("#room-outcome")).to_contain_text("is closed")

    # CLS-27: the printable summary.
    teacher.goto(f"/classroom/{klass.pk}/summary/", "summary")
    expect(page.locator("#summary-table")).to_contain_text("Ana")
    expect(page.locator("#summary-table")).to_contain_text(scenario.title)
    page.emulate_media(media="print")
    expect(page.locator(".az-topbar")).to_be_hidden()
    teacher.shot("summary-print")
