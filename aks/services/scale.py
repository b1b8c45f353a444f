"""Scaling a node pool: nodes added take addresses (and kubenet routes);
nodes removed give theirs back. A long-running ``Operation``: the cluster is
"Updating" until it ends."""

from __future__ import annotations

from django.db import transaction

from aks.models import AgentPool, ManagedCluster
from aks.services.nodes import add_nodes, write_routes
from aks.services.refusals import capacity_refusal, kubenet_limits
from aks.services.specs import MAX_NODES_PER_POOL
from aks.services.state import cluster_node_count, pool_addresses, refuse_while_busy, subnet_usage
from networking.models import NetworkInterface, Route, Subnet
from networking.services import vnets
from portal import services as portal_services
from portal.errors import rule_error
from portal.models import ResourceGroup
from portal.registry import registry
from portal.resources import resource_url


def scale_pool(pool: AgentPool, node_count: int) -> AgentPool:
    """Scale ``pool`` to ``node_count`` nodes. Refused when the subnet would
    overflow (ERR-43) or the kubenet route table would pass 400 routes
    (ERR-35, ERR-30)."""
    if not 1 <= node_count <= MAX_NODES_PER_POOL:
        raise rule_error(f"Node count must be 1-{MAX_NODES_PER_POOL:,}.", "AKS-32", field="node_count")
    registry.refuse_change(pool.cluster)
    with transaction.atomic():
        cluster = (
            ManagedCluster.objects.select_for_update(of=("self",))
            .select_related("sandbox", "resource_group__subscription", "subnet__vnet", "route_table")
            .get(pk=pool.cluster_id)
        )
        refuse_while_busy(cluster, "node_count")
        subnet = Subnet.objects.select_for_update().select_related("vnet").get(pk=cluster.subnet_id)
        cluster.subnet = subnet
        pool = AgentPool.objects.select_for_update().get(pk=pool.pk)
        current = pool.nodes.count()
        if node_count == current:
            raise rule_error(f"Node pool '{pool.name}' already has {current} node(s).", field="node_count")
        if node_count > current:
            adding = node_count - current
            kubenet_limits(cluster, cluster_node_count(cluster, without=pool) + node_count, adding)
            problem = capacity_refusal(cluster, node_count, pool.max_pods, subnet_usage(subnet) - pool_addresses(pool))
            if problem is not None:
                raise problem
            vnets.check_private_ip_capacity(
                subnet.vnet, adding=adding * (1 + (pool.max_pods if cluster.plugin.pods_in_subnet else 0))
            )
            node_rg = ResourceGroup.objects.get(
                subscription=cluster.resource_group.subscription, name=cluster.node_resource_group
            )
            nodes = add_nodes(cluster, pool, subnet, node_rg, adding)
            if cluster.route_table is not None:
                write_routes(cluster, nodes)
        else:
            leaving = list(pool.nodes.order_by("-instance")[: current - node_count])
            if cluster.route_table is not None:
                Route.objects.filter(route_table=cluster.route_table, name__in=[n.name for n in leaving]).delete()
                portal_services.log_activity(
                    cluster.sandbox, cluster.route_table, "Create or Update Route Table", "Succeeded"
                )
            # The NICs take their nodes and pod addresses with them.
            NetworkInterface.objects.filter(pk__in=[n.nic_id for n in leaving]).delete()
        AgentPool.objects.filter(pk=pool.pk).update(node_count=node_count)
        operation = portal_services.start_operation(
            cluster.sandbox,
            kind="aks-scale",
            resource=cluster,
            title=f"Scaling node pool '{pool.name}'",
            done_title=f"Successfully scaled node pool '{pool.name}'",
            body=f"Node pool '{pool.name}' of '{cluster.name}': {current} -> {node_count} node(s).",
            link=resource_url(cluster),
        )
        portal_services.log_activity(cluster.sandbox, cluster, "Create or Update Agent Pool", "Started", operation)
    pool.refresh_from_db()
    return pool
