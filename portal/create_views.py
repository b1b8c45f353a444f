"""'Create a resource': the Marketplace page, the create wizards and the
deployment page that follows a create (portal-ui §1.4)."""

import json

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from aks.forms import KubernetesWizard
from aks.models import ManagedCluster
from appservice.models import AppServicePlan, WebApp
from networking.models import VirtualNetwork
from portal.forms import WIZARDS as FORM_WIZARDS
from portal.models import ActivityLogEntry, Operation, ResourceGroup
from portal.resources import resource_url

# The wizards of portal/forms.py, and those other apps define on its CreateWizard.
WIZARDS = {**FORM_WIZARDS, KubernetesWizard.kind: KubernetesWizard}

# The Marketplace's left-hand categories (portal-ui §1.4).
CATEGORIES = [
    ("popular", "Popular"),
    ("ai", "AI + Machine Learning"),
    ("compute", "Compute"),
    ("containers", "Containers"),
    ("databases", "Databases"),
    ("management", "Management and Governance"),
    ("networking", "Networking"),
    ("security", "Security"),
    ("storage", "Storage"),
    ("web", "Web"),
]

# Products: (wizard kind, or "" for a product created inside a resource group
# (RESOURCE_GROUP_PRODUCTS) or not simulated, name, icon, description, categories).
PRODUCTS = [
    ("resourcegroup", "Resource group", "bi-box", "A container that holds related resources for an Azure solution.", {"popular", "management"}),
    ("virtualnetwork", "Virtual network", "bi-diagram-3", "Your private network in Azure: address space, subnets, DNS.", {"popular", "networking"}),
    ("webapp", "Web App", "bi-globe2", "Build, deploy and scale web apps on a fully managed platform.", {"popular", "web"}),
    ("appserviceplan", "App Service Plan", "bi-hdd-stack", "The workers (OS, pricing tier, instances) your apps run on.", {"popular", "web"}),
    ("", "Virtual machine", "bi-pc-display", "Linux and Windows virtual machines (their networking side).", {"popular", "compute"}),
    ("kubernetes", "Kubernetes Service", "bi-boxes", "Managed Kubernetes clusters: kubenet or Azure CNI, sized for your subnet.", {"popular", "containers"}),
    ("", "SQL Database", "bi-database", "A logical SQL server: public endpoint, firewall, private endpoints.", {"popular", "databases"}),
    ("", "Storage account", "bi-archive", "Blobs, files, queues and tables: networking and firewall.", {"popular", "storage"}),
    ("", "Key Vault", "bi-key", "Secrets, keys and certificates: networking and firewall.", {"security"}),
    ("", "Azure Machine Learning", "bi-cpu", "Build, train and deploy machine learning models.", {"ai"}),
    ("", "Network security group", "bi-shield-lock", "Filter network traffic to and from Azure resources.", {"networking"}),
    ("", "Route table", "bi-signpost-split", "User-defined routes for your subnets.", {"networking"}),
    ("", "Virtual network gateway", "bi-hdd-network", "VPN and ExpressRoute gateways, point-to-site.", {"networking"}),
    ("", "Local network gateway", "bi-building", "Your on-premises VPN device and address space.", {"networking"}),
    ("", "ExpressRoute", "bi-lightning", "A private connection to Azure through a provider.", {"networking"}),
    ("", "Private DNS zone", "bi-globe", "DNS zones answered only inside linked virtual networks.", {"networking"}),
    ("", "Private endpoint", "bi-plug", "A private IP in your VNet for a PaaS resource (Private Link).", {"networking"}),
]

# Products created inside a resource group (their wizard's URL carries it):
# the Marketplace opens them in the subscription's first group, which the
# wizard's Basics tab can change.
RESOURCE_GROUP_PRODUCTS = {
    "Virtual machine": "networking:vm_create",
    "SQL Database": "networking:sql_create",
    "Storage account": "networking:storage_create",
    "Key Vault": "networking:keyvault_create",
    "Network security group": "networking:nsg_create",
    "Route table": "networking:route_table_create",
    "Virtual network gateway": "networking:gateway_create",
    "Local network gateway": "networking:local_gateway_create",
    "ExpressRoute": "networking:circuit_create",
    "Private DNS zone": "networking:dns_zone_create",
    "Private endpoint": "networking:private_endpoint_create",
}

# Where a deployment's resource lives, by its ARM type.
_DEPLOYED_MODELS = {
    "Microsoft.Network/virtualNetworks": VirtualNetwork,
    "Microsoft.Web/serverFarms": AppServicePlan,
    "Microsoft.Web/sites": WebApp,
    ManagedCluster.arm_type: ManagedCluster,
}
_PRODUCT_BY_TYPE = {
    "Microsoft.Resources/resourceGroups": "Microsoft.ResourceGroup",
    **{model.arm_type: WIZARDS[kind].product for model, kind in ((AppServicePlan, "appserviceplan"), (WebApp, "webapp"))},
    "Microsoft.Network/virtualNetworks": WIZARDS["virtualnetwork"].product,
    ManagedCluster.arm_type: KubernetesWizard.product,
}


@require_GET
def marketplace(request):
    kind = request.GET.get("kind", "")
    if kind in WIZARDS:
        # "+ Add" on a list page (e.g. Resource groups) goes straight to the wizard.
        return redirect("create_wizard", kind=kind)
    q = request.GET.get("q", "").strip()[:90]
    category = request.GET.get("category", "popular")
    if category not in dict(CATEGORIES):
        category = "popular"
    group = ResourceGroup.objects.filter(subscription__sandbox=request.sandbox).select_related("subscription").first()
    products = [
        {"kind": k, "name": n, "icon": i, "description": d, "url": _product_url(k, n, group)}
        for k, n, i, d, cats in PRODUCTS
        if (_matches(q, n, d) if q else category in cats)
    ]
    context = {
        "products": products,
        "categories": CATEGORIES,
        "category": category,
        "category_label": f"Results for '{q}'" if q else dict(CATEGORIES)[category],
        "q": q,
        "page_title": "Create a resource",
        "breadcrumbs": [{"label": "Create a resource"}],
    }
    template = "portal/marketplace.html#product-list" if request.htmx else "portal/marketplace.html"
    response = render(request, template, context)
    response["Vary"] = "HX-Request"
    return response


def _product_url(kind: str, name: str, group) -> str:
    if kind:
        return reverse("create_wizard", kwargs={"kind": kind})
    url_name = RESOURCE_GROUP_PRODUCTS.get(name)
    if url_name is None:
        return ""
    if group is None:  # nothing to create it in yet: start with a resource group
        return reverse("create_wizard", kwargs={"kind": "resourcegroup"})
    return reverse(url_name, kwargs={"subscription_id": group.subscription.subscription_id, "rg": group.name})


def _matches(q: str, *texts: str) -> bool:
    return any(q.lower() in text.lower() for text in texts)


@require_http_methods(["GET", "POST"])
def create_wizard(request, kind):
    wizard_class = WIZARDS.get(kind)
    if wizard_class is None:
        raise Http404("No such product")
    wizard = wizard_class(request.sandbox, request.POST if request.method == "POST" else None)
    page = getattr(wizard_class, "wizard_template", f"portal/create_{kind}.html")
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        created = wizard.step(action, request.POST.get("goto", ""))
        if created is not None:
            return _to_deployment(request, created)
        if action == "check_name" and request.htmx:
            return render(request, f"{page}#name-check", {"wizard": wizard})
        if wizard.validation == "failed" or "new_rg_name" in wizard.problems:
            status = 422
    context = {
        "wizard": wizard,
        "page_title": wizard.title,
        "breadcrumbs": [{"label": "Create a resource", "url": reverse("create_resource")}, {"label": wizard.title}],
    }
    template = f"{page}#create-wizard" if request.htmx else page
    response = render(request, template, context, status=status)
    response["Vary"] = "HX-Request"
    return response


def _to_deployment(request, resource):
    entry = ActivityLogEntry.objects.filter(sandbox=request.sandbox, resource_id=resource.arm_id).first()
    url = reverse("create_deployment", kwargs={"correlation_id": entry.correlation_id})
    if request.htmx:
        response = HttpResponse(status=200)
        response["HX-Location"] = json.dumps({"path": url, "target": "#main", "select": "#main", "swap": "outerHTML"})
        return response
    return redirect(url, permanent=False)


@require_GET
def deployment(request, correlation_id):
    entry = (
        ActivityLogEntry.objects.filter(
            sandbox=request.sandbox, correlation_id=correlation_id, operation_name__startswith="Create"
        )
        .order_by("timestamp", "id")
        .first()
    )
    if entry is None:
        raise Http404("Deployment not found")
    product = _PRODUCT_BY_TYPE.get(entry.resource_type, "Microsoft.Template")
    subscription = request.sandbox.subscriptions.get()
    context = {
        "entry": entry,
        "deployment_name": f"{product}-{entry.timestamp:%Y%m%d%H%M%S}",
        "subscription_obj": subscription,
        "resource_name": entry.resource_id.rsplit("/", 1)[-1],
        "resource_url": _deployed_url(request.sandbox, entry),
        "is_group": entry.resource_type == ResourceGroup.arm_type,
        # A long-running create (a gateway, an AKS cluster) is still going:
        # the page says so and refreshes itself until the operation ends.
        "in_progress": Operation.objects.unfinished()
        .filter(sandbox=request.sandbox, resource_id=entry.resource_id)
        .exists(),
        "page_title": "Overview",
    }
    context["breadcrumbs"] = [{"label": context["deployment_name"]}]
    return render(request, "portal/create_deployment.html", context)


def _deployed_url(sandbox, entry) -> str:
    """The deployed resource's blade, or "" when it no longer exists."""
    name = entry.resource_id.rsplit("/", 1)[-1]
    if entry.resource_type == ResourceGroup.arm_type:
        group = ResourceGroup.objects.filter(subscription__sandbox=sandbox, name__iexact=name).select_related(
            "subscription"
        ).first()
        if group is None:
            return ""
        return reverse("resource_group", kwargs={"subscription_id": group.subscription.subscription_id, "rg": group.name})
    model = _DEPLOYED_MODELS.get(entry.resource_type)
    if model is None:
        return ""
    resource = (
        model.objects.filter(sandbox=sandbox, resource_group__name__iexact=entry.resource_group, name__iexact=name)
        .select_related("resource_group__subscription")
        .first()
    )
    return resource_url(resource) if resource is not None else ""
