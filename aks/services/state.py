"""What the database holds that the AKS rules read: a subnet's addresses in
use, the ranges around it, and a cluster's provisioning state. Reads only."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from ipaddress import IPv4Address

from django.db.models import Count
from django.utils import timezone

from aks.models import AgentPool, ClusterNode, ManagedCluster, PodIpAddress
from aks.planning import ExistingCluster, Plugin, SubnetContext
from aks.services.specs import CLUSTER_OPERATIONS
from networking.models import NetworkInterface, Subnet, VirtualNetwork, VirtualNetworkPeering
from portal.errors import rule_error
from portal.models import Operation


def subnet_usage(subnet: Subnet) -> int:
    """Addresses in use in ``subnet`` beyond the five Azure keeps: every NIC
    (AKS nodes' included) and the pod addresses Azure CNI reserved (AKS-20)."""
    return NetworkInterface.objects.filter(subnet=subnet).count() + PodIpAddress.objects.filter(subnet=subnet).count()


def subnet_usages(subnets: Iterable[Subnet]) -> dict[int, int]:
    """:func:`subnet_usage` for many subnets in two queries."""
    ids = [s.pk for s in subnets]
    nics = dict(Subnet.objects.filter(pk__in=ids).annotate(n=Count("nics")).values_list("pk", "n"))
    pods = dict(Subnet.objects.filter(pk__in=ids).annotate(n=Count("aks_pod_ips")).values_list("pk", "n"))
    return {pk: nics.get(pk, 0) + pods.get(pk, 0) for pk in ids}


def taken_addresses(subnet: Subnet) -> set[int]:
    nic_ips = NetworkInterface.objects.filter(subnet=subnet).values_list("private_ip", flat=True)
    pod_ips = PodIpAddress.objects.filter(subnet=subnet).values_list("ip", flat=True)
    return {int(IPv4Address(ip)) for ip in (*nic_ips, *pod_ips)}


def peered_address_space(vnet: VirtualNetwork) -> tuple[str, ...]:
    """The address space of the VNets ``vnet`` is connected to by peering."""
    peered = VirtualNetworkPeering.objects.filter(vnet=vnet, peering_state="Connected").values_list(
        "remote_vnet__address_space", flat=True
    )
    return tuple(prefix for space in peered for prefix in (space or []))


def subnet_context(
    subnet: Subnet, *, used_addresses: int | None = None, exclude: ManagedCluster | None = None
) -> SubnetContext:
    """The subnet and the ranges around it, as aks.planning wants them."""
    clusters = ManagedCluster.objects.in_subnet(subnet)
    if exclude is not None:
        clusters = clusters.exclude(pk=exclude.pk)
    return SubnetContext(
        name=subnet.name,
        prefix=subnet.address_prefix,
        vnet_address_space=tuple(subnet.vnet.address_space),
        delegations=(subnet.delegation,) if subnet.delegation else (),
        used_addresses=subnet_usage(subnet) if used_addresses is None else used_addresses,
        peered_address_space=peered_address_space(subnet.vnet),
        existing_clusters=tuple(ExistingCluster(c.name, Plugin(c.network_plugin)) for c in clusters),
    )


def pool_addresses(pool: AgentPool) -> int:
    """What the pool holds in the subnet now: its NICs and pod addresses."""
    return pool.nodes.count() + PodIpAddress.objects.filter(node__pool=pool).count()


def cluster_node_count(cluster: ManagedCluster, without: AgentPool | None = None) -> int:
    nodes = ClusterNode.objects.filter(pool__cluster=cluster)
    if without is not None:
        nodes = nodes.exclude(pool=without)
    return nodes.count()


def cluster_states(clusters: Iterable[ManagedCluster], now: datetime | None = None) -> dict[int, str]:
    """'Creating', 'Updating' or 'Succeeded' for each cluster, from its
    operations' end times (one query)."""
    clusters = list(clusters)
    if not clusters:
        return {}
    now = now or timezone.now()
    busy = dict(
        Operation.objects.filter(
            sandbox_id=clusters[0].sandbox_id,
            kind__in=CLUSTER_OPERATIONS,
            resource_id__in=[c.arm_id for c in clusters],
            ends_at__gt=now,
        ).values_list("resource_id", "kind")
    )
    states = {}
    for cluster in clusters:
        kind = busy.get(cluster.arm_id)
        states[cluster.pk] = "Creating" if kind == "aks-create" else "Updating" if kind else "Succeeded"
    return states


def cluster_state(cluster: ManagedCluster, now: datetime | None = None) -> str:
    return cluster_states([cluster], now)[cluster.pk]


def refuse_while_busy(cluster: ManagedCluster, field: str | None = None) -> None:
    state = cluster_state(cluster)
    if state != "Succeeded":
        # Azure answers OperationNotAllowed; the catalogue has no ID for it.
        raise rule_error(
            f"Cluster '{cluster.name}' is {state.lower()}. Wait until its provisioning state is Succeeded.",
            field=field,
        )
