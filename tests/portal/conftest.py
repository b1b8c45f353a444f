"""Fixtures of the portal's tests."""

import pytest
from django.test import Client
from django.urls import reverse

from portal.middleware import SESSION_KEY
from portal.models import Sandbox


@pytest.fixture
def carol(db, settings) -> Client:
    """A learner whose sandbox has the full demo seed, network included."""
    settings.VNETLAB_SEED_NETWORK = True
    client = Client()
    client.get(reverse("home"))
    client.sandbox = Sandbox.objects.get(key=client.session[SESSION_KEY])
    return client
