"""The lab "AKS kubenet vs Azure CNI: plan a node pool on an IP budget",
graded both ways: the start fails every check, saying why; the reference
solution passes them all; each check has a wrong estate that fails it; the
lab's subnet sizes are the planner's (AKS-20, AKS-21, AKS-22, AKS-01,
AKS-06, SEED-26, SEED-28)."""

import random

import pytest

from aks import planning
from labs import catalog
from labs import params as lab_params
from networking import snapshot
from portal.arm.errors import ArmError
from tests.labs.network_labs import NET, failed, grade, run, solve
from tests.labs.network_labs import start as start_lab

pytestmark = pytest.mark.django_db

LAB = "aks-network-models"
AKS = "contoso-network-rg/Microsoft.ContainerService/managedClusters"
AKS_VNET = f"{NET}/virtualNetworks/contoso-aks-vnet/subnets"


def seed_with(nodes: int) -> int:
    """A learner seed whose pool has ``nodes`` nodes (30 keeps the tests quick)."""
    lab = catalog.get(LAB)
    return next(s for s in range(100) if lab_params.draw(lab, random.Random(s))["size"]["nodes"] == nodes)


def start(era: str = "classic", nodes: int = 30):
    return start_lab(LAB, era, seed_with(nodes))


@pytest.fixture
def started():
    return start()


def pool(cluster: str, name: str, count: int, max_pods: int = 30):
    body = {
        "properties": {
            "count": count,
            "maxPods": max_pods,
            "vmSize": "Standard_DS2_v2",
            "osType": "Linux",
            "mode": "User",
        }
    }
    return ("PUT", f"{AKS}/{cluster}/agentPools/{name}", body)


def subnet(name: str, prefix: str):
    return ("PUT", f"{AKS_VNET}/{name}", {"properties": {"addressPrefix": prefix}})


@pytest.mark.parametrize("era", ["classic", "current"])
def test_the_labs_subnet_sizes_are_the_planners_aks_21(era):
    """Each choice's cniPrefix is the smallest subnet the AKS planner allows
    for that many Azure CNI nodes at 30 pods, upgrade node included."""
    for choice in catalog.get(LAB).parameters["size"]["choices"]:
        plan = planning.plan_ip("azure", era, choice["nodes"], 30)
        assert f"/{plan.smallest_subnet_prefix}" == choice["cniPrefix"]
        assert plan.subnet_addresses == (choice["nodes"] + 1) * 31


def test_each_learner_gets_their_own_values():
    lab = catalog.get(LAB)
    drawn = [lab_params.draw(lab, random.Random(seed)) for seed in range(12)]
    names = {d["poolName"] for d in drawn}
    assert len(names) > 10 and all(n.startswith("pool") and len(n) == 8 for n in names)
    assert len({d["size"]["nodes"] for d in drawn}) > 1


@pytest.mark.parametrize("era", ["classic", "current"])
def test_the_start_fails_every_check_saying_why(era):
    sandbox, lab, params = start(era)
    g = grade(sandbox, lab, params)
    assert g.percent == 0
    misses = failed(g)
    assert set(misses) == {"cni-subnet-sized", "kubenet-pool", "kubenet-pool-pods", "pod-seen-as-node"}
    assert "doesn't exist" in misses["cni-subnet-sized"].message
    assert "has no node pool" in misses["kubenet-pool"].message
    assert "No pod of" in misses["pod-seen-as-node"].message and "No pod matches" in misses["pod-seen-as-node"].found


@pytest.mark.parametrize("era", ["classic", "current"])
def test_the_reference_solution_passes_every_check(era):
    sandbox, lab, params = start(era)
    solve(sandbox, lab, params)
    g = grade(sandbox, lab, params)
    assert failed(g) == {} and g.percent == 100


def test_the_pool_doesnt_fit_the_cni_clusters_subnet_aks_21(started):
    """The first step's refusal: aks-cni-subnet hasn't (n + 1) x 31 free addresses."""
    sandbox, lab, params = started
    with pytest.raises(ArmError) as refused:
        run(sandbox, params, pool("contoso-aks-cni", params["poolName"], params["size"]["nodes"]))
    assert "AKS-21" in refused.value.rule_ids
    assert not grade(sandbox, lab, params).result("kubenet-pool").passed


def test_a_subnet_one_size_too_small_fails_the_budget_check_aks_21(started):
    sandbox, lab, params = started
    too_small = int(params["size"]["cniPrefix"].lstrip("/")) + 1
    run(sandbox, params, subnet(params["cniSubnet"], f"10.102.16.0/{too_small}"))
    result = grade(sandbox, lab, params).result("cni-subnet-sized")
    assert not result.passed and f"smaller than {params['size']['cniPrefix']}" in result.message
    assert f"10.102.16.0/{too_small}" in result.found


def test_a_subnet_of_exactly_the_size_passes_the_budget_check(started):
    sandbox, lab, params = started
    run(sandbox, params, subnet(params["cniSubnet"], f"10.102.16.0{params['size']['cniPrefix']}"))
    assert grade(sandbox, lab, params).result("cni-subnet-sized").passed


def test_a_smaller_pool_or_other_max_pods_fail_the_pool_checks_aks_06(started):
    sandbox, lab, params = started
    run(sandbox, params, pool("contoso-aks-kubenet", params["poolName"], params["size"]["nodes"] - 10, max_pods=110))
    g = grade(sandbox, lab, params)
    count = g.result("kubenet-pool")
    assert not count.passed and f"properties.count is {params['size']['nodes'] - 10}" in count.found
    pods = g.result("kubenet-pool-pods")
    assert not pods.passed and "properties.maxPods is 110" in pods.found
    # The pod trace doesn't care how many nodes: it passes.
    assert g.result("pod-seen-as-node").passed


def test_a_pool_of_another_name_leaves_the_pod_trace_unmatched(started):
    sandbox, lab, params = started
    run(sandbox, params, pool("contoso-aks-kubenet", "otherpool", params["size"]["nodes"]))
    result = grade(sandbox, lab, params).result("pod-seen-as-node")
    assert not result.passed and "No pod matches" in result.found


def test_a_blocked_path_fails_the_pod_trace_nsg_02(started):
    """An NSG on aks-cni-subnet that denies the kubenet nodes: the trace is blocked."""
    sandbox, lab, params = started
    solve(sandbox, lab, params)
    nsg = f"{NET}/networkSecurityGroups/aks-cni-nsg"
    run(
        sandbox,
        params,
        ("PUT", nsg, {"location": "eastus"}),
        (
            "PUT",
            f"{nsg}/securityRules/deny-kubenet",
            {
                "properties": {
                    "priority": 100,
                    "direction": "Inbound",
                    "access": "Deny",
                    "protocol": "*",
                    "sourceAddressPrefix": "10.102.0.0/24",
                    "sourcePortRange": "*",
                    "destinationAddressPrefix": "*",
                    "destinationPortRange": "*",
                }
            },
        ),
        (
            "PATCH",
            f"{AKS_VNET}/aks-cni-subnet",
            {
                "properties": {
                    "networkSecurityGroup": {
                        "id": "/subscriptions/${subscriptionId}/resourceGroups/contoso-network-rg/providers/"
                        "Microsoft.Network/networkSecurityGroups/aks-cni-nsg"
                    }
                }
            },
        ),
    )
    result = grade(sandbox, lab, params).result("pod-seen-as-node")
    assert not result.passed and "the trace says Blocked" in result.found and "deny-kubenet" in result.found


def test_an_azure_cni_pod_is_seen_with_its_own_address_seed_26(started):
    """The contrast the lab teaches: a CNI pod's source is its own subnet
    address, where the kubenet pod's is its node's."""
    sandbox, lab, params = started
    solve(sandbox, lab, params)
    source = snapshot.trace_sources()
    pod = next(r for r in source if r.option == "pod")
    cni_pod = next(value for value, _ in pod.choices(sandbox) if value.startswith("contoso-aks-cni"))
    trace = snapshot.trace_from(sandbox, "pod", cni_pod, "10.102.0.4", 443)
    assert trace.verdict == "Reachable" and trace.source_ip == cni_pod.rsplit("/", 1)[1].strip()
