"""Acting on the room in the browser (issue #13, item 4): the instructor
announces and the learner's open tab shows the toast; the instructor pushes
a troubleshooting scenario and the learner's lab panel turns into it, live;
the Yes/No panes of Reset and Close and the printable summary. A job over
the seats shows its progress and its outcome on the board and the Room page,
and refuses a second action meanwhile (CLS-28)."""

import threading

import pytest
from playwright.sync_api import expect

from classroom import room
from classroom.models import Seat
from classroom.services import create_class, create_instructor
from labs import catalog
from labs import services as labs
from portal import changes
from portal.seed import create_sandbox
from tests.e2e.axe import assert_accessible
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
    # CLS-28: the pane closes, the focus back on its button, and the room's
    # bar follows the job to its outcome.
    expect(page.locator("#room-job")).to_contain_text("Announced to 1 of 1 learner.")
    expect(page.locator("#room-job")).to_have_attribute("data-state", "done")
    expect(page.locator("#context-pane")).to_be_empty()
    expect(page.locator("#room-announce")).to_be_focused()
    learner.page.wait_for_function("() => window.__vnetlab.toasts.includes('Announcement from dana')", timeout=15_000)
    learner.shot("announcement-toast")

    # CLS-23: a scenario, in place of the lab the learner's panel shows.
    page.locator("#room-scenario").click()
    page.get_by_label("Scenario").select_option("udr-blackhole-db")
    teacher.shot("scenario-pane")
    page.locator("#scenario-submit").click()
    # A scenario's start deploys its estate: slow on a loaded machine.
    expect(page.locator("#room-job")).to_contain_text("Pushed the scenario to 1 of 1 sandbox.", timeout=90_000)
    expect(page.locator("#context-pane")).to_be_empty()
    scenario = catalog.get("udr-blackhole-db")
    panel = learner.page.locator("#lab-panel")
    expect(panel).to_contain_text(scenario.title)
    expect(panel).to_contain_text("Troubleshooting scenario")
    expect(learner.page.locator("#lab-symptom")).to_be_visible()
    learner.shot("scenario-panel")

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


def test_cls28_the_board_follows_a_reset_of_the_room_to_its_outcome(tabs, monkeypatch):
    """Four learners; Ben's sandbox fails and Chen's start waits: the board's
    bar says "Resetting 4 sandboxes...", how far it is and what failed so
    far; an announcement meanwhile is refused in its pane (CLS-28); then the
    outcome names the failure, on the board and on the Room page."""
    dana = create_instructor("dana", PASSWORD)
    klass = create_class(dana, "AZ-104 Tuesday", lab_ids=["integrate-same-region", "nsg-deny-integration"])
    seats = [
        Seat.objects.create(klass=klass, sandbox=create_sandbox(klass.era), display_name=name)
        for name in ("Ana", "Ben", "Chen", "Dee")
    ]
    monkeypatch.setattr(room, "PROGRESS_EVERY", 1)
    real_start, real_writing_for = labs.start_lab, changes.writing_for
    gate, waiting = threading.Event(), threading.Event()

    def start(sandbox, lab, **kwargs):
        if sandbox.pk == seats[1].sandbox_id:
            raise RuntimeError("disk full")
        return real_start(sandbox, lab, **kwargs)

    def writing_for(sandbox_or_pk):
        # Chen's seat waits before its transaction begins: on SQLite a
        # transaction holds the write lock, which the refused POST needs.
        if getattr(sandbox_or_pk, "pk", sandbox_or_pk) == seats[2].sandbox_id and not waiting.is_set():
            waiting.set()
            gate.wait(120)
        return real_writing_for(sandbox_or_pk)

    monkeypatch.setattr(labs, "start_lab", start)
    monkeypatch.setattr(changes, "writing_for", writing_for)
    teacher = tabs.tab("instructor")
    sign_in_instructor(teacher, "dana", PASSWORD)
    page = teacher.page
    try:
        assert page.goto(teacher.base_url + f"/classroom/{klass.pk}/board/").status == 200
        expect(page.locator("#board-live")).to_have_attribute("data-state", "live")
        expect(page.locator("#room-job")).to_be_empty()
        page.locator("#room-reset").click()
        page.locator("#reset-room-form-yes").click()
        bar = page.locator("#room-job")
        expect(page.locator("#context-pane")).to_be_empty()
        expect(bar).to_have_attribute("data-state", "running")
        expect(bar.locator("#room-job-title")).to_have_text("Resetting 4 sandboxes...")
        expect(bar.locator("#room-job-count")).to_have_text("2 of 4 · 1 failed so far")
        expect(bar.locator("#room-job-progress")).to_have_attribute("value", "2")
        teacher.shot("reset-progress")
        assert_accessible(page, "the board with a job running")

        page.locator("#room-announce").click()
        page.get_by_label("Announcement").fill("Hands off the keyboards")
        page.locator("#announce-submit").click()
        expect(page.locator("#pane-error")).to_contain_text("is still busy: resetting 4 sandboxes (2 of 4 done")
        expect(page.locator("#pane-error")).to_contain_text("The room takes one action at a time")
        expect(page.locator("#pane-error")).to_contain_text("CLS-28")
        teacher.shot("second-action-refused")
        page.locator("#announce-form [data-close-pane]").first.click()
    finally:
        gate.set()

    # Two more lab starts (each deploys its estate): slow on a loaded machine.
    expect(bar).to_have_attribute("data-state", "done", timeout=90_000)
    expect(bar.locator("#room-job-title")).to_have_text("Reset 3 of 4 sandboxes; 1 failed: Ben (disk full).")
    expect(bar.locator(".az-banner")).to_have_class("az-banner az-banner-warning")
    teacher.shot("reset-outcome")
    assert [labs.active_run(seat.sandbox) is not None for seat in seats] == [True, False, True, True]

    # The instructor has no sandbox: the Room page holds no socket to wait for.
    assert page.goto(teacher.base_url + f"/classroom/{klass.pk}/room/").status == 200
    expect(page.locator("#room-job")).to_contain_text("Reset 3 of 4 sandboxes; 1 failed: Ben (disk full).")
    expect(page.locator("#room-events tr[data-action='reset']")).to_contain_text(
        "integrate-same-region: Reset 3 of 4 sandboxes; 1 failed: Ben (disk full)."
    )
    expect(page.locator("#room-events tr[data-action='announce']")).to_have_count(0)
    teacher.shot("room-outcome")
    assert_accessible(page, "the Room with a job's outcome")
