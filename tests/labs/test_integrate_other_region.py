"""The lab "Reach a virtual network in another region through a
point-to-site gateway", graded both ways: the start (a West US gateway
without point-to-site) fails every check saying why; the reference solution
and the other correct tunnel type (IKEv2 and SSTP) pass, in both eras; a
wrong pool, a gateway without SSTP, a pool outside RFC 1918 and a regional
integration instead fail (SEED-11, SEED-22, ASGW-01, ASGW-07, ASGW-09,
ASGW-10, ASGW-17, ERR-18)."""

import pytest

from portal.arm.errors import ArmError
from tests.labs.integration_support import start

pytestmark = pytest.mark.django_db

LAB = "integrate-other-region"
GATEWAY = "contoso-rg/Microsoft.Network/virtualNetworkGateways/contoso-westus-vpngw"
CONNECTION = "contoso-rg/Microsoft.Web/sites/${appName}/virtualNetworkConnections/contoso-westus-vnet"
ALL = ["p2s-pool", "p2s-sstp", "app-connected", "app-reaches-remote"]


def point_to_site(lab, pool: str, protocols: list[str]) -> None:
    configuration = {
        "vpnClientAddressPool": {"addressPrefixes": [pool]},
        "vpnClientProtocols": protocols,
        "vpnAuthenticationTypes": ["Certificate"],
    }
    lab.apply("PATCH", GATEWAY, {"properties": {"vpnClientConfiguration": configuration}})


def connect(lab) -> None:
    vnet_id = f"{lab.providers}/Microsoft.Network/virtualNetworks/contoso-westus-vnet"
    lab.apply("PUT", CONNECTION, {"properties": {"vnetResourceId": vnet_id}})


@pytest.fixture
def lab():
    return start(LAB, pool="172.16.220.0/24", remote={"ip": "10.1.1.10"})


@pytest.mark.parametrize("era", ["classic", "current"])
def test_the_start_fails_every_check_saying_why_seed_11(era):
    lab = start(LAB, era, pool="172.16.220.0/24")
    grade = lab.grade()
    assert lab.failing() == ALL and grade.percent == 0
    pool = grade.result("p2s-pool")
    assert "address pool isn't 172.16.220.0/24" in pool.message and "not set" in pool.found
    assert "doesn't include SSTP" in grade.result("p2s-sstp").message
    connected = grade.result("app-connected")
    assert "no gateway-required connection" in connected.message and "doesn't exist" in connected.found
    assert "the trace says Blocked" in grade.result("app-reaches-remote").message


def test_without_point_to_site_the_connection_is_refused_seed_11_err_18(lab):
    with pytest.raises(ArmError) as refused:
        connect(lab)
    assert "no point-to-site configuration" in str(refused.value)
    assert all(rule in str(refused.value) for rule in ("ERR-18", "SEED-11", "ASGW-07"))


@pytest.mark.parametrize("era", ["classic", "current"])
def test_the_reference_solution_passes_every_check(era):
    lab = start(LAB, era)
    lab.solve()
    assert lab.failing() == []
    assert lab.grade().percent == 100


def test_the_trace_goes_through_the_tunnel_from_the_pool_asgw_17(lab):
    lab.solve()
    result = lab.grade().result("app-reaches-remote")
    assert (
        result.passed
        and result.check.title == f"{lab.params['appName']} reaches 10.1.1.10 through the point-to-site tunnel"
    )


def test_ikev2_and_sstp_passes_too_asgw_10(lab):
    point_to_site(lab, "172.16.220.0/24", ["IKEv2", "SSTP"])
    connect(lab)
    assert lab.grade().percent == 100


@pytest.mark.parametrize("protocols", [["IKEv2"], ["OpenVPN"], ["IKEv2", "OpenVPN"]])
def test_a_tunnel_type_without_sstp_fails_and_the_app_cant_connect_asgw_07(lab, protocols):
    point_to_site(lab, "172.16.220.0/24", protocols)
    with pytest.raises(ArmError, match="SSTP"):
        connect(lab)
    grade = lab.grade()
    assert lab.failing() == ["p2s-sstp", "app-connected", "app-reaches-remote"]
    assert "doesn't include SSTP" in grade.result("p2s-sstp").message


def test_another_pool_than_the_allocated_one_fails_the_pool_and_the_source_asgw_09(lab):
    point_to_site(lab, "172.16.99.0/24", ["SSTP"])
    connect(lab)
    grade = lab.grade()
    assert lab.failing() == ["p2s-pool", "app-reaches-remote"]
    assert "'172.16.99.0/24'" in grade.result("p2s-pool").found
    assert "source address is 172.16.99." in grade.result("app-reaches-remote").found


def test_a_pool_outside_rfc_1918_is_refused_for_the_app_asgw_09(lab):
    point_to_site(lab, "100.64.5.0/24", ["SSTP"])
    with pytest.raises(ArmError, match="ASGW-09"):
        connect(lab)
    assert lab.failing() == ["p2s-pool", "app-connected", "app-reaches-remote"]


def test_point_to_site_without_the_connection_isnt_done(lab):
    point_to_site(lab, "172.16.220.0/24", ["SSTP"])
    grade = lab.grade()
    assert lab.failing() == ["app-connected", "app-reaches-remote"]
    assert "no VNet integration" in grade.result("app-reaches-remote").found


def test_a_regional_integration_in_east_us_doesnt_reach_west_us_seed_03(lab):
    point_to_site(lab, "172.16.220.0/24", ["SSTP"])
    subnet_id = f"{lab.providers}/Microsoft.Network/virtualNetworks/contoso-vnet/subnets/integration-subnet"
    lab.apply(
        "PUT",
        "contoso-rg/Microsoft.Web/sites/${appName}/networkConfig/virtualNetwork",
        {"properties": {"subnetResourceId": subnet_id}},
    )
    grade = lab.grade()
    assert lab.failing() == ["app-connected", "app-reaches-remote"]
    assert "the trace says Blocked" in grade.result("app-reaches-remote").found


def test_the_west_us_vnet_cant_be_joined_regionally_asvi_01_err_02(lab):
    """A subnet of contoso-westus-vnet is refused for regional integration:
    it is in another region."""
    subnet_id = f"{lab.providers}/Microsoft.Network/virtualNetworks/contoso-westus-vnet/subnets/apps-subnet"
    with pytest.raises(ArmError, match="ERR-02"):
        lab.apply(
            "PUT",
            "contoso-rg/Microsoft.Web/sites/${appName}/networkConfig/virtualNetwork",
            {"properties": {"subnetResourceId": subnet_id}},
        )


def test_disconnecting_says_not_done(lab):
    lab.solve()
    lab.apply("DELETE", CONNECTION)
    assert lab.failing() == ["app-connected", "app-reaches-remote"]
