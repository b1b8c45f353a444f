"""The registry of resource types: its rules, and the types the apps declare."""

import html
import re

import pytest
from django.urls import reverse

from networking.models import KeyVault
from networking.services import nat, paas
from portal.blades import resource_menu
from portal.create_views import wizards
from portal.errors import rule_error
from portal.forms import CreateWizard
from portal.models import ResourceGroup
from portal.registry import EXPORT_TEMPLATE, Registry, ResourceType, registry
from portal.resources import resource_url


def _type(arm_type: str = "Microsoft.Network/natGateways") -> ResourceType:
    return ResourceType(arm_type=arm_type, api_version="2023-09-01", label="NAT gateway", icon="bi-x", model="x.Y")


def test_it_refuses_a_type_registered_twice_whatever_its_case():
    types = Registry()
    types.register(_type())
    with pytest.raises(ValueError, match="registered twice"):
        types.register(_type("microsoft.network/NATGATEWAYS"))


def test_lookups_ignore_case_as_arm_does():
    types = Registry()
    nat = types.register(_type())
    assert types.get("MICROSOFT.NETWORK/natgateways") is nat
    assert types.find("microsoft.network/natGateways") is nat
    assert types.find("Microsoft.Network/publicIPAddresses") is None
    with pytest.raises(KeyError):
        types.get("Microsoft.Network/publicIPAddresses")


def test_a_usage_check_added_before_its_type_is_registered_still_refuses():
    types = Registry()
    refusal = rule_error("Subnet 'a' is in use.", "ASVI-42")
    types.add_usage_check("microsoft.network/natgateways", lambda resource: refusal)
    assert types.usage_refusal("Microsoft.Network/natGateways", object()) is refusal
    types.register(_type())
    assert types.usage_refusal("Microsoft.Network/natGateways", object()) is refusal
    assert len(types.get("Microsoft.Network/natGateways").usage_checks) == 1


# --- the types the apps declare --------------------------------------------------------------

LISTED = [t.arm_type for t in registry.listed()]
_MENU_ITEM = re.compile(
    r'<a class="az-resource-menu-item( active)?" href="([^"]+)"[^>]*><i class="bi ([^"]+)"></i><span>([^<]+)</span>'
)


def test_every_type_the_portal_lists_is_declared_by_its_app():
    assert set(LISTED) >= {
        "Microsoft.Web/sites",
        "Microsoft.Web/serverFarms",
        "Microsoft.Network/virtualNetworks",
        "Microsoft.ClassicNetwork/virtualNetworks",
        "Microsoft.ContainerService/managedClusters",
        "Microsoft.KeyVault/vaults",
    }
    for resource_type in registry.listed():
        assert resource_type.overview_url and resource_type.menu, resource_type.arm_type
        assert EXPORT_TEMPLATE in resource_type.menu[-1].items or any(
            EXPORT_TEMPLATE in section.items for section in resource_type.menu
        ), resource_type.arm_type


@pytest.fixture
def estate(carol):
    """The full demo seed, plus what it has none of: a key vault, a public IP
    and a NAT gateway."""
    rg = ResourceGroup.objects.get(subscription__sandbox=carol.sandbox, name="contoso-rg")
    paas.create_target(KeyVault, rg, name="lab-kv", location="eastus")
    pip = nat.create_public_ip(rg, nat.PublicIpSpec("lab-nat-ip", "eastus"))
    nat.create_nat_gateway(rg, nat.NatGatewaySpec(name="lab-nat", location="eastus", idle_timeout=4, public_ips=(pip,)))
    return carol


@pytest.mark.parametrize("arm_type", LISTED)
def test_the_declared_menu_is_the_menu_the_blade_shows(estate, arm_type):
    resource_type = registry.get(arm_type)
    resource = resource_type.rows(estate.sandbox).select_related("resource_group__subscription").first()
    if resource is None:
        pytest.fail(f"the estate has no {arm_type}: add one to the fixture")
    page = estate.get(resource_url(resource))
    assert page.status_code == 200
    shown = [
        (html.unescape(label), html.unescape(href), icon, bool(active))
        for active, href, icon, label in _MENU_ITEM.findall(page.content.decode())
    ]
    overview_key = resource_type.menu[0].items[0].key
    declared = [
        (item["label"], item["url"], item["icon"], item["active"])
        for section in resource_menu(resource, overview_key)
        for item in section["items"]
    ]
    # The blades draw the declared menu itself, Export template included.
    assert shown == declared


def test_it_refuses_a_wizard_registered_twice():
    types = Registry()
    types.add_wizard("natgateway", "networking.forms.NatGatewayWizard")
    with pytest.raises(ValueError, match="registered twice"):
        types.add_wizard("natgateway", "networking.forms.OtherWizard")


def test_a_page_no_app_provides_has_no_address():
    assert Registry().page_url("network_watcher", subscription=None) is None


def test_every_registered_wizard_is_a_create_wizard_of_its_kind():
    found = wizards()
    assert {"resourcegroup", "virtualnetwork", "appserviceplan", "webapp", "kubernetes"} <= set(found)
    for kind, wizard in found.items():
        assert issubclass(wizard, CreateWizard) and wizard.kind == kind


@pytest.mark.django_db
def test_every_product_opens_its_wizard(alice):
    rg = ResourceGroup.objects.select_related("subscription").get(
        subscription__sandbox=alice.sandbox, name="contoso-rg"
    )
    for _, product in registry.products():
        if product.in_resource_group:
            url = reverse(product.wizard, kwargs={"subscription_id": rg.subscription.subscription_id, "rg": rg.name})
        else:
            url = reverse("create_wizard", kwargs={"kind": product.wizard})
        assert alice.get(url).status_code == 200, product.name
