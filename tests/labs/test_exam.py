"""Exam mode (issue #11, item 6): tasks drawn from the catalog by objective,
run one after another with no hints and the annotations forced off (LAB-03),
the time kept by the server (LAB-04), graded at the end by skill area with a
review of each mistake; another sandbox's exam is a 404, bad input a 422."""

import dataclasses
import random
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from labs import catalog, engine, exams
from labs.models import Exam, LabRun

pytestmark = pytest.mark.django_db

BASE = "integrate-same-region"
NETWORKING = "Configure and manage virtual networking"
CORE = "Design and implement core networking infrastructure"
WEB = "Implement Azure App Service web apps"


@pytest.fixture
def catalog_of_six(monkeypatch):
    """Six copies of the same lab with different objectives, so drawing by
    objective has something to choose from."""
    base = catalog.load()[BASE]
    objectives = {
        "net-a": ((("AZ-104", NETWORKING),)),
        "net-b": ((("AZ-104", NETWORKING), ("AZ-700", CORE))),
        "net-c": ((("AZ-104", NETWORKING),)),
        "core-a": ((("AZ-700", CORE),)),
        "core-b": ((("AZ-700", CORE),)),
        "web-a": ((("AZ-204", WEB),)),
    }
    labs = {lab_id: dataclasses.replace(base, id=lab_id, objectives=obj) for lab_id, obj in objectives.items()}
    monkeypatch.setattr(catalog, "load", lambda directory=None: labs)
    return labs


def start(client, **data) -> Exam:
    form = {"exam": "AZ-104", "skill": "", "tasks": "3", "minutes": "30", **data}
    response = client.post(reverse("labs:exam_setup"), form)
    assert response.status_code == 302, response.content.decode()[:2000]
    return Exam.objects.get(sandbox=client.sandbox, finished_at__isnull=True)


def solve(exam: Exam) -> None:
    """Apply the current task's reference solution, as a learner would build it."""
    run = LabRun.objects.get(pk=exam.runs[exam.current])
    engine.apply(run.sandbox, catalog.get(run.lab_id).solution, run.params)


# --- Drawing ----------------------------------------------------------------------------------


def test_tasks_are_drawn_at_random_from_the_labs_matching_the_objective(alice, catalog_of_six):
    drawn = set()
    for seed in range(12):
        ids = exams.draw("AZ-700", CORE, 2, random.Random(seed))
        assert len(ids) == 2 == len(set(ids))
        assert set(ids) <= {"net-b", "core-a", "core-b"}
        drawn |= set(ids)
    assert drawn == {"net-b", "core-a", "core-b"}
    # The whole exam when no skill area is given; fewer tasks when the catalog has fewer.
    assert set(exams.draw("AZ-104", "", 5, random.Random(1))) == {"net-a", "net-b", "net-c"}
    assert exams.draw("AZ-204", WEB, 5, random.Random(1)) == ["web-a"]


def test_the_drawn_labs_are_stored_and_run_in_exam_mode(alice, catalog_of_six):
    exam = start(alice, exam="AZ-700", skill=CORE, tasks="2")
    assert len(exam.lab_ids) == 2 and set(exam.lab_ids) <= {"net-b", "core-a", "core-b"}
    run = exam.current_run
    assert run.lab_id == exam.lab_ids[0] and run.mode == LabRun.EXAM and exam.runs == [run.pk]
    assert exam.seconds == 30 * 60 and exam.ends_at - exam.started_at == timedelta(minutes=30)


def test_a_skill_area_no_lab_covers_is_a_field_error(alice, catalog_of_six):
    response = alice.post(
        reverse("labs:exam_setup"), {"exam": "AZ-204", "skill": NETWORKING, "tasks": "3", "minutes": "30"}
    )
    assert response.status_code == 422
    assert "isn&#x27;t a skill area of AZ-204" in response.content.decode()
    assert not Exam.objects.filter(sandbox=alice.sandbox).exists()


# --- During the exam --------------------------------------------------------------------------


def test_the_panel_shows_the_countdown_and_next_task_but_no_grades(alice):
    exam = start(alice, tasks="1", minutes="15")
    html = alice.get(reverse("home")).content.decode()
    assert 'id="exam-clock"' in html and 'id="exam-finish"' in html and "AZ-104 exam · Task 1 of 1" in html
    assert 'id="lab-check"' not in html and "Show hint" not in html and "az-lab-why" not in html
    assert "labs/exam.js" in html
    # Checking re-grades quietly: nothing says which check passes.
    panel = alice.post(reverse("labs:check", args=[exam.current_run.pk])).content.decode()
    assert "az-lab-why" not in panel and "passed" not in panel and "Score" not in panel


def test_a_tasks_own_result_and_finish_wait_for_the_end_of_the_exam(alice):
    exam = start(alice, tasks="1")
    run = exam.current_run
    exam_page = reverse("labs:exam", args=[exam.pk])
    assert alice.get(reverse("labs:result", args=[run.pk]))["Location"] == exam_page
    assert alice.post(reverse("labs:finish", args=[run.pk]))["Location"] == exam_page
    assert not LabRun.objects.get(pk=run.pk).finished
    alice.post(reverse("labs:exam_finish", args=[exam.pk]))
    assert alice.get(reverse("labs:result", args=[run.pk])).status_code == 200


def test_exam_mode_gives_no_hints_LAB_03(alice):
    exam = start(alice, tasks="1")
    response = alice.post(reverse("labs:hint", args=[exam.current_run.pk]), {"task": "0", "hint": "0"})
    assert response.status_code == 422
    html = response.content.decode()
    assert "Exam mode gives no hints." in html and "LAB-03" in html
    assert LabRun.objects.get(pk=exam.current_run.pk).hints == []


def test_annotations_are_forced_off_during_the_exam_and_come_back_after_LAB_03(alice):
    assert 'class="no-annotations"' not in alice.get(reverse("home")).content.decode()
    exam = start(alice, tasks="1")
    alice.sandbox.refresh_from_db()
    assert alice.sandbox.show_annotations and not alice.sandbox.annotations_shown
    assert '<body class="no-annotations"' in alice.get(reverse("home")).content.decode()
    settings_page = alice.get(reverse("sandbox_settings")).content.decode()
    assert 'id="annotations-locked"' in settings_page and exams.LOCK_REASON in settings_page
    assert 'name="annotations" value="on" disabled' in settings_page
    # The switch can't be forced on with a hand-made request either.
    refused = alice.post(reverse("set_annotations"), {"annotations": "on"})
    assert refused.status_code == 422 and exams.LOCK_REASON in refused.content.decode()
    alice.post(reverse("labs:exam_finish", args=[exam.pk]))
    alice.sandbox.refresh_from_db()
    assert alice.sandbox.annotations_shown
    assert 'class="no-annotations"' not in alice.get(reverse("home")).content.decode()


def test_a_learner_who_turned_annotations_off_keeps_them_off_after_the_exam(alice):
    assert alice.post(reverse("set_annotations"), {"annotations": "off"}).status_code == 302
    exam = start(alice, tasks="1")
    alice.post(reverse("labs:exam_finish", args=[exam.pk]))
    alice.sandbox.refresh_from_db()
    assert not alice.sandbox.show_annotations and not alice.sandbox.annotations_locked_reason


def test_next_task_grades_the_task_and_resets_the_sandbox_for_the_next(alice, catalog_of_six):
    exam = start(alice, exam="AZ-700", skill=CORE, tasks="2")
    first = exam.current_run
    solve(exam)
    assert alice.post(reverse("labs:exam_next", args=[exam.pk]), {"task": "0"}).status_code == 302
    exam.refresh_from_db()
    first.refresh_from_db()
    assert first.finished and first.points == catalog.get(first.lab_id).max_points
    assert exam.current == 1 and exam.current_run.lab_id == exam.lab_ids[1] and not exam.finished
    # A second tab pressing Next for the task already closed changes nothing.
    alice.post(reverse("labs:exam_next", args=[exam.pk]), {"task": "0"})
    exam.refresh_from_db()
    assert exam.current == 1 and len(exam.runs) == 2
    # The last task's Next finishes the exam.
    response = alice.post(reverse("labs:exam_next", args=[exam.pk]), {"task": "1"})
    assert response["Location"] == reverse("labs:exam_result", args=[exam.pk])
    exam.refresh_from_db()
    assert exam.finished and not exam.timed_out


def test_the_result_breaks_the_score_down_by_skill_area_and_reviews_each_mistake(alice, catalog_of_six):
    exam = start(alice, exam="AZ-700", tasks="3")
    solve(exam)
    for index in range(3):
        alice.post(reverse("labs:exam_next", args=[exam.pk]), {"task": str(index)})
    report = exams.report(Exam.objects.get(pk=exam.pk))
    per_lab = catalog_of_six["net-a"].max_points
    assert report.points == per_lab and report.max_points == 3 * per_lab and not report.passed
    assert [(o.skill, o.points, o.max_points) for o in report.objectives] == [(CORE, per_lab, 3 * per_lab)]
    setup = alice.get(reverse("labs:exam_setup")).content.decode()
    assert f'data-exam="{exam.pk}"' in setup and f"{report.percent}% · Not passed" in setup
    html = alice.get(reverse("labs:exam_result", args=[exam.pk])).content.decode()
    assert 'id="exam-objectives"' in html and f'data-skill="{CORE}"' in html
    # Two tasks were left undone: each failed check is reviewed with its why, explanation and rules.
    assert html.count('data-check="subnet-delegated"') == 2
    assert "isn&#x27;t delegated to Microsoft.Web/serverFarms" in html and "ASVI-24" in html
    assert "Regional integration delegates its subnet" in html


# --- Time ----------------------------------------------------------------------------------------


def test_when_the_time_is_up_the_exam_is_graded_as_it_is_LAB_04(alice, catalog_of_six):
    exam = start(alice, exam="AZ-700", tasks="3", minutes="15")
    solve(exam)  # the first task is done, then the time runs out
    Exam.objects.filter(pk=exam.pk).update(
        started_at=timezone.now() - timedelta(minutes=16), ends_at=timezone.now() - timedelta(minutes=1)
    )
    # Any request to the exam's views finishes it: here, a late "Next task".
    response = alice.post(reverse("labs:exam_next", args=[exam.pk]), {"task": "0"})
    assert response["Location"] == reverse("labs:exam_result", args=[exam.pk])
    exam.refresh_from_db()
    assert exam.finished and exam.timed_out and exam.finished_at == exam.ends_at and len(exam.runs) == 1
    alice.sandbox.refresh_from_db()
    assert alice.sandbox.annotations_shown
    report = exams.report(exam)
    assert [t.points for t in report.tasks] == [catalog_of_six["net-a"].max_points, 0, 0]
    assert report.tasks[1].progress is None
    html = alice.get(reverse("labs:exam_result", args=[exam.pk])).content.decode()
    assert 'id="exam-timed-out"' in html and "(not reached)" in html and "time 0:15:00 of 15 minutes" in html


def test_the_countdown_lands_on_the_exam_page_which_finishes_it_LAB_04(alice):
    exam = start(alice, tasks="1")
    assert alice.get(reverse("labs:exam", args=[exam.pk])).status_code == 200
    Exam.objects.filter(pk=exam.pk).update(ends_at=timezone.now() - timedelta(seconds=1))
    response = alice.get(reverse("labs:exam", args=[exam.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("labs:exam_result", args=[exam.pk])
    run = LabRun.objects.get(pk=exam.runs[0])
    assert run.finished and run.graded_at is not None


def test_any_portal_page_drawn_after_the_time_finishes_the_exam_LAB_04(alice):
    exam = start(alice, tasks="1")
    assert 'id="exam-clock"' in alice.get(reverse("all_resources")).content.decode()
    Exam.objects.filter(pk=exam.pk).update(ends_at=timezone.now() - timedelta(seconds=1))
    html = alice.get(reverse("all_resources")).content.decode()
    assert 'id="lab-panel"' not in html
    exam.refresh_from_db()
    assert exam.finished and exam.timed_out
    assert 'class="no-annotations"' not in alice.get(reverse("home")).content.decode()


def test_starting_a_guided_lab_ends_the_exam(alice):
    exam = start(alice, tasks="1")
    alice.post(reverse("labs:start", args=[BASE]))
    exam.refresh_from_db()
    assert exam.finished
    alice.sandbox.refresh_from_db()
    assert alice.sandbox.annotations_shown


# --- Tenancy and bad input ------------------------------------------------------------------------


def test_another_sandboxs_exam_is_a_404(alice, bob):
    exam = start(alice, tasks="1")
    for name in ("labs:exam", "labs:exam_result"):
        assert bob.get(reverse(name, args=[exam.pk])).status_code == 404
    for name in ("labs:exam_next", "labs:exam_finish"):
        assert bob.post(reverse(name, args=[exam.pk]), {"task": "0"}).status_code == 404
    exam.refresh_from_db()
    assert not exam.finished


def test_bad_input_is_a_422_with_field_errors_never_a_500(alice):
    response = alice.post(
        reverse("labs:exam_setup"), {"exam": "AZ-999", "skill": "x" * 500, "tasks": "abc", "minutes": "7"}
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "Choose AZ-104, AZ-700 or AZ-204." in html and "Choose how many tasks." in html
    assert "Choose how long." in html
    assert not Exam.objects.filter(sandbox=alice.sandbox).exists()
    exam = start(alice, tasks="1")
    assert alice.post(reverse("labs:exam_next", args=[exam.pk]), {"task": "x"}).status_code == 422
    assert alice.get(reverse("labs:exam_next", args=[exam.pk])).status_code == 405
    assert alice.get(reverse("labs:exam", args=[999999])).status_code == 404
