"""Delivery: where the route's next hop takes the packet (a private endpoint,
a NIC, a pod, a public endpoint, the internet) and what the destination sees."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network, ip_address

from networking.engine import nsg
from networking.engine import routes as r
from networking.engine.topology import (
    AZURE_CNI,
    KUBENET,
    OVERLAY,
    AksCluster,
    AksNode,
    NatGateway,
    Nic,
    OutboundRule,
    Subnet,
    Target,
    Topology,
    has_default_outbound,
)
from networking.engine.trace.result import (
    DESTINATION,
    DESTINATION_STEP,
    FORWARDED,
    HOP_BLOCKED,
    HOP_INFO,
    NEXT_HOP,
    NO_ANSWER,
    NODE,
    REACHABLE,
    Trace,
)
from networking.engine.trace.steps import APP_VOICE, EPHEMERAL_PORT, Voice, tag_rule_ids

DEFAULT_OUTBOUND_IP = "default outbound access IP"

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


def leave_through_nat(
    topology: Topology, trace: Trace, address: IPv4Address, nat: NatGateway, voice: Voice, instead_of: str, *rules: str
) -> Trace:
    """The subnet's NAT gateway takes the packet to the internet and
    translates its source to the gateway's first public IP (ASRT-17, NAT-07);
    it carries TCP and UDP only (NAT-08). ``instead_of`` names the outbound
    method it takes precedence over."""
    if not nat.public_ips:
        trace.hop(NEXT_HOP, "NAT gateway", "")
        return trace.block(
            "Delivery",
            f"{voice.subnet.capitalize()} goes out through NAT gateway '{nat.name}', which has no public IP address: "
            "the packet has no address to leave from.",
            f"Add a public IP address to NAT gateway '{nat.name}' (Outbound IP).",
            "NAT-04",
            "NAT-07",
            hop=NEXT_HOP,
        )
    if trace.is_icmp:
        trace.hop(NEXT_HOP, "NAT gateway", "")
        return trace.block(
            "Delivery",
            f"NAT gateway '{nat.name}' carries TCP and UDP only: a ping (ICMP) to the internet gets no answer.",
            "Test the connection with TCP (Connection troubleshoot, or tcpping host:port).",
            "NAT-08",
            hop=NEXT_HOP,
        )
    source = nat.public_ips[0]
    trace.source_ip = str(source)
    trace.hop(NEXT_HOP, "Internet", f"Through NAT gateway '{nat.name}', from its public IP {source}.")
    trace.add(
        "Delivery",
        "Info",
        f"Internet-bound: NAT gateway '{nat.name}' translates the source to its public IP {source}, "
        f"instead of {instead_of}; the NSGs saw the private address.",
        *rules,
        "ASRT-17",
        "NAT-07",
    )
    return deliver_public(topology, trace, address, None, voice)


def leave_for_internet(
    topology: Topology,
    trace: Trace,
    address: IPv4Address,
    public_ip: IPv4Address | None,
    voice: Voice,
    machine: str = "the VM",
    machine_nic: str = "the VM's NIC",
    subnet: Subnet | None = None,
    outbound_rule: OutboundRule | None = None,
) -> Trace:
    """A VM's (or an AKS node's) packet on the Internet route from ``subnet``:
    through the subnet's NAT gateway, which takes precedence (NAT-07,
    ASRT-17), else from the NIC's public IP (NSG-05), else from the frontend
    public IP of the load balancer whose outbound rule covers the NIC
    (LB-01), else by default outbound access unless the subnet is private
    (DOA-01, DOA-02; the subnet's own setting, DOA-03)."""
    nat = subnet.nat if subnet is not None else None
    if trace.protocol.lower() == "tcp" and trace.port == 25:
        trace.add(
            "Delivery",
            "Info",
            "Outbound TCP 25: the subscription's offer type decides whether Azure blocks it.",
            "NSG-40",
        )
    if nat is not None:
        if public_ip is not None:
            instead_of = f"the NIC's public IP {public_ip}"
        elif outbound_rule is not None:
            instead_of = f"load balancer '{outbound_rule.load_balancer}''s outbound rule"
        else:
            instead_of = "default outbound access"
        return leave_through_nat(topology, trace, address, nat, voice, instead_of)
    if public_ip is not None:
        trace.source_ip = str(public_ip)
        trace.hop(NEXT_HOP, "Internet", f"From the NIC's public IP {public_ip}.")
        trace.add(
            "Delivery",
            "Info",
            f"Internet-bound: it leaves from the NIC's public IP {public_ip}; the NSGs saw the private address.",
            "NSG-05",
        )
    elif outbound_rule is not None:
        source = outbound_rule.public_ip
        trace.source_ip = str(source)
        trace.hop(
            NEXT_HOP, "Internet", f"Through load balancer '{outbound_rule.load_balancer}', from its public IP {source}."
        )
        trace.add(
            "Delivery",
            "Info",
            f"Internet-bound: the outbound rule of load balancer '{outbound_rule.load_balancer}' translates the "
            f"source to its frontend public IP {source}; the NSGs saw the private address.",
            "LB-01",
            "NSG-05",
        )
    elif has_default_outbound(topology.era, subnet.default_outbound_access if subnet is not None else None):
        trace.source_ip = DEFAULT_OUTBOUND_IP
        trace.hop(NEXT_HOP, "Internet", "From Azure's default outbound access IP.")
        trace.add(
            "Delivery",
            "Info",
            f"Internet-bound without a public IP: Azure gives {machine} a default outbound access IP, "
            "Microsoft-owned and subject to change.",
            "DOA-01",
            "NSG-05",
            *_own_setting(subnet, topology.era),
        )
    else:
        trace.hop(NEXT_HOP, "Internet", "")
        return trace.block(
            "Delivery",
            f"Internet-bound, but {voice.subnet} is private (no default outbound access){_why_private(subnet, topology.era)} "
            f"and {machine} has no explicit outbound method: no NAT gateway on the subnet, no public IP on "
            f"{machine_nic}, no load balancer outbound rule.",
            f"Add a NAT gateway to {voice.subnet}, a public IP to {machine_nic} or a load balancer outbound rule, "
            "or route 0.0.0.0/0 to a firewall that has one.",
            "DOA-02",
            *_own_setting(subnet, topology.era),
            hop=NEXT_HOP,
        )
    return deliver_public(topology, trace, address, None, voice)


def _own_setting(subnet: Subnet | None, era: str) -> tuple[str, ...]:
    """DOA-03: cited when the subnet's own defaultOutboundAccess decided
    against the era's default. A value equal to the default says what the
    era would (an export of a Current subnet writes it, and its copy must
    trace the same)."""
    return ("DOA-03",) if _own_value_decides(subnet, era) else ()


def _own_value_decides(subnet: Subnet | None, era: str) -> bool:
    if subnet is None or subnet.default_outbound_access is None:
        return False
    return subnet.default_outbound_access != has_default_outbound(era, None)


def _why_private(subnet: Subnet | None, era: str) -> str:
    """What made the subnet private: its "Enable private subnet" setting
    (DOA-03), or the era's default for new virtual networks (DOA-02)."""
    if not _own_value_decides(subnet, era):
        return ": new virtual networks have private subnets"
    return ": 'Enable private subnet' is on"


# A pod receives a packet: the rules of its plugin's delivery.
_POD_DELIVERY_RULES = {KUBENET: ("AKS-01", "AKS-02"), AZURE_CNI: ("AKS-20", "NSG-21"), OVERLAY: ("AKS-30", "AKS-33")}

# An NSG on the cluster's subnet or nodes drops pod to pod traffic: the rule
# that says those NSGs must let it through.
POD_NSG_RULES = {KUBENET: ("AKS-02",), AZURE_CNI: (), OVERLAY: ("AKS-33",)}


def _through_kubenet_node(
    topology: Topology,
    trace: Trace,
    route: r.Route,
    node: AksNode,
    cluster: AksCluster,
    address: IPv4Address,
    source_ip: IPv4Address,
    voice: Voice,
) -> Trace:
    """A kubenet node receives the packet for its /24 as a virtual appliance
    and hands it to the pod: the extra hop of AKS-05."""
    trace.add(
        "Node",
        FORWARDED,
        f"{route_called(route).capitalize()} sends {node.pod_cidr} to node '{node.name}' ({node.nic.ip}) of cluster "
        f"'{cluster.name}', which forwards it to its pod: kubenet's extra hop (pods have no addresses in the "
        "virtual network).",
        "AKS-02",
        "AKS-05",
    )
    trace.hop(NEXT_HOP, f"Virtual appliance {route.next_hop_ip}", f"Node '{node.name}', IP forwarding on.")
    trace.hop(NODE, f"{node.name} {node.nic.ip}", f"Holds {node.pod_cidr} of cluster '{cluster.name}'.")
    return deliver_to_pod(topology, trace, node, address, source_ip, voice)


def deliver_to_pod(
    topology: Topology,
    trace: Trace,
    node: AksNode,
    address: IPv4Address,
    source_ip: IPv4Address,
    voice: Voice,
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
        blocked_rule_ids=POD_NSG_RULES[plugin],
    )


def deliver_by_route(
    topology: Topology,
    trace: Trace,
    route: r.Route,
    address: IPv4Address,
    source_ip: IPv4Address,
    subnet: Subnet,
    voice: Voice,
) -> Trace:
    """Delivery for every next hop but Internet (the source decides how it
    egresses); inside Azure the destination sees ``source_ip``."""
    hop = route.next_hop_type  # never None: pick_route decides that drop (NW-46)
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
        if _internet_bound(topology, address):
            _seen_after_appliance(topology, trace, topology.nic_with(IPv4Address(route.next_hop_ip)), source_ip)
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
        label = NEXT_HOP_LABELS[r.GATEWAY] + (f" {route.next_hop_ip}" if route.next_hop_ip else "")
        trace.hop(NEXT_HOP, label, "To on-premises networks.")
        trace.hop(DESTINATION, str(address), "On-premises, beyond the gateway.")
        return trace
    if hop == r.SERVICE_ENDPOINT:
        trace.hop(NEXT_HOP, f"Service endpoint {route.name}", f"From {source_ip}, a private address (SE-02).")
        return deliver_public(topology, trace, address, subnet.id, voice)
    trace.hop(NEXT_HOP, NEXT_HOP_LABELS.get(hop, hop), f"Inside Azure, from {source_ip}.")
    return deliver_private(topology, trace, address, source_ip, voice)


def _internet_bound(topology: Topology, address: IPv4Address) -> bool:
    """A public address no virtual network holds: the internet (or a PaaS
    service's public endpoint) receives it."""
    return address.is_global and topology.vnet_of_address(address) is None


def _seen_after_appliance(topology: Topology, trace: Trace, appliance: Nic, source_ip: IPv4Address) -> None:
    """ASRT-17: an internet host never sees a private address. A virtual
    appliance that sends the packet on to the internet SNATs it to the
    public IP of its own way out: its subnet's NAT gateway (NAT-07), else
    its NIC's public IP (NSG-05), else default outbound access (DOA-01);
    in a private subnet (DOA-02; the era's default or the subnet's own
    setting, DOA-03) it has no way out at all."""
    appliance_subnet = topology.subnets[appliance.subnet_id]
    nat = appliance_subnet.nat
    where = f"the appliance '{appliance.owner or appliance.name}'"
    if nat is not None and nat.public_ips:
        seen, how, rules = (
            str(nat.public_ips[0]),
            f"the public IP of NAT gateway '{nat.name}' on its subnet",
            ("NAT-07",),
        )
    elif appliance.public_ip is not None:
        seen, how, rules = str(appliance.public_ip), f"the public IP of its NIC '{appliance.name}'", ("NSG-05",)
    elif topology.default_outbound(appliance_subnet):
        seen, how = DEFAULT_OUTBOUND_IP, "Azure's default outbound access IP"
        rules = ("DOA-01", *_own_setting(appliance_subnet, topology.era))
    else:
        trace.source_ip = ""
        trace.add(
            "Delivery",
            "Info",
            f"Internet-bound, but {where} has no public IP and no NAT gateway, and its subnet is private: it has no "
            f"way to the internet. The internet never sees {source_ip}, a private address (ASRT-17).",
            "ASRT-17",
            "DOA-02",
            *_own_setting(appliance_subnet, topology.era),
        )
        return
    trace.source_ip = seen
    trace.add(
        "Delivery",
        "Info",
        f"If {where} sends it on to the internet, it translates the source to {how}: the destination sees "
        f"{seen}, never {source_ip}, a private address (ASRT-17).",
        "ASRT-17",
        *rules,
    )


def _appliance_problem(
    topology: Topology, route: r.Route, subnet: Subnet, address: IPv4Address
) -> tuple[str, str] | None:
    """ROUTE-21: a virtual appliance next hop is a NIC's private IP with IP
    forwarding on (the lab has no internal load balancers), directly
    reachable: in the VNet or a peered VNet, not through a gateway. Otherwise
    the route is invalid and the packet goes nowhere: (detail, fix)."""
    called = route_called(route)
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
    called = route_called(route)
    return (
        f"The next hop of {called} is the virtual network gateway, but {reason}: the route is invalid and the "
        "packet is dropped.",
        f"Create a VPN gateway in '{vnet.name}', or change the next hop of {called}.",
    )


def route_called(route: r.Route) -> str:
    """How a step names a route."""
    return f"route '{route.name}'" if route.name else "the route"


def deliver_private(
    topology: Topology,
    trace: Trace,
    address: IPv4Address,
    source_ip: IPv4Address,
    voice: Voice = APP_VOICE,
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
            return deliver_to_pod(topology, trace, node, address, source_ip, voice, source_ranges)
        return _nobody_answers(topology, trace, address)
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


def _nobody_answers(topology: Topology, trace: Trace, address: IPv4Address) -> Trace:
    """The network delivers the packet (the NSGs allowed it, the route
    carries it into the virtual network: ROUTE-01) but no resource holds
    ``address``: nothing answers, and the connection times out (NW-41:
    Unreachable, with no NSG or route issue). A verdict of its own, so a
    learner can tell a missing host from a network that stops the packet."""
    subnet = topology.subnet_of_address(address)
    vnet = topology.vnets.get(subnet.vnet_id) if subnet else topology.vnet_of_address(address)
    where = f" in subnet '{subnet.name}'" if subnet else ""
    where += f" of '{vnet.name}'" if vnet else ""
    detail = (
        f"The network delivers the packet to {address}{where}: no security rule or route stops it. But no resource "
        f"holds {address}, so nothing answers and the connection times out."
    )
    trace.add(DESTINATION_STEP, NO_ANSWER, detail, "ROUTE-01", "NW-41")
    trace.verdict, trace.deciding_step = NO_ANSWER, DESTINATION_STEP
    trace.fix = f"Check the destination address: no VM, private endpoint or pod has {address}."
    trace.hop(DESTINATION, str(address), "No resource has this address: nothing answers.", HOP_BLOCKED)
    return trace


def _deliver_to_nic(
    topology: Topology,
    trace: Trace,
    nic: Nic,
    address: IPv4Address,
    source_ip: IPv4Address,
    voice: Voice,
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
    tag_rules = tag_rule_ids(verdict.rule) if voice.cite_tags and verdict.rule else ()
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


def deliver_public(
    topology: Topology, trace: Trace, address: IPv4Address, via_service_endpoint: int | None, voice: Voice = APP_VOICE
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
    if target.azure_services and target.default_deny and not _source_allowed(trace.source_ip, target):
        accepted = (
            f"'{target.name}' allows Azure services and resources: {trace.source_ip}, an address of Azure, gets in "
            "on its public endpoint."
        )
        trace.add("Delivery", REACHABLE, accepted, "SQL-01", *voice.public_rules)
        trace.hop(DESTINATION, label, accepted)
        return trace
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


def _source_allowed(source_ip: str, target: Target) -> bool:
    try:
        source = ip_address(source_ip)
    except ValueError:
        return False
    return any(source in net for net in target.ip_rules)
