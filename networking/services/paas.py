"""State changes of the PaaS services a network reaches (storage accounts,
SQL servers, key vaults): public network access, VNet rules, IP rules and
private endpoint connections."""

import re
from ipaddress import ip_network

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import QuerySet

from networking.engine import addressing, servicetags
from networking.models import KeyVault, PaasTarget, PrivateEndpoint, SqlServer, StorageAccount, Subnet
from portal import services as portal_services
from portal.errors import rule_error
from portal.models import REGIONS, NotificationLevel, ResourceGroup
from portal.registry import registry
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


def _service_ip(model: type[PaasTarget], pk: int) -> str:
    """A PaaS resource's public address, inside its service tag's block, so
    service endpoint routes and NSG tag rules match it (servicetags)."""
    return str(servicetags.service_address(model.service_tag, pk))


def check_target_name_free(model: type[PaasTarget], sandbox, name: str) -> None:
    """The host name is global: the name is taken anywhere in the sandbox.
    Reads only, so Review + create runs it as Create does."""
    if model.objects.filter(sandbox=sandbox, name__iexact=name).exists():
        rule_id = TARGET_NAMES[model][0]
        raise rule_error(
            f"The name '{name}' is already taken: {name.lower()}.{model.host_suffix} exists.", rule_id, field="name"
        )


def create_target(model: type[PaasTarget], rg: ResourceGroup, *, name: str, location: str) -> PaasTarget:
    """Create a storage account, SQL server or key vault. Its host name is
    global, so the name must be free in the whole sandbox."""
    sandbox = rg.subscription.sandbox
    name = validate_target_name(model, name)
    if location not in REGIONS:
        raise rule_error("Choose a region.", "VNET-03", field="region")
    registry.refuse_change(rg)
    with transaction.atomic():
        check_target_name_free(model, sandbox, name)
        target = model.objects.create(
            sandbox=sandbox, resource_group=rg, name=name, location=location, public_ip="0.0.0.0"
        )
        target.public_ip = _service_ip(model, target.pk)
        target.save(update_fields=["public_ip"])
        portal_services.deployed(
            sandbox, target, f"Create {model.type_label}", f"{model.type_label} '{name}' was created in '{rg.name}'."
        )
    return target


def disconnect_endpoints(target) -> None:
    """The private endpoints to a resource about to be deleted (a storage
    account, a SQL server, a web app) stay, Disconnected (PEDNS-30)."""
    content_type = ContentType.objects.get_for_model(type(target))
    PrivateEndpoint.objects.filter(target_type=content_type, target_id=target.pk).update(
        connection_state="Disconnected"
    )


def delete_target(target: PaasTarget) -> None:
    """Its private endpoints stay, Disconnected (PEDNS-30)."""
    with transaction.atomic():
        registry.refuse_delete(target)
        disconnect_endpoints(target)
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
    registry.refuse_change(target)
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


AZURE_SERVICES_RULE = SqlServer.AZURE_SERVICES_RULE  # SQL-01


def allows_azure_services(target: PaasTarget) -> bool:
    return isinstance(target, SqlServer) and AZURE_SERVICES_RULE in target.ip_rules


def set_sql_networking(target: SqlServer, *, deny_public: bool, allow_azure: bool) -> None:
    """A SQL server's public access: denied (private endpoints only, SQL-02)
    or its firewall's rules, with or without the Azure services rule
    (SQL-01). A SQL server has no "All networks": what no rule allows is
    refused (SQL-03)."""
    registry.refuse_change(target)
    with transaction.atomic():
        target.refresh_from_db(fields=["ip_rules"])
        rules = [r for r in target.ip_rules if r != AZURE_SERVICES_RULE]
        target.ip_rules = [AZURE_SERVICES_RULE, *rules] if allow_azure else rules
        target.public_network_access = "Disabled" if deny_public else "Enabled"
        target.default_action = "Deny"
        target.save(update_fields=["ip_rules", "public_network_access", "default_action"])
        _saved(target, "Networking")


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
    registry.refuse_change(target)
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
            registry.refuse_change(subnet)  # enabling the endpoint changes the subnet
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
    registry.refuse_change(target)
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
    registry.refuse_change(target)
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
    registry.refuse_change(target)
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
    registry.refuse_change(target)
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
