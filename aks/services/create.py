"""'Create Kubernetes cluster': validated by :mod:`aks.services.refusals`,
then written in one transaction:

- the cluster, its node resource group ``MC_<rg>_<cluster>_<region>`` and
  its System pool's nodes (:mod:`aks.services.nodes`);
- every cluster gets an NSG ``aks-agentpool-<digits>-nsg`` in the node
  resource group, on every node NIC (AKS-02);
- every cluster gets the Standard load balancer ``kubernetes`` and its
  outbound public IP in the node resource group (outboundType
  loadBalancer: LB-01, LB-02), and a virtual machine scale set per pool;
- kubenet: a route table ``aks-agentpool-<digits>-routetable`` in the node
  resource group, associated with the subnet through
  ``networking.services.links``; a route table already on the subnet is used
  instead (bring your own, AKS-08).

Creating is a long-running ``Operation``; the cluster's "Creating" state is
derived from its end time.
"""

from __future__ import annotations

import uuid
import zlib
from dataclasses import replace
from ipaddress import ip_network

from django.db import IntegrityError, transaction

from aks import planning
from aks.models import AgentPool, ClusterNode, ManagedCluster
from aks.planning import Plugin
from aks.services.network import create_network, on_new_network
from aks.services.nodes import add_nodes, create_scale_set, write_routes
from aks.services.refusals import cluster_refusals, node_resource_group_name
from aks.services.specs import KUBERNETES_VERSIONS, SYSTEM_POOL_NAME, ClusterSpec
from networking.models import LoadBalancer, NetworkSecurityGroup, RouteTable, Subnet
from networking.services import links, loadbalancers
from portal import services as portal_services
from portal.eras import Era
from portal.errors import AzureRuleError, refuse
from portal.models import ResourceGroup
from portal.registry import registry
from portal.resources import resource_url


def create_cluster(rg: ResourceGroup, spec: ClusterSpec) -> ManagedCluster:
    """'Create Kubernetes cluster': validated, then written in one transaction
    with the subnet locked, so two tabs can't both place a kubenet cluster in
    one subnet (AKS-05) or hand out the same address.

    With ``spec.new_network`` the VNet and/or subnet are created in the same
    transaction: a refusal anywhere leaves none of them written."""
    registry.refuse_change(rg)
    new = spec.new_network
    if new is not None:
        with transaction.atomic():
            subnet = create_network(rg, new, spec.location)
            try:
                return create_cluster(rg, replace(spec, subnet=subnet, new_network=None))
            except AzureRuleError as exc:
                raise on_new_network(exc, new) from None
    sandbox = rg.subscription.sandbox
    era = Era(sandbox.era)
    refusals = cluster_refusals(sandbox, rg, spec)
    if refusals:
        raise refusals[0]
    plugin = Plugin(spec.network_plugin)
    defaults = planning.network_defaults(era, plugin)
    with transaction.atomic():
        subnet = (
            Subnet.objects.select_for_update(of=("self",)).select_related("vnet", "route_table").get(pk=spec.subnet.pk)
        )
        # Re-checked under the lock: what another tab wrote meanwhile counts.
        refusals = cluster_refusals(sandbox, rg, replace(spec, subnet=subnet))
        if refusals:
            raise refusals[0]
        max_pods = spec.max_pods if spec.max_pods is not None else defaults.max_pods.default
        name = spec.name.strip()
        suffix = f"{zlib.crc32(f'{rg.arm_id}/{name}'.lower().encode()) % 10**8:08d}"
        node_rg = _node_resource_group(rg, name, spec.location)
        try:
            cluster = ManagedCluster.objects.create(
                sandbox=sandbox,
                resource_group=rg,
                name=name,
                location=spec.location,
                dns_prefix=f"{name[:40]}-dns",
                kubernetes_version=KUBERNETES_VERSIONS[era],
                node_resource_group=node_rg.name,
                resource_suffix=suffix,
                network_plugin=plugin.value,
                pod_cidr="" if plugin.pods_in_subnet else str(ip_network(spec.pod_cidr or defaults.pod_cidr)),
                service_cidr=str(ip_network(spec.service_cidr or defaults.service_cidr)),
                dns_service_ip=(spec.dns_service_ip or defaults.dns_service_ip).strip(),
                docker_bridge_cidr=(spec.docker_bridge_cidr or defaults.docker_bridge_cidr).strip(),
                network_policy=spec.network_policy,
                max_pods=max_pods,
                subnet=subnet,
                virtual_nodes=spec.virtual_nodes,
            )
        except IntegrityError:
            # The partial unique index lost a race for the subnet (AKS-05).
            other = ManagedCluster.objects.in_subnet(subnet).first()
            raise refuse(
                "ERR-32", "AKS-05", "SEED-27", field="subnet", subnet=subnet.name, cluster=other.name if other else "?"
            ) from None
        _create_node_nsg(cluster, node_rg)
        _create_load_balancer(cluster, node_rg)
        pool = AgentPool.objects.create(
            cluster=cluster,
            name=SYSTEM_POOL_NAME,
            mode="System",
            os_type=spec.os_type,
            vm_size=spec.node_size,
            node_count=spec.node_count,
            max_pods=max_pods,
        )
        create_scale_set(cluster, pool, node_rg)
        nodes = add_nodes(cluster, pool, subnet, node_rg, spec.node_count)
        if plugin is Plugin.KUBENET:
            _attach_route_table(cluster, subnet, node_rg, nodes)
        operation = portal_services.start_operation(
            sandbox,
            kind="aks-create",
            resource=cluster,
            title="Deployment in progress...",
            done_title="Deployment succeeded",
            body=f"Deployment of Kubernetes service '{name}' to resource group '{rg.name}'.",
            link=resource_url(cluster),
        )
        portal_services.log_activity(sandbox, cluster, "Create or Update Managed Cluster", "Started", operation)
    return cluster


def _node_resource_group(rg: ResourceGroup, name: str, location: str) -> ResourceGroup:
    """The ``MC_`` group AKS creates for the nodes' resources; cluster_refusals
    made sure its name is free."""
    subscription = rg.subscription
    node_rg = ResourceGroup.objects.create(
        subscription=subscription,
        name=node_resource_group_name(rg.name, name, location),
        location=location,
        # ARM's managedBy: the cluster owns the group (AKS-02).
        managed_by=f"{rg.arm_id}/providers/{ManagedCluster.arm_type}/{name}",
    )
    portal_services.log_activity(subscription.sandbox, node_rg, "Create Resource Group", "Succeeded")
    return node_rg


def _create_node_nsg(cluster: ManagedCluster, node_rg: ResourceGroup) -> NetworkSecurityGroup:
    """AKS-02: the NSG AKS makes for the node NICs, with the default rules
    only (NSG-10). Made here rather than by ``nsgs.create_nsg``: AKS creates
    it, so the learner gets no "Deployment succeeded" of its own for it.
    cluster_refusals checked the region's NSG limit (LIMIT-14)."""
    nsg = NetworkSecurityGroup.objects.create(
        sandbox=cluster.sandbox,
        resource_group=node_rg,
        name=f"aks-agentpool-{cluster.resource_suffix}-nsg",
        location=cluster.location,
    )
    portal_services.log_activity(cluster.sandbox, nsg, "Create or Update Network Security Group", "Succeeded")
    ManagedCluster.objects.filter(pk=cluster.pk).update(node_nsg=nsg)
    cluster.node_nsg = nsg
    return nsg


def _create_load_balancer(cluster: ManagedCluster, node_rg: ResourceGroup) -> LoadBalancer:
    """LB-02 (outboundType loadBalancer, AKS's default): the Standard load
    balancer ``kubernetes`` in the node resource group, its frontend a new
    Standard static public IP that AKS names with a GUID, and the outbound
    rule that gives the nodes (and the pods behind them) that address on the
    internet (LB-01). The nodes join its backend pool as they are added."""
    guid = uuid.uuid5(uuid.NAMESPACE_URL, f"{cluster.resource_group.arm_id}/{cluster.name}".lower())
    balancer = loadbalancers.create_outbound_load_balancer(
        node_rg,
        "kubernetes",
        cluster.location,
        public_ip_name=str(guid),
        backend_pool="kubernetes",
        outbound_rule="aksOutboundRule",
    )
    ManagedCluster.objects.filter(pk=cluster.pk).update(load_balancer=balancer)
    cluster.load_balancer = balancer
    return balancer


def _attach_route_table(
    cluster: ManagedCluster, subnet: Subnet, node_rg: ResourceGroup, nodes: list[ClusterNode]
) -> None:
    """Kubenet: one route per node in the cluster's route table (AKS-02),
    created in the node resource group and associated with the subnet, or
    the route table already on the subnet (AKS-08). cluster_refusals checked
    the region's route table limit (LIMIT-22)."""
    table = subnet.route_table
    if table is None:
        table = RouteTable.objects.create(
            sandbox=cluster.sandbox,
            resource_group=node_rg,
            name=f"aks-agentpool-{cluster.resource_suffix}-routetable",
            location=cluster.location,
        )
        portal_services.log_activity(cluster.sandbox, table, "Create or Update Route Table", "Succeeded")
        # The conditional claim of links.py: a route table another tab put on
        # the subnet meanwhile makes this fail, and the whole create rolls back.
        links.associate_subnet(
            table, subnet, field="route_table", kind="route table", short="route table", rule="AKS-02"
        )
    ManagedCluster.objects.filter(pk=cluster.pk).update(route_table=table)
    cluster.route_table = table
    write_routes(cluster, nodes)
