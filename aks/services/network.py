"""The Networking tab's "Create new" (portal-ui §9.2): the VNet and/or
subnet made with the cluster. The networking services judge them
(``vnets.check_new_vnet``, ``vnets.check_new_subnet``), the same checks their
own create runs, so the wizard refuses a range as "Add subnet" does."""

from __future__ import annotations

from dataclasses import dataclass

from aks.planning import SubnetContext
from aks.services.specs import NewNetwork
from aks.services.state import peered_address_space
from networking.models import Subnet, VirtualNetwork
from networking.services import vnets
from portal import services as portal_services
from portal.errors import AzureRuleError, rule_error
from portal.models import ResourceGroup, Sandbox

# Where the networking services' refusals land in the wizard.
_NEW_VNET_FIELDS = {
    "name": "new_vnet_name",
    "address_space": "new_vnet_space",
    "subnet_name_0": "new_subnet_name",
    "subnet_prefix_0": "new_subnet_prefix",
}
_NEW_SUBNET_FIELDS = {"subnet_name": "new_subnet_name", "subnet_prefix": "new_subnet_prefix"}


def on_new_network(error: AzureRuleError, new: NewNetwork, *, from_networking: bool = False) -> AzureRuleError:
    """``error`` on the "Create new" field it is about. The networking
    services name their own fields; of the cluster's refusals, those about
    the subnet (ERR-43, ERR-41...) are about the new range, and those about
    the VNet about the new address space."""
    fields = {"subnet": "new_subnet_prefix"}
    if from_networking:
        fields.update(_NEW_SUBNET_FIELDS)
        if new.vnet is None:
            fields.update(_NEW_VNET_FIELDS)
    elif new.vnet is None:
        fields["vnet"] = "new_vnet_space"
    field = fields.get(error.field or "", error.field)
    if field == error.field:
        return error
    return AzureRuleError(error.message, rule_ids=error.rule_ids, err_id=error.err_id, field=field)


def _check_vnet_choice(sandbox: Sandbox, vnet: VirtualNetwork, location: str) -> None:
    """A new subnet's VNet: of this subscription, in the cluster's region (VNET-03)."""
    if vnet.sandbox_id != sandbox.pk:
        raise rule_error("Select a virtual network of this subscription.", field="vnet")
    if vnet.is_classic or vnet.location != location:
        raise rule_error(
            f"'{vnet.name}' is in {vnet.region_label}. The cluster subnet must be in the cluster's region.",
            "VNET-03",
            field="vnet",
        )


@dataclass(frozen=True)
class PlannedSubnet:
    """The cluster subnet "Create new" would make, not written: ``subnet`` is
    an unsaved row (in an unsaved VNet for a new VNet) for the checks that
    read a subnet's own fields, ``context`` what aks.planning judges."""

    subnet: Subnet
    context: SubnetContext


def check_new_network(sandbox: Sandbox, rg: ResourceGroup | None, new: NewNetwork, location: str) -> PlannedSubnet:
    """The subnet ``new`` would make, checked over the current state; writes
    nothing. ``rg`` None is a resource group still to be created. A refusal
    is raised on the wizard's "Create new" field."""
    try:
        if new.vnet is None:
            subscription = rg.subscription if rg is not None else sandbox.subscriptions.get()
            planned = vnets.check_new_vnet(
                subscription,
                rg,
                name=new.vnet_name,
                location=location,
                address_space=list(new.address_space),
                subnets=[(new.subnet_name, new.subnet_prefix)],
            )
            vnet = VirtualNetwork(
                sandbox=sandbox, name=planned.name, location=planned.location, address_space=planned.address_space
            )
            (name, prefix), peered = planned.subnets[0], ()
        else:
            vnet = new.vnet
            _check_vnet_choice(sandbox, vnet, location)
            subnet = vnets.check_new_subnet(vnet, name=new.subnet_name, prefix=new.subnet_prefix)
            name, prefix, peered = subnet.name, subnet.address_prefix, peered_address_space(vnet)
    except AzureRuleError as exc:
        raise on_new_network(exc, new, from_networking=True) from None
    context = SubnetContext(
        name=name, prefix=prefix, vnet_address_space=tuple(vnet.address_space), peered_address_space=peered
    )
    return PlannedSubnet(Subnet(vnet=vnet, name=name, address_prefix=prefix), context)


def create_network(rg: ResourceGroup, new: NewNetwork, location: str) -> Subnet:
    """Create the VNet and/or subnet of ``new`` through the networking
    services (create_vnet, create_subnet), logged as their own operations.
    The bell stays with the cluster's deployment, as for an existing subnet:
    the VNet gets no "Deployment succeeded" of its own."""
    sandbox = rg.subscription.sandbox
    try:
        if new.vnet is None:
            vnet = vnets.create_vnet(
                rg,
                name=new.vnet_name,
                location=location,
                address_space=list(new.address_space),
                subnets=[(new.subnet_name, new.subnet_prefix)],
                log=False,
            )
            portal_services.log_activity(sandbox, vnet, "Create or Update Virtual Network", "Succeeded")
            subnet = vnet.subnets.get()
        else:
            vnet = new.vnet
            _check_vnet_choice(sandbox, vnet, location)
            subnet = vnets.create_subnet(vnet, name=new.subnet_name, prefix=new.subnet_prefix, log=False)
            portal_services.log_activity(sandbox, vnet, "Create or Update Subnet", "Succeeded")
    except AzureRuleError as exc:
        raise on_new_network(exc, new, from_networking=True) from None
    return Subnet.objects.select_related("vnet", "route_table").get(pk=subnet.pk)
