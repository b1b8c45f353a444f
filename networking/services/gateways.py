"""State changes of on-premises connectivity: virtual network gateways (VPN
and ExpressRoute, with point-to-site), local network gateways, connections
and ExpressRoute circuits, validated as Azure does.

A gateway create is a long-running operation (ASGW-12): its provisioning
state is derived from the time of its Operation rows, never stored, so a
server that dies mid-create never leaves a gateway "Updating" forever.
"""

import base64
import binascii
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from ipaddress import IPv4Network

from django.db import transaction
from django.utils import timezone

from networking.engine import addressing
from networking.models import (
    ExpressRouteCircuit,
    LocalNetworkGateway,
    Subnet,
    VirtualNetwork,
    VirtualNetworkGateway,
    VirtualNetworkGatewayConnection,
    VirtualNetworkPeering,
)
from networking.services.vnets import validate_subnet_prefix
from portal import services as portal_services
from portal.errors import ERR_TEXT, AzureRuleError, rule_error
from portal.models import REGIONS, NotificationLevel, Operation, ResourceGroup
from portal.naming import NameRule
from portal.registry import registry
from portal.resources import resource_url

GATEWAY_SUBNET = "GatewaySubnet"
SUGGESTED_GATEWAY_SUBNET_PREFIX = 27
SMALLEST_GATEWAY_SUBNET_PREFIX = 29
MAX_ROOT_CERTIFICATES = 20  # LIMIT-24
MAX_PREFIXES = 200  # rows of an address-space list the forms accept
GATEWAY_OPERATIONS = ("gateway-create",)

VPN_SKUS = (
    "Basic",
    "VpnGw1",
    "VpnGw2",
    "VpnGw3",
    "VpnGw4",
    "VpnGw5",
    "VpnGw1AZ",
    "VpnGw2AZ",
    "VpnGw3AZ",
    "VpnGw4AZ",
    "VpnGw5AZ",
)
ER_SKUS = ("Standard", "HighPerformance", "UltraPerformance", "ErGw1AZ", "ErGw2AZ", "ErGw3AZ")
SKUS_BY_TYPE = {"Vpn": VPN_SKUS, "ExpressRoute": ER_SKUS}
GENERATION1_ONLY = {"Basic", "VpnGw1", "VpnGw1AZ"}
# VPNGW-02 (lab): the "Availability zone" of an AZ SKU's public IPs; Zone-redundant by default.
ZONE_REDUNDANT = "Zone-redundant"
AVAILABILITY_ZONES = (ZONE_REDUNDANT, "1", "2", "3")


def is_az_sku(sku: str) -> bool:
    """VPNGW-02: the zone-redundant SKUs (VpnGw1AZ-VpnGw5AZ, ErGw1AZ-ErGw3AZ)."""
    return sku.endswith("AZ")


TUNNEL_TYPES = {
    "OpenVPN": ("OpenVPN (SSL)", ["OpenVPN"]),
    "SSTP": ("SSTP (SSL)", ["SSTP"]),
    "IkeV2": ("IKEv2", ["IKEv2"]),
    "IkeV2OpenVPN": ("IKEv2 and OpenVPN (SSL)", ["IKEv2", "OpenVPN"]),
    "IkeV2SSTP": ("IKEv2 and SSTP (SSL)", ["IKEv2", "SSTP"]),
}
AUTH_TYPES = {
    "certificate": "Azure certificate",
    "radius": "RADIUS authentication",
    "aad": "Azure Active Directory",
}

# Azure's naming rules for these resources (lab IDs, listed in docs/fidelity.md:
# the catalogue has no naming section).
_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9_])?$")
_NAME_TEXT = "letters, digits, underscores, periods and hyphens; start with a letter or digit and end with a letter, digit or underscore"
NAME_RULES = {
    "peering": NameRule("NAMING-30", "Peering link", 1, 80, _NAME, _NAME_TEXT),
    "gateway": NameRule("NAMING-31", "Virtual network gateway", 1, 80, _NAME, _NAME_TEXT),
    "local_gateway": NameRule("NAMING-32", "Local network gateway", 1, 80, _NAME, _NAME_TEXT),
    "connection": NameRule("NAMING-33", "Connection", 1, 80, _NAME, _NAME_TEXT),
    "circuit": NameRule("NAMING-34", "ExpressRoute circuit", 1, 80, _NAME, _NAME_TEXT),
    "public_ip": NameRule("NAMING-35", "Public IP address", 1, 80, _NAME, _NAME_TEXT),
}

# §16 texts this family uses; portal.errors.ERR_TEXT wins once it lists them.
_ERR_TEXT = {
    "ERR-22": "'{vnetA}' and '{vnetB}' can't be peered: their address spaces overlap.",
    "ERR-24": "Only one peering of '{vnet}' can use remote gateways.",
}


def err(err_id: str, *rule_ids: str, field: str | None = None, **values: object) -> AzureRuleError:
    """A §16 refusal, whether or not portal.errors has its text yet."""
    template = ERR_TEXT.get(err_id) or _ERR_TEXT[err_id]
    return AzureRuleError(template.format(**values), rule_ids=rule_ids, err_id=err_id, field=field)


def validate_resource_name(kind: str, value: str, field: str = "name") -> str:
    rule = NAME_RULES[kind]
    name = (value or "").strip()
    if not name:
        raise rule_error(f"{rule.kind} name is required.", rule.rule_id, field=field)
    if not (rule.min_len <= len(name) <= rule.max_len):
        raise rule_error(
            f"The name must be between {rule.min_len} and {rule.max_len} characters long.", rule.rule_id, field=field
        )
    if not name.isascii() or not rule.pattern.match(name):
        raise rule_error(f"The name can contain only {rule.description}.", rule.rule_id, field=field)
    return name


# What a name taken in the resource group is refused with, by type.
_TAKEN = {
    VirtualNetworkGateway: ("A virtual network gateway", "NAMING-31"),
    LocalNetworkGateway: ("A local network gateway", "NAMING-32"),
    ExpressRouteCircuit: ("An ExpressRoute circuit", "NAMING-34"),
}


def check_name_free(model: type, rg: ResourceGroup | None, name: str) -> None:
    """Refuse a name the type already uses in the resource group. Reads only:
    Review + create runs it as Create does. A group still to be made (None)
    holds nothing yet."""
    if rg is None or rg.pk is None:
        return
    if model.objects.filter(resource_group=rg, name__iexact=name).exists():
        label, rule_id = _TAKEN[model]
        raise rule_error(f"{label} named '{name}' already exists in '{rg.name}'.", rule_id, field="name")


def _check_region(location: str) -> None:
    if location not in REGIONS:
        # A choice of the form, not an Azure rule: no rule ID to cite.
        raise rule_error("Choose a region.", field="region")


def parse_prefix_list(texts: list[str], field: str, *, rule: str) -> list[str]:
    """IPv4 CIDRs, each valid and listed once."""
    seen: list[IPv4Network] = []
    for text in texts[:MAX_PREFIXES]:
        try:
            network = addressing.parse_cidr(text)
        except addressing.AddressError as exc:
            raise rule_error(str(exc), rule, field=field) from None
        if network.version != 4:
            raise rule_error(f"'{network}' is IPv6. Enter IPv4 address prefixes.", rule, field=field)
        if network in seen:
            raise rule_error(f"'{network}' is listed twice.", rule, field=field)
        seen.append(network)
    return [str(n) for n in seen]


def validate_asn(value: int | None, field: str) -> int:
    # The portal's own range check (a 32-bit ASN, 0 and 4294967295 excluded).
    if value is None or not (1 <= value <= 4294967294):
        raise rule_error("Enter an ASN between 1 and 4294967294.", "ROUTE-07", field=field)
    return value


# --- Provisioning state, derived from time --------------------------------------------


def gateway_states(gateways: Iterable[VirtualNetworkGateway], now: datetime | None = None) -> dict[int, str]:
    """'Updating' or 'Succeeded' for each gateway, from its operations' end
    times (one query for any number of gateways)."""
    gateways = list(gateways)
    if not gateways:
        return {}
    now = now or timezone.now()
    busy_ids = set(
        Operation.objects.filter(
            sandbox_id=gateways[0].sandbox_id,
            kind__in=GATEWAY_OPERATIONS,
            resource_id__in=[g.arm_id for g in gateways],
            ends_at__gt=now,
        ).values_list("resource_id", flat=True)
    )
    return {g.pk: "Updating" if g.arm_id in busy_ids else "Succeeded" for g in gateways}


def gateway_state(gateway: VirtualNetworkGateway, now: datetime | None = None) -> str:
    return gateway_states([gateway], now)[gateway.pk]


def _refuse_while_updating(gateway: VirtualNetworkGateway, field: str | None = None) -> None:
    if gateway_state(gateway) == "Updating":
        raise rule_error(
            f"Virtual network gateway '{gateway.name}' is still being created. Wait until its status is Succeeded.",
            "ASGW-12",
            field=field,
        )


# --- Virtual network gateways ------------------------------------------------------------


@dataclass(frozen=True)
class GatewaySpec:
    name: str
    location: str
    vnet: VirtualNetwork | None
    gateway_type: str = "Vpn"
    vpn_type: str = "RouteBased"
    sku: str = "VpnGw1"
    generation: str = "Generation1"
    gateway_subnet_prefix: str = ""
    public_ip_name: str = ""
    active_active: bool = False
    bgp_enabled: bool = False
    bgp_asn: int | None = 65515
    # The Current wizard's public IPs (portal-ui §6 [newer]): "Standard" (VPNGW-03),
    # an AZ SKU's "Availability zone" (VPNGW-02), an active-active gateway's second one (VPNGW-01).
    public_ip_sku: str = ""
    availability_zone: str = ""
    second_public_ip_name: str = ""


def gateway_subnet_of(vnet: VirtualNetwork) -> Subnet | None:
    return Subnet.objects.filter(vnet=vnet, name__iexact=GATEWAY_SUBNET).select_related("route_table").first()


def route_table_warning(subnet: Subnet | None) -> str:
    """ROUTE-26: a GatewaySubnet's route table must keep gateway routes and
    carry no 0.0.0.0/0 route (a note, as the portal doesn't refuse it)."""
    table = subnet.route_table if subnet is not None and subnet.route_table_id else None
    if table is None:
        return ""
    if table.disable_bgp_route_propagation:
        return f"Route table '{table.name}' on GatewaySubnet has \"Propagate gateway routes\" set to No. Never disable it on GatewaySubnet."
    if table.routes.filter(address_prefix="0.0.0.0/0").exists():
        return f"Route table '{table.name}' on GatewaySubnet has a 0.0.0.0/0 route. Don't send GatewaySubnet's default route elsewhere."
    return ""


def check_gateway(spec: GatewaySpec) -> str:
    """Every rule of "Create virtual network gateway"; returns the prefix of
    the GatewaySubnet to create ("" when the VNet has one)."""
    validate_resource_name("gateway", spec.name)
    _check_region(spec.location)
    if spec.gateway_type not in SKUS_BY_TYPE:
        raise rule_error("Choose a gateway type.", field="gateway_type")
    if spec.sku not in SKUS_BY_TYPE[spec.gateway_type]:
        raise rule_error(f"SKU '{spec.sku}' isn't offered for this gateway type.", field="sku")
    if spec.gateway_type == "Vpn" and spec.vpn_type == "PolicyBased" and spec.sku != "Basic":
        raise rule_error("A policy-based VPN gateway is available only with the Basic SKU.", field="sku")
    if spec.generation == "Generation2" and spec.sku in GENERATION1_ONLY:
        raise rule_error(f"SKU '{spec.sku}' is available only in Generation1.", field="generation")
    vnet = spec.vnet
    if vnet is None or vnet.is_classic:
        raise rule_error("Select a virtual network.", field="vnet")
    if vnet.location != spec.location:
        # VNET-03: a VNet lives in one region; its gateway is created there.
        raise rule_error(
            f"Virtual network '{vnet.name}' is in {vnet.region_label}. Choose a virtual network in the gateway's region.",
            "VNET-03",
            field="vnet",
        )
    if VirtualNetworkGateway.objects.filter(vnet=vnet).exists():
        # LIMIT-04/05: one VPN and one ExpressRoute gateway per VNet; the lab
        # models one gateway of either type (no coexistence).
        raise rule_error(
            f"Virtual network '{vnet.name}' already has a virtual network gateway. A virtual network has at most one.",
            "LIMIT-04",
            "LIMIT-05",
            field="vnet",
        )
    borrowing = VirtualNetworkPeering.objects.filter(vnet=vnet, use_remote_gateways=True).first()
    if borrowing is not None:
        raise rule_error(
            f"Peering '{borrowing.name}' of '{vnet.name}' uses the remote virtual network's gateway. "
            "A virtual network that uses a remote gateway can't have its own.",
            "VNET-11",
            field="vnet",
        )
    validate_resource_name("public_ip", spec.public_ip_name, field="public_ip_name")
    if spec.bgp_enabled:
        if spec.sku == "Basic":
            raise rule_error("The Basic SKU doesn't support BGP.", field="bgp_enabled")
        validate_asn(spec.bgp_asn, "bgp_asn")
    if spec.active_active and (spec.sku == "Basic" or spec.gateway_type != "Vpn"):
        raise rule_error("Active-active mode needs a VpnGw SKU.", field="active_active")
    check_gateway_public_ips(spec)
    if gateway_subnet_of(vnet) is not None:
        return ""
    existing = list(Subnet.objects.filter(vnet=vnet).values_list("name", "address_prefix"))
    return validate_subnet_prefix(
        vnet.name,
        vnet.address_space,
        existing,
        spec.gateway_subnet_prefix,
        largest_prefix=vnet.sandbox.rules.largest_subnet_prefix,
        min_prefix=SMALLEST_GATEWAY_SUBNET_PREFIX,
        min_prefix_rules=("SUBNET-03",),
        field="gateway_subnet_prefix",
    )


def check_gateway_public_ips(spec: GatewaySpec) -> None:
    """The Current wizard's public IP settings (portal-ui §6 [newer])."""
    if spec.public_ip_sku not in ("", "Standard"):
        raise rule_error(
            "A virtual network gateway's public IP address is Standard SKU.",
            "VPNGW-03",
            "PIP-01",
            field="public_ip_sku",
        )
    if spec.availability_zone:
        if spec.availability_zone not in AVAILABILITY_ZONES:
            raise rule_error("Choose Zone-redundant or zone 1, 2 or 3.", "VPNGW-02", field="availability_zone")
        if not is_az_sku(spec.sku):
            raise rule_error(
                f"SKU '{spec.sku}' isn't zone-redundant: choose an AZ SKU (such as VpnGw1AZ) for an availability zone.",
                "VPNGW-02",
                field="availability_zone",
            )
    if spec.active_active and spec.public_ip_sku == "Standard" and not spec.second_public_ip_name.strip():
        # The Current wizard (Standard public IPs) asks both addresses of an active-active gateway.
        raise rule_error(
            "Second Public IP address name is required: an active-active gateway has two public IP addresses.",
            "VPNGW-01",
            field="second_public_ip_name",
        )
    if spec.second_public_ip_name:
        if not spec.active_active:
            raise rule_error(
                "A second public IP address is for active-active mode: enable it or leave the name empty.",
                "VPNGW-01",
                field="second_public_ip_name",
            )
        second = validate_resource_name("public_ip", spec.second_public_ip_name, field="second_public_ip_name")
        if second.lower() == spec.public_ip_name.strip().lower():
            raise rule_error(
                f"'{second}' is already the first public IP address's name. Give the second one another name.",
                "VPNGW-01",
                "NAMING-35",
                field="second_public_ip_name",
            )


def create_gateway(rg: ResourceGroup, spec: GatewaySpec) -> VirtualNetworkGateway:
    """Create a gateway (and its GatewaySubnet when the VNet has none). It is
    "Updating" until its operation's time is up (ASGW-12)."""
    sandbox = rg.subscription.sandbox
    with transaction.atomic():
        new_subnet_prefix = check_gateway(spec)
        vnet = spec.vnet
        # A new GatewaySubnet changes the VNet too (LOCK-02).
        registry.refuse_change(rg, *([vnet] if new_subnet_prefix else []))
        check_name_free(VirtualNetworkGateway, rg, spec.name.strip())
        if new_subnet_prefix:
            Subnet.objects.create(vnet=vnet, name=GATEWAY_SUBNET, address_prefix=new_subnet_prefix)
            portal_services.log_activity(sandbox, vnet, "Create or Update Subnet", "Succeeded")
        gateway = VirtualNetworkGateway.objects.create(
            sandbox=sandbox,
            resource_group=rg,
            name=spec.name.strip(),
            location=spec.location,
            vnet=vnet,
            gateway_type=spec.gateway_type,
            vpn_type=spec.vpn_type if spec.gateway_type == "Vpn" else "RouteBased",
            sku=spec.sku,
            generation=spec.generation,
            active_active=spec.active_active,
            enable_bgp=spec.bgp_enabled,
            bgp_asn=spec.bgp_asn if spec.bgp_enabled else None,
            public_ip_name=spec.public_ip_name.strip(),
            public_ip_sku=spec.public_ip_sku,
            availability_zone=spec.availability_zone,
            second_public_ip_name=spec.second_public_ip_name.strip(),
        )
        link = resource_url(gateway)
        operation = portal_services.start_operation(
            sandbox,
            kind="gateway-create",
            resource=gateway,
            title="Deployment in progress...",
            done_title="Deployment succeeded",
            body=f"Deployment of virtual network gateway '{gateway.name}' to resource group '{rg.name}'.",
            link=link,
        )
        portal_services.log_activity(sandbox, gateway, "Create or Update Virtual Network Gateway", "Started", operation)
    return gateway


def create_classic_gateway(
    rg: ResourceGroup, *, name: str, location: str, vnet: VirtualNetwork, sku: str = "VpnGw1", public_ip_name: str = ""
) -> VirtualNetworkGateway:
    """The gateway of a classic virtual network, which an estate (the seed)
    brings: the portal creates none, but App Service reaches a classic VNet
    only through one (SEED-12). A route-based VPN gateway in the VNet's
    GatewaySubnet, at most one per VNet (LIMIT-04)."""
    sandbox = rg.subscription.sandbox
    name = validate_resource_name("gateway", name)
    if not vnet.is_classic:
        raise rule_error("Create the gateway of a Resource Manager virtual network with its wizard.", field="vnet")
    if vnet.location != location:
        raise rule_error(
            f"Virtual network '{vnet.name}' is in {vnet.region_label}. Choose the gateway's region.",
            "VNET-03",
            field="vnet",
        )
    if sku not in VPN_SKUS:
        raise rule_error(f"SKU '{sku}' isn't offered for this gateway type.", field="sku")
    if gateway_subnet_of(vnet) is None:
        raise rule_error(f"Virtual network '{vnet.name}' has no GatewaySubnet.", "SEED-12", field="vnet")
    with transaction.atomic():
        if VirtualNetworkGateway.objects.filter(vnet=vnet).exists():
            raise rule_error(
                f"Virtual network '{vnet.name}' already has a virtual network gateway. A virtual network has at most one.",
                "LIMIT-04",
                field="vnet",
            )
        gateway = VirtualNetworkGateway.objects.create(
            sandbox=sandbox,
            resource_group=rg,
            name=name,
            location=location,
            vnet=vnet,
            sku=sku,
            public_ip_name=public_ip_name,
        )
        portal_services.log_activity(sandbox, gateway, "Create or Update Virtual Network Gateway", "Succeeded")
    return gateway


def resize_gateway(gateway: VirtualNetworkGateway, sku: str) -> None:
    """Configuration > SKU: within the gateway's type; Basic can't be resized."""
    registry.refuse_change(gateway)
    _refuse_while_updating(gateway, "sku")
    if sku not in SKUS_BY_TYPE[gateway.gateway_type]:
        raise rule_error(f"SKU '{sku}' isn't offered for this gateway type.", field="sku")
    if (gateway.sku == "Basic") != (sku == "Basic"):
        raise rule_error(
            "A Basic gateway can't be resized to or from another SKU. Delete and re-create it.", field="sku"
        )
    with transaction.atomic():
        VirtualNetworkGateway.objects.filter(pk=gateway.pk).update(sku=sku)
        portal_services.log_activity(gateway.sandbox, gateway, "Create or Update Virtual Network Gateway", "Succeeded")
        portal_services.notify(
            gateway.sandbox,
            "Updated virtual network gateway",
            f"'{gateway.name}' now uses SKU {sku}.",
            NotificationLevel.SUCCESS,
            resource_url(gateway),
        )


@dataclass(frozen=True)
class PointToSite:
    address_pool: str
    tunnel_type: str = "SSTP"
    auth_type: str = "certificate"
    root_certificates: tuple[tuple[str, str], ...] = ()


def check_point_to_site(gateway: VirtualNetworkGateway, p2s: PointToSite) -> tuple[str, list[str]]:
    """The pool and tunnel protocols Azure would accept (ASGW-07, LIMIT-24)."""
    if gateway.gateway_type != "Vpn":
        raise rule_error(
            "ExpressRoute gateways have no point-to-site configuration. Use a VPN gateway.", "ASGW-07", "ASGW-08"
        )
    if gateway.vpn_type != "RouteBased":
        raise rule_error("Point-to-site needs a route-based VPN gateway.", "ASGW-07")
    try:
        pool = addressing.parse_cidr(p2s.address_pool)
    except addressing.AddressError as exc:
        raise rule_error(str(exc), "ASGW-09", field="address_pool") from None
    if pool.version != 4:
        raise rule_error(f"'{pool}' is IPv6. The address pool must be an IPv4 range.", "ASGW-09", field="address_pool")
    reason = addressing.reserved_reason(pool)
    if reason:
        raise rule_error(f"Address pool '{pool}' is reserved ({reason}).", "VNET-02", field="address_pool")
    for prefix in gateway.vnet.address_space:
        if addressing.parse_cidr(prefix).version == 4 and pool.overlaps(addressing.parse_cidr(prefix)):
            raise rule_error(
                f"Address pool '{pool}' overlaps the address space of '{gateway.vnet.name}' ({prefix}). "
                "Point-to-site clients need a range outside the virtual network.",
                "ASGW-09",
                field="address_pool",
            )
    if gateway.sku == "Basic":
        # The Basic SKU offers SSTP with Azure certificates only (the portal hides the choice).
        protocols = ["SSTP"]
    else:
        if p2s.tunnel_type not in TUNNEL_TYPES:
            raise rule_error("Choose a tunnel type.", field="tunnel_type")
        if p2s.auth_type not in AUTH_TYPES:
            raise rule_error("Choose an authentication type.", field="auth_type")
        protocols = list(TUNNEL_TYPES[p2s.tunnel_type][1])
    certificates = [(n.strip(), d.strip()) for n, d in p2s.root_certificates if n.strip() or d.strip()]
    if len(certificates) > MAX_ROOT_CERTIFICATES:
        raise rule_error(
            f"A gateway takes at most {MAX_ROOT_CERTIFICATES} root certificates.", "LIMIT-24", field="root_certificates"
        )
    names: set[str] = set()
    for name, data in certificates:
        if not name or not data:
            raise rule_error(
                "Each root certificate needs a name and its public certificate data.",
                "LIMIT-24",
                field="root_certificates",
            )
        if name.lower() in names:
            raise rule_error(f"Root certificate '{name}' is listed twice.", "LIMIT-24", field="root_certificates")
        names.add(name.lower())
        try:
            base64.b64decode("".join(data.split()), validate=True)
        except (binascii.Error, ValueError):
            raise rule_error(
                f"The public certificate data of '{name}' isn't Base64 (paste the .cer file without the BEGIN/END lines).",
                "LIMIT-24",
                field="root_certificates",
            ) from None
    return str(pool), protocols


def save_point_to_site(gateway: VirtualNetworkGateway, p2s: PointToSite) -> None:
    registry.refuse_change(gateway)
    _refuse_while_updating(gateway, "address_pool")
    pool, protocols = check_point_to_site(gateway, p2s)
    with transaction.atomic():
        VirtualNetworkGateway.objects.filter(pk=gateway.pk).update(
            p2s_address_pool=pool,
            p2s_tunnel_types=protocols,
            p2s_auth_type=p2s.auth_type,
            p2s_root_certificates=[list(c) for c in p2s.root_certificates],
        )
        portal_services.log_activity(gateway.sandbox, gateway, "Create or Update Virtual Network Gateway", "Succeeded")
        portal_services.notify(
            gateway.sandbox,
            "Saved point-to-site configuration",
            f"'{gateway.name}': address pool {pool}, {', '.join(protocols)}.",
            NotificationLevel.SUCCESS,
            resource_url(gateway),
        )


def remove_point_to_site(gateway: VirtualNetworkGateway) -> None:
    """An ARM PUT of the gateway without ``vpnClientConfiguration``: it takes
    no point-to-site clients any more, so an app's gateway-required
    integration through it carries nothing (ASGW-07) until it is configured again."""
    _refuse_while_updating(gateway, "address_pool")
    with transaction.atomic():
        VirtualNetworkGateway.objects.filter(pk=gateway.pk).update(
            p2s_address_pool="", p2s_tunnel_types=[], p2s_root_certificates=[]
        )
        portal_services.log_activity(gateway.sandbox, gateway, "Create or Update Virtual Network Gateway", "Succeeded")


def delete_gateway(gateway: VirtualNetworkGateway) -> None:
    """Refused while an app integrates through it (gateway-required), while
    connections exist, or while a peering uses it as a remote gateway."""
    with transaction.atomic():
        # What a higher app registers (an app's gateway-required integration, ASGW-07).
        refusal = registry.usage_refusal(VirtualNetworkGateway.arm_type, gateway)
        if refusal is not None:
            raise refusal
        connection = VirtualNetworkGatewayConnection.objects.filter(gateway=gateway).first()
        if connection is not None:
            raise rule_error(
                f"Virtual network gateway '{gateway.name}' can't be deleted while connection '{connection.name}' "
                "uses it. Delete its connections first.",
                "ROUTE-07",
            )
        borrowing = (
            VirtualNetworkPeering.objects.filter(remote_vnet_id=gateway.vnet_id, use_remote_gateways=True)
            .select_related("vnet")
            .first()
        )
        if borrowing is not None:
            raise rule_error(
                f"Peering '{borrowing.name}' of '{borrowing.vnet.name}' uses this gateway (\"Use the remote virtual "
                "network's gateway\"). Change that peering first.",
                "VNET-11",
            )
        portal_services.log_activity(gateway.sandbox, gateway, "Delete Virtual Network Gateway", "Succeeded")
        gateway.delete()
        portal_services.notify(
            gateway.sandbox,
            "Deleted virtual network gateway",
            f"'{gateway.name}' was deleted.",
            NotificationLevel.SUCCESS,
        )


# --- Local network gateways --------------------------------------------------------------


@dataclass(frozen=True)
class LocalGatewaySpec:
    ip_address: str
    address_prefixes: tuple[str, ...] = ()
    bgp_enabled: bool = False
    bgp_asn: int | None = None
    bgp_peer_ip: str = ""


def _check_local_settings(spec: LocalGatewaySpec) -> dict:
    try:
        ip = addressing.parse_ipv4(spec.ip_address)
    except addressing.AddressError as exc:
        raise rule_error(str(exc), field="ip_address") from None
    prefixes = parse_prefix_list(list(spec.address_prefixes), "address_prefixes", rule="ROUTE-07")
    values = {"gateway_ip_address": str(ip), "address_prefixes": prefixes, "bgp_asn": None, "bgp_peering_address": None}
    if spec.bgp_enabled:
        values["bgp_asn"] = validate_asn(spec.bgp_asn, "bgp_asn")
        try:
            values["bgp_peering_address"] = str(addressing.parse_ipv4(spec.bgp_peer_ip))
        except addressing.AddressError as exc:
            raise rule_error(str(exc), "ROUTE-07", field="bgp_peer_ip") from None
    elif not prefixes:
        # ROUTE-07: the gateway's routes are these prefixes (or what BGP learns).
        raise rule_error(
            "Add at least one address space, or configure BGP settings.", "ROUTE-07", field="address_prefixes"
        )
    return values


def create_local_gateway(rg: ResourceGroup, *, name: str, location: str, spec: LocalGatewaySpec) -> LocalNetworkGateway:
    sandbox = rg.subscription.sandbox
    registry.refuse_change(rg)
    name = validate_resource_name("local_gateway", name)
    _check_region(location)
    values = _check_local_settings(spec)
    with transaction.atomic():
        check_name_free(LocalNetworkGateway, rg, name)
        gateway = LocalNetworkGateway.objects.create(
            sandbox=sandbox, resource_group=rg, name=name, location=location, **values
        )
        portal_services.deployed(
            sandbox,
            gateway,
            "Create or Update Local Network Gateway",
            f"Local network gateway '{name}' was created in '{rg.name}'.",
        )
    return gateway


def update_local_gateway(gateway: LocalNetworkGateway, spec: LocalGatewaySpec) -> None:
    registry.refuse_change(gateway)
    values = _check_local_settings(spec)
    with transaction.atomic():
        LocalNetworkGateway.objects.filter(pk=gateway.pk).update(**values)
        portal_services.log_activity(gateway.sandbox, gateway, "Create or Update Local Network Gateway", "Succeeded")
        portal_services.notify(
            gateway.sandbox,
            "Updated local network gateway",
            f"'{gateway.name}' was saved.",
            NotificationLevel.SUCCESS,
            resource_url(gateway),
        )


def delete_local_gateway(gateway: LocalNetworkGateway) -> None:
    with transaction.atomic():
        registry.refuse_delete(gateway)
        connection = VirtualNetworkGatewayConnection.objects.filter(local_network_gateway=gateway).first()
        if connection is not None:
            raise rule_error(
                f"Local network gateway '{gateway.name}' can't be deleted while connection '{connection.name}' uses it. "
                "Delete the connection first.",
                "ROUTE-07",
            )
        portal_services.log_activity(gateway.sandbox, gateway, "Delete Local Network Gateway", "Succeeded")
        gateway.delete()
        portal_services.notify(
            gateway.sandbox,
            "Deleted local network gateway",
            f"'{gateway.name}' was deleted.",
            NotificationLevel.SUCCESS,
        )


# --- ExpressRoute circuits --------------------------------------------------------------------

PROVIDERS = ("Equinix", "AT&T", "British Telecom", "Megaport", "Verizon", "Colt", "NTT Communications")
PEERING_LOCATIONS = ("Washington DC", "Silicon Valley", "Chicago", "Amsterdam", "London", "Singapore", "Sydney")
BANDWIDTHS = (50, 100, 200, 500, 1000, 2000, 5000, 10000)


@dataclass(frozen=True)
class CircuitSpec:
    provider: str
    peering_location: str
    bandwidth_mbps: int
    advertised_prefixes: tuple[str, ...] = ()


def _check_circuit(spec: CircuitSpec) -> dict:
    if spec.provider not in PROVIDERS:
        raise rule_error("Choose a provider.", field="provider")
    if spec.peering_location not in PEERING_LOCATIONS:
        raise rule_error("Choose a peering location.", field="peering_location")
    if spec.bandwidth_mbps not in BANDWIDTHS:
        raise rule_error("Choose a bandwidth.", field="bandwidth")
    # ROUTE-27: ExpressRoute routes are learned over BGP: these are them.
    prefixes = parse_prefix_list(list(spec.advertised_prefixes), "advertised_prefixes", rule="ROUTE-27")
    return {
        "service_provider": spec.provider,
        "peering_location": spec.peering_location,
        "bandwidth_mbps": spec.bandwidth_mbps,
        "advertised_prefixes": prefixes,
    }


def create_circuit(rg: ResourceGroup, *, name: str, location: str, spec: CircuitSpec) -> ExpressRouteCircuit:
    sandbox = rg.subscription.sandbox
    registry.refuse_change(rg)
    name = validate_resource_name("circuit", name)
    _check_region(location)
    values = _check_circuit(spec)
    with transaction.atomic():
        check_name_free(ExpressRouteCircuit, rg, name)
        circuit = ExpressRouteCircuit.objects.create(
            sandbox=sandbox, resource_group=rg, name=name, location=location, **values
        )
        portal_services.deployed(
            sandbox,
            circuit,
            "Create or Update ExpressRoute Circuit",
            f"ExpressRoute circuit '{name}' was created in '{rg.name}'.",
        )
    return circuit


def delete_circuit(circuit: ExpressRouteCircuit) -> None:
    with transaction.atomic():
        registry.refuse_delete(circuit)
        connection = VirtualNetworkGatewayConnection.objects.filter(express_route_circuit=circuit).first()
        if connection is not None:
            raise rule_error(
                f"ExpressRoute circuit '{circuit.name}' can't be deleted while connection '{connection.name}' uses it. "
                "Delete the connection first.",
                "ROUTE-27",
            )
        portal_services.log_activity(circuit.sandbox, circuit, "Delete ExpressRoute Circuit", "Succeeded")
        circuit.delete()
        portal_services.notify(
            circuit.sandbox, "Deleted ExpressRoute circuit", f"'{circuit.name}' was deleted.", NotificationLevel.SUCCESS
        )


# --- Connections ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConnectionSpec:
    name: str
    connection_type: str
    local_gateway: LocalNetworkGateway | None = None
    circuit: ExpressRouteCircuit | None = None
    shared_key: str = ""
    enable_bgp: bool = False


_PSK = re.compile(r"^[\x21-\x7e]{1,128}$")


def add_connection(gateway: VirtualNetworkGateway, spec: ConnectionSpec) -> VirtualNetworkGatewayConnection:
    """A site-to-site (IPsec) or ExpressRoute connection of ``gateway``, in
    the gateway's resource group and region."""
    sandbox = gateway.sandbox
    # The connection goes into the gateway's group, listed on the gateway's blade (LOCK-02).
    registry.refuse_change(gateway.resource_group, gateway)
    name = validate_resource_name("connection", spec.name)
    _refuse_while_updating(gateway)
    enable_bgp = spec.enable_bgp
    if spec.connection_type == "IPsec":
        if gateway.gateway_type != "Vpn":
            raise rule_error(
                f"Site-to-site (IPsec) connections need a VPN gateway; '{gateway.name}' is an ExpressRoute gateway.",
                "ROUTE-21",
                field="connection_type",
            )
        if spec.local_gateway is None:
            raise rule_error("Select a local network gateway.", field="local_gateway")
        if not _PSK.match(spec.shared_key or ""):
            raise rule_error(
                "Enter a shared key of 1 to 128 printable ASCII characters, without spaces.", field="shared_key"
            )
        if enable_bgp and not spec.local_gateway.bgp_asn:
            raise rule_error(
                f"Local network gateway '{spec.local_gateway.name}' has no BGP settings. Configure its ASN and BGP peer "
                "IP address first.",
                "ROUTE-07",
                field="enable_bgp",
            )
    elif spec.connection_type == "ExpressRoute":
        if gateway.gateway_type != "ExpressRoute":
            raise rule_error(
                f"ExpressRoute connections need an ExpressRoute gateway; '{gateway.name}' is a VPN gateway.",
                "ROUTE-27",
                field="connection_type",
            )
        if spec.circuit is None:
            raise rule_error("Select an ExpressRoute circuit.", field="circuit")
        # ROUTE-27: ExpressRoute always exchanges routes over BGP.
        enable_bgp = True
    else:
        raise rule_error("Choose a connection type.", field="connection_type")
    with transaction.atomic():
        if VirtualNetworkGatewayConnection.objects.filter(
            resource_group=gateway.resource_group, name__iexact=name
        ).exists():
            raise rule_error(
                f"A connection named '{name}' already exists in '{gateway.resource_group.name}'.",
                "NAMING-33",
                field="name",
            )
        connection = VirtualNetworkGatewayConnection.objects.create(
            sandbox=sandbox,
            resource_group=gateway.resource_group,
            name=name,
            location=gateway.location,
            gateway=gateway,
            connection_type=spec.connection_type,
            local_network_gateway=spec.local_gateway if spec.connection_type == "IPsec" else None,
            express_route_circuit=spec.circuit if spec.connection_type == "ExpressRoute" else None,
            enable_bgp=enable_bgp,
            shared_key=spec.shared_key if spec.connection_type == "IPsec" else "",
        )
        portal_services.log_activity(
            sandbox, connection, "Create or Update Virtual Network Gateway Connection", "Succeeded"
        )
        portal_services.log_activity(
            sandbox, gateway, "Create or Update Virtual Network Gateway Connection", "Succeeded"
        )
        portal_services.notify(
            sandbox,
            "Connection created",
            f"Connection '{name}' of '{gateway.name}' is Connected.",
            NotificationLevel.SUCCESS,
            resource_url(connection),
        )
    return connection


def delete_connection(connection: VirtualNetworkGatewayConnection) -> None:
    with transaction.atomic():
        registry.refuse_delete(connection)
        portal_services.log_activity(
            connection.sandbox, connection, "Delete Virtual Network Gateway Connection", "Succeeded"
        )
        connection.delete()
        portal_services.notify(
            connection.sandbox, "Deleted connection", f"'{connection.name}' was deleted.", NotificationLevel.SUCCESS
        )
