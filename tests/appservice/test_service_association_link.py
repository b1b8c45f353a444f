"""App Service's service association link (SAL) lives in appservice (issue #9):
the migration keeps every link, and the guard against two plans claiming one
subnet (ASVI-42) holds even when both passed the check before either wrote."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from appservice import services
from appservice.models import ServiceAssociationLink, VnetIntegration
from portal.errors import AzureRuleError
from tests.helpers import app_of, subnet_of
from tests.helpers.vnets import vnet_url

# AKS's later migrations build on later networking ones (its load balancer):
# it goes back to where it stood on networking 0004.
BEFORE = [
    ("appservice", "0002_initial"),
    ("networking", "0004_peering_outlives_remote"),
    ("aks", "0003_resource_tags"),
]
AFTER = [
    ("appservice", "0003_service_association_link"),
    ("networking", "0005_subnet_serverfarm_moves_to_appservice"),
    ("aks", "0003_resource_tags"),
]


def _migrate(targets):
    """Migrate the two apps to ``targets``, every other app staying at its latest."""
    executor = MigrationExecutor(connection)
    moved = {app for app, _ in targets}
    targets = [*targets, *(leaf for leaf in executor.loader.graph.leaf_nodes() if leaf[0] not in moved)]
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_every_subnets_link_and_can_go_back():
    old = _migrate(BEFORE)
    try:
        Sandbox = old.get_model("portal", "Sandbox")
        Subscription = old.get_model("portal", "Subscription")
        ResourceGroup = old.get_model("portal", "ResourceGroup")
        Plan = old.get_model("appservice", "AppServicePlan")
        Vnet = old.get_model("networking", "VirtualNetwork")
        Subnet = old.get_model("networking", "Subnet")
        sandbox = Sandbox.objects.create()
        subscription = Subscription.objects.create(sandbox=sandbox)
        rg = ResourceGroup.objects.create(subscription=subscription, name="rg", location="eastus")
        common = {"sandbox": sandbox, "resource_group": rg, "location": "eastus"}
        plan_a = Plan.objects.create(name="plan-a", **common)
        plan_b = Plan.objects.create(name="plan-b", **common)
        vnet = Vnet.objects.create(name="vnet", address_space=["10.0.0.0/16"], **common)
        linked_a = Subnet.objects.create(vnet=vnet, name="a", address_prefix="10.0.1.0/24", serverfarm=plan_a)
        linked_b = Subnet.objects.create(vnet=vnet, name="b", address_prefix="10.0.2.0/24", serverfarm=plan_b)
        Subnet.objects.create(vnet=vnet, name="none", address_prefix="10.0.3.0/24")

        new = _migrate(AFTER)
        Link = new.get_model("appservice", "ServiceAssociationLink")
        assert set(Link.objects.values_list("subnet_id", "plan_id")) == {
            (linked_a.pk, plan_a.pk),
            (linked_b.pk, plan_b.pk),
        }

        back = _migrate(BEFORE)
        assert set(
            back.get_model("networking", "Subnet").objects.filter(serverfarm__isnull=False).values_list("pk", "serverfarm_id")
        ) == {(linked_a.pk, plan_a.pk), (linked_b.pk, plan_b.pk)}
    finally:
        # Back to the latest state, later migrations of either app included.
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def _stale_check(monkeypatch):
    """Both tabs read the subnet before either wrote: the check passes for
    the second plan too, so only the write can stop it."""
    monkeypatch.setattr(services, "subnet_problem", lambda app, subnet: None)


def test_asvi_42_classic_the_link_refuses_a_second_plan_whose_check_ran_before_the_first_wrote(alice, monkeypatch):
    web, api = app_of(alice, "contoso-web"), app_of(alice, "contoso-api")
    subnet = subnet_of(alice, "contoso-vnet", "integration-subnet")
    services.add_regional_integration(web, subnet.vnet, subnet=subnet)
    _stale_check(monkeypatch)
    with pytest.raises(AzureRuleError) as refusal:
        services.add_regional_integration(api, subnet.vnet, subnet=subnet)
    assert refusal.value.err_id == "ERR-06" and "ASVI-42" in refusal.value.rule_ids
    assert "contoso-s1-plan" in refusal.value.message
    assert not VnetIntegration.objects.filter(app=api).exists()
    assert ServiceAssociationLink.objects.get(subnet=subnet).plan_id == web.plan_id


def test_asvi_43_current_era_a_second_plan_joins_and_the_link_stays_the_first_plans(alice, monkeypatch):
    alice.sandbox.era = "current"
    alice.sandbox.save()
    web, api = app_of(alice, "contoso-web"), app_of(alice, "contoso-api")
    subnet = subnet_of(alice, "contoso-vnet", "integration-subnet")
    services.add_regional_integration(web, subnet.vnet, subnet=subnet)
    _stale_check(monkeypatch)
    services.add_regional_integration(api, subnet.vnet, subnet=subnet)
    assert VnetIntegration.objects.filter(subnet=subnet).count() == 2
    assert ServiceAssociationLink.objects.get(subnet=subnet).plan_id == web.plan_id


def test_the_link_passes_to_the_plan_still_using_the_subnet_and_goes_with_the_last_app(alice):
    alice.sandbox.era = "current"
    alice.sandbox.save()
    web, api = app_of(alice, "contoso-web"), app_of(alice, "contoso-api")
    subnet = subnet_of(alice, "contoso-vnet", "integration-subnet")
    services.add_regional_integration(web, subnet.vnet, subnet=subnet)
    services.add_regional_integration(api, subnet.vnet, subnet=subnet)
    services.disconnect(app_of(alice, "contoso-web"))
    assert ServiceAssociationLink.objects.get(subnet=subnet).plan_id == api.plan_id
    services.disconnect(app_of(alice, "contoso-api"))
    assert not ServiceAssociationLink.objects.filter(subnet=subnet).exists()


def test_the_subnets_page_shows_the_plan_holding_a_subnets_link(alice):
    subnet = subnet_of(alice, "contoso-vnet", "integration-subnet")
    page = vnet_url(alice, "vnet_subnets")
    assert "Service association link" not in alice.get(page).content.decode()
    services.add_regional_integration(app_of(alice, "contoso-web"), subnet.vnet, subnet=subnet)
    assert "Service association link: contoso-s1-plan" in alice.get(page).content.decode()
