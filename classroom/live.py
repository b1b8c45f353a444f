"""The board follows the room live (CLS-20): when a learner's sandbox
changes, their row -- one row, never the board -- is drawn again and sent to
the class's group, where the instructor's board swaps it in by its id.

Two moments say a row may have changed:

- a lab's regrade (labs.live's ``graded`` signal, after every change to a
  sandbox with a lab in progress, debounced there): the checks, the score,
  the last actions;
- a change to a sandbox without a lab in progress (portal.signals
  ``sandbox_changed``): its last actions (a refusal is one: CLS-13).

A sandbox with no seat costs one indexed query. Nothing is sent to the
learners' own groups.
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone

from classroom import board
from classroom.models import Seat
from labs.models import LabRun
from portal import live


def seat_of(sandbox_pk: int) -> Seat | None:
    return Seat.objects.select_related("sandbox", "klass").filter(sandbox_id=sandbox_pk).first()


def render_row(seat: Seat) -> str:
    return render_to_string("classroom/board_row.html", {"row": board.row_for(seat), "oob": True})


def render_rows(klass) -> str:
    """Every row of the class, each to be swapped in by its id (a board's
    (re)connection)."""
    now = timezone.now()
    return "".join(
        render_to_string("classroom/board_row.html", {"row": board.row_for(seat, now), "oob": True})
        for seat in board.seats_of(klass)
    )


def push_row(sandbox_pk: int) -> None:
    """Draw the learner's row and send it to their class's board."""
    seat = seat_of(sandbox_pk)
    if seat is None:
        return
    live.group_send(seat.klass.group_name, {"type": "board.row", "html": render_row(seat)})


def on_graded(sender, sandbox, **kwargs) -> None:
    push_row(sandbox.pk)


def on_sandbox_changed(sender, sandbox, **kwargs) -> None:
    if not Seat.objects.filter(sandbox_id=sandbox.pk).exists():
        return
    if LabRun.objects.filter(sandbox_id=sandbox.pk, finished_at__isnull=True).exists():
        return  # the lab's regrade follows, and pushes the row (on_graded)
    push_row(sandbox.pk)
