"""Scaling a node pool and adding one (aks.services.scale_pool,
add_node_pool): addresses and kubenet routes follow the node count, and the
refusals name their rules."""

import pytest

from aks import services
from aks.models import AgentPool, ClusterNode, PodIpAddress
from networking.models import NetworkInterface, Route
from portal.errors import AzureRuleError
from tests.helpers.aks import aks_subnets, finish_operations, group, spec, state


@pytest.fixture
def subnets(alice):
    return aks_subnets(alice, subnets=(("aks-subnet", "10.50.0.0/21"), ("small-subnet", "10.50.8.0/24")))


def _cluster(alice, subnet, **overrides):
    cluster = services.create_cluster(group(alice), spec(subnet, **overrides))
    finish_operations(alice)
    return cluster


def _pool(cluster) -> AgentPool:
    return cluster.pools.get(name="agentpool")


def test_scaling_kubenet_up_adds_nodes_with_addresses_and_routes(alice, subnets):
    cluster = _cluster(alice, subnets["aks-subnet"], node_count=2)
    services.scale_pool(_pool(cluster), 5)
    nodes = list(ClusterNode.objects.filter(pool__cluster=cluster).select_related("nic").order_by("pod_index"))
    assert [n.nic.private_ip for n in nodes] == [f"10.50.0.{i}" for i in range(4, 9)]
    routes = dict(Route.objects.filter(route_table=cluster.route_table).values_list("address_prefix", "next_hop_ip"))
    assert routes == {f"10.244.{i}.0/24": node.nic.private_ip for i, node in enumerate(nodes)}  # AKS-01, AKS-02
    assert _pool(cluster).node_count == 5
    assert services.cluster_state(cluster) == "Updating"


def test_scaling_kubenet_down_removes_the_last_nodes_their_nics_and_routes(alice, subnets):
    cluster = _cluster(alice, subnets["aks-subnet"], node_count=4)
    services.scale_pool(_pool(cluster), 1)
    assert ClusterNode.objects.filter(pool__cluster=cluster).count() == 1
    assert NetworkInterface.objects.filter(subnet=subnets["aks-subnet"]).count() == 1
    assert list(Route.objects.filter(route_table=cluster.route_table).values_list("address_prefix", flat=True)) == [
        "10.244.0.0/24"
    ]


def test_scaling_azure_cni_gives_back_pod_addresses(alice, subnets):
    cluster = _cluster(alice, subnets["aks-subnet"], network_plugin="azure", node_count=3)
    services.scale_pool(_pool(cluster), 2)
    assert PodIpAddress.objects.filter(subnet=subnets["aks-subnet"]).count() == 60
    assert services.subnet_usage(subnets["aks-subnet"]) == 62


def test_aks_21_scaling_azure_cni_past_the_subnet_is_refused_and_nothing_changes(alice, subnets):
    cluster = _cluster(alice, subnets["small-subnet"], network_plugin="azure", node_count=3)
    before = state(alice)
    with pytest.raises(AzureRuleError) as caught:
        services.scale_pool(_pool(cluster), 8)  # (8 + 1) × 31 = 279 > 251
    assert caught.value.err_id == "ERR-43"
    assert "AKS-21" in caught.value.rule_ids
    assert caught.value.field == "node_count"
    assert caught.value.message == "Subnet 'small-subnet' has 251 usable IPs, but 8 nodes × 30 pods need 279."
    assert state(alice) == before


def test_aks_03_scaling_kubenet_past_400_nodes_is_refused(alice):
    subnet = aks_subnets(alice, subnets=(("wide", "10.50.0.0/20"),))["wide"]
    cluster = _cluster(alice, subnet, node_count=2)
    before = state(alice)
    with pytest.raises(AzureRuleError) as caught:
        services.scale_pool(_pool(cluster), 401)
    assert caught.value.err_id == "ERR-35"
    assert state(alice) == before


def test_limit_23_a_kubenet_route_table_with_other_routes_stops_at_400(alice):
    subnet = aks_subnets(alice, subnets=(("wide", "10.50.0.0/20"),))["wide"]
    cluster = _cluster(alice, subnet, node_count=2)
    Route.objects.bulk_create(
        Route(
            route_table=cluster.route_table, name=f"custom{i}", address_prefix=f"192.168.{i}.0/24", next_hop_type="None"
        )
        for i in range(200)
    )
    with pytest.raises(AzureRuleError) as caught:
        services.scale_pool(_pool(cluster), 201)  # 202 + 199 = 401 routes
    assert caught.value.err_id == "ERR-30"
    assert "LIMIT-23" in caught.value.rule_ids


def test_scaling_while_the_cluster_is_still_creating_is_refused(alice, subnets):
    cluster = services.create_cluster(group(alice), spec(subnets["aks-subnet"]))
    with pytest.raises(AzureRuleError) as caught:
        services.scale_pool(_pool(cluster), 4)
    assert "creating" in caught.value.message


def test_aks_04_a_windows_pool_on_kubenet_is_refused(alice, subnets):
    cluster = _cluster(alice, subnets["aks-subnet"])
    before = state(alice)
    with pytest.raises(AzureRuleError) as caught:
        services.add_node_pool(cluster, services.PoolSpec(name="win", os_type="Windows"))
    assert caught.value.err_id == "ERR-34"
    assert caught.value.field == "os_type"
    assert state(alice) == before


def test_a_windows_user_pool_joins_an_azure_cni_cluster_with_its_own_addresses(alice, subnets):
    cluster = _cluster(alice, subnets["aks-subnet"], network_plugin="azure", node_count=2)
    pool = services.add_node_pool(cluster, services.PoolSpec(name="win", os_type="Windows", node_count=2, max_pods=20))
    assert (pool.mode, pool.os_type, pool.nodes.count()) == ("User", "Windows", 2)
    assert PodIpAddress.objects.filter(node__pool=pool).count() == 40
    assert services.subnet_usage(subnets["aks-subnet"]) == 2 * 31 + 2 * 21


def test_aks_25_a_pool_with_too_many_pods_is_refused(alice, subnets):
    cluster = _cluster(alice, subnets["aks-subnet"], network_plugin="azure")
    with pytest.raises(AzureRuleError) as caught:
        services.add_node_pool(cluster, services.PoolSpec(name="big", max_pods=251))
    assert caught.value.err_id == "ERR-42"
    assert caught.value.field == "max_pods"


def test_aks_25_a_pool_too_small_for_30_pods_names_the_pool_minimum(alice, subnets):
    # Issue #10: the same refusal as the wizard's, not "maxPods 10 must be 10-250".
    cluster = _cluster(alice, subnets["aks-subnet"], network_plugin="azure")
    with pytest.raises(AzureRuleError) as caught:
        services.add_node_pool(cluster, services.PoolSpec(name="tiny", node_count=2, max_pods=10))
    assert (caught.value.err_id, caught.value.field) == ("ERR-42", "max_pods") and "AKS-25" in caught.value.rule_ids
    assert "must be" not in caught.value.message and "at least 30 pods" in caught.value.message
    assert "use 3 nodes or more" in caught.value.message
