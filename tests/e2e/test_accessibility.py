"""Readable by every learner (issue #13 item 6, docs/accessibility.md): every
kind of page a learner or an instructor sees, with its panes and menus
open, has no serious or critical axe-core violation of WCAG 2.1 AA
(A11Y-01..A11Y-06).

The pages come from the portal itself where they can: every resource of a
fresh sandbox's All resources list, every page of its type's resource menu
(one resource per type), and every pane a command of those pages opens (any
``hx-get`` aimed at the context pane). A type, a menu item or a pane added
later is checked without touching this file."""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from classroom.services import create_instructor
from tests.e2e.axe import axe_violations, describe, serious
from tests.e2e.flows import switch_era, wait_for_pane
from tests.e2e.support import Tab

pytestmark = pytest.mark.browser

PASSWORD = "tidal-basin-gateway-42"
# A resource's address: its type is what comes between providers/ and its name.
RESOURCE = re.compile(r"/providers/(?P<type>[^/]+/[^/]+)/[^/]+/")
# Commands that open the context pane with a GET (a delete's confirmation, Add VNet, + Add).
ERAS = ("classic", "current")  # the portal eras (their blades differ)
PANE_COMMANDS = (
    "#main :is(a, button)[hx-get][hx-target='#context-pane']:visible:not([disabled]):not([aria-disabled=true])"
)


class Audit:
    """What axe found page by page; fails once, listing every page."""

    def __init__(self, tab: Tab) -> None:
        self.tab = tab
        self.failures: list[str] = []
        self.checked: list[str] = []
        self.elements = 0

    def check(self, context: str) -> None:
        found = serious(axe_violations(self.tab.page))
        self.checked.append(context)
        self.elements += sum(len(v["nodes"]) for v in found)
        if found:
            self.failures.append(describe(found, context))

    def visit(self, path: str, context: str | None = None, *, live: bool = True) -> bool:
        """Load ``path`` (waiting for its WebSocket unless ``live`` is False:
        the classroom's pages have none) and check it."""
        response = self.tab.goto(path) if live else self.tab.page.goto(self.tab.base_url + path)
        if response is None or not response.ok:
            self.failures.append(f"{context or path}: {response and response.status}")
            return False
        self.check(context or path)
        return True

    def done(self) -> None:
        assert self.checked, "no page was checked"
        print(f"axe checked {len(self.checked)} pages and panes: {self.elements} elements in violation")
        if self.failures:
            pytest.fail("\n\n".join(self.failures), pytrace=False)


def _links(tab: Tab, selector: str) -> list[str]:
    hrefs = tab.page.eval_on_selector_all(selector, "(els) => els.map((a) => a.getAttribute('href'))")
    return list(dict.fromkeys(urlparse(h).path for h in hrefs if h and h.startswith("/")))


def _close_pane(tab: Tab) -> None:
    tab.page.keyboard.press("Escape")
    tab.page.wait_for_function("() => !document.querySelector('#context-pane.open')")


def _check_panes(audit: Audit, path: str) -> None:
    """Open each pane the page's commands open, check it, close it (Escape)."""
    tab = audit.tab
    count = tab.page.locator(PANE_COMMANDS).count()
    for index in range(count):
        command = tab.page.locator(PANE_COMMANDS).nth(index)
        if not command.is_visible():
            continue
        name = (command.get_attribute("id") or command.inner_text()).strip()
        command.click()
        try:
            wait_for_pane(tab)
        except PlaywrightTimeout:
            audit.failures.append(f"{path}: '{name}' opened no pane")
            tab.goto(path)
            continue
        audit.check(f"{path} with the pane of '{name}'")
        _close_pane(tab)


@pytest.mark.parametrize("era", ERAS)
def test_the_portal_pages_pass_axe(tab, era):
    """A11Y-01..A11Y-06: Home, All resources, Resource groups, Activity log,
    Portal settings, Create a resource, every wizard, 404; in each era."""
    audit = Audit(tab)
    switch_era(tab, era)
    for path in ("/", "/resources/", "/resourcegroups/", "/activitylog/", "/sandbox/"):
        audit.visit(path)
    wizards = _links(tab, "#main a[href^='/create/']") if audit.visit("/create/", "Create a resource") else []
    for wizard in [w for w in wizards if w != "/create/"]:
        audit.visit(wizard, f"the create wizard {wizard}")
    audit.visit("/resourcegroups/")
    for group in _links(tab, "#main a[href*='/resourceGroups/'][href$='/overview']")[:1]:
        audit.visit(group, "a resource group")
    tab.page.goto(tab.base_url + "/no-such-page/")
    audit.check("the 404 page")
    audit.done()


def test_the_top_bar_panes_and_menus_pass_axe(tab):
    """The notifications pane, the directories pane and the account menu, open."""
    audit = Audit(tab)
    tab.goto("/resources/")
    tab.page.locator(".az-bell").click()
    wait_for_pane(tab, "notifications-pane")
    audit.check("the Notifications pane")
    tab.page.keyboard.press("Escape")
    if tab.page.locator("#directories-button").count():
        tab.page.locator("#directories-button").click()
        wait_for_pane(tab)
        audit.check("the Directories + subscriptions pane")
        _close_pane(tab)
    tab.page.locator("#account-menu summary").click()
    audit.check("the account menu, open")
    audit.done()


@pytest.mark.parametrize("era", ERAS)
def test_every_resource_types_blades_and_panes_pass_axe(tab, era):
    """Every resource's overview; for one resource of each type, every page of
    its resource menu and every pane its commands open; in each portal era
    (their blades differ)."""
    audit = Audit(tab)
    switch_era(tab, era)
    tab.goto("/resources/")
    resources = _links(tab, "#resource-table a[href*='/providers/']")
    assert resources, "the fresh sandbox lists resources"
    seen: set[str] = set()
    for overview in resources:
        kind = RESOURCE.search(overview)
        if not audit.visit(overview, f"{overview} (overview)") or kind is None or kind["type"] in seen:
            continue
        seen.add(kind["type"])
        _check_menu_and_panes(audit, overview)
    audit.done()


def _check_menu_and_panes(audit: Audit, start: str) -> None:
    """Every page of ``start``'s resource menu, and the pages of the same
    resource that its pages link to (VNet Integration from Networking, an
    NSG's rules), each with its panes."""
    tab = audit.tab
    base = start.rsplit("/", 1)[0] + "/"
    to_visit = [start, *_links(tab, "nav.az-resource-menu a")]
    visited = {start}
    _check_panes(audit, start)
    while to_visit:
        page = to_visit.pop(0)
        if page in visited:
            continue
        visited.add(page)
        if audit.visit(page):
            _check_panes(audit, page)
            links = _links(tab, f"#main a[href^='{base}']:not([download])")
            to_visit += [link for link in links if link not in visited and not link.endswith("/download")]


def test_network_watcher_and_its_tools_pass_axe(tab):
    """Network Watcher: IP flow verify, the troubleshooters, effective routes..."""
    audit = Audit(tab)
    audit.visit("/networkwatcher/", "Network Watcher")
    _check_menu_and_panes(audit, urlparse(tab.page.url).path)
    audit.done()


def test_the_labs_a_lab_with_its_panel_and_exam_mode_pass_axe(tab):
    audit = Audit(tab)
    audit.visit("/learn/", "Labs (portal menu)")
    audit.visit("/labs/", "the labs catalog")
    lab = _links(tab, "#main tr[data-lab] a")[0]
    audit.visit(lab, "a lab's page")
    tab.follow(tab.page.locator("#start-lab"))
    tab.page.locator("#lab-panel").wait_for()
    audit.check("a started lab, with its panel")
    audit.visit("/labs/exam/", "exam setup")
    tab.follow(tab.page.locator("#start-exam"))
    audit.check("an exam, running")
    audit.visit("/resources/", "All resources during an exam")
    audit.done()


def test_the_classroom_sign_in_and_classes_pages_pass_axe(tab):
    audit = Audit(tab)
    create_instructor("dana", PASSWORD)
    audit.visit("/classroom/signin/", "the sign-in page", live=False)
    tab.page.get_by_label("Username").fill("dana")
    tab.page.get_by_label("Password").fill("not-the-password")
    with tab.page.expect_navigation():
        tab.page.get_by_role("button", name="Sign in").click()
    audit.check("the sign-in page with its error")
    tab.page.get_by_label("Password").fill(PASSWORD)
    with tab.page.expect_navigation():
        tab.page.get_by_role("button", name="Sign in").click()
    audit.check("Classes")
    tab.page.locator("#account-menu summary").click()
    audit.check("Classes with the instructor's account menu open")
    audit.done()


def test_a_running_classs_pages_the_join_pages_and_presenter_mode_pass_axe(tab):
    """The pages issue #13 added: the class's overview with its code and QR,
    the Create pane, the board with a learner done and one stuck, the Room
    and its panes, the summary, the shoulder view's confirmation, the
    learners' join pages, and a blade in presenter mode (A11Y-01..06)."""
    from classroom.models import Seat
    from classroom.services import create_class
    from labs import catalog
    from labs import services as lab_services
    from portal.seed import create_sandbox
    from portal.services import set_presenter

    dana = create_instructor("dana", PASSWORD)
    klass = create_class(dana, "AZ-104 Tuesday", lab_ids=["integrate-same-region", "nsg-deny-integration"])
    for name in ("Ada Lovelace", "Bea Stuck"):
        seat = Seat.objects.create(klass=klass, sandbox=create_sandbox(klass.era), display_name=name)
        lab_services.start_lab(seat.sandbox, catalog.get("integrate-same-region"), seed=3)
    audit = Audit(tab)
    tab.goto("/")  # the instructor's own sandbox, for presenter mode at the end
    audit.visit(f"/join/{klass.code}/", "the join page's name step", live=False)
    audit.visit("/join/", "the join page", live=False)
    tab.page.goto(tab.base_url + "/classroom/signin/")
    tab.page.get_by_label("Username").fill("dana")
    tab.page.get_by_label("Password").fill(PASSWORD)
    with tab.page.expect_navigation():
        tab.page.get_by_role("button", name="Sign in").click()
    audit.check("Classes with a class")
    tab.page.locator("#create-class").click()
    wait_for_pane(tab)
    audit.check("Classes with the Create pane")
    _close_pane(tab)
    for path, context in (
        (f"/classroom/{klass.pk}/", "a class's overview (code and QR)"),
        (f"/classroom/{klass.pk}/board/", "the board"),
        (f"/classroom/{klass.pk}/room/", "the Room"),
        (f"/classroom/{klass.pk}/summary/", "the printable summary"),
        (f"/classroom/{klass.pk}/learners/{seat.pk}/watch/", "looking over a shoulder: the confirmation"),
    ):
        audit.visit(path, context, live=False)
    tab.page.goto(tab.base_url + f"/classroom/{klass.pk}/room/")
    commands = tab.page.locator(PANE_COMMANDS)
    for index in range(commands.count()):
        command = commands.nth(index)
        name = (command.get_attribute("id") or command.inner_text()).strip()
        command.click()
        wait_for_pane(tab)
        audit.check(f"the Room with the pane of '{name}'")
        _close_pane(tab)
    set_presenter(tab.sandbox(), True, 150)
    audit.visit("/", "Home in presenter mode")
    tab.page.locator("#presenter-menu summary, #presenter summary").first.click()
    audit.check("Home in presenter mode, the presenter menu open")
    audit.done()
