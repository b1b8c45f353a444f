"""Build the engine's frozen topology of a sandbox from the database.

A fixed number of queries whatever the sandbox's size; the engine then works
on plain values (networking/engine/topology.py).

Higher apps add what they bring (App Service's apps, AKS's clusters and
pods) through the registry's snapshot contributors, given a
:class:`SnapshotBuilder`, and register the traffic sources they add
(:class:`TraceSource`), so this module names no app above networking.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, ip_address, ip_network
from typing import Any

from networking import models as m
from networking.engine import addressing, servicetags, topology
from networking.engine import routes as r
from networking.engine.nsg import Nsg, Rule
from networking.engine.trace import Trace
from portal.models import Sandbox
from portal.registry import registry

# A few well-known public names, so a learner can test "the internet".
PUBLIC_NAMES = {
    "www.contoso.com": ("A", "93.184.216.34"),
    "www.microsoft.com": ("A", "23.45.229.117"),
    "api.github.com": ("A", "140.82.112.6"),
    "smtp.contoso.com": ("A", "93.184.216.40"),
}


def _networks(prefixes) -> tuple[IPv4Network, ...]:
    nets = []
    for text in prefixes:
        net = ip_network(text, strict=False)
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
            pk, name, network_plugin, subnet_id, ip_network(pod_cidr) if pod_cidr else None, route_table_id
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
                ip_network(pod_cidr) if pod_cidr else None,
                tuple(IPv4Address(ip) for ip in pod_ips),
                max_pods,
            )
        )


def build(sandbox) -> topology.Topology:
    vnets = {
        v.pk: topology.Vnet(v.pk, v.name, v.location, _networks(v.address_space), tuple(v.dns_servers), v.is_classic)
        for v in m.VirtualNetwork.objects.filter(sandbox=sandbox)
    }
    # NAT-07: a NAT gateway's public IPs, the source of its subnets' internet traffic.
    nat_ips: dict[int, list[IPv4Address]] = {}
    for nat_id, address in (
        m.PublicIPAddress.objects.filter(sandbox=sandbox, nat_gateway__isnull=False, ip_address__isnull=False)
        .order_by("name")
        .values_list("nat_gateway_id", "ip_address")
    ):
        nat_ips.setdefault(nat_id, []).append(IPv4Address(address))
    subnets = {}
    for s in m.Subnet.objects.filter(vnet__sandbox=sandbox).select_related("nat_gateway"):
        net = ip_network(s.address_prefix)
        if net.version != 4:
            continue
        subnets[s.pk] = topology.Subnet(
            s.pk,
            s.name,
            s.vnet_id,
            net,
            s.nsg_id,
            s.route_table_id,
            frozenset(s.service_endpoints),
            s.private_endpoint_network_policies,
            topology.NatGateway(s.nat_gateway.name, tuple(nat_ips.get(s.nat_gateway_id, ())))
            if s.nat_gateway_id
            else None,
            s.default_outbound_access,  # DOA-03
        )
    peerings = tuple(
        topology.Peering(
            p.vnet_id,
            p.remote_vnet_id,
            p.peering_state,
            p.allow_virtual_network_access,
            p.allow_gateway_transit,
            p.use_remote_gateways,
        )
        for p in m.VirtualNetworkPeering.objects.filter(vnet__sandbox=sandbox)
    )
    learned: dict[int, list[IPv4Network]] = {}
    peer_ips: dict[int, list[tuple[IPv4Network, str]]] = {}
    for c in m.VirtualNetworkGatewayConnection.objects.filter(sandbox=sandbox).select_related(
        "local_network_gateway", "express_route_circuit"
    ):
        prefixes = []
        if c.local_network_gateway_id:
            prefixes += c.local_network_gateway.address_prefixes
        if c.express_route_circuit_id:
            prefixes += c.express_route_circuit.advertised_prefixes
        learned.setdefault(c.gateway_id, []).extend(_networks(prefixes))
        peer = c.local_network_gateway.bgp_peering_address if c.enable_bgp and c.local_network_gateway_id else None
        if peer:
            # NW-10: a prefix learned over BGP has the BGP peer as its next hop.
            peer_ips.setdefault(c.gateway_id, []).extend((n, peer) for n in _networks(prefixes))
    gateway_subnets = dict(
        m.Subnet.objects.filter(vnet__sandbox=sandbox, name__iexact="GatewaySubnet").values_list(
            "vnet_id", "address_prefix"
        )
    )
    gateways = {}
    for g in m.VirtualNetworkGateway.objects.filter(sandbox=sandbox):
        pool = _networks([g.p2s_address_pool]) if g.p2s_address_pool else ()
        gateways[g.vnet_id] = topology.Gateway(
            g.vnet_id,
            g.name,
            g.gateway_type,
            tuple(learned.get(g.pk, [])),
            pool[0] if pool else None,
            ip=_gateway_instance_ip(gateway_subnets.get(g.vnet_id)),
            peer_ips=tuple(peer_ips.get(g.pk, [])),
            app_problem=g.gateway_integration_problem(),
        )
    routes_by_table: dict[int, list[r.Route]] = {}
    for route in m.Route.objects.filter(route_table__sandbox=sandbox):
        try:
            prefix = ip_network(route.address_prefix)
        except ValueError:
            tag = servicetags.SERVICE_TAGS.get(route.address_prefix.split(".")[0])
            if tag is None:
                continue
            prefix = tag[0]
        routes_by_table.setdefault(route.route_table_id, []).append(
            r.Route(prefix, route.next_hop_type, r.USER, route.next_hop_ip, route.name)
        )
    route_tables = {
        t.pk: topology.RouteTable(
            t.pk, t.name, not t.disable_bgp_route_propagation, tuple(routes_by_table.get(t.pk, ()))
        )
        for t in m.RouteTable.objects.filter(sandbox=sandbox)
    }
    rules_by_nsg: dict[int, list[Rule]] = {}
    for rule in m.SecurityRule.objects.filter(nsg__sandbox=sandbox):
        rules_by_nsg.setdefault(rule.nsg_id, []).append(
            Rule(
                rule.name,
                rule.priority,
                rule.direction,
                rule.access,
                rule.protocol,
                tuple(rule.source_address_prefixes) or ("*",),
                tuple(rule.source_port_ranges) or ("*",),
                tuple(rule.destination_address_prefixes) or ("*",),
                tuple(rule.destination_port_ranges) or ("*",),
            )
        )
    nsgs = {
        n.pk: Nsg(n.name, tuple(rules_by_nsg.get(n.pk, ())), n.arm_id)
        for n in m.NetworkSecurityGroup.objects.filter(sandbox=sandbox).select_related("resource_group__subscription")
    }
    # LB-01: each outbound rule's load balancer and the first address of its frontend.
    outbound: dict[int, topology.OutboundRule] = {}
    for lb_id, lb_name, address in (
        m.PublicIPAddress.objects.filter(sandbox=sandbox, ip_address__isnull=False, load_balancer__isnull=False)
        .exclude(load_balancer__outbound_rule="")
        .order_by("pk")
        .values_list("load_balancer_id", "load_balancer__name", "ip_address")
    ):
        outbound.setdefault(lb_id, topology.OutboundRule(lb_name, IPv4Address(address)))
    nic_by_pk = {
        n.pk: topology.Nic(
            n.name,
            n.subnet_id,
            IPv4Address(n.private_ip),
            n.nsg_id,
            n.vm.name if n.vm_id else n.vm_name,
            n.enable_ip_forwarding,
            IPv4Address(n.public_ip) if n.public_ip else None,
            outbound.get(n.load_balancer_id),
        )
        for n in m.NetworkInterface.objects.filter(sandbox=sandbox).select_related("vm")
    }
    nics = tuple(nic_by_pk.values())
    pe_rows = list(m.PrivateEndpoint.objects.filter(sandbox=sandbox).select_related("nic", "target_type"))
    builder = SnapshotBuilder(subnets, nic_by_pk, ((pe.target_type.model, pe.target_id) for pe in pe_rows))
    targets = []
    for model in (m.StorageAccount, m.SqlServer, m.KeyVault):
        for t in model.objects.filter(sandbox=sandbox).prefetch_related("vnet_rules"):
            targets.append(
                topology.Target(
                    model.__name__,
                    t.name,
                    t.host_name,
                    IPv4Address(t.public_ip),
                    model.service_endpoint,
                    model.private_link_zone,
                    t.public_network_access != "Disabled",
                    # SQL-03: a SQL server's firewall refuses what no rule allows.
                    t.default_action == "Deny" or model is m.SqlServer,
                    _networks(r for r in t.ip_rules if r != m.SqlServer.AZURE_SERVICES_RULE),
                    frozenset(s.pk for s in t.vnet_rules.all()),
                    azure_services=model is m.SqlServer and m.SqlServer.AZURE_SERVICES_RULE in t.ip_rules,
                )
            )
            builder.add_endpoint_host(model._meta.model_name, t.pk, t.host_name)
    for contribute in registry.snapshot_contributors():
        contribute(sandbox, builder)
    endpoints = [
        topology.PrivateEndpoint(
            pe.name,
            pe.subnet_id,
            IPv4Address(pe.nic.private_ip),
            builder.endpoint_host(pe.target_type.model, pe.target_id),
            pe.connection_state == "Approved",
        )
        for pe in pe_rows
    ]
    records_by_zone: dict[int, dict] = {}
    for rs in m.PrivateDnsRecordSet.objects.filter(zone__sandbox=sandbox).exclude(record_type="SOA"):
        records_by_zone.setdefault(rs.zone_id, {})[rs.name.lower()] = (rs.record_type, tuple(rs.records))
    links_by_zone: dict[int, list] = {}
    for link in m.VirtualNetworkLink.objects.filter(zone__sandbox=sandbox):
        links_by_zone.setdefault(link.zone_id, []).append((link.vnet_id, link.resolution_policy == "NxDomainRedirect"))
    zones = tuple(
        topology.Zone(z.name.lower(), records_by_zone.get(z.pk, {}), tuple(links_by_zone.get(z.pk, ())))
        for z in m.PrivateDnsZone.objects.filter(sandbox=sandbox)
    )
    return topology.Topology(
        era=sandbox.era,
        vnets=vnets,
        subnets=subnets,
        peerings=peerings,
        gateways=gateways,
        route_tables=route_tables,
        nsgs=nsgs,
        nics=nics,
        private_endpoints=tuple(endpoints),
        targets=tuple(targets),
        zones=zones,
        public_names=dict(PUBLIC_NAMES),
        aks_clusters=builder.aks_clusters,
        aks_nodes=tuple(builder.aks_nodes),
    )


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
            topo = topo if topo is not None else build(sandbox)
            return registered.trace(topo, registered.find(sandbox, topo, name), destination, port, protocol)
    if kind == "subnet":
        subnet = subnet_named(sandbox, name)
        if subnet is None:
            raise LookupError(f"No subnet {name!r} in that sandbox. Name it VNET/SUBNET, e.g. contoso-vnet/vm-subnet.")
        topo = topo if topo is not None else build(sandbox)
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
    topo = topo if topo is not None else build(sandbox)
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
