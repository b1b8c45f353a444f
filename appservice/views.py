"""App Service blades: Overview, Activity log, Networking, VNet Integration
(with the Add VNet pane), and the App Service plan overview."""

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from appservice import services
from appservice.effective import outbound_config
from appservice.models import AppServicePlan, VnetIntegration, WebApp
from networking.models import VirtualNetwork
from portal.access import blade_kwargs, get_in_group
from portal.errors import AzureRuleError
from portal.models import ActivityLogEntry
from portal.resources import resource_url


def _get_app(request, subscription_id, rg, name) -> WebApp:
    return get_in_group(request, WebApp.objects.select_related("plan__resource_group"), subscription_id, rg, name)


def _get_plan(request, subscription_id, rg, name) -> AppServicePlan:
    return get_in_group(request, AppServicePlan.objects.all(), subscription_id, rg, name)


def _app_menu(app: WebApp, active: str) -> list[dict]:
    kwargs = blade_kwargs(app)

    def item(label, icon, url_name, key=None):
        return {
            "label": label,
            "icon": icon,
            "url": reverse(f"appservice:{url_name}", kwargs=kwargs),
            "active": active == (key or url_name),
        }

    settings_items = [item("Networking", "bi-diagram-3", "networking")]
    # Pages added by later changes plug in here when their URL exists.
    for label, icon, url_name in (
        ("Configuration", "bi-sliders", "configuration"),
        ("Scale up (App Service plan)", "bi-arrow-up-square", "scale_up"),
    ):
        try:
            settings_items.append(item(label, icon, url_name))
        except NoReverseMatch:  # a page not built yet
            continue
    settings_items.sort(key=lambda i: ["Configuration", "Networking", "Scale up (App Service plan)"].index(i["label"]))
    return [
        {"heading": "", "items": [item("Overview", "bi-globe2", "overview"), item("Activity log", "bi-journal-text", "activity_log")]},
        {"heading": "Settings", "items": settings_items},
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
)


def _app_urls(app: WebApp) -> dict[str, str]:
    """Every URL of the app's blades, for templates (the resource ID is in each)."""
    kwargs = blade_kwargs(app)
    urls = {route: reverse(f"appservice:{route}", kwargs=kwargs) for route in APP_ROUTES}
    urls["plan"] = reverse("appservice:plan_overview", kwargs={**kwargs, "rg": app.plan.resource_group.name, "name": app.plan.name})
    urls["resource_group"] = reverse("resource_group", kwargs={"subscription_id": kwargs["subscription_id"], "rg": kwargs["rg"]})
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
    return VnetIntegration.objects.filter(app=app).select_related("vnet__gateway", "subnet").first()


def _outbound(app: WebApp, integration: VnetIntegration | None):
    return outbound_config(
        settings=dict(app.settings.values_list("name", "value")),
        route_all_property=app.vnet_route_all_enabled,
        integrated=integration is not None,
        regional=integration is not None and integration.is_regional,
        vnet_dns_servers=integration.vnet.dns_servers if integration else [],
        private_zones_need_app_settings=app.sandbox.rules.private_zones_need_app_settings,
    )


def _public_ips(app: WebApp) -> tuple[str, list[str]]:
    """Stable, made-up public addresses for the app's inbound and outbound
    traffic (documentation range 20.x is not used by anything here)."""
    n = app.pk % 200
    return f"20.49.{104 + n % 50}.{10 + n}", [f"20.42.{n % 250}.{i}" for i in (17, 43, 88, 121)]


@require_GET
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
def networking(request, subscription_id, rg, name):
    app = _get_app(request, subscription_id, rg, name)
    integration = _integration(app)
    inbound_ip, outbound_ips = _public_ips(app)
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
def vnet_integration(request, subscription_id, rg, name):
    app = _get_app(request, subscription_id, rg, name)
    context = _blade(app, "networking", app.sandbox.rules.integration_page_title, **_integration_context(app))
    context["breadcrumbs"].append(
        {"label": "Networking", "url": reverse("appservice:networking", kwargs=blade_kwargs(app))}
    )
    template = "appservice/vnet_integration.html#integration-panel" if request.htmx else "appservice/vnet_integration.html"
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
def add_vnet_details(request, subscription_id, rg, name):
    """The part of the pane under the drop-down, for the chosen VNet."""
    app = _get_app(request, subscription_id, rg, name)
    vnet = _lookup_vnet(request, app, request.GET.get("vnet"))
    context = _pane_context(app, vnet=vnet, form=request.GET)
    return render(request, "appservice/add_vnet_details.html", {**context, "urls": _app_urls(app), "rules": app.sandbox.rules})


@require_http_methods(["GET", "POST"])
def add_classic_vnet(request, subscription_id, rg, name):
    """"Click here to connect to a Classic VNet" (SEED-12)."""
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


@require_GET
def plan_overview(request, subscription_id, rg, name):
    plan = _get_plan(request, subscription_id, rg, name)
    apps = WebApp.objects.filter(plan=plan).select_related("resource_group__subscription")
    kwargs = blade_kwargs(plan)
    menu = [{"heading": "", "items": [{"label": "Overview", "icon": "bi-hdd-stack", "url": reverse("appservice:plan_overview", kwargs=kwargs), "active": True}]}]
    return render(
        request,
        "appservice/plan_overview.html",
        {
            "resource": plan,
            "plan": plan,
            "apps": apps,
            "resource_menu": menu,
            "page_title": "Overview",
            "blade_icon": "bi-hdd-stack",
            "breadcrumbs": [{"label": "All resources", "url": reverse("all_resources")}, {"label": plan.name}],
        },
    )

