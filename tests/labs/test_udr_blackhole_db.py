"""The scenario "a route on the integration subnet black-holes the
database", graded both ways: the start fails saying which route drops the
packets (ROUTE-02) or sends them to an address no NIC has (ROUTE-21); the
reference fix passes; re-pointing the route at the NVA isn't a fix; a
"fix" that removes the forced tunnel (the route table off the subnet, the
0.0.0.0/0 route deleted, route all off) fails the negative checks
(SEED-16, SEED-18)."""

import random

import pytest

from labs import catalog
from labs.params import draw
from tests.labs.scenario_support import start

pytestmark = pytest.mark.django_db

LAB = "udr-blackhole-db"
RT = "contoso-network-rg/Microsoft.Network/routeTables/${rtName}"
SUBNET = "contoso-network-rg/Microsoft.Network/virtualNetworks/contoso-spoke-vnet/subnets/app-integration-subnet"


def draw_with(kind: str):
    """A start whose black hole is ``kind`` (None or VirtualAppliance)."""
    lab = catalog.get(LAB)
    seed = next(s for s in range(40) if draw(lab, random.Random(s))["blackhole"]["properties"]["nextHopType"] == kind)
    return start(LAB, seed=seed)


@pytest.mark.parametrize("era", ["classic", "current"])
def test_the_start_fails_the_database_check_and_keeps_the_negatives_route_30(era):
    run = start(LAB, era)
    grade = run.grade()
    assert grade.percent == run.lab.start_score == 40
    assert run.failing() == ["app-reaches-db"]
    result = grade.result("app-reaches-db")
    assert f"still doesn't reach {run.params['dbIp']}:1433" in result.message


def test_a_route_to_none_says_the_packet_is_dropped_route_02():
    run = draw_with("None")
    found = run.grade().result("app-reaches-db").found
    assert "Blocked at Route" in found and "-> None" in found and "ROUTE-02" in found


def test_a_route_to_a_missing_appliance_says_nothing_receives_it_route_21():
    run = draw_with("VirtualAppliance")
    found = run.grade().result("app-reaches-db").found
    assert "10.100.1.9" in found and "no network interface has" in found and "ROUTE-21" in found


@pytest.mark.parametrize("era", ["classic", "current"])
def test_the_reference_fix_deleting_the_route_passes_every_check(era):
    run = start(LAB, era)
    run.solve()
    assert run.failing() == [] and run.grade().percent == 100


def test_pointing_the_route_at_the_real_nva_is_not_a_fix_seed_16():
    """The NVA may forward or not: the engine can't prove the database is reached."""
    run = start(LAB)
    run.apply(
        "PUT",
        RT + "/routes/${blackhole.name}",
        {
            "properties": {
                "addressPrefix": "10.101.1.0/24",
                "nextHopType": "VirtualAppliance",
                "nextHopIpAddress": "10.100.1.4",
            }
        },
    )
    result = run.grade().result("app-reaches-db")
    assert not result.passed and "Forwarded" in result.found


def test_a_route_back_to_the_virtual_network_passes_too_route_21():
    """The other honest fix: keep a route for the range, with next hop Virtual network."""
    run = start(LAB)
    run.apply(
        "PUT",
        RT + "/routes/${blackhole.name}",
        {"properties": {"addressPrefix": "10.101.1.0/24", "nextHopType": "VnetLocal"}},
    )
    assert run.failing() == [] and run.grade().percent == 100


def test_taking_the_route_table_off_the_subnet_fails_the_negative_checks_route_20():
    run = start(LAB)
    run.apply("PATCH", SUBNET, {"properties": {"routeTable": None}})
    grade = run.grade()
    assert grade.result("app-reaches-db").passed
    assert set(run.failing()) == {"internet-via-nva", "rt-still-on-subnet"}
    assert "no longer go to the hub NVA" in grade.result("internet-via-nva").message
    assert "no longer uses" in grade.result("rt-still-on-subnet").message
    assert grade.percent < run.lab.pass_mark


def test_deleting_the_default_route_to_the_nva_fails_the_forced_tunnel_check_seed_18():
    run = start(LAB)
    run.solve()
    run.apply("DELETE", RT + "/routes/internet-via-hub-nva")
    grade = run.grade()
    assert run.failing() == ["internet-via-nva"]
    assert "Reachable" in grade.result("internet-via-nva").found
    assert grade.percent < run.lab.pass_mark


def test_turning_route_all_off_fails_the_forced_tunnel_check_seed_18():
    run = start(LAB)
    run.solve()
    run.apply(
        "PATCH",
        "contoso-rg/Microsoft.Web/sites/${appName}",
        {"properties": {"siteConfig": {"appSettings": [{"name": "ASPNETCORE_ENVIRONMENT", "value": "Production"}]}}},
    )
    assert run.failing() == ["internet-via-nva"]
