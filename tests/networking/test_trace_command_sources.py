"""`manage.py trace` from a VM, a NIC, a subnet or an AKS pod (networking/
management/commands/trace.py), on the compact seed: contoso-vnet/vm-subnet
holds contoso-vm01-nic (10.0.1.4), a NIC that names its VM without a VM
resource; pods come from clusters made by aks.services.create_cluster."""

import json
from io import StringIO

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from networking import models as m
from networking import snapshot
from networking.services import compute as compute_services
from networking.services import nsgs
from networking.services import paas as paas_services
from portal import services as portal_services
from tests.helpers.nsgs import make_nsg, rg_of

pytestmark = pytest.mark.django_db


def trace(client, *args) -> str:
    out = StringIO()
    call_command("trace", "--sandbox", str(client.sandbox.key), *args, stdout=out)
    return out.getvalue()


def trace_json(client, *args) -> dict:
    return json.loads(trace(client, *args, "--json"))


def vm_subnet(client) -> m.Subnet:
    return m.Subnet.objects.get(vnet__sandbox=client.sandbox, vnet__name="contoso-vnet", name="vm-subnet")


def make_vm(client, name="web01", **kwargs) -> m.VirtualMachine:
    values = {"location": "eastus", "size": "Standard_B2s", "os_type": "Linux", "subnet": vm_subnet(client)}
    return compute_services.create_vm(rg_of(client), name=name, **(values | kwargs))


def test_it_traces_from_a_nic_to_another_vm(alice):
    other = make_vm(alice).nics.get()
    document = trace_json(alice, "--nic", "contoso-vm01-nic", "--to", other.private_ip, "--port", "22")
    assert (document["source"], document["verdict"], document["sourceIp"]) == ("contoso-vm01", "Reachable", "10.0.1.4")
    assert [h["kind"] for h in document["hops"]] == [
        "Source",
        "Subnet",
        "Route",
        "Next hop",
        "Destination",
    ]
    assert document["hops"][-1]["label"] == f"web01 {other.private_ip}"


def test_vm_takes_the_vms_first_nic(alice):
    vm = make_vm(alice)
    document = trace_json(alice, "--vm", "WEB01", "--to", "10.0.1.4", "--port", "22")
    assert (document["source"], document["sourceIp"]) == ("web01", vm.nics.get().private_ip)


def test_vm_finds_a_nic_that_names_its_vm(alice):
    document = trace_json(alice, "--vm", "contoso-vm01", "--to", "www.contoso.com")
    assert document["source"] == "contoso-vm01"
    assert document["verdict"] == "Reachable"


def test_doa_01_a_classic_subnet_reaches_the_internet_by_default_outbound_access(alice):
    document = trace_json(alice, "--subnet", "contoso-vnet/vm-subnet", "--to", "www.contoso.com")
    assert document["source"] == "contoso-vnet/vm-subnet"
    assert (document["verdict"], document["sourceIp"]) == ("Reachable", "default outbound access IP")
    assert document["hops"][0]["label"] == "VM 10.0.1.4"


def test_doa_02_a_current_subnet_is_private(alice):
    portal_services.set_era(alice.sandbox, "current")
    document = trace_json(alice, "--subnet", "contoso-vnet/vm-subnet", "--to", "www.contoso.com")
    assert (document["verdict"], document["decidingStep"]) == ("Blocked", "Delivery")
    assert "DOA-02" in document["steps"][-1]["rules"]
    assert document["hops"][-1] == {
        "kind": "Next hop",
        "label": "Internet",
        "detail": document["steps"][-1]["detail"],
        "state": "blocked",
    }


def test_nsg_05_a_vm_with_a_public_ip_leaves_from_it_in_current(alice):
    portal_services.set_era(alice.sandbox, "current")
    nic = make_vm(alice, public_ip=True).nics.get()
    document = trace_json(alice, "--vm", "web01", "--to", "www.contoso.com")
    assert (document["verdict"], document["sourceIp"]) == ("Reachable", nic.public_ip)


def test_icmp_meets_an_icmp_rule_and_prints_the_path(alice):
    nsg = make_nsg(alice)
    nsgs.associate_subnet(nsg, vm_subnet(alice))
    m.SecurityRule.objects.create(
        nsg=nsg,
        name="deny-ping",
        priority=100,
        direction="Outbound",
        access="Deny",
        protocol="Icmp",
        source_address_prefixes=["*"],
        source_port_ranges=["*"],
        destination_address_prefixes=["*"],
        destination_port_ranges=["*"],
    )
    text = trace(alice, "--nic", "contoso-vm01-nic", "--to", "10.0.1.9", "--protocol", "Icmp")
    assert text.startswith("contoso-vm01 -> 10.0.1.9:ICMP: Blocked")
    assert "Network security group: Blocked. Rule 'deny-ping' (priority 100) of 'web-nsg'" in text
    assert "Path: contoso-vm01 -> vm-subnet 10.0.1.0/24 -> web-nsg: deny-ping (100) (blocked)" in text
    # The same NSG doesn't stop TCP: the trace goes on to find nobody at 10.0.1.9.
    document = trace_json(alice, "--nic", "contoso-vm01-nic", "--to", "10.0.1.9", "--port", "22")
    assert (document["verdict"], document["decidingStep"]) == ("No answer", "Destination")


def test_seed_05_an_app_sends_no_icmp(alice):
    document = trace_json(alice, "--app", "contoso-web", "--to", "www.contoso.com", "--protocol", "Icmp")
    assert (document["verdict"], document["decidingStep"], document["port"]) == ("Blocked", "Protocol", 0)


@pytest.mark.parametrize(
    "args, message",
    [
        (("--vm", "nope"), "No virtual machine 'nope'"),
        (("--nic", "nope"), "No network interface 'nope'"),
        (("--subnet", "contoso-vnet/nope"), "No subnet 'contoso-vnet/nope'"),
        (("--subnet", "vm-subnet"), "Name it VNET/SUBNET"),
        (("--app", "nope"), "No app 'nope'"),
    ],
)
def test_it_names_what_it_cant_find(alice, args, message):
    with pytest.raises(CommandError, match=message):
        trace(alice, *args, "--to", "10.0.1.4")


def test_the_sources_are_mutually_exclusive_and_one_is_required(alice):
    with pytest.raises(CommandError, match="not allowed with"):
        trace(alice, "--app", "contoso-web", "--vm", "contoso-vm01", "--to", "10.0.1.4")
    with pytest.raises(CommandError, match="one of the arguments"):
        trace(alice, "--to", "10.0.1.4")


def test_protocols_are_tcp_udp_or_icmp(alice):
    with pytest.raises(CommandError, match="invalid choice"):
        trace(alice, "--vm", "contoso-vm01", "--to", "10.0.1.4", "--protocol", "Esp")


def test_a_private_endpoints_nic_starts_no_connections(alice):
    rg = rg_of(alice)
    sql = paas_services.create_target(m.SqlServer, rg, name="contoso-sql9", location="eastus")
    nic = m.NetworkInterface.objects.create(
        sandbox=alice.sandbox,
        resource_group=rg,
        name="sql-pe.nic",
        location="eastus",
        subnet=vm_subnet(alice),
        private_ip="10.0.1.20",
    )
    m.PrivateEndpoint.objects.create(
        sandbox=alice.sandbox,
        resource_group=rg,
        name="sql-pe",
        location="eastus",
        subnet=vm_subnet(alice),
        nic=nic,
        target_type=ContentType.objects.get_for_model(m.SqlServer),
        target_id=sql.pk,
        group_id="sqlServer",
    )
    with pytest.raises(CommandError, match="belongs to private endpoint 'sql-pe'"):
        trace(alice, "--nic", "sql-pe.nic", "--to", "10.0.1.4")


def test_the_sources_come_from_the_snapshot_the_trace_runs_on(alice):
    topology = snapshot.build(alice.sandbox)
    nic = m.NetworkInterface.objects.get(sandbox=alice.sandbox, name="contoso-vm01-nic")
    subnet = vm_subnet(alice)
    with CaptureQueriesContext(connection) as queries:
        source = snapshot.nic_source(topology, nic)
        assert snapshot.subnet_source(topology, subnet) is topology.subnets[subnet.pk]
    assert len(queries) == 0
    assert source in topology.nics and source.owner == "contoso-vm01"


def test_the_query_count_doesnt_grow_with_the_sandbox(alice):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            trace(alice, "--vm", "contoso-vm01", "--to", "10.0.1.4", "--port", "22")
        return len(queries)

    before = count()
    for name in ("web01", "web02", "web03"):
        make_vm(alice, name=name)
    assert count() == before


# --- An AKS pod (--pod CLUSTER/NODE/IP) ------------------------------------------------------------


def _kubenet_nodes(client):
    from aks import services as aks_services
    from aks.models import ClusterNode
    from tests.helpers.aks import aks_subnets, group, spec

    subnets = aks_subnets(client)
    cluster = aks_services.create_cluster(group(client), spec(subnets["aks-subnet"]))
    return list(ClusterNode.objects.filter(pool__cluster=cluster).select_related("nic").order_by("pod_index"))


def test_it_traces_from_a_kubenet_pod_through_the_other_node(alice):
    nodes = _kubenet_nodes(alice)
    document = trace_json(alice, "--pod", f"lab-aks/{nodes[0].name}/10.244.0.4", "--to", "10.244.2.7", "--port", "80")
    assert (document["source"], document["verdict"]) == (f"lab-aks / {nodes[0].name} / 10.244.0.4", "Reachable")
    assert document["sourceIp"] == "10.244.0.4"
    node_hops = [h for h in document["hops"] if h["kind"] == "Node"]
    assert [h["label"] for h in node_hops] == [f"{nodes[2].name} {nodes[2].nic.private_ip}"]
    text = trace(alice, "--pod", f"lab-aks/{nodes[0].name}/10.244.0.4", "--to", "www.contoso.com")
    # LB-01, LB-02: the node leaves through the cluster's `kubernetes` load balancer.
    assert "Source address: SNAT." in text and "[AKS-01]" in text and "LB-01" in text and "DOA-01" not in text


@pytest.mark.parametrize(
    "pod, message",
    [
        ("lab-aks", "Name the pod CLUSTER/NODE/IP"),
        ("nope/x/10.244.0.4", "No AKS cluster 'nope'"),
        ("lab-aks/{node}/10.244.7.4", "isn't a pod address of node"),
    ],
)
def test_a_pod_it_cant_find_is_named(alice, pod, message):
    nodes = _kubenet_nodes(alice)
    with pytest.raises(CommandError, match=message):
        trace(alice, "--pod", pod.format(node=nodes[0].name), "--to", "10.0.1.4")


def test_route_01_an_address_nobody_holds_is_no_answer_in_the_command(alice):
    # Issue #10: the same verdict and deciding step as the portal's troubleshooters.
    text = trace(alice, "--nic", "contoso-vm01-nic", "--to", "10.0.1.99", "--port", "22")
    assert text.startswith("contoso-vm01 -> 10.0.1.99:22/Tcp: No answer")
    assert "Destination: No answer. The network delivers the packet to 10.0.1.99" in text
    assert ": Blocked." not in text
    assert text.splitlines()[-2].endswith("-> 10.0.1.99 (no answer)")


def test_the_trace_names_the_gateways_ip_as_next_hop_and_route_nw_10(carol):
    """The same address Next hop and Effective routes show (ROUTE-33)."""
    document = trace_json(carol, "--nic", "contoso-nva01-nic", "--to", "192.168.1.10", "--port", "443")
    labels = {h["kind"]: h["label"] for h in document["hops"]}
    assert labels["Next hop"] == "Virtual network gateway 10.100.255.4"
    assert "10.100.255.4" in labels["Route"]
