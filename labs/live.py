"""Checks re-run after every change the learner makes, and the panel updates
in every tab of the sandbox.

The sandbox's change signal (portal.signals.sandbox_changed, sent after a
request that wrote has finished) schedules a regrade on the server's event
loop after a short pause; more changes during the pause join it, so a burst
of writes grades once. Outside a server (tests, the shell) it grades at once.
"""

from __future__ import annotations

import asyncio
import contextvars

from django.dispatch import Signal
from django.template.loader import render_to_string

from labs import services
from labs.models import LabRun
from portal import live, presence
from portal.models import Sandbox

DEBOUNCE_SECONDS = 0.2
_pending: set[int] = set()
_grading: set[int] = set()
_again: set[int] = set()

# Sent after a regrade has stored the run's new grade: ``sandbox`` is the
# Sandbox. The classroom's board draws the learner's row again.
graded = Signal()


def on_sandbox_changed(sender, sandbox: Sandbox, **kwargs) -> None:
    if not LabRun.objects.filter(sandbox_id=sandbox.pk, finished_at__isnull=True).exists():
        return
    loop = live.server_loop()
    if loop is None:
        regrade_and_push(sandbox.pk)
        return
    if sandbox.pk in _pending:
        return
    _pending.add(sandbox.pk)
    # A context of its own, as portal.live's timers have: the caller's may be
    # a timer's database call (an operation finished at its end, outside any
    # request), and asgiref would refuse the regrade's database call as
    # nested in it ("would deadlock"), leaving the panel and the board's row
    # as they were until the learner's next change.
    loop.call_soon_threadsafe(_start_later, loop, sandbox.pk, context=contextvars.Context())


def _start_later(loop: asyncio.AbstractEventLoop, sandbox_pk: int) -> None:
    live.background(loop, _later(sandbox_pk))


async def _later(sandbox_pk: int) -> None:
    try:
        await asyncio.sleep(DEBOUNCE_SECONDS)
    finally:
        # A change from now on schedules another grade: this one may already
        # have read the state before it.
        _pending.discard(sandbox_pk)
    # One grade of a sandbox at a time (the chore pool has several threads):
    # a grade that read the state before a change must not store its result
    # after the grade that read it since. A change while one runs grades
    # once more when it ends.
    if sandbox_pk in _grading:
        _again.add(sandbox_pk)
        return
    _grading.add(sandbox_pk)
    try:
        while True:
            _again.discard(sandbox_pk)
            await live.chore(regrade_and_push)(sandbox_pk)
            if sandbox_pk not in _again:
                break
    finally:
        _grading.discard(sandbox_pk)


def docked_progress(sandbox: Sandbox) -> services.Progress | None:
    """The progress the panel beside every blade shows (the run's last
    grade; no check runs), or None when no lab is in progress."""
    run = services.active_run(sandbox)
    if run is None or services.lab_of(run) is None:
        return None
    if run.mode == run.EXAM:  # exam mode: a page drawn after the exam's time finishes it (LAB-04)
        from labs import exams

        exam = exams.exam_of_run(run)
        if exam is not None and exams.sync(exam).finished:
            return None
    return services.progress(run)


def panel_now(sandbox: Sandbox) -> str:
    """The lab panel as it is now, for a tab that (re)connects (registered
    as the live element #lab-panel)."""
    progress = docked_progress(sandbox)
    if progress is None:
        return ""
    return render_to_string("labs/panel.html", {"progress": progress, "sandbox": sandbox, "oob": True})


def regrade_and_push(sandbox_pk: int) -> None:
    """Grade the sandbox's lab in progress and send every tab the panel
    (drawn only when a tab is open: portal/presence.py)."""
    sandbox = Sandbox.objects.filter(pk=sandbox_pk).first()
    run = services.active_run(sandbox) if sandbox is not None else None
    if run is None or services.lab_of(run) is None:
        return
    progress = services.progress(run, regrade=True)
    graded.send(sender=LabRun, sandbox=sandbox)
    # A grade the panel shows otherwise was stored as a write to the sandbox
    # (services.grade_run): pages kept with the old panel are stale now, in
    # every worker; one it shows as before left them kept. The open tabs get
    # the panel either way: a push drawn before the learner's last change
    # (a hint taken just after a lab's start) may have reached them after
    # that change's own answer, and this one is drawn after it.
    if not presence.watched(sandbox.pk):
        return
    html = render_to_string("labs/panel.html", {"progress": progress, "sandbox": sandbox, "oob": True})
    live.group_send(sandbox.group_name, {"type": "sandbox.push", "html": html})
