"""ARM JSON in and out for AKS: managed clusters
(Microsoft.ContainerService/managedClusters, their node pools listed in
``agentPoolProfiles`` as ARM does) and node pools on their own
(Microsoft.ContainerService/managedClusters/agentPools).

In goes through aks.services, so a template is refused where the create
wizard refuses, with the same rule IDs (AKS-31/ERR-46 for a pod CIDR that
overlaps the subnet, AKS-05 for a second kubenet cluster in a subnet, ...).
A deployment waits for a cluster's create before adding its other pools,
as ARM waits for each long-running operation.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from aks import services
from aks.models import AgentPool, ManagedCluster
from aks.planning import NetworkPolicy, Plugin
from networking.arm_services import (
    Document,
    attach,
    base_arm,
    existing,
    find_child,
    parent,
    reference,
    refusals,
    unchangeable,
    wait_for,
)
from networking.models import Subnet
from portal.arm import ids
from portal.arm.context import DeployContext
from portal.arm.errors import ArmError
from portal.models import ResourceGroup

CLUSTER_TYPE = ManagedCluster.arm_type
POOL_TYPE = f"{CLUSTER_TYPE}/agentPools"
PROFILES = "properties.agentPoolProfiles"
NETWORK = "properties.networkProfile"

_CLUSTER_FIELDS = {
    "name": "name",
    "region": "location",
    "node_size": f"{PROFILES}[0].vmSize",
    "os_type": f"{PROFILES}[0].osType",
    "node_count": f"{PROFILES}[0].count",
    "max_pods": f"{PROFILES}[0].maxPods",
    "subnet": f"{PROFILES}[0].vnetSubnetID",
    "vnet": f"{PROFILES}[0].vnetSubnetID",
    "route_table": f"{PROFILES}[0].vnetSubnetID",
    "network_plugin": f"{NETWORK}.networkPlugin",
    "network_policy": f"{NETWORK}.networkPolicy",
    "pod_cidr": f"{NETWORK}.podCidr",
    "service_cidr": f"{NETWORK}.serviceCidr",
    "dns_service_ip": f"{NETWORK}.dnsServiceIP",
    "docker_bridge_cidr": f"{NETWORK}.dockerBridgeCidr",
    "virtual_nodes": "properties.addonProfiles.aciConnectorLinux.enabled",
}


def _pool_fields(base: str) -> dict[str, str]:
    return {
        "name": "name",
        "os_type": f"{base}.osType",
        "mode": f"{base}.mode",
        "vm_size": f"{base}.vmSize",
        "node_count": f"{base}.count",
        "max_pods": f"{base}.maxPods",
    }


def cluster_to_arm(cluster: ManagedCluster) -> dict:
    document = base_arm(cluster)
    document["sku"] = {"name": "Base", "tier": "Free"}
    return document


def _plugin(doc: Document) -> Plugin:
    plugin = doc.get(f"{NETWORK}.networkPlugin", str, "kubenet")
    mode = doc.get(f"{NETWORK}.networkPluginMode", str, "")
    if plugin == "kubenet" and not mode:
        return Plugin.KUBENET
    if plugin == "azure":
        if mode == "overlay":
            return Plugin.AZURE_CNI_OVERLAY
        if not mode:
            return Plugin.AZURE_CNI
        raise ArmError("Expected 'overlay' or no mode.", resource=doc.name, path=f"{NETWORK}.networkPluginMode")
    raise ArmError("Expected 'kubenet' or 'azure'.", resource=doc.name, path=f"{NETWORK}.networkPlugin")


def _pool_spec(doc: Document, base: str, *, name: str, default_mode: str) -> services.PoolSpec:
    max_pods = doc.get(f"{base}.maxPods", int, None)
    return services.PoolSpec(
        name=name,
        os_type=doc.get(f"{base}.osType", str, "Linux"),
        mode=doc.get(f"{base}.mode", str, default_mode),
        vm_size=doc.get(f"{base}.vmSize", str),
        node_count=doc.get(f"{base}.count", int),
        max_pods=max_pods,
    )


def _cluster_subnet(ctx: DeployContext, doc: Document, cluster: ManagedCluster | None = None) -> Subnet:
    """The node subnet: the lab's clusters have one, every pool's."""
    subnet = reference(ctx, doc, f"{PROFILES}[0].vnetSubnetID", Subnet)
    for item in doc.item_paths(PROFILES)[1:]:
        path = f"{item}.vnetSubnetID"
        if doc.get(path, str, None) is not None and reference(ctx, doc, path, Subnet).pk != subnet.pk:
            raise ArmError(
                "Every node pool of a cluster uses the cluster's subnet in the lab.", resource=doc.name, path=path
            )
    return subnet


def _pools(doc: Document, cluster: ManagedCluster) -> None:
    """Each profile after the first: added, or scaled to its count."""
    for base in doc.item_paths(PROFILES)[1:]:
        spec = _pool_spec(doc, base, name=doc.get(f"{base}.name", str), default_mode="User")
        _apply_pool(doc, cluster, spec, base)


def _apply_pool(doc: Document, cluster: ManagedCluster, spec: services.PoolSpec, base: str) -> AgentPool:
    with refusals(doc, _pool_fields(base), default=base):
        pool = cluster.pools.filter(name=spec.name).first()
        if pool is None:
            pool = services.add_node_pool(cluster, spec)
        else:
            unchangeable(doc, f"{base}.vmSize", pool.vm_size, spec.vm_size)
            unchangeable(doc, f"{base}.osType", pool.os_type, spec.os_type)
            if spec.max_pods is not None:
                unchangeable(doc, f"{base}.maxPods", pool.max_pods, spec.max_pods)
            if pool.node_count != spec.node_count:
                pool = services.scale_pool(pool, spec.node_count)
        wait_for(cluster)
    return pool


def cluster_from_arm(ctx: DeployContext, resource_group: ResourceGroup, document: dict) -> ManagedCluster:
    doc = Document(document)
    if not doc.objects(PROFILES):
        raise ArmError("A cluster has at least its System node pool.", resource=doc.name, path=PROFILES)
    first = f"{PROFILES}[0]"
    if doc.get(f"{first}.name", str, services.SYSTEM_POOL_NAME) != services.SYSTEM_POOL_NAME:
        # The wizard names the System pool; the lab's service does too.
        raise ArmError(
            f"The first node pool is the System pool '{services.SYSTEM_POOL_NAME}'.",
            resource=doc.name,
            path=f"{first}.name",
        )
    subnet = _cluster_subnet(ctx, doc)
    plugin = _plugin(doc)
    policy = doc.get(f"{NETWORK}.networkPolicy", str, NetworkPolicy.NONE.value)
    addon = doc.get("properties.addonProfiles.aciConnectorLinux.enabled", bool, False)
    spec = services.ClusterSpec(
        name=doc.name,
        location=doc.location,
        node_count=doc.get(f"{first}.count", int),
        network_plugin=plugin.value,
        subnet=subnet,
        node_size=doc.get(f"{first}.vmSize", str),
        os_type=doc.get(f"{first}.osType", str, "Linux"),
        max_pods=doc.get(f"{first}.maxPods", int, None),
        service_cidr=doc.get(f"{NETWORK}.serviceCidr", str, ""),
        dns_service_ip=doc.get(f"{NETWORK}.dnsServiceIP", str, ""),
        pod_cidr=doc.get(f"{NETWORK}.podCidr", str, ""),
        docker_bridge_cidr=doc.get(f"{NETWORK}.dockerBridgeCidr", str, ""),
        network_policy=policy,
        virtual_nodes=addon,
    )
    # nodeResourceGroup, kubernetesVersion, dnsPrefix and fqdn are what AKS
    # (the service) chooses: a template's values are read-only here.
    with transaction.atomic():
        cluster = existing(ManagedCluster, resource_group, doc.name)
        if cluster is None:
            with refusals(doc, _CLUSTER_FIELDS):
                cluster = services.create_cluster(resource_group, spec)
            wait_for(cluster)
        else:
            # AKS-01: a cluster's network can't change after creation.
            unchangeable(doc, f"{first}.vnetSubnetID", cluster.subnet, subnet)
            unchangeable(doc, f"{NETWORK}.networkPlugin", cluster.network_plugin, plugin.value)
            system = _pool_spec(doc, first, name=services.SYSTEM_POOL_NAME, default_mode="System")
            _apply_pool(doc, cluster, system, first)
        _pools(doc, cluster)
    cluster.refresh_from_db()
    return cluster


def pool_to_arm(pool: AgentPool) -> dict:
    cluster = pool.cluster
    profile = pool.arm_json(cluster.subnet.arm_id)
    name = profile.pop("name")
    return {
        "id": f"{cluster.arm_id}/agentPools/{name}",
        "name": name,
        "type": POOL_TYPE,
        "properties": {"provisioningState": "Succeeded", **profile},
    }


def pool_from_arm(ctx: DeployContext, resource_group: ResourceGroup, document: dict) -> AgentPool:
    doc = Document(document)
    cluster_name, name = doc.child_names(2)
    cluster = parent(ctx, resource_group, doc, ManagedCluster, cluster_name)
    subnet_path = "properties.vnetSubnetID"
    if doc.get(subnet_path, str, None) is not None and reference(ctx, doc, subnet_path, Subnet).pk != cluster.subnet_id:
        raise ArmError(
            "Every node pool of a cluster uses the cluster's subnet in the lab.", resource=doc.name, path=subnet_path
        )
    spec = _pool_spec(doc, "properties", name=name, default_mode="User")
    with transaction.atomic():
        return _apply_pool(doc, cluster, spec, "properties")


def find_pool(sandbox: Any, resource_id: ids.ResourceId) -> AgentPool | None:
    return find_child(AgentPool, "cluster", sandbox, resource_id)


def register_arm() -> None:
    """ARM JSON in and out on the types aks/resources.py declares."""
    # The node resource group and what is in it are AKS's to make (AKS-02).
    attach(CLUSTER_TYPE, cluster_to_arm, cluster_from_arm, managed_groups=lambda c: [c.node_resource_group])
    attach(POOL_TYPE, pool_to_arm, pool_from_arm, find=find_pool)
