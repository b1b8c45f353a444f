"""The shell's own pages read their query strings and posts through forms
(issue #9): a bad value falls back or answers a field error, never a 500."""

import pytest
from django.urls import reverse

from tests.helpers import HX

pytestmark = pytest.mark.django_db


def test_it_gives_the_whole_all_resources_page_to_an_htmx_request_aimed_at_main(alice):
    # After a delete, HX-Location swaps #main from the page it goes to.
    response = alice.get(reverse("all_resources"), **HX, HTTP_HX_TARGET="main")
    assert response.status_code == 200
    assert b'id="main"' in response.content
    assert b"<html" in response.content


def test_it_gives_only_the_table_to_the_search_box(alice):
    response = alice.get(reverse("all_resources"), {"q": "contoso"}, **HX, HTTP_HX_TARGET="resource-table")
    assert response.status_code == 200
    assert b"<html" not in response.content
    assert b"contoso-web" in response.content
    assert "HX-Request" in response["Vary"]


@pytest.mark.parametrize("query", [{"q": "a\x00b"}, {"type": "\x00"}, {"page": "99999999999999999999"}, {"page": "\u0663"}])
def test_it_answers_a_malformed_all_resources_query_with_the_list(alice, query):
    response = alice.get(reverse("all_resources"), query)
    assert response.status_code == 200


@pytest.mark.parametrize("query", [{"q": "a\x00b"}, {"category": "\x00"}, {"kind": "\x00"}])
def test_it_answers_a_malformed_marketplace_query_with_the_marketplace(alice, query):
    response = alice.get(reverse("create_resource"), query)
    assert response.status_code == 200
    assert b"Create a resource" in response.content


def test_it_refuses_an_unknown_era_on_the_field_and_keeps_the_era(alice):
    response = alice.post(reverse("set_era"), {"era": "2019"})
    assert response.status_code == 422
    assert b"Choose Classic (2021) or Current (2026)." in response.content
    assert alice.get(reverse("sandbox_settings")).status_code == 200


def test_it_dismisses_notifications_into_the_pane_for_htmx(alice):
    response = alice.post(reverse("dismiss_notifications"), **HX)
    assert response.status_code == 200
    assert b'id="notification-list"' in response.content or b"notification" in response.content
    plain = alice.post(reverse("dismiss_notifications"))
    assert plain.status_code == 302


def test_every_page_names_an_icon_that_exists_so_the_browser_logs_no_missing_favicon(alice):
    from django.contrib.staticfiles import finders

    page = alice.get(reverse("home")).content.decode()
    assert 'rel="icon"' in page and "portal/favicon" in page
    assert finders.find("portal/favicon.svg")
