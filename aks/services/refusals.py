"""Why Azure would refuse a cluster, a scale or a node pool, judged over the
current state: aks.planning's pure rules fed with the subnet as the database
has it (or as "Create new" would make it), plus the limits of what AKS
creates around the cluster. Reads only: Review + create runs these alone.
"""

from __future__ import annotations

import re

from aks import planning
from aks.models import ManagedCluster
from aks.planning import ClusterNetworkSpec, NetworkPolicy, Plugin, Refusal, SubnetContext
from aks.services.network import check_new_network, on_new_network
from aks.services.specs import MAX_NODES_PER_POOL, NODE_SIZES, ClusterSpec
from aks.services.state import subnet_context
from networking.models import Route, Subnet
from networking.services import vnets
from networking.services.compute import nic_subnet_problem
from networking.services.nat import check_free_address
from networking.services.nsgs import check_nsg_limit
from networking.services.routes import MAX_ROUTES_PER_TABLE, check_route_table_limit
from portal.eras import Era
from portal.errors import AzureRuleError, refuse, rule_error
from portal.models import REGIONS, ResourceGroup, Sandbox

# Lab rule IDs for Azure's naming rules (as portal/naming.py does).
CLUSTER_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?$")  # NAMING-40
POOL_NAME = re.compile(r"^[a-z][a-z0-9]*$")  # NAMING-41

# planning.validate_cluster names its fields after ClusterNetworkSpec; the
# forms use these names.
FIELD_NAMES = {"virtual_network": "vnet", "windows_node_pools": "os_type"}


def to_error(refusal: Refusal) -> AzureRuleError:
    """A planning refusal as the error services raise (same IDs, message, field)."""
    field = FIELD_NAMES.get(refusal.field, refusal.field) if refusal.field else None
    return AzureRuleError(refusal.message, rule_ids=refusal.rule_ids, err_id=refusal.err_id, field=field)


def validate_cluster_name(value: str, field: str = "name") -> str:
    name = (value or "").strip()
    if not name:
        raise rule_error("Kubernetes cluster name is required.", "NAMING-40", field=field)
    if not CLUSTER_NAME.match(name):
        raise rule_error(
            "The name must be 1-63 letters, digits, underscores and hyphens, starting and ending with a letter "
            "or digit.",
            "NAMING-40",
            field=field,
        )
    return name


def validate_pool_name(value: str, os_type: str, field: str = "name") -> str:
    name = (value or "").strip()
    limit = 6 if os_type == "Windows" else 12
    if not name or len(name) > limit or not POOL_NAME.match(name):
        raise rule_error(
            f"A {os_type} node pool name is 1-{limit} lowercase letters and digits, starting with a letter.",
            "NAMING-41",
            field=field,
        )
    return name


def node_resource_group_name(rg_name: str, name: str, location: str) -> str:
    """The ``MC_`` group AKS creates for the nodes' resources (80 characters at most)."""
    return f"MC_{rg_name}_{name}_{location}"[:80]


def network_spec(era: Era, spec: ClusterSpec, name: str) -> ClusterNetworkSpec:
    return ClusterNetworkSpec(
        era=era,
        network_plugin=Plugin(spec.network_plugin),
        node_count=spec.node_count,
        max_pods=spec.max_pods,
        service_cidr=spec.service_cidr,
        dns_service_ip=spec.dns_service_ip,
        pod_cidr=spec.pod_cidr,
        docker_bridge_cidr=spec.docker_bridge_cidr,
        network_policy=NetworkPolicy(spec.network_policy),
        windows_node_pools=spec.os_type == "Windows",
        virtual_nodes=spec.virtual_nodes,
        cluster_name=name,
    )


def cluster_refusals(sandbox: Sandbox, rg: ResourceGroup | None, spec: ClusterSpec) -> list[AzureRuleError]:
    """Every refusal for ``spec``, one per field at most, in the wizard's order.

    Reads the current state and writes nothing. A "Create new" VNet or
    subnet is judged by the networking services' own checks, then by the
    AKS rules as it would be. ``rg`` None (a new resource group) has nothing
    in it yet."""
    new = spec.new_network
    if new is None:
        return _cluster_refusals(sandbox, rg, spec, spec.subnet)
    try:
        planned = check_new_network(sandbox, rg, new, spec.location)
    except AzureRuleError as network_error:
        rest = _cluster_refusals(sandbox, rg, spec, None)
        return [network_error, *(e for e in rest if e.field not in ("subnet", "vnet", network_error.field))]
    found = _cluster_refusals(sandbox, rg, spec, planned.subnet, planned.context)
    return [on_new_network(error, new) for error in found]


def _cluster_refusals(
    sandbox: Sandbox,
    rg: ResourceGroup | None,
    spec: ClusterSpec,
    subnet: Subnet | None,
    context: SubnetContext | None = None,
) -> list[AzureRuleError]:
    """The refusals for ``spec`` in ``subnet``: a subnet of the database, or
    an unsaved one with its ``context`` (a "Create new" range)."""
    era = Era(sandbox.era)
    out: list[AzureRuleError] = []

    def add(error: AzureRuleError) -> None:
        if error.field is None or all(e.field != error.field for e in out):
            out.append(error)

    name = spec.name
    try:
        name = validate_cluster_name(spec.name)
    except AzureRuleError as exc:
        add(exc)
    else:
        if rg is not None and ManagedCluster.objects.filter(resource_group=rg, name__iexact=name).exists():
            add(
                rule_error(
                    f"A Kubernetes cluster named '{name}' already exists in resource group '{rg.name}'.",
                    "NAMING-40",
                    field="name",
                )
            )
    if spec.location not in REGIONS:
        add(rule_error("Choose a region.", field="region"))
    if spec.node_size not in NODE_SIZES:
        add(rule_error("Choose a node size.", field="node_size"))
    if spec.os_type not in ("Linux", "Windows"):
        add(rule_error("Choose Linux or Windows.", field="os_type"))
    if not 1 <= spec.node_count <= MAX_NODES_PER_POOL:
        add(rule_error(f"Node count must be 1-{MAX_NODES_PER_POOL:,}.", "AKS-32", field="node_count"))
        return out
    try:
        plugin = Plugin(spec.network_plugin)
        NetworkPolicy(spec.network_policy)
    except ValueError:
        add(rule_error("Choose a network configuration and a network policy.", "AKS-42", field="network_plugin"))
        return out
    if subnet is None:
        # The lab always brings its own virtual network (docs/fidelity.md).
        add(rule_error("Select a virtual network and a cluster subnet.", "AKS-47", field="subnet"))
        context = SubnetContext(name="", prefix="10.255.255.0/24", vnet_address_space=())
    elif context is None:
        context = subnet_context(subnet)
    refusals = planning.validate_cluster(network_spec(era, spec, name or "new cluster"), context)
    for refusal in refusals:
        if subnet is None and refusal.field in ("subnet", "virtual_network"):
            continue
        add(to_error(refusal))
    if spec.os_type == "Windows" and plugin is not Plugin.KUBENET:
        # A cluster's first pool is its System pool, and System pools run Linux
        # (not in the catalogue: docs/fidelity.md).
        add(
            rule_error(
                "The first node pool is the System pool and must run Linux. Add Windows Server nodes as a User "
                "node pool once the cluster exists.",
                field="os_type",
            )
        )
    if subnet is not None and not subnet.delegation:
        problem = nic_subnet_problem(subnet, spec.location)
        if problem:
            add(rule_error(problem[0], problem[1], field="subnet"))
    if subnet is not None and plugin is Plugin.KUBENET:
        for error in route_table_refusals(subnet, spec.node_count, None):
            add(error)
    for error in _deploy_refusals(sandbox, rg, spec, subnet, name):
        add(error)
    return out


def _deploy_refusals(
    sandbox: Sandbox, rg: ResourceGroup | None, spec: ClusterSpec, subnet: Subnet | None, name: str
) -> list[AzureRuleError]:
    """The limits of what AKS creates around the cluster: its node resource
    group, its node NSG (LIMIT-14), its load balancer's outbound public IP
    (PIP-05), kubenet's route table (LIMIT-22) and the nodes' private IPs in
    the VNet (LIMIT-07)."""
    out: list[AzureRuleError] = []
    if spec.location not in REGIONS:
        return out
    if rg is not None and name:
        node_rg = node_resource_group_name(rg.name, name, spec.location)
        if ResourceGroup.objects.filter(subscription=rg.subscription_id, name__iexact=node_rg).exists():
            out.append(
                rule_error(
                    f"Resource group '{node_rg}' already exists. AKS creates the node resource group itself.",
                    "NAMING-40",
                    field="name",
                )
            )
    try:
        check_nsg_limit(sandbox, spec.location)  # LIMIT-14
    except AzureRuleError as exc:
        out.append(AzureRuleError(exc.message, rule_ids=exc.rule_ids, field="region"))
    try:
        # LB-02: the `kubernetes` load balancer's outbound public IP (PIP-05).
        check_free_address(sandbox, field="region")
    except AzureRuleError as exc:
        out.append(exc)
    plugin = Plugin(spec.network_plugin)
    if subnet is not None and plugin is Plugin.KUBENET and subnet.route_table_id is None:
        try:
            check_route_table_limit(sandbox, spec.location)  # LIMIT-22
        except AzureRuleError as exc:
            out.append(AzureRuleError(exc.message, rule_ids=exc.rule_ids, field="subnet"))
    if subnet is not None and subnet.vnet.pk is not None:
        max_pods = (
            spec.max_pods
            if spec.max_pods is not None
            else planning.network_defaults(sandbox.era, plugin).max_pods.default
        )
        try:
            vnets.check_private_ip_capacity(
                subnet.vnet, adding=spec.node_count * (1 + max_pods if plugin.pods_in_subnet else 1)
            )  # LIMIT-07
        except AzureRuleError as exc:
            out.append(exc)
    return out


def route_table_refusals(subnet: Subnet, adding: int, cluster: ManagedCluster | None) -> list[AzureRuleError]:
    """Kubenet: the subnet's own route table can take the nodes' routes
    (AKS-08: never shared by two clusters; LIMIT-23: 400 routes)."""
    table = cluster.route_table if cluster is not None else subnet.route_table
    if table is None:
        return []
    other = ManagedCluster.objects.filter(route_table=table).exclude(pk=cluster.pk if cluster else None).first()
    if other is not None:
        return [
            rule_error(
                f"Route table '{table.name}' already holds the routes of cluster '{other.name}'. A kubenet cluster "
                "needs a route table of its own.",
                "AKS-08",
                field="subnet",
            )
        ]
    if Route.objects.filter(route_table=table).count() + adding > MAX_ROUTES_PER_TABLE:
        return [refuse("ERR-30", "AKS-03", "LIMIT-23", field="node_count", rt=table.name)]
    return []


def capacity_refusal(cluster: ManagedCluster, node_count: int, max_pods: int, used: int) -> AzureRuleError | None:
    """ERR-43 (AKS-21, AKS-22): ``node_count`` nodes at ``max_pods`` with the
    upgrade node(s) fit in what the subnet has free besides ``used``."""
    spec = ClusterNetworkSpec(
        era=Era(cluster.sandbox.era), network_plugin=cluster.plugin, node_count=node_count, max_pods=max_pods
    )
    refusals = planning.capacity_refusals(spec, subnet_context(cluster.subnet, used_addresses=used), max_pods)
    if refusals:
        return AzureRuleError(
            refusals[0].message, rule_ids=refusals[0].rule_ids, err_id=refusals[0].err_id, field="node_count"
        )
    return None


def kubenet_limits(cluster: ManagedCluster, total_nodes: int, adding_routes: int) -> None:
    """Kubenet: at most 400 nodes (ERR-35) and 400 routes in the cluster's route table (ERR-30)."""
    if cluster.plugin is not Plugin.KUBENET:
        return
    if total_nodes > planning.KUBENET_MAX_NODES:
        raise refuse("ERR-35", "AKS-03", "LIMIT-23", field="node_count")
    table = cluster.route_table
    if table is not None and Route.objects.filter(route_table=table).count() + adding_routes > MAX_ROUTES_PER_TABLE:
        raise refuse("ERR-30", "AKS-03", "LIMIT-23", field="node_count", rt=table.name)
