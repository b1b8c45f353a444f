"""The walk from an AKS pod, out through its node's NIC (azure-rules.md §12)."""

from __future__ import annotations

from dataclasses import replace
from ipaddress import IPv4Address

from networking.engine import nsg
from networking.engine import routes as r
from networking.engine.topology import (
    AZURE_CNI,
    KUBENET,
    OVERLAY,
    AksCluster,
    AksNode,
    Pod,
    Subnet,
    Topology,
    Vnet,
)
from networking.engine.trace.delivery import (
    NEXT_HOP_LABELS,
    POD_NSG_RULES,
    deliver_by_route,
    deliver_to_pod,
    leave_for_internet,
    route_called,
)
from networking.engine.trace.result import (
    DESTINATION,
    NEXT_HOP,
    NODE,
    REACHABLE,
    ROUTE,
    SOURCE,
    SUBNET,
    Trace,
    new_trace,
)
from networking.engine.trace.steps import (
    EPHEMERAL_PORT,
    PLATFORM_ADDRESSES,
    RFC1918,
    Voice,
    answered_by_platform,
    outbound_nsgs,
    pick_route,
    resolve,
    resolver_for_vnet,
    subnet_label,
    vm_voice,
)

# The rule behind the address a pod's packet carries, by network plugin.
_POD_RULES = {KUBENET: ("AKS-01",), AZURE_CNI: ("AKS-20",), OVERLAY: ("AKS-30",)}


def _pod_voice(subnet: Subnet) -> Voice:
    return replace(vm_voice(subnet), owner="pod")


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
    - On the Internet route, the node follows a VM's outbound rules: the
      subnet's NAT gateway (NAT-07), its public IP (NSG-05), the cluster's
      load balancer's outbound rule (LB-01, LB-02), else the era's default
      outbound access (DOA-01, DOA-02).
    """
    trace = new_trace(pod.label, destination, port, protocol)
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
    address = resolve(topology, trace, resolver_for_vnet(topology, vnet), voice)
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
    trace.hop(SUBNET, subnet_label(subnet), f"The cluster subnet, in virtual network '{vnet.name}'.")
    if address in PLATFORM_ADDRESSES:
        return answered_by_platform(trace, address, source_ip)

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
    if not outbound_nsgs(
        trace,
        flow,
        tag,
        ((nic_nsg, f" on NIC '{pod.nic.name}'"), (subnet_nsg, f" on subnet '{subnet.name}'")),
        f"No NSG on the node's NIC or on subnet '{subnet.name}': everything is allowed.",
        ("NSG-21", *(POD_NSG_RULES[pod.plugin] if in_cluster else ())),
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
        return deliver_to_pod(topology, trace, peer, address, source_ip, voice, pod_ranges)
    # A kubenet pod on another node needs that node's route: the fix for a
    # None route (or any other) names it.
    kubenet_peer = in_cluster and pod.plugin == KUBENET
    route = pick_route(
        topology, trace, subnet, address, ("ROUTE-21",), ("VNET-10",), ("VNET-09",), keep_none=kubenet_peer
    )
    if route is None:
        return trace
    if kubenet_peer and not _routes_to(route, peer.nic.ip):
        return _missing_pod_route(topology, trace, route, subnet, cluster, peer, address)

    # 5. Delivery and the source address the destination sees.
    if route.next_hop_type != r.INTERNET:
        return deliver_by_route(topology, trace, route, address, source_ip, subnet, voice)
    return leave_for_internet(
        topology,
        trace,
        address,
        pod.nic.public_ip,
        voice,
        machine=f"node '{pod.node}'",
        machine_nic=f"the node's NIC '{pod.nic.name}'",
        subnet=subnet,
        outbound_rule=pod.nic.outbound_rule,
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
    called = route_called(route)
    detail = (
        f"{address} is a pod of node '{node.name}' ({node.pod_cidr}), but {called} ({route.prefix} -> "
        f"{route.next_hop_type}) doesn't lead to that node: kubenet reaches pods on other nodes only through a "
        "route per node."
    )
    return trace.block("Route", detail, fix, "AKS-02", "ROUTE-30", hop=ROUTE)
