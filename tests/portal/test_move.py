"""Move resources (portal/move.py): a resource goes to another resource group
of the subscription, its ID changes and what refers to it keeps working;
Azure's move rules refuse what can't move (MOVE-01..08, LOCK-01/02, ASVI-64)."""

import pytest

from aks import services as aks_services
from appservice import services as app_services
from networking import snapshot
from networking.models import RouteTable, Subnet
from networking.services import peerings, routes
from portal import locks, move
from portal.errors import AzureRuleError
from portal.models import ActivityLogEntry, LockLevel, Notification, ResourceGroup, ResourceLock
from portal.resources import recent_resources
from portal.services import create_resource_group, start_operation
from tests.helpers import app_of, subnet_of
from tests.helpers.aks import aks_subnets, spec
from tests.helpers.gateways import make_vnet
from tests.helpers.nsgs import make_table

pytestmark = pytest.mark.django_db


def _target(client, name="target-rg") -> ResourceGroup:
    return create_resource_group(client.sandbox, name=name, location="eastus")


def _refusal(client, resource, target, subscription_id="") -> AzureRuleError:
    with pytest.raises(AzureRuleError) as caught:
        move.move_resource(client.sandbox, resource, target, subscription_id)
    return caught.value


def _associated_table(client) -> tuple[RouteTable, Subnet]:
    table = make_table(client)
    routes.add_route(
        table,
        {
            "name": "to-nva",
            "address_prefix": "0.0.0.0/0",
            "next_hop_type": "VirtualAppliance",
            "next_hop_ip": "10.0.0.4",
        },
    )
    subnet = subnet_of(client, "contoso-vnet", "vm-subnet")
    routes.associate_subnet(table, subnet)
    return table, subnet


def test_a_route_table_moves_to_another_group_with_a_new_id(alice):
    table, subnet = _associated_table(alice)
    old_id = table.arm_id
    target = _target(alice)
    move.move_resource(alice.sandbox, table, target)
    moved = RouteTable.objects.get(pk=table.pk)
    assert moved.resource_group == target
    assert moved.arm_id == old_id.replace("/resourceGroups/contoso-rg/", "/resourceGroups/target-rg/")
    assert list(RouteTable.objects.filter(resource_group=target)) == [moved]
    # The subnet's association is a key, not an ID: it still holds, and the
    # engine's snapshot routes the subnet through the moved table.
    assert Subnet.objects.get(pk=subnet.pk).route_table_id == moved.pk
    topology = snapshot.build(alice.sandbox)
    assert topology.subnets[subnet.pk].route_table_id == moved.pk
    assert moved.pk in topology.route_tables
    # Its routes moved under the new ID.
    assert [item.arm_id for item in move.items_to_move(moved)][1].startswith(moved.arm_id + "/routes/")


def test_the_move_is_logged_and_links_follow_the_new_id(alice):
    table, _ = _associated_table(alice)
    old_link = "/resource" + table.arm_id + "/overview"
    Notification.objects.create(sandbox=alice.sandbox, title="Deployment succeeded", link=old_link)
    source_id = table.resource_group.arm_id
    target = _target(alice)
    move.move_resource(alice.sandbox, table, target)
    names = set(
        ActivityLogEntry.objects.filter(sandbox=alice.sandbox, operation_name="Move Resources").values_list(
            "resource_id", flat=True
        )
    )
    # Azure logs it on the source group; the lab also on the resource's new ID (Recent resources).
    assert names == {source_id, RouteTable.objects.get(pk=table.pk).arm_id}
    assert not Notification.objects.filter(sandbox=alice.sandbox, link=old_link).exists()
    assert Notification.objects.filter(sandbox=alice.sandbox, link__icontains="/resourceGroups/target-rg/").exists()


def test_move_01_the_target_must_be_another_group_of_the_subscription(alice):
    table = make_table(alice)
    same = _refusal(alice, table, table.resource_group)
    assert same.rule_ids == ("MOVE-01",) and same.field == "target"
    assert _refusal(alice, table, None).rule_ids == ("MOVE-01",)
    assert RouteTable.objects.get(pk=table.pk).resource_group.name == "contoso-rg"


def test_move_02_an_aks_cluster_cant_move(alice):
    cluster = aks_services.create_cluster(
        ResourceGroup.objects.get(subscription__sandbox=alice.sandbox, name="contoso-rg"),
        spec(aks_subnets(alice)["aks-subnet"]),
    )
    refusal = _refusal(alice, cluster, _target(alice))
    assert refusal.rule_ids == ("MOVE-02",) and "can't be moved" in refusal.message


def test_move_03_nothing_leaves_an_aks_managed_group(alice):
    cluster = aks_services.create_cluster(
        ResourceGroup.objects.get(subscription__sandbox=alice.sandbox, name="contoso-rg"),
        spec(aks_subnets(alice)["aks-subnet"]),
    )
    node_group = ResourceGroup.objects.get(subscription__sandbox=alice.sandbox, name=cluster.node_resource_group)
    table = make_table(alice)
    refusal = _refusal(alice, table, node_group)
    assert refusal.rule_ids == ("MOVE-03",)
    assert node_group not in move.target_groups(table)


def test_move_05_a_name_taken_in_the_target_group_refuses(alice):
    table = make_table(alice)
    target = _target(alice)
    routes.create_route_table(target, name=table.name, location="eastus")
    assert _refusal(alice, table, target).rule_ids == ("MOVE-05",)


@pytest.mark.parametrize("level, rule", [(LockLevel.CAN_NOT_DELETE, "LOCK-01"), (LockLevel.READ_ONLY, "LOCK-02")])
def test_move_07_a_lock_on_the_source_group_refuses(alice, level, rule):
    table = make_table(alice)
    locks.add_lock(alice.sandbox, table.resource_group, name="keep", level=level)
    refusal = _refusal(alice, table, _target(alice))
    assert refusal.rule_ids == ("MOVE-07", rule) and "ScopeLocked" in refusal.message


def test_move_07_the_resources_own_lock_refuses_so_locks_never_point_at_an_old_id(alice):
    table = make_table(alice)
    locks.add_lock(alice.sandbox, table, name="mine", level=LockLevel.CAN_NOT_DELETE)
    assert _refusal(alice, table, _target(alice)).rule_ids == ("MOVE-07", "LOCK-01")
    assert ResourceLock.objects.get(sandbox=alice.sandbox).resource_id == table.arm_id


def test_move_07_a_read_only_target_group_refuses_a_delete_lock_does_not(alice):
    table = make_table(alice)
    target = _target(alice)
    locks.add_lock(alice.sandbox, target, name="ro", level=LockLevel.READ_ONLY)
    assert _refusal(alice, table, target).rule_ids == ("MOVE-07", "LOCK-02")
    other = _target(alice, "kept-rg")
    locks.add_lock(alice.sandbox, other, name="nodelete", level=LockLevel.CAN_NOT_DELETE)
    move.move_resource(alice.sandbox, table, other)
    assert RouteTable.objects.get(pk=table.pk).resource_group == other


def test_asvi_64_an_integrated_app_or_its_plan_cant_move_to_another_subscription(alice):
    sub = subnet_of(alice, "contoso-vnet", "integration-subnet")
    app = app_of(alice, "contoso-web")
    app_services.add_regional_integration(app, sub.vnet, subnet=sub)
    for resource in (app, app.plan):
        refusal = _refusal(alice, resource, None, "00000000-0000-0000-0000-000000000001")
        assert refusal.err_id == "ERR-17" and refusal.rule_ids == ("ASVI-64",)
        assert (
            refusal.message
            == f"'{resource.name}' can't move to another subscription while virtual network integration is in use."
        )


def test_move_06_the_sandbox_has_one_subscription(alice):
    app = app_of(alice, "contoso-web")
    refusal = _refusal(alice, app, None, "00000000-0000-0000-0000-000000000001")
    assert refusal.rule_ids == ("MOVE-06",) and refusal.field == "subscription"


def test_an_integrated_app_moves_within_the_subscription(alice):
    sub = subnet_of(alice, "contoso-vnet", "integration-subnet")
    app = app_of(alice, "contoso-web")
    app_services.add_regional_integration(app, sub.vnet, subnet=sub)
    target = _target(alice)
    move.move_resource(alice.sandbox, app, target)
    assert app_of(alice, "contoso-web").resource_group == target


def test_move_04_a_peered_vnet_moves_only_once_unpeered(alice):
    hub = make_vnet(alice, "hub-vnet", "10.80.0.0/16")
    spoke = make_vnet(alice, "spoke-vnet", "10.81.0.0/16")
    peerings.add_peering(
        hub,
        spoke,
        name="h-s",
        remote_name="s-h",
        local=peerings.LinkSettings(),
        remote_settings=peerings.LinkSettings(),
    )
    target = _target(alice)
    for vnet in (hub, spoke):
        refusal = _refusal(alice, vnet, target)
        assert refusal.rule_ids == ("MOVE-04",) and "remove its peerings" in refusal.message
    for link in list(hub.peerings.all()) + list(spoke.peerings.all()):
        peerings.delete_peering(link)
    move.move_resource(alice.sandbox, hub, target)
    assert hub.arm_id.split("/")[4] == "target-rg"


def test_recent_resources_and_a_running_operation_follow_the_new_id(alice):
    table = make_table(alice)
    running = start_operation(
        alice.sandbox, kind="test", resource=table, title="Working", done_title="Done", seconds=600
    )
    move.move_resource(alice.sandbox, table, _target(alice))
    recent = [(row.name, row.resource_group) for row in recent_resources(alice.sandbox)]
    assert recent[0] == (table.name, "target-rg")
    running.refresh_from_db()
    assert running.resource_id == RouteTable.objects.get(pk=table.pk).arm_id
