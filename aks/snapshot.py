"""What AKS adds to the engine's snapshot and to its traffic sources.

networking/snapshot.py builds the topology and names no app; this module,
registered from AppConfig.ready(), adds the sandbox's clusters, nodes and
pod addresses, and offers pods as traffic sources (CLUSTER/NODE/IP).
"""

from __future__ import annotations

from ipaddress import ip_network

from aks.models import ClusterNode, ManagedCluster, PodIpAddress
from networking import snapshot
from networking.engine import topology
from networking.engine.trace import trace_pod
from portal.models import Sandbox
from portal.prepared import sandbox_rows as rows
from portal.registry import Registry


def _pod_ips_by_node(sandbox: Sandbox) -> dict[int, list[str]]:
    """The addresses Azure CNI reserved for each node (AKS-20), in one query."""
    reserved: dict[int, list[str]] = {}
    for node_id, ip in rows(
        "aks_pod_ips",
        sandbox.pk,
        lambda s: PodIpAddress.objects.filter(node__pool__cluster__sandbox_id=s).values_list("node_id", "ip"),
    ):
        reserved.setdefault(node_id, []).append(ip)
    return reserved


def contribute(sandbox: Sandbox, builder: snapshot.SnapshotBuilder) -> None:
    """The sandbox's clusters and nodes, in three queries however many
    clusters, nodes and pods there are, read as plain values."""
    for pk, name, plugin, subnet_id, pod_cidr, route_table_id in rows(
        "aks_clusters",
        sandbox.pk,
        lambda s: ManagedCluster.objects.filter(sandbox_id=s).values_list(
            "pk", "name", "network_plugin", "subnet_id", "pod_cidr", "route_table_id"
        ),
    ):
        builder.add_aks_cluster(pk, name, plugin, subnet_id, pod_cidr or None, route_table_id)
    pod_ips = _pod_ips_by_node(sandbox)
    nodes = rows(
        "aks_nodes",
        sandbox.pk,
        lambda s: ClusterNode.objects.filter(pool__cluster__sandbox_id=s)
        .order_by("pool__cluster__name", "pool_id", "instance")
        .values_list("pk", "pool__cluster_id", "name", "nic_id", "pod_cidr", "pool__max_pods"),
    )
    for pk, cluster_id, name, nic_id, pod_cidr, max_pods in nodes:
        builder.add_aks_node(cluster_id, name, nic_id, pod_cidr or None, pod_ips.get(pk, ()), max_pods)


def pod_choices(sandbox: Sandbox) -> list[tuple[str, str]]:
    """The pods a picker offers, as (value, label) with both "cluster / node /
    pod address": a kubenet or Overlay node's first pod (.4 of its /24), and
    every address Azure CNI reserved for a node (AKS-20). Two queries."""
    first_pod = topology.FIRST_POD_OFFSET
    node_rows = (
        ClusterNode.objects.filter(pool__cluster__sandbox=sandbox)
        .order_by("pool__cluster__name", "pool_id", "instance")
        .values_list("pk", "pool__cluster__name", "name", "pod_cidr")
    )
    reserved = _pod_ips_by_node(sandbox)
    choices = []
    for pk, cluster, node, pod_cidr in node_rows:
        addresses = [str(ip_network(pod_cidr).network_address + first_pod)] if pod_cidr else reserved.get(pk, [])
        for ip in addresses:
            text = f"{cluster} / {node} / {ip}"
            choices.append((text, text))
    return choices


def find_pod(sandbox: Sandbox, topology_: topology.Topology, path: str) -> topology.Pod:
    return snapshot.pod_source(topology_, path)


POD_SOURCE = snapshot.TraceSource(
    option="pod",
    metavar="CLUSTER/NODE/IP",
    help="An AKS pod: its cluster, its node and its address, e.g. lab-aks/aks-agentpool-12345678-vmss000000/"
    "10.244.0.4 (kubenet and Overlay pods are .4 onwards of the node's /24).",
    find=find_pod,
    trace=trace_pod,
    choices=pod_choices,
)


def register(registry: Registry) -> None:
    """From AppConfig.ready(): the snapshot contribution and the trace source."""
    registry.add_snapshot_contributor(contribute)
    snapshot.register_trace_source(POD_SOURCE)
