"""State changes of the things a network reaches: PaaS targets (storage
accounts, SQL servers, key vaults: public access, VNet rules, IP rules,
private endpoint connections) and virtual machines with their NICs."""

import re
import uuid
from ipaddress import IPv4Address, ip_network

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import QuerySet

from networking.engine import addressing, servicetags
from networking.models import (
    KeyVault,
    NetworkInterface,
    NetworkSecurityGroup,
    PaasTarget,
    PrivateEndpoint,
    SqlServer,
    StorageAccount,
    Subnet,
    VirtualMachine,
    VirtualNetworkPeering,
)
from networking.services import dns as dns_services
from networking.services import vnets
from portal import services as portal_services
from portal.errors import rule_error
from portal.models import REGIONS, NotificationLevel, ResourceGroup
from portal.resources import resource_url

# URL slug -> model; the slugs are the blades' URL name prefixes too.
TARGET_MODELS = {"storage": StorageAccount, "sql": SqlServer, "keyvault": KeyVault}

# Naming rules of each PaaS type (the lab's NAMING IDs, see docs/fidelity.md).
TARGET_NAMES = {
    StorageAccount: (
        "NAMING-20",
        re.compile(r"^[a-z0-9]{3,24}$"),
        "Storage account names must be 3-24 characters of lowercase letters and digits only.",
    ),
    SqlServer: (
        "NAMING-21",
        re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$"),
        "SQL server names must be 1-63 lowercase letters, digits and hyphens, and can't start or end with a hyphen.",
    ),
    KeyVault: (
        "NAMING-22",
        re.compile(r"^[A-Za-z][A-Za-z0-9-]{1,22}[A-Za-z0-9]$"),
        "Key vault names must be 3-24 letters, digits and hyphens, start with a letter, end with a letter or digit, and have no consecutive hyphens.",
    ),
}
VM_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9_])?$")
VM_SIZES = ["Standard_B1s", "Standard_B2s", "Standard_D2s_v3", "Standard_D4s_v3", "Standard_DS1_v2"]
ACCESS_CHOICES = [("all", "All networks"), ("selected", "Selected networks"), ("disabled", "Disabled")]
MAX_IP_RULES = 200
# LIMIT-30: a key vault takes at most 64 private endpoints.
MAX_KEY_VAULT_ENDPOINTS = 64


def validate_target_name(model: type[PaasTarget], value: str, field: str = "name") -> str:
    rule_id, pattern, description = TARGET_NAMES[model]
    name = (value or "").strip()
    if not name:
        raise rule_error(f"{model.type_label} name is required.", rule_id, field=field)
    if not name.isascii() or not pattern.match(name) or (model is KeyVault and "--" in name):
        raise rule_error(description, rule_id, field=field)
    return name


def _public_ip(kind: int, pk: int) -> str:
    """A stable, made-up public address for a VM (outside the service blocks)."""
    return str(IPv4Address(f"20.{60 + kind}.0.0") + 4 + pk % 60000)


def _service_ip(model: type[PaasTarget], pk: int) -> str:
    """A PaaS resource's public address, inside its service tag's block, so
    service endpoint routes and NSG tag rules match it (servicetags)."""
    return str(servicetags.service_address(model.service_tag, pk))


def create_target(model: type[PaasTarget], rg: ResourceGroup, *, name: str, location: str) -> PaasTarget:
    """Create a storage account, SQL server or key vault. Its host name is
    global, so the name must be free in the whole sandbox."""
    sandbox = rg.subscription.sandbox
    name = validate_target_name(model, name)
    if location not in REGIONS:
        raise rule_error("Choose a region.", "VNET-03", field="region")
    with transaction.atomic():
        if model.objects.filter(sandbox=sandbox, name__iexact=name).exists():
            rule_id = TARGET_NAMES[model][0]
            raise rule_error(
                f"The name '{name}' is already taken: {name.lower()}.{model.host_suffix} exists.", rule_id, field="name"
            )
        target = model.objects.create(
            sandbox=sandbox, resource_group=rg, name=name, location=location, public_ip="0.0.0.0"
        )
        target.public_ip = _service_ip(model, target.pk)
        target.save(update_fields=["public_ip"])
        portal_services.deployed(
            sandbox, target, f"Create {model.type_label}", f"{model.type_label} '{name}' was created in '{rg.name}'."
        )
    return target


def delete_target(target: PaasTarget) -> None:
    """Its private endpoints stay, Disconnected (PEDNS-30)."""
    with transaction.atomic():
        content_type = ContentType.objects.get_for_model(type(target))
        PrivateEndpoint.objects.filter(target_type=content_type, target_id=target.pk).update(
            connection_state="Disconnected"
        )
        portal_services.log_activity(target.sandbox, target, f"Delete {target.type_label}", "Succeeded")
        target.delete()
        portal_services.notify(
            target.sandbox,
            f"Deleted {target.type_label.lower()}",
            f"'{target.name}' was deleted.",
            NotificationLevel.SUCCESS,
        )


def _saved(target: PaasTarget, what: str) -> None:
    portal_services.log_activity(target.sandbox, target, f"Update {target.type_label} {what}", "Succeeded")
    portal_services.notify(
        target.sandbox,
        f"Saved {what.lower()}",
        f"{target.type_label} '{target.name}': {what.lower()} saved.",
        NotificationLevel.SUCCESS,
        resource_url(target),
    )


def set_public_access(target: PaasTarget, access: str) -> None:
    """All networks (Enabled, Allow), Selected networks (Enabled, Deny: only
    VNet and IP rules get in, SE-01) or Disabled (private endpoints only)."""
    values = {"all": ("Enabled", "Allow"), "selected": ("Enabled", "Deny"), "disabled": ("Disabled", "Deny")}
    if access not in values:
        raise rule_error("Choose how public network access is allowed.", "SE-01", field="access")
    with transaction.atomic():
        target.public_network_access, target.default_action = values[access]
        target.save(update_fields=["public_network_access", "default_action"])
        _saved(target, "Networking")


def access_of(target: PaasTarget) -> str:
    if target.public_network_access == "Disabled":
        return "disabled"
    return "selected" if target.default_action == "Deny" else "all"


def subnet_problem(target: PaasTarget, subnet: Subnet) -> tuple[str, str] | None:
    """Why ``subnet`` can't be a VNet rule of ``target`` as it stands, with the
    rule ID; ``("endpoint", ...)`` means only the service endpoint is missing."""
    rules = target.sandbox.rules
    if subnet.vnet.is_classic:
        return ("blocked", "Service endpoints are for Resource Manager virtual networks only. (SE-05)")
    if target.service_endpoint in rules.same_region_service_endpoints and subnet.vnet.location != target.location:
        return (
            "blocked",
            f"'{subnet.vnet.name}' is in {subnet.vnet.region_label}, but '{target.name}' is in {target.region_label}. "
            f"{target.service_endpoint} service endpoints work only in the service's region. (SE-07)",
        )
    if target.service_endpoint not in subnet.service_endpoints:
        return ("endpoint", f"The {target.service_endpoint} service endpoint isn't enabled on '{subnet.name}'. (SE-01)")
    return None


def add_vnet_rule(target: PaasTarget, subnet: Subnet | None, *, enable_endpoint: bool = False) -> None:
    """'+ Add existing virtual network': SE-01's two steps, the first one on
    request ("Enable"), refused otherwise; SQL same region only (SE-07)."""
    if subnet is None:
        raise rule_error("Select a virtual network and a subnet.", "SE-01", field="subnet")
    rules = target.sandbox.rules
    if subnet.vnet.is_classic:
        raise rule_error("Service endpoints are for Resource Manager virtual networks only.", "SE-05", field="subnet")
    if target.service_endpoint in rules.same_region_service_endpoints and subnet.vnet.location != target.location:
        raise rule_error(
            f"'{subnet.vnet.name}' is in {subnet.vnet.region_label}, but '{target.name}' is in {target.region_label}. "
            f"{target.service_endpoint} service endpoints work only in the service's region.",
            "SE-07",
            field="subnet",
        )
    with transaction.atomic():
        subnet = (
            Subnet.objects.select_for_update().select_related("vnet__resource_group__subscription").get(pk=subnet.pk)
        )
        if target.service_endpoint not in subnet.service_endpoints:
            if not enable_endpoint:
                raise rule_error(
                    f"The {target.service_endpoint} service endpoint isn't enabled on subnet '{subnet.name}'. "
                    "Enable it on the subnet first (select 'Enable'), then add the rule.",
                    "SE-01",
                    "SUBNET-20",
                    field="subnet",
                )
            subnet.service_endpoints = [*subnet.service_endpoints, target.service_endpoint]
            subnet.save(update_fields=["service_endpoints"])
            portal_services.log_activity(target.sandbox, subnet.vnet, "Create or Update Subnet", "Succeeded")
        if target.vnet_rules.filter(pk=subnet.pk).exists():
            raise rule_error(
                f"'{subnet.vnet.name}/{subnet.name}' is already a rule of '{target.name}'.", "SE-01", field="subnet"
            )
        target.vnet_rules.add(subnet)
        _saved(target, "Virtual network rules")


def remove_vnet_rule(target: PaasTarget, subnet_pk: int | str) -> None:
    with transaction.atomic():
        subnet = target.vnet_rules.filter(pk=subnet_pk).first()
        if subnet is None:
            raise rule_error("That virtual network rule doesn't exist.", "SE-01", field="subnet")
        target.vnet_rules.remove(subnet)
        _saved(target, "Virtual network rules")


def parse_ip_rule(text: str, field: str = "ip_rule") -> str:
    """A public IPv4 address or CIDR range (SE-02: private sources never match an IP rule)."""
    value = (text or "").strip()
    try:
        network = addressing.parse_cidr(value) if "/" in value else ip_network(str(addressing.parse_ipv4(value)))
    except (addressing.AddressError, ValueError) as exc:
        raise rule_error(str(exc), "SE-02", field=field) from None
    if network.version != 4:
        raise rule_error("IP rules take IPv4 addresses and ranges only.", "SE-02", field=field)
    private = (*addressing.RFC1918, addressing.RFC6598)
    if any(network.overlaps(block) for block in private) or network.is_loopback or network.is_link_local:
        raise rule_error(
            f"'{value}' is a private range. IP rules match public addresses only: traffic from a VNet arrives "
            "from its private address through a service endpoint, so add a virtual network rule instead.",
            "SE-02",
            field=field,
        )
    return str(network.network_address) if network.prefixlen == 32 else str(network)


def add_ip_rule(target: PaasTarget, text: str) -> None:
    rule = parse_ip_rule(text)
    with transaction.atomic():
        target.refresh_from_db(fields=["ip_rules"])
        if rule in target.ip_rules:
            raise rule_error(f"'{rule}' is already in the firewall.", "SE-06", field="ip_rule")
        if len(target.ip_rules) >= MAX_IP_RULES:
            raise rule_error(f"The firewall holds at most {MAX_IP_RULES} IP rules.", "SE-06", field="ip_rule")
        target.ip_rules = [*target.ip_rules, rule]
        target.save(update_fields=["ip_rules"])
        _saved(target, "Firewall")


def remove_ip_rule(target: PaasTarget, rule: str) -> None:
    with transaction.atomic():
        target.refresh_from_db(fields=["ip_rules"])
        if rule not in target.ip_rules:
            raise rule_error(f"'{rule[:60]}' isn't in the firewall.", "SE-06", field="ip_rule")
        target.ip_rules = [r for r in target.ip_rules if r != rule]
        target.save(update_fields=["ip_rules"])
        _saved(target, "Firewall")


def endpoint_connections(target: PaasTarget) -> QuerySet[PrivateEndpoint]:
    content_type = ContentType.objects.get_for_model(type(target))
    return PrivateEndpoint.objects.filter(target_type=content_type, target_id=target.pk).select_related(
        "subnet__vnet", "nic", "resource_group__subscription"
    )


# PEDNS-30: what the resource owner may do to a connection in each state.
CONNECTION_ACTIONS = {
    "approve": ({"Pending"}, "Approved"),
    "reject": ({"Pending", "Approved"}, "Rejected"),
    "remove": ({"Pending", "Approved", "Rejected"}, "Disconnected"),
}


def set_connection_state(target: PaasTarget, endpoint_pk: int | str, action: str) -> PrivateEndpoint:
    """Approve, Reject or Remove a private endpoint connection (PEDNS-30);
    removing leaves the endpoint Disconnected."""
    if action not in CONNECTION_ACTIONS:
        raise rule_error("Choose Approve, Reject or Remove.", "PEDNS-30")
    allowed, state = CONNECTION_ACTIONS[action]
    with transaction.atomic():
        endpoint = endpoint_connections(target).select_for_update(of=("self",)).filter(pk=endpoint_pk).first()
        if endpoint is None:
            raise rule_error("That private endpoint connection doesn't exist.", "PEDNS-30")
        if endpoint.connection_state not in allowed:
            raise rule_error(f"A {endpoint.connection_state.lower()} connection can't be {state.lower()}.", "PEDNS-30")
        endpoint.connection_state = state
        endpoint.save(update_fields=["connection_state"])
        portal_services.log_activity(
            target.sandbox, target, f"{action.title()} Private Endpoint Connection", "Succeeded"
        )
        portal_services.notify(
            target.sandbox,
            f"Private endpoint connection {state.lower()}",
            f"'{endpoint.name}' to '{target.name}' is {state}.",
            NotificationLevel.SUCCESS,
            resource_url(target),
        )
    return endpoint


# --- virtual machines and NICs ------------------------------------------------------


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
    if nsg is not None and nsg.location != location:
        raise rule_error(f"Network security group '{nsg.name}' is in another region.", "NSG-20", field="nsg")
    with transaction.atomic():
        if VirtualMachine.objects.filter(resource_group=rg, name__iexact=name).exists():
            raise rule_error(
                f"A virtual machine named '{name}' already exists in '{rg.name}'.", "NAMING-23", field="name"
            )
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
