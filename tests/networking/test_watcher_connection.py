"""Network Watcher | Connection troubleshoot (NW-40 to NW-46): from a VM (or
a subnet, or an AKS pod) to a VM, an FQDN, a URI or an IP address, over TCP or ICMP, with
the path drawn hop by hop and the hop where the packet stops marked."""

import re
from html import unescape
from ipaddress import ip_network

import pytest
from django.urls import reverse

from networking import models as n
from networking.services import nsgs
from networking.views.watcher import watcher_url
from portal import services as portal_services
from tests.helpers import HX
from tests.helpers.nsgs import make_nsg, rule_form
from tests.helpers.watcher import seed_nic, seed_vm_subnet

pytestmark = pytest.mark.django_db


def _url(client, region="eastus") -> str:
    return watcher_url(client.sandbox.subscriptions.get(), region, "connection_troubleshoot")


def _form(client, **overrides) -> dict:
    data = {
        "source_type": "vm",
        "nic": str(seed_nic(client).pk),
        "destination_type": "manual",
        "destination": "8.8.8.8",
        "protocol": "Tcp",
        "destination_port": "443",
    }
    data.update(overrides)
    return data


def _check(client, data, status=200) -> str:
    response = client.get(_url(client), data, **HX)
    assert response.status_code == status, response.content.decode()[:2000]
    return response.content.decode()


def _hops(html: str) -> list[tuple[str, str]]:
    return re.findall(r'data-kind="([^"]+)" data-state="([^"]+)"', html)


def _second_vm(client) -> n.NetworkInterface:
    vm_subnet = seed_vm_subnet(client)
    return n.NetworkInterface.objects.create(
        sandbox=client.sandbox,
        resource_group=seed_nic(client).resource_group,
        name="contoso-vm02-nic",
        location="eastus",
        subnet=n.Subnet.objects.get(vnet=vm_subnet.vnet, name="integration-subnet"),
        private_ip="10.0.2.10",
        vm_name="contoso-vm02",
    )


def test_the_tool_is_in_the_watchers_menu_with_its_fields(alice):
    html = alice.get(_url(alice)).content.decode()
    assert "Connection troubleshoot" in html
    for label in ("Source type", "Virtual machine", "Subnet (VNet Lab)", "URI, FQDN or IP address", "Protocol"):
        assert label in html
    assert "contoso-vm01 / contoso-vm01-nic (10.0.1.4)" in html
    assert 'id="connection-result"' not in html
    other_tool = alice.get(watcher_url(alice.sandbox.subscriptions.get(), "eastus", "next_hop")).content.decode()
    assert _url(alice) in other_tool


def test_a_vm_reaches_the_internet_in_the_classic_era_nw_41(alice):
    html = _check(alice, _form(alice))
    assert 'data-status="Reachable"' in html
    assert [kind for kind, _ in _hops(html)][0] == "Source"
    assert all(state != "blocked" for _, state in _hops(html))
    assert "DOA-01" in html


def test_an_nsg_deny_is_unreachable_with_a_network_security_rule_issue_nw_46(alice):
    nsg = make_nsg(alice, "vm-subnet-nsg")
    nsgs.associate_subnet(nsg, seed_vm_subnet(alice))
    nsgs.add_rule(
        nsg,
        "Outbound",
        rule_form(name="DenyWebOutbound", destination_tag="Internet", destination_ports="443", priority="300"),
    )
    html = _check(alice, _form(alice))
    assert 'data-status="Unreachable"' in html
    assert 'id="connection-issue" data-type="NetworkSecurityRule"' in html and "(Outbound)" in html
    assert ("Network security group", "blocked") in _hops(html)
    assert _hops(html)[-1] == ("Network security group", "blocked")  # nothing after the stop
    assert "DenyWebOutbound" in html and "NSG-21" in html
    # Port 80 still goes out: the deny names 443 only.
    assert 'data-status="Reachable"' in _check(alice, _form(alice, destination_port="80"))


def test_icmp_needs_no_port_and_meets_icmp_rules_nw_40(alice):
    html = _check(alice, _form(alice, protocol="Icmp", destination_port=""))
    assert 'data-status="Reachable"' in html and "(ICMP)" in html
    nsg = make_nsg(alice, "vm-subnet-nsg")
    nsgs.associate_subnet(nsg, seed_vm_subnet(alice))
    nsgs.add_rule(
        nsg,
        "Outbound",
        rule_form(name="NoPing", destination="Any", protocol="Icmp", destination_ports="*", priority="100"),
    )
    assert 'data-status="Unreachable"' in _check(alice, _form(alice, protocol="Icmp", destination_port=""))
    assert 'data-status="Reachable"' in _check(alice, _form(alice))  # TCP isn't ICMP


def test_a_vm_destination_is_traced_to_its_private_address(alice):
    target = _second_vm(alice)
    html = _check(alice, _form(alice, destination_type="vm", destination_nic=str(target.pk), destination_port="22"))
    assert 'data-status="Reachable"' in html
    assert "10.0.2.10" in html
    assert 'id="source-ip-seen">10.0.1.4<' in html


def test_a_uri_gives_its_host_and_its_port(alice):
    html = _check(alice, _form(alice, destination="https://10.0.2.10:8443/health", destination_port=""))
    assert "10.0.2.10:8443" in html


def test_a_name_that_doesnt_resolve_is_a_dns_issue_nw_46(alice):
    html = _check(alice, _form(alice, destination="nothing-here.contoso.invalid"))
    assert 'data-status="Unreachable"' in html
    assert 'data-type="DnsResolution"' in html and "(Local)" in html
    assert _hops(html) == [("Source", "blocked")]


def test_a_subnet_can_be_the_source(alice):
    subnet = n.Subnet.objects.get(vnet__sandbox=alice.sandbox, vnet__name="contoso-vnet", name="integration-subnet")
    html = _check(alice, _form(alice, source_type="subnet", nic="", subnet=str(subnet.pk), destination="10.0.1.4"))
    assert 'data-status="Reachable"' in html
    assert 'id="source-ip-seen">10.0.2.4<' in html


def test_the_current_era_has_no_default_outbound_access(alice):
    portal_services.set_era(alice.sandbox, "current")
    html = _check(alice, _form(alice))
    assert 'data-status="Unreachable"' in html and "DOA-02" in html
    assert "NAT gateway" in html


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"nic": ""}, "Choose a virtual machine. [NW-40]"),
        ({"nic": "999999"}, "Choose a virtual machine."),
        ({"source_type": "subnet", "nic": ""}, "Choose a subnet."),
        ({"source_type": "pod", "nic": ""}, "Choose a pod."),
        ({"source_type": "pod", "nic": "", "pod": "lab-aks / nope / 10.244.0.4"}, "Choose a pod."),
        ({"source_type": "router"}, "Choose a source type."),
        ({"destination": ""}, "Enter a URI, an FQDN or an IPv4 address."),
        ({"destination": "not a host!"}, "isn't a URI, an FQDN or an IPv4 address."),
        ({"destination": "https://example.com:99999/"}, "The URI's port must be from 0 to 65535."),
        ({"destination_type": "vm"}, "Choose a virtual machine. [NW-40]"),
        ({"protocol": "Udp"}, "Choose TCP or ICMP. [NW-40]"),
        ({"destination_port": ""}, "Enter a port from 0 to 65535."),
        ({"destination_port": "70000"}, "Enter a port from 0 to 65535."),
    ],
)
def test_bad_input_is_a_field_error_and_runs_nothing(alice, overrides, message):
    html = _check(alice, _form(alice, **overrides), status=422)
    assert message in unescape(html)
    assert 'id="connection-result"' not in html


def test_another_sandboxs_vm_cannot_be_chosen_and_its_watcher_is_a_404(alice, bob):
    html = _check(bob, _form(bob, nic=str(seed_nic(alice).pk)), status=422)
    assert "Choose a virtual machine." in html
    assert bob.get(_url(alice)).status_code == 404


def test_full_page_fragment_and_wrong_method(alice):
    full = alice.get(_url(alice), _form(alice))
    assert full.status_code == 200 and "<html" in full.content.decode()
    fragment = _check(alice, _form(alice))
    assert "<html" not in fragment and 'id="connection"' in fragment
    assert alice.post(_url(alice), _form(alice)).status_code == 405


def test_the_answer_follows_the_topology(alice):
    """No stale answer: an NSG added between two checks changes the result."""
    assert 'data-status="Reachable"' in _check(alice, _form(alice))
    nsg = make_nsg(alice, "late-nsg")
    nsgs.add_rule(
        nsg,
        "Outbound",
        rule_form(name="DenyAll", destination="Any", destination_ports="*", protocol="*", priority="100"),
    )
    nsgs.associate_nic(nsg, seed_nic(alice))
    assert 'data-status="Unreachable"' in _check(alice, _form(alice))


def test_the_home_menu_link_still_opens_the_watcher(alice):
    assert alice.get(reverse("network_watcher")).status_code == 302


# --- An AKS pod as the source (lab extension, issue #5) ---------------------------------------


def _kubenet_cluster(client):
    from aks import services as aks_services
    from aks.models import ClusterNode
    from tests.helpers.aks import aks_subnets, group, spec

    subnets = aks_subnets(client, subnets=(("aks-subnet", "10.50.0.0/21"), ("vm-subnet", "10.50.8.0/24")))
    cluster = aks_services.create_cluster(group(client), spec(subnets["aks-subnet"]))
    nodes = list(ClusterNode.objects.filter(pool__cluster=cluster).select_related("nic").order_by("pod_index"))
    return cluster, nodes, subnets


def _pod_form(client, node, **overrides) -> dict:
    values = {"source_type": "pod", "nic": "", "pod": f"lab-aks / {node.name} / 10.244.0.4"}
    return _form(client, **(values | overrides))


def test_the_pod_picker_lists_cluster_node_and_pod_address(alice):
    _, nodes, _ = _kubenet_cluster(alice)
    html = unescape(alice.get(_url(alice)).content.decode())
    assert "AKS pod (VNet Lab)" in html
    for index, node in enumerate(nodes):
        assert f"lab-aks / {node.name} / 10.244.{index}.4" in html


def test_aks_05_a_kubenet_pod_reaches_a_pod_on_another_node_through_that_node(alice):
    _, nodes, _ = _kubenet_cluster(alice)
    html = _check(alice, _pod_form(alice, nodes[0], destination="10.244.1.4"))
    assert 'data-status="Reachable"' in html
    kinds = list(dict.fromkeys(kind for kind, _ in _hops(html)))  # the node NSG may or may not be there
    assert [k for k in kinds if k != "Network security group"] == [
        "Source",
        "Subnet",
        "Route",
        "Next hop",
        "Node",
        "Destination",
    ]
    assert ("Node", "ok") in _hops(html)
    assert nodes[1].name in html and "AKS-05" in html
    assert 'id="source-ip-seen">10.244.0.4<' in html


def test_aks_01_a_kubenet_pod_reaches_a_vm_from_its_node(alice):
    from networking.services import compute as compute_services
    from tests.helpers.aks import group

    _, nodes, subnets = _kubenet_cluster(alice)
    vm = compute_services.create_vm(
        group(alice),
        name="app-vm",
        location="eastus",
        size="Standard_B2s",
        os_type="Linux",
        subnet=subnets["vm-subnet"],
    )
    html = _check(alice, _pod_form(alice, nodes[0], destination_type="vm", destination_nic=str(vm.nics.get().pk)))
    assert 'data-status="Reachable"' in html
    assert f'id="source-ip-seen">{nodes[0].nic.private_ip}<' in html
    assert ("Node", "ok") not in _hops(html)


def test_a_pod_blocked_by_a_missing_route_is_a_user_defined_route_issue(alice):
    cluster, nodes, _ = _kubenet_cluster(alice)
    n.Route.objects.filter(route_table=cluster.route_table, name=nodes[1].name).delete()
    html = unescape(_check(alice, _pod_form(alice, nodes[0], destination="10.244.1.4")))
    assert 'data-status="Unreachable"' in html and 'data-type="UserDefinedRoute"' in html
    assert _hops(html)[-1] == ("Route", "blocked")
    assert f"Add route '{nodes[1].name}'" in html


def test_another_sandboxs_pod_cannot_be_chosen(alice, bob):
    _, nodes, _ = _kubenet_cluster(alice)
    html = unescape(_check(bob, _pod_form(bob, nodes[0]), status=422))
    assert "Choose a pod." in html and 'id="connection-result"' not in html


def test_an_address_nobody_holds_is_unreachable_with_no_issue_and_no_answer_nw_41(alice):
    # Issue #10: the NSGs and the route let it through; the destination has no host.
    html = _check(alice, _form(alice, destination="10.0.1.99", destination_port="22"))
    assert 'data-status="Unreachable"' in html and 'id="connection-issue"' not in html
    assert 'data-verdict="No answer"' in html and 'data-step="Destination"' in html
    assert 'data-outcome="Blocked"' not in html
    assert _hops(html)[-1] == ("Destination", "blocked") and "Nobody answers" in html


def test_a_none_route_is_decided_at_the_route_with_a_user_defined_route_issue_nw_46(alice):
    # Issue #10: 10.9.0.4 meets the system route 10.0.0.0/8 -> None (ROUTE-05); the route drops it.
    html = _check(alice, _form(alice, destination="10.9.0.4", destination_port="22"))
    assert 'data-status="Unreachable"' in html and 'data-type="UserDefinedRoute"' in html
    assert 'data-verdict="Blocked"' in html and 'data-step="Route"' in html
    assert _hops(html)[-1] == ("Route", "blocked") and "NW-46" in html


def _classic_subnet(client) -> n.Subnet:
    return n.Subnet.objects.filter(vnet__sandbox=client.sandbox, vnet__is_classic=True).select_related("vnet").first()


def test_classic_vnets_subnets_are_not_offered_as_sources_classic_03(alice):
    """Network Watcher works on Resource Manager resources only."""
    classic = _classic_subnet(alice)
    html = alice.get(_url(alice)).content.decode()
    assert f"{classic.vnet.name} / {classic.name}" not in html
    assert "contoso-vnet / integration-subnet" in html  # Resource Manager subnets stay
    html = _check(alice, _form(alice, source_type="subnet", nic="", subnet=str(classic.pk)), status=422)
    assert "Choose a subnet." in html or "Select a valid choice" in html


def test_no_watcher_picker_offers_a_classic_vnets_nic_classic_03(alice):
    classic = _classic_subnet(alice)
    nic = n.NetworkInterface.objects.create(
        sandbox=alice.sandbox,
        resource_group=seed_nic(alice).resource_group,
        name="classic-vm-nic",
        location="eastus",
        subnet=classic,
        private_ip=str(ip_network(classic.address_prefix)[10]),
        vm_name="classic-vm",
    )
    for page in ("connection_troubleshoot", "ip_flow_verify", "next_hop"):
        html = alice.get(watcher_url(alice.sandbox.subscriptions.get(), "eastus", page)).content.decode()
        assert nic.name not in html, page
