"""Issue #11 in the browser: a learner starts a guided lab from the Labs hub,
does it through the portal only, and the lab panel in a second tab of the
same sandbox says "Task 1 of 1 complete" without a reload (the regrade after
the change, pushed over the WebSocket). Hints cost points; Finish shows the
result; no console error on the way."""

import re

import pytest
from playwright.sync_api import expect

from labs.models import LabRun
from tests.e2e.flows import console_errors, integrate_lab_subnet, wait_until_running

pytestmark = pytest.mark.browser

LAB = "integrate-same-region"


def start_from_the_hub(tab) -> LabRun:
    tab.goto("/", "home")
    tab.follow(tab.page.locator("#menu-labs"), "hub")
    expect(tab.page.locator(f'tr[data-lab="{LAB}"] .lab-progress')).to_have_text("Not started")
    tab.follow(tab.page.locator(f'tr[data-lab="{LAB}"] a'), "lab-page")
    tab.follow(tab.page.locator("#start-lab"), "started")
    return LabRun.objects.get(sandbox=tab.sandbox(), lab_id=LAB, finished_at__isnull=True)


def test_a_learner_completes_a_guided_lab_with_the_panel_live_in_two_tabs(tabs):
    tab = tabs.tab("learner")
    errors = console_errors(tab)
    run = start_from_the_hub(tab)
    app, subnet = run.params["appName"], run.params["subnet"]
    panel = tab.page.locator("#lab-panel")
    expect(panel.locator("#lab-status")).to_have_text(re.compile(r"Task 0 of 1 complete"))
    expect(panel).to_contain_text(app)

    other = tabs.tab("second-tab", same_sandbox_as=tab)
    other_errors = console_errors(other)
    other.goto("/resources/", "second-tab-before")
    expect(other.page.locator("#lab-status")).to_have_text(re.compile(r"Task 0 of 1 complete"))

    # A hint costs points, and says so before it is shown (LAB-02).
    hint = panel.locator("#hint-0-0")
    expect(hint).to_have_text("Show hint 1 (costs 2 points)")
    hint.click()
    tab.settle()
    expect(tab.page.locator("#lab-panel .az-lab-hint-text")).to_contain_text("Create New Subnet")
    expect(tab.page.locator("#lab-panel .az-lab-score")).to_contain_text("hints −2")

    # The portal only: the app's VNet integration, a new subnet with the lab's values.
    tab.goto(tab.app_url(app, "vnet_integration"), "integration-page")
    integrate_lab_subnet(tab, subnet)
    wait_until_running(tab)

    # Graded on its own after the change, in both tabs, without a reload.
    expect(other.page.locator("#lab-status")).to_have_text(re.compile(r"Task 1 of 1 complete"), timeout=15_000)
    expect(tab.page.locator("#lab-status")).to_have_text(re.compile(r"Task 1 of 1 complete"), timeout=15_000)
    other.shot("second-tab-live")
    assert other.probe()["loadedAt"] == other.page.evaluate("window.__vnetlab.loadedAt")  # same page, no reload

    tab.follow(tab.page.locator("#lab-finish"), "result")
    result = tab.page.locator("#lab-result")
    expect(result).to_contain_text("Passed: 80%")  # 10 points, the hint took 2
    expect(tab.page.locator('tr[data-check="app-reaches-vm"]')).to_contain_text("4 / 4")
    expect(tab.page.locator("#lab-panel")).to_have_count(0)
    assert errors == [] and other_errors == []


def test_the_panel_collapses_and_stays_so_across_blades(tabs):
    tab = tabs.tab()
    start_from_the_hub(tab)
    tab.page.locator("#lab-toggle").click()
    expect(tab.page.locator("body")).to_have_class(re.compile(r"\blab-panel-collapsed\b"))
    tab.goto("/resources/")
    expect(tab.page.locator("body")).to_have_class(re.compile(r"\blab-panel-collapsed\b"))
    expect(tab.page.locator("#lab-check")).to_be_hidden()
    tab.page.locator("#lab-toggle").click()
    expect(tab.page.locator("#lab-check")).to_be_visible()
