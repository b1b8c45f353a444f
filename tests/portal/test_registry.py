"""The registry of resource types: its rules, and the types the apps declare."""

import html
import re

import pytest
from django.test import Client
from django.urls import reverse

from portal.blades import resource_menu
from portal.errors import rule_error
from portal.middleware import SESSION_KEY
from portal.models import Sandbox
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
def carol(db, settings) -> Client:
    """A learner whose sandbox has the full demo seed, network included."""
    settings.VNETLAB_SEED_NETWORK = True
    client = Client()
    client.get(reverse("home"))
    client.sandbox = Sandbox.objects.get(key=client.session[SESSION_KEY])
    return client


@pytest.mark.parametrize("arm_type", LISTED)
def test_the_declared_menu_is_the_menu_the_blade_shows(carol, arm_type):
    resource_type = registry.get(arm_type)
    resource = resource_type.rows(carol.sandbox).select_related("resource_group__subscription").first()
    if resource is None:
        pytest.skip(f"the demo seed has no {arm_type}")
    page = carol.get(resource_url(resource))
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
    # Until the blades read the registry, their hand-built menus lack Export template.
    assert [item for item in shown if item[0] != "Export template"] == [
        item for item in declared if item[0] != "Export template"
    ]
