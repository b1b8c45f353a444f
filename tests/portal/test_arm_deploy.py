"""Deploying an estate template: networking's core types through their
services, in dependsOn order, all or nothing, and quietly."""

import json

import pytest

from networking import models as m
from portal.arm.deploy import deploy
from portal.arm.errors import ArmError
from portal.arm.export import export_sandbox
from portal.models import ActivityLogEntry, Notification, Operation, ResourceGroup
from portal.seed import estate

pytestmark = pytest.mark.django_db

VNET = "Microsoft.Network/virtualNetworks"


def template(*resources, parameters=None, variables=None) -> dict:
    return {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": parameters or {},
        "variables": variables or {},
        "resources": list(resources),
    }


def subnet(name: str, prefix: str, extra: dict | None = None) -> dict:
    return {"name": name, "properties": {"addressPrefix": prefix, **(extra or {})}}


def vnet(name="lab-vnet", space="10.50.0.0/16", subnets=(), **properties) -> dict:
    return {
        "type": VNET,
        "apiVersion": "2023-09-01",
        "name": name,
        "location": "eastus",
        "properties": {
            "addressSpace": {"addressPrefixes": [space]},
            "subnets": [subnet(*s) for s in subnets],
            **properties,
        },
    }


def nsg(name="lab-nsg", rules=()) -> dict:
    return {
        "type": "Microsoft.Network/networkSecurityGroups",
        "apiVersion": "2023-09-01",
        "name": name,
        "location": "eastus",
        "properties": {"securityRules": list(rules)},
    }


def rule(name="Allow-HTTPS", priority=100, **overrides) -> dict:
    properties = {
        "priority": priority,
        "direction": "Inbound",
        "access": "Allow",
        "protocol": "Tcp",
        "sourceAddressPrefix": "VirtualNetwork",
        "sourcePortRange": "*",
        "destinationAddressPrefix": "*",
        "destinationPortRange": "443",
        **overrides,
    }
    return {"name": name, "properties": properties}


def state(sandbox) -> str:
    """Everything a learner could see change: the estate, the bell, the log."""
    return json.dumps(
        {
            "estate": export_sandbox(sandbox),
            "groups": sorted(
                ResourceGroup.objects.filter(subscription__sandbox=sandbox).values_list("name", flat=True)
            ),
            "notifications": Notification.objects.filter(sandbox=sandbox).count(),
            "activity": ActivityLogEntry.objects.filter(sandbox=sandbox).count(),
        },
        sort_keys=True,
    )


def refused(sandbox, document, **kwargs) -> ArmError:
    before = state(sandbox)
    with pytest.raises(ArmError) as error:
        deploy(sandbox, document, **kwargs)
    assert state(sandbox) == before, "a refused template must leave the sandbox as it was"
    return error.value


def test_it_deploys_a_network_through_the_services_in_dependency_order(alice):
    nsg_id = "[resourceId('Microsoft.Network/networkSecurityGroups', 'lab-nsg')]"
    table_id = "[resourceId('Microsoft.Network/routeTables', 'lab-rt')]"
    document = template(
        vnet(
            "[parameters('name')]",
            subnets=[
                ("apps", "10.50.1.0/24", {"networkSecurityGroup": {"id": nsg_id}, "routeTable": {"id": table_id}}),
                (
                    "sql",
                    "10.50.2.0/24",
                    {
                        "delegations": [{"name": "d", "properties": {"serviceName": "Microsoft.Sql/managedInstances"}}],
                        "serviceEndpoints": [{"service": "Microsoft.Storage"}],
                    },
                ),
            ],
            dhcpOptions={"dnsServers": ["10.50.1.10"]},
        )
        | {"dependsOn": [nsg_id, table_id]},
        nsg(rules=[rule(), rule("Deny-SMTP", 200, direction="Outbound", access="Deny", destinationPortRange="25")]),
        {
            "type": "Microsoft.Network/routeTables",
            "apiVersion": "2023-09-01",
            "name": "lab-rt",
            "location": "eastus",
            "properties": {
                "disableBgpRoutePropagation": True,
                "routes": [
                    {
                        "name": "to-nva",
                        "properties": {
                            "addressPrefix": "0.0.0.0/0",
                            "nextHopType": "VirtualAppliance",
                            "nextHopIpAddress": "10.50.1.4",
                        },
                    }
                ],
            },
        },
        parameters={"name": {"type": "string", "defaultValue": "lab-vnet"}},
    )
    deployment = deploy(alice.sandbox, document, resource_group="contoso-rg")

    created = m.VirtualNetwork.objects.get(sandbox=alice.sandbox, name="lab-vnet")
    assert created.address_space == ["10.50.0.0/16"] and created.dns_servers == ["10.50.1.10"]
    apps, sql = created.subnets.order_by("name")
    assert (apps.nsg.name, apps.route_table.name) == ("lab-nsg", "lab-rt")
    assert sql.delegation == "Microsoft.Sql/managedInstances" and sql.service_endpoints == ["Microsoft.Storage"]
    rules = {r.name: r for r in m.SecurityRule.objects.filter(nsg__name="lab-nsg", nsg__sandbox=alice.sandbox)}
    assert rules["Allow-HTTPS"].source_address_prefixes == ["VirtualNetwork"]
    assert (rules["Deny-SMTP"].direction, rules["Deny-SMTP"].access, rules["Deny-SMTP"].priority) == (
        "Outbound",
        "Deny",
        200,
    )
    table = m.RouteTable.objects.get(sandbox=alice.sandbox, name="lab-rt")
    assert table.disable_bgp_route_propagation and table.routes.get().next_hop_ip == "10.50.1.4"
    assert [r.rsplit("/", 1)[-1] for r in deployment.resources] == ["lab-nsg", "lab-rt", "lab-vnet"]


def test_loading_an_estate_leaves_no_notification_activity_or_running_operation(alice):
    before = (
        Notification.objects.filter(sandbox=alice.sandbox).count(),
        ActivityLogEntry.objects.filter(sandbox=alice.sandbox).count(),
    )
    deploy(alice.sandbox, template(vnet(subnets=[("a", "10.50.0.0/24")]), nsg()), resource_group="contoso-rg")
    after = (
        Notification.objects.filter(sandbox=alice.sandbox).count(),
        ActivityLogEntry.objects.filter(sandbox=alice.sandbox).count(),
    )
    assert after == before
    assert not Operation.objects.filter(sandbox=alice.sandbox).unfinished().exists()


def test_a_deploy_from_the_blade_is_logged_like_the_learners_own_changes(alice):
    deploy(alice.sandbox, template(nsg()), resource_group="contoso-rg", quiet=False)
    assert Notification.objects.filter(sandbox=alice.sandbox, title="Deployment succeeded").exists()


def test_a_refusal_rolls_back_every_resource_and_cites_the_rule(alice):
    document = template(
        nsg(),
        vnet(subnets=[("one", "10.50.1.0/24"), ("two", "10.50.1.128/25")]),
    )
    error = refused(alice.sandbox, document, resource_group="contoso-rg")
    assert error.resource == "lab-vnet"
    assert error.path == "properties.subnets[1].properties"
    assert error.rule_ids == ("ERR-21", "SUBNET-05")
    assert "overlaps" in error.message and not m.NetworkSecurityGroup.objects.filter(name="lab-nsg").exists()


def test_a_security_rule_is_refused_as_the_pane_refuses_it(alice):
    error = refused(alice.sandbox, template(nsg(rules=[rule(priority=50)])), resource_group="contoso-rg")
    assert error.rule_ids == ("ERR-25", "NSG-02")
    assert (error.resource, error.path) == ("lab-nsg", "properties.securityRules[0].properties")


def test_a_property_of_the_wrong_type_is_named(alice):
    document = template(vnet() | {"properties": {"addressSpace": {"addressPrefixes": "10.50.0.0/16"}}})
    error = refused(alice.sandbox, document, resource_group="contoso-rg")
    assert (error.resource, error.path) == ("lab-vnet", "properties.addressSpace.addressPrefixes")
    assert "must be an array, not a string" in error.message


def test_a_reference_to_a_missing_resource_is_named(alice):
    missing = "[resourceId('Microsoft.Network/networkSecurityGroups', 'nowhere-nsg')]"
    document = template(vnet(subnets=[("a", "10.50.0.0/24", {"networkSecurityGroup": {"id": missing}})]))
    error = refused(alice.sandbox, document, resource_group="contoso-rg")
    assert error.resource == "lab-vnet"
    assert error.path == "properties.subnets[0].properties.networkSecurityGroup.id"
    assert "nowhere-nsg" in error.message and "was not found" in error.message


@pytest.mark.parametrize(
    ("text", "message", "resource", "path"),
    [
        ('{"resources": [', "not valid JSON", "", ""),
        ("[]", "must be a JSON object", "", ""),
        ('{"resources": {}}', "'resources' must be an array", "", "resources"),
        ('{"resources": [], "extra": 1}', "unknown top-level property 'extra'", "", "extra"),
        ('{"resources": [{"name": "x", "type": "Microsoft.Nope/things"}]}', "not known here", "x", "type"),
        ('{"resources": [{"name": "x"}]}', "has no 'type'", "x", "type"),
        (
            '{"resources": [{"type": "Microsoft.Network/networkSecurityGroups", "name": 5}]}',
            "must be a string",
            "resources[0]",
            "name",
        ),
        (
            '{"resources": [{"type": "Microsoft.Network/networkSecurityGroups", "name": "n", "location": "eastus", "properties": []}]}',
            "'properties' must be an object",
            "n",
            "properties",
        ),
        (
            '{"resources": [{"type": "Microsoft.Network/networkSecurityGroups", "name": "n", "dependsOn": ["ghost"]}]}',
            "'ghost' it depends on is not defined",
            "n",
            "dependsOn[0]",
        ),
        (
            '{"resources": [{"type": "Microsoft.Network/virtualNetworks/subnets", "name": "only-one", "properties": {}}]}',
            "has 2 segment(s)",
            "only-one",
            "name",
        ),
        (
            '{"resources": [{"type": "Microsoft.Network/networkSecurityGroups", "name": "[concat(]"}]}',
            "is not valid",
            "[concat(]",
            "name",
        ),
    ],
)
def test_bad_input_is_named_and_changes_nothing(alice, text, message, resource, path):
    error = refused(alice.sandbox, text, resource_group="contoso-rg")
    assert message in error.message
    assert (error.resource, error.path) == (resource, path)


def test_a_dependency_cycle_is_refused(alice):
    a = nsg("a-nsg") | {"dependsOn": ["b-nsg"]}
    b = nsg("b-nsg") | {"dependsOn": ["[resourceId('Microsoft.Network/networkSecurityGroups', 'a-nsg')]"]}
    error = refused(alice.sandbox, template(a, b), resource_group="contoso-rg")
    assert "Circular dependency" in error.message and "'a-nsg'" in error.message and "'b-nsg'" in error.message


def test_a_condition_skips_a_resource_and_the_dependencies_on_it(alice):
    document = template(
        nsg("kept-nsg") | {"dependsOn": ["skipped-nsg"]},
        nsg("skipped-nsg") | {"condition": "[parameters('withExtra')]"},
        parameters={"withExtra": {"type": "bool", "defaultValue": False}},
    )
    deploy(alice.sandbox, document, resource_group="contoso-rg")
    names = set(m.NetworkSecurityGroup.objects.filter(sandbox=alice.sandbox).values_list("name", flat=True))
    assert "kept-nsg" in names and "skipped-nsg" not in names


def test_resources_may_name_their_group_which_is_created_when_needed(alice):
    document = template(
        {
            "type": "Microsoft.Resources/resourceGroups",
            "apiVersion": "2022-09-01",
            "name": "lab-rg",
            "location": "westus",
        },
        nsg() | {"resourceGroup": "lab-rg", "location": "westus"},
        nsg("other-nsg") | {"resourceGroup": "undeclared-rg"},
    )
    deployment = deploy(alice.sandbox, document)
    assert deployment.created_groups == ["lab-rg", "undeclared-rg"]
    assert ResourceGroup.objects.get(subscription__sandbox=alice.sandbox, name="lab-rg").location == "westus"
    assert m.NetworkSecurityGroup.objects.get(sandbox=alice.sandbox, name="lab-nsg").resource_group.name == "lab-rg"


def test_a_resource_without_a_group_needs_one(alice):
    error = refused(alice.sandbox, template(nsg()))
    assert (error.resource, error.path) == ("lab-nsg", "resourceGroup")


def test_a_group_in_a_region_the_lab_lacks_is_refused(alice):
    group = {
        "type": "Microsoft.Resources/resourceGroups",
        "apiVersion": "2022-09-01",
        "name": "x-rg",
        "location": "mars",
    }
    error = refused(alice.sandbox, template(group))
    assert (error.resource, error.path) == ("x-rg", "location")


def test_two_vnets_peer_both_ways_and_overlap_is_refused(alice):
    peering = "Microsoft.Network/virtualNetworks/virtualNetworkPeerings"

    def link(name, remote, *, in_template=True):
        remote_id = f"[resourceId('{VNET}', '{remote}')]"
        return {
            "type": peering,
            "apiVersion": "2023-09-01",
            "name": name,
            "dependsOn": [remote_id] if in_template else [],
            "properties": {"remoteVirtualNetwork": {"id": remote_id}, "allowForwardedTraffic": True},
        }

    document = template(
        vnet("hub", "10.60.0.0/16"),
        vnet("spoke", "10.61.0.0/16"),
        link("hub/hub-to-spoke", "spoke"),
        link("spoke/spoke-to-hub", "hub"),
    )
    deploy(alice.sandbox, document, resource_group="contoso-rg")
    links = m.VirtualNetworkPeering.objects.filter(vnet__sandbox=alice.sandbox, vnet__name__in=["hub", "spoke"])
    assert sorted((p.name, p.peering_state, p.allow_forwarded_traffic) for p in links) == [
        ("hub-to-spoke", "Connected", True),
        ("spoke-to-hub", "Connected", True),
    ]
    overlapping = template(vnet("other", "10.61.0.0/16"), link("other/other-to-spoke", "spoke", in_template=False))
    error = refused(alice.sandbox, overlapping, resource_group="contoso-rg")
    assert error.rule_ids == ("ERR-22", "VNET-15") and error.resource == "other/other-to-spoke"


def test_a_nic_takes_its_private_ip_and_a_vm_attaches_to_it(alice):
    subnet_id = "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'lab-vnet', 'vms')]"
    nic = {
        "type": "Microsoft.Network/networkInterfaces",
        "apiVersion": "2023-09-01",
        "name": "lab-vm-nic",
        "location": "eastus",
        "dependsOn": ["lab-vnet"],
        "properties": {
            "enableIPForwarding": True,
            "ipConfigurations": [
                {"name": "ipconfig1", "properties": {"privateIPAddress": "10.50.0.10", "subnet": {"id": subnet_id}}}
            ],
        },
    }
    vm = {
        "type": "Microsoft.Compute/virtualMachines",
        "apiVersion": "2023-09-01",
        "name": "lab-vm",
        "location": "eastus",
        "dependsOn": ["lab-vm-nic"],
        "properties": {
            "hardwareProfile": {"vmSize": "Standard_B2s"},
            "networkProfile": {
                "networkInterfaces": [{"id": "[resourceId('Microsoft.Network/networkInterfaces', 'lab-vm-nic')]"}]
            },
        },
    }
    deploy(alice.sandbox, template(vnet(subnets=[("vms", "10.50.0.0/24")]), nic, vm), resource_group="contoso-rg")
    created = m.NetworkInterface.objects.get(sandbox=alice.sandbox, name="lab-vm-nic")
    assert (created.private_ip, created.enable_ip_forwarding, created.vm.name) == ("10.50.0.10", True, "lab-vm")

    reserved = json.loads(json.dumps(nic).replace("lab-vm-nic", "second-nic").replace("10.50.0.10", "10.50.0.1"))
    del reserved["dependsOn"]  # the VNet exists now, outside this template
    error = refused(alice.sandbox, template(reserved), resource_group="contoso-rg")
    assert error.rule_ids == ("SUBNET-01",) and "reserved" in error.message
    assert error.path == "properties.ipConfigurations[0].properties"


def test_deploying_again_updates_what_exists(alice):
    deploy(alice.sandbox, template(vnet(subnets=[("a", "10.50.0.0/24")])), resource_group="contoso-rg")
    wider = vnet(space="10.50.0.0/15", subnets=[("a", "10.50.0.0/24"), ("b", "10.51.0.0/24")])
    deploy(alice.sandbox, template(wider), resource_group="contoso-rg")
    created = m.VirtualNetwork.objects.get(sandbox=alice.sandbox, name="lab-vnet")
    assert created.address_space == ["10.50.0.0/15"]
    assert sorted(created.subnets.values_list("name", flat=True)) == ["a", "b"]


def test_the_same_estate_deployed_twice_changes_nothing_the_second_time(empty_sandbox):
    deploy(empty_sandbox, estate(), parameters={"era": empty_sandbox.era})
    before = state(empty_sandbox)
    deploy(empty_sandbox, estate(), parameters={"era": empty_sandbox.era})
    assert state(empty_sandbox) == before


def test_a_sandbox_export_keeps_apart_the_same_name_in_two_groups(alice, empty_sandbox):
    deploy(alice.sandbox, template(nsg("twin-nsg")), resource_group="contoso-rg")
    deploy(alice.sandbox, template(nsg("twin-nsg") | {"resourceGroup": "other-rg"}))
    exported = export_sandbox(alice.sandbox)
    assert exported["parameters"]["networkSecurityGroups_twin_nsg_name"]["defaultValue"] == "twin-nsg"
    assert exported["parameters"]["networkSecurityGroups_other_rg_twin_nsg_name"]["defaultValue"] == "twin-nsg"
    deploy(empty_sandbox, exported)
    twins = m.NetworkSecurityGroup.objects.filter(sandbox=empty_sandbox, name="twin-nsg")
    groups = sorted(twins.values_list("resource_group__name", flat=True))
    assert groups == ["contoso-rg", "other-rg"]
