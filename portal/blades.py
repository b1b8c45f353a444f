"""One set of blade helpers for every app: answering htmx and full-page
requests alike, going somewhere after a change, the Yes/No pane, and the
resource menu drawn from the registry's data.

- :func:`respond` renders the page, or only its partial for htmx (with
  ``Vary: HX-Request``). A request that targets ``#main`` (an HX-Location
  after a change) gets the whole page.
- :func:`go` is the one way to leave a page after a change: ``HX-Location``
  for htmx, a redirect otherwise; :func:`next_path` is the page a form
  names to come back to.
- :func:`swap` answers a change made from a pane: the fresh region in
  place of the old one (the pane closes), or the page without htmx.
- :func:`confirm_pane` is the portal's Yes/No context pane;
  :func:`confirm_delete` asks it and deletes on "Yes".
- :func:`run_wizard` drives a create wizard (``portal.forms.CreateWizard``)
  and opens the new resource's blade after Create.
- :func:`resource_menu` draws a type's menu (registry data) for a resource.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from portal.access import blade_kwargs
from portal.errors import AzureRuleError
from portal.forms import WizardButtonsForm
from portal.models import ActivityLogEntry
from portal.registry import MenuSection, registry
from portal.resources import resource_url
from portal.urlcache import fast_reverse


def respond(request: HttpRequest, template: str, partial: str, context: dict, status: int = 200) -> HttpResponse:
    """The page, or with htmx only its ``partial``; answers both ways (Vary).
    htmx restoring a page it pushed into the history (a grid's page, when
    its copy is gone) asks for the whole page."""
    fragment = bool(request.htmx) and request.htmx.target != "main" and not request.htmx.history_restore_request
    response = render(request, f"{template}#{partial}" if fragment else template, context, status=status)
    response["Vary"] = "HX-Request"
    return response


def go(request: HttpRequest, url: str) -> HttpResponse:
    """After a change: htmx follows with HX-Location (the new page's #main
    swapped in, history pushed), a plain form post is redirected."""
    if request.htmx:
        response = HttpResponse(status=200)
        response["HX-Location"] = json.dumps({"path": url, "target": "#main", "select": "#main", "swap": "outerHTML"})
        return response
    return redirect(url)


def next_path(request: HttpRequest, fallback: str) -> str:
    """The page a form asks to come back to (``next``): a path of this site,
    or ``fallback``. Another site's URL is never followed."""
    value = request.POST.get("next") or request.GET.get("next") or ""
    if len(value) > 2000 or not url_has_allowed_host_and_scheme(value, allowed_hosts=None):
        return fallback
    parts = urlsplit(value)
    if not parts.path.startswith("/") or parts.path.startswith("//"):
        return fallback
    return parts.path + (f"?{parts.query}" if parts.query else "")


def swap(
    request: HttpRequest,
    template: str,
    partial: str,
    context: dict | Callable[[], dict],
    *,
    target: str = "",
    page_url: str = "",
    status: int = 200,
) -> HttpResponse:
    """After a change: with htmx, ``partial`` (the fresh region) replaces
    ``#target`` (a region other than the one that asked, which closes a
    pane), or the region that asked when ``target`` is empty. Without htmx,
    a success goes to ``page_url`` and anything else renders the page.

    ``context`` may be a function, so a redirect builds none of it."""
    if not request.htmx and page_url and status < 400:
        return redirect(page_url)
    data = context() if callable(context) else context
    if not request.htmx:
        return render(request, template, data, status=status)
    response = render(request, f"{template}#{partial}", data, status=status)
    if target:
        response["HX-Retarget"] = f"#{target}"
        response["HX-Reswap"] = "outerHTML"
    return response


def confirm_pane(
    request: HttpRequest,
    context: dict,
    *,
    title: str,
    question: str,
    action: str,
    dom_id: str,
    status: int = 200,
    **extra,
) -> HttpResponse:
    """The "Yes"/"No" context pane: ``action`` is where "Yes" posts; ``extra``
    (an ``error`` shown in place, the ``rule`` the question cites, a
    ``default_rule``, a ``cancel_url`` for "No" on a full page, ``fields``
    that "Yes" posts as hidden inputs) goes to the pane."""
    confirm = {"title": title, "question": question, "action": action, "id": dom_id, **extra}
    return respond(request, "portal/confirm_pane.html", "pane", {**context, "confirm": confirm}, status=status)


def confirm_delete(
    request: HttpRequest,
    context: dict,
    *,
    delete: Callable[[], object],
    done_url: str,
    title: str,
    question: str,
    dom_id: str,
    **extra,
) -> HttpResponse:
    """The "Yes"/"No" pane (GET) that runs ``delete`` on "Yes" (POST) and
    then goes to ``done_url``; a refusal stays on the pane with its
    message (422), nothing deleted."""

    def act() -> HttpResponse:
        delete()
        return go(request, done_url)

    return confirm_action(request, context, act=act, title=title, question=question, dom_id=dom_id, **extra)


def confirm_action(
    request: HttpRequest,
    context: dict,
    *,
    act: Callable[[], HttpResponse],
    title: str,
    question: str,
    dom_id: str,
    **extra,
) -> HttpResponse:
    """The "Yes"/"No" pane (GET) whose "Yes" (POST) runs ``act`` (a
    service call, then the response to give); a refusal (a read-only lock's
    LOCK-02, a rule) stays on the pane with its message (422), nothing
    changed. ``extra`` may name the ``action`` ("Yes" posts to this page
    otherwise)."""
    error = None
    if request.method == "POST":
        try:
            return act()
        except AzureRuleError as exc:
            error = exc
    response = confirm_pane(
        request,
        context,
        title=title,
        question=question,
        dom_id=dom_id,
        **{"action": request.path, **extra},
        error=error,
        status=422 if error else 200,
    )
    if error is not None and request.htmx and request.htmx.target not in (None, "context-pane"):
        # Posted from the page itself (an Apply without a pane): the refusal opens one.
        response["HX-Retarget"] = "#context-pane"
        response["HX-Reswap"] = "innerHTML"
    return response


def resource_group_url(resource) -> str:
    """The resource group page of ``resource`` (where a delete goes)."""
    rg = resource.resource_group
    return reverse("resource_group", kwargs={"subscription_id": rg.subscription.subscription_id, "rg": rg.name})


def run_wizard(request: HttpRequest, wizard, template: str, *, breadcrumbs: list[dict] | None = None) -> HttpResponse:
    """Drive a create wizard (``portal.forms.CreateWizard``): its tabs, Review
    and Create; after Create, open the new resource's blade. A failed review
    answers 422. ``breadcrumbs`` default to "Create a resource"."""
    status = 200
    if request.method == "POST":
        created = wizard.step(*WizardButtonsForm(request.POST).pressed())
        if created is not None:
            return go(request, resource_url(created))
        if wizard.validation == "failed" or "new_rg_name" in wizard.problems:
            status = 422
    context = {
        "wizard": wizard,
        "page_title": wizard.title,
        "rules": request.sandbox.rules,
        "breadcrumbs": breadcrumbs
        or [{"label": "Create a resource", "url": reverse("create_resource")}, {"label": wizard.title}],
    }
    return respond(request, template, "create-wizard", context, status=status)


def menu_sections(
    sections: tuple[MenuSection, ...], resource, active: str, *, url_kwargs: dict | None = None
) -> list[dict]:
    """Menu data drawn for one resource: what ``templates/portal/blade.html``
    renders (heading, items with label, icon, url and active)."""
    kwargs = url_kwargs if url_kwargs is not None else blade_kwargs(resource)
    generic: dict = {}
    if any(item.generic for section in sections for item in section.items):
        # Only a registered resource has the pages every type has (Export template).
        provider, _, type_name = resource.arm_type.partition("/")
        generic = {**blade_kwargs(resource), "provider": provider, "type_name": type_name}
    return [
        {
            "heading": section.heading,
            "items": [
                {
                    "label": item.label_in(resource.sandbox.era) if item.era_labels else item.label,
                    "icon": item.icon,
                    "url": fast_reverse(item.url_name, **(generic if item.generic else kwargs), **dict(item.params)),
                    "active": item.key == active,
                }
                for item in section.items
                if not item.eras or resource.sandbox.era in item.eras
            ],
        }
        for section in sections
    ]


def resource_menu(resource, active: str, *, arm_type: str | None = None) -> list[dict]:
    """The registered menu of ``resource``'s type; ``active`` is the key of
    the page shown."""
    resource_type = registry.get(arm_type or resource.arm_type)
    kwargs = blade_kwargs(resource)
    if resource_type.url_provider:
        kwargs["provider"] = resource_type.arm_type.split("/", 1)[0]
    return menu_sections(resource_type.menu, resource, active, url_kwargs=kwargs)


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


def activity_log(request: HttpRequest, resource, context: dict) -> HttpResponse:
    """The resource's Activity log page (portal-ui §1.8)."""
    entries = ActivityLogEntry.objects.filter(sandbox=request.sandbox, resource_id__iexact=resource.arm_id)[:200]
    return render(request, "portal/activity_log.html", {**context, "entries": entries})


def json_view(request: HttpRequest, resource, context: dict) -> HttpResponse:
    """The resource's ARM JSON, as the portal's "JSON View" shows it."""
    found = registry.find(resource.arm_type)
    document = found.to_arm(resource) if found is not None and found.to_arm else resource.arm_json()
    return render(
        request, "portal/json_view.html", {**context, "document": json.dumps(document, indent=2, default=str)}
    )


def resource_group_blade(group, active: str, title: str) -> dict:
    """The context of a resource group's blade page (its menu, title, breadcrumbs)."""
    return {
        "resource": group,
        "resource_menu": resource_group_menu(group, active),
        "page_title": title,
        "blade_icon": "bi-box",
        "breadcrumbs": [{"label": "Resource groups", "url": reverse("resource_groups")}, {"label": group.name}],
    }


def resource_group_menu(group, active: str) -> list[dict]:
    """A resource group's menu: Overview, Activity log, Settings (Locks) and
    Automation (Export template, Deploy a custom template); ``active`` is the
    page's key."""
    kwargs = {"subscription_id": group.subscription.subscription_id, "rg": group.name}

    def item(label: str, icon: str, url_name: str, key: str) -> dict:
        return {"label": label, "icon": icon, "url": reverse(url_name, kwargs=kwargs), "active": active == key}

    return [
        {
            "heading": "",
            "items": [
                item("Overview", "bi-box", "resource_group", "overview"),
                item("Activity log", "bi-journal-text", "resource_group_activity", "activity"),
            ],
        },
        {"heading": "Settings", "items": [item("Locks", "bi-lock", "resource_group_locks", "locks")]},
        {
            "heading": "Automation",
            "items": [
                item("Export template", "bi-box-arrow-up-right", "resource_group_export_template", "export_template"),
                item(
                    "Deploy a custom template", "bi-cloud-upload", "resource_group_deploy_template", "deploy_template"
                ),
            ],
        },
    ]
