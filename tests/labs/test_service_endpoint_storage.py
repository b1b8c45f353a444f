"""The lab "Reach a firewalled storage account through a service endpoint",
graded both ways (SEED-20, SE-01, SE-02, SE-03, SE-12, SE-14): the start
fails every check but the negative ones; the reference solution passes in
both eras; each step alone, the wrong service, and "fixes" that weaken the
storage firewall fail the checks they should."""

import pytest

from portal.arm import ids, operations
from portal.arm.errors import ArmError
from tests.helpers.labs import start

pytestmark = pytest.mark.django_db

LAB = "service-endpoint-storage"
SUBNET = "contoso-network-rg/Microsoft.Network/virtualNetworks/contoso-spoke-vnet/subnets/${subnet.name}"
STORAGE = "contoso-network-rg/Microsoft.Storage/storageAccounts/contosodata01"
SUBNETS = "/subscriptions/${subscriptionId}/resourceGroups/contoso-network-rg/providers/Microsoft.Network/virtualNetworks/contoso-spoke-vnet/subnets"
ENDPOINT_STEP, RULE_STEP = 0, 1


def _acls(run, **acls):
    run.apply("PATCH", STORAGE, {"properties": {"networkAcls": acls}})


def _outbound_ip(run):
    site = ids.parse(
        f"/subscriptions/{run.subscription_id}/resourceGroups/contoso-rg/providers/Microsoft.Web/sites/{run.params['appName']}"
    )
    return operations.current_document(run.sandbox, site)["properties"]["outboundIpAddresses"].split(",")[0]


@pytest.fixture(params=["classic", "current"])
def run(request):
    return start(LAB, request.param)


@pytest.fixture
def classic():
    return start(LAB, "classic")


def test_the_start_fails_every_check_but_the_negative_ones_saying_why(run):
    grade = run.grade()
    assert grade.percent == run.lab.start_score == 27
    endpoint = grade.result("endpoint-enabled")
    assert not endpoint.passed and "no Microsoft.Storage service endpoint" in endpoint.message
    allowed = grade.result("subnet-allowed")
    assert (
        not allowed.passed
        and f"no virtual network rule for contoso-spoke-vnet/{run.params['subnet']['name']}" in allowed.message
    )
    reach = grade.result("app-reaches-storage")
    assert not reach.passed and "allows only selected networks" in reach.found and "SE-01" in reach.found
    assert [r.check.id for r in grade.results if r.passed] == [
        "firewall-still-selective",
        "workload-still-allowed",
        "no-public-ip-rules",
    ]


def test_the_reference_solution_passes_every_check(run):
    run.solve()
    grade = run.grade()
    assert [r.check.id for r in grade.results if not r.passed] == []
    assert grade.percent == 100


def test_the_endpoint_alone_allows_nothing_se_01(run):
    """Step 1 alone restricts and allows nothing: the firewall still refuses
    the subnet, now from its private address (SE-02)."""
    run.solve(skip=(RULE_STEP,))
    grade = run.grade()
    assert run.failed() == ["subnet-allowed", "app-reaches-storage"]
    reach = grade.result("app-reaches-storage")
    assert "doesn't list the integration subnet" in reach.found and "SEED-20" in reach.found


def test_the_storage_firewall_refuses_a_rule_without_the_endpoint_se_01(run):
    """The rule can't come first: the service refuses it, naming SE-01."""
    with pytest.raises(ArmError) as error:
        run.solve(skip=(ENDPOINT_STEP,))
    assert "SE-01" in error.value.rule_ids
    assert run.failed() == ["endpoint-enabled", "subnet-allowed", "app-reaches-storage"]


def test_another_service_is_not_the_storage_endpoint_se_05(run):
    run.apply(
        "PATCH", SUBNET, {"properties": {"serviceEndpoints": [{"service": "Microsoft.Sql", "locations": ["eastus"]}]}}
    )
    grade = run.grade()
    endpoint = grade.result("endpoint-enabled")
    assert not endpoint.passed and "nothing in properties.serviceEndpoints matches" in endpoint.found


def test_replacing_the_workload_rule_fails_the_negative_check(run):
    run.solve(skip=(RULE_STEP,))
    _acls(run, virtualNetworkRules=[{"id": f"{SUBNETS}/${{subnet.name}}", "action": "Allow"}])
    grade = run.grade()
    assert run.failed() == ["workload-still-allowed"]
    assert "no longer allows contoso-spoke-vnet/workload-subnet" in grade.result("workload-still-allowed").message


def test_an_ip_rule_for_the_apps_outbound_address_weakens_the_firewall_se_02(classic):
    """The app gets in, but from its shared public address: the behaviour
    check wants the private source, and the negative check fails."""
    _acls(classic, ipRules=[{"value": _outbound_ip(classic), "action": "Allow"}])
    grade = classic.grade()
    reach = grade.result("app-reaches-storage")
    assert not reach.passed and "the source address is 20." in reach.found
    assert not grade.result("no-public-ip-rules").passed


def test_allowing_all_networks_weakens_the_firewall_se_01(classic):
    classic.solve(skip=(RULE_STEP,))
    _acls(classic, defaultAction="Allow")
    grade = classic.grade()
    assert not grade.result("firewall-still-selective").passed
    assert "now allows all networks" in grade.result("firewall-still-selective").message
    assert not grade.result("subnet-allowed").passed


def test_route_all_does_not_change_the_service_endpoint_path_se_14(classic):
    """With route all on too, the storage prefix still takes the
    VirtualNetworkServiceEndpoint route (SE-03 beats the default route)."""
    classic.solve()
    classic.apply(
        "PATCH",
        "contoso-rg/Microsoft.Web/sites/${appName}",
        {"properties": {"siteConfig": {"appSettings": [{"name": "WEBSITE_VNET_ROUTE_ALL", "value": "1"}]}}},
    )
    assert classic.failed() == []
