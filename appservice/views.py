"""App Service blades: Overview, Activity log, Configuration (application
settings), Networking, VNet Integration (with the Add VNet pane), Scale up,
and the App Service plan's Overview and Scale up."""

import json

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from appservice import services, tiers
from appservice import snapshot as app_snapshot
from appservice.console import CONSOLE_HELP, run_console_command
from appservice.effective import ALT_DNS_SETTING, DNS_SETTING, ROUTE_ALL_SETTING, outbound_config
from appservice.forms import (
    TABS,
    AddVnetForm,
    AdvancedEditForm,
    ClassicVnetForm,
    ConnectionStringPaneForm,
    ConsoleForm,
    DefaultDocumentsForm,
    GeneralSettingsForm,
    PathMappingsForm,
    RouteAllForm,
    ScaleUpForm,
    SettingPaneForm,
    SettingsDraft,
    SettingsDraftForm,
    SiteConfigForm,
    TroubleshootForm,
    saved_draft,
)
from appservice.models import (
    ISOLATED_TIERS,
    SKUS,
    SPEC_PICKER,
    AppServicePlan,
    ConnectionString,
    VnetIntegration,
    WebApp,
)
from networking import snapshot
from networking.engine.trace import trace_app
from networking.forms.fields import parsed
from networking.models import VirtualNetwork
from portal import eras
from portal.access import blade_kwargs, get_in_group
from portal.blades import activity_log as activity_log_page
from portal.blades import confirm_action, confirm_delete, confirm_pane, go, resource_menu, respond, swap
from portal.errors import AzureRuleError
from portal.pagecache import cached_page
from portal.resources import resource_url
from portal.urlcache import fast_reverse


def get_app(request: HttpRequest, subscription_id, rg: str, name: str) -> WebApp:
    """The sandbox's web app, with its plan and integration, or 404."""
    related = (
        "plan__resource_group",
        "integration__vnet__gateway",
        "integration__subnet",
        "integration__vnet__resource_group__subscription",
    )
    app = get_in_group(request, WebApp, subscription_id, rg, name, related=related)
    if app.plan.sandbox_id == app.sandbox_id:
        # The plan's rules (services.plan_problem) read its sandbox: the app's, already loaded.
        app.plan.sandbox = app.sandbox
    return app


def get_plan(request: HttpRequest, subscription_id, rg: str, name: str) -> AppServicePlan:
    """The sandbox's App Service plan, or 404."""
    return get_in_group(request, AppServicePlan, subscription_id, rg, name)


APP_ROUTES = (
    "overview",
    "activity_log",
    "restart",
    "stop",
    "delete",
    "swap",
    "publish_profile",
    "reset_publish_profile",
    "browse",
    "networking",
    "vnet_integration",
    "add_vnet",
    "add_vnet_details",
    "add_classic_vnet",
    "disconnect",
    "route_all",
    "configuration",
    "app_setting",
    "settings_draft",
    "save_settings",
    "connection_string",
    "advanced_edit",
    "general_settings",
    "path_mappings",
    "default_documents",
    "scale_up",
    "troubleshoot",
    "console",
)


def _app_urls(app: WebApp) -> dict[str, str]:
    """Every URL of the app's blades, for templates (the resource ID is in each)."""
    kwargs = blade_kwargs(app)
    urls = {route: fast_reverse(f"appservice:{route}", **kwargs) for route in APP_ROUTES}
    urls["plan"] = fast_reverse(
        "appservice:plan_overview", **{**kwargs, "rg": app.plan.resource_group.name, "name": app.plan.name}
    )
    urls["resource_group"] = fast_reverse("resource_group", subscription_id=kwargs["subscription_id"], rg=kwargs["rg"])
    return urls


def _blade(app: WebApp, active: str, title: str, **extra) -> dict:
    return {
        "urls": _app_urls(app),
        "resource": app,
        "app": app,
        "resource_menu": resource_menu(app, active),
        "page_title": title,
        "blade_icon": "bi-globe2",
        "breadcrumbs": [{"label": "All resources", "url": reverse("all_resources")}, {"label": app.name}],
        **extra,
    }


def _integration(app: WebApp) -> VnetIntegration | None:
    """The app's integration: already joined when the app came from _get_app."""
    try:
        return app.integration
    except VnetIntegration.DoesNotExist:
        return None


def _outbound(app: WebApp, integration: VnetIntegration | None):
    return outbound_config(
        settings=dict(app.settings.values_list("name", "value")),
        route_all_property=app.vnet_route_all_enabled,
        integrated=integration is not None,
        regional=integration is not None and integration.is_regional,
        vnet_dns_servers=integration.vnet.dns_servers if integration else [],
        private_zones_need_app_settings=app.sandbox.rules.private_zones_need_app_settings,
        property_name=(
            "the site property outboundVnetRouting.applicationTraffic (Outbound internet traffic)"
            if app.sandbox.rules.newer_app_service_blades
            else "the vnetRouteAllEnabled site property (Route All)"
        ),
    )


@require_GET
@cached_page
def overview(request, subscription_id, rg, name):
    app = get_app(request, subscription_id, rg, name)
    return render(
        request, "appservice/overview.html", _blade(app, "overview", "Overview", publishing=services.publishing(app))
    )


@require_GET
def activity_log(request, subscription_id, rg, name):
    app = get_app(request, subscription_id, rg, name)
    return activity_log_page(request, app, _blade(app, "activity_log", "Activity log"))


def _overview_action(request, app: WebApp, act, *, title: str, question: str, dom_id: str, rule: str = ""):
    """An Overview command that asks first: GET is the portal's Yes/No pane,
    "Yes" (POST) acts and returns to Overview; a refusal (a read-only lock,
    LOCK-02) stays on the pane."""

    def acted():
        act(app)
        return go(request, _url(app, "overview"))

    return confirm_action(
        request,
        _blade(app, "overview", title),
        act=acted,
        title=title,
        question=question,
        dom_id=dom_id,
        yes_id=f"{dom_id}-yes",
        rule=rule,
        cancel_url=_url(app, "overview"),
    )


@require_http_methods(["GET", "POST"])
def restart(request, subscription_id, rg, name):
    app = get_app(request, subscription_id, rg, name)
    return _overview_action(
        request,
        app,
        services.user_restart,
        title="Restart",
        question=f"Are you sure you want to restart '{app.name}'?",
        dom_id="restart-form",
    )


@require_http_methods(["GET", "POST"])
def stop(request, subscription_id, rg, name):
    """Stop, or Start when the app is stopped (one command, two faces)."""
    app = get_app(request, subscription_id, rg, name)
    if app.stopped:
        return _overview_action(
            request,
            app,
            services.start_app,
            title="Start",
            question=f"Start '{app.name}'?",
            dom_id="start-form",
        )
    return _overview_action(
        request,
        app,
        services.stop_app,
        title="Stop",
        question=f"Are you sure you want to stop '{app.name}'? Its site answers 403 until you start it.",
        dom_id="stop-form",
        rule="APP-01",
    )


@require_http_methods(["GET", "POST"])
def delete(request, subscription_id, rg, name):
    app = get_app(request, subscription_id, rg, name)
    integration = _integration(app)
    question = f"Are you sure you want to delete '{app.name}'? Its App Service plan '{app.plan.name}' stays."
    rule = ""
    if integration is not None:
        where = f"{integration.vnet.name}/{integration.subnet.name}" if integration.subnet else integration.vnet.name
        question += (
            f" It is integrated with {where}: disconnect it first, or the subnet keeps an orphaned service"
            " association link that refuses changes and deletes."
        )
        rule = "ASVI-65"
    context = _blade(app, "overview", "Delete")
    return confirm_delete(
        request,
        context,
        delete=lambda: services.delete_webapp(app),
        done_url=context["urls"]["resource_group"],
        title="Delete web app",
        question=question,
        rule=rule,
        dom_id="delete-form",
        yes_id="delete-yes",
        cancel_url=context["urls"]["overview"],
    )


@require_GET
def swap_slots(request, subscription_id, rg, name):
    """Swap: there is nothing to swap with until the app has a deployment
    slot, and slots need the Standard tier or above (APP-02)."""
    app = get_app(request, subscription_id, rg, name)
    return respond(request, "appservice/swap.html", "pane", _blade(app, "overview", "Swap"))


@require_GET
def publish_profile(request, subscription_id, rg, name):
    """Get publish profile: the .PublishSettings file (made-up credentials)."""
    app = get_app(request, subscription_id, rg, name)
    body = render_to_string("appservice/publish_profile.xml", {"app": app, **services.publishing(app)})
    response = HttpResponse(body, content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="{app.name}.PublishSettings"'
    return response


@require_http_methods(["GET", "POST"])
def reset_publish_profile(request, subscription_id, rg, name):
    app = get_app(request, subscription_id, rg, name)
    return _overview_action(
        request,
        app,
        services.reset_publishing_credentials,
        title="Reset publish profile",
        question=(
            f"Reset the publish profile of '{app.name}'? Its deployment password changes, and publish profiles"
            " downloaded before stop working."
        ),
        dom_id="reset-profile-form",
    )


@require_GET
def browse(request, subscription_id, rg, name):
    """Browse: the app's site, as the lab pretends to serve it (APP-01: a
    stopped app answers 403)."""
    app = get_app(request, subscription_id, rg, name)
    status = 403 if app.stopped else 200
    return render(request, "appservice/site.html", {"app": app}, status=status)


def _url(app: WebApp, url_name: str) -> str:
    return reverse(f"appservice:{url_name}", kwargs=blade_kwargs(app))


@require_GET
@cached_page
def networking(request, subscription_id, rg, name):
    app = get_app(request, subscription_id, rg, name)
    integration = _integration(app)
    inbound_ip, outbound_ips = app.public_addresses()
    return render(
        request,
        "appservice/networking.html",
        _blade(
            app,
            "networking",
            "Networking",
            integration=integration,
            plan_problem=services.plan_problem(app.plan),
            inbound_ip=inbound_ip,
            outbound_ips=outbound_ips,
        ),
    )


def _integration_context(app: WebApp) -> dict:
    integration = _integration(app)
    gateway = None
    if integration and not integration.is_regional:
        gateway = getattr(integration.vnet, "gateway", None)
    return {
        "integration": integration,
        "gateway": gateway,
        "plan_problem": services.plan_problem(app.plan),
        "outbound": _outbound(app, integration),
        "integration_vnet_url": resource_url(integration.vnet) if integration else "",
    }


@require_GET
@cached_page
def vnet_integration(request, subscription_id, rg, name):
    app = get_app(request, subscription_id, rg, name)
    context = _blade(app, "networking", app.sandbox.rules.integration_page_title, **_integration_context(app))
    context["breadcrumbs"].append(
        {"label": "Networking", "url": reverse("appservice:networking", kwargs=blade_kwargs(app))}
    )
    return respond(request, "appservice/vnet_integration.html", "integration-panel", context)


def _integration_changed(request, app: WebApp):
    """After a change: the fresh integration panel, and the pane closed;
    without htmx, the VNet Integration page."""

    def context() -> dict:
        app.refresh_from_db()
        return _blade(app, "networking", app.sandbox.rules.integration_page_title, **_integration_context(app))

    return swap(
        request,
        "appservice/vnet_integration.html",
        "integration-swap",
        context,
        target="integration-panel",
        page_url=reverse("appservice:vnet_integration", kwargs=blade_kwargs(app)),
    )


def _pane_context(app: WebApp, form: AddVnetForm, problems=None) -> dict:
    return {
        "app": app,
        "form": form,
        "selected_vnet": form.vnet,
        "same_region": form.same_region,
        "vnet_choice": form.vnet_choice,
        "subnets": form.subnets,
        "problems": problems or {},
        "plan_problem": services.plan_problem(app.plan),
    }


def _lookup_vnet(request, pk: int | None) -> VirtualNetwork | None:
    if not pk:
        return None
    return (
        VirtualNetwork.objects.filter(sandbox=request.sandbox, pk=pk)
        .select_related("resource_group__subscription", "sandbox")
        .first()
    )


@require_http_methods(["GET", "POST"])
@cached_page
def add_vnet(request, subscription_id, rg, name):
    """The "Add VNet" context pane (SEED-09 to SEED-13)."""
    app = get_app(request, subscription_id, rg, name)
    if request.method == "GET":
        # "Filter virtual networks" redraws the drop-down, keeping the network picked.
        form = AddVnetForm(app, vnet_filter=request.GET.get("vnet_filter", ""), chosen=request.GET.get("vnet", ""))
        context = {**_blade(app, "networking", "Add VNet"), **_pane_context(app, form)}
        return respond(request, "appservice/add_vnet.html", "pane", context)

    form = AddVnetForm(app, request.POST)
    vnet = form.vnet
    # ASVI-67: the portal's pane turns outbound internet routing on (Current).
    routes_all = app.sandbox.rules.portal_integration_routes_all
    problems: dict = {}
    if vnet is None:
        problems["vnet"] = "Select a virtual network."
    else:
        try:
            if not form.same_region:
                services.add_gateway_integration(app, vnet)
            elif form.existing:
                subnet = form.chosen_subnet()
                if subnet is None:
                    raise AzureRuleError("Select a subnet.", rule_ids=("SEED-10",), field="subnet")
                services.add_regional_integration(app, vnet, subnet=subnet, route_all=routes_all)
            else:
                services.add_regional_integration(
                    app,
                    vnet,
                    new_subnet_name=form.cleaned_data["subnet_name"],
                    new_subnet_prefix=form.cleaned_data["subnet_prefix"],
                    route_all=routes_all,
                )
        except AzureRuleError as exc:
            problems[exc.field or "form"] = exc
    if problems:
        context = {**_blade(app, "networking", "Add VNet"), **_pane_context(app, form, problems)}
        return respond(request, "appservice/add_vnet.html", "pane", context, status=422)
    return _integration_changed(request, app)


@require_GET
@cached_page
def add_vnet_details(request, subscription_id, rg, name):
    """The part of the pane under the drop-down, for the chosen VNet."""
    app = get_app(request, subscription_id, rg, name)
    context = _pane_context(app, AddVnetForm(app, request.GET))
    return render(
        request, "appservice/add_vnet_details.html", {**context, "urls": _app_urls(app), "rules": app.sandbox.rules}
    )


@require_http_methods(["GET", "POST"])
def add_classic_vnet(request, subscription_id, rg, name):
    """ "Click here to connect to a Classic VNet" (SEED-12)."""
    app = get_app(request, subscription_id, rg, name)
    form = ClassicVnetForm(app, request.POST if request.method == "POST" else None)
    errors = {}
    if request.method == "POST":
        if not form.is_valid():
            errors["vnet"] = form.errors["vnet"][0]
        else:
            try:
                services.add_gateway_integration(app, form.cleaned_data["vnet"])
            except AzureRuleError as exc:
                errors["vnet"] = exc
        if not errors:
            return _integration_changed(request, app)
    context = {
        **_blade(app, "networking", "Classic VNet"),
        "form": form,
        "errors": errors,
        "plan_problem": form.plan_problem,
    }
    return respond(request, "appservice/add_classic_vnet.html", "pane", context, status=422 if errors else 200)


def _disconnect_pane(request, app: WebApp, integration, error: AzureRuleError | None = None):
    """Disconnect's Yes/No pane; with ``error``, the refusal in its place (422)."""
    where = f"{integration.vnet.name}/{integration.subnet.name}" if integration.subnet else integration.vnet.name
    stays = " The subnet and its delegation to Microsoft.Web/serverFarms stay." if integration.subnet else ""
    return confirm_pane(
        request,
        _blade(app, "networking", "Disconnect"),
        title="Disconnect VNet",
        question=f"Disconnect '{app.name}' from '{where}'? The app restarts.{stays}",
        rule="ASVI-60",
        action=_url(app, "disconnect"),
        dom_id="disconnect-form",
        yes_id="confirm-disconnect",
        error=error,
        status=422 if error else 200,
    )


@require_http_methods(["GET", "POST"])
def disconnect(request, subscription_id, rg, name):
    app = get_app(request, subscription_id, rg, name)
    integration = _integration(app)
    if integration is None:
        raise Http404("The app isn't integrated")
    if request.method == "GET":
        return _disconnect_pane(request, app, integration)
    try:
        services.disconnect(app)
    except AzureRuleError as exc:
        if "ASVI-40" in exc.rule_ids:
            raise Http404("The app isn't integrated") from None
        return _disconnect_pane(request, app, integration, error=exc)
    return _integration_changed(request, app)


@require_http_methods(["GET", "POST"])
def route_all(request, subscription_id, rg, name):
    """Route All (Classic): the switch asks first in the portal's Yes/No
    pane (GET), "Yes" sets it (POST). Outbound internet traffic (Current):
    the checkbox's Apply posts straight away (ASRT-06, ASRT-07, ASRT-10)."""
    app = get_app(request, subscription_id, rg, name)
    enabled = RouteAllForm(request.GET if request.method == "GET" else request.POST).enabled_value()
    label = app.sandbox.rules.route_all_label
    effect = (
        "All outbound traffic, internet-bound calls included, goes into the virtual network."
        if enabled
        else "Only private (RFC1918) traffic goes into the virtual network."
    )

    def act():
        services.set_route_all(app, enabled)
        return _integration_changed(request, app)

    # A refusal (a read-only lock, LOCK-02) stays on the pane.
    return confirm_action(
        request,
        _blade(app, "networking", label),
        act=act,
        title=label,
        question=f"{'Enable' if enabled else 'Disable'} {label} for '{app.name}'? {effect} The app restarts.",
        rule="ASRT-06, ASRT-07, ASVI-60",
        action=_url(app, "route_all"),
        dom_id="route-all-form",
        yes_id="confirm-route-all",
        fields={"enabled": "true" if enabled else "false"},
        cancel_url=_url(app, "vnet_integration"),
    )


def _plan_blade(plan: AppServicePlan, active: str, title: str, **extra) -> dict:
    return {
        "resource": plan,
        "plan": plan,
        "resource_menu": resource_menu(plan, active),
        "page_title": title,
        "blade_icon": "bi-hdd-stack",
        "breadcrumbs": [{"label": "All resources", "url": reverse("all_resources")}, {"label": plan.name}],
        **extra,
    }


@require_GET
@cached_page
def plan_overview(request, subscription_id, rg, name):
    plan = get_plan(request, subscription_id, rg, name)
    apps = WebApp.objects.filter(plan=plan).select_related("resource_group__subscription")
    return render(request, "appservice/plan_overview.html", _plan_blade(plan, "plan_overview", "Overview", apps=apps))


# --- Configuration > Application settings (portal-ui §2.4) -----------------------

# One-line explanations shown beside the settings the lab interprets.
KNOWN_SETTINGS = {
    ROUTE_ALL_SETTING: (
        "1 sends all outbound traffic into the integrated virtual network; otherwise only private (RFC1918) "
        "traffic goes there.",
        "SEED-17, ASRT-05",
    ),
    DNS_SETTING: (
        "The DNS servers the app queries: IPv4 addresses, comma-separated, no spaces, at most 5. Classic era: "
        "168.63.129.16 together with WEBSITE_VNET_ROUTE_ALL = 1 lets the app use private DNS zones.",
        "ASDNS-04, ASDNS-05, SEED-24",
    ),
    ALT_DNS_SETTING: ("One fallback DNS server, queried after the others.", "ASDNS-06"),
}


def _settings_context(app: WebApp, draft: SettingsDraft, saved=None, *, error=None, strings=None) -> dict:
    """What the grids show: each draft row, whether it is unsaved, and which
    saved settings and connection strings the draft drops."""
    saved = list(app.settings.all()) if saved is None else list(saved)
    saved_strings = list(app.connection_strings.all()) if strings is None else list(strings)
    saved_rows = {(s.name, s.value, s.slot_setting) for s in saved}
    saved_string_rows = {(c.name, c.value, c.type, c.slot_setting) for c in saved_strings}
    needle = draft.filter.lower()
    rows = [
        {
            "name": name,
            "value": value,
            "slot": slot,
            "unsaved": (name, value, slot) not in saved_rows,
            "hint": KNOWN_SETTINGS.get(name.strip().upper()),
            "visible": not needle or needle in name.lower(),
        }
        for name, value, slot in draft.rows
    ]
    type_labels = dict(ConnectionString.TYPE_CHOICES)
    string_rows = [
        {
            "name": name,
            "value": value,
            "type": type_labels.get(kind, kind),
            "slot": slot,
            "unsaved": (name, value, kind, slot) not in saved_string_rows,
        }
        for name, value, kind, slot in draft.connection_strings
    ]
    stale = draft.base_version != app.settings_version
    # A stale draft can't tell the learner's deletions from other tabs' additions.
    deleted, deleted_strings = [], []
    if not stale:
        draft_names = {name.strip().upper() for name, _, _ in draft.rows}
        deleted = [s.name for s in saved if s.name.upper() not in draft_names]
        draft_strings = {row[0].strip().upper() for row in draft.connection_strings}
        deleted_strings = [c.name for c in saved_strings if c.name.upper() not in draft_strings]
    unsaved = bool(deleted or deleted_strings) or any(row["unsaved"] for row in rows + string_rows)
    return {
        "draft": draft,
        "setting_rows": rows,
        "visible_rows": sum(1 for row in rows if row["visible"]),
        "string_rows": string_rows,
        "deleted_settings": deleted + deleted_strings,
        "unsaved": unsaved,
        "stale": stale,
        "settings_error": error,
        "known_settings": KNOWN_SETTINGS,
    }


def _config_tabs(app: WebApp) -> list[tuple[str, str, str]]:
    """The Configuration blade's tabs (portal-ui §2.4): label, URL, key.
    Default documents are a Windows app's only (CONFIG-11); in the Current
    era the application settings are the Environment variables page's."""
    urls = _app_urls(app)
    tabs = (
        []
        if app.sandbox.rules.newer_app_service_blades
        else [("Application settings", urls["configuration"], "configuration")]
    )
    tabs.append(("General settings", urls["general_settings"], "general_settings"))
    if app.plan.os == "Windows":
        tabs.append(("Default documents", urls["default_documents"], "default_documents"))
    tabs.append(("Path mappings", urls["path_mappings"], "path_mappings"))
    return tabs


def _configuration_title(app: WebApp) -> str:
    """The page's name: "Environment variables" in the Current era (portal-ui §2.4 [newer])."""
    return "Environment variables" if app.sandbox.rules.newer_app_service_blades else "Configuration"


def _configuration_context(app: WebApp, draft: SettingsDraft, saved=None, *, error=None, **extra) -> dict:
    return _blade(
        app,
        "configuration",
        _configuration_title(app),
        **_settings_context(app, draft, saved, error=error),
        config_tabs=_config_tabs(app),
        **extra,
    )


def _settings_response(
    request, app: WebApp, draft, *, error=None, status: int = 200, page_url: str = "", notice: str = ""
):
    """The grid after a change to the draft or a save: with htmx, the grid
    region (and the context pane closed); without, the whole page (or, after
    a save, the Configuration page). ``draft`` may be a function."""

    def context() -> dict:
        return _configuration_context(app, draft() if callable(draft) else draft, error=error, notice=notice)

    return swap(
        request,
        "appservice/configuration.html",
        "settings-swap",
        context,
        target="app-settings",
        page_url=page_url,
        status=status,
    )


@require_GET
def configuration(request, subscription_id, rg, name):
    """Configuration > Application settings, from the saved settings. Refresh
    and Discard load it again, dropping unsaved changes."""
    app = get_app(request, subscription_id, rg, name)
    saved = list(app.settings.all())
    view = parsed(SettingsDraftForm(request.GET))
    tab = view["tab"] if view["tab"] in TABS else TABS[0]
    draft = saved_draft(app, saved, show_values=view["show_values"] == "1", filter_text=view["filter"], tab=tab)
    # With htmx (Refresh, Discard) the grid comes with the Save button, disabled again.
    return respond(request, "appservice/configuration.html", "settings-swap", _configuration_context(app, draft, saved))


def _draft_pane(request, app: WebApp, draft: SettingsDraft, form, pane: dict, *, errors=None, status: int = 200):
    """One of the panes that change the grids' draft (draft_pane.html)."""
    ok = "Apply" if app.sandbox.rules.newer_app_service_blades else "OK"
    pane = {"sub": "", "fields": [], "ok_label": ok, **pane}
    context = {
        **_blade(app, "configuration", pane["title"]),
        "draft": draft,
        "form": form,
        "pane": pane,
        "problems": errors or {},
        "known_settings": KNOWN_SETTINGS,
    }
    return respond(request, "appservice/draft_pane.html", "pane", context, status)


def _setting_pane(request, app: WebApp, draft: SettingsDraft, form: dict, *, errors=None, status: int = 200):
    pane = {
        "form_id": "app-setting-form",
        "kind": "1",
        "fields": [("original", form["original"])],
        "title": "Add/Edit application setting",
        "ok_id": "setting-ok",
        "help": "appservice/draft_pane.html#setting-help",
    }
    shown = SettingPaneForm.showing(form["name"], form["value"], form["slot"], form["original"])
    return _draft_pane(request, app, draft, shown, pane, errors=errors, status=status)


@require_GET
def app_setting(request, subscription_id, rg, name):
    """The "Add/Edit application setting" pane; ``edit`` names the row to edit."""
    app = get_app(request, subscription_id, rg, name)
    draft = SettingsDraftForm(request.GET).draft(app)
    edit = parsed(SettingPaneForm(request.GET))["edit"].upper()
    row = next((r for r in draft.rows if edit and r[0].strip().upper() == edit), None)
    form = {"name": "", "value": "", "slot": False, "original": ""}
    if row is not None:
        form = {"name": row[0], "value": row[1], "slot": row[2], "original": row[0]}
    return _setting_pane(request, app, draft, form)


def _connection_pane(request, app: WebApp, draft: SettingsDraft, form: dict, *, errors=None, status: int = 200):
    pane = {
        "form_id": "connection-string-form",
        "kind": "cs",
        "fields": [("original", form["original"])],
        "title": "Add/Edit connection string",
        "ok_id": "connection-string-ok",
        "help": "appservice/draft_pane.html#connection-help",
    }
    shown = ConnectionStringPaneForm.showing(form["name"], form["value"], form["type"], form["slot"], form["original"])
    return _draft_pane(request, app, draft, shown, pane, errors=errors, status=status)


@require_GET
def connection_string(request, subscription_id, rg, name):
    """The "Add/Edit connection string" pane; ``edit`` names the row to edit."""
    app = get_app(request, subscription_id, rg, name)
    draft = SettingsDraftForm(request.GET).draft(app)
    edit = parsed(ConnectionStringPaneForm(request.GET))["edit"].upper()
    row = next((r for r in draft.connection_strings if edit and r[0].strip().upper() == edit), None)
    form = {"name": "", "value": "", "type": "SQLAzure", "slot": False, "original": ""}
    if row is not None:
        form = {"name": row[0], "value": row[1], "type": row[2], "slot": row[3], "original": row[0]}
    return _connection_pane(request, app, draft, form)


def _advanced_pane(request, app: WebApp, draft: SettingsDraft, kind: str, text: str, *, errors=None, status=200):
    strings = kind == "connection-strings"
    pane = {
        "form_id": "advanced-edit-form",
        "kind": "advanced",
        "kind_of": kind,
        "fields": [("kind", kind)],
        "title": "Advanced edit",
        "sub": ": connection strings" if strings else ": application settings",
        "ok_id": "advanced-ok",
        "ok_label": "OK",
        "help": "appservice/draft_pane.html#advanced-help",
    }
    form = AdvancedEditForm({"json": text, "kind": kind})
    return _draft_pane(request, app, draft, form, pane, errors=errors, status=status)


def advanced_json(draft: SettingsDraft, kind: str) -> str:
    """The grid as the "Advanced edit" pane shows it (APPSET-05)."""
    if kind == "connection-strings":
        items = [{"name": n, "value": v, "type": t, "slotSetting": s} for n, v, t, s in draft.connection_strings]
    else:
        items = [{"name": n, "value": v, "slotSetting": s} for n, v, s in draft.rows]
    return json.dumps(items, indent=2)


@require_GET
def advanced_edit(request, subscription_id, rg, name):
    """The "Advanced edit" pane: the draft grid (``kind``: app settings or
    connection strings) as JSON."""
    app = get_app(request, subscription_id, rg, name)
    draft = SettingsDraftForm(request.GET).draft(app)
    kind = "connection-strings" if AdvancedEditForm(request.GET).connection_strings else "app-settings"
    return _advanced_pane(request, app, draft, kind, advanced_json(draft, kind))


def _draft_change(request, app: WebApp, draft: SettingsDraft, pane: str):
    """The pane's OK (an app setting, a connection string or Advanced edit)
    applied to the draft, or the pane again with the refusal (422)."""
    if pane == "advanced":
        form = AdvancedEditForm(request.POST)
        kind = "connection-strings" if form.connection_strings else "app-settings"
        text = form.text
        try:
            rows = services.parse_advanced_edit(app, text, connection_strings=form.connection_strings)
        except AzureRuleError as exc:
            return _advanced_pane(request, app, draft, kind, text, errors={"json": exc}, status=422)
        if form.connection_strings:
            draft.connection_strings = rows
        else:
            draft.rows = rows
        return None
    if pane == "cs":
        cs = ConnectionStringPaneForm(request.POST)
        data = parsed(cs)
        form = {
            "name": data["name"],
            "value": data["value"],
            "type": cs.kind_value(),
            "slot": data["slot_setting"],
            "original": data["original"],
        }
        try:
            draft.connection_strings = services.draft_connection_string(
                app,
                draft.connection_strings,
                name=form["name"],
                value=form["value"],
                kind=form["type"],
                slot=form["slot"],
                original=form["original"],
            )
        except AzureRuleError as exc:
            return _connection_pane(request, app, draft, form, errors={exc.field or "form": exc}, status=422)
        return None
    data = parsed(SettingPaneForm(request.POST))
    form = {"name": data["name"], "value": data["value"], "slot": data["slot_setting"], "original": data["original"]}
    try:
        draft.rows = services.draft_setting(
            app, draft.rows, name=form["name"], value=form["value"], slot=form["slot"], original=form["original"]
        )
    except AzureRuleError as exc:
        return _setting_pane(request, app, draft, form, errors={exc.field or "form": exc}, status=422)
    return None


@require_POST
def settings_draft(request, subscription_id, rg, name):
    """Change the draft grids, never the database: a pane's OK (add or edit
    a row, Advanced edit), a row's Delete, Show/Hide values, the filter and
    the Current era's tabs."""
    app = get_app(request, subscription_id, rg, name)
    posted = SettingsDraftForm(request.POST)
    draft = posted.draft(app)
    change = posted.change()
    if change == "pane":
        refused = _draft_change(request, app, draft, posted.pane())
        if refused is not None:
            return refused
    elif change == "delete":
        gone = parsed(SettingPaneForm(request.POST))["delete"].upper()
        draft.rows = [row for row in draft.rows if row[0].strip().upper() != gone]
    elif change == "delete_cs":
        gone = parsed(ConnectionStringPaneForm(request.POST))["delete_cs"].upper()
        draft.connection_strings = [row for row in draft.connection_strings if row[0].strip().upper() != gone]
    return _settings_response(request, app, draft)


@require_POST
def save_settings(request, subscription_id, rg, name):
    """Save: with nothing changed, nothing happens ("No changes to save");
    otherwise first the "Save changes" confirmation (the app restarts,
    ASVI-60), then, with ``confirmed``, the whole draft in one go."""
    app = get_app(request, subscription_id, rg, name)
    draft = SettingsDraftForm(request.POST).draft(app)
    if not _settings_context(app, draft)["unsaved"] and draft.base_version == app.settings_version:
        return _settings_response(request, app, draft, notice="No changes to save.")
    if not SettingsDraftForm(request.POST).confirmed():
        context = {**_blade(app, "configuration", "Save changes"), "draft": draft}
        return respond(request, "appservice/save_settings.html", "pane", context)
    try:
        services.save_app_settings(app, draft.base_version, draft.rows, draft.connection_strings)
    except AzureRuleError as exc:
        # The learner's rows stay on screen, with the reason (APPSET-04).
        return _settings_response(request, app, draft, error=exc, status=422)
    return _settings_response(
        request,
        app,
        lambda: saved_draft(app, list(app.settings.all()), show_values=draft.show_values, tab=draft.tab),
        page_url=_url(app, "configuration"),
    )


# --- Configuration > General settings, Path mappings, Default documents -----------------

SITE_CONFIG_TABS = {
    "general_settings": ("General settings",),
    "path_mappings": ("Path mappings",),
    "default_documents": ("Default documents",),
}


def _site_config_active(app: WebApp) -> str:
    """The menu item these tabs belong to: Configuration (in the Current era
    the app settings are Environment variables', portal-ui §2.4 [newer])."""
    return "site_configuration" if app.sandbox.rules.newer_app_service_blades else "configuration"


def _site_config_page(request, app: WebApp, key: str, form: SiteConfigForm):
    """One Configuration tab: GET shows the saved values; a POST is the tab's
    draft (a row added or removed), or Save: with nothing changed nothing
    happens ("No changes to save"), otherwise the "Save changes" pane, then
    with ``confirmed`` the service writes it and the app restarts (ASVI-60)."""
    label = SITE_CONFIG_TABS[key][0]
    status, problems, notice, dirty = 200, {}, "", False
    if form.is_bound:
        try:
            dirty = services.save_site_config(app, form.version, form.values(), check_only=True)
            if form.saving and not dirty:
                notice = "No changes to save."
            elif form.confirmed:
                services.save_site_config(app, form.version, form.values())
                return go(request, _url(app, key))
            elif form.saving:
                return _save_config_pane(request, app, key, form)
        except AzureRuleError as exc:
            status, problems, dirty = 422, {exc.field or "form": exc}, True
    title = "Configuration"
    context = _blade(
        app,
        _site_config_active(app),
        title,
        form=form,
        tab_key=key,
        tab_label=label,
        config_tabs=_config_tabs(app),
        problems=problems,
        site_error=problems.get("form") or next(iter(problems.values()), None),
        notice=notice,
        dirty=dirty,
        page_url=_url(app, key),
        stale=form.version != app.settings_version,
    )
    return respond(request, "appservice/site_config.html", "site-config", context, status)


def _save_config_pane(request, app: WebApp, key: str, form: SiteConfigForm):
    """The "Save changes" pane of a Configuration tab: Continue posts the
    tab's values again with ``confirmed``; Cancel goes back to the draft."""
    pairs = form.posted_pairs()
    context = {**_blade(app, _site_config_active(app), "Save changes"), "pairs": pairs, "action": _url(app, key)}
    return respond(request, "appservice/save_config.html", "pane", context)


def _site_config_view(key: str, form_class: type[SiteConfigForm]):
    @require_http_methods(["GET", "POST"])
    def view(request, subscription_id, rg, name):
        app = get_app(request, subscription_id, rg, name)
        if key == "default_documents" and app.plan.os != "Windows":
            raise Http404("A Linux app has no default documents (CONFIG-11)")
        form = form_class(app, request.POST if request.method == "POST" else None)
        return _site_config_page(request, app, key, form)

    view.__name__ = key
    view.__doc__ = f"Configuration > {SITE_CONFIG_TABS[key][0]} (portal-ui §2.4)."
    return view


general_settings = _site_config_view("general_settings", GeneralSettingsForm)
path_mappings = _site_config_view("path_mappings", PathMappingsForm)
default_documents = _site_config_view("default_documents", DefaultDocumentsForm)


# --- Scale up (portal-ui §2.5) ------------------------------------------------------

SPEC_TABS = {"dev-test": "Dev / Test", "production": "Production", "isolated": "Isolated"}


def _vnet_support(rules, tier: str) -> dict:
    """Whether a tier offers VNet integration in the sandbox's era (ASVI-10)."""
    if tier in ISOLATED_TIERS:
        return {"state": "ase", "label": "Runs inside your VNet (App Service Environment)", "rules": "ASVI-12"}
    if tier in rules.regional_integration_tiers:
        return {"state": "yes", "label": "VNet integration", "rules": "ASVI-10"}
    rule_ids = "ASVI-10, ASVI-13" if tier in (eras.FREE, eras.SHARED) else "ASVI-10"
    return {"state": "no", "label": "No VNet integration", "rules": rule_ids}


def _spec_picker_context(plan: AppServicePlan, tab: str, *, selected: str = "", error=None, done: str = "") -> dict:
    rules = plan.sandbox.rules
    integrations = services.plan_integrations(plan)
    current_tab = next(slug for slug, label in SPEC_TABS.items() if plan.sku in SPEC_PICKER[label])
    tab = tab if tab in SPEC_TABS else current_tab
    cards = [
        {
            # The Spec Picker writes the size as "P1V2" (portal-ui §2.5), ARM as "P1v2".
            "sku": sku,
            "label": sku,
            "tier": SKUS[sku][1],
            "vnet": _vnet_support(rules, SKUS[sku][0]),
            "problem": services.scale_problem(plan, sku, integrations),
            "current": sku == plan.sku,
            "selected": sku == (selected or plan.sku),
            "recommended": sku in tiers.RECOMMENDED,
        }
        for sku in SPEC_PICKER[SPEC_TABS[tab]]
        if SKUS[sku][0] not in rules.tiers_not_offered or sku == plan.sku
    ]
    # Recommended first; the rest behind "See additional options", open when the picked one is there.
    cards.sort(key=lambda card: not card["recommended"])
    picked = next((card for card in cards if card["selected"]), None)
    return {
        "plan": plan,
        "more_open": picked is not None and not picked["recommended"],
        "picked": picked,
        "features": tiers.included_features(SKUS[picked["sku"]][0], picked["vnet"]) if picked else [],
        "hardware": tiers.included_hardware(picked["sku"]) if picked else [],
        "spec_tabs": SPEC_TABS,
        "active_tab": tab,
        "cards": cards,
        "recommended_count": sum(1 for card in cards if card["recommended"]),
        "integrations": integrations,
        "scale_error": error,
        "scaled_to": done,
    }


def _scale_up_page(request, plan: AppServicePlan, blade: dict, url: str):
    """The Spec Picker, for an app's plan or a plan's own blade; Apply scales
    the plan (services.scale_plan)."""
    status, error, done, selected = 200, None, "", ""
    form = ScaleUpForm(request.POST if request.method == "POST" else request.GET)
    if request.method == "POST":
        selected = form.sku_value()
        try:
            services.scale_plan(plan, selected)
        except AzureRuleError as exc:
            status, error = 422, exc
        else:
            done = plan.sku
    elif form.sku_value() in SKUS:
        # A card picked: its Included features and hardware, nothing applied.
        selected = form.sku_value()
    # The tab shown: the one Apply was pressed on, or the one a link asks for.
    tab = parsed(form)["tab"] or parsed(ScaleUpForm(request.GET))["tab"]

    def context() -> dict:
        picker = _spec_picker_context(plan, tab, selected=selected, error=error, done=done)
        form.offer(picker["cards"])
        return {**blade, "scale_url": url, "form": form, **picker}

    if request.method == "POST":
        return swap(request, "appservice/scale_up.html", "spec-picker", context, page_url=url, status=status)
    return respond(request, "appservice/scale_up.html", "spec-picker", context(), status)


@require_http_methods(["GET", "POST"])
def scale_up(request, subscription_id, rg, name):
    """App menu "Scale up (App Service plan)": scales the app's plan."""
    app = get_app(request, subscription_id, rg, name)
    blade = _blade(app, "scale_up", "Scale up (App Service plan)")
    return _scale_up_page(request, app.plan, blade, blade["urls"]["scale_up"])


@require_http_methods(["GET", "POST"])
def plan_scale_up(request, subscription_id, rg, name):
    """Plan menu "Scale up"."""
    plan = get_plan(request, subscription_id, rg, name)
    url = reverse("appservice:plan_scale_up", kwargs=blade_kwargs(plan))
    return _scale_up_page(request, plan, _plan_blade(plan, "plan_scale_up", "Scale up"), url)


# --- Network troubleshooter (issue #4) ---------------------------------------------


@require_GET
def troubleshoot(request, subscription_id, rg, name):
    """ "Where does the packet go?": the connectivity engine's trace of an
    outbound connection from the app (networking/engine/trace.py). A GET
    with a host runs the test: it changes nothing."""
    app = get_app(request, subscription_id, rg, name)
    form = TroubleshootForm(request.GET)
    errors, trace = form.problems(), None
    if form.requested and not errors:
        data = form.cleaned_data
        trace = trace_app(snapshot.current(request.sandbox), app_snapshot.app_source(app), data["host"], data["port"])
    context = _blade(app, "troubleshoot", "Network troubleshooter", form=form, trace=trace)
    return respond(request, "appservice/troubleshoot.html", "tester", context, status=422 if errors else 200)


@require_http_methods(["GET", "POST"])
def console(request, subscription_id, rg, name):
    """A Kudu-like console with the two tools App Service offers for network
    checks, answering from the connectivity engine (ASGW-20)."""
    app = get_app(request, subscription_id, rg, name)
    command = ConsoleForm(request.POST).command_value() if request.method == "POST" else ""
    output = run_console_command(request.sandbox, app, command) if command else CONSOLE_HELP
    context = _blade(app, "console", "Console", command=command, output=output)
    return respond(request, "appservice/console.html", "output", context)
