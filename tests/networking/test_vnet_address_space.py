"""The Address space page: add and remove ranges, Save and Discard, and
what Azure refuses (VNET-02, VNET-03, SUBNET-05, VNET-15) or warns about (VNET-01)."""

import pytest

from networking.models import VirtualNetworkPeering
from portal.models import ActivityLogEntry, Notification
from tests.helpers import HX, vnet_of
from tests.helpers.vnets import snapshot, vnet_url

pytestmark = pytest.mark.django_db


def _save(client, *ranges, vnet="contoso-vnet"):
    return client.post(vnet_url(client, "vnet_address_space", vnet), {"address_space": list(ranges), "action": "save"}, **HX)


def test_it_lists_the_ranges_with_an_empty_row_to_add_one(alice):
    html = alice.get(vnet_url(alice, "vnet_address_space")).content.decode()
    assert 'data-range="10.0.0.0/16"' in html and 'placeholder="Add additional address range"' in html
    assert "65,536" in html and "10.0.255.255" in html


def test_adding_a_range_saves_logs_and_notifies(alice):
    response = _save(alice, "10.0.0.0/16", "10.5.0.0/16")
    assert response.status_code == 200
    assert 'id="address-space-saved"' in response.content.decode()
    assert vnet_of(alice, "contoso-vnet").address_space == ["10.0.0.0/16", "10.5.0.0/16"]
    assert ActivityLogEntry.objects.filter(sandbox=alice.sandbox, operation_name="Create or Update Virtual Network").exists()
    assert Notification.objects.filter(sandbox=alice.sandbox, title="Saved virtual network").exists()


def test_saving_without_htmx_redirects_back(alice):
    response = alice.post(vnet_url(alice, "vnet_address_space"), {"address_space": ["10.0.0.0/16", "10.6.0.0/16"], "action": "save"})
    assert response.status_code == 302


def test_the_trash_button_changes_the_draft_only(alice):
    response = alice.post(
        vnet_url(alice, "vnet_address_space"), {"address_space": ["10.0.0.0/16", "10.5.0.0/16", ""], "remove": "1"}, **HX
    )
    html = response.content.decode()
    assert response.status_code == 200 and 'data-range="10.5.0.0/16"' not in html
    assert vnet_of(alice, "contoso-vnet").address_space == ["10.0.0.0/16"]


def test_an_unsaved_draft_says_so(alice):
    html = alice.post(vnet_url(alice, "vnet_address_space"), {"address_space": ["10.0.0.0/16", "10.7.0.0/16"]}, **HX).content.decode()
    assert 'data-unsaved="true"' in html


@pytest.mark.parametrize(
    "cidr, reason",
    [
        ("224.0.0.0/4", "multicast"),
        ("255.255.255.255/32", "broadcast"),
        ("127.0.0.0/8", "loopback"),
        ("169.254.0.0/16", "link-local"),
        ("168.63.129.16/32", "internal DNS"),
    ],
)
def test_it_refuses_reserved_ranges_err_20_vnet_02(alice, cidr, reason):
    before = snapshot(alice.sandbox)
    response = _save(alice, "10.0.0.0/16", cidr)
    assert response.status_code == 422
    html = response.content.decode()
    assert f"Address prefix &#x27;{cidr}&#x27; is reserved ({reason})" in html and "ERR-20" in html and "VNET-02" in html
    assert snapshot(alice.sandbox) == before


@pytest.mark.parametrize("text", ["10.0.0.0", "10.5.0.1/16", "300.1.0.0/16", "banana", "10.5.0.0/33"])
def test_it_refuses_invalid_cidrs(alice, text):
    before = snapshot(alice.sandbox)
    response = _save(alice, "10.0.0.0/16", text)
    assert response.status_code == 422 and "not a valid CIDR block" in response.content.decode()
    assert snapshot(alice.sandbox) == before


def test_it_refuses_overlapping_ranges_vnet_03(alice):
    html = _save(alice, "10.0.0.0/16", "10.0.128.0/17").content.decode()
    assert "overlaps address space" in html and "VNET-03" in html


def test_it_refuses_removing_a_range_that_holds_subnets_subnet_05(alice):
    before = snapshot(alice.sandbox)
    response = _save(alice, "10.5.0.0/16")
    assert response.status_code == 422
    html = response.content.decode()
    assert "can&#x27;t be removed or resized: subnet" in html and "SUBNET-05" in html
    assert snapshot(alice.sandbox) == before


def test_it_refuses_shrinking_a_range_from_under_a_subnet_subnet_05(alice):
    html = _save(alice, "10.0.0.0/23").content.decode()
    assert "integration-subnet" in html or "sqlmi-subnet" in html or "tiny-subnet" in html
    assert "SUBNET-05" in html


def test_a_range_can_shrink_around_its_subnets(alice):
    assert _save(alice, "10.0.0.0/22").status_code == 200


def test_it_refuses_a_range_overlapping_a_peered_vnet_vnet_15(alice):
    west = vnet_of(alice, "contoso-westus-vnet")
    VirtualNetworkPeering.objects.create(vnet=vnet_of(alice, "contoso-vnet"), remote_vnet=west, name="to-west")
    html = _save(alice, "10.0.0.0/16", "10.1.128.0/17").content.decode()
    assert "peered virtual network" in html and "VNET-15" in html


def test_it_refuses_an_empty_list_vnet_03(alice):
    assert _save(alice, "", "").status_code == 422


def test_it_refuses_new_ipv6_ranges_clearly(alice):
    html = _save(alice, "10.0.0.0/16", "fd00:db8::/48").content.decode()
    assert "IPv4 address spaces only" in html


def test_it_warns_but_allows_a_public_range_vnet_01(alice):
    html = alice.post(vnet_url(alice, "vnet_address_space"), {"address_space": ["10.0.0.0/16", "20.0.0.0/16"]}, **HX).content.decode()
    assert 'data-warning="VNET-01"' in html
    assert _save(alice, "10.0.0.0/16", "20.0.0.0/16").status_code == 200
    assert 'data-warning="VNET-01"' not in alice.get(vnet_url(alice, "vnet_address_space", "contoso-weu-vnet")).content.decode()


def test_rfc_6598_counts_as_private_vnet_01(alice):
    html = alice.post(vnet_url(alice, "vnet_address_space"), {"address_space": ["10.0.0.0/16", "100.64.0.0/16"]}, **HX).content.decode()
    assert 'data-warning="VNET-01"' not in html


def test_the_page_is_a_fragment_for_htmx(alice):
    html = alice.get(vnet_url(alice, "vnet_address_space"), **HX).content.decode()
    assert html.lstrip().startswith('<section id="address-space"') and "<html" not in html
