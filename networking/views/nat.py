"""NAT gateway and public IP address blades: Create (the two wizards),
Overview, Activity log, Properties (JSON View), Delete; a NAT gateway's
Outbound IP and Subnets pages with their panes. Menus are the registry's
(networking/resources.py); the rules are services.nat's."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_http_methods

from networking.forms.associate import NAT_GATEWAY, SubnetAssociateForm
from networking.forms.nat import AddPublicIpForm, NatGatewayWizard, PublicIpWizard
from networking.models import NatGateway, PublicIPAddress, Subnet
from networking.services import nat as services
from portal.access import blade_kwargs, get_in_group, get_resource_group
from portal.blades import (
    activity_log,
    blade,
    confirm_action,
    confirm_delete,
    json_view,
    resource_group_url,
    resource_menu,
    respond,
    run_wizard,
    swap,
)
from portal.resources import resource_url

NAT_ICON = "bi-arrow-up-right-circle"
PIP_ICON = "bi-globe2"


def _url(resource, url_name: str, **kwargs) -> str:
    return reverse(f"networking:{url_name}", kwargs={**blade_kwargs(resource), **kwargs})


def _get_nat(request: HttpRequest, subscription_id, rg: str, name: str) -> NatGateway:
    return get_in_group(request, NatGateway, subscription_id, rg, name)


def _get_pip(request: HttpRequest, subscription_id, rg: str, name: str) -> PublicIPAddress:
    related = ("nat_gateway", "load_balancer")
    return get_in_group(request, PublicIPAddress, subscription_id, rg, name, related=related)


# --- NAT gateway ----------------------------------------------------------------------------------


def _nat_urls(nat: NatGateway) -> dict[str, str]:
    pages = ("overview", "outbound_ip", "subnets", "json", "delete", "associate", "add_public_ip")
    return {page: _url(nat, f"nat_gateway_{page}") for page in pages}


def _nat_tables(nat: NatGateway) -> dict:
    public_ips = [
        {"pip": pip, "url": resource_url(pip), "remove": _url(nat, "nat_gateway_remove_public_ip", pip_id=pip.pk)}
        for pip in nat.public_ips.select_related("resource_group__subscription").order_by("name")
    ]
    subnets = [
        {"subnet": subnet, "dissociate": _url(nat, "nat_gateway_dissociate", subnet_id=subnet.pk)}
        for subnet in Subnet.objects.filter(nat_gateway=nat).select_related("vnet").order_by("vnet__name", "name")
    ]
    return {"public_ips": public_ips, "subnets": subnets}


def _nat_blade(nat: NatGateway, active: str, title: str, **extra) -> dict:
    return blade(nat, menu=resource_menu(nat, active), title=title, icon=NAT_ICON, urls=_nat_urls(nat), **extra)


@require_GET
def nat_gateway_overview(request: HttpRequest, subscription_id, rg: str, name: str) -> HttpResponse:
    nat = _get_nat(request, subscription_id, rg, name)
    context = _nat_blade(nat, "overview", "Overview", **_nat_tables(nat))
    return respond(request, "networking/nat_gateway_overview.html", "essentials", context)


@require_GET
def nat_gateway_activity(request: HttpRequest, subscription_id, rg: str, name: str) -> HttpResponse:
    nat = _get_nat(request, subscription_id, rg, name)
    return activity_log(request, nat, _nat_blade(nat, "activity", "Activity log"))


@require_GET
def nat_gateway_json(request: HttpRequest, subscription_id, rg: str, name: str) -> HttpResponse:
    nat = _get_nat(request, subscription_id, rg, name)
    return json_view(request, nat, _nat_blade(nat, "json", "Properties"))


@require_GET
def nat_gateway_outbound_ip(request: HttpRequest, subscription_id, rg: str, name: str) -> HttpResponse:
    nat = _get_nat(request, subscription_id, rg, name)
    context = _nat_blade(nat, "outbound_ip", "Outbound IP", **_nat_tables(nat))
    return respond(request, "networking/nat_gateway_outbound_ip.html", "public-ip-grid", context)


@require_GET
def nat_gateway_subnets(request: HttpRequest, subscription_id, rg: str, name: str) -> HttpResponse:
    nat = _get_nat(request, subscription_id, rg, name)
    context = _nat_blade(nat, "subnets", "Subnets", **_nat_tables(nat))
    return respond(request, "networking/nat_gateway_subnets.html", "subnet-grid", context)


def _changed(request: HttpRequest, nat: NatGateway, grid: str, page: str) -> HttpResponse:
    """After a pane's change: the page's grid from fresh state, and the pane closed."""
    return swap(
        request,
        "networking/nat_gateway_overview.html",
        f"{grid}-swap",
        lambda: _nat_blade(nat, page, page, **_nat_tables(nat)),
        target=f"nat-{grid}",
        page_url=_url(nat, f"nat_gateway_{page}"),
    )


def _associate_context(nat: NatGateway, form: SubnetAssociateForm, problems=None) -> dict:
    return {
        **_nat_blade(nat, "subnets", "Associate subnet"),
        "form": form,
        "problems": problems or {},
        "action_url": _url(nat, "nat_gateway_associate"),
    }


@require_http_methods(["GET", "POST"])
def nat_gateway_associate(request: HttpRequest, subscription_id, rg: str, name: str) -> HttpResponse:
    """Subnets > "Associate": Virtual network, Subnet, OK (NAT-01 to NAT-05)."""
    nat = _get_nat(request, subscription_id, rg, name)
    data = request.POST if request.method == "POST" else request.GET
    form = SubnetAssociateForm(request.sandbox, data, holder=NAT_GATEWAY)
    if request.method == "GET":
        return respond(request, "networking/associate_pane.html", "pane", _associate_context(nat, form))
    problems = form.associate(lambda subnet: services.associate_subnet(nat, subnet))
    if not problems:
        return _changed(request, nat, "subnet-grid", "subnets")
    context = _associate_context(nat, form, problems)
    return respond(request, "networking/associate_pane.html", "pane", context, status=422)


@require_http_methods(["GET", "POST"])
def nat_gateway_dissociate(request: HttpRequest, subscription_id, rg: str, name: str, subnet_id: int) -> HttpResponse:
    nat = _get_nat(request, subscription_id, rg, name)
    subnet = get_object_or_404(Subnet.objects.select_related("vnet"), pk=subnet_id, nat_gateway=nat)

    def act():
        services.dissociate_subnet(nat, subnet)
        return _changed(request, nat, "subnet-grid", "subnets")

    return confirm_action(
        request,
        _nat_blade(nat, "subnets", "Disassociate subnet"),
        act=act,
        title="Disassociate subnet",
        question=f"Do you want to disassociate '{nat.name}' from subnet '{subnet.vnet.name}/{subnet.name}'?",
        action=_url(nat, "nat_gateway_dissociate", subnet_id=subnet.pk),
        dom_id="confirm-dissociate",
    )


def _add_ip_context(nat: NatGateway, form: AddPublicIpForm, problems=None) -> dict:
    return {
        **_nat_blade(nat, "outbound_ip", "Add public IP address"),
        "form": form,
        "problems": problems or {},
        "action_url": _url(nat, "nat_gateway_add_public_ip"),
    }


@require_http_methods(["GET", "POST"])
def nat_gateway_add_public_ip(request: HttpRequest, subscription_id, rg: str, name: str) -> HttpResponse:
    """Outbound IP > "Add": one public IP address (NAT-04, NAT-05, PIP-03)."""
    nat = _get_nat(request, subscription_id, rg, name)
    form = AddPublicIpForm(request.sandbox, request.POST if request.method == "POST" else None)
    if request.method == "GET":
        return respond(request, "networking/nat_add_public_ip.html", "pane", _add_ip_context(nat, form))
    problems = form.associate(lambda pip: services.associate_public_ip(nat, pip))
    if not problems:
        return _changed(request, nat, "public-ip-grid", "outbound_ip")
    context = _add_ip_context(nat, form, problems)
    return respond(request, "networking/nat_add_public_ip.html", "pane", context, status=422)


@require_http_methods(["GET", "POST"])
def nat_gateway_remove_public_ip(
    request: HttpRequest, subscription_id, rg: str, name: str, pip_id: int
) -> HttpResponse:
    nat = _get_nat(request, subscription_id, rg, name)
    pip = get_object_or_404(PublicIPAddress, pk=pip_id, nat_gateway=nat)

    def act():
        services.dissociate_public_ip(nat, pip)
        return _changed(request, nat, "public-ip-grid", "outbound_ip")

    return confirm_action(
        request,
        _nat_blade(nat, "outbound_ip", "Remove public IP address"),
        act=act,
        title="Remove public IP address",
        question=f"Do you want to remove '{pip.name}' ({pip.address_label}) from '{nat.name}'?",
        action=_url(nat, "nat_gateway_remove_public_ip", pip_id=pip.pk),
        dom_id="confirm-remove-public-ip",
    )


@require_http_methods(["GET", "POST"])
def nat_gateway_delete(request: HttpRequest, subscription_id, rg: str, name: str) -> HttpResponse:
    """Refused while subnets use it (NAT-06); its public IPs stay."""
    nat = _get_nat(request, subscription_id, rg, name)
    return confirm_delete(
        request,
        _nat_blade(nat, "overview", "Delete"),
        delete=lambda: services.delete_nat_gateway(nat),
        done_url=resource_group_url(nat),
        title="Delete NAT gateway",
        question=f"Do you want to delete NAT gateway '{nat.name}'?",
        dom_id="confirm-delete-nat-gateway",
    )


@require_http_methods(["GET", "POST"])
def nat_gateway_create(request: HttpRequest, subscription_id, rg: str) -> HttpResponse:
    group = get_resource_group(request, subscription_id, rg)
    posted = request.POST if request.method == "POST" else None
    wizard = NatGatewayWizard(request.sandbox, posted, resource_group=group.name)
    return run_wizard(request, wizard, "networking/nat_gateway_create.html")


# --- public IP address ------------------------------------------------------------------------------


def _pip_blade(pip: PublicIPAddress, active: str, title: str, **extra) -> dict:
    urls = {page: _url(pip, f"public_ip_{page}") for page in ("overview", "json", "delete")}
    return blade(pip, menu=resource_menu(pip, active), title=title, icon=PIP_ICON, urls=urls, **extra)


@require_GET
def public_ip_overview(request: HttpRequest, subscription_id, rg: str, name: str) -> HttpResponse:
    pip = _get_pip(request, subscription_id, rg, name)
    user = pip.nat_gateway if pip.nat_gateway_id else pip.load_balancer if pip.load_balancer_id else None
    context = _pip_blade(pip, "overview", "Overview", user=user, user_url=resource_url(user) if user else "")
    return respond(request, "networking/public_ip_overview.html", "essentials", context)


@require_GET
def public_ip_activity(request: HttpRequest, subscription_id, rg: str, name: str) -> HttpResponse:
    pip = _get_pip(request, subscription_id, rg, name)
    return activity_log(request, pip, _pip_blade(pip, "activity", "Activity log"))


@require_GET
def public_ip_json(request: HttpRequest, subscription_id, rg: str, name: str) -> HttpResponse:
    pip = _get_pip(request, subscription_id, rg, name)
    return json_view(request, pip, _pip_blade(pip, "json", "Properties"))


@require_http_methods(["GET", "POST"])
def public_ip_delete(request: HttpRequest, subscription_id, rg: str, name: str) -> HttpResponse:
    """Refused while a NAT gateway uses it (PIP-04)."""
    pip = _get_pip(request, subscription_id, rg, name)
    return confirm_delete(
        request,
        _pip_blade(pip, "overview", "Delete"),
        delete=lambda: services.delete_public_ip(pip),
        done_url=resource_group_url(pip),
        title="Delete public IP address",
        question=f"Do you want to delete public IP address '{pip.name}'?",
        dom_id="confirm-delete-public-ip-address",
    )


@require_http_methods(["GET", "POST"])
def public_ip_create(request: HttpRequest, subscription_id, rg: str) -> HttpResponse:
    group = get_resource_group(request, subscription_id, rg)
    posted = request.POST if request.method == "POST" else None
    wizard = PublicIpWizard(request.sandbox, posted, resource_group=group.name)
    return run_wizard(request, wizard, "networking/public_ip_create.html")


NAT = "Microsoft.Network/natGateways/<str:name>/"
PIP = "Microsoft.Network/publicIPAddresses/<str:name>/"

urlpatterns = [
    path("Microsoft.Network/natGateways/create", nat_gateway_create, name="nat_gateway_create"),
    path(NAT + "overview", nat_gateway_overview, name="nat_gateway_overview"),
    path(NAT + "activitylog", nat_gateway_activity, name="nat_gateway_activity"),
    path(NAT + "properties", nat_gateway_json, name="nat_gateway_json"),
    path(NAT + "delete", nat_gateway_delete, name="nat_gateway_delete"),
    path(NAT + "outboundip", nat_gateway_outbound_ip, name="nat_gateway_outbound_ip"),
    path(NAT + "outboundip/add", nat_gateway_add_public_ip, name="nat_gateway_add_public_ip"),
    path(NAT + "outboundip/<pk:pip_id>/remove", nat_gateway_remove_public_ip, name="nat_gateway_remove_public_ip"),
    path(NAT + "subnets", nat_gateway_subnets, name="nat_gateway_subnets"),
    path(NAT + "subnets/associate", nat_gateway_associate, name="nat_gateway_associate"),
    path(NAT + "subnets/<pk:subnet_id>/dissociate", nat_gateway_dissociate, name="nat_gateway_dissociate"),
    path("Microsoft.Network/publicIPAddresses/create", public_ip_create, name="public_ip_create"),
    path(PIP + "overview", public_ip_overview, name="public_ip_overview"),
    path(PIP + "activitylog", public_ip_activity, name="public_ip_activity"),
    path(PIP + "properties", public_ip_json, name="public_ip_json"),
    path(PIP + "delete", public_ip_delete, name="public_ip_delete"),
]
