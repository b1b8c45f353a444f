"""Fixtures of the classroom's tests: an instructor's account (the learners
are tests/conftest.py's personas)."""

import pytest

from classroom.models import Instructor
from classroom.services import create_instructor

PASSWORD = "tidal-basin-gateway-42"


@pytest.fixture
def dana(db) -> Instructor:
    """An instructor, made as createinstructor makes one."""
    return create_instructor("dana", PASSWORD, "dana@example.com")
