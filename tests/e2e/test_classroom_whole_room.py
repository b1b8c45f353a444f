"""A whole class in real Chromium, end to end (issue #13, "How we will know",
first bullet): the instructor signs in, creates a class and projects its
code; three learners join from three browsers; the board follows each one's
work live; the room gets a scenario and an announcement; the CSV export has
every check of every learner; and a learner gets 404 for the board and for
another learner's resource."""

import csv
import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from classroom.models import Class, Seat
from labs import catalog
from labs.models import LabRun
from tests.e2e.flows import integrate_new_subnet, sign_in_instructor, wait_for_pane
from tests.e2e.support import LIVE_TIMEOUT_MS, Tab, slug

pytestmark = pytest.mark.browser

PASSWORD = "tidal-basin-gateway-42"
LAB = "integrate-same-region"
SCENARIO = "nsg-deny-integration"
LEARNERS = ("Ana Lopez", "Ben Okafor", "Chen Wei")
# A scenario's start deploys its estate in every sandbox: slow on a loaded machine.
PUSH_TIMEOUT_MS = 90_000


def _join(tabs, code: str, name: str) -> Tab:
    """/join/ in a browser of its own: the code, then the name (CLS-07)."""
    learner = tabs.tab(slug(name.lower()))
    page = learner.page
    assert page.goto(learner.base_url + "/join/").status == 200
    page.get_by_label("Class code").fill(code)
    with page.expect_navigation():
        page.locator("#join-next").click()
    page.get_by_label("Your name").fill(name)
    learner.follow(page.locator("#join-button"))
    return learner


def _run_params(learner: Tab) -> dict:
    return LabRun.objects.filter(sandbox=learner.sandbox()).latest("started_at", "pk").params


def _loaded_at(tab: Tab) -> int:
    return tab.page.evaluate("window.__vnetlab.loadedAt")


def _toast_came(tab: Tab, *parts: str, timeout: float = LIVE_TIMEOUT_MS) -> None:
    """A toast holding every one of ``parts`` reached the tab since it loaded
    (the probe keeps it: a toast fades after 8 s)."""
    tab.page.wait_for_function(
        "(parts) => window.__vnetlab.toastTexts.some((t) => parts.every((p) => t.includes(p)))",
        arg=list(parts),
        timeout=timeout,
    )


def test_whole_class_cls05_cls07_cls20_cls23_cls25_cls27(tabs, monkeypatch):
    """CLS-02, CLS-05, CLS-06 (sign in, create, project the code), CLS-07
    (three joins, three sandboxes at the lab's start), CLS-14 and CLS-20 (the
    board's rows change live, one learner's row at a time), CLS-23 (a
    scenario reaches every open tab, and the board shows it), CLS-25 (an announcement as a toast),
    CLS-27 (the CSV export), CLS-19, CLS-21 and SBX-03 (a learner's 404s)."""
    # 1. The instructor, made as `manage.py createinstructor` makes one.
    monkeypatch.setenv("VNETLAB_INSTRUCTOR_PASSWORD", PASSWORD)
    call_command("createinstructor", "dana", "--noinput", stdout=io.StringIO())
    instructor = tabs.tab("instructor")
    sign_in_instructor(instructor, "dana", PASSWORD)
    page = instructor.page
    expect(page.get_by_role("heading", name="Classes", level=1)).to_be_visible()
    page.locator("#create-class").click()
    pane = wait_for_pane(instructor)
    pane.locator("#class-name").fill("AZ-104 Tuesday")
    lab = catalog.get(LAB)
    pane.get_by_label(lab.title).check()
    with page.expect_navigation():
        pane.locator("#save-class").click()
    klass = Class.objects.get()
    expect(page.locator("#class-code")).to_have_text(klass.code)
    expect(page.locator("#class-code")).to_be_visible()
    expect(page.locator("#class-qr")).to_be_visible()
    code_size = page.locator("#class-code").evaluate("el => parseFloat(getComputedStyle(el).fontSize)")
    assert code_size >= 48, f"the join code is {code_size}px, not large type to project (CLS-06)"
    instructor.shot("overview")

    # 2. Three learners, three browsers, three sandboxes, each at the lab's start.
    learners = [_join(tabs, klass.code.lower(), name) for name in LEARNERS]
    seats = {seat.display_name: seat for seat in Seat.objects.filter(klass=klass)}
    assert sorted(seats) == sorted(LEARNERS)
    assert len({learner.sandbox().pk for learner in learners}) == 3
    for learner, name in zip(learners, LEARNERS, strict=True):
        assert learner.sandbox() == seats[name].sandbox
        panel = learner.page.locator("#lab-panel")
        expect(panel).to_contain_text(lab.title)
        expect(panel).to_have_attribute("data-tasks-done", "0")
    params = [_run_params(learner) for learner in learners]

    # 3. The board, in a page of its own, follows each learner's work live.
    board = tabs.tab("board", same_sandbox_as=instructor)
    bpage = board.page
    assert bpage.goto(board.base_url + f"/classroom/{klass.pk}/board/").status == 200
    expect(bpage.locator("#board-live")).to_have_attribute("data-state", "live")
    rows = [bpage.locator(f"#board-row-{seats[name].pk}") for name in LEARNERS]
    for row, name in zip(rows, LEARNERS, strict=True):
        expect(row).to_contain_text(name)
        expect(row).to_contain_text(lab.title)
        expect(row.locator('[data-passed="yes"]')).to_have_count(0)
    expect(bpage.locator("#board-done-count")).to_contain_text("0 of 3")
    board_loaded = _loaded_at(board)
    for i, (learner, values) in enumerate(zip(learners, params, strict=True)):
        # Networking > VNet integration > Add VNet > a new subnet, as the lab asks.
        assert learner.goto(learner.app_url(values["appName"], "vnet_integration")).status == 200
        subnet = values["subnet"]
        integrate_new_subnet(learner, subnet["name"], prefix=subnet["prefix"], step="integrate")
        expect(learner.page.locator("#lab-panel")).to_have_attribute("data-tasks-done", "1", timeout=LIVE_TIMEOUT_MS)
        expect(rows[i].locator('[data-passed="yes"]')).to_have_count(3, timeout=LIVE_TIMEOUT_MS)
        expect(rows[i]).to_contain_text("10 / 10")
        expect(rows[i]).to_have_attribute("data-state", "done")
        for j, row in enumerate(rows):  # only that learner's row moved
            expect(row.locator('[data-passed="yes"]')).to_have_count(3 if j <= i else 0)
        expect(bpage.locator("#board-done-count")).to_contain_text(f"{i + 1} of 3")
    board.shot("three-learners")

    # 4. Push scenario, from the board's command bar: every open tab shows it.
    portal_loaded = [_loaded_at(learner) for learner in learners]
    scenario = catalog.get(SCENARIO)
    bpage.locator("#room-scenario").click()
    wait_for_pane(board)
    bpage.get_by_label("Scenario").select_option(SCENARIO)
    bpage.locator("#scenario-submit").click()
    expect(bpage.locator("#room-job")).to_contain_text(
        "Pushed the scenario to 3 of 3 sandboxes.", timeout=PUSH_TIMEOUT_MS
    )
    expect(bpage.locator("#context-pane")).to_be_empty()  # the pane closed as the job began
    for learner in learners:
        panel = learner.page.locator("#lab-panel")
        # A push, as the learner's own changes above: as long as those may take.
        expect(panel).to_contain_text(scenario.title, timeout=LIVE_TIMEOUT_MS)
        expect(panel).to_contain_text("Troubleshooting scenario")
        expect(learner.page.locator("#lab-symptom")).to_be_visible()
        _toast_came(learner, "Your instructor pushed a troubleshooting scenario", scenario.title)
    learners[0].shot("scenario")
    for row in rows:  # the board follows: every learner is on the scenario now
        expect(row).to_contain_text(scenario.title)
        expect(row).to_have_attribute("data-state", re.compile(r"^(?!done$)"))
    expect(bpage.locator("#board-done-count")).to_contain_text("0 of 3")
    board.shot("scenario")

    # 5. An announcement: a toast in every learner's open tab.
    bpage.locator("#room-announce").click()
    wait_for_pane(board)
    bpage.get_by_label("Announcement").fill("Break: back at 10:40")
    bpage.locator("#announce-submit").click()
    expect(bpage.locator("#room-job")).to_contain_text("Announced to 3 of 3 learners.", timeout=PUSH_TIMEOUT_MS)
    expect(bpage.locator("#context-pane")).to_be_empty()  # the pane closed as the job began
    for learner, loaded in zip(learners, portal_loaded, strict=True):
        _toast_came(learner, "Announcement from dana", "Break: back at 10:40")
        assert _loaded_at(learner) == loaded, "the learner's tab was not reloaded"
    learners[0].shot("announcement")
    assert _loaded_at(board) == board_loaded, "the board was not reloaded"

    # 6. The CSV export: every check of every learner, of both labs they ran.
    with bpage.expect_download() as download:
        bpage.locator("#room-export").click()
    assert re.fullmatch(r"az-104-tuesday-results-\d{4}-\d{2}-\d{2}\.csv", download.value.suggested_filename)
    with open(download.value.path(), encoding="utf-8", newline="") as file:
        table = list(csv.reader(file))
    assert table[0] == ["learner", "lab", "check", "passed", "points", "max points", "time"]
    for name, values in zip(LEARNERS, params, strict=True):
        mine = [row for row in table[1:] if row[0] == name]
        app, subnet = values["appName"], values["subnet"]["name"]
        assert {(row[2], row[3], row[4], row[5]) for row in mine if row[1] == lab.title} == {
            (f"{subnet} is delegated to Microsoft.Web/serverFarms", "yes", "3", "3"),
            (f"{app} is integrated with {subnet}", "yes", "3", "3"),
            (f"{app} reaches contoso-vm01 privately", "yes", "4", "4"),
        }
        assert len([row for row in mine if row[1] == scenario.title]) == len(scenario.checks)
        assert len(mine) == len(lab.checks) + len(scenario.checks)
        assert all(re.fullmatch(r"\d+:\d\d:\d\d", row[6]) for row in mine)
    assert len(table) == 1 + 3 * (len(lab.checks) + len(scenario.checks))

    # 7. A learner gets the portal's 404 for the board and for another learner's resource.
    ana, ben = learners[0], learners[1]
    bens_app = ben.app_url(_run_params(ben)["appName"])
    assert ana.page.goto(ana.base_url + f"/classroom/{klass.pk}/board/").status == 404
    assert ana.page.goto(ana.base_url + bens_app).status == 404
    assert ben.page.goto(ben.base_url + bens_app).status == 200
