"""The lab "Give a web app a stable outbound IP with a NAT gateway", graded
both ways (SEED-17, SEED-18, ASRT-17, NAT-04, NAT-07): the start fails
every check but the negative one; the reference solution passes in both
eras and the internet sees the NAT gateway's own public IP; without route
all, without an IP, or without the association the checks say why."""

import pytest

from appservice import services as app_services
from appservice.models import WebApp
from networking import snapshot
from networking.models import PublicIPAddress
from tests.helpers.labs import start

pytestmark = pytest.mark.django_db

LAB = "nat-gateway-outbound"
RG = "/subscriptions/${subscriptionId}/resourceGroups/contoso-rg/providers/Microsoft.Network"
NAT = "contoso-rg/Microsoft.Network/natGateways/${natName}"
SUBNET = "contoso-rg/Microsoft.Network/virtualNetworks/contoso-vnet/subnets/${subnet.name}"
PIP_STEP, NAT_STEP, SUBNET_STEP, ROUTE_ALL_STEP = 0, 1, 2, 3


@pytest.fixture(params=["classic", "current"])
def run(request):
    return start(LAB, request.param)


@pytest.fixture
def classic():
    return start(LAB, "classic")


def _app(run):
    return WebApp.objects.get(sandbox=run.sandbox, name=run.params["appName"])


def test_the_start_fails_every_check_but_the_negative_one_saying_why(run):
    grade = run.grade()
    assert grade.percent == run.lab.start_score == 10
    has_ip = grade.result("nat-has-ip")
    assert not has_ip.passed and "doesn't exist" in has_ip.found
    on_subnet = grade.result("nat-on-subnet")
    assert not on_subnet.passed and f"has no NAT gateway {run.params['natName']}" in on_subnet.message
    assert not grade.result("route-all-on").passed
    via = grade.result("internet-via-nat")
    assert not via.passed and f"doesn't pass {run.params['natName']}" in via.found
    assert grade.result("private-still-direct").passed


def test_the_reference_solution_passes_every_check(run):
    run.solve()
    grade = run.grade()
    assert [r.check.id for r in grade.results if not r.passed] == []
    assert grade.percent == 100


def test_the_internet_sees_the_nat_gateways_own_address_asrt_17(run):
    """The address the trace reports is the one allotted to the public IP
    (PIP-05's pool), not one of the app's shared outbound addresses."""
    run.solve()
    pip = PublicIPAddress.objects.get(resource_group__subscription__sandbox=run.sandbox, name=run.params["pipName"])
    trace = snapshot.trace_from(run.sandbox, "app", run.params["appName"], "api.github.com", 443)
    assert trace.verdict == "Reachable" and pip.ip_address and trace.source_ip == pip.ip_address
    assert trace.source_ip not in _app(run).public_addresses()[1]


def test_route_all_by_the_site_property_passes_too_asrt_06(run):
    run.solve(skip=(ROUTE_ALL_STEP,))
    app_services.set_route_all(_app(run), True)
    assert run.failed() == []


def test_without_route_all_the_app_leaves_from_its_shared_addresses_seed_18(run):
    """The NAT gateway is right, but the internet call never enters the
    VNet: the behaviour check says the path doesn't pass it (ASRT-17)."""
    run.solve(skip=(ROUTE_ALL_STEP,))
    grade = run.grade()
    assert run.failed() == ["route-all-on", "internet-via-nat"]
    via = grade.result("internet-via-nat")
    assert f"doesn't pass {run.params['natName']}" in via.found and "shared addresses" in via.message


def test_a_nat_gateway_not_on_the_subnet_is_not_used_nat_07(run):
    run.solve(skip=(SUBNET_STEP,))
    assert run.failed() == ["nat-on-subnet", "internet-via-nat"]


def test_a_nat_gateway_without_a_public_ip_fails_the_ip_check_nat_04(classic):
    classic.apply("PUT", NAT, {"location": "eastus", "sku": {"name": "Standard"}, "properties": {}})
    classic.apply("PATCH", SUBNET, {"properties": {"natGateway": {"id": f"{RG}/natGateways/${{natName}}"}}})
    app_services.set_route_all(_app(classic), True)
    grade = classic.grade()
    has_ip = grade.result("nat-has-ip")
    assert not has_ip.passed and "not set" in has_ip.found
    assert not grade.result("internet-via-nat").passed
    assert grade.result("nat-on-subnet").passed


def test_an_nsg_that_cuts_the_vnet_fails_the_negative_check(classic):
    """A patch of the subnet for its NSG keeps its NAT gateway; the deny
    toward contoso-vm01's subnet fails the check that keeps the fix honest."""
    classic.solve()
    classic.apply(
        "PUT",
        "contoso-rg/Microsoft.Network/networkSecurityGroups/lab-nsg",
        {
            "location": "eastus",
            "properties": {
                "securityRules": [
                    {
                        "name": "Deny-VM-Subnet",
                        "properties": {
                            "priority": 100,
                            "direction": "Outbound",
                            "access": "Deny",
                            "protocol": "*",
                            "sourceAddressPrefix": "*",
                            "sourcePortRange": "*",
                            "destinationAddressPrefix": "10.0.1.0/24",
                            "destinationPortRange": "*",
                        },
                    }
                ]
            },
        },
    )
    classic.apply(
        "PATCH", SUBNET, {"properties": {"networkSecurityGroup": {"id": f"{RG}/networkSecurityGroups/lab-nsg"}}}
    )
    grade = classic.grade()
    assert [r.check.id for r in grade.results if not r.passed] == ["private-still-direct"]
    assert "no longer reaches contoso-vm01" in grade.result("private-still-direct").message
