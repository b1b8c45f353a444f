"""The board follows the room live (CLS-20): when a learner's row may have
changed, their seat's ``row_version`` moves; every open board of the class
looks for moved rows a few times a second and draws those again -- one row,
never the board -- swapped in by its id (classroom/consumers.py).

These moments say a row may have changed:

- a lab's regrade (labs.live's ``graded`` signal, after every change to a
  sandbox with a lab in progress, debounced there): the checks, the score,
  the last actions;
- a change to a sandbox without a lab in progress (portal.signals
  ``sandbox_changed``): its last actions (a refusal is one: CLS-13);
- a join, and the room's start of a lab, a scenario or a reset in the
  learner's sandbox (classroom/join.py, classroom/room.py call ``mark``).

A learner's change costs one UPDATE of an indexed row, and draws nothing:
the rows are drawn by the boards that are open, however many changes come
in between, so a class of 300 with no board open draws no row at all, and
no row is lost to a full channel (the seat's number is in the database, in
every worker). Nothing is sent to the learners' own groups.
"""

from __future__ import annotations

from django.db.models import F, Max
from django.template.loader import render_to_string
from django.utils import timezone

from classroom import board
from classroom.models import Seat
from labs.models import LabRun
from portal import changes
from portal.models import ActivityLogEntry


def _render(seats, *, oob: bool = True) -> str:
    """Rows of these seats: swapped in by their ids (``oob``), or plain, to
    be added to a grid."""
    now = timezone.now()
    return "".join(
        render_to_string("classroom/board_row.html", {"row": board.row_for(seat, now), "oob": oob}) for seat in seats
    )


def render_rows(klass) -> str:
    """Every row of the class, each to be swapped in by its id (a board's
    (re)connection)."""
    return _render(board.seats_of(klass))


def mark(sandbox_pk: int) -> None:
    """The learner's row may have changed: the open boards draw it again (a
    sandbox with no seat: no row updated)."""
    # Bookkeeping for the boards, not the learner's state: no page of any
    # sandbox goes stale for it (portal/changes.py).
    with changes.unnoticed():
        Seat.objects.filter(sandbox_id=sandbox_pk).update(row_version=F("row_version") + 1)


def idle_minutes_now(klass_pk: int, now=None) -> dict[int, int]:
    """Each seat with a lab in progress, and for how many whole minutes it
    has been without progress (CLS-16), counted as the row counts it: since
    the later of the lab's start and the last change that went through. Time
    alone moves this, no change of the learner's, so a board looks at it now
    and then and draws the rows whose count moved (a flag raised, or its
    minutes gone up) -- three queries for the class, whatever its size."""
    now = now or timezone.now()
    seats = dict(Seat.objects.filter(klass_id=klass_pk).values_list("sandbox_id", "pk"))
    started = dict(
        LabRun.objects.filter(sandbox_id__in=list(seats), abandoned=False, finished_at__isnull=True)
        .order_by("sandbox_id", "started_at")
        .values_list("sandbox_id", "started_at")
    )
    last_ok = dict(
        ActivityLogEntry.objects.filter(sandbox_id__in=list(started))
        .exclude(status=board.FAILED)
        .order_by()
        .values("sandbox_id")
        .annotate(last=Max("timestamp"))
        .values_list("sandbox_id", "last")
    )
    return {
        seats[sandbox_pk]: board.no_progress(started_at, last_ok.get(sandbox_pk), now)[1]
        for sandbox_pk, started_at in started.items()
    }


def idle_moved(before: dict[int, int], now: dict[int, int]) -> list[int]:
    """The seats whose row says something else about idleness now: a flag
    raised or gone, or its minutes moved (CLS-16). Below the limit a row
    shows nothing, so minutes there are all one."""
    return [
        pk for pk in set(before) | set(now) if board.flag_minutes(before.get(pk)) != board.flag_minutes(now.get(pk))
    ]


def versions(klass_pk: int) -> dict[int, int]:
    """Every seat of the class and its row's number."""
    return dict(Seat.objects.filter(klass_id=klass_pk).values_list("pk", "row_version"))


def render_seats(klass_pk: int, seat_pks, new=()) -> list[str]:
    """The messages that draw these seats' rows again (a board's moved
    rows); the ``new`` ones (who joined since the board was drawn) go at the
    end of its grid, and the "No learners" row goes: a message of its own,
    as a table's parts can't follow one another in one fragment."""
    seats = list(Seat.objects.filter(klass_id=klass_pk, pk__in=list(seat_pks)).select_related("sandbox"))
    messages = [_render(s for s in seats if s.pk not in new)]
    joined = [s for s in seats if s.pk in new]
    if joined:
        rows = _render(joined, oob=False)
        messages += [f'<tbody hx-swap-oob="beforeend:#board-rows">{rows}</tbody>', EMPTY_ROW_GONE]
    return [m for m in messages if m]


EMPTY_ROW_GONE = '<tr id="board-empty" hx-swap-oob="delete"></tr>'


def on_graded(sender, sandbox, **kwargs) -> None:
    mark(sandbox.pk)


def on_sandbox_changed(sender, sandbox, **kwargs) -> None:
    if not Seat.objects.filter(sandbox_id=sandbox.pk).exists():
        return
    if LabRun.objects.filter(sandbox_id=sandbox.pk, finished_at__isnull=True).exists():
        return  # the lab's regrade follows, and marks the row (on_graded)
    mark(sandbox.pk)
