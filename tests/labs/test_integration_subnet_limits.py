"""The lab "Size an integration subnet for scale-out, and share it between
a plan's apps", graded both ways: the start (a /28 in use, a second app not
integrated) fails every positive check saying why; the reference solution
and the other correct ways (resize the /28 once free, integration-subnet
when a /26 is enough, a second subnet in the Current era) pass; too small a
subnet, a shared /28, and an NSG that cuts the VM off fail
(ASVI-25, ASVI-26, ASVI-27, ASVI-29, ASVI-41, ASVI-42, ERR-08, ERR-14)."""

import pytest

from portal.arm.errors import ArmError
from tests.labs.integration_support import start

pytestmark = pytest.mark.django_db

LAB = "integration-subnet-limits"
VNET = "contoso-rg/Microsoft.Network/virtualNetworks/contoso-vnet"
POSITIVE = ["web-subnet-fits", "jobs-subnet-fits", "jobs-reaches-vm"]
SMALL = {"name": "web-int-subnet", "prefix": "10.0.4.0/28"}
SCALE_20 = {"instances": 20, "prefix": 26}
SCALE_40 = {"instances": 40, "prefix": 25}


def integrate(lab, app: str, subnet: str) -> None:
    subnet_id = f"{lab.providers}/Microsoft.Network/virtualNetworks/contoso-vnet/subnets/{subnet}"
    lab.apply(
        "PUT",
        f"contoso-rg/Microsoft.Web/sites/{app}/networkConfig/virtualNetwork",
        {"properties": {"subnetResourceId": subnet_id}},
    )


def disconnect(lab, app: str) -> None:
    lab.apply("DELETE", f"contoso-rg/Microsoft.Web/sites/{app}/networkConfig/virtualNetwork")


def new_subnet(lab, name: str, prefix: str) -> None:
    lab.apply("PUT", f"{VNET}/subnets/{name}", {"properties": {"addressPrefix": prefix}})


@pytest.mark.parametrize("era", ["classic", "current"])
def test_the_start_fails_every_positive_check_saying_why_asvi_29(era):
    lab = start(LAB, era, small=SMALL, scale=SCALE_20)
    grade = lab.grade()
    assert lab.failing() == POSITIVE
    assert grade.percent == lab.lab.start_score == 15
    fits = grade.result("web-subnet-fits")
    assert "smaller than /26, too small for 20 instances" in fits.message and "'10.0.4.0/28'" in fits.found
    jobs = grade.result("jobs-subnet-fits")
    assert "isn't integrated with a subnet of /26 or larger" in jobs.message
    assert "properties.virtualNetworkSubnetId is not set" in jobs.found
    assert "the trace says Blocked" in grade.result("jobs-reaches-vm").message
    assert grade.result("web-still-reaches-vm").passed


@pytest.mark.parametrize("era", ["classic", "current"])
@pytest.mark.parametrize("scale", [SCALE_20, SCALE_40, {"instances": 12, "prefix": 27}])
def test_the_reference_solution_passes_every_check(era, scale):
    lab = start(LAB, era, scale=scale)
    lab.solve()
    assert lab.failing() == []
    assert lab.grade().percent == 100


def test_a_subnet_in_use_cant_be_resized_asvi_25_err_14():
    lab = start(LAB, small=SMALL, scale=SCALE_20)
    with pytest.raises(ArmError, match="ERR-14"):
        lab.apply("PATCH", f"{VNET}/subnets/web-int-subnet", {"properties": {"addressPrefix": "10.0.4.0/26"}})
    assert lab.failing() == POSITIVE


@pytest.mark.parametrize("era", ["classic", "current"])
def test_resizing_the_28_once_disconnected_passes_too_asvi_25(era):
    lab = start(LAB, era, small=SMALL, scale=SCALE_20)
    disconnect(lab, "${appName}")
    lab.apply("PATCH", f"{VNET}/subnets/web-int-subnet", {"properties": {"addressPrefix": "10.0.4.0/26"}})
    integrate(lab, "${appName}", "web-int-subnet")
    integrate(lab, "${jobsApp}", "web-int-subnet")
    assert lab.grade().percent == 100


def test_integration_subnet_is_enough_for_20_instances_asvi_29():
    lab = start(LAB, small=SMALL, scale=SCALE_20)
    disconnect(lab, "${appName}")
    integrate(lab, "${appName}", "integration-subnet")
    integrate(lab, "${jobsApp}", "integration-subnet")
    assert lab.grade().percent == 100


def test_integration_subnet_is_too_small_for_40_instances_asvi_29():
    lab = start(LAB, small=SMALL, scale=SCALE_40)
    disconnect(lab, "${appName}")
    integrate(lab, "${appName}", "integration-subnet")
    integrate(lab, "${jobsApp}", "integration-subnet")
    grade = lab.grade()
    assert lab.failing() == ["web-subnet-fits", "jobs-subnet-fits"]
    assert "smaller than /25, too small for 40 instances" in grade.result("web-subnet-fits").message
    assert "'10.0.2.0/26'" in grade.result("jobs-subnet-fits").found
    assert grade.percent < lab.lab.pass_mark


def test_sharing_the_28_reaches_the_vm_but_doesnt_fit_asvi_26():
    lab = start(LAB, small=SMALL, scale=SCALE_20)
    integrate(lab, "${jobsApp}", "web-int-subnet")
    assert lab.failing() == ["web-subnet-fits", "jobs-subnet-fits"]


def test_classic_a_second_subnet_for_the_plan_is_refused_asvi_41_err_08():
    lab = start(LAB, "classic", small=SMALL, scale=SCALE_20)
    disconnect(lab, "${appName}")
    integrate(lab, "${appName}", "integration-subnet")
    new_subnet(lab, "jobs-subnet", "10.0.9.0/26")
    with pytest.raises(ArmError, match="ERR-08"):
        integrate(lab, "${jobsApp}", "jobs-subnet")
    assert lab.failing() == ["jobs-subnet-fits", "jobs-reaches-vm"]


def test_current_a_second_subnet_that_fits_passes_too_asvi_41():
    """Current: two integrations per plan (one per app), so the second app
    may use its own subnet, if it fits the plan's scale too."""
    lab = start(LAB, "current", small=SMALL, scale=SCALE_20)
    disconnect(lab, "${appName}")
    integrate(lab, "${appName}", "integration-subnet")
    new_subnet(lab, "jobs-subnet", "10.0.9.0/26")
    integrate(lab, "${jobsApp}", "jobs-subnet")
    assert lab.grade().percent == 100


def test_current_a_second_subnet_too_small_fails_asvi_26():
    lab = start(LAB, "current", small=SMALL, scale=SCALE_20)
    disconnect(lab, "${appName}")
    integrate(lab, "${appName}", "integration-subnet")
    new_subnet(lab, "jobs-subnet", "10.0.9.0/27")
    integrate(lab, "${jobsApp}", "jobs-subnet")
    assert lab.failing() == ["jobs-subnet-fits"]


def test_disconnecting_the_first_app_for_good_fails_the_negative_check():
    lab = start(LAB, small=SMALL, scale=SCALE_20)
    disconnect(lab, "${appName}")
    integrate(lab, "${jobsApp}", "integration-subnet")
    grade = lab.grade()
    assert lab.failing() == ["web-subnet-fits", "web-still-reaches-vm"]
    assert "no longer reaches 10.0.1.4 on 443" in grade.result("web-still-reaches-vm").message


def test_an_nsg_that_cuts_the_new_subnet_off_the_vm_fails_both_traces_seed_15():
    lab = start(LAB, small=SMALL, scale=SCALE_20)
    lab.solve()
    rule = {
        "name": "deny-vm",
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
    lab.apply(
        "PUT",
        "contoso-rg/Microsoft.Network/networkSecurityGroups/plan-nsg",
        {"location": "eastus", "properties": {"securityRules": [rule]}},
    )
    nsg_id = f"{lab.providers}/Microsoft.Network/networkSecurityGroups/plan-nsg"
    lab.apply("PATCH", f"{VNET}/subnets/plan-subnet", {"properties": {"networkSecurityGroup": {"id": nsg_id}}})
    assert lab.failing() == ["web-still-reaches-vm", "jobs-reaches-vm"]
