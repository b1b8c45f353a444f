"""State changes of virtual networks and subnets, validated as Azure does."""

from ipaddress import ip_network

from django.db import transaction

from networking.engine import addressing
from networking.models import Subnet, VirtualNetwork
from portal import services as portal_services
from portal.errors import AzureRuleError, refuse, rule_error
from portal.models import REGIONS, NotificationLevel, ResourceGroup
from portal.naming import validate_name
from portal.resources import resource_url


def parse_prefix(text: str, field: str) -> object:
    try:
        return addressing.parse_cidr(text)
    except addressing.AddressError as exc:
        raise rule_error(str(exc), "SUBNET-05", field=field) from None


def validate_address_space(prefixes: list[str], field: str = "address_space") -> list[str]:
    """VNet address space: valid CIDRs, not reserved (VNET-02), not overlapping each other."""
    if not prefixes:
        raise rule_error("Add at least one address space.", "VNET-03", field=field)
    networks = []
    for text in prefixes:
        network = parse_prefix(text, field)
        reason = addressing.reserved_reason(network)
        if reason:
            raise refuse("ERR-20", "VNET-02", field=field, cidr=str(network), reason=reason)
        for other in networks:
            if other.version == network.version and other.overlaps(network):
                raise rule_error(
                    f"Address space '{network}' overlaps address space '{other}'. Address spaces in a virtual network can't overlap.",
                    "VNET-03",
                    field=field,
                )
        networks.append(network)
    return [str(n) for n in networks]


def validate_subnet_prefix(
    vnet_name: str,
    address_space: list[str],
    existing: list[tuple[str, str]],
    text: str,
    *,
    largest_prefix: int,
    min_prefix: int = addressing.SMALLEST_SUBNET_PREFIX,
    min_prefix_rules: tuple[str, ...] = (),
    field: str = "address_prefix",
) -> str:
    """A subnet prefix Azure accepts: size (SUBNET-03/04), inside the space and
    clear of the ``existing`` (name, prefix) subnets (SUBNET-05)."""
    network = parse_prefix(text, field)
    if network.version == 6:
        if network.prefixlen != 64:
            raise refuse("ERR-23", "SUBNET-04", field=field, n=network.prefixlen, largest=largest_prefix)
    elif not (largest_prefix <= network.prefixlen <= addressing.SMALLEST_SUBNET_PREFIX):
        raise refuse("ERR-23", "SUBNET-03", field=field, n=network.prefixlen, largest=largest_prefix)
    if network.version == 4 and network.prefixlen > min_prefix:
        raise rule_error(
            f"Subnet '{network}' (/{network.prefixlen}) is too small. The minimum here is /{min_prefix}.",
            *min_prefix_rules,
            field=field,
        )
    placement = addressing.place(network, address_space, [prefix for _, prefix in existing])
    if placement.overlapping:
        name = next(n for n, prefix in existing if prefix == placement.overlapping)
        other = f"{name} ({placement.overlapping})"
        raise refuse("ERR-21", "SUBNET-05", field=field, cidr=str(network), other=other, vnet=vnet_name)
    if not placement.inside_space:
        # ERR-21's other half, said precisely: there is no subnet to name here.
        raise AzureRuleError(
            f"Subnet '{network}' lies outside the address space of '{vnet_name}' ({', '.join(address_space)}).",
            rule_ids=("SUBNET-05",),
            err_id="ERR-21",
            field=field,
        )
    return str(network)


def create_subnet(
    vnet: VirtualNetwork,
    *,
    name: str,
    prefix: str,
    delegation: str = "",
    min_prefix: int = addressing.SMALLEST_SUBNET_PREFIX,
    min_prefix_rules: tuple[str, ...] = (),
    log: bool = True,
) -> Subnet:
    name = validate_name("subnet", name, field="subnet_name")
    rules = vnet.sandbox.rules
    with transaction.atomic():
        existing = list(vnet.subnets.values_list("name", "address_prefix"))
        if any(n.lower() == name.lower() for n, _ in existing):
            raise rule_error(f"A subnet named '{name}' already exists in '{vnet.name}'.", "NAMING-03", field="subnet_name")
        cidr = validate_subnet_prefix(
            vnet.name,
            vnet.address_space,
            existing,
            prefix,
            largest_prefix=rules.largest_subnet_prefix,
            min_prefix=min_prefix,
            min_prefix_rules=min_prefix_rules,
            field="subnet_prefix",
        )
        subnet = Subnet.objects.create(vnet=vnet, name=name, address_prefix=cidr, delegation=delegation)
        if log:
            portal_services.log_activity(vnet.sandbox, vnet, "Create or Update Subnet", "Succeeded")
    return subnet


def create_vnet(
    rg: ResourceGroup,
    *,
    name: str,
    location: str,
    address_space: list[str],
    subnets: list[tuple[str, str]],
) -> VirtualNetwork:
    """Create a VNet with its first subnets (portal "Create virtual network")."""
    sandbox = rg.subscription.sandbox
    name = validate_name("vnet", name)
    if location not in REGIONS:
        # VNET-03: a virtual network lives in exactly one region.
        raise rule_error("Choose a region.", "VNET-03", field="region")
    space = validate_address_space(address_space)
    checked: list[tuple[str, str]] = []
    for index, (sub_name, sub_prefix) in enumerate(subnets):
        sub_name = validate_name("subnet", sub_name, field=f"subnet_name_{index}")
        if any(n.lower() == sub_name.lower() for n, _ in checked):
            raise rule_error(f"A subnet named '{sub_name}' is listed twice.", "NAMING-03", field=f"subnet_name_{index}")
        cidr = validate_subnet_prefix(
            name,
            space,
            checked,
            sub_prefix,
            largest_prefix=sandbox.rules.largest_subnet_prefix,
            field=f"subnet_prefix_{index}",
        )
        checked.append((sub_name, cidr))
    with transaction.atomic():
        if VirtualNetwork.objects.filter(resource_group=rg, name__iexact=name).exists():
            raise rule_error(
                f"A virtual network named '{name}' already exists in resource group '{rg.name}'.", "NAMING-02", field="name"
            )
        vnet = VirtualNetwork.objects.create(
            sandbox=sandbox, resource_group=rg, name=name, location=location, address_space=space
        )
        Subnet.objects.bulk_create(Subnet(vnet=vnet, name=n, address_prefix=p) for n, p in checked)
        portal_services.log_activity(sandbox, vnet, "Create or Update Virtual Network", "Succeeded")
        portal_services.notify(
            sandbox,
            "Deployment succeeded",
            f"Virtual network '{name}' was created in '{rg.name}'.",
            NotificationLevel.SUCCESS,
            resource_url(vnet),
        )
    return vnet


def is_ipv6(prefix: str) -> bool:
    return ip_network(prefix).version == 6


__all__ = ["AzureRuleError", "create_subnet", "create_vnet", "validate_address_space", "validate_subnet_prefix"]
