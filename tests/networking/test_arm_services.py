"""ARM JSON in and out of gateways, local network gateways, connections,
ExpressRoute circuits, private DNS zones (record sets, links), private
endpoints (with their DNS zone group) and the PaaS targets: each seeded
resource is built again from its export, and a template is refused where
the blades refuse, with the same rule, writing nothing."""

import re

import pytest

from networking import models as n
from networking.services import dns as dns_services
from networking.services import paas as target_services
from portal.arm.errors import ArmError
from portal.registry import registry
from tests.arm_support import (
    as_template,
    comparable,
    copy_vnet,
    deploy,
    empty_group,
    empty_sandbox,
    found_by_id,
    group,
    seeded,
    state,
    subnet_lookup,  # noqa: F401 (an autouse fixture)
    to_arm,
)

pytestmark = pytest.mark.django_db

NETWORK_RG = "contoso-network-rg"


@pytest.fixture
def source(settings):
    return seeded(settings)


@pytest.fixture
def target(source):
    return empty_sandbox(source.era)


def _get(model, sandbox, name):
    return model.objects.get(sandbox=sandbox, name=name)


def _vnets(source, target, rg_name, *names):
    """Copies of the source's VNets, made through the services, in ``rg_name`` of the target."""
    rg = (
        group(target, rg_name)
        if target.subscriptions.get().resource_groups.filter(name=rg_name).exists()
        else empty_group(target, rg_name)
    )
    for name in names:
        copy_vnet(_get(n.VirtualNetwork, source, name), rg)
    return rg


def _round_trip(source, target, resource, rg, *, ignore=(), arm_type=None):
    document = to_arm(resource, arm_type)
    copy = deploy(target, rg, as_template(document, source, target))
    assert comparable(to_arm(copy, arm_type), target, ignore=ignore) == comparable(document, source, ignore=ignore)
    return copy


# --- Gateways ------------------------------------------------------------------------


def test_the_seeded_point_to_site_gateway_round_trips(source, target):
    rg = _vnets(source, target, "contoso-rg", "contoso-westus-vnet")
    gateway = _get(n.VirtualNetworkGateway, source, "contoso-westus-vpngw")
    document = to_arm(gateway)
    client = document["properties"]["vpnClientConfiguration"]
    assert client["vpnClientAddressPool"]["addressPrefixes"] == ["172.16.201.0/24"]
    assert set(client["vpnClientProtocols"]) == {"SSTP", "IKEv2"}
    assert document["properties"]["ipConfigurations"][0]["properties"]["subnet"]["id"].endswith(
        "/contoso-westus-vnet/subnets/GatewaySubnet"
    )
    copy = _round_trip(source, target, gateway, rg)
    # App Service can integrate through it, as through the original (ASGW-07 to ASGW-10).
    assert copy.gateway_integration_problem() is None


def test_the_seeded_estate_of_the_current_era_round_trips_its_endpoint_and_gateway(settings):
    source = seeded(settings, "current")
    target = empty_sandbox("current")
    rg, _, _ = _zone_estate(source, target)
    deploy(target, rg, as_template(to_arm(_get(n.SqlServer, source, "contoso-sql01")), source, target))
    _round_trip(
        source,
        target,
        _get(n.PrivateEndpoint, source, "contoso-sql01-pe"),
        rg,
        ignore=("properties.networkInterfaces",),
    )
    _round_trip(source, target, _get(n.VirtualNetworkGateway, source, "contoso-hub-vpngw"), rg)


def test_the_seeded_hub_gateway_round_trips(source, target):
    rg = _vnets(source, target, NETWORK_RG, "contoso-hub-vnet")
    _round_trip(source, target, _get(n.VirtualNetworkGateway, source, "contoso-hub-vpngw"), rg)


def test_the_seeded_classic_gateway_round_trips(source, target):
    classic = _get(n.VirtualNetwork, source, "contoso-classic-vnet")
    rg = empty_group(target, "contoso-rg")
    # Classic VNets come from an estate only (networking/arm.py builds them).
    vnet = n.VirtualNetwork.objects.create(
        sandbox=target,
        resource_group=rg,
        name=classic.name,
        location=classic.location,
        address_space=classic.address_space,
        is_classic=True,
    )
    n.Subnet.objects.bulk_create(
        n.Subnet(vnet=vnet, name=s.name, address_prefix=s.address_prefix) for s in classic.subnets.all()
    )
    _round_trip(source, target, _get(n.VirtualNetworkGateway, source, "contoso-classic-gw"), rg)


def _gateway_document(source, target, name="contoso-westus-vpngw"):
    return as_template(to_arm(_get(n.VirtualNetworkGateway, source, name)), source, target)


def test_a_second_gateway_in_a_vnet_is_refused_with_limit_04(source):
    document = _gateway_document(source, source)
    document["name"] = "second-vpngw"
    before = state(source)
    with pytest.raises(ArmError) as refused:
        deploy(source, group(source, "contoso-rg"), document)
    assert "LIMIT-04" in refused.value.rule_ids
    assert refused.value.resource == "second-vpngw"
    assert refused.value.path == "properties.ipConfigurations[0].properties.subnet.id"
    assert state(source) == before


def test_a_point_to_site_pool_inside_the_vnet_is_refused_with_asgw_09_and_no_gateway_is_left(source, target):
    rg = _vnets(source, target, "contoso-rg", "contoso-westus-vnet")
    document = _gateway_document(source, target)
    document["properties"]["vpnClientConfiguration"]["vpnClientAddressPool"]["addressPrefixes"] = ["10.1.200.0/24"]
    before = state(target)
    with pytest.raises(ArmError) as refused:
        deploy(target, rg, document)
    assert "ASGW-09" in refused.value.rule_ids
    assert refused.value.path == "properties.vpnClientConfiguration.vpnClientAddressPool.addressPrefixes"
    assert state(target) == before


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (
            lambda p: p["vpnClientConfiguration"].update(vpnClientProtocols="SSTP"),
            "properties.vpnClientConfiguration.vpnClientProtocols",
        ),
        (
            lambda p: p["vpnClientConfiguration"].update(vpnClientProtocols=["PPTP"]),
            "properties.vpnClientConfiguration.vpnClientProtocols",
        ),
        (lambda p: p.update(activeActive="no"), "properties.activeActive"),
        (lambda p: p.update(ipConfigurations=[]), "properties.ipConfigurations[0]"),
        (lambda p: p["sku"].update(name="Gold"), "properties.sku.name"),
    ],
)
def test_bad_gateway_input_names_the_gateway_and_the_property(source, target, change, path):
    rg = _vnets(source, target, "contoso-rg", "contoso-westus-vnet")
    document = _gateway_document(source, target)
    change(document["properties"])
    before = state(target)
    with pytest.raises(ArmError) as refused:
        deploy(target, rg, document)
    assert (refused.value.resource, refused.value.path) == ("contoso-westus-vpngw", path)
    assert state(target) == before


# --- On-premises ----------------------------------------------------------------------------


def test_the_seeded_local_gateway_and_circuit_round_trip_in_an_empty_group(source, target):
    rg = empty_group(target, NETWORK_RG)
    local = _round_trip(source, target, _get(n.LocalNetworkGateway, source, "contoso-onprem-lng"), rg)
    assert local.bgp_asn == 65010
    circuit = _round_trip(source, target, _get(n.ExpressRouteCircuit, source, "contoso-er-circuit"), rg)
    # The on-premises routes the circuit learns (ROUTE-27) come back with it.
    assert circuit.advertised_prefixes == ["172.20.0.0/16"]


def test_the_seeded_connection_round_trips_with_a_new_shared_key(source, target):
    rg = _vnets(source, target, NETWORK_RG, "contoso-hub-vnet")
    for resource in (
        _get(n.VirtualNetworkGateway, source, "contoso-hub-vpngw"),
        _get(n.LocalNetworkGateway, source, "contoso-onprem-lng"),
    ):
        deploy(target, rg, as_template(to_arm(resource), source, target))
    connection = _get(n.VirtualNetworkGatewayConnection, source, "hub-to-onprem")
    document = to_arm(connection)
    assert "sharedKey" not in document["properties"]
    copy = _round_trip(source, target, connection, rg)
    assert copy.shared_key


def test_a_connection_to_a_missing_local_gateway_names_the_property(source, target):
    rg = _vnets(source, target, NETWORK_RG, "contoso-hub-vnet")
    deploy(target, rg, _gateway_document(source, target, "contoso-hub-vpngw"))
    document = as_template(to_arm(_get(n.VirtualNetworkGatewayConnection, source, "hub-to-onprem")), source, target)
    before = state(target)
    with pytest.raises(ArmError) as refused:
        deploy(target, rg, document)
    assert (refused.value.resource, refused.value.path) == ("hub-to-onprem", "properties.localNetworkGateway2.id")
    assert state(target) == before


def test_an_ipsec_connection_on_an_expressroute_gateway_is_refused_with_route_21(source, target):
    rg = _vnets(source, target, NETWORK_RG, "contoso-hub-vnet")
    gateway = _gateway_document(source, target, "contoso-hub-vpngw")
    gateway["properties"].update(gatewayType="ExpressRoute", sku={"name": "Standard"})
    deploy(target, rg, gateway)
    deploy(target, rg, as_template(to_arm(_get(n.LocalNetworkGateway, source, "contoso-onprem-lng")), source, target))
    with pytest.raises(ArmError) as refused:
        deploy(
            target,
            rg,
            as_template(to_arm(_get(n.VirtualNetworkGatewayConnection, source, "hub-to-onprem")), source, target),
        )
    assert "ROUTE-21" in refused.value.rule_ids and refused.value.path == "properties.connectionType"


# --- Private DNS and private endpoints ----------------------------------------------------------


def _children(resource):
    """The child documents Export template writes after the resource's own."""
    return registry.get(resource.arm_type).export(resource)[1:]


def _zone_estate(source, target):
    """The target gets the hub and spoke VNets, then the seeded zone with its
    record sets and links, as a template lists them."""
    rg = _vnets(source, target, NETWORK_RG, "contoso-hub-vnet", "contoso-spoke-vnet")
    zone = _get(n.PrivateDnsZone, source, "privatelink.database.windows.net")
    copy = deploy(target, rg, as_template(to_arm(zone), source, target))
    for child in _children(zone):
        deploy(target, rg, as_template(child, source, target))
    return rg, zone, copy


def test_the_seeded_private_dns_zone_round_trips_with_its_records_and_links(source, target):
    _, zone, copy = _zone_estate(source, target)
    assert comparable(to_arm(copy), target) == comparable(to_arm(zone), source)
    children = _children(zone)
    assert {c["type"] for c in children} == {
        "Microsoft.Network/privateDnsZones/A",
        "Microsoft.Network/privateDnsZones/SOA",
        "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
    }
    assert [comparable(c, target) for c in _children(copy)] == [comparable(c, source) for c in children]


def test_a_second_registration_zone_for_a_vnet_is_refused_with_pedns_22(source, target):
    rg, _, _ = _zone_estate(source, target)
    hub = _get(n.VirtualNetwork, target, "contoso-hub-vnet")
    first = {
        "type": "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
        "name": "contoso.internal/hub-registration",
        "location": "global",
        "properties": {"virtualNetwork": {"id": hub.arm_id}, "registrationEnabled": True},
    }
    deploy(target, rg, {"type": "Microsoft.Network/privateDnsZones", "name": "contoso.internal", "location": "global"})
    deploy(target, rg, first)
    deploy(target, rg, {"type": "Microsoft.Network/privateDnsZones", "name": "other.internal", "location": "global"})
    second = {**first, "name": "other.internal/hub-registration"}
    before = state(target)
    with pytest.raises(ArmError) as refused:
        deploy(target, rg, second)
    assert "PEDNS-22" in refused.value.rule_ids and refused.value.path == "properties.registrationEnabled"
    assert state(target) == before


def test_a_zone_exports_its_soa_record_set_and_a_template_sets_its_timers_pdns_01(source, target):
    rg, _, copy = _zone_estate(source, target)
    soa = next(c for c in _children(copy) if c["type"] == "Microsoft.Network/privateDnsZones/SOA")
    assert soa["name"] == "@" and soa["properties"]["ttl"] == 3600
    assert soa["properties"]["soaRecord"] == dns_services.SOA_RECORD  # values read in test_dns_zone
    changed = {
        "type": "Microsoft.Network/privateDnsZones/SOA",
        "name": "privatelink.database.windows.net/@",
        "properties": {"ttl": 300, "soaRecord": {"email": "hostmaster.contoso.com", "host": "ns.contoso.com"}},
    }
    deploy(target, rg, changed)
    record_set = n.PrivateDnsRecordSet.objects.get(zone=copy, record_type="SOA")
    assert record_set.ttl == 300 and record_set.records[0]["email"] == "hostmaster.contoso.com"
    assert record_set.records[0]["host"] == "azureprivatedns.net"  # Azure's, whatever a template says
    assert n.PrivateDnsRecordSet.objects.filter(zone=copy, record_type="SOA").count() == 1
    before = state(target)
    with pytest.raises(ArmError) as refused:
        deploy(target, rg, {**changed, "name": "privatelink.database.windows.net/second"})
    assert refused.value.path == "name" and state(target) == before


def test_a_zone_deployed_from_a_template_gets_its_soa_record_set_pdns_01(source, target):
    rg = empty_group(target, NETWORK_RG)
    zone = deploy(
        target, rg, {"type": "Microsoft.Network/privateDnsZones", "name": "contoso.internal", "location": "global"}
    )
    assert [(r.name, r.record_type) for r in zone.record_sets.all()] == [("@", "SOA")]
    assert to_arm(zone)["properties"]["numberOfRecordSets"] == 1


@pytest.mark.parametrize(
    ("document", "path"),
    [
        (
            {
                "name": "privatelink.database.windows.net/www",
                "properties": {"ttl": 60, "aRecords": [{"ipv4Address": "10.0.0.300"}]},
            },
            "properties.aRecords",
        ),
        (
            {"name": "privatelink.database.windows.net/www", "properties": {"ttl": "60", "aRecords": []}},
            "properties.ttl",
        ),
        (
            {"name": "privatelink.database.windows.net/www", "properties": {"aRecords": "10.0.0.1"}},
            "properties.aRecords",
        ),
        ({"name": "www", "properties": {"aRecords": []}}, "name"),
        ({"name": "nozone.example/www", "properties": {"aRecords": [{"ipv4Address": "10.0.0.1"}]}}, "name"),
    ],
)
def test_bad_record_sets_name_the_property_and_change_nothing(source, target, document, path):
    rg, _, _ = _zone_estate(source, target)
    before = state(target)
    with pytest.raises(ArmError) as refused:
        deploy(target, rg, {"type": "Microsoft.Network/privateDnsZones/A", **document})
    assert (refused.value.resource, refused.value.path) == (document["name"], path)
    assert state(target) == before


def test_the_seeded_private_endpoints_nic_is_named_as_azure_names_it(source):
    """Azure names an endpoint's NIC '<endpoint>.nic.<guid>', the seed's too."""
    nic = _get(n.PrivateEndpoint, source, "contoso-sql01-pe").nic
    assert re.fullmatch(
        r"contoso-sql01-pe\.nic\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", nic.name
    )


def test_the_seeded_private_endpoint_round_trips_with_its_zone_group(source, target):
    rg, _, _ = _zone_estate(source, target)
    deploy(target, rg, as_template(to_arm(_get(n.SqlServer, source, "contoso-sql01")), source, target))
    endpoint = _get(n.PrivateEndpoint, source, "contoso-sql01-pe")
    # The endpoint's NIC is made by the service, with a generated name.
    generated = ("properties.networkInterfaces",)
    copy = _round_trip(source, target, endpoint, rg, ignore=generated)
    (group_document,) = _children(endpoint)
    assert group_document["properties"]["privateDnsZoneConfigs"][0]["properties"]["privateDnsZoneId"].endswith(
        "/privateDnsZones/privatelink.database.windows.net"
    )
    deploy(target, rg, as_template(group_document, source, target))
    assert [comparable(c, target) for c in _children(copy)] == [comparable(group_document, source)]
    # The same private IP, and the zone's A record still points at it (PEDNS-11).
    assert copy.nic.private_ip == endpoint.nic.private_ip == "10.100.2.4"
    record = n.PrivateDnsRecordSet.objects.get(zone__sandbox=target, name="contoso-sql01")
    assert record.records == ["10.100.2.4"]


def test_a_private_endpoint_in_a_delegated_subnet_is_refused_with_err_11(source, target):
    rg, _, _ = _zone_estate(source, target)
    deploy(target, rg, as_template(to_arm(_get(n.SqlServer, source, "contoso-sql01")), source, target))
    n.Subnet.objects.filter(vnet__sandbox=target, name="endpoints-subnet").update(
        delegation="Microsoft.Sql/managedInstances"
    )
    document = as_template(to_arm(_get(n.PrivateEndpoint, source, "contoso-sql01-pe")), source, target)
    before = state(target)
    with pytest.raises(ArmError) as refused:
        deploy(target, rg, document)
    assert "ERR-11" in refused.value.rule_ids and refused.value.path == "properties.subnet.id"
    assert state(target) == before


# --- PaaS targets --------------------------------------------------------------------------------


def test_the_seeded_storage_account_round_trips_with_its_vnet_rule(source, target):
    rg = _vnets(source, target, NETWORK_RG, "contoso-spoke-vnet")
    n.Subnet.objects.filter(vnet__sandbox=target, name="workload-subnet").update(
        service_endpoints=["Microsoft.Storage"]
    )
    storage = _get(n.StorageAccount, source, "contosodata01")
    acls = to_arm(storage)["properties"]["networkAcls"]
    assert acls["defaultAction"] == "Deny" and acls["virtualNetworkRules"][0]["id"].endswith("/subnets/workload-subnet")
    _round_trip(source, target, storage, rg)


def test_a_vnet_rule_without_its_service_endpoint_is_refused_with_se_01(source, target):
    rg = _vnets(source, target, NETWORK_RG, "contoso-spoke-vnet")
    document = as_template(to_arm(_get(n.StorageAccount, source, "contosodata01")), source, target)
    before = state(target)
    with pytest.raises(ArmError) as refused:
        deploy(target, rg, document)
    assert "SE-01" in refused.value.rule_ids
    assert refused.value.path == "properties.networkAcls.virtualNetworkRules"
    assert state(target) == before


def test_the_seeded_sql_server_and_a_key_vault_with_an_ip_rule_round_trip(source, target):
    rg = empty_group(target, NETWORK_RG)
    sql = _round_trip(source, target, _get(n.SqlServer, source, "contoso-sql01"), rg)
    assert sql.public_network_access == "Disabled"
    vault = target_services.create_target(n.KeyVault, group(source, NETWORK_RG), name="contoso-kv01", location="eastus")
    target_services.set_public_access(vault, "selected")
    target_services.add_ip_rule(vault, "203.0.113.0/24")
    copy = _round_trip(source, target, _get(n.KeyVault, source, "contoso-kv01"), rg)
    assert copy.ip_rules == ["203.0.113.0/24"]


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"publicNetworkAccess": "Sometimes"}, "properties.publicNetworkAccess"),
        ({"networkAcls": {"ipRules": [{"value": "10.0.0.1"}]}}, "properties.networkAcls.ipRules"),
        ({"networkAcls": {"ipRules": "203.0.113.1"}}, "properties.networkAcls.ipRules"),
        ({"networkAcls": {"virtualNetworkRules": [{"id": 7}]}}, "properties.networkAcls.virtualNetworkRules[0].id"),
    ],
)
def test_bad_paas_input_names_the_property_and_changes_nothing(source, target, change, path):
    rg = empty_group(target, NETWORK_RG)
    document = as_template(to_arm(_get(n.SqlServer, source, "contoso-sql01")), source, target)
    document["properties"].update(change)
    before = state(target)
    with pytest.raises(ArmError) as refused:
        deploy(target, rg, document)
    assert (refused.value.resource, refused.value.path) == ("contoso-sql01", path)
    assert state(target) == before


def test_zone_children_and_the_zone_group_are_found_by_the_ids_their_documents_give(source):
    zone = _get(n.PrivateDnsZone, source, "privatelink.database.windows.net")
    found = [found_by_id(source, child) for child in _children(zone)]
    assert found == [*zone.record_sets.all(), *zone.links.all()]
    endpoint = _get(n.PrivateEndpoint, source, "contoso-sql01-pe")
    (group_document,) = _children(endpoint)
    assert found_by_id(source, group_document).endpoint == endpoint
