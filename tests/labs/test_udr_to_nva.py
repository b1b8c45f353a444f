"""The lab "Send a spoke's internet traffic through a network virtual
appliance", graded both ways: the start fails every positive check, saying
why; the reference solution passes them all; each check has a wrong estate
that fails it and, where the learner could do it another way, that way
passes (ROUTE-21, ROUTE-30, ROUTE-31, ROUTE-07, ASRT-17, NAT-07, DOA-02)."""

import random

import pytest

from labs import catalog
from labs import params as lab_params
from tests.labs.network_labs import NET, NET_ID, grade, run, solve
from tests.labs.network_labs import start as start_lab

pytestmark = pytest.mark.django_db

LAB = "udr-to-nva"


def start(era: str = "classic", seed: int = 5):
    return start_lab(LAB, era, seed)


@pytest.fixture
def started():
    return start()


def route(name: str, prefix: str, hop: str = "VirtualAppliance", ip: str = "10.100.1.4"):
    body = {"properties": {"addressPrefix": prefix, "nextHopType": hop}}
    if ip:
        body["properties"]["nextHopIpAddress"] = ip
    return ("PUT", f"{NET}/routeTables/contoso-spoke-rt/routes/{name}", body)


def test_each_learner_gets_their_own_values():
    lab = catalog.get(LAB)
    drawn = [lab_params.draw(lab, random.Random(seed)) for seed in range(12)]
    assert len({d["natName"] for d in drawn}) > 10 and all(d["natName"].startswith("contoso-nva-nat-") for d in drawn)
    assert len({d["routeName"] for d in drawn}) > 1 and len({d["probe"] for d in drawn}) > 1


@pytest.mark.parametrize("era", ["classic", "current"])
def test_the_start_fails_every_positive_check_saying_why_route_21(era):
    sandbox, lab, params = start(era)
    g = grade(sandbox, lab, params)
    assert g.percent == lab.start_score == 18
    failed = {r.check.id: r for r in g.results if not r.passed}
    assert set(failed) == {"spoke-to-nva", "nat-on-nva-subnet", "internet-sees-public"}
    assert "isn't sent to the virtual appliance 10.100.1.4" in failed["spoke-to-nva"].message
    assert "the trace says" in failed["spoke-to-nva"].message
    assert "nva-subnet has no NAT gateway" in failed["nat-on-nva-subnet"].message
    # The negative checks hold at the start: forwarding is on, on-premises goes through the gateway.
    assert g.result("nva-forwards").passed and g.result("onprem-stays-on-gateway").passed


@pytest.mark.parametrize("era", ["classic", "current"])
def test_the_reference_solution_passes_every_check(era):
    sandbox, lab, params = start(era)
    solve(sandbox, lab, params)
    g = grade(sandbox, lab, params)
    assert [r.check.id for r in g.results if not r.passed] == []
    assert g.percent == 100


def test_a_route_to_an_address_no_nic_has_fails_the_nva_check_route_21(started):
    sandbox, lab, params = started
    run(sandbox, params, route(params["routeName"], "0.0.0.0/0", ip="10.100.1.9"))
    result = grade(sandbox, lab, params).result("spoke-to-nva")
    assert not result.passed and "Blocked" in result.found and "no network interface has" in result.found


def test_a_narrower_route_to_the_nva_is_not_the_default_route_route_31(started):
    """A route for the probe's /8 reaches the appliance too, but not through 0.0.0.0/0."""
    sandbox, lab, params = started
    run(sandbox, params, route(params["routeName"], f"{params['probe'].split('.')[0]}.0.0.0/8"))
    result = grade(sandbox, lab, params).result("spoke-to-nva")
    assert not result.passed and "doesn't pass 0.0.0.0/0 -> VirtualAppliance" in result.found


def test_a_new_route_table_on_the_subnet_passes_too_route_20(started):
    """The other way: a new table with the route, associated instead of contoso-spoke-rt."""
    sandbox, lab, params = started
    subnet = f"{NET}/virtualNetworks/contoso-spoke-vnet/subnets/workload-subnet"
    run(
        sandbox,
        params,
        ("PUT", f"{NET}/routeTables/egress-rt", {"location": "eastus"}),
        (
            "PUT",
            f"{NET}/routeTables/egress-rt/routes/default",
            {
                "properties": {
                    "addressPrefix": "0.0.0.0/0",
                    "nextHopType": "VirtualAppliance",
                    "nextHopIpAddress": "10.100.1.4",
                }
            },
        ),
        (
            "PATCH",
            subnet,
            {"properties": {"routeTable": {"id": f"{NET_ID}/routeTables/egress-rt"}}},
        ),
    )
    g = grade(sandbox, lab, params)
    assert g.result("spoke-to-nva").passed
    assert g.result("onprem-stays-on-gateway").passed


def test_ip_forwarding_off_fails_both_the_forwarding_and_the_route_check_route_21(started):
    """The appliance's NIC recreated without IP forwarding (deleting the VM deletes
    its NIC): it drops what is routed to it."""
    sandbox, lab, params = started
    nic = f"{NET}/networkInterfaces/contoso-nva01-nic"
    run(
        sandbox,
        params,
        ("DELETE", "contoso-network-rg/Microsoft.Compute/virtualMachines/contoso-nva01", None),
        (
            "PUT",
            nic,
            {
                "location": "eastus",
                "properties": {
                    "enableIPForwarding": False,
                    "ipConfigurations": [
                        {
                            "name": "ipconfig1",
                            "properties": {
                                "privateIPAddress": "10.100.1.4",
                                "privateIPAllocationMethod": "Static",
                                "subnet": {"id": f"{NET_ID}/virtualNetworks/contoso-hub-vnet/subnets/nva-subnet"},
                            },
                        }
                    ],
                },
            },
        ),
    )
    solve(sandbox, lab, params)
    g = grade(sandbox, lab, params)
    forwards = g.result("nva-forwards")
    assert not forwards.passed and "IP forwarding is off on contoso-nva01-nic" in forwards.message
    assert "is False" in forwards.found
    reach = g.result("spoke-to-nva")
    assert not reach.passed and "IP forwarding is off on 'contoso-nva01-nic'" in reach.found


def test_sending_on_premises_to_the_nva_too_fails_the_gateway_check_route_30(started):
    """A user route for 192.168.0.0/16 ties the gateway's route and wins it (User > BGP)."""
    sandbox, lab, params = started
    solve(sandbox, lab, params)
    run(sandbox, params, route("onprem-via-nva", "192.168.0.0/16"))
    result = grade(sandbox, lab, params).result("onprem-stays-on-gateway")
    assert not result.passed and "no longer goes through the hub's VPN gateway" in result.message


def test_without_propagated_gateway_routes_on_premises_detours_too_route_26(started):
    sandbox, lab, params = started
    solve(sandbox, lab, params)
    run(
        sandbox,
        params,
        ("PATCH", f"{NET}/routeTables/contoso-spoke-rt", {"properties": {"disableBgpRoutePropagation": True}}),
    )
    assert not grade(sandbox, lab, params).result("onprem-stays-on-gateway").passed


def test_current_era_without_a_nat_gateway_the_appliance_has_no_way_out_doa_02():
    """Current: nva-subnet is private (DOA-02), so without the NAT gateway the
    internet sees nothing from the appliance; the route alone isn't enough."""
    sandbox, lab, params = start("current")
    run(sandbox, params, route(params["routeName"], "0.0.0.0/0"))
    g = grade(sandbox, lab, params)
    assert g.result("spoke-to-nva").passed
    public = g.result("internet-sees-public")
    assert not public.passed and "the source address is unknown, not public" in public.found
    assert not g.result("nat-on-nva-subnet").passed


def test_classic_era_default_outbound_access_is_public_but_not_the_nat_asrt_17(started):
    """Classic: the appliance's default outbound access IP is public, so the
    trace's source holds; the NAT gateway check still asks for a stable one."""
    sandbox, lab, params = started
    run(sandbox, params, route(params["routeName"], "0.0.0.0/0"))
    g = grade(sandbox, lab, params)
    assert g.result("internet-sees-public").passed
    assert not g.result("nat-on-nva-subnet").passed


def test_deleting_the_route_table_association_says_not_done(started):
    sandbox, lab, params = started
    solve(sandbox, lab, params)
    run(sandbox, params, ("DELETE", f"{NET}/routeTables/contoso-spoke-rt/routes/{params['routeName']}", None))
    g = grade(sandbox, lab, params)
    assert not g.result("spoke-to-nva").passed and g.result("nat-on-nva-subnet").passed
