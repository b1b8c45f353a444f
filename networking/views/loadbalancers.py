"""Load balancer blades: Overview (Essentials, frontend IP configuration,
backend pool, outbound rules), Activity log and Properties (JSON View).

The lab's load balancers are made by what owns them (an AKS cluster's
``kubernetes`` load balancer, LB-02): no create wizard or delete here. The
backend pool lists its NICs by the scale set whose instances hold them
(VMSS-01), linked through the registry, so this app names no scale set type.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path, reverse
from django.views.decorators.http import require_GET

from networking.models import LoadBalancer
from networking.services import loadbalancers as services
from portal.access import blade_kwargs, get_in_group
from portal.blades import activity_log, blade, json_view, resource_menu, respond
from portal.resources import blade_url, resource_url

LB_ICON = "bi-distribute-vertical"
SCALE_SET_TYPE = "Microsoft.Compute/virtualMachineScaleSets"


def _url(resource, url_name: str) -> str:
    return reverse(f"networking:{url_name}", kwargs=blade_kwargs(resource))


def _get(request: HttpRequest, subscription_id, rg: str, name: str) -> LoadBalancer:
    return get_in_group(request, LoadBalancer, subscription_id, rg, name)


def _backend(balancer: LoadBalancer) -> list[dict]:
    """The backend pool's members, one group per scale set (or one row per
    NIC of a VM), each instance with its NIC's private IP."""
    groups: dict[str, dict] = {}
    subscription = balancer.resource_group.subscription.subscription_id
    for nic in services.backend_members(balancer):
        key = nic.scale_set or nic.name
        if key not in groups:
            url = (
                blade_url(SCALE_SET_TYPE, subscription, nic.resource_group.name, nic.scale_set)
                if nic.scale_set
                else resource_url(nic)
            )
            kind = "Virtual machine scale set" if nic.scale_set else "Network interface"
            groups[key] = {"name": key, "url": url, "kind": kind, "members": []}
        instance = f"{nic.scale_set}_{nic.scale_set_instance}" if nic.scale_set else nic.name
        groups[key]["members"].append({"instance": instance, "ip": nic.private_ip, "nic": nic.name})
    return list(groups.values())


def _context(balancer: LoadBalancer, active: str, title: str) -> dict:
    frontends = [
        {"name": pip.name, "pip": pip, "url": resource_url(pip)}
        for pip in balancer.frontend_ips.select_related("resource_group__subscription").order_by("pk")
    ]
    urls = {page: _url(balancer, f"load_balancer_{page}") for page in ("overview", "json")}
    return blade(
        balancer,
        menu=resource_menu(balancer, active),
        title=title,
        icon=LB_ICON,
        urls=urls,
        frontends=frontends,
        backend=_backend(balancer),
        outbound_address=services.outbound_address(balancer),
    )


@require_GET
def load_balancer_overview(request: HttpRequest, subscription_id, rg: str, name: str) -> HttpResponse:
    balancer = _get(request, subscription_id, rg, name)
    context = _context(balancer, "overview", "Overview")
    return respond(request, "networking/load_balancer_overview.html", "essentials", context)


@require_GET
def load_balancer_activity(request: HttpRequest, subscription_id, rg: str, name: str) -> HttpResponse:
    balancer = _get(request, subscription_id, rg, name)
    return activity_log(
        request, balancer, blade(balancer, menu=resource_menu(balancer, "activity"), title="Activity log", icon=LB_ICON)
    )


@require_GET
def load_balancer_json(request: HttpRequest, subscription_id, rg: str, name: str) -> HttpResponse:
    balancer = _get(request, subscription_id, rg, name)
    return json_view(
        request, balancer, blade(balancer, menu=resource_menu(balancer, "json"), title="Properties", icon=LB_ICON)
    )


LB = "Microsoft.Network/loadBalancers/<str:name>/"

urlpatterns = [
    path(LB + "overview", load_balancer_overview, name="load_balancer_overview"),
    path(LB + "activitylog", load_balancer_activity, name="load_balancer_activity"),
    path(LB + "properties", load_balancer_json, name="load_balancer_json"),
]
