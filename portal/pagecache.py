"""Rendered blades kept per sandbox state (docs/architecture.md, "Page cache").

A blade is a pure function of its sandbox's state, the URL and the htmx
headers. Rendering it (Django's template engine, a few ORM queries) costs
5-15 ms; serving a copy costs a dictionary lookup. So views marked with
:func:`cached_page` keep their rendered HTML under a key that changes
whenever the sandbox's state may have changed:

- ``Sandbox.generation``, a counter in the database. A request that wrote
  anything bumps its sandbox's generation once its transaction is over
  (:class:`portal.middleware.SandboxMiddleware`), and so does finishing an
  operation from the push timer. Every worker reads it with the shell's query,
  so a write in one worker is seen by the copies in another.
- a counter in this process, bumped after every INSERT, UPDATE or DELETE any
  connection of this process runs (an execute wrapper, installed on each new
  connection). It covers writes made outside a request: tests that change
  the database between two requests, management commands, the seed.

Nothing is served from the cache while the sandbox has an unfinished
operation: an app's "Restarting" and a gateway's "Updating" are derived from
the clock, not from a write. Views whose output depends on the clock ("5
minutes ago") must not use the decorator.

The CSRF token in a copy is the one minted for the request that rendered it;
it is swapped for a fresh one on every hit (Django masks the token anew on
every response, and a copy must not carry another response's mask).
"""

import itertools
import re
import threading
from collections import OrderedDict
from contextlib import contextmanager
from functools import wraps

from django.conf import settings
from django.db.backends.signals import connection_created
from django.db.models import F
from django.http import HttpResponse
from django.middleware.csrf import get_token

WRITE_VERBS = ("INSERT", "UPDATE", "DELETE", "REPLACE")
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

_writes = itertools.count(1)
_local_generation = 0
_request_state = threading.local()


# --- Noticing writes -------------------------------------------------------------


def _note_write() -> None:
    global _local_generation
    _local_generation = next(_writes)
    _request_state.wrote = True


def _watch_writes(execute, sql, params, many, context):
    try:
        return execute(sql, params, many, context)
    finally:
        if sql.lstrip()[:7].upper().startswith(WRITE_VERBS) and not getattr(_request_state, "unnoticed", False):
            _note_write()
            db = context["connection"]
            # Bumped again at commit: a request may have read the counter
            # between the statement and the commit and kept what it rendered
            # from the state before it.
            if db.in_atomic_block and not any(entry[1] is _note_write for entry in db.run_on_commit):
                db.on_commit(_note_write)


def install(sender=None, connection=None, **kwargs) -> None:
    """Watch a new database connection's writes (the connection_created signal)."""
    if _watch_writes not in connection.execute_wrappers:
        connection.execute_wrappers.append(_watch_writes)


connection_created.connect(install, dispatch_uid="vnetlab-pagecache-watch")


@contextmanager
def unnoticed():
    """Writes that change nothing a page shows (a sandbox's last use,
    portal/lifecycle.py) leave every copy valid."""
    _request_state.unnoticed = True
    try:
        yield
    finally:
        _request_state.unnoticed = False


def request_started() -> None:
    _request_state.wrote = False


def request_wrote() -> bool:
    return getattr(_request_state, "wrote", False)


def bump(sandbox, *, changed: bool = True) -> None:
    """Every copy of the sandbox's pages is stale, in every worker. With
    ``changed`` (a learner's change, not a redraw of derived state) the
    sandbox's change signal goes out too (portal.signals)."""
    from portal.models import Sandbox
    from portal.signals import sandbox_changed

    Sandbox.objects.filter(pk=sandbox.pk).update(generation=F("generation") + 1)
    _note_write()
    if changed:
        sandbox_changed.send(sender=Sandbox, sandbox=sandbox)


# --- The store -------------------------------------------------------------------


class _Copy:
    __slots__ = ("body", "headers", "status")

    def __init__(self, body: bytes, headers: list[tuple[str, str]], status: int):
        self.body = body
        self.headers = headers
        self.status = status


class PageStore:
    """A small LRU of rendered pages; stale generations simply age out."""

    def __init__(self, entries: int, max_bytes: int):
        self.entries = entries
        self.max_bytes = max_bytes
        self._data: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key):
        with self._lock:
            copy = self._data.get(key)
            if copy is None:
                self.misses += 1
                return None
            self._data.move_to_end(key)
            self.hits += 1
            return copy

    def put(self, key, copy: _Copy) -> None:
        if len(copy.body) > self.max_bytes:
            return
        with self._lock:
            self._data[key] = copy
            self._data.move_to_end(key)
            while len(self._data) > self.entries:
                self._data.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._data)


store = PageStore(
    entries=getattr(settings, "VNETLAB_PAGE_CACHE_ENTRIES", 512),
    max_bytes=getattr(settings, "VNETLAB_PAGE_CACHE_MAX_BYTES", 512 * 1024),
)


def _key(request):
    sandbox = request.sandbox
    hx = tuple(request.META.get(name, "") for name in _HX_HEADERS)
    return (sandbox.key, sandbox.generation, _local_generation, request.get_full_path(), hx)


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
            or getattr(request, "sandbox_busy", True)
            or request_wrote()
        ):
            return view(request, *args, **kwargs)
        key = _key(request)
        copy = store.get(key)
        if copy is not None:
            return _serve(request, copy)
        response = view(request, *args, **kwargs)
        if hasattr(response, "render") and not getattr(response, "is_rendered", True):
            response.render()
        if not request_wrote():
            copy = _keep(response)
            if copy is not None:
                store.put(key, copy)
        return response

    return wrapper

