"""Route table blades (portal-ui §5): Create, Overview (routes and subnets),
Activity log, Configuration ("Propagate gateway routes"), Routes with the
"Add route" pane, Subnets, Properties (JSON View) and Delete."""

from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_http_methods

from networking.forms.associate import ROUTE_TABLE, SubnetAssociateForm
from networking.forms.routes import (
    NEXT_HOP_CHOICES,
    PropagationForm,
    RouteForm,
    RouteTableWizard,
    initial_values,
)
from networking.models import Route, RouteTable, Subnet
from networking.services import routes as services
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

ICON = "bi-signpost-split"


def _get_table(request, subscription_id, rg, name) -> RouteTable:
    return get_in_group(request, RouteTable, subscription_id, rg, name)


def _get_route(table: RouteTable, route_name: str) -> Route:
    return get_object_or_404(Route.objects.select_related("route_table"), route_table=table, name__iexact=route_name)


def _url(table, url_name: str, **kwargs) -> str:
    return reverse(f"networking:{url_name}", kwargs={**blade_kwargs(table), **kwargs})


def _urls(table) -> dict[str, str]:
    pages = ("overview", "configuration", "routes", "subnets", "json", "delete", "associate")
    return {"add_route": _url(table, "route_add"), **{page: _url(table, f"route_table_{page}") for page in pages}}


def _blade(table, active: str, title: str, **extra) -> dict:
    return blade(table, menu=resource_menu(table, active), title=title, icon=ICON, urls=_urls(table), **extra)


def _route_rows(table) -> list[dict]:
    hops = dict(NEXT_HOP_CHOICES)
    return [
        {
            "route": route,
            "next_hop": hops.get(route.next_hop_type, route.next_hop_type),
            "edit": _url(table, "route_edit", route=route.name),
            "delete": _url(table, "route_delete", route=route.name),
        }
        for route in Route.objects.filter(route_table=table).order_by("name")
    ]


def _subnet_rows(table, routes: list[Route]) -> list[dict]:
    warnings = services.gateway_subnet_warnings(table, routes)
    return [
        {
            "subnet": subnet,
            "warnings": warnings if subnet.name.lower() == services.GATEWAY_SUBNET.lower() else [],
            "dissociate": _url(table, "route_table_dissociate", subnet_id=subnet.pk),
        }
        for subnet in Subnet.objects.filter(route_table=table).select_related("vnet").order_by("vnet__name", "name")
    ]


def _tables(table) -> dict:
    routes = _route_rows(table)
    return {"routes": routes, "subnets": _subnet_rows(table, [r["route"] for r in routes])}


@require_GET
def route_table_overview(request, subscription_id, rg, name):
    table = _get_table(request, subscription_id, rg, name)
    return render(
        request, "networking/route_table_overview.html", _blade(table, "overview", "Overview", **_tables(table))
    )


@require_GET
def route_table_activity(request, subscription_id, rg, name):
    table = _get_table(request, subscription_id, rg, name)
    return activity_log(request, table, _blade(table, "activity", "Activity log"))


@require_GET
def route_table_json(request, subscription_id, rg, name):
    table = _get_table(request, subscription_id, rg, name)
    return json_view(request, table, _blade(table, "json", "Properties"))


@require_http_methods(["GET", "POST"])
def route_table_configuration(request, subscription_id, rg, name):
    """Configuration: "Propagate gateway routes" Yes/No with Save (ROUTE-26)."""
    table = _get_table(request, subscription_id, rg, name)
    saved, problems, status = False, {}, 200
    if request.method == "POST":
        form = PropagationForm(request.POST)
        if not form.is_valid():
            problems, status = {"propagate": Problem(form.errors["propagate"][0])}, 422
        else:
            try:
                services.set_propagation(table, form.cleaned_data["propagate"] == "Yes")
            except AzureRuleError as exc:  # a read-only lock (LOCK-02)
                problems, status = {"propagate": Problem.of(exc)}, 422
            else:
                saved = True
    # The radios show what is saved, before and after a Save.
    context = _blade(
        table,
        "configuration",
        "Configuration",
        form=PropagationForm.of(table),
        saved=saved,
        problems=problems,
        **_tables(table),
    )
    return respond(request, "networking/route_table_configuration.html", "configuration-form", context, status=status)


@require_GET
def route_table_routes(request, subscription_id, rg, name):
    table = _get_table(request, subscription_id, rg, name)
    context = _blade(table, "routes", "Routes", routes=_route_rows(table))
    return respond(request, "networking/route_table_routes.html", "route-table", context)


# --- the "Add route" pane ------------------------------------------------------------------------


def _pane_context(table, *, values: dict, problems=None, route=None) -> dict:
    action_url = _url(table, "route_edit", route=route.name) if route else _url(table, "route_add")
    return {
        **_blade(table, "routes", route.name if route else "Add route"),
        "route": route,
        "values": values,
        "form": RouteForm(
            values,
            ip_refused="next_hop_ip" in (problems or {}),
            destination_kind=table.sandbox.rules.route_destination_kind,
        ),
        "problems": problems or {},
        "action_url": action_url,
    }


def _route_saved(request, table):
    return swap(
        request,
        "networking/route_table_overview.html",
        "routes-swap",
        lambda: _blade(table, "routes", "Routes", routes=_route_rows(table)),
        target="route-grid",
        page_url=_url(table, "route_table_routes"),
    )


def _save_route(request, table, route=None):
    form = RouteForm(request.POST)
    problems: dict[str, Problem] = {}
    if not form.is_valid():
        problems = form.problems()
    else:
        try:
            if route is None:
                services.add_route(table, form.cleaned_data)
            else:
                services.update_route(route, form.cleaned_data)
        except AzureRuleError as exc:
            problems = {exc.field or "form": Problem.of(exc)}
    if not problems:
        return _route_saved(request, table)
    values = initial_values({k: v for k, v in form.data.items() if isinstance(v, str)}, route)
    context = _pane_context(table, values=values, problems=problems, route=route)
    return respond(request, "networking/route_pane.html", "pane", context, status=422)


@require_http_methods(["GET", "POST"])
def route_add(request, subscription_id, rg, name):
    """ "Add route"; a GET with values re-renders it for a changed Next hop type."""
    table = _get_table(request, subscription_id, rg, name)
    if request.method == "POST":
        return _save_route(request, table)
    context = _pane_context(table, values=initial_values(request.GET or None))
    return respond(request, "networking/route_pane.html", "pane", context)


@require_http_methods(["GET", "POST"])
def route_edit(request, subscription_id, rg, name, route):
    table = _get_table(request, subscription_id, rg, name)
    existing = _get_route(table, route)
    if request.method == "POST":
        return _save_route(request, table, existing)
    context = _pane_context(table, values=initial_values(request.GET or None, existing), route=existing)
    return respond(request, "networking/route_pane.html", "pane", context)


@require_http_methods(["GET", "POST"])
def route_delete(request, subscription_id, rg, name, route):
    table = _get_table(request, subscription_id, rg, name)
    existing = _get_route(table, route)
    if request.method == "POST":
        services.delete_route(existing)
        return _route_saved(request, table)
    return confirm_pane(
        request,
        _blade(table, "routes", "Delete route"),
        title="Delete route",
        question=f"Do you want to delete the route '{existing.name}'?",
        action=_url(table, "route_delete", route=existing.name),
        dom_id="confirm-delete-route",
    )


# --- subnets (ROUTE-20, SUBNET-07) -----------------------------------------------------------------


@require_GET
def route_table_subnets(request, subscription_id, rg, name):
    table = _get_table(request, subscription_id, rg, name)
    context = _blade(table, "subnets", "Subnets", **_tables(table))
    return respond(request, "networking/route_table_subnets.html", "subnet-grid", context)


def _associate_context(table, form: SubnetAssociateForm, problems=None) -> dict:
    return {
        **_blade(table, "subnets", "Associate subnet"),
        "form": form,
        "problems": problems or {},
        "action_url": _url(table, "route_table_associate"),
    }


def _subnets_changed(request, table):
    return swap(
        request,
        "networking/route_table_overview.html",
        "subnets-swap",
        lambda: _blade(table, "subnets", "Subnets", **_tables(table)),
        target="route-subnet-grid",
        page_url=_url(table, "route_table_subnets"),
    )


@require_http_methods(["GET", "POST"])
def route_table_associate(request, subscription_id, rg, name):
    """ "+ Associate" > "Associate subnet": Virtual network, Subnet, OK."""
    table = _get_table(request, subscription_id, rg, name)
    data = request.POST if request.method == "POST" else request.GET
    form = SubnetAssociateForm(request.sandbox, data, holder=ROUTE_TABLE)
    if request.method == "GET":
        return respond(request, "networking/associate_pane.html", "pane", _associate_context(table, form))
    problems = form.associate(lambda subnet: services.associate_subnet(table, subnet))
    if not problems:
        return _subnets_changed(request, table)
    context = _associate_context(table, form, problems)
    return respond(request, "networking/associate_pane.html", "pane", context, status=422)


@require_http_methods(["GET", "POST"])
def route_table_dissociate(request, subscription_id, rg, name, subnet_id):
    table = _get_table(request, subscription_id, rg, name)
    subnet = get_object_or_404(Subnet.objects.select_related("vnet"), pk=subnet_id, route_table=table)

    def act():
        services.dissociate_subnet(table, subnet)
        return _subnets_changed(request, table)

    return confirm_action(
        request,
        _blade(table, "subnets", "Dissociate subnet"),
        act=act,
        title="Dissociate subnet",
        question=f"Do you want to dissociate '{table.name}' from subnet '{subnet.vnet.name}/{subnet.name}'?",
        action=_url(table, "route_table_dissociate", subnet_id=subnet.pk),
        dom_id="confirm-dissociate",
    )


# --- create and delete -------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def route_table_delete(request, subscription_id, rg, name):
    """Delete: "Yes"/"No"; refused while subnets use the table (ROUTE-20)."""
    table = _get_table(request, subscription_id, rg, name)
    return confirm_delete(
        request,
        _blade(table, "overview", "Delete"),
        delete=lambda: services.delete_route_table(table),
        done_url=resource_group_url(table),
        title="Delete route table",
        question=f"Do you want to delete route table '{table.name}'?",
        dom_id="confirm-delete-route-table",
    )


@require_http_methods(["GET", "POST"])
def route_table_create(request, subscription_id, rg):
    """ "Create route table" (Basics with "Propagate gateway routes", Review + create)."""
    group = get_resource_group(request, subscription_id, rg)
    wizard = RouteTableWizard(request.sandbox, request.POST if request.method == "POST" else None)
    if request.method == "GET":
        wizard.initial["resource_group"] = group.name
    return run_wizard(request, wizard, "networking/route_table_create.html")


RT = "Microsoft.Network/routeTables/<str:name>/"

urlpatterns = [
    path("Microsoft.Network/routeTables/create", route_table_create, name="route_table_create"),
    path(RT + "overview", route_table_overview, name="route_table_overview"),
    path(RT + "activitylog", route_table_activity, name="route_table_activity"),
    path(RT + "properties", route_table_json, name="route_table_json"),
    path(RT + "configuration", route_table_configuration, name="route_table_configuration"),
    path(RT + "delete", route_table_delete, name="route_table_delete"),
    path(RT + "routes", route_table_routes, name="route_table_routes"),
    path(RT + "routes/add", route_add, name="route_add"),
    path(RT + "routes/<str:route>/edit", route_edit, name="route_edit"),
    path(RT + "routes/<str:route>/delete", route_delete, name="route_delete"),
    path(RT + "subnets", route_table_subnets, name="route_table_subnets"),
    path(RT + "subnets/associate", route_table_associate, name="route_table_associate"),
    path(RT + "subnets/<pk:subnet_id>/dissociate", route_table_dissociate, name="route_table_dissociate"),
]
