"""Acting on the room (issue #13, item 4): what an instructor does to every
learner of a class at once, and what the class's results are.

Every action here is a service the room's views call (classroom/room_views.py)
after checking the instructor owns the class (CLS-21), and each is logged
with :func:`classroom.services.log_event`. An action over the seats is a
:class:`classroom.models.RoomJob`: the request checks it, claims the class's
one job and answers at once; the seats are done on a thread of the server's
(at once outside a server), one transaction per seat: a seat whose sandbox
fails is rolled back on its own and named, and the others go on (CLS-28).
The room's bar follows the job's row. docs/classroom.md, "Acting on the
room", says more.
"""

from __future__ import annotations

import csv
import io
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, connections, transaction
from django.utils import timezone

from classroom import live as board_live
from classroom.models import Class, ClassEvent, RoomJob, Seat
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
# A job's progress is stored every few seats, and at least this often.
PROGRESS_EVERY = 5
PROGRESS_SECONDS = 1.0
# How long the room's bar still shows a job after it ended.
JOB_SHOWN_FOR = timedelta(minutes=15)

# What an action does in one seat (in that seat's transaction).
Act = Callable[[Seat], None]


def _open(klass: Class) -> None:
    """CLS-26: a closed class takes no action on its room (its results stay
    readable)."""
    if klass.closed:
        raise rule_error(
            "This class is closed: its learners keep their sandboxes, but the room takes no action.", "CLS-26"
        )


def _seats(klass: Class) -> list[Seat]:
    return list(klass.seats.select_related("sandbox").order_by("display_name", "pk"))


# --- Jobs: an action over every seat, off the request (CLS-28) -----------------------------------


def latest_job(klass: Class) -> RoomJob | None:
    """The job the room's bar shows: one running, or the last one for a
    while after it ended."""
    job = RoomJob.objects.filter(klass=klass).first()
    if job is None or job.finished_at is None:
        return job
    return job if job.finished_at >= timezone.now() - JOB_SHOWN_FOR else None


def _busy(klass: Class, running: RoomJob) -> Exception:
    since = timezone.localtime(running.started_at).strftime("%H:%M:%S")
    return rule_error(
        f"'{klass.name}' is still busy: {running.title[:1].lower()}{running.title[1:-3]} "
        f"({running.reached} of {running.total} done, started at {since} by {running.actor}). "
        "The room takes one action at a time: wait for it to finish.",
        "CLS-28",
    )


def _interrupt(job: RoomJob) -> None:
    """Finish a job whose worker is gone as interrupted, and say so in the
    class's log."""
    now = timezone.now()
    if RoomJob.objects.filter(pk=job.pk, finished_at__isnull=True).update(finished_at=now, interrupted=True):
        job.finished_at, job.interrupted = now, True
        _log_outcome(job)


def _claim(klass: Class, actor: str, action: str, subject: str) -> RoomJob:
    """CLS-28: the class's one job, inside the caller's transaction with the
    class's row locked. A job still running refuses this one; one that has
    stopped moving (its server went away) is finished as interrupted first.
    The class's log gets the action now, and its outcome when it ends."""
    running = RoomJob.objects.filter(klass=klass, finished_at__isnull=True).first()
    if running is not None:
        if not running.stalled():
            raise _busy(klass, running)
        _interrupt(running)
    now = timezone.now()
    job = RoomJob(
        klass=klass,
        action=action,
        actor=actor[:150],
        subject=subject[:300],
        total=klass.seats.count(),
        started_at=now,
        beat_at=now,
    )
    job.event = log_event(klass, actor, action, _detail(job))
    job.save()
    return job


def _detail(job: RoomJob) -> str:
    """The class's log line: the subject, then where the job is (an
    announcement's line is its text, as the learners read it)."""
    if job.action == RoomJob.ANNOUNCE:
        return job.subject
    return f"{job.subject}: {job.title if job.finished_at is None else job.message}"


def _log_outcome(job: RoomJob) -> None:
    if job.event_id is not None:
        ClassEvent.objects.filter(pk=job.event_id).update(detail=_detail(job)[:500])


def _start(klass: Class, actor: str, action: str, prepare: Callable[[Class], tuple[str, Act]]) -> RoomJob:
    """Check the action, claim the class's job and log it in one
    transaction (a refusal changes nothing), then run it over the seats.
    ``prepare`` checks the action against the locked class and answers
    what it is about and what to do in each seat."""
    _open(klass)
    try:
        with transaction.atomic():
            locked = Class.objects.select_for_update().get(pk=klass.pk)
            _open(locked)
            subject, act = prepare(locked)
            job = _claim(locked, actor, action, subject)
    except IntegrityError:
        # Another worker's job came first (the one-running-job constraint).
        running = RoomJob.objects.filter(klass=klass, finished_at__isnull=True).first()
        if running is None:
            raise
        raise _busy(klass, running) from None
    klass.current = locked.current
    _launch(job, act)
    return job


def _launch(job: RoomJob, act: Act) -> None:
    """On a server, the seats are done on a thread of their own, after the
    claim has committed, and the request answers at once; outside one
    (tests, the shell) they are done now, so what follows sees the outcome.
    The thread is a daemon: a server that stops leaves the job unfinished,
    and it shows as interrupted once it has stopped moving."""
    if live.server_loop() is None:
        run_job(job, act)
        return

    def start() -> None:
        threading.Thread(target=_in_thread, args=(job.pk, act), name=f"room-job-{job.pk}", daemon=True).start()

    transaction.on_commit(start)


def _in_thread(job_pk: int, act: Act) -> None:
    """The job on its own thread, with its own row (the request's copy is
    the answer's) and its own database connection, closed at the end."""
    job = None
    try:
        job = RoomJob.objects.select_related("klass").get(pk=job_pk)
        run_job(job, act)
    except Exception:  # noqa: BLE001 - the job is finished as interrupted; the log says why
        log.exception("classroom: room job %s failed", job_pk)
        if job is not None:
            try:
                _interrupt(job)
            except Exception:  # noqa: BLE001 - no database: it shows as interrupted once it has stalled
                log.exception("classroom: room job %s could not be finished as interrupted", job_pk)
    finally:
        connections.close_all()


def _beat(job: RoomJob, **finish) -> bool:
    """Store the job's progress; False if it was finished meanwhile (found
    stalled and interrupted by a later action): then it stops."""
    job.beat_at = timezone.now()
    fields = {"total": job.total, "done": job.done, "failed": job.failed, "beat_at": job.beat_at, **finish}
    return bool(RoomJob.objects.filter(pk=job.pk, finished_at__isnull=True).update(**fields))


def run_job(job: RoomJob, act: Act) -> RoomJob:
    """Run ``act`` for every seat, each in its own transaction: one seat's
    failure is rolled back and reported, the rest go on (CLS-28). The row
    is updated every few seats (and at least every second of work), so the
    room's bar follows it."""
    seats = _seats(job.klass)
    job.total = len(seats)
    last = time.monotonic()
    for count, seat in enumerate(seats, 1):
        try:
            # Charged to the seat's own sandbox: a write no sandbox is named
            # for bumps every sandbox, statement by statement (portal/changes.py).
            with changes.writing_for(seat.sandbox), transaction.atomic():
                act(seat)
        except Exception as error:  # noqa: BLE001 - any failure of one sandbox is that seat's, reported
            log.warning("classroom %s: %s failed for seat %s", job.klass_id, job.action, seat.pk, exc_info=True)
            reason = getattr(error, "message", "") or str(error) or type(error).__name__
            job.failed.append([seat.display_name, str(reason)[:120]])
        else:
            job.done += 1
        if count < len(seats) and (count % PROGRESS_EVERY == 0 or time.monotonic() - last >= PROGRESS_SECONDS):
            last = time.monotonic()
            if not _beat(job):
                log.warning("classroom %s: room job %s was interrupted; it stops", job.klass_id, job.pk)
                return job
    now = timezone.now()
    if _beat(job, finished_at=now):
        job.finished_at = now
        _log_outcome(job)
    return job


def _push_panel(sandbox: Sandbox) -> None:
    """After commit, the learner's open tabs get the new lab's panel in place
    of the one they show (labs/live.py draws it; a tab without a panel keeps
    the toast, and shows the panel on its next page)."""

    def send() -> None:
        if not presence.watched(sandbox.pk):
            return
        html = labs_live.panel_now(sandbox)
        if html:
            live.group_send(sandbox.group_name, {"type": "sandbox.push", "html": html})

    transaction.on_commit(send)


def _start_in_each(klass: Class, lab: Lab, *, title: str, body: str) -> Act:
    """What a start, a scenario or a reset does in one seat."""
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

    return act


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


def start_next_lab(klass: Class, actor: str) -> RoomJob:
    """CLS-22: move the class to its next lab and start it in every seat's
    sandbox (exam mode: exam runs). On the last lab, refused."""

    def prepare(locked: Class) -> tuple[str, Act]:
        index = locked.current + 1
        if index >= len(locked.lab_ids):
            raise rule_error(
                f"'{locked.name}' is on its last lab ({index} of {len(locked.lab_ids)}): there is no next lab.",
                "CLS-22",
            )
        lab = catalog.get(locked.lab_ids[index])
        if lab is None:
            raise rule_error(f"The lab '{locked.lab_ids[index]}' is no longer in the catalog.", "CLS-22")
        Class.objects.filter(pk=locked.pk).update(current=index)
        locked.current = index
        where = f"lab {index + 1} of {len(locked.lab_ids)}"
        act = _start_in_each(
            locked, lab, title="Your instructor started the next lab", body=f"{where.capitalize()}: {lab.title}."
        )
        return f"{lab.id} ({where})", act

    return _start(klass, actor, RoomJob.NEXT_LAB, prepare)


def push_scenario(klass: Class, actor: str, lab_id: str) -> RoomJob:
    """CLS-23: start a troubleshooting scenario in every seat's sandbox. The
    class's current lab stays where it is (Reset goes back to it)."""
    _open(klass)
    lab = catalog.get(lab_id)
    if lab is None or lab.kind != "scenario":
        raise rule_error("Choose one of the catalog's troubleshooting scenarios.", "CLS-23", field="lab")

    def prepare(locked: Class) -> tuple[str, Act]:
        title = "Your instructor pushed a troubleshooting scenario"
        return lab.id, _start_in_each(
            locked, lab, title=title, body=f"{lab.title}. The lab panel says what is reported."
        )

    return _start(klass, actor, RoomJob.SCENARIO, prepare)


def reset_room(klass: Class, actor: str) -> RoomJob:
    """CLS-24: every seat's sandbox back to the start of the class's current
    lab (a fresh run of it); their changes are lost."""

    def prepare(locked: Class) -> tuple[str, Act]:
        lab = current_lab(locked)
        if lab is None:
            raise rule_error(
                "The class's current lab is no longer in the catalog: start the next lab instead.", "CLS-24"
            )
        title = "Your instructor reset your sandbox"
        return lab.id, _start_in_each(locked, lab, title=title, body=f"Back to the start of {lab.title}.")

    return _start(klass, actor, RoomJob.RESET, prepare)


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


def announce(klass: Class, actor: str, text: str) -> RoomJob:
    """CLS-25: a toast in every learner's open tab, and a note in their bell
    for a tab opened later (portal.services.notify does both)."""
    _open(klass)
    text = clean_announcement(text)

    def act(seat: Seat) -> None:
        portal_services.notify(seat.sandbox, f"Announcement from {actor}", text, NotificationLevel.INFO)

    return _start(klass, actor, RoomJob.ANNOUNCE, lambda locked: (text, act))


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
