"""'Create a resource': the Marketplace page, the create wizards and the
deployment page that follows a create (portal-ui §1.4)."""

from functools import cache

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.module_loading import import_string
from django.views.decorators.http import require_GET, require_http_methods

from portal.arm import ids
from portal.arm.errors import ArmError
from portal.blades import go, respond
from portal.forms import CreateWizard, MarketplaceForm, ResourceGroupWizard, WizardButtonsForm
from portal.models import ActivityLogEntry, Operation, ResourceGroup
from portal.registry import Product, registry
from portal.resources import resource_url


@cache
def wizards() -> dict[str, type[CreateWizard]]:
    """``/create/<kind>/``: the resource group's wizard and those the apps registered."""
    registered = {kind: import_string(path) for kind, path in registry.wizards().items()}
    return {ResourceGroupWizard.kind: ResourceGroupWizard, **registered}


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

# The portal's own products; the apps' come from the registry.
FRAME_PRODUCTS = [
    Product(
        "Resource group",
        "bi-box",
        "A container that holds related resources for an Azure solution.",
        frozenset({"popular", "management"}),
        wizard="resourcegroup",
        rank=0,
    ),
    # Shown as the portal shows it, not simulated: no Create link.
    Product(
        "Azure Machine Learning",
        "bi-cpu",
        "Build, train and deploy machine learning models.",
        frozenset({"ai"}),
        rank=9,
    ),
]


def products() -> list[Product]:
    """Every Marketplace product, in the portal's order."""
    return sorted([*FRAME_PRODUCTS, *(product for _, product in registry.products())], key=lambda p: p.rank)


@require_GET
def marketplace(request):
    q, category, kind = MarketplaceForm(request.GET).values(dict(CATEGORIES))
    if kind in wizards():
        # "+ Add" on a list page (e.g. Resource groups) goes straight to the wizard.
        return redirect("create_wizard", kind=kind)
    group = ResourceGroup.objects.filter(subscription__sandbox=request.sandbox).select_related("subscription").first()
    shown = [
        {
            "kind": "" if product.in_resource_group else product.wizard,
            "name": product.name,
            "icon": product.icon,
            "description": product.description,
            "url": _product_url(product, group),
        }
        for product in products()
        if (_matches(q, product.name, product.description) if q else category in product.categories)
    ]
    context = {
        "products": shown,
        "categories": CATEGORIES,
        "category": category,
        "category_label": f"Results for '{q}'" if q else dict(CATEGORIES)[category],
        "q": q,
        "page_title": request.sandbox.rules.marketplace_title,
        "breadcrumbs": [{"label": request.sandbox.rules.marketplace_title}],
    }
    return respond(request, "portal/marketplace.html", "product-list", context)


def _product_url(product: Product, group) -> str:
    if not product.wizard:
        return ""
    if not product.in_resource_group:
        return reverse("create_wizard", kwargs={"kind": product.wizard})
    if group is None:  # nothing to create it in yet: start with a resource group
        return reverse("create_wizard", kwargs={"kind": ResourceGroupWizard.kind})
    return reverse(product.wizard, kwargs={"subscription_id": group.subscription.subscription_id, "rg": group.name})


def _matches(q: str, *texts: str) -> bool:
    return any(q.lower() in text.lower() for text in texts)


@require_http_methods(["GET", "POST"])
def create_wizard(request, kind):
    wizard_class = wizards().get(kind)
    if wizard_class is None:
        raise Http404("No such product")
    wizard = wizard_class(request.sandbox, request.POST if request.method == "POST" else None)
    page = getattr(wizard_class, "wizard_template", f"portal/create_{kind}.html")
    status = 200
    if request.method == "POST":
        action, goto = WizardButtonsForm(request.POST).pressed()
        created = wizard.step(action, goto)
        if created is not None:
            return _to_deployment(request, created)
        if action == "check_name" and request.htmx:
            return render(request, f"{page}#name-check", {"wizard": wizard})
        if wizard.validation == "failed" or "new_rg_name" in wizard.problems:
            status = 422
    context = {
        "wizard": wizard,
        "page_title": wizard.title,
        "breadcrumbs": [
            {"label": request.sandbox.rules.marketplace_title, "url": reverse("create_resource")},
            {"label": wizard.title},
        ],
    }
    return respond(request, page, "create-wizard", context, status=status)


def _to_deployment(request, resource):
    entry = ActivityLogEntry.objects.filter(sandbox=request.sandbox, resource_id=resource.arm_id).first()
    return go(request, reverse("create_deployment", kwargs={"correlation_id": entry.correlation_id}))


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
    product = _deployment_product(entry.resource_type)
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


def _deployment_product(arm_type: str) -> str:
    """The product a deployment is named after ("Microsoft.VirtualNetwork-2026...")."""
    if arm_type.lower() == ResourceGroup.arm_type.lower():
        return ResourceGroupWizard.product
    found = registry.find(arm_type)
    wizard = wizards().get(found.product.wizard) if found is not None and found.product is not None else None
    return wizard.product if wizard is not None else "Microsoft.Template"


def _deployed_url(sandbox, entry) -> str:
    """The deployed resource's blade, or "" when it no longer exists."""
    name = entry.resource_id.rsplit("/", 1)[-1]
    if entry.resource_type == ResourceGroup.arm_type:
        group = (
            ResourceGroup.objects.filter(subscription__sandbox=sandbox, name__iexact=name)
            .select_related("subscription")
            .first()
        )
        if group is None:
            return ""
        return reverse(
            "resource_group", kwargs={"subscription_id": group.subscription.subscription_id, "rg": group.name}
        )
    found = registry.find(entry.resource_type)
    if found is None or not found.listed:
        return ""
    try:
        resource = found.lookup(sandbox, ids.parse(entry.resource_id))
    except ArmError:
        return ""
    return resource_url(resource) if resource is not None else ""
