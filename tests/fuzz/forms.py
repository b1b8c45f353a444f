"""Find the forms a learner can submit by walking the portal's pages.

Starting from the home page, All resources and Create a resource, every
page's links and the panes its ``hx-get`` attributes open are fetched, and
every ``<form>`` (its ``action``/``hx-post``/``hx-get``, its inputs, selects,
textareas and named buttons) and every element posting on its own
(``hx-post`` with ``hx-vals``) is kept as an :class:`Endpoint`: where it
goes, how, and the values the page offered for each field. One page per
route (the URL conf's pattern) and query keys is walked, and one endpoint
per route, method and field names is kept, so a sandbox of hundreds of
resources is covered in a few hundred requests.

The walk is independent of the client: ``fetch(method, url, data, hx)``
answers ``(status, text)``, from Django's test client or from a real server.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urljoin, urlsplit

from django.urls import Resolver404, resolve

Fetch = Callable[[str, str, dict | None, bool], tuple[int, str]]
START = (
    "/",
    "/resources/",
    "/create/",
    "/resourcegroups/",
    "/networkwatcher/",
    "/learn/",
    "/labs/",
    "/labs/exam/",
    "/sandbox/",
)
# Never walked nor posted: starting the sandbox afresh would swap every
# resource the walk found for new ones.
SKIP = ("/sandbox/reset/", "/static/", "/ws/")
# Posted last: what removes the resources the other endpoints act on, or
# builds a lab's estate in their place.
DESTRUCTIVE = ("delete", "remove", "dissociate", "disconnect", "move", "reset", "finish", "start")


@dataclass
class Endpoint:
    method: str
    url: str
    fields: dict[str, list[str]] = field(default_factory=dict)
    hx: bool = True

    @property
    def route(self) -> str:
        return route_of(self.url)

    @property
    def destructive(self) -> bool:
        return any(word in self.url.lower() for word in DESTRUCTIVE)

    def key(self) -> tuple:
        return (self.method, self.route, tuple(sorted(self.fields)))


def route_of(url: str) -> str:
    try:
        return str(resolve(urlsplit(url).path).route)
    except Resolver404:
        return urlsplit(url).path


class _Page(HTMLParser):
    """The links, panes and forms of one page."""

    def __init__(self, base: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base = base
        self.links: list[str] = []
        self.panes: list[str] = []
        self.endpoints: list[Endpoint] = []
        self.form: Endpoint | None = None
        self.extra_actions: list[tuple[str, str]] = []
        self.select: str | None = None
        self.textarea: str | None = None

    def _url(self, raw: str | None) -> str | None:
        if not raw or raw.startswith(("#", "javascript:", "mailto:", "{")):
            return None
        url = urljoin(self.base, raw)
        parts = urlsplit(url)
        if parts.netloc and not url.startswith(("http://testserver", "http://127.0.0.1")):
            return None
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        return None if path.startswith(SKIP) else path

    def _add_field(self, name: str | None, value: str | None) -> None:
        if self.form is not None and name:
            values = self.form.fields.setdefault(name, [])
            if value is not None and value not in values:
                values.append(value)

    def handle_starttag(self, tag, attrs) -> None:  # noqa: C901 (one branch per element)
        a = dict(attrs)
        if tag == "a" and (url := self._url(a.get("href"))):
            self.links.append(url)
        if tag != "form" and (url := self._url(a.get("hx-get"))) and self.form is None:
            self.panes.append(url)
        if tag == "form":
            post = self._url(a.get("hx-post"))
            get = self._url(a.get("hx-get"))
            action = post or get or self._url(a.get("action")) or self._url(self.base)
            method = "POST" if post or (a.get("method", "get").lower() == "post" and not get) else "GET"
            self.form = Endpoint(method, action or self.base, hx=bool(post or get))
            self.extra_actions = []
        elif tag in ("button", "input") and self.form is None and (url := self._url(a.get("hx-post"))):
            posted = Endpoint("POST", url)
            try:
                vals = json.loads(a.get("hx-vals") or "{}")
            except ValueError:
                vals = {}
            for name, value in vals.items() if isinstance(vals, dict) else ():
                posted.fields[name] = [str(value)]
            if a.get("name"):
                posted.fields[a["name"]] = [a.get("value", "")]
            self.endpoints.append(posted)
        elif tag == "input":
            kind = a.get("type", "text")
            value = a.get("value", "" if kind not in ("checkbox", "radio") else "on")
            self._add_field(a.get("name"), value)
            if kind == "submit" and (url := self._url(a.get("formaction"))):
                self.extra_actions.append((a.get("formmethod", "post").upper(), url))
        elif tag == "button":
            self._add_field(a.get("name"), a.get("value", ""))
            if (url := self._url(a.get("formaction"))) and self.form is not None:
                self.extra_actions.append((a.get("formmethod", "post").upper(), url))
        elif tag == "select":
            self.select = a.get("name")
            self._add_field(self.select, None)
        elif tag == "option" and self.select:
            self._add_field(self.select, a.get("value", ""))
        elif tag == "textarea":
            self.textarea = a.get("name")
            self._add_field(self.textarea, None)
        if self.form is not None and tag not in ("form",) and (url := self._url(a.get("hx-get"))):
            # A picker that redraws its pane with its own value.
            redraw = Endpoint("GET", url, {a["name"]: []} if a.get("name") else {})
            self.endpoints.append(redraw)

    def handle_data(self, data) -> None:
        if self.textarea and data.strip():
            self._add_field(self.textarea, data)

    def handle_endtag(self, tag) -> None:
        if tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None
        elif tag == "form" and self.form is not None:
            form, self.form = self.form, None
            self.endpoints.append(form)
            for method, url in self.extra_actions:
                self.endpoints.append(Endpoint(method, url, dict(form.fields), hx=False))


# URL arguments that pick another form rather than another row: a wizard's
# kind, a resource's type, a rule grid's direction.
KIND_ARGS = ("kind", "provider", "type_name", "direction", "slug")


def _page_key(url: str) -> tuple:
    parts = urlsplit(url)
    try:
        match = resolve(parts.path)
    except Resolver404:
        return (parts.path,)
    kinds = tuple(str(match.kwargs.get(arg, "")) for arg in KIND_ARGS)
    return (str(match.route), kinds, tuple(sorted(k for k, _ in parse_qsl(parts.query))))


def discover(fetch: Fetch, *, max_pages: int = 400, per_route: int = 2) -> list[Endpoint]:
    """Walk the portal from :data:`START` and answer the endpoints found,
    harmless ones first and :data:`DESTRUCTIVE` ones last."""
    queue = [(url, False) for url in START]
    seen_pages: dict[tuple, int] = {}
    found: dict[tuple, list[Endpoint]] = {}
    pages = 0
    while queue and pages < max_pages:
        url, hx = queue.pop(0)
        key = _page_key(url)
        if seen_pages.get(key, 0) >= 1:
            continue
        seen_pages[key] = 1
        status, text = fetch("GET", url, None, hx)
        pages += 1
        if status != 200 or "<" not in text:
            continue
        page = _Page(url)
        try:
            page.feed(text)
        except AssertionError:  # html.parser on a malformed declaration
            continue
        queue += [(link, False) for link in page.links] + [(pane, True) for pane in page.panes]
        for endpoint in page.endpoints:
            same = found.setdefault(endpoint.key(), [])
            if len(same) < per_route:
                same.append(endpoint)
    endpoints = [e for group in found.values() for e in group]
    return sorted(endpoints, key=lambda e: e.destructive)
