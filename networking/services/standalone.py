"""Creates that no wizard of the portal makes on their own, but a template
does: a network interface by itself (with the private IP it names, IP
forwarding, an NSG), a virtual machine on network interfaces that exist,
and a classic virtual network. Checked with the same rules the wizards use
(naming, regions, SUBNET-01/06/10, NSG-20, the IP limits)."""

from __future__ import annotations

from django.db import transaction

from networking.models import NetworkInterface, NetworkSecurityGroup, Subnet, VirtualMachine, VirtualNetwork
from networking.services import compute, vnets
from networking.services import dns as dns_services
from networking.services.nsgs import validate_resource_name
from portal import services as portal_services
from portal.errors import rule_error
from portal.models import REGIONS, ResourceGroup
from portal.registry import registry

# NAMING-36 (the lab's own ID, as NAMING-10/11): Microsoft.Network/networkInterfaces names.
NIC_NAME_RULE = "NAMING-36"


def create_nic(
    rg: ResourceGroup,
    *,
    name: str,
    location: str,
    subnet: Subnet,
    private_ip: str = "",
    enable_ip_forwarding: bool = False,
    nsg: NetworkSecurityGroup | None = None,
    vm_name: str = "",
    public_ip: str = "",
) -> NetworkInterface:
    """A NIC in ``subnet`` with ``private_ip`` (or the next free one).
    ``vm_name`` names a virtual machine the lab doesn't simulate."""
    sandbox = rg.subscription.sandbox
    registry.refuse_change(rg)
    name = validate_resource_name(name, kind="Network interface", rule_id=NIC_NAME_RULE)
    if location not in REGIONS:
        raise rule_error("Choose a region.", "VNET-03", field="region")
    problem = compute.nic_subnet_problem(subnet, location)
    if problem:
        raise rule_error(problem[0], problem[1], field="subnet")
    if nsg is not None and nsg.location != location:
        raise rule_error(f"Network security group '{nsg.name}' is in another region.", "NSG-20", field="nsg")
    with transaction.atomic():
        if NetworkInterface.objects.filter(resource_group=rg, name__iexact=name).exists():
            raise rule_error(
                f"A network interface named '{name}' already exists in '{rg.name}'.", NIC_NAME_RULE, field="name"
            )
        Subnet.objects.select_for_update().filter(pk=subnet.pk).first()
        if private_ip:
            compute.check_ip_limits(subnet, field="private_ip")
            ip = compute.check_static_ip(subnet, private_ip, "private_ip")
        else:
            ip = compute.allocate_ip(subnet)
        nic = NetworkInterface.objects.create(
            sandbox=sandbox,
            resource_group=rg,
            name=name,
            location=location,
            subnet=subnet,
            private_ip=ip,
            vm_name=vm_name,
            nsg=nsg,
            enable_ip_forwarding=enable_ip_forwarding,
            public_ip=public_ip or None,
        )
        if vm_name:
            dns_services.register_vm(nic)
        portal_services.deployed(
            sandbox, nic, "Create or Update Network Interface", f"Network interface '{name}' ({ip}) was created."
        )
    return nic


def create_vm_on_nics(
    rg: ResourceGroup, *, name: str, location: str, size: str, os_type: str, nics: list[NetworkInterface]
) -> VirtualMachine:
    """A VM attached to network interfaces that exist (in its region, no other VM's)."""
    sandbox = rg.subscription.sandbox
    registry.refuse_change(rg, *nics)  # attaching them changes the NICs
    if os_type not in ("Linux", "Windows"):
        raise rule_error("Choose an image.", "NAMING-23", field="image")
    name = compute.validate_vm_name(name, os_type)
    if location not in REGIONS:
        raise rule_error("Choose a region.", "VNET-03", field="region")
    if size not in compute.VM_SIZES:
        raise rule_error(f"Choose a size: {', '.join(compute.VM_SIZES)}.", "NAMING-23", field="size")
    if not nics:
        raise rule_error("A virtual machine needs a network interface.", "VNET-03", field="nics")
    for nic in nics:
        if nic.location != location:
            raise rule_error(
                f"Network interface '{nic.name}' is in another region than the virtual machine.",
                "VNET-03",
                field="nics",
            )
        owner = nic.vm.name if nic.vm_id else nic.vm_name
        if owner and owner.lower() != name.lower():
            raise rule_error(
                f"Network interface '{nic.name}' is attached to virtual machine '{owner}'.", "SUBNET-06", field="nics"
            )
    with transaction.atomic():
        if VirtualMachine.objects.filter(resource_group=rg, name__iexact=name).exists():
            raise rule_error(
                f"A virtual machine named '{name}' already exists in '{rg.name}'.", "NAMING-23", field="name"
            )
        vm = VirtualMachine.objects.create(
            sandbox=sandbox, resource_group=rg, name=name, location=location, size=size, os_type=os_type
        )
        NetworkInterface.objects.filter(pk__in=[n.pk for n in nics]).update(vm=vm, vm_name=name)
        for nic in nics:
            nic.vm, nic.vm_name = vm, name
            dns_services.register_vm(nic)
        portal_services.deployed(
            sandbox, vm, "Create or Update Virtual Machine", f"Virtual machine '{name}' was created in '{rg.name}'."
        )
    return vm


def create_classic_vnet(
    rg: ResourceGroup, *, name: str, location: str, address_space: list[str], subnets: list[tuple[str, str]]
) -> VirtualNetwork:
    """A classic (Service Manager) VNet, which only a template makes here:
    the same naming, space and subnet rules as a Resource Manager VNet."""
    with transaction.atomic():
        vnet = vnets.create_vnet(
            rg, name=name, location=location, address_space=address_space, subnets=subnets, log=False
        )
        VirtualNetwork.objects.filter(pk=vnet.pk).update(is_classic=True)
        vnet.is_classic = True
        portal_services.deployed(
            vnet.sandbox,
            vnet,
            "Create or Update Virtual Network (classic)",
            f"Virtual network (classic) '{name}' was created in '{rg.name}'.",
        )
    return vnet
