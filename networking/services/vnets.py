"""State changes of virtual networks and subnets, validated as Azure does."""

from collections.abc import Iterable
from dataclasses import dataclass
from ipaddress import IPv4Network, IPv6Network, ip_network

from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse

from networking.engine import addressing
from networking.models import (
    DELEGATION_CHOICES,
    NetworkInterface,
    NetworkSecurityGroup,
    PrivateEndpoint,
    RouteTable,
    Subnet,
    VirtualNetwork,
    VirtualNetworkGateway,
    VirtualNetworkLink,
    VirtualNetworkPeering,
)
from portal import services as portal_services
from portal.eras import Ruleset
from portal.errors import AzureRuleError, refuse, rule_error
from portal.models import REGIONS, NotificationLevel, ResourceGroup, Subscription, region_name
from portal.naming import validate_name
from portal.prepared import PreparedInstances
from portal.registry import registry
from portal.resources import resource_url


def parse_prefix(text: str, field: str) -> IPv4Network | IPv6Network:
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
        # ERR-21's first half, said precisely.
        raise AzureRuleError(
            f"Subnet '{network}' overlaps '{other}'. Subnets of '{vnet_name}' can't overlap.",
            rule_ids=("SUBNET-05",),
            err_id="ERR-21",
            field=field,
        )
    if not placement.inside_space:
        # ERR-21's other half, said precisely: there is no subnet to name here.
        raise AzureRuleError(
            f"Subnet '{network}' lies outside the address space of '{vnet_name}' ({', '.join(address_space)}).",
            rule_ids=("SUBNET-05",),
            err_id="ERR-21",
            field=field,
        )
    return str(network)


GATEWAY_SUBNET = "GatewaySubnet"

# SUBNET-20: the service endpoints a subnet can enable (the 2019-2022 list).
SERVICE_ENDPOINTS = (
    "Microsoft.AzureActiveDirectory",
    "Microsoft.AzureCosmosDB",
    "Microsoft.CognitiveServices",
    "Microsoft.ContainerRegistry",
    "Microsoft.EventHub",
    "Microsoft.KeyVault",
    "Microsoft.ServiceBus",
    "Microsoft.Sql",
    "Microsoft.Storage",
    "Microsoft.Web",
)
DELEGATIONS = {value for value, _ in DELEGATION_CHOICES}

MAX_VNETS_PER_REGION = 1000  # LIMIT-01 (per region, per subscription)
MAX_SUBNETS_PER_VNET = 3000  # LIMIT-02
MAX_DNS_SERVERS = 20  # LIMIT-06
MAX_PRIVATE_IPS_PER_VNET = 65536  # LIMIT-07


# Compiled once (portal/prepared.py): every subnet change reads its VNet so.
_LOCKED_VNET = PreparedInstances(
    lambda pk: (
        VirtualNetwork.objects.select_for_update()
        .select_related("resource_group__subscription", "sandbox")
        .filter(pk=pk)
    ),
    pk=-7_700_000_021,
)


def _locked(vnet: VirtualNetwork) -> VirtualNetwork:
    """The VNet, re-read and locked: subnet and address changes of one VNet
    queue behind each other, so two tabs can't both place an overlapping subnet."""
    locked = _LOCKED_VNET.first(pk=vnet.pk)
    if locked is None:
        raise VirtualNetwork.DoesNotExist("VirtualNetwork matching query does not exist.")
    return locked


# --- What uses a subnet (SUBNET-06) ------------------------------------------------


def subnet_user(subnet: Subnet) -> str | None:
    """The name of something deployed in ``subnet`` (a private endpoint, a
    NIC, a gateway in GatewaySubnet, or what a higher app registers as a user,
    such as an integrated app), or None. A few bounded queries, whatever the
    subnet holds."""
    endpoint = PrivateEndpoint.objects.filter(subnet=subnet).only("name").first()
    if endpoint is not None:
        return endpoint.name
    nic = NetworkInterface.objects.filter(subnet=subnet).only("name").first()
    if nic is not None:
        return nic.name
    if subnet.name.lower() == GATEWAY_SUBNET.lower():
        gateway = VirtualNetworkGateway.objects.filter(vnet_id=subnet.vnet_id).only("name").first()
        if gateway is not None:
            return gateway.name
    return registry.user_of(Subnet.arm_type, subnet)


# --- Subnet settings, checked before any write ------------------------------------------


def check_service_endpoints(values: Iterable[str]) -> list[str]:
    """SUBNET-20 / SE-05: any number of the known services, each once."""
    chosen: list[str] = []
    for value in values:
        if value not in SERVICE_ENDPOINTS:
            raise rule_error(
                f"'{value}' isn't a service endpoint a subnet can enable.", "SUBNET-20", field="service_endpoints"
            )
        if value not in chosen:
            chosen.append(value)
    return sorted(chosen)


def _check_delegation(value: str) -> str:
    if value not in DELEGATIONS:
        raise rule_error(f"'{value}' isn't a service a subnet can be delegated to.", "SUBNET-10", field="delegation")
    return value


def _check_policies(rules: Ruleset, value: str) -> str:
    allowed = [v for v, _ in rules.private_endpoint_policy_choices]
    if value not in allowed:
        raise rule_error(
            f"Network policy for private endpoints must be one of: {', '.join(allowed)}.",
            "SUBNET-21",
            field="private_endpoint_network_policies",
        )
    return value


def _check_association(vnet: VirtualNetwork, nsg: NetworkSecurityGroup | None, route_table: RouteTable | None) -> None:
    """SUBNET-07: one NSG and one route table, of this subscription and region."""
    for obj, field, kind in ((nsg, "nsg", "Network security group"), (route_table, "route_table", "Route table")):
        if obj is None:
            continue
        if obj.sandbox_id != vnet.sandbox_id or obj.location != vnet.location:
            raise rule_error(
                f"{kind} '{obj.name}' must be in the virtual network's subscription and region ({vnet.region_label}).",
                "SUBNET-07",
                field=field,
            )


# --- Subnets ------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewSubnet:
    """A subnet :func:`check_new_subnet` accepted, in the form it would be written."""

    name: str
    address_prefix: str
    delegation: str
    service_endpoints: list[str]
    private_endpoint_network_policies: str


def check_new_subnet(
    vnet: VirtualNetwork,
    *,
    name: str,
    prefix: str,
    delegation: str = "",
    min_prefix: int = addressing.SMALLEST_SUBNET_PREFIX,
    min_prefix_rules: tuple[str, ...] = (),
    nsg: NetworkSecurityGroup | None = None,
    route_table: RouteTable | None = None,
    service_endpoints: Iterable[str] = (),
    private_endpoint_network_policies: str = "Disabled",
) -> NewSubnet:
    """Every check :func:`create_subnet` makes, over ``vnet`` and its subnets
    as they are now; writes nothing. Raises the first refusal, on the "Add
    subnet" pane's field (``subnet_name``, ``subnet_prefix``...)."""
    name = validate_name("subnet", name, field="subnet_name")
    rules = vnet.sandbox.rules
    endpoints = check_service_endpoints(service_endpoints)
    delegation = _check_delegation(delegation)
    policies = _check_policies(rules, private_endpoint_network_policies)
    _check_association(vnet, nsg, route_table)
    existing = list(vnet.subnets.values_list("name", "address_prefix"))
    if any(n.lower() == name.lower() for n, _ in existing):
        raise rule_error(f"A subnet named '{name}' already exists in '{vnet.name}'.", "NAMING-03", field="subnet_name")
    if len(existing) >= MAX_SUBNETS_PER_VNET:
        raise rule_error(
            f"Virtual network '{vnet.name}' already has {MAX_SUBNETS_PER_VNET:,} subnets, the maximum.",
            "LIMIT-02",
            field="subnet_name",
        )
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
    return NewSubnet(name, cidr, delegation, endpoints, policies)


def create_subnet(
    vnet: VirtualNetwork,
    *,
    name: str,
    prefix: str,
    delegation: str = "",
    min_prefix: int = addressing.SMALLEST_SUBNET_PREFIX,
    min_prefix_rules: tuple[str, ...] = (),
    log: bool = True,
    nsg: NetworkSecurityGroup | None = None,
    route_table: RouteTable | None = None,
    service_endpoints: Iterable[str] = (),
    private_endpoint_network_policies: str = "Disabled",
    default_outbound_access: bool | None = None,
) -> Subnet:
    """Add a subnet (the "Add subnet" pane; App Service's "Create New Subnet"),
    checked by :func:`check_new_subnet` with the VNet locked.

    ``default_outbound_access`` is ARM's defaultOutboundAccess (DOA-03;
    False: a private subnet); None leaves it unset, so the era decides. An
    era whose API doesn't know it (Classic) ignores it, as ARM ignored
    properties its API version didn't have.

    ``log=False`` leaves the Activity log and the bell to the caller."""
    with transaction.atomic():
        vnet = _locked(vnet)
        # A subnet is a change of its VNet: a read-only lock refuses it (LOCK-02).
        check_change(vnet, {"subnets": name})
        new = check_new_subnet(
            vnet,
            name=name,
            prefix=prefix,
            delegation=delegation,
            min_prefix=min_prefix,
            min_prefix_rules=min_prefix_rules,
            nsg=nsg,
            route_table=route_table,
            service_endpoints=service_endpoints,
            private_endpoint_network_policies=private_endpoint_network_policies,
        )
        subnet = Subnet.objects.create(
            vnet=vnet,
            name=new.name,
            address_prefix=new.address_prefix,
            delegation=new.delegation,
            nsg=nsg,
            route_table=route_table,
            service_endpoints=new.service_endpoints,
            private_endpoint_network_policies=new.private_endpoint_network_policies,
            default_outbound_access=_outbound_setting(vnet, default_outbound_access),
        )
        if log:
            portal_services.log_activity(vnet.sandbox, vnet, "Create or Update Subnet", "Succeeded")
            _notify(vnet, "Saved subnet", f"Subnet '{new.name}' ({new.address_prefix}) was added to '{vnet.name}'.")
    return subnet


def update_subnet(
    subnet: Subnet,
    *,
    prefix: str,
    nsg: NetworkSecurityGroup | None = None,
    route_table: RouteTable | None = None,
    service_endpoints: Iterable[str] = (),
    delegation: str = "",
    private_endpoint_network_policies: str = "Disabled",
    default_outbound_access: bool | None = None,
) -> Subnet:
    """Save the edit pane of a subnet: its range, associations, endpoints,
    delegation, private endpoint policy and (Current) private subnet setting
    (DOA-03; None keeps it), as Azure allows them to change."""
    rules = subnet.vnet.sandbox.rules
    endpoints = check_service_endpoints(service_endpoints)
    delegation = _check_delegation(delegation)
    policies = _check_policies(rules, private_endpoint_network_policies)
    _check_association(subnet.vnet, nsg, route_table)
    with transaction.atomic():
        vnet = _locked(subnet.vnet)
        current = Subnet.objects.select_for_update().get(pk=subnet.pk, vnet=vnet)
        # What uses the subnet may refuse any change at all (ASVI-65: an
        # orphaned service association link).
        refusal = registry.change_refusal(Subnet.arm_type, current, {})
        if refusal is not None:
            raise refusal
        cidr = current.address_prefix
        if str(parse_prefix(prefix, "subnet_prefix")) != current.address_prefix:
            user = subnet_user(current)
            if user:
                raise refuse(
                    "ERR-14", "SUBNET-06", "ASVI-25", field="subnet_prefix", subnet=current.name, resource=user
                )
            others = [(n, p) for n, p in vnet.subnets.exclude(pk=current.pk).values_list("name", "address_prefix")]
            cidr = validate_subnet_prefix(
                vnet.name,
                vnet.address_space,
                others,
                prefix,
                largest_prefix=rules.largest_subnet_prefix,
                field="subnet_prefix",
            )
        if delegation != current.delegation:
            _check_delegation_change(current, delegation)
        if policies != "Disabled" and rules.pe_needs_policies_disabled:
            endpoint = PrivateEndpoint.objects.filter(subnet=current).only("name").first()
            if endpoint is not None:
                raise rule_error(
                    f"Subnet '{current.name}' holds private endpoint '{endpoint.name}': its network policy for "
                    "private endpoints must stay Disabled.",
                    "SUBNET-21",
                    field="private_endpoint_network_policies",
                )
        # An NSG or route table joining or leaving is their change too (LOCK-02), as on their blades.
        registry.refuse_change(
            *(
                side
                for old, new in ((current.nsg, nsg), (current.route_table, route_table))
                if getattr(old, "pk", None) != getattr(new, "pk", None)
                for side in (old, new)
                if side is not None
            )
        )
        current.address_prefix = cidr
        current.nsg = nsg
        current.route_table = route_table
        current.service_endpoints = endpoints
        current.delegation = delegation
        current.private_endpoint_network_policies = policies
        outbound = _outbound_setting(vnet, default_outbound_access)
        if outbound is not None:
            current.default_outbound_access = outbound
        current.save(
            update_fields=[
                "address_prefix",
                "nsg",
                "route_table",
                "service_endpoints",
                "delegation",
                "private_endpoint_network_policies",
                "default_outbound_access",
            ]
        )
        portal_services.log_activity(vnet.sandbox, vnet, "Create or Update Subnet", "Succeeded")
        _notify(vnet, "Saved subnet", f"Subnet '{current.name}' of '{vnet.name}' was saved.")
    return current


def set_endpoint_policies(subnet: Subnet, policies: str) -> Subnet:
    """ "Edit subnet network policy" (the newer private endpoint wizard's
    "edit", portal-ui §7.1): only the subnet's privateEndpointNetworkPolicies
    changes (SUBNET-21), saved as the subnet's pane saves it, with its rules
    and a read-only lock's refusal (LOCK-02)."""
    return update_subnet(
        subnet,
        prefix=subnet.address_prefix,
        nsg=subnet.nsg,
        route_table=subnet.route_table,
        service_endpoints=subnet.service_endpoints,
        delegation=subnet.delegation,
        private_endpoint_network_policies=policies,
    )


def _outbound_setting(vnet: VirtualNetwork, default_outbound_access: bool | None) -> bool | None:
    """DOA-03: the defaultOutboundAccess to write, or None (unset, or kept):
    Classic's API versions didn't have the property, so it is ignored there."""
    if default_outbound_access is None or not vnet.sandbox.rules.private_subnet_option:
        return None
    return default_outbound_access


def _check_delegation_change(subnet: Subnet, delegation: str) -> None:
    # The service that uses the subnet may need its delegation (ASVI-24).
    refusal = registry.change_refusal(Subnet.arm_type, subnet, {"delegation": delegation})
    if refusal is not None:
        raise refusal
    if not delegation:
        return
    endpoint = PrivateEndpoint.objects.filter(subnet=subnet).only("name").first()
    if endpoint is not None:
        raise refuse("ERR-11", "SUBNET-11", "ASVI-35", field="delegation", subnet=subnet.name, service=delegation)
    nic = NetworkInterface.objects.filter(subnet=subnet).only("name").first()
    if nic is not None:
        raise rule_error(
            f"Subnet '{subnet.name}' can't be delegated to '{delegation}' while '{nic.name}' uses it: "
            "a delegated subnet belongs to the service.",
            "SUBNET-10",
            "SUBNET-06",
            field="delegation",
        )


def delete_subnet(subnet: Subnet) -> None:
    """Delete a subnet nothing uses (SUBNET-06) and that holds no service
    association link (ASVI-65)."""
    with transaction.atomic():
        vnet = _locked(subnet.vnet)
        current = Subnet.objects.select_for_update().get(pk=subnet.pk, vnet=vnet)
        user = subnet_user(current)
        if user:
            raise refuse("ERR-14", "SUBNET-06", "ASVI-25", subnet=current.name, resource=user)
        refusal = registry.usage_refusal(Subnet.arm_type, current)
        if refusal is not None:
            raise refusal
        name = current.name
        current.delete()
        portal_services.log_activity(vnet.sandbox, vnet, "Delete Subnet", "Succeeded")
        _notify(vnet, "Deleted subnet", f"Subnet '{name}' was deleted from '{vnet.name}'.")


# --- Address space, DNS servers --------------------------------------------------------------


def set_address_space(vnet: VirtualNetwork, prefixes: list[str]) -> VirtualNetwork:
    """Save the Address space page (VNET-03): row ``i``'s refusal lands on
    ``address_space_{i}``."""
    check_change(vnet, {"addressSpace": prefixes})
    texts = [(i, (p or "").strip()) for i, p in enumerate(prefixes)]
    texts = [(i, t) for i, t in texts if t]
    if not texts:
        raise rule_error("Add at least one address space.", "VNET-03", field="address_space")
    kept_v6 = {p for p in vnet.address_space if ":" in p}
    networks = []
    for i, text in texts:
        field = f"address_space_{i}"
        network = parse_prefix(text, field)
        if network.version == 6 and str(network) not in kept_v6:
            # A lab limit, not Azure's: IPv6 ranges aren't simulated here.
            raise rule_error(
                f"'{network}' is an IPv6 range. This lab adds IPv4 address spaces only.", "VNET-03", field=field
            )
        reason = addressing.reserved_reason(network)
        if reason:
            raise refuse("ERR-20", "VNET-02", field=field, cidr=str(network), reason=reason)
        for _, other in networks:
            if other.version == network.version and other.overlaps(network):
                raise rule_error(
                    f"Address space '{network}' overlaps address space '{other}'. Address spaces in a virtual "
                    "network can't overlap.",
                    "VNET-03",
                    field=field,
                )
        networks.append((i, network))
    new_space = [str(n) for _, n in networks]
    with transaction.atomic():
        vnet = _locked(vnet)
        _check_subnets_still_fit(vnet, networks)
        _check_peers_dont_overlap(vnet, [n for _, n in networks])
        vnet.address_space = new_space
        vnet.save(update_fields=["address_space"])
        portal_services.log_activity(vnet.sandbox, vnet, "Create or Update Virtual Network", "Succeeded")
        _notify(vnet, "Saved virtual network", f"The address space of '{vnet.name}' is now {', '.join(new_space)}.")
    return vnet


def _check_subnets_still_fit(vnet: VirtualNetwork, networks: list[tuple[int, IPv4Network | IPv6Network]]) -> None:
    """SUBNET-05: every subnet must stay inside a range; a range can't be
    removed or shrunk from under one."""
    for name, prefix in vnet.subnets.values_list("name", "address_prefix"):
        subnet = ip_network(prefix)
        if any(n.version == subnet.version and subnet.subnet_of(n) for _, n in networks):
            continue
        old = next(
            (
                s
                for s in vnet.address_space
                if ip_network(s).version == subnet.version and subnet.subnet_of(ip_network(s))
            ),
            "",
        )
        row = next((i for i, n in networks if n.version == subnet.version and n.overlaps(subnet)), None)
        raise rule_error(
            f"Address space '{old or prefix}' can't be removed or resized: subnet '{name}' ({prefix}) lies in it. "
            "Delete the subnet or keep a range that contains it.",
            "SUBNET-05",
            "VNET-03",
            field=f"address_space_{row}" if row is not None else "address_space",
        )


def _check_peers_dont_overlap(vnet: VirtualNetwork, networks: list[IPv4Network | IPv6Network]) -> None:
    """VNET-15: a peered VNet's space can't come to overlap this one's."""
    peers = VirtualNetwork.objects.filter(Q(peerings__remote_vnet=vnet) | Q(remote_peerings__vnet=vnet)).exclude(
        pk=vnet.pk
    )
    for peer in peers.distinct().only("name", "address_space"):
        for theirs in peer.address_space:
            other = ip_network(theirs)
            for network in networks:
                if network.version == other.version and network.overlaps(other):
                    raise rule_error(
                        f"Address space '{network}' overlaps '{theirs}' of peered virtual network '{peer.name}'. "
                        "Peered virtual networks can't have overlapping address spaces.",
                        "VNET-15",
                        field="address_space",
                    )


def set_dns_servers(vnet: VirtualNetwork, servers: list[str] | None) -> VirtualNetwork:
    """The DNS servers page: ``None`` is "Default (Azure-provided)", a list
    is "Custom" (VNET-07, at most 20: LIMIT-06)."""
    check_change(vnet, {"dhcpOptions": servers})
    checked: list[str] = []
    if servers is not None:
        rows = [(i, (s or "").strip()) for i, s in enumerate(servers)]
        rows = [(i, s) for i, s in rows if s]
        if not rows:
            raise rule_error(
                "Add at least one DNS server, or choose Default (Azure-provided).", "VNET-07", field="dns_servers"
            )
        if len(rows) > MAX_DNS_SERVERS:
            raise rule_error(
                f"A virtual network can have at most {MAX_DNS_SERVERS} DNS servers.", "LIMIT-06", field="dns_servers"
            )
        for i, text in rows:
            try:
                address = str(addressing.parse_ipv4(text))
            except addressing.AddressError as exc:
                raise rule_error(str(exc), "VNET-07", field=f"dns_server_{i}") from None
            if address in checked:
                raise rule_error(f"DNS server '{address}' is listed twice.", "VNET-07", field=f"dns_server_{i}")
            checked.append(address)
    with transaction.atomic():
        vnet = _locked(vnet)
        vnet.dns_servers = checked
        vnet.save(update_fields=["dns_servers"])
        portal_services.log_activity(vnet.sandbox, vnet, "Create or Update Virtual Network", "Succeeded")
        _notify(vnet, "Saved virtual network", f"DNS servers of '{vnet.name}': {vnet.dns_label}.")
    return vnet


# --- Virtual networks ------------------------------------------------------------------------


@dataclass(frozen=True)
class NewVnet:
    """A VNet :func:`check_new_vnet` accepted: its cleaned name, region,
    address space and (name, prefix) subnets."""

    name: str
    location: str
    address_space: list[str]
    subnets: list[tuple[str, str]]


def check_new_vnet(
    subscription: Subscription,
    rg: ResourceGroup | None,
    *,
    name: str,
    location: str,
    address_space: list[str],
    subnets: list[tuple[str, str]],
) -> NewVnet:
    """Every check :func:`create_vnet` makes, over the subscription as it is
    now; writes nothing. ``rg`` None is a resource group still to be created,
    so no name in it is taken. Raises the first refusal, on the wizard's
    field (``name``, ``region``, ``address_space``, ``subnet_prefix_{i}``...)."""
    name = validate_name("vnet", name)
    if location not in REGIONS:
        # VNET-03: a virtual network lives in exactly one region.
        raise rule_error("Choose a region.", "VNET-03", field="region")
    space = validate_address_space(address_space)
    largest_prefix = subscription.sandbox.rules.largest_subnet_prefix
    checked: list[tuple[str, str]] = []
    for index, (sub_name, sub_prefix) in enumerate(subnets):
        sub_name = validate_name("subnet", sub_name, field=f"subnet_name_{index}")
        if any(n.lower() == sub_name.lower() for n, _ in checked):
            raise rule_error(f"A subnet named '{sub_name}' is listed twice.", "NAMING-03", field=f"subnet_name_{index}")
        cidr = validate_subnet_prefix(
            name, space, checked, sub_prefix, largest_prefix=largest_prefix, field=f"subnet_prefix_{index}"
        )
        checked.append((sub_name, cidr))
    if rg is not None and VirtualNetwork.objects.filter(resource_group=rg, name__iexact=name).exists():
        raise rule_error(
            f"A virtual network named '{name}' already exists in resource group '{rg.name}'.",
            "NAMING-02",
            field="name",
        )
    check_vnet_limit(subscription, location)
    return NewVnet(name, location, space, checked)


def create_vnet(
    rg: ResourceGroup,
    *,
    name: str,
    location: str,
    address_space: list[str],
    subnets: list[tuple[str, str]],
    log: bool = True,
) -> VirtualNetwork:
    """Create a VNet with its first subnets (portal "Create virtual network"),
    checked by :func:`check_new_vnet`. ``log=False`` leaves the Activity log
    and the bell to the caller, as :func:`create_subnet`'s does."""
    sandbox = rg.subscription.sandbox
    registry.refuse_change(rg)
    with transaction.atomic():
        new = check_new_vnet(
            rg.subscription, rg, name=name, location=location, address_space=address_space, subnets=subnets
        )
        vnet = VirtualNetwork.objects.create(
            sandbox=sandbox, resource_group=rg, name=new.name, location=new.location, address_space=new.address_space
        )
        Subnet.objects.bulk_create(Subnet(vnet=vnet, name=n, address_prefix=p) for n, p in new.subnets)
        if log:
            portal_services.deployed(
                sandbox,
                vnet,
                "Create or Update Virtual Network",
                f"Virtual network '{new.name}' was created in '{rg.name}'.",
            )
    return vnet


def check_vnet_limit(subscription, location: str) -> None:
    """LIMIT-01: a subscription holds at most MAX_VNETS_PER_REGION VNets per region."""
    in_region = VirtualNetwork.objects.arm().filter(resource_group__subscription=subscription, location=location)
    if in_region.count() >= MAX_VNETS_PER_REGION:
        raise rule_error(
            f"Subscription '{subscription.display_name}' already has {MAX_VNETS_PER_REGION:,} virtual networks "
            f"in {region_name(location)}, the maximum.",
            "LIMIT-01",
            field="region",
        )


def check_change(vnet: VirtualNetwork, changes: dict) -> None:
    """Raise what refuses changing ``vnet`` now (a read-only lock, LOCK-02)."""
    refusal = registry.change_refusal(vnet.arm_type, vnet, changes)
    if refusal is not None:
        raise refusal


def delete_problem(vnet: VirtualNetwork) -> AzureRuleError | None:
    """Why Azure would refuse deleting ``vnet`` now, or None (a few bounded
    queries). What a higher app registers comes first (an integrated app,
    ASVI-63; a service association link, ASVI-65)."""
    refusal = registry.usage_refusal(vnet.arm_type, vnet)
    if refusal is not None:
        return refusal
    gateway = VirtualNetworkGateway.objects.filter(vnet=vnet).only("name").first()
    if gateway is not None:
        return refuse("ERR-14", "SUBNET-06", subnet=GATEWAY_SUBNET, resource=gateway.name)
    endpoint = PrivateEndpoint.objects.filter(subnet__vnet=vnet).select_related("subnet").first()
    if endpoint is not None:
        return refuse("ERR-14", "SUBNET-06", subnet=endpoint.subnet.name, resource=endpoint.name)
    nic = NetworkInterface.objects.filter(subnet__vnet=vnet).select_related("subnet").first()
    if nic is not None:
        return refuse("ERR-14", "SUBNET-06", subnet=nic.subnet.name, resource=nic.name)
    return None


def delete_vnet(vnet: VirtualNetwork) -> None:
    """Delete a VNet with its subnets and DNS zone links (PEDNS-21). Its
    peers' links to it become Disconnected (VNET-10)."""
    with transaction.atomic():
        vnet = _locked(vnet)
        problem = delete_problem(vnet)
        if problem is not None:
            raise problem
        sandbox = vnet.sandbox
        remote_sides = list(
            VirtualNetworkPeering.objects.filter(remote_vnet=vnet)
            .exclude(vnet=vnet)
            .select_related("vnet__resource_group__subscription")
        )
        VirtualNetworkPeering.objects.filter(pk__in=[p.pk for p in remote_sides]).update(
            peering_state="Disconnected", remote_arm_id=vnet.arm_id
        )
        for peering in remote_sides:
            portal_services.log_activity(sandbox, peering.vnet, "Create or Update Virtual Network Peering", "Succeeded")
        VirtualNetworkLink.objects.filter(vnet=vnet).delete()
        vnet.subnets.all().delete()
        portal_services.log_activity(sandbox, vnet, "Delete Virtual Network", "Succeeded")
        disconnected = ", ".join(f"'{p.vnet.name}/{p.name}'" for p in remote_sides)
        body = f"Virtual network '{vnet.name}' was deleted."
        if disconnected:
            body += f" Peerings now Disconnected: {disconnected}."
        rg = vnet.resource_group
        vnet.delete()
        link = reverse("resource_group", kwargs={"subscription_id": rg.subscription.subscription_id, "rg": rg.name})
        portal_services.notify(sandbox, "Deleted virtual network", body, NotificationLevel.SUCCESS, link)


def private_ip_count(vnet: VirtualNetwork) -> int:
    """Private IPs the VNet hands out (NICs, private endpoints' NICs included,
    and the pod addresses Azure CNI reserves, AKS-20): LIMIT-07."""
    nics = NetworkInterface.objects.filter(subnet__vnet=vnet).count()
    return nics + Subnet.objects.filter(vnet=vnet).aggregate(pods=Count("aks_pod_ips"))["pods"]


def check_private_ip_capacity(vnet: VirtualNetwork, adding: int = 1) -> None:
    """LIMIT-07, for code that adds NICs to a VNet."""
    if private_ip_count(vnet) + adding > MAX_PRIVATE_IPS_PER_VNET:
        raise rule_error(
            f"Virtual network '{vnet.name}' already uses {MAX_PRIVATE_IPS_PER_VNET:,} private IP addresses, the maximum.",
            "LIMIT-07",
        )


def _notify(vnet: VirtualNetwork, title: str, body: str) -> None:
    portal_services.notify(vnet.sandbox, title, body, NotificationLevel.SUCCESS, resource_url(vnet))


__all__ = [
    "AzureRuleError",
    "check_new_subnet",
    "check_new_vnet",
    "create_subnet",
    "create_vnet",
    "delete_subnet",
    "delete_vnet",
    "set_address_space",
    "set_dns_servers",
    "update_subnet",
    "validate_address_space",
    "validate_subnet_prefix",
]
