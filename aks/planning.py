"""AKS network planning: defaults, IP arithmetic, validation and the
"Which network model?" helper (pure: no Django).

Everything here follows ``shared/reference/azure-rules.md``: SEED-26 to
SEED-29, §12 (AKS-01 to AKS-56), SUBNET-01/03/13, LIMIT-23 and the refusal
texts ERR-32 to ERR-46 of §16. Values that differ between the Classic and
the Current portal live in one :class:`AksRules` per era, as
``portal.eras.Ruleset`` does for the rest of the portal.

Validation returns a list of :class:`Refusal` instead of raising, so a form
can show every problem at once; a service turns one into
``portal.errors.AzureRuleError`` with the same ``err_id``, ``rule_ids``,
``field`` and ``message``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from enum import StrEnum
from ipaddress import IPv4Address, IPv4Interface, IPv4Network, ip_interface
from string import Formatter

from networking.engine.addressing import (
    RESERVED_PER_SUBNET,
    SMALLEST_SUBNET_PREFIX,
    AddressError,
    parse_cidr,
    parse_ipv4,
    usable_addresses,
)
from portal.eras import Era


class Plugin(StrEnum):
    """The network models a cluster can use. ``azure`` is Azure CNI with pods
    in the node subnet (flat, "legacy"); ``overlay`` is Azure CNI Overlay."""

    KUBENET = "kubenet"
    AZURE_CNI = "azure"
    AZURE_CNI_OVERLAY = "overlay"

    @property
    def network_plugin(self) -> str:
        """The ARM ``networkPlugin`` value (AKS-34, AKS-42)."""
        return "kubenet" if self is Plugin.KUBENET else "azure"

    @property
    def network_plugin_mode(self) -> str:
        """The ARM ``networkPluginMode`` value, empty when not set (AKS-34)."""
        return "overlay" if self is Plugin.AZURE_CNI_OVERLAY else ""

    @property
    def pods_in_subnet(self) -> bool:
        """AKS-20: only Azure CNI (node subnet) gives pods subnet addresses."""
        return self is Plugin.AZURE_CNI


class NetworkPolicy(StrEnum):
    NONE = "none"
    CALICO = "calico"
    AZURE = "azure"
    CILIUM = "cilium"

    @property
    def label(self) -> str:
        return {"none": "None", "calico": "Calico", "azure": "Azure", "cilium": "Cilium"}[self.value]


# AKS-40, AKS-41: the addresses a new cluster gets when nothing is entered.
DEFAULT_SERVICE_CIDR = "10.0.0.0/16"
DEFAULT_DNS_SERVICE_IP = "10.0.0.10"
DEFAULT_POD_CIDR = "10.244.0.0/16"
DEFAULT_DOCKER_BRIDGE_CIDR = "172.17.0.1/16"

# AKS-46: ranges AKS keeps for itself.
AKS_RESERVED_RANGES = (
    IPv4Network("169.254.0.0/16"),
    IPv4Network("172.30.0.0/16"),
    IPv4Network("172.31.0.0/16"),
    IPv4Network("192.0.2.0/24"),
)

KUBENET_MAX_NODES = 400  # AKS-03: one route per node in a table of 400 routes (LIMIT-23)
OVERLAY_MAX_NODES = 1000  # AKS-32
NODE_POD_PREFIX = 24  # AKS-01, AKS-30: each node takes a /24 of the pod CIDR
MIN_MAX_PODS = 10  # AKS-25
MIN_PODS_PER_POOL = 30  # AKS-25: maxPods 10 is allowed only with room for 30 pods in the pool
SERVICE_CIDR_LARGEST_PREFIX = 12  # AKS-43: the service CIDR must be smaller than /12
DEFAULT_MAX_SURGE = 1  # AKS-22: an upgrade adds one node unless a larger surge is set

KUBENET_RETIREMENT_NOTICE = (
    "Kubenet networking for AKS retires on 31 March 2028. Plan new clusters with Azure CNI Overlay "
    "and move existing kubenet clusters to it."
)


@dataclass(frozen=True)
class MaxPods:
    """Max pods per node: the value a new pool gets and the largest allowed."""

    default: int
    maximum: int
    minimum: int = MIN_MAX_PODS


@dataclass(frozen=True)
class AksRules:
    """What the AKS create wizard offers in one era (azure-rules.md §0)."""

    era: Era
    # AKS-42, portal-ui §9.2: the models offered, default first, with the era's labels.
    plugin_choices: tuple[tuple[Plugin, str], ...]
    # AKS-50: the network policy engines of the era.
    network_policies: tuple[NetworkPolicy, ...]
    # AKS-06, AKS-25, AKS-26.
    max_pods: dict[Plugin, MaxPods]
    # AKS-25/26: the portal shows a "Max pods per node" field only in Current.
    max_pods_editable: bool
    # AKS-41: the "Docker Bridge address" field.
    docker_bridge_shown: bool
    # AKS-21: Current sizes the subnet with the pool's max surge, Classic with one node.
    uses_max_surge: bool
    # AKS-09: the kubenet retirement banner.
    kubenet_notice: str
    # SUBNET-03: the largest IPv4 subnet the era allows.
    largest_subnet_prefix: int
    # AKS-54: whether network policy can be changed after creation.
    network_policy_updatable: bool

    @property
    def plugins(self) -> tuple[Plugin, ...]:
        return tuple(plugin for plugin, _ in self.plugin_choices)

    @property
    def default_plugin(self) -> Plugin:
        return self.plugin_choices[0][0]

    def plugin_label(self, plugin: Plugin) -> str:
        return dict(self.plugin_choices)[plugin]


CLASSIC_AKS = AksRules(
    era=Era.CLASSIC,
    plugin_choices=((Plugin.KUBENET, "Kubenet"), (Plugin.AZURE_CNI, "Azure CNI")),
    network_policies=(NetworkPolicy.NONE, NetworkPolicy.CALICO, NetworkPolicy.AZURE),
    max_pods={Plugin.KUBENET: MaxPods(110, 110), Plugin.AZURE_CNI: MaxPods(30, 250)},
    max_pods_editable=False,
    docker_bridge_shown=True,
    uses_max_surge=False,
    kubenet_notice="",
    largest_subnet_prefix=8,
    network_policy_updatable=False,
)

CURRENT_AKS = AksRules(
    era=Era.CURRENT,
    plugin_choices=(
        (Plugin.AZURE_CNI_OVERLAY, "Azure CNI Overlay"),
        (Plugin.AZURE_CNI, "Azure CNI Node Subnet"),
        (Plugin.KUBENET, "kubenet"),
    ),
    network_policies=(NetworkPolicy.NONE, NetworkPolicy.CALICO, NetworkPolicy.AZURE, NetworkPolicy.CILIUM),
    max_pods={
        Plugin.KUBENET: MaxPods(110, 250),
        Plugin.AZURE_CNI: MaxPods(30, 250),
        Plugin.AZURE_CNI_OVERLAY: MaxPods(250, 250),
    },
    max_pods_editable=True,
    docker_bridge_shown=False,
    uses_max_surge=True,
    kubenet_notice=KUBENET_RETIREMENT_NOTICE,
    largest_subnet_prefix=2,
    network_policy_updatable=True,
)

AKS_RULES = {Era.CLASSIC: CLASSIC_AKS, Era.CURRENT: CURRENT_AKS}


def aks_rules_for(era: str) -> AksRules:
    return AKS_RULES[Era(era)]


@dataclass(frozen=True)
class NetworkDefaults:
    """What the Networking tab pre-fills for one plugin in one era."""

    plugin: Plugin
    service_cidr: str
    dns_service_ip: str
    pod_cidr: str  # empty for Azure CNI (node subnet): pods use the subnet
    docker_bridge_cidr: str  # empty where the era has no such field
    max_pods: MaxPods
    network_policy: NetworkPolicy = NetworkPolicy.NONE


def network_defaults(era: str, plugin: str | None = None) -> NetworkDefaults:
    """AKS-06, AKS-25, AKS-26, AKS-40 to AKS-42. ``plugin`` defaults to the era's."""
    rules = aks_rules_for(era)
    chosen = Plugin(plugin) if plugin else rules.default_plugin
    if chosen not in rules.plugins:
        raise ValueError(f"{chosen.value} is not offered in the {rules.era.value} era")
    return NetworkDefaults(
        plugin=chosen,
        service_cidr=DEFAULT_SERVICE_CIDR,
        dns_service_ip=DEFAULT_DNS_SERVICE_IP,
        pod_cidr="" if chosen.pods_in_subnet else DEFAULT_POD_CIDR,
        docker_bridge_cidr=DEFAULT_DOCKER_BRIDGE_CIDR if rules.docker_bridge_shown else "",
        max_pods=rules.max_pods[chosen],
    )


# --- IP planning -------------------------------------------------------------


def smallest_prefix_for(addresses: int, largest: int = 0) -> int | None:
    """The longest prefix whose usable addresses (5 reserved: SUBNET-01/02)
    hold ``addresses``, never longer than /29 (SUBNET-03); None when even
    ``/largest`` is too small."""
    if addresses < 0:
        raise ValueError("addresses must not be negative")
    for prefix in range(SMALLEST_SUBNET_PREFIX, largest - 1, -1):
        if 2 ** (32 - prefix) - RESERVED_PER_SUBNET >= addresses:
            return prefix
    return None


def usable_in_prefix(prefix: int) -> int:
    """SUBNET-02: usable addresses of any IPv4 subnet of this length."""
    return max(2 ** (32 - prefix) - RESERVED_PER_SUBNET, 0)


def upgrade_nodes(era: str, max_surge: int = DEFAULT_MAX_SURGE) -> int:
    """AKS-21, AKS-22: the extra nodes an upgrade adds (Classic: 1; Current: max surge)."""
    if max_surge < 1:
        raise ValueError("max surge must be at least 1")
    return max_surge if aks_rules_for(era).uses_max_surge else 1


def subnet_addresses_needed(
    plugin: str, era: str, node_count: int, max_pods: int, max_surge: int = DEFAULT_MAX_SURGE
) -> int:
    """Addresses a node pool takes from its subnet, upgrade nodes included.

    Azure CNI (AKS-21): ``(n + s) + (n + s) × maxPods``, s = 1 in Classic and
    the max surge in Current. Kubenet and Overlay: only the nodes, ``n + s``
    (AKS-01, AKS-22, AKS-30).
    """
    if node_count < 1 or max_pods < 1:
        raise ValueError("node count and max pods must be at least 1")
    nodes = node_count + upgrade_nodes(era, max_surge)
    if Plugin(plugin).pods_in_subnet:
        return nodes + nodes * max_pods
    return nodes


@dataclass(frozen=True)
class IpPlan:
    """How many addresses one choice of plugin, node count and max pods uses."""

    plugin: Plugin
    era: Era
    node_count: int
    max_pods: int
    surge_nodes: int  # AKS-22: nodes added during an upgrade
    subnet_node_addresses: int  # nodes and surge nodes
    subnet_pod_addresses: int  # AKS-20: Azure CNI pre-allocates maxPods per node
    smallest_subnet_prefix: int | None  # None: no subnet of the era is big enough
    pod_cidr_blocks: int  # AKS-01, AKS-30: one /24 of the pod CIDR per node
    smallest_pod_cidr_prefix: int | None  # None for Azure CNI (node subnet)
    route_count: int  # AKS-02, AKS-03: kubenet's one route per node
    rule_ids: tuple[str, ...]

    @property
    def subnet_addresses(self) -> int:
        return self.subnet_node_addresses + self.subnet_pod_addresses

    @property
    def pod_capacity(self) -> int:
        """Pods the cluster can run at once."""
        return self.node_count * self.max_pods

    @property
    def formula(self) -> str:
        """The sum as the docs write it, for example ``51 + 51 × 30 = 1,581``."""
        nodes = self.subnet_node_addresses
        if self.plugin.pods_in_subnet:
            return f"{nodes:,} + {nodes:,} × {self.max_pods} = {self.subnet_addresses:,}"
        return f"{self.node_count:,} + {self.surge_nodes} = {self.subnet_addresses:,}"

    def remaining(self, free: int) -> int:
        """Addresses left of ``free`` after the plan; negative when it doesn't fit."""
        return free - self.subnet_addresses

    def fits(self, free: int) -> bool:
        return self.remaining(free) >= 0


def plan_ip(
    plugin: str, era: str, node_count: int, max_pods: int | None = None, max_surge: int = DEFAULT_MAX_SURGE
) -> IpPlan:
    """The IP plan of one node pool; ``max_pods`` defaults to the era's default."""
    rules = aks_rules_for(era)
    chosen = Plugin(plugin)
    pods = max_pods if max_pods is not None else network_defaults(era, chosen).max_pods.default
    surge = upgrade_nodes(era, max_surge)
    needed = subnet_addresses_needed(chosen, era, node_count, pods, max_surge)
    node_addresses = node_count + surge
    if chosen is Plugin.AZURE_CNI:
        rule_ids = ("AKS-20", "AKS-21", "AKS-22", "SUBNET-01")
        blocks, pod_prefix = 0, None
    else:
        rule_ids = (("AKS-01", "AKS-02", "AKS-03") if chosen is Plugin.KUBENET else ("AKS-30",)) + (
            "AKS-22",
            "SUBNET-01",
        )
        blocks, pod_prefix = node_count, pod_cidr_prefix_for(node_count)
    return IpPlan(
        plugin=chosen,
        era=rules.era,
        node_count=node_count,
        max_pods=pods,
        surge_nodes=surge,
        subnet_node_addresses=node_addresses,
        subnet_pod_addresses=needed - node_addresses,
        smallest_subnet_prefix=smallest_prefix_for(needed, rules.largest_subnet_prefix),
        pod_cidr_blocks=blocks,
        smallest_pod_cidr_prefix=pod_prefix,
        route_count=node_count if chosen is Plugin.KUBENET else 0,
        rule_ids=rule_ids,
    )


def compare_plugins(
    era: str, node_count: int, max_pods: dict[Plugin, int] | None = None, max_surge: int = DEFAULT_MAX_SURGE
) -> tuple[IpPlan, ...]:
    """One plan per plugin the era offers, side by side, in the era's order."""
    chosen = max_pods or {}
    return tuple(
        plan_ip(plugin, era, node_count, chosen.get(plugin), max_surge) for plugin in aks_rules_for(era).plugins
    )


def max_nodes_in_subnet(
    prefix: int,
    plugin: str,
    era: str,
    max_pods: int,
    *,
    reserve_upgrade: bool = True,
    max_surge: int = DEFAULT_MAX_SURGE,
) -> int:
    """The most nodes a subnet of ``/prefix`` holds. The docs' sizing examples
    (AKS-07, AKS-24) leave out the upgrade node: pass ``reserve_upgrade=False``."""
    usable = usable_in_prefix(prefix)
    per_node = 1 + max_pods if Plugin(plugin).pods_in_subnet else 1
    spare = upgrade_nodes(era, max_surge) if reserve_upgrade else 0
    return max(usable // per_node - spare, 0)


def pod_cidr_prefix_for(node_count: int) -> int:
    """The longest pod CIDR that holds a /24 per node (AKS-01, AKS-30)."""
    if node_count < 1:
        raise ValueError("node count must be at least 1")
    return NODE_POD_PREFIX - (node_count - 1).bit_length()


def node_pod_cidr(pod_cidr: str | IPv4Network, index: int) -> IPv4Network:
    """AKS-01: node ``index`` (from 0) takes the index-th /24 of the pod CIDR."""
    network = IPv4Network(pod_cidr)
    if network.prefixlen > NODE_POD_PREFIX:
        raise ValueError(f"pod CIDR {network} is smaller than one /24")
    if not 0 <= index < 2 ** (NODE_POD_PREFIX - network.prefixlen):
        raise ValueError(f"pod CIDR {network} has no /24 for node {index}")
    base = int(network.network_address) + index * 2 ** (32 - NODE_POD_PREFIX)
    return IPv4Network((base, NODE_POD_PREFIX))


VIRTUAL_APPLIANCE = "VirtualAppliance"  # ROUTE-24


@dataclass(frozen=True)
class PodRoute:
    """A route AKS writes for kubenet: a node's pod /24 goes to that node (AKS-02)."""

    name: str
    address_prefix: IPv4Network
    next_hop_ip: IPv4Address
    next_hop_type: str = VIRTUAL_APPLIANCE
    rule_ids: tuple[str, ...] = ("AKS-01", "AKS-02", "SEED-26")


def kubenet_routes(
    pod_cidr: str | IPv4Network, nodes: Sequence[tuple[str, str]], pod_indexes: Sequence[int] | None = None
) -> list[PodRoute]:
    """One route per ``(node name, node IP)``, in order: node i's /24 to node
    i, or, with ``pod_indexes``, the /24 of its own pod index (a scaled
    pool's new nodes take the indexes the others left free)."""
    if len(nodes) > KUBENET_MAX_NODES:
        raise ValueError(f"{len(nodes)} routes exceed the {KUBENET_MAX_NODES} a route table holds (LIMIT-23)")
    indexes = range(len(nodes)) if pod_indexes is None else pod_indexes
    return [
        PodRoute(name=name, address_prefix=node_pod_cidr(pod_cidr, index), next_hop_ip=IPv4Address(ip))
        for index, (name, ip) in zip(indexes, nodes, strict=True)
    ]


# --- Validation --------------------------------------------------------------

# azure-rules.md §16, ERR-32 to ERR-46, with placeholders in snake case as
# portal/errors.py writes them. ERR-43 has a second wording for the models
# whose pods don't take subnet addresses.
ERR_TEXT = {
    "ERR-32": "Subnet '{subnet}' already hosts AKS cluster '{cluster}'. A kubenet cluster needs its own subnet.",
    "ERR-33": "Network policy 'azure' requires network plugin 'azure'. With kubenet, use 'calico'.",
    "ERR-34": "Cluster '{cluster}' uses kubenet. Windows Server node pools and virtual nodes require Azure CNI.",
    "ERR-35": "Kubenet clusters are limited to 400 nodes.",
    "ERR-36": "DNS service IP '{ip}' must be within service CIDR '{cidr}'.",
    "ERR-37": "DNS service IP '{ip}' can't be the first address of '{cidr}'. Use e.g. the .10 address.",
    "ERR-38": (
        "Service CIDR '{cidr}' overlaps {kind} '{other}'. Keep it clear of the cluster VNet, peered and "
        "on-prem ranges, and the pod CIDR."
    ),
    "ERR-39": "Service CIDR '{cidr}' is too large. Use a prefix longer than /12.",
    "ERR-40": ("'{cidr}' overlaps a range AKS reserves (169.254.0.0/16, 172.30.0.0/16, 172.31.0.0/16, 192.0.2.0/24)."),
    "ERR-41": "Subnet '{subnet}' is delegated to '{service}'. AKS node subnets can't be delegated.",
    "ERR-42": "maxPods {n} must be {min}–{max}. A value of 10 requires room for 30 pods in the pool.",
    "ERR-43": "Subnet '{subnet}' has {free} usable IPs, but {nodes} nodes × {max_pods} pods need {needed}.",
    "ERR-43-nodes": "Subnet '{subnet}' has {free} usable IPs, but {nodes} nodes and {surge} upgrade node(s) need {needed}.",
    "ERR-46": "Pod CIDR '{cidr}' overlaps the cluster subnet, a peered network or an on-prem range.",
}


@dataclass(frozen=True)
class Refusal:
    """One reason Azure would refuse the cluster, shaped like
    ``portal.errors.AzureRuleError``. ``values`` keeps the numbers behind
    the message (for example ``needed_prefix``) for the view to show."""

    err_id: str
    rule_ids: tuple[str, ...]
    field: str | None
    message: str
    values: dict = dataclass_field(default_factory=dict, compare=False)

    @property
    def learn_more(self) -> str:
        return "Learn more: " + ", ".join(([self.err_id] if self.err_id else []) + list(self.rule_ids))


def _refuse(err_id: str, *rule_ids: str, field: str | None, **values: object) -> Refusal:
    template = ERR_TEXT[err_id]
    missing = {name for _, name, _, _ in Formatter().parse(template) if name} - values.keys()
    if missing:
        raise KeyError(f"{err_id} needs {sorted(missing)}")
    return Refusal(err_id.removesuffix("-nodes"), rule_ids, field, template.format(**values), values)


def _rule(message: str, *rule_ids: str, field: str | None, **values: object) -> Refusal:
    """A refusal whose text is not in the §16 table."""
    return Refusal("", rule_ids, field, message, values)


def max_pods_refusal(limits: MaxPods, max_pods: int, node_count: int, *rule_ids: str) -> Refusal | None:
    """AKS-25, AKS-26: max pods per node within the plugin's range (ERR-42),
    and a pool with room for at least MIN_PODS_PER_POOL pods, which a value
    in range can still miss (maxPods 10 needs 3 nodes): that refusal names
    the pool-wide minimum, not the range the value is in."""
    if not limits.minimum <= max_pods <= limits.maximum:
        return _refuse(
            "ERR-42",
            *rule_ids,
            "AKS-25",
            "AKS-26",
            field="max_pods",
            n=max_pods,
            min=limits.minimum,
            max=limits.maximum,
        )
    room = node_count * max_pods
    if room >= MIN_PODS_PER_POOL:
        return None
    per_node = min(-(-MIN_PODS_PER_POOL // node_count), limits.maximum)
    nodes = -(-MIN_PODS_PER_POOL // max_pods)
    message = (
        f"A node pool needs room for at least {MIN_PODS_PER_POOL} pods, but {node_count} "
        f"node{'s' if node_count != 1 else ''} × maxPods {max_pods} gives {room}. Set maxPods to {per_node} or more, "
        f"or use {nodes} nodes or more (AKS-25)."
    )
    values = {"n": max_pods, "nodes": node_count, "room": room, "min_pods": MIN_PODS_PER_POOL}
    return Refusal("ERR-42", (*rule_ids, "AKS-25"), "max_pods", message, values)


@dataclass(frozen=True)
class ExistingCluster:
    name: str
    plugin: Plugin


@dataclass(frozen=True)
class SubnetContext:
    """The node subnet and the ranges around it that the cluster must respect.

    ``used_addresses`` counts what already sits in the subnet (NICs, other
    clusters' nodes and pods), not counting the five Azure keeps.
    """

    name: str
    prefix: str
    vnet_address_space: tuple[str, ...]
    delegations: tuple[str, ...] = ()
    used_addresses: int = 0
    peered_address_space: tuple[str, ...] = ()
    on_premises_prefixes: tuple[str, ...] = ()
    existing_clusters: tuple[ExistingCluster, ...] = ()


@dataclass(frozen=True)
class ClusterNetworkSpec:
    """The Networking tab of a new cluster (or node pool), as entered. Empty
    CIDRs take the era's defaults. Refusals name these attributes as fields."""

    era: Era
    network_plugin: Plugin
    node_count: int
    max_pods: int | None = None
    service_cidr: str = ""
    dns_service_ip: str = ""
    pod_cidr: str = ""
    docker_bridge_cidr: str = ""
    network_policy: NetworkPolicy = NetworkPolicy.NONE
    windows_node_pools: bool = False
    virtual_nodes: bool = False
    max_surge: int = DEFAULT_MAX_SURGE
    cluster_name: str = ""


def _networks(prefixes: Sequence[str]) -> list[IPv4Network]:
    """The IPv4 ranges among stored prefixes; IPv6 space can't collide with IPv4 CIDRs."""
    return [IPv4Network(prefix) for prefix in prefixes if ":" not in prefix]


def _first_overlap(network: IPv4Network, others: Sequence[IPv4Network]) -> IPv4Network | None:
    return next((other for other in others if other.overlaps(network)), None)


def _parse(text: str, field_name: str, rule_id: str, refusals: list[Refusal]) -> IPv4Network | None:
    try:
        network = parse_cidr(text)
    except AddressError as error:
        refusals.append(_rule(str(error), rule_id, field=field_name))
        return None
    if network.version != 4:
        refusals.append(_rule(f"'{text}' is not an IPv4 range.", rule_id, field=field_name))
        return None
    return network


def _reserved(network: IPv4Network, field_name: str) -> Refusal | None:
    if _first_overlap(network, AKS_RESERVED_RANGES):
        return _refuse("ERR-40", "AKS-46", field=field_name, cidr=str(network))
    return None


def validate_cluster(spec: ClusterNetworkSpec, subnet: SubnetContext) -> list[Refusal]:
    """Every refusal Azure would give for this cluster in this subnet, in the
    order of the Networking tab; an empty list means it can be created."""
    rules = aks_rules_for(spec.era)
    plugin = Plugin(spec.network_plugin)
    policy = NetworkPolicy(spec.network_policy)
    cluster = spec.cluster_name or "new cluster"
    out: list[Refusal] = []

    if plugin not in rules.plugins:
        out.append(
            _rule(
                f"Network plugin '{plugin.value}' isn't offered in the {rules.era.label} portal.",
                "AKS-30",
                "AKS-42",
                field="network_plugin",
            )
        )
        return out
    defaults = network_defaults(rules.era, plugin)
    if spec.node_count < 1:
        out.append(_rule("Node count must be at least 1.", "AKS-22", field="node_count"))
        return out

    # Network policy: AKS-04, AKS-50 to AKS-52.
    if policy not in rules.network_policies:
        out.append(
            _rule(
                f"Network policy '{policy.value}' isn't available in the {rules.era.label} portal.",
                "AKS-50",
                field="network_policy",
            )
        )
    elif plugin is Plugin.KUBENET and policy is NetworkPolicy.AZURE:
        out.append(_refuse("ERR-33", "AKS-04", "AKS-52", field="network_policy"))
    elif plugin is Plugin.KUBENET and policy is NetworkPolicy.CILIUM:
        out.append(
            _rule(
                "Network policy 'cilium' requires network plugin 'azure'. With kubenet, use 'calico'.",
                "AKS-51",
                "AKS-52",
                field="network_policy",
            )
        )

    # Kubenet feature gaps and node limits: AKS-03, AKS-04, AKS-32.
    if plugin is Plugin.KUBENET:
        if spec.windows_node_pools:
            out.append(_refuse("ERR-34", "AKS-04", "SEED-27", field="windows_node_pools", cluster=cluster))
        if spec.virtual_nodes:
            out.append(_refuse("ERR-34", "AKS-04", "SEED-27", field="virtual_nodes", cluster=cluster))
        if spec.node_count > KUBENET_MAX_NODES:
            out.append(_refuse("ERR-35", "AKS-03", "LIMIT-23", field="node_count"))
    elif plugin is Plugin.AZURE_CNI_OVERLAY and spec.node_count > OVERLAY_MAX_NODES:
        out.append(
            _rule(
                f"Azure CNI Overlay clusters are limited to {OVERLAY_MAX_NODES:,} nodes.", "AKS-32", field="node_count"
            )
        )

    # Max pods: AKS-06, AKS-25, AKS-26.
    limits = defaults.max_pods
    max_pods = spec.max_pods if spec.max_pods is not None else limits.default
    if refusal := max_pods_refusal(
        limits, max_pods, spec.node_count, *(("AKS-06",) if plugin is Plugin.KUBENET else ())
    ):
        out.append(refusal)

    # The cluster's ranges.
    vnet_space = _networks(subnet.vnet_address_space)
    peered = _networks(subnet.peered_address_space)
    on_prem = _networks(subnet.on_premises_prefixes)
    for network in vnet_space:
        if refusal := _reserved(network, "virtual_network"):
            out.append(refusal)

    pod_cidr = None
    if plugin.pods_in_subnet and spec.pod_cidr.strip():
        # AKS-20: Azure CNI (node subnet) gives every pod a subnet address, so
        # Azure (and the az CLI, before it asks) refuses a pod CIDR; only
        # kubenet (AKS-01) and CNI Overlay (AKS-34) take one.
        out.append(
            _rule(
                f"Pod CIDR '{spec.pod_cidr.strip()}' can't be used with Azure CNI (node subnet), where pods take "
                "addresses from the cluster subnet. A pod CIDR needs kubenet or Azure CNI Overlay; leave it empty.",
                "AKS-20",
                "AKS-01",
                "AKS-34",
                field="pod_cidr",
            )
        )
    if not plugin.pods_in_subnet:
        pod_cidr = _parse(spec.pod_cidr or defaults.pod_cidr, "pod_cidr", "AKS-01", out)
    if pod_cidr is not None:
        out.extend(_pod_cidr_refusals(pod_cidr, plugin, spec.node_count, subnet, peered, on_prem))

    service = _parse(spec.service_cidr or defaults.service_cidr, "service_cidr", "AKS-43", out)
    if service is not None:
        out.extend(_service_cidr_refusals(service, vnet_space, peered, on_prem, pod_cidr))
        out.extend(_dns_ip_refusals(spec.dns_service_ip or defaults.dns_service_ip, service))

    if rules.docker_bridge_shown:
        out.extend(
            _docker_bridge_refusals(
                spec.docker_bridge_cidr or defaults.docker_bridge_cidr,
                [*vnet_space, *peered, *on_prem] + [n for n in (service, pod_cidr) if n is not None],
            )
        )

    # The node subnet: SUBNET-13, AKS-05, AKS-21.
    if subnet.delegations:
        out.append(
            _refuse("ERR-41", "AKS-23", "SUBNET-13", field="subnet", subnet=subnet.name, service=subnet.delegations[0])
        )
    if refusal := shared_subnet_refusal(plugin, subnet):
        out.append(refusal)
    out.extend(capacity_refusals(spec, subnet, max_pods))
    return out


def shared_subnet_refusal(plugin: Plugin, subnet: SubnetContext) -> Refusal | None:
    """ERR-32 (AKS-05): a kubenet cluster can't share its subnet, and no
    cluster can join a subnet a kubenet cluster holds. Review and the live IP
    plan both ask this."""
    for other in subnet.existing_clusters:
        if Plugin.KUBENET in (plugin, other.plugin):
            return _refuse("ERR-32", "AKS-05", "SEED-27", field="subnet", subnet=subnet.name, cluster=other.name)
    return None


def capacity_refusals(spec: ClusterNetworkSpec, subnet: SubnetContext, max_pods: int | None = None) -> list[Refusal]:
    """ERR-43: the plan doesn't fit in what the subnet has free. For a scale
    operation pass ``used_addresses`` without the cluster's own addresses."""
    plan = plan_ip(spec.network_plugin, spec.era, spec.node_count, max_pods or spec.max_pods, spec.max_surge)
    free = max(usable_addresses(IPv4Network(subnet.prefix)) - subnet.used_addresses, 0)
    if plan.fits(free):
        return []
    values = {
        "subnet": subnet.name,
        "free": f"{free:,}",
        "nodes": spec.node_count,
        "needed": f"{plan.subnet_addresses:,}",
        "needed_prefix": plan.smallest_subnet_prefix,
    }
    if plan.plugin.pods_in_subnet:
        return [_refuse("ERR-43", "AKS-21", "AKS-22", field="subnet", max_pods=plan.max_pods, **values)]
    rule_ids = ("AKS-01", "AKS-22") if plan.plugin is Plugin.KUBENET else ("AKS-30", "AKS-22")
    return [_refuse("ERR-43-nodes", *rule_ids, field="subnet", surge=plan.surge_nodes, **values)]


def _pod_cidr_refusals(
    pod_cidr: IPv4Network,
    plugin: Plugin,
    node_count: int,
    subnet: SubnetContext,
    peered: list[IPv4Network],
    on_prem: list[IPv4Network],
) -> list[Refusal]:
    out = []
    if refusal := _reserved(pod_cidr, "pod_cidr"):
        out.append(refusal)
    if _first_overlap(pod_cidr, [IPv4Network(subnet.prefix), *peered, *on_prem]):
        out.append(_refuse("ERR-46", "AKS-31", field="pod_cidr", cidr=str(pod_cidr)))
    blocks = 2 ** (NODE_POD_PREFIX - pod_cidr.prefixlen) if pod_cidr.prefixlen <= NODE_POD_PREFIX else 0
    if blocks < node_count:
        needed = pod_cidr_prefix_for(node_count)
        out.append(
            _rule(
                f"Pod CIDR '{pod_cidr}' holds {blocks:,} node ranges of /24, but {node_count:,} nodes need one each. "
                f"Use a /{needed} or larger.",
                "AKS-01" if plugin is Plugin.KUBENET else "AKS-30",
                field="pod_cidr",
                needed_prefix=needed,
            )
        )
    return out


def _service_cidr_refusals(
    service: IPv4Network,
    vnet_space: list[IPv4Network],
    peered: list[IPv4Network],
    on_prem: list[IPv4Network],
    pod_cidr: IPv4Network | None,
) -> list[Refusal]:
    out = []
    if service.prefixlen <= SERVICE_CIDR_LARGEST_PREFIX:
        out.append(_refuse("ERR-39", "AKS-43", field="service_cidr", cidr=str(service)))
    if refusal := _reserved(service, "service_cidr"):
        out.append(refusal)
    kinds = (
        ("the virtual network range", vnet_space),
        ("the peered range", peered),
        ("the on-premises range", on_prem),
        ("the pod CIDR", [pod_cidr] if pod_cidr else []),
    )
    for kind, networks in kinds:
        if other := _first_overlap(service, networks):
            out.append(
                _refuse("ERR-38", "AKS-43", field="service_cidr", cidr=str(service), kind=kind, other=str(other))
            )
    return out


def _dns_ip_refusals(text: str, service: IPv4Network) -> list[Refusal]:
    try:
        address = parse_ipv4(text)
    except AddressError as error:
        return [_rule(str(error), "AKS-44", field="dns_service_ip")]
    if address not in service:
        return [_refuse("ERR-36", "AKS-44", field="dns_service_ip", ip=str(address), cidr=str(service))]
    # .1 is kubernetes.default (AKS-44); the network address is never a service address.
    if int(address) - int(service.network_address) <= 1:
        return [_refuse("ERR-37", "AKS-44", field="dns_service_ip", ip=str(address), cidr=str(service))]
    return []


def _docker_bridge_refusals(text: str, others: list[IPv4Network]) -> list[Refusal]:
    try:
        bridge = ip_interface(text.strip())
    except ValueError:
        bridge = None
    if not isinstance(bridge, IPv4Interface) or "/" not in text:
        message = f"'{text}' is not an IPv4 address with a prefix, for example 172.17.0.1/16."
        return [_rule(message, "AKS-41", field="docker_bridge_cidr")]
    if other := _first_overlap(bridge.network, others):
        return [
            _rule(
                f"Docker bridge address '{text}' overlaps '{other}'. Keep it clear of the virtual network, "
                "the service and pod CIDRs and any connected range.",
                "AKS-45",
                field="docker_bridge_cidr",
                other=str(other),
            )
        ]
    return []


# --- "Which network model?" --------------------------------------------------


@dataclass(frozen=True)
class ModelQuestions:
    """The seed's questions (SEED-28, SEED-29)."""

    ip_space_available: bool
    traffic_mostly_inside_cluster: bool
    needs_virtual_nodes_or_azure_policy: bool
    windows_nodes: bool


@dataclass(frozen=True)
class Reason:
    text: str
    rule_ids: tuple[str, ...]


@dataclass(frozen=True)
class Recommendation:
    plugin: Plugin
    label: str
    reasons: tuple[Reason, ...]
    notice: str = ""  # AKS-09: the kubenet retirement banner (Current)
    also_fits: Plugin | None = None  # a second model that would serve too

    @property
    def rule_ids(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for reason in self.reasons:
            seen.update(dict.fromkeys(reason.rule_ids))
        return tuple(seen)


_NEEDS_CNI = Reason(
    "Windows Server node pools, virtual nodes and Azure Network Policy need Azure CNI; kubenet has none of them.",
    ("SEED-27", "SEED-29", "AKS-04"),
)
_SPACE_FOR_PODS = Reason(
    "Address space is available, so every pod can take a VNet address and no user-defined routes need managing.",
    ("SEED-29", "AKS-20"),
)
_TRAFFIC_OUT = Reason(
    "Most pod traffic goes to resources outside the cluster, which then see the pod's own address.",
    ("SEED-29",),
)
_SPACE_SHORT = Reason(
    "Address space is limited: only the nodes take VNet addresses, pods use the pod CIDR.",
    ("SEED-28", "AKS-01"),
)
_TRAFFIC_IN = Reason(
    "Most pod traffic stays inside the cluster, so kubenet's extra hop and source NAT rarely matter.",
    ("SEED-28", "SEED-27"),
)
_BIG_SUBNET = Reason(
    "Azure CNI takes nodes × max pods addresses from the subnet: size it with the IP planner.",
    ("AKS-21",),
)
_RETIRING = Reason(
    "Kubenet retires on 31 March 2028; Azure CNI Overlay is its successor and the default.",
    ("AKS-09", "AKS-42"),
)
_OVERLAY_SAVES = Reason(
    "Azure CNI Overlay gives pods addresses from a private pod CIDR, so only nodes use the subnet.",
    ("AKS-30",),
)
_OVERLAY_NO_DIRECT = Reason(
    "With Overlay, pods aren't reachable directly from outside the cluster; their traffic leaves with the node's address.",
    ("AKS-30",),
)
_OVERLAY_POLICY = Reason(
    "Azure Network Policy Manager runs on Azure CNI, Overlay included; confirm the virtual nodes add-on supports "
    "Overlay before relying on it.",
    ("AKS-51",),
)


def recommend_network_model(questions: ModelQuestions, era: str) -> Recommendation:
    """SEED-28/29 decide in Classic; in Current kubenet is retiring (AKS-09),
    so the kubenet answers lead to Azure CNI Overlay instead."""
    rules = aks_rules_for(era)
    q = questions
    needs_cni = q.windows_nodes or q.needs_virtual_nodes_or_azure_policy

    def result(plugin: Plugin, reasons: list[Reason], also: Plugin | None = None) -> Recommendation:
        return Recommendation(plugin, rules.plugin_label(plugin), tuple(reasons), rules.kubenet_notice, also)

    if rules.era is Era.CLASSIC:
        if needs_cni:
            return result(
                Plugin.AZURE_CNI, [_NEEDS_CNI] + ([_SPACE_FOR_PODS] if q.ip_space_available else [_BIG_SUBNET])
            )
        if not q.ip_space_available:
            return result(Plugin.KUBENET, [_SPACE_SHORT] + ([_TRAFFIC_IN] if q.traffic_mostly_inside_cluster else []))
        if q.traffic_mostly_inside_cluster:
            return result(Plugin.AZURE_CNI, [_SPACE_FOR_PODS, _TRAFFIC_IN], also=Plugin.KUBENET)
        return result(Plugin.AZURE_CNI, [_SPACE_FOR_PODS, _TRAFFIC_OUT])

    if q.ip_space_available and (not q.traffic_mostly_inside_cluster or q.needs_virtual_nodes_or_azure_policy):
        reasons = [_SPACE_FOR_PODS] + ([_TRAFFIC_OUT] if not q.traffic_mostly_inside_cluster else [_NEEDS_CNI])
        return result(Plugin.AZURE_CNI, reasons + [_OVERLAY_NO_DIRECT], also=Plugin.AZURE_CNI_OVERLAY)
    reasons = [_RETIRING, _OVERLAY_SAVES]
    if q.needs_virtual_nodes_or_azure_policy:
        reasons.append(_OVERLAY_POLICY)
    if q.windows_nodes:
        reasons.append(_NEEDS_CNI)
    return result(Plugin.AZURE_CNI_OVERLAY, reasons, also=Plugin.AZURE_CNI if q.ip_space_available else None)
