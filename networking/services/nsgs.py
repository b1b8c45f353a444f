"""State changes of network security groups: create, delete, security rules
and association with subnets and NICs, validated as Azure does (NSG-01 to
NSG-21, LIMIT-14 to LIMIT-16)."""

import re
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction

from networking.engine import rules as nsg_rules
from networking.models import NetworkInterface, NetworkSecurityGroup, SecurityRule, Subnet
from networking.services import links
from portal import locks
from portal import services as portal_services
from portal.errors import AzureRuleError, refuse, rule_error
from portal.models import REGIONS, NotificationLevel, ResourceGroup, Sandbox, region_name
from portal.prepared import PreparedValues
from portal.registry import registry
from portal.resources import resource_url

# NAMING-10 (the lab's own ID, as NAMING-01..05): Azure's naming rule for
# Microsoft.Network/networkSecurityGroups.
_RESOURCE_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9_])?")

SOURCE_KINDS = (("Any", "Any"), ("IPAddresses", "IP Addresses"), ("ServiceTag", "Service Tag"))
# portal-ui §4 [newer], MYIP-01 (lab): the Source "My IP address", offered where
# the era's Ruleset.nsg_source_my_ip says so.
MY_IP = "MyIpAddress"
MY_IP_KIND = (MY_IP, "My IP address")


def my_ip_address(sandbox: Sandbox) -> str | None:
    """MYIP-01: the address "My IP address" fills in (the sandbox's simulated
    public IP, as a /32), or None where the era's pane doesn't offer it."""
    return f"{sandbox.my_public_ip}/32" if sandbox.rules.nsg_source_my_ip else None


def validate_resource_name(value: str, *, kind: str, rule_id: str, field: str = "name") -> str:
    """Azure's Microsoft.Network naming shape: 1-80 characters, letters, digits,
    ``_ . -``, starting with a letter or digit and ending with one or ``_``."""
    name = (value or "").strip()
    if not name:
        raise rule_error(f"{kind} name is required.", rule_id, field=field)
    if len(name) > 80:
        raise rule_error("The name must be between 1 and 80 characters long.", rule_id, field=field)
    if not _RESOURCE_NAME.fullmatch(name):
        raise rule_error(
            "The name can contain only letters, digits, underscores, periods and hyphens; start with a letter "
            "or digit and end with a letter, digit or underscore.",
            rule_id,
            field=field,
        )
    return name


def validate_nsg_name(value: str, field: str = "name") -> str:
    return validate_resource_name(value, kind="Network security group", rule_id="NAMING-10", field=field)


def check_nsg_limit(sandbox: Sandbox, location: str) -> None:
    """LIMIT-14: 5,000 NSGs per region per subscription."""
    count = NetworkSecurityGroup.objects.filter(sandbox=sandbox, location=location).count()
    if count >= nsg_rules.MAX_NSGS_PER_REGION:
        raise rule_error(
            f"The subscription already has {count} network security groups in {region_name(location)}, "
            "the limit of 5,000 per region.",
            "LIMIT-14",
            field="name",
        )


def check_nsg_name_free(rg: ResourceGroup | None, name: str) -> None:
    """NAMING-10: the name is taken in the resource group. Reads only, so
    Review + create runs it as Create does; a group still to be made (None)
    holds nothing."""
    if rg is not None and rg.pk and NetworkSecurityGroup.objects.filter(resource_group=rg, name__iexact=name).exists():
        raise rule_error(
            f"A network security group named '{name}' already exists in resource group '{rg.name}'.",
            "NAMING-10",
            field="name",
        )


def create_nsg(rg: ResourceGroup, *, name: str, location: str) -> NetworkSecurityGroup:
    """Portal "Create network security group": the six default rules come with it (NSG-10)."""
    sandbox = rg.subscription.sandbox
    name = validate_nsg_name(name)
    if location not in REGIONS:
        raise rule_error("Choose a region.", field="region")
    registry.refuse_change(rg)
    with transaction.atomic():
        check_nsg_name_free(rg, name)
        check_nsg_limit(sandbox, location)
        nsg = NetworkSecurityGroup.objects.create(sandbox=sandbox, resource_group=rg, name=name, location=location)
        portal_services.deployed(
            sandbox,
            nsg,
            "Create or Update Network Security Group",
            f"Network security group '{name}' was created in '{rg.name}'.",
        )
    return nsg


def delete_nsg(nsg: NetworkSecurityGroup) -> None:
    """Azure refuses to delete an NSG that a subnet or NIC still uses (InUseNetworkSecurityGroupCannotBeDeleted)."""
    sandbox = nsg.sandbox
    with transaction.atomic():
        registry.refuse_delete(nsg)
        subnet = Subnet.objects.filter(nsg=nsg).select_related("vnet").first()
        nic = NetworkInterface.objects.filter(nsg=nsg).first()
        if subnet or nic:
            user = f"subnet '{subnet.vnet.name}/{subnet.name}'" if subnet else f"network interface '{nic.name}'"
            raise rule_error(
                f"Network security group '{nsg.name}' can't be deleted: {user} uses it. "
                "Dissociate it from every subnet and network interface first.",
                "NSG-20",
            )
        # The Activity log keeps strings only: log first, then delete.
        portal_services.log_activity(sandbox, nsg, "Delete Network Security Group", "Succeeded")
        nsg.delete()
        portal_services.notify(
            sandbox,
            "Deleted network security group",
            f"Network security group '{nsg.name}' was deleted.",
            NotificationLevel.SUCCESS,
        )


# --- security rules --------------------------------------------------------------


def _rule_problem(exc: nsg_rules.RuleProblem, *, name: str, field: str) -> AzureRuleError:
    if exc.rule_id == "NSG-04":
        return refuse("ERR-27", "NSG-04", field=field, name=name or "(unnamed)", reason=exc.message)
    return rule_error(exc.message, exc.rule_id, field=field)


def _side(kind: str, ips: str, tag: str, *, side: str, name: str, my_ip: str | None = None) -> list[str]:
    """Source or destination: Any, IP addresses/CIDR ranges, or one service tag
    (NSG-04); a Current source may also be "My IP address" (MYIP-01)."""
    if kind == MY_IP:
        if side != "source" or my_ip is None:
            raise rule_error(
                f"'My IP address' isn't offered as the {side} here. Choose Any, IP Addresses or Service Tag.",
                "MYIP-01",
                "NSG-04",
                field=side,
            )
        # The sandbox's own address, whatever the read-only box posted.
        return [my_ip]
    try:
        if kind == "Any":
            return [nsg_rules.ANY]
        if kind == "IPAddresses":
            return nsg_rules.parse_address_prefixes(ips)
        if kind == "ServiceTag":
            return [nsg_rules.parse_service_tag(tag)]
    except nsg_rules.RuleProblem as exc:
        field = f"{side}_ips" if kind == "IPAddresses" else f"{side}_tag"
        if exc.rule_id == "LIMIT-16":
            raise rule_error(exc.message, "LIMIT-16", "NSG-04", field=field) from None
        raise _rule_problem(exc, name=name, field=field) from None
    # NSG-04: Any, IP addresses or a service tag (ASGs aren't simulated).
    raise rule_error(f"Choose the {side}: Any, IP Addresses or Service Tag.", "NSG-04", field=side)


def _ports(text: str, field: str) -> list[str]:
    try:
        return nsg_rules.parse_port_ranges(text)
    except nsg_rules.RuleProblem as exc:
        raise rule_error(exc.message, exc.rule_id, field=field) from None


def clean_rule(data: Mapping[str, Any], *, direction: str, my_ip: str | None = None) -> dict[str, Any]:
    """The model fields of a security rule from the pane's values; raises
    AzureRuleError on the first thing Azure would refuse. ``my_ip`` is what
    the Source "My IP address" stands for (MYIP-01), None where it isn't offered."""
    if direction not in nsg_rules.DIRECTIONS:
        raise rule_error("Choose Inbound or Outbound.", "NSG-07", field="direction")
    name = (data.get("name") or "").strip()
    problem = nsg_rules.name_problem(name)
    if problem:
        raise refuse("ERR-27", "NSG-01", field="name", name=name[:80] or "(unnamed)", reason=problem)
    try:
        priority = nsg_rules.parse_priority(data.get("priority"))
    except nsg_rules.RuleProblem:
        shown = str(data.get("priority") or "").strip()[:12] or "(empty)"
        raise refuse("ERR-25", "NSG-02", field="priority", p=shown) from None
    service = data.get("service") or "Custom"
    if service not in nsg_rules.SERVICES:
        raise rule_error("Choose a service, or Custom.", "NSG-07", field="service")
    # A preset service fills the destination port and protocol (portal-ui §4).
    preset = nsg_rules.SERVICES[service]
    protocol = preset[1] if preset else data.get("protocol") or ""
    destination_ports = preset[0] if preset else data.get("destination_ports")
    if protocol in nsg_rules.ARM_ONLY_PROTOCOLS:
        raise rule_error(
            f"Protocol {nsg_rules.PROTOCOL_LABELS[protocol]} can be set only through ARM (a template, the CLI or "
            "PowerShell), not in the portal. Choose Any, TCP, UDP or ICMP.",
            "NSG-06",
            field="protocol",
        )
    if protocol not in nsg_rules.PORTAL_PROTOCOLS:
        raise rule_error("Choose a protocol: Any, TCP, UDP or ICMP.", "NSG-06", field="protocol")
    access = data.get("access") or ""
    if access not in ("Allow", "Deny"):
        raise rule_error("Choose an action: Allow or Deny.", "NSG-07", field="access")
    description = data.get("description") or ""
    if len(description) > nsg_rules.DESCRIPTION_MAX:
        # A portal limit (portal-ui §4), not a catalogued rule.
        raise rule_error("The description can be at most 140 characters.", field="description")
    return {
        "name": name,
        "priority": priority,
        "direction": direction,
        "access": access,
        "protocol": protocol,
        "source_address_prefixes": _side(
            data.get("source") or "",
            data.get("source_ips") or "",
            data.get("source_tag") or "",
            side="source",
            name=name,
            my_ip=my_ip,
        ),
        "source_port_ranges": _ports(data.get("source_ports"), "source_ports"),
        "destination_address_prefixes": _side(
            data.get("destination") or "",
            data.get("destination_ips") or "",
            data.get("destination_tag") or "",
            side="destination",
            name=name,
        ),
        "destination_port_ranges": _ports(destination_ports, "destination_ports"),
        "description": description,
    }


# What the checks of a rule change read of the NSG's rules, in one query
# compiled once (portal/prepared.py): each rule's pk, name, direction and priority.
_RULE_KEYS = PreparedValues(
    lambda nsg: (
        SecurityRule.objects.filter(nsg_id=nsg).order_by("pk").values_list("pk", "name", "direction", "priority")
    ),
    nsg=-7_700_000_031,
)


def _rule_keys(nsg: NetworkSecurityGroup) -> list[tuple[int, str, str, int]]:
    return _RULE_KEYS.values(nsg=nsg.pk)


def _check_unique(nsg: NetworkSecurityGroup, values: dict, *, exclude: int | None = None, keys=None) -> None:
    """NSG-03 (one rule per priority and direction) and NSG-01 (names unique
    in the NSG, whatever their case: rule names are ASCII, NSG-01)."""
    others = [key for key in (_rule_keys(nsg) if keys is None else keys) if key[0] != exclude]
    clash = next((k for k in others if k[2] == values["direction"] and k[3] == values["priority"]), None)
    if clash is not None:
        raise refuse(
            "ERR-26",
            "NSG-03",
            field="priority",
            other=clash[1],
            p=values["priority"],
            direction=values["direction"].lower(),
        )
    name = values["name"].lower()
    same_name = next((k for k in others if k[1].lower() == name), None)
    if same_name is not None:
        raise refuse(
            "ERR-27",
            "NSG-01",
            field="name",
            name=values["name"],
            reason=f"the {same_name[2].lower()} rule '{same_name[1]}' already has this name",
        )


_LOCKED_NSG = PreparedValues(
    lambda nsg: NetworkSecurityGroup.objects.select_for_update().filter(pk=nsg).values_list("pk"), nsg=-7_700_000_032
)


def _lock(nsg: NetworkSecurityGroup) -> None:
    """Serialise rule changes of one NSG, so two tabs can't both take a priority."""
    if not _LOCKED_NSG.values(nsg=nsg.pk):
        raise NetworkSecurityGroup.DoesNotExist("NetworkSecurityGroup matching query does not exist.")


def add_rule(nsg: NetworkSecurityGroup, direction: str, data: Mapping[str, Any]) -> SecurityRule:
    """'Add inbound/outbound security rule'."""
    registry.refuse_change(nsg)
    values = clean_rule(data, direction=direction, my_ip=my_ip_address(nsg.sandbox))
    with transaction.atomic():
        _lock(nsg)
        keys = _rule_keys(nsg)
        count = len(keys)
        if count >= nsg_rules.MAX_RULES_PER_NSG:
            raise rule_error(
                f"Network security group '{nsg.name}' already has {count} rules, the limit of 1,000.",
                "LIMIT-15",
                field="priority",
            )
        _check_unique(nsg, values, keys=keys)
        try:
            with transaction.atomic():
                rule = SecurityRule.objects.create(nsg=nsg, **values)
        except IntegrityError:
            raise rule_error("Another change to this rule set won the race. Refresh and try again.", "NSG-03") from None
        _log_rule(nsg, rule, "Created")
    return rule


def update_rule(rule: SecurityRule, data: Mapping[str, Any]) -> SecurityRule:
    """Save an edited custom rule; its direction doesn't change."""
    nsg = rule.nsg
    registry.refuse_change(nsg)
    values = clean_rule(data, direction=rule.direction, my_ip=my_ip_address(nsg.sandbox))
    with transaction.atomic():
        _lock(nsg)
        _check_unique(nsg, values, exclude=rule.pk)
        try:
            with transaction.atomic():
                updated = SecurityRule.objects.filter(pk=rule.pk).update(**values)
        except IntegrityError:
            raise rule_error("Another change to this rule set won the race. Refresh and try again.", "NSG-03") from None
        if not updated:
            raise rule_error(f"Security rule '{rule.name}' no longer exists.", "NSG-01")
        rule.refresh_from_db()
        _log_rule(nsg, rule, "Saved")
    return rule


def delete_rule(rule: SecurityRule) -> None:
    nsg = rule.nsg
    with transaction.atomic():
        locks.check_delete(f"{rule.nsg.arm_id}/securityRules/{rule.name}")
        SecurityRule.objects.filter(pk=rule.pk).delete()
        portal_services.log_activity(nsg.sandbox, nsg, "Delete Security Rule", "Succeeded")
        portal_services.notify(
            nsg.sandbox,
            "Deleted security rule",
            f"Security rule '{rule.name}' was deleted from '{nsg.name}'.",
            NotificationLevel.SUCCESS,
            resource_url(nsg),
        )


def refuse_default_rule_change(name: str, *, deleting: bool) -> AzureRuleError:
    """NSG-10: default rules can't be removed or changed; lower numbers override them."""
    if deleting:
        return refuse("ERR-28", "NSG-10", name=name)
    return AzureRuleError(
        f"Default rule '{name}' can't be changed. Override it with a custom rule with a lower priority number.",
        rule_ids=("NSG-10",),
        err_id="ERR-28",
    )


def _log_rule(nsg: NetworkSecurityGroup, rule: SecurityRule, verb: str) -> None:
    portal_services.log_activity(nsg.sandbox, nsg, "Create or Update Security Rule", "Succeeded")
    portal_services.notify(
        nsg.sandbox,
        f"{verb} security rule",
        f"{rule.direction} security rule '{rule.name}' (priority {rule.priority}) in '{nsg.name}'.",
        NotificationLevel.SUCCESS,
        resource_url(nsg),
    )


# --- association (NSG-20) ---------------------------------------------------------


def associate_subnet(nsg: NetworkSecurityGroup, subnet: Subnet) -> None:
    """NSG-20 / SUBNET-07: a subnet has at most one NSG; an NSG serves many subnets."""
    links.associate_subnet(nsg, subnet, field="nsg", kind="network security group", short="NSG", rule="NSG-20")


def dissociate_subnet(nsg: NetworkSecurityGroup, subnet: Subnet) -> None:
    links.dissociate_subnet(nsg, subnet, field="nsg", kind="network security group", rule="NSG-20")


def associate_nic(nsg: NetworkSecurityGroup, nic: NetworkInterface) -> None:
    """NSG-20: a NIC has at most one NSG (claimed with a conditional update)."""
    registry.refuse_change(nsg, nic)
    with transaction.atomic():
        claimed = NetworkInterface.objects.filter(pk=nic.pk, nsg__isnull=True).update(nsg=nsg)
        if not claimed:
            current = NetworkSecurityGroup.objects.filter(nics__pk=nic.pk).first()
            if current is not None and current.pk == nsg.pk:
                raise rule_error(
                    f"Network interface '{nic.name}' is already associated with '{nsg.name}'.", "NSG-20", field="nic"
                )
            raise rule_error(
                f"Network interface '{nic.name}' is already associated with network security group "
                f"'{current.name if current else 'another NSG'}'. A network interface has at most one NSG: "
                "dissociate it first.",
                "NSG-20",
                field="nic",
            )
        portal_services.log_activity(nsg.sandbox, nic, "Create or Update Network Interface", "Succeeded")
        portal_services.log_activity(nsg.sandbox, nsg, "Join Network Security Group", "Succeeded")
        portal_services.notify(
            nsg.sandbox,
            "Associated network security group",
            f"'{nsg.name}' now applies to network interface '{nic.name}'.",
            NotificationLevel.SUCCESS,
            resource_url(nsg),
        )


def dissociate_nic(nsg: NetworkSecurityGroup, nic: NetworkInterface) -> None:
    registry.refuse_change(nsg, nic)
    with transaction.atomic():
        if not NetworkInterface.objects.filter(pk=nic.pk, nsg=nsg).update(nsg=None):
            raise rule_error(
                f"Network interface '{nic.name}' isn't associated with '{nsg.name}'.", "NSG-20", field="nic"
            )
        portal_services.log_activity(nsg.sandbox, nic, "Create or Update Network Interface", "Succeeded")
        portal_services.log_activity(nsg.sandbox, nsg, "Leave Network Security Group", "Succeeded")
        portal_services.notify(
            nsg.sandbox,
            "Dissociated network security group",
            f"'{nsg.name}' no longer applies to network interface '{nic.name}'.",
            NotificationLevel.SUCCESS,
            resource_url(nsg),
        )
