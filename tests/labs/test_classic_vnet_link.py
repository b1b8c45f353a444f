"""The lab "Connect a web app to a classic virtual network" (Classic era
only), graded both ways: the start (a regional integration in place) fails
every check saying why; the reference solution passes; the classic network
without a gateway, a second integration, another region's network and the
Current era are refused or fail (SEED-12, SEED-22, ASVI-40, ASGW-04,
ASGW-17, ERR-09, ERR-18, CLASSIC-01)."""

import pytest

from portal.arm.errors import ArmError
from tests.labs.integration_support import start

pytestmark = pytest.mark.django_db

LAB = "classic-vnet-link"
SITE = "contoso-rg/Microsoft.Web/sites/${appName}"
ALL = ["regional-removed", "classic-connected", "erp-delivered"]


def connect(lab, vnet: str, namespace: str = "Microsoft.ClassicNetwork") -> None:
    vnet_id = f"{lab.providers}/{namespace}/virtualNetworks/{vnet}"
    lab.apply("PUT", f"{SITE}/virtualNetworkConnections/{vnet}", {"properties": {"vnetResourceId": vnet_id}})


def disconnect_regional(lab) -> None:
    lab.apply("DELETE", f"{SITE}/networkConfig/virtualNetwork")


@pytest.fixture
def lab():
    return start(LAB, erp={"ip": "10.10.0.20"})


def test_the_lab_is_classic_only_classic_01(lab):
    assert lab.lab.eras == ("classic",) or list(lab.lab.eras) == ["classic"]


def test_the_start_fails_every_check_saying_why_asvi_40(lab):
    grade = lab.grade()
    assert lab.failing() == ALL and grade.percent == 0
    regional = grade.result("regional-removed")
    assert "still integrated with a subnet" in regional.message and "integration-subnet" in regional.found
    assert "isn't connected to contoso-classic-vnet" in grade.result("classic-connected").message
    delivered = grade.result("erp-delivered").message
    assert "don't reach contoso-classic-vnet" in delivered and "the trace says Reachable" not in delivered


def test_the_reference_solution_passes_every_check(lab):
    lab.solve()
    grade = lab.grade()
    assert lab.failing() == [] and grade.percent == 100
    assert "No answer at Destination" in grade.result("erp-delivered").found


def test_a_second_integration_is_refused_until_the_first_goes_err_09(lab):
    with pytest.raises(ArmError) as refused:
        connect(lab, "contoso-classic-vnet")
    assert all(rule in str(refused.value) for rule in ("ERR-09", "ASVI-40", "ASGW-04"))
    assert lab.failing() == ALL


def test_disconnecting_alone_passes_only_the_first_task(lab):
    disconnect_regional(lab)
    grade = lab.grade()
    assert lab.failing() == ["classic-connected", "erp-delivered"]
    assert "no VNet integration" in grade.result("erp-delivered").found


def test_the_classic_network_without_a_gateway_is_refused_seed_12_err_18(lab):
    disconnect_regional(lab)
    with pytest.raises(ArmError) as refused:
        connect(lab, "legacy-classic-vnet")
    assert "no virtual network gateway" in str(refused.value)
    assert all(rule in str(refused.value) for rule in ("ERR-18", "SEED-12", "SEED-22"))
    assert lab.failing() == ["classic-connected", "erp-delivered"]


def test_another_regions_network_through_its_gateway_doesnt_reach_the_erp_seed_07(lab):
    """contoso-westus-vnet also has a point-to-site gateway: connecting to it
    is gateway-required integration too, but to the wrong network."""
    disconnect_regional(lab)
    connect(lab, "contoso-westus-vnet", namespace="Microsoft.Network")
    grade = lab.grade()
    assert lab.failing() == ["classic-connected", "erp-delivered"]
    assert "isn't in 'contoso-westus-vnet'" in grade.result("erp-delivered").found


def test_the_trace_leaves_from_the_classic_gateways_pool_asgw_17(lab):
    lab.solve()
    result = lab.grade().result("erp-delivered")
    assert result.passed and result.check.title.startswith("Calls to 10.10.0.20 enter contoso-classic-vnet")


def test_current_era_refuses_classic_networks_classic_01():
    """Why the lab lists only the Classic era: classic networking retired
    with VPN Gateway (classic) on 31 August 2024."""
    lab = start(LAB, "current")
    disconnect_regional(lab)
    with pytest.raises(ArmError, match="CLASSIC-01"):
        connect(lab, "contoso-classic-vnet")
