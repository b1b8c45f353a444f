"""Security headers on every response (issue #12; docs/hosting.md, "Security
headers"): a strict Content-Security-Policy (scripts and styles from our own
static files only, no eval), a Permissions-Policy denying what the lab never
uses, Referrer-Policy, nosniff and no framing. And what makes the strict
policy livable: no page or pane a learner can reach draws an inline script,
an inline style, an event handler or anything htmx would have to eval."""

import json
import re
from html.parser import HTMLParser

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from classroom.services import create_instructor
from labs.models import LabRun
from portal.headers import PermissionsPolicyMiddleware
from tests.fuzz import forms as fuzz_forms
from tests.helpers import HX, app_url

pytestmark = pytest.mark.django_db

HTML = {"HTTP_ACCEPT": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}

STRICT_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
DENIED_FEATURES = ("camera", "microphone", "geolocation", "payment", "usb", "browsing-topics", "interest-cohort")


def _policy(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def _assert_security_headers(response) -> None:
    policy = _policy(response["Content-Security-Policy"])
    assert policy == STRICT_POLICY
    for directive in ("script-src", "style-src", "default-src"):
        assert "'unsafe-inline'" not in policy[directive] and "'unsafe-eval'" not in policy[directive]
    features = dict(item.strip().split("=", 1) for item in response["Permissions-Policy"].split(","))
    for feature in DENIED_FEATURES:
        assert features[feature] == "()", feature
    assert "clipboard-write" not in features, "Export template's Copy button writes the clipboard"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_portal_page_carries_the_strict_policy_and_turns_off_htmx_eval(alice):
    response = alice.get(reverse("all_resources"))
    assert response.status_code == 200
    _assert_security_headers(response)
    assert response["X-Frame-Options"] == "DENY"  # for browsers without frame-ancestors
    html = response.content.decode()
    config = re.search(r"""<meta name="htmx-config" content='([^']*)'>""", html)
    assert config, "no htmx-config"
    config = json.loads(config.group(1))
    assert config["includeIndicatorStyles"] is False and config["allowEval"] is False
    # Settling a swap and restoring history would set style attributes the policy refuses.
    assert "style" not in config["attributesToSettle"]
    assert config["historyCacheSize"] == 0


def test_an_htmx_partial_carries_the_strict_policy(alice):
    response = alice.get(reverse("all_resources") + "?q=contoso", **HX)
    assert response.status_code == 200 and "<html" not in response.content.decode()
    _assert_security_headers(response)


def test_a_404_carries_the_strict_policy(alice):
    response = alice.get("/no-such-blade/")
    assert response.status_code == 404
    _assert_security_headers(response)


def test_a_404_for_a_nul_in_the_path_carries_the_strict_policy():
    response = Client().get("/resources/a%00b/")
    assert response.status_code == 404
    _assert_security_headers(response)


def test_a_static_file_carries_the_strict_policy():
    response = Client().get("/static/portal/portal.js")
    assert response.status_code == 200
    response.close()
    _assert_security_headers(response)


def test_the_429_page_carries_the_strict_policy(settings):
    settings.VNETLAB_NEW_SANDBOXES_PER_HOUR = 1
    assert Client(REMOTE_ADDR="192.0.2.20").get("/", **HTML).status_code == 200
    response = Client(REMOTE_ADDR="192.0.2.20").get("/", **HTML)
    assert response.status_code == 429
    _assert_security_headers(response)


def test_the_no_sandbox_page_carries_the_strict_policy():
    response = Client().post(reverse("all_resources"))
    assert response.status_code == 403
    _assert_security_headers(response)


def test_a_view_may_set_its_own_permissions_policy(rf):
    """The middleware fills the header in, never overwrites one a view set."""
    own = HttpResponse(headers={"Permissions-Policy": "clipboard-write=(self)"})
    assert (
        PermissionsPolicyMiddleware(lambda request: own)(rf.get("/"))["Permissions-Policy"] == "clipboard-write=(self)"
    )


# --- What the policy would refuse: none of it in any page or pane -----------------------


class _InlineCode(HTMLParser):
    """Collects what a strict CSP refuses (or what htmx would eval) in one page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._script_without_src = False

    def handle_starttag(self, tag, attrs) -> None:
        a = dict(attrs)
        if tag == "style":
            self.found.append("<style> element")
        if tag == "script":
            self._script_without_src = "src" not in a
        for name, value in attrs:
            value = value or ""
            if name == "style":
                self.found.append(f'<{tag} style="{value}">')
            elif name.startswith("on") or name.startswith(("hx-on", "data-hx-on")):
                self.found.append(f"<{tag} {name}=...> (inline handler)")
            elif value.strip().lower().startswith("javascript:"):
                self.found.append(f'<{tag} {name}="{value}">')
            elif name in ("hx-vals", "hx-vars") and (name == "hx-vars" or value.strip().startswith("js:")):
                self.found.append(f"<{tag} {name}> (evaluated by htmx)")
            elif name == "hx-trigger" and any("[" in part.split()[0] for part in value.split(",") if part.split()):
                self.found.append(f'<{tag} hx-trigger="{value}"> (a filter htmx evaluates)')

    def handle_data(self, data) -> None:
        if self._script_without_src and data.strip():
            self.found.append(f"inline <script>: {data.strip()[:60]}")

    def handle_endtag(self, tag) -> None:
        if tag == "script":
            self._script_without_src = False


def _inline_code(html: str) -> list[str]:
    parser = _InlineCode()
    parser.feed(html)
    return parser.found


def test_the_check_finds_each_thing_the_policy_refuses():
    """The walk below would pass on an empty portal: its check must bite."""
    found = _inline_code(
        '<div style="width:5%"></div><script>alert(1)</script><style>p{}</style><a onclick="x()" href="#">'
        '<button hx-on:click="x()"></button><a href="javascript:x()"></a><i hx-vals="js:{a: 1}"></i>'
        '<input hx-trigger="keyup[key==\'Enter\']"><input hx-trigger="input changed from:input[name=q]">'
        '<script src="/static/portal/portal.js"></script>'
    )
    assert len(found) == 8, found


def test_no_page_or_pane_a_learner_reaches_has_inline_script_style_or_handlers(carol):
    """Every page and pane the fuzz walk reaches from Home, All resources,
    Create a resource, Network Watcher and the Labs hub, in a sandbox with
    the full network seed, plus the blades the browser test opens."""
    offenders: dict[str, list[str]] = {}
    pages = 0

    walked: set[str] = set()

    def fetch(method, url, data, hx):
        nonlocal pages
        walked.add(url)
        response = carol.get(url, **(HX if hx else {}))
        text = response.content.decode(errors="replace") if response["Content-Type"].startswith("text/html") else ""
        if text:
            pages += 1
            if found := _inline_code(text):
                offenders[url] = found
        return response.status_code, text

    fuzz_forms.discover(fetch, max_pages=400)
    for page in ("networking", "vnet_integration", "configuration", "scale_up", "troubleshoot", "console"):
        fetch("GET", app_url(carol, page, "contoso-web"), None, False)

    # The lab panel (its progress bar), a hint, a check, the result; then an exam's panel.
    assert carol.post(reverse("labs:start", args=["integrate-same-region"])).status_code == 302
    run = LabRun.objects.get(sandbox=carol.sandbox, finished_at__isnull=True)
    fetch("GET", reverse("home"), None, False)
    for name, data in (("labs:hint", {"task": 0, "hint": 0}), ("labs:check", {}), ("labs:finish", {})):
        answer = carol.post(reverse(name, args=[run.pk]), data, **HX)
        assert answer.status_code < 400 and not _inline_code(answer.content.decode()), name
    fetch("GET", reverse("labs:result", args=[run.pk]), None, False)
    exam = {"exam": "AZ-104", "skill": "", "tasks": "1", "minutes": "30"}
    assert carol.post(reverse("labs:exam_setup"), exam).status_code == 302
    fetch("GET", reverse("home"), None, False)

    # The classroom: the sign-in page (reached from the account menu), its
    # refusal, and an instructor's Classes.
    assert "/classroom/signin/" in walked
    create_instructor("dana", "tidal-basin-gateway-42")
    refusal = carol.post(reverse("classroom:sign_in"), {"username": "dana", "password": "wrong-password-1"})
    assert refusal.status_code == 200 and not _inline_code(refusal.content.decode())
    carol.post(reverse("classroom:sign_in"), {"username": "dana", "password": "tidal-basin-gateway-42"})
    assert fetch("GET", reverse("classroom:classes"), None, False)[0] == 200

    assert pages > 100
    assert offenders == {}
