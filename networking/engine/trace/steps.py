"""The steps every source shares before delivery: name resolution, the
outbound NSGs, the route; and the words each source uses for them."""

from __future__ import annotations

from dataclasses import dataclass, replace
from ipaddress import IPv4Address, IPv4Network, ip_address

from networking.engine import dns, nsg, servicetags
from networking.engine import routes as r
from networking.engine.topology import (
    App,
    Subnet,
    Topology,
    Vnet,
)
from networking.engine.trace.result import DESTINATION, NSG, REACHABLE, ROUTE, SOURCE, Trace

RFC1918 = nsg.PRIVATE[:3]

EPHEMERAL_PORT = 49152

# NSG-23: platform traffic (DNS, DHCP, health probes, IMDS) that bypasses NSGs.
PLATFORM_ADDRESSES = (IPv4Address(dns.AZURE_DNS), IPv4Address("169.254.169.254"))

# NSG-30 to NSG-34: the rule behind each service tag a security rule names.
TAG_RULES = {"VirtualNetwork": "NSG-30", "Internet": "NSG-31", "AzureLoadBalancer": "NSG-32", "AzureCloud": "NSG-33"}


@dataclass(frozen=True)
class Voice:
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


APP_VOICE = Voice(
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
APP_VOICES = {
    "regional": replace(
        APP_VOICE,
        unroutable_fix="Set WEBSITE_VNET_ROUTE_ALL=1 (Route All) so that every outbound packet enters the "
        "virtual network.",
        unroutable_rules=("ASRT-01", "SEED-17", "VNET-01"),
    ),
    "gateway": replace(
        APP_VOICE,
        nic_rules=("ASGW-17", "NSG-21"),
        unroutable_fix="Add the range under the plan's VNet integration routes.",
        unroutable_rules=("SEED-07", "ASGW-15"),
    ),
    None: replace(
        APP_VOICE,
        unroutable_fix="Integrate the app with a virtual network that reaches this address.",
        unroutable_rules=("SEED-08", "ASRT-01"),
    ),
}


def vm_voice(subnet: Subnet) -> Voice:
    return Voice(
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


def subnet_label(subnet: Subnet) -> str:
    return f"{subnet.name} {subnet.prefix}"


def answered_by_platform(trace: Trace, address: IPv4Address, source_ip: IPv4Address) -> Trace:
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


def resolve(
    topology: Topology,
    trace: Trace,
    resolver: dns.Resolver,
    voice: Voice,
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


def outbound_nsgs(
    trace: Trace,
    flow: nsg.Flow,
    virtual_network: tuple[IPv4Network, ...],
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
        cited = (*rule_ids, *verdict.rule_ids, *(tag_rule_ids(rule) if cite_tags else ()))
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


def tag_rule_ids(rule: nsg.Rule) -> tuple[str, ...]:
    """The service tag rules (NSG-30 to NSG-34) behind a security rule's
    sources and destinations."""
    ids: list[str] = []
    for spec in (*rule.sources, *rule.destinations):
        base = spec.strip().split(".", 1)[0]
        rule_id = TAG_RULES.get(base) or ("NSG-34" if base in servicetags.SERVICE_TAGS else None)
        if rule_id and rule_id not in ids:
            ids.append(rule_id)
    return tuple(ids)


def _dropped_by_route(
    trace: Trace, route: r.Route, address: IPv4Address, label: str, selected: str, rule_ids: tuple[str, ...]
) -> None:
    """NW-46: a route whose next hop is None drops the packet (ROUTE-02), so
    the route decides, as Connection troubleshoot's UserDefinedRoute issue
    says, whether a user-defined route or a system one (ROUTE-05: the
    reserved ranges nothing in the VNet covers) chose None."""
    if route.source == r.USER:
        fix = f"Change the next hop of route '{route.name}', or remove it, if {address} should be reachable."
        why = ("ROUTE-02", "ROUTE-21", "NW-46")
    else:
        fix = "Peer or connect the network that holds this address, or add a route for it."
        why = ("ROUTE-02", "ROUTE-05", "NW-46")
    trace.block(
        "Route",
        f"{label} ({selected}). Its next hop is None: the packet to {address} is dropped here (NW-46).",
        fix,
        *rule_ids,
        *why,
        hop=ROUTE,
        label=label,
    )


def pick_route(
    topology: Topology,
    trace: Trace,
    subnet: Subnet,
    address: IPv4Address,
    user_rules: tuple[str, ...],
    peering_rules: tuple[str, ...],
    extra_rules: tuple[str, ...] = (),
    keep_none: bool = False,
) -> r.Route | None:
    """The subnet's route to ``address`` (ROUTE-30), as a step and a hop;
    None when no route matches, or the route's next hop is None (NW-46), and
    the trace is blocked. With ``keep_none`` a None route is returned for
    the caller to block at the Route step with a fix of its own."""
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
    if route.next_hop_type == r.NONE and not keep_none:
        _dropped_by_route(trace, route, address, label, f"{origin}: {decision.note}", (*route_rules, *extra_rules))
        return None
    trace.add("Route", "Selected", f"{label} ({origin}): {decision.note}.", *route_rules, *extra_rules)
    trace.hop(ROUTE, label, f"{origin}: {decision.note}.")
    return route
