"""A frozen snapshot of a sandbox's network, as plain values (pure: no Django).

networking/snapshot.py builds it from the database in a fixed number of
queries; the trace (networking/engine/trace.py) reads only this.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network

from networking.engine import routes as r
from networking.engine.nsg import Nsg


@dataclass(frozen=True)
class Vnet:
    id: int
    name: str
    location: str
    space: tuple[IPv4Network, ...]
    dns_servers: tuple[str, ...] = ()
    is_classic: bool = False


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
    prefixes: tuple[IPv4Network, ...] = ()  # learned: local network gateways, circuits (BGP), P2S pool


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

    # --- lookups ----------------------------------------------------------------

    def vnet_of_address(self, address: IPv4Address) -> Vnet | None:
        for vnet in self.vnets.values():
            if any(address in space for space in vnet.space):
                return vnet
        return None

    def subnet_of_address(self, address: IPv4Address) -> Subnet | None:
        for subnet in self.subnets.values():
            if address in subnet.prefix:
                return subnet
        return None

    def nic_with(self, address: IPv4Address) -> Nic | None:
        return next((n for n in self.nics if n.ip == address), None)

    def endpoint_with(self, address: IPv4Address) -> PrivateEndpoint | None:
        return next((p for p in self.private_endpoints if p.ip == address), None)

    def target_by_host(self, host: str) -> Target | None:
        return next((t for t in self.targets if t.host == host), None)

    def target_by_ip(self, address: IPv4Address) -> Target | None:
        return next((t for t in self.targets if t.public_ip == address), None)

    def connected_peerings(self, vnet_id: int) -> list[Peering]:
        return [p for p in self.peerings if p.vnet_id == vnet_id and p.state == "Connected" and p.allow_access]

    def linked_zones(self, vnet_id: int) -> list[tuple[Zone, bool]]:
        out = []
        for zone in self.zones:
            for linked_vnet, fallback in zone.links:
                if linked_vnet == vnet_id:
                    out.append((zone, fallback))
        return out

    def public_dns(self) -> dict[str, tuple[str, str]]:
        """The internet's view of names: services, with the privatelink CNAME
        for those that have an approved private endpoint (PEDNS-10)."""
        names = dict(self.public_names)
        with_pe = {pe.target_host for pe in self.private_endpoints if pe.approved}
        for target in self.targets:
            if target.host in with_pe:
                label, _, suffix = target.host.partition(".")
                private_name = f"{label}.privatelink.{suffix}"
                names[target.host] = ("CNAME", private_name)
                names[private_name] = ("A", str(target.public_ip))
            else:
                names[target.host] = ("A", str(target.public_ip))
        return names

    def routing_for(self, subnet: Subnet) -> r.SubnetRouting:
        """The subnet's route inputs (ROUTE-01 to ROUTE-08, ROUTE-26)."""
        from networking.engine import servicetags

        vnet = self.vnets[subnet.vnet_id]
        peered, peer_ids = [], {vnet.id}
        gateway_prefixes: list[IPv4Network] = []
        own_gateway = self.gateways.get(vnet.id)
        if own_gateway:
            gateway_prefixes.extend(own_gateway.prefixes)
        for peering in self.connected_peerings(vnet.id):
            remote = self.vnets.get(peering.remote_vnet_id)
            if remote is None:
                continue
            peer_ids.add(remote.id)
            peered.extend((space, remote.location != vnet.location) for space in remote.space)
            if peering.use_remote_gateways and remote.id in self.gateways:
                gateway_prefixes.extend(self.gateways[remote.id].prefixes)
        table = self.route_tables.get(subnet.route_table_id) if subnet.route_table_id else None
        pe_networks = tuple(
            IPv4Network(f"{pe.ip}/32")
            for pe in self.private_endpoints
            if self.subnets.get(pe.subnet_id) and self.subnets[pe.subnet_id].vnet_id in peer_ids
        )
        return r.SubnetRouting(
            vnet_space=vnet.space,
            peered=tuple(peered),
            gateway_prefixes=tuple(gateway_prefixes),
            service_endpoint_prefixes=tuple(servicetags.service_endpoint_prefixes(sorted(subnet.service_endpoints))),
            private_endpoints=pe_networks,
            user_routes=table.routes if table else (),
            propagate_gateway_routes=table.propagate_gateway_routes if table else True,
            classic_pe_rules=self.era == "classic",
            vnet_prefix_length=min((s.prefixlen for s in vnet.space), default=16),
        )

    def virtual_network_tag(self, vnet_id: int) -> tuple[IPv4Network, ...]:
        """NSG-30: the VirtualNetwork tag seen from a VNet: its space, peered
        spaces and what its gateway connects."""
        vnet = self.vnets[vnet_id]
        nets = list(vnet.space)
        for peering in self.connected_peerings(vnet_id):
            remote = self.vnets.get(peering.remote_vnet_id)
            if remote:
                nets.extend(remote.space)
        gateway = self.gateways.get(vnet_id)
        if gateway:
            nets.extend(gateway.prefixes)
        return tuple(nets)
