"""ARM operations keep a document's references: a PATCH merges into the
current document without losing a subnet's NSG (only the resource's own
``id`` is read-only), and a peering is read by its ID like any other child
(VNET-11: what a scenario's fault and fix are made of)."""

import pytest

from networking import models as m
from portal.arm import ids, operations
from tests.portal.test_arm_operations import put_nsg, rid

pytestmark = pytest.mark.django_db


def test_a_patch_of_a_subnet_keeps_its_network_security_group_nsg_20(alice):
    nsg = put_nsg(alice)
    subnet_id = rid(alice, "Microsoft.Network/virtualNetworks/contoso-vnet/subnets/integration-subnet")
    operations.apply(alice.sandbox, "PATCH", subnet_id, {"properties": {"networkSecurityGroup": {"id": nsg.arm_id}}})
    operations.apply(
        alice.sandbox, "PATCH", subnet_id, {"properties": {"serviceEndpoints": [{"service": "Microsoft.Storage"}]}}
    )
    subnet = m.Subnet.objects.get(vnet__sandbox=alice.sandbox, name="integration-subnet")
    assert subnet.nsg_id == nsg.pk
    document = operations.current_document(alice.sandbox, ids.parse(subnet_id))
    assert "id" not in document and document["properties"]["networkSecurityGroup"]["id"].endswith("/lab-nsg")


def test_strip_read_only_drops_only_the_documents_own_id():
    stripped = operations.strip_read_only(
        {"id": "/x", "etag": "e", "properties": {"provisioningState": "Succeeded", "routeTable": {"id": "/rt"}}}
    )
    assert stripped == {"properties": {"routeTable": {"id": "/rt"}}}
