"""ARM JSON in and out for networking's core types: virtual networks (and
classic ones), subnets, peerings, network security groups, route tables,
network interfaces and virtual machines.

Out (``to_arm``) is what JSON View shows. ``export`` is what Export template
writes for one resource: the same document without the read-only
back-references (an NSG's ``subnets``), and a VNet's peerings as resources
of their own, since two peered VNets refer to each other.

In (``from_arm``) creates or updates the resource through networking's
services, so a template is refused by the same rules, with the same IDs, as
the blades; ``register_arm`` attaches all of it to the registered types.
"""

from __future__ import annotations

from typing import Any

from networking import models as m
from networking.arm_services import find_child
from networking.engine import rules as nsg_rules
from networking.services import compute, nsgs, peerings, routes, standalone, vnets
from portal.arm.context import DeployContext, refusals_at
from portal.arm.document import Document
from portal.models import ResourceGroup
from portal.registry import registry

VNET = "Microsoft.Network/virtualNetworks"
CLASSIC_VNET = "Microsoft.ClassicNetwork/virtualNetworks"
SUBNET = "Microsoft.Network/virtualNetworks/subnets"
PEERING = "Microsoft.Network/virtualNetworks/virtualNetworkPeerings"
NSG = "Microsoft.Network/networkSecurityGroups"
ROUTE_TABLE = "Microsoft.Network/routeTables"
NIC = "Microsoft.Network/networkInterfaces"
VM = "Microsoft.Compute/virtualMachines"


# --- out ---------------------------------------------------------------------------


def resource_to_arm(resource: Any) -> dict:
    return resource.arm_json()


def peering_to_arm(peering: m.VirtualNetworkPeering) -> dict:
    return {"id": f"{peering.vnet.arm_id}/virtualNetworkPeerings/{peering.name}", "type": PEERING, **peering.arm_json()}


def subnet_to_arm(subnet: m.Subnet) -> dict:
    return subnet.arm_json()


def nic_to_arm(nic: m.NetworkInterface) -> dict:
    """A NIC whose VM the lab doesn't simulate (the seed's contoso-vm01-nic)
    still names that VM, as Azure's NIC does."""
    document = nic.arm_json()
    if not nic.vm_id and not nic.scale_set and nic.vm_name:
        vm_id = f"{nic.resource_group.arm_id}/providers/{VM}/{nic.vm_name}"
        document["properties"]["virtualMachine"] = {"id": vm_id}
    return document


def classic_vnet_export(vnet: m.VirtualNetwork) -> list[dict]:
    """The classic VNet, then its gateway: the gateway isn't a resource of
    its own in listings (CLASSIC-02), so the VNet carries it into Export
    template, written as the lab's template deploy rebuilds it."""
    documents = [resource_to_arm(vnet)]
    gateway = m.VirtualNetworkGateway.objects.filter(vnet=vnet).select_related("resource_group__subscription").first()
    if gateway is not None:
        documents.append(registry.get(gateway.arm_type).to_arm(gateway))
    return documents


def _without(document: dict, *properties: str) -> dict:
    kept = {k: v for k, v in document["properties"].items() if k not in properties}
    return {**document, "properties": kept}


def vnet_export(vnet: m.VirtualNetwork) -> list[dict]:
    """The VNet with its subnets inline, then each peering as a resource that
    waits for the gateways it uses and, for remote gateways, for the other
    side's link offering them (VNET-11)."""
    documents = [_without(vnet.arm_json(), "virtualNetworkPeerings")]
    links = vnet.peerings.select_related(
        "remote_vnet__resource_group__subscription", "vnet__resource_group__subscription"
    )
    for link in links:
        if link.remote_vnet_id is None:
            continue  # Disconnected from a deleted VNet: nothing to deploy it against.
        document = _without(peering_to_arm(link), "peeringState")
        needs = [vnet.arm_id]
        if link.allow_gateway_transit and hasattr(vnet, "gateway"):
            needs.append(vnet.gateway.arm_id)
        if link.use_remote_gateways:
            remote = link.remote_vnet
            if hasattr(remote, "gateway"):
                needs.append(remote.gateway.arm_id)
            needs += [
                f"{remote.arm_id}/virtualNetworkPeerings/{p.name}" for p in remote.peerings.filter(remote_vnet=vnet)
            ]
        document["dependsOn"] = needs
        documents.append(document)
    return documents


def nsg_export(nsg: m.NetworkSecurityGroup) -> list[dict]:
    return [_without(nsg.arm_json(), "subnets", "networkInterfaces")]


def route_table_export(table: m.RouteTable) -> list[dict]:
    return [_without(table.arm_json(), "subnets")]


def nic_export(nic: m.NetworkInterface) -> list[dict]:
    """A private endpoint's NIC is the endpoint's to make; a VM's NIC leaves
    the link to the VM, which names its NICs."""
    if m.PrivateEndpoint.objects.filter(nic=nic).exists():
        return []
    document = nic_to_arm(nic)
    return [_without(document, "virtualMachine") if nic.vm_id else document]


# --- in: virtual networks and subnets ---------------------------------------------------


def _location(doc: Document) -> str:
    return doc.get("location", str)


def _existing(model, rg: ResourceGroup, name: str):
    return model.objects.filter(resource_group=rg, name__iexact=name).first()


def vnet_from_arm(ctx: DeployContext, rg: ResourceGroup, document: dict) -> m.VirtualNetwork:
    return _vnet(ctx, rg, Document(document), classic=False)


def classic_vnet_from_arm(ctx: DeployContext, rg: ResourceGroup, document: dict) -> m.VirtualNetwork:
    return _vnet(ctx, rg, Document(document), classic=True)


def _vnet(ctx: DeployContext, rg: ResourceGroup, doc: Document, *, classic: bool) -> m.VirtualNetwork:
    name, location = doc.get("name", str), _location(doc)
    space = doc.strings("properties.addressSpace.addressPrefixes")
    dns = doc.strings("properties.dhcpOptions.dnsServers", [])
    subnets = list(doc.items("properties.subnets"))
    vnet = _existing(m.VirtualNetwork, rg, name)
    if vnet is None:
        subnet_fields = {
            field: sub.path(path)
            for i, sub in subnets
            for field, path in ((f"subnet_name_{i}", "name"), (f"subnet_prefix_{i}", "properties.addressPrefix"))
        }
        with refusals_at(doc.resource, "properties.addressSpace.addressPrefixes", subnet_fields):
            if classic:
                # Classic subnets have no settings beyond their range: made with the VNet.
                plain = [(s.get("name", str), _prefix(s)) for _, s in subnets]
                return _dns(
                    standalone.create_classic_vnet(
                        rg, name=name, location=location, address_space=space, subnets=plain
                    ),
                    dns,
                    doc,
                )
            vnet = vnets.create_vnet(rg, name=name, location=location, address_space=space, subnets=[], log=False)
    else:
        if vnet.is_classic != classic:
            raise doc.error(f"'{name}' already exists as a {vnet.type_label.lower()}.", "type")
        if vnet.location != location:
            raise doc.error(f"'{name}' exists in {vnet.location}; a virtual network can't move regions.", "location")
        if sorted(vnet.address_space) != sorted(space):
            with refusals_at(doc.resource, "properties.addressSpace.addressPrefixes", {}):
                vnet = vnets.set_address_space(vnet, space)
    _dns(vnet, dns, doc)
    for _, subnet in subnets:
        apply_subnet(ctx, vnet, subnet)
    for _, link in doc.items("properties.virtualNetworkPeerings"):
        apply_peering(ctx, vnet, link)
    return vnet


def _dns(vnet: m.VirtualNetwork, dns: list[str], doc: Document) -> m.VirtualNetwork:
    """DNS servers, set when the template's differ from the VNet's."""
    if list(vnet.dns_servers) != dns:
        with refusals_at(doc.resource, "properties.dhcpOptions.dnsServers"):
            vnet = vnets.set_dns_servers(vnet, dns or None)
    return vnet


def _prefix(subnet: Document) -> str:
    """``properties.addressPrefix``, or the first of ``addressPrefixes``
    (a classic subnet may carry ``addressPrefix`` at its top level)."""
    for path in ("properties.addressPrefix", "addressPrefix"):
        value = subnet.get(path, str, None)
        if value is not None:
            return value
    prefixes = subnet.strings("properties.addressPrefixes", [])
    if not prefixes:
        raise subnet.error("A subnet needs an address prefix.", "properties.addressPrefix")
    return prefixes[0]


def apply_subnet(ctx: DeployContext, vnet: m.VirtualNetwork, doc: Document) -> m.Subnet:
    """Create the subnet ``doc`` describes in ``vnet``, or update it."""
    name = doc.get("name", str)
    prefix = _prefix(doc)
    delegations = [d.get("properties.serviceName", str) for _, d in doc.items("properties.delegations")]
    if len(delegations) > 1:
        raise doc.error("This lab delegates a subnet to one service at most.", "properties.delegations")
    endpoints = [e.get("service", str) for _, e in doc.items("properties.serviceEndpoints")]
    nsg_id = doc.reference("properties.networkSecurityGroup", None)
    table_id = doc.reference("properties.routeTable", None)
    nsg = (
        ctx.resolve(nsg_id, resource=doc.resource, path=doc.path("properties.networkSecurityGroup.id"))
        if nsg_id
        else None
    )
    table = (
        ctx.resolve(table_id, resource=doc.resource, path=doc.path("properties.routeTable.id")) if table_id else None
    )
    policies = doc.get("properties.privateEndpointNetworkPolicies", str, "Disabled")
    # DOA-03: read where the era's API knows it; Classic's ignored it (the
    # service does too). Left out, an existing subnet keeps its setting.
    outbound = (
        doc.get("properties.defaultOutboundAccess", bool, None) if vnet.sandbox.rules.private_subnet_option else None
    )
    settings = {
        "nsg": nsg,
        "route_table": table,
        "service_endpoints": endpoints,
        "delegation": delegations[0] if delegations else "",
        "private_endpoint_network_policies": policies,
        "default_outbound_access": outbound,
    }
    existing = m.Subnet.objects.filter(vnet=vnet, name__iexact=name).select_related("vnet__sandbox").first()
    with refusals_at(doc.resource, doc.path("properties"), {"subnet_name": doc.path("name")}):
        if existing is None:
            return vnets.create_subnet(vnet, name=name, prefix=prefix, log=False, **settings)
        return vnets.update_subnet(existing, prefix=prefix, **settings)


def _parent(ctx: DeployContext, rg: ResourceGroup, doc: Document) -> tuple[m.VirtualNetwork, str]:
    """A child resource's VNet (from ``vnet/child`` names) and its own name."""
    parent, _, name = doc.get("name", str).partition("/")
    vnet_id = f"{rg.arm_id}/providers/{VNET}/{parent}"
    return ctx.resolve(vnet_id, resource=doc.resource, path="name"), name


def subnet_from_arm(ctx: DeployContext, rg: ResourceGroup, document: dict) -> m.Subnet:
    doc = Document(document)
    vnet, name = _parent(ctx, rg, doc)
    return apply_subnet(ctx, vnet, Document({**document, "name": name}, resource=doc.resource))


# --- peerings ----------------------------------------------------------------------------


def apply_peering(ctx: DeployContext, vnet: m.VirtualNetwork, doc: Document) -> m.VirtualNetworkPeering:
    """One link of a peering. A new link is added on its own (Initiated until
    the other side's link exists, then both Connected, VNET-10); "use remote
    gateways" is set afterwards, once the link exists, by the same checks as
    the link's own pane (VNET-11)."""
    name = doc.get("name", str)
    remote_id = doc.reference("properties.remoteVirtualNetwork")
    remote = ctx.resolve(remote_id, resource=doc.resource, path=doc.path("properties.remoteVirtualNetwork.id"))
    transit = doc.get("properties.allowGatewayTransit", bool, False)
    use_remote = doc.get("properties.useRemoteGateways", bool, False)
    if transit and use_remote:
        raise doc.error(
            "A link can't both offer its gateway and use the remote one (VNET-11).", "properties.useRemoteGateways"
        )
    settings = peerings.LinkSettings(
        allow_access=doc.get("properties.allowVirtualNetworkAccess", bool, True),
        allow_forwarded=doc.get("properties.allowForwardedTraffic", bool, False),
        transit=transit,
        use_remote=use_remote,
    )
    link = m.VirtualNetworkPeering.objects.filter(vnet=vnet, name__iexact=name).first()
    fields = {
        "name": doc.path("name"),
        "transit": doc.path("properties.allowGatewayTransit"),
        "use_remote": doc.path("properties.useRemoteGateways"),
    }
    with refusals_at(doc.resource, doc.path("properties"), fields):
        if link is None:
            first = (
                settings if not use_remote else peerings.LinkSettings(settings.allow_access, settings.allow_forwarded)
            )
            link = peerings.add_peering(
                vnet,
                remote,
                name=name,
                remote_name="",
                local=first,
                remote_settings=peerings.LinkSettings(),
                link_remote=False,
            )
            if first == settings:
                return link
        peerings.update_peering(link, settings)
    link.refresh_from_db()
    return link


def peering_from_arm(ctx: DeployContext, rg: ResourceGroup, document: dict) -> m.VirtualNetworkPeering:
    doc = Document(document)
    vnet, name = _parent(ctx, rg, doc)
    return apply_peering(ctx, vnet, Document({**document, "name": name}, resource=doc.resource))


# --- network security groups and route tables -------------------------------------------


def _side(values: list[str]) -> tuple[str, str, str]:
    """ARM's address prefixes as the rule pane's (kind, IP addresses, tag)."""
    if values in ([], [nsg_rules.ANY]):
        return "Any", "", ""
    if len(values) == 1 and "/" not in values[0] and nsg_rules.canonical_tag(values[0]) is not None:
        return "ServiceTag", "", values[0]
    return "IPAddresses", ", ".join(values), ""


def _plural(doc: Document, singular: str) -> list[str]:
    """``sourceAddressPrefixes``, or the one ``sourceAddressPrefix``."""
    values = doc.strings(f"properties.{singular}es", [])
    if not values:
        one = doc.get(f"properties.{singular}", str, None)
        values = [one] if one is not None else []
    return values


def _rule_data(doc: Document) -> tuple[str, dict]:
    source = _side(_plural(doc, "sourceAddressPrefix"))
    destination = _side(_plural(doc, "destinationAddressPrefix"))
    priority = doc.get("properties.priority", (int, str))
    return doc.get("properties.direction", str), {
        "name": doc.get("name", str),
        "priority": str(priority),
        "service": "Custom",
        "protocol": doc.get("properties.protocol", str),
        "access": doc.get("properties.access", str),
        "source": source[0],
        "source_ips": source[1],
        "source_tag": source[2],
        "source_ports": ",".join(
            doc.strings("properties.sourcePortRanges", []) or [doc.get("properties.sourcePortRange", str, "*")]
        ),
        "destination": destination[0],
        "destination_ips": destination[1],
        "destination_tag": destination[2],
        "destination_ports": ",".join(
            doc.strings("properties.destinationPortRanges", [])
            or [doc.get("properties.destinationPortRange", str, "*")]
        ),
        "description": doc.get("properties.description", str, ""),
    }


def nsg_from_arm(ctx: DeployContext, rg: ResourceGroup, document: dict) -> m.NetworkSecurityGroup:
    doc = Document(document)
    name, location = doc.get("name", str), _location(doc)
    rules = [(i, r, *_rule_data(r)) for i, r in doc.items("properties.securityRules")]
    nsg = _existing(m.NetworkSecurityGroup, rg, name)
    if nsg is None:
        with refusals_at(doc.resource, "name", {}):
            nsg = nsgs.create_nsg(rg, name=name, location=location)
    for _, rule_doc, direction, data in rules:
        current = m.SecurityRule.objects.filter(nsg=nsg, name__iexact=data["name"]).first()
        with refusals_at(doc.resource, rule_doc.path("properties"), {"name": rule_doc.path("name")}):
            if current is None:
                nsgs.add_rule(nsg, direction, data)
            elif current.direction != direction:
                raise rule_doc.error("A security rule's direction can't change.", "properties.direction")
            else:
                nsgs.update_rule(current, data)
    return nsg


def route_table_from_arm(ctx: DeployContext, rg: ResourceGroup, document: dict) -> m.RouteTable:
    doc = Document(document)
    name, location = doc.get("name", str), _location(doc)
    propagate = not doc.get("properties.disableBgpRoutePropagation", bool, False)
    table_routes = [
        (
            r,
            {
                "name": r.get("name", str),
                "address_prefix": r.get("properties.addressPrefix", str),
                "next_hop_type": r.get("properties.nextHopType", str),
                "next_hop_ip": r.get("properties.nextHopIpAddress", str, ""),
            },
        )
        for _, r in doc.items("properties.routes")
    ]
    table = _existing(m.RouteTable, rg, name)
    if table is None:
        with refusals_at(doc.resource, "name", {}):
            table = routes.create_route_table(rg, name=name, location=location, propagate=propagate)
    elif table.disable_bgp_route_propagation != (not propagate):
        routes.set_propagation(table, propagate)
    for route_doc, data in table_routes:
        current = m.Route.objects.filter(route_table=table, name__iexact=data["name"]).first()
        with refusals_at(doc.resource, route_doc.path("properties"), {"name": route_doc.path("name")}):
            if current is None:
                routes.add_route(table, data)
            else:
                routes.update_route(current, data)
    return table


# --- network interfaces and virtual machines ------------------------------------------


def nic_from_arm(ctx: DeployContext, rg: ResourceGroup, document: dict) -> m.NetworkInterface:
    """A NIC with one IP configuration. ``virtualMachine`` naming a VM that
    isn't in the sandbox is a VM the lab doesn't simulate."""
    doc = Document(document)
    name, location = doc.get("name", str), _location(doc)
    configs = list(doc.items("properties.ipConfigurations"))
    if len(configs) != 1:
        raise doc.error(
            "This lab simulates network interfaces with exactly one IP configuration.", "properties.ipConfigurations"
        )
    config = configs[0][1]
    subnet_path = config.path("properties.subnet.id")
    subnet = ctx.resolve(config.reference("properties.subnet"), resource=doc.resource, path=subnet_path)
    nsg_id = doc.reference("properties.networkSecurityGroup", None)
    nsg = ctx.resolve(nsg_id, resource=doc.resource, path="properties.networkSecurityGroup.id") if nsg_id else None
    vm_id = doc.reference("properties.virtualMachine", None)
    public = config.get("properties.publicIPAddress.ipAddress", str, "")
    existing = _existing(m.NetworkInterface, rg, name)
    if existing is not None:
        return _nic_again(doc, existing, subnet, nsg, config.get("properties.privateIPAddress", str, ""))
    with refusals_at(doc.resource, config.path("properties"), {}):
        return standalone.create_nic(
            rg,
            name=name,
            location=location,
            subnet=subnet,
            private_ip=config.get("properties.privateIPAddress", str, ""),
            enable_ip_forwarding=doc.get("properties.enableIPForwarding", bool, False),
            nsg=nsg,
            vm_name=vm_id.rstrip("/").rsplit("/", 1)[-1] if vm_id else "",
            public_ip=public,
        )


def _nic_again(
    doc: Document, nic: m.NetworkInterface, subnet: m.Subnet, nsg: m.NetworkSecurityGroup | None, private_ip: str
) -> m.NetworkInterface:
    """A NIC deployed again: its NSG follows the template (NSG-20, the NSG
    blade's association); its subnet and address stay what they are."""
    if nic.subnet_id != subnet.pk or (private_ip and private_ip != nic.private_ip):
        raise doc.error(
            f"Network interface '{nic.name}' exists with {nic.private_ip} in another configuration; "
            "this lab doesn't move a NIC.",
            "properties.ipConfigurations[0].properties",
        )
    with refusals_at(doc.resource, "properties.networkSecurityGroup.id", {}):
        if nic.nsg_id and (nsg is None or nsg.pk != nic.nsg_id):
            nsgs.dissociate_nic(nic.nsg, nic)
            nic.refresh_from_db()
        if nsg is not None and nic.nsg_id != nsg.pk:
            nsgs.associate_nic(nsg, nic)
            nic.refresh_from_db()
    return nic


def vm_from_arm(ctx: DeployContext, rg: ResourceGroup, document: dict) -> m.VirtualMachine:
    doc = Document(document)
    name, location = doc.get("name", str), _location(doc)
    nics = [
        ctx.resolve(n.get("id", str), resource=doc.resource, path=n.path("id"))
        for _, n in doc.items("properties.networkProfile.networkInterfaces")
    ]
    existing = _existing(m.VirtualMachine, rg, name)
    if existing is not None:
        # Deployed again: the same VM on the same NICs is already there.
        if sorted(n.pk for n in nics) != sorted(existing.nics.values_list("pk", flat=True)):
            raise doc.error(
                f"Virtual machine '{name}' exists with other network interfaces; this lab doesn't move a NIC.",
                "properties.networkProfile.networkInterfaces",
            )
        return existing
    with refusals_at(doc.resource, "properties", {}):
        return standalone.create_vm_on_nics(
            rg,
            name=name,
            location=location,
            size=doc.get("properties.hardwareProfile.vmSize", str),
            os_type=doc.get("properties.storageProfile.osDisk.osType", str, "Linux"),
            nics=nics,
        )


# --- finding child resources by ID ---------------------------------------------------


def find_subnet(sandbox, parsed) -> m.Subnet | None:
    vnet_name, name = parsed.names
    return (
        m.Subnet.objects.filter(
            vnet__sandbox=sandbox,
            vnet__resource_group__name__iexact=parsed.resource_group,
            vnet__name__iexact=vnet_name,
            vnet__is_classic=False,
            name__iexact=name,
        )
        .select_related("vnet__sandbox")
        .first()
    )


def find_peering(sandbox, parsed) -> m.VirtualNetworkPeering | None:
    vnet_name, name = parsed.names
    return m.VirtualNetworkPeering.objects.filter(
        vnet__sandbox=sandbox,
        vnet__resource_group__name__iexact=parsed.resource_group,
        vnet__name__iexact=vnet_name,
        name__iexact=name,
    ).first()


# --- registration ------------------------------------------------------------------------

# ARM type: (to_arm, from_arm, export)
ARM_FUNCTIONS = {
    VNET: (resource_to_arm, vnet_from_arm, vnet_export),
    CLASSIC_VNET: (resource_to_arm, classic_vnet_from_arm, classic_vnet_export),
    SUBNET: (subnet_to_arm, subnet_from_arm, None),
    PEERING: (peering_to_arm, peering_from_arm, None),
    NSG: (resource_to_arm, nsg_from_arm, nsg_export),
    ROUTE_TABLE: (resource_to_arm, route_table_from_arm, route_table_export),
    NIC: (nic_to_arm, nic_from_arm, nic_export),
    VM: (resource_to_arm, vm_from_arm, None),
}

def find_rule(sandbox, parsed) -> m.SecurityRule | None:
    return find_child(m.SecurityRule, "nsg", sandbox, parsed)


def find_route(sandbox, parsed) -> m.Route | None:
    return find_child(m.Route, "route_table", sandbox, parsed)


SECURITY_RULE = f"{NSG}/securityRules"
ROUTE = f"{ROUTE_TABLE}/routes"

# How a child type is found by its ID: one a template deploys on its own,
# and the inline ones (rules, routes) an ARM DELETE removes.
CHILD_FINDERS = {SUBNET: find_subnet, PEERING: find_peering, SECURITY_RULE: find_rule, ROUTE: find_route}

# The delete service of each type, for an ARM DELETE (portal.arm.operations).
DELETE_FUNCTIONS = {
    VNET: vnets.delete_vnet,
    SUBNET: vnets.delete_subnet,
    PEERING: peerings.delete_peering,
    NSG: nsgs.delete_nsg,
    ROUTE_TABLE: routes.delete_route_table,
    NIC: compute.delete_nic,
    VM: compute.delete_vm,
    SECURITY_RULE: nsgs.delete_rule,
    ROUTE: routes.delete_route,
}


def register_arm() -> None:
    """Attach ARM JSON in and out to networking's registered types."""
    for arm_type, (to_arm, from_arm, export) in ARM_FUNCTIONS.items():
        found = registry.get(arm_type)
        if arm_type in CHILD_FINDERS and found.find is None:
            found.find = CHILD_FINDERS[arm_type]
        found.to_arm, found.from_arm = to_arm, from_arm
        found.delete = DELETE_FUNCTIONS.get(arm_type, found.delete)
        if export is not None:
            found.export = export
    # The inline children: no ARM JSON of their own (their parent's
    # document carries them), but found and deleted by ID.
    for arm_type in (SECURITY_RULE, ROUTE):
        found = registry.get(arm_type)
        found.find, found.delete = CHILD_FINDERS[arm_type], DELETE_FUNCTIONS[arm_type]
