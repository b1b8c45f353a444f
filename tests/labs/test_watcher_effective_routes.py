"""The lab "Find why a VM can't reach on-premises with effective routes and
security rules", graded both ways: the start fails every positive check,
saying why; the reference solution passes them all; each check has a wrong
estate that fails it, every any_of alternative passes on its own, and a
"fix" that weakens the NSG or the routing fails the negative checks
(NW-20, NW-30, NW-03, NW-40, NSG-02, ROUTE-02, ROUTE-30, ROUTE-31)."""

import random

import pytest

from labs import catalog
from labs import params as lab_params
from networking import snapshot
from tests.labs.network_labs import NET, failed, grade, run, solve
from tests.labs.network_labs import start as start_lab

pytestmark = pytest.mark.django_db

LAB = "watcher-effective-routes"
NSG = f"{NET}/networkSecurityGroups/contoso-spoke-nsg/securityRules"
RT = f"{NET}/routeTables/contoso-spoke-rt"


def start(era: str = "classic", seed: int = 6):
    return start_lab(LAB, era, seed)


@pytest.fixture
def started():
    return start()


def allow_first():
    return ("PATCH", f"{NSG}/Allow-OnPrem-HTTPS-Out", {"properties": {"priority": 140}})


def drop_route(params):
    return ("DELETE", f"{RT}/routes/{params['routeName']}", None)


def test_each_learner_gets_their_own_values():
    lab = catalog.get(LAB)
    drawn = [lab_params.draw(lab, random.Random(seed)) for seed in range(12)]
    assert len({d["onprem"] for d in drawn}) > 1 and len({d["routeName"] for d in drawn}) > 1


def test_the_start_has_a_vm_nic_whose_effective_routes_show_the_drop_nw_20(started):
    """What the learner reads: contoso-app01's NIC, the deny first in its
    effective security rules, the /32 None route in its effective routes."""
    sandbox, lab, params = started
    trace = snapshot.trace_from(sandbox, "vm", "contoso-app01", params["onprem"], 443)
    assert trace.verdict == "Blocked" and trace.deciding_step == "Network security group"
    assert "Deny-OnPrem-Out" in " ".join(s.detail for s in trace.steps)


@pytest.mark.parametrize("era", ["classic", "current"])
def test_the_start_fails_every_positive_check_saying_why_nw_30(era):
    sandbox, lab, params = start(era)
    g = grade(sandbox, lab, params)
    assert g.percent == lab.start_score == 18
    misses = failed(g)
    assert set(misses) == {"nsg-allows-https", "no-drop-route", "app-reaches-onprem"}
    assert "still blocks contoso-app01's outbound TCP" in misses["nsg-allows-https"].message
    assert "Deny-OnPrem-Out" in misses["nsg-allows-https"].found
    assert "still has a route with next hop None" in misses["no-drop-route"].message
    assert params["routeName"] in misses["no-drop-route"].found
    assert g.result("other-ports-denied").passed and g.result("internet-still-via-nva").passed


@pytest.mark.parametrize("era", ["classic", "current"])
def test_the_reference_solution_passes_every_check(era):
    sandbox, lab, params = start(era)
    solve(sandbox, lab, params)
    g = grade(sandbox, lab, params)
    assert failed(g) == {} and g.percent == 100


def test_the_nsg_fixed_alone_passes_its_check_by_the_route_alternative_route_02(started):
    """The NSG allows 443 but the /32 still drops it: the second alternative
    (blocked at the route) holds, the reach check doesn't."""
    sandbox, lab, params = started
    run(sandbox, params, allow_first())
    g = grade(sandbox, lab, params)
    assert g.result("nsg-allows-https").passed
    reach = g.result("app-reaches-onprem")
    assert not reach.passed and "Blocked at Route" in reach.found and "ROUTE-02" in reach.found


def test_the_route_fixed_alone_leaves_the_nsg_check_failing_nsg_02(started):
    sandbox, lab, params = started
    run(sandbox, params, drop_route(params))
    g = grade(sandbox, lab, params)
    assert g.result("no-drop-route").passed
    assert set(failed(g)) == {"nsg-allows-https", "app-reaches-onprem"}


def test_both_fixed_passes_the_first_alternative_too(started):
    """The first alternative, Reachable, on its own: the route gone, the allow first."""
    sandbox, lab, params = started
    run(sandbox, params, drop_route(params), allow_first())
    assert grade(sandbox, lab, params).result("nsg-allows-https").passed


def test_a_new_allow_rule_above_the_deny_is_another_correct_fix(started):
    sandbox, lab, params = started
    run(
        sandbox,
        params,
        drop_route(params),
        (
            "PUT",
            f"{NSG}/Allow-App01-HTTPS",
            {
                "properties": {
                    "priority": 100,
                    "direction": "Outbound",
                    "access": "Allow",
                    "protocol": "Tcp",
                    "sourceAddressPrefix": "10.101.1.10",
                    "sourcePortRange": "*",
                    "destinationAddressPrefix": f"{params['onprem']}/32",
                    "destinationPortRange": "443",
                }
            },
        ),
    )
    g = grade(sandbox, lab, params)
    assert failed(g) == {} and g.percent == 100


def test_deleting_the_deny_opens_other_ports_and_fails_the_negative_check_nsg_02(started):
    sandbox, lab, params = started
    run(sandbox, params, drop_route(params), ("DELETE", f"{NSG}/Deny-OnPrem-Out", None))
    g = grade(sandbox, lab, params)
    assert g.result("nsg-allows-https").passed and g.result("app-reaches-onprem").passed
    other = g.result("other-ports-denied")
    assert not other.passed and "on 3389 too" in other.message


def test_redirecting_the_route_to_the_gateway_passes_the_route_check(started):
    """Another fix: the /32 sent to the VPN gateway instead of None."""
    sandbox, lab, params = started
    run(
        sandbox,
        params,
        allow_first(),
        (
            "PUT",
            f"{RT}/routes/{params['routeName']}",
            {"properties": {"addressPrefix": f"{params['onprem']}/32", "nextHopType": "VirtualNetworkGateway"}},
        ),
    )
    g = grade(sandbox, lab, params)
    assert g.result("no-drop-route").passed and g.result("app-reaches-onprem").passed


def test_taking_the_route_table_off_the_subnet_skips_the_appliance_route_31(started):
    """Removing contoso-spoke-rt from the subnet removes the /32 too, but the
    internet no longer goes through the appliance: the negative check fails."""
    sandbox, lab, params = started
    run(
        sandbox,
        params,
        allow_first(),
        (
            "PATCH",
            f"{NET}/virtualNetworks/contoso-spoke-vnet/subnets/workload-subnet",
            {"properties": {"routeTable": None}},
        ),
    )
    g = grade(sandbox, lab, params)
    assert g.result("app-reaches-onprem").passed
    keep = g.result("internet-still-via-nva")
    assert not keep.passed and "no longer goes through contoso-nva01" in keep.message


def test_one_snapshot_serves_every_trace_check_of_a_grading(started, monkeypatch):
    """Four trace checks (one an any_of of two), one snapshot of the network:
    checking stays fast after every change."""
    sandbox, lab, params = started
    built = []
    real = snapshot.build
    monkeypatch.setattr(snapshot, "build", lambda sb: built.append(sb) or real(sb))
    snapshot.store.clear()  # none kept from the start's grading
    g = grade(sandbox, lab, params)
    assert len(built) == 1 and g.percent == lab.start_score
