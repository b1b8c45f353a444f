"""Long grids of the frame (portal/paging.py, templates/portal/_pager.html):
All resources and a resource group's resources, paged by 100 as the
portal's browse grid pages them (issue #12; docs/fidelity.md "Long grids")."""

import re

import pytest
from django.http import QueryDict
from django.test import RequestFactory
from django.urls import reverse

from portal import paging
from tests.helpers import HX
from tests.helpers.appservice import grow_apps

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("value", "page"),
    [
        ("2", 2),
        (" 3 ", 3),
        ("", 1),
        (None, 1),
        ("0", 1),
        ("-2", 1),
        ("x", 1),
        ("a\x00", 1),
        ("\u0663", 1),
        ("9" * 30, 1),
    ],
)
def test_a_page_number_is_a_whole_number_from_one_else_the_first_page(value, page):
    assert paging.page_number(value) == page


def _pager(query: str, total: int):
    request = RequestFactory().get("/grid/?" + query)
    return paging.pager(request, total, target="grid", label="Things", keep={"q": "a b", "type": ""})


def test_a_pager_clamps_to_the_pages_there_are_and_says_what_it_shows():
    last = _pager("page=9", 250)
    assert (last.number, last.pages, last.offset, last.end) == (3, 3, 200, 300)
    assert last.showing == "Showing 201 to 250 of 250 records."
    assert last.previous_url == "/grid/?q=a+b&page=2" and last.next_url == ""
    first = _pager("", 250)
    assert first.previous_url == "" and first.next_url == "/grid/?q=a+b&page=2"
    assert _pager("page=2", 2).url(1) == "/grid/?q=a+b"  # the first page needs no page number
    assert _pager("", 1).showing == "Showing 1 record." and _pager("", 0).showing == "Showing 0 records."
    assert not _pager("", 100).paged and _pager("", 101).paged


def test_the_current_query_is_that_of_the_grids_own_page_only():
    request = RequestFactory().post("/x/", HTTP_HX_CURRENT_URL="http://testserver/grid/?page=3&q=a")
    assert paging.current_query(request, "/grid/") == QueryDict("page=3&q=a")
    assert paging.current_query(request, "/other/") == QueryDict()
    assert paging.current_query(RequestFactory().post("/x/"), "/grid/") == QueryDict()


def _rows(html: str) -> list[str]:
    return re.findall(r'<tr data-resource-id="([^"]+)">', html)


def test_all_resources_pages_with_previous_a_page_picker_and_next(alice):
    grow_apps(alice, 80)  # 240 more: 282 in all
    url = reverse("all_resources")
    html = alice.get(url, {"type": "", "q": "-80"}).content.decode()
    assert "Showing 1 to 100 of 240 records." in html
    assert f'href="{url}?q=-80&amp;page=2" hx-get="{url}?q=-80&amp;page=2"' in html
    assert '<input type="hidden" name="q" value="-80">' in html
    assert '<label for="resource-table-page">Page</label>' in html and "<span>of 3</span>" in html
    second = alice.get(url, {"q": "-80", "page": "2"}, **HX).content.decode()
    assert second.lstrip().startswith('<div id="resource-table">')
    assert "Showing 101 to 200 of 240 records." in second and len(_rows(second)) == 100
    assert not set(_rows(html)) & set(_rows(second))
    assert 'id="resource-table-previous" rel="prev"' in second


def test_all_resources_filter_replaces_the_url_and_the_pages_push_it(alice):
    html = alice.get(reverse("all_resources")).content.decode()
    assert 'hx-replace-url="true" hx-trigger="input changed' in html


def _group_url(client, rg="contoso-rg"):
    return reverse(
        "resource_group", kwargs={"subscription_id": client.sandbox.subscriptions.get().subscription_id, "rg": rg}
    )


def test_a_resource_groups_resources_are_paged_too(alice):
    grow_apps(alice, 50)  # 150 more resources in contoso-rg
    url = _group_url(alice)
    first = alice.get(url).content.decode()
    total = int(re.search(r"Showing 1 to 100 of (\d+) records\.", first).group(1))
    assert total > 150 and len(_rows(first)) == 100
    last = alice.get(url, {"page": "2"}, **HX).content.decode()
    assert last.lstrip().startswith('<section id="rg-resources">') and "<html" not in last
    assert f"Showing 101 to {total} of {total} records." in last and len(_rows(last)) == total - 100
    assert alice.get(url, {"page": "a\x00"}).status_code == 200


def test_another_sandboxs_resource_group_pages_are_404(alice, bob):
    assert bob.get(_group_url(alice), {"page": "2"}, **HX).status_code == 404


def test_a_page_of_all_resources_costs_the_same_queries_however_large_the_sandbox(alice, django_assert_max_num_queries):
    url = reverse("all_resources")
    with django_assert_max_num_queries(50) as small:
        alice.get(url, {"page": "1"}, **HX)
    grow_apps(alice, 120)
    with django_assert_max_num_queries(len(small.captured_queries)):
        html = alice.get(url, {"page": "3"}, **HX).content.decode()
    assert "Showing 201 to 300 of" in html


def test_htmx_restoring_a_pushed_page_from_history_gets_the_whole_page(alice):
    # Back to ?page=2 after htmx's copy of it is gone: htmx asks the server
    # with HX-Request and swaps the answer into <body>.
    grow_apps(alice, 40)
    url = reverse("all_resources")
    restored = alice.get(url, {"page": "2"}, **HX, HTTP_HX_HISTORY_RESTORE_REQUEST="true").content.decode()
    assert "<html" in restored and "Showing 101 to" in restored
    assert "<html" not in alice.get(url, {"page": "2"}, **HX).content.decode()
