"""State changes of AKS clusters: create, scale, add a node pool.

The rules come from :mod:`aks.planning` (pure); this module feeds it the
subnet as the database has it, turns each ``Refusal`` into
``portal.errors.AzureRuleError`` and writes in one transaction:

- each node gets a NIC with the subnet's next free address, in the node
  resource group (``MC_<rg>_<cluster>_<region>``) AKS creates;
- Azure CNI (node subnet) reserves ``max_pods`` more addresses per node
  (AKS-20);
- kubenet writes one route per node (pod /24 -> node IP, AKS-01/AKS-02) into
  a route table ``aks-agentpool-<digits>-routetable`` in the node resource
  group, associated with the subnet through ``networking.services.links``;
  a route table already on the subnet is used instead (bring your own, AKS-08);
- every cluster gets an NSG ``aks-agentpool-<digits>-nsg`` in the node
  resource group, on every node NIC, the nodes a scale or a new pool adds
  included (AKS-02).

Creating and scaling are long-running ``Operation`` rows; the cluster's
"Creating"/"Updating" state is derived from their end times.
"""

from __future__ import annotations

import re
import uuid
import zlib
from dataclasses import dataclass, replace
from ipaddress import IPv4Address, IPv4Network, ip_network

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from aks import planning
from aks.models import AgentPool, ClusterNode, ManagedCluster, PodIpAddress
from aks.planning import ClusterNetworkSpec, ExistingCluster, NetworkPolicy, Plugin, Refusal, SubnetContext
from networking.models import (
    NetworkInterface,
    NetworkSecurityGroup,
    Route,
    RouteTable,
    Subnet,
    VirtualNetwork,
    VirtualNetworkPeering,
)
from networking.services import links, vnets
from networking.services.compute import nic_subnet_problem
from networking.services.nsgs import check_nsg_limit
from networking.services.routes import MAX_ROUTES_PER_TABLE, check_route_table_limit
from portal import services as portal_services
from portal.eras import Era
from portal.errors import AzureRuleError, refuse, rule_error
from portal.models import REGIONS, Operation, ResourceGroup, Sandbox
from portal.resources import resource_url

# What the lab's portal pre-fills; the catalogue has no rule for these
# (docs/fidelity.md lists them as lab choices).
KUBERNETES_VERSIONS = {Era.CLASSIC: "1.20.9", Era.CURRENT: "1.33.2"}
NODE_SIZES = ("Standard_DS2_v2", "Standard_D2s_v3", "Standard_D4s_v3", "Standard_B2s", "Standard_D4ds_v5")
DEFAULT_NODE_SIZE = {Era.CLASSIC: "Standard_DS2_v2", Era.CURRENT: "Standard_D4ds_v5"}
DEFAULT_NODE_COUNT = 3
MAX_NODES_PER_POOL = 1000
SYSTEM_POOL_NAME = "agentpool"  # portal-ui §9.1: the wizard's Node pools tab lists "agentpool"
CLUSTER_OPERATIONS = ("aks-create", "aks-scale", "aks-pool")

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


def aks_refuse(err_id: str, *rule_ids: str, field: str | None, **values) -> AzureRuleError:
    """An ERR-32 to ERR-46 refusal (their texts live in aks.planning.ERR_TEXT)."""
    message = planning.ERR_TEXT[err_id].format(**values)
    return to_error(Refusal(err_id, rule_ids, field, message))


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


# --- What a subnet holds --------------------------------------------------------------


def subnet_usage(subnet: Subnet) -> int:
    """Addresses in use in ``subnet`` beyond the five Azure keeps: every NIC
    (AKS nodes' included) and the pod addresses Azure CNI reserved (AKS-20)."""
    return NetworkInterface.objects.filter(subnet=subnet).count() + PodIpAddress.objects.filter(subnet=subnet).count()


def subnet_usages(subnets) -> dict[int, int]:
    """:func:`subnet_usage` for many subnets in two queries."""
    ids = [s.pk for s in subnets]
    nics = dict(Subnet.objects.filter(pk__in=ids).annotate(n=Count("nics")).values_list("pk", "n"))
    pods = dict(Subnet.objects.filter(pk__in=ids).annotate(n=Count("aks_pod_ips")).values_list("pk", "n"))
    return {pk: nics.get(pk, 0) + pods.get(pk, 0) for pk in ids}


def taken_addresses(subnet: Subnet) -> set[int]:
    nic_ips = NetworkInterface.objects.filter(subnet=subnet).values_list("private_ip", flat=True)
    pod_ips = PodIpAddress.objects.filter(subnet=subnet).values_list("ip", flat=True)
    return {int(IPv4Address(ip)) for ip in (*nic_ips, *pod_ips)}


def subnet_context(subnet: Subnet, *, used_addresses: int | None = None, exclude=None) -> SubnetContext:
    """The subnet and the ranges around it, as aks.planning wants them."""
    vnet = subnet.vnet
    peered = VirtualNetworkPeering.objects.filter(vnet=vnet, peering_state="Connected").values_list(
        "remote_vnet__address_space", flat=True
    )
    clusters = ManagedCluster.objects.in_subnet(subnet)
    if exclude is not None:
        clusters = clusters.exclude(pk=exclude.pk)
    return SubnetContext(
        name=subnet.name,
        prefix=subnet.address_prefix,
        vnet_address_space=tuple(vnet.address_space),
        delegations=(subnet.delegation,) if subnet.delegation else (),
        used_addresses=subnet_usage(subnet) if used_addresses is None else used_addresses,
        peered_address_space=tuple(prefix for space in peered for prefix in (space or [])),
        existing_clusters=tuple(ExistingCluster(c.name, Plugin(c.network_plugin)) for c in clusters),
    )


# --- Cluster state ---------------------------------------------------------------------------


def cluster_states(clusters, now=None) -> dict[int, str]:
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


def cluster_state(cluster: ManagedCluster, now=None) -> str:
    return cluster_states([cluster], now)[cluster.pk]


def _refuse_while_busy(cluster: ManagedCluster, field: str | None = None) -> None:
    state = cluster_state(cluster)
    if state != "Succeeded":
        # Azure answers OperationNotAllowed; the catalogue has no ID for it.
        raise rule_error(
            f"Cluster '{cluster.name}' is {state.lower()}. Wait until its provisioning state is Succeeded.",
            field=field,
        )


# --- Create ---------------------------------------------------------------------------------

# Networking tab "Create new" (portal-ui §9.2): the lab pre-fills Azure's
# current AKS defaults in both eras (docs/fidelity.md). They stay clear of the
# default service CIDR 10.0.0.0/16 (AKS-43) and the docker bridge (AKS-45).
NEW_VNET_SPACE = "10.224.0.0/12"
NEW_VNET_SUBNET = "10.224.0.0/16"
NEW_SUBNET_NAME = "aks-subnet"
# A suggested new subnet is the smallest that fits the plan, but never
# smaller than this: room to scale and upgrade (AKS-22). A lab choice.
SUGGESTED_MIN_SUBNET = 24


@dataclass(frozen=True)
class NewNetwork:
    """The cluster subnet the wizard creates with the cluster: in ``vnet``,
    or, when ``vnet`` is None, in a new VNet ``vnet_name`` with ``address_space``."""

    subnet_name: str
    subnet_prefix: str
    vnet: VirtualNetwork | None = None
    vnet_name: str = ""
    address_space: tuple[str, ...] = ()


# Where the networking services' refusals land in the wizard.
_NEW_VNET_FIELDS = {
    "name": "new_vnet_name",
    "address_space": "new_vnet_space",
    "subnet_name_0": "new_subnet_name",
    "subnet_prefix_0": "new_subnet_prefix",
}
_NEW_SUBNET_FIELDS = {"subnet_name": "new_subnet_name", "subnet_prefix": "new_subnet_prefix"}


def _on_new_network(error: AzureRuleError, new: NewNetwork, *, from_networking: bool = False) -> AzureRuleError:
    """``error`` on the "Create new" field it is about. The networking
    services name their own fields; of the cluster's refusals, those about
    the subnet (ERR-43, ERR-41...) are about the new range, and those about
    the VNet about the new address space."""
    fields = {"subnet": "new_subnet_prefix"}
    if from_networking:
        fields.update(_NEW_SUBNET_FIELDS)
        if new.vnet is None:
            fields.update(_NEW_VNET_FIELDS)
    elif new.vnet is None:
        fields["vnet"] = "new_vnet_space"
    field = fields.get(error.field or "", error.field)
    if field == error.field:
        return error
    return AzureRuleError(error.message, rule_ids=error.rule_ids, err_id=error.err_id, field=field)


class _Rollback(Exception):
    """Raised inside a savepoint so that what it wrote goes away."""

    def __init__(self, result=None):
        super().__init__()
        self.result = result


def _create_network(rg: ResourceGroup, new: NewNetwork, location: str) -> Subnet:
    """Create the VNet and/or subnet of ``new``, validated by the networking
    services (create_vnet, create_subnet) and logged as their own
    operations. The bell stays with the cluster's deployment, as for an
    existing subnet: the VNet gets no "Deployment succeeded" of its own."""
    sandbox = rg.subscription.sandbox
    try:
        if new.vnet is None:
            subnet = _create_vnet_quietly(rg, new, location).subnets.get()
        else:
            vnet = new.vnet
            if vnet.sandbox_id != sandbox.pk:
                raise rule_error("Select a virtual network of this subscription.", field="vnet")
            if vnet.is_classic or vnet.location != location:
                raise rule_error(
                    f"'{vnet.name}' is in {vnet.region_label}. The cluster subnet must be in the cluster's region.",
                    "VNET-03",
                    field="vnet",
                )
            subnet = vnets.create_subnet(vnet, name=new.subnet_name, prefix=new.subnet_prefix, log=False)
            portal_services.log_activity(sandbox, vnet, "Create or Update Subnet", "Succeeded")
    except AzureRuleError as exc:
        raise _on_new_network(exc, new, from_networking=True) from None
    return Subnet.objects.select_related("vnet", "route_table").get(pk=subnet.pk)


def _create_vnet_quietly(rg: ResourceGroup, new: NewNetwork, location: str) -> VirtualNetwork:
    """``vnets.create_vnet`` with the Activity log row only: the bell stays
    with the cluster's deployment."""
    vnet = vnets.create_vnet(
        rg,
        name=new.vnet_name,
        location=location,
        address_space=list(new.address_space),
        subnets=[(new.subnet_name, new.subnet_prefix)],
        log=False,
    )
    portal_services.log_activity(rg.subscription.sandbox, vnet, "Create or Update Virtual Network", "Succeeded")
    return vnet


def suggested_subnet_prefix(era: str, plugin: str, node_count: int | None, max_pods: int | None) -> int:
    """The size "Create new" suggests: the smallest that holds the plan
    (AKS-21; SUBNET-01), at least /24, never larger than the era allows."""
    try:
        plan = planning.plan_ip(
            plugin, era, node_count if node_count and node_count > 0 else DEFAULT_NODE_COUNT, max_pods
        )
    except ValueError:
        return SUGGESTED_MIN_SUBNET
    smallest = plan.smallest_subnet_prefix
    if smallest is None:
        return planning.aks_rules_for(era).largest_subnet_prefix
    return min(smallest, SUGGESTED_MIN_SUBNET)


@dataclass(frozen=True)
class ClusterSpec:
    """The create wizard's answers. Empty CIDRs and ``max_pods`` None take
    the era's defaults (aks.planning.network_defaults)."""

    name: str
    location: str
    node_count: int
    network_plugin: str
    subnet: Subnet | None
    node_size: str = ""
    os_type: str = "Linux"
    max_pods: int | None = None
    service_cidr: str = ""
    dns_service_ip: str = ""
    pod_cidr: str = ""
    docker_bridge_cidr: str = ""
    network_policy: str = NetworkPolicy.NONE.value
    virtual_nodes: bool = False
    new_network: NewNetwork | None = None


def _network_spec(era: Era, spec: ClusterSpec, name: str) -> ClusterNetworkSpec:
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

    A "Create new" VNet or subnet is created in a savepoint and rolled back,
    so the networking services judge it and the AKS checks see it as it
    would be. ``rg`` None (a new resource group) has nothing in it yet; a
    provisional one stands in for it inside the savepoint."""
    new = spec.new_network
    if new is None:
        return _cluster_refusals(sandbox, rg, spec)
    try:
        with transaction.atomic():
            group = rg or ResourceGroup.objects.create(
                subscription=sandbox.subscriptions.get(), name=f"aks-check-{uuid.uuid4().hex}", location=spec.location
            )
            subnet = _create_network(group, new, spec.location)
            found = _cluster_refusals(sandbox, rg, replace(spec, subnet=subnet, new_network=None))
            raise _Rollback([_on_new_network(error, new) for error in found])
    except _Rollback as done:
        return done.result
    except AzureRuleError as network_error:
        rest = _cluster_refusals(sandbox, rg, replace(spec, subnet=None, new_network=None))
        return [network_error, *(e for e in rest if e.field not in ("subnet", "vnet", network_error.field))]


def _cluster_refusals(sandbox: Sandbox, rg: ResourceGroup | None, spec: ClusterSpec) -> list[AzureRuleError]:
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
        Plugin(spec.network_plugin)
        NetworkPolicy(spec.network_policy)
    except ValueError:
        add(rule_error("Choose a network configuration and a network policy.", "AKS-42", field="network_plugin"))
        return out
    if spec.subnet is None:
        # The lab always brings its own virtual network (docs/fidelity.md).
        add(rule_error("Select a virtual network and a cluster subnet.", "AKS-47", field="subnet"))
        context = SubnetContext(name="", prefix="10.255.255.0/24", vnet_address_space=())
    else:
        context = subnet_context(spec.subnet)
    network = _network_spec(era, spec, name or "new cluster")
    refusals = planning.validate_cluster(network, context)
    for refusal in refusals:
        if spec.subnet is None and refusal.field in ("subnet", "virtual_network"):
            continue
        add(to_error(refusal))
    if spec.os_type == "Windows" and Plugin(spec.network_plugin) is not Plugin.KUBENET:
        # A cluster's first pool is its System pool, and System pools run Linux
        # (not in the catalogue: docs/fidelity.md).
        add(
            rule_error(
                "The first node pool is the System pool and must run Linux. Add Windows Server nodes as a User "
                "node pool once the cluster exists.",
                field="os_type",
            )
        )
    if spec.subnet is not None and not spec.subnet.delegation:
        problem = nic_subnet_problem(spec.subnet, spec.location)
        if problem:
            add(rule_error(problem[0], problem[1], field="subnet"))
    if spec.subnet is not None and Plugin(spec.network_plugin) is Plugin.KUBENET:
        for error in _route_table_refusals(spec.subnet, spec.node_count, None):
            add(error)
    return out


def _route_table_refusals(subnet: Subnet, adding: int, cluster: ManagedCluster | None) -> list[AzureRuleError]:
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


def create_cluster(rg: ResourceGroup, spec: ClusterSpec) -> ManagedCluster:
    """'Create Kubernetes cluster': validated, then written in one transaction
    with the subnet locked, so two tabs can't both place a kubenet cluster in
    one subnet (AKS-05) or hand out the same address.

    With ``spec.new_network`` the VNet and/or subnet are created in the same
    transaction: a refusal anywhere leaves none of them written."""
    new = spec.new_network
    if new is not None:
        with transaction.atomic():
            subnet = _create_network(rg, new, spec.location)
            try:
                return create_cluster(rg, replace(spec, subnet=subnet, new_network=None))
            except AzureRuleError as exc:
                raise _on_new_network(exc, new) from None
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
        total_ips = spec.node_count * (1 + max_pods if plugin.pods_in_subnet else 1)
        vnets.check_private_ip_capacity(subnet.vnet, adding=total_ips)  # LIMIT-07
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
            raise aks_refuse(
                "ERR-32", "AKS-05", "SEED-27", field="subnet", subnet=subnet.name, cluster=other.name if other else "?"
            )
        _create_node_nsg(cluster, node_rg)
        pool = AgentPool.objects.create(
            cluster=cluster,
            name=SYSTEM_POOL_NAME,
            mode="System",
            os_type=spec.os_type,
            vm_size=spec.node_size,
            node_count=spec.node_count,
            max_pods=max_pods,
        )
        nodes = _add_nodes(cluster, pool, subnet, node_rg, spec.node_count)
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
    """The ``MC_`` group AKS creates for the nodes' resources (80 characters at most)."""
    node_rg_name = f"MC_{rg.name}_{name}_{location}"[:80]
    subscription = rg.subscription
    if ResourceGroup.objects.filter(subscription=subscription, name__iexact=node_rg_name).exists():
        raise rule_error(
            f"Resource group '{node_rg_name}' already exists. AKS creates the node resource group itself.",
            "NAMING-40",
            field="name",
        )
    node_rg = ResourceGroup.objects.create(subscription=subscription, name=node_rg_name, location=location)
    portal_services.log_activity(subscription.sandbox, node_rg, "Create Resource Group", "Succeeded")
    return node_rg


def _create_node_nsg(cluster: ManagedCluster, node_rg: ResourceGroup) -> NetworkSecurityGroup:
    """AKS-02: the NSG AKS makes for the node NICs, with the default rules
    only (NSG-10). Made here rather than by ``nsgs.create_nsg``: AKS creates
    it, so the learner gets no "Deployment succeeded" of its own for it."""
    try:
        check_nsg_limit(cluster.sandbox, cluster.location)  # LIMIT-14
    except AzureRuleError as exc:
        raise AzureRuleError(exc.message, rule_ids=exc.rule_ids, field="region")
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


def _free_addresses(subnet: Subnet):
    """The subnet's free addresses in order, after the five Azure keeps (SUBNET-01)."""
    network = IPv4Network(subnet.address_prefix)
    taken = taken_addresses(subnet)
    for candidate in range(int(network.network_address) + 4, int(network.broadcast_address)):
        if candidate not in taken:
            yield str(IPv4Address(candidate))


def _add_nodes(cluster: ManagedCluster, pool: AgentPool, subnet: Subnet, node_rg, count: int) -> list[ClusterNode]:
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
        node_name = f"aks-{pool.name}-{cluster.resource_suffix}-vmss{_base36(instance):0>6}"
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


def _attach_route_table(cluster: ManagedCluster, subnet: Subnet, node_rg: ResourceGroup, nodes) -> None:
    """Kubenet: one route per node in the cluster's route table (AKS-02),
    created in the node resource group and associated with the subnet, or
    the route table already on the subnet (AKS-08)."""
    table = subnet.route_table
    if table is None:
        try:
            check_route_table_limit(cluster.sandbox, cluster.location)  # LIMIT-22
        except AzureRuleError as exc:
            raise AzureRuleError(exc.message, rule_ids=exc.rule_ids, field="subnet")
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
    _write_routes(cluster, nodes)


def _write_routes(cluster: ManagedCluster, nodes) -> None:
    table = cluster.route_table
    # AKS-01/AKS-02: the node's /24 of the pod CIDR goes to the node, next hop Virtual appliance.
    routes = [
        planning.PodRoute(
            name=node.name, address_prefix=IPv4Network(node.pod_cidr), next_hop_ip=IPv4Address(node.nic.private_ip)
        )
        for node in nodes
    ]
    if Route.objects.filter(route_table=table).count() + len(routes) > MAX_ROUTES_PER_TABLE:
        raise refuse("ERR-30", "AKS-03", "LIMIT-23", field="node_count", rt=table.name)
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


# --- Scale and node pools --------------------------------------------------------------------


def _pool_addresses(pool: AgentPool) -> int:
    """What the pool holds in the subnet now: its NICs and pod addresses."""
    return pool.nodes.count() + PodIpAddress.objects.filter(node__pool=pool).count()


def _cluster_node_count(cluster: ManagedCluster, without: AgentPool | None = None) -> int:
    nodes = ClusterNode.objects.filter(pool__cluster=cluster)
    if without is not None:
        nodes = nodes.exclude(pool=without)
    return nodes.count()


def _capacity_refusal(cluster: ManagedCluster, node_count: int, max_pods: int, used: int) -> AzureRuleError | None:
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


def _kubenet_limits(cluster: ManagedCluster, total_nodes: int, adding_routes: int) -> None:
    if cluster.plugin is not Plugin.KUBENET:
        return
    if total_nodes > planning.KUBENET_MAX_NODES:
        raise aks_refuse("ERR-35", "AKS-03", "LIMIT-23", field="node_count")
    table = cluster.route_table
    if table is not None and Route.objects.filter(route_table=table).count() + adding_routes > MAX_ROUTES_PER_TABLE:
        raise refuse("ERR-30", "AKS-03", "LIMIT-23", field="node_count", rt=table.name)


def scale_pool(pool: AgentPool, node_count: int) -> AgentPool:
    """Scale: nodes added take addresses (and kubenet routes); nodes removed
    give theirs back. Refused when the subnet would overflow (ERR-43) or the
    kubenet route table would pass 400 routes (ERR-35, ERR-30)."""
    if not 1 <= node_count <= MAX_NODES_PER_POOL:
        raise rule_error(f"Node count must be 1-{MAX_NODES_PER_POOL:,}.", "AKS-32", field="node_count")
    with transaction.atomic():
        cluster = (
            ManagedCluster.objects.select_for_update(of=("self",))
            .select_related("sandbox", "resource_group__subscription", "subnet__vnet", "route_table")
            .get(pk=pool.cluster_id)
        )
        _refuse_while_busy(cluster, "node_count")
        subnet = Subnet.objects.select_for_update().select_related("vnet").get(pk=cluster.subnet_id)
        cluster.subnet = subnet
        pool = AgentPool.objects.select_for_update().get(pk=pool.pk)
        current = pool.nodes.count()
        if node_count == current:
            raise rule_error(f"Node pool '{pool.name}' already has {current} node(s).", field="node_count")
        if node_count > current:
            adding = node_count - current
            _kubenet_limits(cluster, _cluster_node_count(cluster, without=pool) + node_count, adding)
            problem = _capacity_refusal(
                cluster, node_count, pool.max_pods, subnet_usage(subnet) - _pool_addresses(pool)
            )
            if problem is not None:
                raise problem
            vnets.check_private_ip_capacity(
                subnet.vnet, adding=adding * (1 + (pool.max_pods if cluster.plugin.pods_in_subnet else 0))
            )
            node_rg = ResourceGroup.objects.get(
                subscription=cluster.resource_group.subscription, name=cluster.node_resource_group
            )
            nodes = _add_nodes(cluster, pool, subnet, node_rg, adding)
            if cluster.route_table is not None:
                _write_routes(cluster, nodes)
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


@dataclass(frozen=True)
class PoolSpec:
    name: str
    os_type: str = "Linux"
    mode: str = "User"
    vm_size: str = NODE_SIZES[0]
    node_count: int = DEFAULT_NODE_COUNT
    max_pods: int | None = None


def pool_refusals(cluster: ManagedCluster, spec: PoolSpec) -> list[AzureRuleError]:
    """'+ Add node pool': every refusal, one per field."""
    out: list[AzureRuleError] = []

    def attempt(check, *args, **kwargs):
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
        out.append(aks_refuse("ERR-34", "AKS-04", "SEED-27", field="os_type", cluster=cluster.name))
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
    if not limits.minimum <= max_pods <= limits.maximum or spec.node_count * max_pods < planning.MIN_PODS_PER_POOL:
        out.append(
            aks_refuse(
                "ERR-42", "AKS-25", "AKS-26", field="max_pods", n=max_pods, min=limits.minimum, max=limits.maximum
            )
        )
        return out
    attempt(_kubenet_limits, cluster, _cluster_node_count(cluster) + spec.node_count, spec.node_count)
    problem = _capacity_refusal(cluster, spec.node_count, max_pods, subnet_usage(cluster.subnet))
    if problem is not None and all(e.field != "node_count" for e in out):
        out.append(problem)
    return out


def add_node_pool(cluster: ManagedCluster, spec: PoolSpec) -> AgentPool:
    """Node pools > '+ Add node pool'. Windows Server pools need Azure CNI (AKS-04, ERR-34)."""
    with transaction.atomic():
        cluster = (
            ManagedCluster.objects.select_for_update(of=("self",))
            .select_related("sandbox", "resource_group__subscription", "subnet__vnet", "route_table")
            .get(pk=cluster.pk)
        )
        _refuse_while_busy(cluster)
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
        nodes = _add_nodes(cluster, pool, cluster.subnet, node_rg, spec.node_count)
        if cluster.route_table is not None:
            _write_routes(cluster, nodes)
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
