"""'Create a resource': the Marketplace page and the create wizards."""

from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
def marketplace(request):
    return render(
        request,
        "portal/marketplace.html",
        {"page_title": "Create a resource", "breadcrumbs": [{"label": "Create a resource"}]},
    )
