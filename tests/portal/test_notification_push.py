"""The bell's pushes: every tab of the sandbox gets the count and a cue;
only an open notifications pane fetches the list again, from
/notifications/list/ (portal/services.py ``render_push``)."""

import pytest
from django.urls import reverse

from portal import services
from portal.models import Notification, NotificationLevel
from tests.helpers import HX

pytestmark = pytest.mark.django_db


def test_a_push_carries_the_bells_count_and_the_panes_cue_not_the_list(alice):
    note = services.notify(alice.sandbox, "Saved the settings", level=NotificationLevel.SUCCESS)
    unread = Notification.objects.filter(sandbox=alice.sandbox, unread=True).count()
    html = services.render_push(alice.sandbox, toasts=[note.pk])
    assert f'id="bell-count" class="az-bell-count" hx-swap-oob="true" data-live>{unread}</span>' in html
    cue = f'id="notes-stale" hidden hx-swap-oob="true" hx-get="{reverse("notification_list")}" hx-trigger="load"'
    assert cue in html and 'hx-target="#notification-list"' in html
    assert 'id="notification-list"' not in html
    assert "Saved the settings" in html  # the toast


def test_the_open_pane_holds_the_cue_a_push_replaces(alice):
    pane = alice.get(reverse("notifications"), **HX).content.decode()
    assert '<span id="notes-stale" hidden></span>' in pane and 'id="notification-list"' in pane


def test_the_list_is_drawn_as_it_is_now_and_marks_nothing_read(alice):
    alice.get(reverse("notifications"), **HX)  # the pane opened: all read
    services.notify(alice.sandbox, "Deleted contoso-old", level=NotificationLevel.SUCCESS)
    response = alice.get(reverse("notification_list"), **HX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith('<ul id="notification-list"') and "Deleted contoso-old" in html
    assert Notification.objects.get(sandbox=alice.sandbox, title="Deleted contoso-old").unread


def test_the_list_is_only_the_browsers_own_sandboxs(alice, bob):
    services.notify(alice.sandbox, "Alice's secret change", level=NotificationLevel.SUCCESS)
    html = bob.get(reverse("notification_list"), **HX).content.decode()
    assert "Alice's secret change" not in html and "Alice&#x27;s secret change" not in html
