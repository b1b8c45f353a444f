"""Review + create writes nothing, for every create wizard the lab has
(issue #9 point 6): the review passes, runs no INSERT, UPDATE, DELETE or
SAVEPOINT, leaves the sandbox as it was, and Create then makes the resource.

The wizards are read from the registry (its products and its ``/create/``
wizards), so a new type's wizard joins this test by itself; one without a
case below fails instead of being skipped.
"""

import re
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from networking.models import Subnet, VirtualNetwork
from portal.create_views import FRAME_PRODUCTS, wizards
from portal.models import ActivityLogEntry, Notification, Operation, ResourceGroup
from portal.registry import registry

WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE|SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK)", re.IGNORECASE)
GROUP = "contoso-rg"


def every_wizard() -> list[str]:
    """Each wizard once: a ``/create/<kind>/`` kind or, for a product made
    inside a resource group, the URL name of its wizard."""
    keys = set(registry.wizards()) | set(wizards())
    keys |= {product.wizard for _, product in registry.products() if product.wizard}
    keys |= {product.wizard for product in FRAME_PRODUCTS if product.wizard}
    return sorted(keys)


def _vnet(client: Client, name: str) -> VirtualNetwork:
    return VirtualNetwork.objects.get(sandbox=client.sandbox, name=name)


def _subnet(client: Client, vnet: str, name: str) -> Subnet:
    return Subnet.objects.get(vnet__sandbox=client.sandbox, vnet__name=vnet, name=name)


def _seeded(client: Client, arm_type: str, name: str) -> str:
    return str(registry.get(arm_type).rows(client.sandbox).get(name=name).pk)


def _pk(obj) -> str:
    return str(obj.pk)


# Valid input for the full demo seed (carol), by wizard; "name" is what Create names the resource.
# Fields that name a seeded resource are callables of the client.
CASES: dict[str, dict] = {
    "resourcegroup": {"name": "lab-rg"},
    "virtualnetwork": {
        "name": "lab-vnet",
        "address_space": ["10.50.0.0/16"],
        "subnet_name": ["default"],
        "subnet_prefix": ["10.50.0.0/24"],
    },
    "appserviceplan": {"name": "lab-plan", "os": "Linux", "sku": "P1V3"},
    "webapp": {
        "name": "lab-app-4711",
        "publish": "code",
        "runtime_stack": "aspnet|4.8",
        "plan": lambda c: _seeded(c, "Microsoft.Web/serverFarms", "contoso-s1-plan"),
    },
    "kubernetes": {
        "name": "lab-aks",
        "region": "westeurope",
        "node_size": "Standard_DS2_v2",
        "node_count": "3",
        "os_type": "Linux",
        "network_plugin": "kubenet",
        "vnet": lambda c: _pk(_vnet(c, "contoso-weu-vnet")),
        "subnet": "",
        "subnet_mode": "new",
        "new_subnet_name": "cluster-subnet",
        "new_subnet_prefix": "10.2.1.0/24",
        "service_cidr": "10.200.0.0/16",
        "dns_service_ip": "10.200.0.10",
        "docker_bridge_cidr": "172.17.0.1/16",
        "network_policy": "none",
    },
    "networking:nsg_create": {"name": "lab-nsg"},
    "networking:route_table_create": {"name": "lab-rt", "propagate": "Yes"},
    "networking:gateway_create": {
        "name": "lab-vpngw",
        "region": "westeurope",
        "gateway_type": "Vpn",
        "vpn_type": "RouteBased",
        "sku": "VpnGw1",
        "generation": "Generation1",
        "vnet": lambda c: _pk(_vnet(c, "contoso-weu-vnet")),
        "gateway_subnet_prefix": "10.2.255.0/27",
        "public_ip_name": "lab-vpngw-ip",
        "active_active": "Disabled",
        "bgp": "Disabled",
        "bgp_asn": "65515",
    },
    "networking:local_gateway_create": {
        "name": "lab-lng",
        "ip_address": "203.0.113.50",
        "address_prefix": ["192.168.100.0/24"],
    },
    "networking:circuit_create": {
        "name": "lab-er",
        "provider": "Equinix",
        "peering_location": "Washington DC",
        "bandwidth": "1000",
        "advertised_prefix": ["192.168.100.0/24"],
    },
    "networking:dns_zone_create": {"name": "lab.contoso.internal"},
    "networking:private_endpoint_create": {
        "name": "lab-pe",
        "connection_method": "directory",
        "resource_type": "Microsoft.Storage/storageAccounts",
        "target": lambda c: _seeded(c, "Microsoft.Storage/storageAccounts", "contosodata01"),
        "group_id": "blob",
        "vnet": lambda c: _pk(_vnet(c, "contoso-hub-vnet")),
        "subnet": lambda c: _pk(_subnet(c, "contoso-hub-vnet", "endpoints-subnet")),
        "integrate_dns": "yes",
    },
    "networking:nat_gateway_create": {
        "name": "lab-nat",
        "zone": "",
        "idle_timeout": "4",
        "new_public_ip": "lab-nat-ip",
        "vnet": lambda c: _pk(_vnet(c, "contoso-vnet")),
        "subnets": lambda c: [_pk(_subnet(c, "contoso-vnet", "vm-subnet"))],
    },
    "networking:public_ip_create": {"name": "lab-ip", "sku": "Standard", "allocation": "Static"},
    "networking:vm_create": {
        "name": "lab-vm",
        "image": "Linux",
        "size": "Standard_B2s",
        "vnet": lambda c: _pk(_vnet(c, "contoso-vnet")),
        "subnet": lambda c: _pk(_subnet(c, "contoso-vnet", "vm-subnet")),
        "public_ip": "none",
        "nsg": "",
    },
    "networking:storage_create": {"name": "labstore4711"},
    "networking:sql_create": {"name": "lab-sql-4711"},
    "networking:keyvault_create": {"name": "lab-kv-4711"},
}


def form(client: Client, key: str) -> dict:
    fields = {name: value(client) if callable(value) else value for name, value in CASES[key].items()}
    return {
        "subscription": str(client.sandbox.subscriptions.get().subscription_id),
        "resource_group": GROUP,
        "new_resource_group": "",
        "region": "eastus",
        "current_tab": "basics",
        **fields,
    }


def wizard_url(client: Client, key: str) -> str:
    if key in wizards():
        return reverse("create_wizard", kwargs={"kind": key})
    subscription = client.sandbox.subscriptions.get().subscription_id
    return reverse(key, kwargs={"subscription_id": subscription, "rg": GROUP})


def made_by(key: str) -> Callable:
    """The rows of the type the wizard creates."""
    if key == "resourcegroup":
        return lambda sandbox: ResourceGroup.objects.filter(subscription__sandbox=sandbox)
    return next(t for t, product in registry.products() if product.wizard == key).rows


def footprint(client: Client) -> dict:
    """Everything a create leaves behind: each registered model's rows, groups, log, bell, operations."""
    sandbox = client.sandbox
    # Child types (subnets, rules) have no sandbox column: their tables are counted whole.
    counts = {t.model: t.get_model().objects.count() for t in registry}
    counts.update(
        groups=ResourceGroup.objects.filter(subscription__sandbox=sandbox).count(),
        # A refused Create's own "Failed" row (CLS-13) is what it leaves on purpose.
        log=ActivityLogEntry.objects.filter(sandbox=sandbox).exclude(status="Failed").count(),
        bell=Notification.objects.filter(sandbox=sandbox).count(),
        operations=Operation.objects.filter(sandbox=sandbox).count(),
    )
    return counts


def test_the_registry_lists_the_wizards_this_test_knows():
    """Not a tautology: every product's wizard and every ``/create/`` kind is here."""
    assert {"networking:nsg_create", "networking:vm_create", "kubernetes", "resourcegroup"} <= set(every_wizard())


@pytest.mark.parametrize("key", every_wizard())
def test_review_writes_nothing_and_create_then_succeeds(carol, key):
    if key not in CASES:
        pytest.fail(f"The wizard '{key}' has no valid input in CASES: add one so its Review is checked.")
    data, url = form(carol, key), wizard_url(carol, key)
    before = footprint(carol)
    with CaptureQueriesContext(connection) as queries:
        response = carol.post(url, {**data, "action": "review"})
    wizard = response.context["wizard"]
    assert response.status_code == 200 and wizard.validation == "passed", wizard.problems
    assert [q["sql"] for q in queries.captured_queries if WRITES.match(q["sql"])] == []
    assert footprint(carol) == before
    response = carol.post(url, {**data, "action": "create", "reviewed": "1"})
    assert response.status_code == 302, response.context and response.context["wizard"].problems
    assert made_by(key)(carol.sandbox).filter(name__iexact=data["name"]).exists()


# --- What only the estate refuses, found by Review as by Create ---------------------------


def _taken(arm_type: str) -> Callable[[Client], dict]:
    """The name and group of the seed's resource of that type: a name already taken."""

    def overrides(client: Client) -> dict:
        seeded = registry.get(arm_type).rows(client.sandbox).select_related("resource_group").first()
        return {"name": seeded.name, "resource_group": seeded.resource_group.name}

    return overrides


def _nsg_elsewhere(client: Client) -> dict:
    """A VM in West US with the seed's East US network security group."""
    return {
        "region": "westus",
        "vnet": _pk(_vnet(client, "contoso-westus-vnet")),
        "subnet": _pk(_subnet(client, "contoso-westus-vnet", "apps-subnet")),
        "nsg": _seeded(client, "Microsoft.Network/networkSecurityGroups", "contoso-spoke-nsg"),
    }


# (wizard, changed input, a limit lowered to what the seed holds, the field, the rule).
REFUSALS = {
    "gateway-name-taken": ("networking:gateway_create", _taken("Microsoft.Network/virtualNetworkGateways"), None, "name", "NAMING-31"),
    "local-gateway-name-taken": ("networking:local_gateway_create", _taken("Microsoft.Network/localNetworkGateways"), None, "name", "NAMING-32"),
    "circuit-name-taken": ("networking:circuit_create", _taken("Microsoft.Network/expressRouteCircuits"), None, "name", "NAMING-34"),
    "dns-zone-limit": ("networking:dns_zone_create", lambda c: {}, ("networking.services.dns.MAX_ZONES_PER_SUBSCRIPTION", 1), "name", "LIMIT-50"),
    "endpoint-name-taken": ("networking:private_endpoint_create", _taken("Microsoft.Network/privateEndpoints"), None, "name", "NAMING-26"),
    "endpoint-vnet-limit": ("networking:private_endpoint_create", lambda c: {}, ("networking.services.endpoints.MAX_ENDPOINTS_PER_VNET", 1), "subnet", "LIMIT-30"),
    "endpoint-subscription-limit": ("networking:private_endpoint_create", lambda c: {}, ("networking.services.endpoints.MAX_ENDPOINTS_PER_SUBSCRIPTION", 1), "name", "LIMIT-30"),
    "endpoint-request-message": ("networking:private_endpoint_create", lambda c: {"request_message": "x" * 141}, None, "request_message", "PEDNS-30"),
    "vm-name-taken": ("networking:vm_create", _taken("Microsoft.Compute/virtualMachines"), None, "name", "NAMING-23"),
    "vm-nsg-in-another-region": ("networking:vm_create", _nsg_elsewhere, None, "nsg", "NSG-20"),
    "vm-nic-limit": ("networking:vm_create", lambda c: {}, ("networking.services.compute.MAX_NICS_PER_REGION", 1), "subnet", "LIMIT-13"),
    "endpoint-nic-limit": ("networking:private_endpoint_create", lambda c: {}, ("networking.services.compute.MAX_NICS_PER_REGION", 1), "subnet", "LIMIT-13"),
    # Found by Review before too; now through the service's own check.
    "nsg-name-taken": ("networking:nsg_create", _taken("Microsoft.Network/networkSecurityGroups"), None, "name", "NAMING-10"),
    "route-table-name-taken": ("networking:route_table_create", _taken("Microsoft.Network/routeTables"), None, "name", "NAMING-11"),
    "dns-zone-name-taken": ("networking:dns_zone_create", _taken("Microsoft.Network/privateDnsZones"), None, "name", "NAMING-24"),
    "storage-name-taken": ("networking:storage_create", _taken("Microsoft.Storage/storageAccounts"), None, "name", "NAMING-20"),
    "sql-name-taken": ("networking:sql_create", _taken("Microsoft.Sql/servers"), None, "name", "NAMING-21"),
}


@pytest.mark.parametrize("case", REFUSALS)
def test_review_shows_what_only_create_used_to_find_on_its_field(carol, monkeypatch, case):
    key, changed, limit, field, rule = REFUSALS[case]
    if limit is not None:
        monkeypatch.setattr(*limit)
    data, url = {**form(carol, key), **changed(carol)}, wizard_url(carol, key)
    before = footprint(carol)
    with CaptureQueriesContext(connection) as queries:
        response = carol.post(url, {**data, "action": "review"})
    problems = response.context["wizard"].problems
    assert response.status_code == 422 and field in problems, problems
    assert rule in problems[field].learn_more
    assert [q["sql"] for q in queries.captured_queries if WRITES.match(q["sql"])] == []
    # Create meets the same check, with the same rule, and makes nothing.
    refused = carol.post(url, {**data, "action": "create", "reviewed": "1"})
    assert refused.status_code == 422 and rule in refused.context["wizard"].problems[field].learn_more
    assert footprint(carol) == before
