"""A class's join code and who may see it (CLS-04, CLS-08)."""

import pytest
from django.http import Http404

from classroom import codes
from classroom.models import Seat
from classroom.services import class_of, create_class, create_instructor
from portal.models import Sandbox
from tests.classroom.conftest import PASSWORD, seat_in


def test_cls_04_codes_are_short_typeable_and_unique(dana):
    made = [create_class(dana, f"Class {i}", lab_ids=["integrate-same-region"]) for i in range(30)]
    assert len({c.code for c in made}) == 30
    for klass in made:
        assert codes.looks_valid(klass.code)
        assert not set(klass.code) & set("0O1IL2Z5S8B")
    assert codes.normalise(" ab-cd ef ") == "ABCDEF"


def test_cls_08_an_instructor_sees_only_their_own_classes(dana_class):
    other = create_instructor("omar", PASSWORD)
    assert class_of(dana_class.instructor, dana_class.pk) == dana_class
    with pytest.raises(Http404):
        class_of(other, dana_class.pk)


def test_deleting_a_class_keeps_its_learners_sandboxes(dana_class):
    seat = seat_in(dana_class, "Ana")
    dana_class.delete()
    assert not Seat.objects.filter(pk=seat.pk).exists()
    assert Sandbox.objects.filter(pk=seat.sandbox_id).exists()
