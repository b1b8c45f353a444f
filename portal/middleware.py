"""Attach the visitor's sandbox to every request (DESIGN: Tenancy)."""

from django.core.exceptions import ValidationError

from portal.models import Sandbox
from portal.seed import create_sandbox
from portal.services import complete_due_operations

SESSION_KEY = "sandbox"


def get_or_create_sandbox(session) -> Sandbox:
    key = session.get(SESSION_KEY)
    try:
        sandbox = Sandbox.objects.filter(key=key).first() if key else None
    except ValidationError:  # a tampered or stale cookie: start afresh
        sandbox = None
    if sandbox is None:
        sandbox = create_sandbox()
        session[SESSION_KEY] = str(sandbox.key)
    return sandbox


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
        request.sandbox = get_or_create_sandbox(request.session)
        complete_due_operations(request.sandbox)
        return self.get_response(request)
