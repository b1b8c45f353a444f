"""Where does an outbound packet go? (pure: no Django)

Four sources. An App Service app (trace_app) follows azure-rules.md §15:
resolve the name, decide whether the packet enters the VNet, apply the
integration subnet's outbound NSG, pick a route, deliver (or drop) and say
which source address the destination sees. A VM's NIC (trace_nic) and a
subnet (trace_subnet: a VM at the subnet's first usable address with no NIC
NSG) are always inside their VNet, so they skip the entry decision: name
resolution with the VNet's DNS, the outbound NSGs (NIC then subnet, NSG-21),
the subnet's effective routes, delivery. An AKS pod (trace_pod) goes out
through its node's NIC: the node's NSGs and subnet routes, from the pod's
address or, after SNAT, the node's (azure-rules.md §12).

Each step records the rules behind it; a blocked trace names the step and a
fix. ``hops`` is the same path as a diagram draws it: Source, Subnet,
Network security group(s), Route, Next hop, Node (a kubenet node on the
way to its pod), Destination, only those the packet met, the last one
"blocked" when the packet stops there.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from ipaddress import IPv4Address, IPv4Network, ip_address

from networking.engine import dns, nsg, servicetags
from networking.engine import routes as r
from networking.engine.topology import (
    AZURE_CNI,
    KUBENET,
    OVERLAY,
    AksCluster,
    AksNode,
    App,
    Nic,
    Peering,
    Pod,
    Subnet,
    Topology,
    Vnet,
)

RFC1918 = nsg.PRIVATE[:3]
REACHABLE, BLOCKED, FORWARDED = "Reachable", "Blocked", "Forwarded"

# Hop kinds, in the order a packet meets them, and their states. "Node" is
# the AKS node a kubenet packet passes through to reach a pod (AKS-05).
SOURCE, SUBNET, NSG, ROUTE, NEXT_HOP, NODE, DESTINATION = (
    "Source",
    "Subnet",
    "Network security group",
    "Route",
    "Next hop",
    "Node",
    "Destination",
)
HOP_KINDS = (SOURCE, SUBNET, NSG, ROUTE, NEXT_HOP, NODE, DESTINATION)
HOP_OK, HOP_BLOCKED, HOP_INFO = "ok", "blocked", "info"

EPHEMERAL_PORT = 49152
# NSG-23: platform traffic (DNS, DHCP, health probes, IMDS) that bypasses NSGs.
PLATFORM_ADDRESSES = (IPv4Address(dns.AZURE_DNS), IPv4Address("169.254.169.254"))
# Lab-defined DOA-01 / DOA-02 (the catalogue has no rule): a VM without an
# explicit outbound method (public IP, NAT gateway, load balancer outbound
# rules) reaches the internet through Azure's default outbound access IP in
# the Classic era; in the Current era new VNets have private subnets, so it
# doesn't. Keyed by Topology.era.
DEFAULT_OUTBOUND_ACCESS = {"classic": True, "current": False}
DEFAULT_OUTBOUND_IP = "default outbound access IP"
# ASGW-17: a gateway-required app's packets come from the gateway's P2S pool;
# the lab takes the pool's first host address. A snapshot without the pool
# (a topology built by hand) gets this stand-in pool.
STAND_IN_P2S_POOL = IPv4Network("172.31.255.0/24")

# NW-12 / ROUTE-24: next hop types as a diagram labels them.
NEXT_HOP_LABELS = {
    r.VNET_LOCAL: "Virtual network",
    r.PEERING: "VNet peering",
    r.GLOBAL_PEERING: "VNet peering",
    r.INTERFACE_ENDPOINT: "Private endpoint",
    r.GATEWAY: "Virtual network gateway",
    r.INTERNET: "Internet",
    r.NONE: "None",
}
# NSG-30 to NSG-34: the rule behind each service tag a security rule names.
TAG_RULES = {"VirtualNetwork": "NSG-30", "Internet": "NSG-31", "AzureLoadBalancer": "NSG-32", "AzureCloud": "NSG-33"}


@dataclass(frozen=True)
class Step:
    name: str
    outcome: str
    detail: str
    rule_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Hop:
    """One box of the path diagram: ``kind`` is one of HOP_KINDS, ``label``
    a short name, ``state`` "ok", "blocked" or "info"."""

    kind: str
    label: str
    detail: str
    state: str = HOP_OK


@dataclass
class Trace:
    source: str
    destination: str
    port: int
    protocol: str
    steps: list[Step] = field(default_factory=list)
    verdict: str = REACHABLE
    deciding_step: str = ""
    fix: str = ""
    source_ip: str = ""
    destination_ip: str = ""
    hops: list[Hop] = field(default_factory=list)

    def add(self, name: str, outcome: str, detail: str, *rule_ids: str) -> None:
        self.steps.append(Step(name, outcome, detail, tuple(rule_ids)))

    def hop(self, kind: str, label: str, detail: str = "", state: str = HOP_OK) -> None:
        self.hops.append(Hop(kind, label, detail, state))

    def block(
        self, name: str, detail: str, fix: str, *rule_ids: str, hop: str | None = None, label: str | None = None
    ) -> Trace:
        """Stop the trace at step ``name``. The packet stops at a hop: a new
        one when ``label`` is given, else the last hop met (of kind ``hop``,
        if it is that kind), which turns "blocked"."""
        self.add(name, BLOCKED, detail, *rule_ids)
        self.verdict, self.deciding_step, self.fix = BLOCKED, name, fix
        self._stop(hop, label, detail)
        return self

    def _stop(self, kind: str | None, label: str | None, detail: str) -> None:
        last = self.hops[-1] if self.hops else None
        if label is None and last is not None and kind in (None, last.kind):
            self.hops[-1] = replace(last, detail=detail, state=HOP_BLOCKED)
        else:
            self.hops.append(Hop(kind or DESTINATION, label or "", detail, HOP_BLOCKED))

    @property
    def rule_ids(self) -> tuple[str, ...]:
        seen: list[str] = []
        for step in self.steps:
            seen.extend(i for i in step.rule_ids if i not in seen)
        return tuple(seen)

    @property
    def is_icmp(self) -> bool:
        return self.protocol.lower() == "icmp"

    def as_dict(self) -> dict:
        return {
            "source": self.source,
            "destination": self.destination,
            "port": self.port,
            "protocol": self.protocol,
            "verdict": self.verdict,
            "decidingStep": self.deciding_step,
            "fix": self.fix,
            "sourceIp": self.source_ip,
            "destinationIp": self.destination_ip,
            "steps": [
                {"step": s.name, "outcome": s.outcome, "detail": s.detail, "rules": list(s.rule_ids)}
                for s in self.steps
            ],
            "hops": [{"kind": h.kind, "label": h.label, "detail": h.detail, "state": h.state} for h in self.hops],
        }


@dataclass(frozen=True)
class _Voice:
    """What differs between an app and a VM as the source, for the shared
    steps: the words for its subnet and the rules behind each delivery."""

    owner: str  # whose virtual network: "app", "VM"
    subnet: str  # "the integration subnet", "subnet 'vm-subnet'"
    appliance_rules: tuple[str, ...]
    gateway_rules: tuple[str, ...]
    endpoint_rules: tuple[str, ...]  # an approved private endpoint answers
    nic_rules: tuple[str, ...]  # a NIC receives it
    service_endpoint_rules: tuple[str, ...]  # the service accepts the subnet
    missing_vnet_rule_rules: tuple[str, ...]  # ... or doesn't list it
    public_rules: tuple[str, ...]  # a public endpoint accepts it
    # Sent to the internet, an address it doesn't route (RFC 1918, RFC 6598...) is lost.
    unroutable_fix: str = "Route the address into the virtual network that holds it (peering, gateway or a route)."
    unroutable_rules: tuple[str, ...] = ("ROUTE-01",)
    cite_tags: bool = False  # name the service tag rules (NSG-30 to NSG-34) of a deciding NSG rule


_APP = _Voice(
    owner="app",
    subnet="the integration subnet",
    appliance_rules=("ROUTE-21", "SEED-16"),
    gateway_rules=("SEED-14", "SEED-23"),
    endpoint_rules=("ASVI-02", "ROUTE-08"),
    nic_rules=("ASRT-16", "NSG-21"),
    service_endpoint_rules=("SE-02", "SEED-20"),
    missing_vnet_rule_rules=("SEED-20", "SE-01"),
    public_rules=("ASRT-17",),
    cite_tags=True,
)


# The app by integration kind. Sent outside the VNet, an address the internet
# doesn't route is lost: how to get it where it is (ASRT-01, §15 step 2). A
# gateway-required app's source is a P2S pool address (ASGW-17).
_APP_VOICES = {
    "regional": replace(
        _APP,
        unroutable_fix="Set WEBSITE_VNET_ROUTE_ALL=1 (Route All) so that every outbound packet enters the "
        "virtual network.",
        unroutable_rules=("ASRT-01", "SEED-17", "VNET-01"),
    ),
    "gateway": replace(
        _APP,
        nic_rules=("ASGW-17", "NSG-21"),
        unroutable_fix="Add the range under the plan's VNet integration routes.",
        unroutable_rules=("SEED-07", "ASGW-15"),
    ),
    None: replace(
        _APP,
        unroutable_fix="Integrate the app with a virtual network that reaches this address.",
        unroutable_rules=("SEED-08", "ASRT-01"),
    ),
}


def _vm_voice(subnet: Subnet) -> _Voice:
    return _Voice(
        owner="VM",
        subnet=f"subnet '{subnet.name}'",
        appliance_rules=("ROUTE-21",),
        gateway_rules=("ROUTE-07",),
        endpoint_rules=("ROUTE-08", "PEDNS-31"),
        nic_rules=("NSG-21",),
        service_endpoint_rules=("SE-02", "SE-01"),
        missing_vnet_rule_rules=("SE-01",),
        public_rules=("ROUTE-06",),
        cite_tags=True,
    )


def _new_trace(source: str, destination: str, port: int, protocol: str) -> Trace:
    # ICMP has no ports (NSG-10 lists it under protocol Any; rules' port
    # conditions don't apply): the trace records port 0.
    return Trace(
        source=source, destination=destination, port=0 if protocol.lower() == "icmp" else port, protocol=protocol
    )


def resolver_for(topology: Topology, app: App) -> dns.Resolver:
    """The DNS an app asks: WEBSITE_DNS_SERVER, else the VNet's custom DNS,
    else Azure DNS with the private zones linked to its VNet (regional only;
    SEED-24's switch is about regional integration too, so the other apps,
    which have no linked zones to skip, aren't told about it)."""
    vnet = topology.vnets.get(app.vnet_id) if app.vnet_id else None
    if app.dns_servers:
        servers = app.dns_servers
    elif vnet and vnet.dns_servers:
        servers = vnet.dns_servers
    else:
        servers = (dns.AZURE_DNS,)
    if vnet is None or app.integration_kind != "regional":
        return dns.Resolver(servers=servers)
    return dns.Resolver(
        servers=servers, linked_zones=topology.index.zones_for(vnet.id), private_zones=app.private_zones
    )


def resolver_for_vnet(topology: Topology, vnet: Vnet) -> dns.Resolver:
    """The DNS a VM asks: its VNet's custom DNS servers (VNET-07), else Azure
    DNS with the private zones linked to the VNet (PEDNS-16). SEED-24 is an
    App Service rule: a VM always consults the linked zones."""
    servers = vnet.dns_servers or (dns.AZURE_DNS,)
    return dns.Resolver(servers=servers, linked_zones=topology.index.zones_for(vnet.id))


# --- App Service app ----------------------------------------------------------------------


def trace_app(topology: Topology, app: App, destination: str, port: int, protocol: str = "Tcp") -> Trace:
    trace = _new_trace(app.name, destination, port, protocol)
    port = trace.port
    trace.hop(SOURCE, app.name, _app_source_detail(topology, app))

    # 1. Name resolution (ASDNS-01, SEED-24, PEDNS-10 to PEDNS-17).
    notes: tuple[tuple[str, str], ...] = ()
    if app.integration_kind == "regional" and topology.era == "classic":
        if app.private_zones:
            notes = (("WEBSITE_DNS_SERVER and route all are set: the app queries the private zones.", "SEED-24"),)
        else:
            notes = (("Without WEBSITE_DNS_SERVER=168.63.129.16 and route all, private zones aren't used.", "SEED-24"),)
    address = _resolve(topology, trace, resolver_for(topology, app), _APP, notes)
    if address is None:
        return trace

    # SEED-05: integration carries TCP and UDP; App Service sends no ICMP at
    # all (lab reading for an unintegrated app), its console offers tcpping.
    if trace.is_icmp:
        return trace.block(
            "Protocol",
            "App Service apps send TCP and UDP only: a ping (ICMP) never leaves the app.",
            "Test the connection with tcpping <host>:<port> from the app's console.",
            "SEED-05",
            "ASGW-20",
            hop=SOURCE,
        )

    # 2. Does the packet enter the VNet? (ASRT-01, ASRT-02, SEED-17, SEED-19)
    if app.integration_kind is None:
        if any(address in net for net in nsg.PRIVATE):
            return trace.block(
                "Enter the virtual network",
                f"{address} is a private address, but the app has no VNet integration.",
                "Integrate the app with a virtual network (Networking > VNet integration).",
                "SEED-08",
                "ASRT-01",
                hop=SOURCE,
            )
        trace.add(
            "Enter the virtual network",
            "No",
            "The app isn't integrated: the packet leaves from its outbound addresses.",
            "ASRT-01",
        )
        return _app_leaves_directly(topology, trace, app, address)

    subnet = topology.subnets.get(app.subnet_id) if app.subnet_id else None
    vnet = topology.vnets[app.vnet_id]
    if app.integration_kind == "gateway":
        return _gateway_required(topology, trace, app, vnet, address)

    if port == 25 and protocol.lower() == "tcp" and topology.era != "classic":
        trace.add(
            "Enter the virtual network",
            "Info",
            "Port 25 may use the integration; the VNet's subscription type decides.",
            "ASVI-52",
            "NSG-40",
        )
    if port == 25 and protocol.lower() == "tcp" and topology.era == "classic":
        return trace.block(
            "Enter the virtual network",
            "Regional VNet integration can't use port 25.",
            "Send mail through a relay on port 587 instead.",
            "SEED-19",
            "ASVI-52",
            hop=SOURCE,
        )
    target = topology.target_by_ip(address)
    se = bool(target and subnet and target.service_endpoint in subnet.service_endpoints)
    private = any(address in net for net in RFC1918)
    if app.route_all:
        trace.add(
            "Enter the virtual network",
            "Yes",
            "Route all is on: every outbound packet enters the VNet.",
            "SEED-17",
            "SEED-18",
            "ASRT-02",
        )
    elif private:
        trace.add(
            "Enter the virtual network",
            "Yes",
            f"{address} is an RFC1918 address, which always enters the VNet.",
            "ASRT-01",
        )
    elif se:
        trace.add(
            "Enter the virtual network",
            "Yes",
            f"A service endpoint for {target.service_endpoint} is on the integration subnet.",
            "ASRT-01",
            "SE-14",
        )
    else:
        trace.add(
            "Enter the virtual network",
            "No",
            f"{address} is public and route all is off: the packet leaves from the app's outbound addresses; the subnet's NSG and routes don't see it.",
            "SEED-17",
            "SEED-21",
            "ASRT-03",
        )
        return _app_leaves_directly(topology, trace, app, address)
    trace.hop(SUBNET, _subnet_label(subnet), f"Integration subnet of '{vnet.name}'.")
    source_ip = first_usable_address(subnet)
    if address in PLATFORM_ADDRESSES:
        return _answered_by_platform(trace, address, source_ip)

    # 3. The integration subnet's outbound NSG (SEED-15, NSG-21; inbound rules never apply).
    flow = nsg.Flow("Outbound", protocol, source_ip, EPHEMERAL_PORT, address, port)
    subnet_nsg = topology.nsgs.get(subnet.nsg_id) if subnet.nsg_id else None
    nsg_rules = ("SEED-15", "SEED-21") if app.route_all and not private else ("SEED-15",)
    if not _outbound_nsgs(
        trace,
        flow,
        topology.virtual_network_tag(vnet.id, subnet.id),
        ((subnet_nsg, ""),),
        f"No NSG on subnet '{subnet.name}'.",
        nsg_rules,
        _APP.cite_tags,
    ):
        return trace

    # 4. Route selection on the integration subnet (ROUTE-30).
    route = _select_route(topology, trace, subnet, address, ("SEED-16", "ROUTE-21"), ("SEED-14",))
    if route is None:
        return trace
    if route.next_hop_type in (r.PEERING, r.GLOBAL_PEERING):
        peer = topology.vnet_of_address(address)
        if peer is not None and peer.is_classic:
            return trace.block(
                "Delivery",
                f"'{peer.name}' is a classic virtual network: regional VNet integration can't reach across a "
                "peering to it.",
                f"Use gateway-required VNet integration with '{peer.name}' instead.",
                "ASVI-03",
                hop=NEXT_HOP,
                label=NEXT_HOP_LABELS[route.next_hop_type],
            )

    # 5. Delivery and the source address the destination sees (ASRT-16, ASRT-17, SE-02).
    if route.next_hop_type == r.INTERNET:
        trace.source_ip = app.outbound_ips[0] if app.outbound_ips else ""
        trace.hop(NEXT_HOP, "Internet", f"From the app's outbound addresses ({trace.source_ip or 'none listed'}).")
        trace.add(
            "Delivery", "Info", "Internet-bound: it leaves from the app's outbound addresses.", "SEED-18", "ASRT-17"
        )
        return _deliver_public(topology, trace, address, None, _APP)
    return _deliver_by_route(topology, trace, route, address, source_ip, subnet, _APP)


def _app_source_detail(topology: Topology, app: App) -> str:
    vnet = topology.vnets.get(app.vnet_id) if app.vnet_id else None
    if app.integration_kind == "gateway" and vnet:
        return f"Gateway-required VNet integration with '{vnet.name}'."
    subnet = topology.subnets.get(app.subnet_id) if app.subnet_id else None
    if app.integration_kind == "regional" and vnet and subnet:
        route_all = ", route all on" if app.route_all else ""
        return f"Regional VNet integration with '{vnet.name}/{subnet.name}'{route_all}."
    return "No VNet integration."


def _app_leaves_directly(topology: Topology, trace: Trace, app: App, address: IPv4Address) -> Trace:
    """ASRT-03: outside the VNet, from the app's shared outbound addresses."""
    trace.source_ip = app.outbound_ips[0] if app.outbound_ips else ""
    trace.hop(NEXT_HOP, "Internet", f"From the app's outbound addresses ({trace.source_ip or 'none listed'}).")
    return _deliver_public(topology, trace, address, None, _APP_VOICES[app.integration_kind])


def _gateway_required(topology: Topology, trace: Trace, app: App, vnet, address: IPv4Address) -> Trace:
    """§15 step 6: the P2S tunnel carries the VNet's ranges, and a peered
    VNet's only with gateway transit and a plan route for it (ASGW-18)."""
    peer = None
    if not any(address in net for net in vnet.space):
        peer = _peered_vnet_with(topology, vnet, address)
        if peer is None:
            trace.add(
                "Enter the virtual network",
                "No",
                "Gateway-required integration only carries the VNet's address ranges.",
                "SEED-07",
                "ASGW-13",
            )
            if any(address in net for net in nsg.PRIVATE):
                return trace.block(
                    "Enter the virtual network",
                    f"{address} isn't in '{vnet.name}' or a network it reaches.",
                    "Add the range under the plan's VNet integration routes, or use regional integration.",
                    "SEED-07",
                    "ASGW-15",
                    hop=SOURCE,
                )
            return _app_leaves_directly(topology, trace, app, address)
        peering, remote = peer
        problem = _gateway_transit_problem(topology, app, vnet, peering, remote, address)
        if problem is not None:
            detail, fix = problem
            return trace.block("Enter the virtual network", detail, fix, "ASGW-18", "ASGW-15", hop=SOURCE)
    across = f", then across the peering to '{peer[1].name}' (gateway transit)" if peer else ""
    trace.add(
        "Enter the virtual network",
        "Yes",
        f"Through the point-to-site tunnel into '{vnet.name}'{across}.",
        "SEED-03",
        "ASGW-17",
        *(("ASGW-18", "ASGW-15") if peer else ()),
    )
    gateway = topology.gateways.get(vnet.id)
    pool = gateway.p2s_pool if gateway and gateway.p2s_pool else None
    source_ip = next((pool or STAND_IN_P2S_POOL).hosts())
    trace.source_ip = str(source_ip)
    trace.hop(
        NEXT_HOP,
        NEXT_HOP_LABELS[r.GATEWAY],
        f"Point-to-site tunnel into '{vnet.name}'{across}, from {source_ip} of the P2S pool.",
    )
    # NSG-30: the destination's VirtualNetwork tag covers the pool through the
    # gateway; a stand-in pool is in no tag, so it is added here.
    voice = _APP_VOICES["gateway"]
    return _deliver_private(topology, trace, address, source_ip, voice, () if pool else (STAND_IN_P2S_POOL,))


def _peered_vnet_with(topology: Topology, vnet: Vnet, address: IPv4Address) -> tuple[Peering, Vnet] | None:
    """The connected peering of ``vnet`` whose remote VNet holds ``address``."""
    for peering in topology.connected_peerings(vnet.id):
        remote = topology.vnets.get(peering.remote_vnet_id)
        if remote is not None and any(address in net for net in remote.space):
            return peering, remote
    return None


def _gateway_transit_problem(
    topology: Topology, app: App, vnet: Vnet, peering: Peering, remote: Vnet, address: IPv4Address
) -> tuple[str, str] | None:
    """ASGW-18: a gateway-required app reaches a peered VNet only with
    "Allow gateway transit" on the gateway VNet's peering, "Use remote
    gateways" on the remote's, and the range in the plan's routes (ASGW-15)."""
    back = next((p for p in topology.connected_peerings(remote.id) if p.remote_vnet_id == vnet.id), None)
    if not peering.allow_gateway_transit or back is None or not back.use_remote_gateways:
        return (
            f"{address} is in '{remote.name}', peered with '{vnet.name}' without gateway transit: the point-to-site "
            "tunnel doesn't reach it.",
            f"On the peering, allow gateway transit on '{vnet.name}' and use remote gateways on '{remote.name}', "
            "then add its range under the plan's VNet integration routes.",
        )
    if not any(address in net for net in app.plan_routes):
        ranges = ", ".join(str(net) for net in remote.space)
        return (
            f"{address} is in '{remote.name}', which uses '{vnet.name}''s gateway, but the plan's VNet integration "
            "routes don't include it.",
            f"Add {ranges} under the plan's VNet integration routes (Add routes).",
        )
    return None


# --- A VM: its NIC, or a subnet ---------------------------------------------------------------


def first_usable_address(subnet: Subnet) -> IPv4Address:
    """SUBNET-01: the first four addresses are Azure's, so .4 is the first a VM gets."""
    return IPv4Address(int(subnet.prefix.network_address) + 4)


def trace_nic(topology: Topology, nic: Nic, destination: str, port: int, protocol: str = "Tcp") -> Trace:
    """A VM's outbound connection from one of its NICs, as Connection
    troubleshoot checks it (NW-40, NW-42): TCP, UDP or ICMP."""
    trace = _new_trace(nic.owner or nic.name, destination, port, protocol)
    public = f", public IP {nic.public_ip}" if nic.public_ip else ""
    trace.hop(SOURCE, nic.owner or nic.name, f"NIC '{nic.name}' with {nic.ip}{public}.")
    subnet = topology.subnets[nic.subnet_id]
    nic_nsg = topology.nsgs.get(nic.nsg_id) if nic.nsg_id else None
    return _trace_vm(topology, trace, subnet, nic.ip, nic.public_ip, (nic_nsg, f" on NIC '{nic.name}'"))


def trace_subnet(topology: Topology, subnet: Subnet, destination: str, port: int, protocol: str = "Tcp") -> Trace:
    """The outbound connection of a VM in ``subnet`` at its first usable
    address (SUBNET-01), with no NIC NSG and no public IP: what the subnet's
    own NSG, routes and DNS allow."""
    vnet = topology.vnets[subnet.vnet_id]
    trace = _new_trace(f"{vnet.name}/{subnet.name}", destination, port, protocol)
    address = first_usable_address(subnet)
    trace.hop(
        SOURCE,
        f"VM {address}",
        f"A VM in '{subnet.name}' at its first usable address, with no NIC NSG and no public IP.",
    )
    return _trace_vm(topology, trace, subnet, address, None, (None, ""))


def _trace_vm(
    topology: Topology,
    trace: Trace,
    subnet: Subnet,
    private_ip: IPv4Address,
    public_ip: IPv4Address | None,
    nic_layer: tuple[nsg.Nsg | None, str],
) -> Trace:
    vnet = topology.vnets[subnet.vnet_id]
    voice = _vm_voice(subnet)

    # 1. Name resolution: the VNet's DNS (VNET-07, PEDNS-16, PEDNS-17).
    address = _resolve(topology, trace, resolver_for_vnet(topology, vnet), voice)
    if address is None:
        return trace
    trace.hop(SUBNET, _subnet_label(subnet), f"Virtual network '{vnet.name}'.")

    if address in PLATFORM_ADDRESSES:
        return _answered_by_platform(trace, address, private_ip)

    # 2. Outbound NSGs: the NIC's, then the subnet's; either can deny (NSG-21).
    flow = nsg.Flow("Outbound", trace.protocol, private_ip, 0 if trace.is_icmp else EPHEMERAL_PORT, address, trace.port)
    subnet_nsg = topology.nsgs.get(subnet.nsg_id) if subnet.nsg_id else None
    on_nic = "the NIC or on " if nic_layer[1] else ""
    if not _outbound_nsgs(
        trace,
        flow,
        topology.virtual_network_tag(vnet.id, subnet.id),
        (nic_layer, (subnet_nsg, f" on subnet '{subnet.name}'")),
        f"No NSG on {on_nic}subnet '{subnet.name}': everything is allowed.",
        ("NSG-21",),
        voice.cite_tags,
    ):
        return trace

    # 3. The subnet's effective routes; outbound NSG rules come first, then
    # the routes (VNET-09, ROUTE-30).
    route = _select_route(topology, trace, subnet, address, ("ROUTE-21",), ("VNET-10",), ("VNET-09",))
    if route is None:
        return trace

    # 4. Delivery and the source address the destination sees.
    if route.next_hop_type != r.INTERNET:
        return _deliver_by_route(topology, trace, route, address, private_ip, subnet, voice)
    return _leave_for_internet(topology, trace, address, public_ip, voice)


def _leave_for_internet(
    topology: Topology,
    trace: Trace,
    address: IPv4Address,
    public_ip: IPv4Address | None,
    voice: _Voice,
    machine: str = "the VM",
    machine_nic: str = "the VM's NIC",
) -> Trace:
    """A VM's (or an AKS node's) packet on the Internet route: from the NIC's
    public IP (NSG-05), else by the era's default outbound access (DOA-01,
    DOA-02)."""
    if trace.protocol.lower() == "tcp" and trace.port == 25:
        trace.add(
            "Delivery",
            "Info",
            "Outbound TCP 25: the subscription's offer type decides whether Azure blocks it.",
            "NSG-40",
        )
    if public_ip is not None:
        trace.source_ip = str(public_ip)
        trace.hop(NEXT_HOP, "Internet", f"From the NIC's public IP {public_ip}.")
        trace.add(
            "Delivery",
            "Info",
            f"Internet-bound: it leaves from the NIC's public IP {public_ip}; the NSGs saw the private address.",
            "NSG-05",
        )
    elif DEFAULT_OUTBOUND_ACCESS.get(topology.era, True):
        trace.source_ip = DEFAULT_OUTBOUND_IP
        trace.hop(NEXT_HOP, "Internet", "From Azure's default outbound access IP.")
        trace.add(
            "Delivery",
            "Info",
            f"Internet-bound without a public IP: Azure gives {machine} a default outbound access IP, "
            "Microsoft-owned and subject to change.",
            "DOA-01",
            "NSG-05",
        )
    else:
        trace.hop(NEXT_HOP, "Internet", "")
        return trace.block(
            "Delivery",
            f"Internet-bound, but {voice.subnet} is private: new virtual networks have no default outbound "
            f"access, and {machine} has no public IP.",
            f"Add a NAT gateway to {voice.subnet}, or a public IP to {machine_nic}.",
            "DOA-02",
            hop=NEXT_HOP,
        )
    return _deliver_public(topology, trace, address, None, voice)


# --- An AKS pod -----------------------------------------------------------------------------

# The rule behind the address a pod's packet carries, by network plugin.
_POD_RULES = {KUBENET: ("AKS-01",), AZURE_CNI: ("AKS-20",), OVERLAY: ("AKS-30",)}
# A pod receives a packet: the rules of its plugin's delivery.
_POD_DELIVERY_RULES = {KUBENET: ("AKS-01", "AKS-02"), AZURE_CNI: ("AKS-20", "NSG-21"), OVERLAY: ("AKS-30", "AKS-33")}
# An NSG on the cluster's subnet or nodes drops pod to pod traffic: the rule
# that says those NSGs must let it through.
_POD_NSG_RULES = {KUBENET: ("AKS-02",), AZURE_CNI: (), OVERLAY: ("AKS-33",)}


def _pod_voice(subnet: Subnet) -> _Voice:
    return replace(_vm_voice(subnet), owner="pod")


def trace_pod(topology: Topology, pod: Pod, destination: str, port: int, protocol: str = "Tcp") -> Trace:
    """A pod's outbound connection (azure-rules.md §12). The pod's node has
    a NIC in the cluster subnet: the node's NSGs (NIC, then subnet: NSG-21)
    and the subnet's routes carry the packet, from one of two addresses.

    - To a pod of its own cluster, the pod's own address. Kubenet pods on
      another node are reached through the subnet's route table, the node's
      /24 to the node as a virtual appliance with IP forwarding: an extra
      hop (AKS-02, AKS-05). Azure CNI pods have subnet addresses: VNet-local
      (AKS-20). Overlay: the platform routes each node's /24, without
      encapsulation, so the subnet's NSG rules apply (AKS-30, AKS-33).
    - To anything else, kubenet and Overlay pods leave with the node's
      address (SNAT: AKS-01, AKS-30). Azure CNI pods keep theirs for private
      destinations (AKS-20) and leave for the internet from the node.
    - On the Internet route, the node follows a VM's outbound rules: its
      public IP (NSG-05), else the era's default outbound access (DOA-01,
      DOA-02).
    """
    trace = _new_trace(pod.label, destination, port, protocol)
    subnet = topology.subnets[pod.nic.subnet_id]
    vnet = topology.vnets[subnet.vnet_id]
    cluster = topology.aks_clusters.get(pod.cluster_id)
    plugin = cluster.plugin_label if cluster else pod.plugin
    on = f", pods {pod.pod_cidr}" if pod.pod_cidr else ""
    trace.hop(
        SOURCE,
        f"Pod {pod.ip}",
        f"A pod of cluster '{pod.cluster}' ({plugin}) on node '{pod.node}' ({pod.nic.ip}{on}).",
    )
    voice = _pod_voice(subnet)

    # 1. Name resolution: the VNet's DNS, as for the node (VNET-07, PEDNS-16).
    address = _resolve(topology, trace, resolver_for_vnet(topology, vnet), voice)
    if address is None:
        return trace

    # 2. The source address: the pod's inside the cluster, else the node's.
    peer = topology.pod_node(pod.cluster_id, address)
    if peer is not None and peer.nic == pod.nic:
        return _pod_on_same_node(trace, pod, address)
    in_cluster = peer is not None
    if in_cluster:
        source_ip = pod.ip
        trace.add(
            "Source address",
            "Kept",
            f"Pod to pod inside the cluster: no address translation, the destination sees {pod.ip}.",
            *_POD_RULES[pod.plugin],
        )
        if pod.plugin == KUBENET and not pod.nic.ip_forwarding:
            return trace.block(
                "Source address",
                f"IP forwarding is off on '{pod.nic.name}': Azure drops what the node sends from its pods' addresses.",
                f"Enable IP forwarding on network interface '{pod.nic.name}'.",
                "AKS-02",
                hop=SOURCE,
            )
    elif cluster is not None and cluster.pod_cidr is not None and address in cluster.pod_cidr:
        nodes = ", ".join(str(n.pod_cidr) for n in topology.index.aks_nodes_by_cluster.get(cluster.id, ()))
        return trace.block(
            "Delivery",
            f"{address} is in the pod CIDR {cluster.pod_cidr} of cluster '{cluster.name}', but no node holds its "
            "/24: no pod has this address.",
            f"Check the pod address: the nodes hold {nodes or 'no /24 yet'}.",
            *_POD_RULES[pod.plugin],
            hop=DESTINATION,
            label=str(address),
        )
    elif pod.plugin == AZURE_CNI and _inside_private_space(topology, vnet, address):
        source_ip = pod.ip
        trace.add(
            "Source address",
            "Kept",
            f"Azure CNI pods have subnet addresses: the destination sees the pod's own {pod.ip}.",
            "AKS-20",
        )
    else:
        source_ip = pod.nic.ip
        outside = "a public address" if pod.plugin == AZURE_CNI else "outside the cluster's pods"
        trace.add(
            "Source address",
            "SNAT",
            f"{address} is {outside}: the node translates the pod's {pod.ip} to its own {pod.nic.ip}.",
            *_POD_RULES[pod.plugin],
        )
    trace.hop(SUBNET, _subnet_label(subnet), f"The cluster subnet, in virtual network '{vnet.name}'.")
    if address in PLATFORM_ADDRESSES:
        return _answered_by_platform(trace, address, source_ip)

    # 3. Outbound NSGs: the node's NIC, then the subnet (NSG-21). A kubenet or
    # Overlay cluster's pod CIDR counts in the VirtualNetwork tag (lab
    # reading of AKS-02 and AKS-33), so the default rules let pods talk.
    pod_ranges = (cluster.pod_cidr,) if cluster and cluster.pod_cidr else ()
    tag = topology.virtual_network_tag(vnet.id, subnet.id)
    if pod_ranges:
        tag = nsg.with_ranges(tag, pod_ranges)
    flow = nsg.Flow("Outbound", trace.protocol, source_ip, 0 if trace.is_icmp else EPHEMERAL_PORT, address, trace.port)
    nic_nsg = topology.nsgs.get(pod.nic.nsg_id) if pod.nic.nsg_id else None
    subnet_nsg = topology.nsgs.get(subnet.nsg_id) if subnet.nsg_id else None
    if not _outbound_nsgs(
        trace,
        flow,
        tag,
        ((nic_nsg, f" on NIC '{pod.nic.name}'"), (subnet_nsg, f" on subnet '{subnet.name}'")),
        f"No NSG on the node's NIC or on subnet '{subnet.name}': everything is allowed.",
        ("NSG-21", *(_POD_NSG_RULES[pod.plugin] if in_cluster else ())),
        voice.cite_tags,
    ):
        return trace

    # 4. Routes: Overlay's pod routes are the platform's; the rest follow
    # the subnet's effective routes (ROUTE-30).
    if in_cluster and pod.plugin == OVERLAY:
        label = f"{peer.pod_cidr} -> node {peer.nic.ip}"
        trace.add(
            "Route",
            "Selected",
            f"{label} ('{peer.name}'): Azure CNI Overlay routes each node's /24 to the node itself, without "
            "encapsulation; the subnet's route table isn't consulted.",
            "AKS-30",
            "AKS-33",
        )
        trace.hop(ROUTE, f"{label} (overlay)", f"Node '{peer.name}' holds {peer.pod_cidr}.")
        trace.source_ip = str(source_ip)
        trace.hop(NEXT_HOP, NEXT_HOP_LABELS[r.VNET_LOCAL], f"Inside Azure, from {source_ip}.")
        return _deliver_to_pod(topology, trace, peer, address, source_ip, voice, pod_ranges)
    route = _select_route(topology, trace, subnet, address, ("ROUTE-21",), ("VNET-10",), ("VNET-09",))
    if route is None:
        return trace
    if in_cluster and pod.plugin == KUBENET and not _routes_to(route, peer.nic.ip):
        return _missing_pod_route(topology, trace, route, subnet, cluster, peer, address)

    # 5. Delivery and the source address the destination sees.
    if route.next_hop_type != r.INTERNET:
        return _deliver_by_route(topology, trace, route, address, source_ip, subnet, voice)
    return _leave_for_internet(
        topology,
        trace,
        address,
        pod.nic.public_ip,
        voice,
        machine=f"node '{pod.node}'",
        machine_nic=f"the node's NIC '{pod.nic.name}'",
    )


def _inside_private_space(topology: Topology, vnet: Vnet, address: IPv4Address) -> bool:
    """Where an Azure CNI pod keeps its own address (lab reading of AKS-20):
    RFC 1918 and what the VNet's VirtualNetwork tag holds (NSG-30)."""
    return any(address in net for net in RFC1918) or any(
        address in net for net in topology.virtual_network_tag(vnet.id)
    )


def _routes_to(route: r.Route, node_ip: IPv4Address) -> bool:
    if route.next_hop_type != r.VIRTUAL_APPLIANCE:
        return False
    try:
        return IPv4Address(route.next_hop_ip or "") == node_ip
    except ValueError:
        return False


def _pod_on_same_node(trace: Trace, pod: Pod, address: IPv4Address) -> Trace:
    """Two pods of one node meet on the node's bridge: the packet never
    reaches the NIC, so no NSG or route sees it (lab reading)."""
    rules = _POD_RULES[pod.plugin]
    trace.add("Source address", "Kept", f"Pod to pod on one node: the destination sees {pod.ip}.", *rules)
    trace.source_ip = str(pod.ip)
    trace.hop(NODE, f"{pod.node} {pod.nic.ip}", "The node's bridge joins its pods; no NSG or route applies.")
    received = f"{address} is a pod on the same node '{pod.node}': the node's bridge delivers it."
    trace.add("Delivery", REACHABLE, received, *rules)
    trace.hop(DESTINATION, f"Pod {address} on {pod.node}", received)
    return trace


def _missing_pod_route(
    topology: Topology,
    trace: Trace,
    route: r.Route,
    subnet: Subnet,
    cluster: AksCluster | None,
    node: AksNode,
    address: IPv4Address,
) -> Trace:
    """AKS-02: kubenet reaches a pod on another node only by the route of
    that node's /24 to the node; the subnet's routes don't have it."""
    wanted = f"{node.pod_cidr} -> VirtualAppliance {node.nic.ip}"
    table = topology.route_tables.get(cluster.route_table_id) if cluster and cluster.route_table_id else None
    if table is None:
        fix = f"Create a route table with route '{node.name}' ({wanted}) and associate it with subnet '{subnet.name}'."
    elif subnet.route_table_id != table.id:
        fix = f"Associate route table '{table.name}' with subnet '{subnet.name}'."
    else:
        fix = f"Add route '{node.name}' ({wanted}) to route table '{table.name}'."
    called = _called(route)
    detail = (
        f"{address} is a pod of node '{node.name}' ({node.pod_cidr}), but {called} ({route.prefix} -> "
        f"{route.next_hop_type}) doesn't lead to that node: kubenet reaches pods on other nodes only through a "
        "route per node."
    )
    return trace.block("Route", detail, fix, "AKS-02", "ROUTE-30", hop=ROUTE)


def _through_kubenet_node(
    topology: Topology,
    trace: Trace,
    route: r.Route,
    node: AksNode,
    cluster: AksCluster,
    address: IPv4Address,
    source_ip,
    voice: _Voice,
) -> Trace:
    """A kubenet node receives the packet for its /24 as a virtual appliance
    and hands it to the pod: the extra hop of AKS-05."""
    trace.add(
        "Node",
        FORWARDED,
        f"{_called(route).capitalize()} sends {node.pod_cidr} to node '{node.name}' ({node.nic.ip}) of cluster "
        f"'{cluster.name}', which forwards it to its pod: kubenet's extra hop (pods have no addresses in the "
        "virtual network).",
        "AKS-02",
        "AKS-05",
    )
    trace.hop(NEXT_HOP, f"Virtual appliance {route.next_hop_ip}", f"Node '{node.name}', IP forwarding on.")
    trace.hop(NODE, f"{node.name} {node.nic.ip}", f"Holds {node.pod_cidr} of cluster '{cluster.name}'.")
    return _deliver_to_pod(topology, trace, node, address, source_ip, voice)


def _deliver_to_pod(
    topology: Topology,
    trace: Trace,
    node: AksNode,
    address: IPv4Address,
    source_ip,
    voice: _Voice,
    source_ranges: tuple[IPv4Network, ...] = (),
) -> Trace:
    """A pod receives the packet through its node's NIC: the inbound NSGs of
    the node's subnet and NIC decide (NSG-21)."""
    cluster = topology.aks_clusters.get(node.cluster_id)
    plugin = cluster.plugin if cluster else AZURE_CNI
    if cluster is not None and cluster.pod_cidr and cluster.pod_cidr not in source_ranges:
        source_ranges = (*source_ranges, cluster.pod_cidr)
    if not trace.source_ip:
        trace.source_ip = str(source_ip)
    of = f" of cluster '{cluster.name}'" if cluster else ""
    return _deliver_to_nic(
        topology,
        trace,
        node.nic,
        address,
        source_ip,
        voice,
        source_ranges,
        label=f"Pod {address} on {node.name}",
        received=f"Pod {address} on node '{node.name}'{of} receives it from {trace.source_ip}.",
        rule_ids=_POD_DELIVERY_RULES[plugin],
        blocked_rule_ids=_POD_NSG_RULES[plugin],
    )


# --- Shared steps ---------------------------------------------------------------------------


def _subnet_label(subnet: Subnet) -> str:
    return f"{subnet.name} {subnet.prefix}"


def _answered_by_platform(trace: Trace, address: IPv4Address, source_ip: IPv4Address) -> Trace:
    """NSG-23: DNS, DHCP, health probe and IMDS traffic to the platform
    addresses bypasses NSGs (and routes): the host answers."""
    trace.add(
        "Network security group",
        "Skipped",
        f"{address} is an Azure platform address: DNS, DHCP, health probe and IMDS traffic bypasses NSGs.",
        "NSG-23",
    )
    trace.source_ip = str(source_ip)
    trace.add("Delivery", REACHABLE, f"The Azure host answers on {address}.", "NSG-23", "PEDNS-18")
    trace.hop(DESTINATION, f"Azure platform {address}", "Answered by the host, inside Azure.")
    return trace


def _resolve(
    topology: Topology,
    trace: Trace,
    resolver: dns.Resolver,
    voice: _Voice,
    notes: tuple[tuple[str, ...], ...] = (),
) -> IPv4Address | None:
    """The destination's IPv4 address, or None when the trace stops at name
    resolution (PEDNS-13). ``notes`` are (detail, *rule_ids) steps to show
    before a name is looked up."""
    destination = trace.destination
    try:
        address = ip_address(destination)
        trace.add("Name resolution", "Skipped", f"{destination} is an IP address.")
    except ValueError:
        for detail, *rule_ids in notes:
            trace.add("Name resolution", "Info", detail, *rule_ids)
        answer = dns.resolve(destination, resolver, topology.index.public_dns)
        for step in answer.steps:
            trace.add("Name resolution", "Info", step.text, *step.rule_ids)
        if answer.nxdomain:
            fix = f"Add the record to the private DNS zone, or link the zone to the {voice.owner}'s virtual network."
            trace.block("Name resolution", f"'{destination}' doesn't resolve.", fix, "PEDNS-13", hop=SOURCE)
            return None
        address = ip_address(answer.address)
        trace.add("Name resolution", "Resolved", f"'{destination}' resolves to {address}.")
    trace.destination_ip = str(address)
    if not isinstance(address, IPv4Address):
        trace.block(
            "Name resolution", f"{address} is IPv6, which the lab doesn't trace.", "Use an IPv4 address.", hop=SOURCE
        )
        return None
    return address


def _outbound_nsgs(
    trace: Trace,
    flow: nsg.Flow,
    virtual_network: tuple,
    layers: tuple[tuple[nsg.Nsg | None, str], ...],
    no_nsg: str,
    rule_ids: tuple[str, ...],
    cite_tags: bool = False,
) -> bool:
    """Evaluate the outbound NSGs in ``layers`` order (NSG-21: the NIC's,
    then the subnet's; either can deny), one step and one hop each. False
    when one denies, and the trace is blocked there."""
    met = False
    for group, where in layers:
        if group is None:
            continue
        met = True
        verdict = nsg.evaluate_one(group, flow, virtual_network)
        rule = verdict.rule
        cited = (*rule_ids, *verdict.rule_ids, *(_tag_rule_ids(rule) if cite_tags else ()))
        said = f"Rule '{rule.name}' (priority {rule.priority}) of '{group.name}'{where}"
        label = f"{group.name}: {rule.name} ({rule.priority})"
        if not verdict.allowed:
            trace.block(
                "Network security group",
                f"{said} denies it.",
                f"Allow the flow in '{group.name}' with a rule of a lower priority number.",
                *cited,
                hop=NSG,
                label=label,
            )
            return False
        trace.add("Network security group", "Allowed", f"{said} allows it.", *cited)
        trace.hop(NSG, label, f"{said} allows it.")
    if not met:
        trace.add("Network security group", "Allowed", no_nsg, "NSG-21")
    return True


def _tag_rule_ids(rule: nsg.Rule) -> tuple[str, ...]:
    """The service tag rules (NSG-30 to NSG-34) behind a security rule's
    sources and destinations."""
    ids: list[str] = []
    for spec in (*rule.sources, *rule.destinations):
        base = spec.strip().split(".", 1)[0]
        rule_id = TAG_RULES.get(base) or ("NSG-34" if base in servicetags.SERVICE_TAGS else None)
        if rule_id and rule_id not in ids:
            ids.append(rule_id)
    return tuple(ids)


def _select_route(
    topology: Topology,
    trace: Trace,
    subnet: Subnet,
    address: IPv4Address,
    user_rules: tuple[str, ...],
    peering_rules: tuple[str, ...],
    extra_rules: tuple[str, ...] = (),
) -> r.Route | None:
    """The subnet's route to ``address`` (ROUTE-30), as a step and a hop;
    None when no route matches and the trace is blocked."""
    decision = r.select_route(topology.routing_for(subnet), address)
    route = decision.route
    if route is None:
        trace.block("Route", "No route matches.", "Add a route.", "ROUTE-30", hop=ROUTE, label="No route")
        return None
    label = f"{route.prefix} -> {route.next_hop_type}" + (f" {route.next_hop_ip}" if route.next_hop_ip else "")
    route_rules = list(decision.rule_ids)
    if route.source == r.USER:
        route_rules += [*user_rules] + (["ROUTE-31"] if route.prefix.prefixlen == 0 else [])
    if route.next_hop_type in (r.PEERING, r.GLOBAL_PEERING):
        route_rules += peering_rules
    origin = f"{route.source}{', ' + route.name if route.name else ''}"
    trace.add("Route", "Selected", f"{label} ({origin}): {decision.note}.", *route_rules, *extra_rules)
    trace.hop(ROUTE, label, f"{origin}: {decision.note}.")
    return route


def _deliver_by_route(
    topology: Topology,
    trace: Trace,
    route: r.Route,
    address: IPv4Address,
    source_ip: IPv4Address,
    subnet: Subnet,
    voice: _Voice,
) -> Trace:
    """Delivery for every next hop but Internet (the source decides how it
    egresses); inside Azure the destination sees ``source_ip``."""
    hop = route.next_hop_type
    if hop == r.NONE:
        return trace.block(
            "Delivery",
            f"The route's next hop is None: the packet to {address} is dropped.",
            "Peer or connect the network that holds this address, or change the route.",
            "ROUTE-02",
            "ROUTE-05",
            hop=NEXT_HOP,
            label=NEXT_HOP_LABELS[r.NONE],
        )
    trace.source_ip = str(source_ip)
    if hop == r.VIRTUAL_APPLIANCE:
        problem = _appliance_problem(topology, route, subnet, address)
        if problem is not None:
            detail, fix = problem
            return trace.block(
                "Delivery", detail, fix, "ROUTE-21", hop=NEXT_HOP, label=f"Virtual appliance {route.next_hop_ip}"
            )
        node = topology.aks_node_at(IPv4Address(route.next_hop_ip))
        if node is not None and node.pod_cidr is not None and address in node.pod_cidr:
            cluster = topology.aks_clusters.get(node.cluster_id)
            if cluster is not None and cluster.plugin == KUBENET:
                return _through_kubenet_node(topology, trace, route, node, cluster, address, source_ip, voice)
        trace.add(
            "Delivery",
            FORWARDED,
            f"Sent to the virtual appliance {route.next_hop_ip}; what it does next is up to it.",
            *voice.appliance_rules,
        )
        trace.hop(
            NEXT_HOP, f"Virtual appliance {route.next_hop_ip}", "What happens next is up to the appliance.", HOP_INFO
        )
        trace.verdict, trace.deciding_step = FORWARDED, "Delivery"
        return trace
    if hop == r.GATEWAY:
        if route.source == r.USER:
            problem = _gateway_route_problem(topology, route, subnet)
            if problem is not None:
                detail, fix = problem
                return trace.block(
                    "Delivery", detail, fix, "ROUTE-21", "ROUTE-27", hop=NEXT_HOP, label=NEXT_HOP_LABELS[r.GATEWAY]
                )
        trace.add(
            "Delivery",
            REACHABLE,
            f"Sent through the virtual network gateway to {address} on-premises.",
            *voice.gateway_rules,
        )
        trace.hop(NEXT_HOP, NEXT_HOP_LABELS[r.GATEWAY], "To on-premises networks.")
        trace.hop(DESTINATION, str(address), "On-premises, beyond the gateway.")
        return trace
    if hop == r.SERVICE_ENDPOINT:
        trace.hop(NEXT_HOP, f"Service endpoint {route.name}", f"From {source_ip}, a private address (SE-02).")
        return _deliver_public(topology, trace, address, subnet.id, voice)
    trace.hop(NEXT_HOP, NEXT_HOP_LABELS.get(hop, hop), f"Inside Azure, from {source_ip}.")
    return _deliver_private(topology, trace, address, source_ip, voice)


def _appliance_problem(
    topology: Topology, route: r.Route, subnet: Subnet, address: IPv4Address
) -> tuple[str, str] | None:
    """ROUTE-21: a virtual appliance next hop is a NIC's private IP with IP
    forwarding on (the lab has no internal load balancers), directly
    reachable: in the VNet or a peered VNet, not through a gateway. Otherwise
    the route is invalid and the packet goes nowhere: (detail, fix)."""
    called = _called(route)
    try:
        appliance = IPv4Address(route.next_hop_ip or "")
    except ValueError:
        appliance = None
    routing = topology.routing_for(subnet)
    direct = (*routing.vnet_space, *(net for net, _ in routing.peered))
    if appliance is None or not any(appliance in net for net in direct):
        return (
            f"The next hop of {called}, virtual appliance {route.next_hop_ip or '(none)'}, isn't directly reachable "
            "(not in the virtual network or a peered one): the route is invalid and the packet is dropped.",
            f"Point {called} at the appliance's private IP in the virtual network or a peered one.",
        )
    nic = topology.nic_with(appliance)
    if nic is None:
        return (
            f"The next hop of {called}, virtual appliance {appliance}, is an address no network interface has: "
            "nothing receives the packet.",
            f"Point {called} at the appliance's private IP, or deploy the appliance at {appliance}.",
        )
    if not nic.ip_forwarding and appliance != address:
        return (
            f"The next hop of {called} is {appliance}, but IP forwarding is off on '{nic.name}': it drops packets "
            "addressed to others.",
            f"Enable IP forwarding on network interface '{nic.name}'.",
        )
    return None


def _gateway_route_problem(topology: Topology, route: r.Route, subnet: Subnet) -> tuple[str, str] | None:
    """ROUTE-21, ROUTE-27: a UDR to the virtual network gateway needs a VPN
    gateway (ExpressRoute learns its routes by BGP only): (detail, fix)."""
    vnet = topology.vnets[subnet.vnet_id]
    gateway = topology.gateway_for(vnet.id)
    if gateway is None:
        reason = f"'{vnet.name}' has no virtual network gateway"
    elif gateway.kind != "Vpn":
        reason = f"'{gateway.name}' is an ExpressRoute gateway, which user-defined routes can't target"
    else:
        return None
    called = _called(route)
    return (
        f"The next hop of {called} is the virtual network gateway, but {reason}: the route is invalid and the "
        "packet is dropped.",
        f"Create a VPN gateway in '{vnet.name}', or change the next hop of {called}.",
    )


def _called(route: r.Route) -> str:
    """How a step names a route."""
    return f"route '{route.name}'" if route.name else "the route"


def _deliver_private(
    topology: Topology,
    trace: Trace,
    address: IPv4Address,
    source_ip,
    voice: _Voice = _APP,
    source_ranges: tuple[IPv4Network, ...] = (),
) -> Trace:
    """Delivery to a private endpoint or a NIC; the NIC's inbound NSGs see
    ``source_ip``. ``source_ranges`` join the destination's VirtualNetwork tag."""
    endpoint = topology.endpoint_with(address)
    if endpoint is not None:
        target = topology.target_by_host(endpoint.target_host)
        label = f"{target.name if target else endpoint.name} {address}"
        if not endpoint.approved:
            return trace.block(
                "Delivery",
                f"Private endpoint '{endpoint.name}' isn't approved.",
                "Approve the connection on the target's Private endpoint connections page.",
                "PEDNS-31",
                hop=DESTINATION,
                label=label,
            )
        trace.add(
            "Delivery",
            REACHABLE,
            f"Private endpoint '{endpoint.name}' for {endpoint.target_host} answers.",
            *voice.endpoint_rules,
        )
        trace.hop(DESTINATION, label, f"Private endpoint '{endpoint.name}' for {endpoint.target_host}.")
        return trace
    if trace.is_icmp:
        # VNET-06: the default gateway (the subnet's .1, SUBNET-01) ignores ping.
        subnet = topology.subnet_of_address(address)
        if subnet is not None and int(address) == int(subnet.prefix.network_address) + 1:
            return trace.block(
                "Delivery",
                f"{address} is the default gateway of subnet '{subnet.name}', which ignores ping.",
                "Ping a VM in the subnet instead.",
                "VNET-06",
                "SUBNET-01",
                hop=DESTINATION,
                label=f"Default gateway {address}",
            )
    nic = topology.nic_with(address)
    if nic is None:
        node = topology.cni_pod_node(address)
        if node is not None:
            return _deliver_to_pod(topology, trace, node, address, source_ip, voice, source_ranges)
        trace.add(
            "Delivery",
            "Info",
            f"No resource has {address}; the packet reaches the subnet but nobody answers.",
            "ROUTE-01",
        )
        trace.verdict, trace.deciding_step = BLOCKED, "Delivery"
        trace.fix = "Check the destination address."
        trace.hop(DESTINATION, str(address), "No resource has this address.", HOP_BLOCKED)
        return trace
    owner = f" ({nic.owner})" if nic.owner else ""
    return _deliver_to_nic(
        topology,
        trace,
        nic,
        address,
        source_ip,
        voice,
        source_ranges,
        label=f"{nic.owner or nic.name} {address}",
        received=f"'{nic.name}'{owner} receives it from {trace.source_ip or source_ip}.",
        rule_ids=voice.nic_rules,
    )


def _deliver_to_nic(
    topology: Topology,
    trace: Trace,
    nic: Nic,
    address: IPv4Address,
    source_ip,
    voice: _Voice,
    source_ranges: tuple[IPv4Network, ...],
    *,
    label: str,
    received: str,
    rule_ids: tuple[str, ...],
    blocked_rule_ids: tuple[str, ...] = (),
) -> Trace:
    """The inbound NSGs of ``nic``'s subnet, then of the NIC (NSG-21), for a
    packet to ``address`` (the NIC's own, or a pod's it carries)."""
    subnet = topology.subnets.get(nic.subnet_id)
    vnet_tag = topology.virtual_network_tag(subnet.vnet_id, subnet.id) if subnet else ()
    if source_ranges:
        vnet_tag = nsg.with_ranges(vnet_tag, source_ranges)
    flow = nsg.Flow(
        "Inbound",
        trace.protocol,
        source_ip,
        0 if trace.is_icmp else EPHEMERAL_PORT,
        address,
        trace.port,
    )
    verdict, _ = nsg.evaluate(
        flow,
        vnet_tag,
        nic_nsg=topology.nsgs.get(nic.nsg_id) if nic.nsg_id else None,
        subnet_nsg=topology.nsgs.get(subnet.nsg_id) if subnet and subnet.nsg_id else None,
    )
    tag_rules = _tag_rule_ids(verdict.rule) if voice.cite_tags and verdict.rule else ()
    if not verdict.allowed:
        return trace.block(
            "Delivery",
            f"The destination's inbound rule '{verdict.rule.name}' of '{verdict.nsg.name}' denies it.",
            f"Allow the flow in '{verdict.nsg.name}'.",
            "NSG-21",
            *verdict.rule_ids,
            *tag_rules,
            *blocked_rule_ids,
            hop=DESTINATION,
            label=label,
        )
    trace.add("Delivery", REACHABLE, received, *rule_ids, *verdict.rule_ids, *tag_rules)
    trace.hop(DESTINATION, label, received)
    return trace


def _deliver_public(
    topology: Topology, trace: Trace, address: IPv4Address, via_service_endpoint: int | None, voice: _Voice = _APP
) -> Trace:
    target = topology.target_by_ip(address)
    if target is None:
        name = trace.destination if trace.destination != str(address) else ""
        if not address.is_global:
            return trace.block(
                "Delivery",
                f"{address} isn't a public address (private or shared address space): the internet doesn't route "
                "it, so the packet is lost.",
                voice.unroutable_fix,
                *voice.unroutable_rules,
                hop=DESTINATION,
                label=f"{name} {address}".strip(),
            )
        trace.add("Delivery", REACHABLE, f"{address} is on the internet; the packet leaves Azure.", "ROUTE-01")
        trace.hop(DESTINATION, f"{name} {address}".strip(), "On the internet.")
        return trace
    label = f"{target.name} {address}"
    if not target.public_network_access:
        return trace.block(
            "Delivery",
            f"'{target.name}' has public network access disabled.",
            f"Reach it through a private endpoint, or enable public access on '{target.name}'.",
            "PEDNS-12",
            "SE-01",
            hop=DESTINATION,
            label=label,
        )
    if via_service_endpoint is not None:
        if via_service_endpoint in target.vnet_rule_subnets or not target.default_deny:
            accepted = f"'{target.name}' accepts {voice.subnet} through its service endpoint."
            trace.add("Delivery", REACHABLE, accepted, *voice.service_endpoint_rules)
            trace.hop(DESTINATION, label, accepted)
            return trace
        return trace.block(
            "Delivery",
            f"'{target.name}' doesn't list {voice.subnet} in its virtual network rules.",
            f"Add {voice.subnet} to '{target.name}''s virtual network rules.",
            *voice.missing_vnet_rule_rules,
            hop=DESTINATION,
            label=label,
        )
    if target.default_deny and not _source_allowed(trace.source_ip, target):
        return trace.block(
            "Delivery",
            f"'{target.name}' allows only selected networks, and the source {trace.source_ip} isn't one of them.",
            f"Add a service endpoint and a virtual network rule for {voice.subnet}, or a private endpoint.",
            "SE-01",
            "SE-02",
            hop=DESTINATION,
            label=label,
        )
    accepted = f"'{target.name}' accepts it on its public endpoint from {trace.source_ip}."
    trace.add("Delivery", REACHABLE, accepted, *voice.public_rules)
    trace.hop(DESTINATION, label, accepted)
    return trace


def _source_allowed(source_ip: str, target) -> bool:
    try:
        source = ip_address(source_ip)
    except ValueError:
        return False
    return any(source in net for net in target.ip_rules)
