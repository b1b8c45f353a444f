"""The shell's parts rendered once per process (``{% once %}``,
portal/templatetags/once.py) never carry one sandbox's page into another's."""

import re

import pytest
from django.template import engines
from django.test import RequestFactory
from django.urls import reverse

from portal import services
from portal.models import Subscription
from tests.helpers import app_url

pytestmark = pytest.mark.django_db


def _make_different(alice, bob) -> None:
    """Alice: Classic era, annotations off, two unread notifications, her
    subscription renamed. Bob: Current era, as the seed left the rest."""
    services.set_era(alice.sandbox, "classic")
    services.set_annotations(alice.sandbox, False)
    services.notify(alice.sandbox, "Alice's first")
    services.notify(alice.sandbox, "Alice's second")
    Subscription.objects.filter(sandbox=alice.sandbox).update(display_name="Alice's subscription")
    services.set_era(bob.sandbox, "current")


def _shell_of(html: str) -> dict:
    return {
        "account": re.search(r'id="subscription-name">([^<]*)<', html).group(1),
        "bell": re.search(r'<span id="bell-count" class="([^"]*)"[^>]*>([^<]*)<', html).groups(),
        "annotations_off": '<body class="no-annotations"' in html,
        "directories_button": 'id="directories-button"' in html,
        "era": re.search(r'data-era="([^"]*)"', html).group(1),
    }


# What each one's shell shows (made different by _make_different).
EXPECTED = {
    "alice": {
        "account": "Alice&#x27;s subscription · Classic (2021)",
        "bell": ("az-bell-count", "2"),
        "annotations_off": True,
        "directories_button": False,
        "era": "classic",
    },
    "bob": {
        "account": "Azure subscription 1 · Current (2026)",
        "bell": ("az-bell-count d-none", "0"),
        "annotations_off": False,
        "directories_button": True,
        "era": "current",
    },
}


@pytest.mark.parametrize("first", ["alice", "bob"])
@pytest.mark.parametrize("page", ["all_resources", "networking"])
def test_each_sandbox_sees_its_own_shell_whoever_rendered_it_first(alice, bob, settings, first, page):
    settings.VNETLAB_PAGE_CACHE = False  # every request renders its shell
    _make_different(alice, bob)
    clients = {"alice": alice, "bob": bob}
    order = [first, "bob" if first == "alice" else "alice"]
    shells = {}
    for name in order * 2:  # each twice, in turn: the second reads the parts kept
        client = clients[name]
        url = reverse("all_resources") if page == "all_resources" else app_url(client, "networking", "contoso-web")
        response = client.get(url)
        assert response.status_code == 200
        shells.setdefault(name, []).append(_shell_of(response.content.decode()))
    for name, seen in shells.items():
        assert seen[0] == seen[1] == EXPECTED[name], name


def test_a_once_part_sees_only_its_arguments():
    template = engines["django"].from_string(
        "{% load once %}[{% once %}{{ secret }}{% endonce %}][{% once flag=flag %}{{ flag }}{{ secret }}{% endonce %}]"
    )
    request = RequestFactory().get("/")
    first = template.render({"secret": "alice's", "flag": "on"}, request)
    second = template.render({"secret": "bob's", "flag": "off"}, request)
    third = template.render({"secret": "carol's", "flag": "on"}, request)
    # Nothing but the arguments reaches the part, and each value has its own copy.
    assert (first, second, third) == ("[][on]", "[][off]", "[][on]")
