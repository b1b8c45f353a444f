"""Shared fixtures: personas with their own sandboxes (alice, bob). What the
test modules share besides fixtures is in tests/helpers/."""

import pytest
from django.test import Client
from django.urls import reverse

from portal.middleware import SESSION_KEY
from portal.models import Sandbox


def _persona(client: Client) -> Client:
    client.get(reverse("home"))
    client.sandbox = Sandbox.objects.get(key=client.session[SESSION_KEY])
    return client


@pytest.fixture
def alice(db) -> Client:
    """A learner with a fresh sandbox from the demo seed."""
    return _persona(Client())


@pytest.fixture
def bob(db) -> Client:
    """Another learner, in a sandbox of his own."""
    return _persona(Client())

