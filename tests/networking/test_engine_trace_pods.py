"""An AKS pod as the source of a trace (networking/engine/trace/:
trace_pod), on clusters made by aks.services.create_cluster and read back by
networking/snapshot.py.

Each lab is a VNet 10.50.0.0/16 with the cluster's subnet (three nodes), a VM
in vm-subnet and a SQL private endpoint in pe-subnet. A table case names the
plugin, the era, what is changed before the trace, the destination, and what
the trace must answer: verdict, deciding step, the source address the
destination sees and the rule IDs behind it. Kubenet pod to pod across nodes
must show the extra hop through the destination's node (AKS-05); Azure CNI
and Overlay must not.
"""

from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aks import services as aks_services
from aks.models import ClusterNode, ManagedCluster
from networking import models as m
from networking import snapshot
from networking.engine.topology import Pod
from networking.engine.trace import (
    BLOCKED,
    DESTINATION,
    HOP_BLOCKED,
    HOP_KINDS,
    NODE,
    REACHABLE,
    ROUTE,
    SOURCE,
    trace_nic,
    trace_pod,
)
from networking.services import compute as compute_services
from networking.services import nat as nat_services
from networking.services import nsgs, routes
from networking.services import paas as paas_services
from portal import services as portal_services
from tests.helpers.aks import aks_subnets, finish_operations, group, spec
from tests.helpers.nsgs import make_nsg, rule_form

pytestmark = pytest.mark.django_db

CLASSIC, CURRENT = "classic", "current"
KUBENET, CNI, OVERLAY = "kubenet", "azure", "overlay"
SUBNETS = (("aks-subnet", "10.50.0.0/21"), ("vm-subnet", "10.50.8.0/24"), ("pe-subnet", "10.50.9.0/24"))
DOA_IP = "default outbound access IP"


@dataclass
class Lab:
    client: object
    cluster: ManagedCluster
    nodes: list[ClusterNode]
    subnets: dict
    vm_ip: str
    pe_ip: str

    @property
    def pod_range(self) -> str:
        """Where the cluster's pods live: its pod CIDR, or (Azure CNI) its subnet."""
        return self.cluster.pod_cidr or self.subnets["aks-subnet"].address_prefix

    def pod_ip(self, node: int, nth: int = 0) -> str:
        """The nth pod of node ``node``: .4 onwards of its /24, or its nth reserved address."""
        found = self.nodes[node]
        if found.pod_cidr:
            return str(IPv4Network(found.pod_cidr).network_address + 4 + nth)
        return sorted(found.pod_ips.values_list("ip", flat=True), key=IPv4Address)[nth]

    def pod(self, topology, node: int = 0, nth: int = 0) -> Pod:
        return snapshot.pod_source(topology, f"{self.cluster.name}/{self.nodes[node].name}/{self.pod_ip(node, nth)}")

    def node_ip(self, node: int) -> str:
        return self.nodes[node].nic.private_ip


def build(client, plugin: str, era: str = CLASSIC) -> Lab:
    """The lab; Overlay is offered in the Current era only (AKS-30), so the
    era is set after the cluster is made."""
    portal_services.set_era(client.sandbox, CURRENT if plugin == OVERLAY else CLASSIC)
    subnets = aks_subnets(client, subnets=SUBNETS)
    rg = group(client)
    cluster = aks_services.create_cluster(rg, spec(subnets["aks-subnet"], network_plugin=plugin))
    vm = compute_services.create_vm(
        rg, name="app-vm", location="eastus", size="Standard_B2s", os_type="Linux", subnet=subnets["vm-subnet"]
    )
    sql = paas_services.create_target(m.SqlServer, rg, name="contoso-pods-sql", location="eastus")
    nic = m.NetworkInterface.objects.create(
        sandbox=client.sandbox,
        resource_group=rg,
        name="sql-pe.nic",
        location="eastus",
        subnet=subnets["pe-subnet"],
        private_ip="10.50.9.4",
    )
    m.PrivateEndpoint.objects.create(
        sandbox=client.sandbox,
        resource_group=rg,
        name="sql-pe",
        location="eastus",
        subnet=subnets["pe-subnet"],
        nic=nic,
        target_type=ContentType.objects.get_for_model(m.SqlServer),
        target_id=sql.pk,
        group_id="sqlServer",
    )
    portal_services.set_era(client.sandbox, era)
    nodes = list(ClusterNode.objects.filter(pool__cluster=cluster).select_related("nic").order_by("pod_index", "pk"))
    cluster.refresh_from_db()
    return Lab(client, cluster, nodes, subnets, vm.nics.get().private_ip, "10.50.9.4")


# --- What a case changes before tracing ----------------------------------------------------------


def _subnet_nsg(lab: Lab, direction: str, **fields) -> None:
    nsg = make_nsg(lab.client, "aks-subnet-nsg")
    nsgs.associate_subnet(nsg, lab.subnets["aks-subnet"])
    nsgs.add_rule(nsg, direction, rule_form(protocol="*", destination_ports="*", priority="100", **fields))


def deny_pods_outbound(lab: Lab) -> None:
    _subnet_nsg(lab, "Outbound", name="DenyPods", destination="IPAddresses", destination_ips=lab.pod_range)


def deny_pods_inbound(lab: Lab) -> None:
    _subnet_nsg(
        lab,
        "Inbound",
        name="DenyPodsIn",
        source="IPAddresses",
        source_ips=lab.pod_range,
        destination="Any",
        destination_tag="",
    )


def drop_route_of_node_1(lab: Lab) -> None:
    routes.delete_route(m.Route.objects.get(route_table=lab.cluster.route_table, name=lab.nodes[1].name))


def detach_route_table(lab: Lab) -> None:
    routes.dissociate_subnet(lab.cluster.route_table, lab.subnets["aks-subnet"])


def forwarding_off(node: int):
    def change(lab: Lab) -> None:
        m.NetworkInterface.objects.filter(pk=lab.nodes[node].nic_id).update(enable_ip_forwarding=False)

    change.__name__ = f"forwarding_off_{node}"
    return change


def no_outbound_rule(lab: Lab) -> None:
    """The nodes out of the load balancer's backend pool: what outboundType
    userDefinedRouting leaves, the VM's outbound rules (DOA-01, DOA-02)."""
    m.NetworkInterface.objects.filter(aks_node__pool__cluster=lab.cluster).update(load_balancer=None)


def nat_gateway_on_the_subnet(lab: Lab) -> None:
    nat_services.create_nat_gateway(
        group(lab.client),
        nat_services.NatGatewaySpec(
            name="aks-nat", location="eastus", new_public_ip="aks-nat-ip", subnets=(lab.subnets["aks-subnet"],)
        ),
    )


# --- Where a case goes ---------------------------------------------------------------------------

DESTINATIONS = {
    "pod on node 1": lambda lab: lab.pod_ip(1),
    "pod on the same node": lambda lab: lab.pod_ip(0, 1),
    "vm": lambda lab: lab.vm_ip,
    "private endpoint": lambda lab: lab.pe_ip,
    "internet": lambda lab: "www.contoso.com",
    "unheld pod address": lambda lab: "10.244.9.4",
}
SEEN = {
    "pod": lambda lab: lab.pod_ip(0),
    "node": lambda lab: lab.node_ip(0),
    "doa": lambda lab: DOA_IP,
    # LB-01, LB-02: the `kubernetes` load balancer's outbound public IP.
    "lb": lambda lab: lab.cluster.load_balancer.frontend_ips.get().ip_address,
    "nat": lambda lab: m.PublicIPAddress.objects.get(name="aks-nat-ip").ip_address,
}

# id, plugin, era, change, destination, verdict, deciding step, source seen, rule IDs, words of the fix
CASES = [
    # kubenet (AKS-01, AKS-02, AKS-05)
    ("aks-05-kubenet-pod-to-pod-through-the-node", KUBENET, CLASSIC, None, "pod on node 1", REACHABLE, "", "pod", ("AKS-01", "AKS-02", "AKS-05", "ROUTE-21"), ""),
    ("aks-01-kubenet-pods-of-one-node-meet-on-its-bridge", KUBENET, CLASSIC, None, "pod on the same node", REACHABLE, "", "pod", ("AKS-01",), ""),
    ("aks-01-kubenet-to-a-vm-leaves-from-the-node", KUBENET, CLASSIC, None, "vm", REACHABLE, "", "node", ("AKS-01", "NSG-21"), ""),
    ("aks-01-kubenet-to-a-private-endpoint-from-the-node", KUBENET, CLASSIC, None, "private endpoint", REACHABLE, "", "node", ("AKS-01", "ROUTE-08"), ""),
    ("doa-01-kubenet-to-the-internet-classic", KUBENET, CLASSIC, no_outbound_rule, "internet", REACHABLE, "", "doa", ("AKS-01", "DOA-01"), ""),
    ("doa-02-kubenet-to-the-internet-current", KUBENET, CURRENT, no_outbound_rule, "internet", BLOCKED, "Delivery", None, ("AKS-01", "DOA-02"), "NAT gateway"),
    ("lb-01-kubenet-to-the-internet-from-the-load-balancer-classic", KUBENET, CLASSIC, None, "internet", REACHABLE, "", "lb", ("AKS-01", "LB-01"), ""),
    ("lb-01-kubenet-to-the-internet-from-the-load-balancer-current", KUBENET, CURRENT, None, "internet", REACHABLE, "", "lb", ("AKS-01", "LB-01"), ""),
    ("nat-07-kubenet-nat-gateway-before-the-load-balancer", KUBENET, CURRENT, nat_gateway_on_the_subnet, "internet", REACHABLE, "", "nat", ("AKS-01", "NAT-07"), ""),
    ("aks-02-kubenet-route-of-a-node-missing", KUBENET, CLASSIC, drop_route_of_node_1, "pod on node 1", BLOCKED, "Route", None, ("AKS-02", "ROUTE-30"), "Add route 'aks-agentpool-"),
    ("aks-02-kubenet-route-table-detached", KUBENET, CLASSIC, detach_route_table, "pod on node 1", BLOCKED, "Route", None, ("AKS-02",), "Associate route table 'aks-agentpool-"),
    ("aks-02-kubenet-subnet-nsg-denies-pod-traffic", KUBENET, CLASSIC, deny_pods_outbound, "pod on node 1", BLOCKED, "Network security group", None, ("AKS-02", "NSG-21"), "aks-subnet-nsg"),
    ("aks-02-kubenet-subnet-nsg-denies-pods-inbound", KUBENET, CURRENT, deny_pods_inbound, "pod on node 1", BLOCKED, "Delivery", None, ("AKS-02", "NSG-21"), "aks-subnet-nsg"),
    ("aks-01-kubenet-snat-passes-a-pod-cidr-deny", KUBENET, CLASSIC, deny_pods_outbound, "vm", REACHABLE, "", "node", ("AKS-01",), ""),
    ("route-21-kubenet-destination-node-without-forwarding", KUBENET, CLASSIC, forwarding_off(1), "pod on node 1", BLOCKED, "Delivery", None, ("ROUTE-21",), "Enable IP forwarding"),
    ("aks-02-kubenet-source-node-without-forwarding", KUBENET, CLASSIC, forwarding_off(0), "pod on node 1", BLOCKED, "Source address", None, ("AKS-02",), "Enable IP forwarding"),
    ("aks-01-kubenet-no-node-holds-the-address", KUBENET, CLASSIC, None, "unheld pod address", BLOCKED, "Delivery", None, ("AKS-01",), "10.244.0.0/24"),
    # Azure CNI, node subnet (AKS-20)
    ("aks-20-cni-pod-to-pod-vnet-local", CNI, CLASSIC, None, "pod on node 1", REACHABLE, "", "pod", ("AKS-20", "NSG-21"), ""),
    ("aks-20-cni-pods-of-one-node", CNI, CLASSIC, None, "pod on the same node", REACHABLE, "", "pod", ("AKS-20",), ""),
    ("aks-20-cni-to-a-vm-keeps-the-pod-address", CNI, CLASSIC, None, "vm", REACHABLE, "", "pod", ("AKS-20", "NSG-21"), ""),
    ("aks-20-cni-to-a-private-endpoint", CNI, CURRENT, None, "private endpoint", REACHABLE, "", "pod", ("AKS-20", "ROUTE-08"), ""),
    ("doa-01-cni-to-the-internet-from-the-node", CNI, CLASSIC, no_outbound_rule, "internet", REACHABLE, "", "doa", ("AKS-20", "DOA-01"), ""),
    ("doa-02-cni-to-the-internet-current", CNI, CURRENT, no_outbound_rule, "internet", BLOCKED, "Delivery", None, ("AKS-20", "DOA-02"), "NAT gateway"),
    ("lb-01-cni-to-the-internet-from-the-load-balancer", CNI, CURRENT, None, "internet", REACHABLE, "", "lb", ("AKS-20", "LB-01"), ""),
    ("nsg-21-cni-subnet-nsg-denies-pod-traffic", CNI, CLASSIC, deny_pods_outbound, "pod on node 1", BLOCKED, "Network security group", None, ("NSG-21",), "aks-subnet-nsg"),
    ("nsg-21-cni-subnet-nsg-denies-pods-inbound", CNI, CLASSIC, deny_pods_inbound, "pod on node 1", BLOCKED, "Delivery", None, ("NSG-21",), "aks-subnet-nsg"),
    # Azure CNI Overlay (AKS-30, AKS-33)
    ("aks-30-overlay-pod-to-pod-without-encapsulation", OVERLAY, CURRENT, None, "pod on node 1", REACHABLE, "", "pod", ("AKS-30", "AKS-33"), ""),
    ("aks-30-overlay-to-a-vm-leaves-from-the-node", OVERLAY, CURRENT, None, "vm", REACHABLE, "", "node", ("AKS-30", "NSG-21"), ""),
    ("aks-30-overlay-to-a-private-endpoint-from-the-node", OVERLAY, CURRENT, None, "private endpoint", REACHABLE, "", "node", ("AKS-30", "ROUTE-08"), ""),
    ("doa-02-overlay-to-the-internet-current", OVERLAY, CURRENT, no_outbound_rule, "internet", BLOCKED, "Delivery", None, ("AKS-30", "DOA-02"), "NAT gateway"),
    ("doa-01-overlay-to-the-internet-classic", OVERLAY, CLASSIC, no_outbound_rule, "internet", REACHABLE, "", "doa", ("AKS-30", "DOA-01"), ""),
    ("lb-01-overlay-to-the-internet-from-the-load-balancer", OVERLAY, CURRENT, None, "internet", REACHABLE, "", "lb", ("AKS-30", "LB-01"), ""),
    ("aks-33-overlay-subnet-nsg-denies-pod-traffic", OVERLAY, CURRENT, deny_pods_outbound, "pod on node 1", BLOCKED, "Network security group", None, ("AKS-33", "NSG-21"), "aks-subnet-nsg"),
    ("aks-33-overlay-subnet-nsg-denies-pods-inbound", OVERLAY, CURRENT, deny_pods_inbound, "pod on node 1", BLOCKED, "Delivery", None, ("AKS-33", "NSG-21"), "aks-subnet-nsg"),
    ("aks-30-overlay-snat-passes-a-pod-cidr-deny", OVERLAY, CURRENT, deny_pods_outbound, "vm", REACHABLE, "", "node", ("AKS-30",), ""),
]  # fmt: skip


def test_the_table_covers_every_plugin_with_fifteen_cases_or_more():
    assert len(CASES) >= 15
    assert {case[1] for case in CASES} == {KUBENET, CNI, OVERLAY}
    assert len({case[0] for case in CASES}) == len(CASES)


@pytest.mark.parametrize(
    "plugin, era, change, destination, verdict, step, seen, rule_ids, fix",
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_pod_trace(alice, plugin, era, change, destination, verdict, step, seen, rule_ids, fix):
    lab = build(alice, plugin, era)
    if change is not None:
        change(lab)
    topology = snapshot.build(alice.sandbox)
    trace = trace_pod(topology, lab.pod(topology), DESTINATIONS[destination](lab), 443)

    assert (trace.verdict, trace.deciding_step) == (verdict, step), trace.steps
    for rule_id in rule_ids:
        assert rule_id in trace.rule_ids, (rule_id, trace.steps)
    if seen is not None:
        assert trace.source_ip == SEEN[seen](lab)
    assert fix in trace.fix
    # The path: in order, from the pod, ending where the packet stops.
    order = [HOP_KINDS.index(h.kind) for h in trace.hops]
    assert order == sorted(order), trace.hops
    assert trace.hops[0].kind == SOURCE and trace.hops[0].label == f"Pod {lab.pod_ip(0)}"
    states = [h.state for h in trace.hops]
    if verdict == BLOCKED:
        assert states[-1] == HOP_BLOCKED and states.count(HOP_BLOCKED) == 1, trace.hops
    else:
        assert HOP_BLOCKED not in states and trace.hops[-1].kind == DESTINATION
    # AKS-05: only kubenet reaches another node's pods through that node.
    if destination == "pod on node 1" and verdict == REACHABLE:
        node_hops = [h for h in trace.hops if h.kind == NODE]
        if plugin == KUBENET:
            assert [h.label for h in node_hops] == [f"{lab.nodes[1].name} {lab.node_ip(1)}"]
        else:
            assert node_hops == []
        assert trace.hops[-1].label == f"Pod {lab.pod_ip(1)} on {lab.nodes[1].name}"


def test_aks_02_the_missing_route_names_the_node_and_its_range(alice):
    lab = build(alice, KUBENET)
    drop_route_of_node_1(lab)
    topology = snapshot.build(alice.sandbox)
    trace = trace_pod(topology, lab.pod(topology), lab.pod_ip(1), 80)
    node = lab.nodes[1]
    assert trace.fix == (
        f"Add route '{node.name}' ({node.pod_cidr} -> VirtualAppliance {node.nic.private_ip}) "
        f"to route table '{lab.cluster.route_table.name}'."
    )
    assert trace.hops[-1].kind == ROUTE and trace.hops[-1].label == "10.0.0.0/8 -> None"  # ROUTE-05


def test_aks_30_overlay_ignores_the_subnets_route_table(alice):
    """Overlay's pod routes are the platform's: a UDR for the pod CIDR on
    the subnet doesn't take pod to pod traffic; one for the VMs does."""
    lab = build(alice, OVERLAY, CURRENT)
    table = routes.create_route_table(group(alice), name="tunnel-rt", location="eastus", propagate=True)
    for name, prefix in (("pods", "10.244.0.0/16"), ("vms", "10.50.8.0/24")):
        m.Route.objects.create(route_table=table, name=name, address_prefix=prefix, next_hop_type="None")
    routes.associate_subnet(table, lab.subnets["aks-subnet"])
    topology = snapshot.build(alice.sandbox)
    assert trace_pod(topology, lab.pod(topology), lab.pod_ip(1), 443).verdict == REACHABLE
    assert trace_pod(topology, lab.pod(topology), lab.vm_ip, 443).verdict == BLOCKED


def test_a_vm_in_the_cluster_subnet_reaches_a_kubenet_pod_through_its_node(alice):
    lab = build(alice, KUBENET)
    vm = compute_services.create_vm(
        group(alice), name="jump-vm", location="eastus", size="Standard_B2s", os_type="Linux",
        subnet=lab.subnets["aks-subnet"],
    )  # fmt: skip
    topology = snapshot.build(alice.sandbox)
    nic = snapshot.nic_source(topology, vm.nics.get())
    trace = trace_nic(topology, nic, lab.pod_ip(2), 8080)
    assert trace.verdict == REACHABLE and trace.source_ip == str(nic.ip)
    assert [h.kind for h in trace.hops][-2:] == [NODE, DESTINATION]
    assert {"AKS-02", "AKS-05"} <= set(trace.rule_ids)


def test_a_vm_reaches_an_azure_cni_pod_as_a_pod(alice):
    lab = build(alice, CNI)
    topology = snapshot.build(alice.sandbox)
    nic = next(n for n in topology.nics if str(n.ip) == lab.vm_ip)
    trace = trace_nic(topology, nic, lab.pod_ip(2, 3), 443)
    assert trace.verdict == REACHABLE
    assert trace.hops[-1].label == f"Pod {lab.pod_ip(2, 3)} on {lab.nodes[2].name}"
    assert "AKS-20" in trace.rule_ids


def test_icmp_from_a_pod_has_no_port(alice):
    lab = build(alice, KUBENET)
    topology = snapshot.build(alice.sandbox)
    trace = trace_pod(topology, lab.pod(topology), lab.pod_ip(1), 443, "Icmp")
    assert (trace.verdict, trace.port) == (REACHABLE, 0)


# --- Pod sources from the snapshot -----------------------------------------------------------------


def test_the_picker_lists_kubenet_first_pods_and_azure_cni_reserved_addresses(alice):
    kubenet = build(alice, KUBENET)
    cni_subnet = aks_subnets(alice, space="10.60.0.0/16", subnets=(("cni-subnet", "10.60.0.0/22"),), name="cni-vnet")
    cni = aks_services.create_cluster(
        group(alice), spec(cni_subnet["cni-subnet"], name="cni-aks", network_plugin=CNI, node_count=2)
    )
    with CaptureQueriesContext(connection) as queries:
        choices = snapshot.pod_choices(alice.sandbox)
    assert len(queries) == 2
    values = [value for value, _ in choices]
    for index, node in enumerate(kubenet.nodes):
        assert f"lab-aks / {node.name} / {kubenet.pod_ip(index)}" in values
    cni_values = [v for v in values if v.startswith("cni-aks / ")]
    assert len(cni_values) == 2 * cni.max_pods
    assert values.index(cni_values[0]) < values.index(f"lab-aks / {kubenet.nodes[0].name} / 10.244.0.4")


@pytest.mark.parametrize(
    "path, message",
    [
        ("lab-aks", "Name the pod CLUSTER/NODE/IP"),
        ("nope/node/10.244.0.4", "No AKS cluster 'nope'"),
        ("lab-aks/nope/10.244.0.4", "has no node 'nope'"),
        ("lab-aks/{node}/10.244.1.4", "isn't a pod address of node"),
        ("lab-aks/{node}/10.244.0.1", "from .4"),
        ("lab-aks/{node}/ten", "isn't an IPv4 address"),
    ],
)
def test_a_pod_path_that_matches_nothing_says_why(alice, path, message):
    lab = build(alice, KUBENET)
    topology = snapshot.build(alice.sandbox)
    with pytest.raises(LookupError, match=message):
        snapshot.pod_source(topology, path.format(node=lab.nodes[0].name))


def test_a_pod_source_comes_from_the_snapshot_without_a_query(alice):
    lab = build(alice, KUBENET)
    topology = snapshot.build(alice.sandbox)
    with CaptureQueriesContext(connection) as queries:
        pod = snapshot.pod_source(topology, f" LAB-AKS / {lab.nodes[1].name.upper()} / {lab.pod_ip(1, 5)} ")
    assert len(queries) == 0
    assert (pod.cluster, pod.plugin, pod.node, str(pod.ip)) == ("lab-aks", KUBENET, lab.nodes[1].name, "10.244.1.9")
    assert pod.nic in topology.nics and str(pod.pod_cidr) == "10.244.1.0/24"


def test_the_snapshot_query_count_doesnt_grow_with_clusters_nodes_or_pods(alice):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            snapshot.build(alice.sandbox)
        return len(queries)

    lab = build(alice, KUBENET)
    before = count()
    more = aks_subnets(
        alice, space="10.70.0.0/16", subnets=(("a", "10.70.0.0/22"), ("b", "10.70.4.0/22")), name="more-vnet"
    )
    aks_services.create_cluster(group(alice), spec(more["a"], name="cni-two", network_plugin=CNI, node_count=4))
    aks_services.create_cluster(group(alice), spec(more["b"], name="kubenet-two", node_count=5))
    finish_operations(alice)
    aks_services.scale_pool(lab.cluster.pools.get(), 6)
    assert count() == before
    topology = snapshot.build(alice.sandbox)
    assert len(topology.aks_clusters) == 3 and len(topology.aks_nodes) == 6 + 4 + 5
