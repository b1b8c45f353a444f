"""The portal shell's pages: Home, All resources, Resource groups,
notifications, and the sandbox's own settings (reset, era)."""

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST, require_safe

from portal import blades, paging, seed, services
from portal.access import get_resource_group
from portal.blades import confirm_action, go, next_path, respond, swap
from portal.eras import Era
from portal.errors import AzureRuleError
from portal.forms import AnnotationsForm, EraForm, ResourceListForm
from portal.lifecycle import no_new_sandbox
from portal.middleware import SESSION_KEY
from portal.models import PRESENTER_ZOOMS, ActivityLogEntry, ResourceGroup, Sandbox
from portal.pagecache import cached_page
from portal.registry import registry
from portal.resources import recent_resources, resource_rows, resource_total, type_choices


@no_new_sandbox
@require_safe
def healthz(request):
    """For load balancers and uptime checks, which probe with GET or HEAD
    (docs/hosting.md)."""
    return HttpResponse("ok", content_type="text/plain")


@no_new_sandbox
@require_GET
def ping(request):
    """A trivial portal request: it goes through the session, CSRF and
    sandbox middleware like every page and does nothing else. `make bench`
    compares pages with it (after a GET / that gave it its cookie). It makes
    no sandbox (SBX-01): without a cookie it answers without one."""
    return HttpResponse("pong", content_type="text/plain")


@require_GET
def home(request):
    return render(request, "portal/home.html", {"recent": recent_resources(request.sandbox), "page_title": "Home"})


@require_GET
@cached_page
def all_resources(request):
    q, arm_type = ResourceListForm(request.GET).values()
    total = resource_total(request.sandbox, q=q, arm_type=arm_type)
    pager = paging.pager(
        request, total, target="resource-table", label="All resources", keep={"q": q, "type": arm_type}
    )
    context = {
        "rows": resource_rows(
            request.sandbox,
            q=q,
            arm_type=arm_type,
            offset=pager.offset,
            limit=pager.per_page,
            subscription=request.subscription,
        ),
        "pager": pager,
        "q": q,
        "arm_type": arm_type,
        "type_choices": type_choices(),
        "page_title": "All resources",
        "breadcrumbs": [{"label": "All resources"}],
    }
    return respond(request, "portal/all_resources.html", "resource-table", context)


@require_GET
@cached_page
def resource_groups(request):
    groups = ResourceGroup.objects.filter(subscription__sandbox=request.sandbox).select_related("subscription")
    return render(
        request,
        "portal/resource_groups.html",
        {"groups": groups, "page_title": "Resource groups", "breadcrumbs": [{"label": "Resource groups"}]},
    )


def _rg_menu(rg, active: str):
    return blades.resource_group_menu(rg, active)


@require_GET
@cached_page
def resource_group_overview(request, subscription_id, rg):
    group = get_resource_group(request, subscription_id, rg)
    total = resource_total(request.sandbox, resource_group=group)
    pager = paging.pager(request, total, target="rg-resources", label="Resources")
    rows = resource_rows(
        request.sandbox,
        resource_group=group,
        offset=pager.offset,
        limit=pager.per_page,
        subscription=request.subscription,
    )
    context = {
        "resource": group,
        "rows": rows,
        "pager": pager,
        "resource_menu": _rg_menu(group, "overview"),
        "page_title": "Overview",
        "blade_icon": "bi-box",
        "breadcrumbs": [{"label": "Resource groups", "url": reverse("resource_groups")}, {"label": group.name}],
    }
    return respond(request, "portal/resource_group.html", "rg-resources", context)


@require_GET
def resource_group_activity_log(request, subscription_id, rg):
    group = get_resource_group(request, subscription_id, rg)
    entries = ActivityLogEntry.objects.filter(sandbox=request.sandbox, resource_group__iexact=group.name)[:200]
    return render(
        request,
        "portal/activity_log.html",
        {
            "resource": group,
            "entries": entries,
            "resource_menu": _rg_menu(group, "activity"),
            "page_title": "Activity log",
            "blade_icon": "bi-box",
            "breadcrumbs": [{"label": "Resource groups", "url": reverse("resource_groups")}, {"label": group.name}],
        },
    )


@require_GET
def activity_log(request):
    """Monitor | Activity log: every operation of the subscription, newest
    first (where the bell's "More events in the activity log" goes)."""
    entries = ActivityLogEntry.objects.filter(sandbox=request.sandbox)[:200]
    monitor = {"name": "Monitor", "type_label": "Microsoft", "arm_id": ""}
    menu = [
        {
            "heading": "",
            "items": [{"label": "Activity log", "icon": "bi-journal-text", "url": request.path, "active": True}],
        }
    ]
    return render(
        request,
        "portal/activity_log.html",
        {
            "resource": monitor,
            "entries": entries,
            "resource_menu": menu,
            "page_title": "Activity log",
            "blade_icon": "bi-speedometer2",
        },
    )


@require_GET
def notifications(request):
    """The bell's pane. Opening it marks everything read."""
    services.mark_notifications_read(request.sandbox)
    context = {**services.bell_context(request.sandbox), "page_title": "Notifications"}
    return respond(request, "portal/notifications.html", "pane", context)


@require_GET
def notification_list(request):
    """The open pane's list as it is now, fetched again when a push says the
    notifications changed (pushes carry the bell's count, not the list).
    Nothing is marked read: the pane's opening did that, and a notification
    that arrives while it is open counts on the bell, as it did before."""
    return render(request, "portal/fragments.html#notification-list", services.bell_context(request.sandbox))


# The sandbox's one Microsoft Entra directory, as a new tenant names itself.
DIRECTORY_NAME = "Default Directory"


@require_GET
def directories(request):
    """The header's "Directories + subscriptions" pane (portal-ui §1.1 [newer]):
    the sandbox's directory and its subscription, read-only (nothing to switch)."""
    context = {
        "page_title": "Directories + subscriptions",
        "directory_name": DIRECTORY_NAME,
        "subscriptions": list(request.sandbox.subscriptions.order_by("display_name")),
    }
    return respond(request, "portal/directories.html", "pane", context)


@require_POST
def dismiss_notifications(request):
    services.dismiss_notifications(request.sandbox)
    return swap(
        request,
        "portal/notifications.html",
        "pane",
        lambda: services.bell_context(request.sandbox),
        page_url=reverse("notifications"),
    )


@require_GET
def network_watcher(request):
    """The portal menu's "Network Watcher", at the page an app registered."""
    return _registered_page(request, "network_watcher", "Network Watcher")


@require_GET
def labs_page(request):
    """The portal menu's "Labs", at the page an app registered."""
    return _registered_page(request, "labs", "Labs")


def _registered_page(request, key: str, label: str):
    """A portal menu entry whose page a higher app provides; 404 without it."""
    url = registry.page_url(key, request.subscription)
    if url is None:
        raise Http404(f"{label} is not available")
    return redirect(url)


@require_GET
def sandbox_settings(request):
    return _settings_page(request)


def _settings_page(request, status: int = 200, **errors):
    return render(
        request,
        "portal/sandbox_settings.html",
        {
            "eras": list(Era),
            "presenter_zooms": PRESENTER_ZOOMS,
            "page_title": "Portal settings",
            "breadcrumbs": [{"label": "Portal settings"}],
            **errors,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def reset_sandbox(request):
    """Portal settings (and Home), "Reset sandbox": the Yes/No pane first."""

    def act():
        seed.reset_sandbox(request.sandbox)
        services.notify(request.sandbox, "Sandbox reset", "Your sandbox is back to the demo seed.", "success")
        return go(request, reverse("home"))

    return confirm_action(
        request,
        {"resource": {"name": "VNet Lab sandbox"}, "page_title": "Reset sandbox"},
        act=act,
        title="Reset sandbox",
        question=(
            "Delete everything in this sandbox and return to the demo seed? "
            "Your subscription ID, era and sandbox link stay."
        ),
        dom_id="reset-form",
        yes_id="reset-yes",
        action=reverse("reset_sandbox"),
        cancel_url=reverse("sandbox_settings"),
    )


@require_http_methods(["GET", "POST"])
def new_sandbox_link(request):
    """Portal settings, "New sandbox link" (SBX-04): a new secret; every
    other browser and every old link loses the sandbox, this one keeps it."""

    def act():
        secret = services.new_sandbox_link(request.sandbox)
        request.session[SESSION_KEY] = str(secret)
        services.notify(
            request.sandbox,
            "New sandbox link",
            "Old links and other browsers no longer open this sandbox.",
            "success",
        )
        return go(request, reverse("sandbox_settings"))

    return confirm_action(
        request,
        {"resource": {"name": "VNet Lab sandbox"}, "page_title": "New sandbox link"},
        act=act,
        title="New sandbox link",
        question=(
            "Make a new link for this sandbox? The old link, and every other browser that has this sandbox "
            "open, will no longer open it."
        ),
        rule="SBX-04",
        dom_id="new-link-form",
        yes_id="new-link-yes",
        action=reverse("new_sandbox_link"),
        cancel_url=reverse("sandbox_settings"),
    )


@no_new_sandbox
@require_GET
def open_sandbox(request, secret):
    """A sandbox link (SBX-04): this browser opens the sandbox whose secret
    the link carries, in place of its own. A revoked link opens nothing."""
    if not Sandbox.objects.filter(secret=secret).exists():
        raise Http404("This sandbox link is no longer valid.")
    request.session.cycle_key()
    request.session[SESSION_KEY] = str(secret)
    return redirect("home")


@require_POST
def set_era(request):
    form = EraForm(request.POST)
    if not form.is_valid():
        return _settings_page(request, 422, era_error=form.errors["era"][0])
    era = form.cleaned_data["era"]
    services.set_era(request.sandbox, era)
    services.notify(request.sandbox, "Portal era changed", f"Rules and labels now follow {Era(era).label}.", "success")
    return redirect("sandbox_settings")


@require_POST
def set_annotations(request):
    """Portal settings, "Show lab annotations", and the presenter menu's
    switch (CLS-31), which names the page to come back to."""
    form = AnnotationsForm(request.POST)
    if not form.is_valid():
        return _settings_page(request, 422, annotations_error=form.errors["annotations"][0])
    try:
        services.set_annotations(request.sandbox, form.cleaned_data["annotations"] == "on")
    except AzureRuleError as error:
        return _settings_page(request, 422, annotations_error=error.message)
    return redirect(next_path(request, reverse("sandbox_settings")))
