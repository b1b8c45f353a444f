"""Looking over a learner's shoulder (issue #13, item 3; CLS-35..CLS-40;
docs/classroom.md, "Looking over a shoulder"): the class's instructor sees
the learner's portal, the same blades, and can change nothing in it."""

import pytest
from django.test import Client
from django.urls import reverse

from classroom.models import ClassEvent
from classroom.services import create_class, create_instructor
from portal import pagecache
from portal.middleware import SESSION_KEY
from portal.models import Notification, Operation, ResourceGroup, Sandbox
from portal.services import create_resource_group
from portal.viewing import HIDDEN_SECRET, read_only_html
from portal.viewing import SESSION_KEY as VIEWING
from tests.classroom.conftest import PASSWORD, seat_in

pytestmark = pytest.mark.django_db

HTML = {"HTTP_ACCEPT": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
BANNER = 'id="viewing-banner"'
GROUPS = reverse("resource_groups")


@pytest.fixture
def ana(dana_class):
    """Ana, a learner in Dana's class, with a resource group of her own."""
    seat = seat_in(dana_class, "Ana")
    create_resource_group(seat.sandbox, name="ana-network-rg", location="eastus")
    return seat


def _as_learner(seat) -> Client:
    client = Client()
    session = client.session
    session[SESSION_KEY] = str(seat.sandbox.secret)
    session.save()
    return client


def _as_instructor(username: str = "dana") -> Client:
    from django.contrib.auth import get_user_model

    client = Client()
    client.get(reverse("home"), **HTML)  # the instructor's own sandbox, from the demo seed
    client.force_login(get_user_model().objects.get(username=username))
    return client


def _watch_url(seat) -> str:
    return reverse("classroom:watch", args=[seat.klass_id, seat.pk])


def _watching(seat) -> Client:
    client = _as_instructor()
    response = client.post(_watch_url(seat))
    assert response.status_code == 302 and response["Location"] == reverse("home")
    return client


def _state(sandbox: Sandbox) -> tuple:
    """What a viewer must never change in the learner's sandbox."""
    sandbox.refresh_from_db()
    return (
        sandbox.generation,
        sandbox.last_used_at,
        list(Operation.objects.filter(sandbox=sandbox).values_list("pk", "status")),
        list(Notification.objects.filter(sandbox=sandbox).values_list("pk", "unread")),
        sorted(ResourceGroup.objects.filter(subscription__sandbox=sandbox).values_list("name", flat=True)),
    )


def test_the_owner_sees_the_learners_portal_with_the_banner_CLS_35(ana):
    client = _as_instructor()
    confirm = client.get(_watch_url(ana), **HTML)
    assert confirm.status_code == 200
    assert "View Ana's portal" in confirm.content.decode() and 'id="start-watching"' in confirm.content.decode()
    assert VIEWING not in client.session, "a GET only asks"
    client.post(_watch_url(ana))
    html = client.get(GROUPS, **HTML).content.decode()
    assert "ana-network-rg" in html
    assert BANNER in html and "Viewing Ana's portal" in html and "AZ-104 Tuesday" in html and "read only" in html
    assert 'id="stop-viewing"' in html
    assert ClassEvent.objects.filter(klass=ana.klass, action="watch", actor="dana").exists()


def test_a_blade_of_the_learner_opens_with_its_writes_disabled_CLS_39(ana):
    client = _watching(ana)
    html = client.get(reverse("sandbox_settings"), **HTML).content.decode()
    assert BANNER in html
    assert 'ws-connect="' not in html, "the viewer's tab opens no socket of the learner's"
    assert str(ana.sandbox.secret) not in html and HIDDEN_SECRET.decode() in html  # CLS-40
    # The Stop viewing button is the one enabled write on the page.
    assert 'id="stop-viewing" data-viewing-keep>Stop viewing</button>' in html


def test_read_only_html_disables_every_write_and_keeps_reads():
    page = (
        b'<body hx-ext="ws" ws-connect="/ws/sandbox/">'
        b'<form class="az-search" method="get"><input type="search" name="q"></form>'
        b'<form id="f" method="post" hx-post="/x"><input type="hidden" name="a"><input name="b" />'
        b"<select name=c></select><textarea name=d></textarea><button type=submit>Save</button>"
        b'<button type="button" data-close-pane>No</button></form>'
        b'<button type="submit" form="f" class="az-cmd">Apply</button>'
        b'<button class="az-cmd" hx-delete="/y">Delete</button><a href="/z" hx-post="/z">Restart</a>'
        b'<form method="post" data-viewing-keep><button id="stop" data-viewing-keep>Stop</button></form>'
    )
    out = read_only_html(page).decode()
    assert "ws-connect" not in out
    assert '<input type="search" name="q">' in out
    assert '<input type="hidden" name="a">' in out
    assert '<input name="b" disabled />' in out and "<select name=c disabled>" in out
    assert "<textarea name=d disabled>" in out and "<button type=submit disabled>Save</button>" in out
    assert '<button type="button" data-close-pane>No</button>' in out, "a pane's No and Close still close it"
    assert '<button type="submit" form="f" class="az-cmd" disabled>' in out
    assert 'data-viewing-hx-delete="/y" disabled>' in out
    assert '<a href="/z" data-viewing-hx-post="/z" aria-disabled="true" tabindex="-1">' in out
    assert "hx-post=" not in out.replace("data-viewing-hx-post=", "")
    assert '<button id="stop" data-viewing-keep>Stop</button>' in out


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize(
    "url",
    [
        reverse("reset_sandbox"),
        reverse("dismiss_notifications"),
        reverse("create_wizard", kwargs={"kind": "resourcegroup"}),
        reverse("set_annotations"),
        reverse("sandbox_settings"),
    ],
)
def test_every_write_while_viewing_is_refused_and_changes_nothing_CLS_36(ana, url, method):
    client = _watching(ana)
    before = _state(ana.sandbox)
    own = Sandbox.objects.get(secret=client.session[SESSION_KEY])
    own_before = _state(own)
    data = {"name": "viewer-rg", "region": "eastus", "current_tab": "review", "action": "create"}
    response = getattr(client, method)(url, data, **HTML)
    assert response.status_code == 403
    html = response.content.decode()
    assert "You are viewing Ana's portal (read only)." in html and BANNER in html
    assert _state(ana.sandbox) == before
    assert _state(own) == own_before, "nor is the write made in the instructor's own sandbox"


def test_reading_the_learners_pages_writes_nothing_in_their_sandbox_CLS_36(ana):
    Notification.objects.create(sandbox=ana.sandbox, title="Deployment succeeded", unread=True)
    Sandbox.objects.filter(pk=ana.sandbox.pk).update(
        last_used_at=ana.sandbox.created_at
    )  # stale: a learner's GET would touch it
    client = _watching(ana)
    before = _state(ana.sandbox)
    for url in (
        reverse("home"),
        GROUPS,
        reverse("notifications"),
        reverse("activity_log"),
        reverse("sandbox_settings"),
    ):
        assert client.get(url, **HTML).status_code == 200
        assert client.get(url, HTTP_HX_REQUEST="true").status_code == 200
    assert _state(ana.sandbox) == before


@pytest.mark.parametrize("who", ["another_instructor", "learner", "anonymous", "learner_of_the_class"])
def test_only_the_classs_instructor_may_watch_CLS_35(ana, who):
    if who == "another_instructor":
        create_instructor("eli", PASSWORD)
        create_class(create_instructor("fay", PASSWORD), "Fay's class", lab_ids=[])
        client = _as_instructor("eli")
    elif who == "learner":
        client = Client()
        client.get(reverse("home"), **HTML)
    elif who == "learner_of_the_class":
        client = _as_learner(ana)
    else:
        client = Client()
    for method in ("get", "post"):
        assert getattr(client, method)(_watch_url(ana), **HTML).status_code == 404
    assert VIEWING not in client.session
    assert "ana-network-rg" not in client.get(GROUPS, **HTML).content.decode()


def test_a_seat_of_another_class_of_the_same_instructor_is_404(ana, dana):
    other = create_class(dana, "AZ-104 Thursday", lab_ids=[])
    client = _as_instructor()
    assert client.post(reverse("classroom:watch", args=[other.pk, ana.pk])).status_code == 404
    assert client.get(reverse("classroom:watch", args=[ana.klass_id, 999999]), **HTML).status_code == 404


@pytest.mark.parametrize("gone", ["class", "seat", "signed_out", "not_the_owner"])
def test_the_view_ends_on_the_next_request_when_its_grounds_go_CLS_37(ana, gone):
    client = _watching(ana)
    own = client.session[SESSION_KEY]
    assert "ana-network-rg" in client.get(GROUPS, **HTML).content.decode()
    if gone == "class":
        ana.klass.delete()
    elif gone == "seat":
        ana.delete()
    elif gone == "signed_out":
        client.post(reverse("classroom:sign_out"))
    else:
        ana.klass.instructor = create_instructor("eli", PASSWORD)
        ana.klass.save()
    html = client.get(GROUPS, **HTML).content.decode()
    assert "ana-network-rg" not in html and BANNER not in html
    assert VIEWING not in client.session and client.session[SESSION_KEY] == own
    # Writes are the browser's own again.
    assert client.post(reverse("set_annotations"), {"show": "off"}, **HTML).status_code != 403


def test_the_learners_own_pages_never_show_the_banner_CLS_38(ana, settings):
    settings.VNETLAB_PAGE_CACHE = True
    pagecache.store.clear()
    learner = _as_learner(ana)
    first = learner.get(GROUPS, **HTML)
    assert first.status_code == 200 and BANNER not in first.content.decode()
    assert learner.get(GROUPS, **HTML)["X-VNetLab-Page-Cache"] == "hit"
    viewer = _watching(ana)
    seen = viewer.get(GROUPS, **HTML)
    assert "X-VNetLab-Page-Cache" not in seen, "the learner's copy is not served to the viewer"
    assert BANNER in seen.content.decode()
    again = learner.get(GROUPS, **HTML)
    assert BANNER not in again.content.decode() and "disabled" not in again.content.decode().split("az-search")[0]
    # And the other way: nothing the viewer drew was kept for the learner.
    pagecache.store.clear()
    viewer.get(reverse("home"), **HTML)
    home = learner.get(reverse("home"), **HTML)
    assert BANNER not in home.content.decode() and "X-VNetLab-Page-Cache" not in home


def test_stop_viewing_returns_to_the_instructors_own_sandbox(ana):
    client = _watching(ana)
    own = Sandbox.objects.get(secret=client.session[SESSION_KEY])
    create_resource_group(own, name="dana-demo-rg", location="eastus")
    assert "ana-network-rg" in client.get(GROUPS, **HTML).content.decode()
    response = client.post(reverse("classroom:stop_watching"))
    assert response.status_code == 302
    html = client.get(GROUPS, **HTML).content.decode()
    assert "dana-demo-rg" in html and "ana-network-rg" not in html and BANNER not in html
    assert VIEWING not in client.session
    assert client.get(reverse("classroom:stop_watching"), **HTML).status_code == 405


def test_classroom_pages_stay_the_instructors_while_viewing(ana):
    client = _watching(ana)
    page = client.get(reverse("classroom:classes"), **HTML)
    assert page.status_code == 200 and BANNER not in page.content.decode()
    assert client.post(reverse("classroom:sign_out")).status_code == 302  # a classroom POST is the instructor's


def test_next_opens_a_blade_of_this_site_only(ana):
    client = _as_instructor()
    assert client.post(_watch_url(ana), {"next": "/resourcegroups/"})["Location"] == GROUPS
    for bad in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)", "resourcegroups"):
        assert client.post(_watch_url(ana), {"next": bad})["Location"] == reverse("home")
    confirm = client.get(_watch_url(ana) + "?next=/resourcegroups/", **HTML).content.decode()
    assert 'name="next" value="/resourcegroups/"' in confirm
