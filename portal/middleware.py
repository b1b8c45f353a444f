"""Attach the visitor's sandbox to every request (DESIGN: Tenancy)."""

from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from portal.models import Notification, Operation, Subscription
from portal.seed import create_sandbox
from portal.services import complete_due_operations

SESSION_KEY = "sandbox"


def _shell_row(key, now) -> Subscription | None:
    """The sandbox, its subscription, the bell's unread count and whether an
    operation is due, in one query (every page needs all four)."""
    due = Operation.objects.due(now).filter(sandbox=OuterRef("sandbox"))
    try:
        return (
            Subscription.objects.select_related("sandbox")
            .annotate(
                has_due=Exists(due),
                unread=Count("sandbox__notifications", filter=Q(sandbox__notifications__unread=True)),
            )
            .filter(sandbox__key=key)
            .first()
        )
    except ValidationError:  # a tampered or stale cookie: start afresh
        return None


def attach_sandbox(request) -> None:
    now = timezone.now()
    key = request.session.get(SESSION_KEY)
    row = _shell_row(key, now) if key else None
    if row is None:
        sandbox = create_sandbox()
        request.session[SESSION_KEY] = str(sandbox.key)
        row = _shell_row(sandbox.key, now)
    request.sandbox = row.sandbox
    request.subscription = row
    request.unread_count = row.unread
    if row.has_due and complete_due_operations(row.sandbox, now):
        request.unread_count = Notification.objects.filter(sandbox=row.sandbox, unread=True).count()


class SandboxMiddleware:
    """Every visitor gets a sandbox from the demo seed on first visit.

    Operations whose time is up are finished here too, so a page always shows
    settled state even when no tab was open to see the push (and after a
    server restart).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Static files and the health probe need no sandbox: a probe without a
        # cookie must not create one each time.
        if request.path.startswith("/static/") or request.path == "/healthz":
            return self.get_response(request)
        attach_sandbox(request)
        return self.get_response(request)
