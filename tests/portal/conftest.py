"""Fixtures of the portal's tests."""

import pytest
from django.test import Client
from django.urls import reverse

from portal.middleware import SESSION_KEY
from portal.models import Sandbox, Subscription


@pytest.fixture
def carol(db, settings) -> Client:
    """A learner whose sandbox has the full demo seed, network included."""
    settings.VNETLAB_SEED_NETWORK = True
    client = Client()
    client.get(reverse("home"))
    client.sandbox = Sandbox.objects.get(key=client.session[SESSION_KEY])
    return client


@pytest.fixture
def empty_sandbox(db) -> Sandbox:
    """A sandbox with its subscription and nothing else: where an estate is imported."""
    sandbox = Sandbox.objects.create()
    Subscription.objects.create(sandbox=sandbox)
    return sandbox
