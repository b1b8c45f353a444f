"""The lab panel's honest progress: a task made only of negative checks
(what a fix must not weaken) holds from the start, so it isn't counted in
"Task N of M complete" and shows as "Keep: ..." lines, still holding or
broken with why. Exam mode shows what is graded, never whether it holds."""

import pytest
from django.urls import reverse

from labs import catalog, services
from labs.models import LabRun
from networking.models import NetworkSecurityGroup, Subnet
from tests.helpers import HX
from tests.helpers.nsgs import blade_url

pytestmark = pytest.mark.django_db

SCENARIO = "nsg-deny-integration"  # tasks: [the fix], [three negative checks only]
MIXED = "full-integration-subnet"  # one task: positive and negative checks


def start(client, lab_id: str, mode: str = LabRun.GUIDED) -> LabRun:
    if mode == LabRun.GUIDED:
        assert client.post(reverse("labs:start", args=[lab_id])).status_code == 302
        return LabRun.objects.get(sandbox=client.sandbox, finished_at__isnull=True)
    return services.start_lab(client.sandbox, catalog.get(lab_id), mode=mode, seed=3)


def panel(client, run: LabRun) -> str:
    response = client.get(reverse("labs:panel", args=[run.pk]), **HX)
    assert response.status_code == 200
    return response.content.decode()


def check(client, run: LabRun) -> str:
    response = client.post(reverse("labs:check", args=[run.pk]), **HX)
    assert response.status_code == 200
    return response.content.decode()


def the_nsg(client, run: LabRun) -> NetworkSecurityGroup:
    return NetworkSecurityGroup.objects.select_related("resource_group__subscription").get(
        sandbox=client.sandbox, name=run.params["nsgName"]
    )


def test_a_task_of_negative_checks_only_isnt_complete_at_the_start(alice):
    """Before the learner does anything: "Task 0 of 1 complete" (not "1 of
    2"), the keep task and its three checks read "still holding"."""
    run = start(alice, SCENARIO)
    html = panel(alice, run)
    assert "Task 0 of 1 complete · 60%" in html
    assert 'data-tasks-done="0" data-tasks-total="1"' in html
    assert 'data-task="1" data-keep="holding"' in html
    for check_id in ("nsg-still-on-subnet", "internet-still-denied", "no-allow-any-any"):
        assert f'data-check="{check_id}" data-keep="holding"' in html
    assert html.count("Keep: ") == 3 and html.count("still holding") == 4
    assert "(complete)" not in html


def test_progress_counts_only_tasks_with_a_positive_check(alice):
    run = start(alice, SCENARIO)
    progress = services.progress(run)
    fix, keeps = progress.tasks
    assert fix.counted and not fix.done
    assert not keeps.counted and not keeps.done and keeps.holding
    assert (progress.tasks_done, progress.tasks_total) == (0, 1)


def test_the_fix_completes_the_one_task_and_the_keeps_still_hold(alice):
    """The rule's Delete > Yes in the NSG's blade (NSG-02): "Task 1 of 1
    complete", 100%, every keep still holding."""
    run = start(alice, SCENARIO)
    url = blade_url(the_nsg(alice, run), "nsg_rule_delete", rule=run.params["badRule"]["name"])
    assert alice.post(url, **HX).status_code == 200
    html = check(alice, run)
    assert "Task 1 of 1 complete · 100%" in html
    assert "broken" not in html and html.count("still holding") == 4


def test_a_fix_that_weakens_the_nsg_shows_the_keep_broken_and_why_nsg_20(alice):
    """Taking the NSG off the subnet "fixes" the database: the task is done,
    but the keeps it broke say so, with why and the rule IDs."""
    run = start(alice, SCENARIO)
    nsg = the_nsg(alice, run)
    subnet = Subnet.objects.get(
        vnet__sandbox=alice.sandbox, vnet__name="contoso-spoke-vnet", name="app-integration-subnet"
    )
    assert alice.post(blade_url(nsg, "nsg_subnet_dissociate", subnet_id=subnet.pk), **HX).status_code == 200
    html = check(alice, run)
    assert "Task 1 of 1 complete · 60%" in html
    assert 'data-task="1" data-keep="broken"' in html
    assert 'data-check="nsg-still-on-subnet" data-keep="broken"' in html
    assert 'data-check="internet-still-denied" data-keep="broken"' in html
    assert 'data-check="no-allow-any-any" data-keep="holding"' in html
    assert "no longer has" in html and "SEED-15, NSG-20" in html
    run.refresh_from_db()
    progress = services.progress(run)
    assert not progress.tasks[1].holding and not progress.passed


def test_a_mixed_task_counts_and_shows_its_negative_checks_as_keeps(alice):
    run = start(alice, MIXED)
    lab = catalog.get(MIXED)
    html = panel(alice, run)
    assert f"Task 0 of {len(lab.tasks)} complete" in html
    negatives = [c.id for c in lab.checks if c.negative]
    assert negatives
    for check_id in negatives:
        assert f'data-check="{check_id}" data-keep=' in html
    assert html.count("Keep: ") == len(negatives)


def test_exam_mode_lists_the_keeps_without_saying_whether_they_hold_lab_03(alice):
    run = start(alice, SCENARIO, mode=LabRun.EXAM)
    html = panel(alice, run)
    assert html.count("Keep: ") == 3
    assert "still holding" not in html and "data-keep" not in html and "broken" not in html


def test_the_result_page_names_the_keeps(alice):
    run = start(alice, SCENARIO)
    response = alice.post(reverse("labs:finish", args=[run.pk]))
    html = alice.get(response["Location"]).content.decode()
    assert "Not passed: 60%" in html and html.count("Keep: ") == 3
