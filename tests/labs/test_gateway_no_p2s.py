"""The scenario "the app's other-region integration stopped working",
graded both ways: its start (contoso-westus-vpngw lost its point-to-site
configuration under a gateway-required integration) fails the fix's checks
saying why; point-to-site with an RFC 1918 pool and SSTP, by ARM or the
gateway's pane, with either SSTP tunnel type, passes them all; IKEv2 only or
a pool outside RFC 1918 don't carry the app; and opening the NSG fails the
negative checks (SEED-11, ASGW-07, ASGW-09, ASGW-10, ASGW-17)."""

import pytest

from networking.models import VirtualNetworkGateway
from networking.services import gateways
from tests.labs.scenarios import run_fixture

pytestmark = pytest.mark.django_db

LAB = "gateway-no-p2s"
GATEWAY = "contoso-rg/Microsoft.Network/virtualNetworkGateways/contoso-westus-vpngw"
NSG = "contoso-rg/Microsoft.Network/networkSecurityGroups/westus-apps-nsg"

run = run_fixture(LAB)


def gateway_of(run) -> VirtualNetworkGateway:
    return VirtualNetworkGateway.objects.get(sandbox=run.sandbox, name="contoso-westus-vpngw")


def p2s(run, pool: str, protocols: list[str]) -> None:
    configuration = {"vpnClientAddressPool": {"addressPrefixes": [pool]}, "vpnClientProtocols": protocols}
    run.apply("PATCH", GATEWAY, {"properties": {"vpnClientConfiguration": configuration}})


def test_the_start_fails_the_fix_checks_saying_why_asgw_07(run):
    grade = run.grade()
    assert grade.percent == run.lab.start_score == 20
    pool = grade.result("p2s-pool")
    assert not pool.passed and "has no point-to-site configuration" in pool.message and "not set" in pool.found
    assert not grade.result("p2s-sstp").passed
    reach = grade.result("app-reaches-westus")
    assert not reach.passed and "the trace says Blocked at Enter the virtual network" in reach.found
    assert "the gateway has no point-to-site configuration on 'contoso-westus-vpngw'" in reach.found
    assert "ASGW-07" in reach.found
    assert grade.result("nsg-still-on-subnet").passed and grade.result("no-allow-any-inbound").passed


def test_the_app_still_lists_its_integration_asgw_04(run):
    """The symptom's "the integration page still lists the VNet": only the gateway changed."""
    connection = run.document("contoso-rg/Microsoft.Web/sites/${appName}/virtualNetworkConnections/contoso-westus-vnet")
    assert connection["properties"]["vnetResourceId"].endswith("/virtualNetworks/contoso-westus-vnet")


def test_the_reference_solution_passes_every_check_with_the_learners_pool_asgw_17(run):
    run.solve()
    assert run.failing() == []
    assert run.grade().percent == 100
    assert gateway_of(run).p2s_address_pool == run.params["pool"]


def test_the_gateway_panes_way_passes_with_either_sstp_tunnel_type_asgw_10(run):
    """The learner's way: contoso-westus-vpngw > Point-to-site configuration,
    "SSTP (SSL)" or "IKEv2 and SSTP (SSL)", Azure certificate."""
    for tunnel_type in ("SSTP", "IkeV2SSTP"):
        gateways.save_point_to_site(gateway_of(run), gateways.PointToSite(run.params["pool"], tunnel_type))
        assert run.grade().percent == 100, tunnel_type


def test_ikev2_only_fails_the_tunnel_and_the_trace_asgw_10(run):
    p2s(run, run.params["pool"], ["IKEv2"])
    grade = run.grade()
    assert grade.result("p2s-pool").passed
    sstp = grade.result("p2s-sstp")
    assert not sstp.passed and "doesn't offer the SSTP tunnel type" in sstp.message
    reach = grade.result("app-reaches-westus")
    assert not reach.passed and "must use the SSTP tunnel type" in reach.found


def test_a_pool_outside_rfc_1918_doesnt_carry_the_app_asgw_09(run):
    p2s(run, "100.64.10.0/24", ["SSTP"])
    grade = run.grade()
    assert grade.result("p2s-pool").passed and grade.result("p2s-sstp").passed
    reach = grade.result("app-reaches-westus")
    assert not reach.passed and "outside RFC 1918" in reach.found


def test_opening_the_nsg_to_any_source_fails_the_negative_check_nsg_02(run):
    run.solve()
    rule = {
        "properties": {
            "priority": 100,
            "direction": "Inbound",
            "access": "Allow",
            "protocol": "*",
            "sourceAddressPrefix": "*",
            "sourcePortRange": "*",
            "destinationAddressPrefix": "*",
            "destinationPortRange": "*",
        }
    }
    run.apply("PUT", NSG + "/securityRules/allow-all-in", rule)
    grade = run.grade()
    assert grade.result("app-reaches-westus").passed
    result = grade.result("no-allow-any-inbound")
    assert not result.passed and "allows any source in" in result.message and "allow-all-in" in result.found
    assert grade.percent < 100


def test_taking_the_nsg_off_the_subnet_fails_the_negative_check_nsg_20(run):
    run.solve()
    run.apply(
        "PATCH",
        "contoso-rg/Microsoft.Network/virtualNetworks/contoso-westus-vnet/subnets/apps-subnet",
        {"properties": {"networkSecurityGroup": None}},
    )
    grade = run.grade()
    assert grade.result("app-reaches-westus").passed
    result = grade.result("nsg-still-on-subnet")
    assert not result.passed and "lost its NSG" in result.message
