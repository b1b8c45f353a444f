"""Virtual network blades: Overview, Subnets, Activity log."""

from django.http import Http404
from django.shortcuts import render
from django.urls import path, reverse
from django.views.decorators.http import require_GET

from networking.engine import addressing
from networking.models import NetworkInterface, Subnet, VirtualNetwork, VirtualNetworkGateway
from networking.views.common import blade, json_view
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


def _model_for(provider: str, type_name: str):
    from portal.resources import resource_models

    arm_type = f"{provider}/{type_name}".lower()
    for model in resource_models():
        if isinstance(model.arm_type, str) and model.arm_type.lower() == arm_type:
            return model
    return None


@require_GET
def resource_overview(request, provider, type_name, subscription_id, rg, name):
    """Essentials and JSON of any resource whose own blade isn't built yet."""
    model = _model_for(provider, type_name)
    if model is None:
        raise Http404("Unknown resource type")
    resource = get_in_group(request, model.objects.all(), subscription_id, rg, name)
    return json_view(request, resource, blade(resource, menu=[], title="Overview", icon="bi-hdd-network"))


urlpatterns = [
    path("<str:provider>/virtualNetworks/<str:name>/overview", vnet_overview, name="vnet_overview"),
    path("<str:provider>/virtualNetworks/<str:name>/subnets", vnet_subnets, name="vnet_subnets"),
    path("<str:provider>/virtualNetworks/<str:name>/activitylog", vnet_activity_log, name="vnet_activity"),
]
