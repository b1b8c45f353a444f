"""The Add VNet pane in a sandbox of hundreds of networks: its "Virtual
Network" drop-down draws a page of them per group, says how many more there
are, and "Filter virtual networks" finds the others; any network of the
sandbox can still be picked and posted (issue #12; docs/fidelity.md "Long grids")."""

import re

import pytest
from django.http import QueryDict

from appservice.forms import AddVnetForm
from appservice.models import VnetIntegration
from networking.models import VirtualNetwork
from tests.helpers import HX, app_of, app_url
from tests.helpers.vnets import many_vnets

pytestmark = pytest.mark.django_db


def _group(html: str, data_group: str) -> list[str]:
    body = re.search(rf'<optgroup label="[^"]*" data-group="{data_group}">(.*?)</optgroup>', html, re.S).group(1)
    return re.findall(r"<option[^>]*>([^<]*)</option>", body)


def _pane(client, **query):
    return client.get(app_url(client, "add_vnet", "contoso-web"), query, **HX).content.decode()


def test_the_seeds_few_networks_are_all_listed_with_no_filter_box(alice):
    html = _pane(alice)
    assert 'id="vnet-filter"' not in html and 'id="vnet-count"' not in html
    assert "contoso-vnet (contoso-rg)" in _group(html, "same-region")


def test_a_long_list_shows_a_page_per_group_and_says_how_many_more(alice):
    many_vnets(alice, 250)  # East US, the app's region
    many_vnets(alice, 120, location="westeurope", tag="far")
    html = _pane(alice)
    same, other = _group(html, "same-region"), _group(html, "other-regions")
    assert len(same) == 101 and same[-1].endswith("more: filter virtual networks to find them")
    arm = VirtualNetwork.objects.filter(sandbox=alice.sandbox, is_classic=False)
    same_total, other_total = arm.filter(location="eastus").count(), arm.exclude(location="eastus").count()
    assert same[-1] == f"{same_total - 100} more: filter virtual networks to find them"
    assert len(other) == 101 and other[-1] == f"{other_total - 100} more: filter virtual networks to find them"
    assert '<option value="more-other-regions" disabled>' in html
    assert 'placeholder="Filter virtual networks" aria-label="Filter virtual networks"' in html
    assert "Showing 200 of" in html and "virtual networks. Filter to find the others." in html


def test_filter_virtual_networks_narrows_the_drop_down(alice):
    many_vnets(alice, 250)
    html = _pane(alice, vnet_filter="vnet-24")
    assert _group(html, "same-region") == [f"many-vnet-{i} (contoso-rg)" for i in range(240, 250)]
    assert _group(html, "other-regions") == ["No virtual networks match &#x27;vnet-24&#x27;"]
    assert "10 of" in html and "virtual networks match &#x27;vnet-24&#x27;." in html


def test_filtering_keeps_the_network_already_picked(alice):
    many_vnets(alice, 250)
    picked = VirtualNetwork.objects.get(sandbox=alice.sandbox, name="many-vnet-249")
    html = _pane(alice, vnet_filter="vnet-00", vnet=str(picked.pk))
    assert f'<option value="{picked.pk}" selected>many-vnet-249 (contoso-rg)</option>' in html
    assert "many-vnet-005 (contoso-rg)" in _group(html, "same-region")


@pytest.mark.parametrize("text", ["a\x00b", "%", "x" * 500, "<script>"])
def test_a_filter_of_any_text_answers_the_pane(alice, text):
    many_vnets(alice, 150)
    html = _pane(alice, vnet_filter=text)
    assert "<script>" not in html.split('id="vnet-filter"')[1].split(">")[0]
    assert 'id="vnet-select"' in html


def test_a_network_past_the_first_page_can_be_picked_and_connected(alice):
    many_vnets(alice, 250)
    vnet = VirtualNetwork.objects.get(sandbox=alice.sandbox, name="many-vnet-249")
    details = alice.get(app_url(alice, "add_vnet_details", "contoso-web"), {"vnet": vnet.pk}, **HX).content.decode()
    assert 'id="subnet-mode"' in details and "Select a virtual network." not in details
    data = {"vnet": vnet.pk, "subnet_mode": "new", "subnet_name": "apps", "subnet_prefix": vnet.address_space[0]}
    response = alice.post(app_url(alice, "add_vnet", "contoso-web"), data, **HX)
    assert response.status_code == 200, response.content.decode()[:500]
    assert VnetIntegration.objects.get(app=app_of(alice, "contoso-web")).vnet == vnet


def test_a_refused_post_redraws_the_drop_down_with_its_filter(alice):
    many_vnets(alice, 150)
    form = AddVnetForm(app_of(alice, "contoso-web"), QueryDict("vnet=&vnet_filter=vnet-14"))
    assert form.vnet_list.filter == "vnet-14" and form.vnet_list.shown == 10


def test_another_sandboxs_networks_are_never_offered(alice, bob):
    many_vnets(bob, 150, tag="bobs")
    html = _pane(alice, vnet_filter="bobs")
    assert "bobs-vnet" not in html


def test_the_pane_costs_the_same_queries_however_many_networks(alice, bob, django_assert_max_num_queries):
    many_vnets(alice, 20)
    many_vnets(bob, 600)
    with django_assert_max_num_queries(50) as small:
        _pane(alice)
    url = app_url(bob, "add_vnet", "contoso-web")
    with django_assert_max_num_queries(len(small.captured_queries)):
        bob.get(url, **HX)
