"""The walk from an App Service app (azure-rules.md §15)."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network

from networking.engine import nsg
from networking.engine import routes as r
from networking.engine.topology import (
    App,
    Peering,
    Topology,
    Vnet,
)
from networking.engine.trace.delivery import (
    NEXT_HOP_LABELS,
    deliver_by_route,
    deliver_private,
    deliver_public,
    leave_through_nat,
)
from networking.engine.trace.result import NEXT_HOP, SOURCE, SUBNET, Trace, new_trace
from networking.engine.trace.steps import (
    APP_VOICE,
    APP_VOICES,
    EPHEMERAL_PORT,
    PLATFORM_ADDRESSES,
    RFC1918,
    answered_by_platform,
    outbound_nsgs,
    pick_route,
    resolve,
    resolver_for,
    subnet_label,
)
from networking.engine.trace.vm import first_usable_address

# ASGW-17: a gateway-required app's packets come from the gateway's P2S pool;
# the lab takes the pool's first host address. A snapshot without the pool
# (a topology built by hand) gets this stand-in pool.
STAND_IN_P2S_POOL = IPv4Network("172.31.255.0/24")


def trace_app(topology: Topology, app: App, destination: str, port: int, protocol: str = "Tcp") -> Trace:
    trace = new_trace(app.name, destination, port, protocol)
    port = trace.port
    trace.hop(SOURCE, app.name, _app_source_detail(topology, app))

    # 1. Name resolution (ASDNS-01, SEED-24, PEDNS-10 to PEDNS-17).
    notes: tuple[tuple[str, str], ...] = ()
    if app.integration_kind == "regional" and topology.era == "classic":
        if app.private_zones:
            notes = (("WEBSITE_DNS_SERVER and route all are set: the app queries the private zones.", "SEED-24"),)
        else:
            notes = (("Without WEBSITE_DNS_SERVER=168.63.129.16 and route all, private zones aren't used.", "SEED-24"),)
    address = resolve(topology, trace, resolver_for(topology, app), APP_VOICE, notes)
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
    trace.hop(SUBNET, subnet_label(subnet), f"Integration subnet of '{vnet.name}'.")
    source_ip = first_usable_address(subnet)
    if address in PLATFORM_ADDRESSES:
        return answered_by_platform(trace, address, source_ip)

    # 3. The integration subnet's outbound NSG (SEED-15, NSG-21; inbound rules never apply).
    flow = nsg.Flow("Outbound", protocol, source_ip, EPHEMERAL_PORT, address, port)
    subnet_nsg = topology.nsgs.get(subnet.nsg_id) if subnet.nsg_id else None
    nsg_rules = ("SEED-15", "SEED-21") if app.route_all and not private else ("SEED-15",)
    if not outbound_nsgs(
        trace,
        flow,
        topology.virtual_network_tag(vnet.id, subnet.id),
        ((subnet_nsg, ""),),
        f"No NSG on subnet '{subnet.name}'.",
        nsg_rules,
        APP_VOICE.cite_tags,
    ):
        return trace

    # 4. Route selection on the integration subnet (ROUTE-30).
    route = pick_route(topology, trace, subnet, address, ("SEED-16", "ROUTE-21"), ("SEED-14",))
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
    if route.next_hop_type == r.INTERNET and subnet.nat is not None:
        return leave_through_nat(
            topology, trace, address, subnet.nat, APP_VOICE, "the app's outbound addresses", "SEED-18"
        )
    if route.next_hop_type == r.INTERNET:
        trace.source_ip = app.outbound_ips[0] if app.outbound_ips else ""
        trace.hop(NEXT_HOP, "Internet", f"From the app's outbound addresses ({trace.source_ip or 'none listed'}).")
        trace.add(
            "Delivery", "Info", "Internet-bound: it leaves from the app's outbound addresses.", "SEED-18", "ASRT-17"
        )
        return deliver_public(topology, trace, address, None, APP_VOICE)
    return deliver_by_route(topology, trace, route, address, source_ip, subnet, APP_VOICE)


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
    return deliver_public(topology, trace, address, None, APP_VOICES[app.integration_kind])


def _gateway_required(topology: Topology, trace: Trace, app: App, vnet: Vnet, address: IPv4Address) -> Trace:
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
    gateway = topology.gateways.get(vnet.id)
    if gateway is not None and gateway.app_problem:
        # ASGW-07 to ASGW-10: the app's SSTP tunnel ends at the gateway's
        # point-to-site configuration; without it nothing carries the packet.
        return trace.block(
            "Enter the virtual network",
            f"The app's point-to-site tunnel into '{vnet.name}' can't connect: {gateway.app_problem} "
            f"on '{gateway.name}'.",
            f"Configure point-to-site on '{gateway.name}': an RFC 1918 address pool and the SSTP tunnel type.",
            "SEED-11",
            "ASGW-07",
            "ASGW-09",
            "ASGW-10",
            hop=SOURCE,
        )
    across = f", then across the peering to '{peer[1].name}' (gateway transit)" if peer else ""
    trace.add(
        "Enter the virtual network",
        "Yes",
        f"Through the point-to-site tunnel into '{vnet.name}'{across}.",
        "SEED-03",
        "ASGW-17",
        *(("ASGW-18", "ASGW-15") if peer else ()),
    )
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
    voice = APP_VOICES["gateway"]
    return deliver_private(topology, trace, address, source_ip, voice, () if pool else (STAND_IN_P2S_POOL,))


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
