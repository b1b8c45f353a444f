"""CLS-09 in the portal: a learner in a class finds the class and "Leave
class" in the account menu (the account tile at the top right), a Yes/No
pane first; leaving returns the browser to the sandbox it had before. Only
a browser whose sandbox has a seat sees it; the portal asks its account
menu's providers (portal/account_menu.py) and never imports the classroom."""

import pytest
from django.test import Client
from django.urls import reverse

from classroom.models import Seat
from portal import pagecache
from portal.middleware import SESSION_KEY
from tests.helpers import HX

pytestmark = pytest.mark.django_db

HTML = {"HTTP_ACCEPT": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
HOME = reverse("home")
GROUPS = reverse("resource_groups")  # a page the page cache keeps
CONFIRM = reverse("join:leave_confirm")
LEAVE = reverse("join:leave")
ENTRY = 'id="account-class"'
LEAVE_LINK = 'id="account-leave-class"'


def _joined(client: Client, code: str, name: str = "Ana") -> Client:
    response = client.post(reverse("join:code", args=[code]), {"display_name": name}, **HTML)
    assert response.status_code == 302
    return client


def _menu(html: str) -> str:
    start = html.index('id="account-menu"')
    return html[start : html.index("</details>", start)]


def test_a_learner_in_a_class_finds_it_and_leave_class_in_the_account_menu(alice, dana_class):
    _joined(alice, dana_class.code, "Ana López")
    menu = _menu(alice.get(HOME, **HTML).content.decode())
    assert ENTRY in menu and "AZ-104 Tuesday" in menu and "as Ana López" in menu
    assert LEAVE_LINK in menu and f'hx-get="{CONFIRM}"' in menu and 'hx-target="#context-pane"' in menu
    # On every portal page, not only Home.
    assert LEAVE_LINK in _menu(alice.get(reverse("resource_groups"), **HTML).content.decode())


def test_a_browser_without_a_seat_sees_no_class_in_its_menu(alice, dana_class):
    menu = _menu(alice.get(HOME, **HTML).content.decode())
    assert ENTRY not in menu and LEAVE_LINK not in menu
    assert 'id="sign-in-link"' in menu
    assert alice.get(CONFIRM, **HTML).status_code == 404
    assert Client().get(CONFIRM, **HTML).status_code == 404  # a visitor without a sandbox


def test_the_instructors_classroom_pages_keep_their_own_menu(dana, dana_class):
    client = Client()
    client.force_login(dana.user)
    _joined(client, dana_class.code, "Dana demo")  # an instructor trying the class as a learner
    html = client.get(reverse("classroom:classes"), **HTML).content.decode()
    assert LEAVE_LINK not in _menu(html) and 'id="sign-out"' in _menu(html)
    assert LEAVE_LINK in _menu(client.get(HOME, **HTML).content.decode())


def test_leave_class_asks_first_with_the_portals_yes_no_pane(alice, dana_class):
    _joined(alice, dana_class.code)
    pane = alice.get(CONFIRM, **HTML, **HX, HTTP_HX_TARGET="context-pane").content.decode()
    assert pane.lstrip().startswith("<form") and "<html" not in pane
    assert "Leave class" in pane and "Leave &#x27;AZ-104 Tuesday&#x27;" in pane and "as Ana" in pane
    assert f'action="{LEAVE}"' in pane and 'name="csrfmiddlewaretoken"' in pane
    assert '<input type="hidden" name="to" value="portal">' in pane
    assert 'id="leave-class-yes"' in pane and 'id="confirm-no"' in pane
    page = alice.get(CONFIRM, **HTML)  # without script: a page of its own
    assert page.status_code == 200 and "<html" in page.content.decode()
    assert Seat.objects.count() == 1  # asking changes nothing


def test_yes_returns_to_the_sandbox_from_before_and_keeps_the_seat(alice, dana_class):
    own = alice.session[SESSION_KEY]
    _joined(alice, dana_class.code)
    in_class = alice.session[SESSION_KEY]
    assert in_class != own
    response = alice.post(LEAVE, {"to": "portal"}, **HTML)
    assert response.status_code == 302 and response["Location"] == HOME
    assert alice.session[SESSION_KEY] == own
    assert Seat.objects.get().sandbox.secret.hex == in_class.replace("-", "")  # the class keeps the work
    menu = _menu(alice.get(HOME, **HTML).content.decode())
    assert ENTRY not in menu and LEAVE_LINK not in menu


def test_yes_from_the_pane_reloads_the_whole_portal(alice, dana_class):
    """The top bar and the live socket belong to the sandbox left: htmx
    loads the page anew (HX-Redirect), not just the blade."""
    _joined(alice, dana_class.code)
    response = alice.post(LEAVE, {"to": "portal"}, **HX, HTTP_HX_TARGET="context-pane")
    assert response.status_code == 200 and response["HX-Redirect"] == HOME


def test_leave_class_is_a_post_with_csrf(alice, dana_class):
    _joined(alice, dana_class.code)
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = alice.cookies
    assert strict.post(LEAVE, {"to": "portal"}, **HTML).status_code == 403
    assert strict.session[SESSION_KEY] == alice.session[SESSION_KEY]  # still in the class


def test_the_join_page_leave_still_goes_back_to_the_join_page(alice, dana_class):
    _joined(alice, dana_class.code)
    response = alice.post(LEAVE, **HTML)
    assert response.status_code == 302 and response["Location"] == reverse("join:start")


def test_the_menu_is_right_with_the_page_cache_on(alice, dana_class, settings):
    """Pages are kept per sandbox state: the class's sandbox's copies have
    the entry, the browser's own never."""
    settings.VNETLAB_PAGE_CACHE = True
    pagecache.store.clear()
    assert LEAVE_LINK not in alice.get(GROUPS, **HTML).content.decode()
    assert alice.get(GROUPS, **HTML)["X-VNetLab-Page-Cache"] == "hit"
    _joined(alice, dana_class.code)
    assert LEAVE_LINK in alice.get(GROUPS, **HTML).content.decode()
    assert LEAVE_LINK in alice.get(GROUPS, **HTML).content.decode()
    alice.post(LEAVE, {"to": "portal"}, **HTML)
    assert LEAVE_LINK not in alice.get(GROUPS, **HTML).content.decode()


def test_a_class_deleted_takes_its_entry_away(alice, dana_class, settings):
    settings.VNETLAB_PAGE_CACHE = True
    pagecache.store.clear()
    _joined(alice, dana_class.code)
    assert LEAVE_LINK in alice.get(GROUPS, **HTML).content.decode()
    dana_class.delete()
    assert LEAVE_LINK not in alice.get(GROUPS, **HTML).content.decode()
    assert alice.get(CONFIRM, **HTML).status_code == 404


def test_an_instructor_viewing_a_learners_portal_sees_no_leave_class(alice, dana, dana_class):
    _joined(alice, dana_class.code)
    seat = Seat.objects.get()
    viewer = Client()
    viewer.get(HOME, **HTML)
    viewer.force_login(dana.user)
    assert viewer.post(reverse("classroom:watch", args=[dana_class.pk, seat.pk])).status_code == 302
    html = viewer.get(HOME, **HTML).content.decode()
    assert 'id="viewing-banner"' in html and LEAVE_LINK not in html
