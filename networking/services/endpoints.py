"""State changes of private endpoints: a NIC with the subnet's next free IP,
a connection to one sub-resource of a target, and a DNS zone group keeping
the A record in the privatelink zone (PEDNS-01, PEDNS-10, PEDNS-11, PEDNS-30
to PEDNS-32)."""

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from networking.models import (
    APP_SERVICE_DELEGATION,
    KeyVault,
    NetworkInterface,
    PrivateDnsZone,
    PrivateEndpoint,
    SqlServer,
    StorageAccount,
    Subnet,
    VirtualNetworkLink,
)
from networking.services import compute as compute_services
from networking.services import dns as dns_services
from networking.services import paas as paas_services
from portal import services as portal_services
from portal.eras import Ruleset
from portal.errors import AzureRuleError, refuse, rule_error
from portal.models import REGIONS, ArmResource, NotificationLevel, ResourceGroup
from portal.registry import registry
from portal.resources import resource_url

# LIMIT-30: Private Link limits.
MAX_ENDPOINTS_PER_VNET = 1000
MAX_ENDPOINTS_PER_SUBSCRIPTION = 64000
MAX_ZONES_PER_GROUP = 5  # PEDNS-32

PE_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,78}[A-Za-z0-9_])?$")


@dataclass(frozen=True)
class TargetKind:
    """One "Resource type" of the wizard: its model, sub-resource and zone (PEDNS-01)."""

    arm_type: str
    model: type
    group_id: str
    zone: str
    public_zone: str
    # What the target's own service refuses (``refusal(target, endpoint_count,
    # field)``): an app's tier and endpoint limit (ASIN-24, ASIN-21).
    refusal: Callable[[object, int, str], AzureRuleError | None] | None = None
    # The sub-resource's member a static IP is given for (ARM's memberName):
    # the sub-resource's own name but for a key vault's "default" (PRIVIP-01).
    member: str = ""

    @property
    def member_name(self) -> str:
        return self.member or self.group_id


TARGET_KINDS = {
    k.arm_type: k
    for k in (
        TargetKind(
            StorageAccount.arm_type, StorageAccount, "blob", StorageAccount.private_link_zone, "blob.core.windows.net"
        ),
        TargetKind(SqlServer.arm_type, SqlServer, "sqlServer", SqlServer.private_link_zone, "database.windows.net"),
        TargetKind(KeyVault.arm_type, KeyVault, "vault", KeyVault.private_link_zone, "vault.azure.net", member="default"),
    )
}


def register_target_kind(kind: TargetKind) -> None:
    """A higher app offers its resources as private endpoint targets (App
    Service's web apps, from its AppConfig.ready())."""
    TARGET_KINDS[kind.arm_type] = kind


def kind_of(target: ArmResource) -> TargetKind:
    return TARGET_KINDS[target.arm_type]


def fqdn_of(target: ArmResource) -> str:
    """The public name clients use; Azure CNAMEs it into the privatelink zone (PEDNS-10)."""
    return f"{target.name.lower()}.{kind_of(target).public_zone}"


def validate_endpoint_name(value: str, field: str = "name") -> str:
    """NAMING-26: 2-80 letters, digits, '.', '_', '-'; starts alphanumeric, ends alphanumeric or '_'."""
    name = (value or "").strip()
    if not name:
        raise rule_error("Private endpoint name is required.", "NAMING-26", field=field)
    if len(name) < 2 or not name.isascii() or not PE_NAME.match(name):
        raise rule_error(
            "The name must be 2-80 letters, digits, underscores, periods and hyphens, starting with a letter or "
            "digit and ending with a letter, digit or underscore.",
            "NAMING-26",
            field=field,
        )
    return name


def subnet_problem(subnet: Subnet, rules: Ruleset) -> tuple[str, ...] | None:
    """Why a private endpoint can't go in ``subnet``: (message, ERR ID, rule IDs...)."""
    if subnet.vnet.is_classic:
        return (f"'{subnet.vnet.name}' is a classic virtual network.", "", "PEDNS-21")
    # App Service's service association link never comes without its
    # delegation (claimed together; ASVI-65 and ERR-10 keep it), so the
    # delegation alone says whether the subnet belongs to a service.
    if subnet.delegation:
        service = subnet.delegation
        rule_ids = ("ASVI-35", "SUBNET-11") if service == APP_SERVICE_DELEGATION else ("SUBNET-11",)
        return (
            f"Subnet '{subnet.name}' is delegated to '{service}' and can't hold private endpoints.",
            "ERR-11",
            *rule_ids,
        )
    if rules.pe_needs_policies_disabled and subnet.private_endpoint_network_policies != "Disabled":
        return (
            f"Subnet '{subnet.name}' has private endpoint network policies enabled. Disable them before "
            "deploying a private endpoint in it.",
            "",
            "SUBNET-21",
        )
    return None


def check_subnet(subnet: Subnet | None, rules: Ruleset, field: str = "subnet") -> Subnet:
    if subnet is None:
        raise rule_error("Select a virtual network and a subnet.", "PEDNS-20", field=field)
    problem = subnet_problem(subnet, rules)
    if problem:
        message, err_id, *rule_ids = problem
        if err_id:
            service = subnet.delegation or APP_SERVICE_DELEGATION
            raise refuse(err_id, *rule_ids, field=field, subnet=subnet.name, service=service)
        raise rule_error(message, *rule_ids, field=field)
    return subnet


def check_target(target: ArmResource | None, group_id: str, field: str = "target") -> TargetKind:
    if target is None:
        raise rule_error("Select a resource.", "PEDNS-30", field=field)
    kind = kind_of(target)
    if group_id != kind.group_id:
        raise rule_error(f"Choose the target sub-resource '{kind.group_id}'.", "PEDNS-01", field="group_id")
    content_type = ContentType.objects.get_for_model(kind.model)
    count = PrivateEndpoint.objects.filter(target_type=content_type, target_id=target.pk).count()
    refusal = kind.refusal(target, count, field) if kind.refusal is not None else None
    if refusal is not None:
        raise refusal
    if kind.model is KeyVault and count >= paas_services.MAX_KEY_VAULT_ENDPOINTS:
        raise rule_error(f"Key vault '{target.name}' already has 64 private endpoints.", "LIMIT-30", field=field)
    return kind


def zone_for(rg: ResourceGroup, zone_name: str) -> PrivateDnsZone | None:
    """The existing privatelink zone the wizard proposes: in the endpoint's
    resource group first, else anywhere in the subscription."""
    zones = PrivateDnsZone.objects.filter(sandbox=rg.subscription.sandbox, name__iexact=zone_name).select_related(
        "resource_group"
    )
    return next((z for z in zones if z.resource_group_id == rg.pk), None) or zones.first()


def validate_nic_name(value: str) -> str:
    """NAMING-26: the endpoint's "Network Interface Name" (the newer portal's
    Basics), 1-80 characters of a network interface's alphabet."""
    name = (value or "").strip()
    if not name or not name.isascii() or not PE_NAME.match(name):
        raise rule_error(
            "The network interface name must be 1-80 letters, digits, underscores, periods and hyphens, starting "
            "with a letter or digit and ending with a letter, digit or underscore.",
            "NAMING-26",
            field="nic_name",
        )
    return name


def check_nic_name_free(rg: ResourceGroup | None, name: str) -> None:
    """NAMING-26: a network interface's name is unique in its resource group."""
    if rg is not None and rg.pk and NetworkInterface.objects.filter(resource_group=rg, name__iexact=name).exists():
        raise rule_error(
            f"A network interface named '{name}' already exists in '{rg.name}'.", "NAMING-26", field="nic_name"
        )


def check_static_ip(subnet: Subnet, private_ip: str, field: str = "static_ip") -> str:
    """"Statically allocate IP address": the member's address is given, inside
    the subnet and not one of its five reserved addresses (SUBNET-01), not
    held by another NIC (a VM's, an endpoint's, a node's) in it (PRIVIP-01)."""
    if not (private_ip or "").strip():
        raise rule_error("Enter the private IP address.", compute_services.PRIVATE_IP_TAKEN_RULE, field=field)
    return compute_services.check_static_ip(subnet, private_ip, field, taken_rule=compute_services.PRIVATE_IP_TAKEN_RULE)


def check_new_endpoint(
    sandbox, rg: ResourceGroup | None, *, name: str, subnet: Subnet, request_message: str = ""
) -> None:
    """What only the estate can refuse a new endpoint: its request message
    (PEDNS-30), its name taken in the resource group (NAMING-26), the limits
    per VNet and per subscription (LIMIT-30). Reads only: Review + create runs
    it as Create does; a resource group still to be made (None) holds nothing."""
    if len(request_message) > 140:
        raise rule_error("The request message is at most 140 characters.", "PEDNS-30", field="request_message")
    if rg is not None and rg.pk and PrivateEndpoint.objects.filter(resource_group=rg, name__iexact=name).exists():
        raise rule_error(f"A private endpoint named '{name}' already exists in '{rg.name}'.", "NAMING-26", field="name")
    if PrivateEndpoint.objects.filter(subnet__vnet_id=subnet.vnet_id).count() >= MAX_ENDPOINTS_PER_VNET:
        raise rule_error(
            f"'{subnet.vnet.name}' already has {MAX_ENDPOINTS_PER_VNET} private endpoints.",
            "LIMIT-30",
            field="subnet",
        )
    if PrivateEndpoint.objects.filter(sandbox=sandbox).count() >= MAX_ENDPOINTS_PER_SUBSCRIPTION:
        raise rule_error("The subscription already has 64,000 private endpoints.", "LIMIT-30", field="name")


def create_endpoint(
    rg: ResourceGroup,
    *,
    name: str,
    location: str,
    target: ArmResource | None,
    group_id: str,
    subnet: Subnet | None,
    integrate_dns: bool = True,
    manual: bool = False,
    request_message: str = "",
    nic_name: str = "",
    private_ip: str = "",
) -> PrivateEndpoint:
    """'Create a private endpoint'. In the learner's own directory the
    connection is Approved at once; by resource ID or alias it waits, Pending,
    for the owner (PEDNS-30). Without ``nic_name`` the NIC is named as Azure
    names it, ``<name>.nic.<guid>``. ``private_ip`` is a static address for
    the sub-resource's member (SUBNET-01, PRIVIP-01); without it the NIC takes
    the subnet's next free address."""
    sandbox = rg.subscription.sandbox
    registry.refuse_change(rg)
    name = validate_endpoint_name(name)
    nic_name = validate_nic_name(nic_name) if nic_name else ""
    if location not in REGIONS:
        raise rule_error("Choose a region.", "VNET-03", field="region")
    kind = check_target(target, group_id)
    subnet = check_subnet(subnet, sandbox.rules)
    if subnet.vnet.location != location:
        raise rule_error(
            f"'{subnet.vnet.name}' is in {subnet.vnet.region_label}. A private endpoint's virtual network must be in its region.",
            "VNET-03",
            field="subnet",
        )
    with transaction.atomic():
        check_new_endpoint(sandbox, rg, name=name, subnet=subnet, request_message=request_message)
        if nic_name:
            check_nic_name_free(rg, nic_name)
        Subnet.objects.select_for_update().filter(pk=subnet.pk).first()
        if private_ip:
            compute_services.check_ip_limits(subnet)
            ip = check_static_ip(subnet, private_ip)
        else:
            ip = compute_services.allocate_ip(subnet)
        nic = NetworkInterface.objects.create(
            sandbox=sandbox,
            resource_group=rg,
            name=nic_name or f"{name}.nic.{uuid.uuid4()}",
            location=location,
            subnet=subnet,
            private_ip=ip,
        )
        endpoint = PrivateEndpoint.objects.create(
            sandbox=sandbox,
            resource_group=rg,
            name=name,
            location=location,
            subnet=subnet,
            nic=nic,
            target_type=ContentType.objects.get_for_model(kind.model),
            target_id=target.pk,
            group_id=kind.group_id,
            connection_state="Pending" if manual else "Approved",
            request_message=request_message,
            static_ip=bool(private_ip),
            member_name=kind.member_name if private_ip else "",
        )
        portal_services.log_activity(sandbox, nic, "Create or Update Network Interface", "Succeeded")
        portal_services.log_activity(sandbox, endpoint, "Create or Update Private Endpoint", "Succeeded")
        if integrate_dns:
            zone = zone_for(rg, kind.zone) or dns_services.create_zone(rg, name=kind.zone, log=False)
            attach_zone(endpoint, zone)
        portal_services.notify(
            sandbox,
            "Deployment succeeded",
            f"Private endpoint '{name}' ({ip}) was created in '{rg.name}' for '{target.name}'.",
            NotificationLevel.SUCCESS,
            resource_url(endpoint),
        )
    return endpoint


def attach_zone(endpoint: PrivateEndpoint, zone: PrivateDnsZone) -> None:
    """The zone group: the zone (≤ 5, PEDNS-32), its link to the endpoint's
    VNet (PEDNS-20) and the A record <target> -> private IP (PEDNS-11)."""
    if endpoint.dns_zones.count() >= MAX_ZONES_PER_GROUP:
        raise rule_error(
            f"'{endpoint.name}' already has {MAX_ZONES_PER_GROUP} zones in its DNS zone group.", "PEDNS-32"
        )
    vnet = endpoint.subnet.vnet
    if not VirtualNetworkLink.objects.filter(zone=zone, vnet=vnet).exists():
        link_name = f"{vnet.name}-link"
        if VirtualNetworkLink.objects.filter(zone=zone, name__iexact=link_name).exists():
            link_name = f"{link_name}-{uuid.uuid4().hex[:6]}"
        dns_services.create_link(zone, name=link_name, vnet=vnet, log=False)
    dns_services.add_a_record(zone, endpoint.target.name, endpoint.nic.private_ip)
    endpoint.dns_zones.add(zone)


def delete_endpoint(endpoint: PrivateEndpoint) -> None:
    """Deletes its NIC and its A records (the zones and links stay)."""
    with transaction.atomic():
        registry.refuse_delete(endpoint)
        nic = endpoint.nic
        target = endpoint.target
        zones = list(endpoint.dns_zones.all())
        if target is not None and zones:
            dns_services.remove_a_record(zones, target.name, nic.private_ip)
        portal_services.log_activity(endpoint.sandbox, endpoint, "Delete Private Endpoint", "Succeeded")
        portal_services.log_activity(endpoint.sandbox, nic, "Delete Network Interface", "Succeeded")
        endpoint.delete()
        nic.delete()
        portal_services.notify(
            endpoint.sandbox,
            "Deleted private endpoint",
            f"'{endpoint.name}' and its network interface were deleted.",
            NotificationLevel.SUCCESS,
        )
