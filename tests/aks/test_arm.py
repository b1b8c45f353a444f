"""ARM JSON in and out of AKS clusters and their node pools: the export
builds the same cluster again (nodes, routes and pod addresses made by the
service as the wizard makes them), and a template is refused where the
create wizard refuses, with the same rule."""

import pytest
from django.utils import timezone

from aks import services
from aks.models import AgentPool, ManagedCluster
from networking.models import Subnet, VirtualNetwork
from portal.arm.errors import ArmError
from portal.models import Operation
from portal.services import complete_due_operations
from tests.arm_support import (
    as_template,
    comparable,
    copy_vnet,
    deploy,
    empty_group,
    empty_sandbox,
    found_by_id,
    seeded,
    state,
    subnet_lookup,  # noqa: F401 (an autouse fixture)
    to_arm,
)

pytestmark = pytest.mark.django_db

NETWORK_RG = "contoso-network-rg"
POOL_TYPE = "Microsoft.ContainerService/managedClusters/agentPools"
# What AKS generates from the subscription: the API server's name.
GENERATED = ("properties.fqdn",)


@pytest.fixture
def source(settings):
    return seeded(settings)


@pytest.fixture
def target(source):
    """An empty sandbox holding only the seed's AKS VNet, made through the services."""
    sandbox = empty_sandbox(source.era)
    copy_vnet(VirtualNetwork.objects.get(sandbox=source, name="contoso-aks-vnet"), empty_group(sandbox, NETWORK_RG))
    return sandbox


def _cluster(sandbox, name):
    return ManagedCluster.objects.select_related("resource_group__subscription", "subnet__vnet").get(
        sandbox=sandbox, name=name
    )


def _finish(sandbox):
    Operation.objects.filter(sandbox=sandbox).unfinished().update(ends_at=timezone.now())
    complete_due_operations(sandbox)


def _group(sandbox):
    return sandbox.subscriptions.get().resource_groups.get(name=NETWORK_RG)


def test_the_seeded_clusters_of_the_current_era_are_built_again_from_their_export(settings):
    source = seeded(settings, "current")
    target = empty_sandbox("current")
    copy_vnet(VirtualNetwork.objects.get(sandbox=source, name="contoso-aks-vnet"), empty_group(target, NETWORK_RG))
    for name in ("contoso-aks-kubenet", "contoso-aks-cni"):
        document = to_arm(_cluster(source, name))
        copy = deploy(target, _group(target), as_template(document, source, target))
        assert comparable(to_arm(copy), target, ignore=GENERATED) == comparable(document, source, ignore=GENERATED)


@pytest.mark.parametrize("name", ["contoso-aks-kubenet", "contoso-aks-cni"])
def test_each_seeded_cluster_is_built_again_from_its_export(source, target, name):
    document = to_arm(_cluster(source, name))
    copy = deploy(target, _group(target), as_template(document, source, target))
    assert comparable(to_arm(copy), target, ignore=GENERATED) == comparable(document, source, ignore=GENERATED)
    original = _cluster(source, name)
    assert services.cluster_state(copy) == "Succeeded"
    assert copy.pools.get().nodes.count() == original.pools.get().nodes.count()
    # Kubenet's route table of one route per node, made by the service (AKS-02).
    if original.route_table_id:
        assert copy.route_table.routes.count() == original.route_table.routes.count()


def test_the_cluster_document_is_in_arms_shape(source):
    document = to_arm(_cluster(source, "contoso-aks-kubenet"))
    profile = document["properties"]["agentPoolProfiles"][0]
    assert profile["vnetSubnetID"].endswith("/contoso-aks-vnet/subnets/aks-kubenet-subnet")
    assert {"count", "maxPods", "osType", "vmSize", "mode"} <= profile.keys()
    network = document["properties"]["networkProfile"]
    assert network["networkPlugin"] == "kubenet" and network["podCidr"]
    assert {"serviceCidr", "dnsServiceIP"} <= network.keys()
    assert document["properties"]["nodeResourceGroup"].startswith("MC_")


def test_a_cluster_with_a_user_pool_is_built_with_both_pools(source, target):
    cluster = _cluster(source, "contoso-aks-cni")
    services.add_node_pool(cluster, services.PoolSpec(name="user1", node_count=2, max_pods=30))
    _finish(source)
    document = to_arm(_cluster(source, "contoso-aks-cni"))
    assert [p["name"] for p in document["properties"]["agentPoolProfiles"]] == ["agentpool", "user1"]
    copy = deploy(target, _group(target), as_template(document, source, target))
    assert list(copy.pools.values_list("name", "node_count")) == [("agentpool", 3), ("user1", 2)]
    assert comparable(to_arm(copy), target, ignore=GENERATED) == comparable(document, source, ignore=GENERATED)


def test_a_node_pool_on_its_own_round_trips(source, target):
    cluster = _cluster(source, "contoso-aks-cni")
    pool = services.add_node_pool(cluster, services.PoolSpec(name="user1", node_count=2, max_pods=30))
    pool_document = to_arm(AgentPool.objects.get(pk=pool.pk), POOL_TYPE)
    assert pool_document["properties"]["count"] == 2
    cluster_document = as_template(to_arm(_cluster(source, "contoso-aks-cni")), source, target)
    cluster_document["properties"]["agentPoolProfiles"] = cluster_document["properties"]["agentPoolProfiles"][:1]
    deploy(target, _group(target), cluster_document)
    copy = deploy(target, _group(target), as_template(pool_document, source, target))
    assert comparable(to_arm(copy, POOL_TYPE), target) == comparable(pool_document, source)


def _kubenet(source, target, **network):
    document = as_template(to_arm(_cluster(source, "contoso-aks-kubenet")), source, target)
    document["properties"]["networkProfile"].update(network)
    return document


def test_kubenet_with_a_pod_cidr_overlapping_the_subnet_is_refused_with_aks_31(source, target):
    document = _kubenet(source, target, podCidr="10.102.0.0/16")
    before = state(target)
    with pytest.raises(ArmError) as refused:
        deploy(target, _group(target), document)
    assert {"ERR-46", "AKS-31"} <= set(refused.value.rule_ids)
    assert refused.value.path == "properties.networkProfile.podCidr"
    assert refused.value.resource == "contoso-aks-kubenet"
    assert state(target) == before


def test_a_second_kubenet_cluster_in_a_subnet_is_refused_with_aks_05(source, target):
    deploy(target, _group(target), _kubenet(source, target))
    second = _kubenet(source, target)
    second["name"] = "contoso-aks-second"
    before = state(target)
    with pytest.raises(ArmError) as refused:
        deploy(target, _group(target), second)
    assert "AKS-05" in refused.value.rule_ids
    assert refused.value.path == "properties.agentPoolProfiles[0].vnetSubnetID"
    assert state(target) == before


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda d: d["properties"]["agentPoolProfiles"][0].update(count="3"), "properties.agentPoolProfiles[0].count"),
        (
            lambda d: d["properties"]["networkProfile"].update(networkPlugin="calico"),
            "properties.networkProfile.networkPlugin",
        ),
        (
            lambda d: d["properties"]["agentPoolProfiles"][0].pop("vnetSubnetID"),
            "properties.agentPoolProfiles[0].vnetSubnetID",
        ),
        (lambda d: d["properties"].update(agentPoolProfiles=[]), "properties.agentPoolProfiles"),
        (lambda d: d["properties"].update(agentPoolProfiles="agentpool"), "properties.agentPoolProfiles"),
        (lambda d: d.pop("location"), "location"),
    ],
)
def test_bad_input_names_the_cluster_and_the_property_and_changes_nothing(source, target, change, path):
    document = _kubenet(source, target)
    change(document)
    before = state(target)
    with pytest.raises(ArmError) as refused:
        deploy(target, _group(target), document)
    assert (refused.value.resource, refused.value.path) == ("contoso-aks-kubenet", path)
    assert state(target) == before


def test_a_subnet_of_another_sandbox_is_not_found(source, target):
    document = _kubenet(source, target)
    other = Subnet.objects.get(vnet__sandbox=source, name="aks-kubenet-subnet")
    document["properties"]["agentPoolProfiles"][0]["vnetSubnetID"] = other.arm_id.replace(
        "contoso-aks-vnet", "nowhere-vnet"
    )
    with pytest.raises(ArmError) as refused:
        deploy(target, _group(target), document)
    assert refused.value.path == "properties.agentPoolProfiles[0].vnetSubnetID"


def test_a_node_pool_is_found_by_the_id_its_document_gives(source):
    pool = _cluster(source, "contoso-aks-cni").pools.get()
    assert found_by_id(source, to_arm(pool, POOL_TYPE)) == pool


def test_azure_cni_node_subnet_with_a_pod_cidr_is_refused_with_aks_20(source, target):
    # Issue #10: the ARM path goes through the same refusal as the wizard.
    document = as_template(to_arm(_cluster(source, "contoso-aks-cni")), source, target)
    document["properties"]["networkProfile"]["podCidr"] = "10.244.0.0/16"
    before = state(target)
    with pytest.raises(ArmError) as refused:
        deploy(target, _group(target), document)
    assert {"AKS-20", "AKS-34"} <= set(refused.value.rule_ids)
    assert refused.value.path == "properties.networkProfile.podCidr"
    assert state(target) == before
