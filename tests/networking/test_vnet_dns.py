"""The DNS servers page (VNET-07, LIMIT-06)."""

import pytest

from portal.models import ActivityLogEntry
from tests.helpers import HX, vnet_of
from tests.helpers.vnets import snapshot, vnet_url

pytestmark = pytest.mark.django_db


def _save(client, mode, *servers):
    return client.post(vnet_url(client, "vnet_dns"), {"dns_mode": mode, "dns_server": list(servers), "action": "save"}, **HX)


def test_it_shows_default_azure_provided_and_the_dhcp_note_vnet_07(alice):
    html = alice.get(vnet_url(alice, "vnet_dns")).content.decode()
    assert "Default (Azure-provided)" in html and "Custom" in html
    assert 'id="dns-default" checked' in html.replace("\n", " ") or 'value="default" id="dns-default" checked' in html
    assert "DHCP lease" in html and "VNET-07" in html


def test_choosing_custom_shows_the_list_without_saving(alice):
    html = alice.post(vnet_url(alice, "vnet_dns"), {"dns_mode": "custom"}, **HX).content.decode()
    assert 'placeholder="Add DNS server"' in html and 'data-unsaved="true"' in html
    assert vnet_of(alice, "contoso-vnet").dns_servers == []


def test_saving_custom_servers(alice):
    response = _save(alice, "custom", "10.0.1.4", "10.0.1.5")
    assert response.status_code == 200
    assert vnet_of(alice, "contoso-vnet").dns_servers == ["10.0.1.4", "10.0.1.5"]
    assert ActivityLogEntry.objects.filter(sandbox=alice.sandbox, operation_name="Create or Update Virtual Network").exists()
    assert "10.0.1.4, 10.0.1.5" in alice.get(vnet_url(alice, "vnet_overview")).content.decode()


def test_back_to_default_clears_the_list(alice):
    _save(alice, "custom", "10.0.1.4")
    assert _save(alice, "default", "10.0.1.4").status_code == 200
    assert vnet_of(alice, "contoso-vnet").dns_servers == []


@pytest.mark.parametrize("bad", ["10.0.1", "fe80::1", "dns.contoso.com", "10.0.1.4/32"])
def test_it_refuses_anything_but_an_ipv4_address_vnet_07(alice, bad):
    before = snapshot(alice.sandbox)
    response = _save(alice, "custom", bad)
    assert response.status_code == 422 and "not a valid IPv4 address" in response.content.decode()
    assert snapshot(alice.sandbox) == before


def test_it_refuses_a_duplicate_server(alice):
    assert _save(alice, "custom", "10.0.1.4", "10.0.1.4").status_code == 422


def test_it_refuses_custom_with_no_server(alice):
    assert _save(alice, "custom").status_code == 422


def test_it_refuses_a_21st_dns_server_limit_06(alice):
    servers = [f"10.0.1.{i}" for i in range(4, 25)]
    response = _save(alice, "custom", *servers)
    assert response.status_code == 422 and "LIMIT-06" in response.content.decode()
    assert _save(alice, "custom", *servers[:20]).status_code == 200
