"""State changes of the portal shell: activity log, notifications, long-running
operations and the live pushes that follow them.

Pushes are sent only after the transaction commits (DESIGN: Live status), as
HTML fragments rendered from template partials, and only to a sandbox with a
tab open (portal/presence.py).
"""

import re
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from portal import changes, live, pagecache, presence
from portal.errors import rule_error
from portal.inputs import db_text
from portal.models import (
    REGIONS,
    ActivityLogEntry,
    Notification,
    NotificationLevel,
    Operation,
    OperationStatus,
    ResourceGroup,
    Sandbox,
)
from portal.naming import validate_name
from portal.registry import registry
from portal.resources import resource_url

# --- Quiet mode ---------------------------------------------------------------
# Loading an estate (the seed, a lab's start, import_estate) runs the same
# services a learner's clicks do, but leaves nothing a learner would take
# for their own doing: no Activity log row, no notification, no unread
# badge, no toast, no push. An operation it starts is over at once and not
# recorded, so what depends on one (a gateway, a cluster) reads deployed.

_quiet: ContextVar[bool] = ContextVar("vnetlab_quiet", default=False)


@contextmanager
def quietly() -> Iterator[None]:
    """Run the services without Activity log, notifications or pushes."""
    token = _quiet.set(True)
    try:
        yield
    finally:
        _quiet.reset(token)


def is_quiet() -> bool:
    return _quiet.get()


# --- End of quiet mode ----------------------------------------------------------


def log_activity(
    sandbox: Sandbox, resource, operation_name: str, status: str, operation: Operation | None = None
) -> ActivityLogEntry | None:
    """Add an Activity log row for ``resource`` (anything with arm_id/arm_type).

    A row logged as "Started" for an ``operation`` gets its "Succeeded" row
    when the operation completes. None in quiet mode."""
    if is_quiet():
        return None
    return ActivityLogEntry.objects.create(**_activity(sandbox, resource, operation_name, status, operation))


def log_refusal(sandbox: Sandbox, resource, operation_name: str, refusal) -> ActivityLogEntry | None:
    """CLS-13: a refused write's "Failed" Activity log row, its detail the
    rule IDs and the message (``ASVI-01, ASVI-20, ERR-02: Virtual network
    ...``; :func:`refusal_rules` reads it back). Written outside the refused
    write's transaction by its caller (portal/refusals.py), so the rollback
    keeps it. The message may quote what was posted, a NUL included, which
    PostgreSQL can't store: it is kept as U+FFFD."""
    if is_quiet():
        return None
    ids = [*refusal.rule_ids, *([refusal.err_id] if refusal.err_id else [])]
    detail = db_text(f"{', '.join(ids)}: {refusal.message}")[:500]
    return ActivityLogEntry.objects.create(
        **{**_activity(sandbox, resource, operation_name, "Failed", None), "detail": detail}
    )


def refusal_rules(detail: str) -> tuple[str, ...]:
    """The rule IDs of a Failed row's detail (:func:`log_refusal`)."""
    head, sep, _ = detail.partition(": ")
    return tuple(i.strip() for i in head.split(",") if i.strip()) if sep else ()


def log_activities(
    sandbox: Sandbox, resource, operation_names: Iterable[str], status: str, operation: Operation | None = None
) -> None:
    """:func:`log_activity` for several operations on one resource (a
    restart and the change that caused it), in this order, in one INSERT."""
    if is_quiet():
        return
    ActivityLogEntry.objects.bulk_create(
        ActivityLogEntry(**_activity(sandbox, resource, name, status, operation)) for name in operation_names
    )


def _activity(sandbox: Sandbox, resource, operation_name: str, status: str, operation: Operation | None) -> dict:
    rg = getattr(resource, "resource_group", None)
    rg_name = rg.name if rg is not None and hasattr(rg, "name") else getattr(resource, "name", "")
    return {
        "sandbox": sandbox,
        "operation_name": operation_name,
        "status": status,
        "resource_id": resource.arm_id,
        "resource_group": rg_name,
        "resource_type": resource.arm_type,
        "detail": f"operation:{operation.pk}" if operation else "",
    }


def notify(sandbox: Sandbox, title: str, body: str = "", level: str = NotificationLevel.INFO, link: str = ""):
    if is_quiet():
        return None
    note = Notification.objects.create(sandbox=sandbox, title=title, body=body, level=level, link=link)
    push_on_commit(sandbox, toast=note.pk)
    return note


def deployed(sandbox: Sandbox, resource, operation_name: str, body: str, link: str | None = None):
    """A create finished: its Activity log row and the "Deployment succeeded"
    toast, linking to the new resource unless ``link`` says otherwise."""
    if is_quiet():
        return None
    log_activity(sandbox, resource, operation_name, "Succeeded")
    return notify(
        sandbox,
        "Deployment succeeded",
        body,
        NotificationLevel.SUCCESS,
        resource_url(resource) if link is None else link,
    )


def start_operation(
    sandbox: Sandbox,
    *,
    kind: str,
    resource,
    title: str,
    done_title: str,
    body: str = "",
    seconds: float | None = None,
    link: str = "",
) -> Operation:
    """Record a running operation and its in-progress notification."""
    now = timezone.now()
    duration = settings.VNETLAB_OPERATION_SECONDS if seconds is None else seconds
    op = Operation(
        sandbox=sandbox,
        kind=kind,
        resource_id=resource.arm_id,
        resource_name=resource.name,
        resource_pk=resource.pk,
        title=title,
        done_title=done_title,
        started_at=now,
        ends_at=now + timedelta(seconds=duration),
    )
    if is_quiet():
        # Over before it starts, and not recorded: nothing reads "in progress",
        # no notification, nothing for a timer to finish.
        op.ends_at, op.finished_at, op.status = now, now, OperationStatus.SUCCEEDED
        return op
    op.save()
    note = Notification.objects.create(
        sandbox=sandbox, operation=op, title=title, body=body, level=NotificationLevel.PROGRESS, link=link
    )
    push_on_commit(sandbox, toast=note.pk, operation=op)
    ends_at = op.ends_at.timestamp()
    transaction.on_commit(lambda: finish_on_time(sandbox.pk, op.pk, ends_at))
    return op


def finish_on_time(sandbox_pk: int, operation_pk: int, ends_at: float) -> None:
    """Have this process's server finish the operation when it ends (a timer
    on its event loop), whether or not a tab is open to see it. The process
    that started it and every process with a tab of the sandbox ask; whichever
    timer fires first wins the conditional update, and a page drawn after the
    end finishes it too, so no process is the one that must."""
    live.run_at(ends_at, ("operation", operation_pk), complete_due_operations_of, sandbox_pk)


def complete_due_operations_of(sandbox_pk: int) -> int:
    sandbox = Sandbox.objects.filter(pk=sandbox_pk).first()
    return complete_due_operations(sandbox) if sandbox is not None else 0


def resume_operations(now=None) -> int:
    """At the server's start: finish every operation, in every sandbox, whose
    end came while the server was down (with its notification, Activity log
    row and push), and have the others finished on time. Returns how many
    this call finished."""
    now = now or timezone.now()
    won = 0
    for sandbox in Sandbox.objects.filter(pk__in=Operation.objects.due(now).values("sandbox_id")):
        won += complete_due_operations(sandbox, now)
    for sandbox_pk, operation_pk, ends_at in (
        Operation.objects.unfinished().filter(ends_at__gt=now).values_list("sandbox_id", "pk", "ends_at")
    ):
        finish_on_time(sandbox_pk, operation_pk, ends_at.timestamp())
    return won


@changes.for_sandbox
def complete_due_operations(sandbox: Sandbox, now=None) -> int:
    """Finish every operation whose time is up; safe to call from many places.

    Each operation is finished by a conditional update, so when several tabs
    or workers call this at once exactly one of them wins each operation, and
    only the winner logs and pushes.
    """
    now = now or timezone.now()
    won = 0
    for op in Operation.objects.due(now).filter(sandbox=sandbox):
        with transaction.atomic():
            claimed = (
                Operation.objects.unfinished()
                .filter(pk=op.pk)
                .update(status=OperationStatus.SUCCEEDED, finished_at=now)
            )
            if not claimed:
                continue
            won += 1
            note = Notification.objects.filter(operation=op).first()
            if note is not None:
                note.title = op.done_title
                note.level = NotificationLevel.SUCCESS
                note.unread = True
                note.save(update_fields=["title", "level", "unread"])
            # The Activity log keeps the "Started" row and adds "Succeeded" under
            # the same correlation ID, as Azure's does.
            started = ActivityLogEntry.objects.filter(sandbox=sandbox, detail=f"operation:{op.pk}")
            ActivityLogEntry.objects.bulk_create(
                ActivityLogEntry(
                    sandbox=sandbox,
                    correlation_id=row.correlation_id,
                    operation_name=row.operation_name,
                    status=OperationStatus.SUCCEEDED,
                    timestamp=now,
                    resource_id=row.resource_id,
                    resource_group=row.resource_group,
                    resource_type=row.resource_type,
                )
                for row in started
            )
            push_on_commit(sandbox, toast=note.pk if note else None, operation=op)
    if won:
        # The push timer calls this outside any request: other workers' copies
        # of the sandbox's pages go stale here.
        pagecache.bump(sandbox)
    return won


def push_on_commit(sandbox: Sandbox, *, toast: int | None = None, operation: Operation | None = None) -> None:
    """After commit, send every tab of the sandbox the fresh fragments: the
    bell, the toast, and the live badge of the resource an operation changes
    (whatever type registered a badge for the operation's kind). Inside
    :func:`pushes_merged` (a request) the pushes a sandbox gets go out as
    one, at its end."""
    if is_quiet():
        return
    op_payload = None
    badges: dict[str, list[int]] = {}
    if operation is not None:
        badged = registry.badge_for_operation(operation.kind)
        if badged is not None and operation.resource_pk:
            badges[badged.arm_type] = [operation.resource_pk]
        if operation.status in (OperationStatus.ACCEPTED, OperationStatus.RUNNING):
            op_payload = {"id": operation.pk, "ends_at": operation.ends_at.timestamp()}
    transaction.on_commit(lambda: _push_or_merge(sandbox, toast, op_payload, badges))


class _Push:
    """What one sandbox's merged push carries."""

    def __init__(self, sandbox: Sandbox):
        self.sandbox = sandbox
        self.toasts: list[int] = []
        self.operations: list[dict] = []
        self.badges: dict[str, list[int]] = {}


_merging: ContextVar[dict[int, _Push] | None] = ContextVar("vnetlab_pushes", default=None)


def _push_or_merge(sandbox: Sandbox, toast: int | None, operation: dict | None, badges: dict[str, list[int]]) -> None:
    merged = _merging.get()
    if merged is None:
        push(sandbox, toasts=[toast] if toast else [], operations=[operation] if operation else [], badges=badges)
        return
    pending = merged.setdefault(sandbox.pk, _Push(sandbox))
    if toast:
        pending.toasts.append(toast)
    if operation:
        pending.operations.append(operation)
    for arm_type, pks in badges.items():
        pending.badges.setdefault(arm_type, []).extend(pks)


@contextmanager
def pushes_merged() -> Iterator[None]:
    """The pushes committed inside go out at the end, one per sandbox: a
    request that saves app settings sends its toast, the restart's toast and
    the app's badge in one push, and the bell is drawn once, not once per
    toast. A push whose transaction rolled back was never committed, so it
    is not among them."""
    if _merging.get() is not None:
        yield
        return
    token = _merging.set({})
    try:
        yield
    finally:
        merged = _merging.get()
        _merging.reset(token)
        for pending in merged.values():
            push(pending.sandbox, toasts=pending.toasts, operations=pending.operations, badges=pending.badges)


def push(
    sandbox: Sandbox,
    *,
    toasts: Iterable[int] = (),
    operations: Iterable[dict] = (),
    badges: dict[str, Iterable[int]] | None = None,
) -> None:
    """Render the push and send it to the sandbox's tabs, if it has any open
    now. With none, nothing is rendered: a tab that opens later gets the
    state on its hello. What the push reports (an operation's end, a
    notification) is done by then; only its drawing is skipped. Each tab
    sets a timer for the end of each of ``operations`` (portal/consumers.py)."""
    if not presence.watched(sandbox.pk):
        return
    html = render_push(sandbox, toasts=toasts, badges=badges)
    live.group_send(sandbox.group_name, {"type": "sandbox.push", "html": html, "operations": list(operations)})


def render_push(
    sandbox: Sandbox, *, toasts: Iterable[int] = (), badges: dict[str, Iterable[int]] | None = None
) -> str:
    """The out-of-band fragments every open tab swaps in: the live badges of
    the resources that changed (``badges``: their pks by ARM type), the
    bell's count, the open notifications pane's cue to fetch its list again,
    and (optionally) a toast. A tab swaps in those it shows
    (static/portal/portal.js drops the others).

    Each state is read from the database and the clock at render time, so a
    push rendered after an operation's end shows the settled state."""
    toasts = list(toasts)
    notes = Notification.objects.filter(sandbox=sandbox, pk__in=toasts).order_by("pk") if toasts else ()
    # The bell's count, not its list: an open notifications pane fetches the
    # list again (fragments.html, notes-stale), and a tab without one -- most
    # of them -- draws nothing more (12.7 of a push's 17.5 ms went on the
    # list: docs/benchmarks.md).
    return render_to_string(
        "portal/push.html",
        {
            "badges": _badges(sandbox, badges or {}),
            "toasts": notes,
            "unread_count": Notification.objects.filter(sandbox=sandbox, unread=True).count(),
        },
    )


def _badges(sandbox: Sandbox, badges: dict[str, Iterable[int]]) -> list[dict]:
    now = timezone.now()
    drawn = []
    for arm_type, pks in badges.items():
        badge = registry.get(arm_type).badge
        pks = list(pks)
        if badge is None or not pks:
            continue
        states = badge.states(sandbox, pks, now)
        drawn.extend({"partial": badge.partial, "pk": pk, "state": state} for pk, state in sorted(states.items()))
    return drawn


# What a tab may name on (re)connecting: element ids, progress toasts' notes.
MAX_LIVE_ELEMENTS = 500
_PK = re.compile(r"[0-9]{1,18}")


def render_state(sandbox: Sandbox, element_ids: Iterable[str], progress_notes: Iterable[str] = ()) -> str:
    """What a tab that has just (re)connected shows, as it is now: the live
    elements it named (``element_ids``: the ids of its ``[data-live]``
    elements: status badges, the bell, the notification list, what higher
    apps register, e.g. the lab panel), the finished toast of each
    in-progress toast it still spins (``progress_notes``), and the marker
    that says the tab is live. Ids of other sandboxes' resources draw
    nothing; anything else named is ignored."""
    ids = set(element_ids)
    badges: dict[str, list[int]] = {}
    for badged in registry.badges():
        prefix = badged.badge.id_prefix
        pks = [int(i[len(prefix) :]) for i in ids if i.startswith(prefix) and _PK.fullmatch(i[len(prefix) :])]
        if pks:
            badges[badged.arm_type] = pks
    notes = [int(n) for n in progress_notes if _PK.fullmatch(n)]
    finished = (
        Notification.objects.filter(sandbox=sandbox, pk__in=notes).exclude(level=NotificationLevel.PROGRESS)
        if notes
        else ()
    )
    with_list = "notification-list" in ids
    if with_list:
        bell = bell_context(sandbox)
    else:  # the bell's count only: no list to draw
        bell = {"unread_count": Notification.objects.filter(sandbox=sandbox, unread=True).count()}
    return render_to_string(
        "portal/state.html",
        {
            "badges": _badges(sandbox, badges),
            "toasts": finished,
            "with_list": with_list,
            **bell,
            "elements": registry.live_elements(sandbox, ids),
            "ws_state": "live",
        },
    )


def bell_context(sandbox: Sandbox) -> dict:
    notes = list(Notification.objects.filter(sandbox=sandbox)[:20])
    _drop_dead_links(sandbox, notes)
    return {
        "notifications": notes,
        "unread_count": Notification.objects.filter(sandbox=sandbox, unread=True).count(),
    }


def _drop_dead_links(sandbox: Sandbox, notes: list[Notification]) -> None:
    """A notification whose resource has since been deleted keeps its text
    but loses its link: it would open a blade that answers 404. One query
    per resource type the notes name."""
    named = [(note, _linked_resource(note.link)) for note in notes]
    wanted: dict[str, set[str]] = {}
    for _, target in named:
        if target is not None:
            wanted.setdefault(target[0], set()).add(target[2])
    alive: set[tuple[str, str, str]] = set()
    for arm_type, names in wanted.items():
        rows = registry.get(arm_type).rows(sandbox).filter(name__in=names)
        alive.update(
            (arm_type, rg.lower(), name.lower()) for rg, name in rows.values_list("resource_group__name", "name")
        )
    for note, target in named:
        if target is not None and (target[0], target[1].lower(), target[2].lower()) not in alive:
            note.link = ""


def _linked_resource(link: str) -> tuple[str, str, str] | None:
    """(ARM type, resource group, name) of a resource blade's URL
    (``/resource/subscriptions/<id>/resourceGroups/<rg>/providers/<ns>/<type>/<name>/...``),
    or None for another page or a type the registry doesn't know."""
    parts = link.split("/")
    if len(parts) < 10 or parts[1] != "resource" or parts[4] != "resourceGroups" or parts[6] != "providers":
        return None
    arm_type = f"{parts[7]}/{parts[8]}"
    if registry.find(arm_type) is None:
        return None
    return arm_type, parts[5], parts[9]


def mark_notifications_read(sandbox: Sandbox) -> None:
    Notification.objects.filter(sandbox=sandbox, unread=True).update(unread=False)


def dismiss_notifications(sandbox: Sandbox) -> None:
    """'Dismiss all': finished notifications go; running ones stay."""
    Notification.objects.filter(sandbox=sandbox).exclude(level=NotificationLevel.PROGRESS).delete()


def set_era(sandbox: Sandbox, era: str) -> None:
    sandbox.era = era
    sandbox.save(update_fields=["era"])


def set_annotations(sandbox: Sandbox, show: bool) -> None:
    """Portal settings, "Show lab annotations". Refused while another app
    holds them off (its reason is the message)."""
    if sandbox.annotations_locked_reason:
        raise rule_error(sandbox.annotations_locked_reason, field="annotations")
    sandbox.show_annotations = show
    sandbox.save(update_fields=["show_annotations"])


def set_presenter(sandbox: Sandbox, on: bool, zoom: int) -> None:
    """CLS-29, Portal settings "Presenter mode": on or off, and the zoom
    every page is drawn at while it is on. The row's write bumps the
    sandbox's generation, so no page kept in the cache shows the old mode
    (CLS-34)."""
    sandbox.presenter_mode = on
    sandbox.presenter_zoom = zoom
    sandbox.save(update_fields=["presenter_mode", "presenter_zoom"])


def lock_annotations(sandbox: Sandbox, reason: str) -> None:
    """Hold the annotations off, whatever the learner chose, until
    :func:`unlock_annotations` (exam mode; presenter mode)."""
    sandbox.annotations_locked_reason = reason[:200]
    Sandbox.objects.filter(pk=sandbox.pk).update(annotations_locked_reason=sandbox.annotations_locked_reason)


def unlock_annotations(sandbox: Sandbox) -> None:
    """Give the learner's own choice back."""
    sandbox.annotations_locked_reason = ""
    Sandbox.objects.filter(pk=sandbox.pk).update(annotations_locked_reason="")


def create_resource_group(sandbox: Sandbox, *, name: str, location: str):
    """Create a resource group (portal "Create a resource group")."""
    name = validate_name("resource_group", name)
    if location not in REGIONS:
        # A choice of the form, not an Azure rule: no rule ID to cite.
        raise rule_error("Choose a region.", field="region")
    subscription = sandbox.subscriptions.get()
    with transaction.atomic():
        if ResourceGroup.objects.filter(subscription=subscription, name__iexact=name).exists():
            raise rule_error(
                f"A resource group named '{name}' already exists in '{subscription.display_name}'.",
                "NAMING-01",
                field="name",
            )
        rg = ResourceGroup.objects.create(subscription=subscription, name=name, location=location)
        log_activity(sandbox, rg, "Create Resource Group", "Succeeded")
        link = reverse("resource_group", kwargs={"subscription_id": subscription.subscription_id, "rg": rg.name})
        notify(
            sandbox, "Resource group created", f"Resource group '{name}' was created.", NotificationLevel.SUCCESS, link
        )
    return rg


def new_sandbox_link(sandbox: Sandbox) -> uuid.UUID:
    """SBX-04, "New sandbox link": a new secret. Every cookie and link that
    carried the old one opens nothing now; the caller puts the new one in
    its own session."""
    secret = uuid.uuid4()
    Sandbox.objects.filter(pk=sandbox.pk).update(secret=secret)
    sandbox.secret = secret
    return secret
