"""The live board's rows: one per learner (Seat), built from what the
learner's sandbox already records -- the lab run's last grade (labs) and
the Activity log (portal) -- so drawing a row runs no check and writes
nothing (docs/classroom.md, "The live board").

- CLS-14: a row shows the learner's current lab and task, a mark per check
  (passed or not, from the run's last grade), the score, the time on task
  and the last three actions of the Activity log.
- CLS-15: "stuck, refused": the learner's last three actions are refusals
  sharing a rule ID (the same refusal three times in a row); the flag names
  the rule. Any action that went through in between breaks the run.
- CLS-16: "stuck, no progress": a lab in progress, not done, and nothing
  accepted (no Activity log row but Failed ones) for
  ``VNETLAB_BOARD_IDLE_MINUTES`` (5) since the later of the lab's start and
  the last accepted change; the flag names the last refusal's rule since
  then, if there was one.
- CLS-17: a learner is "done" when every task of the lab in progress is
  complete, or when their last lab was finished (not abandoned); "not
  started" when no lab was ever started in the sandbox.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from classroom.models import Class, Seat
from labs import services as lab_services
from labs.models import LabRun
from portal.models import ActivityLogEntry
from portal.services import refusal_rules

NOT_STARTED, WORKING, DONE = "not-started", "working", "done"
FAILED = "Failed"
STREAK = 3  # CLS-15: the same refusal this many times in a row


def idle_minutes() -> int:
    return int(getattr(settings, "VNETLAB_BOARD_IDLE_MINUTES", 5))


@dataclass(frozen=True)
class Mark:
    title: str
    passed: bool
    negative: bool


@dataclass(frozen=True)
class Action:
    operation: str
    status: str
    at: datetime
    rules: tuple[str, ...]

    @property
    def failed(self) -> bool:
        return self.status == FAILED


@dataclass(frozen=True)
class Stuck:
    kind: str  # "refused" or "idle"
    rule: str  # the refusal's rule ID ("" when idle without a refusal)
    text: str


@dataclass
class Row:
    seat: Seat
    state: str = NOT_STARTED
    lab_title: str = ""
    task_title: str = ""
    task_number: int = 0
    tasks_total: int = 0
    marks: list[Mark] = field(default_factory=list)
    score: int = 0
    max_points: int = 0
    percent: int = 0
    seconds: int = 0
    actions: list[Action] = field(default_factory=list)
    stuck: list[Stuck] = field(default_factory=list)

    @property
    def row_id(self) -> str:
        return f"board-row-{self.seat.pk}"

    @property
    def watch_url(self) -> str:
        # The over-the-shoulder view (another part of issue #13) answers here.
        return f"/classroom/{self.seat.klass_id}/learners/{self.seat.pk}/watch/"

    @property
    def done(self) -> bool:
        return self.state == DONE

    @property
    def passed_count(self) -> int:
        return sum(1 for m in self.marks if m.passed)

    @property
    def time_on_task(self) -> str:
        if self.state == NOT_STARTED:
            return ""
        minutes, seconds = divmod(self.seconds, 60)
        hours, minutes = divmod(minutes, 60)
        if hours:
            return f"{hours} h {minutes} min"
        if minutes:
            return f"{minutes} min"
        return f"{seconds} s"


def row_for(seat: Seat, now: datetime | None = None) -> Row:
    """One learner's row as it is now (CLS-14..CLS-17)."""
    now = now or timezone.now()
    sandbox = seat.sandbox
    row = Row(seat)
    entries = list(
        ActivityLogEntry.objects.filter(sandbox_id=sandbox.pk).only("operation_name", "status", "timestamp", "detail")[
            :STREAK
        ]
    )
    row.actions = [
        Action(e.operation_name, e.status, e.timestamp, refusal_rules(e.detail) if e.status == FAILED else ())
        for e in entries
    ]
    run = LabRun.objects.filter(sandbox_id=sandbox.pk, abandoned=False).first()
    if run is None or lab_services.lab_of(run) is None:
        row.stuck = _refused(row.actions)
        return row
    run.sandbox = sandbox
    progress = lab_services.progress(run)
    row.lab_title = progress.lab.title
    row.tasks_total = progress.tasks_total
    tasks = progress.tasks
    current = next((t for t in tasks if t.counted and not t.done), None)
    if current is not None:
        row.task_number, row.task_title = current.index + 1, current.task.title
    row.marks = [Mark(r.check.title, r.passed, r.check.negative) for r in progress.grade.results]
    row.score, row.max_points, row.percent = progress.score, progress.grade.max_points, progress.percent
    row.seconds = int(((run.finished_at or now) - run.started_at).total_seconds())
    all_done = progress.tasks_total > 0 and progress.tasks_done == progress.tasks_total
    row.state = DONE if run.finished or all_done else WORKING
    if row.state == WORKING:
        row.stuck = _refused(row.actions) + _idle(sandbox.pk, run, row.actions, now)
    return row


def _refused(actions: list[Action]) -> list[Stuck]:
    """CLS-15: the last three actions are refusals with a rule in common."""
    if len(actions) < STREAK or not all(a.failed for a in actions[:STREAK]):
        return []
    common = set(actions[0].rules)
    for action in actions[1:STREAK]:
        common &= set(action.rules)
    rule = next((r for r in actions[0].rules if r in common), "")
    if not rule:
        return []
    return [Stuck("refused", rule, f"Refused {STREAK} times in a row by {rule}")]


def no_progress(started_at: datetime, last_accepted: datetime | None, now: datetime) -> tuple[datetime, int]:
    """CLS-16: since when a learner has made no progress (the later of the
    lab's start and the last change that went through), and for how many
    whole minutes."""
    since = max(started_at, last_accepted) if last_accepted else started_at
    return since, int((now - since).total_seconds() // 60)


def flag_minutes(minutes: int | None) -> int | None:
    """CLS-16: the minutes a row's "no progress" flag shows, or None below
    the idle limit (no flag)."""
    return minutes if minutes is not None and minutes >= idle_minutes() else None


def _idle(sandbox_pk: int, run: LabRun, actions: list[Action], now: datetime) -> list[Stuck]:
    """CLS-16: nothing accepted for the idle minutes since the lab started."""
    last_ok = (
        ActivityLogEntry.objects.filter(sandbox_id=sandbox_pk, timestamp__gte=run.started_at)
        .exclude(status=FAILED)
        .values_list("timestamp", flat=True)
        .first()
    )
    since, minutes = no_progress(run.started_at, last_ok, now)
    if flag_minutes(minutes) is None:
        return []
    refusal = next((a for a in actions if a.failed and a.at >= since and a.rules), None)
    rule = refusal.rules[0] if refusal is not None else ""
    text = f"No progress for {minutes} min" + (f"; last refused by {rule}" if rule else "")
    return [Stuck("idle", rule, text)]


# --- The whole board ------------------------------------------------------------------------------

SORTS = {
    "name": "Name",
    "progress": "Progress",
    "score": "Score",
    "stuck": "Stuck first",
}
FILTERS = {
    "all": "All",
    "stuck": "Stuck",
    "done": "Done",
    "not-started": "Not started",
}


@dataclass
class Board:
    klass: Class
    rows: list[Row]
    total: int
    done: int
    stuck: int
    sort: str
    show: str
    # Every learner's state as the counts read it, for the whole class
    # whatever the filter (seat pk -> [state, stuck]): the page's script
    # keeps "N of M done" and the stuck count live from it (CLS-17, CLS-20).
    tally: dict[int, list] = field(default_factory=dict)


def seats_of(klass: Class):
    return Seat.objects.filter(klass=klass).select_related("sandbox")


def board_for(klass: Class, *, sort: str = "name", show: str = "all") -> Board:
    """Every learner's row, filtered and sorted (CLS-18); the counts are of
    the whole class."""
    sort = sort if sort in SORTS else "name"
    show = show if show in FILTERS else "all"
    now = timezone.now()
    rows = [row_for(seat, now) for seat in seats_of(klass)]
    total, done = len(rows), sum(1 for r in rows if r.done)
    stuck = sum(1 for r in rows if r.stuck)
    tally = {r.seat.pk: [r.state, bool(r.stuck)] for r in rows}
    if show == "stuck":
        rows = [r for r in rows if r.stuck]
    elif show == "done":
        rows = [r for r in rows if r.done]
    elif show == "not-started":
        rows = [r for r in rows if r.state == NOT_STARTED]
    by_name = lambda r: (r.seat.display_name.casefold(), r.seat.pk)  # noqa: E731
    rows.sort(key=by_name)
    if sort == "progress":
        rows.sort(key=lambda r: (r.done, r.passed_count, r.percent), reverse=True)
    elif sort == "score":
        rows.sort(key=lambda r: r.score, reverse=True)
    elif sort == "stuck":
        rows.sort(key=lambda r: not r.stuck)
    return Board(klass, rows, total, done, stuck, sort, show, tally)
