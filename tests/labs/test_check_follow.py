"""What the VNet integration labs added to grading: a state check that
``follow``s an ID to the resource it names (the app's integration subnet,
whatever its name), failed checks that speak the learner's values, a
resource ID shown by its names, and the documents ARM operations read for
an app's VNet integration and for a resource with references (SEED-10,
ASVI-24, ASGW-07)."""

from pathlib import Path

import pytest

from labs import catalog, checks
from labs.schema import LabError, parse
from portal.arm import ids, operations
from tests.labs.integration_support import start

pytestmark = pytest.mark.django_db

LAB = "integrate-existing-subnet"


def test_follow_reads_the_resource_the_id_names_seed_10():
    lab = start(LAB)
    lab.solve()
    result = lab.grade().result("subnet-delegated")
    assert result.passed and "Microsoft.Web/serverFarms" in result.found


def test_follow_without_an_id_says_what_isnt_set():
    lab = start(LAB)
    result = lab.grade().result("subnet-delegated")
    assert not result.passed and result.found == "properties.virtualNetworkSubnetId is not set"


def test_follow_to_a_resource_that_doesnt_exist_says_so():
    lab = start(LAB)
    context = checks._Context(lab.sandbox, {**lab.params, "subscriptionId": "x"})
    document = {
        "properties": {
            "subnetResourceId": f"{lab.providers}/Microsoft.Network/virtualNetworks/contoso-vnet/subnets/gone"
        }
    }
    outcome = checks._follow(context, document, "properties.subnetResourceId")
    assert isinstance(outcome, checks.Outcome) and not outcome.passed
    assert "'gone' (properties.subnetResourceId) doesn't exist" in outcome.found


def test_follow_must_be_text_and_names_the_line():
    original = (Path(catalog.CATALOG) / f"{LAB}.yaml").read_text()
    text = original.replace("follow: properties.virtualNetworkSubnetId", "follow: [properties]", 1)
    assert text != original
    with pytest.raises(LabError) as error:
        parse(text, "labs/catalog/x.yaml")
    assert "'follow' must be text" in str(error.value)
    assert error.value.where.startswith("labs/catalog/x.yaml:")


def test_a_failed_check_speaks_the_learners_values():
    lab = start(LAB)
    result = lab.grade().result("app-integrated")
    name = lab.params["appName"]
    assert result.check.title == f"{name} is integrated with a subnet of contoso-vnet"
    assert result.message.startswith(f"{name} isn't integrated") and "${" not in result.message
    assert result.check.look_at == f"{name} > Networking > VNet integration"


def test_a_resource_id_is_shown_by_its_names():
    lab = start("classic-vnet-link")
    found = lab.grade().result("regional-removed").found
    assert found == "properties.virtualNetworkSubnetId is 'contoso-vnet/integration-subnet'"


def test_the_documents_of_an_apps_integrations_can_be_read_asgw_07():
    """One model stands behind two ARM types (networkConfig and
    virtualNetworkConnections): each reads as the type its ID names."""
    lab = start("classic-vnet-link")
    site = f"{lab.providers}/Microsoft.Web/sites/{lab.params['appName']}"
    regional = operations.current_document(lab.sandbox, ids.parse(f"{site}/networkConfig/virtualNetwork"))
    assert regional["type"] == "Microsoft.Web/sites/networkConfig"
    assert regional["properties"]["subnetResourceId"].endswith("/subnets/integration-subnet")
    lab.solve()
    connection = operations.current_document(
        lab.sandbox, ids.parse(f"{site}/virtualNetworkConnections/contoso-classic-vnet")
    )
    assert connection["type"] == "Microsoft.Web/sites/virtualNetworkConnections"
    assert connection["properties"]["vnetResourceId"].endswith("/virtualNetworks/contoso-classic-vnet")
    assert "id" not in connection


def test_a_document_keeps_the_ids_it_refers_to_and_drops_its_own():
    """A NIC's subnet reference stays (a PATCH puts it back as it was); its
    own ID and its ip configuration's are ARM's."""
    lab = start(LAB)
    nic = operations.current_document(
        lab.sandbox, ids.parse(f"{lab.providers}/Microsoft.Network/networkInterfaces/contoso-vm01-nic")
    )
    config = nic["properties"]["ipConfigurations"][0]
    assert "id" not in nic and "id" not in config
    assert config["properties"]["subnet"]["id"].endswith("/virtualNetworks/contoso-vnet/subnets/vm-subnet")


def test_a_patch_of_a_gateway_keeps_its_subnet_and_public_ip_asgw_07():
    lab = start("integrate-other-region", pool="192.168.50.0/24")
    gateway = "contoso-rg/Microsoft.Network/virtualNetworkGateways/contoso-westus-vpngw"
    lab.apply(
        "PATCH",
        gateway,
        {"properties": {"vpnClientConfiguration": {"vpnClientAddressPool": {"addressPrefixes": ["192.168.50.0/24"]}}}},
    )
    document = operations.current_document(
        lab.sandbox, ids.parse(f"{lab.providers}/Microsoft.Network/virtualNetworkGateways/contoso-westus-vpngw")
    )
    ip_configuration = document["properties"]["ipConfigurations"][0]["properties"]
    assert ip_configuration["subnet"]["id"].endswith("/contoso-westus-vnet/subnets/GatewaySubnet")
    assert document["properties"]["vpnClientConfiguration"]["vpnClientAddressPool"]["addressPrefixes"] == [
        "192.168.50.0/24"
    ]
