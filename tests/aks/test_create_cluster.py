"""Creating a cluster (aks.services.create_cluster): what it writes (nodes
with subnet addresses, kubenet's route table, Azure CNI's pod addresses, a
long-running operation) and every refusal, each test naming its rules."""

import re
from ipaddress import IPv4Address, IPv4Network

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from aks import services
from aks.models import ClusterNode, ManagedCluster, PodIpAddress
from networking.models import NetworkInterface, Route, RouteTable, Subnet
from networking.services import routes as route_services
from networking.services import vnets as vnet_services
from portal.errors import AzureRuleError
from portal.models import ActivityLogEntry, Notification, NotificationLevel, Operation, ResourceGroup
from portal.seed import reset_sandbox
from tests.helpers.aks import aks_subnets, finish_operations, fresh, group, spec, state


@pytest.fixture
def subnets(alice):
    return aks_subnets(
        alice,
        subnets=(("aks-subnet", "10.50.0.0/21"), ("small-subnet", "10.50.8.0/24"), ("big-subnet", "10.50.16.0/20")),
    )


def refused(client, subnet_or_spec, err_id: str, *rule_ids: str, field: str | None = None):
    before = state(client)
    with pytest.raises(AzureRuleError) as caught:
        services.create_cluster(group(client), subnet_or_spec)
    assert caught.value.err_id == err_id
    for rule in rule_ids:
        assert rule in caught.value.rule_ids
    if field:
        assert caught.value.field == field
    assert state(client) == before
    return caught.value


# --- kubenet ------------------------------------------------------------------------------


def test_kubenet_nodes_take_the_first_free_subnet_addresses_in_the_node_resource_group(alice, subnets):
    cluster = services.create_cluster(group(alice), spec(subnets["aks-subnet"], node_count=3))
    nodes = list(ClusterNode.objects.filter(pool__cluster=cluster).select_related("nic").order_by("instance"))
    # SUBNET-01: .0-.3 are Azure's; AKS-01: only nodes take subnet addresses.
    assert [n.nic.private_ip for n in nodes] == ["10.50.0.4", "10.50.0.5", "10.50.0.6"]
    assert [n.nic.subnet_id for n in nodes] == [subnets["aks-subnet"].pk] * 3
    assert PodIpAddress.objects.count() == 0
    assert cluster.node_resource_group == "MC_contoso-rg_lab-aks_eastus"
    assert {n.nic.resource_group.name for n in nodes} == {"MC_contoso-rg_lab-aks_eastus"}
    assert all(re.fullmatch(r"aks-agentpool-\d{8}-vmss00000[0-2]", n.name) for n in nodes)
    assert all(n.nic.enable_ip_forwarding for n in nodes)  # AKS-02


def test_kubenet_writes_one_route_per_node_in_an_aks_route_table_associated_with_the_subnet(alice, subnets):
    cluster = services.create_cluster(group(alice), spec(subnets["aks-subnet"], node_count=4))
    table = cluster.route_table
    assert re.fullmatch(r"aks-agentpool-\d{8}-routetable", table.name)
    assert table.resource_group.name == cluster.node_resource_group
    assert fresh(subnets["aks-subnet"]).route_table == table  # ROUTE-20 via links.associate_subnet
    nodes = ClusterNode.objects.filter(pool__cluster=cluster).select_related("nic").order_by("pod_index")
    rows = list(Route.objects.filter(route_table=table).order_by("address_prefix").values_list(
        "name", "address_prefix", "next_hop_type", "next_hop_ip"
    ))
    # AKS-01/AKS-02: node i's /24 of 10.244.0.0/16 goes to node i, next hop Virtual appliance.
    assert rows == [
        (node.name, f"10.244.{i}.0/24", "VirtualAppliance", node.nic.private_ip) for i, node in enumerate(nodes)
    ]
    assert [n.pod_cidr for n in nodes] == [f"10.244.{i}.0/24" for i in range(4)]


def test_kubenet_uses_the_route_table_already_on_the_subnet_aks_08(alice, subnets):
    own = route_services.create_route_table(group(alice), name="byo-rt", location="eastus")
    route_services.associate_subnet(own, subnets["aks-subnet"])
    cluster = services.create_cluster(group(alice), spec(fresh(subnets["aks-subnet"]), node_count=2))
    assert cluster.route_table == own
    assert Route.objects.filter(route_table=own).count() == 2
    assert RouteTable.objects.filter(sandbox=alice.sandbox).count() == 1


def test_aks_05_a_second_cluster_in_a_kubenet_subnet_is_refused(alice, subnets):
    services.create_cluster(group(alice), spec(subnets["aks-subnet"]))
    error = refused(alice, spec(fresh(subnets["aks-subnet"]), name="second", network_plugin="azure"), "ERR-32", "AKS-05")
    assert error.message == "Subnet 'aks-subnet' already hosts AKS cluster 'lab-aks'. A kubenet cluster needs its own subnet."
    assert error.field == "subnet"


def test_aks_05_two_azure_cni_clusters_may_share_a_subnet(alice, subnets):
    services.create_cluster(group(alice), spec(subnets["big-subnet"], network_plugin="azure"))
    services.create_cluster(group(alice), spec(subnets["big-subnet"], name="second", network_plugin="azure"))
    assert ManagedCluster.objects.filter(subnet=subnets["big-subnet"]).count() == 2


def test_aks_05_the_database_keeps_one_kubenet_cluster_per_subnet_whatever_races(alice, subnets):
    cluster = services.create_cluster(group(alice), spec(subnets["aks-subnet"]))
    with pytest.raises(IntegrityError), transaction.atomic():
        ManagedCluster.objects.create(
            sandbox=alice.sandbox,
            resource_group=cluster.resource_group,
            name="racer",
            location="eastus",
            dns_prefix="racer-dns",
            kubernetes_version="1.20.9",
            node_resource_group="MC_x",
            resource_suffix="00000000",
            network_plugin="kubenet",
            service_cidr="10.0.0.0/16",
            dns_service_ip="10.0.0.10",
            max_pods=110,
            subnet=cluster.subnet,
        )


def test_aks_04_windows_nodes_on_kubenet_are_refused(alice, subnets):
    error = refused(alice, spec(subnets["aks-subnet"], os_type="Windows"), "ERR-34", "AKS-04", field="os_type")
    assert "Windows Server node pools and virtual nodes require Azure CNI" in error.message


def test_aks_52_azure_network_policy_on_kubenet_is_refused(alice, subnets):
    refused(alice, spec(subnets["aks-subnet"], network_policy="azure"), "ERR-33", "AKS-04", "AKS-52", field="network_policy")


def test_aks_03_kubenet_stops_at_400_nodes(alice, subnets):
    error = refused(alice, spec(subnets["big-subnet"], node_count=401), "ERR-35", "AKS-03", field="node_count")
    assert error.message == "Kubenet clusters are limited to 400 nodes."


def test_aks_23_a_delegated_subnet_is_refused(alice, subnets):
    delegated = vnet_services.create_subnet(
        subnets["small-subnet"].vnet, name="netapp-subnet", prefix="10.50.9.0/24", delegation="Microsoft.Netapp/volumes"
    )
    error = refused(alice, spec(fresh(delegated)), "ERR-41", "AKS-23", field="subnet")
    assert "AKS node subnets can't be delegated" in error.message


def test_aks_44_a_dns_service_ip_outside_the_service_range_is_refused(alice, subnets):
    refused(alice, spec(subnets["aks-subnet"], dns_service_ip="10.1.0.10"), "ERR-36", "AKS-44", field="dns_service_ip")


def test_aks_43_a_service_range_inside_the_vnet_is_refused(alice, subnets):
    refused(alice, spec(subnets["aks-subnet"], service_cidr="10.50.128.0/20", dns_service_ip="10.50.128.10"),
            "ERR-38", "AKS-43", field="service_cidr")


# --- Azure CNI ------------------------------------------------------------------------------


def test_azure_cni_reserves_max_pods_addresses_per_node_and_counts_them_as_used(alice, subnets):
    subnet = subnets["aks-subnet"]
    cluster = services.create_cluster(group(alice), spec(subnet, network_plugin="azure", node_count=3))
    assert cluster.max_pods == 30  # AKS-26: the Classic default for Azure CNI
    assert cluster.route_table is None and fresh(subnet).route_table is None
    nodes = list(ClusterNode.objects.filter(pool__cluster=cluster).select_related("nic").order_by("instance"))
    # AKS-20: each node's primary address, then its 30 pod addresses.
    assert [n.nic.private_ip for n in nodes] == ["10.50.0.4", "10.50.0.35", "10.50.0.66"]
    pod_ips = sorted(IPv4Address(ip) for ip in PodIpAddress.objects.filter(subnet=subnet).values_list("ip", flat=True))
    assert len(pod_ips) == 90
    assert all(ip in IPv4Network("10.50.0.0/21") for ip in pod_ips)
    assert services.subnet_usage(subnet) == 3 + 90
    assert NetworkInterface.objects.filter(subnet=subnet).count() == 3


def test_aks_21_err_43_a_cni_cluster_that_doesnt_fit_the_subnet_is_refused(alice, subnets):
    # A /24 has 251 usable; 8 nodes + 1 upgrade node at 30 pods need 9 + 270 = 279.
    error = refused(alice, spec(subnets["small-subnet"], network_plugin="azure", node_count=8), "ERR-43", "AKS-21")
    assert error.message == "Subnet 'small-subnet' has 251 usable IPs, but 8 nodes × 30 pods need 279."
    assert error.field == "subnet"


def test_aks_24_seven_cni_nodes_fit_a_slash_24_with_the_upgrade_node(alice, subnets):
    cluster = services.create_cluster(group(alice), spec(subnets["small-subnet"], network_plugin="azure", node_count=7))
    assert services.subnet_usage(cluster.subnet) == 7 * 31


def test_existing_cluster_addresses_count_against_the_next_one(alice, subnets):
    services.create_cluster(group(alice), spec(subnets["small-subnet"], network_plugin="azure", node_count=4))
    # 124 used of 251: four more nodes (+1 upgrade node) need 155.
    error = refused(
        alice, spec(fresh(subnets["small-subnet"]), name="second", network_plugin="azure", node_count=4), "ERR-43"
    )
    assert "has 127 usable IPs" in error.message


# --- the operation and the rest of the portal ---------------------------------------------------


def test_create_is_a_deployment_that_finishes_as_deployment_succeeded(alice, subnets):
    cluster = services.create_cluster(group(alice), spec(subnets["aks-subnet"]))
    operation = Operation.objects.get(sandbox=alice.sandbox, kind="aks-create")
    assert operation.resource_id == cluster.arm_id
    note = Notification.objects.get(operation=operation)
    assert (note.title, note.level) == ("Deployment in progress...", NotificationLevel.PROGRESS)
    assert services.cluster_state(cluster) == "Creating"
    finish_operations(alice)
    note.refresh_from_db()
    assert (note.title, note.level) == ("Deployment succeeded", NotificationLevel.SUCCESS)
    assert services.cluster_state(cluster) == "Succeeded"
    statuses = list(
        ActivityLogEntry.objects.filter(resource_id=cluster.arm_id).order_by("timestamp", "id").values_list(
            "operation_name", "status"
        )
    )
    assert statuses == [("Create or Update Managed Cluster", "Started"), ("Create or Update Managed Cluster", "Succeeded")]


def test_the_subnet_holding_nodes_cant_be_deleted_subnet_06(alice, subnets):
    services.create_cluster(group(alice), spec(subnets["aks-subnet"]))
    with pytest.raises(AzureRuleError) as caught:
        vnet_services.delete_subnet(fresh(subnets["aks-subnet"]))
    assert caught.value.err_id == "ERR-14"
    assert Subnet.objects.filter(pk=subnets["aks-subnet"].pk).exists()


def test_the_subnet_page_shows_the_node_addresses_as_used(alice, subnets):
    cluster = services.create_cluster(group(alice), spec(subnets["aks-subnet"], node_count=5))
    vnet = cluster.subnet.vnet
    url = reverse(
        "networking:vnet_subnets",
        kwargs={
            "provider": "Microsoft.Network",
            "subscription_id": vnet.resource_group.subscription.subscription_id,
            "rg": vnet.resource_group.name,
            "name": vnet.name,
        },
    )
    html = alice.get(url).content.decode()
    row = html[html.index('data-subnet="aks-subnet"') :]
    row = row[: row.index("</tr>")]
    assert re.search(r"<td data-available>\s*2038\s*</td>", row)  # 2,043 usable - 5 nodes


def test_a_sandbox_reset_removes_clusters_and_their_node_resource_group(alice, subnets):
    services.create_cluster(group(alice), spec(subnets["aks-subnet"]))
    reset_sandbox(alice.sandbox)
    assert not ManagedCluster.objects.filter(sandbox=alice.sandbox).exists()
    assert not ResourceGroup.objects.filter(subscription__sandbox=alice.sandbox, name__startswith="MC_").exists()


def test_the_classic_docker_bridge_is_kept_and_absent_in_current(alice, subnets):
    classic = services.create_cluster(group(alice), spec(subnets["aks-subnet"]))
    assert classic.docker_bridge_cidr == "172.17.0.1/16"  # AKS-41 [Classic]
    alice.sandbox.era = "current"
    alice.sandbox.save()
    current = services.create_cluster(group(alice), spec(subnets["big-subnet"], name="now", network_plugin="overlay"))
    assert current.docker_bridge_cidr == ""
    assert current.max_pods == 250  # AKS-25: Overlay default
    assert current.pod_cidr == "10.244.0.0/16"
    assert current.arm_json()["properties"]["networkProfile"]["networkPluginMode"] == "overlay"


def test_azure_cni_pod_addresses_count_on_the_subnet_page_and_are_never_handed_out_again_aks_20(alice, subnets):
    from networking.services import compute

    subnet = subnets["aks-subnet"]
    cluster = services.create_cluster(group(alice), spec(subnet, network_plugin="azure", node_count=2))
    vnet = cluster.subnet.vnet
    url = reverse(
        "networking:vnet_subnets",
        kwargs={
            "provider": "Microsoft.Network",
            "subscription_id": vnet.resource_group.subscription.subscription_id,
            "rg": vnet.resource_group.name,
            "name": vnet.name,
        },
    )
    html = alice.get(url).content.decode()
    row = html[html.index('data-subnet="aks-subnet"') :]
    row = row[: row.index("</tr>")]
    assert re.search(r"<td data-available>\s*1981\s*</td>", row)  # 2,043 usable - 2 nodes - 60 pods
    # The next NIC in the subnet gets the first address neither a node nor a pod holds.
    taken = set(compute.used_ips(fresh(subnet)))
    assert len(taken) == 62
    assert compute.allocate_ip(fresh(subnet)) == "10.50.0.66"


def test_aks_20_azure_cni_node_subnet_refuses_a_pod_cidr(alice, subnets):
    # Issue #10: only kubenet (AKS-01) and CNI Overlay (AKS-34) take a pod CIDR; the lab accepted it silently.
    cni = spec(subnets["aks-subnet"], network_plugin="azure", pod_cidr="10.244.0.0/16")
    error = refused(alice, cni, "", "AKS-20", field="pod_cidr")
    assert "kubenet or Azure CNI Overlay" in error.message and "AKS-34" in error.rule_ids
    assert services.create_cluster(group(alice), spec(subnets["aks-subnet"], network_plugin="azure")).pod_cidr == ""
