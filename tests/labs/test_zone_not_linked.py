"""The scenario "the private DNS zone isn't linked to the spoke", graded
both ways: the start fails both resolution checks, saying the public
address is refused (PEDNS-20, PEDNS-12); the reference link, or a link
under any other name, passes; a "fix" that opens the SQL server to public
traffic fails the negative checks and still isn't private."""

import pytest

from tests.labs.scenario_support import start

pytestmark = pytest.mark.django_db

LAB = "zone-not-linked"
ZONE = "contoso-network-rg/Microsoft.Network/privateDnsZones/privatelink.database.windows.net"
SQL = "contoso-network-rg/Microsoft.Sql/servers/contoso-sql01"
SPOKE = "/subscriptions/${subscriptionId}/resourceGroups/contoso-network-rg/providers/Microsoft.Network/virtualNetworks/contoso-spoke-vnet"


def link(run, name: str, vnet: str = SPOKE) -> None:
    run.apply(
        "PUT",
        f"{ZONE}/virtualNetworkLinks/{name}",
        {"location": "global", "properties": {"virtualNetwork": {"id": vnet}, "registrationEnabled": False}},
    )


@pytest.mark.parametrize("era", ["classic", "current"])
def test_the_start_fails_both_resolution_checks_saying_why_pedns_12(era):
    run = start(LAB, era)
    grade = run.grade()
    assert grade.percent == run.lab.start_score == 40
    assert run.failing() == ["app-resolves-private", "vm-resolves-private"]
    app = grade.result("app-resolves-private")
    assert "doesn't resolve to its private endpoint 10.100.2.4" in app.message and "${" not in app.message
    assert "public network access disabled" in app.found and "PEDNS-12" in app.found
    vm = grade.result("vm-resolves-private")
    assert "From contoso-spoke-vnet/workload-subnet" in vm.message
    assert "Virtual network links" in vm.message


@pytest.mark.parametrize("era", ["classic", "current"])
def test_the_reference_link_passes_every_check(era):
    run = start(LAB, era)
    run.solve()
    assert run.failing() == [] and run.grade().percent == 100


def test_a_link_under_any_name_passes_pedns_20():
    run = start(LAB)
    link(run, "my-own-name-for-it")
    assert run.failing() == []


def test_linking_another_vnet_fixes_nothing_pedns_16():
    run = start(LAB)
    link(run, "aks-link", SPOKE.replace("contoso-spoke-vnet", "contoso-aks-vnet"))
    assert run.failing() == ["app-resolves-private", "vm-resolves-private"]


def test_opening_the_server_to_public_access_fails_the_negative_checks_pedns_12():
    run = start(LAB)
    run.apply(
        "PATCH",
        SQL,
        {
            "properties": {
                "publicNetworkAccess": "Enabled",
                "networkAcls": {"defaultAction": "Deny", "ipRules": [{"value": "20.49.96.0/24"}]},
            }
        },
    )
    grade = run.grade()
    # The public answer isn't the private endpoint: the resolution checks still fail.
    assert not grade.result("app-resolves-private").passed
    assert "public-access-disabled" in run.failing() and "no-firewall-ip-rules" in run.failing()
    assert "no longer Disabled" in grade.result("public-access-disabled").message
    assert "now lists IP rules" in grade.result("no-firewall-ip-rules").message
    assert grade.percent < run.lab.start_score


def test_public_access_on_top_of_the_right_fix_stays_below_the_pass_mark():
    run = start(LAB)
    run.solve()
    run.apply("PATCH", SQL, {"properties": {"publicNetworkAccess": "Enabled"}})
    grade = run.grade()
    assert run.failing() == ["public-access-disabled"]
    assert grade.percent < run.lab.pass_mark
