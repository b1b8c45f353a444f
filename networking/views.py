"""Virtual network blades (Overview, Subnets, Activity log). Issue #3 grows
this family; for now a VNet shows what the integration flow needs."""

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from networking.engine import addressing
from networking.models import NetworkInterface, Subnet, VirtualNetwork, VirtualNetworkGateway
from portal.access import blade_kwargs, get_in_group
from portal.models import ActivityLogEntry

PROVIDERS = {"Microsoft.Network": False, "Microsoft.ClassicNetwork": True}


def _get_vnet(request, provider, subscription_id, rg, name) -> VirtualNetwork:
    if provider not in PROVIDERS:
        raise Http404("Unknown provider")
    qs = VirtualNetwork.objects.filter(is_classic=PROVIDERS[provider])
    return get_in_group(request, qs, subscription_id, rg, name)


def _vnet_menu(vnet, active: str):
    kwargs = {**blade_kwargs(vnet), "provider": vnet.arm_type.split("/")[0]}

    def item(label, icon, name, key):
        return {"label": label, "icon": icon, "url": reverse(f"networking:{name}", kwargs=kwargs), "active": active == key}

    return [
        {"heading": "", "items": [item("Overview", "bi-diagram-3", "vnet_overview", "overview"), item("Activity log", "bi-journal-text", "vnet_activity", "activity")]},
        {"heading": "Settings", "items": [item("Subnets", "bi-grid-1x2", "vnet_subnets", "subnets")]},
    ]


def _vnet_context(vnet, active, title):
    return {
        "resource": vnet,
        "resource_menu": _vnet_menu(vnet, active),
        "page_title": title,
        "blade_icon": "bi-diagram-3",
        "breadcrumbs": [{"label": "All resources", "url": reverse("all_resources")}, {"label": vnet.name}],
    }


@require_GET
def vnet_overview(request, provider, subscription_id, rg, name):
    vnet = _get_vnet(request, provider, subscription_id, rg, name)
    gateway = VirtualNetworkGateway.objects.filter(vnet=vnet).first()
    devices = NetworkInterface.objects.filter(subnet__vnet=vnet).select_related("subnet")
    return render(
        request,
        "networking/vnet_overview.html",
        {**_vnet_context(vnet, "overview", "Overview"), "gateway": gateway, "devices": devices},
    )


@require_GET
def vnet_subnets(request, provider, subscription_id, rg, name):
    vnet = _get_vnet(request, provider, subscription_id, rg, name)
    subnets = Subnet.objects.filter(vnet=vnet).select_related("serverfarm")
    rows = []
    for subnet in subnets:
        network = subnet.network
        rows.append(
            {
                "subnet": subnet,
                "available": addressing.usable_addresses(network) if network.version == 4 else None,
                "reserved": addressing.reserved_addresses(network) if network.version == 4 else [],
            }
        )
    return render(request, "networking/vnet_subnets.html", {**_vnet_context(vnet, "subnets", "Subnets"), "rows": rows})


@require_GET
def vnet_activity_log(request, provider, subscription_id, rg, name):
    vnet = _get_vnet(request, provider, subscription_id, rg, name)
    entries = ActivityLogEntry.objects.filter(sandbox=request.sandbox, resource_id__iexact=vnet.arm_id)[:200]
    return render(request, "portal/activity_log.html", {**_vnet_context(vnet, "activity", "Activity log"), "entries": entries})


GENERIC_TYPES = {
    ("Microsoft.Network", "virtualNetworkGateways"): VirtualNetworkGateway,
    ("Microsoft.Network", "networkInterfaces"): NetworkInterface,
}


@require_GET
def resource_overview(request, provider, type_name, subscription_id, rg, name):
    model = GENERIC_TYPES.get((provider, type_name))
    if model is None:
        raise Http404("Unknown resource type")
    resource = get_in_group(request, model.objects.all(), subscription_id, rg, name)
    return render(
        request,
        "networking/resource_overview.html",
        {
            "resource": resource,
            "resource_menu": [],
            "page_title": "Overview",
            "blade_icon": "bi-hdd-network",
            "breadcrumbs": [{"label": "All resources", "url": reverse("all_resources")}, {"label": resource.name}],
        },
    )
