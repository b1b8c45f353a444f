"""ARM JSON in and out for the networking resources beyond the core ones
(networking/arm.py has VNets, subnets, NSGs, route tables, peerings, NICs and
VMs): virtual network gateways, local network gateways, connections,
ExpressRoute circuits, private DNS zones with their record sets and links,
private endpoints with their DNS zone groups, and the PaaS targets (storage
accounts, SQL servers, key vaults).

Out (``*_to_arm``): the resource as the portal's JSON View shows it, in ARM's
property names. In (``*_from_arm``): one template resource, expressions
already evaluated, created or updated through ``networking.services``, so
the blades' rules refuse with the blades' rule IDs.

The first section (reading a document, turning a refusal into an ArmError,
waiting for a long-running create) is shared with appservice/arm.py and
aks/arm.py, which sit above networking.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from django.db import transaction
from django.utils import timezone

from networking.models import (
    ExpressRouteCircuit,
    KeyVault,
    LocalNetworkGateway,
    PrivateDnsRecordSet,
    PrivateDnsZone,
    PrivateEndpoint,
    SqlServer,
    StorageAccount,
    Subnet,
    VirtualNetwork,
    VirtualNetworkGateway,
    VirtualNetworkGatewayConnection,
    VirtualNetworkLink,
)
from networking.services import dns as dns_services
from networking.services import endpoints as endpoint_services
from networking.services import gateways as gateway_services
from networking.services import paas as target_services
from portal.arm import ids
from portal.arm.context import DeployContext, refusal
from portal.arm.document import Document as ArmDocument
from portal.arm.errors import ArmError
from portal.errors import AzureRuleError
from portal.models import Operation, ResourceGroup
from portal.registry import ResourceType, registry
from portal.services import complete_due_operations

# --- Reading a document -------------------------------------------------------------

_MISSING: Any = object()
_LAST_INDEX = re.compile(r"^(.*\[\d+\])\.(.+)$")
_TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


class Document(ArmDocument):
    """A whole template resource, read with portal.arm.document's reader,
    whose paths may here index arrays too
    (``properties.ipConfigurations[0].properties.subnet.id``); the
    resource's name is checked, and split for a child (``zone/record``)."""

    def __init__(self, document: Any) -> None:
        if not isinstance(document, dict):
            raise ArmError("A resource must be a JSON object.")
        super().__init__(document)
        name = document.get("name")
        if not isinstance(name, str) or not name.strip():
            raise self.error("The resource has no name.", "name")

    @property
    def name(self) -> str:
        return self.resource

    def get(self, path: str, kind: type | tuple[type, ...] = object, default: Any = _MISSING) -> Any:
        indexed = _LAST_INDEX.match(path)
        if indexed is None:
            return super().get(path, kind, default)
        prefix, rest = indexed.groups()
        value: Any = self.value
        for key, index in _TOKEN.findall(prefix):
            if isinstance(value, dict) and key:
                value = value.get(key)
            elif isinstance(value, list) and index and int(index) < len(value):
                value = value[int(index)]
            else:
                value = None
        if not isinstance(value, dict):
            if value is None and default is not _MISSING:
                return default
            raise self.error(
                "The property is required." if value is None else "The property must be an object.", prefix
            )
        return ArmDocument(value, resource=self.resource, base=prefix).get(rest, kind, default)

    def objects(self, path: str) -> list[dict]:
        """An array of objects (empty when absent)."""
        return [item.value for _, item in self.items(path)]

    def item_paths(self, path: str) -> list[str]:
        """The path of each object of the array at ``path`` (none when absent)."""
        return [item.base for _, item in self.items(path)]

    @property
    def location(self) -> str:
        return self.get("location", str)

    def child_names(self, levels: int) -> list[str]:
        """A child resource's name in a template, ``parent/child``: its
        ``levels`` parts."""
        parts = self.name.split("/")
        if len(parts) != levels or not all(parts):
            raise self.error(f"A child resource's name has {levels} parts separated by '/'.", "name")
        return parts


def reference(ctx: DeployContext, doc: Document, path: str, model: type | tuple[type, ...]) -> Any:
    """The resource the ID at ``path`` names, checked to be a ``model``."""
    found = ctx.resolve(doc.get(path, str), resource=doc.name, path=path)
    if not isinstance(found, model):
        raise ArmError("The ID names a resource of another type.", resource=doc.name, path=path)
    return found


def parent(ctx: DeployContext, resource_group: ResourceGroup, doc: Document, model: type, name: str) -> Any:
    """A child resource's parent, named by the first part of the child's
    name, in the child's resource group."""
    found = ctx.resolve(f"{resource_group.arm_id}/providers/{model.arm_type}/{name}", resource=doc.name, path="name")
    if not isinstance(found, model):
        raise ArmError("The name's first part names a resource of another type.", resource=doc.name, path="name")
    return found


def referenced_name(doc: Document, path: str, arm_type: str) -> str:
    """The last name of the ID at ``path``, for what the lab records by name
    only (an App Service Environment, a gateway's public IP address)."""
    parsed = ids.parse(doc.get(path, str), resource=doc.name, path=path)
    if parsed.arm_type.lower() != arm_type.lower():
        raise ArmError(f"Expected the ID of a {arm_type} resource.", resource=doc.name, path=path)
    return parsed.name


@contextmanager
def refusals(doc: Document, fields: Mapping[str, str], default: str = "properties") -> Iterator[None]:
    """A refusal of the services as ArmError at the ARM property the
    service's form field came from (``fields``); the rule IDs stay."""
    try:
        yield
    except AzureRuleError as exc:
        raise refusal(exc, resource=doc.name, path=fields.get(exc.field or "", default)) from None


def wait_for(resource: Any) -> None:
    """A template deployment waits for each resource's long-running create
    or update to finish before the resources that depend on it: the lab's
    operations of ``resource`` end now."""
    Operation.objects.unfinished().filter(sandbox=resource.sandbox, resource_id=resource.arm_id).update(
        ends_at=timezone.now()
    )
    complete_due_operations(resource.sandbox)


def find_child(
    model: type,
    parent_field: str,
    sandbox: Any,
    resource_id: ids.ResourceId,
    *,
    name_field: str | None = "name",
    **filters: Any,
) -> Any:
    """A child type's ``find``: the row of ``model`` whose parent
    (``parent_field``) the ID's first name names, in the ID's resource group,
    and whose ``name_field`` is the ID's last name (None: the name is fixed)."""
    if name_field is not None:
        filters[f"{name_field}__iexact"] = resource_id.name
    return model.objects.filter(
        **{
            f"{parent_field}__sandbox": sandbox,
            f"{parent_field}__resource_group__name__iexact": resource_id.resource_group,
            f"{parent_field}__name__iexact": resource_id.names[0],
        },
        **filters,
    ).first()


def check_location(doc: Document, location: str, what: str) -> None:
    given = doc.location
    if given.lower() != location.lower():
        raise ArmError(
            f"The resource must be in {location}, the region of its {what}.", resource=doc.name, path="location"
        )


def existing(model: type, resource_group: ResourceGroup, name: str) -> Any:
    return model.objects.filter(resource_group=resource_group, name__iexact=name).first()


def unchangeable(doc: Document, path: str, current: Any, wanted: Any) -> None:
    """ArmError when a template asks to change what the lab can't change in
    place; resources are compared (and named) by their IDs."""
    current, wanted = (getattr(v, "arm_id", v) for v in (current, wanted))
    if current != wanted:
        raise ArmError(
            f"This property can't be changed on an existing resource ('{current}' to '{wanted}').",
            resource=doc.name,
            path=path,
        )


def base_arm(resource: Any) -> dict:
    """id, name, type, location, tags and properties (provisioningState first)."""
    return resource.arm_json()


# --- Virtual network gateways -------------------------------------------------------

_GATEWAY_FIELDS = {
    "name": "name",
    "region": "location",
    "vnet": "properties.ipConfigurations[0].properties.subnet.id",
    "gateway_type": "properties.gatewayType",
    "sku": "properties.sku.name",
    "generation": "properties.vpnGatewayGeneration",
    "public_ip_name": "properties.ipConfigurations[0].properties.publicIPAddress.id",
    "bgp_enabled": "properties.enableBgp",
    "bgp_asn": "properties.bgpSettings.asn",
    "active_active": "properties.activeActive",
    "address_pool": "properties.vpnClientConfiguration.vpnClientAddressPool.addressPrefixes",
    "tunnel_type": "properties.vpnClientConfiguration.vpnClientProtocols",
    "auth_type": "properties.vpnClientConfiguration.vpnAuthenticationTypes",
    "root_certificates": "properties.vpnClientConfiguration.vpnClientRootCertificates",
}
# The portal's authentication choices and ARM's vpnAuthenticationTypes values.
_AUTH_TYPES = {"certificate": "Certificate", "radius": "Radius", "aad": "AAD"}
PUBLIC_IP_TYPE = "Microsoft.Network/publicIPAddresses"


def _public_ip_name(gateway: VirtualNetworkGateway) -> str:
    # A gateway always has a public IP in Azure; one made without a name (the
    # seed's) is given the name the create wizard would suggest.
    return gateway.public_ip_name or f"{gateway.name}-ip"


def _tunnel_type(protocols: list[str]) -> str | None:
    """The portal's tunnel type choice for ARM's vpnClientProtocols."""
    wanted = {p.lower() for p in protocols}
    return next(
        (key for key, (_, values) in gateway_services.TUNNEL_TYPES.items() if {v.lower() for v in values} == wanted),
        None,
    )


def gateway_to_arm(gateway: VirtualNetworkGateway) -> dict:
    document = base_arm(gateway)
    properties = document["properties"]
    ip_config = {
        "privateIPAllocationMethod": "Dynamic",
        "subnet": {"id": f"{gateway.vnet.arm_id}/subnets/{gateway_services.GATEWAY_SUBNET}"},
        "publicIPAddress": {
            "id": f"{gateway.resource_group.arm_id}/providers/{PUBLIC_IP_TYPE}/{_public_ip_name(gateway)}"
        },
    }
    properties["ipConfigurations"] = [{"name": "default", "properties": ip_config}]
    if gateway.active_active and gateway.second_public_ip_name:
        # VPNGW-01: an active-active gateway's second instance has its own public IP.
        second = {
            **ip_config,
            "publicIPAddress": {
                "id": f"{gateway.resource_group.arm_id}/providers/{PUBLIC_IP_TYPE}/{gateway.second_public_ip_name}"
            },
        }
        properties["ipConfigurations"].append({"name": "activeActive", "properties": second})
    properties["sku"] = {"name": gateway.sku, "tier": gateway.sku}
    if gateway.enable_bgp and gateway.bgp_asn:
        properties["bgpSettings"] = {"asn": gateway.bgp_asn}
    if gateway.point_to_site_enabled:
        key = _tunnel_type(gateway.p2s_tunnel_types)
        properties["vpnClientConfiguration"] = {
            "vpnClientAddressPool": {"addressPrefixes": [gateway.p2s_address_pool]},
            # In the portal's order of the tunnel type, so a round trip keeps it.
            "vpnClientProtocols": list(gateway_services.TUNNEL_TYPES[key][1])
            if key
            else list(gateway.p2s_tunnel_types),
            "vpnAuthenticationTypes": [_AUTH_TYPES.get(gateway.p2s_auth_type, gateway.p2s_auth_type)],
            "vpnClientRootCertificates": [
                {"name": name, "properties": {"publicCertData": data}} for name, data in gateway.p2s_root_certificates
            ],
        }
    return document


def _point_to_site(doc: Document) -> gateway_services.PointToSite | None:
    base = "properties.vpnClientConfiguration"
    if doc.get(base, dict, None) is None:
        return None
    pools = doc.strings(f"{base}.vpnClientAddressPool.addressPrefixes")
    if len(pools) != 1:
        raise ArmError("Give one address pool.", resource=doc.name, path=f"{base}.vpnClientAddressPool.addressPrefixes")
    protocols = doc.strings(f"{base}.vpnClientProtocols", []) or ["SSTP"]
    tunnel_type = _tunnel_type(protocols)
    if tunnel_type is None:
        raise ArmError(
            f"{protocols} isn't a tunnel type the portal offers.", resource=doc.name, path=f"{base}.vpnClientProtocols"
        )
    auth_values = doc.strings(f"{base}.vpnAuthenticationTypes", []) or ["Certificate"]
    auth = next((key for key, value in _AUTH_TYPES.items() if value.lower() == auth_values[0].lower()), None)
    if auth is None or len(auth_values) != 1:
        raise ArmError(
            "Give one of Certificate, Radius or AAD.", resource=doc.name, path=f"{base}.vpnAuthenticationTypes"
        )
    certificates = []
    for path in doc.item_paths(f"{base}.vpnClientRootCertificates"):
        certificates.append((doc.get(f"{path}.name", str), doc.get(f"{path}.properties.publicCertData", str)))
    return gateway_services.PointToSite(
        address_pool=pools[0], tunnel_type=tunnel_type, auth_type=auth, root_certificates=tuple(certificates)
    )


CLASSIC_SUBNET_TYPE = "Microsoft.ClassicNetwork/virtualNetworks/subnets"


def _gateway_subnet(ctx: DeployContext, doc: Document, path: str) -> Subnet:
    """The GatewaySubnet the ID names. A classic VNet's subnets are no
    resources of their own in the registry: the VNet is looked up instead."""
    parsed = ids.parse(doc.get(path, str), resource=doc.name, path=path)
    if parsed.arm_type.lower() != CLASSIC_SUBNET_TYPE.lower() or registry.find(CLASSIC_SUBNET_TYPE) is not None:
        return reference(ctx, doc, path, Subnet)
    vnet_id = str(
        ids.ResourceId(
            parsed.subscription_id, parsed.resource_group, parsed.arm_type.rsplit("/", 1)[0], parsed.names[:1]
        )
    )
    vnet = ctx.resolve(vnet_id, resource=doc.name, path=path)
    subnet = vnet.subnets.filter(name__iexact=parsed.name).first() if isinstance(vnet, VirtualNetwork) else None
    if subnet is None:
        raise ArmError(f"The resource '{doc.get(path, str)}' it refers to was not found.", resource=doc.name, path=path)
    return subnet


def gateway_from_arm(ctx: DeployContext, resource_group: ResourceGroup, document: dict) -> VirtualNetworkGateway:
    doc = Document(document)
    subnet_path = _GATEWAY_FIELDS["vnet"]
    subnet = _gateway_subnet(ctx, doc, subnet_path)
    if subnet.name.lower() != gateway_services.GATEWAY_SUBNET.lower():
        raise ArmError(
            "A virtual network gateway goes in the subnet named GatewaySubnet.", resource=doc.name, path=subnet_path
        )
    public_ip_path = _GATEWAY_FIELDS["public_ip_name"]
    public_ip = referenced_name(doc, public_ip_path, PUBLIC_IP_TYPE) if doc.get(public_ip_path, str, None) else ""
    gateway_type = doc.get("properties.gatewayType", str, "Vpn")
    sku = doc.get("properties.sku.name", str, "VpnGw1")
    p2s = _point_to_site(doc)
    with transaction.atomic(), refusals(doc, _GATEWAY_FIELDS):
        gateway = existing(VirtualNetworkGateway, resource_group, doc.name)
        if gateway is not None:
            unchangeable(doc, subnet_path, gateway.vnet, subnet.vnet)
            unchangeable(doc, "properties.gatewayType", gateway.gateway_type, gateway_type)
            if gateway.sku != sku:
                gateway_services.resize_gateway(gateway, sku)
        elif subnet.vnet.is_classic:
            gateway = gateway_services.create_classic_gateway(
                resource_group,
                name=doc.name,
                location=doc.location,
                vnet=subnet.vnet,
                sku=sku,
                public_ip_name=public_ip,
            )
        else:
            spec = gateway_services.GatewaySpec(
                name=doc.name,
                location=doc.location,
                vnet=subnet.vnet,
                gateway_type=gateway_type,
                vpn_type=doc.get("properties.vpnType", str, "RouteBased"),
                sku=sku,
                generation=doc.get("properties.vpnGatewayGeneration", str, "Generation1"),
                public_ip_name=public_ip or f"{doc.name}-ip",
                active_active=doc.get("properties.activeActive", bool, False),
                bgp_enabled=doc.get("properties.enableBgp", bool, False),
                bgp_asn=doc.get("properties.bgpSettings.asn", int, 65515),
            )
            gateway = gateway_services.create_gateway(resource_group, spec)
        wait_for(gateway)
        if p2s is not None:
            gateway_services.save_point_to_site(gateway, p2s)
        elif gateway.point_to_site_enabled:
            # A PUT replaces the document: no vpnClientConfiguration, no point-to-site.
            gateway_services.remove_point_to_site(gateway)
    gateway.refresh_from_db()
    return gateway


# --- Local network gateways, connections, ExpressRoute circuits ------------------------

_LOCAL_FIELDS = {
    "name": "name",
    "region": "location",
    "ip_address": "properties.gatewayIpAddress",
    "address_prefixes": "properties.localNetworkAddressSpace.addressPrefixes",
    "bgp_asn": "properties.bgpSettings.asn",
    "bgp_peer_ip": "properties.bgpSettings.bgpPeeringAddress",
}


def local_gateway_to_arm(gateway: LocalNetworkGateway) -> dict:
    return base_arm(gateway)


def local_gateway_from_arm(ctx: DeployContext, resource_group: ResourceGroup, document: dict) -> LocalNetworkGateway:
    doc = Document(document)
    bgp = doc.get("properties.bgpSettings", dict, None) is not None
    spec = gateway_services.LocalGatewaySpec(
        ip_address=doc.get("properties.gatewayIpAddress", str),
        address_prefixes=tuple(doc.strings("properties.localNetworkAddressSpace.addressPrefixes", [])),
        bgp_enabled=bgp,
        bgp_asn=doc.get("properties.bgpSettings.asn", int) if bgp else None,
        bgp_peer_ip=doc.get("properties.bgpSettings.bgpPeeringAddress", str) if bgp else "",
    )
    with transaction.atomic(), refusals(doc, _LOCAL_FIELDS):
        gateway = existing(LocalNetworkGateway, resource_group, doc.name)
        if gateway is None:
            return gateway_services.create_local_gateway(
                resource_group, name=doc.name, location=doc.location, spec=spec
            )
        gateway_services.update_local_gateway(gateway, spec)
    gateway.refresh_from_db()
    return gateway


_CONNECTION_FIELDS = {
    "name": "name",
    "connection_type": "properties.connectionType",
    "local_gateway": "properties.localNetworkGateway2.id",
    "circuit": "properties.peer.id",
    "shared_key": "properties.sharedKey",
    "enable_bgp": "properties.enableBgp",
}


def connection_to_arm(connection: VirtualNetworkGatewayConnection) -> dict:
    # The shared key is a secret: JSON View and Export template leave it out.
    return base_arm(connection)


def connection_from_arm(
    ctx: DeployContext, resource_group: ResourceGroup, document: dict
) -> VirtualNetworkGatewayConnection:
    doc = Document(document)
    gateway = reference(ctx, doc, "properties.virtualNetworkGateway1.id", VirtualNetworkGateway)
    connection_type = doc.get("properties.connectionType", str)
    local = circuit = None
    if connection_type == "IPsec":
        local = reference(ctx, doc, "properties.localNetworkGateway2.id", LocalNetworkGateway)
    elif connection_type == "ExpressRoute":
        circuit = reference(ctx, doc, "properties.peer.id", ExpressRouteCircuit)
    if gateway.resource_group_id != resource_group.pk:
        raise ArmError(
            "A connection is created in its gateway's resource group.",
            resource=doc.name,
            path="properties.virtualNetworkGateway1.id",
        )
    check_location(doc, gateway.location, "virtual network gateway")
    spec = gateway_services.ConnectionSpec(
        name=doc.name,
        connection_type=connection_type,
        local_gateway=local,
        circuit=circuit,
        # A template without the key (an export leaves it out) gets a new
        # one, as Azure generates one when none is given.
        shared_key=doc.get("properties.sharedKey", str, "") or secrets.token_urlsafe(24),
        enable_bgp=doc.get("properties.enableBgp", bool, False),
    )
    with transaction.atomic(), refusals(doc, _CONNECTION_FIELDS):
        connection = existing(VirtualNetworkGatewayConnection, resource_group, doc.name)
        if connection is None:
            return gateway_services.add_connection(gateway, spec)
    unchangeable(doc, "properties.virtualNetworkGateway1.id", connection.gateway, gateway)
    unchangeable(doc, "properties.connectionType", connection.connection_type, connection_type)
    unchangeable(doc, "properties.localNetworkGateway2.id", connection.local_network_gateway, local)
    unchangeable(doc, "properties.peer.id", connection.express_route_circuit, circuit)
    return connection


_CIRCUIT_FIELDS = {
    "name": "name",
    "region": "location",
    "provider": "properties.serviceProviderProperties.serviceProviderName",
    "peering_location": "properties.serviceProviderProperties.peeringLocation",
    "bandwidth": "properties.serviceProviderProperties.bandwidthInMbps",
    "advertised_prefixes": "tags.advertisedPrefixes",
}
# What on-premises advertises over the circuit's private peering is no
# property of the Azure resource; the lab keeps it in a tag so the template
# carries it without inventing an ARM property (ROUTE-27).
ADVERTISED_PREFIXES_TAG = "advertisedPrefixes"


def circuit_to_arm(circuit: ExpressRouteCircuit) -> dict:
    document = base_arm(circuit)
    document["sku"] = {"name": "Standard_MeteredData", "tier": "Standard", "family": "MeteredData"}
    if circuit.advertised_prefixes:
        document["tags"] = {**document["tags"], ADVERTISED_PREFIXES_TAG: ",".join(circuit.advertised_prefixes)}
    return document


def circuit_from_arm(ctx: DeployContext, resource_group: ResourceGroup, document: dict) -> ExpressRouteCircuit:
    doc = Document(document)
    base = "properties.serviceProviderProperties"
    prefixes = doc.get(f"tags.{ADVERTISED_PREFIXES_TAG}", str, "")
    spec = gateway_services.CircuitSpec(
        provider=doc.get(f"{base}.serviceProviderName", str),
        peering_location=doc.get(f"{base}.peeringLocation", str),
        bandwidth_mbps=doc.get(f"{base}.bandwidthInMbps", int),
        advertised_prefixes=tuple(p.strip() for p in prefixes.split(",") if p.strip()),
    )
    with transaction.atomic(), refusals(doc, _CIRCUIT_FIELDS):
        circuit = existing(ExpressRouteCircuit, resource_group, doc.name)
        if circuit is None:
            return gateway_services.create_circuit(resource_group, name=doc.name, location=doc.location, spec=spec)
    # The lab has no service that changes a circuit: the same one is fine.
    unchangeable(doc, f"{base}.serviceProviderName", circuit.service_provider, spec.provider)
    unchangeable(doc, f"{base}.peeringLocation", circuit.peering_location, spec.peering_location)
    unchangeable(doc, f"{base}.bandwidthInMbps", circuit.bandwidth_mbps, spec.bandwidth_mbps)
    unchangeable(doc, f"tags.{ADVERTISED_PREFIXES_TAG}", circuit.advertised_prefixes, list(spec.advertised_prefixes))
    return circuit


# --- Private DNS zones, record sets, virtual network links -----------------------------

ZONE_TYPE = PrivateDnsZone.arm_type
LINK_TYPE = f"{ZONE_TYPE}/virtualNetworkLinks"
RECORD_TYPES = [t for t, _ in PrivateDnsRecordSet.TYPES]
# ARM's array of each record type, and how one record reads in the portal's
# one-value-a-line form (what dns_services.parse_records takes).
_RECORD_ARRAYS = {
    "A": "aRecords",
    "AAAA": "aaaaRecords",
    "MX": "mxRecords",
    "PTR": "ptrRecords",
    "SRV": "srvRecords",
    "TXT": "txtRecords",
}


def zone_to_arm(zone: PrivateDnsZone) -> dict:
    document = base_arm(zone)
    document["properties"]["maxNumberOfRecordSets"] = dns_services.MAX_RECORD_SETS_PER_ZONE
    document["properties"]["maxNumberOfVirtualNetworkLinks"] = dns_services.MAX_LINKS_PER_ZONE
    return document


def zone_from_arm(ctx: DeployContext, resource_group: ResourceGroup, document: dict) -> PrivateDnsZone:
    doc = Document(document)
    if doc.get("location", str, "global").lower() != "global":
        raise ArmError("A private DNS zone's location is 'global'.", resource=doc.name, path="location")
    with transaction.atomic(), refusals(doc, {"name": "name"}):
        zone = existing(PrivateDnsZone, resource_group, doc.name.rstrip("."))
        return zone or dns_services.create_zone(resource_group, name=doc.name)


def zone_export(zone: PrivateDnsZone) -> list[dict]:
    """Export template writes the zone, then its record sets (not those
    auto-registration keeps, PEDNS-23) and its links as resources of their own."""
    records = zone.record_sets.filter(auto_registered=False)
    links = zone.links.select_related("vnet__resource_group__subscription")
    return [zone_to_arm(zone), *(record_set_to_arm(r) for r in records), *(link_to_arm(link) for link in links)]


def _record_values(record_set: PrivateDnsRecordSet) -> dict:
    kind, values = record_set.record_type, record_set.records
    if kind == "SOA":
        return {"soaRecord": dict(values[0])}
    if kind == "CNAME":
        return {"cnameRecord": {"cname": values[0]}}
    if kind == "A":
        items = [{"ipv4Address": v} for v in values]
    elif kind == "AAAA":
        items = [{"ipv6Address": v} for v in values]
    elif kind == "MX":
        items = [{"preference": int(v.split()[0]), "exchange": v.split()[1]} for v in values]
    elif kind == "PTR":
        items = [{"ptrdname": v} for v in values]
    elif kind == "SRV":
        items = [
            {"priority": int(p), "weight": int(w), "port": int(port), "target": target}
            for p, w, port, target in (v.split() for v in values)
        ]
    else:
        items = [{"value": [v]} for v in values]
    return {_RECORD_ARRAYS[kind]: items}


def record_set_to_arm(record_set: PrivateDnsRecordSet) -> dict:
    zone = record_set.zone
    kind = record_set.record_type
    fqdn = f"{zone.name}." if record_set.name == "@" else f"{record_set.name}.{zone.name}."
    return {
        "id": f"{zone.arm_id}/{kind}/{record_set.name}",
        "name": record_set.name,
        "type": f"{ZONE_TYPE}/{kind}",
        "properties": {
            "ttl": record_set.ttl,
            "fqdn": fqdn,
            "isAutoRegistered": record_set.auto_registered,
            **_record_values(record_set),
        },
    }


def _record_lines(doc: Document, kind: str) -> list[str]:
    """ARM's records of ``kind`` as the lines the portal's form takes."""
    if kind == "CNAME":
        return [doc.get("properties.cnameRecord.cname", str)]
    array = f"properties.{_RECORD_ARRAYS[kind]}"
    lines = []
    for item in doc.item_paths(array):
        if kind == "A":
            lines.append(doc.get(f"{item}.ipv4Address", str))
        elif kind == "AAAA":
            lines.append(doc.get(f"{item}.ipv6Address", str))
        elif kind == "MX":
            lines.append(f"{doc.get(f'{item}.preference', int)} {doc.get(f'{item}.exchange', str)}")
        elif kind == "PTR":
            lines.append(doc.get(f"{item}.ptrdname", str))
        elif kind == "SRV":
            numbers = [str(doc.get(f"{item}.{key}", int)) for key in ("priority", "weight", "port")]
            lines.append(" ".join([*numbers, doc.get(f"{item}.target", str)]))
        else:
            lines.append("".join(doc.strings(f"{item}.value")))
    return lines


def record_set_from_arm(ctx: DeployContext, resource_group: ResourceGroup, document: dict) -> PrivateDnsRecordSet:
    doc = Document(document)
    kind = doc.get("type", str).rsplit("/", 1)[-1].upper()
    if kind not in RECORD_TYPES:
        raise ArmError(f"'{kind}' isn't a record type of private DNS zones.", resource=doc.name, path="type")
    zone_name, name = doc.child_names(2)
    zone = parent(ctx, resource_group, doc, PrivateDnsZone, zone_name)
    if kind == "SOA":
        return _soa_from_arm(doc, zone, name)
    lines = _record_lines(doc, kind)
    fields = {
        "record_name": "name",
        "record_type": "type",
        "ttl": "properties.ttl",
        "records": f"properties.{_RECORD_ARRAYS.get(kind, 'cnameRecord')}",
    }
    with transaction.atomic(), refusals(doc, fields):
        original = PrivateDnsRecordSet.objects.filter(zone=zone, name__iexact=name, record_type=kind).first()
        return dns_services.save_record_set(
            zone,
            name=name,
            record_type=kind,
            ttl=doc.get("properties.ttl", int, 3600),
            ttl_unit="Seconds",
            records=lines,
            original=original,
        )


def _soa_from_arm(doc: Document, zone: PrivateDnsZone, name: str) -> PrivateDnsRecordSet:
    """The zone's own SOA record set '@' takes the template's TTL, email and
    timers (PDNS-01): a template can't add a second one."""
    if name != "@":
        raise ArmError("A private zone's SOA record set is named '@'.", resource=doc.name, path="name")
    given = {
        key: doc.get(f"properties.soaRecord.{key}", str if key == "email" else int, None)
        for key in dns_services.SOA_EDITABLE
    }
    soa = {key: value for key, value in given.items() if value is not None}
    record_set = PrivateDnsRecordSet.objects.get(zone=zone, name="@", record_type="SOA")
    with transaction.atomic(), refusals(doc, {"ttl": "properties.ttl"}):
        return dns_services.update_soa(record_set, ttl=doc.get("properties.ttl", int, record_set.ttl), soa=soa)


def find_record_set(sandbox: Any, resource_id: ids.ResourceId) -> PrivateDnsRecordSet | None:
    record_type = resource_id.arm_type.rsplit("/", 1)[-1].upper()
    return find_child(PrivateDnsRecordSet, "zone", sandbox, resource_id, record_type=record_type)


def link_to_arm(link: VirtualNetworkLink) -> dict:
    return {
        "id": f"{link.zone.arm_id}/virtualNetworkLinks/{link.name}",
        "name": link.name,
        "type": LINK_TYPE,
        "location": "global",
        "tags": {},
        "properties": {
            "provisioningState": "Succeeded",
            "virtualNetwork": {"id": link.vnet.arm_id},
            "registrationEnabled": link.registration_enabled,
            "resolutionPolicy": link.resolution_policy,
            "virtualNetworkLinkState": "Completed",
        },
    }


_LINK_FIELDS = {
    "link_name": "name",
    "vnet": "properties.virtualNetwork.id",
    "registration": "properties.registrationEnabled",
    "fallback": "properties.resolutionPolicy",
}


def link_from_arm(ctx: DeployContext, resource_group: ResourceGroup, document: dict) -> VirtualNetworkLink:
    doc = Document(document)
    zone_name, name = doc.child_names(2)
    zone = parent(ctx, resource_group, doc, PrivateDnsZone, zone_name)
    vnet = reference(ctx, doc, "properties.virtualNetwork.id", VirtualNetwork)
    registration = doc.get("properties.registrationEnabled", bool, False)
    policy = doc.get("properties.resolutionPolicy", str, "Default")
    if policy not in ("Default", "NxDomainRedirect"):
        raise ArmError("Expected Default or NxDomainRedirect.", resource=doc.name, path="properties.resolutionPolicy")
    with transaction.atomic(), refusals(doc, _LINK_FIELDS):
        link = VirtualNetworkLink.objects.filter(zone=zone, name__iexact=name).first()
        if link is None:
            return dns_services.create_link(
                zone, name=name, vnet=vnet, registration_enabled=registration, fallback_to_internet=policy != "Default"
            )
    unchangeable(doc, "properties.virtualNetwork.id", link.vnet, vnet)
    unchangeable(doc, "properties.registrationEnabled", link.registration_enabled, registration)
    unchangeable(doc, "properties.resolutionPolicy", link.resolution_policy, policy)
    return link


def find_link(sandbox: Any, resource_id: ids.ResourceId) -> VirtualNetworkLink | None:
    return find_child(VirtualNetworkLink, "zone", sandbox, resource_id)


# --- Private endpoints and their DNS zone groups ---------------------------------------

ENDPOINT_TYPE = PrivateEndpoint.arm_type
ZONE_GROUP_TYPE = f"{ENDPOINT_TYPE}/privateDnsZoneGroups"
ZONE_GROUP_NAME = "default"  # the name the portal gives an endpoint's zone group
_ENDPOINT_FIELDS = {
    "name": "name",
    "region": "location",
    "subnet": "properties.subnet.id",
    "target": "properties.privateLinkServiceConnections[0].properties.privateLinkServiceId",
    "group_id": "properties.privateLinkServiceConnections[0].properties.groupIds",
    "request_message": "properties.privateLinkServiceConnections[0].properties.requestMessage",
    "static_ip": "properties.ipConfigurations[0].properties.privateIPAddress",
}
IP_CONFIGS = "properties.ipConfigurations"


def _static_ip(doc: Document, group_id: str, target: Any) -> str:
    """A static address (PRIVIP-01): ipConfigurations[] holds one entry, for
    the sub-resource's member (groupId, memberName); none is dynamic."""
    configs = doc.item_paths(IP_CONFIGS)
    if not configs:
        return ""
    member = endpoint_services.kind_of(target).member_name if target is not None else ""
    if len(configs) != 1:
        raise ArmError(f"Give one IP configuration, for member '{member}'.", resource=doc.name, path=IP_CONFIGS)
    base = f"{configs[0]}.properties"
    for key, wanted in (("groupId", group_id), ("memberName", member)):
        if doc.get(f"{base}.{key}", str, "") != wanted:
            raise ArmError(f"The IP configuration's {key} must be '{wanted}'.", resource=doc.name, path=f"{base}.{key}")
    return doc.get(f"{base}.privateIPAddress", str, "")


def endpoint_to_arm(endpoint: PrivateEndpoint) -> dict:
    document = base_arm(endpoint)
    target = endpoint.target
    connection = {
        "name": endpoint.name,
        "properties": {
            "privateLinkServiceId": target.arm_id if target is not None else "",
            "groupIds": [endpoint.group_id],
            "privateLinkServiceConnectionState": {"status": endpoint.connection_state},
        },
    }
    if endpoint.request_message:
        connection["properties"]["requestMessage"] = endpoint.request_message
    # A connection waiting for the owner's approval was requested by resource
    # ID or alias: ARM lists it among the manual ones (PEDNS-30).
    manual = endpoint.connection_state == "Pending"
    document["properties"]["privateLinkServiceConnections"] = [] if manual else [connection]
    document["properties"]["manualPrivateLinkServiceConnections"] = [connection] if manual else []
    return document


def endpoint_from_arm(ctx: DeployContext, resource_group: ResourceGroup, document: dict) -> PrivateEndpoint:
    doc = Document(document)
    manual = bool(doc.objects("properties.manualPrivateLinkServiceConnections"))
    key = "manualPrivateLinkServiceConnections" if manual else "privateLinkServiceConnections"
    base = f"properties.{key}[0].properties"
    if len(doc.objects(f"properties.{key}")) != 1:
        raise ArmError("Give one private link service connection.", resource=doc.name, path=f"properties.{key}")
    subnet = reference(ctx, doc, "properties.subnet.id", Subnet)
    target_types = tuple(kind.model for kind in endpoint_services.TARGET_KINDS.values())
    target = reference(ctx, doc, f"{base}.privateLinkServiceId", target_types)
    group_ids = doc.strings(f"{base}.groupIds")
    if len(group_ids) != 1:
        raise ArmError("Give one target sub-resource.", resource=doc.name, path=f"{base}.groupIds")
    private_ip = _static_ip(doc, group_ids[0], target)
    fields = {k: v.replace("privateLinkServiceConnections", key) for k, v in _ENDPOINT_FIELDS.items()}
    with transaction.atomic(), refusals(doc, fields):
        endpoint = existing(PrivateEndpoint, resource_group, doc.name)
        if endpoint is None:
            return endpoint_services.create_endpoint(
                resource_group,
                name=doc.name,
                location=doc.location,
                target=target,
                group_id=group_ids[0],
                subnet=subnet,
                # The zone group is a resource of its own in a template.
                integrate_dns=False,
                manual=manual,
                request_message=doc.get(f"{base}.requestMessage", str, ""),
                private_ip=private_ip,
            )
    unchangeable(doc, "properties.subnet.id", endpoint.subnet, subnet)
    if private_ip:
        unchangeable(doc, _ENDPOINT_FIELDS["static_ip"], endpoint.nic.private_ip, private_ip)
    unchangeable(doc, f"{base}.privateLinkServiceId", endpoint.target, target)
    return endpoint


def endpoint_export(endpoint: PrivateEndpoint) -> list[dict]:
    """The endpoint, then its DNS zone group as a resource of its own."""
    group = [zone_group_to_arm(ZoneGroup(endpoint))] if endpoint.dns_zones.exists() else []
    return [endpoint_to_arm(endpoint), *group]


class ZoneGroup:
    """A private endpoint's DNS zone group: the zones whose A record it keeps
    (PEDNS-11, PEDNS-32). The lab holds it as the endpoint's ``dns_zones``."""

    arm_type = ZONE_GROUP_TYPE

    def __init__(self, endpoint: PrivateEndpoint) -> None:
        self.endpoint = endpoint
        self.name = ZONE_GROUP_NAME

    @property
    def arm_id(self) -> str:
        return f"{self.endpoint.arm_id}/privateDnsZoneGroups/{self.name}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ZoneGroup) and other.endpoint.pk == self.endpoint.pk

    def __hash__(self) -> int:
        return hash((ZoneGroup, self.endpoint.pk))


def zone_group_to_arm(group: ZoneGroup) -> dict:
    zones = group.endpoint.dns_zones.select_related("resource_group__subscription").order_by("name")
    return {
        "id": group.arm_id,
        "name": group.name,
        "type": ZONE_GROUP_TYPE,
        "properties": {
            "provisioningState": "Succeeded",
            "privateDnsZoneConfigs": [
                {"name": zone.name.replace(".", "-"), "properties": {"privateDnsZoneId": zone.arm_id}} for zone in zones
            ],
        },
    }


def zone_group_from_arm(ctx: DeployContext, resource_group: ResourceGroup, document: dict) -> ZoneGroup:
    doc = Document(document)
    endpoint_name, _ = doc.child_names(2)
    endpoint = parent(ctx, resource_group, doc, PrivateEndpoint, endpoint_name)
    configs = "properties.privateDnsZoneConfigs"
    zones = [
        reference(ctx, doc, f"{item}.properties.privateDnsZoneId", PrivateDnsZone) for item in doc.item_paths(configs)
    ]
    with transaction.atomic(), refusals(doc, {}, default=configs):
        attached = set(endpoint.dns_zones.values_list("pk", flat=True))
        for zone in zones:
            if zone.pk not in attached:
                endpoint_services.attach_zone(endpoint, zone)
    return ZoneGroup(endpoint)


def find_zone_group(sandbox: Any, resource_id: ids.ResourceId) -> ZoneGroup | None:
    endpoint_name, name = resource_id.names
    endpoint = PrivateEndpoint.objects.filter(
        sandbox=sandbox, resource_group__name__iexact=resource_id.resource_group, name__iexact=endpoint_name
    ).first()
    if endpoint is None or name.lower() != ZONE_GROUP_NAME or not endpoint.dns_zones.exists():
        return None
    return ZoneGroup(endpoint)


# --- PaaS targets: storage accounts, SQL servers, key vaults ----------------------------------

_TARGET_FIELDS = {
    "name": "name",
    "region": "location",
    "access": "properties.publicNetworkAccess",
    "subnet": "properties.networkAcls.virtualNetworkRules",
    "ip_rule": "properties.networkAcls.ipRules",
}


def target_to_arm(target: StorageAccount | SqlServer | KeyVault) -> dict:
    document = base_arm(target)
    properties = document["properties"]
    # With public access disabled nothing public gets in, whatever the default action said.
    properties["networkAcls"]["defaultAction"] = "Allow" if target_services.access_of(target) == "all" else "Deny"
    properties["networkAcls"]["bypass"] = "AzureServices"
    if isinstance(target, StorageAccount):
        document["kind"] = "StorageV2"
        document["sku"] = {"name": "Standard_LRS", "tier": "Standard"}
        properties["primaryEndpoints"] = {"blob": f"https://{target.host_name}/"}
        for rule in properties["networkAcls"]["virtualNetworkRules"]:
            rule["action"] = "Allow"
        for rule in properties["networkAcls"]["ipRules"]:
            rule["action"] = "Allow"
    elif isinstance(target, SqlServer):
        properties["fullyQualifiedDomainName"] = target.host_name
    else:
        properties["vaultUri"] = f"https://{target.host_name}/"
        properties["sku"] = {"family": "A", "name": "standard"}
    return document


def target_from_arm(ctx: DeployContext, resource_group: ResourceGroup, document: dict):
    doc = Document(document)
    model = {m.arm_type.lower(): m for m in (StorageAccount, SqlServer, KeyVault)}.get(doc.get("type", str).lower())
    if model is None:
        raise ArmError("Expected a storage account, SQL server or key vault.", resource=doc.name, path="type")
    public = doc.get("properties.publicNetworkAccess", str, "Enabled")
    if public not in ("Enabled", "Disabled"):
        raise ArmError("Expected Enabled or Disabled.", resource=doc.name, path="properties.publicNetworkAccess")
    default_action = doc.get("properties.networkAcls.defaultAction", str, "Allow")
    if default_action not in ("Allow", "Deny"):
        raise ArmError("Expected Allow or Deny.", resource=doc.name, path="properties.networkAcls.defaultAction")
    access = "disabled" if public == "Disabled" else "selected" if default_action == "Deny" else "all"
    rules_path = "properties.networkAcls.virtualNetworkRules"
    subnets = [reference(ctx, doc, f"{item}.id", Subnet) for item in doc.item_paths(rules_path)]
    ip_path = "properties.networkAcls.ipRules"
    ip_rules = [doc.get(f"{item}.value", str) for item in doc.item_paths(ip_path)]
    with transaction.atomic(), refusals(doc, _TARGET_FIELDS):
        target = model.objects.filter(sandbox=resource_group.subscription.sandbox, name__iexact=doc.name).first()
        if target is None:
            target = target_services.create_target(model, resource_group, name=doc.name, location=doc.location)
        elif target.resource_group_id != resource_group.pk:
            raise ArmError(
                f"'{doc.name}' already exists in resource group '{target.resource_group.name}'.",
                resource=doc.name,
                path="name",
            )
        if target_services.access_of(target) != access:
            target_services.set_public_access(target, access)
        current = set(target.vnet_rules.values_list("pk", flat=True))
        for subnet in subnets:
            if subnet.pk not in current:
                target_services.add_vnet_rule(target, subnet)
        for pk in current - {s.pk for s in subnets}:
            target_services.remove_vnet_rule(target, pk)
        wanted = [target_services.parse_ip_rule(rule) for rule in ip_rules]
        for rule in [r for r in target.ip_rules if r not in wanted]:
            target_services.remove_ip_rule(target, rule)
        for rule in wanted:
            if rule not in target.ip_rules:
                target_services.add_ip_rule(target, rule)
    return target


# --- Registration ---------------------------------------------------------------------------


def register_arm() -> None:
    """ARM JSON in and out on the types networking/resources.py declares
    (and the DNS zone group, which it doesn't: the lab keeps it as the
    endpoint's zones)."""
    if registry.find(ZONE_GROUP_TYPE) is None:
        registry.register(
            ResourceType(
                arm_type=ZONE_GROUP_TYPE,
                api_version=registry.get(ENDPOINT_TYPE).api_version,
                label="Private DNS zone group",
                icon="bi-dot",
                model="networking.PrivateEndpoint",
                listed=False,
            )
        )
    attach(VirtualNetworkGateway.arm_type, gateway_to_arm, gateway_from_arm, delete=gateway_services.delete_gateway)
    attach(
        LocalNetworkGateway.arm_type,
        local_gateway_to_arm,
        local_gateway_from_arm,
        delete=gateway_services.delete_local_gateway,
    )
    attach(
        VirtualNetworkGatewayConnection.arm_type,
        connection_to_arm,
        connection_from_arm,
        delete=gateway_services.delete_connection,
    )
    attach(ExpressRouteCircuit.arm_type, circuit_to_arm, circuit_from_arm, delete=gateway_services.delete_circuit)
    attach(ZONE_TYPE, zone_to_arm, zone_from_arm, export=zone_export, delete=dns_services.delete_zone)
    attach(LINK_TYPE, link_to_arm, link_from_arm, find=find_link, delete=dns_services.delete_link)
    for kind in RECORD_TYPES:
        attach(
            f"{ZONE_TYPE}/{kind}",
            record_set_to_arm,
            record_set_from_arm,
            find=find_record_set,
            delete=dns_services.delete_record_set,
        )
    attach(
        ENDPOINT_TYPE, endpoint_to_arm, endpoint_from_arm, export=endpoint_export, delete=endpoint_services.delete_endpoint
    )
    attach(ZONE_GROUP_TYPE, zone_group_to_arm, zone_group_from_arm, find=find_zone_group)
    for model in (StorageAccount, SqlServer, KeyVault):
        attach(model.arm_type, target_to_arm, target_from_arm, delete=target_services.delete_target)


def attach(
    arm_type: str,
    to_arm: Callable[[Any], dict],
    from_arm: Callable[..., Any],
    *,
    find: Callable[[Any, Any], Any] | None = None,
    export: Callable[[Any], list[dict]] | None = None,
    managed_groups: Callable[[Any], list[str]] | None = None,
    delete: Callable[[Any], None] | None = None,
) -> None:
    """Set ARM JSON in and out (and a child type's ``find``, Export
    template's documents, the groups a resource makes, the delete service
    an ARM DELETE calls) on a registered type."""
    resource_type = registry.get(arm_type)
    resource_type.to_arm, resource_type.from_arm = to_arm, from_arm
    if find is not None:
        resource_type.find = find
    if export is not None:
        resource_type.export = export
    if managed_groups is not None:
        resource_type.managed_groups = managed_groups
    if delete is not None:
        resource_type.delete = delete
