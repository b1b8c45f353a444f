"""The snapshot built from plain values (issue #12) is the snapshot the
model-instance build made, row for row: on the seeds, on every lab's start and
solution, and on estates 10 and 100 times the seed's size."""

import pytest

from labs import catalog
from networking import snapshot
from tests.bench import estate
from tests.helpers.labs import start
from tests.helpers.snapshot_reference import reference_build

pytestmark = pytest.mark.django_db


def same(sandbox) -> None:
    built, reference = snapshot.build(sandbox), reference_build(sandbox)
    assert built == reference
    # Dicts compare without their order; the engine iterates them, so it counts.
    for name in ("vnets", "subnets", "gateways", "route_tables", "nsgs", "aks_clusters"):
        assert list(getattr(built, name).items()) == list(getattr(reference, name).items()), name


def test_the_compact_seed(alice):
    same(alice.sandbox)


def test_the_full_seed_with_its_network(carol):
    same(carol.sandbox)


@pytest.mark.parametrize("times", [10, 100])
def test_an_estate_grown_to_many_times_the_seed(carol, times):
    estate.grow(carol.sandbox, times * estate.resource_count(carol.sandbox), notifications=0, activity=0)
    same(carol.sandbox)


@pytest.mark.parametrize("lab_id", sorted(catalog.load()))
def test_every_labs_start_and_solution(lab_id):
    run = start(lab_id)
    same(run.sandbox)
    run.solve()
    same(run.sandbox)
