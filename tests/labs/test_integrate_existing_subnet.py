"""The lab "Integrate with an existing subnet, and see why others are
refused", graded both ways: the start fails every positive check saying
why; the reference solution (integration-subnet) and every other correct
way (a new /26, a /29 grown to /26 before use) pass; a subnet too small, an
NSG that blocks the VM and a fix that takes another team's subnet fail
(SEED-10, ASVI-20, ASVI-21, ASVI-23, ASVI-24, ERR-01, ERR-05, ERR-10)."""

import pytest

from portal.arm.errors import ArmError
from tests.labs.integration_support import start

pytestmark = pytest.mark.django_db

LAB = "integrate-existing-subnet"
SITE = "contoso-rg/Microsoft.Web/sites/${appName}"
NETWORK_CONFIG = f"{SITE}/networkConfig/virtualNetwork"
VNET = "contoso-rg/Microsoft.Network/virtualNetworks/contoso-vnet"
POSITIVE = ["app-integrated", "subnet-right-size", "subnet-delegated", "app-reaches-vm"]


def integrate(lab, subnet: str) -> None:
    body = {
        "properties": {
            "subnetResourceId": f"{lab.providers}/Microsoft.Network/virtualNetworks/contoso-vnet/subnets/{subnet}"
        }
    }
    lab.apply("PUT", NETWORK_CONFIG, body)


def new_subnet(lab, name: str, prefix: str) -> None:
    lab.apply("PUT", f"{VNET}/subnets/{name}", {"properties": {"addressPrefix": prefix}})


@pytest.fixture
def lab():
    return start(LAB)


@pytest.mark.parametrize("era", ["classic", "current"])
def test_the_start_fails_every_positive_check_saying_why_seed_10(era):
    lab = start(LAB, era)
    grade = lab.grade()
    assert lab.failing() == POSITIVE
    assert grade.percent == lab.lab.start_score == 14
    assert "isn't integrated with a subnet of contoso-vnet" in grade.result("app-integrated").message
    assert "neither integration-subnet nor a /26" in grade.result("subnet-right-size").message
    delegated = grade.result("subnet-delegated").message
    assert "isn't delegated to Microsoft.Web/serverFarms" in delegated
    assert "properties.virtualNetworkSubnetId is not set" in delegated
    reach = grade.result("app-reaches-vm").message
    assert "the trace says Blocked" in reach and "no VNet integration" in reach


@pytest.mark.parametrize("era", ["classic", "current"])
def test_the_reference_solution_integration_subnet_passes_every_check(era):
    lab = start(LAB, era)
    lab.solve()
    assert lab.failing() == []
    assert lab.grade().percent == 100


@pytest.mark.parametrize(
    ("subnet", "rules"),
    [
        ("tiny-subnet", ("ERR-05", "ASVI-21")),
        ("vm-subnet", ("ERR-01", "ASVI-20")),
        ("sqlmi-subnet", ("ERR-10", "ASVI-24")),
    ],
)
def test_the_subnets_the_lab_calls_refused_are_refused(lab, subnet, rules):
    """What the instructions teach holds: a /29 (ASVI-21), a subnet with a
    NIC (ASVI-20) and one delegated elsewhere (ASVI-24) are refused, and
    nothing is graded done."""
    with pytest.raises(ArmError) as refused:
        integrate(lab, subnet)
    assert all(rule in str(refused.value) for rule in rules)
    assert lab.failing() == POSITIVE


def test_a_new_26_subnet_passes_too_the_other_alternative_asvi_23(lab):
    new_subnet(lab, "apps-subnet", "10.0.4.0/26")
    integrate(lab, "apps-subnet")
    grade = lab.grade()
    assert grade.percent == 100
    assert grade.result("app-reaches-vm").passed


def test_a_29_grown_to_26_before_use_passes_too_asvi_25(lab):
    """Resizing tiny-subnet while nothing uses it is allowed; it is then an
    empty /26 (the any_of's second alternative)."""
    lab.apply("PATCH", f"{VNET}/subnets/tiny-subnet", {"properties": {"addressPrefix": "10.0.2.64/26"}})
    integrate(lab, "tiny-subnet")
    assert lab.grade().percent == 100


def test_a_new_27_subnet_fails_only_the_size_check_asvi_23(lab):
    new_subnet(lab, "small-subnet", "10.0.4.0/27")
    integrate(lab, "small-subnet")
    grade = lab.grade()
    assert lab.failing() == ["subnet-right-size"]
    result = grade.result("subnet-right-size")
    assert "neither integration-subnet nor a /26" in result.message and "'10.0.4.0/27'" in result.found


def test_a_delegation_without_the_integration_isnt_the_task_asvi_24(lab):
    lab.apply(
        "PATCH",
        f"{VNET}/subnets/integration-subnet",
        {
            "properties": {
                "delegations": [{"name": "delegation", "properties": {"serviceName": "Microsoft.Web/serverFarms"}}]
            }
        },
    )
    assert lab.failing() == POSITIVE


def test_the_delegation_cant_be_removed_while_the_app_uses_the_subnet_asvi_24(lab):
    lab.solve()
    with pytest.raises(ArmError):
        lab.apply("PATCH", f"{VNET}/subnets/integration-subnet", {"properties": {"delegations": []}})
    assert lab.grade().result("subnet-delegated").passed


def test_an_nsg_that_blocks_the_vm_fails_the_trace_seed_15(lab):
    lab.solve()
    nsg = "contoso-rg/Microsoft.Network/networkSecurityGroups/integration-nsg"
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
    lab.apply("PUT", nsg, {"location": "eastus", "properties": {"securityRules": [rule]}})
    lab.apply(
        "PATCH",
        f"{VNET}/subnets/integration-subnet",
        {
            "properties": {
                "networkSecurityGroup": {
                    "id": f"{lab.providers}/Microsoft.Network/networkSecurityGroups/integration-nsg"
                }
            }
        },
    )
    assert lab.failing() == ["app-reaches-vm"]
    message = lab.grade().result("app-reaches-vm").message
    assert "doesn't reach 10.0.1.4 on 443" in message and "the trace says Blocked" in message


def test_vm_subnet_cant_be_freed_by_moving_or_deleting_the_vms_nic_err_01(lab):
    """vm-subnet is refused because it holds a NIC (ERR-01), and the estate
    keeps it so: the NIC can't be moved (the lab doesn't move a NIC) nor
    deleted while attached to its VM (SUBNET-06). Hence no negative check
    on it: no learner can break it."""
    nic = "contoso-rg/Microsoft.Network/networkInterfaces/contoso-vm01-nic"
    with pytest.raises(ArmError, match="SUBNET-06"):
        lab.apply("DELETE", nic)
    new_subnet(lab, "vm2-subnet", "10.0.5.0/24")
    moved = {
        "name": "ipconfig1",
        "properties": {
            "privateIPAddress": "10.0.5.4",
            "privateIPAllocationMethod": "Static",
            "subnet": {"id": f"{lab.providers}/Microsoft.Network/virtualNetworks/contoso-vnet/subnets/vm2-subnet"},
        },
    }
    with pytest.raises(ArmError, match="doesn't move a NIC"):
        lab.apply("PATCH", nic, {"properties": {"ipConfigurations": [moved]}})
    with pytest.raises(ArmError, match="ERR-01"):
        integrate(lab, "vm-subnet")


def test_undelegating_sqlmi_subnet_to_use_it_fails_the_negative_check_err_10(lab):
    """sqlmi-subnet is refused because it is delegated elsewhere (ERR-10);
    taking its delegation away makes it usable but takes it from its team."""
    lab.apply("PATCH", f"{VNET}/subnets/sqlmi-subnet", {"properties": {"delegations": []}})
    integrate(lab, "sqlmi-subnet")
    grade = lab.grade()
    assert lab.failing() == ["sqlmi-keeps-its-delegation"]
    assert "no longer delegated to Microsoft.Sql/managedInstances" in grade.result("sqlmi-keeps-its-delegation").message
    assert grade.percent < 100
