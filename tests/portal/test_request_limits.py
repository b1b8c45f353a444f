"""SBX-06: a request body over VNETLAB_MAX_REQUEST_BYTES is refused (413)
before it is read (portal/limits.py), and a body within it reaches Django
whole, through the server's real ASGI application (portal/asgi.py)."""

import asyncio
import http.client
import json
import select
import socket
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import pytest
from django.conf import global_settings
from django.test import Client
from django.urls import reverse

from portal.asgi import application
from portal.limits import BodyLimit
from tests.helpers import persona

MB = 1024 * 1024
CHUNK = 64 * 1024
BROWSER = b"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def http_scope(path="/ping", method="POST", headers=()):
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }


class Body:
    """The server's side of a request body: ``receive`` hands out the chunks
    (the last with more_body False unless ``endless``) and counts the calls."""

    def __init__(self, chunks=(), *, endless_chunk: bytes | None = None):
        self.chunks = list(chunks)
        self.endless_chunk = endless_chunk
        self.calls = 0

    async def receive(self):
        self.calls += 1
        if self.endless_chunk is not None:
            return {"type": "http.request", "body": self.endless_chunk, "more_body": True}
        if self.chunks:
            chunk = self.chunks.pop(0)
            return {"type": "http.request", "body": chunk, "more_body": bool(self.chunks)}
        await asyncio.Event().wait()  # no more: the client is still connected


class Reader:
    """An ASGI app that reads the whole body as Django's handler does, and
    answers 200."""

    def __init__(self):
        self.called = False
        self.scope = None
        self.body = b""

    async def __call__(self, scope, receive, send):
        self.called, self.scope = True, scope
        while True:
            message = await receive()
            self.body += message.get("body", b"")
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"read"})


async def call(app, scope, receive):
    sent = []

    async def send(message):
        sent.append(message)

    await app(scope, receive, send)
    start, body = sent[0], b"".join(m.get("body", b"") for m in sent[1:])
    return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, body.decode()


def length(n: int) -> tuple[bytes, bytes]:
    return (b"content-length", str(n).encode())


CHUNKED = (b"transfer-encoding", b"chunked")


async def test_sbx06_a_declared_length_over_the_limit_is_refused_before_a_byte_is_received():
    body, app = Body(endless_chunk=b"x" * CHUNK), Reader()
    status, headers, text = await call(BodyLimit(app, 1000), http_scope(headers=[length(1001)]), body.receive)
    assert status == 413
    assert body.calls == 0 and not app.called
    assert headers["connection"] == "close"  # the server stops reading the rest
    assert headers["content-type"].startswith("text/plain")
    assert "SBX-06" in text and "at most 1000 bytes" in text


async def test_sbx06_a_chunked_body_is_refused_once_it_passes_the_limit():
    """No Content-Length: counted as it streams, refused at the chunk that
    passes the limit, the rest never received."""
    body, app = Body(endless_chunk=b"x" * CHUNK), Reader()
    scope = http_scope(headers=[CHUNKED])
    status, headers, text = await call(BodyLimit(app, 200_000), scope, body.receive)
    assert status == 413 and "SBX-06" in text
    assert body.calls == 4  # 4 x 64 KB is the first count past 200,000 bytes
    assert not app.called
    assert headers["connection"] == "close"


async def test_sbx06_a_body_at_the_limit_passes_through_whole():
    data = bytes(range(256)) * 4000  # 1,024,000 bytes, in 16 chunks
    chunks = [data[i : i + CHUNK] for i in range(0, len(data), CHUNK)]
    app = Reader()
    scope = http_scope(headers=[length(len(data))])
    status, _, _ = await call(BodyLimit(app, len(data)), scope, Body(chunks).receive)
    assert status == 200
    assert app.body == data
    assert app.scope is scope  # the headers as the client sent them


async def test_sbx06_a_chunked_body_within_the_limit_reaches_the_app_with_its_length():
    """WSGI reads a body only by its Content-Length: a chunked one gets it."""
    chunks = [b"a" * 1000, b"b" * 2000, b"c" * 3]
    app = Reader()
    scope = http_scope(headers=[CHUNKED, (b"content-type", b"text/plain")])
    status, _, _ = await call(BodyLimit(app, 5000), scope, Body(chunks).receive)
    assert status == 200
    assert app.body == b"".join(chunks)
    assert (b"content-length", b"3003") in app.scope["headers"]
    assert CHUNKED not in app.scope["headers"]


async def test_sbx06_a_client_gone_before_its_body_ends_runs_no_view():
    sent = [{"type": "http.request", "body": b"name=half", "more_body": True}, {"type": "http.disconnect"}]

    async def receive():
        return sent.pop(0)

    async def send(message):
        raise AssertionError("nobody to answer")

    app = Reader()
    await BodyLimit(app, 1000)(http_scope(headers=[length(100)]), receive, send)
    assert not app.called


async def test_sbx06_a_get_without_a_body_passes_through():
    app = Reader()
    status, _, _ = await call(BodyLimit(app, 10), http_scope(method="GET"), Body([b""]).receive)
    assert status == 200 and app.called


async def test_sbx06_a_browser_gets_the_portals_page():
    body = Body(endless_chunk=b"x")
    scope = http_scope(headers=[length(3 * MB), (b"accept", BROWSER)])
    status, headers, text = await call(BodyLimit(Reader(), int(2.5 * MB)), scope, body.receive)
    assert status == 413
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert 'id="request-too-large" data-rule="SBX-06"' in text
    assert "at most 2.5 MB" in text
    assert "1,000,000 characters" in text  # what a template may hold
    assert "<title>Request too large - Microsoft Azure (VNet Lab)</title>" in text
    assert 'class="az-topbar"' in text  # the portal's frame, links home included
    assert body.calls == 0


@pytest.mark.parametrize("accept", [BROWSER, "application/json"])
async def test_sbx06_the_refusal_carries_the_same_security_headers_as_every_other_answer(accept):
    """The 413 is answered before Django's middleware, so it sets the headers
    itself: the strict policy of docs/hosting.md, "Security headers"."""
    scope = http_scope(headers=[length(3 * MB), (b"accept", accept if isinstance(accept, bytes) else accept.encode())])
    status, headers, _ = await call(BodyLimit(Reader(), int(2.5 * MB)), scope, Body(endless_chunk=b"x").receive)
    assert status == 413
    other = await asyncio.to_thread(Client().get, "/static/portal/portal.js")
    for name in ("Content-Security-Policy", "Permissions-Policy", "Referrer-Policy", "X-Content-Type-Options"):
        assert headers[name.lower()] == other[name], name
    assert headers["x-frame-options"] == "DENY"
    assert "'unsafe-inline'" not in headers["content-security-policy"]


async def test_sbx06_htmx_gets_a_toast_and_the_pane_stays():
    """portal.js lets a 413 swap: only the toast, out of band."""
    scope = http_scope(headers=[length(3 * MB), (b"hx-request", b"true"), (b"accept", b"*/*")])
    status, headers, text = await call(BodyLimit(Reader(), int(2.5 * MB)), scope, Body().receive)
    assert status == 413
    assert headers["hx-reswap"] == "none"
    assert text.startswith('<div id="toasts" hx-swap-oob="beforeend"><div class="az-toast az-level-error"')
    assert "Request too large" in text and "at most 2.5 MB" in text and "(SBX-06)" in text


@pytest.mark.parametrize("accept", [None, b"*/*", b"application/json", b"text/html;q=0"])
async def test_sbx06_a_client_that_doesnt_ask_for_html_gets_a_line_of_text(accept):
    headers = [length(2 * MB)] + ([(b"accept", accept)] if accept else [])
    status, response_headers, text = await call(BodyLimit(Reader(), MB), http_scope(headers=headers), Body().receive)
    assert status == 413
    assert response_headers["content-type"] == "text/plain; charset=utf-8"
    assert text == "413 Request too large. The request's body is larger than this lab accepts (at most 1 MB). Nothing was changed. (SBX-06)\n"


def test_sbx06_the_default_limit_is_djangos_limit_on_a_forms_data(settings):
    assert settings.VNETLAB_MAX_REQUEST_BYTES == global_settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 2_621_440


# --- through portal.asgi: Django behind the limit, on its worker threads ------------------


async def asgi_post(path: str, cookies: dict, form: dict, *, chunked: bool):
    """POST ``form`` as htmx does, through the server's application, in 64 KB
    chunks as a server hands them on; with a Content-Length or chunked."""
    data = urlencode(form).encode()
    headers = [
        (b"cookie", "; ".join(f"{k}={v}" for k, v in cookies.items()).encode()),
        (b"x-csrftoken", cookies["csrftoken"].encode()),
        (b"hx-request", b"true"),
        (b"content-type", b"application/x-www-form-urlencoded"),
        CHUNKED if chunked else length(len(data)),
    ]
    chunks = [data[i : i + CHUNK] for i in range(0, len(data), CHUNK)]
    status, _, text = await call(application, http_scope(path, headers=headers), Body(chunks).receive)
    return status, text, len(data), len(chunks)


@pytest.fixture
def deploy_form(transactional_db) -> tuple[str, dict]:
    """A learner's "Deploy a custom template" URL and cookies (session and
    CSRF, from the first page), in a sandbox the server's threads can see."""
    learner = persona(Client())
    subscription = learner.sandbox.subscriptions.get()
    path = reverse(
        "resource_group_deploy_template",
        kwargs={"subscription_id": subscription.subscription_id, "rg": "contoso-rg"},
    )
    return path, {k: v.value for k, v in learner.cookies.items()}


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_sbx06_the_largest_template_a_learner_can_paste_reaches_django_whole(deploy_form, chunked):
    """One character past the template field's 1,000,000 (about 1.4 MB as a
    form): the field counts every character, so the whole body arrived."""
    from portal.export_views import MAX_TEMPLATE_BYTES

    line = json.dumps({"type": "Microsoft.Network/virtualNetworks", "name": "vnet-ñ", "tags": {"k": "v"}}) + "\n"
    template = (line * (MAX_TEMPLATE_BYTES // len(line) + 1))[: MAX_TEMPLATE_BYTES + 1]
    status, text, size, chunks = await asgi_post(*deploy_form, {"template": template}, chunked=chunked)
    assert 1.2 * MB < size < 2.5 * MB and chunks > 16
    assert status == 422
    assert f"at most {MAX_TEMPLATE_BYTES} characters (it has {MAX_TEMPLATE_BYTES + 1})" in text


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_sbx06_a_template_in_many_chunks_deploys(deploy_form, chunked):
    template = {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "resources": [
            {
                "type": "Microsoft.Network/virtualNetworks",
                "apiVersion": "2023-09-01",
                "name": "limits-vnet",
                "location": "eastus",
                "properties": {"addressSpace": {"addressPrefixes": ["10.77.0.0/16"]}},
            }
        ],
    }
    text = " " * 400_000 + json.dumps(template)  # JSON's whitespace, as a pasted file may carry
    status, page, _, chunks = await asgi_post(*deploy_form, {"template": text}, chunked=chunked)
    assert chunks > 4
    assert status == 200, page[:2000]
    assert "limits-vnet" in page


# --- a real server: uvicorn serving portal.asgi in a process of its own --------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """uvicorn as `make run` starts it (run_bench's Server), DEBUG off, on a
    free port. Nothing here reaches the database: an empty SQLite file."""
    from tests.bench.run_bench import Server

    tmp = tmp_path_factory.mktemp("limits")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DJANGO_SETTINGS_MODULE", "tests.bench.settings")
        env.setenv("DJANGO_DEBUG", "false")
        env.setenv("DJANGO_SECRET_KEY", "limits-" + "k" * 50)
        env.setenv("DATABASE_URL", f"sqlite:///{tmp / 'empty.sqlite3'}")
        env.setenv("VNETLAB_PRUNE_EVERY_SECONDS", "0")
        env.delenv("REDIS_URL", raising=False)
        running = Server(1, tmp / "uvicorn.log")
    try:
        running.wait_ready()
        yield running
    finally:
        running.stop()


def status_kb(pid: int, field: str) -> int:
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(field + ":"))


def read_answer(sock) -> bytes:
    """What the server answered before it closed the connection."""
    answer = b""
    sock.settimeout(10)
    try:
        while chunk := sock.recv(65536):
            answer += chunk
    except (ConnectionResetError, TimeoutError):
        pass
    return answer


def hostile_post(port: int, size: int, *, chunked: bool) -> tuple[bytes, int]:
    """POST ``size`` bytes of zeros to /ping from a generator (the test holds
    one 64 KB chunk), stopping as soon as the server answers. Returns the
    answer and the bytes sent."""
    zeros = bytes(CHUNK)
    framed = b"%x\r\n" % CHUNK + zeros + b"\r\n"

    def pieces():
        for _ in range(size // CHUNK):
            yield framed if chunked else zeros

    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {size}"
    head = f"POST /ping HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\n{framing}\r\n\r\n"
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head.encode())
        try:
            for piece in pieces():
                if select.select([sock], [], [], 0)[0]:
                    break  # the server has answered
                sock.sendall(piece)
                sent += len(piece)
        except (BrokenPipeError, ConnectionResetError):
            pass
        return read_answer(sock), sent


def get(port: int, path: str, timeout: float = 10) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_sbx06_ten_300_mb_requests_at_once_leave_the_servers_memory_under_300_mb(server):
    assert get(server.port, "/ping") == (200, b"pong")
    before = status_kb(server.proc.pid, "VmRSS")
    size = 300 * MB
    with ThreadPoolExecutor(10) as pool:
        runs = list(pool.map(lambda i: hostile_post(server.port, size, chunked=i % 2 == 1), range(10)))
    peak, after = status_kb(server.proc.pid, "VmHWM"), status_kb(server.proc.pid, "VmRSS")
    for answer, sent in runs:
        assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
        assert b"(SBX-06)" in answer
        assert sent < 64 * MB  # the client stopped when the answer came
    assert peak < 300 * 1024, f"peak RSS {peak // 1024} MB (at rest {before // 1024} MB)"
    assert after < 300 * 1024
    assert after - before < 50 * 1024, f"RSS {before // 1024} MB before, {after // 1024} MB after"
    assert get(server.port, "/ping") == (200, b"pong")
    assert "Traceback" not in server.log_tail(20_000)


def test_sbx06_slow_uploads_hold_no_thread_that_serves_pages(server, settings):
    """More clients than VNETLAB_HTTP_THREADS trickle form bodies Django would
    read (a POST with a CSRF cookie): the server reads them on its event loop,
    so /ping still answers at once."""
    slow = []
    try:
        for _ in range(settings.VNETLAB_HTTP_THREADS + 2):
            sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
            sock.sendall(
                b"POST /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: csrftoken=" + b"a" * 32 + b"\r\n"
                b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\nname=slow"
            )
            slow.append(sock)
        assert get(server.port, "/ping", timeout=5) == (200, b"pong")
    finally:
        for sock in slow:
            sock.close()
