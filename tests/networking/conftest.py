"""Fixtures of the peering tests (test_peering_page.py, test_peering_eras.py)."""

import pytest

from tests.helpers.gateways import make_vnet


@pytest.fixture
def hub(alice):
    """A VNet of alice's with no gateway and no peering yet."""
    return make_vnet(alice, "hub-vnet", "10.50.0.0/16")


@pytest.fixture
def spoke(alice):
    """Another, whose space doesn't overlap the hub's."""
    return make_vnet(alice, "spoke-vnet", "10.60.0.0/16")
