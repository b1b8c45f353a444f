"""Where does an app's outbound packet go? (pure: no Django)

The steps follow azure-rules.md §15: resolve the name, decide whether the
packet enters the VNet, apply the integration subnet's outbound NSG, pick a
route, deliver (or drop) and say which source address the destination sees.
Each step records the rules behind it; a blocked trace names the step and a
fix.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Address, ip_address

from networking.engine import dns, nsg
from networking.engine import routes as r
from networking.engine.topology import App, Topology

RFC1918 = nsg.PRIVATE[:3]
REACHABLE, BLOCKED, FORWARDED = "Reachable", "Blocked", "Forwarded"


@dataclass(frozen=True)
class Step:
    name: str
    outcome: str
    detail: str
    rule_ids: tuple[str, ...] = ()


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

    def add(self, name: str, outcome: str, detail: str, *rule_ids: str) -> None:
        self.steps.append(Step(name, outcome, detail, tuple(rule_ids)))

    def block(self, name: str, detail: str, fix: str, *rule_ids: str) -> Trace:
        self.add(name, BLOCKED, detail, *rule_ids)
        self.verdict, self.deciding_step, self.fix = BLOCKED, name, fix
        return self

    @property
    def rule_ids(self) -> tuple[str, ...]:
        seen: list[str] = []
        for step in self.steps:
            seen.extend(i for i in step.rule_ids if i not in seen)
        return tuple(seen)

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
        }


def resolver_for(topology: Topology, app: App) -> dns.Resolver:
    """The DNS an app asks: WEBSITE_DNS_SERVER, else the VNet's custom DNS,
    else Azure DNS with the private zones linked to its VNet (regional only)."""
    vnet = topology.vnets.get(app.vnet_id) if app.vnet_id else None
    if app.dns_servers:
        servers = app.dns_servers
    elif vnet and vnet.dns_servers:
        servers = vnet.dns_servers
    else:
        servers = (dns.AZURE_DNS,)
    zones: tuple[dns.Zone, ...] = ()
    if vnet is not None and app.integration_kind == "regional":
        zones = topology.index.zones_for(vnet.id)
    return dns.Resolver(servers=servers, linked_zones=zones, private_zones=app.private_zones)


def trace_app(topology: Topology, app: App, destination: str, port: int, protocol: str = "Tcp") -> Trace:
    trace = Trace(source=app.name, destination=destination, port=port, protocol=protocol)

    # 1. Name resolution (ASDNS-01, SEED-24, PEDNS-10 to PEDNS-17).
    try:
        address = ip_address(destination)
        trace.add("Name resolution", "Skipped", f"{destination} is an IP address.")
    except ValueError:
        if app.integration_kind == "regional" and topology.era == "classic":
            if app.private_zones:
                trace.add(
                    "Name resolution",
                    "Info",
                    "WEBSITE_DNS_SERVER and route all are set: the app queries the private zones.",
                    "SEED-24",
                )
            else:
                trace.add(
                    "Name resolution",
                    "Info",
                    "Without WEBSITE_DNS_SERVER=168.63.129.16 and route all, private zones aren't used.",
                    "SEED-24",
                )
        answer = dns.resolve(destination, resolver_for(topology, app), topology.index.public_dns)
        for step in answer.steps:
            trace.add("Name resolution", "Info", step.text, *step.rule_ids)
        if answer.nxdomain:
            fix = "Add the record to the private DNS zone, or link the zone to the app's virtual network."
            return trace.block("Name resolution", f"'{destination}' doesn't resolve.", fix, "PEDNS-13")
        address = ip_address(answer.address)
        trace.add("Name resolution", "Resolved", f"'{destination}' resolves to {address}.")
    trace.destination_ip = str(address)
    if not isinstance(address, IPv4Address):
        return trace.block(
            "Name resolution", f"{address} is IPv6, which the lab doesn't trace.", "Use an IPv4 address."
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
            )
        trace.add(
            "Enter the virtual network",
            "No",
            "The app isn't integrated: the packet leaves from its outbound addresses.",
            "ASRT-01",
        )
        trace.source_ip = app.outbound_ips[0] if app.outbound_ips else ""
        return _deliver_public(topology, trace, address, via_service_endpoint=None)

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
        trace.source_ip = app.outbound_ips[0] if app.outbound_ips else ""
        return _deliver_public(topology, trace, address, via_service_endpoint=None)

    # 3. The integration subnet's outbound NSG (SEED-15, NSG-21; inbound rules never apply).
    source_ip = IPv4Address(int(subnet.prefix.network_address) + 4)
    flow = nsg.Flow("Outbound", protocol, source_ip, 49152, address, port)
    subnet_nsg = topology.nsgs.get(subnet.nsg_id) if subnet.nsg_id else None
    verdict, _ = nsg.evaluate(flow, topology.virtual_network_tag(vnet.id), subnet_nsg=subnet_nsg)
    nsg_rules = ("SEED-15", "SEED-21") if app.route_all and not private else ("SEED-15",)
    if subnet_nsg is None:
        trace.add("Network security group", "Allowed", f"No NSG on subnet '{subnet.name}'.", "NSG-21")
    elif not verdict.allowed:
        return trace.block(
            "Network security group",
            f"Rule '{verdict.rule.name}' (priority {verdict.rule.priority}) of '{subnet_nsg.name}' denies it.",
            f"Allow the flow in '{subnet_nsg.name}' with a rule of a lower priority number.",
            *nsg_rules,
            *verdict.rule_ids,
        )
    else:
        trace.add(
            "Network security group",
            "Allowed",
            f"Rule '{verdict.rule.name}' (priority {verdict.rule.priority}) of '{subnet_nsg.name}' allows it.",
            *nsg_rules,
            *verdict.rule_ids,
        )

    # 4. Route selection on the integration subnet (ROUTE-30).
    decision = r.select_route(topology.routing_for(subnet), address)
    route = decision.route
    if route is None:
        return trace.block("Route", "No route matches.", "Add a route.", "ROUTE-30")
    label = f"{route.prefix} -> {route.next_hop_type}" + (f" {route.next_hop_ip}" if route.next_hop_ip else "")
    route_rules = list(decision.rule_ids)
    if route.source == r.USER:
        route_rules += ["SEED-16", "ROUTE-21"] + (["ROUTE-31"] if route.prefix.prefixlen == 0 else [])
    if route.next_hop_type in (r.PEERING, r.GLOBAL_PEERING):
        route_rules.append("SEED-14")
    trace.add(
        "Route",
        "Selected",
        f"{label} ({route.source}{', ' + route.name if route.name else ''}): {decision.note}.",
        *route_rules,
    )

    # 5. Delivery and the source address the destination sees (ASRT-16, ASRT-17, SE-02).
    hop = route.next_hop_type
    if hop == r.NONE:
        return trace.block(
            "Delivery",
            f"The route's next hop is None: the packet to {address} is dropped.",
            "Peer or connect the network that holds this address, or change the route.",
            "ROUTE-02",
            "ROUTE-05",
        )
    if hop == r.VIRTUAL_APPLIANCE:
        trace.source_ip = str(source_ip)
        trace.add(
            "Delivery",
            FORWARDED,
            f"Sent to the virtual appliance {route.next_hop_ip}; what it does next is up to it.",
            "ROUTE-21",
            "SEED-16",
        )
        trace.verdict, trace.deciding_step = FORWARDED, "Delivery"
        return trace
    if hop == r.GATEWAY:
        trace.source_ip = str(source_ip)
        trace.add(
            "Delivery",
            REACHABLE,
            f"Sent through the virtual network gateway to {address} on-premises.",
            "SEED-14",
            "SEED-23",
        )
        return trace
    if hop == r.INTERNET:
        trace.source_ip = app.outbound_ips[0] if app.outbound_ips else ""
        trace.add(
            "Delivery", "Info", "Internet-bound: it leaves from the app's outbound addresses.", "SEED-18", "ASRT-17"
        )
        return _deliver_public(topology, trace, address, via_service_endpoint=None)
    if hop == r.SERVICE_ENDPOINT:
        trace.source_ip = str(source_ip)
        return _deliver_public(topology, trace, address, via_service_endpoint=subnet.id)
    trace.source_ip = str(source_ip)
    return _deliver_private(topology, trace, address, source_ip)


def _gateway_required(topology: Topology, trace: Trace, app: App, vnet, address: IPv4Address) -> Trace:
    reachable = list(vnet.space)
    for peering in topology.connected_peerings(vnet.id):
        remote = topology.vnets.get(peering.remote_vnet_id)
        if remote:
            reachable.extend(remote.space)
    if not any(address in net for net in reachable):
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
            )
        trace.source_ip = app.outbound_ips[0] if app.outbound_ips else ""
        return _deliver_public(topology, trace, address, via_service_endpoint=None)
    trace.add(
        "Enter the virtual network",
        "Yes",
        f"Through the point-to-site tunnel into '{vnet.name}'.",
        "SEED-03",
        "ASGW-17",
    )
    trace.source_ip = "point-to-site pool address"
    return _deliver_private(topology, trace, address, None)


def _deliver_private(topology: Topology, trace: Trace, address: IPv4Address, source_ip) -> Trace:
    endpoint = topology.endpoint_with(address)
    if endpoint is not None:
        if not endpoint.approved:
            return trace.block(
                "Delivery",
                f"Private endpoint '{endpoint.name}' isn't approved.",
                "Approve the connection on the target's Private endpoint connections page.",
                "PEDNS-31",
            )
        trace.add(
            "Delivery",
            REACHABLE,
            f"Private endpoint '{endpoint.name}' for {endpoint.target_host} answers.",
            "ASVI-02",
            "ROUTE-08",
        )
        return trace
    nic = topology.nic_with(address)
    if nic is None:
        trace.add(
            "Delivery",
            "Info",
            f"No resource has {address}; the packet reaches the subnet but nobody answers.",
            "ROUTE-01",
        )
        trace.verdict, trace.deciding_step = BLOCKED, "Delivery"
        trace.fix = "Check the destination address."
        return trace
    subnet = topology.subnets.get(nic.subnet_id)
    vnet_tag = topology.virtual_network_tag(subnet.vnet_id) if subnet else ()
    flow = nsg.Flow("Inbound", trace.protocol, source_ip or IPv4Address("10.255.255.254"), 49152, address, trace.port)
    verdict, _ = nsg.evaluate(
        flow,
        vnet_tag,
        nic_nsg=topology.nsgs.get(nic.nsg_id) if nic.nsg_id else None,
        subnet_nsg=topology.nsgs.get(subnet.nsg_id) if subnet and subnet.nsg_id else None,
    )
    if not verdict.allowed:
        return trace.block(
            "Delivery",
            f"The destination's inbound rule '{verdict.rule.name}' of '{verdict.nsg.name}' denies it.",
            f"Allow the flow in '{verdict.nsg.name}'.",
            "NSG-21",
            *verdict.rule_ids,
        )
    owner = f" ({nic.owner})" if nic.owner else ""
    trace.add(
        "Delivery",
        REACHABLE,
        f"'{nic.name}'{owner} receives it from {trace.source_ip or source_ip}.",
        "ASRT-16",
        "NSG-21",
    )
    return trace


def _deliver_public(topology: Topology, trace: Trace, address: IPv4Address, via_service_endpoint: int | None) -> Trace:
    target = topology.target_by_ip(address)
    if target is None:
        trace.add("Delivery", REACHABLE, f"{address} is on the internet; the packet leaves Azure.", "ROUTE-01")
        return trace
    if not target.public_network_access:
        return trace.block(
            "Delivery",
            f"'{target.name}' has public network access disabled.",
            f"Reach it through a private endpoint, or enable public access on '{target.name}'.",
            "PEDNS-12",
            "SE-01",
        )
    if via_service_endpoint is not None:
        if via_service_endpoint in target.vnet_rule_subnets or not target.default_deny:
            trace.add(
                "Delivery",
                REACHABLE,
                f"'{target.name}' accepts the integration subnet through its service endpoint.",
                "SE-02",
                "SEED-20",
            )
            return trace
        return trace.block(
            "Delivery",
            f"'{target.name}' doesn't list the integration subnet in its virtual network rules.",
            f"Add the integration subnet to '{target.name}''s virtual network rules.",
            "SEED-20",
            "SE-01",
        )
    if target.default_deny and not _source_allowed(trace.source_ip, target):
        return trace.block(
            "Delivery",
            f"'{target.name}' allows only selected networks, and the source {trace.source_ip} isn't one of them.",
            "Add a service endpoint and a virtual network rule for the integration subnet, or a private endpoint.",
            "SE-01",
            "SE-02",
        )
    trace.add(
        "Delivery", REACHABLE, f"'{target.name}' accepts it on its public endpoint from {trace.source_ip}.", "ASRT-17"
    )
    return trace


def _source_allowed(source_ip: str, target) -> bool:
    try:
        source = ip_address(source_ip)
    except ValueError:
        return False
    return any(source in net for net in target.ip_rules)
