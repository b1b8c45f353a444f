"""The lab "Learn on-premises routes over BGP from a VPN gateway", graded
both ways: the start fails every positive check, saying why; the reference
solution passes them all; wrong estates fail each check and the other
correct way passes (ROUTE-07, ROUTE-26, ROUTE-30, NW-10, ROUTE-21, ROUTE-31)."""

import random

import pytest

from labs import catalog
from labs import params as lab_params
from tests.labs.network_labs import NET, NET_ID, failed, grade, run, solve
from tests.labs.network_labs import start as start_lab

pytestmark = pytest.mark.django_db

LAB = "bgp-vpn-routes"
SPOKE_RT = f"{NET}/routeTables/contoso-spoke-rt"
WORKLOAD = f"{NET}/virtualNetworks/contoso-spoke-vnet/subnets/workload-subnet"


def start(era: str = "classic", seed: int = 3):
    return start_lab(LAB, era, seed)


@pytest.fixture
def started():
    return start()


def connection(name: str, bgp: bool):
    return (
        "PUT",
        f"{NET}/connections/{name}",
        {
            "location": "eastus",
            "properties": {
                "connectionType": "IPsec",
                "virtualNetworkGateway1": {"id": f"{NET_ID}/virtualNetworkGateways/contoso-hub-vpngw"},
                "localNetworkGateway2": {"id": f"{NET_ID}/localNetworkGateways/contoso-onprem-lng"},
                "sharedKey": "Another-Key-1",
                "enableBgp": bgp,
            },
        },
    )


def propagate(on: bool = True):
    return ("PATCH", SPOKE_RT, {"properties": {"disableBgpRoutePropagation": not on}})


def test_each_learner_gets_their_own_values():
    lab = catalog.get(LAB)
    drawn = [lab_params.draw(lab, random.Random(seed)) for seed in range(12)]
    assert len({d["connName"] for d in drawn}) > 10 and len({d["onprem"] for d in drawn}) > 1


@pytest.mark.parametrize("era", ["classic", "current"])
def test_the_start_fails_every_positive_check_saying_why_route_26(era):
    sandbox, lab, params = start(era)
    g = grade(sandbox, lab, params)
    assert g.percent == lab.start_score == 10
    misses = failed(g)
    assert set(misses) == {"connection-bgp", "propagation-on", "spoke-reaches-onprem"}
    assert "doesn't exist" in misses["connection-bgp"].message
    assert '"Propagate gateway routes" set to No' in misses["propagation-on"].message
    # Propagation off: 192.168.x.x follows 0.0.0.0/0 to the appliance.
    assert "the trace says Forwarded" in misses["spoke-reaches-onprem"].found
    assert g.result("internet-still-via-nva").passed


@pytest.mark.parametrize("era", ["classic", "current"])
def test_the_reference_solution_passes_every_check(era):
    sandbox, lab, params = start(era)
    solve(sandbox, lab, params)
    g = grade(sandbox, lab, params)
    assert failed(g) == {} and g.percent == 100


def test_a_static_connection_propagates_but_isnt_bgp_nw_10(started):
    """Propagation on with the static connection: on-premises is reached, but
    the route's next hop is the gateway, not the BGP peer."""
    sandbox, lab, params = started
    run(sandbox, params, propagate())
    g = grade(sandbox, lab, params)
    assert g.result("propagation-on").passed
    reach = g.result("spoke-reaches-onprem")
    assert not reach.passed and "doesn't pass VirtualNetworkGateway 192.168.255.254" in reach.found
    assert "VirtualNetworkGateway 10.100.255.4" in reach.found


def test_a_new_connection_without_bgp_fails_the_bgp_check_route_07(started):
    sandbox, lab, params = started
    run(sandbox, params, ("DELETE", f"{NET}/connections/hub-to-onprem", None), connection(params["connName"], False))
    result = grade(sandbox, lab, params).result("connection-bgp")
    assert not result.passed and "is False" in result.found


def test_bgp_without_propagation_still_sends_on_premises_to_the_appliance_route_26(started):
    sandbox, lab, params = started
    run(sandbox, params, ("DELETE", f"{NET}/connections/hub-to-onprem", None), connection(params["connName"], True))
    g = grade(sandbox, lab, params)
    assert g.result("connection-bgp").passed
    assert set(failed(g)) == {"propagation-on", "spoke-reaches-onprem"}
    assert "Sent to the virtual appliance 10.100.1.4" in g.result("spoke-reaches-onprem").found


def test_a_new_route_table_that_propagates_passes_the_other_alternative_route_20(started):
    """The other correct way: a new table (propagation on, the 0.0.0.0/0 route
    to the appliance kept) associated with workload-subnet instead."""
    sandbox, lab, params = started
    run(
        sandbox,
        params,
        ("DELETE", f"{NET}/connections/hub-to-onprem", None),
        connection(params["connName"], True),
        ("PUT", f"{NET}/routeTables/spoke-rt-2", {"location": "eastus"}),
        (
            "PUT",
            f"{NET}/routeTables/spoke-rt-2/routes/to-nva",
            {
                "properties": {
                    "addressPrefix": "0.0.0.0/0",
                    "nextHopType": "VirtualAppliance",
                    "nextHopIpAddress": "10.100.1.4",
                }
            },
        ),
        ("PATCH", WORKLOAD, {"properties": {"routeTable": {"id": f"{NET_ID}/routeTables/spoke-rt-2"}}}),
    )
    g = grade(sandbox, lab, params)
    assert failed(g) == {} and g.percent == 100


def test_a_static_udr_to_the_gateway_is_not_propagation_route_21(started):
    """A user route 192.168.0.0/16 -> Virtual network gateway reaches
    on-premises, but neither alternative of the propagation check holds."""
    sandbox, lab, params = started
    run(
        sandbox,
        params,
        (
            "PUT",
            f"{SPOKE_RT}/routes/onprem",
            {"properties": {"addressPrefix": "192.168.0.0/16", "nextHopType": "VirtualNetworkGateway"}},
        ),
    )
    g = grade(sandbox, lab, params)
    assert not g.result("propagation-on").passed
    assert not g.result("spoke-reaches-onprem").passed


def test_dropping_the_route_table_from_the_subnet_weakens_inspection_route_31(started):
    """Taking contoso-spoke-rt off the subnet also gets the gateway's routes
    there, but internet traffic skips the appliance: the negative check fails."""
    sandbox, lab, params = started
    solve(sandbox, lab, params)
    run(sandbox, params, ("PATCH", WORKLOAD, {"properties": {"routeTable": None}}))
    g = grade(sandbox, lab, params)
    keep = g.result("internet-still-via-nva")
    assert not keep.passed and "no longer goes through contoso-nva01" in keep.message
    assert g.result("spoke-reaches-onprem").passed
