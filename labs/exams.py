"""Exam mode (issue #11, item 6): a timed set of labs drawn from the catalog
by exam objective, run one after another, graded at the end.

- Each task is a lab run in exam mode (``LabRun.EXAM``): starting it resets
  the sandbox to the lab's start, as a guided lab does; hints are refused
  (LAB-03, in services.take_hint).
- The lab's annotations (rule-ID tags, its explanatory text) are forced off
  for the whole exam through the portal's neutral setting
  (``Sandbox.annotations_locked_reason``); the learner's own choice comes
  back when the exam ends (LAB-03).
- Time is kept on the server: any request to the exam's views (or a
  portal page drawn with the panel) after ``ends_at`` finishes it, and the task in progress is graded on the estate
  as it is at that moment (LAB-04). The panel's countdown makes that request
  at zero.
- The result is the sum of every task's checks, by objective (the exam's
  skill areas each lab states), with a review of each mistake.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from labs import catalog, checks, services
from labs.models import Exam, LabRun
from labs.schema import EXAMS, Lab
from portal import services as portal_services
from portal.errors import rule_error
from portal.models import Sandbox

TASK_CHOICES = (1, 2, 3, 5, 8)
MINUTE_CHOICES = (15, 30, 45, 60, 90)
PASS_MARK = 70  # Microsoft's exams pass at 700 of 1000
LOCK_REASON = "An exam is in progress: lab annotations stay off until it ends."


def minute_seconds() -> float:
    """How long an exam minute lasts, in seconds (60; the browser tests make
    it short with VNETLAB_EXAM_MINUTE_SECONDS)."""
    return float(getattr(settings, "VNETLAB_EXAM_MINUTE_SECONDS", 60))


# --- Drawing ----------------------------------------------------------------------------------


def skill_areas() -> dict[str, list[str]]:
    """Each exam's skill areas that some lab of the catalog covers."""
    found: dict[str, set[str]] = {exam: set() for exam in EXAMS}
    for lab in catalog.load().values():
        for exam, skill in lab.objectives:
            found.setdefault(exam, set()).add(skill)
    return {exam: sorted(skills) for exam, skills in found.items()}


def candidates(exam: str, skill: str = "") -> list[Lab]:
    """The labs and scenarios whose objectives include ``exam`` (and ``skill``)."""
    return [
        lab
        for lab in catalog.load().values()
        if any(e == exam and (not skill or s.casefold() == skill.casefold()) for e, s in lab.objectives)
    ]


def draw(exam: str, skill: str, tasks: int, rng: random.Random) -> list[str]:
    """``tasks`` lab ids matching the objective, at random (fewer when the
    catalog has fewer)."""
    found = candidates(exam, skill)
    if not found:
        where = f"'{skill}' of {exam}" if skill else exam
        raise rule_error(f"No lab in the catalog covers {where} yet. Choose another skill area.", field="skill")
    return [lab.id for lab in rng.sample(found, min(tasks, len(found)))]


# --- Running ----------------------------------------------------------------------------------


def active_exam(sandbox: Sandbox) -> Exam | None:
    return Exam.objects.filter(sandbox=sandbox, finished_at__isnull=True).first()


def past_exams(sandbox: Sandbox, limit: int = 5) -> list[Exam]:
    """The sandbox's last finished exams, newest first."""
    return list(Exam.objects.filter(sandbox=sandbox, finished_at__isnull=False).select_related("sandbox")[:limit])


def exam_of(sandbox: Sandbox, pk: int) -> Exam:
    """One of the sandbox's exams (LookupError otherwise: a 404)."""
    exam = Exam.objects.filter(sandbox=sandbox, pk=pk).select_related("sandbox").first()
    if exam is None:
        raise LookupError(pk)
    return exam


def exam_of_run(run: LabRun) -> Exam | None:
    """The exam whose task ``run`` is (None for a guided run)."""
    if run.mode != LabRun.EXAM:
        return None
    return Exam.objects.filter(current_run=run).first()


def exam_in_progress(run: LabRun) -> Exam | None:
    """The unfinished exam ``run`` is a task of, if any: its result and
    explanations wait for the end of the exam."""
    if run.mode != LabRun.EXAM:
        return None
    exam = active_exam(run.sandbox)
    return exam if exam is not None and run.pk in exam.runs else None


def start_exam(
    sandbox: Sandbox,
    exam: str,
    skill: str,
    tasks: int,
    minutes: int,
    *,
    seed: int | None = None,
    seconds: float | None = None,
) -> Exam:
    """Draw the tasks, force the annotations off and start the first task.
    An exam in progress is finished (graded as it is) first."""
    if exam not in EXAMS:
        raise rule_error(f"Choose one of {', '.join(EXAMS)}.", field="exam")
    rng = random.Random(seed)
    lab_ids = draw(exam, skill, tasks, rng)
    end_active(sandbox)
    total = max(1, round(seconds if seconds is not None else minutes * minute_seconds()))
    now = timezone.now()
    with transaction.atomic():
        found = Exam.objects.create(
            sandbox=sandbox,
            exam=exam,
            skill=skill,
            lab_ids=lab_ids,
            minutes=minutes,
            seconds=total,
            seed=rng.randrange(2**31),
            started_at=now,
            ends_at=now + timedelta(seconds=total),
        )
        portal_services.lock_annotations(sandbox, LOCK_REASON)
        _start_task(found, 0)
    return found


def _start_task(exam: Exam, index: int) -> None:
    lab = catalog.get(exam.lab_ids[index])
    if lab is None:  # the catalog lost it: the task scores nothing
        exam.runs = [*exam.runs, None]
        exam.current, exam.current_run = index, None
        exam.save(update_fields=["runs", "current", "current_run"])
        return
    run = services.start_lab(exam.sandbox, lab, mode=LabRun.EXAM, seed=exam.seed + index)
    exam.runs = [*exam.runs, run.pk]
    exam.current, exam.current_run = index, run
    exam.save(update_fields=["runs", "current", "current_run"])


def seconds_left(exam: Exam) -> int:
    if exam.finished:
        return 0
    return max(0, int((exam.ends_at - timezone.now()).total_seconds() + 0.999))


def sync(exam: Exam) -> Exam:
    """Enforce the time (LAB-04): past ``ends_at`` the exam is finished and
    graded on the estate as it is now."""
    if not exam.finished and timezone.now() >= exam.ends_at:
        finish_exam(exam, timed_out=True)
    return exam


def next_task(exam: Exam, index: int) -> None:
    """Close task ``index`` (graded as it is) and start the next one; after
    the last, finish the exam. A stale ``index`` (another tab moved on)
    changes nothing."""
    sync(exam)
    with transaction.atomic():
        locked = Exam.objects.select_for_update().get(pk=exam.pk)
        if locked.finished or locked.current != index:
            _refresh(exam, locked)
            return
        run = locked.current_run
        if run is not None and not run.finished:
            services.finish(run)
        if index + 1 < len(locked.lab_ids):
            _start_task(locked, index + 1)
        else:
            _close(locked, timed_out=False)
        _refresh(exam, locked)


def finish_exam(exam: Exam, *, timed_out: bool = False) -> None:
    """Grade the task in progress as it is and close the exam; the
    annotations come back."""
    with transaction.atomic():
        locked = Exam.objects.select_for_update().get(pk=exam.pk)
        if not locked.finished:
            _close(locked, timed_out=timed_out)
        _refresh(exam, locked)


def end_active(sandbox: Sandbox) -> None:
    """Finish the sandbox's exam in progress, if any (a guided lab or another
    exam is starting)."""
    exam = active_exam(sandbox)
    if exam is not None:
        finish_exam(exam, timed_out=timezone.now() >= exam.ends_at)


def _close(exam: Exam, *, timed_out: bool) -> None:
    run = exam.current_run
    if run is not None and not run.finished:
        services.finish(run)
    now = timezone.now()
    exam.finished_at = min(now, exam.ends_at) if timed_out else now
    exam.timed_out = timed_out
    exam.save(update_fields=["finished_at", "timed_out"])
    portal_services.unlock_annotations(exam.sandbox)


def _refresh(exam: Exam, locked: Exam) -> None:
    for name in ("runs", "current", "current_run_id", "finished_at", "timed_out"):
        setattr(exam, name, getattr(locked, name))
    if exam.current_run_id is None:
        exam.current_run = None


# --- The result -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskReport:
    index: int
    lab: Lab
    progress: services.Progress | None  # None: not reached

    @property
    def number(self) -> int:
        return self.index + 1

    @property
    def points(self) -> int:
        return self.progress.grade.points if self.progress else 0

    @property
    def max_points(self) -> int:
        return self.progress.grade.max_points if self.progress else self.lab.max_points

    @property
    def percent(self) -> int:
        return round(100 * self.points / self.max_points) if self.max_points else 0

    @property
    def mistakes(self) -> list[checks.Result]:
        return [r for r in self.progress.grade.results if not r.passed] if self.progress else []


@dataclass(frozen=True)
class ObjectiveScore:
    skill: str
    points: int
    max_points: int

    @property
    def percent(self) -> int:
        return round(100 * self.points / self.max_points) if self.max_points else 0


@dataclass(frozen=True)
class ExamReport:
    exam: Exam
    tasks: list[TaskReport]

    @property
    def points(self) -> int:
        return sum(t.points for t in self.tasks)

    @property
    def max_points(self) -> int:
        return sum(t.max_points for t in self.tasks)

    @property
    def percent(self) -> int:
        return round(100 * self.points / self.max_points) if self.max_points else 0

    @property
    def passed(self) -> bool:
        return self.percent >= PASS_MARK

    @property
    def pass_mark(self) -> int:
        return PASS_MARK

    @property
    def objectives(self) -> list[ObjectiveScore]:
        """Points by the exam's skill areas: a task counts towards each one
        its lab states for this exam."""
        totals: dict[str, list[int]] = {}
        for task in self.tasks:
            for exam, skill in task.lab.objectives:
                if exam == self.exam.exam:
                    entry = totals.setdefault(skill, [0, 0])
                    entry[0] += task.points
                    entry[1] += task.max_points
        return [ObjectiveScore(skill, p, m) for skill, (p, m) in sorted(totals.items())]

    @property
    def time_taken(self) -> timedelta:
        end = self.exam.finished_at or timezone.now()
        return min(end - self.exam.started_at, timedelta(seconds=self.exam.seconds))


def report(exam: Exam) -> ExamReport:
    pks = [pk for pk in exam.runs if pk is not None]
    runs = {run.pk: run for run in LabRun.objects.filter(pk__in=pks, sandbox=exam.sandbox)}
    tasks = []
    for index, lab_id in enumerate(exam.lab_ids):
        lab = catalog.get(lab_id)
        if lab is None:
            continue
        run = runs.get(exam.runs[index]) if index < len(exam.runs) else None
        tasks.append(TaskReport(index, lab, services.progress(run) if run is not None else None))
    return ExamReport(exam, tasks)
