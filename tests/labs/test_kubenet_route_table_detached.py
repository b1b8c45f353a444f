"""The scenario "kubenet pods on different nodes can't talk", graded both
ways: its start (the cluster's own route table dissociated from the node
subnet) fails the fix's checks saying why; re-associating the table, by
ARM or through the portal's service, passes them all; and "fixes" that
swap the table, touch AKS's routes or take the other cluster's table fail
(AKS-01, AKS-02, AKS-05, AKS-08, SEED-26)."""

import pytest

from aks.models import ManagedCluster
from networking.models import RouteTable, Subnet
from networking.services import routes
from tests.labs.scenarios import run_fixture

pytestmark = pytest.mark.django_db

LAB = "kubenet-route-table-detached"
SUBNET = "contoso-network-rg/Microsoft.Network/virtualNetworks/contoso-aks-vnet/subnets/${subnet.name}"
TABLE = "contoso-network-rg/Microsoft.Network/routeTables/${rtName}"
TABLE_ID = "/subscriptions/${subscriptionId}/resourceGroups/contoso-network-rg/providers/Microsoft.Network/routeTables/"

run = run_fixture(LAB)


def test_the_start_fails_the_fix_checks_saying_why_aks_02(run):
    grade = run.grade()
    assert grade.percent == run.lab.start_score == 30
    associated = grade.result("route-table-associated")
    assert not associated.passed
    assert f"doesn't use the route table {run.params['rtName']}" in associated.message
    assert "properties.routeTable.id is not set" in associated.found
    pods = grade.result("pods-reach-each-other")
    assert not pods.passed and "the trace says Blocked at Route" in pods.message
    assert "kubenet reaches pods on other nodes only through a route" in pods.found and "AKS-02" in pods.found
    # The negative checks hold: nothing else is broken yet.
    assert grade.result("node-routes-kept").passed and grade.result("other-cluster-unaffected").passed


def test_the_cluster_brought_its_own_table_aks_08(run):
    cluster = ManagedCluster.objects.get(sandbox=run.sandbox, name=run.params["clusterName"])
    assert cluster.route_table.name == run.params["rtName"]
    assert cluster.route_table.routes.count() == 3


def test_the_reference_solution_passes_every_check(run):
    run.solve()
    assert run.failing() == []
    assert run.grade().percent == 100


def test_the_portals_association_passes_too_route_20(run):
    """The learner's way: the route table's Subnets > Associate."""
    table = RouteTable.objects.get(sandbox=run.sandbox, name=run.params["rtName"])
    subnet = Subnet.objects.get(
        vnet__sandbox=run.sandbox, vnet__name="contoso-aks-vnet", name=run.params["subnet"]["name"]
    )
    routes.associate_subnet(table, subnet)
    assert run.grade().percent == 100


def test_a_new_table_with_copied_routes_fails_the_association_check_aks_08(run):
    """The pods talk again, but through a table AKS doesn't maintain: the
    next node's route would never be written there."""
    copied = run.document(TABLE)
    run.apply("PUT", "contoso-network-rg/Microsoft.Network/routeTables/pods-copy-rt", {"location": "eastus", **copied})
    run.apply("PATCH", SUBNET, {"properties": {"routeTable": {"id": TABLE_ID + "pods-copy-rt"}}})
    grade = run.grade()
    assert grade.result("pods-reach-each-other").passed
    assert not grade.result("route-table-associated").passed
    assert "'pods-copy-rt'" in grade.result("route-table-associated").found


def test_deleting_a_route_aks_maintains_fails_the_negative_check_aks_08(run):
    run.solve()
    table = RouteTable.objects.get(sandbox=run.sandbox, name=run.params["rtName"])
    third = table.routes.get(address_prefix=run.params["pods"]["third"])
    run.apply("DELETE", TABLE + "/routes/" + third.name)
    grade = run.grade()
    assert grade.result("pods-reach-each-other").passed
    kept = grade.result("node-routes-kept")
    assert not kept.passed and "was changed or deleted" in kept.message
    assert grade.percent < 100


def test_taking_the_other_clusters_table_fails_its_negative_check_aks_05(run):
    """Moving contoso-aks-kubenet's table to this subnet: this cluster's
    pods don't get their routes, and the other cluster loses its own."""
    run.solve()
    run.apply(
        "PATCH",
        "contoso-network-rg/Microsoft.Network/virtualNetworks/contoso-aks-vnet/subnets/aks-kubenet-subnet",
        {"properties": {"routeTable": None}},
    )
    result = run.result("other-cluster-unaffected")
    assert not result.passed and "contoso-aks-kubenet's pods no longer reach each other" in result.message
    assert "the trace says Blocked at Route" in result.found


def test_a_pod_named_by_an_address_no_node_holds_says_so(run):
    """A lab names a pod CLUSTER/IP; an address of no node of that cluster
    fails the check with what is wrong, not a 500."""
    from labs import checks

    check = next(c for c in run.lab.checks if c.id == "pods-reach-each-other")
    context = checks._Context(run.sandbox, {**run.params, "subscriptionId": "x"})
    outcome = checks._trace(context, {**check.spec, "from": {"pod": f"{run.params['clusterName']}/10.9.9.9"}})
    assert not outcome.passed and "holds the pod address 10.9.9.9" in outcome.found
