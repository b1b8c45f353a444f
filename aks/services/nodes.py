"""Nodes and their addresses, for a create, a scale and a new pool alike:

- each pool is a virtual machine scale set ``aks-<pool>-<digits>-vmss`` in
  the node resource group (``MC_<rg>_<cluster>_<region>``), and each node
  one of its instances;
- each node gets a NIC with the subnet's next free address, held by its
  instance (VMSS-01) and in the backend pool of the cluster's load balancer
  (LB-02);
- Azure CNI (node subnet) reserves ``max_pods`` more addresses per node
  (AKS-20);
- kubenet writes one route per node (pod /24 -> node IP, AKS-01/AKS-02),
  as :func:`aks.planning.kubenet_routes` plans them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from ipaddress import IPv4Address, IPv4Network

from aks import planning
from aks.models import AgentPool, ClusterNode, ManagedCluster, PodIpAddress, VirtualMachineScaleSet
from aks.planning import Plugin
from aks.services.state import taken_addresses
from networking.models import NetworkInterface, Route, Subnet
from networking.services.routes import MAX_ROUTES_PER_TABLE
from portal import services as portal_services
from portal.errors import refuse, rule_error
from portal.models import ResourceGroup


def _free_addresses(subnet: Subnet) -> Iterator[str]:
    """The subnet's free addresses in order, after the five Azure keeps (SUBNET-01)."""
    network = IPv4Network(subnet.address_prefix)
    taken = taken_addresses(subnet)
    for candidate in range(int(network.network_address) + 4, int(network.broadcast_address)):
        if candidate not in taken:
            yield str(IPv4Address(candidate))


def scale_set_name(cluster: ManagedCluster, pool_name: str) -> str:
    """AKS's name for a pool's scale set; its nodes' computer names add six
    base-36 digits (aks-agentpool-12345678-vmss000000)."""
    return f"aks-{pool_name}-{cluster.resource_suffix}-vmss"


def create_scale_set(cluster: ManagedCluster, pool: AgentPool, node_rg: ResourceGroup) -> VirtualMachineScaleSet:
    """The pool's scale set, made by AKS in the node resource group."""
    scale_set = VirtualMachineScaleSet.objects.create(
        sandbox=cluster.sandbox,
        resource_group=node_rg,
        name=scale_set_name(cluster, pool.name),
        location=cluster.location,
        pool=pool,
    )
    portal_services.log_activity(cluster.sandbox, scale_set, "Create or Update Virtual Machine Scale Set", "Succeeded")
    return scale_set


def add_nodes(
    cluster: ManagedCluster, pool: AgentPool, subnet: Subnet, node_rg: ResourceGroup, count: int
) -> list[ClusterNode]:
    """``count`` new nodes for ``pool``: a NIC each with the next free address
    and, for Azure CNI, its pod addresses right after it (AKS-20); kubenet and
    Overlay nodes take the next free /24 of the pod CIDR (AKS-01, AKS-30)."""
    plugin = cluster.plugin
    free = _free_addresses(subnet)
    existing = ClusterNode.objects.filter(pool__cluster=cluster)
    used_pod_indexes = set(existing.values_list("pod_index", flat=True))
    next_instance = max(pool.nodes.values_list("instance", flat=True), default=-1) + 1
    pod_network = IPv4Network(cluster.pod_cidr) if cluster.pod_cidr else None
    blocks = 2 ** (planning.NODE_POD_PREFIX - pod_network.prefixlen) if pod_network else 0
    nics, specs, pod_ips = [], [], []
    pod_index = 0
    for offset in range(count):
        while pod_index in used_pod_indexes:
            pod_index += 1
        if pod_network is not None and pod_index >= blocks:
            raise rule_error(
                f"Pod CIDR '{cluster.pod_cidr}' has no /24 left for another node.",
                "AKS-01" if plugin is Plugin.KUBENET else "AKS-30",
                field="node_count",
            )
        used_pod_indexes.add(pod_index)
        instance = next_instance + offset
        node_name = f"{scale_set_name(cluster, pool.name)}{_base36(instance):0>6}"
        ip = next(free, None)
        addresses = [next(free, None) for _ in range(pool.max_pods)] if plugin.pods_in_subnet else []
        if ip is None or None in addresses:
            raise rule_error(
                f"Subnet '{subnet.name}' ({subnet.address_prefix}) has no free IP address left.",
                "SUBNET-01",
                "AKS-21",
                field="node_count",
            )
        nics.append(
            NetworkInterface(
                sandbox=cluster.sandbox,
                resource_group=node_rg,
                name=f"{node_name}-nic",
                location=cluster.location,
                subnet=subnet,
                private_ip=ip,
                vm_name=node_name,
                # AKS-02: kubenet forwards pod traffic through the node.
                enable_ip_forwarding=plugin is Plugin.KUBENET,
                # AKS-02: the node NSG is on the NIC from the start. The NIC is
                # new, so NSG-20's one NSG per NIC holds without a claim.
                nsg_id=cluster.node_nsg_id,
                # VMSS-01: the NIC is its scale set instance's.
                scale_set=scale_set_name(cluster, pool.name),
                scale_set_instance=instance,
                # LB-02: in the backend pool of the cluster's load balancer.
                load_balancer_id=cluster.load_balancer_id,
            )
        )
        pod_cidr = str(planning.node_pod_cidr(pod_network, pod_index)) if pod_network is not None else ""
        specs.append((node_name, instance, pod_index, pod_cidr))
        pod_ips.append(addresses)
    NetworkInterface.objects.bulk_create(nics)
    nics = list(NetworkInterface.objects.filter(subnet=subnet, name__in=[n.name for n in nics], resource_group=node_rg))
    by_name = {nic.name: nic for nic in nics}
    ClusterNode.objects.bulk_create(
        ClusterNode(
            pool=pool, name=name, instance=instance, pod_index=index, pod_cidr=pod_cidr, nic=by_name[f"{name}-nic"]
        )
        for name, instance, index, pod_cidr in specs
    )
    nodes = list(ClusterNode.objects.filter(pool=pool, name__in=[s[0] for s in specs]).select_related("nic"))
    by_node = {name: addresses for (name, *_), addresses in zip(specs, pod_ips, strict=True)}
    PodIpAddress.objects.bulk_create(
        PodIpAddress(node=node, subnet=subnet, ip=ip) for node in nodes for ip in by_node[node.name]
    )
    return sorted(nodes, key=lambda n: n.pod_index)


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while True:
        number, rest = divmod(number, 36)
        text = digits[rest] + text
        if not number:
            return text


def write_routes(cluster: ManagedCluster, nodes: Sequence[ClusterNode]) -> None:
    """Kubenet: the new ``nodes``' routes in the cluster's route table, as
    aks.planning plans them (AKS-01/AKS-02), refused past 400 (ERR-30)."""
    table = cluster.route_table
    if Route.objects.filter(route_table=table).count() + len(nodes) > MAX_ROUTES_PER_TABLE:
        raise refuse("ERR-30", "AKS-03", "LIMIT-23", field="node_count", rt=table.name)
    routes = planning.kubenet_routes(
        cluster.pod_cidr, [(node.name, node.nic.private_ip) for node in nodes], [node.pod_index for node in nodes]
    )
    Route.objects.bulk_create(
        Route(
            route_table=table,
            name=route.name,
            address_prefix=str(route.address_prefix),
            next_hop_type=route.next_hop_type,
            next_hop_ip=str(route.next_hop_ip),
        )
        for route in routes
    )
    portal_services.log_activity(cluster.sandbox, table, "Create or Update Route Table", "Succeeded")
