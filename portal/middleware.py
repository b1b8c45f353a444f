"""Attach the visitor's sandbox to every request (DESIGN: Tenancy)."""

import uuid
from dataclasses import dataclass
from functools import cache

from django.db import connection, transaction
from django.shortcuts import render
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone

from portal import changes, lifecycle, refusals, viewing
from portal.models import Notification, Operation, OperationStatus, Sandbox, Subscription
from portal.services import complete_due_operations, pushes_merged
from portal.signals import sandbox_changed

# The session's entry for the sandbox: its secret (SBX-04), never the
# public ID the settings page shows.
SESSION_KEY = "sandbox"


@dataclass(frozen=True, slots=True)
class ShellRow:
    subscription: Subscription
    unread: int
    due: bool
    busy: bool
    stale: bool  # last used more than a minute ago (SBX-03)


@cache
def _shell_sql() -> str:
    """The shell's one query, written once from the models' table names: the
    sandbox (with its annotations and presenter settings, which every
    page's body and root read),
    its subscription, the bell's unread count, whether an operation is due,
    whether one is still running and whether the last use recorded is over
    a minute old (SBX-03). Every request runs it, and the ORM took longer
    to compile it than the database to answer it."""
    q = connection.ops.quote_name
    sandbox, sub = q(Sandbox._meta.db_table), q(Subscription._meta.db_table)
    ops, notes = q(Operation._meta.db_table), q(Notification._meta.db_table)
    unfinished = f"{ops}.{q('sandbox_id')} = {sandbox}.{q('id')} AND {ops}.{q('status')} IN (%s, %s)"
    return (
        f"SELECT {sandbox}.{q('id')}, {sandbox}.{q('key')}, {sandbox}.{q('secret')}, {sandbox}.{q('era')},"
        f" {sandbox}.{q('generation')}, {sandbox}.{q('show_annotations')}, {sandbox}.{q('annotations_locked_reason')},"
        f" {sandbox}.{q('presenter_mode')}, {sandbox}.{q('presenter_zoom')},"
        f" {sub}.{q('id')}, {sub}.{q('subscription_id')}, {sub}.{q('display_name')},"
        f" (SELECT COUNT(*) FROM {notes} WHERE {notes}.{q('sandbox_id')} = {sandbox}.{q('id')}"
        f" AND {notes}.{q('unread')}),"
        f" EXISTS (SELECT 1 FROM {ops} WHERE {unfinished} AND {ops}.{q('ends_at')} <= %s),"
        f" EXISTS (SELECT 1 FROM {ops} WHERE {unfinished}),"
        f" CASE WHEN {sandbox}.{q('last_used_at')} < %s THEN 1 ELSE 0 END"
        f" FROM {sandbox} INNER JOIN {sub} ON {sub}.{q('sandbox_id')} = {sandbox}.{q('id')}"
        f" WHERE {sandbox}.{q('secret')} = %s ORDER BY {sub}.{q('id')} LIMIT 1"
    )


def _uuid(value) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _shell_row(secret, now) -> ShellRow | None:
    try:
        secret_param = Sandbox._meta.get_field("secret").get_db_prep_value(_uuid(secret), connection)
    except ValueError:  # a tampered or stale cookie: no sandbox
        return None
    running = (OperationStatus.ACCEPTED.value, OperationStatus.RUNNING.value)
    adapt = connection.ops.adapt_datetimefield_value
    params = [*running, adapt(now), *running, adapt(now - lifecycle.LAST_USED_EVERY), secret_param]
    with connection.cursor() as cursor:
        cursor.execute(_shell_sql(), params)
        row = cursor.fetchone()
    if row is None:
        return None
    sb_id, sb_key, sb_secret, era, generation, shown, locked, presenter, zoom = row[:9]
    sub_id, subscription_id, display_name, unread, due, busy, stale = row[9:]
    alias = connection.alias
    sandbox = Sandbox.from_db(
        alias,
        ["id", "key", "secret", "era", "generation", "show_annotations", "annotations_locked_reason"]
        + ["presenter_mode", "presenter_zoom"],
        [sb_id, _uuid(sb_key), _uuid(sb_secret), era, generation, bool(shown), locked, bool(presenter), zoom],
    )
    subscription = Subscription.from_db(
        alias,
        ["id", "sandbox_id", "subscription_id", "display_name"],
        [sub_id, sb_id, _uuid(subscription_id), display_name],
    )
    subscription.sandbox = sandbox
    sandbox.subscription = subscription
    return ShellRow(subscription, int(unread), bool(due), bool(busy), bool(stale))


def attach_sandbox(request, row: ShellRow, now) -> None:
    request.sandbox = row.subscription.sandbox
    request.subscription = row.subscription
    request.unread_count = row.unread
    request.sandbox_busy = row.busy
    if row.due and complete_due_operations(request.sandbox, now):
        request.unread_count = Notification.objects.filter(sandbox=request.sandbox, unread=True).count()
        request.sandbox_busy = Operation.objects.unfinished().filter(sandbox=request.sandbox).exists()


def no_sandbox(request):
    """A request without a sandbox that may not make one (SBX-01): the
    page says how to get one; htmx goes to Home."""
    response = render(request, "portal/no_sandbox.html", {"page_title": "No sandbox"}, status=403)
    if getattr(request, "htmx", False):
        response["HX-Redirect"] = reverse("home")
    return response


def refused(request, refusal: lifecycle.Refusal):
    """SBX-02 (429) or SBX-05 (503): no new sandbox now, and when to retry."""
    response = render(
        request,
        "portal/sandbox_refused.html",
        {"refusal": refusal, "page_title": refusal.title},
        status=refusal.status,
    )
    response["Retry-After"] = str(refusal.retry_after)
    return response


class SandboxMiddleware:
    """Attach the visitor's sandbox, found by the secret in the session.

    A visitor without one gets a sandbox from the demo seed only when a
    browser asks for a portal page (SBX-01), and only within the limits
    (SBX-02 per address, SBX-05 in all; portal/lifecycle.py). Anything else
    without a sandbox runs without one (a 404) or is told how to get one.

    Operations whose time is up are finished here too, so a page always shows
    settled state even when no tab was open to see the push (and after a
    server restart). The request's writes are charged to its sandbox and
    bump that sandbox's generation once they are committed, so no worker
    serves a page or a snapshot of the state before them
    (portal/changes.py); the sandbox's change signal then goes out. The sandbox's last use is recorded at
    most once a minute, and the server looks now and then whether idle
    sandboxes are due to go (SBX-03).

    A browser whose session says it views another sandbox (an instructor
    looking over a learner's shoulder; portal/viewing.py) gets that
    sandbox's pages, read only, with nothing its requests do kept
    (CLS-36..CLS-40).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Static files and the health probe need no sandbox: a probe without a
        # cookie must not create one each time.
        if request.path.startswith("/static/") or request.path == "/healthz":
            return self.get_response(request)
        lifecycle.prune_soon()
        # Writes this thread made outside any request (a test's, between two
        # requests) bump their generations before the shell reads one.
        changes.flush()
        now = timezone.now()
        if viewing.SESSION_KEY in request.session:
            response = self._viewing(request, now)
            if response is not None:
                return response
        secret = request.session.get(SESSION_KEY)
        row = _shell_row(secret, now) if secret else None
        if row is None:
            try:
                match = resolve(request.path_info)
            except Resolver404:
                return self.get_response(request)  # a 404 (or APPEND_SLASH's redirect), no sandbox
            if not lifecycle.asks_for_page(request, match):
                if lifecycle.runs_without_sandbox(request, match):
                    return self.get_response(request)
                return no_sandbox(request)
            with changes.unnoticed():  # nothing is kept for a new sandbox yet
                made = lifecycle.new_sandbox_for(request, now)
            if isinstance(made, lifecycle.Refusal):
                return refused(request, made)
            request.session[SESSION_KEY] = str(made.secret)
            row = _shell_row(made.secret, now)
        elif row.stale:
            lifecycle.touch(row.subscription.sandbox.pk, now)
        changes.request_started(row.subscription.sandbox)
        try:
            with pushes_merged():  # a toast and an operation's start are one push
                attach_sandbox(request, row, now)
                with refusals.watching(request):
                    response = self.get_response(request)
            refusals.record(request, response)  # CLS-13
            return response
        finally:
            if changes.request_finished():
                sandbox_changed.send(sender=Sandbox, sandbox=request.sandbox)

    def _viewing(self, request, now):
        """A browser looking at another sandbox (portal/viewing.py): that
        sandbox's pages, read only (CLS-36), or None to go on as usual (the
        view ended, or the URL is the browser's own: a classroom page)."""
        try:
            match = resolve(request.path_info)
        except Resolver404:
            match = None
        if not viewing.applies_to(match):
            return None
        view = viewing.current(request)
        row = _shell_row(view.sandbox.secret, now) if view is not None else None
        if row is None:
            return None
        request.viewing = view
        request.sandbox = row.subscription.sandbox
        request.subscription = row.subscription
        request.unread_count = row.unread
        request.sandbox_busy = row.busy  # due operations are left to the learner's requests and timers
        if request.method not in viewing.SAFE_METHODS:
            return viewing.read_only_response(viewing.refused(request, view), view)
        # Nothing a viewer's request does is kept: not the last use (SBX-03
        # is the learner's), not a due operation finished, not a notification
        # marked read. Whatever a view would write is rolled back, unseen by
        # the page cache's generations.
        with changes.unnoticed(), transaction.atomic():
            response = self.get_response(request)
            transaction.set_rollback(True)
        return viewing.read_only_response(response, view)  # CLS-39, CLS-40
