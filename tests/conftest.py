"""Shared fixtures: personas with their own sandboxes (alice, bob, carol).
What the test modules share besides fixtures is in tests/helpers/."""

import pytest
from django.test import Client

from tests.helpers import persona


@pytest.fixture
def alice(db) -> Client:
    """A learner with a fresh sandbox from the demo seed."""
    return persona(Client())


@pytest.fixture
def bob(db) -> Client:
    """Another learner, in a sandbox of his own."""
    return persona(Client())


@pytest.fixture
def carol(db, settings) -> Client:
    """A learner whose sandbox has the full demo seed, network included:
    hub and spoke, gateway, service endpoint."""
    settings.VNETLAB_SEED_NETWORK = True
    return persona(Client())
