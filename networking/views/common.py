"""Pieces every networking blade shares: the blade context, the resource
menu's standard items, the Activity log and the JSON View."""

import json

from django.shortcuts import render
from django.urls import reverse

from portal.access import blade_kwargs
from portal.models import ActivityLogEntry


def menu_item(label: str, icon: str, url_name: str, resource, active: str, key: str, **kwargs) -> dict:
    """One entry of the left resource menu; ``key`` marks the current page."""
    return {
        "label": label,
        "icon": icon,
        "url": reverse(f"networking:{url_name}", kwargs={**blade_kwargs(resource), **kwargs}),
        "active": active == key,
    }


def blade(resource, *, menu: list[dict], title: str, icon: str, **extra) -> dict:
    """The context of a resource blade page (templates/portal/blade.html)."""
    return {
        "resource": resource,
        "resource_menu": menu,
        "page_title": title,
        "blade_icon": icon,
        "breadcrumbs": [{"label": "All resources", "url": reverse("all_resources")}, {"label": resource.name}],
        **extra,
    }


def activity_log(request, resource, context: dict):
    entries = ActivityLogEntry.objects.filter(sandbox=request.sandbox, resource_id__iexact=resource.arm_id)[:200]
    return render(request, "portal/activity_log.html", {**context, "entries": entries})


def json_view(request, resource, context: dict):
    """The resource's ARM JSON, as the portal's "JSON View" shows it."""
    document = json.dumps(resource.arm_json(), indent=2, default=str)
    return render(request, "portal/json_view.html", {**context, "document": document})
