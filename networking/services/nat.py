"""State changes of public IP addresses and NAT gateways: create, delete,
and the associations (a NAT gateway's public IPs and subnets), validated as
Azure does.

The catalogue (azure-rules.md) has no rules for these two types beyond
ASRT-17; the lab's own IDs are listed in docs/fidelity.md:

- NAT-01 a subnet has at most one NAT gateway;
- NAT-02 a NAT gateway's subnets are all in one (Resource Manager) virtual network;
- NAT-03 a NAT gateway can't serve the GatewaySubnet;
- NAT-04 its public IPs are Standard, static IPv4 addresses, at most 16;
- NAT-05 the NAT gateway, its public IPs and its subnets are in one region;
- NAT-06 a NAT gateway that subnets use can't be deleted;
- NAT-07 it takes precedence over instance-level public IPs and default
  outbound access for outbound traffic (the engine's part);
- NAT-08 it carries TCP and UDP, not ICMP (the engine's part);
- NAT-09 its TCP idle timeout is 4 to 120 minutes;
- PIP-01 the Basic SKU exists in the Classic era only (retired 30 September 2025);
- PIP-02 a Standard address is Static; a Dynamic (Basic) one has no address
  until the resource it serves runs;
- PIP-03 a public IP serves one resource at a time;
- PIP-04 a public IP in use can't be deleted;
- PIP-05 the lab allots each sandbox's addresses from 198.51.100.0/24.

Validators only read; the create and association functions write, each in
one transaction, with conditional updates so two tabs can't both win.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network

from django.db import IntegrityError, transaction

from networking.models import NatGateway, PublicIPAddress, Subnet
from networking.services import links
from networking.services.nsgs import validate_resource_name
from portal import services as portal_services
from portal.errors import AzureRuleError, rule_error
from portal.models import REGIONS, NotificationLevel, ResourceGroup, Sandbox, region_name
from portal.registry import registry
from portal.resources import resource_url

# PIP-05: RFC 5737's TEST-NET-2, a documentation range no real host answers on.
ADDRESS_POOL = IPv4Network("198.51.100.0/24")
MAX_NAT_PUBLIC_IPS = 16  # NAT-04
IDLE_TIMEOUT_MINUTES = (4, 120)  # NAT-09
GATEWAY_SUBNET = "GatewaySubnet"
# PIP-01: the SKUs the era's portal offers, the default first.
SKUS_BY_ERA = {"classic": ("Basic", "Standard"), "current": ("Standard",)}
ALLOCATIONS = ("Dynamic", "Static")
# "" is "No Zone".
ZONES = (("", "No Zone"), ("1", "1"), ("2", "2"), ("3", "3"))


def validate_public_ip_name(value: str, field: str = "name") -> str:
    return validate_resource_name(value, kind="Public IP address", rule_id="NAMING-35", field=field)


def validate_nat_gateway_name(value: str, field: str = "name") -> str:
    # NAMING-36 (the lab's own ID): Microsoft.Network/natGateways naming rule.
    return validate_resource_name(value, kind="NAT gateway", rule_id="NAMING-36", field=field)


def check_region(location: str, field: str = "region") -> str:
    if location not in REGIONS:
        raise rule_error("Choose a region.", "NAT-05", field=field)
    return location


def check_idle_timeout(value, field: str = "idle_timeout") -> int:
    """NAT-09: a whole number of minutes from 4 to 120."""
    low, high = IDLE_TIMEOUT_MINUTES
    try:
        minutes = int(str(value).strip())
    except (TypeError, ValueError):
        minutes = None
    if minutes is None or not low <= minutes <= high:
        raise rule_error(
            f"The TCP idle timeout must be a whole number of minutes from {low} to {high}.", "NAT-09", field=field
        )
    return minutes


def check_zone(value: str, field: str = "zone") -> str:
    if value not in dict(ZONES):
        raise rule_error("Choose an availability zone, or No Zone.", "NAT-05", field=field)
    return value


def skus_for(sandbox: Sandbox) -> tuple[str, ...]:
    return SKUS_BY_ERA.get(sandbox.era, SKUS_BY_ERA["current"])


# --- public IP addresses --------------------------------------------------------------------


@dataclass(frozen=True)
class PublicIpSpec:
    """What "Create public IP address" (or the NAT wizard's "Create a new
    public IP address") asks for."""

    name: str
    location: str
    sku: str = "Standard"
    allocation: str = "Static"


def check_public_ip(
    sandbox: Sandbox, rg: ResourceGroup | None, spec: PublicIpSpec, *, prefix: str = ""
) -> PublicIpSpec:
    """Every rule a new public IP meets, reading only; ``prefix`` names the
    fields of a form that nests it ("public_ip_" in the NAT wizard)."""
    name = validate_public_ip_name(spec.name, field=f"{prefix}name")
    check_region(spec.location)
    skus = skus_for(sandbox)
    if spec.sku not in skus:
        raise rule_error(
            f"The {spec.sku or 'chosen'} SKU isn't available: choose {' or '.join(skus)}."
            + (" Basic public IPs were retired on 30 September 2025." if spec.sku == "Basic" else ""),
            "PIP-01",
            field=f"{prefix}sku",
        )
    if spec.allocation not in ALLOCATIONS:
        raise rule_error("Choose Dynamic or Static.", "PIP-02", field=f"{prefix}allocation")
    if spec.sku == "Standard" and spec.allocation != "Static":
        raise rule_error("A Standard SKU public IP address must be Static.", "PIP-02", field=f"{prefix}allocation")
    if rg is not None and PublicIPAddress.objects.filter(resource_group=rg, name__iexact=name).exists():
        raise rule_error(
            f"A public IP address named '{name}' already exists in '{rg.name}'.", "NAMING-35", field=f"{prefix}name"
        )
    if spec.allocation == "Static" and _free_address(sandbox) is None:
        raise _pool_exhausted(f"{prefix}name")
    return PublicIpSpec(name, spec.location, spec.sku, spec.allocation)


def _pool_exhausted(field: str) -> AzureRuleError:
    return rule_error(
        f"This sandbox has used all {ADDRESS_POOL.num_addresses - 2} public addresses of the lab's range "
        f"{ADDRESS_POOL}. Delete a public IP address first.",
        "PIP-05",
        field=field,
    )


def check_free_address(sandbox: Sandbox, *, field: str = "name") -> None:
    """PIP-05: refused when the sandbox's range has no address left for a
    new Static public IP (one a service makes for itself, too)."""
    if _free_address(sandbox) is None:
        raise _pool_exhausted(field)


def _free_address(sandbox: Sandbox) -> IPv4Address | None:
    """PIP-05: the lowest address of the pool no public IP of the sandbox holds."""
    taken = set(
        PublicIPAddress.objects.filter(sandbox=sandbox, ip_address__isnull=False).values_list("ip_address", flat=True)
    )
    return next((a for a in ADDRESS_POOL.hosts() if str(a) not in taken), None)


def create_public_ip(rg: ResourceGroup, spec: PublicIpSpec, *, announce: bool = True) -> PublicIPAddress:
    """ "Create public IP address". A Static address is allotted now (PIP-05);
    two creates racing for one address meet the unique constraint and the
    loser takes the next one."""
    sandbox = rg.subscription.sandbox
    registry.refuse_change(rg)
    spec = check_public_ip(sandbox, rg, spec)
    with transaction.atomic():
        pip = None
        for _ in range(5):
            address = _free_address(sandbox) if spec.allocation == "Static" else None
            if spec.allocation == "Static" and address is None:
                raise _pool_exhausted("name")
            try:
                with transaction.atomic():
                    pip = PublicIPAddress.objects.create(
                        sandbox=sandbox,
                        resource_group=rg,
                        name=spec.name,
                        location=spec.location,
                        sku=spec.sku,
                        allocation_method=spec.allocation,
                        ip_address=str(address) if address else None,
                    )
                break
            except IntegrityError:
                if PublicIPAddress.objects.filter(resource_group=rg, name__iexact=spec.name).exists():
                    raise rule_error(
                        f"A public IP address named '{spec.name}' already exists in '{rg.name}'.",
                        "NAMING-35",
                        field="name",
                    ) from None
        if pip is None:
            raise _pool_exhausted("name")
        if announce:
            portal_services.deployed(
                sandbox,
                pip,
                "Create or Update Public Ip Address",
                f"Public IP address '{pip.name}' ({pip.address_label}) was created in '{rg.name}'.",
            )
        else:
            portal_services.log_activity(sandbox, pip, "Create or Update Public Ip Address", "Succeeded")
    return pip


def delete_public_ip(pip: PublicIPAddress) -> None:
    """PIP-04: Azure refuses to delete an address a resource uses."""
    with transaction.atomic():
        registry.refuse_delete(pip)
        current = (
            PublicIPAddress.objects.select_for_update(of=("self",))
            .filter(pk=pip.pk)
            .select_related("nat_gateway", "load_balancer")
            .first()
        )
        if current is None:
            return
        if current.nat_gateway_id:
            raise rule_error(
                f"Public IP address '{pip.name}' can't be deleted: NAT gateway '{current.nat_gateway.name}' uses it. "
                "Remove it from the NAT gateway's Outbound IP first.",
                "PIP-04",
            )
        if current.load_balancer_id:
            raise rule_error(
                f"Public IP address '{pip.name}' can't be deleted: load balancer '{current.load_balancer.name}' "
                "uses it as a frontend IP configuration.",
                "PIP-04",
            )
        portal_services.log_activity(pip.sandbox, pip, "Delete Public Ip Address", "Succeeded")
        current.delete()
        portal_services.notify(
            pip.sandbox, "Deleted public IP address", f"'{pip.name}' was deleted.", NotificationLevel.SUCCESS
        )


# --- what a NAT gateway may use -----------------------------------------------------------------


def check_public_ip_for_nat(
    pip: PublicIPAddress, location: str, nat: NatGateway | None = None, *, field: str = "public_ips"
) -> None:
    """NAT-04, NAT-05, PIP-03: a public IP a NAT gateway may take."""
    if pip.sku != "Standard" or pip.allocation_method != "Static":
        raise rule_error(
            f"Public IP address '{pip.name}' is a {pip.sku} {pip.allocation_method} address: a NAT gateway takes "
            "Standard, static addresses only.",
            "NAT-04",
            field=field,
        )
    if pip.location != location:
        raise rule_error(
            f"Public IP address '{pip.name}' is in {region_name(pip.location)}; the NAT gateway is in "
            f"{region_name(location)}. Pick an address in the same region.",
            "NAT-05",
            field=field,
        )
    if pip.load_balancer_id:
        raise rule_error(
            f"Public IP address '{pip.name}' is already used by load balancer '{pip.load_balancer.name}'. "
            "A public IP serves one resource at a time.",
            "PIP-03",
            field=field,
        )
    if pip.nat_gateway_id and (nat is None or pip.nat_gateway_id != nat.pk):
        raise rule_error(
            f"Public IP address '{pip.name}' is already used by NAT gateway '{pip.nat_gateway.name}'. "
            "A public IP serves one resource at a time.",
            "PIP-03",
            field=field,
        )


def check_public_ip_count(count: int, *, field: str = "public_ips") -> None:
    if count > MAX_NAT_PUBLIC_IPS:
        raise rule_error(
            f"A NAT gateway takes at most {MAX_NAT_PUBLIC_IPS} public IP addresses; this would make {count}.",
            "NAT-04",
            field=field,
        )


def check_subnet_for_nat(
    subnet: Subnet,
    location: str,
    nat: NatGateway | None = None,
    others: Iterable[Subnet] = (),
    *,
    field: str = "subnets",
) -> None:
    """NAT-01, NAT-02, NAT-03, NAT-05: a subnet a NAT gateway may serve;
    ``others`` are the subnets it serves (or will) besides this one."""
    label = f"{subnet.vnet.name}/{subnet.name}"
    if subnet.name.lower() == GATEWAY_SUBNET.lower():
        raise rule_error("A NAT gateway can't be used with the GatewaySubnet.", "NAT-03", field=field)
    if subnet.vnet.is_classic:
        raise rule_error(
            f"'{subnet.vnet.name}' is a classic virtual network: NAT gateways serve Resource Manager virtual "
            "networks only.",
            "NAT-02",
            field=field,
        )
    if subnet.vnet.location != location:
        raise rule_error(
            f"Virtual network '{subnet.vnet.name}' is in {subnet.vnet.region_label}; the NAT gateway is in "
            f"{region_name(location)}.",
            "NAT-05",
            field=field,
        )
    if subnet.nat_gateway_id and (nat is None or subnet.nat_gateway_id != nat.pk):
        raise rule_error(
            f"Subnet '{label}' already uses NAT gateway '{subnet.nat_gateway.name}'. A subnet has at most one NAT "
            "gateway: dissociate it first.",
            "NAT-01",
            field=field,
        )
    other = next((s for s in others if s.vnet_id != subnet.vnet_id), None)
    if other is not None:
        raise rule_error(
            f"Subnet '{label}' is in '{subnet.vnet.name}', but the NAT gateway serves '{other.vnet.name}'. A NAT "
            "gateway's subnets must all be in one virtual network.",
            "NAT-02",
            field=field,
        )


# --- NAT gateways -------------------------------------------------------------------------------


@dataclass(frozen=True)
class NatGatewaySpec:
    """What "Create network address translation (NAT) gateway" asks for:
    Basics, Outbound IP (existing addresses and/or a new one) and Subnet."""

    name: str
    location: str
    idle_timeout: int | str = 4
    zone: str = ""
    public_ips: Sequence[PublicIPAddress] = ()
    new_public_ip: str = ""  # the name of a "Create a new public IP address"
    subnets: Sequence[Subnet] = field(default_factory=tuple)


def check_nat_gateway(sandbox: Sandbox, rg: ResourceGroup | None, spec: NatGatewaySpec) -> list[AzureRuleError]:
    """Every refusal the create would meet, reading only (Review + create)."""
    problems: list[AzureRuleError] = []

    def attempt(check, *args, **kwargs):
        try:
            return check(*args, **kwargs)
        except AzureRuleError as exc:
            problems.append(exc)
            return None

    name = attempt(validate_nat_gateway_name, spec.name)
    if name and rg is not None and NatGateway.objects.filter(resource_group=rg, name__iexact=name).exists():
        problems.append(
            rule_error(f"A NAT gateway named '{name}' already exists in '{rg.name}'.", "NAMING-36", field="name")
        )
    location = attempt(check_region, spec.location)
    attempt(check_idle_timeout, spec.idle_timeout)
    attempt(check_zone, spec.zone)
    if spec.new_public_ip:
        new = PublicIpSpec(spec.new_public_ip, spec.location)
        attempt(check_public_ip, sandbox, rg, new, prefix="new_public_ip_")
        if any(p.name.lower() == spec.new_public_ip.strip().lower() for p in spec.public_ips):
            problems.append(
                rule_error(f"'{spec.new_public_ip}' is already chosen.", "NAMING-35", field="new_public_ip_name")
            )
    if location:
        for pip in spec.public_ips:
            attempt(check_public_ip_for_nat, pip, location)
        attempt(check_public_ip_count, len(spec.public_ips) + bool(spec.new_public_ip))
        for index, subnet in enumerate(spec.subnets):
            attempt(check_subnet_for_nat, subnet, location, None, spec.subnets[:index])
    return problems


def create_nat_gateway(rg: ResourceGroup, spec: NatGatewaySpec) -> NatGateway:
    """Create the NAT gateway, its new public IP if asked, and its
    associations, in one transaction."""
    sandbox = rg.subscription.sandbox
    registry.refuse_change(rg, *spec.subnets)  # the subnets it's associated with change too
    problems = check_nat_gateway(sandbox, rg, spec)
    if problems:
        raise problems[0]
    with transaction.atomic():
        nat = NatGateway.objects.create(
            sandbox=sandbox,
            resource_group=rg,
            name=spec.name.strip(),
            location=spec.location,
            idle_timeout_minutes=check_idle_timeout(spec.idle_timeout),
            zone=spec.zone,
        )
        chosen = list(spec.public_ips)
        if spec.new_public_ip:
            chosen.append(create_public_ip(rg, PublicIpSpec(spec.new_public_ip, spec.location), announce=False))
        for pip in chosen:
            _claim_public_ip(nat, pip)
        for subnet in spec.subnets:
            _claim_subnet(nat, subnet)
        addresses = ", ".join(p.ip_address for p in nat.public_ips.all()) or "no public IP"
        portal_services.deployed(
            sandbox,
            nat,
            "Create or Update Nat Gateway",
            f"NAT gateway '{nat.name}' ({addresses}) was created in '{rg.name}'.",
        )
    return nat


def delete_nat_gateway(nat: NatGateway) -> None:
    """NAT-06: refused while subnets use it; its public IPs stay, unassociated."""
    with transaction.atomic():
        registry.refuse_delete(nat)
        NatGateway.objects.select_for_update().filter(pk=nat.pk).first()
        subnet = Subnet.objects.filter(nat_gateway=nat).select_related("vnet").first()
        if subnet is not None:
            raise rule_error(
                f"NAT gateway '{nat.name}' can't be deleted: subnet '{subnet.vnet.name}/{subnet.name}' uses it. "
                "Dissociate it from every subnet first.",
                "NAT-06",
            )
        PublicIPAddress.objects.filter(nat_gateway=nat).update(nat_gateway=None)
        portal_services.log_activity(nat.sandbox, nat, "Delete Nat Gateway", "Succeeded")
        nat.delete()
        portal_services.notify(
            nat.sandbox,
            "Deleted NAT gateway",
            f"NAT gateway '{nat.name}' was deleted; its public IP addresses were kept.",
            NotificationLevel.SUCCESS,
        )


def _claim_public_ip(nat: NatGateway, pip: PublicIPAddress) -> None:
    """PIP-03 with a conditional update: the address is free, or already ours."""
    if not PublicIPAddress.objects.filter(pk=pip.pk, nat_gateway__isnull=True, load_balancer__isnull=True).update(
        nat_gateway=nat
    ):
        holder = NatGateway.objects.filter(public_ips__pk=pip.pk).first()
        if holder is not None and holder.pk == nat.pk:
            raise rule_error(f"'{pip.name}' is already an outbound IP of '{nat.name}'.", "PIP-03", field="public_ip")
        raise rule_error(
            f"Public IP address '{pip.name}' is already used by NAT gateway "
            f"'{holder.name if holder else 'another resource'}'. A public IP serves one resource at a time.",
            "PIP-03",
            field="public_ip",
        )


def _claim_subnet(nat: NatGateway, subnet: Subnet) -> None:
    """NAT-01 with a conditional update (links.py)."""
    if not Subnet.objects.filter(pk=subnet.pk, nat_gateway__isnull=True).update(nat_gateway=nat):
        current = NatGateway.objects.filter(subnets__pk=subnet.pk).first()
        raise rule_error(
            f"Subnet '{subnet.vnet.name}/{subnet.name}' already uses NAT gateway "
            f"'{current.name if current else 'another NAT gateway'}'. A subnet has at most one NAT gateway.",
            "NAT-01",
            field="subnets",
        )


def associate_public_ip(nat: NatGateway, pip: PublicIPAddress) -> None:
    """Outbound IP: add an address (NAT-04, NAT-05, PIP-03)."""
    registry.refuse_change(nat)
    with transaction.atomic():
        NatGateway.objects.select_for_update().filter(pk=nat.pk).first()
        check_public_ip_for_nat(pip, nat.location, nat, field="public_ip")
        check_public_ip_count(nat.public_ips.count() + 1, field="public_ip")
        _claim_public_ip(nat, pip)
        _outbound_changed(nat, f"Public IP address '{pip.name}' ({pip.address_label}) was added to '{nat.name}'.")


def dissociate_public_ip(nat: NatGateway, pip: PublicIPAddress) -> None:
    registry.refuse_change(nat)
    with transaction.atomic():
        if not PublicIPAddress.objects.filter(pk=pip.pk, nat_gateway=nat).update(nat_gateway=None):
            raise rule_error(f"'{pip.name}' isn't an outbound IP of '{nat.name}'.", "PIP-03", field="public_ip")
        _outbound_changed(nat, f"Public IP address '{pip.name}' was removed from '{nat.name}'.")


def _outbound_changed(nat: NatGateway, body: str) -> None:
    portal_services.log_activity(nat.sandbox, nat, "Create or Update Nat Gateway", "Succeeded")
    portal_services.notify(nat.sandbox, "Saved NAT gateway", body, NotificationLevel.SUCCESS, resource_url(nat))


def associate_subnet(nat: NatGateway, subnet: Subnet) -> None:
    """Subnets > "Associate" (NAT-01, NAT-02, NAT-03, NAT-05)."""
    with transaction.atomic():
        NatGateway.objects.select_for_update().filter(pk=nat.pk).first()
        others = list(Subnet.objects.filter(nat_gateway=nat).exclude(pk=subnet.pk).select_related("vnet"))
        if subnet.nat_gateway_id != nat.pk:
            check_subnet_for_nat(subnet, nat.location, nat, others, field="subnet")
        links.associate_subnet(
            nat, subnet, field="nat_gateway", kind="NAT gateway", short="NAT gateway", rule="NAT-01", also=()
        )


def dissociate_subnet(nat: NatGateway, subnet: Subnet) -> None:
    links.dissociate_subnet(nat, subnet, field="nat_gateway", kind="NAT gateway", rule="NAT-01")
