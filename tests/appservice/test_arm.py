"""ARM JSON in and out of App Service plans, web apps and their VNet
integrations: what Export template writes builds the same resource again,
and what the blades refuse a template is refused too, with the same rule."""

import pytest

from appservice import services
from appservice.models import AppServicePlan, VnetIntegration, WebApp
from networking.models import Subnet, VirtualNetwork
from portal.arm.errors import ArmError
from portal.registry import registry
from tests.arm_support import (
    as_template,
    comparable,
    deploy,
    empty_group,
    empty_sandbox,
    found_by_id,
    group,
    seeded,
    state,
    subnet_lookup,  # noqa: F401 (an autouse fixture)
    to_arm,
)

pytestmark = pytest.mark.django_db

CONNECTION_TYPE = "Microsoft.Web/sites/virtualNetworkConnections"
CONFIG_TYPE = "Microsoft.Web/sites/config"


@pytest.fixture
def source(settings):
    return seeded(settings)


@pytest.fixture
def target(settings):
    return seeded(settings)


def _app(sandbox, name):
    return WebApp.objects.select_related("plan", "resource_group__subscription").get(sandbox=sandbox, name=name)


def _subnet(sandbox, vnet, name):
    return Subnet.objects.select_related("vnet").get(vnet__sandbox=sandbox, vnet__name=vnet, name=name)


@pytest.mark.parametrize("name", ["contoso-s1-plan", "contoso-p1v3-plan", "contoso-free-plan", "contoso-ase-plan"])
def test_each_seeded_plan_is_built_again_from_its_export_in_an_empty_group(source, target, name):
    plan = AppServicePlan.objects.get(sandbox=source, name=name)
    document = to_arm(plan)
    copy = deploy(target, empty_group(target), as_template(document, source, target))
    assert comparable(to_arm(copy), target, groups={"copy-rg": "contoso-rg"}) == comparable(document, source)


def test_a_plan_shows_its_sku_linux_kind_and_app_service_environment_as_arm_does(source):
    linux = to_arm(AppServicePlan.objects.get(sandbox=source, name="contoso-p1v3-plan"))
    assert linux["sku"]["name"] == "P1v3" and linux["sku"]["tier"] == "PremiumV3"
    assert linux["kind"] == "linux" and linux["properties"]["reserved"] is True
    ase = to_arm(AppServicePlan.objects.get(sandbox=source, name="contoso-ase-plan"))
    assert ase["properties"]["hostingEnvironmentProfile"]["id"].endswith(
        "/Microsoft.Web/hostingEnvironments/contoso-ase"
    )


@pytest.mark.parametrize("name", ["contoso-web", "contoso-api", "contoso-dev", "contoso-internal"])
def test_each_seeded_app_and_its_plan_are_built_again_in_an_empty_sandbox(source, name):
    target = empty_sandbox()
    rg = empty_group(target, "contoso-rg")
    app = _app(source, name)
    plan_document, site_document = to_arm(app.plan), to_arm(app)
    deploy(target, rg, as_template(plan_document, source, target))
    copy = deploy(target, rg, as_template(site_document, source, target))
    assert copy.status == "Running"
    generated = ("properties.outboundIpAddresses",)
    assert comparable(to_arm(copy), target, ignore=generated) == comparable(site_document, source, ignore=generated)
    assert [s["name"] for s in to_arm(copy)["properties"]["siteConfig"]["appSettings"]] == [
        "ASPNETCORE_ENVIRONMENT",
        "WEBSITE_RUN_FROM_PACKAGE",
    ]


def test_regional_integration_route_all_and_settings_round_trip(source, target):
    app = _app(source, "contoso-api")
    services.add_regional_integration(
        app,
        VirtualNetwork.objects.get(sandbox=source, name="contoso-vnet"),
        subnet=_subnet(source, "contoso-vnet", "integration-subnet"),
    )
    services.set_route_all(app, True)
    services.save_app_settings(
        app, app.settings_version, [("WEBSITE_DNS_SERVER", "168.63.129.16", False), ("KEEP", "1", True)]
    )
    document = to_arm(_app(source, "contoso-api"))
    assert document["properties"]["virtualNetworkSubnetId"].endswith("/contoso-vnet/subnets/integration-subnet")
    assert document["properties"]["siteConfig"]["vnetRouteAllEnabled"] is True
    WebApp.objects.filter(sandbox=target, name="contoso-api").delete()
    copy = deploy(target, group(target, "contoso-rg"), as_template(document, source, target))
    generated = ("properties.outboundIpAddresses",)
    assert comparable(to_arm(copy), target, ignore=generated) == comparable(document, source, ignore=generated)
    # The subnet was delegated and claimed by the plan, as the blade does (ASVI-24).
    subnet = _subnet(target, "contoso-vnet", "integration-subnet")
    assert subnet.delegation == "Microsoft.Web/serverFarms" and subnet.service_association_link.plan_id == copy.plan_id
    # Slot settings are the site's config "slotConfigNames", a resource of its own.
    (config,) = [
        d for d in registry.get("Microsoft.Web/sites").export(_app(source, "contoso-api")) if d["type"] == CONFIG_TYPE
    ]
    assert config["properties"]["appSettingNames"] == ["KEEP"]
    assert not copy.settings.get(name="KEEP").slot_setting
    deploy(target, group(target, "contoso-rg"), as_template(config, source, target))
    assert copy.settings.get(name="KEEP").slot_setting
    assert found_by_id(target, to_arm(copy, CONFIG_TYPE)) == copy


def test_gateway_required_integration_is_a_virtual_network_connection_and_round_trips(source, target):
    app = _app(source, "contoso-web")
    integration = services.add_gateway_integration(
        app, VirtualNetwork.objects.get(sandbox=source, name="contoso-westus-vnet")
    )
    document = to_arm(integration, CONNECTION_TYPE)
    assert document["name"] == "contoso-westus-vnet"
    assert document["properties"]["vnetResourceId"].endswith("/Microsoft.Network/virtualNetworks/contoso-westus-vnet")
    copy = deploy(target, group(target, "contoso-rg"), as_template(document, source, target))
    assert copy.kind == VnetIntegration.GATEWAY and copy.app.name == "contoso-web"
    assert comparable(to_arm(copy, CONNECTION_TYPE), target) == comparable(document, source)


def _site(source, target, app_name="contoso-web", **properties):
    document = as_template(to_arm(_app(source, app_name)), source, target)
    document["properties"].update(properties)
    return document


def test_a_29_integration_subnet_is_refused_with_err_05_and_nothing_is_written(source, target):
    tiny = _subnet(target, "contoso-vnet", "tiny-subnet")
    document = _site(source, target, virtualNetworkSubnetId=tiny.arm_id)
    document["name"] = "contoso-new-web"
    before = state(target)
    with pytest.raises(ArmError) as refused:
        deploy(target, group(target, "contoso-rg"), document)
    assert "ERR-05" in refused.value.rule_ids and "ASVI-21" in refused.value.rule_ids
    assert refused.value.resource == "contoso-new-web"
    assert refused.value.path == "properties.virtualNetworkSubnetId"
    # The app the document would have created is not there either.
    assert state(target) == before


def test_gateway_required_integration_of_a_linux_app_is_refused_with_asgw_02(source, target):
    vnet = VirtualNetwork.objects.get(sandbox=target, name="contoso-westus-vnet")
    document = {
        "type": CONNECTION_TYPE,
        "name": "contoso-api/contoso-westus-vnet",
        "location": "eastus",
        "properties": {"vnetResourceId": vnet.arm_id},
    }
    before = state(target)
    with pytest.raises(ArmError) as refused:
        deploy(target, group(target, "contoso-rg"), document)
    assert "ASGW-02" in refused.value.rule_ids
    assert refused.value.path == "properties.vnetResourceId"
    assert state(target) == before


def test_an_invalid_app_setting_is_refused_with_its_rule(source, target):
    document = _site(source, target, siteConfig={"appSettings": [{"name": "BAD NAME", "value": "1"}]})
    with pytest.raises(ArmError) as refused:
        deploy(target, group(target, "contoso-rg"), document)
    assert "APPSET-01" in refused.value.rule_ids
    assert refused.value.path == "properties.siteConfig.appSettings"


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"siteConfig": {"appSettings": "ASPNETCORE_ENVIRONMENT=Production"}}, "properties.siteConfig.appSettings"),
        ({"siteConfig": {"vnetRouteAllEnabled": "yes"}}, "properties.siteConfig.vnetRouteAllEnabled"),
        ({"serverFarmId": None}, "properties.serverFarmId"),
        ({"serverFarmId": "not-an-id"}, "properties.serverFarmId"),
        (
            {"serverFarmId": "/subscriptions/x/resourceGroups/contoso-rg/providers/Microsoft.Web/serverFarms/nope"},
            "properties.serverFarmId",
        ),
        ({"virtualNetworkSubnetId": 42}, "properties.virtualNetworkSubnetId"),
    ],
)
def test_bad_input_names_the_resource_and_the_property_and_changes_nothing(source, target, change, path):
    document = _site(source, target, **change)
    document["name"] = "contoso-other-web"
    before = state(target)
    with pytest.raises(ArmError) as refused:
        deploy(target, group(target, "contoso-rg"), document)
    assert refused.value.resource == "contoso-other-web"
    assert refused.value.path == path
    assert state(target) == before


def test_a_plan_of_an_unknown_tier_or_two_instances_is_refused_on_its_sku(source, target):
    plan = as_template(to_arm(AppServicePlan.objects.get(sandbox=source, name="contoso-s1-plan")), source, target)
    for sku, path in (({"name": "Z9"}, "sku.name"), ({"name": "S1", "capacity": 2}, "sku.capacity")):
        with pytest.raises(ArmError) as refused:
            deploy(target, empty_group(target, f"rg-{path.replace('.', '-')}"), {**plan, "sku": sku})
        assert (refused.value.resource, refused.value.path) == ("contoso-s1-plan", path)


def test_an_isolated_plan_outside_an_app_service_environment_is_refused_with_asvi_12(source, target):
    plan = as_template(to_arm(AppServicePlan.objects.get(sandbox=source, name="contoso-ase-plan")), source, target)
    del plan["properties"]["hostingEnvironmentProfile"]
    with pytest.raises(ArmError) as refused:
        deploy(target, empty_group(target), plan)
    assert "ASVI-12" in refused.value.rule_ids and refused.value.path == "sku.name"


def test_integrations_are_found_by_the_ids_their_documents_give(source):
    web, api = _app(source, "contoso-web"), _app(source, "contoso-api")
    gateway = services.add_gateway_integration(
        web, VirtualNetwork.objects.get(sandbox=source, name="contoso-westus-vnet")
    )
    regional = services.add_regional_integration(
        api,
        VirtualNetwork.objects.get(sandbox=source, name="contoso-vnet"),
        subnet=_subnet(source, "contoso-vnet", "integration-subnet"),
    )
    assert found_by_id(source, to_arm(gateway, CONNECTION_TYPE)) == gateway
    network_config = to_arm(regional, "Microsoft.Web/sites/networkConfig")
    assert network_config["properties"]["subnetResourceId"].endswith("/subnets/integration-subnet")
    assert found_by_id(source, network_config) == regional


# --- Runtime stacks (issue #10) ---------------------------------------------------------


@pytest.mark.parametrize(("era", "version"), [("classic", "5.0"), ("current", "8.0")])
def test_the_seeded_apps_runtime_stack_is_written_as_arm_writes_it(settings, era, version):
    sandbox = seeded(settings, era)
    linux = to_arm(_app(sandbox, "contoso-api"))["properties"]["siteConfig"]
    assert linux["linuxFxVersion"] == f"DOTNETCORE|{version}"
    windows = to_arm(_app(sandbox, "contoso-web"))["properties"]["siteConfig"]
    assert windows["netFrameworkVersion"] == f"v{version}"
    assert windows["metadata"] == [{"name": "CURRENT_STACK", "value": "dotnet"}]
    assert "linuxFxVersion" not in windows


@pytest.mark.parametrize(
    ("app_name", "config", "stack"),
    [
        ("contoso-api", {"linuxFxVersion": "PYTHON|3.9"}, "python|3.9"),
        ("contoso-api", {"linuxFxVersion": "node|20-lts"}, "node|20-lts"),
        ("contoso-web", {"phpVersion": "7.4", "metadata": [{"name": "CURRENT_STACK", "value": "php"}]}, "php|7.4"),
        (
            "contoso-web",
            {"netFrameworkVersion": "v4.0", "metadata": [{"name": "CURRENT_STACK", "value": "dotnet"}]},
            "aspnet|4.8",
        ),
    ],
)
def test_a_template_names_a_new_apps_stack_and_it_round_trips(source, target, app_name, config, stack):
    document = _site(source, target, app_name, siteConfig=config)
    document["name"] = "contoso-stack-app"
    app = deploy(target, group(target, "contoso-rg"), document)
    assert app.runtime_stack == stack
    # Written back in ARM's own spelling ("NODE|20-lts"), whatever the case the template used.
    again = to_arm(app)["properties"]["siteConfig"]
    assert {k: v for k, v in again.items() if k in config} == {
        k: v for k, v in app.runtime.site_config(app.plan.os).items() if k in config
    }
    assert {k: str(v).lower() for k, v in again.items() if k in config} == {
        k: str(v).lower() for k, v in config.items()
    }


@pytest.mark.parametrize(
    ("app_name", "config", "path"),
    [
        ("contoso-api", {"linuxFxVersion": "COBOL|85"}, "properties.siteConfig.linuxFxVersion"),
        (
            "contoso-web",
            {"metadata": [{"name": "CURRENT_STACK", "value": "fortran"}]},
            "properties.siteConfig.metadata",
        ),
    ],
)
def test_a_stack_the_lab_doesnt_know_is_refused_on_its_property(source, target, app_name, config, path):
    document = _site(source, target, app_name, siteConfig=config)
    document["name"] = "contoso-stack-app"
    before = state(target)
    with pytest.raises(ArmError) as refused:
        deploy(target, group(target, "contoso-rg"), document)
    assert refused.value.path == path
    assert state(target) == before


def test_a_linux_only_stack_on_a_windows_plan_is_refused(source, target):
    document = _site(source, target, "contoso-web", siteConfig={"linuxFxVersion": "PYTHON|3.9"})
    document["name"] = "contoso-stack-app"
    # A Windows site's stack is its CURRENT_STACK: linuxFxVersion alone names none.
    assert deploy(target, group(target, "contoso-rg"), document).runtime_stack == ""
    plan = AppServicePlan.objects.get(sandbox=target, name="contoso-s1-plan")
    rg = group(target, "contoso-rg")
    with pytest.raises(Exception, match="Python 3.9 runs on Linux"):
        services.create_webapp(rg, name="contoso-py-web", plan=plan, runtime="python|3.9")
