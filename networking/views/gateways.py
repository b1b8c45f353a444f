"""Blades of on-premises connectivity (portal-ui §6): virtual network
gateways (Overview, Configuration, Connections, Point-to-site configuration,
Properties), local network gateways, connections and ExpressRoute circuits,
with their "Create" wizards and Delete confirmations."""

import json

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_http_methods

from networking.forms.gateways import (
    CircuitWizard,
    ConnectionForm,
    GatewayWizard,
    LocalGatewayConfigForm,
    LocalGatewayWizard,
    PointToSiteForm,
    SkuForm,
)
from networking.models import (
    ExpressRouteCircuit,
    LocalNetworkGateway,
    VirtualNetworkGateway,
    VirtualNetworkGatewayConnection,
)
from networking.services import gateways as services
from networking.views.vnets import get_vnet, vnet_blade
from portal.access import blade_kwargs, get_in_group, get_resource_group
from portal.blades import (
    activity_log,
    blade,
    confirm_delete,
    json_view,
    resource_group_url,
    resource_menu,
    respond,
    run_wizard,
    swap,
)
from portal.errors import AzureRuleError
from portal.resources import resource_url

GATEWAY_ICON, LOCAL_ICON, CONNECTION_ICON, CIRCUIT_ICON = "bi-shield-lock", "bi-building", "bi-plug", "bi-lightning"


def _document(resource) -> str:
    """The ARM JSON the Overview's "JSON View" shows."""
    return json.dumps(resource.arm_json(), indent=2, default=str)


def _errors(form) -> dict:
    return {field: messages[0] for field, messages in form.errors.items()}


def _delete(request, resource, delete, context: dict):
    """The Delete confirmation ("Yes"/"No"), then the resource group; a
    refusal shows in the pane (422)."""
    return confirm_delete(
        request,
        context,
        delete=lambda: delete(resource),
        done_url=resource_group_url(resource),
        title=f"Delete {resource.type_label.lower()}",
        question=f"Do you want to delete '{resource.name}'?",
        dom_id="delete-form",
    )


def _wizard(request, wizard_class, rg_name: str, template: str, subscription_id):
    rg = get_resource_group(request, subscription_id, rg_name)
    wizard = wizard_class(request.sandbox, request.POST if request.method == "POST" else None, resource_group=rg.name)
    rg_url = reverse("resource_group", kwargs={"subscription_id": subscription_id, "rg": rg.name})
    return run_wizard(
        request, wizard, template, breadcrumbs=[{"label": rg.name, "url": rg_url}, {"label": wizard.title}]
    )


# --- Virtual network gateways ------------------------------------------------------------------


def _get_gateway(request, subscription_id, rg, name) -> VirtualNetworkGateway:
    related = ("vnet__resource_group__subscription",)
    return get_in_group(request, VirtualNetworkGateway, subscription_id, rg, name, related=related)


def _gateway_blade(gateway, active: str, title: str, **extra) -> dict:
    urls = {
        key: reverse(f"networking:gateway_{key}", kwargs=blade_kwargs(gateway))
        for key in ("overview", "configuration", "connections", "connection_add", "p2s", "delete")
    }
    if gateway.vnet.is_classic:
        # CLASSIC-02: a classic VNet's gateway is no ARM resource; its pages
        # are the classic VNet's, under "VPN connections".
        vnet = gateway.vnet
        urls["overview"] = _vpn_connections_url(vnet)
        return blade(
            vnet,
            menu=resource_menu(vnet, "vpn_connections"),
            title="VPN connections" if active == "overview" else f"VPN connections: {title}",
            icon="bi-diagram-3",
            gateway=gateway,
            classic_vnet=vnet,
            urls=urls,
            **extra,
        )
    return blade(
        gateway,
        menu=resource_menu(gateway, active),
        title=title,
        icon=GATEWAY_ICON,
        gateway=gateway,
        urls=urls,
        **extra,
    )


def _vpn_connections_url(vnet) -> str:
    return vnet_blade(vnet, "vpn_connections", "")["urls"]["vpn_connections"]


@require_http_methods(["GET", "POST"])
def gateway_create(request, subscription_id, rg):
    """ "Create virtual network gateway" (portal-ui §6)."""
    return _wizard(request, GatewayWizard, rg, "networking/gateway_create.html", subscription_id)


@require_GET
def gateway_overview(request, subscription_id, rg, name):
    gateway = _get_gateway(request, subscription_id, rg, name)
    if gateway.vnet.is_classic:
        return redirect(_vpn_connections_url(gateway.vnet))
    return _gateway_overview(request, gateway)


@require_GET
def vnet_vpn_connections(request, provider, subscription_id, rg, name):
    """A classic VNet's "VPN connections": its gateway, if it has one (CLASSIC-02)."""
    vnet = get_vnet(request, provider, subscription_id, rg, name)
    if not vnet.is_classic:
        raise Http404("VPN connections is a page of classic virtual networks")
    gateway = (
        VirtualNetworkGateway.objects.filter(vnet=vnet).select_related("vnet__resource_group__subscription").first()
    )
    if gateway is None:
        context = vnet_blade(vnet, "vpn_connections", "VPN connections", gateway=None)
        return render(request, "networking/gateway_overview.html", context)
    return _gateway_overview(request, gateway)


def _gateway_overview(request, gateway):
    context = _gateway_blade(
        gateway,
        "overview",
        "Overview",
        status=services.gateway_state(gateway),
        vnet_url=resource_url(gateway.vnet),
        connection_count=VirtualNetworkGatewayConnection.objects.filter(gateway=gateway).count(),
        route_warning=services.route_table_warning(services.gateway_subnet_of(gateway.vnet)),
        arm_document=_document(gateway),
    )
    return respond(request, "networking/gateway_overview.html", "gateway-essentials", context)


@require_GET
def gateway_activity(request, subscription_id, rg, name):
    gateway = _get_gateway(request, subscription_id, rg, name)
    return activity_log(request, gateway, _gateway_blade(gateway, "activity", "Activity log"))


@require_GET
def gateway_properties(request, subscription_id, rg, name):
    gateway = _get_gateway(request, subscription_id, rg, name)
    return json_view(request, gateway, _gateway_blade(gateway, "properties", "Properties"))


@require_http_methods(["GET", "POST"])
def gateway_configuration(request, subscription_id, rg, name):
    """Configuration: the SKU (resize within the gateway's type)."""
    gateway = _get_gateway(request, subscription_id, rg, name)
    problems: dict = {}
    if request.method == "POST":
        form = SkuForm(request.POST, gateway=gateway)
        if form.is_valid():
            try:
                services.resize_gateway(gateway, form.cleaned_data["sku"])
            except AzureRuleError as exc:
                problems[exc.field or "form"] = exc
            else:
                gateway.refresh_from_db()
        else:
            problems = _errors(form)
    else:
        form = SkuForm(gateway=gateway)
    status = 422 if problems else 200
    context = _gateway_blade(
        gateway,
        "configuration",
        "Configuration",
        form=form,
        problems=problems,
        saved=request.method == "POST" and not problems,
    )
    return respond(request, "networking/gateway_configuration.html", "sku-form", context, status)


def _connections_context(gateway) -> dict:
    connections = VirtualNetworkGatewayConnection.objects.filter(gateway=gateway).select_related(
        "resource_group__subscription", "local_network_gateway", "express_route_circuit"
    )
    return _gateway_blade(
        gateway,
        "connections",
        "Connections",
        rows=[{"connection": c, "url": resource_url(c), "peer": _peer_name(c)} for c in connections],
    )


def _peer_name(connection) -> str:
    peer = connection.local_network_gateway or connection.express_route_circuit
    return peer.name if peer else ""


@require_GET
def gateway_connections(request, subscription_id, rg, name):
    gateway = _get_gateway(request, subscription_id, rg, name)
    return respond(request, "networking/gateway_connections.html", "connection-table", _connections_context(gateway))


def _connection_pane(request, gateway, form, problems=None, status=200):
    kwargs = {
        "subscription_id": gateway.resource_group.subscription.subscription_id,
        "rg": gateway.resource_group.name,
    }
    context = _gateway_blade(
        gateway,
        "connections",
        "Add connection",
        form=form,
        problems=problems or {},
        create_local_url=reverse("networking:local_gateway_create", kwargs=kwargs),
        create_circuit_url=reverse("networking:circuit_create", kwargs=kwargs),
    )
    context["action_url"] = context["urls"]["connection_add"]
    return respond(request, "networking/connection_add.html", "pane", context, status)


@require_http_methods(["GET", "POST"])
def gateway_connection_add(request, subscription_id, rg, name):
    """Connections > "+ Add": site-to-site (IPsec) or ExpressRoute."""
    gateway = _get_gateway(request, subscription_id, rg, name)
    if request.method == "GET":
        return _connection_pane(
            request, gateway, ConnectionForm.redrawn(request.GET, gateway=gateway, sandbox=request.sandbox)
        )
    form = ConnectionForm(request.POST, gateway=gateway, sandbox=request.sandbox)
    if not form.is_valid():
        return _connection_pane(request, gateway, form, _errors(form), 422)
    try:
        services.add_connection(gateway, form.spec())
    except AzureRuleError as exc:
        return _connection_pane(request, gateway, form, {exc.field or "form": exc}, 422)
    return swap(
        request,
        "networking/gateway_connections.html",
        "connection-swap",
        lambda: _connections_context(gateway),
        target="connection-table",
        page_url=reverse("networking:gateway_connections", kwargs=blade_kwargs(gateway)),
    )


@require_http_methods(["GET", "POST"])
def gateway_p2s(request, subscription_id, rg, name):
    """Point-to-site configuration: "Configure now", then the form and Save."""
    gateway = _get_gateway(request, subscription_id, rg, name)
    problems: dict = {}
    saved = False
    if request.method == "POST":
        form = PointToSiteForm(request.POST, gateway=gateway)
        if form.is_valid():
            try:
                services.save_point_to_site(gateway, form.p2s())
            except AzureRuleError as exc:
                problems[exc.field or "form"] = exc
            else:
                gateway.refresh_from_db()
                saved = True
        else:
            problems = _errors(form)
        certificates = form.certificates()
    else:
        form = PointToSiteForm(gateway=gateway)
        certificates = ()
    configuring = bool(gateway.p2s_address_pool) or request.method == "POST" or PointToSiteForm.configuring(request.GET)
    context = _gateway_blade(
        gateway,
        "p2s",
        "Point-to-site configuration",
        form=form,
        problems=problems,
        configuring=configuring,
        saved=saved,
        certificates=list(certificates) + [("", "")],
        max_certificates=services.MAX_ROOT_CERTIFICATES,
        integration_problem=gateway.gateway_integration_problem() if gateway.p2s_address_pool else None,
        status=services.gateway_state(gateway),
    )
    return respond(request, "networking/gateway_p2s.html", "p2s-panel", context, 422 if problems else 200)


@require_http_methods(["GET", "POST"])
def gateway_delete(request, subscription_id, rg, name):
    gateway = _get_gateway(request, subscription_id, rg, name)
    return _delete(request, gateway, services.delete_gateway, _gateway_blade(gateway, "overview", "Delete"))


# --- Local network gateways -----------------------------------------------------------------------


def _get_local(request, subscription_id, rg, name) -> LocalNetworkGateway:
    return get_in_group(request, LocalNetworkGateway, subscription_id, rg, name)


def _local_blade(local, active: str, title: str, **extra) -> dict:
    urls = {
        key: reverse(f"networking:local_gateway_{key}", kwargs=blade_kwargs(local))
        for key in ("overview", "configuration", "delete")
    }
    return blade(
        local, menu=resource_menu(local, active), title=title, icon=LOCAL_ICON, local=local, urls=urls, **extra
    )


@require_http_methods(["GET", "POST"])
def local_gateway_create(request, subscription_id, rg):
    return _wizard(request, LocalGatewayWizard, rg, "networking/local_gateway_create.html", subscription_id)


@require_GET
def local_gateway_overview(request, subscription_id, rg, name):
    local = _get_local(request, subscription_id, rg, name)
    connections = VirtualNetworkGatewayConnection.objects.filter(local_network_gateway=local).select_related(
        "resource_group__subscription", "gateway"
    )
    context = _local_blade(
        local,
        "overview",
        "Overview",
        rows=[{"connection": c, "url": resource_url(c)} for c in connections],
        arm_document=_document(local),
    )
    return respond(request, "networking/local_gateway_overview.html", "local-essentials", context)


@require_GET
def local_gateway_activity(request, subscription_id, rg, name):
    local = _get_local(request, subscription_id, rg, name)
    return activity_log(request, local, _local_blade(local, "activity", "Activity log"))


@require_GET
def local_gateway_properties(request, subscription_id, rg, name):
    local = _get_local(request, subscription_id, rg, name)
    return json_view(request, local, _local_blade(local, "properties", "Properties"))


@require_http_methods(["GET", "POST"])
def local_gateway_configuration(request, subscription_id, rg, name):
    """Configuration: IP address, address space and BGP settings; Save."""
    local = _get_local(request, subscription_id, rg, name)
    problems: dict = {}
    saved = False
    if request.method == "POST":
        form = LocalGatewayConfigForm(request.POST, local=local)
        if form.is_valid():
            try:
                services.update_local_gateway(local, form.spec())
            except AzureRuleError as exc:
                problems[exc.field or "form"] = exc
            else:
                local.refresh_from_db()
                saved = True
        else:
            problems = _errors(form)
    if request.method != "POST" or saved:
        form = LocalGatewayConfigForm(local=local)
    context = _local_blade(local, "configuration", "Configuration", form=form, problems=problems, saved=saved)
    return respond(
        request, "networking/local_gateway_configuration.html", "local-config", context, 422 if problems else 200
    )


@require_http_methods(["GET", "POST"])
def local_gateway_delete(request, subscription_id, rg, name):
    local = _get_local(request, subscription_id, rg, name)
    return _delete(request, local, services.delete_local_gateway, _local_blade(local, "overview", "Delete"))


# --- Connections ------------------------------------------------------------------------------------


def _get_connection(request, subscription_id, rg, name) -> VirtualNetworkGatewayConnection:
    related = (
        "gateway__resource_group__subscription",
        "gateway__vnet",
        "local_network_gateway__resource_group__subscription",
        "express_route_circuit__resource_group__subscription",
    )
    return get_in_group(request, VirtualNetworkGatewayConnection, subscription_id, rg, name, related=related)


def _connection_blade(connection, active: str, title: str, **extra) -> dict:
    urls = {
        key: reverse(f"networking:connection_{key}", kwargs=blade_kwargs(connection)) for key in ("overview", "delete")
    }
    return blade(
        connection,
        menu=resource_menu(connection, active),
        title=title,
        icon=CONNECTION_ICON,
        connection=connection,
        urls=urls,
        **extra,
    )


@require_GET
def connection_overview(request, subscription_id, rg, name):
    connection = _get_connection(request, subscription_id, rg, name)
    peer = connection.local_network_gateway or connection.express_route_circuit
    context = _connection_blade(
        connection,
        "overview",
        "Overview",
        gateway_url=resource_url(connection.gateway),
        peer=peer,
        peer_url=resource_url(peer) if peer else "",
        arm_document=_document(connection),
    )
    return respond(request, "networking/connection_overview.html", "connection-essentials", context)


@require_GET
def connection_activity(request, subscription_id, rg, name):
    connection = _get_connection(request, subscription_id, rg, name)
    return activity_log(request, connection, _connection_blade(connection, "activity", "Activity log"))


@require_GET
def connection_properties(request, subscription_id, rg, name):
    connection = _get_connection(request, subscription_id, rg, name)
    return json_view(request, connection, _connection_blade(connection, "properties", "Properties"))


@require_http_methods(["GET", "POST"])
def connection_delete(request, subscription_id, rg, name):
    connection = _get_connection(request, subscription_id, rg, name)
    return _delete(request, connection, services.delete_connection, _connection_blade(connection, "overview", "Delete"))


# --- ExpressRoute circuits ------------------------------------------------------------------------


def _get_circuit(request, subscription_id, rg, name) -> ExpressRouteCircuit:
    return get_in_group(request, ExpressRouteCircuit, subscription_id, rg, name)


def _circuit_blade(circuit, active: str, title: str, **extra) -> dict:
    urls = {key: reverse(f"networking:circuit_{key}", kwargs=blade_kwargs(circuit)) for key in ("overview", "delete")}
    return blade(
        circuit,
        menu=resource_menu(circuit, active),
        title=title,
        icon=CIRCUIT_ICON,
        circuit=circuit,
        urls=urls,
        **extra,
    )


@require_http_methods(["GET", "POST"])
def circuit_create(request, subscription_id, rg):
    return _wizard(request, CircuitWizard, rg, "networking/circuit_create.html", subscription_id)


@require_GET
def circuit_overview(request, subscription_id, rg, name):
    circuit = _get_circuit(request, subscription_id, rg, name)
    connections = VirtualNetworkGatewayConnection.objects.filter(express_route_circuit=circuit).select_related(
        "resource_group__subscription", "gateway"
    )
    context = _circuit_blade(
        circuit,
        "overview",
        "Overview",
        rows=[{"connection": c, "url": resource_url(c)} for c in connections],
        arm_document=_document(circuit),
    )
    return respond(request, "networking/circuit_overview.html", "circuit-essentials", context)


@require_GET
def circuit_activity(request, subscription_id, rg, name):
    circuit = _get_circuit(request, subscription_id, rg, name)
    return activity_log(request, circuit, _circuit_blade(circuit, "activity", "Activity log"))


@require_GET
def circuit_properties(request, subscription_id, rg, name):
    circuit = _get_circuit(request, subscription_id, rg, name)
    return json_view(request, circuit, _circuit_blade(circuit, "properties", "Properties"))


@require_http_methods(["GET", "POST"])
def circuit_delete(request, subscription_id, rg, name):
    circuit = _get_circuit(request, subscription_id, rg, name)
    return _delete(request, circuit, services.delete_circuit, _circuit_blade(circuit, "overview", "Delete"))


_GW = "Microsoft.Network/virtualNetworkGateways"
_LNG = "Microsoft.Network/localNetworkGateways"
_CN = "Microsoft.Network/connections"
_ER = "Microsoft.Network/expressRouteCircuits"

urlpatterns = [
    path("<str:provider>/virtualNetworks/<str:name>/vpnconnections", vnet_vpn_connections, name="vnet_vpn_connections"),
    path(f"{_GW}/create", gateway_create, name="gateway_create"),
    path(f"{_GW}/<str:name>/overview", gateway_overview, name="gateway_overview"),
    path(f"{_GW}/<str:name>/activitylog", gateway_activity, name="gateway_activity"),
    path(f"{_GW}/<str:name>/properties", gateway_properties, name="gateway_properties"),
    path(f"{_GW}/<str:name>/configuration", gateway_configuration, name="gateway_configuration"),
    path(f"{_GW}/<str:name>/connections", gateway_connections, name="gateway_connections"),
    path(f"{_GW}/<str:name>/connections/add", gateway_connection_add, name="gateway_connection_add"),
    path(f"{_GW}/<str:name>/pointtosite", gateway_p2s, name="gateway_p2s"),
    path(f"{_GW}/<str:name>/delete", gateway_delete, name="gateway_delete"),
    path(f"{_LNG}/create", local_gateway_create, name="local_gateway_create"),
    path(f"{_LNG}/<str:name>/overview", local_gateway_overview, name="local_gateway_overview"),
    path(f"{_LNG}/<str:name>/activitylog", local_gateway_activity, name="local_gateway_activity"),
    path(f"{_LNG}/<str:name>/properties", local_gateway_properties, name="local_gateway_properties"),
    path(f"{_LNG}/<str:name>/configuration", local_gateway_configuration, name="local_gateway_configuration"),
    path(f"{_LNG}/<str:name>/delete", local_gateway_delete, name="local_gateway_delete"),
    path(f"{_CN}/<str:name>/overview", connection_overview, name="connection_overview"),
    path(f"{_CN}/<str:name>/activitylog", connection_activity, name="connection_activity"),
    path(f"{_CN}/<str:name>/properties", connection_properties, name="connection_properties"),
    path(f"{_CN}/<str:name>/delete", connection_delete, name="connection_delete"),
    path(f"{_ER}/create", circuit_create, name="circuit_create"),
    path(f"{_ER}/<str:name>/overview", circuit_overview, name="circuit_overview"),
    path(f"{_ER}/<str:name>/activitylog", circuit_activity, name="circuit_activity"),
    path(f"{_ER}/<str:name>/properties", circuit_properties, name="circuit_properties"),
    path(f"{_ER}/<str:name>/delete", circuit_delete, name="circuit_delete"),
]
