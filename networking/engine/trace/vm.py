"""The walk from a VM: one of its NICs, or a VM at a subnet's first usable address."""

from __future__ import annotations

from ipaddress import IPv4Address

from networking.engine import nsg
from networking.engine import routes as r
from networking.engine.topology import (
    Nic,
    OutboundRule,
    Subnet,
    Topology,
)
from networking.engine.trace.delivery import deliver_by_route, leave_for_internet
from networking.engine.trace.result import SOURCE, SUBNET, Trace, new_trace
from networking.engine.trace.steps import (
    EPHEMERAL_PORT,
    PLATFORM_ADDRESSES,
    answered_by_platform,
    outbound_nsgs,
    pick_route,
    resolve,
    resolver_for_vnet,
    subnet_label,
    vm_voice,
)


def first_usable_address(subnet: Subnet) -> IPv4Address:
    """SUBNET-01: the first four addresses are Azure's, so .4 is the first a VM gets."""
    return IPv4Address(int(subnet.prefix.network_address) + 4)


def trace_nic(topology: Topology, nic: Nic, destination: str, port: int, protocol: str = "Tcp") -> Trace:
    """A VM's outbound connection from one of its NICs, as Connection
    troubleshoot checks it (NW-40, NW-42): TCP, UDP or ICMP."""
    trace = new_trace(nic.owner or nic.name, destination, port, protocol)
    public = f", public IP {nic.public_ip}" if nic.public_ip else ""
    trace.hop(SOURCE, nic.owner or nic.name, f"NIC '{nic.name}' with {nic.ip}{public}.")
    subnet = topology.subnets[nic.subnet_id]
    nic_nsg = topology.nsgs.get(nic.nsg_id) if nic.nsg_id else None
    return _trace_vm(
        topology, trace, subnet, nic.ip, nic.public_ip, (nic_nsg, f" on NIC '{nic.name}'"), nic.outbound_rule
    )


def trace_subnet(topology: Topology, subnet: Subnet, destination: str, port: int, protocol: str = "Tcp") -> Trace:
    """The outbound connection of a VM in ``subnet`` at its first usable
    address (SUBNET-01), with no NIC NSG and no public IP: what the subnet's
    own NSG, routes and DNS allow."""
    vnet = topology.vnets[subnet.vnet_id]
    trace = new_trace(f"{vnet.name}/{subnet.name}", destination, port, protocol)
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
    outbound_rule: OutboundRule | None = None,
) -> Trace:
    vnet = topology.vnets[subnet.vnet_id]
    voice = vm_voice(subnet)

    # 1. Name resolution: the VNet's DNS (VNET-07, PEDNS-16, PEDNS-17).
    address = resolve(topology, trace, resolver_for_vnet(topology, vnet), voice)
    if address is None:
        return trace
    trace.hop(SUBNET, subnet_label(subnet), f"Virtual network '{vnet.name}'.")

    if address in PLATFORM_ADDRESSES:
        return answered_by_platform(trace, address, private_ip)

    # 2. Outbound NSGs: the NIC's, then the subnet's; either can deny (NSG-21).
    flow = nsg.Flow("Outbound", trace.protocol, private_ip, 0 if trace.is_icmp else EPHEMERAL_PORT, address, trace.port)
    subnet_nsg = topology.nsgs.get(subnet.nsg_id) if subnet.nsg_id else None
    on_nic = "the NIC or on " if nic_layer[1] else ""
    if not outbound_nsgs(
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
    route = pick_route(topology, trace, subnet, address, ("ROUTE-21",), ("VNET-10",), ("VNET-09",))
    if route is None:
        return trace

    # 4. Delivery and the source address the destination sees.
    if route.next_hop_type != r.INTERNET:
        return deliver_by_route(topology, trace, route, address, private_ip, subnet, voice)
    return leave_for_internet(topology, trace, address, public_ip, voice, subnet=subnet, outbound_rule=outbound_rule)
