"""Exam practice in the browser: an exam started from the Labs hub hides
the annotations (no rule ID left on a blade that refuses something, LAB-03),
counts down, runs out of time and is graded (LAB-04), and its result
reviews each mistake with its explanation and rules."""

import dataclasses
import re

import pytest
from playwright.sync_api import expect

from labs import catalog
from labs.models import Exam, LabRun
from tests.e2e.flows import choose_vnet, open_add_vnet_pane, select_existing_mode
from tests.e2e.support import LIVE_TIMEOUT_MS, Tab

pytestmark = pytest.mark.browser

# A rule ID as the portal tags them (ASVI-24, SEED-10, ERR-05), but not the
# exams' own names.
RULE_ID = re.compile(r"\b(?!AZ-(?:104|700|204)\b)[A-Z]+-\d+\b")


def start_exam(tab: Tab, *, exam: str = "AZ-204", tasks: str = "1", minutes: str = "15") -> Exam:
    tab.goto("/labs/", "labs-hub")
    tab.follow(tab.page.locator("#exam-practice-link"), "exam-setup")
    tab.page.locator("#exam").select_option(exam)
    tab.page.locator("#tasks").select_option(tasks)
    tab.page.locator("#minutes").select_option(minutes)
    tab.follow(tab.page.locator("#start-exam"))
    return Exam.objects.get(sandbox=tab.sandbox(), finished_at__isnull=True)


def visible_rule_ids(tab: Tab) -> list[str]:
    return sorted(set(RULE_ID.findall(tab.page.evaluate("document.body.innerText"))))


def test_during_an_exam_no_annotation_shows_even_on_a_refusal(tab, settings, monkeypatch):
    # The exam draws integrate-same-region (its tiny-subnet refusal, its
    # subnet-delegated check): the catalog has many AZ-204 labs now.
    labs = {"integrate-same-region": catalog.load()["integrate-same-region"]}
    monkeypatch.setattr(catalog, "load", lambda directory=None: labs)
    exam = start_exam(tab)
    page = tab.page
    expect(page.locator("body")).to_have_class(re.compile(r"\bno-annotations\b"))
    panel = page.locator("#lab-panel")
    expect(panel.locator("#lab-status")).to_have_text("AZ-204 exam · Task 1 of 1")
    expect(panel.locator("#exam-time-left")).to_have_text(re.compile(r"^1[45]:\d\d$"))
    expect(panel.locator("#lab-check")).to_have_count(0)
    expect(panel.get_by_role("button", name=re.compile("Show hint"))).to_have_count(0)
    tab.shot("exam-panel")

    # A blade that refuses: Add VNet > Select Existing lists the busy and the
    # too-small subnets with the reason each can't be used (ERR-01, ERR-05...).
    run = LabRun.objects.get(pk=exam.runs[0])
    tab.goto(tab.app_url(run.params["appName"], "vnet_integration"))
    open_add_vnet_pane(tab, step=None)
    choose_vnet(tab, "contoso-vnet")
    select_existing_mode(tab, "exam-refusal-without-annotations")
    expect(page.locator('#context-pane li[data-subnet="tiny-subnet"]')).to_have_attribute("data-enabled", "false")
    assert page.locator("#context-pane").evaluate("el => el.innerHTML").count("az-rule") > 0
    assert visible_rule_ids(tab) == []

    # Portal settings: the switch is held off, and says why.
    tab.goto("/sandbox/")
    expect(page.locator("#annotations")).to_be_disabled()
    expect(page.locator("#annotations")).not_to_be_checked()
    expect(page.locator("#annotations-locked")).to_contain_text("An exam is in progress")
    tab.shot("settings-annotations-locked")
    assert visible_rule_ids(tab) == []

    tab.goto(f"/labs/exam/{exam.pk}/", "exam-detail")
    expect(page.locator("#exam-state")).to_contain_text("1 of 1")

    # Finishing early: the result reviews each mistake with its rules, and
    # the annotations are back.
    tab.goto("/")
    tab.follow(page.locator("#exam-finish"), "exam-result")
    expect(page).to_have_url(re.compile(rf"/labs/exam/{exam.pk}/result/$"))
    expect(page.locator("body")).not_to_have_class(re.compile(r"\bno-annotations\b"))
    expect(page.locator("#exam-result")).to_contain_text("Not passed: 0%")
    review = page.locator(f'[data-review="{run.lab_id}"]')
    expect(review.locator('tr[data-check="subnet-delegated"]')).to_contain_text("ASVI-24")
    expect(review.locator('tr[data-check="subnet-delegated"]')).to_contain_text("Regional integration delegates")
    expect(page.locator("#exam-objectives")).to_contain_text("Implement Azure App Service web apps")


def test_an_exam_that_runs_out_of_time_is_graded(tab, settings):
    settings.VNETLAB_EXAM_MINUTE_SECONDS = 0.25  # 15 minutes last 3.75 s
    exam = start_exam(tab, minutes="15")
    expect(tab.page.locator("#exam-clock")).to_be_visible()
    # The countdown reaches zero and goes to the exam, which the server finishes.
    tab.page.wait_for_url(re.compile(rf"/labs/exam/{exam.pk}/result/$"), timeout=LIVE_TIMEOUT_MS)
    tab.wait_live()
    expect(tab.page.locator("#exam-timed-out")).to_contain_text("Time ran out")
    tab.shot("exam-timed-out")
    exam.refresh_from_db()
    assert exam.finished and exam.timed_out
    assert LabRun.objects.get(pk=exam.runs[0]).finished
    expect(tab.page.locator("body")).not_to_have_class(re.compile(r"\bno-annotations\b"))


def test_next_task_resets_the_sandbox_for_the_next_lab_and_the_result_lists_both(tab, monkeypatch):
    base = catalog.load()["integrate-same-region"]
    labs = {
        lab_id: dataclasses.replace(base, id=lab_id, title=f"{base.title} ({lab_id})")
        for lab_id in ("exam-task-a", "exam-task-b")
    }
    monkeypatch.setattr(catalog, "load", lambda directory=None: labs)
    exam = start_exam(tab, tasks="2")
    panel = tab.page.locator("#lab-panel")
    expect(panel.locator("#lab-status")).to_have_text("AZ-204 exam · Task 1 of 2")
    first = LabRun.objects.get(pk=exam.runs[0])
    expect(panel).to_contain_text(first.params["appName"])
    tab.follow(panel.locator("#exam-next"), "exam-next-task")
    expect(panel.locator("#lab-status")).to_have_text("AZ-204 exam · Task 2 of 2")
    expect(panel.locator("#exam-next")).to_have_count(0)
    exam.refresh_from_db()
    second = LabRun.objects.get(pk=exam.runs[1])
    assert LabRun.objects.get(pk=first.pk).finished and second.lab_id != first.lab_id
    expect(panel).to_contain_text(second.params["appName"])
    tab.follow(panel.locator("#exam-finish"))
    rows = tab.page.locator("#exam-tasks tbody tr")
    expect(rows).to_have_count(2)
    assert sorted(rows.evaluate_all("rows => rows.map(r => r.dataset.lab)")) == ["exam-task-a", "exam-task-b"]
