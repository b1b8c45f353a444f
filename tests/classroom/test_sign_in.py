"""Signing in and out as an instructor, and who sees the classroom
(issue #13, item 1): the instructor sees Classes; a visitor without an
account, a learner and a user who is not an instructor get the portal's
404; the browser's sandbox survives signing in and out."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from classroom.models import Instructor
from portal.middleware import SESSION_KEY
from portal.models import Sandbox
from tests.classroom.conftest import PASSWORD
from tests.helpers import HX

pytestmark = pytest.mark.django_db

HTML = {"HTTP_ACCEPT": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
SIGN_IN = reverse("classroom:sign_in")
SIGN_OUT = reverse("classroom:sign_out")
CLASSES = reverse("classroom:classes")
INCORRECT = "Your account or password is incorrect."


def _sign_in(client: Client, username: str = "dana", password: str = PASSWORD, **extra):
    return client.post(SIGN_IN, {"username": username, "password": password, **extra}, **HTML)


def test_the_sign_in_page_looks_like_microsofts_and_makes_no_sandbox():
    client = Client()
    response = client.get(SIGN_IN, **HTML)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Sign in to your account" in html and '<h1 class="ms-title">Sign in</h1>' in html
    assert html.index('name="username"') < html.index('name="password"')
    assert 'id="sign-in-button">Sign in</button>' in html
    assert "csrfmiddlewaretoken" in html
    assert SESSION_KEY not in client.session and Sandbox.objects.count() == 0  # SBX-01


def test_an_instructor_signs_in_and_sees_classes(dana):
    client = Client()
    response = _sign_in(client)
    assert response.status_code == 302 and response["Location"] == CLASSES
    page = client.get(CLASSES, **HTML)
    assert page.status_code == 200
    html = page.content.decode()
    assert '<h1 class="az-blade-title">Classes</h1>' in html
    assert "No classes to display" in html
    assert 'id="create-class" href="/classroom/create/"' in html
    assert '<span class="az-account-name">dana</span>' in html and 'id="sign-out"' in html


def test_sign_in_follows_a_next_on_this_site_only(dana):
    assert _sign_in(Client(), next=CLASSES + "?x=1")["Location"] == CLASSES + "?x=1"
    assert _sign_in(Client(), next="https://evil.example/")["Location"] == CLASSES


@pytest.mark.parametrize(
    ("username", "password"),
    [("dana", "wrong-password-123"), ("nobody", PASSWORD), ("DANA ", "wrong-password-123")],
)
def test_wrong_credentials_say_so_in_microsofts_words(dana, username, password):
    client = Client()
    response = _sign_in(client, username, password)
    assert response.status_code == 200
    assert INCORRECT in response.content.decode()
    assert client.get(CLASSES, **HTML).status_code == 404


def test_a_user_who_is_not_an_instructor_cannot_sign_in_and_gets_404(db):
    user = get_user_model().objects.create_user("admin", password=PASSWORD, is_superuser=True, is_staff=True)
    client = Client()
    response = _sign_in(client, "admin")
    assert response.status_code == 200 and INCORRECT in response.content.decode()
    client.force_login(user)
    assert client.get(CLASSES, **HTML).status_code == 404


def test_an_inactive_instructor_cannot_sign_in(dana):
    get_user_model().objects.filter(pk=dana.user_id).update(is_active=False)
    response = _sign_in(Client())
    assert response.status_code == 200 and INCORRECT in response.content.decode()


@pytest.mark.parametrize("method", ["get", "post", "put", "delete"])
def test_a_visitor_without_an_account_gets_404_and_no_sandbox(db, method):
    response = getattr(Client(), method)(CLASSES, **HTML)
    assert response.status_code == 404
    assert "There is no page at this address." in response.content.decode()
    assert Sandbox.objects.count() == 0
    assert Client().post(SIGN_OUT, **HTML).status_code == 404


def test_a_learner_with_a_sandbox_gets_the_portals_404(alice):
    for url in (CLASSES, CLASSES + "?board=1"):
        response = alice.get(url, **HTML)
        assert response.status_code == 404
        assert "Not found" in response.content.decode() and "learner@vnetlab.local" in response.content.decode()
    assert alice.get(CLASSES, **HX).status_code == 404
    assert alice.post(CLASSES).status_code == 404
    assert alice.post(SIGN_OUT).status_code == 404
    assert alice.get(reverse("classroom:classes") + "nothing/", **HTML).status_code == 404


def test_the_instructors_page_refuses_other_methods(dana):
    client = Client()
    _sign_in(client)
    assert client.post(CLASSES).status_code == 405


def test_signing_in_and_out_keeps_the_browsers_sandbox(alice, dana):
    secret = alice.session[SESSION_KEY]
    assert _sign_in(alice).status_code == 302
    assert alice.session[SESSION_KEY] == secret
    page = alice.get(CLASSES, **HTML)
    assert page.status_code == 200 and alice.sandbox.subscriptions.get().display_name in page.content.decode()

    response = alice.post(SIGN_OUT, **HTML)
    assert response.status_code == 302 and response["Location"] == SIGN_IN
    assert alice.session[SESSION_KEY] == secret
    assert alice.get(CLASSES, **HTML).status_code == 404
    signed_out = alice.get(SIGN_IN, **HTML).content.decode()
    assert "You signed out of your account." in signed_out
    assert alice.get(reverse("home"), **HTML).status_code == 200
    assert Sandbox.objects.count() == 1


def test_signing_in_with_a_different_account_keeps_the_sandbox(alice, dana):
    from classroom.services import create_instructor

    create_instructor("omar", PASSWORD)
    secret = alice.session[SESSION_KEY]
    _sign_in(alice)
    assert _sign_in(alice, "omar").status_code == 302  # a different user: Django flushes the session
    assert alice.session[SESSION_KEY] == secret
    assert '<span class="az-account-name">omar</span>' in alice.get(CLASSES, **HTML).content.decode()


def test_an_instructor_without_a_sandbox_signs_in_and_out_and_never_gets_one(dana):
    client = Client()
    client.get(SIGN_IN, **HTML)
    assert _sign_in(client).status_code == 302
    assert client.get(CLASSES, **HTML).status_code == 200
    assert client.post(SIGN_OUT, **HTML).status_code == 302
    assert Sandbox.objects.count() == 0 and SESSION_KEY not in client.session


def test_sign_out_is_a_post(dana):
    client = Client()
    _sign_in(client)
    assert client.get(SIGN_OUT, **HTML).status_code == 405
    assert client.get(CLASSES, **HTML).status_code == 200


def test_sign_in_needs_the_csrf_token(dana):
    client = Client(enforce_csrf_checks=True)
    client.get(SIGN_IN, **HTML)
    assert _sign_in(client).status_code == 403
    token = client.cookies["csrftoken"].value
    assert _sign_in(client, csrfmiddlewaretoken=token).status_code == 302


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"username": "da\x00na", "password": PASSWORD}, "Null characters are not allowed."),
        ({"username": "dana", "password": "pass\x00word"}, "Null characters are not allowed."),
        ({"username": "d" * 10_000, "password": PASSWORD}, "Ensure this value has at most 150 characters"),
        ({"username": "dana", "password": "p" * 10_000}, "Ensure this value has at most 1024 characters"),
        ({"username": "", "password": ""}, "Enter your instructor account&#x27;s username."),
        ({"username": "dana", "password": ""}, "Please enter your password."),
        ({}, "Please enter your password."),
        ({"username": ["a", "b"], "password": [PASSWORD, "x"]}, INCORRECT),
    ],
)
def test_bad_input_gets_a_clear_message_never_a_500(dana, data, message):
    client = Client()
    response = client.post(SIGN_IN, data, **HTML)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert client.get(CLASSES, **HTML).status_code == 404


def test_the_top_bar_offers_instructors_the_sign_in_page(alice):
    html = alice.get(reverse("home"), **HTML).content.decode()
    assert f'<a href="{SIGN_IN}" id="sign-in-link">Sign in with a different account</a>' in html


def test_an_instructor_row_is_what_makes_an_instructor(dana):
    assert Instructor.objects.get() == dana and str(dana) == "dana"
    dana.delete()
    client = Client()
    client.force_login(get_user_model().objects.get(username="dana"))
    assert client.get(CLASSES, **HTML).status_code == 404
