"""A tab left open while the server is killed mid-restart and started again
shows the truth without a reload (issue #12, live state that heals).

This test runs its own server as `make run` does (uvicorn in a process of its
own, with its lifespan, on a SQLite file) so it can kill it with SIGKILL and
start it again on the same port: the server in a thread that the other
browser tests share can't be killed."""

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from playwright.sync_api import expect

from tests.e2e.flows import htmx_click, status_badge, toast, wait_for_pane
from tests.e2e.support import LIVE_TIMEOUT_MS, PAGE_PROBE, Tab, slug

pytestmark = pytest.mark.browser

ROOT = Path(django_settings.BASE_DIR)
RESTART_SECONDS = 3.0
# The tab tries again within 0.25-5 s (static/portal/portal.js); the server
# takes a few seconds to start.
RECONNECT_TIMEOUT_MS = 45_000


class ServerProcess:
    """uvicorn serving portal.asgi on a SQLite file, in a process of its own."""

    def __init__(self, workdir: Path) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / "uvicorn.log"
        self.env = {
            **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")},
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "DJANGO_DEBUG": "true",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
            "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
            "VNETLAB_RESTART_SECONDS": str(RESTART_SECONDS),
            "VNETLAB_SEED_NETWORK": "false",
            "VNETLAB_PRUNE_EVERY_SECONDS": "0",
        }
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "--verbosity", "0"],
            cwd=ROOT, env=self.env, check=True, timeout=180,
        )  # fmt: skip
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        log = open(self.log_path, "ab")  # noqa: SIM115 (the child holds it)
        self.proc = subprocess.Popen(
            [
                sys.executable, "-m", "uvicorn", "portal.asgi:application",
                "--host", "127.0.0.1", "--port", str(self.port), "--ws", "websockets-sansio", "--no-access-log",
            ],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        log.close()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"uvicorn exited with {self.proc.returncode}:\n{self.log_tail()}", pytrace=False)
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.05)
        pytest.fail(f"uvicorn didn't listen within 60 s:\n{self.log_tail()}", pytrace=False)

    def kill(self) -> None:
        """SIGKILL: no shutdown, no timer survives, nothing is flushed."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)

    def log_tail(self) -> str:
        return self.log_path.read_bytes()[-4000:].decode(errors="replace") if self.log_path.exists() else ""


@pytest.fixture
def server(tmp_path):
    process = ServerProcess(tmp_path)
    process.start()
    yield process
    process.kill()
    assert "Traceback" not in process.log_tail(), process.log_tail()


def test_a_tab_open_while_the_server_is_killed_mid_restart_shows_running_without_a_reload(chromium, server, request):
    context = chromium.new_context(base_url=server.url, viewport={"width": 1440, "height": 900})
    context.set_default_timeout(LIVE_TIMEOUT_MS)
    context.add_init_script(PAGE_PROBE)
    tab = Tab(page=context.new_page(), base_url=server.url, label="", test_name=slug(request.node.name))
    page = tab.page
    errors: list[tuple[str, str]] = []  # (when: before/outage/after, text)
    phase = ["before"]
    page.on("console", lambda m: m.type == "error" and errors.append((phase[0], m.text)))
    page.on("pageerror", lambda e: errors.append((phase[0], str(e))))
    try:
        tab.goto("/resources/")
        tab.follow(page.get_by_role("link", name="contoso-web", exact=True), "overview")
        expect(status_badge(tab)).to_have_attribute("data-status", "Running")
        loaded_at = tab.probe()["loadedAt"]

        htmx_click(tab, page.locator("#restart-app"), "/restart", method="GET")
        htmx_click(tab, wait_for_pane(tab).locator("#restart-form-yes"), "/restart")
        restarted_at = time.monotonic()
        expect(status_badge(tab)).to_have_attribute("data-status", "Restarting")
        expect(toast(tab, "Restarting app 'contoso-web'")).to_be_visible()

        phase[0] = "outage"
        server.kill()
        expect(page.locator("body")).to_have_attribute("data-ws", "closed")
        tab.shot("server-killed")
        # Start again once the restart is over: no timer of the killed server
        # finishes it, and no tab could hear it; the new server's start does.
        time.sleep(max(0.0, restarted_at + RESTART_SECONDS + 0.5 - time.monotonic()))
        expect(status_badge(tab)).to_have_attribute("data-status", "Restarting")
        server.start()

        page.wait_for_function("() => document.body.dataset.ws === 'live'", timeout=RECONNECT_TIMEOUT_MS)
        phase[0] = "after"
        expect(status_badge(tab)).to_have_attribute("data-status", "Running", timeout=2_000)
        expect(toast(tab, "Successfully restarted app 'contoso-web'")).to_be_visible(timeout=2_000)
        expect(toast(tab, "Restarting app 'contoso-web'")).to_have_count(0)
        expect(page.locator("#bell-count")).to_have_text(re.compile(r"^[1-9]"))
        tab.shot("healed")
        assert tab.probe()["loadedAt"] == loaded_at, "the tab was reloaded"

        # Only the browser's own reports of the refused connection, while no
        # server listened; nothing before the kill or after reconnecting.
        refused = re.compile(
            rf"^WebSocket connection to 'ws://127\.0\.0\.1:{server.port}/ws/sandbox/' failed|^\[object Event\]$"
        )
        assert [text for when, text in errors if when != "outage" or not refused.search(text)] == []
    finally:
        context.close()
