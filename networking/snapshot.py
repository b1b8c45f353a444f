"""Build the engine's frozen topology of a sandbox from the database.

A fixed number of queries whatever the sandbox's size, read as plain values
(no model instances); the engine then works on plain values
(networking/engine/topology.py).

:func:`current` keeps one snapshot per sandbox state (issue #12): the
troubleshooter, the console, Network Watcher and a lab's grading share it,
with the compiled route tables the engine builds on it, until a write to the
sandbox's resources bumps its estate generation (portal/changes.py: an
operation's end, a notification or a lab's grade keep it). The key is read from the
database, so every worker agrees on it; the snapshot reads no clock, so an
operation under way changes nothing in it until it is finished (a write).

Higher apps add what they bring (App Service's apps, AKS's clusters and
pods) through the registry's snapshot contributors, given a
:class:`SnapshotBuilder`, and register the traffic sources they add
(:class:`TraceSource`), so this module names no app above networking.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from ipaddress import IPv4Address, IPv4Network, ip_address, ip_network
from typing import Any

from django.conf import settings

from networking import models as m
from networking.engine import addressing, servicetags, topology
from networking.engine import routes as r
from networking.engine.nsg import Nsg, Rule
from networking.engine.trace import Trace
from portal import changes
from portal.lru import LRU
from portal.models import Sandbox
from portal.prepared import sandbox_raw_rows
from portal.prepared import sandbox_rows as rows
from portal.registry import registry

# A few well-known public names, so a learner can test "the internet".
PUBLIC_NAMES = {
    "www.contoso.com": ("A", "93.184.216.34"),
    "www.microsoft.com": ("A", "23.45.229.117"),
    "api.github.com": ("A", "140.82.112.6"),
    "smtp.contoso.com": ("A", "93.184.216.40"),
}


# Parsing an address costs more than reading its row: a rebuilt snapshot
# parses what the last one did, so the parsed values (immutable) are kept.
_address = lru_cache(maxsize=1 << 16)(IPv4Address)
_network = lru_cache(maxsize=1 << 16)(ip_network)


def _networks(prefixes) -> tuple[IPv4Network, ...]:
    nets = []
    for text in prefixes:
        net = _network(text, strict=False)
        if net.version == 4:
            nets.append(net)
    return tuple(nets)


def _gateway_instance_ip(gateway_subnet: str | None) -> str | None:
    """The gateway instance's private address: the GatewaySubnet's first a
    NIC may take (SUBNET-01), where Azure's first instance sits."""
    if not gateway_subnet or ":" in gateway_subnet:
        return None
    return addressing.next_free_ip(gateway_subnet, ())


class SnapshotBuilder:
    """What a snapshot contributor is given: plain values in, as the engine
    wants them. It holds the subnets and NICs networking read and collects
    what the contributors add.

    A contributor reads its own rows in a fixed number of queries (whatever
    the sandbox's size) and calls the ``add_*`` methods.
    """

    def __init__(
        self,
        subnets: dict[int, topology.Subnet],
        nics: dict[int, topology.Nic],
        endpoint_targets: Iterable[tuple[str, int]],
    ) -> None:
        self._subnets = subnets
        self._nics = nics
        # {model name: {pk}}: the resources private endpoints point at.
        self._endpoint_targets: dict[str, set[int]] = {}
        for model_name, pk in endpoint_targets:
            self._endpoint_targets.setdefault(model_name, set()).add(pk)
        self._hosts: dict[tuple[str, int], str] = {}
        self.aks_clusters: dict[int, topology.AksCluster] = {}
        self.aks_nodes: list[topology.AksNode] = []

    def endpoint_target_ids(self, model_name: str) -> set[int]:
        """The pks of a model's resources (``model_name`` as Django's
        ``_meta.model_name``) that private endpoints point at."""
        return set(self._endpoint_targets.get(model_name, ()))

    def add_endpoint_host(self, model_name: str, pk: int, host: str) -> None:
        """The host name a private endpoint to this resource answers for."""
        self._hosts[(model_name, pk)] = host

    def endpoint_host(self, model_name: str, pk: int) -> str:
        return self._hosts.get((model_name, pk), "")

    def add_aks_cluster(
        self,
        pk: int,
        name: str,
        network_plugin: str,
        subnet_id: int,
        pod_cidr: str | None,
        route_table_id: int | None,
    ) -> None:
        self.aks_clusters[pk] = topology.AksCluster(
            pk, name, network_plugin, subnet_id, _network(pod_cidr) if pod_cidr else None, route_table_id
        )

    def add_aks_node(
        self,
        cluster_id: int,
        name: str,
        nic_id: int,
        pod_cidr: str | None,
        pod_ips: Iterable[str],
        max_pods: int,
    ) -> None:
        """A node of an added cluster, in the order the engine lists them. A
        node whose NIC or subnet the snapshot doesn't hold (an IPv6 subnet)
        is left out."""
        nic = self._nics.get(nic_id)
        if cluster_id not in self.aks_clusters or nic is None or nic.subnet_id not in self._subnets:
            return
        self.aks_nodes.append(
            topology.AksNode(
                cluster_id,
                name,
                nic,
                _network(pod_cidr) if pod_cidr else None,
                tuple(_address(ip) for ip in pod_ips),
                max_pods,
            )
        )


class SnapshotStore(LRU):
    """Snapshots in an LRU (portal/lru.py), one per sandbox: the one of its
    latest state built here. A change makes the kept one stale, and the
    next build replaces it, so a sandbox that changes often holds one
    snapshot, not one per change (at 100 times the seed's size a snapshot
    is tens of thousands of objects, which every full garbage collection
    walks). Every miss is followed by a build."""

    @property
    def builds(self) -> int:
        return self.misses

    def get(self, key):
        """The snapshot kept for ``key`` (sandbox key, generation), if it is
        of that generation."""
        sandbox_key, generation = key
        with self._lock:
            found = self._data.get(sandbox_key)
            if found is None or found[0] != generation:
                self.misses += 1
                return None
            self._data.move_to_end(sandbox_key)
            self.hits += 1
            return found[1]

    def put(self, key, value) -> None:
        """Keep ``value`` as the sandbox's snapshot, unless one of a later
        generation is kept already (a slower build of an older state)."""
        sandbox_key, generation = key
        with self._lock:
            kept = self._data.get(sandbox_key)
            if kept is not None and kept[0] > generation:
                return
            self._data[sandbox_key] = (generation, value)
            self._data.move_to_end(sandbox_key)
            while len(self._data) > self.entries:
                self._data.popitem(last=False)


store = SnapshotStore(getattr(settings, "VNETLAB_SNAPSHOT_CACHE_ENTRIES", 64))

# What the last build of each sandbox made of its rows (issue #12): a write
# changes a table or two, and a snapshot's build at 100 times the seed's size
# was mostly turning unchanged rows into the same values again.
_parts = LRU(getattr(settings, "VNETLAB_SNAPSHOT_CACHE_ENTRIES", 64))


class _Parts:
    """The parts of one build. A part is made from the rows of one or more
    queries (and from other parts); when the database's rows are equal to
    those the sandbox's last build made it from, and so are the parts it
    depends on (the very objects), the last build's part is taken as it is.
    Every part is frozen values (the engine's frozen dataclasses, tuples, and
    dicts no one changes after the build), so two snapshots may share one;
    what a part holds is made from its rows alone, so it is the same as a
    part made afresh. Only this sandbox's rows are compared with only its
    own last parts."""

    def __init__(self, sandbox_pk: int) -> None:
        self.sandbox_pk = sandbox_pk
        self.last: dict = _parts.get(sandbox_pk) or {}
        self.made: dict = {}
        self.reused = 0

    def part(self, name: str, queries: tuple, make: Callable, deps: tuple = ()):
        """``make(*converted rows of each query)``, or the last build's."""
        fetched = [sandbox_raw_rows(key, self.sandbox_pk, query) for key, query in queries]
        raw = tuple(rows_ for rows_, _ in fetched)
        kept = self.last.get(name)
        if (
            kept is not None
            and len(kept[1]) == len(deps)
            and all(a is b for a, b in zip(kept[1], deps, strict=True))
            and kept[0] == raw
        ):
            value = kept[2]
            self.reused += 1
        else:
            value = make(*(prepared.convert(rows_) for rows_, prepared in fetched))
        self.made[name] = (raw, deps, value)
        return value

    def keep(self) -> None:
        _parts.put(self.sandbox_pk, self.made)


def current(sandbox) -> topology.Topology:
    """The sandbox's snapshot as it is now: the one kept for its state, or
    one built now and kept (one small query when kept)."""
    key = changes.estate(sandbox)
    found = store.get(key) if key is not None else None
    if found is not None:
        return found
    topo = build(sandbox)
    if key is not None:
        store.put(key, topo)
    return topo


def build(sandbox) -> topology.Topology:
    """The sandbox's network as the engine's plain values, read afresh:
    rows as tuples (``values_list``), never model instances, in a fixed
    number of queries whatever the sandbox's size (issue #12). What the
    sandbox's last build made of rows that have not changed since is taken
    from it (:class:`_Parts`). Pages and grading ask :func:`current`
    instead, which keeps one per sandbox state."""
    sid = sandbox.pk
    parts = _Parts(sid)
    # The era as stored, not as a Sandbox object loaded earlier remembers it.
    era = next(iter(rows("era", sid, lambda s: Sandbox.objects.filter(pk=s).values_list("era"))), (sandbox.era,))[0]
    vnets = parts.part("vnets", (_VNETS,), _make_vnets)
    nat_ips = parts.part("nat_ips", (_NAT_IPS,), _make_nat_ips)
    subnets, gateway_subnets = parts.part("subnets", (_SUBNETS,), lambda r: _make_subnets(r, nat_ips), (nat_ips,))
    peerings = parts.part("peerings", (_PEERINGS,), lambda r: tuple(topology.Peering(*row) for row in r))
    gateways = parts.part(
        "gateways", (_CONNECTIONS, _GATEWAYS), lambda c, g: _make_gateways(c, g, gateway_subnets), (gateway_subnets,)
    )
    route_tables = parts.part("route_tables", (_ROUTES, _ROUTE_TABLES), _make_route_tables)
    nsgs = parts.part("nsgs", (_RULES, _NSGS), _make_nsgs)
    outbound = parts.part("outbound", (_OUTBOUND,), _make_outbound)
    nic_by_pk = parts.part("nics", (_NICS,), lambda r: _make_nics(r, outbound), (outbound,))
    pe_rows = rows(_ENDPOINTS[0], sid, _ENDPOINTS[1])
    builder = SnapshotBuilder(subnets, nic_by_pk, ((row[3], row[4]) for row in pe_rows))
    targets = [
        target for model in (m.StorageAccount, m.SqlServer, m.KeyVault) for target in _targets(model, sid, builder)
    ]
    for contribute in registry.snapshot_contributors():
        contribute(sandbox, builder)
    endpoints = tuple(
        topology.PrivateEndpoint(
            name, subnet_id, _address(ip), builder.endpoint_host(model_name, target_id), state == "Approved"
        )
        for name, subnet_id, ip, model_name, target_id, state in pe_rows
    )
    zones = parts.part("zones", (_RECORDS, _LINKS, _ZONES), _make_zones)
    parts.keep()
    return topology.Topology(
        era=era,
        vnets=vnets,
        subnets=subnets,
        peerings=peerings,
        gateways=gateways,
        route_tables=route_tables,
        nsgs=nsgs,
        nics=tuple(nic_by_pk.values()),
        private_endpoints=endpoints,
        targets=tuple(targets),
        zones=zones,
        public_names=dict(PUBLIC_NAMES),
        aks_clusters=builder.aks_clusters,
        aks_nodes=tuple(builder.aks_nodes),
    )


# The build's queries: (key, queryset of a sandbox's pk), compiled once (portal/prepared.py).
_VNETS = (
    "vnets",
    lambda s: m.VirtualNetwork.objects.filter(sandbox_id=s).values_list(
        "pk", "name", "location", "address_space", "dns_servers", "is_classic"
    ),
)
_NAT_IPS = (
    "nat_ips",
    lambda s: (
        m.PublicIPAddress.objects.filter(sandbox_id=s, nat_gateway__isnull=False, ip_address__isnull=False)
        .order_by("name")
        .values_list("nat_gateway_id", "ip_address")
    ),
)
_SUBNETS = (
    "subnets",
    lambda s: m.Subnet.objects.filter(vnet__sandbox_id=s).values_list(
        "pk", "name", "vnet_id", "address_prefix", "nsg_id", "route_table_id", "service_endpoints",
        "private_endpoint_network_policies", "nat_gateway_id", "nat_gateway__name", "default_outbound_access",
    ),
)  # fmt: skip
_PEERINGS = (
    "peerings",
    lambda s: m.VirtualNetworkPeering.objects.filter(vnet__sandbox_id=s).values_list(
        "vnet_id", "remote_vnet_id", "peering_state", "allow_virtual_network_access",
        "allow_gateway_transit", "use_remote_gateways",
    ),
)  # fmt: skip
_CONNECTIONS = (
    "connections",
    lambda s: m.VirtualNetworkGatewayConnection.objects.filter(sandbox_id=s)
    .order_by("pk")
    .values_list(
        "gateway_id", "enable_bgp", "local_network_gateway_id", "local_network_gateway__address_prefixes",
        "local_network_gateway__bgp_peering_address", "express_route_circuit_id",
        "express_route_circuit__advertised_prefixes",
    ),
)  # fmt: skip
_GATEWAYS = (
    "gateways",
    lambda s: (
        m.VirtualNetworkGateway.objects.filter(sandbox_id=s)
        .order_by("pk")
        .values_list("pk", "vnet_id", "name", "gateway_type", "vpn_type", "p2s_address_pool", "p2s_tunnel_types")
    ),
)
_ROUTES = (
    "routes",
    lambda s: m.Route.objects.filter(route_table__sandbox_id=s).values_list(
        "route_table_id", "name", "address_prefix", "next_hop_type", "next_hop_ip"
    ),
)
_ROUTE_TABLES = (
    "route_tables",
    lambda s: (
        m.RouteTable.objects.filter(sandbox_id=s)
        .order_by("pk")
        .values_list("pk", "name", "disable_bgp_route_propagation")
    ),
)
_RULES = (
    "rules",
    lambda s: m.SecurityRule.objects.filter(nsg__sandbox_id=s).values_list(
        "nsg_id", "name", "priority", "direction", "access", "protocol", "source_address_prefixes",
        "source_port_ranges", "destination_address_prefixes", "destination_port_ranges",
    ),
)  # fmt: skip
_NSGS = (
    "nsgs",
    lambda s: (
        m.NetworkSecurityGroup.objects.filter(sandbox_id=s)
        .order_by("pk")
        .values_list("pk", "name", "resource_group__name", "resource_group__subscription__subscription_id")
    ),
)
_OUTBOUND = (
    "outbound",
    lambda s: (
        m.PublicIPAddress.objects.filter(sandbox_id=s, ip_address__isnull=False, load_balancer__isnull=False)
        .exclude(load_balancer__outbound_rule="")
        .order_by("pk")
        .values_list("load_balancer_id", "load_balancer__name", "ip_address")
    ),
)
_NICS = (
    "nics",
    lambda s: m.NetworkInterface.objects.filter(sandbox_id=s)
    .order_by("pk")
    .values_list(
        "pk", "name", "subnet_id", "private_ip", "nsg_id", "vm_id", "vm__name", "vm_name",
        "enable_ip_forwarding", "public_ip", "load_balancer_id",
    ),
)  # fmt: skip
_ENDPOINTS = (
    "endpoints",
    lambda s: (
        m.PrivateEndpoint.objects.filter(sandbox_id=s)
        .order_by("pk")
        .values_list("name", "subnet_id", "nic__private_ip", "target_type__model", "target_id", "connection_state")
    ),
)
_RECORDS = (
    "records",
    lambda s: (
        m.PrivateDnsRecordSet.objects.filter(zone__sandbox_id=s)
        .exclude(record_type="SOA")
        .values_list("zone_id", "name", "record_type", "records")
    ),
)
_LINKS = (
    "links",
    lambda s: m.VirtualNetworkLink.objects.filter(zone__sandbox_id=s).values_list(
        "zone_id", "vnet_id", "resolution_policy"
    ),
)
_ZONES = ("zones", lambda s: m.PrivateDnsZone.objects.filter(sandbox_id=s).order_by("pk").values_list("pk", "name"))


def _make_vnets(vnet_rows) -> dict[int, topology.Vnet]:
    return {
        pk: topology.Vnet(pk, name, location, _networks(space), tuple(dns), is_classic)
        for pk, name, location, space, dns, is_classic in vnet_rows
    }


def _make_nat_ips(nat_rows) -> dict[int, list[IPv4Address]]:
    nat_ips: dict[int, list[IPv4Address]] = {}
    for nat_id, address in nat_rows:
        nat_ips.setdefault(nat_id, []).append(_address(address))
    return nat_ips


def _make_subnets(subnet_rows, nat_ips) -> tuple[dict[int, topology.Subnet], dict[int, str]]:
    """The IPv4 subnets by pk, and each VNet's GatewaySubnet prefix."""
    subnets = {}
    gateway_subnets: dict[int, str] = {}
    for pk, name, vnet_id, prefix, nsg_id, table_id, endpoints, pe_policies, nat_id, nat_name, doa in subnet_rows:
        if name.lower() == "gatewaysubnet":
            gateway_subnets[vnet_id] = prefix
        net = _network(prefix)
        if net.version != 4:
            continue
        nat = topology.NatGateway(nat_name, tuple(nat_ips.get(nat_id, ()))) if nat_id else None
        # DOA-03: the subnet's defaultOutboundAccess.
        subnets[pk] = topology.Subnet(
            pk, name, vnet_id, net, nsg_id, table_id, frozenset(endpoints), pe_policies, nat, doa
        )
    return subnets, gateway_subnets


def _make_gateways(connection_rows, gateway_rows, gateway_subnets) -> dict[int, topology.Gateway]:
    learned: dict[int, list[IPv4Network]] = {}
    peer_ips: dict[int, list[tuple[IPv4Network, str]]] = {}
    for gateway_id, bgp, local_id, local_prefixes, bgp_peer, circuit_id, circuit_prefixes in connection_rows:
        prefixes = []
        if local_id:
            prefixes += local_prefixes
        if circuit_id:
            prefixes += circuit_prefixes
        learned.setdefault(gateway_id, []).extend(_networks(prefixes))
        if bgp and local_id and bgp_peer:
            # NW-10: a prefix learned over BGP has the BGP peer as its next hop.
            peer_ips.setdefault(gateway_id, []).extend((n, bgp_peer) for n in _networks(prefixes))
    gateways = {}
    for pk, vnet_id, name, kind, vpn_type, p2s_pool, tunnel_types in gateway_rows:
        pool = _networks([p2s_pool]) if p2s_pool else ()
        gateways[vnet_id] = topology.Gateway(
            vnet_id,
            name,
            kind,
            tuple(learned.get(pk, [])),
            pool[0] if pool else None,
            ip=_gateway_instance_ip(gateway_subnets.get(vnet_id)),
            peer_ips=tuple(peer_ips.get(pk, [])),
            app_problem=m.gateway_integration_problem(kind, vpn_type, p2s_pool, tunnel_types),
        )
    return gateways


def _make_route_tables(route_rows, table_rows) -> dict[int, topology.RouteTable]:
    routes_by_table: dict[int, list[r.Route]] = {}
    for table_id, name, prefix_text, next_hop_type, next_hop_ip in route_rows:
        try:
            prefix = _network(prefix_text)
        except ValueError:
            tag = servicetags.SERVICE_TAGS.get(prefix_text.split(".")[0])
            if tag is None:
                continue
            prefix = tag[0]
        routes_by_table.setdefault(table_id, []).append(r.Route(prefix, next_hop_type, r.USER, next_hop_ip, name))
    return {
        pk: topology.RouteTable(pk, name, not disable_propagation, tuple(routes_by_table.get(pk, ())))
        for pk, name, disable_propagation in table_rows
    }


def _make_nsgs(rule_rows, nsg_rows) -> dict[int, Nsg]:
    rules_by_nsg: dict[int, list[Rule]] = {}
    for nsg_id, *rule in rule_rows:
        name, priority, direction, access, protocol, sources, source_ports, destinations, destination_ports = rule
        rules_by_nsg.setdefault(nsg_id, []).append(
            Rule(
                name,
                priority,
                direction,
                access,
                protocol,
                tuple(sources) or ("*",),
                tuple(source_ports) or ("*",),
                tuple(destinations) or ("*",),
                tuple(destination_ports) or ("*",),
            )  # fmt: skip
        )
    nsg_type = m.NetworkSecurityGroup.arm_type
    return {
        pk: Nsg(
            name,
            tuple(rules_by_nsg.get(pk, ())),
            f"/subscriptions/{subscription}/resourceGroups/{group}/providers/{nsg_type}/{name}",
        )
        for pk, name, group, subscription in nsg_rows
    }


def _make_outbound(outbound_rows) -> dict[int, topology.OutboundRule]:
    outbound: dict[int, topology.OutboundRule] = {}
    for lb_id, lb_name, address in outbound_rows:
        outbound.setdefault(lb_id, topology.OutboundRule(lb_name, _address(address)))
    return outbound


def _make_nics(nic_rows, outbound) -> dict[int, topology.Nic]:
    return {
        pk: topology.Nic(
            name,
            subnet_id,
            _address(private_ip),
            nsg_id,
            vm_name if vm_id else own_vm_name,
            forwarding,
            _address(public_ip) if public_ip else None,
            outbound.get(lb_id),
        )
        for pk, name, subnet_id, private_ip, nsg_id, vm_id, vm_name, own_vm_name, forwarding, public_ip, lb_id in (
            nic_rows
        )
    }


def _make_zones(record_rows, link_rows, zone_rows) -> tuple[topology.Zone, ...]:
    records_by_zone: dict[int, dict] = {}
    for zone_id, name, record_type, records in record_rows:
        records_by_zone.setdefault(zone_id, {})[name.lower()] = (record_type, tuple(records))
    links_by_zone: dict[int, list] = {}
    for zone_id, vnet_id, policy in link_rows:
        links_by_zone.setdefault(zone_id, []).append((vnet_id, policy == "NxDomainRedirect"))
    return tuple(
        topology.Zone(name.lower(), records_by_zone.get(pk, {}), tuple(links_by_zone.get(pk, ())))
        for pk, name in zone_rows
    )


def nat_addresses(sid: int) -> dict[int, list[IPv4Address]]:
    """NAT-07: each NAT gateway's public IPs, the source of its subnets'
    internet traffic, by the NAT gateway's pk."""
    return _make_nat_ips(rows(_NAT_IPS[0], sid, _NAT_IPS[1]))


def outbound_rules(sid: int) -> dict[int, topology.OutboundRule]:
    """LB-01: each outbound rule's load balancer and the first address of
    its frontend, by the load balancer's pk."""
    return _make_outbound(rows(_OUTBOUND[0], sid, _OUTBOUND[1]))


def _targets(model, sid: int, builder: SnapshotBuilder) -> list[topology.Target]:
    """A PaaS type's services with their firewalls, in two queries (the
    services, then their VNet rules)."""
    through = model.vnet_rules.through
    owner = f"{model._meta.model_name}_id"
    rule_subnets: dict[int, set[int]] = {}
    kind = model._meta.model_name
    for pk, subnet_id in rows(
        f"{kind}_rules",
        sid,
        lambda s: through.objects.filter(**{f"{kind}__sandbox_id": s}).values_list(owner, "subnet_id"),
    ):
        rule_subnets.setdefault(pk, set()).add(subnet_id)
    sql = model is m.SqlServer
    targets = []
    for pk, name, public_ip, access, default_action, ip_rules in rows(
        kind,
        sid,
        lambda s: (
            model.objects.filter(sandbox_id=s)
            .order_by("pk")
            .values_list("pk", "name", "public_ip", "public_network_access", "default_action", "ip_rules")
        ),
    ):
        host = model.host_for(name)
        targets.append(
            topology.Target(
                model.__name__,
                name,
                host,
                _address(public_ip),
                model.service_endpoint,
                model.private_link_zone,
                access != "Disabled",
                # SQL-03: a SQL server's firewall refuses what no rule allows.
                default_action == "Deny" or sql,
                _networks(rule for rule in ip_rules if rule != m.SqlServer.AZURE_SERVICES_RULE),
                frozenset(rule_subnets.get(pk, ())),
                azure_services=sql and m.SqlServer.AZURE_SERVICES_RULE in ip_rules,
            )
        )
        builder.add_endpoint_host(model._meta.model_name, pk, host)
    return targets


# --- Traffic sources higher apps bring (the trace command, pickers) ---------------------------


@dataclass(frozen=True)
class TraceSource:
    """A kind of traffic source a higher app registers (an App Service app,
    an AKS pod), so the trace command and the pickers offer it without
    naming the app."""

    # The trace command's option (``--app``) and its help.
    option: str
    metavar: str
    help: str
    # find(sandbox, topology, text): the engine's source the text names;
    # LookupError says what doesn't match.
    find: Callable[[Any, topology.Topology, str], Any]
    # trace(topology, source, destination, port, protocol): the engine's walk.
    trace: Callable[..., Trace]
    # choices(sandbox): [(value, label)] for a picker.
    choices: Callable[[Any], list[tuple[str, str]]] | None = None
    # of_resource(resource): the source for a resource a page already holds.
    of_resource: Callable[[Any], Any] | None = None


_trace_sources: dict[str, TraceSource] = {}


def register_trace_source(source: TraceSource) -> None:
    if source.option in _trace_sources:
        raise ValueError(f"Trace source --{source.option} is registered twice")
    _trace_sources[source.option] = source


def trace_sources() -> list[TraceSource]:
    return list(_trace_sources.values())


# --- VM and subnet sources (trace_nic, trace_subnet) ---------------------------------------------


def nic_source(topo: topology.Topology, nic: m.NetworkInterface) -> topology.Nic:
    """The NIC as a traffic source, taken from the snapshot the trace runs
    on (no query). LookupError if the snapshot doesn't hold it or its
    subnet (an IPv6-only subnet isn't traced)."""
    ip = IPv4Address(nic.private_ip)
    for candidate in topo.nics:
        if candidate.subnet_id == nic.subnet_id and candidate.ip == ip and candidate.name == nic.name:
            if candidate.subnet_id not in topo.subnets:
                break
            return candidate
    raise LookupError(f"NIC '{nic.name}' isn't in the snapshot.")


def subnet_source(topo: topology.Topology, subnet: m.Subnet) -> topology.Subnet:
    """The subnet as a traffic source, from the snapshot (IPv4 subnets only).
    LookupError if the snapshot doesn't hold it."""
    found = topo.subnets.get(subnet.pk)
    if found is None:
        raise LookupError(f"Subnet '{subnet.name}' has no IPv4 range the engine can trace from.")
    return found


# The source kinds a trace starts from by name: the trace command's options
# and a lab's behaviour checks. Registered kinds (app, pod) come after these.
SOURCE_KINDS = ("vm", "nic", "subnet")


def trace_from(
    sandbox,
    kind: str,
    name: str,
    destination: str,
    port: int,
    protocol: str = "Tcp",
    topo: topology.Topology | None = None,
) -> Trace:
    """Trace from the source ``name`` of ``kind`` ("vm", "nic", "subnet" or
    a registered option such as "app" or "pod") on ``topo``, else a fresh
    snapshot (several traces of one unchanged sandbox may share one: a lab's
    checks). LookupError says, in the learner's words, what doesn't match."""
    from networking.engine.trace import trace_nic, trace_subnet

    for registered in trace_sources():
        if registered.option == kind:
            topo = topo if topo is not None else current(sandbox)
            return registered.trace(topo, registered.find(sandbox, topo, name), destination, port, protocol)
    if kind == "subnet":
        subnet = subnet_named(sandbox, name)
        if subnet is None:
            raise LookupError(f"No subnet {name!r} in that sandbox. Name it VNET/SUBNET, e.g. contoso-vnet/vm-subnet.")
        topo = topo if topo is not None else current(sandbox)
        return trace_subnet(topo, subnet_source(topo, subnet), destination, port, protocol)
    if kind == "vm":
        nic = vm_nic(sandbox, name)
        if nic is None:
            raise LookupError(f"No virtual machine {name!r} with a network interface in that sandbox.")
    elif kind == "nic":
        nic = nic_named(sandbox, name)
        if nic is None:
            raise LookupError(f"No network interface {name!r} in that sandbox.")
        if hasattr(nic, "private_endpoint"):
            raise LookupError(
                f"Network interface {nic.name!r} belongs to private endpoint {nic.private_endpoint.name!r}, "
                "which starts no connections. Trace from a VM's NIC or a subnet."
            )
    else:
        known = ", ".join((*SOURCE_KINDS, *(t.option for t in trace_sources())))
        raise LookupError(f"{kind!r} is not a kind of traffic source ({known}).")
    topo = topo if topo is not None else current(sandbox)
    return trace_nic(topo, nic_source(topo, nic), destination, port, protocol)


def vm_nic(sandbox, vm_name: str) -> m.NetworkInterface | None:
    """A VM's first NIC (its primary), by the VM's name; a NIC that names its
    VM without a VM resource (the compact seed's) counts too."""
    vm = m.VirtualMachine.objects.filter(sandbox=sandbox, name__iexact=vm_name).order_by("pk").first()
    nics = m.NetworkInterface.objects.filter(sandbox=sandbox)
    if vm is not None:
        return nics.filter(vm=vm).order_by("pk").first()
    return nics.filter(vm__isnull=True, vm_name__iexact=vm_name).order_by("pk").first()


def nic_named(sandbox, name: str) -> m.NetworkInterface | None:
    return (
        m.NetworkInterface.objects.filter(sandbox=sandbox, name__iexact=name)
        .select_related("private_endpoint")
        .order_by("pk")
        .first()
    )


def subnet_named(sandbox, path: str) -> m.Subnet | None:
    """A subnet by "VNET/SUBNET"."""
    vnet_name, _, subnet_name = path.partition("/")
    if not vnet_name or not subnet_name:
        return None
    return (
        m.Subnet.objects.filter(
            vnet__sandbox=sandbox, vnet__name__iexact=vnet_name.strip(), name__iexact=subnet_name.strip()
        )
        .select_related("vnet")
        .order_by("pk")
        .first()
    )


# --- AKS pod sources (trace_pod) ----------------------------------------------------------------


def pod_choices(sandbox: Sandbox) -> list[tuple[str, str]]:
    """The pods a picker offers, as AKS registers them (aks/snapshot.py),
    or none when no app brings pods."""
    source = _trace_sources.get("pod")
    return source.choices(sandbox) if source is not None and source.choices is not None else []


def pod_source(topo: topology.Topology, path: str) -> topology.Pod:
    """The pod "CLUSTER/NODE/IP" (spaces around the slashes allowed) as a
    traffic source, from the snapshot (no query). LookupError says what
    doesn't match."""
    parts = [p.strip() for p in path.split("/")]
    if len(parts) != 3 or not all(parts):
        raise LookupError(f"Name the pod CLUSTER/NODE/IP, not {path!r}.")
    cluster_name, node_name, ip_text = parts
    try:
        address = ip_address(ip_text)
    except ValueError:
        raise LookupError(f"{ip_text!r} isn't an IPv4 address.") from None
    clusters = {c.id for c in topo.aks_clusters.values() if c.name.lower() == cluster_name.lower()}
    if not clusters:
        raise LookupError(f"No AKS cluster {cluster_name!r} in that sandbox.")
    node = next(
        (n for n in topo.aks_nodes if n.cluster_id in clusters and n.name.lower() == node_name.lower()),
        None,
    )
    if node is None:
        raise LookupError(f"Cluster {cluster_name!r} has no node {node_name!r}.")
    pod = topo.pod(node, address) if isinstance(address, IPv4Address) else None
    if pod is None:
        held = (
            f"its /24 {node.pod_cidr} from .{topology.FIRST_POD_OFFSET}" if node.pod_cidr else "its reserved addresses"
        )
        raise LookupError(f"{ip_text} isn't a pod address of node {node.name!r}: pods there take {held}.")
    return pod
