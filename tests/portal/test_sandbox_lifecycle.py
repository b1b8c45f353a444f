"""A sandbox's life (portal/lifecycle.py): made only for a browser's page
(SBX-01), limited per address (SBX-02), last use and pruning (SBX-03), the
secret the cookie carries apart from the public ID (SBX-04), the cap (SBX-05)."""

import uuid
from datetime import timedelta
from io import StringIO

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from appservice.models import WebApp
from networking.models import NetworkInterface, Subnet, VirtualNetwork
from portal import lifecycle
from portal.asgi import application
from portal.middleware import SESSION_KEY
from portal.models import Chore, ResourceGroup, Sandbox, Subscription
from portal.seed import create_sandbox
from tests.helpers import HX, persona
from tests.helpers.websocket import connect_with_session_cookie

pytestmark = pytest.mark.django_db

HTML = {"HTTP_ACCEPT": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def _sandbox_count() -> int:
    return Sandbox.objects.count()


# --- SBX-01: only a browser's GET of a portal page makes a sandbox --------------------


def test_sbx01_a_browsers_first_page_makes_one_sandbox():
    client = Client()
    response = client.get("/", **HTML)
    assert response.status_code == 200
    sandbox = Sandbox.objects.get()
    assert client.session[SESSION_KEY] == str(sandbox.secret)
    client.get(reverse("all_resources"), **HTML)
    assert _sandbox_count() == 1


def test_sbx01_a_get_without_an_accept_header_counts_as_a_browser():
    """No Accept header means anything (RFC 9110), as curl's */* does."""
    assert Client().get("/").status_code == 200
    assert Client().get("/", HTTP_ACCEPT="*/*").status_code == 200
    assert _sandbox_count() == 2


@pytest.mark.parametrize(
    ("method", "path", "headers", "status"),
    [
        ("head", "/", {}, 403),
        ("options", "/", {}, 403),
        ("options", "/ping", {}, 403),
        ("get", "/ping", {}, 200),
        ("get", "/favicon.ico", {"HTTP_ACCEPT": "image/avif,image/webp,*/*"}, 404),
        ("get", "/robots.txt", {}, 404),
        ("get", "/healthz", {}, 200),
        ("get", "/no/such/page", HTML, 404),
        ("get", "/static/portal/portal.css", {}, None),
        ("get", "/", {"HTTP_ACCEPT": "application/json"}, 403),
        ("get", "/resources/", HX, 403),
        ("post", "/sandbox/era/", {}, 403),
        ("post", "/sandbox/reset/", {}, 403),
        (
            "get",
            f"/resource/subscriptions/{uuid.uuid4()}/resourceGroups/contoso-rg/overview",
            HTML,
            403,
        ),
    ],
)
def test_sbx01_requests_that_are_not_a_browsers_page_make_no_sandbox(method, path, headers, status):
    response = getattr(Client(), method)(path, **headers)
    if status is not None:
        assert response.status_code == status
    assert response.status_code != 500
    assert _sandbox_count() == 0, f"{method.upper()} {path} made a sandbox (SBX-01)"
    assert "sessionid" not in response.cookies


def test_sbx01_the_no_sandbox_page_says_how_to_get_one_and_htmx_goes_home():
    response = Client().post("/sandbox/era/", {"era": "current"})
    html = response.content.decode()
    assert response.status_code == 403
    assert "No sandbox" in html and "SBX-01" in html and 'id="go-home"' in html
    assert "ws-connect" not in html, "a page without a sandbox opens no WebSocket"
    assert Client().get("/resources/", **HX)["HX-Redirect"] == "/"


def test_sbx01_ping_with_the_cookie_from_a_first_page_answers_pong():
    """`make bench`: GET / first, then /ping with its cookie."""
    client = Client()
    client.get("/")
    assert client.get("/ping").content == b"pong"
    assert _sandbox_count() == 1


def test_sbx01_a_form_posted_after_the_sandbox_went_makes_no_new_one(alice):
    Sandbox.objects.filter(pk=alice.sandbox.pk).update(secret=uuid.uuid4())
    response = alice.post(reverse("set_era"), {"era": "current"})
    assert response.status_code == 403
    assert _sandbox_count() == 1


@pytest.mark.django_db(transaction=True)
async def test_sbx01_a_websocket_without_a_session_makes_no_sandbox():
    communicator = WebsocketCommunicator(
        application, "/ws/sandbox/", headers=[(b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1:8000")]
    )
    connected, code = await communicator.connect()
    await communicator.disconnect()
    assert not connected and code == 4403
    assert await database_sync_to_async(Sandbox.objects.count)() == 0


# --- SBX-02: new sandboxes per address and hour ------------------------------------------


def test_sbx02_the_limit_per_address_answers_a_friendly_429_with_retry_after(settings):
    settings.VNETLAB_NEW_SANDBOXES_PER_HOUR = 2
    for _ in range(2):
        assert Client(REMOTE_ADDR="192.0.2.10").get("/", **HTML).status_code == 200
    response = Client(REMOTE_ADDR="192.0.2.10").get("/", **HTML)
    html = response.content.decode()
    assert response.status_code == 429
    assert 3500 <= int(response["Retry-After"]) <= 3600
    assert "Too many new sandboxes" in html and "SBX-02" in html
    assert "Try again in about 60 minutes." in html
    assert _sandbox_count() == 2
    # Another address is not held back, and a browser with its cookie keeps working.
    assert Client(REMOTE_ADDR="192.0.2.11").get("/", **HTML).status_code == 200


def test_sbx02_retry_after_counts_from_the_oldest_sandbox_in_the_hour(settings):
    settings.VNETLAB_NEW_SANDBOXES_PER_HOUR = 1
    client = Client(REMOTE_ADDR="192.0.2.10")
    client.get("/")
    Sandbox.objects.update(created_at=timezone.now() - timedelta(minutes=50))
    response = Client(REMOTE_ADDR="192.0.2.10").get("/")
    assert response.status_code == 429
    assert 590 <= int(response["Retry-After"]) <= 600
    Sandbox.objects.update(created_at=timezone.now() - timedelta(minutes=61))
    assert Client(REMOTE_ADDR="192.0.2.10").get("/").status_code == 200


def test_sbx02_a_browser_that_has_a_sandbox_is_never_limited(settings):
    settings.VNETLAB_NEW_SANDBOXES_PER_HOUR = 1
    client = Client(REMOTE_ADDR="192.0.2.10")
    client.get("/")
    for _ in range(3):
        assert client.get(reverse("all_resources")).status_code == 200


def test_sbx02_x_forwarded_for_counts_only_behind_a_trusted_proxy(settings):
    settings.VNETLAB_NEW_SANDBOXES_PER_HOUR = 1
    # Not trusted: a client can't dodge the limit by writing the header.
    Client(REMOTE_ADDR="192.0.2.10", HTTP_X_FORWARDED_FOR="198.51.100.1").get("/")
    response = Client(REMOTE_ADDR="192.0.2.10", HTTP_X_FORWARDED_FOR="198.51.100.2").get("/")
    assert response.status_code == 429
    # Behind one proxy: the address it saw (the rightmost), whatever the client wrote before it.
    settings.VNETLAB_PROXY_COUNT = 1
    assert Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7").get("/").status_code == 200
    spoofed = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7").get("/")
    assert spoofed.status_code == 429
    assert Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.8").get("/").status_code == 200


def test_sbx02_an_ipv6_slash_64_counts_as_one_address():
    assert lifecycle.address_tag("2001:db8:1:2::1") == lifecycle.address_tag("2001:db8:1:2:ffff::9")
    assert lifecycle.address_tag("2001:db8:1:2::1") != lifecycle.address_tag("2001:db8:1:3::1")
    assert lifecycle.address_tag("::ffff:192.0.2.1") == lifecycle.address_tag("192.0.2.1")
    assert "192.0.2.1" not in lifecycle.address_tag("192.0.2.1"), "the address itself is never kept"


# --- SBX-05: the cap ----------------------------------------------------------------------


def test_sbx05_a_full_lab_refuses_new_sandboxes_with_a_clear_page(settings):
    settings.VNETLAB_MAX_SANDBOXES = 1
    first = Client()
    first.get("/")
    response = Client(REMOTE_ADDR="192.0.2.99").get("/", **HTML)
    html = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"]
    assert "The lab is full" in html and "SBX-05" in html
    assert _sandbox_count() == 1
    assert first.get(reverse("all_resources")).status_code == 200, "sandboxes already made keep working"


# --- SBX-03: last use, expiry, pruning ----------------------------------------------------


def test_sbx03_a_request_records_the_last_use_at_most_once_a_minute(alice):
    recent = timezone.now() - timedelta(seconds=30)
    Sandbox.objects.filter(pk=alice.sandbox.pk).update(last_used_at=recent)
    alice.get(reverse("all_resources"))
    assert Sandbox.objects.get(pk=alice.sandbox.pk).last_used_at == recent
    old = timezone.now() - timedelta(minutes=5)
    Sandbox.objects.filter(pk=alice.sandbox.pk).update(last_used_at=old)
    alice.get(reverse("all_resources"))
    assert Sandbox.objects.get(pk=alice.sandbox.pk).last_used_at > timezone.now() - timedelta(seconds=10)


def test_sbx03_recording_the_last_use_keeps_the_page_cache(alice, settings):
    settings.VNETLAB_PAGE_CACHE = True
    alice.get(reverse("all_resources"))
    Sandbox.objects.filter(pk=alice.sandbox.pk).update(last_used_at=timezone.now() - timedelta(minutes=5))
    generation = Sandbox.objects.get(pk=alice.sandbox.pk).generation
    alice.get(reverse("all_resources"))
    assert Sandbox.objects.get(pk=alice.sandbox.pk).generation == generation


def _age(sandbox, days: float) -> None:
    Sandbox.objects.filter(pk=sandbox.pk).update(last_used_at=timezone.now() - timedelta(days=days))


def test_sbx03_prune_deletes_idle_sandboxes_with_everything_in_them(carol, bob):
    """The full seed (subnets with NICs and private endpoints, plans with
    apps: PROTECT links) goes whole; a sandbox used recently stays."""
    assert NetworkInterface.objects.filter(sandbox=carol.sandbox).exists()
    _age(carol.sandbox, 15)
    _age(bob.sandbox, 13)
    result = lifecycle.prune()
    assert (result.expired, result.deleted, result.failed) == (1, 1, 0)
    assert list(Sandbox.objects.all()) == [bob.sandbox]
    for model in (Subscription, ResourceGroup, VirtualNetwork, Subnet, NetworkInterface, WebApp):
        assert not model.objects.exclude(**_of(model, bob.sandbox)).exists(), model.__name__
    assert bob.get(reverse("all_resources")).status_code == 200


def _of(model, sandbox) -> dict:
    if model is Subscription:
        return {"sandbox": sandbox}
    if model is ResourceGroup:
        return {"subscription__sandbox": sandbox}
    if model is Subnet:
        return {"vnet__sandbox": sandbox}
    return {"sandbox": sandbox}


def test_sbx03_the_idle_time_is_a_setting(alice, settings):
    settings.VNETLAB_SANDBOX_IDLE_DAYS = 1
    _age(alice.sandbox, 2)
    assert lifecycle.prune().deleted == 1


def test_sbx03_a_pruned_browser_gets_a_fresh_sandbox_on_its_next_page(alice):
    _age(alice.sandbox, 30)
    lifecycle.prune()
    response = alice.get("/")
    assert response.status_code == 200
    assert Sandbox.objects.get().secret == uuid.UUID(alice.session[SESSION_KEY])


def test_sbx03_prune_sandboxes_command_with_dry_run_prints_counts(alice, bob):
    _age(alice.sandbox, 20)
    out = StringIO()
    call_command("prune_sandboxes", "--dry-run", stdout=out)
    assert out.getvalue().strip() == "2 sandboxes, 1 idle; nothing deleted (dry run)."
    assert _sandbox_count() == 2
    out = StringIO()
    call_command("prune_sandboxes", stdout=out)
    assert out.getvalue().strip() == "2 sandboxes, 1 idle, 1 deleted, 0 failed."
    assert list(Sandbox.objects.all()) == [bob.sandbox]
    out = StringIO()
    call_command("prune_sandboxes", "--idle-days", "0", stdout=out)
    assert "1 idle, 1 deleted" in out.getvalue()


def test_sbx03_the_server_prunes_at_most_once_per_period_among_all_workers(alice, settings):
    settings.VNETLAB_PRUNE_EVERY_SECONDS = 3600
    _age(alice.sandbox, 20)
    now = timezone.now()
    assert lifecycle.prune_if_due(now).deleted == 1
    assert Chore.objects.get(name=lifecycle.PRUNE_CHORE).last_run_at == now
    assert lifecycle.prune_if_due(now + timedelta(minutes=59)) is None, "another worker's turn came too soon"
    assert lifecycle.prune_if_due(now + timedelta(minutes=61)) is not None


def test_sbx03_requests_start_the_pruning_check_off_their_path_once_a_minute(alice, settings, monkeypatch):
    started = []

    class FakeThread:
        def __init__(self, target, name, daemon):
            self.target, self.name = target, name

        def start(self):
            started.append(self.name)

    monkeypatch.setattr(lifecycle.threading, "Thread", FakeThread)
    monkeypatch.setattr(lifecycle, "_next_check", 0.0)
    settings.VNETLAB_PRUNE_EVERY_SECONDS = 3600
    for _ in range(3):
        alice.get(reverse("all_resources"))
    assert started == ["prune-sandboxes"]
    settings.VNETLAB_PRUNE_EVERY_SECONDS = 0
    monkeypatch.setattr(lifecycle, "_next_check", 0.0)
    alice.get(reverse("all_resources"))
    assert started == ["prune-sandboxes"], "off when the setting is 0"


# --- SBX-04: the public ID opens nothing; a new link revokes the old ---------------------


def _client_with(value: str) -> Client:
    store = SessionStore()
    store[SESSION_KEY] = value
    store.save()
    client = Client()
    client.cookies["sessionid"] = store.session_key
    return client


def test_sbx04_a_cookie_with_the_public_id_opens_nothing(alice):
    forged = _client_with(str(alice.sandbox.key))
    assert forged.post(reverse("set_era"), {"era": "current"}).status_code == 403
    forged.get("/")
    assert forged.session[SESSION_KEY] != str(alice.sandbox.secret)
    assert _sandbox_count() == 2, "a new sandbox of its own, not alice's"


def test_sbx04_settings_show_the_public_id_and_the_link_not_the_secret_alone(alice):
    html = alice.get(reverse("sandbox_settings")).content.decode()
    assert f'id="sandbox-id">{alice.sandbox.key}<' in html
    assert f"/sandbox/open/{alice.sandbox.secret}/" in html
    assert 'id="new-sandbox-link"' in html and 'id="reset-sandbox"' in html


def test_sbx04_a_sandbox_link_opens_the_sandbox_in_another_browser(alice):
    other = Client()
    response = other.get(reverse("open_sandbox", args=[alice.sandbox.secret]))
    assert response.status_code == 302
    assert other.session[SESSION_KEY] == str(alice.sandbox.secret)
    assert _sandbox_count() == 1


def test_sbx04_new_sandbox_link_asks_then_revokes_every_old_cookie_and_link(alice):
    old_secret = alice.sandbox.secret
    other = Client()
    other.get(reverse("open_sandbox", args=[old_secret]))
    pane = alice.get(reverse("new_sandbox_link"), **HX).content.decode()
    assert 'id="new-link-yes"' in pane and "SBX-04" in pane
    assert Sandbox.objects.get().secret == old_secret, "nothing changes before Yes"
    assert alice.post(reverse("new_sandbox_link")).status_code == 302
    new_secret = Sandbox.objects.get().secret
    assert new_secret != old_secret
    assert alice.session[SESSION_KEY] == str(new_secret)
    assert alice.get(reverse("all_resources")).status_code == 200, "this browser keeps its sandbox"
    assert other.post(reverse("set_era"), {"era": "current"}).status_code == 403, "the other browser lost it"
    assert Client().get(reverse("open_sandbox", args=[old_secret])).status_code == 404, "the old link is dead"
    assert Sandbox.objects.get().key == alice.sandbox.key, "the public ID stays"


@pytest.mark.django_db(transaction=True)
async def test_sbx04_a_websocket_with_the_public_id_is_refused():
    sandbox = await database_sync_to_async(Sandbox.objects.create)()
    store = SessionStore()
    store[SESSION_KEY] = str(sandbox.key)
    store.save()  # a signed cookie: no database
    connected, code = await connect_with_session_cookie(store.session_key)
    assert not connected and code == 4403


def test_the_seed_helper_still_makes_a_sandbox_without_an_address():
    sandbox = create_sandbox()
    assert sandbox.created_from == "" and sandbox.secret != sandbox.key


def test_persona_gets_its_sandbox_from_the_first_page(db):
    client = persona(Client())
    assert client.sandbox.secret == uuid.UUID(client.session[SESSION_KEY])
