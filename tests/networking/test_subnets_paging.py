"""A VNet's Subnets grid with more subnets than a page holds: paged by 100
as the portal pages its grids, searchable, the page in the URL (issue #12,
"long grids are paged"; docs/fidelity.md "Long grids")."""

import re

import pytest

from tests.helpers import HX
from tests.helpers.vnets import count_queries, grow_contoso, long_vnet, post_add_subnet, vnet_url

pytestmark = pytest.mark.django_db


def _names(html: str) -> list[str]:
    return re.findall(r'<tr data-subnet="([^"]+)">', html)


def _subnets(client, **query):
    return client.get(vnet_url(client, "vnet_subnets", "long-vnet"), query, **HX)


def test_the_first_page_shows_the_first_100_subnets_and_says_how_many_there_are(alice):
    long_vnet(alice, 250)
    html = alice.get(vnet_url(alice, "vnet_subnets", "long-vnet")).content.decode()
    assert _names(html) == [f"subnet-{i:03d}" for i in range(100)]
    assert "Showing 1 to 100 of 250 records." in html
    url = vnet_url(alice, "vnet_subnets", "long-vnet")
    assert f'id="subnet-grid-next" rel="next" href="{url}?page=2" hx-get="{url}?page=2"' in html
    assert 'hx-target="#subnet-grid" hx-swap="outerHTML" hx-push-url="true"' in html
    assert '<label for="subnet-grid-page">Page</label>' in html and "<span>of 3</span>" in html
    # On the first page "Previous" leads nowhere: shown greyed, not a link.
    assert '<span class="az-cmd disabled" id="subnet-grid-previous" tabindex="-1" aria-disabled="true">' in html


def test_the_next_pages_show_the_rest_as_a_fragment_of_the_grid(alice):
    long_vnet(alice, 250)
    second = _subnets(alice, page="2").content.decode()
    assert second.lstrip().startswith('<section id="subnet-grid">') and "<html" not in second
    assert _names(second) == [f"subnet-{i:03d}" for i in range(100, 200)]
    assert "Showing 101 to 200 of 250 records." in second
    assert '<option value="2" selected>2</option>' in second
    last = _subnets(alice, page="3").content.decode()
    assert _names(last) == [f"subnet-{i:03d}" for i in range(200, 250)]
    assert "Showing 201 to 250 of 250 records." in last
    assert 'id="subnet-grid-next" tabindex="-1" aria-disabled="true"' in last and 'rel="next"' not in last


def test_a_vnet_that_fits_on_one_page_has_no_pager(alice):
    html = alice.get(vnet_url(alice, "vnet_subnets")).content.decode()
    assert "Showing 4 records." in html and 'id="subnet-grid-pager"' not in html


@pytest.mark.parametrize("page", ["junk", "0", "-1", "a\x00b", "99999999999999999999999", "\u0663", "1.5", ""])
def test_a_page_that_is_no_page_number_shows_the_first_page(alice, page):
    long_vnet(alice, 150)
    response = _subnets(alice, page=page)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Showing 1 to 100 of 150 records." in html and _names(html)[0] == "subnet-000"


def test_a_page_past_the_last_shows_the_last(alice):
    long_vnet(alice, 150)
    html = _subnets(alice, page="999").content.decode()
    assert "Showing 101 to 150 of 150 records." in html and len(_names(html)) == 50


def test_search_subnets_filters_before_paging_and_every_page_link_keeps_the_search(alice):
    long_vnet(alice, 250)
    expected = [f"subnet-{i:03d}" for i in range(250) if "1" in f"subnet-{i:03d}"]
    first = _subnets(alice, q="1").content.decode()
    assert f"Showing 1 to 100 of {len(expected)} records." in first
    assert _names(first) == expected[:100]
    assert "?q=1&amp;page=2" in first and '<input type="hidden" name="q" value="1">' in first
    second = _subnets(alice, q="1", page="2").content.decode()
    assert _names(second) == expected[100:]


def test_a_search_that_matches_nothing_says_so(alice):
    long_vnet(alice, 120)
    html = _subnets(alice, q="nothing-like-it").content.decode()
    assert "Showing 0 records." in html and "No subnets match 'nothing-like-it'" in html


def test_a_search_with_a_nul_or_like_wildcards_answers_a_page(alice):
    long_vnet(alice, 120)
    assert _subnets(alice, q="a\x00b").status_code == 200
    assert "Showing 0 records." in _subnets(alice, q="%").content.decode()
    assert "Showing 0 records." in _subnets(alice, q="_").content.decode()


def test_the_search_box_sits_outside_the_grid_it_filters(alice):
    long_vnet(alice, 120)
    html = alice.get(vnet_url(alice, "vnet_subnets", "long-vnet"), {"q": "subnet-11"}).content.decode()
    assert (
        'id="subnet-filter" name="q" value="subnet-11" placeholder="Search subnets" aria-label="Search subnets"' in html
    )
    assert html.index('id="subnet-search"') < html.index('<section id="subnet-grid">')


def test_another_sandboxs_vnet_pages_are_404(alice, bob):
    long_vnet(alice, 150)
    assert bob.get(vnet_url(alice, "vnet_subnets", "long-vnet"), {"page": "2"}, **HX).status_code == 404


def test_a_page_costs_the_same_queries_however_many_subnets_the_vnet_has(alice, django_assert_max_num_queries):
    long_vnet(alice, 120)
    long_vnet(alice, 1000, name="longer-vnet")
    small = count_queries(alice, vnet_url(alice, "vnet_subnets", "long-vnet"), **HX)
    longer = vnet_url(alice, "vnet_subnets", "longer-vnet")
    with django_assert_max_num_queries(small):
        html = alice.get(longer, {"page": "7"}, **HX).content.decode()
    assert "Showing 601 to 700 of 1000 records." in html


def test_gateway_subnet_stays_disabled_on_a_page_that_doesnt_show_it(alice):
    vnet = long_vnet(alice, 150)
    vnet.subnets.create(name="GatewaySubnet", address_prefix="10.200.255.0/27")  # the last added: on page 2
    html = alice.get(vnet_url(alice, "vnet_subnets", "long-vnet")).content.decode()
    assert "GatewaySubnet" not in _names(html)
    assert 'title="This virtual network already has a GatewaySubnet"' in html


def test_after_adding_a_subnet_the_grid_comes_back_on_the_page_the_learner_was_on(alice):
    url = vnet_url(alice, "vnet_subnets", "contoso-vnet")
    grow_contoso(alice, 120)  # 124 subnets: two pages
    data = {
        "subnet_name": "app-subnet",
        "subnet_prefix": "10.0.5.0/24",
        "private_endpoint_network_policies": "Disabled",
    }
    response = alice.post(
        vnet_url(alice, "vnet_add_subnet"), data, **HX, HTTP_HX_CURRENT_URL=f"http://testserver{url}?page=2"
    )
    html = response.content.decode()
    assert response["HX-Retarget"] == "#subnet-grid"
    assert "Showing 101 to 125 of 125 records." in html and 'data-subnet="app-subnet"' in html
    # From another page (or none), the grid comes back on its first page.
    other = post_add_subnet(alice, subnet_name="web-subnet", subnet_prefix="10.0.6.0/24").content.decode()
    assert "Showing 1 to 100 of 126 records." in other
