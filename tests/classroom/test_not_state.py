"""The classroom's own bookkeeping is nobody's sandbox state (issue #12's
page cache, docs/architecture.md): an instructor's log written from a
browser without a sandbox leaves every learner's generation as it was,
while a write that is a sandbox's state still bumps it."""

from classroom.services import log_event
from portal import changes
from portal.models import Sandbox
from tests.classroom.conftest import seat_in


def test_a_board_log_entry_bumps_no_sandbox(dana_class):
    seat = seat_in(dana_class, "Ana")
    before = Sandbox.objects.get(pk=seat.sandbox_id).generation
    log_event(dana_class, "dana", "announce", "Break until 10:30")
    assert Sandbox.objects.get(pk=seat.sandbox_id).generation == before


def test_a_write_of_sandbox_state_outside_a_request_still_bumps(dana_class):
    seat = seat_in(dana_class, "Ana")
    before = Sandbox.objects.get(pk=seat.sandbox_id).generation
    Sandbox.objects.filter(pk=seat.sandbox_id).update(show_annotations=False)
    changes.flush()
    assert Sandbox.objects.get(pk=seat.sandbox_id).generation > before
