"""Who uses a subnet, as AKS knows it: registered on networking's subnet type
from AppConfig.ready(), so networking names no cluster.

A cluster's nodes have NICs in its subnet, which networking already counts;
this names the cluster itself when no node NIC is there (a cluster deleted
with its subnet would take the cluster with it, ManagedCluster.subnet)."""

from __future__ import annotations

from aks.models import ManagedCluster
from networking.models import Subnet
from portal.errors import AzureRuleError, rule_error
from portal.registry import Registry


def cluster_name(subnet: Subnet) -> str | None:
    """The cluster whose node subnet ``subnet`` is (SUBNET-06), or None."""
    cluster = ManagedCluster.objects.filter(subnet=subnet).only("name").first()
    return cluster.name if cluster else None


def cluster_move_refusal(cluster: ManagedCluster, target_group, cross_subscription: bool) -> AzureRuleError:
    """MOVE-02: AKS clusters (Microsoft.ContainerService/managedClusters)
    don't support moving to another resource group or subscription."""
    return rule_error(
        f"AKS cluster '{cluster.name}' can't be moved: Microsoft.ContainerService/managedClusters doesn't support "
        "moving to another resource group or subscription. Create a new cluster there instead.",
        "MOVE-02",
    )


def register(registry: Registry) -> None:
    registry.add_user_lookup(Subnet.arm_type, cluster_name)
    registry.add_move_check(ManagedCluster.arm_type, cluster_move_refusal)
