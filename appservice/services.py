"""State changes of App Service: VNet integration, restarts, app settings,
scale up, and creating plans and apps.

Each public function validates with the era's rules, writes in one
transaction, records the Activity log and notifications, and pushes live
updates after commit.
"""

import hashlib
import hmac
import re
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache, cached_property, partial
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, F
from django.urls import reverse
from django.utils import timezone

from appservice import runtimes
from appservice.models import (
    ISOLATED_TIERS,
    SKUS,
    AppServicePlan,
    AppSetting,
    ConnectionString,
    ServiceAssociationLink,
    VnetIntegration,
    WebApp,
    sku_display,
)
from networking import services as networking_services
from networking.engine import addressing
from networking.models import APP_SERVICE_DELEGATION, Subnet, VirtualNetwork, VirtualNetworkGateway
from networking.services import endpoints as endpoint_services
from networking.services import paas as paas_services
from portal import eras
from portal import services as portal_services
from portal.errors import AzureRuleError, refuse, rule_error
from portal.inputs import json_loads
from portal.models import REGIONS, NotificationLevel, region_name
from portal.naming import validate_name
from portal.prepared import PreparedInstances, PreparedValues, sandbox_rows
from portal.registry import Registry, registry

GATEWAY_SUBNET = "GatewaySubnet"
MIN_INTEGRATION_PREFIX = 28  # ASVI-21
MIN_NEW_SUBNET_PREFIX = 27  # ASVI-22
MAX_GATEWAY_VNETS_PER_PLAN = 5  # ASGW-05


# --- What the app and plan allow --------------------------------------------


def plan_problem(plan: AppServicePlan) -> AzureRuleError | None:
    """Why apps on ``plan`` can't use VNet integration at all (SEED-04)."""
    rules = plan.sandbox.rules
    if plan.in_ase:
        return refuse("ERR-04", "ASVI-12", "SEED-04")
    if plan.tier not in rules.regional_integration_tiers:
        return refuse(
            "ERR-03",
            "ASVI-10",
            "ASVI-13",
            "SEED-04",
            tier=plan.tier_display,
            plan=plan.name,
            tiers=rules.tier_label_list(rules.regional_integration_tiers),
        )
    return None


# --- Choices for the Add VNet pane -------------------------------------------


class Choice:
    """One entry of a drop-down in the Add VNet pane: enabled, or disabled with why.

    The reason can be given, or worked out on first use (``check``), so a
    list of a hundred VNets costs nothing for entries nobody looks at.
    """

    def __init__(self, obj, problem: AzureRuleError | None = None, check=None):
        self.obj = obj
        self._problem = problem
        self._check = check

    @cached_property
    def problem(self) -> AzureRuleError | None:
        return self._check() if self._check is not None else self._problem

    @property
    def enabled(self) -> bool:
        return self.problem is None


@dataclass
class VnetChoices:
    same_region: list[Choice] = field(default_factory=list)
    other_regions: list[Choice] = field(default_factory=list)
    classic: list[Choice] = field(default_factory=list)


@dataclass(frozen=True)
class VnetRow:
    """The little the drop-down shows of an ARM VNet (a hundred of them must
    cost little); the full VNet is loaded only when one is checked."""

    pk: int
    name: str
    location: str
    address_space: tuple[str, ...]
    resource_group_name: str
    is_classic = False

    @property
    def region_label(self) -> str:
        return region_name(self.location)

    @property
    def has_ipv6(self) -> bool:
        return any(":" in p for p in self.address_space)

    @property
    def resource_group(self):
        return SimpleNamespace(name=self.resource_group_name)


def vnet_choices(app: WebApp, *, classic: bool = True) -> VnetChoices:
    """SEED-09: the subscription's ARM VNets in the app's region first, then
    the ARM VNets of every other region; classic VNets behind their own link
    (not read with ``classic=False``: the Add VNet pane doesn't list them)."""
    rows = sandbox_rows(
        "appservice.vnet_choices",
        app.sandbox_id,
        lambda sid: (
            VirtualNetwork.objects.filter(sandbox_id=sid, is_classic=False)
            .order_by("name")
            .values_list("pk", "name", "location", "address_space", "resource_group__name")
        ),
    )
    classic_vnets = _CLASSIC_VNETS.all(sandbox_id=app.sandbox_id) if classic else ()
    # Read once, and only when a gateway-required choice is checked.
    plan_gateway_vnets = cache(partial(_plan_gateway_vnet_ids, app.plan))
    choices = VnetChoices()
    for pk, name, location, space, rg_name in rows:
        vnet = VnetRow(pk, name, location, tuple(space), rg_name)
        if location == app.location:
            problem = None
            if vnet.has_ipv6 and app.sandbox.rules.era == "classic":
                problem = refuse("ERR-13", "ASVI-36", vnet=name)
            choices.same_region.append(Choice(vnet, problem))
        else:
            choices.other_regions.append(Choice(vnet, check=partial(_gateway_problem_of, app, pk, plan_gateway_vnets)))
    for vnet in classic_vnets:
        choices.classic.append(Choice(vnet, gateway_problem(app, vnet, plan_gateway_vnets())))
    return choices


def _gateway_problem_of(app: WebApp, vnet_pk: int, plan_gateway_vnets) -> AzureRuleError | None:
    vnet = VirtualNetwork.objects.select_related("gateway").get(pk=vnet_pk)
    return gateway_problem(app, vnet, plan_gateway_vnets())


# The Add VNet pane's lookups, compiled once per process (portal/prepared.py),
# with ids no row has.
_CLASSIC_VNETS = PreparedInstances(
    lambda sandbox_id: (
        VirtualNetwork.objects.filter(sandbox_id=sandbox_id, is_classic=True)
        .select_related("gateway", "resource_group")
        .order_by("name")
    ),
    sandbox_id=-7_700_000_005,
)
_PLAN_GATEWAY_VNETS = PreparedValues(
    lambda plan_id: VnetIntegration.objects.filter(app__plan_id=plan_id, kind=VnetIntegration.GATEWAY).values_list(
        "vnet_id"
    ),
    plan_id=-7_700_000_006,
)


def _plan_gateway_vnet_ids(plan: AppServicePlan) -> set[int]:
    return {vnet_id for (vnet_id,) in _PLAN_GATEWAY_VNETS.values(plan_id=plan.pk)}


def _gateway_of(vnet: VirtualNetwork):
    try:
        return vnet.gateway
    except VirtualNetwork.gateway.RelatedObjectDoesNotExist:
        return None


CLASSIC_RETIRED = (
    "Classic virtual networks can't be connected: classic networking (Azure Service Manager) is retired, and "
    "with it VPN Gateway (classic), on 31 August 2024. Migrate the virtual network to Resource Manager, then "
    "use regional virtual network integration."
)


def classic_retired_problem(rules: eras.Ruleset) -> AzureRuleError | None:
    """CLASSIC-01 (lab): in the Current era a classic VNet can't be integrated
    with; the Classic era's portal still offered it (SEED-12)."""
    return rule_error(CLASSIC_RETIRED, "CLASSIC-01") if rules.classic_networking_retired else None


def gateway_problem(app: WebApp, vnet: VirtualNetwork, plan_gateway_vnets: set[int]) -> AzureRuleError | None:
    """Why gateway-required integration with ``vnet`` is refused, or None
    (SEED-11, SEED-12, SEED-22, ASGW-02, ASGW-05, ASGW-07 to ASGW-10, ASGW-19, CLASSIC-01)."""
    rules = app.sandbox.rules
    plan = app.plan
    if vnet.is_classic and rules.classic_networking_retired:
        return classic_retired_problem(rules)
    kind = "classic virtual network" if vnet.is_classic else f"virtual network in {vnet.region_label}"
    gateway = _gateway_of(vnet)
    if gateway is None:
        rule = "SEED-12" if vnet.is_classic else "SEED-11"
        return refuse(
            "ERR-18",
            rule,
            "SEED-22",
            "ASGW-07",
            reason=(
                f"'{vnet.name}' is a {kind} with no virtual network gateway. Create a route-based VPN "
                "gateway with point-to-site (SSTP) in it first"
            ),
        )
    reason = gateway.gateway_integration_problem()
    if reason is not None:
        return refuse(
            "ERR-18", "SEED-11", "ASGW-07", "ASGW-08", "ASGW-09", "ASGW-10", reason=f"{reason} on '{gateway.name}'"
        )
    if plan.os != "Windows":
        return refuse("ERR-18", "ASGW-02", reason=f"'{app.name}' runs on Linux")
    if plan.tier not in rules.gateway_integration_tiers:
        return refuse(
            "ERR-18",
            "ASGW-19",
            reason=f"the {plan.tier_display} tier can't use it; use {rules.tier_label_list(rules.gateway_integration_tiers)}",
        )
    if vnet.pk not in plan_gateway_vnets and len(plan_gateway_vnets) >= MAX_GATEWAY_VNETS_PER_PLAN:
        return refuse("ERR-19", "ASGW-05", plan=plan.name)
    return None


@dataclass
class SubnetChoices:
    subnets: list[Choice]
    address_blocks: list[str]
    suggested_prefix: str
    free_ranges: list[str]


def subnet_choices(app: WebApp, vnet: VirtualNetwork) -> SubnetChoices:
    """SEED-10: existing subnets (only usable ones enabled) and what a new one could be."""
    subnets = list(vnet.subnets.select_related("service_association_link__plan"))
    if subnets:
        _annotate_usage(subnets)
    used = [s.address_prefix for s in subnets]
    suggestion = addressing.suggest_subnet(vnet.ipv4_space, used, app.sandbox.rules.suggested_subnet_prefix)
    if suggestion is None:
        suggestion = addressing.suggest_subnet(vnet.ipv4_space, used, MIN_NEW_SUBNET_PREFIX)
    # Read once for all the subnets, and only when one gets that far.
    plan_subnets = cache(partial(_plan_regional_subnet_ids, app.plan))
    return SubnetChoices(
        subnets=[Choice(s, subnet_problem(app, s, plan_subnets)) for s in subnets],
        address_blocks=vnet.ipv4_space,
        suggested_prefix=str(suggestion) if suggestion else "",
        free_ranges=[str(r) for r in addressing.free_ranges(vnet.ipv4_space, used)],
    )


def _annotate_usage(subnets: list[Subnet]) -> None:
    """Attach NIC counts and the plans integrated with each subnet in two queries."""
    ids = [s.pk for s in subnets]
    nic_counts = dict(Subnet.objects.filter(pk__in=ids).annotate(n=Count("nics")).values_list("pk", "n"))
    plans: dict[int, set] = {}
    for subnet_id, plan_id, plan_name in VnetIntegration.objects.filter(subnet_id__in=ids).values_list(
        "subnet_id", "app__plan_id", "app__plan__name"
    ):
        plans.setdefault(subnet_id, set()).add((plan_id, plan_name))
    for s in subnets:
        s.nic_count = nic_counts.get(s.pk, 0)
        s.integrated_plans = plans.get(s.pk, set())


def subnet_problem(app: WebApp, subnet: Subnet, plan_subnets=None) -> AzureRuleError | None:
    """Why ``subnet`` can't host ``app``'s regional integration, or None.

    Expects :func:`_annotate_usage` to have run on ``subnet``.
    ``plan_subnets`` gives the plan's regional subnets' ids when called (one
    read for many subnets); without it they are read here.
    """
    rules = app.sandbox.rules
    plan = app.plan
    network = subnet.network
    if network.version != 4:
        return rule_error(
            f"Subnet '{subnet.name}' is IPv6. Virtual network integration needs an IPv4 subnet.", "ASVI-20"
        )
    if subnet.name == GATEWAY_SUBNET:
        return rule_error(
            "GatewaySubnet is reserved for virtual network gateways and can't be used for integration.", "ASVI-20"
        )
    if subnet.delegation and subnet.delegation != APP_SERVICE_DELEGATION:
        return refuse("ERR-10", "ASVI-24", "SUBNET-10", subnet=subnet.name, service=subnet.delegation)
    if getattr(subnet, "nic_count", 0):
        return refuse("ERR-01", "ASVI-20", "SEED-10", subnet=subnet.name)
    other_plans = {name for pid, name in getattr(subnet, "integrated_plans", set()) if pid != plan.pk}
    link = link_of(subnet)
    if link is not None and link.plan_id != plan.pk and not other_plans:
        other_plans = {link.plan.name}
    if other_plans:
        other = sorted(other_plans)[0]
        if not rules.multi_plan_subnet_join:
            return refuse("ERR-06", "ASVI-42", subnet=subnet.name, other=other)
        if network.prefixlen > rules.mpsj_min_prefix:
            return refuse("ERR-07", "ASVI-43", "ASVI-44", subnet=subnet.name, other=other)
    if network.prefixlen > MIN_INTEGRATION_PREFIX:
        return refuse("ERR-05", "ASVI-21", subnet=subnet.name, n=network.prefixlen)
    plan_subnets = plan_subnets() if plan_subnets is not None else _plan_regional_subnet_ids(plan)
    if subnet.pk not in plan_subnets and len(plan_subnets) >= rules.integrations_per_plan:
        return refuse("ERR-08", "ASVI-41", plan=plan.name, max=rules.integrations_per_plan)
    return None


def _plan_regional_subnet_ids(plan: AppServicePlan) -> set[int]:
    return set(
        VnetIntegration.objects.filter(app__plan=plan, kind=VnetIntegration.REGIONAL).values_list(
            "subnet_id", flat=True
        )
    )


# --- Integrate and disconnect ------------------------------------------------


def _check_can_integrate(app: WebApp) -> None:
    problem = plan_problem(app.plan)
    if problem:
        raise problem
    existing = VnetIntegration.objects.filter(app=app).select_related("vnet", "subnet").first()
    if existing:
        raise refuse(
            "ERR-09",
            "ASVI-40",
            "ASGW-04",
            app=app.name,
            vnet=existing.vnet.name,
            subnet=existing.subnet.name if existing.subnet_id else "gateway",
        )


def add_regional_integration(
    app: WebApp,
    vnet: VirtualNetwork,
    *,
    subnet: Subnet | None = None,
    new_subnet_name: str = "",
    new_subnet_prefix: str = "",
    route_all: bool = False,
) -> VnetIntegration:
    """Regional integration with an existing empty subnet or a new one (SEED-03, SEED-10).

    The subnet is delegated to Microsoft.Web/serverFarms if it isn't yet
    (ASVI-24), and the app restarts (SEED-13). ``route_all`` turns outbound
    internet routing on with it, as the Current portal's pane does (ASVI-67);
    a template or the CLI leaves the app's setting as it was.
    """
    registry.refuse_change(app)
    _check_can_integrate(app)
    if vnet.is_classic or vnet.location != app.location:
        raise refuse(
            "ERR-02", "ASVI-01", "ASVI-20", vnet=vnet.name, vnet_region=vnet.region_label, app_region=app.region_label
        )
    rules = app.sandbox.rules
    if vnet.has_ipv6 and rules.era == "classic":
        raise refuse("ERR-13", "ASVI-36", vnet=vnet.name)
    try:
        with transaction.atomic():
            if subnet is None:
                subnet = networking_services.create_subnet(
                    vnet,
                    name=new_subnet_name,
                    prefix=new_subnet_prefix,
                    min_prefix=MIN_NEW_SUBNET_PREFIX,
                    min_prefix_rules=("ASVI-22",),
                    delegation=APP_SERVICE_DELEGATION,
                    log=False,
                )
            subnet = Subnet.objects.select_related("service_association_link__plan").get(pk=subnet.pk, vnet=vnet)
            subnet.vnet = vnet  # its resource ID, for the lock, without reading the network again
            # The subnet gets the link and the delegation: its VNet's lock refuses them too (LOCK-02).
            registry.refuse_change(subnet)
            _annotate_usage([subnet])
            problem = subnet_problem(app, subnet)
            if problem:
                raise problem
            _claim_subnet(app.plan, subnet, rules)
            integration = VnetIntegration.objects.create(
                app=app, kind=VnetIntegration.REGIONAL, vnet=vnet, subnet=subnet
            )
            if route_all and not app.vnet_route_all_enabled:
                WebApp.objects.filter(pk=app.pk).update(vnet_route_all_enabled=True)
                app.vnet_route_all_enabled = True
            _after_integration_change(
                app, "Adding VNet Integration", "Added VNet Integration", f"{vnet.name}/{subnet.name}"
            )
    except IntegrityError:
        # Another tab integrated this app a moment ago (the one-to-one held).
        app.refresh_from_db()
        _check_can_integrate(app)
        raise
    return integration


def link_of(subnet: Subnet) -> ServiceAssociationLink | None:
    """The subnet's service association link, or None (no query when the
    subnet was read with ``select_related("service_association_link__plan")``)."""
    try:
        return subnet.service_association_link
    except ServiceAssociationLink.DoesNotExist:
        return None


def _claim_subnet(plan: AppServicePlan, subnet: Subnet, rules) -> None:
    """Put the plan's service association link on the subnet and delegate it.

    The link is unique per subnet and inserted in a savepoint, so when two
    plans race for one subnet exactly one insert wins and the other reads the
    winner (ASVI-42). In the Current era the second plan joins the subnet and
    the link stays the first plan's (ASVI-43)."""
    link = link_of(subnet)  # read with the subnet, in this transaction
    if link is None:
        try:
            with transaction.atomic():
                link = ServiceAssociationLink.objects.create(subnet_id=subnet.pk, plan=plan)
        except IntegrityError:  # another plan's link, inserted a moment ago
            link = ServiceAssociationLink.objects.select_related("plan").get(subnet_id=subnet.pk)
    if link.plan_id != plan.pk and not rules.multi_plan_subnet_join:
        raise refuse("ERR-06", "ASVI-42", subnet=subnet.name, other=link.plan.name)
    Subnet.objects.filter(pk=subnet.pk).update(delegation=APP_SERVICE_DELEGATION)
    if not subnet.delegation:
        portal_services.log_activity(plan.sandbox, subnet.vnet, "Create or Update Subnet", "Succeeded")


def add_gateway_integration(app: WebApp, vnet: VirtualNetwork) -> VnetIntegration:
    """Gateway-required integration: another region's VNet or a classic VNet,
    through its point-to-site gateway (SEED-03, SEED-11, SEED-12)."""
    registry.refuse_change(app)
    _check_can_integrate(app)
    if not vnet.is_classic and vnet.location == app.location:
        raise rule_error(
            f"'{vnet.name}' is in the app's region: use regional integration with a subnet.", "SEED-03", "ASVI-01"
        )
    with transaction.atomic():
        problem = gateway_problem(app, vnet, _plan_gateway_vnet_ids(app.plan))
        if problem:
            raise problem
        try:
            with transaction.atomic():
                integration = VnetIntegration.objects.create(app=app, kind=VnetIntegration.GATEWAY, vnet=vnet)
        except IntegrityError:
            _check_can_integrate(app)
            raise
        _after_integration_change(app, "Adding VNet Integration", "Added VNet Integration", vnet.name)
    return integration


def disconnect(app: WebApp) -> None:
    """Remove the integration; the subnet and its delegation stay (ASVI-60).
    The plan's service association link goes once no app of the plan uses
    the subnet. The app restarts."""
    with transaction.atomic():
        integration = (
            VnetIntegration.objects.select_for_update(of=("self",))
            .filter(app=app)
            .select_related("vnet__resource_group__subscription", "subnet")
            .first()
        )
        if integration is None:
            raise rule_error(f"App '{app.name}' isn't integrated with a virtual network.", "ASVI-40")
        subnet = integration.subnet
        if subnet is not None and subnet.vnet_id == integration.vnet_id:
            subnet.vnet = integration.vnet  # its resource ID, for the lock, without reading the network again
        # The app changes, and the subnet loses the link (LOCK-02).
        registry.refuse_change(app, *([subnet] if subnet is not None else []))
        integration.delete()
        if subnet is not None:
            # The plans of the apps still on the subnet, the first integrated first.
            plans = list(
                VnetIntegration.objects.filter(subnet=subnet).order_by("pk").values_list("app__plan_id", flat=True)
            )
            if not plans:
                ServiceAssociationLink.objects.filter(subnet=subnet).delete()
            elif app.plan_id not in plans:
                ServiceAssociationLink.objects.update_or_create(subnet=subnet, defaults={"plan_id": plans[0]})
        target = f"{integration.vnet.name}/{subnet.name}" if subnet else integration.vnet.name
        _after_integration_change(
            app,
            "Disconnecting VNet Integration",
            "Disconnected VNet Integration",
            target,
            operation="Delete Web App VNet Connection",
        )


# --- Who uses a subnet, a VNet or a gateway (registered on networking's types) ----

# App Service's §16 texts that portal/errors.py doesn't hold; AppConfig.ready()
# adds them (portal.errors.add_texts) so refuse() finds them.
ERR_TEXT = {
    "ERR-16": (
        "Subnet '{subnet}' still holds a Microsoft.Web/serverFarms service association link. "
        "Purge the unused integration first."
    ),
    "ERR-17": "'{resource}' can't move to another subscription while virtual network integration is in use.",
    "ERR-48": (
        "App '{app}' can't take this private endpoint or rule: {reason} (100 PEs max; SE rules not allowed with a PE)."
    ),
}
VNET_TYPES = ("Microsoft.Network/virtualNetworks", "Microsoft.ClassicNetwork/virtualNetworks")


def integrated_app_name(subnet: Subnet) -> str | None:
    """The app integrated with ``subnet`` (SUBNET-06, ASVI-25), or None."""
    integration = VnetIntegration.objects.filter(subnet=subnet).select_related("app").first()
    return integration.app.name if integration else None


def orphaned_link_refusal(subnet: Subnet) -> AzureRuleError | None:
    """ASVI-65: a service association link no app uses any more blocks
    deleting and changing the subnet (one query)."""
    if ServiceAssociationLink.objects.filter(subnet=subnet, subnet__integrations__isnull=True).exists():
        return refuse("ERR-16", "ASVI-65", subnet=subnet.name)
    return None


def subnet_change_refusal(subnet: Subnet, changes: Mapping[str, Any]) -> AzureRuleError | None:
    """An orphaned link refuses every change (ASVI-65); a subnet hosting an
    integration stays delegated to Microsoft.Web/serverFarms (ASVI-24,
    SUBNET-10)."""
    orphaned = orphaned_link_refusal(subnet)
    if orphaned is not None:
        return orphaned
    delegation = changes.get("delegation", APP_SERVICE_DELEGATION)
    if delegation == APP_SERVICE_DELEGATION:
        return None
    app = integrated_app_name(subnet)
    if app is None:
        return None
    return AzureRuleError(
        f"Subnet '{subnet.name}' hosts virtual network integration for app '{app}', so it must stay delegated "
        f"to '{APP_SERVICE_DELEGATION}'. Disconnect the app first.",
        rule_ids=("ASVI-24", "SUBNET-10"),
        err_id="ERR-10",
        field="delegation",
    )


def vnet_delete_refusal(vnet: VirtualNetwork) -> AzureRuleError | None:
    """An integrated app (ASVI-63) or a service association link (ASVI-65)
    keeps a VNet from being deleted."""
    integration = VnetIntegration.objects.filter(vnet=vnet).select_related("app").first()
    if integration is not None:
        return refuse("ERR-15", "ASVI-63", vnet=vnet.name, app=integration.app.name)
    link = (
        ServiceAssociationLink.objects.filter(subnet__vnet=vnet)
        .select_related("subnet")
        .order_by("subnet__name")
        .first()
    )
    if link is not None:
        return refuse("ERR-16", "ASVI-65", subnet=link.subnet.name)
    return None


def gateway_delete_refusal(gateway: VirtualNetworkGateway) -> AzureRuleError | None:
    """A gateway an app integrates through can't be deleted (SEED-11, ASGW-07)."""
    integration = (
        VnetIntegration.objects.filter(vnet_id=gateway.vnet_id, kind=VnetIntegration.GATEWAY)
        .select_related("app")
        .first()
    )
    if integration is None:
        return None
    return rule_error(
        f"Virtual network gateway '{gateway.name}' can't be deleted while app '{integration.app.name}' uses "
        "gateway-required virtual network integration through it. Disconnect the app first.",
        "SEED-11",
        "ASGW-07",
    )


MAX_ENDPOINTS_PER_APP = 100  # ASIN-21
# ASIN-24: tiers whose apps can take a private endpoint.
APP_ENDPOINT_TIERS = ("Basic", "Standard", "PremiumV2", "PremiumV3", "PremiumV4", "IsolatedV2", "ElasticPremium")


def endpoint_target_refusal(app: WebApp, endpoint_count: int, field: str) -> AzureRuleError | None:
    """Why ``app`` can't take one more private endpoint (ASIN-24, ASIN-21), or None."""
    if app.plan.tier not in APP_ENDPOINT_TIERS:
        return rule_error(
            f"App '{app.name}' is on the {app.plan.tier_display} tier, which doesn't support private "
            "endpoints (Basic, Standard, PremiumV2, PremiumV3, IsolatedV2, Elastic Premium do).",
            "ASIN-24",
            field=field,
        )
    if endpoint_count >= MAX_ENDPOINTS_PER_APP:
        return refuse(
            "ERR-48",
            "ASIN-21",
            field=field,
            app=app.name,
            reason=f"it already has {MAX_ENDPOINTS_PER_APP} private endpoints",
        )
    return None


WEB_APP_ENDPOINT_TARGET = endpoint_services.TargetKind(
    WebApp.arm_type,
    WebApp,
    "sites",
    "privatelink.azurewebsites.net",
    "azurewebsites.net",
    refusal=endpoint_target_refusal,
)


def integrated_move_refusal(resource, target_group, cross_subscription: bool) -> AzureRuleError | None:
    """ASVI-64 (ERR-17): an app with VNet integration, or a plan one of whose
    apps has it, can't move to another subscription; within the subscription
    it may (Azure's App Service move limitations)."""
    if not cross_subscription:
        return None
    apps = WebApp.objects.filter(pk=resource.pk) if isinstance(resource, WebApp) else resource.apps.all()
    if apps.filter(integration__isnull=False).exists():
        return refuse("ERR-17", "ASVI-64", resource=resource.name)
    return None


def register_with_networking(registry: Registry) -> None:
    """What App Service adds to networking's types: who uses a subnet, a VNet
    or a gateway, and web apps as private endpoint targets (from AppConfig.ready())."""
    registry.add_user_lookup(Subnet.arm_type, integrated_app_name)
    registry.add_usage_check(Subnet.arm_type, orphaned_link_refusal)
    registry.add_change_check(Subnet.arm_type, subnet_change_refusal)
    for arm_type in VNET_TYPES:
        registry.add_usage_check(arm_type, vnet_delete_refusal)
    registry.add_usage_check(VirtualNetworkGateway.arm_type, gateway_delete_refusal)
    endpoint_services.register_target_kind(WEB_APP_ENDPOINT_TARGET)
    for arm_type in (WebApp.arm_type, AppServicePlan.arm_type):
        registry.add_move_check(arm_type, integrated_move_refusal)


def _after_integration_change(
    app: WebApp,
    title: str,
    done_title: str,
    target: str,
    operation: str = "Create or Update Web App VNet Connection",
) -> None:
    """The app restarts; the Activity log records the connection's change
    under its own operation (a disconnect is a delete, not an update)."""
    restart_app(app, reason_title=title, reason_done=done_title, body=f"{app.name}: {target}", logged=(operation,))


# --- Restart -------------------------------------------------------------------


def restart_app(app: WebApp, *, reason_title: str = "", reason_done: str = "", body: str = "", logged=()):
    """Start the app's restart: its status reads "Restarting" until
    ``restart_ends_at`` (ASVI-60). Returns the operation. The Activity log
    gets "Restart Web App", then each of ``logged`` (the operation that
    caused it), all "Started" under the restart's operation."""
    seconds = settings.VNETLAB_RESTART_SECONDS
    ends_at = timezone.now() + timedelta(seconds=seconds)
    WebApp.objects.filter(pk=app.pk).update(restart_ends_at=ends_at, stopped=False)
    app.restart_ends_at = ends_at
    app.stopped = False
    op = portal_services.start_operation(
        app.sandbox,
        kind="restart",
        resource=app,
        title=reason_title or f"Restarting app '{app.name}'",
        done_title=reason_done or f"Successfully restarted app '{app.name}'",
        body=body,
        seconds=seconds,
        link=app_link(app),
    )
    portal_services.log_activities(app.sandbox, app, ("Restart Web App", *logged), "Started", op)
    return op


def user_restart(app: WebApp):
    # Restart, Stop and Start are POST actions: a read-only lock refuses them (LOCK-02).
    registry.refuse_change(app)
    with transaction.atomic():
        return restart_app(app)


# --- Stop, start, delete (Overview's command bar) ----------------------------------


def stop_app(app: WebApp) -> None:
    """Overview > Stop: the app reads "Stopped" and its site answers
    "Error 403 - This web app is stopped." until Start (ASVI-61)."""
    _set_stopped(app, True, "Stop Web App", f"Successfully stopped app '{app.name}'")


def start_app(app: WebApp) -> None:
    """Overview > Start (the Stop button's other face)."""
    _set_stopped(app, False, "Start Web App", f"Successfully started app '{app.name}'")


def _set_stopped(app: WebApp, stopped: bool, operation: str, title: str) -> None:
    registry.refuse_change(app)
    with transaction.atomic():
        WebApp.objects.filter(pk=app.pk).update(stopped=stopped, restart_ends_at=None)
        app.stopped, app.restart_ends_at = stopped, None
        portal_services.log_activity(app.sandbox, app, operation, "Succeeded")
        portal_services.notify(app.sandbox, title, "", NotificationLevel.SUCCESS, app_link(app))


def delete_webapp(app: WebApp) -> None:
    """Overview > Delete. The plan stays; private endpoints to the app stay,
    Disconnected (PEDNS-30). Deleted while integrated, the app leaves its
    plan's service association link on the subnet, orphaned, and the subnet
    then refuses changes and deletes (ASVI-65): disconnect first."""
    with transaction.atomic():
        registry.refuse_delete(app)
        paas_services.disconnect_endpoints(app)
        portal_services.log_activity(app.sandbox, app, "Delete Web App", "Succeeded")
        app.delete()
        portal_services.notify(app.sandbox, "Deleted web app", f"'{app.name}' was deleted.", NotificationLevel.SUCCESS)


# Stamp prefixes of App Service's FTP hosts per region (made-up stamp numbers).
_FTP_STAMPS = {
    "eastus": "blu",
    "eastus2": "bn1",
    "westus": "bay",
    "westus2": "mwh",
    "westeurope": "am2",
    "northeurope": "db3",
}


def publishing(app: WebApp) -> dict[str, str]:
    """What Essentials and the publish profile show: the deployment user
    (``$<app>``), a password made from the server's secret (no two sandboxes
    or generations share one) and the FTP hosts of the app's stamp."""
    stamp = f"waws-prod-{_FTP_STAMPS.get(app.location, 'blu')}-{zlib.crc32(app.name.lower().encode()) % 90 + 1:03d}"
    seed = f"{app.sandbox_id}:{app.pk}:{app.publishing_generation}"
    password = hmac.new(settings.SECRET_KEY.encode(), seed.encode(), hashlib.sha256).hexdigest()
    return {
        "user_name": f"${app.name}",
        "password": password,
        "ftp_host": f"ftp://{stamp}.ftp.azurewebsites.windows.net/site/wwwroot",
        "ftps_host": f"ftps://{stamp}.ftp.azurewebsites.windows.net/site/wwwroot",
        "scm_host": f"{app.name.lower()}.scm.azurewebsites.net",
    }


def reset_publishing_credentials(app: WebApp) -> None:
    """Overview > Reset publish profile: a new deployment password; profiles
    downloaded before no longer match."""
    registry.refuse_change(app)
    with transaction.atomic():
        WebApp.objects.filter(pk=app.pk).update(publishing_generation=F("publishing_generation") + 1)
        app.refresh_from_db(fields=["publishing_generation"])
        portal_services.log_activity(app.sandbox, app, "Reset Web App Publishing Credentials", "Succeeded")
        portal_services.notify(
            app.sandbox,
            "Reset publish profile",
            f"'{app.name}' has a new deployment password.",
            NotificationLevel.SUCCESS,
            app_link(app),
        )


def app_link(app: WebApp) -> str:
    return reverse(
        "appservice:overview",
        kwargs={
            "subscription_id": app.resource_group.subscription.subscription_id,
            "rg": app.resource_group.name,
            "name": app.name,
        },
    )


# --- Application settings ------------------------------------------------------

SETTING_NAME_RE = re.compile(r"^[A-Za-z0-9_.]+$")
SETTING_NAME_MAX = 256


def _variable_name(name: str, os_name: str, *, label: str, singular: str, plural: str, rule: str) -> str:
    """An app setting's or a connection string's name, the environment
    variable it becomes: required, at most 256 characters, letters, digits,
    periods and underscores (``rule``); on Linux ':' is written '__' (APPSET-02)."""
    name = (name or "").strip()
    if not name:
        raise rule_error(f"{label} name is required.", rule, field="name")
    if len(name) > SETTING_NAME_MAX:
        raise rule_error(f"{label} name can be at most {SETTING_NAME_MAX} characters.", rule, field="name")
    if ":" in name and os_name == "Linux":
        raise rule_error(f"On Linux, write ':' in a {singular} as '__' (double underscore).", "APPSET-02", field="name")
    if not SETTING_NAME_RE.match(name):
        raise rule_error(
            f"{plural} can only contain letters, numbers (0-9), periods ('.') and underscores ('_').", rule, field="name"
        )
    return name


def validate_setting_name(name: str, os_name: str) -> str:
    """App setting names (APPSET-01, portal-ui §2.4; APPSET-02 on Linux)."""
    return _variable_name(
        name, os_name, label="Application setting", singular="setting name", plural="App setting names", rule="APPSET-01"
    )


MAX_DNS_SERVERS = 5  # ASDNS-05
ROUTE_ALL_VALUES = ("0", "1", "true", "false")


def validate_setting_value(name: str, value: str) -> str:
    """Settings the lab interprets are checked as the platform reads them:
    WEBSITE_DNS_SERVER (ASDNS-04, ASDNS-05), WEBSITE_DNS_ALT_SERVER (ASDNS-06)
    and WEBSITE_VNET_ROUTE_ALL (ASRT-05). Any other value is free text."""
    value = value or ""
    upper = (name or "").strip().upper()
    if upper in ("WEBSITE_DNS_SERVER", "WEBSITE_DNS_ALT_SERVER"):
        servers = value.split(",") if value else []
        if upper == "WEBSITE_DNS_ALT_SERVER" and len(servers) > 1:
            raise rule_error(
                "WEBSITE_DNS_ALT_SERVER takes one IP address: the fallback server added after the others.",
                "ASDNS-06",
                field="value",
            )
        if len(servers) > MAX_DNS_SERVERS:
            raise refuse("ERR-47", "ASDNS-05", field="value", setting=name, min=1, max=f"{MAX_DNS_SERVERS} addresses")
        for server in servers:
            if server != server.strip():
                raise rule_error(
                    f"{name} is a comma-separated list of IP addresses with no spaces.", "ASDNS-04", field="value"
                )
            try:
                addressing.parse_ipv4(server)
            except addressing.AddressError as exc:
                raise rule_error(
                    f"{exc} {name} takes IP addresses of DNS servers.", "ASDNS-04", field="value"
                ) from None
    if upper == "WEBSITE_VNET_ROUTE_ALL" and value.lower() not in ROUTE_ALL_VALUES:
        raise rule_error("WEBSITE_VNET_ROUTE_ALL takes 1 (route all traffic) or 0.", "ASRT-05", field="value")
    return value


def _clean_settings(app: WebApp, rows) -> list[tuple[str, str, bool]]:
    """Every row valid and every name unique (APPSET-01 to APPSET-03); a
    refusal names the row it is about."""
    seen: set[str] = set()
    cleaned = []
    for raw_name, raw_value, slot in rows:
        try:
            name = validate_setting_name(raw_name, app.plan.os)
            if name.upper() in seen:
                raise rule_error("Application setting name must be unique.", "APPSET-03", field="name")
            value = validate_setting_value(name, raw_value)
        except AzureRuleError as exc:
            raise _named("Application setting", raw_name, exc) from None
        seen.add(name.upper())
        cleaned.append((name, value, bool(slot)))
    return cleaned


def draft_setting(
    app: WebApp, rows: list[tuple[str, str, bool]], *, name: str, value: str, slot: bool, original: str = ""
) -> list[tuple[str, str, bool]]:
    """The grid after the "Add/Edit application setting" pane's OK: ``rows``
    with the setting added, or replacing the row named ``original``.

    Nothing is written: the grid is a draft until Save. Refusals are on the
    pane's fields (APPSET-01 to APPSET-03, ASDNS-04 to ASDNS-06, ASRT-05).
    """
    name = validate_setting_name(name, app.plan.os)
    value = validate_setting_value(name, value)
    replaced = (original or "").strip().upper()
    position = next((i for i, row in enumerate(rows) if replaced and row[0].strip().upper() == replaced), None)
    others = [row for i, row in enumerate(rows) if i != position]
    if any(row[0].strip().upper() == name.upper() for row in others):
        raise rule_error("Application setting name must be unique.", "APPSET-03", field="name")
    new_rows = list(rows)
    if position is None:
        new_rows.append((name, value, slot))
    else:
        new_rows[position] = (name, value, slot)
    return new_rows


ConnectionRow = tuple[str, str, str, bool]  # name, value, type, slot setting
CONNECTION_TYPES = dict(ConnectionString.TYPE_CHOICES)


def validate_connection_name(name: str, os_name: str) -> str:
    """Connection string names (CONNSTR-01; APPSET-02 on Linux)."""
    return _variable_name(
        name,
        os_name,
        label="Connection string",
        singular="connection string name",
        plural="Connection string names",
        rule="CONNSTR-01",
    )


def validate_connection_type(kind: str) -> str:
    """One of the portal's connection string types (CONNSTR-03), matched
    without regard to case ("MySQL" is ARM's "MySql")."""
    found = next((k for k in CONNECTION_TYPES if k.lower() == (kind or "").strip().lower()), None)
    if found is None:
        raise rule_error(f"Type must be one of {', '.join(CONNECTION_TYPES.values())}.", "CONNSTR-03", field="type")
    return found


def _named(kind: str, raw_name: str, exc: AzureRuleError) -> AzureRuleError:
    return AzureRuleError(
        f"{kind} '{(raw_name or '').strip()}': {exc.message}", rule_ids=exc.rule_ids, err_id=exc.err_id, field=exc.field
    )


def _clean_connection_strings(app: WebApp, rows) -> list[ConnectionRow]:
    """Every connection string valid and every name unique (CONNSTR-01 to
    CONNSTR-03); a refusal names the row it is about."""
    seen: set[str] = set()
    cleaned = []
    for raw_name, raw_value, raw_type, slot in rows:
        try:
            name = validate_connection_name(raw_name, app.plan.os)
            if name.upper() in seen:
                raise rule_error("Connection string name must be unique.", "CONNSTR-02", field="name")
            kind = validate_connection_type(raw_type)
        except AzureRuleError as exc:
            raise _named("Connection string", raw_name, exc) from None
        seen.add(name.upper())
        cleaned.append((name, raw_value or "", kind, bool(slot)))
    return cleaned


def draft_connection_string(
    app: WebApp, rows: list[ConnectionRow], *, name: str, value: str, kind: str, slot: bool, original: str = ""
) -> list[ConnectionRow]:
    """The grid after the "Add/Edit connection string" pane's OK: ``rows``
    with the connection string added, or replacing the row named
    ``original``. Nothing is written until Save (CONNSTR-01 to CONNSTR-03)."""
    name = validate_connection_name(name, app.plan.os)
    kind = validate_connection_type(kind)
    replaced = (original or "").strip().upper()
    position = next((i for i, row in enumerate(rows) if replaced and row[0].strip().upper() == replaced), None)
    if any(row[0].strip().upper() == name.upper() for i, row in enumerate(rows) if i != position):
        raise rule_error("Connection string name must be unique.", "CONNSTR-02", field="name")
    new_rows = list(rows)
    if position is None:
        new_rows.append((name, value or "", kind, slot))
    else:
        new_rows[position] = (name, value or "", kind, slot)
    return new_rows


ADVANCED_EDIT_MAX = 200_000


def parse_advanced_edit(app: WebApp, text: str, *, connection_strings: bool) -> list:
    """The "Advanced edit" pane's JSON: a list of objects with "name",
    "value" and "slotSetting" (and "type" for connection strings). The rows
    replace the draft's; the JSON or a row that doesn't fit is refused on
    the text area, naming the problem (APPSET-05), and a row's name and value
    by the grid's own rules (APPSET-01 to APPSET-03, CONNSTR-01 to CONNSTR-03)."""
    kind = "connection string" if connection_strings else "application setting"
    keys = ("name", "value", "type", "slotSetting") if connection_strings else ("name", "value", "slotSetting")

    def bad(message: str) -> AzureRuleError:
        return rule_error(message, "APPSET-05", field="json")

    if len(text or "") > ADVANCED_EDIT_MAX:
        raise bad(f"The JSON can be at most {ADVANCED_EDIT_MAX} characters.")
    try:
        items = json_loads(text or "")
    except ValueError as exc:
        raise bad(f"This isn't valid JSON: {exc}.") from None
    if not isinstance(items, list):
        raise bad(f'Write a JSON array of {kind}s: [{{"name": ..., "value": ..., "slotSetting": false}}].')
    rows = []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise bad(f"Item {number} isn't an object with {', '.join(repr(k) for k in keys)}.")
        unknown = sorted(set(item) - set(keys))
        if unknown:
            raise bad(f"Item {number} has the unknown property '{unknown[0]}'.")
        if not isinstance(item.get("name"), str):
            raise bad(f'Item {number} needs a "name" that is a string.')
        value = item.get("value", "")
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise bad(f"Item {number} ('{item['name']}'): \"value\" must be a string.")
        slot = item.get("slotSetting", False)
        if not isinstance(slot, bool):
            raise bad(f"Item {number} ('{item['name']}'): \"slotSetting\" must be true or false.")
        value = str(value)
        if connection_strings:
            if not isinstance(item.get("type", "Custom"), str):
                raise bad(f"Item {number} ('{item['name']}'): \"type\" must be a string.")
            rows.append((item["name"], value, item.get("type", "Custom"), slot))
        else:
            rows.append((item["name"], value, slot))
    try:
        return _clean_connection_strings(app, rows) if connection_strings else _clean_settings(app, rows)
    except AzureRuleError as exc:
        raise AzureRuleError(exc.message, rule_ids=exc.rule_ids, err_id=exc.err_id, field="json") from None


def save_app_settings(
    app: WebApp,
    base_version: int,
    rows: list[tuple[str, str, bool]],
    connection_strings: list[ConnectionRow] | None = None,
) -> None:
    """Replace the app's settings with ``rows`` (and its connection strings
    with ``connection_strings``, unless None) and restart it once (ASVI-60).

    ``base_version`` is the ``settings_version`` the learner's grid was loaded
    from. The version is bumped by a conditional update, so when two tabs save
    from the same version exactly one wins; the other is refused (APPSET-04)
    and nothing of either is lost or half-written.
    """
    registry.refuse_change(app)
    cleaned = _clean_settings(app, rows)
    strings = None if connection_strings is None else _clean_connection_strings(app, connection_strings)
    with transaction.atomic():
        _claim_settings_version(app, base_version)
        AppSetting.objects.filter(app=app).delete()
        AppSetting.objects.bulk_create(AppSetting(app=app, name=n, value=v, slot_setting=s) for n, v, s in cleaned)
        if strings is not None:
            ConnectionString.objects.filter(app=app).delete()
            ConnectionString.objects.bulk_create(
                ConnectionString(app=app, name=n, value=v, type=t, slot_setting=s) for n, v, t, s in strings
            )
        portal_services.notify(
            app.sandbox, "Successfully updated application settings", app.name, NotificationLevel.SUCCESS, app_link(app)
        )
        portal_services.log_activity(app.sandbox, app, "Update website configuration", "Succeeded")
        restart_app(app)


def _claim_settings_version(app: WebApp, base_version: int) -> None:
    """Bump the app's ``settings_version`` if it is still ``base_version``;
    otherwise someone saved meanwhile and this save is refused (APPSET-04)."""
    claimed = WebApp.objects.filter(pk=app.pk, settings_version=base_version).update(
        settings_version=F("settings_version") + 1
    )
    if not claimed:
        raise rule_error(
            "The application settings were changed by someone else since you opened them. "
            "Your changes weren't saved: refresh to load the latest settings, then make your changes again.",
            "APPSET-04",
        )
    app.settings_version = base_version + 1


def set_route_all(app: WebApp, enabled: bool) -> None:
    """The "Route All" toggle (Classic) / "Outbound internet traffic" (Current):
    the site property vnetRouteAllEnabled (ASRT-06, ASRT-07). Restarts the app."""
    registry.refuse_change(app)
    with transaction.atomic():
        WebApp.objects.filter(pk=app.pk).update(vnet_route_all_enabled=enabled)
        app.vnet_route_all_enabled = enabled
        portal_services.log_activity(app.sandbox, app, "Update website configuration", "Succeeded")
        restart_app(app)


# --- Configuration > General settings, Path mappings, Default documents ----------

PIPELINE_MODES = ("Integrated", "Classic")
FTPS_STATES = {"AllAllowed": "FTP and FTPS", "FtpsOnly": "FTPS only", "Disabled": "Disabled"}
CLIENT_CERT_MODES = {"Required": "Require", "Optional": "Allow", "Ignore": "Ignore"}
GENERAL_FIELDS = (
    "runtime_stack",
    "use_32bit_worker_process",
    "managed_pipeline_mode",
    "ftps_state",
    "http20_enabled",
    "web_sockets_enabled",
    "always_on",
    "client_affinity_enabled",
    "remote_debugging_enabled",
    "client_cert_mode",
)
PATH_FIELDS = ("handler_mappings", "virtual_applications")
SITE_CONFIG_FIELDS = (*GENERAL_FIELDS, *PATH_FIELDS, "default_documents")


def stack_choices(app: WebApp) -> list[runtimes.Runtime]:
    """The runtime stacks Stack settings offer the app: its era's that run
    on its plan's OS, and the one it runs (an app keeps a stack of another era)."""
    choices = [r for r in runtimes.offered(app.sandbox.era) if app.plan.os in r.systems]
    if app.runtime is not None and app.runtime not in choices:
        choices.append(app.runtime)
    return choices


def clean_runtime_stack(key: str, plan: AppServicePlan, field: str = "runtime_stack") -> str:
    """A runtime stack of appservice/runtimes.py that runs on the plan's OS
    ("" is one a template didn't name), CONFIG-05."""
    stack = runtimes.RUNTIMES.get(key)
    if key and stack is None:
        raise rule_error(f"'{key[:40]}' isn't a runtime stack of App Service.", "CONFIG-05", field="runtime_stack")
    if stack is not None and plan.os not in stack.systems:
        raise rule_error(
            f"{stack.label} runs on {' and '.join(stack.systems)}, and '{plan.name}' is a {plan.os} plan.",
            "CONFIG-05",
            field=field,
        )
    return key


def _stack_setting(app: WebApp, stack: str, version: str) -> str:
    """Stack settings' stack and version (a runtime stack's key): one of
    ``stack_choices`` (CONFIG-05). An app that runs none may keep none."""
    if not stack and not version and not app.runtime_stack:
        return ""
    choices = stack_choices(app)
    groups = list(dict.fromkeys(r.group for r in choices))
    _choice(stack, groups, "CONFIG-05", "stack", "Stack")
    versions = {r.key: r.label for r in choices if r.group == stack}
    if version not in versions:
        raise rule_error(
            f"The {stack} version must be one of {', '.join(versions.values())}.", "CONFIG-05", field="stack_version"
        )
    return version


def free_or_shared(plan: AppServicePlan) -> bool:
    return plan.tier in (eras.FREE, eras.SHARED)


def always_on_problem(plan: AppServicePlan) -> AzureRuleError | None:
    """Always On needs Basic or above (CONFIG-01)."""
    if free_or_shared(plan):
        return rule_error(
            f"Always On isn't available in the {plan.tier_display} tier: scale '{plan.name}' up to Basic or above.",
            "CONFIG-01",
            field="always_on",
        )
    return None


def bitness_problem(plan: AppServicePlan) -> AzureRuleError | None:
    """A 64-bit worker needs Basic or above: Free and Shared run 32-bit (CONFIG-02)."""
    if free_or_shared(plan):
        return rule_error(
            f"The {plan.tier_display} tier runs 32-bit workers only: scale '{plan.name}' up to Basic or above for 64-bit.",
            "CONFIG-02",
            field="use_32bit_worker_process",
        )
    return None


def _choice(value: str, allowed, rule: str, field_name: str, label: str) -> str:
    if value not in allowed:
        raise rule_error(f"{label} must be one of {', '.join(allowed)}.", rule, field=field_name)
    return value


def clean_general_settings(app: WebApp, values: Mapping[str, Any]) -> dict[str, Any]:
    """General settings' values, checked (CONFIG-01 to CONFIG-05). From the
    tab, ``stack`` is the Stack picker's group and ``runtime_stack`` its
    Version, one the app's era offers; from a template (no ``stack``), any
    runtime stack of its OS."""
    os_name = app.plan.os
    if "stack" in values:
        runtime = _stack_setting(app, str(values["stack"]), str(values["runtime_stack"]))
    else:
        runtime = clean_runtime_stack(str(values["runtime_stack"]), app.plan)
    cleaned = {
        "runtime_stack": runtime,
        "use_32bit_worker_process": bool(values["use_32bit_worker_process"]),
        "managed_pipeline_mode": _choice(
            values["managed_pipeline_mode"],
            PIPELINE_MODES,
            "CONFIG-04",
            "managed_pipeline_mode",
            "Managed pipeline version",
        ),
        "ftps_state": _choice(values["ftps_state"], FTPS_STATES, "CONFIG-04", "ftps_state", "FTP state"),
        "client_cert_mode": _choice(
            values["client_cert_mode"], CLIENT_CERT_MODES, "CONFIG-04", "client_cert_mode", "Client certificate mode"
        ),
        **{
            f: bool(values[f])
            for f in (
                "http20_enabled",
                "web_sockets_enabled",
                "always_on",
                "client_affinity_enabled",
                "remote_debugging_enabled",
            )
        },
    }
    if os_name == "Linux":
        # Linux workers are 64-bit and have no IIS pipeline: the tab doesn't show them (CONFIG-04).
        cleaned["use_32bit_worker_process"] = app.use_32bit_worker_process
        cleaned["managed_pipeline_mode"] = app.managed_pipeline_mode
    if cleaned["always_on"] and (problem := always_on_problem(app.plan)):
        raise problem
    if not cleaned["use_32bit_worker_process"] and (problem := bitness_problem(app.plan)):
        raise problem
    return cleaned


VIRTUAL_PATH_RE = re.compile(r"^/[A-Za-z0-9_./-]*$")
PHYSICAL_PATH_RE = re.compile(r"^site\\[A-Za-z0-9_. \\-]*$", re.IGNORECASE)
DOCUMENT_RE = re.compile(r"^[^\\/:*?\"<>|]+$")
MAX_PATH_ROWS = 50


def clean_virtual_applications(rows: list[Mapping[str, Any]]) -> list[dict]:
    """Virtual applications and directories (CONFIG-10): a virtual path
    starting with '/', unique; a physical path under 'site\\'; "/" stays,
    and stays an application."""
    cleaned, seen = [], set()
    for row in rows[:MAX_PATH_ROWS]:
        path = str(row.get("virtual_path", "")).strip()
        physical = str(row.get("physical_path", "")).strip()
        if len(path) > 1:
            path = path.rstrip("/")
        if not VIRTUAL_PATH_RE.match(path):
            raise rule_error(
                f"Virtual path '{path}' must start with '/' (letters, digits, '_', '-', '.').",
                "CONFIG-10",
                field="virtual_applications",
            )
        if path.lower() in seen:
            raise rule_error(f"Virtual path '{path}' is used twice.", "CONFIG-10", field="virtual_applications")
        if not PHYSICAL_PATH_RE.match(physical):
            raise rule_error(
                f"Physical path '{physical}' of '{path}' must be under site\\ (e.g. site\\wwwroot).",
                "CONFIG-10",
                field="virtual_applications",
            )
        seen.add(path.lower())
        cleaned.append(
            {
                "virtual_path": path,
                "physical_path": physical,
                "application": path == "/" or bool(row.get("application")),
            }
        )
    if "/" not in seen:
        raise rule_error("The root application '/' can't be removed.", "CONFIG-10", field="virtual_applications")
    return cleaned


def clean_handler_mappings(rows: list[Mapping[str, Any]]) -> list[dict]:
    """Handler mappings (CONFIG-10): an extension ('*.php' or 'php') and a script processor."""
    cleaned = []
    for row in rows[:MAX_PATH_ROWS]:
        extension = str(row.get("extension", "")).strip()
        processor = str(row.get("script_processor", "")).strip()
        if not extension or any(c in extension for c in "/\\ "):
            raise rule_error(
                "A handler mapping needs an extension, such as *.php.", "CONFIG-10", field="handler_mappings"
            )
        if not processor:
            raise rule_error(
                f"The handler mapping for '{extension}' needs a script processor path.",
                "CONFIG-10",
                field="handler_mappings",
            )
        cleaned.append(
            {"extension": extension, "script_processor": processor, "arguments": str(row.get("arguments", "")).strip()}
        )
    return cleaned


def clean_default_documents(app: WebApp, documents: list[str]) -> list[str]:
    """Default documents (CONFIG-11): Windows apps only; file names, each once."""
    if app.plan.os != "Windows":
        raise rule_error(
            "Default documents are a Windows app's: a Linux app has none.", "CONFIG-11", field="default_documents"
        )
    cleaned, seen = [], set()
    for document in documents[:MAX_PATH_ROWS]:
        document = str(document).strip()
        if not document or len(document) > 255 or not DOCUMENT_RE.match(document):
            raise rule_error(
                f"'{document}' isn't a file name: no '/', '\\' or ':'.", "CONFIG-11", field="default_documents"
            )
        if document.lower() in seen:
            raise rule_error(f"'{document}' is in the list twice.", "CONFIG-11", field="default_documents")
        seen.add(document.lower())
        cleaned.append(document)
    return cleaned


def site_config_changes(app: WebApp, values: Mapping[str, Any]) -> dict[str, Any]:
    """Which of ``values`` differ from the app's."""
    current = {f: getattr(app, f) for f in SITE_CONFIG_FIELDS}
    return {f: v for f, v in values.items() if current[f] != v}


def save_site_config(app: WebApp, base_version: int, values: Mapping[str, Any], *, check_only: bool = False) -> bool:
    """Save the runtime stack, General settings, Path mappings or Default
    documents, checked (CONFIG-01 to CONFIG-11), then restart the app (ASVI-60). Nothing
    changed: nothing written, no restart (returns False). The same
    ``settings_version`` guard as the application settings (APPSET-04).
    ``check_only``: check and tell whether anything would change, writing nothing."""
    unknown = set(values) - {*SITE_CONFIG_FIELDS, "stack"}
    if unknown:
        raise ValueError(f"not site config: {sorted(unknown)}")
    cleaned = dict(values)
    cleaned.pop("stack", None)
    if "runtime_stack" in values:
        cleaned.update(clean_general_settings(app, values))
    if "virtual_applications" in values:
        cleaned["virtual_applications"] = clean_virtual_applications(values["virtual_applications"])
    if "handler_mappings" in values:
        cleaned["handler_mappings"] = clean_handler_mappings(values["handler_mappings"])
    if "default_documents" in values:
        cleaned["default_documents"] = clean_default_documents(app, values["default_documents"])
    changes = site_config_changes(app, cleaned)
    if changes:
        registry.refuse_change(app)
    if not changes or check_only:
        return bool(changes)
    with transaction.atomic():
        _claim_settings_version(app, base_version)
        WebApp.objects.filter(pk=app.pk).update(**changes)
        for name, value in changes.items():
            setattr(app, name, value)
        portal_services.notify(
            app.sandbox, "Successfully updated web app settings", app.name, NotificationLevel.SUCCESS, app_link(app)
        )
        portal_services.log_activity(app.sandbox, app, "Update website configuration", "Succeeded")
        restart_app(app)
    return True


# --- Scale up and create ---------------------------------------------------------


def scale_problem(plan: AppServicePlan, sku: str, integrations=None) -> AzureRuleError | None:
    """Why ``plan`` can't be scaled to ``sku``, or None.

    Isolated tiers exist only in an App Service Environment, and a plan in one
    stays Isolated (ASVI-12, SEED-04). A plan whose apps use VNet integration
    can't move to a tier without it while the integration is in use (ASVI-10,
    ASVI-13, ASGW-19): Azure refuses rather than silently breaking the app's
    outbound calls. ``integrations`` may be passed to check many SKUs with
    one query.
    """
    if not sku:
        return rule_error("Select a pricing tier.", "ASVI-10", field="sku")
    if sku not in SKUS:
        return rule_error(f"'{sku}' isn't a pricing tier of App Service.", "ASVI-10", field="sku")
    tier, tier_label = SKUS[sku]
    isolated = tier in ISOLATED_TIERS
    if isolated and not plan.in_ase:
        return rule_error(
            f"Isolated tiers run only in an App Service Environment, and '{plan.name}' is a multitenant plan. "
            "Pick a Dev / Test or Production tier.",
            "ASVI-12",
            "SEED-04",
            field="sku",
        )
    if plan.in_ase and not isolated:
        return rule_error(
            f"'{plan.name}' runs in App Service Environment '{plan.ase_name or 'ase'}', so it can only use Isolated tiers.",
            "ASVI-12",
            field="sku",
        )
    if integrations is None:
        integrations = plan_integrations(plan)
    rules = plan.sandbox.rules
    for integration in integrations:
        if integration.is_regional:
            allowed, rule_ids = rules.regional_integration_tiers, ("ASVI-10",)
        else:
            allowed, rule_ids = rules.gateway_integration_tiers, ("ASGW-19",)
        if tier in allowed:
            continue
        if tier in (eras.FREE, eras.SHARED):
            rule_ids += ("ASVI-13",)
        base = refuse("ERR-03", *rule_ids, tier=tier_label, plan=plan.name, tiers=rules.tier_label_list(allowed))
        target = integration.vnet.name + (f"/{integration.subnet.name}" if integration.subnet_id else "")
        return AzureRuleError(
            f"App '{integration.app.name}' uses virtual network integration with '{target}'. "
            f"{base.message} Or disconnect the app first.",
            rule_ids=base.rule_ids,
            err_id=base.err_id,
            field="sku",
        )
    return None


def plan_integrations(plan: AppServicePlan) -> list[VnetIntegration]:
    """The VNet integrations of the plan's apps, for :func:`scale_problem`."""
    return list(VnetIntegration.objects.filter(app__plan=plan).select_related("app", "vnet", "subnet"))


def scale_plan(plan: AppServicePlan, sku: str) -> None:
    """Change the plan's pricing tier (Scale up), if Azure would allow it
    (:func:`scale_problem`)."""
    sku = (sku or "").strip().upper()
    registry.refuse_change(plan)
    with transaction.atomic():
        # Lock the plan so an integration added meanwhile is seen (PostgreSQL).
        AppServicePlan.objects.select_for_update().filter(pk=plan.pk).exists()
        problem = scale_problem(plan, sku)
        if problem:
            raise problem
        old = plan.sku_label
        AppServicePlan.objects.filter(pk=plan.pk).update(sku=sku)
        plan.sku = sku
        portal_services.log_activity(plan.sandbox, plan, "Update App Service plan", "Succeeded")
        portal_services.notify(
            plan.sandbox,
            "Successfully updated App Service plan",
            f"'{plan.name}' scaled from {old} to {sku_display(sku)}.",
            NotificationLevel.SUCCESS,
        )


def create_plan(rg, *, name: str, location: str, os_name: str, sku: str, ase_name: str = "") -> AppServicePlan:
    """Create an App Service plan (portal "Create App Service Plan").

    ``ase_name``: the App Service Environment an estate's plan lives in
    (the lab models no ASE of its own: the plan records its name). Such a
    plan uses an Isolated tier, and only such a plan may (ASVI-12)."""
    sandbox = rg.subscription.sandbox
    registry.refuse_change(rg)
    name = validate_name("plan", name)
    if os_name not in ("Windows", "Linux"):
        # A choice of the form, not an Azure rule: no rule ID to cite.
        raise rule_error("Choose Windows or Linux.", field="os")
    if location not in REGIONS:
        raise rule_error("Choose a region.", field="region")
    if sku not in SKUS:
        raise rule_error(f"'{sku}' isn't a pricing tier of App Service.", "ASVI-10", field="sku")
    if SKUS[sku][0] in ISOLATED_TIERS and not ase_name:
        raise rule_error(
            "Isolated plans are created inside an App Service Environment, which the lab doesn't create.",
            "ASVI-12",
            field="sku",
        )
    if ase_name and SKUS[sku][0] not in ISOLATED_TIERS:
        raise rule_error(
            f"A plan in App Service Environment '{ase_name}' uses an Isolated tier.", "ASVI-12", field="sku"
        )
    with transaction.atomic():
        if AppServicePlan.objects.filter(resource_group=rg, name__iexact=name).exists():
            raise rule_error(
                f"An App Service plan named '{name}' already exists in '{rg.name}'.", "NAMING-04", field="name"
            )
        plan = AppServicePlan.objects.create(
            sandbox=sandbox, resource_group=rg, name=name, location=location, os=os_name, sku=sku, ase_name=ase_name
        )
        portal_services.deployed(
            sandbox, plan, "Create or Update App Service Plan", f"App Service plan '{name}' was created in '{rg.name}'."
        )
    return plan


def create_webapp(rg, *, name: str, plan: AppServicePlan, runtime: str = "") -> WebApp:
    """Create a web app on ``plan``. The app runs in the plan's region (an app
    can only use a plan of its own region and resource group's subscription)
    and on its operating system, which the runtime stack must run on
    (appservice/runtimes.py; "" is a template that names none)."""
    sandbox = rg.subscription.sandbox
    registry.refuse_change(rg)
    name = validate_name("webapp", name)
    if plan.sandbox_id != sandbox.pk:
        # Another sandbox's plan is invisible here (DESIGN: Tenancy); not an Azure rule.
        raise rule_error("Choose an App Service plan of this subscription.", field="plan")
    clean_runtime_stack(runtime, plan, field="plan")
    with transaction.atomic():
        if WebApp.objects.filter(sandbox=sandbox, name__iexact=name).exists():
            raise rule_error(
                f"Web app name '{name}' is not available: {name.lower()}.azurewebsites.net is taken.",
                "NAMING-05",
                field="name",
            )
        app = WebApp.objects.create(
            sandbox=sandbox, resource_group=rg, name=name, location=plan.location, plan=plan, runtime_stack=runtime
        )
        portal_services.deployed(
            sandbox,
            app,
            "Create or Update Web App",
            f"Web app '{name}' was created in '{rg.name}'.",
            link=app_link(app),
        )
    return app
