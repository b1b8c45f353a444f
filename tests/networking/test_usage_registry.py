"""networking asks the registry who uses a subnet, a VNet or a gateway; App
Service and AKS answer from their AppConfig.ready() (issue #9: networking
imports neither). The refusals are the ones the blades always gave."""

import pytest

from aks import services as aks_services
from aks.models import ManagedCluster
from appservice import services as app_services
from networking.models import NetworkInterface, Subnet, VirtualNetworkGateway
from networking.services import endpoints as endpoint_services
from networking.services import gateways as gateway_services
from networking.services import vnets as vnet_services
from portal.errors import AzureRuleError
from portal.registry import Registry, registry
from tests.helpers import app_of, subnet_of, vnet_of
from tests.helpers.aks import aks_subnets, fresh, group, spec


def test_app_service_names_the_app_integrated_with_a_subnet_subnet_06(alice):
    subnet = subnet_of(alice, "contoso-vnet", "integration-subnet")
    assert registry.user_of(Subnet.arm_type, subnet) is None
    app_services.add_regional_integration(app_of(alice, "contoso-web"), subnet.vnet, subnet=subnet)
    assert registry.user_of(Subnet.arm_type, subnet) == "contoso-web"
    assert vnet_services.subnet_user(subnet) == "contoso-web"


def test_the_gateway_an_app_integrates_through_cant_be_deleted_seed_11_asgw_07(alice):
    gateway = VirtualNetworkGateway.objects.get(sandbox=alice.sandbox, name="contoso-westus-vpngw")
    app_services.add_gateway_integration(app_of(alice, "contoso-web"), vnet_of(alice, "contoso-westus-vnet"))
    with pytest.raises(AzureRuleError) as refusal:
        gateway_services.delete_gateway(gateway)
    assert refusal.value.rule_ids == ("SEED-11", "ASGW-07") and "'contoso-web'" in refusal.value.message
    assert VirtualNetworkGateway.objects.filter(pk=gateway.pk).exists()


def test_web_apps_are_private_endpoint_targets_with_their_own_limit_asin_21(alice, monkeypatch):
    assert endpoint_services.TARGET_KINDS["Microsoft.Web/sites"].group_id == "sites"
    monkeypatch.setattr(app_services, "MAX_ENDPOINTS_PER_APP", 0)
    with pytest.raises(AzureRuleError) as refusal:
        endpoint_services.check_target(app_of(alice, "contoso-web"), "sites")
    assert refusal.value.err_id == "ERR-48" and "ASIN-21" in refusal.value.rule_ids


def test_a_cluster_keeps_its_subnet_even_when_no_node_nic_is_left_there_subnet_06(alice):
    subnets = aks_subnets(alice)
    cluster = aks_services.create_cluster(group(alice), spec(subnets["aks-subnet"]))
    NetworkInterface.objects.filter(aks_node__pool__cluster=cluster).delete()
    with pytest.raises(AzureRuleError) as refusal:
        vnet_services.delete_subnet(fresh(subnets["aks-subnet"]))
    assert refusal.value.err_id == "ERR-14" and "'lab-aks'" in refusal.value.message
    assert ManagedCluster.objects.filter(pk=cluster.pk).exists()


def test_lookups_and_change_checks_answer_in_registration_order_whatever_the_types_state():
    checks = Registry()
    checks.add_user_lookup("Microsoft.Test/things", lambda thing: None)
    checks.add_user_lookup("microsoft.test/THINGS", lambda thing: f"first-{thing}")
    checks.add_user_lookup("Microsoft.Test/things", lambda thing: f"second-{thing}")
    refusal = AzureRuleError("no", rule_ids=("TEST-01",))
    checks.add_change_check("Microsoft.Test/things", lambda thing, changes: refusal if "size" in changes else None)
    assert checks.user_of("Microsoft.Test/things", "x") == "first-x"
    assert checks.user_of("Microsoft.Test/others", "x") is None
    assert checks.change_refusal("Microsoft.Test/things", "x", {"size": 2}) is refusal
    assert checks.change_refusal("Microsoft.Test/things", "x", {"name": "y"}) is None
