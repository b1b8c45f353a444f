"""The classroom's writes move only the generations of the sandboxes they
change (portal/changes.py): a write no sandbox is named for bumps every
sandbox, once per statement outside a request. A join from a browser
without a sandbox did that for each row of the new sandbox, and two joins
at once deadlocked on PostgreSQL (found by `make bench-board`)."""

import pytest
from django.test import Client

from classroom.models import Seat
from portal.models import Sandbox
from portal.seed import create_sandbox
from tests.classroom.conftest import room_url as _url
from tests.classroom.test_classes_join import _join
from tests.classroom.test_room import room_of_three  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db


def _generation(sandbox) -> int:
    return Sandbox.objects.get(pk=sandbox.pk).generation


def test_a_join_moves_no_other_sandboxs_generation(dana_class):
    bystander = create_sandbox()
    before = _generation(bystander)
    response = _join(Client(), dana_class.code)
    assert response.status_code == 302
    assert Seat.objects.filter(klass=dana_class).count() == 1
    assert _generation(bystander) == before


def test_an_announcement_moves_the_learners_generations_and_no_one_elses(owner, dana_class, room_of_three):  # noqa: F811
    bystander = create_sandbox()
    before = _generation(bystander)
    learners = {seat.pk: _generation(seat.sandbox) for seat in room_of_three}
    owner.post(_url("announce", dana_class), {"text": "Break until 10:30"})
    assert _generation(bystander) == before
    assert all(_generation(seat.sandbox) > learners[seat.pk] for seat in room_of_three)


def test_a_learners_regrade_moves_their_row_and_no_sandboxs_generation_cls_20(dana_class):
    """The board's row number is bookkeeping: a regrade moves it and keeps
    every sandbox's pages (the learner's own included)."""
    from classroom import live as board_live
    from labs import live as labs_live

    _join(Client(), dana_class.code)
    seat = Seat.objects.get(klass=dana_class)
    bystander = create_sandbox()
    before = {sandbox.pk: _generation(sandbox) for sandbox in (bystander, seat.sandbox)}
    version = board_live.versions(dana_class.pk)[seat.pk]
    labs_live.graded.send(sender=None, sandbox=seat.sandbox)
    assert board_live.versions(dana_class.pk)[seat.pk] == version + 1
    assert {sandbox.pk: _generation(sandbox) for sandbox in (bystander, seat.sandbox)} == before
