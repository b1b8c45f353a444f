"""State changes of compute: virtual machines and their network interfaces
(private IP allocation within the subnet and the IP limits)."""

import re
import uuid
from ipaddress import IPv4Address, ip_address, ip_network

from django.db import transaction

from networking.engine import addressing
from networking.models import NetworkInterface, NetworkSecurityGroup, Subnet, VirtualMachine, VirtualNetworkPeering
from networking.services import dns as dns_services
from networking.services import vnets
from portal import services as portal_services
from portal.errors import rule_error
from portal.models import REGIONS, NotificationLevel, ResourceGroup
from portal.registry import registry
from portal.resources import resource_url

VM_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9_])?$")
VM_SIZES = ["Standard_B1s", "Standard_B2s", "Standard_D2s_v3", "Standard_D4s_v3", "Standard_DS1_v2"]


def _public_ip(kind: int, pk: int) -> str:
    """A stable, made-up public address for a VM (outside the service blocks)."""
    return str(IPv4Address(f"20.{60 + kind}.0.0") + 4 + pk % 60000)


def validate_vm_name(value: str, os_type: str, field: str = "name") -> str:
    """NAMING-23: Linux 1-64 characters, Windows 1-15; letters, digits, '.', '_', '-'."""
    name = (value or "").strip()
    limit = 15 if os_type == "Windows" else 64
    if not name:
        raise rule_error("Virtual machine name is required.", "NAMING-23", field=field)
    if len(name) > limit or not name.isascii() or not VM_NAME.match(name) or name.isdigit():
        raise rule_error(
            f"A {os_type} virtual machine name is 1-{limit} letters, digits, periods, underscores and hyphens, "
            "starting with a letter or digit, not ending with a period or hyphen, and not only digits.",
            "NAMING-23",
            field=field,
        )
    return name


def used_ips(subnet: Subnet) -> list[str]:
    """Every private IP taken in the subnet: NICs (VMs', private endpoints'
    and AKS nodes') and the pod addresses Azure CNI reserved (AKS-20)."""
    nics = NetworkInterface.objects.filter(subnet=subnet).values_list("private_ip", flat=True)
    return [*nics, *subnet.aks_pod_ips.values_list("ip", flat=True)]


MAX_PRIVATE_IPS_PER_VNET = 65_536  # LIMIT-07
MAX_PRIVATE_IPS_PER_PEERED_GROUP = 128_000  # LIMIT-08
MAX_NICS_PER_REGION = 65_536  # LIMIT-13


def check_ip_limits(subnet: Subnet, field: str = "subnet") -> None:
    """A new NIC's private IP counts against its VNet (LIMIT-07), the VNet and
    its peers (LIMIT-08) and the region's NICs (LIMIT-13)."""
    vnet = subnet.vnet
    in_vnet = vnets.private_ip_count(vnet)
    if in_vnet >= MAX_PRIVATE_IPS_PER_VNET:
        raise rule_error(
            f"'{vnet.name}' already has {MAX_PRIVATE_IPS_PER_VNET:,} private IP addresses, the maximum.",
            "LIMIT-07",
            field=field,
        )
    peers = VirtualNetworkPeering.objects.filter(vnet=vnet, peering_state="Connected").values("remote_vnet")
    in_group = in_vnet + NetworkInterface.objects.filter(subnet__vnet__in=peers).count()
    if in_group >= MAX_PRIVATE_IPS_PER_PEERED_GROUP:
        raise rule_error(
            f"'{vnet.name}' and its peered virtual networks already use {MAX_PRIVATE_IPS_PER_PEERED_GROUP:,} private IP addresses.",
            "LIMIT-08",
            field=field,
        )
    if NetworkInterface.objects.filter(sandbox=vnet.sandbox_id, location=vnet.location).count() >= MAX_NICS_PER_REGION:
        raise rule_error(
            f"The subscription already has {MAX_NICS_PER_REGION:,} network interfaces in {vnet.region_label}.",
            "LIMIT-13",
            field=field,
        )


def allocate_ip(subnet: Subnet, field: str = "subnet") -> str:
    """The next free address after the five reserved ones (SUBNET-01), within
    the private IP and NIC limits."""
    check_ip_limits(subnet, field)
    ip = addressing.next_free_ip(subnet.address_prefix, used_ips(subnet))
    if ip is None:
        raise rule_error(
            f"Subnet '{subnet.name}' ({subnet.address_prefix}) has no free IP address left.",
            "SUBNET-01",
            "SUBNET-02",
            field=field,
        )
    return ip


# PRIVIP-01 (the lab's own ID): a static private IP is free in its subnet.
PRIVATE_IP_TAKEN_RULE = "PRIVIP-01"


def check_static_ip(subnet: Subnet, text: str, field: str, taken_rule: str = "SUBNET-06") -> str:
    """A static private IP: inside the subnet, not one of the five Azure
    keeps (SUBNET-01), not held by another NIC or pod in the subnet
    (``taken_rule``: a template's NIC cites SUBNET-06, the private endpoint
    wizard PRIVIP-01). Reads only."""
    try:
        address = ip_address((text or "").strip())
    except ValueError:
        raise rule_error(f"'{text}' is not a valid IPv4 address.", "SUBNET-01", field=field) from None
    network = ip_network(subnet.address_prefix)
    if address.version != 4 or address not in network:
        raise rule_error(
            f"Private IP '{text}' is not in subnet '{subnet.name}' ({subnet.address_prefix}).", "SUBNET-01", field=field
        )
    reserved = dict(addressing.reserved_addresses(network))
    if str(address) in reserved:
        raise rule_error(
            f"Private IP '{address}' is reserved by Azure in subnet '{subnet.name}' ({reserved[str(address)]}).",
            "SUBNET-01",
            field=field,
        )
    if str(address) in used_ips(subnet):
        raise rule_error(f"Private IP '{address}' is already in use in subnet '{subnet.name}'.", taken_rule, field=field)
    return str(address)


def nic_subnet_problem(subnet: Subnet, location: str) -> tuple[str, str] | None:
    """Why a VM's NIC can't go in ``subnet``: (message, rule ID), or None."""
    if subnet.vnet.is_classic:
        return (f"'{subnet.vnet.name}' is a classic virtual network.", "VNET-03")
    if subnet.vnet.location != location:
        return (
            f"'{subnet.vnet.name}' is in {subnet.vnet.region_label}. A virtual machine's network must be in its region.",
            "VNET-03",
        )
    if subnet.delegation:
        return (f"Subnet '{subnet.name}' is delegated to '{subnet.delegation}'.", "SUBNET-10")
    if subnet.name == "GatewaySubnet":
        return ("The GatewaySubnet is for virtual network gateways only.", "SUBNET-10")
    return None


def check_room_for_nic(subnet: Subnet, field: str = "subnet") -> None:
    """A new NIC in ``subnet`` would get an address (SUBNET-01, SUBNET-02)
    within the private IP and NIC limits (LIMIT-07, LIMIT-08, LIMIT-13):
    allocate_ip's own checks, which only read, so Review + create finds what
    Create would."""
    allocate_ip(subnet, field)


def check_nic_nsg(nsg: NetworkSecurityGroup | None, location: str) -> None:
    """NSG-20: a NIC's network security group is in the NIC's region."""
    if nsg is not None and nsg.location != location:
        raise rule_error(f"Network security group '{nsg.name}' is in another region.", "NSG-20", field="nsg")


def check_vm_name_free(rg: ResourceGroup | None, name: str) -> None:
    """NAMING-23: a VM name is taken in its resource group. Reads only, so
    Review + create runs it as Create does; a group still to be made (None)
    holds nothing."""
    if rg is not None and rg.pk and VirtualMachine.objects.filter(resource_group=rg, name__iexact=name).exists():
        raise rule_error(f"A virtual machine named '{name}' already exists in '{rg.name}'.", "NAMING-23", field="name")


def create_vm(
    rg: ResourceGroup,
    *,
    name: str,
    location: str,
    size: str,
    os_type: str,
    subnet: Subnet | None,
    public_ip: bool = False,
    nsg: NetworkSecurityGroup | None = None,
) -> VirtualMachine:
    """'Create a virtual machine', its networking side: the VM and one NIC with
    the subnet's next free IP, registered in a registration zone (PEDNS-23)."""
    sandbox = rg.subscription.sandbox
    registry.refuse_change(rg)
    if os_type not in ("Linux", "Windows"):
        raise rule_error("Choose an image.", "NAMING-23", field="image")
    name = validate_vm_name(name, os_type)
    if location not in REGIONS:
        raise rule_error("Choose a region.", "VNET-03", field="region")
    if size not in VM_SIZES:
        raise rule_error("Choose a size.", "NAMING-23", field="size")
    if subnet is None:
        raise rule_error("Select a virtual network and a subnet.", "VNET-03", field="subnet")
    problem = nic_subnet_problem(subnet, location)
    if problem:
        raise rule_error(problem[0], problem[1], field="subnet")
    check_nic_nsg(nsg, location)
    with transaction.atomic():
        check_vm_name_free(rg, name)
        nic_name = f"{name.lower()}{uuid.uuid4().int % 1000:03d}"
        if NetworkInterface.objects.filter(resource_group=rg, name__iexact=nic_name).exists():
            nic_name = f"{nic_name}-{uuid.uuid4().hex[:4]}"
        Subnet.objects.select_for_update().filter(pk=subnet.pk).first()
        ip = allocate_ip(subnet)
        vm = VirtualMachine.objects.create(
            sandbox=sandbox, resource_group=rg, name=name, location=location, size=size, os_type=os_type
        )
        nic = NetworkInterface.objects.create(
            sandbox=sandbox,
            resource_group=rg,
            name=nic_name,
            location=location,
            subnet=subnet,
            private_ip=ip,
            vm=vm,
            vm_name=name,
            nsg=nsg,
            public_ip=_public_ip(5, vm.pk) if public_ip else None,
        )
        dns_services.register_vm(nic)
        portal_services.log_activity(sandbox, vm, "Create or Update Virtual Machine", "Succeeded")
        portal_services.deployed(
            sandbox,
            nic,
            "Create or Update Network Interface",
            f"Virtual machine '{name}' was created in '{rg.name}' with NIC '{nic_name}' ({ip}).",
            link=resource_url(vm),
        )
    return vm


def delete_vm(vm: VirtualMachine) -> None:
    """Deletes its NICs and the records auto-registration made for it (PEDNS-23)."""
    with transaction.atomic():
        registry.refuse_delete(vm)
        nics = list(vm.nics.select_related("resource_group__subscription"))
        for nic in nics:
            dns_services.unregister_machine(nic.subnet.vnet_id, vm.name)
            portal_services.log_activity(vm.sandbox, nic, "Delete Network Interface", "Succeeded")
        portal_services.log_activity(vm.sandbox, vm, "Delete Virtual Machine", "Succeeded")
        vm.delete()
        portal_services.notify(
            vm.sandbox,
            "Deleted virtual machine",
            f"'{vm.name}' and its network interfaces were deleted.",
            NotificationLevel.SUCCESS,
        )


def delete_nic(nic: NetworkInterface) -> None:
    """A NIC in use by a VM or a private endpoint can't be deleted on its own."""
    registry.refuse_delete(nic)
    if hasattr(nic, "private_endpoint"):
        raise rule_error(
            f"'{nic.name}' is managed by private endpoint '{nic.private_endpoint.name}'. Delete the private endpoint instead.",
            "PEDNS-32",
        )
    if nic.vm_id or nic.vm_name:
        raise rule_error(
            f"'{nic.name}' is attached to virtual machine '{nic.vm.name if nic.vm_id else nic.vm_name}'. Delete or detach the VM first.",
            "SUBNET-06",
        )
    with transaction.atomic():
        portal_services.log_activity(nic.sandbox, nic, "Delete Network Interface", "Succeeded")
        nic.delete()
        portal_services.notify(
            nic.sandbox, "Deleted network interface", f"'{nic.name}' was deleted.", NotificationLevel.SUCCESS
        )
