"""Looking at another sandbox's portal, read only (issue #13: an instructor
looks over a learner's shoulder; docs/classroom.md, "Looking over a
shoulder").

The portal knows nothing of classes (the layer contract: portal never
imports classroom). A higher app registers a *checker* here,
``(request) -> View | None``, that says which sandbox the request's browser
is looking at and on whose behalf. The sandbox middleware asks it on every
request whose session carries the marker (:data:`SESSION_KEY`), so a view
ends the moment its grounds go (CLS-37: the class or the seat deleted, the
instructor signed out or no longer the owner): the marker is dropped and the
browser's own sandbox is used again.

While a request views (CLS-36): ``request.sandbox`` is the viewed sandbox;
a method other than GET, HEAD or OPTIONS is refused before any view runs;
the request runs in a transaction that is always rolled back, so nothing it
reads can write to the viewed sandbox (no last use, no operation finished,
no notification marked read); the page cache neither serves nor keeps its
pages (CLS-38); templates get ``viewing`` and ``read_only``.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass

from django.shortcuts import render

# The session's entry that says this browser views another sandbox; what it
# holds is the checker's business (the classroom keeps the class and seat).
SESSION_KEY = "viewing"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True, slots=True)
class View:
    """What the banner says: whose portal, in what (a class's name), and
    where "Stop viewing" posts to."""

    sandbox: object  # portal.models.Sandbox
    who: str
    where: str
    stop_url: str


Checker = Callable[[object], View | None]
_checkers: list[Checker] = []


def register(checker: Checker) -> Checker:
    """Add a checker (an app's ``ready()``); the first that answers wins."""
    if checker not in _checkers:
        _checkers.append(checker)
    return checker


def current(request) -> View | None:
    """The view this request's browser is in, checked now; None (and the
    marker dropped) when its grounds are gone. A session without the marker
    costs nothing: a learner's request never asks a checker."""
    session = getattr(request, "session", None)
    if session is None or SESSION_KEY not in session:
        return None
    for checker in _checkers:
        view = checker(request)
        if view is not None:
            return view
    del session[SESSION_KEY]  # CLS-37: the view ends; the browser's own sandbox is back
    return None


def applies_to(match) -> bool:
    """Whether a URL shows the viewed sandbox: every portal and app page,
    not a view marked ``sandbox_optional`` (the classroom's own pages run
    with the browser's own sandbox, and their POSTs, "Stop viewing" among
    them, are the instructor's)."""
    return match is None or not getattr(match.func, "sandbox_optional", False)


def refused(request, view: View):
    """CLS-36: the 403 page in the portal's style; nothing was written."""
    response = render(
        request,
        "portal/viewing_refused.html",
        {"page_title": "Read only", "viewing": view, "read_only": True},
        status=403,
    )
    response["Allow"] = ", ".join(sorted(SAFE_METHODS))
    return response


# --- What a viewer's page shows: nothing writable (CLS-39) ---------------------

_TAG = re.compile(rb"<(/?)(form|button|input|select|textarea|a)\b([^>]*)>", re.IGNORECASE)
_WRITE_VERB = re.compile(rb"\bhx-(post|put|patch|delete)=", re.IGNORECASE)
_POST_METHOD = re.compile(rb"""\bmethod=["']?post\b""", re.IGNORECASE)
_DISABLED = re.compile(rb"\sdisabled(?=[\s/=]|$)", re.IGNORECASE)
# Left enabled in a form that writes: hidden fields, and the buttons that only
# run the page's script (a pane's Close, its No), unless they write themselves.
_INERT = re.compile(rb"""\btype=["']?(hidden|button|reset)\b""", re.IGNORECASE)
_OWN_FORM = re.compile(rb"""\sform=["']?([^"'\s>]+)""", re.IGNORECASE)
_FORM_ID = re.compile(rb"""\sid=["']?([^"'\s>]+)""", re.IGNORECASE)
_KEEP = b"data-viewing-keep"
_SOCKET = re.compile(rb'\sws-connect="[^"]*"')


def read_only_html(body: bytes) -> bytes:
    """A page (or an htmx fragment) as a viewer gets it: every control of a
    form that writes (method POST, or an hx-post/put/patch/delete) and
    every control that writes by itself is ``disabled``; htmx's write
    attributes are renamed so no click can send one; the page opens no
    WebSocket (the learner's pushes, presence and activity are theirs).
    A form marked ``data-viewing-keep`` ("Stop viewing") is left alone. The
    server refuses the writes anyway (CLS-36): this is what the viewer sees."""
    out: list[bytes] = []
    start = 0
    writing = False  # inside a form that writes
    writers = set()  # the ids of the forms that write, for controls outside them (form="...")
    for tag in _TAG.finditer(body):
        if tag.group(2).lower() == b"form" and not tag.group(1) and _writes(tag.group(3)):
            named = _FORM_ID.search(tag.group(3))
            if named:
                writers.add(named.group(1))
    for tag in _TAG.finditer(body):
        closing, name, attrs = tag.group(1), tag.group(2).lower(), tag.group(3)
        out.append(body[start : tag.start()])
        start = tag.end()
        if name == b"form":
            writing = not closing and _writes(attrs)
            out.append(_WRITE_VERB.sub(rb"data-viewing-hx-\1=", tag.group(0)) if writing else tag.group(0))
            continue
        if closing or _KEEP in attrs:
            out.append(tag.group(0))
            continue
        writes = bool(_WRITE_VERB.search(attrs))
        if name == b"a":
            if writes:
                attrs = _WRITE_VERB.sub(rb"data-viewing-hx-\1=", attrs) + b' aria-disabled="true" tabindex="-1"'
            out.append(b"<a" + attrs + b">")
            continue
        owner = _OWN_FORM.search(attrs)
        if writes or ((writing or (owner and owner.group(1) in writers)) and not _INERT.search(attrs)):
            attrs = _WRITE_VERB.sub(rb"data-viewing-hx-\1=", attrs)
            if not _DISABLED.search(attrs):  # a class named "disabled" doesn't count
                selfclosing = attrs.endswith(b"/")
                attrs = (attrs[:-1].rstrip() if selfclosing else attrs) + b" disabled" + (b" /" if selfclosing else b"")
        out.append(b"<" + tag.group(2) + attrs + b">")
    out.append(body[start:])
    return _SOCKET.sub(b"", b"".join(out), count=1)


def _writes(form_attrs: bytes) -> bool:
    return _KEEP not in form_attrs and bool(_POST_METHOD.search(form_attrs) or _WRITE_VERB.search(form_attrs))


HIDDEN_SECRET = b"hidden-while-viewing"


def read_only_response(response, view: View):
    """The response as the viewer gets it: :func:`read_only_html` on an HTML
    body, and the viewed sandbox's secret (its sandbox link, SBX-04) taken
    out of any text body: whoever has it has the sandbox, writable (CLS-40)."""
    if getattr(response, "streaming", False):
        return response
    kind = response.get("Content-Type", "")
    if kind.startswith("text/html"):
        response.content = read_only_html(response.content)
    if kind.startswith(("text/", "application/json")):
        response.content = response.content.replace(str(view.sandbox.secret).encode("ascii"), HIDDEN_SECRET)
    if response.has_header("Content-Length"):
        response["Content-Length"] = str(len(response.content))
    return response
