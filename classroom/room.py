"""Acting on the room (issue #13, item 4): what an instructor does to every
learner of a class at once, and what the class's results are.

Every action here is a service the room's views call (classroom/room_views.py)
after checking the instructor owns the class (CLS-21), and each is logged
with :func:`classroom.services.log_event`. An action over the seats runs one
transaction per seat: a seat whose sandbox fails is rolled back on its own
and counted, and the others go on (CLS-28). docs/classroom.md, "Acting on the
room", says more.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from classroom import live as board_live
from classroom.models import Class, Seat
from classroom.services import log_event
from labs import catalog
from labs import live as labs_live
from labs import services as labs
from labs.models import LabRun
from labs.schema import Lab
from portal import changes, live, presence
from portal import services as portal_services
from portal.errors import rule_error
from portal.models import NotificationLevel, Sandbox

log = logging.getLogger(__name__)

ANNOUNCEMENT_MAX = 280  # CLS-25
# CLS-27: a spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Outcome:
    """What an action over the seats did: how many it reached, and who
    failed and why (CLS-28)."""

    verb: str
    total: int = 0
    done: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)

    @property
    def message(self) -> str:
        if not self.total:
            return f"{self.verb} for no one: the class has no learners yet."
        text = f"{self.verb} for {self.done} of {self.total}."
        if self.failed:
            names = ", ".join(f"{name} ({reason})" for name, reason in self.failed[:5])
            more = f" and {len(self.failed) - 5} more" if len(self.failed) > 5 else ""
            text = f"{self.verb} for {self.done} of {self.total}; {len(self.failed)} failed: {names}{more}."
        return text

    @property
    def level(self) -> str:
        return "success" if not self.failed else ("warning" if self.done else "error")


def _open(klass: Class) -> None:
    """CLS-26: a closed class takes no action on its room (its results stay
    readable)."""
    if klass.closed:
        raise rule_error(
            "This class is closed: its learners keep their sandboxes, but the room takes no action.", "CLS-26"
        )


def _seats(klass: Class) -> list[Seat]:
    return list(klass.seats.select_related("sandbox").order_by("display_name", "pk"))


def _each_seat(klass: Class, verb: str, act: Callable[[Seat], None]) -> Outcome:
    """Run ``act`` for every seat, each in its own transaction: one seat's
    failure is rolled back and reported, the rest go on (CLS-28)."""
    seats = _seats(klass)
    outcome = Outcome(verb, total=len(seats))
    for seat in seats:
        try:
            # Charged to the seat's own sandbox: a write no sandbox is named
            # for bumps every sandbox, statement by statement (portal/changes.py).
            with changes.writing_for(seat.sandbox), transaction.atomic():
                act(seat)
        except Exception as error:  # noqa: BLE001 - any failure of one sandbox is that seat's, reported
            log.warning("classroom %s: %s failed for seat %s", klass.pk, verb, seat.pk, exc_info=True)
            reason = getattr(error, "message", "") or str(error) or type(error).__name__
            outcome.failed.append((seat.display_name, str(reason)[:120]))
        else:
            outcome.done += 1
    return outcome


def _push_panel(sandbox: Sandbox) -> None:
    """After commit, the learner's open tabs get the new lab's panel in place
    of the one they show (labs/live.py draws it; a tab without a panel keeps
    the toast, and shows the panel on its next page)."""

    def send() -> None:
        if not presence.watched(sandbox.pk):
            return
        html = labs_live.panel_now(sandbox)
        if html:
            live.group_send(sandbox.group_name, {"type": "sandbox.push", "html": html, "operation": None})

    transaction.on_commit(send)


def _start_everywhere(klass: Class, lab: Lab, *, verb: str, title: str, body: str) -> Outcome:
    mode = LabRun.EXAM if klass.exam_mode else LabRun.GUIDED

    def act(seat: Seat) -> None:
        labs.start_lab(seat.sandbox, lab, mode=mode)
        # Starting emptied the bell: the note comes after.
        portal_services.notify(seat.sandbox, title, body, NotificationLevel.INFO)
        _push_panel(seat.sandbox)
        # CLS-20: the board shows the learner on the new lab once this
        # commits, not their old lab's row (an instructor's start is no
        # learner's change, so no regrade would mark it).
        board_live.mark(seat.sandbox_id)

    return _each_seat(klass, verb, act)


# --- The labs of the class ----------------------------------------------------------------------


def current_lab(klass: Class) -> Lab | None:
    if 0 <= klass.current < len(klass.lab_ids):
        return catalog.get(klass.lab_ids[klass.current])
    return None


def next_lab(klass: Class) -> Lab | None:
    """The lab "Start the next lab" would start, or None on the last one."""
    index = klass.current + 1
    return catalog.get(klass.lab_ids[index]) if index < len(klass.lab_ids) else None


def scenarios() -> list[Lab]:
    """CLS-23: the troubleshooting scenarios an instructor can push: the
    catalog's labs of ``kind: scenario`` (a broken estate and a symptom;
    labs/schema.py refuses a scenario without faults)."""
    return sorted((lab for lab in catalog.load().values() if lab.kind == "scenario"), key=lambda lab: lab.title)


# --- The actions --------------------------------------------------------------------------------


def start_next_lab(klass: Class, actor: str) -> Outcome:
    """CLS-22: move the class to its next lab and start it in every seat's
    sandbox (exam mode: exam runs). On the last lab, refused."""
    _open(klass)
    lab = None
    with transaction.atomic():
        locked = Class.objects.select_for_update().get(pk=klass.pk)
        index = locked.current + 1
        if index >= len(locked.lab_ids):
            raise rule_error(
                f"'{klass.name}' is on its last lab ({index} of {len(locked.lab_ids)}): there is no next lab.",
                "CLS-22",
            )
        lab = catalog.get(locked.lab_ids[index])
        if lab is None:
            raise rule_error(f"The lab '{locked.lab_ids[index]}' is no longer in the catalog.", "CLS-22")
        Class.objects.filter(pk=klass.pk).update(current=index)
        klass.current = index
    outcome = _start_everywhere(
        klass,
        lab,
        verb="Started",
        title="Your instructor started the next lab",
        body=f"Lab {klass.current + 1} of {len(klass.lab_ids)}: {lab.title}.",
    )
    log_event(
        klass, actor, "next_lab", f"{lab.id} (lab {klass.current + 1} of {len(klass.lab_ids)}): {outcome.message}"
    )
    return outcome


def push_scenario(klass: Class, actor: str, lab_id: str) -> Outcome:
    """CLS-23: start a troubleshooting scenario in every seat's sandbox. The
    class's current lab stays where it is (Reset goes back to it)."""
    _open(klass)
    lab = catalog.get(lab_id)
    if lab is None or lab.kind != "scenario":
        raise rule_error("Choose one of the catalog's troubleshooting scenarios.", "CLS-23", field="lab")
    outcome = _start_everywhere(
        klass,
        lab,
        verb="Pushed",
        title="Your instructor pushed a troubleshooting scenario",
        body=f"{lab.title}. The lab panel says what is reported.",
    )
    log_event(klass, actor, "scenario", f"{lab.id}: {outcome.message}")
    return outcome


def reset_room(klass: Class, actor: str) -> Outcome:
    """CLS-24: every seat's sandbox back to the start of the class's current
    lab (a fresh run of it); their changes are lost."""
    _open(klass)
    lab = current_lab(klass)
    if lab is None:
        raise rule_error("The class's current lab is no longer in the catalog: start the next lab instead.", "CLS-24")
    outcome = _start_everywhere(
        klass,
        lab,
        verb="Reset",
        title="Your instructor reset your sandbox",
        body=f"Back to the start of {lab.title}.",
    )
    log_event(klass, actor, "reset", f"{lab.id}: {outcome.message}")
    return outcome


def clean_announcement(text: str) -> str:
    """CLS-25: 1 to 280 characters once trimmed, no control characters."""
    text = (text or "").strip()
    if not text:
        raise rule_error("Write the announcement: 1 to 280 characters.", "CLS-25", field="text")
    if len(text) > ANNOUNCEMENT_MAX:
        raise rule_error(f"An announcement is at most 280 characters ({len(text)} now).", "CLS-25", field="text")
    if any(ord(ch) < 32 and ch not in "\n" for ch in text) or "\x7f" in text:
        raise rule_error("The announcement can't contain control characters.", "CLS-25", field="text")
    return text


def announce(klass: Class, actor: str, text: str) -> Outcome:
    """CLS-25: a toast in every learner's open tab, and a note in their bell
    for a tab opened later (portal.services.notify does both)."""
    _open(klass)
    text = clean_announcement(text)

    def act(seat: Seat) -> None:
        portal_services.notify(seat.sandbox, f"Announcement from {actor}", text, NotificationLevel.INFO)

    outcome = _each_seat(klass, "Announced", act)
    log_event(klass, actor, "announce", text)
    return outcome


def close(klass: Class, actor: str) -> None:
    """CLS-26: the class takes no one new and no room action; its learners
    keep their sandboxes and its results stay readable."""
    _open(klass)
    now = timezone.now()
    if not Class.objects.filter(pk=klass.pk, closed_at__isnull=True).update(closed_at=now):
        raise rule_error("This class is already closed.", "CLS-26")
    klass.closed_at = now
    log_event(klass, actor, "close", f"{klass.seats.count()} learners keep their sandboxes")


# --- Results ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LabResult:
    lab: Lab
    run: LabRun
    progress: labs.Progress
    seconds: int

    @property
    def time(self) -> str:
        return duration(self.seconds)


@dataclass(frozen=True)
class LearnerResult:
    seat: Seat
    labs: tuple[LabResult, ...]

    @property
    def score(self) -> int:
        return sum(r.progress.score for r in self.labs)

    @property
    def max_points(self) -> int:
        return sum(r.progress.grade.max_points for r in self.labs)

    @property
    def seconds(self) -> int:
        return sum(r.seconds for r in self.labs)

    @property
    def time(self) -> str:
        return duration(self.seconds)

    @property
    def passed(self) -> int:
        return sum(1 for r in self.labs if r.progress.passed)


def _seconds(run: LabRun) -> int:
    """Time on the lab: from its start to its end, or to its last grade
    (the learner's last change) while it runs."""
    end = run.finished_at or run.graded_at or run.started_at
    return max(0, int((end - run.started_at).total_seconds()))


def results(klass: Class) -> list[LearnerResult]:
    """Per learner, the labs they ran since joining: for each lab its newest
    run (a reset or a restart starts a new one), by when it started."""
    seats = _seats(klass)
    runs: dict[int, list[LabRun]] = {}
    for run in LabRun.objects.filter(sandbox__seat__klass=klass).select_related("sandbox").order_by("started_at", "pk"):
        runs.setdefault(run.sandbox_id, []).append(run)
    found = []
    for seat in seats:
        newest: dict[str, LabRun] = {}
        for run in runs.get(seat.sandbox_id, []):
            if run.started_at >= seat.joined_at - timedelta(seconds=1) and catalog.get(run.lab_id) is not None:
                newest.pop(run.lab_id, None)
                newest[run.lab_id] = run
        items = []
        for run in newest.values():
            run.sandbox = seat.sandbox
            progress = labs.progress(run)
            items.append(LabResult(progress.lab, run, progress, _seconds(run)))
        found.append(LearnerResult(seat, tuple(items)))
    return found


def duration(seconds: int) -> str:
    """h:mm:ss, as a spreadsheet reads a duration."""
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def safe_cell(value: object) -> str:
    """CLS-27: a cell a spreadsheet won't run: text starting with = + - @
    (or a tab or carriage return) gets a leading apostrophe."""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


EXPORT_HEADER = ("learner", "lab", "check", "passed", "points", "max points", "time")


def export_rows(klass: Class) -> Iterable[tuple[str, ...]]:
    """CLS-27: one row per learner per check of every lab they ran (a
    learner who ran none has one row with the lab empty, so no one is
    missing)."""
    yield EXPORT_HEADER
    for learner in results(klass):
        if not learner.labs:
            yield tuple(safe_cell(v) for v in (learner.seat.display_name, "", "", "", 0, 0, duration(0)))
        for item in learner.labs:
            for result in item.progress.grade.results:
                yield tuple(
                    safe_cell(v)
                    for v in (
                        learner.seat.display_name,
                        item.lab.title,
                        result.check.title,
                        "yes" if result.passed else "no",
                        result.earned,
                        result.check.points,
                        duration(item.seconds),
                    )
                )


def export_csv(klass: Class) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows(export_rows(klass))
    return out.getvalue()


def export_filename(klass: Class) -> str:
    """``<class name>-results-<date>.csv``, in letters, digits and dashes
    only (a header can't be broken by the class's name)."""
    stem = "".join(ch if ch.isascii() and ch.isalnum() else "-" for ch in klass.name.lower())
    stem = "-".join(part for part in stem.split("-") if part) or "class"
    return f"{stem[:60]}-results-{timezone.localdate():%Y-%m-%d}.csv"
