"""Pieces every networking blade shares: the blade context, the resource
menu's standard items, the Activity log and the JSON View."""

import json

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from portal.access import blade_kwargs
from portal.errors import AzureRuleError
from portal.models import ActivityLogEntry
from portal.urlcache import fast_reverse


def menu_item(label: str, icon: str, url_name: str, resource, active: str, key: str, **kwargs) -> dict:
    """One entry of the left resource menu; ``key`` marks the current page."""
    return {
        "label": label,
        "icon": icon,
        "url": fast_reverse(f"networking:{url_name}", **{**blade_kwargs(resource), **kwargs}),
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


def fragment(request, template: str, partial: str, context: dict, status: int = 200):
    """The whole page, or just ``partial`` for an htmx request."""
    response = render(request, f"{template}#{partial}" if request.htmx else template, context, status=status)
    response["Vary"] = "HX-Request"
    return response


def go_to(request, url: str):
    """After a change that leaves the page (a delete): a full navigation,
    for htmx too."""
    if request.htmx:
        response = HttpResponse(status=200)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def confirm_delete(request, resource, *, delete, context: dict, title: str, kind: str, action: str, dom_id: str):
    """The "Yes"/"No" delete pane; on Yes, delete and go to the resource group.
    A refusal stays on the pane with its message (422)."""
    error, status = None, 200
    if request.method == "POST":
        try:
            delete(resource)
        except AzureRuleError as exc:
            error, status = exc, 422
        else:
            rg = resource.resource_group
            return go_to(
                request,
                reverse("resource_group", kwargs={"subscription_id": rg.subscription.subscription_id, "rg": rg.name}),
            )
    return confirm_pane(
        request,
        context,
        title=title,
        question=f"Do you want to delete {kind} '{resource.name}'?",
        action=action,
        dom_id=dom_id,
        error=error,
        status=status,
    )


def confirm_pane(request, context: dict, *, title: str, question: str, action: str, dom_id: str, status=200, **extra):
    """The "Yes"/"No" context pane (delete, dissociate): ``action`` is where
    "Yes" posts; ``extra`` (an ``error``, a ``default_rule``) goes to the pane."""
    confirm = {"title": title, "question": question, "action": action, "id": dom_id, **extra}
    return fragment(request, "portal/confirm_pane.html", "pane", {**context, "confirm": confirm}, status=status)
