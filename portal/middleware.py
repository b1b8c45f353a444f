"""Attach the visitor's sandbox to every request (DESIGN: Tenancy)."""

import uuid
from dataclasses import dataclass
from functools import cache

from django.db import connection
from django.utils import timezone

from portal import pagecache
from portal.models import Notification, Operation, OperationStatus, Sandbox, Subscription
from portal.seed import create_sandbox
from portal.services import complete_due_operations

SESSION_KEY = "sandbox"


@dataclass(frozen=True, slots=True)
class ShellRow:
    subscription: Subscription
    unread: int
    due: bool
    busy: bool


@cache
def _shell_sql() -> str:
    """The shell's one query, written once from the models' table names: the
    sandbox, its subscription, the bell's unread count, whether an operation
    is due and whether one is still running. Every request runs it, and the
    ORM took longer to compile it than the database to answer it."""
    q = connection.ops.quote_name
    sandbox, sub = q(Sandbox._meta.db_table), q(Subscription._meta.db_table)
    ops, notes = q(Operation._meta.db_table), q(Notification._meta.db_table)
    unfinished = f"{ops}.{q('sandbox_id')} = {sandbox}.{q('id')} AND {ops}.{q('status')} IN (%s, %s)"
    return (
        f"SELECT {sandbox}.{q('id')}, {sandbox}.{q('key')}, {sandbox}.{q('era')}, {sandbox}.{q('generation')},"
        f" {sub}.{q('id')}, {sub}.{q('subscription_id')}, {sub}.{q('display_name')},"
        f" (SELECT COUNT(*) FROM {notes} WHERE {notes}.{q('sandbox_id')} = {sandbox}.{q('id')}"
        f" AND {notes}.{q('unread')}),"
        f" EXISTS (SELECT 1 FROM {ops} WHERE {unfinished} AND {ops}.{q('ends_at')} <= %s),"
        f" EXISTS (SELECT 1 FROM {ops} WHERE {unfinished})"
        f" FROM {sandbox} INNER JOIN {sub} ON {sub}.{q('sandbox_id')} = {sandbox}.{q('id')}"
        f" WHERE {sandbox}.{q('key')} = %s ORDER BY {sub}.{q('id')} LIMIT 1"
    )


def _uuid(value) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _shell_row(key, now) -> ShellRow | None:
    try:
        key_param = Sandbox._meta.get_field("key").get_db_prep_value(_uuid(key), connection)
    except ValueError:  # a tampered or stale cookie: start afresh
        return None
    running = (OperationStatus.ACCEPTED.value, OperationStatus.RUNNING.value)
    params = [*running, connection.ops.adapt_datetimefield_value(now), *running, key_param]
    with connection.cursor() as cursor:
        cursor.execute(_shell_sql(), params)
        row = cursor.fetchone()
    if row is None:
        return None
    sb_id, sb_key, era, generation, sub_id, subscription_id, display_name, unread, due, busy = row
    alias = connection.alias
    sandbox = Sandbox.from_db(alias, ["id", "key", "era", "generation"], [sb_id, _uuid(sb_key), era, generation])
    subscription = Subscription.from_db(
        alias,
        ["id", "sandbox_id", "subscription_id", "display_name"],
        [sub_id, sb_id, _uuid(subscription_id), display_name],
    )
    subscription.sandbox = sandbox
    return ShellRow(subscription, int(unread), bool(due), bool(busy))


def attach_sandbox(request) -> None:
    now = timezone.now()
    key = request.session.get(SESSION_KEY)
    row = _shell_row(key, now) if key else None
    if row is None:
        sandbox = create_sandbox()
        request.session[SESSION_KEY] = str(sandbox.key)
        row = _shell_row(sandbox.key, now)
    request.sandbox = row.subscription.sandbox
    request.subscription = row.subscription
    request.unread_count = row.unread
    request.sandbox_busy = row.busy
    if row.due and complete_due_operations(request.sandbox, now):
        request.unread_count = Notification.objects.filter(sandbox=request.sandbox, unread=True).count()
        request.sandbox_busy = Operation.objects.unfinished().filter(sandbox=request.sandbox).exists()


class SandboxMiddleware:
    """Every visitor gets a sandbox from the demo seed on first visit.

    Operations whose time is up are finished here too, so a page always shows
    settled state even when no tab was open to see the push (and after a
    server restart). A request that wrote anything bumps the sandbox's
    generation on the way out, so no worker serves a page rendered before
    the write (portal/pagecache.py).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Static files and the health probe need no sandbox: a probe without a
        # cookie must not create one each time.
        if request.path.startswith("/static/") or request.path == "/healthz":
            return self.get_response(request)
        pagecache.request_started()
        attach_sandbox(request)
        try:
            return self.get_response(request)
        finally:
            if pagecache.request_wrote():
                pagecache.bump(request.sandbox)
