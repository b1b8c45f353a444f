"""The rules of App Service VNet integration, each test named after the rule
it proves (shared/reference/azure-rules.md)."""

import pytest

from appservice import services
from appservice.models import AppServicePlan, ServiceAssociationLink, VnetIntegration, WebApp
from networking.models import APP_SERVICE_DELEGATION, Subnet, VirtualNetworkGateway
from portal.errors import AzureRuleError
from tests.helpers import app_of, subnet_of, vnet_of

pytestmark = pytest.mark.django_db


def _choices(app, vnet):
    return {c.obj.name: c for c in services.subnet_choices(app, vnet).subnets}


def _err(exc_info) -> str:
    return exc_info.value.err_id


# --- SEED-09: the drop-down ------------------------------------------------------


def test_seed_09_lists_same_region_vnets_first_then_other_regions(alice):
    choices = services.vnet_choices(app_of(alice, "contoso-web"))
    assert [c.obj.name for c in choices.same_region] == ["contoso-vnet"]
    assert [c.obj.name for c in choices.other_regions] == ["contoso-westus-vnet", "contoso-weu-vnet"]
    assert [c.obj.name for c in choices.classic] == ["contoso-classic-vnet", "legacy-classic-vnet"]


def test_seed_09_never_lists_another_sandboxs_vnets(alice, bob):
    choices = services.vnet_choices(app_of(alice, "contoso-web"))
    listed = {c.obj.pk for c in choices.same_region + choices.other_regions + choices.classic}
    assert len(listed) == 5
    assert vnet_of(bob, "contoso-vnet").pk not in listed


# --- SEED-10 / ASVI-20..24: which subnets can be chosen ------------------------------


def test_asvi_20_a_subnet_with_a_vm_nic_is_not_empty_err_01(alice):
    app = app_of(alice, "contoso-web")
    choice = _choices(app, vnet_of(alice, "contoso-vnet"))["vm-subnet"]
    assert not choice.enabled
    assert choice.problem.err_id == "ERR-01"
    assert "ASVI-20" in choice.problem.rule_ids


def test_asvi_21_a_slash_29_is_too_small_err_05(alice):
    choice = _choices(app_of(alice, "contoso-web"), vnet_of(alice, "contoso-vnet"))["tiny-subnet"]
    assert choice.problem.err_id == "ERR-05"
    assert "/29" in choice.problem.message


def test_asvi_24_a_subnet_delegated_to_another_service_is_refused_err_10(alice):
    choice = _choices(app_of(alice, "contoso-web"), vnet_of(alice, "contoso-vnet"))["sqlmi-subnet"]
    assert choice.problem.err_id == "ERR-10"
    assert "Microsoft.Sql/managedInstances" in choice.problem.message


def test_seed_10_the_empty_slash_26_is_available(alice):
    choice = _choices(app_of(alice, "contoso-web"), vnet_of(alice, "contoso-vnet"))["integration-subnet"]
    assert choice.enabled


def test_asvi_21_an_existing_slash_28_can_still_be_picked(alice):
    vnet = vnet_of(alice, "contoso-vnet")
    Subnet.objects.create(vnet=vnet, name="small28", address_prefix="10.0.4.0/28")
    assert _choices(app_of(alice, "contoso-web"), vnet)["small28"].enabled


def test_asvi_23_the_pane_suggests_a_free_slash_26(alice):
    choices = services.subnet_choices(app_of(alice, "contoso-web"), vnet_of(alice, "contoso-vnet"))
    assert choices.suggested_prefix == "10.0.0.0/26"
    assert "10.0.4.0/22" in choices.free_ranges


# --- Integrating ------------------------------------------------------------------------


def test_asvi_24_integrating_delegates_the_subnet_and_restarts_the_app(alice):
    app = app_of(alice, "contoso-web")
    subnet = subnet_of(alice, "contoso-vnet", "integration-subnet")
    integration = services.add_regional_integration(app, subnet.vnet, subnet=subnet)
    subnet.refresh_from_db()
    assert integration.kind == VnetIntegration.REGIONAL
    assert subnet.delegation == APP_SERVICE_DELEGATION
    assert ServiceAssociationLink.objects.get(subnet=subnet).plan_id == app.plan_id
    app.refresh_from_db()
    assert app.status == "Restarting"  # SEED-13


def test_asvi_22_a_new_subnet_is_created_delegated(alice):
    app = app_of(alice, "contoso-web")
    vnet = vnet_of(alice, "contoso-vnet")
    services.add_regional_integration(app, vnet, new_subnet_name="asp-subnet", new_subnet_prefix="10.0.4.0/26")
    subnet = subnet_of(alice, "contoso-vnet", "asp-subnet")
    assert subnet.delegation == APP_SERVICE_DELEGATION
    assert VnetIntegration.objects.get(app=app).subnet == subnet


def test_asvi_22_a_new_subnet_must_be_slash_27_or_larger(alice):
    app = app_of(alice, "contoso-web")
    vnet = vnet_of(alice, "contoso-vnet")
    with pytest.raises(AzureRuleError) as exc:
        services.add_regional_integration(app, vnet, new_subnet_name="asp", new_subnet_prefix="10.0.4.0/28")
    assert "ASVI-22" in exc.value.rule_ids
    assert exc.value.field == "subnet_prefix"
    assert not Subnet.objects.filter(vnet=vnet, name="asp").exists()


@pytest.mark.parametrize(
    "prefix, err",
    [("10.0.1.0/26", "ERR-21"), ("10.9.0.0/26", "ERR-21"), ("10.0.0.0/7", "ERR-23"), ("10.0.4.5/26", None)],
)
def test_subnet_05_a_new_subnet_must_fit_the_free_space(alice, prefix, err):
    app = app_of(alice, "contoso-web")
    vnet = vnet_of(alice, "contoso-vnet")
    before = Subnet.objects.count()
    with pytest.raises(AzureRuleError) as exc:
        services.add_regional_integration(app, vnet, new_subnet_name="asp", new_subnet_prefix=prefix)
    assert exc.value.err_id == (err or "")
    assert exc.value.field == "subnet_prefix"
    assert Subnet.objects.count() == before
    assert not VnetIntegration.objects.exists()


def test_asvi_40_an_app_has_one_integration_err_09(alice):
    app = app_of(alice, "contoso-web")
    vnet = vnet_of(alice, "contoso-vnet")
    services.add_regional_integration(app, vnet, subnet=subnet_of(alice, "contoso-vnet", "integration-subnet"))
    app.refresh_from_db()
    with pytest.raises(AzureRuleError) as exc:
        services.add_regional_integration(app, vnet, new_subnet_name="two", new_subnet_prefix="10.0.4.0/26")
    assert _err(exc) == "ERR-09"


def test_asvi_42_classic_one_plan_per_subnet_err_06(alice):
    web = app_of(alice, "contoso-web")
    api = app_of(alice, "contoso-api")
    subnet = subnet_of(alice, "contoso-vnet", "integration-subnet")
    services.add_regional_integration(web, subnet.vnet, subnet=subnet)
    choice = _choices(api, subnet.vnet)["integration-subnet"]
    assert choice.problem.err_id == "ERR-06"
    assert "contoso-s1-plan" in choice.problem.message
    with pytest.raises(AzureRuleError) as exc:
        services.add_regional_integration(api, subnet.vnet, subnet=subnet)
    assert _err(exc) == "ERR-06"


def test_asvi_42_apps_of_the_same_plan_share_the_plans_subnet(alice):
    web = app_of(alice, "contoso-web")
    sibling = WebApp.objects.create(
        sandbox=web.sandbox, resource_group=web.resource_group, name="contoso-web2", location="eastus", plan=web.plan
    )
    subnet = subnet_of(alice, "contoso-vnet", "integration-subnet")
    services.add_regional_integration(web, subnet.vnet, subnet=subnet)
    services.add_regional_integration(sibling, subnet.vnet, subnet=subnet)
    assert VnetIntegration.objects.filter(subnet=subnet).count() == 2


def test_asvi_41_classic_a_plan_integrates_with_one_subnet_err_08(alice):
    web = app_of(alice, "contoso-web")
    sibling = WebApp.objects.create(
        sandbox=web.sandbox, resource_group=web.resource_group, name="contoso-web2", location="eastus", plan=web.plan
    )
    vnet = vnet_of(alice, "contoso-vnet")
    services.add_regional_integration(web, vnet, subnet=subnet_of(alice, "contoso-vnet", "integration-subnet"))
    with pytest.raises(AzureRuleError) as exc:
        services.add_regional_integration(sibling, vnet, new_subnet_name="second", new_subnet_prefix="10.0.4.0/26")
    assert _err(exc) == "ERR-08"
    assert not Subnet.objects.filter(name="second").exists()


def test_asvi_41_current_era_allows_two_subnets_per_plan(alice):
    alice.sandbox.era = "current"
    alice.sandbox.save()
    web = app_of(alice, "contoso-web")
    WebApp.objects.create(
        sandbox=web.sandbox, resource_group=web.resource_group, name="contoso-web2", location="eastus", plan=web.plan
    )
    vnet = vnet_of(alice, "contoso-vnet")
    services.add_regional_integration(web, vnet, subnet=subnet_of(alice, "contoso-vnet", "integration-subnet"))
    services.add_regional_integration(app_of(alice, "contoso-web2"), vnet, new_subnet_name="second", new_subnet_prefix="10.0.4.0/26")
    assert VnetIntegration.objects.filter(app__plan=web.plan).values("subnet").distinct().count() == 2


def test_asvi_43_current_era_lets_plans_share_a_slash_26(alice):
    alice.sandbox.era = "current"
    alice.sandbox.save()
    subnet = subnet_of(alice, "contoso-vnet", "integration-subnet")
    services.add_regional_integration(app_of(alice, "contoso-web"), subnet.vnet, subnet=subnet)
    services.add_regional_integration(app_of(alice, "contoso-api"), subnet.vnet, subnet=subnet)
    assert VnetIntegration.objects.filter(subnet=subnet).count() == 2


def test_asvi_43_current_era_refuses_sharing_a_subnet_smaller_than_slash_26_err_07(alice):
    alice.sandbox.era = "current"
    alice.sandbox.save()
    vnet = vnet_of(alice, "contoso-vnet")
    services.add_regional_integration(app_of(alice, "contoso-web"), vnet, new_subnet_name="s27", new_subnet_prefix="10.0.4.0/27")
    choice = _choices(app_of(alice, "contoso-api"), vnet)["s27"]
    assert choice.problem.err_id == "ERR-07"


# --- Plans that can't integrate -------------------------------------------------------


def test_asvi_13_free_tier_is_refused_err_03(alice):
    problem = services.plan_problem(app_of(alice, "contoso-dev").plan)
    assert problem.err_id == "ERR-03"
    assert "Standard" in problem.message and "Free" in problem.message


def test_asvi_12_seed_04_an_app_service_environment_needs_no_integration_err_04(alice):
    app = app_of(alice, "contoso-internal")
    assert services.plan_problem(app.plan).err_id == "ERR-04"
    with pytest.raises(AzureRuleError) as exc:
        services.add_regional_integration(app, vnet_of(alice, "contoso-vnet"), subnet=subnet_of(alice, "contoso-vnet", "integration-subnet"))
    assert _err(exc) == "ERR-04"


def test_asvi_10_basic_is_refused_in_classic_but_allowed_in_current(alice):
    plan = app_of(alice, "contoso-web").plan
    AppServicePlan.objects.filter(pk=plan.pk).update(sku="B1")
    plan.refresh_from_db()
    assert services.plan_problem(plan).err_id == "ERR-03"
    alice.sandbox.era = "current"
    alice.sandbox.save()
    plan = AppServicePlan.objects.select_related("sandbox").get(pk=plan.pk)
    assert services.plan_problem(plan) is None


# --- Gateway-required ----------------------------------------------------------------


def test_seed_11_other_region_vnet_without_gateway_is_refused_err_18(alice):
    app = app_of(alice, "contoso-web")
    choice = {c.obj.name: c for c in services.vnet_choices(app).other_regions}["contoso-weu-vnet"]
    assert choice.problem.err_id == "ERR-18"
    assert "SEED-11" in choice.problem.rule_ids
    assert "point-to-site" in choice.problem.message


def test_seed_11_other_region_vnet_with_p2s_gateway_integrates_gateway_required(alice):
    app = app_of(alice, "contoso-web")
    integration = services.add_gateway_integration(app, vnet_of(alice, "contoso-westus-vnet"))
    assert integration.kind == VnetIntegration.GATEWAY
    assert integration.subnet is None


def test_asgw_02_linux_apps_cant_use_gateway_required_integration(alice):
    app = app_of(alice, "contoso-api")
    with pytest.raises(AzureRuleError) as exc:
        services.add_gateway_integration(app, vnet_of(alice, "contoso-westus-vnet"))
    assert "ASGW-02" in exc.value.rule_ids


def test_asgw_07_a_gateway_without_sstp_is_refused(alice):
    VirtualNetworkGateway.objects.filter(name="contoso-westus-vpngw").update(p2s_tunnel_types=["IKEv2"])
    choice = {c.obj.name: c for c in services.vnet_choices(app_of(alice, "contoso-web")).other_regions}["contoso-westus-vnet"]
    assert "SSTP" in choice.problem.message
    assert "ASGW-07" in choice.problem.rule_ids


def test_asgw_09_a_p2s_pool_outside_rfc1918_is_refused(alice):
    VirtualNetworkGateway.objects.filter(name="contoso-westus-vpngw").update(p2s_address_pool="100.64.0.0/24")
    choice = {c.obj.name: c for c in services.vnet_choices(app_of(alice, "contoso-web")).other_regions}["contoso-westus-vnet"]
    assert "RFC 1918" in choice.problem.message


def test_seed_12_classic_vnet_needs_a_p2s_gateway(alice):
    choices = {c.obj.name: c for c in services.vnet_choices(app_of(alice, "contoso-web")).classic}
    assert choices["contoso-classic-vnet"].enabled
    assert choices["legacy-classic-vnet"].problem.err_id == "ERR-18"
    assert "SEED-12" in choices["legacy-classic-vnet"].problem.rule_ids


def test_seed_03_a_same_region_vnet_is_not_integrated_through_a_gateway(alice):
    with pytest.raises(AzureRuleError) as exc:
        services.add_gateway_integration(app_of(alice, "contoso-web"), vnet_of(alice, "contoso-vnet"))
    assert "SEED-03" in exc.value.rule_ids


def test_asvi_01_regional_integration_needs_the_apps_region_err_02(alice):
    with pytest.raises(AzureRuleError) as exc:
        services.add_regional_integration(
            app_of(alice, "contoso-web"), vnet_of(alice, "contoso-westus-vnet"), subnet=subnet_of(alice, "contoso-westus-vnet", "apps-subnet")
        )
    assert _err(exc) == "ERR-02"


def test_asgw_05_a_plan_uses_at_most_five_gateway_vnets_err_19(alice):
    from networking.models import VirtualNetwork

    app = app_of(alice, "contoso-web")
    rg = app.resource_group
    for i in range(5):
        vnet = VirtualNetwork.objects.create(
            sandbox=app.sandbox, resource_group=rg, name=f"far-{i}", location="westeurope", address_space=[f"10.{50 + i}.0.0/16"]
        )
        VirtualNetworkGateway.objects.create(
            sandbox=app.sandbox, resource_group=rg, name=f"gw-{i}", location="westeurope", vnet=vnet,
            p2s_address_pool=f"172.16.{i}.0/24", p2s_tunnel_types=["SSTP"],
        )
        other = WebApp.objects.create(sandbox=app.sandbox, resource_group=rg, name=f"gw-app-{i}", location="eastus", plan=app.plan)
        services.add_gateway_integration(other, vnet)
    choice = {c.obj.name: c for c in services.vnet_choices(app).other_regions}["contoso-westus-vnet"]
    assert choice.problem.err_id == "ERR-19"


# --- Disconnect ---------------------------------------------------------------------------


def test_asvi_60_disconnect_keeps_the_subnet_and_its_delegation_and_restarts(alice):
    app = app_of(alice, "contoso-web")
    subnet = subnet_of(alice, "contoso-vnet", "integration-subnet")
    services.add_regional_integration(app, subnet.vnet, subnet=subnet)
    app.refresh_from_db()
    services.disconnect(app)
    subnet.refresh_from_db()
    assert not VnetIntegration.objects.filter(app=app).exists()
    assert subnet.delegation == APP_SERVICE_DELEGATION
    assert not ServiceAssociationLink.objects.filter(subnet=subnet).exists()  # the plan's association link is gone
    # another plan can now use it (ASVI-42)
    assert _choices(app_of(alice, "contoso-api"), subnet.vnet)["integration-subnet"].enabled


def test_asvi_60_the_activity_log_records_a_disconnect_as_a_delete(alice):
    from portal.models import ActivityLogEntry

    app = app_of(alice, "contoso-web")
    subnet = subnet_of(alice, "contoso-vnet", "integration-subnet")
    services.add_regional_integration(app, subnet.vnet, subnet=subnet)
    app.refresh_from_db()
    services.disconnect(app)
    names = list(
        ActivityLogEntry.objects.filter(sandbox=alice.sandbox, resource_id__iexact=app.arm_id)
        .order_by("pk")
        .values_list("operation_name", flat=True)
    )
    assert names[-1] == "Delete Web App VNet Connection"
    assert names.count("Create or Update Web App VNet Connection") == 1


def test_asvi_36_classic_refuses_a_vnet_with_ipv6_space_err_13(alice):
    vnet = vnet_of(alice, "contoso-vnet")
    vnet.address_space = ["10.0.0.0/16", "fd00:db8::/48"]
    vnet.save()
    choice = services.vnet_choices(app_of(alice, "contoso-web")).same_region[0]
    assert choice.problem.err_id == "ERR-13"
