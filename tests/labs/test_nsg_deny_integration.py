"""The scenario "an NSG rule on the integration subnet blocks the database",
graded both ways: the broken start fails its positive check saying why
(SEED-15, NSG-02); the reference fix and the other honest fix pass; a
"fix" that weakens security (an Allow Any/Any rule, the NSG off the subnet
or deleted, route all off) fails the negative checks (SEED-21, NSG-20)."""

import pytest

from tests.labs.scenario_support import negatives, start

pytestmark = pytest.mark.django_db

LAB = "nsg-deny-integration"
NSG = "contoso-network-rg/Microsoft.Network/networkSecurityGroups/${nsgName}"
SUBNET = "contoso-network-rg/Microsoft.Network/virtualNetworks/contoso-spoke-vnet/subnets/app-integration-subnet"


def rule(priority, access, prefix, port="*"):
    return {
        "properties": {
            "priority": priority,
            "direction": "Outbound",
            "access": access,
            "protocol": "*",
            "sourceAddressPrefix": "*",
            "sourcePortRange": "*",
            "destinationAddressPrefix": prefix,
            "destinationPortRange": port,
        }
    }


@pytest.mark.parametrize("era", ["classic", "current"])
def test_the_start_fails_the_database_check_saying_which_rule_seed_15(era):
    run = start(LAB, era)
    grade = run.grade()
    assert grade.percent == run.lab.start_score == 60
    result = grade.result("app-reaches-sql")
    assert not result.passed
    assert "still doesn't reach contoso-sql01.database.windows.net:1433" in result.message
    assert f"Rule '{run.params['badRule']['name']}'" in result.found and "denies it" in result.found
    assert "NSG-02" in result.found and "Look at:" in result.message
    # The negative checks hold at the start: nothing is weakened yet.
    assert run.failing() == ["app-reaches-sql"]


@pytest.mark.parametrize("era", ["classic", "current"])
def test_the_reference_fix_deleting_the_rule_passes_every_check(era):
    run = start(LAB, era)
    run.solve()
    assert run.failing() == [] and run.grade().percent == 100


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_every_drawn_bad_rule_is_fixed_by_the_reference_solution_nsg_02(seed):
    run = start(LAB, seed=seed)
    assert not run.grade().result("app-reaches-sql").passed
    run.solve()
    assert run.grade().percent == 100


def test_an_allow_for_the_endpoint_ahead_of_the_deny_passes_too_nsg_02():
    """The other honest fix: keep the deny, allow only SQL to the private
    endpoint at a lower priority number."""
    run = start(LAB)
    run.apply("PUT", NSG + "/securityRules/Allow-SQL-Endpoint", rule(200, "Allow", "10.100.2.4", "1433"))
    assert run.failing() == [] and run.grade().percent == 100


def test_an_allow_any_any_rule_fails_the_negative_checks_nsg_11():
    run = start(LAB)
    run.apply("PUT", NSG + "/securityRules/Allow-All", rule(100, "Allow", "*"))
    grade = run.grade()
    assert grade.result("app-reaches-sql").passed
    assert set(run.failing()) == {"internet-still-denied", "no-allow-any-any"}
    any_any = grade.result("no-allow-any-any")
    assert "allows any destination on any port" in any_any.message and "Allow-All" in any_any.found
    internet = grade.result("internet-still-denied")
    assert "no longer denied" in internet.message and "Reachable" in internet.found
    assert grade.percent == 60 < run.lab.pass_mark


def test_taking_the_nsg_off_the_subnet_fails_the_negative_checks_nsg_20():
    run = start(LAB)
    run.apply("PATCH", SUBNET, {"properties": {"networkSecurityGroup": None}})
    grade = run.grade()
    assert grade.result("app-reaches-sql").passed
    assert set(run.failing()) == {"nsg-still-on-subnet", "internet-still-denied"}
    assert "no longer has" in grade.result("nsg-still-on-subnet").message
    assert "not set" in grade.result("nsg-still-on-subnet").found
    assert grade.percent < run.lab.pass_mark


def test_deleting_the_nsg_fails_the_negative_checks_seed_15():
    run = start(LAB)
    run.apply("PATCH", SUBNET, {"properties": {"networkSecurityGroup": None}})
    run.apply("DELETE", NSG)
    grade = run.grade()
    assert {"nsg-still-on-subnet", "internet-still-denied", "no-allow-any-any"} <= set(run.failing())
    assert "doesn't exist" in grade.result("no-allow-any-any").found


def test_turning_route_all_off_fails_the_internet_check_seed_21():
    """Without route all, internet calls never reach the NSG (SEED-21); in
    Classic the app also stops using the private zone (SEED-24)."""
    run = start(LAB)
    run.solve()
    run.apply(
        "PATCH",
        "contoso-rg/Microsoft.Web/sites/${appName}",
        {
            "properties": {
                "siteConfig": {
                    "appSettings": [
                        {"name": "ASPNETCORE_ENVIRONMENT", "value": "Production"},
                        {"name": "WEBSITE_DNS_SERVER", "value": "168.63.129.16"},
                    ]
                }
            }
        },
    )
    assert run.failing() == ["app-reaches-sql", "internet-still-denied"]
    assert "Reachable" in run.grade().result("internet-still-denied").found


def test_the_subnet_reference_survives_a_patch_of_the_subnet():
    """A PATCH merges into the current document: the subnet's NSG and
    delegation references stay (what the scenario's own setup relies on)."""
    run = start(LAB)
    run.apply("PATCH", SUBNET, {"properties": {"serviceEndpoints": [{"service": "Microsoft.Storage"}]}})
    assert run.grade().result("nsg-still-on-subnet").passed
    assert negatives(run.lab) == ["nsg-still-on-subnet", "internet-still-denied", "no-allow-any-any"]
