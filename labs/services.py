"""Starting, grading and finishing a learner's lab runs. Every change to a
run goes through here; the panel, the hub and the live regrade read it."""

from __future__ import annotations

import random
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from labs import catalog, checks, engine
from labs import params as lab_params
from labs.models import LabRun
from labs.schema import Lab, Task
from portal import changes
from portal import services as portal_services
from portal.errors import rule_error
from portal.lru import LRU
from portal.models import Sandbox
from portal.prepared import PreparedInstances

# Every page's lab panel asks for it (labs/context_processors.py): compiled
# once per process (portal/prepared.py), with a sandbox pk no sandbox has.
_ACTIVE_RUN = PreparedInstances(
    lambda sandbox_id: LabRun.objects.filter(sandbox_id=sandbox_id, finished_at__isnull=True),
    sandbox_id=-7_700_000_003,
)


def active_run(sandbox: Sandbox) -> LabRun | None:
    """The sandbox's lab in progress: its newest unfinished run (its
    ``sandbox`` is this one: no query to read it again)."""
    run = _ACTIVE_RUN.first(sandbox_id=sandbox.pk)
    if run is not None:
        run.sandbox = sandbox
    return run


def lab_of(run: LabRun) -> Lab | None:
    """The run's lab, or None if the catalog no longer has it."""
    return catalog.get(run.lab_id)


@changes.for_sandbox
def start_lab(sandbox: Sandbox, lab: Lab, *, mode: str = LabRun.GUIDED, seed: int | None = None) -> LabRun:
    """Reset the sandbox to the lab's start, with this learner's own values,
    and open a run. A run in progress is abandoned; an era the lab doesn't
    run in is switched to the lab's first."""
    rng = random.Random(seed)
    with transaction.atomic():
        Sandbox.objects.select_for_update().filter(pk=sandbox.pk).first()
        LabRun.objects.filter(sandbox=sandbox, finished_at__isnull=True).update(
            finished_at=timezone.now(), abandoned=True
        )
        if sandbox.era not in lab.eras:
            portal_services.set_era(sandbox, lab.eras[0])
            sandbox.era = lab.eras[0]
        values = lab_params.draw(lab, rng)
        engine.start(sandbox, lab, values)
        run = LabRun.objects.create(sandbox=sandbox, lab_id=lab.id, mode=mode, params=values)
        grade_run(run, lab)
        # Graded, but not shown as checked: the panel says why a check fails
        # once the learner has checked, or changed something.
        LabRun.objects.filter(pk=run.pk).update(graded_at=None)
        run.graded_at = None
    return run


# A run's grade by the estate it was worked out on (portal/changes.py,
# ``estate``): the checks read the resources alone -- their documents and the
# network's snapshot, itself kept per estate -- so a change that left the
# estate as it was (a restart's end, a notification read, a hint) grades as
# before without running them. In each process; the catalog is read once
# per process, so a lab changed on disk is graded afresh after a restart.
_grades = LRU(4096)


def grade_run(run: LabRun, lab: Lab | None = None) -> checks.Grade:
    """Grade the run's sandbox now and keep the result on the run. A run
    finished meanwhile (Finish in another tab) keeps its final grade: one
    UPDATE of the grade's own fields, on an unfinished run only."""
    lab = lab or lab_of(run)
    before = shown(run)
    # Read before the resources are: a grade is never kept under an estate
    # older than what it read.
    estate = changes.estate(run.sandbox_id)
    key = (run.pk, lab.id, estate)
    grade = _grades.get(key) if estate is not None else None
    if grade is None:
        grade = checks.grade(run.sandbox, lab, run.params)
        if estate is not None:
            _grades.put(key, grade)
    passed = [r.check.id for r in grade.results if r.passed]
    found = {r.check.id: r.found for r in grade.results if not r.passed}
    now = timezone.now()
    unfinished = LabRun.objects.filter(pk=run.pk, finished_at__isnull=True)
    run.points, run.passed, run.found, run.graded_at = grade.points, passed, found, now
    # A grade the panel shows as it was (most changes move no check) keeps
    # the sandbox's generation: its kept pages and snapshot stay good. Only
    # the time of the grade moves, and only if the stored grade is still the
    # one read (another worker's regrade may have stored a newer one).
    if shown(run) == before:
        with changes.unnoticed():
            kept = unfinished.filter(points=grade.points, passed=passed, found=found, graded_at__isnull=False)
            if kept.update(graded_at=now):
                return grade
    with changes.writing_for(run.sandbox_id):  # a regrade off any request (labs/live.py)
        unfinished.update(points=grade.points, passed=passed, found=found, graded_at=now)
    return grade


def shown(run: LabRun) -> tuple:
    """What of a run's stored grade the lab panel shows (labs/panel.html):
    the points, which checks pass, why the others fail, and whether it was
    checked at all."""
    return (run.points, sorted(run.passed), sorted(run.found.items()), run.graded_at is not None)


def last_grade(run: LabRun, lab: Lab) -> checks.Grade:
    """The run's last grade as stored, without running the checks again."""
    passed = set(run.passed)
    results = tuple(
        checks.Result(c, c.id in passed, c.points if c.id in passed else 0, run.found.get(c.id, "")) for c in lab.checks
    )
    return checks.Grade(results, lab.max_points)


def hint_cost(run: LabRun, lab: Lab) -> int:
    cost = 0
    for key in run.hints:
        task_index, _, hint_index = str(key).partition("-")
        try:
            cost += lab.tasks[int(task_index)].hints[int(hint_index)].cost
        except (ValueError, IndexError):
            continue
    return cost


def take_hint(run: LabRun, task_index: int, hint_index: int) -> None:
    """Show a hint: its cost comes off the score, once (LAB-02)."""
    lab = lab_of(run)
    if run.finished:
        raise rule_error("This lab is finished: hints are closed.", "LAB-01")
    if run.mode == LabRun.EXAM:
        raise rule_error("Exam mode gives no hints.", "LAB-03")
    if not (0 <= task_index < len(lab.tasks) and 0 <= hint_index < len(lab.tasks[task_index].hints)):
        raise rule_error("That hint doesn't exist.", "LAB-02")
    key = f"{task_index}-{hint_index}"
    with transaction.atomic():
        locked = LabRun.objects.select_for_update().get(pk=run.pk)
        if key not in locked.hints:
            locked.hints = [*locked.hints, key]
            locked.save(update_fields=["hints"])
        run.hints = locked.hints


def finish(run: LabRun) -> checks.Grade:
    """Grade the run a last time and close it."""
    if run.finished:
        raise rule_error("This lab is already finished.", "LAB-01")
    grade = grade_run(run)
    now = timezone.now()
    LabRun.objects.filter(pk=run.pk, finished_at__isnull=True).update(finished_at=now)
    run.finished_at = now
    return grade


@dataclass(frozen=True)
class HintState:
    index: int
    text: str
    cost: int
    shown: bool
    key: str

    @property
    def number(self) -> int:
        return self.index + 1


@dataclass(frozen=True)
class TaskProgress:
    """One task as the panel shows it. A task made only of negative checks
    (a "keep": what a fix must not weaken) holds at the start, so it is not
    something the learner completes: it isn't counted in "Task N of M
    complete" and shows as holding or broken instead."""

    index: int
    task: Task
    results: tuple[checks.Result, ...]
    hints: tuple[HintState, ...] = ()

    @property
    def counted(self) -> bool:
        """Has at least one positive check: a task the learner completes."""
        return any(not r.check.negative for r in self.results)

    @property
    def done(self) -> bool:
        return self.counted and all(r.passed for r in self.results)

    @property
    def holding(self) -> bool:
        """Every negative check of the task still holds."""
        return all(r.passed for r in self.results if r.check.negative)


@dataclass(frozen=True)
class Progress:
    """A run as the panel and the result page show it."""

    run: LabRun
    lab: Lab
    grade: checks.Grade
    hint_cost: int

    @property
    def score(self) -> int:
        return max(0, self.grade.points - self.hint_cost)

    @property
    def percent(self) -> int:
        return round(100 * self.score / self.grade.max_points) if self.grade.max_points else 0

    @property
    def passed(self) -> bool:
        return self.percent >= self.lab.pass_mark

    @property
    def tasks(self) -> list[TaskProgress]:
        found, start = [], 0
        for index, task in enumerate(self.lab.tasks):
            results = self.grade.results[start : start + len(task.checks)]
            start += len(task.checks)
            hints = tuple(
                HintState(n, hint.text, hint.cost, f"{index}-{n}" in self.run.hints, f"{index}-{n}")
                for n, hint in enumerate(task.hints)
            )
            found.append(TaskProgress(index, task, tuple(results), hints))
        return found

    @property
    def tasks_done(self) -> int:
        return sum(1 for t in self.tasks if t.done)

    @property
    def tasks_total(self) -> int:
        """The tasks the learner completes: "keep" tasks (negative checks
        only) hold from the start and aren't counted."""
        return sum(1 for t in self.tasks if t.counted)


def progress(run: LabRun, grade: checks.Grade | None = None, *, regrade: bool = False) -> Progress:
    """The run's progress: ``grade`` if given, a fresh one with ``regrade``,
    else the last one stored."""
    lab = lab_params.fill_lab(lab_of(run), engine.with_builtins(run.sandbox, run.params))
    if grade is None:
        grade = grade_run(run, lab) if regrade else last_grade(run, lab)
    return Progress(run, lab, grade, hint_cost(run, lab))


def run_of(sandbox: Sandbox, pk: int) -> LabRun:
    """One of the sandbox's runs (LookupError otherwise: a 404)."""
    run = LabRun.objects.filter(sandbox=sandbox, pk=pk).select_related("sandbox").first()
    if run is None or lab_of(run) is None:
        raise LookupError(pk)
    return run
