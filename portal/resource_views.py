"""The pages every resource has (portal-ui §1.7), for every listed type
without the apps repeating them: Activity log (for a type without its
own), Access control (IAM), Tags, Diagnose and solve problems, and Locks
(a resource group has Locks too).

Their URLs carry the resource's provider and type name, as Export
template's do; another sandbox's resource is a 404."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from portal import blades, locks, tags
from portal import move as moving
from portal.access import blade_kwargs, get_listed_resource, get_resource_group
from portal.errors import AzureRuleError
from portal.forms import Problem
from portal.models import ResourceLock
from portal.registry import registry
from portal.resource_forms import LockForm, MoveForm, MoveOpenForm, TagsForm
from portal.resources import resource_url

# The one user a sandbox has (the top bar's account).
USER = "learner@vnetlab.local"


def _blade(request: HttpRequest, ids: dict, key: str, title: str, **extra) -> tuple:
    resource, resource_type = get_listed_resource(request, **ids)
    menu = blades.resource_menu(resource, key, arm_type=resource_type.arm_type)
    return resource, blades.blade(resource, menu=menu, title=title, icon=resource_type.icon, **extra)


def _url(name: str, resource, **extra) -> str:
    provider, _, type_name = resource.arm_type.partition("/")
    return reverse(name, kwargs={**blade_kwargs(resource), "provider": provider, "type_name": type_name, **extra})


@require_GET
def activity_log(request: HttpRequest, **ids) -> HttpResponse:
    """Activity log of a type whose app has no page of its own."""
    resource, context = _blade(request, ids, "activity_log", "Activity log")
    return blades.activity_log(request, resource, context)


@require_GET
def iam(request: HttpRequest, **ids) -> HttpResponse:
    """Access control (IAM): read-only, the sandbox's one role assignment."""
    _, context = _blade(request, ids, "iam", "Access control (IAM)", user=USER)
    return blades.respond(request, "portal/resource_iam.html", "role-assignments", context)


@require_GET
def diagnose(request: HttpRequest, **ids) -> HttpResponse:
    """Diagnose and solve problems: the lab's troubleshooting tools for this type."""
    resource, context = _blade(request, ids, "diagnose", "Diagnose and solve problems")
    tools = [
        {"label": tool.label, "icon": tool.icon, "description": tool.description, "url": tool.url(resource)}
        for tool in registry.diagnostics(resource.arm_type)
    ]
    context["tools"] = tools
    return blades.respond(request, "portal/resource_diagnose.html", "tools", context)


# --- Tags ------------------------------------------------------------------------------------


def _tag_rows(form: TagsForm, problems: dict) -> list[dict]:
    rows = sorted(int(key.split("_")[1]) for key in form.fields if key.startswith("name_"))
    return [
        {
            "index": row,
            "name": form[f"name_{row}"].value() or "",
            "value": form[f"value_{row}"].value() or "",
            "name_problem": problems.get(f"name_{row}"),
            "value_problem": problems.get(f"value_{row}"),
        }
        for row in rows
    ]


def _tags_form(resource, pairs: list[tuple[str, str]] | None = None) -> TagsForm:
    """The grid with the given rows (default: the saved tags) and one empty row."""
    pairs = list(resource.tags.items()) if pairs is None else [p for p in pairs if p[0] or p[1]]
    data = {}
    for row, (name, value) in enumerate([*pairs, ("", "")]):
        data[f"name_{row}"], data[f"value_{row}"] = name, value
    return TagsForm(data, rows=len(pairs) + 1)


@require_http_methods(["GET", "POST"])
def tags_page(request: HttpRequest, **ids) -> HttpResponse:
    """Tags: Name : Value rows and Apply; a refused row shows its rule (422)."""
    resource, context = _blade(request, ids, "tags", "Tags")
    status, problems, saved, form = 200, {}, False, _tags_form(resource)
    if request.method == "POST":
        posted = TagsForm.posted(request.POST)
        if not posted.is_valid():
            problems = {key: Problem(str(errors[0])) for key, errors in posted.errors.items()}
            form, status = posted, 422
        elif posted.cleaned_data.get("remove") is not None:
            form = _tags_form(resource, posted.pairs())  # the row goes; Apply saves it
        else:
            try:
                tags.set_tags(resource, dict(tags.clean_tags(posted.pairs())))
            except AzureRuleError as exc:
                problems = {exc.field or "form": Problem.of(exc)}
                form, status = posted, 422
            else:
                saved, form = True, _tags_form(resource)
    context.update(
        rows=_tag_rows(form, problems),
        problems=problems,
        saved=saved,
        action_url=_url("resource_tags", resource),
        max_tags=tags.MAX_TAGS,
    )
    return blades.respond(request, "portal/resource_tags.html", "tags", context, status=status)


# --- Locks -----------------------------------------------------------------------------------


def _lock_rows(request: HttpRequest, scope, delete_url) -> list[dict]:
    return [
        {
            "lock": lock,
            "own": lock.resource_id.lower() == scope.arm_id.lower(),
            "scope_label": _scope_label(lock.resource_id, scope),
            "delete": delete_url(lock) if lock.resource_id.lower() == scope.arm_id.lower() else "",
        }
        for lock in locks.at(request.sandbox, scope.arm_id)
    ]


def _scope_label(resource_id: str, scope) -> str:
    """'This resource', or the parent the lock is inherited from (its last two segments)."""
    if resource_id.lower() == scope.arm_id.lower():
        return "This resource" if hasattr(scope, "resource_group") else "This resource group"
    kind, _, name = resource_id.rstrip("/").rpartition("/")
    return f"{name} ({'Resource group' if kind.lower().endswith('/resourcegroups') else 'Parent resource'})"


class _Scope:
    """What a Locks page needs of its scope: the scope itself, its blade's
    context and its URLs (a resource, or a resource group)."""

    def __init__(self, request: HttpRequest, ids: dict, title: str, *, group: bool) -> None:
        if group:
            self.resource = get_resource_group(request, ids["subscription_id"], ids["rg"])
            self.context = blades.resource_group_blade(self.resource, "locks", title)
            kwargs = {"subscription_id": ids["subscription_id"], "rg": self.resource.name}
            self.prefix = "resource_group_locks"
        else:
            self.resource, self.context = _blade(request, ids, "locks", title)
            kwargs = {**blade_kwargs(self.resource)}
            provider, _, type_name = self.resource.arm_type.partition("/")
            kwargs.update(provider=provider, type_name=type_name)
            self.prefix = "resource_locks"
        self.kwargs = kwargs

    def url(self, suffix: str = "", **extra) -> str:
        name = f"{self.prefix}_{suffix}" if suffix else self.prefix
        return reverse(name, kwargs={**self.kwargs, **extra})

    def page(self, request: HttpRequest) -> dict:
        return {
            **self.context,
            "locks": _lock_rows(request, self.resource, lambda lock: self.url("delete", lock=lock.pk)),
            "add_url": self.url("add"),
            "page_url": self.url(),
        }


def _locks(request: HttpRequest, scope: _Scope) -> HttpResponse:
    return blades.respond(request, "portal/resource_locks.html", "lock-grid", scope.page(request))


def _lock_add(request: HttpRequest, scope: _Scope) -> HttpResponse:
    form = LockForm(request.POST if request.method == "POST" else None)
    problems: dict = {}
    if request.method == "POST":
        if not form.is_valid():
            problems = {key: Problem(str(errors[0])) for key, errors in form.errors.items()}
        else:
            try:
                locks.add_lock(request.sandbox, scope.resource, **form.cleaned_data)
            except AzureRuleError as exc:
                problems = {exc.field or "form": Problem.of(exc)}
        if not problems:
            return blades.swap(
                request,
                "portal/resource_locks.html",
                "locks-swap",
                lambda: scope.page(request),
                target="lock-grid",
                page_url=scope.url(),
            )
    context = {**scope.context, "form": form, "problems": problems, "action_url": scope.url("add")}
    return blades.respond(request, "portal/lock_pane.html", "pane", context, status=422 if problems else 200)


def _lock_delete(request: HttpRequest, scope: _Scope, lock: int) -> HttpResponse:
    found = get_object_or_404(ResourceLock, sandbox=request.sandbox, pk=lock, resource_id__iexact=scope.resource.arm_id)
    return blades.confirm_delete(
        request,
        scope.context,
        delete=lambda: locks.delete_lock(request.sandbox, scope.resource, found),
        done_url=scope.url(),
        title="Delete lock",
        question=f"Do you want to delete the lock '{found.name}'?",
        dom_id="confirm-delete-lock",
    )


@require_GET
def locks_page(request: HttpRequest, **ids) -> HttpResponse:
    """Locks: the resource's own and inherited locks, "+ Add", Delete."""
    return _locks(request, _Scope(request, ids, "Locks", group=False))


@require_http_methods(["GET", "POST"])
def lock_add(request: HttpRequest, **ids) -> HttpResponse:
    return _lock_add(request, _Scope(request, ids, "Add lock", group=False))


@require_http_methods(["GET", "POST"])
def lock_delete(request: HttpRequest, lock: int, **ids) -> HttpResponse:
    return _lock_delete(request, _Scope(request, ids, "Delete lock", group=False), lock)


@require_GET
def group_locks(request: HttpRequest, **ids) -> HttpResponse:
    """A resource group's Locks: they apply to every resource in it."""
    return _locks(request, _Scope(request, ids, "Locks", group=True))


@require_http_methods(["GET", "POST"])
def group_lock_add(request: HttpRequest, **ids) -> HttpResponse:
    return _lock_add(request, _Scope(request, ids, "Add lock", group=True))


@require_http_methods(["GET", "POST"])
def group_lock_delete(request: HttpRequest, lock: int, **ids) -> HttpResponse:
    return _lock_delete(request, _Scope(request, ids, "Delete lock", group=True), lock)


# --- Move resources --------------------------------------------------------------------------


def _type_refusal(refusal: AzureRuleError | None) -> AzureRuleError | None:
    """A refusal of the type's own rules (ASVI-64), not the sandbox's one subscription (MOVE-06)."""
    return None if refusal is None or "MOVE-06" in refusal.rule_ids else refusal


@require_http_methods(["GET", "POST"])
def move(request: HttpRequest, **ids) -> HttpResponse:
    """"Move resources" (Essentials' "Resource group (change)" and
    "Subscription (change)"): the target, the resources that move, the
    validation ("Checking whether these resources can be moved"), the
    acknowledgement and Move (portal/move.py, MOVE-01..08)."""
    resource, context = _blade(request, ids, "overview", "Move resources")
    to_subscription = MoveOpenForm(request.GET).to_subscription()
    subscriptions = list(request.sandbox.subscriptions.all())
    form = MoveForm(request.POST if request.method == "POST" else None, subscriptions=subscriptions, groups=moving.target_groups(resource))
    problems: dict = {}
    validation = None
    if request.method == "POST":
        form.is_valid()
        target = form.target_group()
        subscription_id = form.cleaned_data.get("subscription", "")
        refusal = moving.move_refusal(request.sandbox, resource, target, subscription_id)
        pressed = form.cleaned_data.get("action")
        if pressed == "move" and refusal is None and not form.cleaned_data.get("acknowledge"):
            problems["acknowledge"] = Problem(
                "Select the check box to confirm that you'll update tools and scripts to the new resource IDs.",
                "Learn more: MOVE-08",
            )
        elif pressed == "move" and refusal is None:
            try:
                moving.move_resource(request.sandbox, resource, target, subscription_id)
            except AzureRuleError as exc:
                refusal = exc
            else:
                return blades.go(request, resource_url(resource))
        if refusal is not None:
            problems[refusal.field or "form"] = Problem.of(refusal)
        validation = {"ok": refusal is None, "problem": Problem.of(refusal) if refusal else None}
    context.update(
        form=form,
        problems=problems,
        validation=validation,
        items=moving.items_to_move(resource),
        source=resource.resource_group,
        to_subscription=to_subscription,
        # What the type's rules would say about another subscription (ASVI-64),
        # shown when the pane opens from "Subscription (change)".
        other_subscription=_type_refusal(moving.move_refusal(request.sandbox, resource, None, "other"))
        if to_subscription
        else None,
        action_url=request.get_full_path(),
    )
    return blades.respond(request, "portal/move_pane.html", "pane", context, status=422 if problems else 200)
