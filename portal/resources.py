"""The registry of resource types the portal lists (All resources, resource
groups). One query per type, so list pages cost the same however large the
sandbox grows."""

from django.urls import reverse


def resource_models():
    from appservice.models import AppServicePlan, WebApp
    from networking.models import NetworkInterface, VirtualNetwork, VirtualNetworkGateway

    return [WebApp, AppServicePlan, VirtualNetwork, VirtualNetworkGateway, NetworkInterface]


def list_resources(sandbox, *, q: str = "", arm_type: str = "", resource_group=None) -> list:
    rows = []
    for model in resource_models():
        qs = model.objects.filter(sandbox=sandbox).select_related("resource_group__subscription")
        if resource_group is not None:
            qs = qs.filter(resource_group=resource_group)
        if q:
            qs = qs.filter(name__icontains=q)
        rows.extend(qs)
    if arm_type:
        rows = [r for r in rows if r.arm_type.lower() == arm_type.lower()]
    rows.sort(key=lambda r: (r.name.lower(), r.arm_type))
    return rows


def resource_url(resource) -> str:
    """The blade of any listed resource: its URL carries the resource ID."""
    rg = resource.resource_group
    kwargs = {"subscription_id": rg.subscription.subscription_id, "rg": rg.name, "name": resource.name}
    arm_type = resource.arm_type
    if arm_type == "Microsoft.Web/sites":
        return reverse("appservice:overview", kwargs=kwargs)
    if arm_type == "Microsoft.Web/serverFarms":
        return reverse("appservice:plan_overview", kwargs=kwargs)
    provider, type_name = arm_type.split("/", 1)
    if type_name == "virtualNetworks":
        return reverse("networking:vnet_overview", kwargs={**kwargs, "provider": provider})
    return reverse("networking:resource_overview", kwargs={**kwargs, "provider": provider, "type_name": type_name})


TYPE_CHOICES = [
    ("Microsoft.Web/sites", "App Service"),
    ("Microsoft.Web/serverFarms", "App Service plan"),
    ("Microsoft.Network/virtualNetworks", "Virtual network"),
    ("Microsoft.ClassicNetwork/virtualNetworks", "Virtual network (classic)"),
    ("Microsoft.Network/virtualNetworkGateways", "Virtual network gateway"),
    ("Microsoft.Network/networkInterfaces", "Network interface"),
]
