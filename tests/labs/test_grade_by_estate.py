"""A lab's regrade after a change that left the resources as they were (a
restart's end, notifications read) gives the grade it gave before without
running the checks again; a change to the resources runs them, and the
grade moves with it (labs/services.py, ``grade_run``; docs/architecture.md,
"Labs")."""

from datetime import timedelta

import pytest
from django.utils import timezone

from appservice import services as app_services
from appservice.models import WebApp
from labs import catalog, checks, engine, services
from labs.models import LabRun
from portal import services as portal_services
from portal.models import Sandbox, Subscription

pytestmark = pytest.mark.django_db

LAB = "integrate-same-region"


@pytest.fixture
def run() -> LabRun:
    sandbox = Sandbox.objects.create(era="classic")
    Subscription.objects.create(sandbox=sandbox)
    return services.start_lab(sandbox, catalog.get(LAB), seed=7)


@pytest.fixture
def checked(monkeypatch) -> list[int]:
    """The sandboxes whose checks ran, one entry per grading that ran them."""
    ran: list[int] = []
    real = checks.grade

    def grade(sandbox, lab, params):
        ran.append(sandbox.pk)
        return real(sandbox, lab, params)

    monkeypatch.setattr(checks, "grade", grade)
    return ran


def regrade(run: LabRun) -> checks.Grade:
    fresh = services.active_run(run.sandbox)
    return services.grade_run(fresh)


def the_app(run: LabRun) -> WebApp:
    return WebApp.objects.select_related("sandbox").get(sandbox=run.sandbox, name=run.params["appName"])


def test_a_restarts_end_grades_as_before_without_running_the_checks(run, checked):
    app_services.restart_app(the_app(run))  # the app's row moves: the checks run
    before = regrade(run)
    assert checked == [run.sandbox_id]
    finished = portal_services.complete_due_operations(run.sandbox, timezone.now() + timedelta(minutes=5))
    assert finished == 1  # its notification and Activity log rows: not the resources
    after = regrade(run)
    assert checked == [run.sandbox_id]
    assert (after.points, [r.passed for r in after.results]) == (before.points, [r.passed for r in before.results])
    assert [r.message for r in after.results] == [r.message for r in before.results]


def test_notifications_read_grade_as_before_without_running_the_checks(run, checked):
    regrade(run)  # the start's own grade, worked out by start_lab
    portal_services.mark_notifications_read(run.sandbox)
    regrade(run)
    assert checked == []


def test_a_change_to_the_resources_runs_the_checks_and_moves_the_grade(run, checked):
    """Both ways: the start fails every check (0 %), the reference solution
    passes them all (100 %), each graded afresh."""
    assert regrade(run).percent == 0
    assert checked == []  # the start's own grade, worked out by start_lab
    lab = catalog.get(LAB)
    engine.apply(run.sandbox, lab.solution, run.params)
    assert regrade(run).percent == 100
    assert checked == [run.sandbox_id]
    assert LabRun.objects.get(pk=run.pk).points == lab.max_points


def test_another_sandbox_at_the_same_estate_number_is_graded_on_its_own(run, checked):
    """The kept grade belongs to one run of one sandbox: a second learner of
    the same lab, at the same estate number, gets their own checks run."""
    other = Sandbox.objects.create(era="classic")
    Subscription.objects.create(sandbox=other)
    second = services.start_lab(other, catalog.get(LAB), seed=7)
    engine.apply(other, catalog.get(LAB).solution, second.params)
    assert regrade(second).percent == 100
    assert regrade(run).percent == 0
    assert checked[0] == other.pk
