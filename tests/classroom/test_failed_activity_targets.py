"""CLS-13: a refused write's Failed row names the resource the request
wrote and the operation in Azure's words: the resource a create wizard or
pane would have made ("Create or Update Virtual Network" on its would-be
ID), the child resource a pane wrote (a subnet, a security rule, a route),
never the subscription's generic "Create Deployment" nor a resource named
"create"."""

import pytest
from django.urls import reverse

from portal.models import ActivityLogEntry
from portal.services import refusal_rules
from tests.helpers import HX
from tests.helpers.nsgs import blade_url, make_nsg, make_table, rg_of, rule_form
from tests.helpers.vnets import post_add_subnet, post_edit_subnet, snapshot

pytestmark = pytest.mark.django_db

BAD_NAME = "bad name!"  # every naming rule refuses the space and the "!"


def _failed(client) -> ActivityLogEntry:
    return ActivityLogEntry.objects.get(sandbox=client.sandbox, status="Failed")


def _wizard_data(client, **changes) -> dict:
    data = {
        "subscription": str(client.sandbox.subscriptions.get().subscription_id),
        "resource_group": "contoso-rg",
        "name": BAD_NAME,
        "region": "eastus",
        "current_tab": "review",
        "action": "create",
    }
    data.update(changes)
    return data


def _sub(client) -> str:
    return f"/subscriptions/{client.sandbox.subscriptions.get().subscription_id}"


# (the wizard: a /create/<kind>/ slug or a create pane's URL name, the ARM type, the operation)
CREATES = [
    ("virtualnetwork", "Microsoft.Network/virtualNetworks", "Create or Update Virtual Network"),
    ("webapp", "Microsoft.Web/sites", "Create or Update App Service"),
    ("appserviceplan", "Microsoft.Web/serverFarms", "Create or Update App Service Plan"),
    ("networking:nsg_create", "Microsoft.Network/networkSecurityGroups", "Create or Update Network Security Group"),
    ("networking:route_table_create", "Microsoft.Network/routeTables", "Create or Update Route Table"),
    ("networking:nat_gateway_create", "Microsoft.Network/natGateways", "Create or Update Nat Gateway"),
    ("networking:public_ip_create", "Microsoft.Network/publicIPAddresses", "Create or Update Public Ip Address"),
    ("networking:dns_zone_create", "Microsoft.Network/privateDnsZones", "Create or Update Private DNS Zone"),
    (
        "networking:local_gateway_create",
        "Microsoft.Network/localNetworkGateways",
        "Create or Update Local Network Gateway",
    ),
    ("networking:circuit_create", "Microsoft.Network/expressRouteCircuits", "Create or Update ExpressRoute Circuit"),
    ("networking:vm_create", "Microsoft.Compute/virtualMachines", "Create or Update Virtual Machine"),
    ("networking:storage_create", "Microsoft.Storage/storageAccounts", "Create or Update Storage Account"),
    ("networking:keyvault_create", "Microsoft.KeyVault/vaults", "Create or Update Key Vault"),
]


def _create_url(client, wizard: str) -> str:
    if ":" in wizard:
        rg = rg_of(client)
        return reverse(wizard, kwargs={"subscription_id": rg.subscription.subscription_id, "rg": rg.name})
    return reverse("create_wizard", kwargs={"kind": wizard})


@pytest.mark.parametrize(("wizard", "arm_type", "operation"), CREATES, ids=[c[0] for c in CREATES])
def test_a_refused_create_names_the_resource_it_would_have_made_cls_13(alice, wizard, arm_type, operation):
    before = snapshot(alice.sandbox)
    response = alice.post(_create_url(alice, wizard), _wizard_data(alice), **HX)
    assert response.status_code == 422
    assert snapshot(alice.sandbox) == before
    entry = _failed(alice)
    assert entry.operation_name == operation
    assert entry.resource_id == f"{_sub(alice)}/resourceGroups/contoso-rg/providers/{arm_type}/{BAD_NAME}"
    assert (entry.resource_group, entry.resource_type) == ("contoso-rg", arm_type)
    assert any(rule.startswith("NAMING-") for rule in refusal_rules(entry.detail))


def test_a_refused_resource_group_create_names_the_group_cls_13(alice):
    data = _wizard_data(alice)
    del data["resource_group"]
    assert alice.post(reverse("create_wizard", kwargs={"kind": "resourcegroup"}), data, **HX).status_code == 422
    entry = _failed(alice)
    assert entry.operation_name == "Create Resource Group"
    assert entry.resource_id == f"{_sub(alice)}/resourceGroups/{BAD_NAME}"
    assert entry.resource_type == "Microsoft.Resources/resourceGroups"


def test_a_refused_create_into_a_new_resource_group_names_that_group_cls_13(alice):
    data = _wizard_data(alice, resource_group="lab-rg", new_resource_group="lab-rg")
    assert alice.post(_create_url(alice, "virtualnetwork"), data, **HX).status_code == 422
    entry = _failed(alice)
    assert entry.resource_id.endswith(f"/resourceGroups/lab-rg/providers/Microsoft.Network/virtualNetworks/{BAD_NAME}")


def test_a_posted_nul_or_an_overlong_name_is_logged_as_a_database_holds_it_cls_13(alice):
    data = _wizard_data(alice, name="vnet\x00" + "x" * 10_000, resource_group="r" * 5_000)
    assert alice.post(_create_url(alice, "virtualnetwork"), data, **HX).status_code == 422
    entry = _failed(alice)
    assert "\x00" not in entry.resource_id and len(entry.resource_id) <= 400 and len(entry.resource_group) <= 90
    assert entry.operation_name == "Create or Update Virtual Network"


def test_no_create_is_logged_as_a_generic_deployment_cls_13(alice):
    for wizard, _, _ in CREATES:
        alice.post(_create_url(alice, wizard), _wizard_data(alice), **HX)
    rows = ActivityLogEntry.objects.filter(sandbox=alice.sandbox, status="Failed")
    assert rows.count() == len(CREATES)
    assert not rows.filter(operation_name="Create Deployment").exists()
    assert not rows.filter(resource_id__endswith="/create").exists()


# --- a child resource's pane ------------------------------------------------------------


VNET = "/resourceGroups/contoso-rg/providers/Microsoft.Network/virtualNetworks/contoso-vnet"


def test_a_refused_new_subnet_names_the_subnet_cls_13(alice):
    assert post_add_subnet(alice, subnet_prefix="10.0.1.128/25").status_code == 422  # overlaps vm-subnet
    entry = _failed(alice)
    assert entry.operation_name == "Create or Update Subnet"
    assert entry.resource_id == f"{_sub(alice)}{VNET}/subnets/app-subnet"
    assert entry.resource_type == "Microsoft.Network/virtualNetworks/subnets"


def test_a_refused_subnet_change_names_the_subnet_cls_13(alice):
    assert post_edit_subnet(alice, "vm-subnet", subnet_prefix="10.9.0.0/24").status_code == 422  # outside the space
    entry = _failed(alice)
    assert entry.operation_name == "Create or Update Subnet"
    assert entry.resource_id == f"{_sub(alice)}{VNET}/subnets/vm-subnet"


def test_a_refused_security_rule_names_the_rule_cls_13(alice):
    nsg = make_nsg(alice)
    url = blade_url(nsg, "nsg_rule_add", direction="outbound")
    assert alice.post(url, rule_form(), **HX).status_code in (200, 302)
    assert alice.post(url, rule_form(name="DenyAgain"), **HX).status_code == 422  # the same priority
    entry = _failed(alice)
    assert entry.operation_name == "Create or Update Security Rule"
    assert entry.resource_id.endswith("/networkSecurityGroups/web-nsg/securityRules/DenyAgain")
    assert entry.resource_type == "Microsoft.Network/networkSecurityGroups/securityRules"


def test_a_refused_route_names_the_route_cls_13(alice):
    table = make_table(alice)
    data = {"name": "to-peer", "address_prefix": "0.0.0.0/0", "next_hop_type": "VNetPeering", "next_hop_ip": ""}
    assert alice.post(blade_url(table, "route_add"), data, **HX).status_code == 422  # a system next hop (ROUTE-22)
    entry = _failed(alice)
    assert entry.operation_name == "Create or Update Route"
    assert entry.resource_id.endswith("/routeTables/spoke-rt/routes/to-peer")
    assert "ROUTE-22" in refusal_rules(entry.detail)


def test_a_blade_of_the_resource_itself_still_names_the_resource_cls_13(alice):
    """A refusal on the VNet's own Address space blade is the VNet's."""
    from tests.helpers.vnets import vnet_url

    response = alice.post(
        vnet_url(alice, "vnet_address_space"), {"address_space": ["10.0.0.0/16", "10.0.0.0/16"], "action": "save"}, **HX
    )
    assert response.status_code == 422
    entry = _failed(alice)
    assert entry.operation_name == "Create or Update Virtual Network"
    assert entry.resource_id == f"{_sub(alice)}{VNET}"
