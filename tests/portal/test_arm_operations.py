"""ARM operations by resource ID (PUT, PATCH, DELETE): what a lab's reference
solution and a scenario's fault are made of. Each goes through the services,
so Azure's rules refuse what they refuse, and a refusal writes nothing."""

import pytest

from appservice.models import VnetIntegration
from networking import models as m
from portal.arm import operations
from portal.arm.errors import ArmError
from portal.models import ActivityLogEntry
from tests.helpers import app_of, subnet_of

pytestmark = pytest.mark.django_db


def rid(client, path: str, group: str = "contoso-rg") -> str:
    subscription = client.sandbox.subscriptions.get().subscription_id
    return f"/subscriptions/{subscription}/resourceGroups/{group}/providers/{path}"


def put_nsg(client) -> m.NetworkSecurityGroup:
    operations.apply(
        client.sandbox, "PUT", rid(client, "Microsoft.Network/networkSecurityGroups/lab-nsg"), {"location": "eastus"}
    )
    return m.NetworkSecurityGroup.objects.get(sandbox=client.sandbox, name="lab-nsg")


RULE = {
    "properties": {
        "priority": 200,
        "direction": "Outbound",
        "access": "Deny",
        "protocol": "Tcp",
        "sourceAddressPrefix": "*",
        "sourcePortRange": "*",
        "destinationAddressPrefix": "Internet",
        "destinationPortRange": "25",
    }
}


def test_put_creates_a_resource_through_its_services(alice):
    nsg = put_nsg(alice)
    assert nsg.resource_group.name == "contoso-rg" and nsg.location == "eastus"


def test_put_of_an_inline_child_adds_it_to_its_parent(alice):
    nsg = put_nsg(alice)
    operations.apply(
        alice.sandbox,
        "PUT",
        rid(alice, "Microsoft.Network/networkSecurityGroups/lab-nsg/securityRules/deny-smtp"),
        RULE,
    )
    rule = nsg.rules.get(name="deny-smtp")
    assert (rule.priority, rule.access, rule.direction) == (200, "Deny", "Outbound")


def test_put_of_a_rule_with_a_taken_priority_is_refused_and_writes_nothing_nsg_rule(alice):
    nsg = put_nsg(alice)
    operations.apply(
        alice.sandbox,
        "PUT",
        rid(alice, "Microsoft.Network/networkSecurityGroups/lab-nsg/securityRules/deny-smtp"),
        RULE,
    )
    with pytest.raises(ArmError) as refused:
        operations.apply(
            alice.sandbox,
            "PUT",
            rid(alice, "Microsoft.Network/networkSecurityGroups/lab-nsg/securityRules/again"),
            RULE,
        )
    assert refused.value.rule_ids, refused.value
    assert list(nsg.rules.values_list("name", flat=True)) == ["deny-smtp"]


def test_patch_merges_into_the_current_document(alice):
    subnet_id = rid(alice, "Microsoft.Network/virtualNetworks/contoso-vnet/subnets/integration-subnet")
    before = operations.current_document(alice.sandbox, operations.ids.parse(subnet_id))
    operations.apply(
        alice.sandbox,
        "PATCH",
        subnet_id,
        {"properties": {"serviceEndpoints": [{"service": "Microsoft.Storage"}]}},
    )
    subnet = subnet_of(alice, "contoso-vnet", "integration-subnet")
    assert subnet.address_prefix == before["properties"]["addressPrefix"]
    assert subnet.service_endpoints == ["Microsoft.Storage"]


def test_patch_keeps_the_associations_it_doesnt_mention(alice):
    """A document's references (a subnet's networkSecurityGroup.id) keep
    their IDs, so a PATCH of something else doesn't drop the association
    (NSG-20); only the resource's own ID is left out."""
    nsg = put_nsg(alice)
    subnet_id = rid(alice, "Microsoft.Network/virtualNetworks/contoso-vnet/subnets/integration-subnet")
    operations.apply(alice.sandbox, "PATCH", subnet_id, {"properties": {"networkSecurityGroup": {"id": nsg.arm_id}}})
    document = operations.current_document(alice.sandbox, operations.ids.parse(subnet_id))
    assert "id" not in document and document["properties"]["networkSecurityGroup"]["id"].endswith("/lab-nsg")
    operations.apply(alice.sandbox, "PATCH", subnet_id, {"properties": {"serviceEndpoints": []}})
    assert subnet_of(alice, "contoso-vnet", "integration-subnet").nsg_id == nsg.pk


def test_delete_of_an_inline_child_removes_it(alice):
    nsg = put_nsg(alice)
    rule_id = rid(alice, "Microsoft.Network/networkSecurityGroups/lab-nsg/securityRules/deny-smtp")
    operations.apply(alice.sandbox, "PUT", rule_id, RULE)
    operations.apply(alice.sandbox, "DELETE", rule_id)
    assert not nsg.rules.exists()
    with pytest.raises(ArmError, match="was not found"):
        operations.apply(alice.sandbox, "DELETE", rule_id)


def test_delete_goes_through_the_types_delete_service(alice):
    put_nsg(alice)
    operations.apply(alice.sandbox, "DELETE", rid(alice, "Microsoft.Network/networkSecurityGroups/lab-nsg"))
    assert not m.NetworkSecurityGroup.objects.filter(sandbox=alice.sandbox, name="lab-nsg").exists()


def test_delete_of_an_app_integration_disconnects_it(alice):
    sub = subnet_of(alice, "contoso-vnet", "integration-subnet")
    from appservice import services

    services.add_regional_integration(app_of(alice, "contoso-web"), sub.vnet, subnet=sub)
    operations.apply(
        alice.sandbox, "DELETE", rid(alice, "Microsoft.Web/sites/contoso-web/networkConfig/virtualNetwork")
    )
    assert not VnetIntegration.objects.filter(app__sandbox=alice.sandbox).exists()


def test_a_delete_refused_by_azures_rules_names_them_asvi_63(alice):
    sub = subnet_of(alice, "contoso-vnet", "integration-subnet")
    from appservice import services

    services.add_regional_integration(app_of(alice, "contoso-web"), sub.vnet, subnet=sub)
    with pytest.raises(ArmError) as refused:
        operations.apply(alice.sandbox, "DELETE", rid(alice, "Microsoft.Network/virtualNetworks/contoso-vnet"))
    assert "ASVI-63" in refused.value.rule_ids
    assert m.VirtualNetwork.objects.filter(sandbox=alice.sandbox, name="contoso-vnet").exists()


def test_operations_are_quiet_unless_asked(alice):
    before = ActivityLogEntry.objects.filter(sandbox=alice.sandbox).exclude(status="Failed").count()
    put_nsg(alice)
    assert ActivityLogEntry.objects.filter(sandbox=alice.sandbox).exclude(status="Failed").count() == before


@pytest.mark.parametrize(
    ("method", "path", "body", "message"),
    [
        ("POST", "Microsoft.Network/networkSecurityGroups/x", {}, "is not one of"),
        ("PUT", "Microsoft.Network/virtualHubs/x", {}, "can't be written"),
        ("DELETE", "Microsoft.Network/networkSecurityGroups/missing", None, "was not found"),
        ("PATCH", "Microsoft.Network/routeTables/missing", {}, "was not found"),
        ("PUT", "Microsoft.Network/networkSecurityGroups/x", "not an object", "must be a JSON object"),
    ],
)
def test_bad_operations_say_what_is_wrong_and_write_nothing(alice, method, path, body, message):
    with pytest.raises(ArmError, match=message):
        operations.apply(alice.sandbox, method, rid(alice, path), body)
    assert not m.NetworkSecurityGroup.objects.filter(sandbox=alice.sandbox).exists()


def test_another_sandboxs_resource_is_out_of_reach(alice, bob):
    with pytest.raises(ArmError, match="subscription"):
        operations.apply(alice.sandbox, "DELETE", rid(bob, "Microsoft.Network/virtualNetworks/contoso-vnet"))
    assert m.VirtualNetwork.objects.filter(sandbox=bob.sandbox, name="contoso-vnet").exists()


def test_patch_keeps_references_to_other_resources(alice):
    """A PATCH merges into the current document, whose references (a
    subnet's NSG and route table, a storage account's VNet rules) keep
    their IDs: only the resource's own ID and its inline children's go."""
    nsg = put_nsg(alice)
    subnet_id = rid(alice, "Microsoft.Network/virtualNetworks/contoso-vnet/subnets/integration-subnet")
    nsg_id = rid(alice, "Microsoft.Network/networkSecurityGroups/lab-nsg")
    operations.apply(alice.sandbox, "PATCH", subnet_id, {"properties": {"networkSecurityGroup": {"id": nsg_id}}})
    document = operations.current_document(alice.sandbox, operations.ids.parse(subnet_id))
    assert document["properties"]["networkSecurityGroup"]["id"].lower() == nsg_id.lower()
    assert "id" not in document
    operations.apply(
        alice.sandbox, "PATCH", subnet_id, {"properties": {"serviceEndpoints": [{"service": "Microsoft.Storage"}]}}
    )
    subnet = subnet_of(alice, "contoso-vnet", "integration-subnet")
    assert subnet.nsg == nsg and subnet.service_endpoints == ["Microsoft.Storage"]
    vnet = operations.current_document(alice.sandbox, operations.ids.parse(subnet_id.rsplit("/subnets/", 1)[0]))
    assert all("id" not in s for s in vnet["properties"]["subnets"])


def test_an_apps_integration_reads_as_its_own_arm_type(alice):
    """The model behind both a regional networkConfig and a gateway-required
    virtualNetworkConnection names no ARM type: each reads by the ID's."""
    from appservice import services

    sub = subnet_of(alice, "contoso-vnet", "integration-subnet")
    services.add_regional_integration(app_of(alice, "contoso-web"), sub.vnet, subnet=sub)
    config = operations.current_document(
        alice.sandbox, operations.ids.parse(rid(alice, "Microsoft.Web/sites/contoso-web/networkConfig/virtualNetwork"))
    )
    assert config["properties"]["subnetResourceId"].endswith("/subnets/integration-subnet")
    assert "id" not in config
