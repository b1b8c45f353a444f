"""SBX-06: a request body over ``VNETLAB_MAX_REQUEST_BYTES`` is refused (413)
before it is read.

An ASGI middleware in front of Django (portal/asgi.py). A body whose
Content-Length is over the limit is refused from the headers alone: nothing
of it is received, and the ASGI server stops reading once it answers
(``Connection: close``). A body without a Content-Length (chunked) is
counted as it arrives and refused as soon as it passes the limit, so a
request holds at most the limit in memory; one within the limit reaches
Django with its length, which Django's WSGI handler needs to read a body
at all.

The default is Django's own limit on a form's data (DATA_UPLOAD_MAX_MEMORY_SIZE,
2.5 MB), which refused anything bigger with a 400 after the server had
buffered it; every form of the lab, the largest template a learner can
paste (1,000,000 characters) included, fits in it.
"""

import asyncio
import io

from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.template.loader import render_to_string
from django.utils.csp import build_policy

from portal.headers import permissions_policy

HTML_TEMPLATE = "portal/request_too_large.html"


def size_text(n: int) -> str:
    """2621440 -> "2.5 MB" (binary units, as Django counts its limits)."""
    for unit, size in (("MB", 1024 * 1024), ("KB", 1024)):
        if n >= size:
            return f"{round(n / size, 1):g} {unit}"
    return f"{n} bytes"


def refusal_text(limit: int) -> str:
    return f"The request's body is larger than this lab accepts (at most {size_text(limit)}). Nothing was changed."


def declared_length(scope) -> int | None:
    """The Content-Length the client declared, or None without one (or with
    one the server's parser would not have let through)."""
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


def _request(scope) -> ASGIRequest:
    """The request's headers as Django reads them, without its body (and so
    without the form's CSRF token) or its query."""
    return ASGIRequest({**scope, "method": "GET", "query_string": b""}, io.BytesIO())


def wants_html(request) -> bool:
    """A browser asking for a page names text/html; ``*/*`` (curl, scripts)
    gets plain text."""
    accepted = request.accepted_type("text/html")
    return accepted is not None and accepted.main_type == "text"


def _html_page(request, limit: int) -> bytes:
    from portal.export_views import MAX_TEMPLATE_BYTES

    context = {
        "page_title": "Request too large",
        "message": refusal_text(limit),
        "template_chars": f"{MAX_TEMPLATE_BYTES:,}",
    }
    return render_to_string(HTML_TEMPLATE, context, request=request).encode()


def _toast(limit: int) -> bytes:
    toast = {"level": "error", "title": "Request too large", "body": f"{refusal_text(limit)} (SBX-06)", "pk": "sbx-06"}
    return render_to_string("portal/fragments.html#toast", {"toast": toast}).encode()


def security_headers() -> list[tuple[bytes, bytes]]:
    """The headers Django's middleware puts on every other answer (the
    policy of docs/hosting.md, "Security headers"): this one never reaches it."""
    headers = [
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", settings.X_FRAME_OPTIONS.encode()),
        (b"referrer-policy", settings.SECURE_REFERRER_POLICY.encode()),
        (b"permissions-policy", permissions_policy(tuple(settings.VNETLAB_PERMISSIONS_POLICY)).encode()),
    ]
    if settings.SECURE_CSP:
        headers.append((b"content-security-policy", build_policy(settings.SECURE_CSP).encode()))
    return headers


async def refuse(scope, send, limit: int) -> None:
    """Answer SBX-06's 413: for htmx a toast, the pane left as it was
    (portal.js lets a 413 swap); the portal's page for a browser; else a
    line of text."""
    request = _request(scope)
    headers = [
        # Not one more byte of this body: the server closes the connection
        # instead of reading the rest to keep it alive.
        (b"connection", b"close"),
        *security_headers(),
    ]
    if request.headers.get("HX-Request") == "true":
        body = await asyncio.to_thread(_toast, limit)
        headers.append((b"hx-reswap", b"none"))
        content_type = b"text/html; charset=utf-8"
    elif wants_html(request):
        body = await asyncio.to_thread(_html_page, request, limit)
        content_type = b"text/html; charset=utf-8"
    else:
        body = f"413 Request too large. {refusal_text(limit)} (SBX-06)\n".encode()
        content_type = b"text/plain; charset=utf-8"
    headers += [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """SBX-06 in front of an ASGI HTTP app; ``limit`` in bytes.

    The body is read here, on the event loop, and handed on whole: a worker
    thread never waits on a slow upload (a few clients trickling bodies
    would hold every thread), and a client that goes away before its body
    ends runs no view (a cut-short form is not taken for a shorter one).
    Django reads a form's body into memory whole anyway."""

    def __init__(self, app, limit: int):
        self.app = app
        self.limit = limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = declared_length(scope)
        if declared is not None and declared > self.limit:
            return await refuse(scope, send, self.limit)
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # gone before the body ended: no view, nobody to answer
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:  # no Content-Length (chunked): counted as it came
                return await refuse(scope, send, self.limit)
            if chunk:
                chunks.append(chunk)
            if not message.get("more_body", False):
                break
        if declared is None and size:
            # WSGI reads a body only by its length (PEP 3333: CONTENT_LENGTH).
            headers = [(k, v) for k, v in scope["headers"] if k != b"transfer-encoding"]
            scope = {**scope, "headers": [*headers, (b"content-length", str(size).encode())]}
        pending = [{"type": "http.request", "body": b"".join(chunks), "more_body": False}]
        del chunks

        async def replay():
            return pending.pop() if pending else await receive()

        return await self.app(scope, replay, send)
