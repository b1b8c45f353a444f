"""App Service blades: Overview, Activity log, Configuration (application
settings), Networking, VNet Integration (with the Add VNet pane), Scale up,
and the App Service plan's Overview and Scale up."""

from dataclasses import dataclass, replace

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from appservice import services
from appservice.effective import ALT_DNS_SETTING, DNS_SETTING, ROUTE_ALL_SETTING, outbound_config
from appservice.models import ISOLATED_TIERS, SKUS, SPEC_PICKER, AppServicePlan, VnetIntegration, WebApp, sku_display
from networking.models import VirtualNetwork
from portal import eras
from portal.access import blade_kwargs, get_in_group
from portal.errors import AzureRuleError
from portal.models import ActivityLogEntry
from portal.pagecache import cached_page
from portal.resources import resource_url
from portal.urlcache import fast_reverse


def _get_app(request, subscription_id, rg, name) -> WebApp:
    apps = WebApp.objects.select_related(
        "plan__resource_group",
        "integration__vnet__gateway",
        "integration__subnet",
        "integration__vnet__resource_group__subscription",
    )
    return get_in_group(request, apps, subscription_id, rg, name)


def _get_plan(request, subscription_id, rg, name) -> AppServicePlan:
    return get_in_group(request, AppServicePlan.objects.all(), subscription_id, rg, name)


def _app_menu(app: WebApp, active: str) -> list[dict]:
    kwargs = blade_kwargs(app)

    def item(label, icon, url_name):
        return {
            "label": label,
            "icon": icon,
            "url": fast_reverse(f"appservice:{url_name}", **kwargs),
            "active": active == url_name,
        }

    return [
        {
            "heading": "",
            "items": [
                item("Overview", "bi-globe2", "overview"),
                item("Activity log", "bi-journal-text", "activity_log"),
            ],
        },
        {
            "heading": "Settings",
            "items": [
                item("Configuration", "bi-sliders", "configuration"),
                item("Networking", "bi-diagram-3", "networking"),
                item("Scale up (App Service plan)", "bi-arrow-up-square", "scale_up"),
            ],
        },
        {
            "heading": "Support + troubleshooting",
            "items": [
                item("Network troubleshooter", "bi-signpost-split", "troubleshoot"),
                item("Console", "bi-terminal", "console"),
            ],
        },
    ]


APP_ROUTES = (
    "overview",
    "activity_log",
    "restart",
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
        "resource_menu": _app_menu(app, active),
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
    )


@require_GET
@cached_page
def overview(request, subscription_id, rg, name):
    app = _get_app(request, subscription_id, rg, name)
    return render(request, "appservice/overview.html", _blade(app, "overview", "Overview"))


@require_GET
def activity_log(request, subscription_id, rg, name):
    app = _get_app(request, subscription_id, rg, name)
    entries = ActivityLogEntry.objects.filter(sandbox=request.sandbox, resource_id__iexact=app.arm_id)[:200]
    return render(request, "portal/activity_log.html", _blade(app, "activity_log", "Activity log", entries=entries))


@require_POST
def restart(request, subscription_id, rg, name):
    app = _get_app(request, subscription_id, rg, name)
    services.user_restart(app)
    if request.htmx:
        return render(request, "appservice/overview.html#essentials", _blade(app, "overview", "Overview"))
    return _redirect_to(app, "overview")


def _redirect_to(app, url_name):
    return redirect(reverse(f"appservice:{url_name}", kwargs=blade_kwargs(app)))


@require_GET
@cached_page
def networking(request, subscription_id, rg, name):
    app = _get_app(request, subscription_id, rg, name)
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
    app = _get_app(request, subscription_id, rg, name)
    context = _blade(app, "networking", app.sandbox.rules.integration_page_title, **_integration_context(app))
    context["breadcrumbs"].append(
        {"label": "Networking", "url": reverse("appservice:networking", kwargs=blade_kwargs(app))}
    )
    template = (
        "appservice/vnet_integration.html#integration-panel" if request.htmx else "appservice/vnet_integration.html"
    )
    response = render(request, template, context)
    response["Vary"] = "HX-Request"
    return response


def _integration_panel_response(request, app: WebApp, *, status: int = 200):
    """After a change: the fresh integration panel, and the pane closed."""
    app.refresh_from_db()
    context = _blade(app, "networking", app.sandbox.rules.integration_page_title, **_integration_context(app))
    response = render(request, "appservice/vnet_integration.html#integration-swap", context, status=status)
    response["HX-Retarget"] = "#integration-panel"
    response["HX-Reswap"] = "outerHTML"
    return response


def _pane_context(app: WebApp, *, vnet=None, form=None, errors=None) -> dict:
    choices = services.vnet_choices(app)
    return {
        "app": app,
        "choices": choices,
        "selected_vnet": vnet,
        "form": form or {},
        "errors": errors or {},
        "plan_problem": services.plan_problem(app.plan),
        **(_details_context(app, vnet, choices) if vnet else {}),
    }


def _details_context(app: WebApp, vnet: VirtualNetwork, choices) -> dict:
    all_choices = choices.same_region + choices.other_regions + choices.classic
    choice = next((c for c in all_choices if c.obj.pk == vnet.pk), None)
    same_region = not vnet.is_classic and vnet.location == app.location
    context = {"vnet_choice": choice, "same_region": same_region}
    if same_region and choice and choice.enabled:
        context["subnets"] = services.subnet_choices(app, vnet)
    return context


def _lookup_vnet(request, app: WebApp, raw) -> VirtualNetwork | None:
    if not raw:
        return None
    try:
        pk = int(raw)
    except (TypeError, ValueError):
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
    app = _get_app(request, subscription_id, rg, name)
    if request.method == "GET":
        context = _pane_context(app)
        template = "appservice/add_vnet.html#pane" if request.htmx else "appservice/add_vnet.html"
        return render(request, template, {**_blade(app, "networking", "Add VNet"), **context})

    form = request.POST
    vnet = _lookup_vnet(request, app, form.get("vnet"))
    errors: dict[str, str] = {}
    if vnet is None or vnet.is_classic:
        errors["vnet"] = "Select a virtual network."
    else:
        try:
            if vnet.location == app.location:
                mode = form.get("subnet_mode", "new")
                if mode == "existing":
                    subnet = vnet.subnets.filter(pk=_int(form.get("subnet"))).first()
                    if subnet is None:
                        raise AzureRuleError("Select a subnet.", rule_ids=("SEED-10",), field="subnet")
                    services.add_regional_integration(app, vnet, subnet=subnet)
                else:
                    services.add_regional_integration(
                        app,
                        vnet,
                        new_subnet_name=form.get("subnet_name", ""),
                        new_subnet_prefix=form.get("subnet_prefix", ""),
                    )
            else:
                services.add_gateway_integration(app, vnet)
        except AzureRuleError as exc:
            errors[exc.field or "form"] = exc
    if errors:
        context = _pane_context(app, vnet=vnet, form=form, errors=errors)
        template = "appservice/add_vnet.html#pane" if request.htmx else "appservice/add_vnet.html"
        return render(request, template, {**_blade(app, "networking", "Add VNet"), **context}, status=422)
    if request.htmx:
        return _integration_panel_response(request, app)
    return _redirect_to(app, "vnet_integration")


def _int(raw) -> int | None:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


@require_GET
@cached_page
def add_vnet_details(request, subscription_id, rg, name):
    """The part of the pane under the drop-down, for the chosen VNet."""
    app = _get_app(request, subscription_id, rg, name)
    vnet = _lookup_vnet(request, app, request.GET.get("vnet"))
    context = _pane_context(app, vnet=vnet, form=request.GET)
    return render(
        request, "appservice/add_vnet_details.html", {**context, "urls": _app_urls(app), "rules": app.sandbox.rules}
    )


@require_http_methods(["GET", "POST"])
def add_classic_vnet(request, subscription_id, rg, name):
    """ "Click here to connect to a Classic VNet" (SEED-12)."""
    app = _get_app(request, subscription_id, rg, name)
    choices = services.vnet_choices(app)
    errors = {}
    if request.method == "POST":
        vnet = _lookup_vnet(request, app, request.POST.get("vnet"))
        if vnet is None or not vnet.is_classic:
            errors["vnet"] = "Select a classic virtual network."
        else:
            try:
                services.add_gateway_integration(app, vnet)
            except AzureRuleError as exc:
                errors["vnet"] = exc
        if not errors:
            if request.htmx:
                return _integration_panel_response(request, app)
            return _redirect_to(app, "vnet_integration")
    context = {
        **_blade(app, "networking", "Classic VNet"),
        "choices": choices,
        "errors": errors,
        "plan_problem": services.plan_problem(app.plan),
    }
    template = "appservice/add_classic_vnet.html#pane" if request.htmx else "appservice/add_classic_vnet.html"
    return render(request, template, context, status=422 if errors else 200)


@require_http_methods(["GET", "POST"])
def disconnect(request, subscription_id, rg, name):
    app = _get_app(request, subscription_id, rg, name)
    integration = _integration(app)
    if integration is None:
        raise Http404("The app isn't integrated")
    if request.method == "GET":
        template = "appservice/disconnect.html#pane" if request.htmx else "appservice/disconnect.html"
        return render(request, template, {**_blade(app, "networking", "Disconnect"), "integration": integration})
    try:
        services.disconnect(app)
    except AzureRuleError:
        raise Http404("The app isn't integrated") from None
    if request.htmx:
        return _integration_panel_response(request, app)
    return _redirect_to(app, "vnet_integration")


@require_POST
def route_all(request, subscription_id, rg, name):
    app = _get_app(request, subscription_id, rg, name)
    enabled = request.POST.get("enabled") == "true"
    services.set_route_all(app, enabled)
    if request.htmx:
        return _integration_panel_response(request, app)
    return _redirect_to(app, "vnet_integration")


def _plan_menu(plan: AppServicePlan, active: str) -> list[dict]:
    kwargs = blade_kwargs(plan)

    def item(label, icon, url_name):
        return {
            "label": label,
            "icon": icon,
            "url": fast_reverse(f"appservice:{url_name}", **kwargs),
            "active": active == url_name,
        }

    return [
        {"heading": "", "items": [item("Overview", "bi-hdd-stack", "plan_overview")]},
        {"heading": "Settings", "items": [item("Scale up", "bi-arrow-up-square", "plan_scale_up")]},
    ]


def _plan_blade(plan: AppServicePlan, active: str, title: str, **extra) -> dict:
    return {
        "resource": plan,
        "plan": plan,
        "resource_menu": _plan_menu(plan, active),
        "page_title": title,
        "blade_icon": "bi-hdd-stack",
        "breadcrumbs": [{"label": "All resources", "url": reverse("all_resources")}, {"label": plan.name}],
        **extra,
    }


@require_GET
@cached_page
def plan_overview(request, subscription_id, rg, name):
    plan = _get_plan(request, subscription_id, rg, name)
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


@dataclass
class SettingsDraft:
    """The application settings grid as the learner's browser holds it.

    The grid travels with every request as hidden inputs; nothing of it is
    stored until Save, which checks ``base_version`` (APPSET-04).
    """

    base_version: int
    rows: list[tuple[str, str, bool]]
    show_values: bool = False
    filter: str = ""


def _saved_draft(app: WebApp, saved, *, show_values=False, filter_text="") -> SettingsDraft:
    rows = [(s.name, s.value, s.slot_setting) for s in saved]
    return SettingsDraft(app.settings_version, rows, show_values, filter_text)


def _posted_draft(app: WebApp, data) -> SettingsDraft:
    """The draft a request carries; without one (a plain link), the saved settings."""
    show = data.get("show_values") == "1"
    if "toggle_values" in data:
        show = not show
    filter_text = data.get("filter", "").strip()[:256]
    if "base_version" not in data:
        return _saved_draft(app, app.settings.all(), show_values=show, filter_text=filter_text)
    names = data.getlist("setting_name")
    values = data.getlist("setting_value")
    slots = data.getlist("setting_slot")
    rows = [
        (name, values[i] if i < len(values) else "", i < len(slots) and slots[i] == "1") for i, name in enumerate(names)
    ]
    # A missing or mangled version never matches, so such a save is refused (APPSET-04).
    return SettingsDraft(_int(data.get("base_version")) or 0, rows, show, filter_text)


def _settings_context(app: WebApp, draft: SettingsDraft, saved=None, *, error=None) -> dict:
    """What the grid shows: each draft row, whether it is unsaved, and which
    saved settings the draft drops."""
    saved = list(app.settings.all()) if saved is None else list(saved)
    saved_rows = {(s.name, s.value, s.slot_setting) for s in saved}
    draft_names = {name.strip().upper() for name, _, _ in draft.rows}
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
    stale = draft.base_version != app.settings_version
    # A stale draft can't tell the learner's deletions from other tabs' additions.
    deleted = [] if stale else [s.name for s in saved if s.name.upper() not in draft_names]
    return {
        "draft": draft,
        "setting_rows": rows,
        "visible_rows": sum(1 for row in rows if row["visible"]),
        "deleted_settings": deleted,
        "unsaved": bool(deleted) or any(row["unsaved"] for row in rows),
        "stale": stale,
        "settings_error": error,
        "known_settings": KNOWN_SETTINGS,
    }


def _configuration_context(app: WebApp, draft: SettingsDraft, saved=None, *, error=None) -> dict:
    return _blade(app, "configuration", "Configuration", **_settings_context(app, draft, saved, error=error))


def _settings_response(request, app: WebApp, draft: SettingsDraft, *, error=None, status: int = 200):
    """The grid after a change to the draft or a save: with htmx, the grid
    region (and the context pane closed); without, the whole page."""
    context = _configuration_context(app, draft, error=error)
    if not request.htmx:
        return render(request, "appservice/configuration.html", context, status=status)
    response = render(request, "appservice/configuration.html#settings-swap", context, status=status)
    response["HX-Retarget"] = "#app-settings"
    response["HX-Reswap"] = "outerHTML"
    return response


@require_GET
def configuration(request, subscription_id, rg, name):
    """Configuration > Application settings, from the saved settings. Refresh
    and Discard load it again, dropping unsaved changes."""
    app = _get_app(request, subscription_id, rg, name)
    saved = list(app.settings.all())
    draft = _saved_draft(
        app, saved, show_values=request.GET.get("show_values") == "1", filter_text=request.GET.get("filter", "")[:256]
    )
    template = "appservice/configuration.html#app-settings" if request.htmx else "appservice/configuration.html"
    response = render(request, template, _configuration_context(app, draft, saved))
    response["Vary"] = "HX-Request"
    return response


def _setting_pane(request, app: WebApp, draft: SettingsDraft, form: dict, *, errors=None, status: int = 200):
    context = {
        **_blade(app, "configuration", "Add/Edit application setting"),
        "draft": draft,
        "form": form,
        "errors": errors or {},
        "known_settings": KNOWN_SETTINGS,
    }
    template = "appservice/app_setting.html#pane" if request.htmx else "appservice/app_setting.html"
    return render(request, template, context, status=status)


@require_GET
def app_setting(request, subscription_id, rg, name):
    """The "Add/Edit application setting" pane; ``edit`` names the row to edit."""
    app = _get_app(request, subscription_id, rg, name)
    draft = _posted_draft(app, request.GET)
    edit = request.GET.get("edit", "").strip().upper()
    row = next((r for r in draft.rows if edit and r[0].strip().upper() == edit), None)
    form = {"name": "", "value": "", "slot": False, "original": ""}
    if row is not None:
        form = {"name": row[0], "value": row[1], "slot": row[2], "original": row[0]}
    return _setting_pane(request, app, draft, form)


@require_POST
def settings_draft(request, subscription_id, rg, name):
    """Change the draft grid, never the database: the pane's OK (add or edit
    a row), a row's Delete, Show/Hide values and the filter."""
    app = _get_app(request, subscription_id, rg, name)
    draft = _posted_draft(app, request.POST)
    data = request.POST
    if "pane" in data:
        form = {
            "name": data.get("name", ""),
            "value": data.get("value", ""),
            "slot": data.get("slot_setting") == "on",
            "original": data.get("original", ""),
        }
        try:
            draft.rows = services.draft_setting(
                app, draft.rows, name=form["name"], value=form["value"], slot=form["slot"], original=form["original"]
            )
        except AzureRuleError as exc:
            return _setting_pane(request, app, draft, form, errors={exc.field or "form": exc}, status=422)
    elif "delete" in data:
        gone = data["delete"].strip().upper()
        draft.rows = [row for row in draft.rows if row[0].strip().upper() != gone]
    return _settings_response(request, app, draft)


@require_POST
def save_settings(request, subscription_id, rg, name):
    """Save: first the "Save changes" confirmation (the app restarts,
    ASVI-60), then, with ``confirmed``, the whole draft in one go."""
    app = _get_app(request, subscription_id, rg, name)
    draft = _posted_draft(app, request.POST)
    if request.POST.get("confirmed") != "1":
        template = "appservice/save_settings.html#pane" if request.htmx else "appservice/save_settings.html"
        return render(request, template, {**_blade(app, "configuration", "Save changes"), "draft": draft})
    try:
        services.save_app_settings(app, draft.base_version, draft.rows)
    except AzureRuleError as exc:
        # The learner's rows stay on screen, with the reason (APPSET-04).
        return _settings_response(request, app, draft, error=exc, status=422)
    if not request.htmx:
        return _redirect_to(app, "configuration")
    saved = list(app.settings.all())
    return _settings_response(request, app, _saved_draft(app, saved, show_values=draft.show_values))


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
            "sku": sku,
            "label": sku_display(sku),
            "tier": SKUS[sku][1],
            "vnet": _vnet_support(rules, SKUS[sku][0]),
            "problem": services.scale_problem(plan, sku, integrations),
            "current": sku == plan.sku,
            "selected": sku == (selected or plan.sku),
        }
        for sku in SPEC_PICKER[SPEC_TABS[tab]]
        if SKUS[sku][0] not in rules.tiers_not_offered or sku == plan.sku
    ]
    return {
        "plan": plan,
        "spec_tabs": SPEC_TABS,
        "active_tab": tab,
        "cards": cards,
        "integrations": integrations,
        "scale_error": error,
        "scaled_to": done,
    }


def _scale_up_page(request, plan: AppServicePlan, blade: dict, url: str):
    """The Spec Picker, for an app's plan or a plan's own blade; Apply scales
    the plan (services.scale_plan)."""
    status, error, done, selected = 200, None, "", ""
    if request.method == "POST":
        selected = request.POST.get("sku", "").strip().upper()[:8]
        try:
            services.scale_plan(plan, selected)
        except AzureRuleError as exc:
            status, error = 422, exc
        else:
            if not request.htmx:
                return redirect(url)
            done = plan.sku_label
    tab = request.POST.get("tab") or request.GET.get("tab", "")
    context = {**blade, "scale_url": url, **_spec_picker_context(plan, tab, selected=selected, error=error, done=done)}
    template = "appservice/scale_up.html#spec-picker" if request.htmx else "appservice/scale_up.html"
    response = render(request, template, context, status=status)
    response["Vary"] = "HX-Request"
    return response


@require_http_methods(["GET", "POST"])
def scale_up(request, subscription_id, rg, name):
    """App menu "Scale up (App Service plan)": scales the app's plan."""
    app = _get_app(request, subscription_id, rg, name)
    blade = _blade(app, "scale_up", "Scale up (App Service plan)")
    return _scale_up_page(request, app.plan, blade, blade["urls"]["scale_up"])


@require_http_methods(["GET", "POST"])
def plan_scale_up(request, subscription_id, rg, name):
    """Plan menu "Scale up"."""
    plan = _get_plan(request, subscription_id, rg, name)
    url = reverse("appservice:plan_scale_up", kwargs=blade_kwargs(plan))
    return _scale_up_page(request, plan, _plan_blade(plan, "plan_scale_up", "Scale up"), url)


# --- Network troubleshooter (issue #4) ---------------------------------------------


@require_GET
def troubleshoot(request, subscription_id, rg, name):
    """ "Where does the packet go?": the connectivity engine's trace of an
    outbound connection from the app (networking/engine/trace.py). A GET
    with a host runs the test: it changes nothing."""
    from networking import snapshot
    from networking.engine.trace import trace_app

    app = _get_app(request, subscription_id, rg, name)
    host = request.GET.get("host", "").strip()[:253]
    port_text = request.GET.get("port", "443").strip()[:5]
    errors, trace = {}, None
    if "host" in request.GET:
        if not host:
            errors["host"] = "Enter a host name or an IPv4 address."
        try:
            port = int(port_text)
            if not 0 < port <= 65535:
                raise ValueError
        except ValueError:
            errors["port"] = "Enter a port from 1 to 65535."
        if not errors:
            trace = trace_app(snapshot.build(request.sandbox), snapshot.app_source(app), host, port)
    context = _blade(
        app, "troubleshoot", "Network troubleshooter", host=host, port=port_text, errors=errors, trace=trace
    )
    template = "appservice/troubleshoot.html#tester" if request.htmx else "appservice/troubleshoot.html"
    response = render(request, template, context, status=422 if errors else 200)
    response["Vary"] = "HX-Request"
    return response


CONSOLE_HELP = (
    "Commands: nameresolver <host> [dns server]   tcpping <host>:<port>   help\n"
    "They run from the app's worker, as Kudu's do (ASGW-20); nslookup isn't "
    "available because it doesn't use the VNet's DNS."
)


@require_http_methods(["GET", "POST"])
def console(request, subscription_id, rg, name):
    """A Kudu-like console with the two tools App Service offers for network
    checks, answering from the connectivity engine (ASGW-20)."""
    app = _get_app(request, subscription_id, rg, name)
    command = request.POST.get("command", "").strip()[:300] if request.method == "POST" else ""
    output = run_console_command(request.sandbox, app, command) if command else CONSOLE_HELP
    context = _blade(app, "console", "Console", command=command, output=output)
    template = "appservice/console.html#output" if request.htmx else "appservice/console.html"
    return render(request, template, context)


def run_console_command(sandbox, app: WebApp, command: str) -> str:
    """Answer ``nameresolver`` and ``tcpping`` the way the tools print, from
    the engine's resolution and trace."""
    from networking import snapshot
    from networking.engine import dns
    from networking.engine.trace import REACHABLE, resolver_for, trace_app

    words = command.split()
    verb = words[0].lower() if words else ""
    if verb in ("help", "?"):
        return CONSOLE_HELP
    if verb == "nameresolver":
        if len(words) < 2:
            return "Usage: nameresolver <host> [dns server]"
        topology = snapshot.build(sandbox)
        source = snapshot.app_source(app)
        if len(words) > 2:
            source = replace(source, dns_servers=(words[2],))
        resolver = resolver_for(topology, source)
        answer = dns.resolve(words[1], resolver, topology.public_dns())
        lines = [f"Server: {resolver.servers[0]}", ""]
        if answer.nxdomain:
            lines.append(f"*** Can't find {words[1]}: Non-existent domain")
        else:
            lines.append(f"Name: {answer.chain[-1] if answer.chain else answer.name}")
            lines.append(f"Addresses: {', '.join(answer.addresses)}")
            if answer.chain:
                lines.append("Aliases: " + ", ".join((answer.name, *answer.chain[:-1])))
        return "\n".join(lines)
    if verb == "tcpping":
        target = words[1] if len(words) > 1 else ""
        host, _, port_text = target.rpartition(":")
        if not host or not port_text.isdecimal() or not 0 < int(port_text) <= 65535:
            return "Usage: tcpping <host>:<port>"
        trace = trace_app(snapshot.build(sandbox), snapshot.app_source(app), host, int(port_text))
        if trace.verdict == REACHABLE:
            attempts = [f"Connected to {target}: time<1ms"] * 4
            return "\n".join(attempts) + "\n\nComplete: 4/4 successful attempts (100%)."
        attempts = [f"Connection attempt failed: {trace.steps[-1].detail}"] * 4
        summary = f"Complete: 0/4 successful attempts (0%). Blocked at {trace.deciding_step}."
        return "\n".join(attempts) + f"\n\n{summary}\nFix: {trace.fix or 'see the Network troubleshooter'}"
    return f"'{verb}' is not recognized.\n" + CONSOLE_HELP
