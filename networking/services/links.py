"""Associating a subnet with an NSG, a route table or a NAT gateway: the one
mechanism their blades use (NSG-20, ROUTE-20, SUBNET-07, NAT-01).

A subnet has at most one of each; the subnet is claimed with a conditional
update, so two tabs associating different resources can't both win."""

from django.db import transaction

from networking.models import NatGateway, NetworkSecurityGroup, RouteTable, Subnet
from portal import services as portal_services
from portal.errors import rule_error
from portal.models import NotificationLevel
from portal.registry import registry
from portal.resources import resource_url

# What a subnet is associated with.
Associable = NetworkSecurityGroup | RouteTable | NatGateway


def associate_subnet(
    resource: Associable,
    subnet: Subnet,
    *,
    field: str,
    kind: str,
    short: str,
    rule: str,
    also: tuple[str, ...] = ("SUBNET-07",),
) -> None:
    """``field`` is the subnet's foreign key to ``resource`` ("nsg",
    "route_table", "nat_gateway"); ``kind`` names it in messages ("route
    table"), ``short`` in the one-per-subnet reminder ("NSG"); ``rule`` is
    the rule's ID and ``also`` the rules the refusal cites with it."""
    subnet_name = f"{subnet.vnet.name}/{subnet.name}"
    # The subnet is what changes; the associated resource joins it (LOCK-02).
    registry.refuse_change(resource, subnet)
    with transaction.atomic():
        if not Subnet.objects.filter(pk=subnet.pk, **{f"{field}__isnull": True}).update(**{field: resource}):
            current = type(resource).objects.filter(subnets__pk=subnet.pk).first()
            if current is not None and current.pk == resource.pk:
                raise rule_error(
                    f"Subnet '{subnet_name}' is already associated with '{resource.name}'.", rule, field="subnet"
                )
            raise rule_error(
                f"Subnet '{subnet_name}' is already associated with {kind} "
                f"'{current.name if current else f'another {short}'}'. A subnet has at most one {short}: "
                "dissociate it first.",
                rule,
                *also,
                field="subnet",
            )
        _changed(resource, subnet, kind, joined=True)


def dissociate_subnet(resource: Associable, subnet: Subnet, *, field: str, kind: str, rule: str) -> None:
    registry.refuse_change(resource, subnet)
    with transaction.atomic():
        if not Subnet.objects.filter(pk=subnet.pk, **{field: resource}).update(**{field: None}):
            raise rule_error(f"Subnet '{subnet.name}' isn't associated with '{resource.name}'.", rule, field="subnet")
        _changed(resource, subnet, kind, joined=False)


def _changed(resource: Associable, subnet: Subnet, kind: str, *, joined: bool) -> None:
    """The activity log entries and the bell, as Azure writes them."""
    sandbox = resource.sandbox
    portal_services.log_activity(sandbox, subnet.vnet, "Create or Update Subnet", "Succeeded")
    portal_services.log_activity(sandbox, resource, f"{'Join' if joined else 'Leave'} {kind.title()}", "Succeeded")
    portal_services.notify(
        sandbox,
        f"{'Associated' if joined else 'Dissociated'} {kind}",
        f"'{resource.name}' {'now applies' if joined else 'no longer applies'} to subnet '{subnet.vnet.name}/{subnet.name}'.",
        NotificationLevel.SUCCESS,
        resource_url(resource),
    )
