"""What the create wizard and the node pool pane ask, and the values the
lab's portal pre-fills."""

from __future__ import annotations

from dataclasses import dataclass

from aks import planning
from aks.planning import NetworkPolicy
from networking.models import Subnet, VirtualNetwork
from portal.eras import Era

# What the lab's portal pre-fills; the catalogue has no rule for these
# (docs/fidelity.md lists them as lab choices).
KUBERNETES_VERSIONS = {Era.CLASSIC: "1.20.9", Era.CURRENT: "1.33.2"}
NODE_SIZES = ("Standard_DS2_v2", "Standard_D2s_v3", "Standard_D4s_v3", "Standard_B2s", "Standard_D4ds_v5")
DEFAULT_NODE_SIZE = {Era.CLASSIC: "Standard_DS2_v2", Era.CURRENT: "Standard_D4ds_v5"}
DEFAULT_NODE_COUNT = 3
MAX_NODES_PER_POOL = 1000
SYSTEM_POOL_NAME = "agentpool"  # portal-ui §9.1: the wizard's Node pools tab lists "agentpool"
CLUSTER_OPERATIONS = ("aks-create", "aks-scale", "aks-pool")

# Networking tab "Create new" (portal-ui §9.2): the address space and subnet
# the portal proposes for a new VNet, per era (docs/fidelity.md cites them).
# Classic: the 2021 portal's 10.0.0.0/8 with a 10.240.0.0/16 subnet. Current:
# AKS moved to 10.224.0.0/12 and 10.224.0.0/16 in its 2022-02-24 release, clear
# of the default service CIDR 10.0.0.0/16 (AKS-43) and the docker bridge (AKS-45).
NEW_VNET_SPACE = {Era.CLASSIC: "10.0.0.0/8", Era.CURRENT: "10.224.0.0/12"}
NEW_VNET_SUBNET = {Era.CLASSIC: "10.240.0.0/16", Era.CURRENT: "10.224.0.0/16"}
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


@dataclass(frozen=True)
class PoolSpec:
    """The '+ Add node pool' pane's answers."""

    name: str
    os_type: str = "Linux"
    mode: str = "User"
    vm_size: str = NODE_SIZES[0]
    node_count: int = DEFAULT_NODE_COUNT
    max_pods: int | None = None


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
