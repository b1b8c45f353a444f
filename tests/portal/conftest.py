"""Fixtures of the portal's ARM tests (the personas are in tests/conftest.py)."""

import pytest

from portal.models import Sandbox, Subscription


@pytest.fixture
def empty_sandbox(db) -> Sandbox:
    """A sandbox with its subscription and nothing else: where an estate is imported."""
    sandbox = Sandbox.objects.create()
    Subscription.objects.create(sandbox=sandbox)
    return sandbox
