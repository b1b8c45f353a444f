"""Presenter mode (issue #13 item 5; docs/classroom.md "Presenter mode"):
for a demo on a projector, in anyone's sandbox (no account needed).

- CLS-29: Portal settings' switch and zoom, stored on the sandbox; every
  page's root then carries ``az-presenter az-zoom-<n>`` (static/portal/
  presenter.css draws it larger with the layout kept).
- CLS-30: the clicked control is outlined for a moment
  (static/portal/presenter.js).
- CLS-31: the top bar's presenter menu shows or hides the lab's annotations
  with one switch (Portal settings' own view, portal.views.set_annotations),
  refused while another app holds them off (exam mode).
- CLS-32 and CLS-33: "Reset to the demo start": the demo estate again after
  a Yes, then back to the page the presenter was on if it still opens, else
  its resource group, else Home; presenter settings, era and link stay.
"""

import copy
from urllib.parse import urlsplit

from django.http import Http404, HttpRequest, QueryDict
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.views.decorators.http import require_http_methods, require_POST

from portal import seed, services
from portal.blades import confirm_action, go, next_path
from portal.forms import PresenterForm
from portal.models import ResourceGroup
from portal.views import _settings_page

# The resource part of a blade's path: /resource/subscriptions/<id>/resourceGroups/<name>/...
_RESOURCE_PATH = ("resource", "subscriptions", None, "resourceGroups", None)


def _page_opens(request: HttpRequest, path: str) -> bool:
    """CLS-33: does ``path`` open in the sandbox as it is now? Its view is
    asked for the page as a GET of this request would be (a blade whose
    resource is gone answers 404)."""
    parts = urlsplit(path)
    try:
        match = resolve(parts.path)
    except Resolver404:
        return False
    probe = copy.copy(request)
    probe.method = "GET"
    probe.path = probe.path_info = parts.path
    probe.GET = QueryDict(parts.query)
    probe.POST = QueryDict()
    probe.META = {**request.META, "REQUEST_METHOD": "GET", "PATH_INFO": parts.path, "QUERY_STRING": parts.query}
    probe.resolver_match = match
    try:
        response = match.func(probe, *match.args, **match.kwargs)
    except Http404:
        return False
    return response.status_code == 200


def _resource_group_page(request: HttpRequest, path: str) -> str | None:
    """The overview of the resource group a blade's path lies in, if that
    group is in the sandbox now."""
    segments = urlsplit(path).path.strip("/").split("/")
    if len(segments) < len(_RESOURCE_PATH) or any(
        want is not None and segment != want for segment, want in zip(segments, _RESOURCE_PATH, strict=False)
    ):
        return None
    subscription_id, name = segments[2], segments[4]
    if str(request.subscription.subscription_id) != subscription_id:
        return None
    group = ResourceGroup.objects.filter(subscription=request.subscription, name__iexact=name).first()
    if group is None:
        return None
    return reverse("resource_group", kwargs={"subscription_id": request.subscription.subscription_id, "rg": group.name})


def place_after_reset(request: HttpRequest, path: str) -> str:
    """CLS-33: where the presenter goes after the reset: the same page if
    it still opens, else its resource group, else Home. Only a blade of a
    resource (a path under /resource/) is asked for: the portal's other
    pages (Home, All resources, a lab) open whatever the estate holds, and
    some of their GETs change something (the bell's pane marks all read)."""
    home = reverse("home")
    if path == home:
        return home
    if not urlsplit(path).path.startswith("/resource/"):
        try:
            resolve(urlsplit(path).path)
        except Resolver404:
            return home
        return path
    if _page_opens(request, path):
        return path
    group_page = _resource_group_page(request, path)
    if group_page is not None:
        return group_page
    return home


@require_POST
def set_presenter(request):
    """CLS-29, Portal settings "Presenter mode": a bad value is a message on
    its field (422), nothing changed."""
    form = PresenterForm(request.POST)
    if not form.is_valid():
        errors = {f"{name}_error": messages[0] for name, messages in form.errors.items()}
        return _settings_page(request, 422, **errors)
    services.set_presenter(request.sandbox, form.cleaned_data["presenter"] == "on", form.cleaned_data["zoom"])
    return redirect(next_path(request, reverse("sandbox_settings")))


@require_http_methods(["GET", "POST"])
def reset_to_demo(request):
    """CLS-32, "Reset to the demo start": the Yes/No pane, then the demo
    estate and back to the presenter's place (CLS-33)."""
    where = next_path(request, reverse("home"))

    def act():
        seed.reset_sandbox(request.sandbox)
        services.notify(request.sandbox, "Demo reset", "The sandbox is back at the demo start.", "success")
        return go(request, place_after_reset(request, where))

    return confirm_action(
        request,
        {"resource": {"name": "VNet Lab sandbox"}, "page_title": "Reset to the demo start"},
        act=act,
        title="Reset to the demo start",
        question=(
            "Delete everything in this sandbox and return to the demo start? You stay on this page if what it "
            "shows is still there. Presenter mode, the era and the sandbox link stay."
        ),
        rule="CLS-32",
        dom_id="demo-reset-form",
        yes_id="demo-reset-yes",
        action=reverse("reset_to_demo"),
        fields={"next": where},
        cancel_url=where,
    )
