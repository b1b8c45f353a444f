"""The page cache (portal/pagecache.py): a blade is served from a copy only
while nothing in its sandbox has changed, and a copy never crosses sandboxes."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from appservice.models import WebApp
from networking.models import VirtualNetwork
from portal import pagecache
from portal.models import Notification, Sandbox
from portal.services import complete_due_operations
from tests.helpers import HX, app_url, subnet_of

TOKEN = re.compile(r'"X-CSRFToken": "([A-Za-z0-9]{64})"')
# The forms' own token ({% csrf_token %}: the top bar's presenter menu has two).
FORM_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]{64})"')


@pytest.fixture(autouse=True)
def empty_store():
    pagecache.store.clear()
    yield
    pagecache.store.clear()


def hit(response) -> bool:
    return response.headers.get("X-VNetLab-Page-Cache") == "hit"


def without_token(html: str) -> str:
    return FORM_TOKEN.sub("", TOKEN.sub("", html))


def test_a_second_visit_is_served_from_the_copy_with_a_fresh_csrf_token(alice):
    url = app_url(alice, "networking", "contoso-web")
    first = alice.get(url)
    second = alice.get(url)
    assert not hit(first) and hit(second)
    assert without_token(second.content.decode()) == without_token(first.content.decode())
    # Each response masks the token anew; the copy's token is swapped, not replayed.
    assert TOKEN.search(second.content.decode()).group(1) != TOKEN.search(first.content.decode()).group(1)


def test_the_token_in_a_served_copy_is_accepted_by_a_post(alice):
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = alice.cookies
    url = app_url(alice, "networking", "contoso-web")
    strict.get(url)
    served = strict.get(url)
    assert hit(served)
    token = TOKEN.search(served.content.decode()).group(1)
    sub = subnet_of(alice, "contoso-vnet", "integration-subnet")
    response = strict.post(
        app_url(alice, "add_vnet", "contoso-web"),
        {"vnet": sub.vnet_id, "subnet_mode": "existing", "subnet": sub.pk},
        HTTP_X_CSRFTOKEN=token,
        **HX,
    )
    assert response.status_code == 200
    assert WebApp.objects.get(sandbox=alice.sandbox, name="contoso-web").integration.vnet_id == sub.vnet_id


def test_a_post_that_changes_the_sandbox_makes_the_next_visit_render_afresh(alice):
    url = app_url(alice, "vnet_integration", "contoso-web")
    alice.get(url)
    assert hit(alice.get(url))
    generation = Sandbox.objects.get(pk=alice.sandbox.pk).generation
    sub = subnet_of(alice, "contoso-vnet", "integration-subnet")
    alice.post(app_url(alice, "add_vnet", "contoso-web"), {"vnet": sub.vnet_id, "subnet_mode": "existing", "subnet": sub.pk}, **HX)
    assert Sandbox.objects.get(pk=alice.sandbox.pk).generation > generation
    after = alice.get(url)
    assert not hit(after)
    assert "integration-subnet" in after.content.decode()
    assert "Disconnect" in after.content.decode()


def test_a_refused_post_that_writes_nothing_keeps_the_copies(alice):
    url = reverse("all_resources")
    alice.get(url)
    generation = Sandbox.objects.get(pk=alice.sandbox.pk).generation
    response = alice.post(app_url(alice, "add_vnet", "contoso-web"), {"vnet": "", "subnet_mode": "existing"}, **HX)
    assert response.status_code in (200, 422)
    assert Sandbox.objects.get(pk=alice.sandbox.pk).generation == generation
    assert hit(alice.get(url))


def test_a_write_outside_any_request_is_seen_at_once(alice):
    url = reverse("all_resources")
    assert "contoso-vnet" in alice.get(url).content.decode()
    assert hit(alice.get(url))
    VirtualNetwork.objects.filter(sandbox=alice.sandbox, name="contoso-vnet").update(name="renamed-vnet")
    fresh = alice.get(url)
    assert not hit(fresh)
    assert "renamed-vnet" in fresh.content.decode()


def test_another_workers_write_is_seen_once_it_bumps_the_generation(alice):
    """A write this process never ran (another worker's) is invisible to its
    statement watcher; the generation that worker bumps is not."""
    url = reverse("all_resources")
    alice.get(url)
    table = connection.ops.quote_name(VirtualNetwork._meta.db_table)
    sandboxes = connection.ops.quote_name(Sandbox._meta.db_table)
    raw = connection.connection.cursor()  # the DB-API cursor: no Django wrapper sees it
    placeholder = "%s" if connection.vendor == "postgresql" else "?"
    raw.execute(f"UPDATE {table} SET name = 'elsewhere-vnet' WHERE name = 'contoso-vnet' AND sandbox_id = {placeholder}", [alice.sandbox.pk])
    assert hit(alice.get(url))  # not yet told
    raw.execute(f"UPDATE {sandboxes} SET generation = generation + 1 WHERE id = {placeholder}", [alice.sandbox.pk])
    fresh = alice.get(url)
    assert not hit(fresh)
    assert "elsewhere-vnet" in fresh.content.decode()


def test_a_get_that_writes_refreshes_the_bell_on_the_next_page(alice):
    Notification.objects.create(sandbox=alice.sandbox, title="Deployment succeeded", body="", level="success")
    url = reverse("all_resources")
    alice.get(url)
    assert 'id="bell-count" class="az-bell-count" data-live>1<' in alice.get(url).content.decode()
    alice.get(reverse("notifications"), **HX)  # opening the bell marks everything read
    after = alice.get(url)
    assert not hit(after)
    assert 'class="az-bell-count d-none"' in after.content.decode()


def test_a_copy_made_during_a_restart_is_not_served_after_its_end(alice, settings, monkeypatch):
    """Copies are kept while an app restarts (a class changes something every
    few seconds), but the request that finds the restart over finishes it and
    renders the app Running."""
    settings.VNETLAB_RESTART_SECONDS = 30
    url = app_url(alice, "overview", "contoso-web")
    alice.post(app_url(alice, "restart", "contoso-web"))
    alice.get(url)
    during = alice.get(url)
    assert hit(during) and 'data-status="Restarting"' in during.content.decode()
    later = timezone.now() + timedelta(seconds=31)
    monkeypatch.setattr(timezone, "now", lambda: later)
    after = alice.get(url)
    assert not hit(after)
    assert 'data-status="Running"' in after.content.decode()


def test_a_change_in_one_sandbox_leaves_anothers_copies_served(alice, bob):
    """Alice's change re-renders her pages only: Bob's copy is still served."""
    url = reverse("all_resources")
    for learner in (alice, bob):
        learner.get(url)
        assert hit(learner.get(url))
    bob_generation = Sandbox.objects.get(pk=bob.sandbox.pk).generation
    sub = subnet_of(alice, "contoso-vnet", "integration-subnet")
    alice.post(app_url(alice, "add_vnet", "contoso-web"), {"vnet": sub.vnet_id, "subnet_mode": "existing", "subnet": sub.pk}, **HX)
    assert hit(bob.get(url))
    assert Sandbox.objects.get(pk=bob.sandbox.pk).generation == bob_generation
    assert not hit(alice.get(url))


def test_a_chore_named_for_one_sandbox_leaves_the_others_copies(alice, bob, settings):
    """Finishing Alice's operation off any request (the push timer) is charged to her sandbox only."""
    settings.VNETLAB_RESTART_SECONDS = 30
    url = reverse("all_resources")
    alice.post(app_url(alice, "restart", "contoso-web"))
    for learner in (alice, bob):
        learner.get(url)
        assert hit(learner.get(url))
    assert complete_due_operations(alice.sandbox, timezone.now() + timedelta(seconds=31)) == 1
    assert hit(bob.get(url))
    assert not hit(alice.get(url))


def test_a_copy_never_crosses_sandboxes(alice, bob):
    url = reverse("all_resources")
    alice.get(url)
    assert hit(alice.get(url))
    theirs = bob.get(url)
    assert not hit(theirs)
    bob_sub = bob.sandbox.subscriptions.get().subscription_id
    alice_sub = alice.sandbox.subscriptions.get().subscription_id
    assert str(bob_sub) in theirs.content.decode()
    assert str(alice_sub) not in theirs.content.decode()


def test_the_fragment_and_the_full_page_are_kept_apart(alice):
    url = app_url(alice, "vnet_integration", "contoso-web")
    full = alice.get(url)
    fragment = alice.get(url, **HX)
    assert not hit(fragment)
    assert "<html" in full.content.decode() and "<html" not in fragment.content.decode()
    assert "<html" not in alice.get(url, **HX).content.decode()


def test_error_pages_are_not_kept(alice):
    url = app_url(alice, "networking", "contoso-web").replace("contoso-web", "no-such-app")
    assert alice.get(url).status_code == 404
    assert alice.get(url).status_code == 404
    assert len(pagecache.store) == 0


def test_switched_off_it_renders_every_time(alice, settings):
    settings.VNETLAB_PAGE_CACHE = False
    url = app_url(alice, "networking", "contoso-web")
    alice.get(url)
    assert not hit(alice.get(url))


def test_the_store_forgets_the_least_recently_used_and_skips_huge_pages():
    store = pagecache.PageStore(entries=2, max_bytes=10)
    copy = pagecache._Copy(b"small", [], 200)
    store.put("a", copy)
    store.put("b", copy)
    store.get("a")
    store.put("c", copy)
    assert store.get("b") is None and store.get("a") is copy and store.get("c") is copy
    store.put("d", pagecache._Copy(b"x" * 11, [], 200))
    assert store.get("d") is None
