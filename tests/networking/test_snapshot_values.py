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


def test_repeated_json_texts_are_decoded_once_but_never_shared(carol):
    """The snapshot's rows decode each distinct JSON text once per read
    (portal/prepared.py PreparedValues), yet every row gets a list of its own:
    changing one row's list changes no other row's, and the values are the
    ORM's own."""
    from networking.models import SecurityRule
    from portal.prepared import sandbox_rows

    sid = carol.sandbox.pk
    fields = ("pk", "source_port_ranges", "destination_address_prefixes")
    build = lambda s: SecurityRule.objects.filter(nsg__sandbox_id=s).order_by("pk").values_list(*fields)  # noqa: E731
    rows = sandbox_rows("test-repeated-json", sid, build)
    assert rows == list(build(sid))
    ports = [row[1] for row in rows]
    assert len(ports) > 1 and ports[0] == ports[1]  # the seed's rules repeat ["*"]
    ports[0].append("changed")
    assert ports[1] != ports[0]
    assert sandbox_rows("test-repeated-json", sid, build) == list(build(sid))
