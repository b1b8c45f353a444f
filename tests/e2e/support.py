"""What the browser tests drive: tabs (one page each, in a browser context of
their own) on the live ASGI server, with screenshots and a probe of what the
tab's WebSocket received."""

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings as django_settings
from django.contrib.sessions.backends.signed_cookies import SessionStore

from appservice.models import WebApp
from portal.middleware import SESSION_KEY
from portal.models import Sandbox
from tests.e2e.browser import chromium_executable
from tests.helpers import app_url

# The system's Chromium or Playwright's own (None): tests/e2e/browser.py.
CHROMIUM = chromium_executable()
SCREENSHOTS = Path(django_settings.BASE_DIR) / "artifacts" / "screenshots"
# Long enough for a second tab to see "Restarting", short enough for a test.
RESTART_SECONDS = float(os.environ.get("VNETLAB_E2E_RESTART_SECONDS", "1.5"))
# Patience for anything that waits on a push or an operation to finish.
LIVE_TIMEOUT_MS = 15_000
# A console error is a bug (issue #12): every tab records them and the test
# fails at its end if there are any. A 4xx answer to a page or an htmx
# request is the portal refusing what the test sent on purpose (a field
# error's 422, another sandbox's 404): the browser reports it as a failed
# load, which is no error of the page. A static file that fails to load is one.
REFUSED_LOAD = re.compile(r"^Failed to load resource: the server responded with a status of 4\d\d ")

# Counts what the tab's WebSocket receives, and records every app status badge
# and toast it shows (a toast's title, and all its text), so tests can prove
# a change arrived live (and that nothing arrived) even when it was on screen
# only briefly.
PAGE_PROBE = """
window.__vnetlab = {wsMessages: 0, statuses: [], toasts: [], toastTexts: [], loadedAt: Date.now()};
document.addEventListener("htmx:wsAfterMessage", function () { window.__vnetlab.wsMessages += 1; });
document.addEventListener("DOMContentLoaded", function () {
  function record(node) {
    if (node.nodeType === 1 && node.id && node.id.indexOf("app-status-") === 0) {
      window.__vnetlab.statuses.push(node.dataset.status);
    }
    if (node.nodeType === 1 && node.classList.contains("az-toast")) {
      const title = node.querySelector(".az-toast-title");
      window.__vnetlab.toasts.push(title ? title.textContent.trim() : "");
      window.__vnetlab.toastTexts.push(node.textContent.replace(/\\s+/g, " ").trim());
    }
  }
  document.querySelectorAll("span[id^=app-status-]").forEach(record);
  new MutationObserver(function (mutations) {
    mutations.forEach(function (m) { m.addedNodes.forEach(record); });
  }).observe(document.body, {childList: true, subtree: true});
});
"""


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")


@dataclass
class Tab:
    """One page of a browser context, with the helpers the walkthrough needs."""

    page: object
    base_url: str
    label: str
    test_name: str
    errors: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.errors.append(f"{self.page.url}: {error}"))

    def _console(self, message) -> None:
        if message.type != "error":
            return
        source = message.location.get("url", "")
        if REFUSED_LOAD.match(message.text) and "/static/" not in source:
            return
        self.errors.append(f"{self.page.url}: {message.text} ({source})")

    def shot(self, step: str) -> Path:
        """Save what the tab shows as artifacts/screenshots/<test>-<step>.png."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        name = f"{self.test_name}-{self.label + '-' if self.label else ''}{step}"
        path = SCREENSHOTS / f"{slug(name)}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    # wait_for_function takes functions ("() => ..."), never bare expressions:
    # Playwright evals an expression inside the page, and the portal's CSP
    # (no 'unsafe-eval') refuses that.

    def wait_live(self) -> None:
        """Wait for the page's WebSocket to be open and the state the server
        sends on connecting to be in (body[data-ws=live])."""
        self.page.wait_for_load_state("load")
        self.page.wait_for_function(
            "() => document.body && document.body.dataset.ws === 'live'", timeout=LIVE_TIMEOUT_MS
        )

    def settle(self) -> None:
        """Wait until htmx has no request in flight and has processed what it
        swapped in: a control clicked earlier has no htmx behaviour yet."""
        self.page.wait_for_function(
            "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')", timeout=LIVE_TIMEOUT_MS
        )

    def goto(self, path: str, step: str | None = None):
        response = self.page.goto(self.base_url + path)
        if response is not None and response.ok:
            self.wait_live()
        if step:
            self.shot(step)
        return response

    def follow(self, locator, step: str | None = None) -> None:
        """Click something that loads a new page (a link, a plain form)."""
        with self.page.expect_navigation():
            locator.click()
        self.wait_live()
        if step:
            self.shot(step)

    def probe(self) -> dict:
        return self.page.evaluate("window.__vnetlab")

    def sandbox(self) -> Sandbox:
        """The sandbox this tab's session cookie points at. A tab that hasn't
        visited the portal yet opens Home first: the first visit creates it."""
        cookie = self._session_cookie()
        if cookie is None:
            self.goto("/")
            cookie = self._session_cookie()
        key = SessionStore(session_key=cookie["value"]).load()[SESSION_KEY]
        return Sandbox.objects.get(secret=key)

    def _session_cookie(self) -> dict | None:
        name = django_settings.SESSION_COOKIE_NAME
        return next((c for c in self.page.context.cookies() if c["name"] == name), None)

    def app(self, name: str) -> WebApp:
        return WebApp.objects.select_related("resource_group__subscription", "plan").get(
            sandbox=self.sandbox(), name=name
        )

    def app_url(self, name: str, page: str = "overview") -> str:
        return app_url(self.app(name), page)


@dataclass
class Tabs:
    """Opens tabs in new browser contexts. A context is one cookie jar, hence
    one sandbox; pass ``same_sandbox_as`` to copy another tab's cookies."""

    chromium: object
    base_url: str
    test_name: str
    contexts: list = field(default_factory=list)
    tabs: list[Tab] = field(default_factory=list)

    def tab(self, label: str = "", *, same_sandbox_as: Tab | None = None) -> Tab:
        storage_state = same_sandbox_as.page.context.storage_state() if same_sandbox_as else None
        context = self.chromium.new_context(
            base_url=self.base_url, viewport={"width": 1440, "height": 900}, storage_state=storage_state
        )
        context.set_default_timeout(LIVE_TIMEOUT_MS)
        context.add_init_script(PAGE_PROBE)
        self.contexts.append(context)
        opened = Tab(page=context.new_page(), base_url=self.base_url, label=label, test_name=self.test_name)
        self.tabs.append(opened)
        return opened

    def console_errors(self) -> list[str]:
        return [error for tab in self.tabs for error in tab.errors]

    def close(self) -> None:
        for context in self.contexts:
            context.close()
