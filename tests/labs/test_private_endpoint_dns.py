"""The lab "Reach a private endpoint by name through a private DNS zone",
graded both ways (SEED-14, SEED-24, SEED-25, ASDNS-01, PEDNS-11, PEDNS-16,
PEDNS-20): the start fails every check but the negative one; the reference
solution passes in both eras; in the Classic era route all without
WEBSITE_DNS_SERVER fails the DNS check naming SEED-24, while in the Current
era no app setting is needed; every any_of alternative passes."""

import pytest

from appservice import services as app_services
from appservice.models import WebApp
from tests.helpers.labs import start

pytestmark = pytest.mark.django_db

LAB = "private-endpoint-dns"
SITE = "contoso-rg/Microsoft.Web/sites/${appName}"
LINK = "contoso-network-rg/Microsoft.Network/privateDnsZones/privatelink.database.windows.net/virtualNetworkLinks/${linkName}"
NETWORK_RG = "/subscriptions/${subscriptionId}/resourceGroups/contoso-network-rg/providers/Microsoft.Network"
SETTINGS_STEP = 3  # the solution's PATCH of the app settings
LINK_STEP = 2


def _settings(run, **extra):
    settings = [{"name": "ASPNETCORE_ENVIRONMENT", "value": "Production"}]
    settings += [{"name": name, "value": value} for name, value in extra.items()]
    run.apply("PATCH", SITE, {"properties": {"siteConfig": {"appSettings": settings}}})


def _integrate(run, vnet, subnet, prefix=None):
    if prefix is not None:
        run.apply(
            "PUT",
            f"contoso-network-rg/Microsoft.Network/virtualNetworks/{vnet}/subnets/{subnet}",
            {
                "properties": {
                    "addressPrefix": prefix,
                    "delegations": [{"name": "d", "properties": {"serviceName": "Microsoft.Web/serverFarms"}}],
                }
            },
        )
    run.apply(
        "PUT",
        "contoso-rg/Microsoft.Web/sites/${appName}/networkConfig/virtualNetwork",
        {
            "properties": {
                "subnetResourceId": f"{NETWORK_RG}/virtualNetworks/{vnet}/subnets/{subnet}",
                "swiftSupported": True,
            }
        },
    )


@pytest.fixture(params=["classic", "current"])
def run(request):
    return start(LAB, request.param)


@pytest.fixture
def classic():
    return start(LAB, "classic")


@pytest.fixture
def current():
    return start(LAB, "current")


def test_the_start_fails_every_check_but_the_negative_one_saying_why(run):
    grade = run.grade()
    assert grade.percent == run.lab.start_score == 9
    integrated = grade.result("app-integrated")
    assert not integrated.passed and "isn't integrated" in integrated.message
    linked = grade.result("zone-linked")
    assert not linked.passed and f"no link {run.params['linkName']} to contoso-spoke-vnet" in linked.message
    dns = grade.result("name-resolves-privately")
    assert not dns.passed and "not private" in dns.found
    reach = grade.result("app-reaches-sql-privately")
    assert not reach.passed and "the trace says Blocked" in reach.found
    assert grade.result("sql-stays-private").passed


def test_the_reference_solution_passes_every_check(run):
    run.solve()
    grade = run.grade()
    assert [r.check.id for r in grade.results if not r.passed] == []
    assert grade.percent == 100


def test_current_resolves_through_the_zone_without_app_settings_asdns_01(current):
    """Current: an integrated app uses Azure DNS and the zones linked to
    its VNet automatically; no WEBSITE_DNS_SERVER, no route all."""
    current.solve(skip=(SETTINGS_STEP,))
    assert current.failed() == []


def test_classic_without_the_settings_resolves_publicly_seed_24(classic):
    classic.solve(skip=(SETTINGS_STEP,))
    grade = classic.grade()
    assert classic.failed() == ["name-resolves-privately", "app-reaches-sql-privately"]
    dns = grade.result("name-resolves-privately")
    assert "SEED-24" in dns.message and "WEBSITE_DNS_SERVER=168.63.129.16" in dns.message


def test_classic_route_all_without_website_dns_server_fails_the_dns_check_naming_seed_24(classic):
    """The issue's example: route all alone isn't enough in the Classic era."""
    classic.solve(skip=(SETTINGS_STEP,))
    _settings(classic, WEBSITE_VNET_ROUTE_ALL="1")
    dns = classic.grade().result("name-resolves-privately")
    assert not dns.passed
    assert "SEED-24" in dns.check.rules
    assert "(SEED-24)" in dns.message  # the lab's why
    assert "SEED-24" in dns.found  # and the trace's name resolution
    assert "the destination address is 20." in dns.found and "not private" in dns.found


def test_classic_website_dns_server_without_route_all_fails_too_seed_24(classic):
    classic.solve(skip=(SETTINGS_STEP,))
    _settings(classic, WEBSITE_DNS_SERVER="168.63.129.16")
    grade = classic.grade()
    assert not grade.result("name-resolves-privately").passed
    assert "SEED-24" in grade.result("name-resolves-privately").found


def test_classic_route_all_by_the_site_property_with_the_dns_setting_passes_asrt_06(classic):
    classic.solve(skip=(SETTINGS_STEP,))
    _settings(classic, WEBSITE_DNS_SERVER="168.63.129.16")
    app_services.set_route_all(WebApp.objects.get(sandbox=classic.sandbox, name=classic.params["appName"]), True)
    assert classic.failed() == []


def test_the_existing_empty_spoke_subnet_passes_too_seed_10(run):
    """The any_of's first alternative with the spoke's empty
    app-integration-subnet instead of a new one."""
    run.solve(skip=(0, 1))
    _integrate(run, "contoso-spoke-vnet", "app-integration-subnet", "10.101.2.0/26")
    assert run.failed() == []


def test_integrating_with_the_hub_passes_without_a_new_link_pedns_16(run):
    """The other correct solution: integrate with the hub, which the zone
    is already linked to (both any_of groups' second alternatives)."""
    _integrate(run, "contoso-hub-vnet", "web-int-subnet", "10.100.3.0/26")
    _settings(run, WEBSITE_DNS_SERVER="168.63.129.16", WEBSITE_VNET_ROUTE_ALL="1")
    grade = run.grade()
    assert [r.check.id for r in grade.results if not r.passed] == []


def test_without_the_link_the_zone_does_not_answer_the_spoke_pedns_20(run):
    run.solve(skip=(LINK_STEP,))
    grade = run.grade()
    assert not grade.result("zone-linked").passed
    assert "doesn't exist" in grade.result("zone-linked").found
    assert not grade.result("name-resolves-privately").passed


def test_a_link_to_another_vnet_fails_the_link_check_pedns_20(run):
    run.solve(skip=(LINK_STEP,))
    run.apply(
        "PUT",
        LINK,
        {
            "location": "global",
            "properties": {
                "virtualNetwork": {"id": f"{NETWORK_RG}/virtualNetworks/contoso-aks-vnet"},
                "registrationEnabled": False,
            },
        },
    )
    grade = run.grade()
    linked = grade.result("zone-linked")
    assert not linked.passed and "properties.virtualNetwork.id is 'contoso-aks-vnet'" in linked.found
    assert not grade.result("name-resolves-privately").passed


def test_opening_the_server_to_the_internet_fails_the_negative_check_pedns_12(classic):
    """A "fix" that weakens security: public access on, no DNS settings.
    The negative check fails, and the private checks still do."""
    classic.solve(skip=(SETTINGS_STEP,))
    classic.apply(
        "PATCH",
        "contoso-network-rg/Microsoft.Sql/servers/contoso-sql01",
        {"properties": {"publicNetworkAccess": "Enabled"}},
    )
    grade = classic.grade()
    private = grade.result("sql-stays-private")
    assert not private.passed and "public network access was turned on" in private.message
    assert not grade.result("app-reaches-sql-privately").passed
    assert grade.percent < 70


def test_a_deleted_app_says_not_done_with_why(classic):
    classic.solve()
    app_services.delete_webapp(WebApp.objects.get(sandbox=classic.sandbox, name=classic.params["appName"]))
    grade = classic.grade()
    assert "doesn't exist" in grade.result("app-integrated").found
    assert not grade.result("app-reaches-sql-privately").passed
