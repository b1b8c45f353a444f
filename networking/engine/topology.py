"""A frozen snapshot of a sandbox's network, as plain values (pure: no Django).

networking/snapshot.py builds it from the database in a fixed number of
queries; the trace (networking/engine/trace/) reads only this.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from ipaddress import IPv4Address, IPv4Network

from networking.engine import routes as r
from networking.engine import servicetags
from networking.engine.index import TopologyIndex
from networking.engine.nsg import Nsg, VirtualNetworkTag


@dataclass(frozen=True)
class Vnet:
    id: int
    name: str
    location: str
    space: tuple[IPv4Network, ...]
    dns_servers: tuple[str, ...] = ()
    is_classic: bool = False


@dataclass(frozen=True)
class NatGateway:
    """A subnet's NAT gateway: the source address of its internet-bound
    traffic is the first of ``public_ips`` (ASRT-17, NAT-07)."""

    name: str
    public_ips: tuple[IPv4Address, ...] = ()


@dataclass(frozen=True)
class OutboundRule:
    """A load balancer's outbound rule over the NIC's backend pool: its
    internet traffic leaves from ``public_ip``, the load balancer's frontend
    (LB-01), unless a NAT gateway or an instance-level public IP comes first."""

    load_balancer: str
    public_ip: IPv4Address


# Lab-defined DOA-01 / DOA-02 / DOA-03 (the catalogue has no rule): a VM
# without an explicit outbound method (public IP, NAT gateway, load balancer
# outbound rule) reaches the internet through Azure's default outbound access
# IP unless its subnet is private. A subnet's defaultOutboundAccess decides
# (DOA-03); left unset, the era does: Classic (2021) subnets have default
# outbound access, Current's are private (VNets created after 31 March 2026,
# API 2025-07-01). Keyed by Topology.era.
DEFAULT_OUTBOUND_ACCESS = {"classic": True, "current": False}


def has_default_outbound(era: str, default_outbound_access: bool | None) -> bool:
    """DOA-03: whether a subnet with this ``defaultOutboundAccess`` (None:
    not set) gives its VMs default outbound access in ``era``."""
    if default_outbound_access is not None:
        return default_outbound_access
    return DEFAULT_OUTBOUND_ACCESS.get(era, True)


@dataclass(frozen=True)
class Subnet:
    id: int
    name: str
    vnet_id: int
    prefix: IPv4Network
    nsg_id: int | None = None
    route_table_id: int | None = None
    service_endpoints: frozenset[str] = frozenset()
    pe_policies: str = "Disabled"
    nat: NatGateway | None = None
    # DOA-03 (lab): the subnet's defaultOutboundAccess; None when it isn't
    # set, and then the era decides (DEFAULT_OUTBOUND_ACCESS).
    default_outbound_access: bool | None = None


@dataclass(frozen=True)
class Peering:
    vnet_id: int
    remote_vnet_id: int
    state: str = "Connected"
    allow_access: bool = True
    allow_gateway_transit: bool = False
    use_remote_gateways: bool = False


@dataclass(frozen=True)
class Gateway:
    vnet_id: int
    name: str
    kind: str  # "Vpn" or "ExpressRoute"
    prefixes: tuple[IPv4Network, ...] = ()  # learned: local network gateways, circuits (BGP)
    p2s_pool: IPv4Network | None = None  # the point-to-site client address pool (ASGW-09, ASGW-17)
    # NW-10, ROUTE-33: the next hop IP of its routes: the instance's private
    # address in the GatewaySubnet, or a BGP-learned prefix's peer address.
    ip: str | None = None
    peer_ips: tuple[tuple[IPv4Network, str], ...] = ()
    # ASGW-07 to ASGW-10: why an app's gateway-required integration can't
    # tunnel in through it (no point-to-site, no SSTP...), or None.
    app_problem: str | None = None

    def next_hop_ip(self, prefix: IPv4Network) -> str | None:
        for learned, peer in self.peer_ips:
            if learned == prefix:
                return peer
        return self.ip

    @property
    def advertised(self) -> tuple[IPv4Network, ...]:
        """What the gateway brings into its VNet's routes (ROUTE-07) and
        VirtualNetwork tag (NSG-30): learned prefixes and the P2S pool."""
        if self.p2s_pool is None or self.p2s_pool in self.prefixes:
            return self.prefixes
        return (*self.prefixes, self.p2s_pool)


@dataclass(frozen=True)
class RouteTable:
    id: int
    name: str
    propagate_gateway_routes: bool
    routes: tuple[r.Route, ...]


@dataclass(frozen=True)
class Nic:
    name: str
    subnet_id: int
    ip: IPv4Address
    nsg_id: int | None = None
    owner: str = ""  # the VM's name
    ip_forwarding: bool = False
    public_ip: IPv4Address | None = None  # an instance-level public IP: explicit outbound (DOA-01)
    outbound_rule: OutboundRule | None = None  # a load balancer's outbound rule (LB-01)


@dataclass(frozen=True)
class PrivateEndpoint:
    name: str
    subnet_id: int
    ip: IPv4Address
    target_host: str
    approved: bool = True


@dataclass(frozen=True)
class Target:
    """A PaaS service's public endpoint and firewall."""

    kind: str
    name: str
    host: str
    public_ip: IPv4Address
    service_endpoint: str
    private_link_zone: str
    public_network_access: bool = True
    default_deny: bool = False
    ip_rules: tuple[IPv4Network, ...] = ()
    vnet_rule_subnets: frozenset[int] = frozenset()
    # SQL-01: a SQL server's "Allow Azure services and resources to access
    # this server": any address of Azure gets in on the public endpoint.
    azure_services: bool = False


@dataclass(frozen=True)
class Zone:
    name: str
    records: dict[str, tuple[str, tuple[str, ...]]]
    links: tuple[tuple[int, bool], ...] = ()  # (vnet_id, fallback_to_internet)


@dataclass(frozen=True)
class App:
    """An App Service app as a traffic source."""

    name: str
    location: str
    outbound_ips: tuple[str, ...]
    integration_kind: str | None = None  # "regional" | "gateway" | None
    vnet_id: int | None = None
    subnet_id: int | None = None
    route_all: bool = False
    dns_servers: tuple[str, ...] = ()  # WEBSITE_DNS_SERVER (+ alt), empty = inherit
    private_zones: bool = True  # SEED-24 (Classic) / ASDNS-01 (Current)
    plan_routes: tuple[IPv4Network, ...] = ()  # gateway-required: the plan's "Add routes" (ASGW-15)


# AKS network plugins (aks.planning.Plugin values).
KUBENET, AZURE_CNI, OVERLAY = "kubenet", "azure", "overlay"
PLUGIN_LABELS = {KUBENET: "kubenet", AZURE_CNI: "Azure CNI", OVERLAY: "Azure CNI Overlay"}
# The lab numbers a kubenet or Overlay node's pods from the fourth address of
# its /24 (.4 first), as a subnet numbers its VMs (SUBNET-01).
FIRST_POD_OFFSET = 4


@dataclass(frozen=True)
class AksCluster:
    """An AKS cluster's pod networking: kubenet and Overlay pods take a /24
    of ``pod_cidr`` per node (AKS-01, AKS-30); Azure CNI pods take subnet
    addresses (AKS-20). ``route_table_id``: kubenet's table of pod routes
    (AKS-02)."""

    id: int
    name: str
    plugin: str
    subnet_id: int
    pod_cidr: IPv4Network | None = None
    route_table_id: int | None = None

    @property
    def plugin_label(self) -> str:
        return PLUGIN_LABELS.get(self.plugin, self.plugin)


@dataclass(frozen=True)
class AksNode:
    """An AKS node: its NIC in the cluster subnet (one of Topology.nics) and
    where its pods' addresses come from: ``pod_cidr``, its /24 (kubenet,
    Overlay), or ``pod_ips``, the subnet addresses Azure CNI reserved for it."""

    cluster_id: int
    name: str
    nic: Nic
    pod_cidr: IPv4Network | None = None
    pod_ips: tuple[IPv4Address, ...] = ()
    max_pods: int = 110

    def holds(self, address: IPv4Address) -> bool:
        if self.pod_cidr is None:
            return address in self.pod_ips
        offset = int(address) - int(self.pod_cidr.network_address)
        return (
            address in self.pod_cidr
            and FIRST_POD_OFFSET <= offset < FIRST_POD_OFFSET + self.max_pods
            and (address != self.pod_cidr.broadcast_address)
        )


@dataclass(frozen=True)
class Pod:
    """A pod as a traffic source: its cluster and plugin, the NIC of the node
    it runs on, its address and, for kubenet and Overlay, the node's /24."""

    cluster_id: int
    cluster: str
    plugin: str
    node: str
    nic: Nic
    ip: IPv4Address
    pod_cidr: IPv4Network | None = None

    @property
    def label(self) -> str:
        """As the pickers list it: "cluster / node / pod address"."""
        return f"{self.cluster} / {self.node} / {self.ip}"


@dataclass(frozen=True)
class Topology:
    era: str
    vnets: dict[int, Vnet]
    subnets: dict[int, Subnet]
    peerings: tuple[Peering, ...] = ()
    gateways: dict[int, Gateway] = field(default_factory=dict)
    route_tables: dict[int, RouteTable] = field(default_factory=dict)
    nsgs: dict[int, Nsg] = field(default_factory=dict)
    nics: tuple[Nic, ...] = ()
    private_endpoints: tuple[PrivateEndpoint, ...] = ()
    targets: tuple[Target, ...] = ()
    zones: tuple[Zone, ...] = ()
    public_names: dict[str, tuple[str, str]] = field(default_factory=dict)
    aks_clusters: dict[int, AksCluster] = field(default_factory=dict)
    aks_nodes: tuple[AksNode, ...] = ()

    # --- lookups ----------------------------------------------------------------
    # Answered from ``index``, built once per snapshot on first use: a snapshot
    # is never changed after it is built (a changed sandbox gets a new one).

    @cached_property
    def index(self) -> TopologyIndex:
        return TopologyIndex(self)

    def prepare(self) -> Topology:
        """Build the indexes and every subnet's route table now (otherwise
        each is built when first asked for). Returns the topology."""
        self.index.prepare()
        return self

    def default_outbound(self, subnet: Subnet) -> bool:
        """DOA-01 / DOA-02 / DOA-03: whether ``subnet`` has default outbound access."""
        return has_default_outbound(self.era, subnet.default_outbound_access)

    def vnet_of_address(self, address: IPv4Address) -> Vnet | None:
        if address.version != 4:
            return next((v for v in self.vnets.values() if any(address in s for s in v.space)), None)
        return self.index.vnet_by_address.get(int(address))

    def subnet_of_address(self, address: IPv4Address) -> Subnet | None:
        if address.version != 4:
            return next((s for s in self.subnets.values() if address in s.prefix), None)
        return self.index.subnet_by_address.get(int(address))

    def nic_with(self, address: IPv4Address) -> Nic | None:
        return self.index.nic_by_ip.get(address)

    def endpoint_with(self, address: IPv4Address) -> PrivateEndpoint | None:
        return self.index.endpoint_by_ip.get(address)

    def target_by_host(self, host: str) -> Target | None:
        return self.index.target_by_host.get(host)

    def target_by_ip(self, address: IPv4Address) -> Target | None:
        return self.index.target_by_ip.get(address)

    def aks_node_at(self, address: IPv4Address) -> AksNode | None:
        """The AKS node whose NIC has ``address``."""
        return self.index.aks_node_by_ip.get(address)

    def cni_pod_node(self, address: IPv4Address) -> AksNode | None:
        """The node an Azure CNI pod address (a subnet address, AKS-20) belongs to."""
        return self.index.cni_pod_node.get(address)

    def pod_node(self, cluster_id: int, address: IPv4Address) -> AksNode | None:
        """The node of cluster ``cluster_id`` that holds the pod address:
        kubenet and Overlay by the node's /24 (pod CIDRs may repeat across
        clusters, AKS-08, AKS-31), Azure CNI by its reserved addresses."""
        for node in self.index.aks_nodes_by_cluster.get(cluster_id, ()):
            if node.pod_cidr is not None and address in node.pod_cidr:
                return node
        node = self.index.cni_pod_node.get(address)
        return node if node is not None and node.cluster_id == cluster_id else None

    def pod(self, node: AksNode, address: IPv4Address) -> Pod | None:
        """The pod at ``address`` on ``node`` as a source; None if the node
        doesn't hold that address."""
        cluster = self.aks_clusters.get(node.cluster_id)
        if cluster is None or not node.holds(address):
            return None
        return Pod(cluster.id, cluster.name, cluster.plugin, node.name, node.nic, address, node.pod_cidr)

    def connected_peerings(self, vnet_id: int) -> list[Peering]:
        return list(self.index.connected_peerings.get(vnet_id, ()))

    def linked_zones(self, vnet_id: int) -> list[tuple[Zone, bool]]:
        return list(self.index.linked_zones.get(vnet_id, ()))

    def public_dns(self) -> dict[str, tuple[str, str]]:
        """The internet's view of names: services, with the privatelink CNAME
        for those that have an approved private endpoint (PEDNS-10)."""
        return dict(self.index.public_dns)

    def _compute_public_dns(self) -> dict[str, tuple[str, str]]:
        names = dict(self.public_names)
        with_pe = {pe.target_host for pe in self.private_endpoints if pe.approved}
        for target in self.targets:
            if target.host in with_pe:
                # PEDNS-01: the service's privatelink zone, which for Key Vault
                # (vault.azure.net) is privatelink.vaultcore.azure.net.
                label, _, suffix = target.host.partition(".")
                zone = target.private_link_zone or f"privatelink.{suffix}"
                private_name = f"{label}.{zone}"
                names[target.host] = ("CNAME", private_name)
                names[private_name] = ("A", str(target.public_ip))
            else:
                names[target.host] = ("A", str(target.public_ip))
        return names

    def routing_for(self, subnet: Subnet) -> r.SubnetRouting:
        """The subnet's route inputs (ROUTE-01 to ROUTE-08, ROUTE-26); one
        instance per subnet of the snapshot, so its compiled route table is
        built once."""
        cache = self.index.routing
        hit = cache.get(subnet.id)
        if hit is not None and (hit[0] is subnet or hit[0] == subnet):
            return hit[1]
        routing = self._compute_routing(subnet)
        if self.subnets.get(subnet.id) == subnet:
            cache[subnet.id] = (subnet, routing)
        return routing

    def _compute_routing(self, subnet: Subnet) -> r.SubnetRouting:
        vnet = self.vnets[subnet.vnet_id]
        peered, peer_ids = [], [vnet.id]
        for peering in self.index.connected_peerings.get(vnet.id, ()):
            remote = self.vnets.get(peering.remote_vnet_id)
            if remote is None:
                continue
            if remote.id not in peer_ids:
                peer_ids.append(remote.id)
            peered.extend((space, remote.location != vnet.location) for space in remote.space)
        table = self.route_tables.get(subnet.route_table_id) if subnet.route_table_id else None
        by_vnet = self.index.endpoint_networks
        endpoints = [e for vnet_id in peer_ids for e in by_vnet.get(vnet_id, ())]
        if len(peer_ids) > 1:
            endpoints.sort(key=lambda e: e[0])  # the snapshot's order
        return r.SubnetRouting(
            vnet_space=vnet.space,
            peered=tuple(peered),
            gateway_prefixes=self._gateway_prefixes(vnet.id),
            gateway_next_hops=self._gateway_next_hops(vnet.id),
            service_endpoint_prefixes=tuple(servicetags.service_endpoint_prefixes(sorted(subnet.service_endpoints))),
            private_endpoints=tuple(network for _, network, _ in endpoints),
            user_routes=table.routes if table else (),
            propagate_gateway_routes=table.propagate_gateway_routes if table else True,
            classic_pe_rules=self.era == "classic",
            route_table_endpoints=frozenset(network for _, network, route_tables in endpoints if route_tables),
            vnet_prefix_length=min((s.prefixlen for s in vnet.space), default=16),
        )

    def _gateway_prefixes(self, vnet_id: int) -> tuple[IPv4Network, ...]:
        """ROUTE-07: what the VNet's own gateway brings, then what the gateways
        of peers it uses remote gateways of bring (VNET-11)."""
        return tuple(prefix for gateway in self._gateways_used(vnet_id) for prefix in gateway.advertised)

    def _gateway_next_hops(self, vnet_id: int) -> tuple[tuple[IPv4Network, str], ...]:
        """NW-10, ROUTE-33: each gateway route's next hop IP address."""
        return tuple(
            (prefix, ip)
            for gateway in self._gateways_used(vnet_id)
            for prefix in gateway.advertised
            if (ip := gateway.next_hop_ip(prefix))
        )

    def _gateways_used(self, vnet_id: int) -> list[Gateway]:
        """The VNet's own gateway, then those of peers whose remote gateways it uses (VNET-11)."""
        used = [self.gateways[vnet_id]] if vnet_id in self.gateways else []
        for peering in self.index.connected_peerings.get(vnet_id, ()):
            if peering.use_remote_gateways and peering.remote_vnet_id in self.vnets:
                remote_gateway = self.gateways.get(peering.remote_vnet_id)
                if remote_gateway:
                    used.append(remote_gateway)
        return used

    def gateway_for(self, vnet_id: int) -> Gateway | None:
        """The gateway a VNet's subnets send gateway traffic to: its own, else
        that of a peer whose remote gateway it uses (VNET-11)."""
        own = self.gateways.get(vnet_id)
        if own is not None:
            return own
        for peering in self.index.connected_peerings.get(vnet_id, ()):
            if peering.use_remote_gateways and peering.remote_vnet_id in self.gateways:
                return self.gateways[peering.remote_vnet_id]
        return None

    def virtual_network_tag(self, vnet_id: int, subnet_id: int | None = None) -> tuple[IPv4Network, ...]:
        """NSG-30: the VirtualNetwork tag seen from a VNet: its space, peered
        spaces and what the gateways it uses connect (on-premises prefixes, P2S
        pools); seen from a subnet, also the prefixes of the subnet's
        user-defined routes. The same tuple every time."""
        if subnet_id is not None:
            cached = self.index.subnet_tags.get(subnet_id)
            if cached is not None:
                return cached
        cached = self.index.vnet_tags.get(vnet_id)
        if cached is None:
            vnet = self.vnets[vnet_id]
            nets = list(vnet.space)
            for peering in self.index.connected_peerings.get(vnet_id, ()):
                remote = self.vnets.get(peering.remote_vnet_id)
                if remote:
                    nets.extend(remote.space)
            nets.extend(self._gateway_prefixes(vnet_id))
            cached = self.index.vnet_tags[vnet_id] = tuple(nets)
        if subnet_id is None:
            return cached
        subnet = self.subnets.get(subnet_id)
        table = self.route_tables.get(subnet.route_table_id) if subnet and subnet.route_table_id else None
        tag = (
            VirtualNetworkTag(cached, tuple(route.prefix for route in table.routes))
            if table and table.routes
            else cached
        )
        self.index.subnet_tags[subnet_id] = tag
        return tag
