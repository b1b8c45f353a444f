"""Creating a cluster in a VNet or subnet made with it (the Networking tab's
"Create new", portal-ui §9.2): the networking services judge the new range
(SUBNET-03/05, VNET-02, NAMING-02/03), the AKS rules judge the subnet as it
would be (AKS-21, ERR-43), and one transaction writes all or nothing."""

import pytest

from aks import services
from aks.models import ManagedCluster
from networking.models import Subnet, VirtualNetwork
from portal.errors import AzureRuleError
from portal.models import ActivityLogEntry, Notification, NotificationLevel, Operation
from tests.helpers.aks import aks_subnets, finish_operations, group, spec, state


@pytest.fixture
def vnet(alice):
    subnets = aks_subnets(alice, subnets=(("aks-subnet", "10.50.0.0/21"), ("apps", "10.50.8.0/24")))
    return subnets["aks-subnet"].vnet


def in_new_subnet(vnet, name="cluster-subnet", prefix="10.50.16.0/24", **overrides) -> services.ClusterSpec:
    return spec(None, new_network=services.NewNetwork(subnet_name=name, subnet_prefix=prefix, vnet=vnet), **overrides)


def in_new_vnet(name="lab-aks-vnet", space=("10.224.0.0/12",), subnet=("aks-subnet", "10.224.0.0/16"), **overrides):
    new = services.NewNetwork(subnet_name=subnet[0], subnet_prefix=subnet[1], vnet_name=name, address_space=space)
    return spec(None, new_network=new, **overrides)


def network_state(client) -> tuple:
    """``state`` plus the VNets and subnets a refused create must not leave behind."""
    return (
        state(client),
        sorted(VirtualNetwork.objects.filter(sandbox=client.sandbox).values_list("name", "address_space")),
        sorted(Subnet.objects.filter(vnet__sandbox=client.sandbox).values_list("name", "address_prefix")),
    )


def refused(client, cluster_spec, field: str, *ids: str) -> AzureRuleError:
    before = network_state(client)
    with pytest.raises(AzureRuleError) as caught:
        services.create_cluster(group(client), cluster_spec)
    assert caught.value.field == field
    for rule in ids:
        assert rule in (caught.value.err_id, *caught.value.rule_ids)
    assert network_state(client) == before
    return caught.value


# --- a new subnet in an existing VNet -------------------------------------------------------------


def test_a_cluster_in_a_new_subnet_creates_the_subnet_and_puts_the_nodes_in_it(alice, vnet):
    cluster = services.create_cluster(group(alice), in_new_subnet(vnet))
    subnet = Subnet.objects.get(vnet=vnet, name="cluster-subnet")
    assert subnet.address_prefix == "10.50.16.0/24"
    assert cluster.subnet == subnet
    # SUBNET-01: the first node takes .4, as in an existing subnet.
    assert sorted(subnet.nics.values_list("private_ip", flat=True)) == ["10.50.16.4", "10.50.16.5", "10.50.16.6"]


def test_the_new_subnet_is_logged_as_its_own_operation_and_the_bell_tells_only_the_deployment(alice, vnet):
    notes_before = Notification.objects.filter(sandbox=alice.sandbox).count()
    cluster = services.create_cluster(group(alice), in_new_subnet(vnet))
    rows = list(ActivityLogEntry.objects.filter(sandbox=alice.sandbox, resource_id=vnet.arm_id).values_list(
        "operation_name", "status"
    ))
    assert ("Create or Update Subnet", "Succeeded") in rows
    titles = [n.title for n in Notification.objects.filter(sandbox=alice.sandbox).order_by("id")[notes_before:]]
    # As with an existing subnet: the deployment, and kubenet's route table (AKS-02); no "Saved subnet".
    assert titles == ["Associated route table", "Deployment in progress..."]
    finish_operations(alice)
    note = Notification.objects.get(operation=Operation.objects.get(kind="aks-create", resource_id=cluster.arm_id))
    assert (note.title, note.level) == ("Deployment succeeded", NotificationLevel.SUCCESS)


@pytest.mark.parametrize(
    ("name", "prefix", "field", "ids"),
    [
        ("cluster-subnet", "10.50.16.5/24", "new_subnet_prefix", ("SUBNET-05",)),  # not a network address
        ("cluster-subnet", "10.60.0.0/24", "new_subnet_prefix", ("ERR-21", "SUBNET-05")),  # outside the space
        ("cluster-subnet", "10.50.8.0/25", "new_subnet_prefix", ("ERR-21", "SUBNET-05")),  # overlaps 'apps'
        ("cluster-subnet", "10.50.16.0/30", "new_subnet_prefix", ("ERR-23", "SUBNET-03")),  # smaller than /29
        ("APPS", "10.50.16.0/24", "new_subnet_name", ("NAMING-03",)),  # name taken (case-insensitive)
        ("bad name!", "10.50.16.0/24", "new_subnet_name", ()),  # invalid name
    ],
)
def test_a_new_subnet_is_refused_as_the_add_subnet_pane_refuses_it_and_nothing_is_written(
    alice, vnet, name, prefix, field, ids
):
    refused(alice, in_new_subnet(vnet, name=name, prefix=prefix), field, *ids)


def test_a_new_subnet_too_small_for_azure_cni_is_err_43_on_its_range_and_nothing_is_written(alice, vnet):
    # AKS-21 [Classic]: (8 + 1) + (8 + 1) × 30 = 279 addresses; a /24 has 251.
    error = refused(
        alice, in_new_subnet(vnet, network_plugin="azure", node_count=8), "new_subnet_prefix", "ERR-43", "AKS-21"
    )
    assert "'cluster-subnet' has 251 usable IPs" in error.message


def test_a_refusal_after_the_subnet_is_placed_still_leaves_no_subnet(alice, vnet):
    # ERR-33 is judged with the new subnet in place; the subnet goes with the refusal.
    refused(alice, in_new_subnet(vnet, network_policy="azure"), "network_policy", "ERR-33")


def test_a_new_subnet_in_another_regions_vnet_is_refused_on_the_vnet(alice, vnet):
    refused(alice, in_new_subnet(vnet, location="westeurope"), "vnet", "VNET-03")


def test_cluster_refusals_for_a_new_subnet_write_nothing_and_land_on_the_wizards_fields(alice, vnet):
    before = network_state(alice)
    # A refused new subnet, and the cluster's own refusals beside it.
    errors = services.cluster_refusals(
        alice.sandbox, group(alice), in_new_subnet(vnet, name="lab aks", network_policy="azure")
    )
    assert {(e.field, e.err_id) for e in errors} == {("new_subnet_name", ""), ("network_policy", "ERR-33")}
    errors = services.cluster_refusals(
        alice.sandbox, group(alice), in_new_subnet(vnet, network_plugin="azure", node_count=8, network_policy="calico",
                                                   dns_service_ip="10.0.0.1")
    )
    assert {(e.field, e.err_id) for e in errors} >= {("new_subnet_prefix", "ERR-43"), ("dns_service_ip", "ERR-37")}
    assert services.cluster_refusals(alice.sandbox, group(alice), in_new_subnet(vnet)) == []
    assert network_state(alice) == before


# --- a new VNet ----------------------------------------------------------------------------------


def test_a_cluster_in_a_new_vnet_creates_the_vnet_its_subnet_and_the_cluster(alice):
    notes_before = Notification.objects.filter(sandbox=alice.sandbox).count()
    cluster = services.create_cluster(group(alice), in_new_vnet())
    vnet = VirtualNetwork.objects.get(sandbox=alice.sandbox, name="lab-aks-vnet")
    assert (vnet.location, vnet.address_space, vnet.resource_group.name) == ("eastus", ["10.224.0.0/12"], "contoso-rg")
    assert cluster.subnet.vnet == vnet
    assert (cluster.subnet.name, cluster.subnet.address_prefix) == ("aks-subnet", "10.224.0.0/16")
    logged = ActivityLogEntry.objects.filter(sandbox=alice.sandbox, resource_id=vnet.arm_id).order_by("timestamp", "id")
    assert logged.values_list("operation_name", "status")[0] == ("Create or Update Virtual Network", "Succeeded")
    # The bell tells the cluster's deployment, as with an existing subnet: no "Deployment succeeded" for the VNet.
    titles = [n.title for n in Notification.objects.filter(sandbox=alice.sandbox).order_by("id")[notes_before:]]
    assert titles == ["Associated route table", "Deployment in progress..."]


def test_a_new_vnet_works_for_azure_cni_too(alice):
    cluster = services.create_cluster(group(alice), in_new_vnet(network_plugin="azure", node_count=3))
    assert cluster.subnet.vnet.name == "lab-aks-vnet"
    assert cluster.subnet.aks_pod_ips.count() == 3 * 30  # AKS-20


@pytest.mark.parametrize(
    ("overrides", "field", "ids"),
    [
        ({"name": "aks-vnet"}, "new_vnet_name", ("NAMING-02",)),  # exists in contoso-rg
        ({"name": "-bad-"}, "new_vnet_name", ()),
        ({"space": ("224.0.0.0/8",)}, "new_vnet_space", ("ERR-20", "VNET-02")),
        ({"space": ("10.224.0.0/33",)}, "new_vnet_space", ()),
        ({"space": ()}, "new_vnet_space", ("VNET-03",)),
        ({"subnet": ("aks-subnet", "10.10.0.0/16")}, "new_subnet_prefix", ("ERR-21", "SUBNET-05")),
        ({"subnet": ("bad name!", "10.224.0.0/16")}, "new_subnet_name", ()),
        # AKS-43: the service CIDR (10.0.0.0/16) can't be inside the cluster VNet.
        ({"space": ("10.0.0.0/8",), "subnet": ("aks-subnet", "10.224.0.0/16")}, "service_cidr", ("AKS-43",)),
    ],
)
def test_a_new_vnet_is_refused_as_create_vnet_refuses_it_and_nothing_is_written(alice, vnet, overrides, field, ids):
    values = {"name": "lab-aks-vnet", "space": ("10.224.0.0/12",), "subnet": ("aks-subnet", "10.224.0.0/16")}
    values.update(overrides)
    refused(alice, in_new_vnet(**values), field, *ids)


def test_a_cluster_name_already_taken_is_refused_after_the_vnet_is_placed(alice, vnet):
    services.create_cluster(group(alice), spec(vnet.subnets.get(name="aks-subnet")))
    refused(alice, in_new_vnet(name="second-vnet"), "name", "NAMING-40")
    assert ManagedCluster.objects.filter(sandbox=alice.sandbox).count() == 1
