"""Blades of the PaaS services a network reaches: storage accounts, SQL
servers and key vaults (Overview, Networking, Private endpoint
connections). :func:`blade_context`, the context of this family's blades,
is shared with the compute, DNS and private endpoint blades."""

from django.http import HttpRequest
from django.shortcuts import render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from networking.forms.fields import parsed
from networking.forms.paas import (
    ConnectionActionForm,
    IpRuleForm,
    PaasWizard,
    PublicAccessForm,
    RemoveVnetRuleForm,
    SqlNetworkingForm,
    VnetRuleForm,
)
from networking.services import paas as paas_services
from portal.access import blade_kwargs, get_in_group, get_resource_group
from portal.blades import activity_log, blade, confirm_delete, json_view, resource_menu, respond, run_wizard, swap
from portal.errors import AzureRuleError

# --- the family's blade context ------------------------------------------------------


def blade_context(resource, prefix: str, active: str, title: str, icon: str, **extra) -> dict:
    """A blade of this family: its type's menu, and the URLs its pages link
    to (``networking:<prefix>_<page>``)."""
    kwargs = blade_kwargs(resource)
    urls = {
        "overview": reverse(f"networking:{prefix}_overview", kwargs=kwargs),
        "delete": reverse(f"networking:{prefix}_delete", kwargs=kwargs),
        "json": reverse(f"networking:{prefix}_json", kwargs=kwargs),
        "resource_group": reverse(
            "resource_group", kwargs={"subscription_id": kwargs["subscription_id"], "rg": kwargs["rg"]}
        ),
    }
    return blade(resource, menu=resource_menu(resource, active), title=title, icon=icon, urls=urls, **extra)


# --- storage accounts, SQL servers, key vaults -------------------------------------

PROVIDERS = {
    "storage": "Microsoft.Storage/storageAccounts",
    "sql": "Microsoft.Sql/servers",
    "keyvault": "Microsoft.KeyVault/vaults",
}
ICONS = {"storage": "bi-archive", "sql": "bi-database", "keyvault": "bi-key"}
CONNECTION_LABELS = [("approve", "Approve"), ("reject", "Reject"), ("remove", "Remove")]


def get_paas(request: HttpRequest, slug: str, subscription_id, rg: str, name: str):
    """The storage account, SQL server or key vault (``slug``) of the sandbox, or 404."""
    model = paas_services.TARGET_MODELS[slug]
    return get_in_group(request, model, subscription_id, rg, name)


def _paas(target, slug: str, active: str, title: str, **extra) -> dict:
    context = blade_context(
        target,
        slug,
        active,
        title,
        ICONS[slug],
        slug=slug,
        connection_actions=CONNECTION_LABELS,
        **extra,
    )
    kwargs = blade_kwargs(target)
    for page in (
        "networking",
        "vnet_rule",
        "vnet_rule_remove",
        "ip_rule",
        "ip_rule_remove",
        "connections",
        "connection",
    ):
        context["urls"][page] = reverse(f"networking:{slug}_{page}", kwargs=kwargs)
    context["urls"]["new_endpoint"] = (
        reverse(
            "networking:private_endpoint_create",
            kwargs={"subscription_id": kwargs["subscription_id"], "rg": kwargs["rg"]},
        )
        + f"?target={target.arm_type}:{target.pk}"
    )
    return context


@require_http_methods(["GET", "POST"])
def paas_create(request, slug, subscription_id, rg):
    group = get_resource_group(request, subscription_id, rg)
    model = paas_services.TARGET_MODELS[slug]
    wizard = PaasWizard(
        request.sandbox, request.POST if request.method == "POST" else None, model=model, rg_name=group.name
    )
    return run_wizard(request, wizard, "networking/paas_create.html")


@require_GET
def paas_overview(request, slug, subscription_id, rg, name):
    target = get_paas(request, slug, subscription_id, rg, name)
    context = _paas(target, slug, "overview", "Overview", access=paas_services.access_of(target))
    return render(request, "networking/paas_overview.html", context)


def _sql_form(target, data=None, errors: dict | None = None) -> SqlNetworkingForm:
    deny = target.public_network_access == "Disabled"
    initial = {
        "deny_public": deny,
        "public_access": "disabled" if deny else "selected",
        "allow_azure": paas_services.allows_azure_services(target),
    }
    choice = target.sandbox.rules.sql_public_access_choice
    return SqlNetworkingForm(data, initial=initial, choice=choice, errors=errors)


def _networking_context(target, slug, errors: dict, **extra):
    rules = list(target.vnet_rules.select_related("vnet__resource_group"))
    access = paas_services.access_of(target)
    forms = {"sql_form": _sql_form(target, errors=errors)} if slug == "sql" else {}
    return _paas(
        target,
        slug,
        "networking",
        "Networking",
        access=access,
        access_form=PublicAccessForm(initial={"access": access}, errors=errors),
        vnet_rules=rules,
        errors=errors,
        ip_rules=[r for r in target.ip_rules if slug != "sql" or r != paas_services.AZURE_SERVICES_RULE],
        **forms,
        **extra,
    )


def _save_access(request, target, slug: str) -> None:
    """Save: a SQL server's own controls (SQL-01 to SQL-03), or the other
    targets' "Public network access"."""
    if slug == "sql":
        form = _sql_form(target, request.POST)
        paas_services.set_sql_networking(
            target, deny_public=form.denies_public(), allow_azure=bool(parsed(form)["allow_azure"])
        )
    else:
        paas_services.set_public_access(target, parsed(PublicAccessForm(request.POST))["access"])


@require_http_methods(["GET", "POST"])
def paas_networking(request, slug, subscription_id, rg, name):
    """Firewalls and virtual networks: "Public network access" (Save)."""
    target = get_paas(request, slug, subscription_id, rg, name)
    template = "networking/paas_networking.html"
    if request.method == "GET":
        return respond(request, template, "paas-networking", _networking_context(target, slug, errors={}))
    errors, status = {}, 200
    try:
        _save_access(request, target, slug)
    except AzureRuleError as exc:
        errors[exc.field or "access"], status = exc, 422
    return swap(
        request,
        template,
        "paas-networking",
        lambda: _networking_context(target, slug, errors=errors),
        page_url=request.path,
        status=status,
    )


def _rule_pane(request, target, slug, *, form: VnetRuleForm, status=200):
    context = _paas(target, slug, "networking", "Add existing virtual network", form=form, vnet=form.vnet)
    return respond(request, "networking/paas_vnet_rule.html", "pane", context, status)


@require_http_methods(["GET", "POST"])
def paas_vnet_rule(request, slug, subscription_id, rg, name):
    """The "Add existing virtual network" pane (SE-01, SE-07)."""
    target = get_paas(request, slug, subscription_id, rg, name)
    if request.method == "GET":
        return _rule_pane(request, target, slug, form=VnetRuleForm(request.GET, target=target))
    form = VnetRuleForm(request.POST, target=target)
    try:
        paas_services.add_vnet_rule(target, form.chosen_subnet(), enable_endpoint=parsed(form)["enable_endpoint"])
    except AzureRuleError as exc:
        form = VnetRuleForm(request.POST, target=target, errors={exc.field or "subnet": exc})
        return _rule_pane(request, target, slug, form=form, status=422)
    return _networking_swap(request, target, slug)


def _networking_swap(request, target, slug, *, errors=None, status=200):
    """The Networking page's settings region after a change, the pane closed."""

    def context() -> dict:
        target.refresh_from_db()
        return _networking_context(target, slug, errors=errors or {})

    return swap(
        request,
        "networking/paas_networking.html",
        "paas-networking-swap",
        context,
        target="paas-networking",
        page_url=reverse(f"networking:{slug}_networking", kwargs=blade_kwargs(target)),
        status=status,
    )


def _networking_change(request, target, slug: str, change, error_field: str):
    """Run one change of the Networking page's rules; the fresh settings
    region either way, the refusal on ``error_field`` (422)."""
    try:
        change()
    except AzureRuleError as exc:
        return _networking_swap(request, target, slug, errors={error_field: exc}, status=422)
    return _networking_swap(request, target, slug)


@require_POST
def paas_vnet_rule_remove(request, slug, subscription_id, rg, name):
    target = get_paas(request, slug, subscription_id, rg, name)
    subnet = parsed(RemoveVnetRuleForm(request.POST))["subnet"]
    return _networking_change(
        request, target, slug, lambda: paas_services.remove_vnet_rule(target, subnet), "vnet_rules"
    )


@require_POST
def paas_ip_rule(request, slug, subscription_id, rg, name):
    target = get_paas(request, slug, subscription_id, rg, name)
    rule = parsed(IpRuleForm(request.POST))["ip_rule"]
    return _networking_change(request, target, slug, lambda: paas_services.add_ip_rule(target, rule), "ip_rule")


@require_POST
def paas_ip_rule_remove(request, slug, subscription_id, rg, name):
    target = get_paas(request, slug, subscription_id, rg, name)
    rule = parsed(IpRuleForm(request.POST))["ip_rule"]
    return _networking_change(request, target, slug, lambda: paas_services.remove_ip_rule(target, rule), "ip_rule")


def _connections_context(target, slug, error=None) -> dict:
    return _paas(
        target,
        slug,
        "connections",
        "Private endpoint connections",
        connections=list(paas_services.endpoint_connections(target)),
        error=error,
    )


@require_GET
def paas_connections(request, slug, subscription_id, rg, name):
    """Private endpoint connections with Approve / Reject / Remove (PEDNS-30)."""
    target = get_paas(request, slug, subscription_id, rg, name)
    return respond(request, "networking/paas_connections.html", "connections", _connections_context(target, slug))


@require_POST
def paas_connection(request, slug, subscription_id, rg, name):
    target = get_paas(request, slug, subscription_id, rg, name)
    data = parsed(ConnectionActionForm(request.POST))
    error, status = None, 200
    try:
        paas_services.set_connection_state(target, data["endpoint"], data["action"])
    except AzureRuleError as exc:
        error, status = exc, 422
    return swap(
        request,
        "networking/paas_connections.html",
        "connections",
        lambda: _connections_context(target, slug, error),
        page_url=reverse(f"networking:{slug}_connections", kwargs=blade_kwargs(target)),
        status=status,
    )


@require_GET
def paas_activity(request, slug, subscription_id, rg, name):
    target = get_paas(request, slug, subscription_id, rg, name)
    return activity_log(request, target, _paas(target, slug, "activity", "Activity log"))


@require_GET
def paas_json(request, slug, subscription_id, rg, name):
    target = get_paas(request, slug, subscription_id, rg, name)
    return json_view(request, target, _paas(target, slug, "json", "JSON View"))


@require_http_methods(["GET", "POST"])
def paas_delete(request, slug, subscription_id, rg, name):
    target = get_paas(request, slug, subscription_id, rg, name)
    context = _paas(target, slug, "overview", "Delete")
    return confirm_delete(
        request,
        context,
        delete=lambda: paas_services.delete_target(target),
        done_url=context["urls"]["resource_group"],
        title=f"Delete {target.type_label.lower()}",
        question=f"Delete '{target.name}'? Its private endpoints stay, Disconnected.",
        rule="PEDNS-30",
        dom_id="confirm-form",
        cancel_url=context["urls"]["overview"],
    )


def _patterns() -> list:
    pages = [
        ("overview", paas_overview),
        ("networking", paas_networking),
        ("networking/virtualnetworks/add", paas_vnet_rule, "vnet_rule"),
        ("networking/virtualnetworks/remove", paas_vnet_rule_remove, "vnet_rule_remove"),
        ("networking/firewall/add", paas_ip_rule, "ip_rule"),
        ("networking/firewall/remove", paas_ip_rule_remove, "ip_rule_remove"),
        ("privateEndpointConnections", paas_connections, "connections"),
        ("privateEndpointConnections/update", paas_connection, "connection"),
        ("activitylog", paas_activity, "activity"),
        ("jsonview", paas_json, "json"),
        ("delete", paas_delete, "delete"),
    ]
    patterns = []
    for slug, provider in PROVIDERS.items():
        patterns.append(path(f"{provider}/create/", paas_create, {"slug": slug}, name=f"{slug}_create"))
        for entry in pages:
            suffix, view = entry[0], entry[1]
            url_name = entry[2] if len(entry) > 2 else suffix
            patterns.append(path(f"{provider}/<str:name>/{suffix}", view, {"slug": slug}, name=f"{slug}_{url_name}"))
    return patterns


urlpatterns = _patterns()
