"""ARM JSON in and out for NAT gateways and public IP addresses, and the
subnet's side of a NAT gateway association (``properties.natGateway``).

Out (``to_arm``) is what JSON View shows; ``export`` leaves out what Azure
generates or what the other side of a link carries (a public IP's address
and its ``natGateway``, a NAT gateway's ``subnets``: the subnets name their
NAT gateway), so a template never refers in a circle.

In (``from_arm``) goes through services.nat, so a template meets the same
rules and rule IDs as the blades. ARM's PUT replaces: a NAT gateway's
public IPs and a subnet's NAT gateway are made to match the document.
"""

from __future__ import annotations

from typing import Any

from networking import models as m
from networking.services import nat as services
from portal.arm.context import DeployContext, refusals_at
from portal.arm.document import Document
from portal.models import ResourceGroup
from portal.registry import registry

NAT_GATEWAY = "Microsoft.Network/natGateways"
PUBLIC_IP = "Microsoft.Network/publicIPAddresses"
VNET = "Microsoft.Network/virtualNetworks"
SUBNET = "Microsoft.Network/virtualNetworks/subnets"


# --- out ------------------------------------------------------------------------------------


def nat_gateway_to_arm(nat: m.NatGateway) -> dict:
    document = {**nat.arm_json(), "sku": {"name": "Standard"}}
    if nat.zone:
        document["zones"] = [nat.zone]
    return document


def public_ip_to_arm(pip: m.PublicIPAddress) -> dict:
    return {**pip.arm_json(), "sku": {"name": pip.sku, "tier": "Regional"}}


def _without(document: dict, *properties: str) -> dict:
    return {**document, "properties": {k: v for k, v in document["properties"].items() if k not in properties}}


def nat_gateway_export(nat: m.NatGateway) -> list[dict]:
    return [_without(nat_gateway_to_arm(nat), "subnets")]


def public_ip_export(pip: m.PublicIPAddress) -> list[dict]:
    return [_without(public_ip_to_arm(pip), "ipAddress", "natGateway", "ipConfiguration")]


# --- in ---------------------------------------------------------------------------------------


def public_ip_from_arm(ctx: DeployContext, rg: ResourceGroup, document: dict) -> m.PublicIPAddress:
    """A public IP: SKU (PIP-01), allocation (PIP-02); the address is the
    lab's to allot (PIP-05), so a document's ``ipAddress`` is not read."""
    doc = Document(document)
    name, location = doc.get("name", str), doc.get("location", str)
    sku = doc.get("sku.name", str, "Standard")
    allocation = doc.get("properties.publicIPAllocationMethod", str, "Static" if sku == "Standard" else "Dynamic")
    existing = m.PublicIPAddress.objects.filter(resource_group=rg, name__iexact=name).first()
    if existing is not None:
        if (existing.sku, existing.allocation_method, existing.location) != (sku, allocation, location):
            raise doc.error(
                f"'{name}' exists as a {existing.sku} {existing.allocation_method} address in {existing.location}; "
                "the lab doesn't change a public IP's SKU, assignment or region.",
                "sku",
            )
        return existing
    with refusals_at(doc.resource, "properties"):
        return services.create_public_ip(rg, services.PublicIpSpec(name, location, sku, allocation))


def nat_gateway_from_arm(ctx: DeployContext, rg: ResourceGroup, document: dict) -> m.NatGateway:
    """A NAT gateway and its public IPs (NAT-04, NAT-05, PIP-03, NAT-09)."""
    doc = Document(document)
    name, location = doc.get("name", str), doc.get("location", str)
    if doc.get("sku.name", str, "Standard") != "Standard":
        raise doc.error("The lab's NAT gateways are of the Standard SKU.", "sku.name")
    zones = doc.strings("zones", [])
    timeout = doc.get("properties.idleTimeoutInMinutes", int, 4)
    wanted = []
    for i, ref in doc.items("properties.publicIpAddresses"):
        path = f"properties.publicIpAddresses[{i}].id"
        pip = ctx.resolve(ref.get("id", str), resource=doc.resource, path=path)
        if not isinstance(pip, m.PublicIPAddress):
            raise doc.error("The reference must name a public IP address.", path)
        wanted.append(pip)
    nat = m.NatGateway.objects.filter(resource_group=rg, name__iexact=name).first()
    with refusals_at(doc.resource, "properties.publicIpAddresses"):
        if nat is None:
            spec = services.NatGatewaySpec(
                name=name, location=location, idle_timeout=timeout, zone=zones[0] if zones else "", public_ips=wanted
            )
            return services.create_nat_gateway(rg, spec)
        if nat.location != location:
            raise doc.error(f"'{name}' exists in {nat.location}; a NAT gateway can't move regions.", "location")
        if nat.idle_timeout_minutes != timeout:
            raise doc.error("The lab doesn't change a NAT gateway's idle timeout.", "properties.idleTimeoutInMinutes")
        current = {p.pk: p for p in nat.public_ips.all()}
        for pip in wanted:
            if pip.pk not in current:
                services.associate_public_ip(nat, pip)
        for pk, pip in current.items():
            if pk not in {p.pk for p in wanted}:
                services.dissociate_public_ip(nat, pip)
    return nat


def apply_subnet_nat(ctx: DeployContext, subnet: m.Subnet, doc: Document) -> None:
    """A subnet's ``properties.natGateway``: associate the one it names (NAT-01
    to NAT-05), or dissociate the one it no longer names."""
    nat_id = doc.reference("properties.natGateway", None)
    nat = ctx.resolve(nat_id, resource=doc.resource, path=doc.path("properties.natGateway.id")) if nat_id else None
    if nat is not None and not isinstance(nat, m.NatGateway):
        raise doc.error("The reference must name a NAT gateway.", "properties.natGateway.id")
    subnet = m.Subnet.objects.select_related("vnet", "nat_gateway").get(pk=subnet.pk)
    if (nat.pk if nat else None) == subnet.nat_gateway_id:
        return
    with refusals_at(doc.resource, doc.path("properties.natGateway")):
        if subnet.nat_gateway_id:
            services.dissociate_subnet(subnet.nat_gateway, subnet)
            subnet.nat_gateway = None
        if nat is not None:
            services.associate_subnet(nat, subnet)


def _with_subnet_nat(from_arm):
    """A subnet's from_arm, then its NAT gateway."""

    def subnet_from_arm(ctx: DeployContext, rg: ResourceGroup, document: dict) -> Any:
        subnet = from_arm(ctx, rg, document)
        apply_subnet_nat(ctx, subnet, Document(document))
        return subnet

    return subnet_from_arm


def _with_subnets_nat(from_arm):
    """A VNet's from_arm, then the NAT gateway of each subnet it lists inline."""

    def vnet_from_arm(ctx: DeployContext, rg: ResourceGroup, document: dict) -> Any:
        vnet = from_arm(ctx, rg, document)
        for _, subnet_doc in Document(document).items("properties.subnets"):
            subnet = vnet.subnets.filter(name__iexact=subnet_doc.get("name", str)).first()
            if subnet is not None:
                apply_subnet_nat(ctx, subnet, subnet_doc)
        return vnet

    return vnet_from_arm


def register_arm() -> None:
    """Attach ARM JSON in and out to the two types, and the NAT gateway
    association to the subnet and VNet types' ARM JSON in (registered by
    networking/arm.py before this runs)."""
    for arm_type, to_arm, from_arm, export, delete in (
        (NAT_GATEWAY, nat_gateway_to_arm, nat_gateway_from_arm, nat_gateway_export, services.delete_nat_gateway),
        (PUBLIC_IP, public_ip_to_arm, public_ip_from_arm, public_ip_export, services.delete_public_ip),
    ):
        found = registry.get(arm_type)
        found.to_arm, found.from_arm, found.export, found.delete = to_arm, from_arm, export, delete
    for arm_type, wrap in ((SUBNET, _with_subnet_nat), (VNET, _with_subnets_nat)):
        found = registry.find(arm_type)
        if found is not None and found.from_arm is not None:
            found.from_arm = wrap(found.from_arm)
