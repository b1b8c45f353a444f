"""Node pools > '+ Add node pool': its refusals, one per field, and the
pool with its nodes. Windows Server pools need Azure CNI (AKS-04, ERR-34)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction

from aks import planning
from aks.models import AgentPool, ManagedCluster
from aks.planning import Plugin
from aks.services.nodes import add_nodes, create_scale_set, write_routes
from aks.services.refusals import capacity_refusal, kubenet_limits, to_error, validate_pool_name
from aks.services.specs import MAX_NODES_PER_POOL, NODE_SIZES, PoolSpec
from aks.services.state import cluster_node_count, refuse_while_busy, subnet_usage
from networking.models import Subnet
from networking.services import vnets
from portal import services as portal_services
from portal.errors import AzureRuleError, refuse, rule_error
from portal.models import ResourceGroup
from portal.registry import registry
from portal.resources import resource_url


def pool_refusals(cluster: ManagedCluster, spec: PoolSpec) -> list[AzureRuleError]:
    """'+ Add node pool': every refusal, one per field."""
    out: list[AzureRuleError] = []

    def attempt(check: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return check(*args, **kwargs)
        except AzureRuleError as exc:
            if all(e.field != exc.field for e in out):
                out.append(exc)
            return None

    if spec.os_type not in ("Linux", "Windows"):
        out.append(rule_error("Choose Linux or Windows.", field="os_type"))
        return out
    if spec.os_type == "Windows" and cluster.plugin is Plugin.KUBENET:
        out.append(refuse("ERR-34", "AKS-04", "SEED-27", field="os_type", cluster=cluster.name))
    if spec.mode == "System" and spec.os_type == "Windows":
        out.append(rule_error("System node pools must run Linux. Choose User for a Windows pool.", field="mode"))
    if spec.mode not in ("System", "User"):
        out.append(rule_error("Choose System or User.", field="mode"))
    name = attempt(validate_pool_name, spec.name, spec.os_type)
    if name and cluster.pools.filter(name=name).exists():
        out.append(rule_error(f"Node pool '{name}' already exists in '{cluster.name}'.", "NAMING-41", field="name"))
    if spec.vm_size not in NODE_SIZES:
        out.append(rule_error("Choose a node size.", field="vm_size"))
    if not 1 <= spec.node_count <= MAX_NODES_PER_POOL:
        out.append(rule_error(f"Node count must be 1-{MAX_NODES_PER_POOL:,}.", "AKS-32", field="node_count"))
        return out
    limits = planning.network_defaults(cluster.sandbox.era, cluster.plugin).max_pods
    max_pods = spec.max_pods if spec.max_pods is not None else limits.default
    if refusal := planning.max_pods_refusal(limits, max_pods, spec.node_count):
        out.append(to_error(refusal))
        return out
    attempt(kubenet_limits, cluster, cluster_node_count(cluster) + spec.node_count, spec.node_count)
    problem = capacity_refusal(cluster, spec.node_count, max_pods, subnet_usage(cluster.subnet))
    if problem is not None and all(e.field != "node_count" for e in out):
        out.append(problem)
    return out


def add_node_pool(cluster: ManagedCluster, spec: PoolSpec) -> AgentPool:
    """Node pools > '+ Add node pool', checked by :func:`pool_refusals` with
    the cluster and its subnet locked."""
    registry.refuse_change(cluster)
    with transaction.atomic():
        cluster = (
            ManagedCluster.objects.select_for_update(of=("self",))
            .select_related("sandbox", "resource_group__subscription", "subnet__vnet", "route_table")
            .get(pk=cluster.pk)
        )
        refuse_while_busy(cluster)
        cluster.subnet = Subnet.objects.select_for_update().select_related("vnet").get(pk=cluster.subnet_id)
        refusals = pool_refusals(cluster, spec)
        if refusals:
            raise refusals[0]
        limits = planning.network_defaults(cluster.sandbox.era, cluster.plugin).max_pods
        max_pods = spec.max_pods if spec.max_pods is not None else limits.default
        pods = max_pods if cluster.plugin.pods_in_subnet else 0
        vnets.check_private_ip_capacity(cluster.subnet.vnet, adding=spec.node_count * (1 + pods))
        pool = AgentPool.objects.create(
            cluster=cluster,
            name=spec.name.strip(),
            mode=spec.mode,
            os_type=spec.os_type,
            vm_size=spec.vm_size,
            node_count=spec.node_count,
            max_pods=max_pods,
        )
        node_rg = ResourceGroup.objects.get(
            subscription=cluster.resource_group.subscription, name=cluster.node_resource_group
        )
        create_scale_set(cluster, pool, node_rg)
        nodes = add_nodes(cluster, pool, cluster.subnet, node_rg, spec.node_count)
        if cluster.route_table is not None:
            write_routes(cluster, nodes)
        operation = portal_services.start_operation(
            cluster.sandbox,
            kind="aks-pool",
            resource=cluster,
            title=f"Creating node pool '{pool.name}'",
            done_title=f"Successfully created node pool '{pool.name}'",
            body=f"Node pool '{pool.name}' ({spec.os_type}, {spec.node_count} node(s)) in '{cluster.name}'.",
            link=resource_url(cluster),
        )
        portal_services.log_activity(cluster.sandbox, cluster, "Create or Update Agent Pool", "Started", operation)
    return pool
