"""The scenario "the spoke's peering doesn't use the hub's gateway", graded
both ways: the start fails both on-premises checks, saying where the packet
went instead (VNET-11, ROUTE-30); the reference fix (the peering's "use
remote gateways") passes; a "fix" that bypasses the NVA or the NSG, or
turns off the hub's gateway transit, fails the negative checks."""

import pytest

from tests.labs.scenario_support import start

pytestmark = pytest.mark.django_db

LAB = "peering-no-remote-gateways"
SPOKE = "contoso-network-rg/Microsoft.Network/virtualNetworks/contoso-spoke-vnet"
WORKLOAD = SPOKE + "/subnets/workload-subnet"
HUB_TO_SPOKE = (
    "contoso-network-rg/Microsoft.Network/virtualNetworks/contoso-hub-vnet/virtualNetworkPeerings/hub-to-spoke"
)


@pytest.mark.parametrize("era", ["classic", "current"])
def test_the_start_fails_both_on_premises_checks_saying_why_vnet_11(era):
    run = start(LAB, era)
    grade = run.grade()
    assert grade.percent == run.lab.start_score == 50
    assert run.failing() == ["vm-reaches-onprem", "app-reaches-onprem"]
    vm = grade.result("vm-reaches-onprem")
    # Without the gateway's routes, 192.168.0.0/16 falls to the spoke's 0.0.0.0/0 to the NVA.
    assert f"From workload-subnet, {run.params['onprem']} isn't reached" in vm.message
    assert "Forwarded" in vm.found
    app = grade.result("app-reaches-onprem")
    assert "Blocked at Route" in app.found and "-> None" in app.found


@pytest.mark.parametrize("era", ["classic", "current"])
def test_the_reference_fix_passes_every_check(era):
    run = start(LAB, era)
    run.solve()
    assert run.failing() == [] and run.grade().percent == 100


def test_the_peering_state_the_learner_sees_is_read_by_id_vnet_11():
    run = start(LAB)
    run.solve()
    run.apply("PATCH", HUB_TO_SPOKE, {"properties": {"allowForwardedTraffic": True}})
    assert run.failing() == []


def test_a_route_to_the_gateway_is_not_enough_without_the_peering_setting_route_21():
    """A UDR to on-premises through the hub's gateway address doesn't give the
    spoke the gateway: the on-premises checks still fail."""
    run = start(LAB)
    run.apply(
        "PUT",
        "contoso-network-rg/Microsoft.Network/routeTables/contoso-spoke-rt/routes/onprem",
        {
            "properties": {
                "addressPrefix": "192.168.0.0/16",
                "nextHopType": "VirtualAppliance",
                "nextHopIpAddress": "10.100.255.4",
            }
        },
    )
    assert "vm-reaches-onprem" in run.failing()


def test_taking_the_route_table_off_the_workload_subnet_fails_the_nva_check_route_20():
    run = start(LAB)
    run.solve()
    run.apply("PATCH", WORKLOAD, {"properties": {"routeTable": None}})
    grade = run.grade()
    assert run.failing() == ["internet-via-nva"]
    assert "no longer goes to the hub NVA" in grade.result("internet-via-nva").message
    assert grade.percent < run.lab.pass_mark


def test_taking_the_nsg_off_the_workload_subnet_fails_the_smtp_check_nsg_40():
    run = start(LAB)
    run.solve()
    run.apply("PATCH", WORKLOAD, {"properties": {"networkSecurityGroup": None}})
    grade = run.grade()
    assert run.failing() == ["smtp-still-denied"]
    assert "no longer denies outbound SMTP" in grade.result("smtp-still-denied").message
    assert grade.percent < run.lab.pass_mark


def test_turning_off_gateway_transit_fails_the_hub_check_asgw_18():
    """Turning the hub's gateway transit off (refused while the spoke uses it,
    so on the broken start) fails the negative check."""
    run = start(LAB)
    run.apply("PATCH", HUB_TO_SPOKE, {"properties": {"allowGatewayTransit": False}})
    grade = run.grade()
    assert "hub-transit-kept" in run.failing()
    assert "no longer allows gateway transit" in grade.result("hub-transit-kept").message
