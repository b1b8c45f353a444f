"""Fixtures of the classroom's tests: an instructor's account (the learners
are tests/conftest.py's personas)."""

import pytest
from django.test import Client
from django.urls import reverse

from classroom.models import Class, Instructor, Seat
from classroom.services import create_class, create_instructor
from portal.seed import create_sandbox

PASSWORD = "tidal-basin-gateway-42"


@pytest.fixture
def dana(db) -> Instructor:
    """An instructor, made as createinstructor makes one."""
    return create_instructor("dana", PASSWORD, "dana@example.com")


@pytest.fixture
def dana_class(dana) -> Class:
    """Dana's open class running two labs."""
    return create_class(dana, "AZ-104 Tuesday", lab_ids=["integrate-same-region", "nsg-deny-integration"])


def seat_in(klass: Class, name: str) -> Seat:
    """A learner in ``klass`` with a fresh sandbox of the class's era, made
    as a test needs one (the join page's own path is tested on its own)."""
    return Seat.objects.create(klass=klass, sandbox=create_sandbox(klass.era), display_name=name)


@pytest.fixture
def owner(dana) -> Client:
    """Dana's browser, signed in: the owner of ``dana_class``."""
    client = Client()
    client.force_login(dana.user)
    return client


def room_url(name: str, klass: Class) -> str:
    """A URL of the class's room (``classroom:<name>``)."""
    return reverse(f"classroom:{name}", args=[klass.pk])
