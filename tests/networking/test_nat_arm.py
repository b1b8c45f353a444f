"""ARM JSON in and out for NAT gateways and public IPs: JSON View's document,
Export template, and a template deployed through the services (same rules,
same IDs; bad input names the resource and the property, writes nothing)."""

import copy
import json

import pytest
from django.urls import reverse

from networking.models import NatGateway, PublicIPAddress, Subnet
from networking.services import nat as services
from networking.services import vnets
from portal import services as portal_services
from portal.arm.deploy import deploy
from portal.arm.errors import ArmError
from portal.arm.export import export_group
from tests.helpers.nsgs import blade_url

pytestmark = pytest.mark.django_db


def _estate(client):
    """nat-rg: a VNet whose web subnet goes out through a NAT gateway with one public IP."""
    rg = portal_services.create_resource_group(client.sandbox, name="nat-rg", location="eastus")
    vnet = vnets.create_vnet(rg, name="nat-vnet", location="eastus", address_space=["10.60.0.0/16"], subnets=[("web", "10.60.1.0/24")])
    pip = services.create_public_ip(rg, services.PublicIpSpec("nat-ip", "eastus"))
    nat = services.create_nat_gateway(
        rg, services.NatGatewaySpec(name="nat-gw", location="eastus", idle_timeout=10, public_ips=(pip,), subnets=(vnet.subnets.get(),))
    )
    return rg, nat, pip


def _empty_group(client):
    return portal_services.create_resource_group(client.sandbox, name="nat-rg", location="eastus")


def test_json_view_shows_azures_documents(alice):
    _, nat, pip = _estate(alice)
    nat_doc = json.loads(alice.get(blade_url(nat, "nat_gateway_json")).context["document"])
    assert nat_doc["sku"] == {"name": "Standard"} and nat_doc["properties"]["idleTimeoutInMinutes"] == 10
    assert nat_doc["properties"]["publicIpAddresses"] == [{"id": pip.arm_id}]
    assert nat_doc["properties"]["subnets"][0]["id"].endswith("/virtualNetworks/nat-vnet/subnets/web")
    pip_doc = json.loads(alice.get(blade_url(pip, "public_ip_json")).context["document"])
    assert pip_doc["properties"]["ipAddress"] == "198.51.100.1" and pip_doc["properties"]["natGateway"] == {"id": nat.arm_id}


def test_export_template_refers_by_resource_id_without_a_cycle(alice):
    rg, _, _ = _estate(alice)
    template = export_group(rg)
    by_type = {r["type"]: r for r in template["resources"] if "/" in r["type"] and r["type"].count("/") == 1}
    nat = by_type["Microsoft.Network/natGateways"]
    assert "resourceId('Microsoft.Network/publicIPAddresses'" in json.dumps(nat["properties"]["publicIpAddresses"])
    assert any("publicIPAddresses" in d for d in nat["dependsOn"])
    assert "subnets" not in nat["properties"]
    pip = by_type["Microsoft.Network/publicIPAddresses"]
    assert "natGateway" not in pip["properties"] and "ipAddress" not in pip["properties"] and not pip.get("dependsOn")
    vnet = by_type["Microsoft.Network/virtualNetworks"]
    assert "natGateways" in json.dumps(vnet["properties"]["subnets"]) and any("natGateways" in d for d in vnet["dependsOn"])


def test_an_exported_estate_deploys_into_another_sandbox_and_exports_identically(alice, bob):
    rg, _, _ = _estate(alice)
    template = export_group(rg)
    copy_group = _empty_group(bob)
    deploy(bob.sandbox, copy.deepcopy(template), resource_group="nat-rg")
    nat = NatGateway.objects.get(sandbox=bob.sandbox, name="nat-gw")
    assert Subnet.objects.get(vnet__sandbox=bob.sandbox, vnet__name="nat-vnet", name="web").nat_gateway == nat
    assert nat.public_ips.get().ip_address == "198.51.100.1" and nat.idle_timeout_minutes == 10
    assert json.dumps(export_group(copy_group), sort_keys=True) == json.dumps(template, sort_keys=True)


def test_a_template_meets_the_same_rules_and_writes_nothing_nat_04(alice):
    _empty_group(alice)
    template = {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "resources": [
            {"type": "Microsoft.Network/publicIPAddresses", "apiVersion": "2023-09-01", "name": "basic-ip", "location": "eastus", "sku": {"name": "Basic"}, "properties": {"publicIPAllocationMethod": "Static"}},
            {
                "type": "Microsoft.Network/natGateways",
                "apiVersion": "2023-09-01",
                "name": "nat-gw",
                "location": "eastus",
                "dependsOn": ["[resourceId('Microsoft.Network/publicIPAddresses', 'basic-ip')]"],
                "properties": {"publicIpAddresses": [{"id": "[resourceId('Microsoft.Network/publicIPAddresses', 'basic-ip')]"}]},
            },
        ],
    }
    with pytest.raises(ArmError) as exc:
        deploy(alice.sandbox, template, resource_group="nat-rg")
    assert "NAT-04" in exc.value.rule_ids and exc.value.resource == "nat-gw"
    assert not PublicIPAddress.objects.filter(sandbox=alice.sandbox).exists()


@pytest.mark.parametrize(
    ("resource", "path"),
    [
        ({"name": "nat-gw", "properties": {"idleTimeoutInMinutes": "ten"}}, "properties.idleTimeoutInMinutes"),
        ({"name": "nat-gw", "properties": {"publicIpAddresses": [{"id": "/subscriptions/x/resourceGroups/nat-rg/providers/Microsoft.Network/publicIPAddresses/missing"}]}}, "properties.publicIpAddresses[0].id"),
        ({"name": "nat-gw", "properties": {"publicIpAddresses": "all"}}, "properties.publicIpAddresses"),
        ({"name": "nat-gw", "sku": {"name": "Premium"}}, "sku.name"),
    ],
)
def test_bad_documents_name_the_resource_and_the_property(alice, resource, path):
    _empty_group(alice)
    document = {"type": "Microsoft.Network/natGateways", "apiVersion": "2023-09-01", "location": "eastus", **resource}
    template = {"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#", "contentVersion": "1.0.0.0", "resources": [document]}
    with pytest.raises(ArmError) as exc:
        deploy(alice.sandbox, template, resource_group="nat-rg")
    assert exc.value.resource == "nat-gw" and exc.value.path == path
    assert not NatGateway.objects.filter(sandbox=alice.sandbox).exists()


def test_export_template_is_on_the_menu_and_shows_the_template(alice, bob):
    _, nat, _ = _estate(alice)
    rg = nat.resource_group
    url = reverse(
        "export_template",
        kwargs={"subscription_id": rg.subscription.subscription_id, "rg": rg.name, "provider": "Microsoft.Network", "type_name": "natGateways", "name": nat.name},
    )
    assert url in alice.get(blade_url(nat, "nat_gateway_overview")).content.decode()
    html = alice.get(url).content.decode()
    # The name is a parameter; the public IP, not exported with it, is referred
    # to by resourceId() in the same group (docs/fidelity.md).
    assert "natGateways_nat_gw_name" in html
    assert "resourceId(&#x27;Microsoft.Network/publicIPAddresses&#x27;, &#x27;nat-ip&#x27;)" in html
    assert bob.get(url).status_code == 404
