"""Lookup tables of one topology snapshot, built once (pure: no Django).

A Topology is frozen, so what is derived from it can be kept for its
lifetime: addresses to VNets, subnets, NICs, private endpoints and
services; each VNet's connected peerings, linked zones and private endpoint
/32s; and, filled as they are asked for, each subnet's routing inputs and
the VirtualNetwork tag of each VNet and subnet. Every table answers exactly
what the plain scan over the snapshot's tuples answers, first match in the
snapshot's order included.
"""

from __future__ import annotations

import threading
import weakref
from functools import cached_property
from ipaddress import IPv4Network
from typing import TYPE_CHECKING, Any

from networking.engine import dns

# SUBNET-21: the privateEndpointNetworkPolicies values that enable route tables.
PE_ROUTE_TABLE_POLICIES = frozenset({"RouteTableEnabled", "Enabled"})

if TYPE_CHECKING:
    from networking.engine.topology import Topology


def _mask(length: int) -> int:
    return (0xFFFFFFFF << (32 - length)) & 0xFFFFFFFF


class FirstContaining:
    """IPv4 prefixes -> values; ``get`` answers the value of the earliest
    added prefix that contains the address (not the longest), as a scan in
    insertion order would. One dict per prefix length."""

    __slots__ = ("_by_length", "levels")

    def __init__(self) -> None:
        self._by_length: dict[int, dict[int, tuple[int, Any]]] = {}
        self.levels: tuple[tuple[int, dict[int, tuple[int, Any]]], ...] = ()

    def add(self, network: IPv4Network, value: Any, order: int) -> None:
        if network.version != 4:
            return
        table = self._by_length.setdefault(network.prefixlen, {})
        key = int(network.network_address)
        if key not in table or table[key][0] > order:
            table[key] = (order, value)

    def freeze(self) -> FirstContaining:
        self.levels = tuple((_mask(length), table) for length, table in sorted(self._by_length.items()))
        return self

    def get(self, address: int) -> Any:
        best = None
        for mask, table in self.levels:
            hit = table.get(address & mask)
            if hit is not None and (best is None or hit[0] < best[0]):
                best = hit
        return None if best is None else best[1]


def _vnet_table(vnets: dict) -> FirstContaining:
    table = FirstContaining()
    for order, vnet in enumerate(vnets.values()):
        for space in vnet.space:
            table.add(space, vnet, order)
    return table.freeze()


def _subnet_table(subnets: dict) -> FirstContaining:
    table = FirstContaining()
    for order, subnet in enumerate(subnets.values()):
        table.add(subnet.prefix, subnet, order)
    return table.freeze()


# A rebuilt snapshot may hold the very ``vnets`` and ``subnets`` dicts of the
# one before it (networking/snapshot.py keeps what unchanged rows made), and
# a snapshot's dicts are never changed: their address tables are then the
# same as well. Kept by the dict's identity, with the dict itself, so an id
# is never taken for another dict's; the last few only.
_TABLES_KEPT = 256
_tables: dict[int, tuple[dict, FirstContaining]] = {}
_tables_lock = threading.Lock()


def _address_table(source: dict, make) -> FirstContaining:
    kept = _tables.get(id(source))
    if kept is not None and kept[0] is source:
        return kept[1]
    table = make(source)
    with _tables_lock:
        _tables[id(source)] = (source, table)
        while len(_tables) > _TABLES_KEPT:
            del _tables[next(iter(_tables))]
    return table


class TopologyIndex:
    """The tables of one Topology (``Topology.index``)."""

    @property
    def topology(self) -> Topology:
        return self._topology()

    def __init__(self, topology: Topology) -> None:
        # Weakly: the topology keeps its index (a cached property), and a
        # cycle between the two would leave every replaced snapshot, tens of
        # thousands of objects at 100 times the seed's size, to the cyclic
        # garbage collector's full passes instead of freeing it at once.
        self._topology = weakref.ref(topology)
        self.vnet_by_address = _address_table(topology.vnets, _vnet_table)
        self.subnet_by_address = _address_table(topology.subnets, _subnet_table)

        self.nic_by_ip: dict = {}
        for nic in topology.nics:
            self.nic_by_ip.setdefault(nic.ip, nic)
        self.endpoint_by_ip: dict = {}
        for pe in topology.private_endpoints:
            self.endpoint_by_ip.setdefault(pe.ip, pe)
        self.target_by_host: dict = {}
        self.target_by_ip: dict = {}
        for target in topology.targets:
            self.target_by_host.setdefault(target.host, target)
            self.target_by_ip.setdefault(target.public_ip, target)

        self.connected_peerings: dict[int, list] = {}
        for peering in topology.peerings:
            if peering.state == "Connected" and peering.allow_access:
                self.connected_peerings.setdefault(peering.vnet_id, []).append(peering)
        self.linked_zones: dict[int, list] = {}
        for zone in topology.zones:
            for linked_vnet, fallback in zone.links:
                self.linked_zones.setdefault(linked_vnet, []).append((zone, fallback))
        # Private endpoint /32s by the VNet of their subnet, with their place
        # in the snapshot so a merge keeps the snapshot's order, and whether
        # their subnet's policy enables route tables (ROUTE-08, SUBNET-21).
        self.endpoint_networks: dict[int, list[tuple[int, IPv4Network, bool]]] = {}
        for order, pe in enumerate(topology.private_endpoints):
            subnet = topology.subnets.get(pe.subnet_id)
            if subnet:
                self.endpoint_networks.setdefault(subnet.vnet_id, []).append(
                    (order, IPv4Network(f"{pe.ip}/32"), subnet.pe_policies in PE_ROUTE_TABLE_POLICIES)
                )

        # AKS: nodes by their NIC's address and by cluster, Azure CNI pod
        # addresses by the node that holds them.
        self.aks_node_by_ip: dict = {}
        self.aks_nodes_by_cluster: dict[int, list] = {}
        self.cni_pod_node: dict = {}
        for node in topology.aks_nodes:
            self.aks_node_by_ip.setdefault(node.nic.ip, node)
            self.aks_nodes_by_cluster.setdefault(node.cluster_id, []).append(node)
            for ip in node.pod_ips:
                self.cni_pod_node.setdefault(ip, node)

        # Filled on first use.
        self.routing: dict[int, tuple] = {}  # subnet id -> (subnet, SubnetRouting)
        self.vnet_tags: dict[int, tuple[IPv4Network, ...]] = {}
        self.subnet_tags: dict[int, tuple[IPv4Network, ...]] = {}
        self.dns_zones: dict[int, tuple[dns.Zone, ...]] = {}

    @cached_property
    def public_dns(self) -> dict[str, tuple[str, str]]:
        """Topology.public_dns(), computed once; callers must not change it."""
        return self.topology._compute_public_dns()

    def zones_for(self, vnet_id: int) -> tuple[dns.Zone, ...]:
        """The private zones linked to a VNet, as the resolver takes them."""
        zones = self.dns_zones.get(vnet_id)
        if zones is None:
            zones = tuple(dns.Zone(z.name, z.records, fallback) for z, fallback in self.linked_zones.get(vnet_id, ()))
            self.dns_zones[vnet_id] = zones
        return zones

    def prepare(self) -> TopologyIndex:
        """Compute every subnet's routing, compiled route table and
        VirtualNetwork tag now rather than on first use (for a snapshot that
        answers many queries)."""
        for subnet in self.topology.subnets.values():
            if subnet.vnet_id in self.topology.vnets:
                routing = self.topology.routing_for(subnet)
                routing._lookup  # noqa: B018 -- compiles the table
                self.topology.virtual_network_tag(subnet.vnet_id, subnet.id)
        for vnet_id in self.topology.vnets:
            self.topology.virtual_network_tag(vnet_id)
            self.zones_for(vnet_id)
        self.public_dns  # noqa: B018
        return self
