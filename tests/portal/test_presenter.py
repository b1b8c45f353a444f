"""Presenter mode (issue #13 item 5; docs/classroom.md "Presenter mode";
CLS-29..CLS-34): the switch and zoom on Portal settings, the root's class
that draws every page larger, the annotations switch that exam mode locks,
"Reset to the demo start" that keeps the presenter's place, and the page
cache that never shows one mode for another."""

import json

import pytest
from django.urls import reverse

from labs.exams import LOCK_REASON
from networking.models import NetworkSecurityGroup
from portal import changes, pagecache, services
from portal.models import ResourceGroup, Sandbox
from tests.helpers import HX, app_url, create_group
from tests.helpers.nsgs import blade_url, make_nsg

pytestmark = pytest.mark.django_db

ROOT_ON = '<html lang="en" class="az-presenter az-zoom-{zoom}">'
ROOT_OFF = '<html lang="en">'


@pytest.fixture(autouse=True)
def empty_store():
    pagecache.store.clear()
    yield
    pagecache.store.clear()


def presenter_on(client, zoom="150"):
    response = client.post(reverse("set_presenter"), {"presenter": ["off", "on"], "zoom": zoom})
    assert response.status_code == 302
    client.sandbox.refresh_from_db()
    return response


def page(client, url=None) -> str:
    return client.get(url or reverse("all_resources")).content.decode()


# --- CLS-29: the setting and the root's class ----------------------------------------------


def test_cls29_presenter_mode_is_off_by_default_and_the_settings_page_offers_it(alice):
    settings_page = page(alice, reverse("sandbox_settings"))
    assert 'id="presenter"' in settings_page and "Presenter mode" in settings_page
    assert 'name="presenter" value="on">' in settings_page  # the switch is not checked
    assert '<option value="150" selected>150%</option>' in settings_page
    assert ROOT_OFF in settings_page and "az-presenter" not in page(alice).split("<head>")[0]


@pytest.mark.parametrize("zoom", ["125", "150", "175"])
def test_cls29_on_every_page_carries_the_presenter_class_and_its_zoom_and_off_none(alice, zoom):
    response = presenter_on(alice, zoom)
    assert response["Location"] == reverse("sandbox_settings")
    assert alice.sandbox.presenter_mode and alice.sandbox.presenter_zoom == int(zoom)
    for url in (reverse("home"), reverse("all_resources"), app_url(alice, "networking", "contoso-web")):
        assert ROOT_ON.format(zoom=zoom) in page(alice, url), url
    assert f'<option value="{zoom}" selected>' in page(alice, reverse("sandbox_settings"))

    assert alice.post(reverse("set_presenter"), {"presenter": "off", "zoom": zoom}).status_code == 302
    alice.sandbox.refresh_from_db()
    assert not alice.sandbox.presenter_mode and alice.sandbox.presenter_zoom == int(zoom), "the zoom is kept"
    for url in (reverse("home"), reverse("all_resources"), app_url(alice, "networking", "contoso-web")):
        html = page(alice, url)
        assert ROOT_OFF in html and "az-zoom-" not in html, url


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"presenter": "on", "zoom": "200"}, "zoom", "Choose 125%, 150% or 175%."),
        ({"presenter": "on", "zoom": "x" * 5000}, "zoom", "Choose 125%, 150% or 175%."),
        ({"presenter": "on"}, "zoom", "Choose 125%, 150% or 175%."),
        ({"presenter": "maybe", "zoom": "150"}, "presenter", "Choose On or Off."),
        ({"zoom": "150"}, "presenter", "Choose On or Off."),
    ],
)
def test_cls29_bad_input_is_a_message_on_its_field_not_a_500_and_nothing_changes(alice, data, field, message):
    response = alice.post(reverse("set_presenter"), data)
    assert response.status_code == 422
    html = response.content.decode()
    assert (
        f'<div class="az-field-error" id="{field}-error" role="alert"><i class="bi bi-x-circle-fill"></i>{message}'
        in html
    )
    assert "Portal settings" in html and ROOT_OFF in html
    alice.sandbox.refresh_from_db()
    assert not alice.sandbox.presenter_mode and alice.sandbox.presenter_zoom == 150


def test_cls29_the_top_bar_toggle_comes_back_to_the_page_it_was_used_on(alice):
    blade = app_url(alice, "networking", "contoso-web")
    html = page(alice, blade)
    assert 'id="presenter-toggle"' in html and f'name="next" value="{blade}"' in html
    response = alice.post(reverse("set_presenter"), {"presenter": "on", "zoom": "175", "next": blade})
    assert response.status_code == 302 and response["Location"] == blade
    assert ROOT_ON.format(zoom=175) in page(alice, blade)
    # Another site is never where a form goes back to.
    away = alice.post(reverse("set_presenter"), {"presenter": "off", "zoom": "175", "next": "https://evil.example/"})
    assert away["Location"] == reverse("sandbox_settings")
    away = alice.post(reverse("set_presenter"), {"presenter": "off", "zoom": "175", "next": "//evil.example/x"})
    assert away["Location"] == reverse("sandbox_settings")


def test_cls29_one_sandbox_s_mode_is_its_own(alice, bob):
    presenter_on(alice, "175")
    assert ROOT_ON.format(zoom=175) in page(alice, reverse("home"))
    assert ROOT_OFF in page(bob, reverse("home"))
    bob.sandbox.refresh_from_db()
    assert not bob.sandbox.presenter_mode


# --- CLS-31: annotations with one switch, locked by exam mode ----------------------------------


def test_cls31_the_presenter_menu_hides_and_shows_the_annotations_and_comes_back(alice):
    presenter_on(alice)
    blade = app_url(alice, "networking", "contoso-web")
    assert 'id="presenter-annotations" aria-pressed="true"' in page(alice, blade)
    off = alice.post(reverse("set_annotations"), {"annotations": "off", "next": blade})
    assert off.status_code == 302 and off["Location"] == blade
    html = page(alice, blade)
    assert '<body class="no-annotations"' in html and 'id="presenter-annotations" aria-pressed="false"' in html
    on = alice.post(reverse("set_annotations"), {"annotations": "on", "next": blade})
    assert on.status_code == 302
    assert '<body class="no-annotations"' not in page(alice, blade)
    bad = alice.post(reverse("set_annotations"), {"annotations": "sideways", "next": blade})
    assert bad.status_code == 422 and "Choose On or Off." in bad.content.decode()


def test_cls31_exam_mode_locks_the_switch_with_its_reason_and_a_post_changes_nothing(alice):
    presenter_on(alice)
    services.lock_annotations(alice.sandbox, LOCK_REASON)
    html = page(alice, reverse("home"))
    assert '<body class="no-annotations"' in html
    assert 'id="presenter-annotations" aria-pressed="false" disabled' in html and LOCK_REASON in html
    refused = alice.post(reverse("set_annotations"), {"annotations": "on", "next": reverse("home")})
    assert refused.status_code == 422 and LOCK_REASON in refused.content.decode()
    alice.sandbox.refresh_from_db()
    assert alice.sandbox.show_annotations and not alice.sandbox.annotations_shown
    # The exam over, the presenter's own choice is back and the switch works again.
    services.unlock_annotations(alice.sandbox)
    assert '<body class="no-annotations"' not in page(alice, reverse("home"))
    assert alice.post(reverse("set_annotations"), {"annotations": "off"}).status_code == 302
    alice.sandbox.refresh_from_db()
    assert not alice.sandbox.show_annotations


# --- CLS-32, CLS-33: reset to the demo start, keeping the place -----------------------------


def test_cls32_the_reset_asks_first_and_names_where_it_comes_back_to(alice):
    blade = app_url(alice, "networking", "contoso-web")
    pane = alice.get(reverse("reset_to_demo"), {"next": blade}, **HX)
    html = pane.content.decode()
    assert pane.status_code == 200 and "Reset to the demo start" in html and 'id="demo-reset-yes"' in html
    assert f'name="next" value="{blade}"' in html
    create_group(alice, "still-here-rg")
    assert ResourceGroup.objects.filter(subscription__sandbox=alice.sandbox, name="still-here-rg").exists()


def test_cls33_the_reset_returns_to_the_same_blade_and_keeps_presenter_settings(alice):
    presenter_on(alice, "175")
    services.set_annotations(alice.sandbox, False)
    create_group(alice, "demo-extra-rg")
    blade = app_url(alice, "networking", "contoso-web")
    response = alice.post(reverse("reset_to_demo"), {"next": blade})
    assert response.status_code == 302 and response["Location"] == blade
    assert not ResourceGroup.objects.filter(subscription__sandbox=alice.sandbox, name="demo-extra-rg").exists()
    sandbox = Sandbox.objects.get(pk=alice.sandbox.pk)
    assert sandbox.presenter_mode and sandbox.presenter_zoom == 175 and not sandbox.show_annotations
    html = page(alice, blade)
    assert ROOT_ON.format(zoom=175) in html and '<body class="no-annotations"' in html


def test_cls33_a_deleted_resource_s_blade_returns_to_its_resource_group(alice):
    nsg = make_nsg(alice, "demo-only-nsg")
    blade = blade_url(nsg, "nsg_overview")
    assert alice.get(blade).status_code == 200
    group = nsg.resource_group
    # htmx posts the pane's Yes: the place comes back as HX-Location.
    response = alice.post(reverse("reset_to_demo"), {"next": blade}, **HX)
    assert response.status_code == 200
    assert not NetworkSecurityGroup.objects.filter(sandbox=alice.sandbox, name="demo-only-nsg").exists()
    expected = reverse(
        "resource_group", kwargs={"subscription_id": group.subscription.subscription_id, "rg": group.name}
    )
    assert json.loads(response["HX-Location"])["path"] == expected
    assert alice.get(expected).status_code == 200


def test_cls33_a_deleted_resource_group_s_page_returns_home(alice):
    create_group(alice, "gone-rg")
    sub = alice.sandbox.subscriptions.get().subscription_id
    rg_page = reverse("resource_group", kwargs={"subscription_id": sub, "rg": "gone-rg"})
    assert alice.get(rg_page).status_code == 200
    response = alice.post(reverse("reset_to_demo"), {"next": rg_page})
    assert response["Location"] == reverse("home")


@pytest.mark.parametrize("where", ["https://evil.example/", "//evil.example/", "/no/such/page/", "x" * 3000, ""])
def test_cls33_a_place_that_is_not_a_page_of_the_portal_returns_home(alice, where):
    response = alice.post(reverse("reset_to_demo"), {"next": where})
    assert response.status_code == 302 and response["Location"] == reverse("home")


def test_cls33_a_query_string_is_kept(alice):
    url = reverse("all_resources") + "?type=Microsoft.Network/virtualNetworks"
    response = alice.post(reverse("reset_to_demo"), {"next": url})
    assert response["Location"] == url


# --- CLS-34: the page cache never shows the wrong mode ------------------------------------


def hit(response) -> bool:
    return response.headers.get("X-VNetLab-Page-Cache") == "hit"


def test_cls34_a_cached_page_follows_the_mode_and_never_crosses_sandboxes(alice, bob):
    url = reverse("all_resources")
    assert ROOT_OFF in page(alice, url) and hit(alice.get(url))
    presenter_on(alice, "125")
    first = alice.get(url)
    assert not hit(first) and ROOT_ON.format(zoom=125) in first.content.decode()
    again = alice.get(url)
    assert hit(again) and ROOT_ON.format(zoom=125) in again.content.decode()
    # Bob's copy of the same URL is his own, in his own mode.
    bobs = page(bob, url)
    assert ROOT_OFF in bobs and "az-presenter" not in bobs.split("<head>")[0]
    assert ROOT_OFF in bob.get(url).content.decode()
    assert alice.post(reverse("set_presenter"), {"presenter": "off", "zoom": "125"}).status_code == 302
    assert ROOT_OFF in page(alice, url)


def test_cls34_the_mode_is_in_the_key_even_when_no_generation_moved(alice):
    """A write that bumped no generation (another process's, unnoticed)
    still never serves the copy drawn in the other mode."""
    url = reverse("all_resources")
    page(alice, url)
    assert hit(alice.get(url))
    with changes.unnoticed():
        Sandbox.objects.filter(pk=alice.sandbox.pk).update(presenter_mode=True, presenter_zoom=150)
    response = alice.get(url)
    assert not hit(response) and ROOT_ON.format(zoom=150) in response.content.decode()


def test_cls33_a_page_outside_the_blades_is_returned_to_without_being_asked_for(alice):
    """The bell's pane marks everything read when it is drawn: the reset
    goes back to it without drawing it first."""
    response = alice.post(reverse("reset_to_demo"), {"next": reverse("notifications")})
    assert response["Location"] == reverse("notifications")
    assert alice.sandbox.notifications.filter(unread=True, title="Demo reset").count() == 1
