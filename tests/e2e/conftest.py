"""Browser tests: Chromium (tests/e2e/browser.py says which), driven by
Playwright's sync API, against a real ASGI server (uvicorn in a thread of
this process).

Why it is built this way:

- pytest-django's ``live_server`` speaks WSGI, so the WebSocket every page
  opens would get a 404. Uvicorn in a thread serves ``portal.asgi`` instead and
  shares this process's channel layer (in-memory or Redis) and test database.
- The browser tests use ``transactional_db``: the server's threads have their
  own connections and must see committed rows, and the test must see theirs.
- Playwright's sync API runs an event loop in the main thread while it is
  started. Django then refuses ORM calls from the main thread unless
  ``DJANGO_ALLOW_ASYNC_UNSAFE`` is set, and pytest-asyncio can't start its own
  loop. So Playwright lives for one test module only: the loop is gone before
  any other module's tests run, whatever order pytest picks.
"""

import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.e2e.browser import describe, launch
from tests.e2e.support import CHROMIUM, RESTART_SECONDS, Tab, Tabs, slug


def _launch_or_fail(playwright):
    """The browser, or a failed test saying how to get one: a missing
    browser never skips the browser tests (issue #12)."""
    try:
        return launch(playwright, CHROMIUM)
    except Exception as exc:
        pytest.fail(
            f"{describe(CHROMIUM)} doesn't start, so the browser tests can't run ({str(exc).strip()[:300]}). "
            "Run scripts/ensure-browser.sh (`make test` does), or set VNETLAB_CHROMIUM.",
            pytrace=False,
        )


@dataclass
class LiveServer:
    url: str
    server: object
    thread: threading.Thread


@pytest.fixture(scope="session")
def asgi_server(django_db_setup) -> Iterator[LiveServer]:
    """Uvicorn serving portal.asgi on a free 127.0.0.1 port, for the session.

    It starts after the test database exists, so its connections use it.
    Static files are served as Django's own live server does (WhiteNoise's
    sync file iterators would warn under ASGI)."""
    import uvicorn
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

    from portal.asgi import application

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        ASGIStaticFilesHandler(application),
        host="127.0.0.1",
        port=port,
        ws="websockets-sansio",
        lifespan="off",
        log_level="warning",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="e2e-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("The ASGI server for the browser tests didn't start", pytrace=False)
        time.sleep(0.02)
    yield LiveServer(url=f"http://127.0.0.1:{port}", server=server, thread=thread)
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    """Chromium, for one test module (see the module docstring)."""
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        browser = _launch_or_fail(playwright)
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def tabs(request, chromium, asgi_server, transactional_db, settings) -> Iterator[Tabs]:
    """Tabs on the live server. Contexts close before the database is
    flushed, so no WebSocket outlives the test's data. Any console error in
    any tab fails the test (tests/e2e/support.py)."""
    settings.VNETLAB_RESTART_SECONDS = RESTART_SECONDS
    opened = Tabs(chromium=chromium, base_url=asgi_server.url, test_name=slug(request.node.name))
    yield opened
    errors = opened.console_errors()
    opened.close()
    _settle()
    if errors:
        pytest.fail("Console errors in the browser:\n" + "\n".join(errors), pytrace=False)


def _settle() -> None:
    """Before the test's data is emptied: the server's own work of the test
    ends first (an operation's timer, a lab's regrade, a closed tab's
    goodbye). On PostgreSQL a transaction of theirs that overlapped the
    TRUNCATE of the teardown could deadlock it (it did once, in CI)."""
    from django.db import connection

    from portal import live

    live.settle()
    if connection.vendor != "postgresql":
        return  # SQLite: a writer waits for the lock (its busy timeout) instead
    deadline = time.monotonic() + 10
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND state IN ('active', 'idle in transaction')"
            )
            if cursor.fetchone()[0] == 0:
                return
            time.sleep(0.05)


@pytest.fixture
def tab(tabs) -> Tab:
    """A learner's tab in a fresh sandbox; it has not loaded any page yet."""
    return tabs.tab()
