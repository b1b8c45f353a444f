"""Who uses a subnet, as AKS knows it: registered on networking's subnet type
from AppConfig.ready(), so networking names no cluster.

A cluster's nodes have NICs in its subnet, which networking already counts;
this names the cluster itself when no node NIC is there (a cluster deleted
with its subnet would take the cluster with it, ManagedCluster.subnet)."""

from __future__ import annotations

from aks.models import ManagedCluster
from networking.models import Subnet
from portal.registry import Registry


def cluster_name(subnet: Subnet) -> str | None:
    """The cluster whose node subnet ``subnet`` is (SUBNET-06), or None."""
    cluster = ManagedCluster.objects.filter(subnet=subnet).only("name").first()
    return cluster.name if cluster else None


def register(registry: Registry) -> None:
    registry.add_user_lookup(Subnet.arm_type, cluster_name)
