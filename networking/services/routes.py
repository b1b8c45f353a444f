"""State changes of route tables: create, delete, "Propagate gateway routes",
user-defined routes and subnet association, validated as Azure does
(ROUTE-20 to ROUTE-26, LIMIT-22, LIMIT-23)."""

from collections.abc import Mapping
from ipaddress import ip_address, ip_network
from typing import Any

from django.db import IntegrityError, transaction

from networking.engine import rules as nsg_rules
from networking.models import Route, RouteTable, Subnet
from networking.services import links
from networking.services.nsgs import validate_resource_name
from portal import locks
from portal import services as portal_services
from portal.errors import refuse, rule_error
from portal.models import REGIONS, NotificationLevel, ResourceGroup, Sandbox, region_name
from portal.registry import registry
from portal.resources import resource_url

MAX_ROUTE_TABLES_PER_REGION = 200  # LIMIT-22
MAX_ROUTES_PER_TABLE = 400  # LIMIT-23
MAX_TAG_ROUTES_PER_TABLE = 25  # ROUTE-23
GATEWAY_SUBNET = "GatewaySubnet"

# ROUTE-24: the portal's next hop types and their ARM names, in the portal's order.
NEXT_HOP_TYPES = dict(Route.NEXT_HOP_TYPES)
# ROUTE-22: system next hops a user-defined route can't use (ARM spellings).
SYSTEM_ONLY_NEXT_HOPS = {
    "vnetpeering": "VNet peering",
    "vnet peering": "VNet peering",
    "virtualnetworkpeering": "VNet peering",
    "virtualnetworkserviceendpoint": "VirtualNetworkServiceEndpoint",
}


def validate_route_table_name(value: str, field: str = "name") -> str:
    # NAMING-11 (the lab's own ID): Microsoft.Network/routeTables naming rule.
    return validate_resource_name(value, kind="Route table", rule_id="NAMING-11", field=field)


def validate_route_name(value: str, field: str = "name") -> str:
    # NAMING-11: routes follow the same naming rule as their route table.
    return validate_resource_name(value, kind="Route", rule_id="NAMING-11", field=field)


def check_route_table_limit(sandbox: Sandbox, location: str) -> None:
    """LIMIT-22: 200 route tables per region per subscription."""
    count = RouteTable.objects.filter(sandbox=sandbox, location=location).count()
    if count >= MAX_ROUTE_TABLES_PER_REGION:
        raise rule_error(
            f"The subscription already has {count} route tables in {region_name(location)}, "
            "the limit of 200 per region.",
            "LIMIT-22",
            field="name",
        )


def check_route_table_name_free(rg: ResourceGroup | None, name: str) -> None:
    """NAMING-11: the name is taken in the resource group. Reads only, so
    Review + create runs it as Create does; a group still to be made (None)
    holds nothing."""
    if rg is not None and rg.pk and RouteTable.objects.filter(resource_group=rg, name__iexact=name).exists():
        raise rule_error(
            f"A route table named '{name}' already exists in resource group '{rg.name}'.", "NAMING-11", field="name"
        )


def create_route_table(rg: ResourceGroup, *, name: str, location: str, propagate: bool = True) -> RouteTable:
    """Portal "Create route table"; "Propagate gateway routes" = No sets
    disableBgpRoutePropagation (ROUTE-26)."""
    sandbox = rg.subscription.sandbox
    name = validate_route_table_name(name)
    if location not in REGIONS:
        raise rule_error("Choose a region.", field="region")
    registry.refuse_change(rg)
    with transaction.atomic():
        check_route_table_name_free(rg, name)
        check_route_table_limit(sandbox, location)
        table = RouteTable.objects.create(
            sandbox=sandbox,
            resource_group=rg,
            name=name,
            location=location,
            disable_bgp_route_propagation=not propagate,
        )
        portal_services.deployed(
            sandbox, table, "Create or Update Route Table", f"Route table '{name}' was created in '{rg.name}'."
        )
    return table


def delete_route_table(table: RouteTable) -> None:
    """Azure refuses to delete a route table that subnets still use (InUseRouteTableCannotBeDeleted)."""
    sandbox = table.sandbox
    with transaction.atomic():
        registry.refuse_delete(table)
        subnet = Subnet.objects.filter(route_table=table).select_related("vnet").first()
        if subnet is not None:
            raise rule_error(
                f"Route table '{table.name}' can't be deleted: subnet '{subnet.vnet.name}/{subnet.name}' uses it. "
                "Dissociate it from every subnet first.",
                "ROUTE-20",
            )
        portal_services.log_activity(sandbox, table, "Delete Route Table", "Succeeded")
        table.delete()
        portal_services.notify(
            sandbox, "Deleted route table", f"Route table '{table.name}' was deleted.", NotificationLevel.SUCCESS
        )


def set_propagation(table: RouteTable, propagate: bool) -> None:
    """Configuration > "Propagate gateway routes" (ROUTE-26)."""
    registry.refuse_change(table)
    with transaction.atomic():
        RouteTable.objects.filter(pk=table.pk).update(disable_bgp_route_propagation=not propagate)
        table.disable_bgp_route_propagation = not propagate
        portal_services.log_activity(table.sandbox, table, "Create or Update Route Table", "Succeeded")
        portal_services.notify(
            table.sandbox,
            "Saved route table",
            f"'{table.name}': Propagate gateway routes is {'Yes' if propagate else 'No'}.",
            NotificationLevel.SUCCESS,
            resource_url(table),
        )


# --- routes ------------------------------------------------------------------------------


def parse_route_prefix(text: str, field: str = "address_prefix") -> tuple[str, bool]:
    """A route's destination: a CIDR block (host bits refused), or a service tag
    (ROUTE-23). Returns (prefix, is_service_tag)."""
    value = (text or "").strip()
    if not value:
        raise rule_error("Enter an address prefix in CIDR notation, for example 10.0.0.0/16.", "ROUTE-21", field=field)
    if "/" not in value:
        tag = nsg_rules.canonical_tag(value)
        if tag is not None and tag not in nsg_rules.CLASSIC_TAG_SPELLINGS:
            return tag, True
        raise rule_error(
            f"'{value[:40]}' is not a valid address prefix. Use CIDR notation (10.0.0.0/16) or a service tag.",
            "ROUTE-21",
            "ROUTE-23",
            field=field,
        )
    try:
        return str(ip_network(value, strict=True)), False
    except ValueError:
        pass
    try:
        meant = ip_network(value, strict=False)
    except ValueError:
        raise rule_error(
            f"'{value[:40]}' is not a valid address prefix. Use CIDR notation, for example 10.0.0.0/16.",
            "ROUTE-21",
            field=field,
        ) from None
    raise rule_error(
        f"'{value}' is not a valid CIDR block: its host bits are set. Did you mean '{meant}'?", "ROUTE-21", field=field
    )


def clean_route(data: Mapping[str, Any], *, name_fixed: str | None = None) -> dict[str, Any]:
    """The model fields of a route from the "Add route" pane; raises AzureRuleError."""
    name = name_fixed if name_fixed is not None else validate_route_name(data.get("name") or "")
    prefix, _ = parse_route_prefix(data.get("address_prefix") or "")
    hop = (data.get("next_hop_type") or "").strip()
    hop_ip = (data.get("next_hop_ip") or "").strip()
    if hop.lower() in SYSTEM_ONLY_NEXT_HOPS:
        raise refuse(
            "ERR-29",
            "ROUTE-22",
            field="next_hop_type",
            route=name,
            reason=f"'{SYSTEM_ONLY_NEXT_HOPS[hop.lower()]}' is a system next hop and can't be used by a user-defined route",
        )
    if hop not in NEXT_HOP_TYPES:
        raise refuse(
            "ERR-29",
            "ROUTE-21",
            field="next_hop_type",
            route=name,
            reason="choose Virtual network gateway, Virtual network, Internet, Virtual appliance or None",
        )
    if hop == "VirtualAppliance":
        if not hop_ip:
            raise refuse(
                "ERR-29",
                "ROUTE-21",
                field="next_hop_ip",
                route=name,
                reason="a virtual appliance needs a next hop address (the appliance's private IP)",
            )
        try:
            address = ip_address(hop_ip)
        except ValueError:
            address = None
        if address is None or address.version != 4:
            raise refuse(
                "ERR-29",
                "ROUTE-21",
                field="next_hop_ip",
                route=name,
                reason=f"'{hop_ip[:40]}' is not a valid IPv4 address",
            )
        hop_ip = str(address)
    elif hop_ip:
        raise refuse(
            "ERR-29",
            "ROUTE-21",
            field="next_hop_ip",
            route=name,
            reason=f"a next hop address is allowed only with Virtual appliance, not with {NEXT_HOP_TYPES[hop]}",
        )
    return {"name": name, "address_prefix": prefix, "next_hop_type": hop, "next_hop_ip": hop_ip or None}


def _tag_routes(table: RouteTable, exclude: int | None = None) -> int:
    """ROUTE-23: routes whose prefix is a service tag (no '/')."""
    qs = Route.objects.filter(route_table=table).exclude(address_prefix__contains="/")
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    return qs.count()


def add_route(table: RouteTable, data: Mapping[str, Any]) -> Route:
    registry.refuse_change(table)
    values = clean_route(data)
    is_tag = "/" not in values["address_prefix"]
    with transaction.atomic():
        RouteTable.objects.select_for_update().get(pk=table.pk)
        if Route.objects.filter(route_table=table).count() >= MAX_ROUTES_PER_TABLE:
            raise refuse("ERR-30", "LIMIT-23", field="name", rt=table.name)
        if is_tag and _tag_routes(table) >= MAX_TAG_ROUTES_PER_TABLE:
            raise refuse("ERR-30", "ROUTE-23", field="address_prefix", rt=table.name)
        if Route.objects.filter(route_table=table, name__iexact=values["name"]).exists():
            raise rule_error(
                f"A route named '{values['name']}' already exists in '{table.name}'.", "NAMING-11", field="name"
            )
        try:
            with transaction.atomic():
                route = Route.objects.create(route_table=table, **values)
        except IntegrityError:
            raise rule_error(f"A route named '{values['name']}' already exists.", "NAMING-11", field="name") from None
        _log_route(table, route, "Added")
    return route


def update_route(route: Route, data: Mapping[str, Any]) -> Route:
    """Save an edited route; its name is its identity and doesn't change."""
    table = route.route_table
    registry.refuse_change(table)
    values = clean_route(data, name_fixed=route.name)
    is_tag = "/" not in values["address_prefix"]
    with transaction.atomic():
        RouteTable.objects.select_for_update().get(pk=table.pk)
        if is_tag and _tag_routes(table, exclude=route.pk) >= MAX_TAG_ROUTES_PER_TABLE:
            raise refuse("ERR-30", "ROUTE-23", field="address_prefix", rt=table.name)
        Route.objects.filter(pk=route.pk).update(**values)
        route.refresh_from_db()
        _log_route(table, route, "Saved")
    return route


def delete_route(route: Route) -> None:
    table = route.route_table
    with transaction.atomic():
        locks.check_delete(f"{route.route_table.arm_id}/routes/{route.name}")
        Route.objects.filter(pk=route.pk).delete()
        portal_services.log_activity(table.sandbox, table, "Delete Route", "Succeeded")
        portal_services.notify(
            table.sandbox,
            "Deleted route",
            f"Route '{route.name}' was deleted from '{table.name}'.",
            NotificationLevel.SUCCESS,
            resource_url(table),
        )


def _log_route(table: RouteTable, route: Route, verb: str) -> None:
    portal_services.log_activity(table.sandbox, table, "Create or Update Route", "Succeeded")
    hop = NEXT_HOP_TYPES[route.next_hop_type] + (f" {route.next_hop_ip}" if route.next_hop_ip else "")
    portal_services.notify(
        table.sandbox,
        f"{verb} route",
        f"Route '{route.name}' in '{table.name}': {route.address_prefix} -> {hop}.",
        NotificationLevel.SUCCESS,
        resource_url(table),
    )


# --- subnets (ROUTE-20, SUBNET-07) -------------------------------------------------------------


def associate_subnet(table: RouteTable, subnet: Subnet) -> None:
    """ROUTE-20 / SUBNET-07: a subnet has at most one route table."""
    links.associate_subnet(table, subnet, field="route_table", kind="route table", short="route table", rule="ROUTE-20")


def dissociate_subnet(table: RouteTable, subnet: Subnet) -> None:
    links.dissociate_subnet(table, subnet, field="route_table", kind="route table", rule="ROUTE-20")


def gateway_subnet_warnings(table: RouteTable, routes: list[Route]) -> list[str]:
    """ROUTE-26: what is wrong with this table on a GatewaySubnet."""
    warnings = []
    if table.disable_bgp_route_propagation:
        warnings.append("Propagate gateway routes is No: never disable it on the GatewaySubnet.")
    default = [r.name for r in routes if r.address_prefix == "0.0.0.0/0"]
    if default:
        warnings.append(
            f"Route '{default[0]}' sends 0.0.0.0/0 elsewhere: don't attach a 0.0.0.0/0 route to the GatewaySubnet."
        )
    return warnings
