"""Network security group blades (portal-ui §4): Create, Overview with both
rule sets and the "Effective" summary, Activity log, Inbound/Outbound
security rules with their panes, Network interfaces, Subnets, Properties
(JSON View) and Delete."""

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_http_methods

from networking.engine import rules as nsg_rules
from networking.forms.associate import NSG as NSG_SUBNETS
from networking.forms.associate import AssociateForm, NicAssociateForm, SubnetAssociateForm
from networking.forms.nsgs import (
    NetworkSecurityGroupWizard,
    RuleGridForm,
    SecurityRuleForm,
    initial_values,
)
from networking.models import NetworkInterface, NetworkSecurityGroup, SecurityRule, Subnet
from networking.services import nsgs as services
from portal.access import blade_kwargs, get_in_group, get_resource_group
from portal.blades import (
    activity_log,
    blade,
    confirm_action,
    confirm_delete,
    confirm_pane,
    json_view,
    resource_group_url,
    resource_menu,
    respond,
    run_wizard,
    swap,
)
from portal.errors import AzureRuleError
from portal.forms import Problem
from portal.urlcache import fast_reverse

DIRECTION_SLUGS = {"inbound": nsg_rules.INBOUND, "outbound": nsg_rules.OUTBOUND}
ICON = "bi-shield-lock"


def _get_nsg(request, subscription_id, rg, name) -> NetworkSecurityGroup:
    return get_in_group(request, NetworkSecurityGroup, subscription_id, rg, name)


def _get_rule(nsg: NetworkSecurityGroup, rule_name: str) -> SecurityRule:
    return get_object_or_404(SecurityRule.objects.select_related("nsg"), nsg=nsg, name__iexact=rule_name)


def _direction(slug: str) -> str:
    if slug not in DIRECTION_SLUGS:
        raise Http404("Unknown direction")
    return DIRECTION_SLUGS[slug]


def _url(nsg, url_name: str, **kwargs) -> str:
    """A page of the NSG; ``kwargs`` are text (fast_reverse's placeholders are)."""
    return fast_reverse(f"networking:{url_name}", **{**blade_kwargs(nsg), **kwargs})


def _urls(nsg) -> dict[str, str]:
    return {
        "overview": _url(nsg, "nsg_overview"),
        "inbound": _url(nsg, "nsg_rules", direction="inbound"),
        "outbound": _url(nsg, "nsg_rules", direction="outbound"),
        "add_inbound": _url(nsg, "nsg_rule_add", direction="inbound"),
        "add_outbound": _url(nsg, "nsg_rule_add", direction="outbound"),
        "subnets": _url(nsg, "nsg_subnets"),
        "associate_subnet": _url(nsg, "nsg_subnet_associate"),
        "nics": _url(nsg, "nsg_nics"),
        "associate_nic": _url(nsg, "nsg_nic_associate"),
        "delete": _url(nsg, "nsg_delete"),
        "json": _url(nsg, "nsg_json"),
    }


def _blade(nsg, active: str, title: str, **extra) -> dict:
    return blade(nsg, menu=resource_menu(nsg, active), title=title, icon=ICON, urls=_urls(nsg), **extra)


# --- rule grids ------------------------------------------------------------------------------


def _row(nsg, rule) -> dict:
    is_default = getattr(rule, "is_default", False)
    if is_default:
        source, destination = rule.source, rule.destination
        port = nsg_rules.display_ports([rule.destination_ports])
        actions = {
            "edit": _url(nsg, "nsg_default_rule", rule=rule.name, action="edit"),
            "delete": _url(nsg, "nsg_default_rule", rule=rule.name, action="delete"),
        }
    else:
        source = nsg_rules.display_prefixes(rule.source_address_prefixes)
        destination = nsg_rules.display_prefixes(rule.destination_address_prefixes)
        port = nsg_rules.display_ports(rule.destination_port_ranges)
        actions = {
            "edit": _url(nsg, "nsg_rule_edit", rule=rule.name),
            "delete": _url(nsg, "nsg_rule_delete", rule=rule.name),
        }
    return {
        "priority": rule.priority,
        "name": rule.name,
        "port": port,
        "protocol": nsg_rules.PROTOCOL_LABELS.get(rule.protocol, rule.protocol),
        "source": "Any" if source == "0.0.0.0/0" else source,
        "destination": "Any" if destination == "0.0.0.0/0" else destination,
        "action": rule.access,
        "is_default": is_default,
        **actions,
    }


def _grids(nsg, directions, *, hide_default: bool) -> list[dict]:
    """One grid per direction: custom rules by priority, then the defaults (NSG-10)."""
    custom = list(SecurityRule.objects.filter(nsg=nsg, direction__in=directions).order_by("priority"))
    grids = []
    for direction in directions:
        rows = [_row(nsg, r) for r in custom if r.direction == direction]
        if not hide_default:
            rows += [_row(nsg, r) for r in nsg_rules.default_rules(direction)]
        slug = direction.lower()
        grids.append(
            {"direction": direction, "slug": slug, "rows": rows, "add_url": _url(nsg, "nsg_rule_add", direction=slug)}
        )
    return grids


def _effective(nsg) -> dict:
    """Where the NSG applies and in which order it is evaluated (NSG-20, NSG-21)."""
    subnets = list(Subnet.objects.filter(nsg=nsg).select_related("vnet").order_by("vnet__name", "name"))
    nics = list(NetworkInterface.objects.filter(nsg=nsg).select_related("vm", "subnet__vnet").order_by("name"))
    return {"subnets": subnets, "nics": nics}


@require_GET
def nsg_overview(request, subscription_id, rg, name):
    nsg = _get_nsg(request, subscription_id, rg, name)
    hide_default = RuleGridForm(request.GET).hidden
    context = _blade(
        nsg,
        "overview",
        "Overview",
        grids=_grids(nsg, nsg_rules.DIRECTIONS, hide_default=hide_default),
        hide_default=hide_default,
        effective=_effective(nsg),
    )
    return respond(request, "networking/nsg_overview.html", "rule-grids", context)


@require_GET
def nsg_rules_page(request, subscription_id, rg, name, direction):
    nsg = _get_nsg(request, subscription_id, rg, name)
    direction_name = _direction(direction)
    hide_default = RuleGridForm(request.GET).hidden
    context = _blade(
        nsg,
        direction,
        f"{direction_name} security rules",
        grids=_grids(nsg, (direction_name,), hide_default=hide_default),
        hide_default=hide_default,
        direction=direction_name,
    )
    return respond(request, "networking/nsg_rules.html", "rule-grids", context)


@require_GET
def nsg_activity_log(request, subscription_id, rg, name):
    nsg = _get_nsg(request, subscription_id, rg, name)
    return activity_log(request, nsg, _blade(nsg, "activity", "Activity log"))


@require_GET
def nsg_json(request, subscription_id, rg, name):
    nsg = _get_nsg(request, subscription_id, rg, name)
    return json_view(request, nsg, _blade(nsg, "json", "Properties"))


# --- rule panes ------------------------------------------------------------------------------------


def _pane_context(nsg, *, direction: str, values: dict, problems=None, rule=None) -> dict:
    action_url = (
        _url(nsg, "nsg_rule_edit", rule=rule.name) if rule else _url(nsg, "nsg_rule_add", direction=direction.lower())
    )
    return {
        **_blade(nsg, direction.lower(), f"{'Edit' if rule else 'Add'} {direction.lower()} security rule"),
        "direction": direction,
        "rule": rule,
        "values": values,
        "form": SecurityRuleForm(
            values, icmp_label=nsg.sandbox.rules.icmp_label, my_ip=services.my_ip_address(nsg.sandbox)
        ),
        "problems": problems or {},
        "action_url": action_url,
        "preset": nsg_rules.SERVICES.get(values.get("service")),
    }


def _used_priorities(nsg, direction: str) -> list[int]:
    return list(SecurityRule.objects.filter(nsg=nsg, direction=direction).values_list("priority", flat=True))


def _rule_saved(request, nsg, direction: str):
    """After a change: the fresh grid of that direction, and the pane closed."""
    return swap(
        request,
        "networking/nsg_overview.html",
        "rule-swap",
        lambda: {**_blade(nsg, "overview", "Overview"), "grid": _grids(nsg, (direction,), hide_default=False)[0]},
        target=f"{direction.lower()}-rules",
        page_url=_url(nsg, "nsg_rules", direction=direction.lower()),
    )


def _save_rule(request, nsg, direction: str, rule=None):
    form = SecurityRuleForm(request.POST)
    problems: dict[str, Problem] = {}
    if not form.is_valid():
        problems = form.problems()
    else:
        try:
            if rule is None:
                services.add_rule(nsg, direction, form.cleaned_data)
            else:
                services.update_rule(rule, form.cleaned_data)
        except AzureRuleError as exc:
            problems = {exc.field or "form": Problem.of(exc)}
    if not problems:
        return _rule_saved(request, nsg, direction)
    values = {k: v for k, v in form.data.items() if isinstance(v, str)}
    context = _pane_context(nsg, direction=direction, values=values, problems=problems, rule=rule)
    return respond(request, "networking/nsg_rule_pane.html", "pane", context, status=422)


@require_http_methods(["GET", "POST"])
def nsg_rule_add(request, subscription_id, rg, name, direction):
    """ "Add inbound security rule" / "Add outbound security rule"; a GET with
    values re-renders the pane for a changed Source, Destination or Service."""
    nsg = _get_nsg(request, subscription_id, rg, name)
    direction_name = _direction(direction)
    if request.method == "POST":
        return _save_rule(request, nsg, direction_name)
    data = request.GET if request.GET else None
    values = initial_values(_used_priorities(nsg, direction_name), data)
    context = _pane_context(nsg, direction=direction_name, values=values)
    return respond(request, "networking/nsg_rule_pane.html", "pane", context)


@require_http_methods(["GET", "POST"])
def nsg_rule_edit(request, subscription_id, rg, name, rule):
    nsg = _get_nsg(request, subscription_id, rg, name)
    existing = _get_rule(nsg, rule)
    if request.method == "POST":
        return _save_rule(request, nsg, existing.direction, existing)
    values = initial_values([], request.GET if request.GET else None, existing)
    context = _pane_context(nsg, direction=existing.direction, values=values, rule=existing)
    return respond(request, "networking/nsg_rule_pane.html", "pane", context)


@require_http_methods(["GET", "POST"])
def nsg_rule_delete(request, subscription_id, rg, name, rule):
    nsg = _get_nsg(request, subscription_id, rg, name)
    existing = _get_rule(nsg, rule)
    if request.method == "POST":
        services.delete_rule(existing)
        return _rule_saved(request, nsg, existing.direction)
    return confirm_pane(
        request,
        _blade(nsg, existing.direction.lower(), "Delete security rule"),
        title="Delete security rule",
        question=f"Do you want to delete the security rule '{existing.name}'?",
        action=_url(nsg, "nsg_rule_delete", rule=existing.name),
        dom_id="confirm-delete-rule",
    )


@require_http_methods(["GET", "POST"])
def nsg_default_rule(request, subscription_id, rg, name, rule, action):
    """Default rules can't be edited or deleted (NSG-10, ERR-28): the pane says so."""
    nsg = _get_nsg(request, subscription_id, rg, name)
    default = nsg_rules.default_rule(rule)
    if default is None or action not in ("edit", "delete"):
        raise Http404("No such default rule")
    error = services.refuse_default_rule_change(default.name, deleting=action == "delete")
    status = 422 if request.method == "POST" else 200
    return confirm_pane(
        request,
        _blade(nsg, default.direction.lower(), default.name),
        title=f"{'Delete' if action == 'delete' else 'Edit'} security rule",
        question="",
        action=_url(nsg, "nsg_default_rule", rule=default.name, action=action),
        dom_id="confirm-default-rule",
        error=error,
        default_rule=default,
        status=status,
    )


# --- subnets and network interfaces (NSG-20) -----------------------------------------------------------


def _subnet_rows(nsg) -> list[Subnet]:
    return list(Subnet.objects.filter(nsg=nsg).select_related("vnet").order_by("vnet__name", "name"))


@require_GET
def nsg_subnets(request, subscription_id, rg, name):
    nsg = _get_nsg(request, subscription_id, rg, name)
    context = _blade(nsg, "subnets", "Subnets", subnets=_subnet_rows(nsg))
    return respond(request, "networking/nsg_subnets.html", "subnet-table", context)


def _association_context(nsg, form: AssociateForm, problems=None) -> dict:
    kind = "subnet" if isinstance(form, SubnetAssociateForm) else "nic"
    return {
        **_blade(nsg, "subnets" if kind == "subnet" else "nics", form.title),
        "form": form,
        "problems": problems or {},
        "action_url": _url(nsg, f"nsg_{kind}_associate"),
    }


def _associate_pane(request, nsg, form: AssociateForm, call) -> HttpResponse:
    """GET draws the pane; POST associates, then shows the fresh table, or the pane with its problem."""
    if request.method == "GET":
        return respond(request, "networking/associate_pane.html", "pane", _association_context(nsg, form))
    problems = form.associate(call)
    if not problems:
        return _associated(request, nsg, form.target)
    context = _association_context(nsg, form, problems)
    return respond(request, "networking/associate_pane.html", "pane", context, status=422)


def _associated(request, nsg, kind: str):
    """After an association changed: the fresh table, and the pane closed."""
    if kind == "subnet":
        return swap(
            request,
            "networking/nsg_subnets.html",
            "subnet-swap",
            lambda: _blade(nsg, "subnets", "Subnets", subnets=_subnet_rows(nsg)),
            target="nsg-subnet-table",
            page_url=_url(nsg, "nsg_subnets"),
        )
    return swap(
        request,
        "networking/nsg_nics.html",
        "nic-swap",
        lambda: _blade(nsg, "nics", "Network interfaces", nics=_nic_rows(nsg)),
        target="nsg-nic-table",
        page_url=_url(nsg, "nsg_nics"),
    )


@require_http_methods(["GET", "POST"])
def nsg_subnet_associate(request, subscription_id, rg, name):
    """ "+ Associate": Virtual network, then Subnet (NSG-20, SUBNET-07)."""
    nsg = _get_nsg(request, subscription_id, rg, name)
    data = request.POST if request.method == "POST" else request.GET
    form = SubnetAssociateForm(request.sandbox, data, holder=NSG_SUBNETS)
    return _associate_pane(request, nsg, form, lambda subnet: services.associate_subnet(nsg, subnet))


@require_http_methods(["GET", "POST"])
def nsg_subnet_dissociate(request, subscription_id, rg, name, subnet_id):
    nsg = _get_nsg(request, subscription_id, rg, name)
    subnet = get_object_or_404(Subnet.objects.select_related("vnet"), pk=subnet_id, nsg=nsg)

    def act():
        services.dissociate_subnet(nsg, subnet)
        return _associated(request, nsg, "subnet")

    return confirm_action(
        request,
        _blade(nsg, "subnets", "Dissociate subnet"),
        act=act,
        title="Dissociate subnet",
        question=f"Do you want to dissociate '{nsg.name}' from subnet '{subnet.vnet.name}/{subnet.name}'?",
        action=reverse("networking:nsg_subnet_dissociate", kwargs={**blade_kwargs(nsg), "subnet_id": subnet.pk}),
        dom_id="confirm-dissociate",
    )


def _nic_rows(nsg) -> list[NetworkInterface]:
    return list(NetworkInterface.objects.filter(nsg=nsg).select_related("vm", "subnet__vnet").order_by("name"))


@require_GET
def nsg_nics(request, subscription_id, rg, name):
    nsg = _get_nsg(request, subscription_id, rg, name)
    context = _blade(nsg, "nics", "Network interfaces", nics=_nic_rows(nsg))
    return respond(request, "networking/nsg_nics.html", "nic-table", context)


@require_http_methods(["GET", "POST"])
def nsg_nic_associate(request, subscription_id, rg, name):
    """ "+ Associate": one network interface (NSG-20)."""
    nsg = _get_nsg(request, subscription_id, rg, name)
    form = NicAssociateForm(request.sandbox, request.POST if request.method == "POST" else request.GET)
    return _associate_pane(request, nsg, form, lambda nic: services.associate_nic(nsg, nic))


@require_http_methods(["GET", "POST"])
def nsg_nic_dissociate(request, subscription_id, rg, name, nic):
    nsg = _get_nsg(request, subscription_id, rg, name)
    interface = get_object_or_404(
        NetworkInterface.objects.select_related("resource_group__subscription"),
        sandbox=request.sandbox,
        name__iexact=nic,
        nsg=nsg,
    )

    def act():
        services.dissociate_nic(nsg, interface)
        return _associated(request, nsg, "nic")

    return confirm_action(
        request,
        _blade(nsg, "nics", "Dissociate network interface"),
        act=act,
        title="Dissociate network interface",
        question=f"Do you want to dissociate '{nsg.name}' from network interface '{interface.name}'?",
        action=_url(nsg, "nsg_nic_dissociate", nic=interface.name),
        dom_id="confirm-dissociate",
    )


# --- create and delete --------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def nsg_delete(request, subscription_id, rg, name):
    """Delete: "Yes"/"No"; refused while a subnet or NIC uses the NSG."""
    nsg = _get_nsg(request, subscription_id, rg, name)
    return confirm_delete(
        request,
        _blade(nsg, "overview", "Delete"),
        delete=lambda: services.delete_nsg(nsg),
        done_url=resource_group_url(nsg),
        title="Delete network security group",
        question=f"Do you want to delete network security group '{nsg.name}'?",
        dom_id="confirm-delete-nsg",
    )


@require_http_methods(["GET", "POST"])
def nsg_create(request, subscription_id, rg):
    """ "Create network security group" (Basics, Review + create), opened from
    a resource group; the group is pre-selected."""
    group = get_resource_group(request, subscription_id, rg)
    wizard = NetworkSecurityGroupWizard(request.sandbox, request.POST if request.method == "POST" else None)
    if request.method == "GET":
        wizard.initial["resource_group"] = group.name
    return run_wizard(request, wizard, "networking/nsg_create.html")


NSG = "Microsoft.Network/networkSecurityGroups/<str:name>/"

urlpatterns = [
    path("Microsoft.Network/networkSecurityGroups/create", nsg_create, name="nsg_create"),
    path(NSG + "overview", nsg_overview, name="nsg_overview"),
    path(NSG + "activitylog", nsg_activity_log, name="nsg_activity"),
    path(NSG + "properties", nsg_json, name="nsg_json"),
    path(NSG + "delete", nsg_delete, name="nsg_delete"),
    path(NSG + "<str:direction>SecurityRules", nsg_rules_page, name="nsg_rules"),
    path(NSG + "<str:direction>SecurityRules/add", nsg_rule_add, name="nsg_rule_add"),
    path(NSG + "securityRules/<str:rule>/edit", nsg_rule_edit, name="nsg_rule_edit"),
    path(NSG + "securityRules/<str:rule>/delete", nsg_rule_delete, name="nsg_rule_delete"),
    path(NSG + "defaultSecurityRules/<str:rule>/<str:action>", nsg_default_rule, name="nsg_default_rule"),
    path(NSG + "subnets", nsg_subnets, name="nsg_subnets"),
    path(NSG + "subnets/associate", nsg_subnet_associate, name="nsg_subnet_associate"),
    path(NSG + "subnets/<pk:subnet_id>/dissociate", nsg_subnet_dissociate, name="nsg_subnet_dissociate"),
    path(NSG + "networkInterfaces", nsg_nics, name="nsg_nics"),
    path(NSG + "networkInterfaces/associate", nsg_nic_associate, name="nsg_nic_associate"),
    path(NSG + "networkInterfaces/<str:nic>/dissociate", nsg_nic_dissociate, name="nsg_nic_dissociate"),
]
