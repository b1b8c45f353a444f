"""The lab "Reach on-premises from a spoke through the hub's gateway",
graded both ways: the start fails every positive check, saying why; the
reference solution passes them all; each check has a wrong estate that
fails it, and Azure's order (transit before remote gateways) is enforced
(VNET-11, VNET-10, ASGW-18, ROUTE-07, ROUTE-30)."""

import random

import pytest

from labs import catalog
from labs import params as lab_params
from portal.arm import operations
from portal.arm.errors import ArmError
from tests.labs.network_labs import NET, failed, grade, run, solve
from tests.labs.network_labs import start as start_lab

pytestmark = pytest.mark.django_db

LAB = "peering-gateway-transit"
HUB_LINK = f"{NET}/virtualNetworks/contoso-hub-vnet/virtualNetworkPeerings/hub-to-spoke"
SPOKE_LINK = f"{NET}/virtualNetworks/contoso-spoke-vnet/virtualNetworkPeerings/spoke-to-hub"


def start(era: str = "classic", seed: int = 4):
    return start_lab(LAB, era, seed)


@pytest.fixture
def started():
    return start()


def test_each_learner_gets_their_own_on_premises_server():
    lab = catalog.get(LAB)
    assert len({lab_params.draw(lab, random.Random(seed))["onprem"] for seed in range(12)}) > 1


def test_a_peering_link_reads_as_its_own_document_vnet_10(started):
    """A peering is read (and PATCHed) by its ID like any child resource."""
    sandbox, lab, params = started
    from labs.checks import resource_id

    subscription = str(sandbox.subscriptions.get().subscription_id)
    document = operations.current_document(sandbox, operations.ids.parse(resource_id(SPOKE_LINK, subscription)))
    assert document["properties"]["useRemoteGateways"] is False
    assert document["properties"]["remoteVirtualNetwork"]["id"].endswith("/contoso-hub-vnet")


@pytest.mark.parametrize("era", ["classic", "current"])
def test_the_start_fails_every_positive_check_saying_why_vnet_11(era):
    sandbox, lab, params = start(era)
    g = grade(sandbox, lab, params)
    assert g.percent == lab.start_score == 9
    misses = failed(g)
    assert set(misses) == {"hub-offers-gateway", "spoke-uses-gateway", "spoke-reaches-onprem"}
    assert "doesn't allow gateway transit" in misses["hub-offers-gateway"].message
    assert "doesn't use the remote gateway" in misses["spoke-uses-gateway"].message
    assert "through the hub's virtual network gateway" in misses["spoke-reaches-onprem"].message
    assert g.result("spoke-still-peered").passed


@pytest.mark.parametrize("era", ["classic", "current"])
def test_the_reference_solution_passes_every_check(era):
    sandbox, lab, params = start(era)
    solve(sandbox, lab, params)
    g = grade(sandbox, lab, params)
    assert failed(g) == {} and g.percent == 100


def test_transit_offered_but_not_used_changes_nothing_for_the_spoke_vnet_11(started):
    sandbox, lab, params = started
    run(sandbox, params, ("PATCH", HUB_LINK, {"properties": {"allowGatewayTransit": True}}))
    g = grade(sandbox, lab, params)
    assert g.result("hub-offers-gateway").passed
    assert set(failed(g)) == {"spoke-uses-gateway", "spoke-reaches-onprem"}
    # Without the hub's gateway routes, 192.168.x.x follows 0.0.0.0/0 to the appliance.
    assert "Sent to the virtual appliance 10.100.1.4" in g.result("spoke-reaches-onprem").found


def test_using_remote_gateways_before_the_hub_offers_them_is_refused_vnet_11(started):
    sandbox, lab, params = started
    with pytest.raises(ArmError) as refused:
        run(sandbox, params, ("PATCH", SPOKE_LINK, {"properties": {"useRemoteGateways": True}}))
    assert "VNET-11" in refused.value.rule_ids
    assert not grade(sandbox, lab, params).result("spoke-uses-gateway").passed


def test_without_the_appliance_route_the_spoke_drops_on_premises_traffic_route_05(started):
    """The same start with contoso-spoke-rt's 0.0.0.0/0 gone: 192.168.x.x hits
    the reserved-prefix None route, and the trace check says so."""
    sandbox, lab, params = started
    run(sandbox, params, ("DELETE", f"{NET}/routeTables/contoso-spoke-rt/routes/to-hub-nva", None))
    reach = grade(sandbox, lab, params).result("spoke-reaches-onprem")
    assert not reach.passed and "Blocked" in reach.found


def test_removing_the_peering_access_fails_the_negative_check_vnet_10(started):
    """A 'fix' that turns off virtual network access on the spoke's link
    loses the hub: the negative check fails."""
    sandbox, lab, params = started
    solve(sandbox, lab, params)
    run(sandbox, params, ("PATCH", SPOKE_LINK, {"properties": {"allowVirtualNetworkAccess": False}}))
    g = grade(sandbox, lab, params)
    assert not g.result("spoke-still-peered").passed
    assert "no longer reaches the hub" in g.result("spoke-still-peered").message
