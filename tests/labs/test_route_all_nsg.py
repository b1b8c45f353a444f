"""The lab "Route all outbound traffic and block the internet with an NSG",
graded both ways (SEED-15, SEED-17, SEED-18, SEED-21, ASRT-02, ASRT-03,
ASRT-05, ASRT-06, ASRT-13): the start fails every check but the negative
one, each saying why; the reference solution passes them all; every
alternative of the any_of groups passes; a wrong estate fails each check."""

import pytest

from appservice import services as app_services
from appservice.models import WebApp
from portal.arm import operations
from portal.arm.errors import ArmError
from tests.helpers.labs import start

pytestmark = pytest.mark.django_db

LAB = "route-all-nsg"
NSG = "contoso-rg/Microsoft.Network/networkSecurityGroups/${nsgName}"
SUBNET = "contoso-rg/Microsoft.Network/virtualNetworks/contoso-vnet/subnets/${subnet.name}"
SITE = "contoso-rg/Microsoft.Web/sites/${appName}"
NSG_ID = "/subscriptions/${subscriptionId}/resourceGroups/contoso-rg/providers/Microsoft.Network/networkSecurityGroups/${nsgName}"


def _rule(name, priority, access, destination, direction="Outbound"):
    return {
        "name": name,
        "properties": {
            "priority": priority,
            "direction": direction,
            "access": access,
            "protocol": "*",
            "sourceAddressPrefix": "*",
            "sourcePortRange": "*",
            "destinationAddressPrefix": destination,
            "destinationPortRange": "*",
        },
    }


def _nsg(run, *rules, associate=True):
    run.apply("PUT", NSG, {"location": "eastus", "properties": {"securityRules": list(rules)}})
    if associate:
        run.apply("PATCH", SUBNET, {"properties": {"networkSecurityGroup": {"id": NSG_ID}}})


def _route_all_setting(run, value="1"):
    settings = [
        {"name": "ASPNETCORE_ENVIRONMENT", "value": "Production"},
        {"name": "WEBSITE_VNET_ROUTE_ALL", "value": value},
    ]
    run.apply("PATCH", SITE, {"properties": {"siteConfig": {"appSettings": settings}}})


def _app(run):
    return WebApp.objects.get(sandbox=run.sandbox, name=run.params["appName"])


@pytest.fixture(params=["classic", "current"])
def run(request):
    return start(LAB, request.param)


def test_the_start_fails_every_check_but_the_negative_one_saying_why(run):
    grade = run.grade()
    assert grade.percent == run.lab.start_score == 10
    route_all = grade.result("route-all-on")
    assert not route_all.passed and "SEED-17" in route_all.message and "not set" in route_all.found
    associated = grade.result("nsg-associated")
    assert not associated.passed and f"has no NSG named {run.params['nsgName']}" in associated.message
    denies = grade.result("nsg-denies-internet")
    assert not denies.passed and "doesn't exist" in denies.found
    blocked = grade.result("internet-blocked")
    assert not blocked.passed and "the trace says Reachable" in blocked.found
    assert grade.result("private-still-reachable").passed


def test_the_reference_solution_passes_every_check(run):
    run.solve()
    grade = run.grade()
    assert [r.check.id for r in grade.results if not r.passed] == []
    assert grade.percent == 100


def test_route_all_by_the_site_property_passes_too_asrt_06(run):
    """The other alternative: the Route All toggle / Outbound internet
    traffic checkbox writes vnetRouteAllEnabled, not the app setting."""
    run.solve(skip=(0,))
    assert run.failed() == ["route-all-on", "internet-blocked"]
    app_services.set_route_all(_app(run), True)
    assert run.failed() == []


def test_route_all_0_fails_the_route_all_check_seed_17(run):
    run.solve(skip=(0,))
    _route_all_setting(run, "0")
    grade = run.grade()
    assert not grade.result("route-all-on").passed
    assert "'0'" in grade.result("route-all-on").found


def test_the_property_off_beats_the_setting_asrt_13(run):
    """WEBSITE_VNET_ROUTE_ALL=1 with the site property explicitly off: the
    state check reads the setting, but the behaviour check says the truth."""
    run.solve()
    app_services.set_route_all(_app(run), False)
    grade = run.grade()
    assert grade.result("route-all-on").passed
    blocked = grade.result("internet-blocked")
    assert not blocked.passed and "Reachable" in blocked.found


def test_an_nsg_that_is_not_associated_fails_the_association_and_the_trace_seed_15(run):
    _route_all_setting(run)
    _nsg(run, _rule("Deny-Internet", 100, "Deny", "Internet"), associate=False)
    assert run.failed() == ["nsg-associated", "internet-blocked"]


def test_an_nsg_without_a_deny_fails_the_rule_check_and_the_trace_seed_21(run):
    _route_all_setting(run)
    _nsg(run, _rule("Allow-Internet", 100, "Allow", "Internet"))
    grade = run.grade()
    assert not grade.result("nsg-denies-internet").passed
    assert "has no outbound Deny rule" in grade.result("nsg-denies-internet").message
    assert not grade.result("internet-blocked").passed


def test_an_inbound_deny_is_not_an_outbound_one_asrt_15(run):
    _route_all_setting(run)
    _nsg(run, _rule("Deny-Internet-In", 100, "Deny", "Internet", direction="Inbound"))
    assert run.failed() == ["nsg-denies-internet", "internet-blocked"]


def test_without_route_all_the_nsg_never_sees_the_internet_call_seed_21(run):
    """The NSG is right, but the call leaves from the app's outbound
    addresses: the trace check fails naming why (ASRT-03)."""
    run.solve(skip=(0,))
    grade = run.grade()
    blocked = grade.result("internet-blocked")
    assert not blocked.passed and "the trace says Reachable" in blocked.found
    assert "isn't stopped by the integration subnet's NSG" in blocked.message


@pytest.mark.parametrize("destination", ["*", "0.0.0.0/0"])
def test_a_deny_to_any_after_an_allow_for_the_vnet_passes_every_check(run, destination):
    """The any_of's other alternatives: deny everything, but allow the
    virtual network first (NSG-02: the lower priority number wins)."""
    _route_all_setting(run)
    _nsg(run, _rule("Allow-VNet", 100, "Allow", "VirtualNetwork"), _rule("Deny-All", 200, "Deny", destination))
    assert run.failed() == []


def test_a_deny_to_any_without_an_allow_breaks_the_private_call_nsg_10(run):
    """The negative check keeps the fix honest: denying Any also cuts the
    app off from contoso-vm01."""
    _route_all_setting(run)
    _nsg(run, _rule("Deny-All", 100, "Deny", "*"))
    grade = run.grade()
    private = grade.result("private-still-reachable")
    assert not private.passed and "cut" in private.message and "10.0.1.4" in private.message
    assert grade.result("internet-blocked").passed
    assert grade.percent == 90


def test_a_patch_keeps_the_references_it_does_not_name(run):
    """PATCH merges into the document as Export template writes it, with
    its references' IDs (properties.networkSecurityGroup.id): adding a
    service endpoint to the subnet keeps its NSG."""
    run.solve()
    run.apply("PATCH", SUBNET, {"properties": {"privateEndpointNetworkPolicies": "Disabled"}})
    assert run.failed() == []
    document = operations.current_document(
        run.sandbox,
        operations.ids.parse(
            f"/subscriptions/{run.subscription_id}/resourceGroups/contoso-rg/providers/Microsoft.Network"
            f"/virtualNetworks/contoso-vnet/subnets/{run.params['subnet']['name']}"
        ),
    )
    assert document["properties"]["networkSecurityGroup"]["id"].endswith(run.params["nsgName"])
    assert "id" not in document


def test_a_deleted_nsg_says_not_done_with_why(run):
    run.solve()
    run.apply("PATCH", SUBNET, {"properties": {"networkSecurityGroup": None}})
    run.apply("DELETE", NSG)
    grade = run.grade()
    assert "doesn't exist" in grade.result("nsg-denies-internet").found
    assert not grade.result("internet-blocked").passed
    with pytest.raises(ArmError):
        run.apply("DELETE", NSG)
