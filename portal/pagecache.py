"""Rendered blades kept per sandbox state (docs/architecture.md, "Page cache").

A blade is a pure function of its sandbox's state, the URL and the htmx
headers. Views marked with :func:`cached_page` keep their rendered HTML under
a key of the sandbox and its generation (``Sandbox.generation``,
portal/changes.py): a write in the sandbox -- in any worker, in a request
or not -- makes its next request render afresh, and leaves every other
sandbox's copies as they are. Every worker reads the generation with the
shell's query, so a write in one is seen by the copies in another.

Copies are served while an operation is under way too: an app's
"Restarting" comes from the clock, but the request that first finds an
operation's time up finishes it before its view runs (a write: that request
renders, and the next one keys on the new generation), so a copy made during
the restart is never served after its end. Views whose output depends on the
clock in other ways ("5 minutes ago") must not use the decorator.

Pages must be cheap to draw without it: the class benchmark's targets hold
with ``VNETLAB_PAGE_CACHE`` off (docs/benchmarks.md, "Class").

The CSRF token in a copy is the one minted for the request that rendered it;
it is swapped for a fresh one on every hit (Django masks the token anew on
every response, and a copy must not carry another response's mask).
"""

import re
from functools import wraps

from django.conf import settings
from django.http import HttpResponse
from django.middleware.csrf import get_token

from portal import changes
from portal.lru import LRU

CSRF_PLACEHOLDER = b"\x00csrf\x00"
# The two places a template puts the masked token: the body's hx-headers and
# the hidden input of {% csrf_token %}.
_TOKEN_PATTERNS = (
    re.compile(rb'"X-CSRFToken": "([A-Za-z0-9]{64})"'),
    re.compile(rb'name="csrfmiddlewaretoken" value="([A-Za-z0-9]{64})"'),
)
# The htmx request headers a view may branch on; HX-Current-URL is left out
# (no view reads it, and it differs for every page the pane is opened from).
_HX_HEADERS = ("HTTP_HX_REQUEST", "HTTP_HX_TARGET", "HTTP_HX_TRIGGER", "HTTP_HX_BOOSTED", "HTTP_HX_HISTORY_RESTORE_REQUEST")


def bump(sandbox, *, changed: bool = True) -> None:
    """Every copy of the sandbox's pages is stale, in every worker. With
    ``changed`` (a learner's change, not a redraw of derived state) the
    sandbox's change signal goes out too (portal.signals)."""
    from portal.models import Sandbox
    from portal.signals import sandbox_changed

    changes.bump(sandbox)
    if changed:
        sandbox_changed.send(sender=Sandbox, sandbox=sandbox)


# --- The store -------------------------------------------------------------------


class _Copy:
    __slots__ = ("body", "headers", "status")

    def __init__(self, body: bytes, headers: list[tuple[str, str]], status: int):
        self.body = body
        self.headers = headers
        self.status = status


class PageStore(LRU):
    """Rendered pages in an LRU (portal/lru.py); stale generations simply
    age out, and a page over ``max_bytes`` is not kept. Hits and misses are
    counted (the class benchmark reports the rate)."""

    def __init__(self, entries: int, max_bytes: int):
        super().__init__(entries)
        self.max_bytes = max_bytes

    def put(self, key, copy: _Copy) -> None:
        if len(copy.body) <= self.max_bytes:
            super().put(key, copy)


store = PageStore(
    entries=getattr(settings, "VNETLAB_PAGE_CACHE_ENTRIES", 512),
    max_bytes=getattr(settings, "VNETLAB_PAGE_CACHE_MAX_BYTES", 512 * 1024),
)


def _key(request):
    sandbox = request.sandbox
    hx = tuple(request.META.get(name, "") for name in _HX_HEADERS)
    # CLS-34: what the shell draws from the sandbox's settings (the root's
    # presenter class and zoom, the body's annotations) is in the key too,
    # so a copy never shows another mode even before a generation moves.
    shell = (sandbox.presenter_mode, sandbox.presenter_zoom, sandbox.annotations_shown)
    return (sandbox.key, sandbox.generation, shell, request.get_full_path(), hx)


def _keep(response) -> _Copy | None:
    """The copy to keep, or None when the response must not be reused."""
    if response.status_code != 200 or response.streaming or response.cookies:
        return None
    if not response.get("Content-Type", "").startswith("text/html"):
        return None
    body = response.content
    for pattern in _TOKEN_PATTERNS:
        for token in set(pattern.findall(body)):
            body = body.replace(token, CSRF_PLACEHOLDER)
    headers = [(name, value) for name, value in response.items() if name.lower() != "content-length"]
    return _Copy(body, headers, response.status_code)


def _serve(request, copy: _Copy) -> HttpResponse:
    body = copy.body
    if CSRF_PLACEHOLDER in body:
        body = body.replace(CSRF_PLACEHOLDER, get_token(request).encode("ascii"))
    response = HttpResponse(body, status=copy.status)
    for name, value in copy.headers:
        response[name] = value
    response["X-VNetLab-Page-Cache"] = "hit"
    return response


def cached_page(view):
    """Serve a GET of this view from the page cache when the sandbox's state
    hasn't changed since it was rendered (see the module's docstring)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if (
            request.method != "GET"
            or not settings.VNETLAB_PAGE_CACHE
            or getattr(request, "sandbox", None) is None
            or getattr(request, "viewing", None) is not None  # CLS-38: a viewer's page is never kept or served
            or changes.request_wrote()
        ):
            return view(request, *args, **kwargs)
        key = _key(request)
        copy = store.get(key)
        if copy is not None:
            return _serve(request, copy)
        response = view(request, *args, **kwargs)
        if hasattr(response, "render") and not getattr(response, "is_rendered", True):
            response.render()
        if not changes.request_wrote():
            copy = _keep(response)
            if copy is not None:
                store.put(key, copy)
        return response

    return wrapper

