"""The private endpoint blade: Overview, DNS configuration, JSON View, Delete."""

import pytest
from django.urls import reverse

from networking.models import PrivateEndpoint, SqlServer, Subnet
from networking.services import endpoints as endpoint_services
from networking.services import paas as paas_services
from portal.models import ResourceGroup
from tests.helpers import HX

pytestmark = pytest.mark.django_db


def _endpoint(client, name="sql-pe"):
    rg = ResourceGroup.objects.select_related("subscription__sandbox").get(subscription__sandbox=client.sandbox)
    target = SqlServer.objects.filter(sandbox=client.sandbox).first() or paas_services.create_target(
        SqlServer, rg, name="contoso-sql", location="eastus"
    )
    subnet = Subnet.objects.select_related("vnet").get(vnet__sandbox=client.sandbox, vnet__name="contoso-vnet", name="vm-subnet")
    return endpoint_services.create_endpoint(rg, name=name, location="eastus", target=target, group_id="sqlServer", subnet=subnet)


def _url(endpoint, page):
    rg = endpoint.resource_group
    return reverse(
        f"networking:private_endpoint_{page}",
        kwargs={"subscription_id": rg.subscription.subscription_id, "rg": rg.name, "name": endpoint.name},
    )


def test_overview_shows_the_nic_ip_target_and_state(alice):
    endpoint = _endpoint(alice)
    html = alice.get(_url(endpoint, "overview")).content.decode()
    for text in ("contoso-vnet/vm-subnet", endpoint.nic.name, "10.0.1.5", "contoso-sql", "sqlServer", "Approved", "Subscription ID"):
        assert text in html, text


def test_overview_fragment_with_htmx(alice):
    html = alice.get(_url(_endpoint(alice), "overview"), **HX).content.decode()
    assert html.lstrip().startswith('<div class="az-essentials" id="essentials"')


def test_dns_configuration_shows_fqdn_ip_and_zone_pedns_10(alice):
    html = alice.get(_url(_endpoint(alice), "dns")).content.decode()
    assert "contoso-sql.database.windows.net" in html
    assert "privatelink.database.windows.net" in html and "10.0.1.5" in html


def test_outsider_404_and_405(alice, bob):
    endpoint = _endpoint(alice)
    for page in ("overview", "dns", "activity", "json", "delete"):
        assert alice.get(_url(endpoint, page)).status_code == 200, page
        assert bob.get(_url(endpoint, page)).status_code == 404, page
    assert alice.post(_url(endpoint, "overview")).status_code == 405


def test_json_view_has_the_connection(alice):
    html = alice.get(_url(_endpoint(alice), "json")).content.decode()
    assert "privateLinkServiceConnections" in html and "sqlServer" in html


def test_delete_confirms_then_deletes(alice):
    endpoint = _endpoint(alice)
    pane = alice.get(_url(endpoint, "delete"), **HX).content.decode()
    assert "Yes" in pane and "No" in pane
    assert alice.post(_url(endpoint, "delete")).status_code == 302
    assert not PrivateEndpoint.objects.filter(pk=endpoint.pk).exists()


def test_pages_query_count_does_not_grow(alice, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    endpoint = _endpoint(alice)
    _endpoint(alice, "grow0")
    smalls = {}
    for page in ("overview", "dns"):
        with CaptureQueriesContext(connection) as ctx:
            alice.get(_url(endpoint, page))
        smalls[page] = len(ctx.captured_queries)
    for i in range(1, 9):
        _endpoint(alice, f"grow{i}")
    for page, small in smalls.items():
        with django_assert_num_queries(small):
            alice.get(_url(endpoint, page))


def test_a_request_for_the_whole_main_gets_the_page(alice):
    """After Create, htmx follows HX-Location into #main: it needs the page, not a fragment."""
    html = alice.get(_url(_endpoint(alice), "overview"), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="main").content.decode()
    assert 'id="main"' in html and 'id="essentials"' in html
