"""State changes of private DNS zones: zones, record sets, virtual network
links and the A records auto-registration keeps for VMs (PEDNS-20 to PEDNS-23)."""

import re
from collections.abc import Iterable
from ipaddress import IPv4Address, IPv6Address, ip_address

from django.db import transaction
from django.db.models import Q

from networking.models import NetworkInterface, PrivateDnsRecordSet, PrivateDnsZone, VirtualNetwork, VirtualNetworkLink
from portal import locks
from portal import services as portal_services
from portal.errors import refuse, rule_error
from portal.inputs import parse_int
from portal.models import NotificationLevel, ResourceGroup
from portal.registry import registry
from portal.resources import resource_url

# LIMIT-50: Private DNS limits.
MAX_ZONES_PER_SUBSCRIPTION = 1000
MAX_RECORD_SETS_PER_ZONE = 25000
MAX_RECORDS_PER_SET = 20
MAX_LINKS_PER_ZONE = 1000
MAX_REGISTRATION_LINKS_PER_ZONE = 100
# PEDNS-23: Azure writes auto-registered records with a 10-second TTL.
AUTO_REGISTRATION_TTL = 10
MAX_TTL = 2147483647

TTL_UNITS = {"Seconds": 1, "Minutes": 60, "Hours": 3600, "Days": 86400, "Weeks": 604800}
# The types a learner adds; the SOA record set comes with the zone (PDNS-01).
RECORD_TYPES = [t for t, _ in PrivateDnsRecordSet.TYPES if t != "SOA"]
# PDNS-01: the SOA record set Azure writes into every new private zone.
SOA_TTL = 3600
SOA_RECORD = {
    "email": "azureprivatedns-host.microsoft.com",
    "host": "azureprivatedns.net",
    "refreshTime": 3600,
    "retryTime": 300,
    "expireTime": 2419200,
    "minimumTtl": 10,
    "serialNumber": 1,
}
SOA_EDITABLE = ("email", "refreshTime", "retryTime", "expireTime", "minimumTtl")

_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
_RECORD_LABEL = re.compile(r"^(?:\*|_?[A-Za-z0-9](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?|_?[A-Za-z0-9])$")
_LINK_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,78}[A-Za-z0-9_])?$")


def validate_zone_name(value: str, field: str = "name") -> str:
    """NAMING-24: a private zone is a DNS name of 2 to 34 labels, 253 characters at most."""
    name = (value or "").strip().rstrip(".").lower()
    if not name:
        raise rule_error("Private DNS zone name is required.", "NAMING-24", field=field)
    labels = name.split(".")
    if len(name) > 253 or not (2 <= len(labels) <= 34) or not all(_LABEL.match(label) for label in labels):
        raise rule_error(
            f"'{value.strip()[:80]}' isn't a valid DNS zone name. Use at least two labels of letters, digits and "
            "hyphens (1-63 characters each, not starting or ending with a hyphen), e.g. private.contoso.com.",
            "NAMING-24",
            field=field,
        )
    return name


def validate_record_name(value: str, zone_name: str, field: str = "record_name") -> str:
    """NAMING-25: '@' (the apex), '*' or relative labels; the full name fits 253 characters."""
    name = (value or "").strip().rstrip(".").lower()
    if not name or name == "@":
        return "@"
    labels = name.split(".")
    if len(f"{name}.{zone_name}") > 253 or not all(_RECORD_LABEL.match(label) for label in labels):
        raise rule_error(
            "The record set name can contain only letters, digits, hyphens and underscores in labels "
            "of 1-63 characters, '*' or '@'.",
            "NAMING-25",
            field=field,
        )
    return name


def validate_link_name(value: str, field: str = "link_name") -> str:
    """NAMING-26: a link name is 1-80 letters, digits, periods, hyphens and underscores."""
    name = (value or "").strip()
    if not name:
        raise rule_error("Link name is required.", "NAMING-26", field=field)
    if not name.isascii() or not _LINK_NAME.match(name):
        raise rule_error(
            "The link name must be 1-80 letters, digits, underscores, periods and hyphens, starting with a "
            "letter or digit and ending with a letter, digit or underscore.",
            "NAMING-26",
            field=field,
        )
    return name


def parse_ttl(value: str | int, unit: str, field: str = "ttl") -> int:
    try:
        amount = int(str(value).strip())
    except (TypeError, ValueError):
        raise rule_error("TTL must be a whole number.", "LIMIT-50", field=field) from None
    if unit not in TTL_UNITS:
        raise rule_error("Choose a TTL unit.", "LIMIT-50", field="ttl_unit")
    seconds = amount * TTL_UNITS[unit]
    if not (1 <= seconds <= MAX_TTL):
        raise rule_error(f"TTL must be between 1 second and {MAX_TTL} seconds.", "LIMIT-50", field=field)
    return seconds


def _host_name(text: str) -> str | None:
    name = text.strip().rstrip(".").lower()
    labels = name.split(".")
    if not name or len(name) > 253 or not all(re.match(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$", lb) for lb in labels):
        return None
    return name


def parse_records(record_type: str, lines: list[str], field: str = "records") -> list:
    """The values of a record set, one per line, as their type requires."""
    values = [line.strip() for line in lines if line.strip()]
    if record_type not in RECORD_TYPES:
        raise rule_error("Choose a record type.", "NAMING-25", field="record_type")
    if not values:
        raise rule_error("Enter at least one value.", "LIMIT-50", field=field)
    if len(values) > MAX_RECORDS_PER_SET:
        raise rule_error(f"A record set holds at most {MAX_RECORDS_PER_SET} records.", "LIMIT-50", field=field)
    if record_type == "CNAME" and len(values) != 1:
        raise rule_error("A CNAME record set holds exactly one alias.", "NAMING-25", field=field)
    parsed: list = []
    for value in values:
        parsed.append(_parse_value(record_type, value, field))
    if len({str(v).lower() for v in parsed}) != len(parsed):
        raise rule_error("The same value is listed twice.", "NAMING-25", field=field)
    return parsed


def _parse_value(record_type: str, value: str, field: str) -> str:
    bad = rule_error(f"'{value[:80]}' isn't a valid {record_type} value.", "NAMING-25", field=field)
    if record_type in ("A", "AAAA"):
        try:
            address = ip_address(value)
        except ValueError:
            raise bad from None
        if not isinstance(address, IPv4Address if record_type == "A" else IPv6Address):
            raise bad
        return str(address)
    if record_type in ("CNAME", "PTR"):
        host = _host_name(value)
        if host is None:
            raise bad
        return host
    if record_type == "MX":
        parts = value.split()
        if len(parts) != 2 or parse_int(parts[0], hi=65535) is None or _host_name(parts[1]) is None:
            raise rule_error(
                "An MX value is '<preference> <mail exchange>', e.g. '10 mail.contoso.com'.", "NAMING-25", field=field
            )
        return f"{int(parts[0])} {_host_name(parts[1])}"
    if record_type == "SRV":
        parts = value.split()
        if (
            len(parts) != 4
            or any(parse_int(p, hi=65535) is None for p in parts[:3])
            or _host_name(parts[3]) is None
        ):
            raise rule_error(
                "An SRV value is '<priority> <weight> <port> <target>', e.g. '10 5 443 sip.contoso.com'.",
                "NAMING-25",
                field=field,
            )
        return " ".join([*(str(int(p)) for p in parts[:3]), _host_name(parts[3])])
    if len(value) > 1024 or not value.isprintable():
        raise rule_error("A TXT value is printable text of at most 1024 characters.", "NAMING-25", field=field)
    return value


# --- zones --------------------------------------------------------------------


def check_zone_name_free(rg: ResourceGroup | None, name: str) -> None:
    """NAMING-24: the name is taken in the resource group. Reads only; a
    group still to be made (None) holds nothing."""
    if rg is not None and rg.pk and PrivateDnsZone.objects.filter(resource_group=rg, name__iexact=name).exists():
        raise rule_error(
            f"A private DNS zone named '{name}' already exists in resource group '{rg.name}'.",
            "NAMING-24",
            field="name",
        )


def check_zone_limit(sandbox) -> None:
    """LIMIT-50: 1,000 private DNS zones per subscription. Reads only, so
    Review + create finds it as Create does."""
    if PrivateDnsZone.objects.filter(sandbox=sandbox).count() >= MAX_ZONES_PER_SUBSCRIPTION:
        raise rule_error(
            f"The subscription already has {MAX_ZONES_PER_SUBSCRIPTION} private DNS zones, the maximum.",
            "LIMIT-50",
            field="name",
        )


def create_zone(rg: ResourceGroup, *, name: str, log: bool = True) -> PrivateDnsZone:
    """'Create Private DNS Zone': a global resource (LIMIT-50: 1,000 per subscription)."""
    sandbox = rg.subscription.sandbox
    name = validate_zone_name(name)
    registry.refuse_change(rg)
    with transaction.atomic():
        check_zone_name_free(rg, name)
        check_zone_limit(sandbox)
        zone = PrivateDnsZone.objects.create(sandbox=sandbox, resource_group=rg, name=name, location="global")
        PrivateDnsRecordSet.objects.create(
            zone=zone, name="@", record_type="SOA", ttl=SOA_TTL, records=[dict(SOA_RECORD)]
        )
        portal_services.log_activity(sandbox, zone, "Create or Update Private DNS Zone", "Succeeded")
        if log:
            portal_services.notify(
                sandbox,
                "Deployment succeeded",
                f"Private DNS zone '{name}' was created in '{rg.name}'.",
                NotificationLevel.SUCCESS,
                resource_url(zone),
            )
    return zone


def delete_zone(zone: PrivateDnsZone) -> None:
    """A zone with virtual network links can't be deleted: remove them first (PEDNS-21)."""
    with transaction.atomic():
        registry.refuse_delete(zone)
        links = list(zone.links.values_list("name", flat=True)[:3])
        if links:
            raise rule_error(
                f"Private DNS zone '{zone.name}' has virtual network links ({', '.join(links)}). Delete them first.",
                "PEDNS-21",
            )
        sandbox, rg_name = zone.sandbox, zone.resource_group.name
        portal_services.log_activity(sandbox, zone, "Delete Private DNS Zone", "Succeeded")
        zone.delete()
        portal_services.notify(
            sandbox,
            "Deleted private DNS zone",
            f"'{zone.name}' was deleted from '{rg_name}'.",
            NotificationLevel.SUCCESS,
        )


# --- record sets --------------------------------------------------------------


def save_record_set(
    zone: PrivateDnsZone,
    *,
    name: str,
    record_type: str,
    ttl: str | int,
    ttl_unit: str,
    records: list[str],
    original: PrivateDnsRecordSet | None = None,
) -> PrivateDnsRecordSet:
    """Add a record set, or edit ``original`` (its name and type stay, as in the portal)."""
    registry.refuse_change(zone)
    if original is not None:
        name, record_type = original.name, original.record_type
    else:
        name = validate_record_name(name, zone.name)
    if record_type == "SOA":
        raise rule_error(
            f"'{zone.name}' has its SOA record set '@' from its creation; a zone holds only that one.",
            "PDNS-01",
            field="record_type",
        )
    if record_type not in RECORD_TYPES:
        raise rule_error("Choose a record type.", "NAMING-25", field="record_type")
    seconds = parse_ttl(ttl, ttl_unit)
    values = parse_records(record_type, records)
    with transaction.atomic():
        if original is None:
            others = PrivateDnsRecordSet.objects.filter(zone=zone, name__iexact=name)
            if others.filter(record_type=record_type).exists():
                raise rule_error(
                    f"A {record_type} record set named '{name}' already exists in '{zone.name}'. Edit it instead.",
                    "NAMING-25",
                    field="record_name",
                )
            # RFC 1034: a CNAME owns its name alone.
            if record_type == "CNAME" and others.exists() or others.filter(record_type="CNAME").exists():
                raise rule_error(
                    f"'{name}' can't hold a CNAME record set together with other record sets.",
                    "NAMING-25",
                    field="record_name",
                )
            if zone.record_sets.count() >= MAX_RECORD_SETS_PER_ZONE:
                raise rule_error(
                    f"'{zone.name}' already has {MAX_RECORD_SETS_PER_ZONE} record sets.",
                    "LIMIT-50",
                    field="record_name",
                )
            record_set = PrivateDnsRecordSet.objects.create(
                zone=zone, name=name, record_type=record_type, ttl=seconds, records=values
            )
        else:
            record_set = original
            record_set.ttl, record_set.records, record_set.auto_registered = seconds, values, False
            record_set.save(update_fields=["ttl", "records", "auto_registered"])
        portal_services.log_activity(zone.sandbox, zone, f"Create or Update {record_type} Record Set", "Succeeded")
        portal_services.notify(
            zone.sandbox,
            "Saved record set",
            f"{record_type} record set '{name}' was saved in '{zone.name}'.",
            NotificationLevel.SUCCESS,
            resource_url(zone),
        )
    return record_set


def refuse_soa(record_set: PrivateDnsRecordSet) -> None:
    """PDNS-01: the SOA record set belongs to the zone; it goes only with it."""
    if record_set.is_soa:
        raise rule_error(
            f"The SOA record set of '{record_set.zone.name}' can't be deleted: it goes with the zone.", "PDNS-01"
        )


def update_soa(record_set: PrivateDnsRecordSet, *, ttl: int, soa: dict) -> PrivateDnsRecordSet:
    """A template's SOA record set sets its TTL and timers; the host stays
    Azure's and the serial number Azure's own count (PDNS-01)."""
    registry.refuse_change(record_set.zone)
    if not (1 <= ttl <= MAX_TTL):
        raise rule_error(f"TTL must be between 1 second and {MAX_TTL} seconds.", "LIMIT-50", field="ttl")
    current = record_set.records[0]
    changed = {key: soa[key] for key in SOA_EDITABLE if key in soa}
    record_set.ttl, record_set.records = ttl, [{**current, **changed}]
    record_set.save(update_fields=["ttl", "records"])
    portal_services.log_activity(
        record_set.zone.sandbox, record_set.zone, "Create or Update SOA Record Set", "Succeeded"
    )
    return record_set


def delete_record_set(record_set: PrivateDnsRecordSet) -> None:
    zone = record_set.zone
    refuse_soa(record_set)
    with transaction.atomic():
        locks.check_delete(f"{record_set.zone.arm_id}/{record_set.record_type}/{record_set.name}")
        record_set.delete()
        portal_services.log_activity(zone.sandbox, zone, f"Delete {record_set.record_type} Record Set", "Succeeded")
        portal_services.notify(
            zone.sandbox,
            "Deleted record set",
            f"{record_set.record_type} record set '{record_set.name}' was deleted from '{zone.name}'.",
            NotificationLevel.SUCCESS,
            resource_url(zone),
        )


def add_a_record(zone: PrivateDnsZone, name: str, ip: str, *, ttl: int = 10) -> None:
    """Add ``ip`` to the A record set ``name`` (a private endpoint's zone group, PEDNS-11)."""
    record_set = PrivateDnsRecordSet.objects.filter(zone=zone, name__iexact=name, record_type="A").first()
    if record_set is None:
        PrivateDnsRecordSet.objects.create(zone=zone, name=name.lower(), record_type="A", ttl=ttl, records=[ip])
    elif ip not in record_set.records:
        if len(record_set.records) >= MAX_RECORDS_PER_SET:
            raise rule_error(
                f"Record set '{name}' in '{zone.name}' already holds {MAX_RECORDS_PER_SET} records.", "LIMIT-50"
            )
        record_set.records = [*record_set.records, ip]
        record_set.save(update_fields=["records"])


def remove_a_record(zones: Iterable[PrivateDnsZone], name: str, ip: str) -> None:
    for record_set in PrivateDnsRecordSet.objects.filter(zone__in=zones, name__iexact=name, record_type="A"):
        remaining = [r for r in record_set.records if r != ip]
        if remaining:
            record_set.records = remaining
            record_set.save(update_fields=["records"])
        else:
            record_set.delete()


# --- virtual network links and auto-registration --------------------------------


def registered_machines(vnet_ids: Iterable[int]) -> list[tuple[str, str]]:
    """PEDNS-23: (VM name, private IP) of each VM's primary NIC in these VNets.

    A NIC with a ``vm_name`` but no VM row (the seed's contoso-vm01-nic) stands
    for a VM the lab doesn't model, so it registers too; private endpoint NICs
    never do."""
    nics = (
        NetworkInterface.objects.filter(subnet__vnet_id__in=vnet_ids, private_endpoint__isnull=True)
        .filter(Q(vm__isnull=False) | ~Q(vm_name=""))
        .select_related("vm")
        .order_by("pk")
    )
    seen: dict[str, str] = {}
    for nic in nics:
        machine = (nic.vm.name if nic.vm_id else nic.vm_name).lower()
        seen.setdefault(machine, nic.private_ip)
    return list(seen.items())


def _register(zone: PrivateDnsZone, machines: list[tuple[str, str]]) -> None:
    for machine, ip in machines:
        existing = PrivateDnsRecordSet.objects.filter(zone=zone, name__iexact=machine, record_type="A").first()
        if existing is None:
            PrivateDnsRecordSet.objects.create(
                zone=zone, name=machine, record_type="A", ttl=AUTO_REGISTRATION_TTL, records=[ip], auto_registered=True
            )
        elif existing.auto_registered and ip not in existing.records:
            existing.records = [ip]
            existing.save(update_fields=["records"])


def register_vm(nic: NetworkInterface) -> None:
    """A new VM NIC is registered in its VNet's registration zone, if any (PEDNS-23)."""
    link = (
        VirtualNetworkLink.objects.filter(vnet_id=nic.subnet.vnet_id, registration_enabled=True)
        .select_related("zone")
        .first()
    )
    if link is not None:
        machine = nic.vm.name if nic.vm_id else nic.vm_name
        _register(link.zone, [(machine.lower(), nic.private_ip)])


def unregister_machine(vnet_id: int, machine: str) -> None:
    """PEDNS-23: records auto-registered for a VM go when the VM goes."""
    PrivateDnsRecordSet.objects.filter(
        zone__links__vnet_id=vnet_id, zone__links__registration_enabled=True, name__iexact=machine, auto_registered=True
    ).delete()


def link_choices(zone: PrivateDnsZone) -> list[dict]:
    """The sandbox's Resource Manager VNets with why each can't be linked, if it can't."""
    linked = set(zone.links.values_list("vnet_id", flat=True))
    registration = set(
        VirtualNetworkLink.objects.filter(vnet__sandbox=zone.sandbox, registration_enabled=True).values_list(
            "vnet_id", flat=True
        )
    )
    vnets = VirtualNetwork.objects.filter(sandbox=zone.sandbox, is_classic=False).select_related("resource_group")
    return [{"vnet": v, "linked": v.pk in linked, "has_registration_zone": v.pk in registration} for v in vnets]


def create_link(
    zone: PrivateDnsZone,
    *,
    name: str,
    vnet: VirtualNetwork | None,
    registration_enabled: bool = False,
    fallback_to_internet: bool = False,
    log: bool = True,
) -> VirtualNetworkLink:
    """'Add virtual network link' (PEDNS-20 to PEDNS-23)."""
    sandbox = zone.sandbox
    registry.refuse_change(zone)
    name = validate_link_name(name)
    if vnet is None:
        raise rule_error("Select a virtual network.", "PEDNS-20", field="vnet")
    if vnet.is_classic:
        raise rule_error(
            f"'{vnet.name}' is a classic virtual network. Private DNS zones link only to Resource Manager virtual networks.",
            "PEDNS-21",
            field="vnet",
        )
    policy = "Default"
    if fallback_to_internet:
        if not sandbox.rules.dns_link_fallback:
            raise rule_error("Fallback to internet isn't available in this portal era.", "PEDNS-14", field="fallback")
        if not zone.name.startswith("privatelink."):
            raise rule_error("Fallback to internet is only for privatelink zones.", "PEDNS-14", field="fallback")
        policy = "NxDomainRedirect"
    with transaction.atomic():
        links = VirtualNetworkLink.objects.select_for_update().filter(zone=zone)
        if links.filter(name__iexact=name).exists():
            raise rule_error(f"A link named '{name}' already exists in '{zone.name}'.", "PEDNS-21", field="link_name")
        if links.filter(vnet=vnet).exists():
            raise refuse("ERR-31", "PEDNS-21", field="vnet", vnet=vnet.name, zone=zone.name)
        if links.count() >= MAX_LINKS_PER_ZONE:
            raise rule_error(
                f"'{zone.name}' already has {MAX_LINKS_PER_ZONE} virtual network links.", "LIMIT-50", field="vnet"
            )
        if registration_enabled:
            if VirtualNetworkLink.objects.filter(vnet=vnet, registration_enabled=True).exists():
                raise refuse("ERR-31", "PEDNS-22", field="registration", vnet=vnet.name, zone=zone.name)
            if links.filter(registration_enabled=True).count() >= MAX_REGISTRATION_LINKS_PER_ZONE:
                raise rule_error(
                    f"'{zone.name}' already has {MAX_REGISTRATION_LINKS_PER_ZONE} links with auto registration.",
                    "LIMIT-50",
                    field="registration",
                )
        link = VirtualNetworkLink.objects.create(
            zone=zone, vnet=vnet, name=name, registration_enabled=registration_enabled, resolution_policy=policy
        )
        if registration_enabled:
            _register(zone, registered_machines([vnet.pk]))
        portal_services.log_activity(sandbox, zone, "Create or Update Virtual Network Link", "Succeeded")
        if log:
            portal_services.notify(
                sandbox,
                "Added virtual network link",
                f"'{zone.name}' is linked to '{vnet.name}' ({name}).",
                NotificationLevel.SUCCESS,
                resource_url(zone),
            )
    return link


def delete_link(link: VirtualNetworkLink) -> None:
    """Deleting a registration link removes its auto-registered records (PEDNS-23)."""
    zone = link.zone
    with transaction.atomic():
        locks.check_delete(f"{link.zone.arm_id}/virtualNetworkLinks/{link.name}")
        if link.registration_enabled:
            machines = [m for m, _ in registered_machines([link.vnet_id])]
            if machines:
                names = Q()
                for machine in machines:
                    names |= Q(name__iexact=machine)
                PrivateDnsRecordSet.objects.filter(names, zone=zone, auto_registered=True).delete()
        link.delete()
        portal_services.log_activity(zone.sandbox, zone, "Delete Virtual Network Link", "Succeeded")
        portal_services.notify(
            zone.sandbox,
            "Deleted virtual network link",
            f"Link '{link.name}' was deleted from '{zone.name}'.",
            NotificationLevel.SUCCESS,
            resource_url(zone),
        )
