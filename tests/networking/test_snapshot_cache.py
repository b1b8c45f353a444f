"""One snapshot per sandbox estate (issue #12): the troubleshooter, the
console, Network Watcher and a lab's grading share it until the sandbox's
resources change, and any such change -- through a service, a lab's start, a
request in another sandbox or none -- is seen by the next trace. Writes that
change no resource (an operation's end, a notification, a lab's grade) keep
it."""

import random
from datetime import timedelta

import pytest
from django.utils import timezone

from labs import catalog
from labs import services as lab_services
from labs.models import LabRun
from networking import snapshot
from networking.services import vnets as vnet_services
from portal import services as portal_services
from portal.models import Sandbox
from tests.bench import estate
from tests.helpers import HX, app_url, vnet_of
from tests.helpers.vnets import post_add_subnet

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_store():
    snapshot.store.clear()
    yield
    snapshot.store.clear()


def subnet_names(sandbox) -> set[str]:
    return {s.name for s in snapshot.current(sandbox).subnets.values()}


def test_an_unchanged_sandbox_is_served_the_snapshot_it_had(alice):
    first = snapshot.current(alice.sandbox)
    assert snapshot.current(alice.sandbox) is first
    assert snapshot.store.builds == 1 and snapshot.store.hits == 1


def test_a_subnet_added_through_the_service_is_in_the_next_snapshot(alice):
    assert "new-subnet" not in subnet_names(alice.sandbox)
    vnet_services.create_subnet(vnet_of(alice, "contoso-vnet"), name="new-subnet", prefix="10.0.9.0/24")
    assert "new-subnet" in subnet_names(alice.sandbox)


def test_a_subnet_added_through_a_request_is_in_the_next_snapshot(alice):
    url = app_url(alice, "troubleshoot", "contoso-web")
    assert alice.get(url, {"host": "10.0.5.4", "port": "443"}).status_code == 200
    assert "app-subnet" not in subnet_names(alice.sandbox)
    assert post_add_subnet(alice).status_code == 200
    assert "app-subnet" in subnet_names(alice.sandbox)
    assert alice.get(url, {"host": "10.0.5.4", "port": "443"}).status_code == 200


def test_an_operation_finishing_keeps_the_snapshot_its_end_writes_no_resource(alice, settings):
    """A restart's end writes the operation, its notification and its
    Activity log row: the sandbox's pages are drawn again (its generation),
    the network is the one traced already (its estate generation)."""
    settings.VNETLAB_RESTART_SECONDS = 30
    alice.post(app_url(alice, "restart", "contoso-web"))
    during = snapshot.current(alice.sandbox)
    pages_before = Sandbox.objects.get(pk=alice.sandbox.pk).generation
    later = timezone.now() + timedelta(seconds=31)
    assert portal_services.complete_due_operations(alice.sandbox, later) == 1
    assert Sandbox.objects.get(pk=alice.sandbox.pk).generation > pages_before
    assert snapshot.current(alice.sandbox) is during
    portal_services.notify(Sandbox.objects.get(pk=alice.sandbox.pk), "A notification")
    assert snapshot.current(alice.sandbox) is during
    vnet_services.create_subnet(vnet_of(alice, "contoso-vnet"), name="new-subnet", prefix="10.0.9.0/24")
    assert snapshot.current(alice.sandbox) is not during
    assert "new-subnet" in subnet_names(alice.sandbox)


def test_a_labs_grade_keeps_the_snapshot_its_checks_traced_on(alice):
    """The regrade after a change writes the run's grade: the next trace
    (the troubleshooter, the next regrade) is served the same snapshot."""
    lab_services.start_lab(Sandbox.objects.get(pk=alice.sandbox.pk), catalog.get("integrate-same-region"))
    traced = snapshot.current(alice.sandbox)
    run = lab_services.active_run(Sandbox.objects.get(pk=alice.sandbox.pk))
    lab_services.grade_run(run)
    LabRun.objects.filter(pk=run.pk).update(points=0, passed=[], found={})  # a grade that moves, when stored again
    lab_services.grade_run(LabRun.objects.get(pk=run.pk))
    assert snapshot.current(alice.sandbox) is traced


def test_a_lab_start_replaces_the_snapshot(alice):
    assert "contoso-vnet" in {v.name for v in snapshot.current(alice.sandbox).vnets.values()}
    lab = catalog.get("udr-to-nva")
    lab_services.start_lab(Sandbox.objects.get(pk=alice.sandbox.pk), lab, seed=random.Random(3).randrange(1000))
    names = {v.name for v in snapshot.current(alice.sandbox).vnets.values()}
    assert names == {v.name for v in snapshot.build(alice.sandbox).vnets.values()}
    assert snapshot.current(alice.sandbox) == snapshot.build(alice.sandbox)


def test_a_write_outside_any_request_is_seen_at_once(alice):
    snapshot.current(alice.sandbox)
    vnet_of(alice, "contoso-vnet").subnets.filter(name="integration-subnet").update(name="renamed-subnet")
    assert "renamed-subnet" in subnet_names(alice.sandbox)


def test_a_change_in_another_sandbox_keeps_this_ones_snapshot(alice, bob):
    mine = snapshot.current(alice.sandbox)
    bob.post(
        app_url(bob, "add_vnet", "contoso-web"),
        {"vnet": vnet_of(bob, "contoso-vnet").pk, "subnet_mode": "existing",
         "subnet": vnet_of(bob, "contoso-vnet").subnets.get(name="integration-subnet").pk},
        **HX,
    )  # fmt: skip
    assert snapshot.current(alice.sandbox) is mine


def test_an_era_switch_is_in_the_next_snapshot(alice):
    assert snapshot.current(alice.sandbox).era == "classic"
    portal_services.set_era(Sandbox.objects.get(pk=alice.sandbox.pk), "current")
    assert snapshot.current(alice.sandbox).era == "current"


@pytest.mark.parametrize("times", [1, 10])
def test_a_build_takes_a_few_queries_whatever_the_size(carol, times, django_assert_max_num_queries):
    if times > 1:
        estate.grow(carol.sandbox, times * estate.resource_count(carol.sandbox), notifications=0, activity=0)
    with django_assert_max_num_queries(27):
        snapshot.build(carol.sandbox)
    snapshot.current(carol.sandbox)
    with django_assert_max_num_queries(1):
        snapshot.current(carol.sandbox)


def test_a_changed_sandbox_keeps_one_snapshot_and_the_replaced_one_is_freed_at_once(alice, bob):
    """A sandbox that changes holds one snapshot, not one per change, and the
    replaced one goes as soon as nothing uses it: no cycle (the snapshot and
    its index) leaves it, tens of thousands of objects at 100 times the
    seed's size, to the garbage collector's full passes (issue #12)."""
    import gc
    import weakref

    first = snapshot.current(alice.sandbox)
    first.routing_for(next(iter(first.subnets.values())))  # its index built, as a trace builds it
    snapshot.current(bob.sandbox)
    gone = weakref.ref(first)
    del first
    vnet_services.create_subnet(vnet_of(alice, "contoso-vnet"), name="new-subnet", prefix="10.0.9.0/24")
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        second = snapshot.current(alice.sandbox)
        assert gone() is None, "the replaced snapshot is still alive"
    finally:
        if was_enabled:
            gc.enable()
    assert "new-subnet" in {s.name for s in second.subnets.values()}
    snapshot.current(bob.sandbox)
    assert len(snapshot.store) == 2  # one for each sandbox
