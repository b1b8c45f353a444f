"""The node NSG (AKS-02): creating a cluster also creates
``aks-agentpool-<8 digits>-nsg`` in the node resource group, on every node
NIC, so each NIC's Effective security rules show it; nodes a scale or a new
pool adds get it too (NSG-20: one NSG per NIC)."""

import re

import pytest
from django.urls import reverse

from aks import services
from aks.models import ClusterNode
from networking.engine import rules as nsg_rules
from networking.models import NetworkInterface, NetworkSecurityGroup
from networking.services import nsgs
from portal.errors import AzureRuleError
from portal.models import ActivityLogEntry, Notification
from portal.resources import resource_url
from tests.helpers.aks import aks_subnets, blade, finish_operations, group, spec, state


@pytest.fixture
def subnet(alice):
    return aks_subnets(alice)["aks-subnet"]


def _nics(cluster) -> list[NetworkInterface]:
    return [node.nic for node in ClusterNode.objects.filter(pool__cluster=cluster).select_related("nic")]


def _effective_rules(client, nic) -> str:
    rg = nic.resource_group
    url = reverse(
        "networking:nic_effective_security_rules",
        kwargs={"subscription_id": rg.subscription.subscription_id, "rg": rg.name, "name": nic.name},
    )
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("plugin", ["kubenet", "azure"])
def test_aks_02_the_cluster_gets_an_nsg_named_after_its_digits_in_the_node_resource_group(alice, subnet, plugin):
    cluster = services.create_cluster(group(alice), spec(subnet, network_plugin=plugin))
    nsg = cluster.node_nsg
    assert nsg.name == f"aks-agentpool-{cluster.resource_suffix}-nsg"
    assert re.fullmatch(r"aks-agentpool-\d{8}-nsg", nsg.name)
    # The same eight digits as the nodes (and kubenet's route table).
    assert all(n.name.startswith(f"aks-agentpool-{cluster.resource_suffix}-vmss") for n in cluster.pools.get().nodes.all())
    assert nsg.resource_group.name == cluster.node_resource_group == "MC_contoso-rg_lab-aks_eastus"
    assert nsg.location == "eastus"
    assert [nic.nsg_id for nic in _nics(cluster)] == [nsg.pk] * 3
    # AKS puts it on the node NICs, not on the learner's subnet.
    subnet.refresh_from_db()
    assert subnet.nsg_id is None


def test_aks_02_each_node_nics_effective_security_rules_show_the_node_nsg(alice, subnet):
    cluster = services.create_cluster(group(alice), spec(subnet))
    nic = _nics(cluster)[0]
    html = _effective_rules(alice, nic)
    assert f'data-nsg="{cluster.node_nsg.name}"' in html
    assert f"Network interface: {nic.name}" in html
    # NSG-10: only the default rules until the learner adds some.
    assert 'data-rule="DenyAllInBound"' in html and 'data-rule="AllowVnetInBound"' in html


def test_the_nsg_is_logged_but_brings_no_toast_of_its_own(alice, subnet):
    earlier = set(Notification.objects.filter(sandbox=alice.sandbox).values_list("pk", flat=True))
    cluster = services.create_cluster(group(alice), spec(subnet, network_plugin="azure"))
    assert ActivityLogEntry.objects.filter(
        resource_id=cluster.node_nsg.arm_id, operation_name="Create or Update Network Security Group"
    ).exists()
    finish_operations(alice)
    new = Notification.objects.filter(sandbox=alice.sandbox).exclude(pk__in=earlier)
    assert list(new.values_list("title", "body")) == [
        ("Deployment succeeded", "Deployment of Kubernetes service 'lab-aks' to resource group 'contoso-rg'.")
    ]


def test_scaling_up_puts_the_node_nsg_on_the_new_nics(alice, subnet):
    cluster = services.create_cluster(group(alice), spec(subnet, node_count=2))
    finish_operations(alice)
    services.scale_pool(cluster.pools.get(), 5)
    nics = _nics(cluster)
    assert len(nics) == 5
    assert {nic.nsg_id for nic in nics} == {cluster.node_nsg_id}
    newest = max(nics, key=lambda nic: nic.private_ip)
    assert f'data-nsg="{cluster.node_nsg.name}"' in _effective_rules(alice, newest)


def test_scaling_down_keeps_the_nsg_on_the_nodes_left(alice, subnet):
    cluster = services.create_cluster(group(alice), spec(subnet, node_count=3))
    finish_operations(alice)
    services.scale_pool(cluster.pools.get(), 1)
    assert [nic.nsg_id for nic in _nics(cluster)] == [cluster.node_nsg_id]
    assert NetworkSecurityGroup.objects.filter(pk=cluster.node_nsg_id).exists()


def test_a_new_node_pools_nics_get_the_node_nsg(alice, subnet):
    cluster = services.create_cluster(group(alice), spec(subnet, network_plugin="azure", node_count=2))
    finish_operations(alice)
    pool = services.add_node_pool(cluster, services.PoolSpec(name="user1", node_count=2, max_pods=30))
    assert {node.nic.nsg_id for node in pool.nodes.select_related("nic")} == {cluster.node_nsg_id}


def test_nsg_20_the_node_nsg_cant_be_deleted_while_nodes_use_it(alice, subnet):
    cluster = services.create_cluster(group(alice), spec(subnet))
    with pytest.raises(AzureRuleError) as caught:
        nsgs.delete_nsg(cluster.node_nsg)
    assert "NSG-20" in caught.value.rule_ids
    assert NetworkSecurityGroup.objects.filter(pk=cluster.node_nsg_id).exists()


def test_the_networking_page_links_the_node_nsg_and_each_nodes_nic(alice, subnet):
    cluster = services.create_cluster(group(alice), spec(subnet))
    html = alice.get(blade(cluster, "networking")).content.decode()
    assert f'id="node-nsg-link" href="{resource_url(cluster.node_nsg)}"' in html
    assert f">{cluster.node_nsg.name}</a> (on 3 of 3 node network interfaces)" in html
    for nic in _nics(cluster):
        assert f'href="{resource_url(nic)}" data-nic>{nic.name}</a>' in html


def test_limit_14_a_region_full_of_nsgs_refuses_the_cluster_and_writes_nothing(alice, subnet, monkeypatch):
    existing = NetworkSecurityGroup.objects.filter(sandbox=alice.sandbox, location="eastus").count()
    monkeypatch.setattr(nsg_rules, "MAX_NSGS_PER_REGION", existing)
    before = state(alice)
    with pytest.raises(AzureRuleError) as caught:
        services.create_cluster(group(alice), spec(subnet))
    assert "LIMIT-14" in caught.value.rule_ids
    assert caught.value.field == "region"
    assert state(alice) == before
