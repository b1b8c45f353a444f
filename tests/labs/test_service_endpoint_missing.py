"""The scenario "the app gets 403 from its storage account", graded both
ways: its start (the integration subnet lost its Microsoft.Storage service
endpoint, so the account's VNet rule matches nothing) fails the fix's
checks saying why; the endpoint back, by ARM or the subnet pane, passes
them all; opening the firewall to all networks or to the app's public
addresses fails the negative checks (SE-01, SE-02, SE-03, SEED-20)."""

import pytest

from appservice.models import WebApp
from networking.models import Subnet
from networking.services import vnets
from tests.labs.scenarios import run_fixture

pytestmark = pytest.mark.django_db

LAB = "service-endpoint-missing"
SUBNET = "contoso-network-rg/Microsoft.Network/virtualNetworks/contoso-spoke-vnet/subnets/app-integration-subnet"
ACCOUNT = "contoso-network-rg/Microsoft.Storage/storageAccounts/contosodata01"

run = run_fixture(LAB)


def test_the_start_fails_the_fix_checks_saying_why_se_01(run):
    grade = run.grade()
    assert grade.percent == run.lab.start_score == 36
    endpoint = grade.result("endpoint-enabled")
    assert not endpoint.passed and "has no Microsoft.Storage service endpoint" in endpoint.message
    assert "is not set" in endpoint.found
    reach = grade.result("app-reaches-storage")
    assert not reach.passed and "the trace says Blocked at Delivery" in reach.found
    assert "allows only selected networks" in reach.found and "SE-01" in reach.found
    # The account still refuses everyone else: the negative checks hold.
    for negative in ("firewall-still-denies", "no-public-address-rules", "others-still-blocked"):
        assert grade.result(negative).passed, negative


def test_the_app_was_working_before_the_break_seed_20(run):
    """The rule for the integration subnet is there: only the endpoint went."""
    rules = run.document(ACCOUNT)["properties"]["networkAcls"]["virtualNetworkRules"]
    assert any(r["id"].endswith("/subnets/app-integration-subnet") for r in rules)


def test_the_reference_solution_passes_every_check(run):
    run.solve()
    assert run.failing() == []
    assert run.grade().percent == 100


def test_the_subnet_panes_way_passes_too(run):
    """The learner's way: contoso-spoke-vnet > Subnets > app-integration-subnet
    > Service endpoints, saved with everything else unchanged."""
    subnet = Subnet.objects.get(
        vnet__sandbox=run.sandbox, vnet__name="contoso-spoke-vnet", name="app-integration-subnet"
    )
    vnets.update_subnet(
        subnet,
        prefix=subnet.address_prefix,
        nsg=subnet.nsg,
        route_table=subnet.route_table,
        service_endpoints=["Microsoft.Storage"],
        delegation=subnet.delegation,
    )
    assert run.grade().percent == 100


def test_opening_the_firewall_to_all_networks_fails_the_negative_checks_se_01(run):
    run.apply("PATCH", ACCOUNT, {"properties": {"networkAcls": {"defaultAction": "Allow"}}})
    grade = run.grade()
    denies = grade.result("firewall-still-denies")
    assert not denies.passed and "opened to all networks" in denies.message
    others = grade.result("others-still-blocked")
    assert not others.passed and "now reaches contosodata01" in others.message
    # And it isn't even the fix: the app arrives from a public address.
    reach = grade.result("app-reaches-storage")
    assert not reach.passed and "the source address is 20." in reach.found


def test_allowing_the_apps_public_addresses_fails_the_negative_check_se_02(run):
    app = WebApp.objects.get(sandbox=run.sandbox, name=run.params["appName"])
    addresses = [{"value": ip, "action": "Allow"} for ip in app.public_addresses()[1]]
    run.apply("PATCH", ACCOUNT, {"properties": {"networkAcls": {"ipRules": addresses}}})
    grade = run.grade()
    rules = grade.result("no-public-address-rules")
    assert not rules.passed and "other tenants' apps share" in rules.message
    assert not grade.result("endpoint-enabled").passed
    assert grade.percent < run.lab.pass_mark


def test_the_endpoint_on_another_subnet_changes_nothing_se_05(run):
    """A service endpoint works per subnet: enabling it elsewhere doesn't
    change the integration subnet's traffic."""
    run.apply(
        "PATCH",
        "contoso-rg/Microsoft.Network/virtualNetworks/contoso-vnet/subnets/vm-subnet",
        {"properties": {"serviceEndpoints": [{"service": "Microsoft.Storage"}]}},
    )
    assert set(run.failing()) == {"endpoint-enabled", "app-reaches-storage"}


def test_the_endpoint_without_the_vnet_rule_is_still_refused_se_01(run):
    """The other half of SE-01: the endpoint alone restricts and allows nothing."""
    run.solve()
    rules = run.document(ACCOUNT)["properties"]["networkAcls"]["virtualNetworkRules"]
    kept = [r for r in rules if not r["id"].endswith("/subnets/app-integration-subnet")]
    run.apply("PATCH", ACCOUNT, {"properties": {"networkAcls": {"virtualNetworkRules": kept}}})
    grade = run.grade()
    assert grade.result("endpoint-enabled").passed
    reach = grade.result("app-reaches-storage")
    assert not reach.passed and "Blocked" in reach.found
