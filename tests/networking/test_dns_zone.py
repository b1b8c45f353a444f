"""Private DNS zones: create, record sets, virtual network links and
auto-registration (PEDNS-20 to PEDNS-23, LIMIT-50, ERR-31)."""

import pytest
from django.urls import reverse

from networking.models import PrivateDnsRecordSet, PrivateDnsZone, VirtualNetwork, VirtualNetworkLink
from networking.services import compute as compute_services
from networking.services import dns as dns_services
from portal.errors import AzureRuleError
from portal.models import ResourceGroup
from tests.arm_support import to_arm
from tests.helpers import HX

pytestmark = pytest.mark.django_db


def _rg(client):
    return ResourceGroup.objects.select_related("subscription__sandbox").get(subscription__sandbox=client.sandbox)


def _zone(client, name="private.contoso.com"):
    return dns_services.create_zone(_rg(client), name=name)


def _url(zone, page, **extra):
    rg = zone.resource_group
    kwargs = {"subscription_id": rg.subscription.subscription_id, "rg": rg.name, "name": zone.name, **extra}
    return reverse(f"networking:dns_zone_{page}", kwargs=kwargs)


def _vnet(client, name="contoso-vnet"):
    return VirtualNetwork.objects.select_related("sandbox").get(sandbox=client.sandbox, name=name)


# --- create -------------------------------------------------------------------------


def test_create_wizard_makes_a_global_zone(alice):
    rg = _rg(alice)
    url = reverse(
        "networking:dns_zone_create", kwargs={"subscription_id": rg.subscription.subscription_id, "rg": rg.name}
    )
    data = {
        "subscription": str(rg.subscription.subscription_id),
        "resource_group": rg.name,
        "name": "Private.Contoso.com",
        "region": "eastus",
    }
    assert alice.post(url, {**data, "action": "review"}).status_code == 200
    response = alice.post(url, {**data, "action": "create", "reviewed": "1"})
    assert response.status_code == 302
    zone = PrivateDnsZone.objects.get(sandbox=alice.sandbox)
    assert zone.name == "private.contoso.com" and zone.location == "global"


@pytest.mark.parametrize("name", ["contoso", "-bad.com", "a..b", "x" * 64 + ".com", "ünï.com", "under_score.com"])
def test_it_refuses_a_name_that_is_not_a_dns_name_naming_24(alice, name):
    with pytest.raises(AzureRuleError) as exc:
        _zone(alice, name)
    assert "NAMING-24" in exc.value.rule_ids


def test_the_subscription_holds_at_most_1000_zones_limit_50(alice, monkeypatch):
    monkeypatch.setattr(dns_services, "MAX_ZONES_PER_SUBSCRIPTION", 1)
    _zone(alice)
    with pytest.raises(AzureRuleError) as exc:
        _zone(alice, "other.contoso.com")
    assert "LIMIT-50" in exc.value.rule_ids


# --- overview and record sets --------------------------------------------------------


def test_overview_lists_record_sets(alice):
    zone = _zone(alice)
    dns_services.save_record_set(zone, name="web", record_type="A", ttl="1", ttl_unit="Hours", records=["10.0.1.10"])
    html = alice.get(_url(zone, "overview")).content.decode()
    assert 'id="record-sets"' in html and "10.0.1.10" in html and "3600" in html
    assert "Resource group" in html and "Subscription ID" in html


def test_overview_fragment_with_htmx(alice):
    zone = _zone(alice)
    html = alice.get(_url(zone, "overview"), **HX).content.decode()
    assert html.lstrip().startswith('<table class="az-grid" id="record-sets"')


def test_outsider_gets_404(alice, bob):
    zone = _zone(alice)
    for page in ("overview", "links", "record_set_add", "link_add", "activity", "json", "delete"):
        assert bob.get(_url(zone, page)).status_code == 404, page


def test_overview_refuses_post(alice):
    assert alice.post(_url(_zone(alice), "overview")).status_code == 405


def test_add_record_set_pane_adds_an_a_record(alice):
    zone = _zone(alice)
    pane = alice.get(_url(zone, "record_set_add"), **HX).content.decode()
    assert "Add record set" in pane and "TTL unit" in pane
    response = alice.post(
        _url(zone, "record_set_add"),
        {"name": "db", "record_type": "A", "ttl": "5", "ttl_unit": "Minutes", "records": "10.0.1.7\n10.0.1.8"},
        **HX,
    )
    assert response.status_code == 200
    assert 'hx-swap-oob="true"' in response.content.decode()
    record = PrivateDnsRecordSet.objects.get(zone=zone, name="db")
    assert record.ttl == 300 and record.records == ["10.0.1.7", "10.0.1.8"]


def test_a_cname_takes_exactly_one_alias(alice):
    zone = _zone(alice)
    response = alice.post(
        _url(zone, "record_set_add"),
        {
            "name": "www",
            "record_type": "CNAME",
            "ttl": "1",
            "ttl_unit": "Hours",
            "records": "a.contoso.com\nb.contoso.com",
        },
        **HX,
    )
    assert response.status_code == 422 and "exactly one alias" in response.content.decode()
    dns_services.save_record_set(
        zone, name="www", record_type="CNAME", ttl="1", ttl_unit="Hours", records=["app.azurewebsites.net"]
    )
    assert PrivateDnsRecordSet.objects.get(zone=zone, name="www").records == ["app.azurewebsites.net"]


def test_an_a_record_needs_ipv4_addresses(alice):
    zone = _zone(alice)
    with pytest.raises(AzureRuleError):
        dns_services.save_record_set(zone, name="x", record_type="A", ttl="1", ttl_unit="Hours", records=["fe80::1"])


def test_a_record_set_holds_at_most_20_records_limit_50(alice):
    zone = _zone(alice)
    with pytest.raises(AzureRuleError) as exc:
        dns_services.save_record_set(
            zone, name="x", record_type="A", ttl="1", ttl_unit="Hours", records=[f"10.0.0.{i}" for i in range(21)]
        )
    assert "LIMIT-50" in exc.value.rule_ids


def test_edit_and_delete_a_record_set(alice):
    zone = _zone(alice)
    record = dns_services.save_record_set(
        zone, name="web", record_type="A", ttl="1", ttl_unit="Hours", records=["10.0.1.10"]
    )
    edit = _url(zone, "record_set_edit", pk=record.pk)
    assert "10.0.1.10" in alice.get(edit).content.decode()
    alice.post(edit, {"ttl": "30", "ttl_unit": "Seconds", "records": "10.0.1.11"})
    record.refresh_from_db()
    assert record.ttl == 30 and record.records == ["10.0.1.11"]
    delete = _url(zone, "record_set_delete", pk=record.pk)
    assert "Yes" in alice.get(delete, **HX).content.decode()
    alice.post(delete)
    assert not PrivateDnsRecordSet.objects.filter(pk=record.pk).exists()


def test_another_zones_record_set_is_404(alice):
    zone, other = _zone(alice), _zone(alice, "other.contoso.com")
    record = dns_services.save_record_set(
        other, name="web", record_type="A", ttl="1", ttl_unit="Hours", records=["10.0.1.10"]
    )
    assert alice.get(_url(zone, "record_set_edit", pk=record.pk)).status_code == 404


# --- the SOA record set (PDNS-01) ------------------------------------------------------


SOA_VALUES = [
    "Email: azureprivatedns-host.microsoft.com",
    "Host: azureprivatedns.net",
    "Refresh: 3600",
    "Retry: 300",
    "Expire: 2419200",
    "Minimum TTL: 10",
    "Serial number: 1",
]


def test_a_new_zone_has_an_soa_record_set_at_the_apex_and_counts_it_pdns_01(alice):
    zone = _zone(alice)
    soa = PrivateDnsRecordSet.objects.get(zone=zone)
    assert (soa.name, soa.record_type, soa.ttl, soa.value_lines) == ("@", "SOA", 3600, SOA_VALUES)
    html = alice.get(_url(zone, "overview")).content.decode()
    assert 'id="record-set-count">1<' in html
    assert '<tr data-record="@" data-type="SOA">' in html and "Host: azureprivatedns.net" in html
    assert to_arm(zone)["properties"]["numberOfRecordSets"] == 1


def test_the_soa_record_set_is_neither_added_edited_nor_deleted_by_the_learner_pdns_01(alice):
    zone = _zone(alice)
    soa = PrivateDnsRecordSet.objects.get(zone=zone, record_type="SOA")
    grid = alice.get(_url(zone, "overview"), **HX).content.decode()
    assert "Delete @ SOA" not in grid and "Edit @ SOA" not in grid
    assert ">SOA<" not in alice.get(_url(zone, "record_set_add"), **HX).content.decode()
    with pytest.raises(AzureRuleError) as exc:
        dns_services.save_record_set(zone, name="@", record_type="SOA", ttl="1", ttl_unit="Hours", records=["x"])
    assert "PDNS-01" in exc.value.rule_ids
    with pytest.raises(AzureRuleError) as exc:
        dns_services.delete_record_set(soa)
    assert "PDNS-01" in exc.value.rule_ids
    for page in ("record_set_edit", "record_set_delete"):
        assert alice.get(_url(zone, page, pk=soa.pk)).status_code == 404
    alice.post(_url(zone, "record_set_delete", pk=soa.pk))
    assert PrivateDnsRecordSet.objects.filter(pk=soa.pk).exists()


def test_an_a_record_at_the_apex_sits_beside_the_soa(alice):
    zone = _zone(alice)
    dns_services.save_record_set(zone, name="@", record_type="A", ttl="1", ttl_unit="Hours", records=["10.0.1.10"])
    assert sorted(PrivateDnsRecordSet.objects.filter(zone=zone).values_list("record_type", flat=True)) == ["A", "SOA"]


# --- links ------------------------------------------------------------------------------


def test_links_page_and_add_link_pane(alice):
    zone = _zone(alice)
    pane = alice.get(_url(zone, "link_add"), **HX).content.decode()
    assert "Add virtual network link" in pane and "Enable auto registration" in pane
    assert "Fallback to internet" not in pane  # Classic era (PEDNS-14)
    response = alice.post(_url(zone, "link_add"), {"link_name": "hub", "vnet": _vnet(alice).pk}, **HX)
    assert response.status_code == 200
    html = alice.get(_url(zone, "links")).content.decode()
    assert 'data-link="hub"' in html and "Completed" in html


def test_one_link_per_zone_and_vnet_pedns_21_err_31(alice):
    zone = _zone(alice)
    dns_services.create_link(zone, name="a", vnet=_vnet(alice))
    response = alice.post(_url(zone, "link_add"), {"link_name": "b", "vnet": _vnet(alice).pk}, **HX)
    assert response.status_code == 422
    html = response.content.decode()
    assert "ERR-31" in html and "PEDNS-21" in html
    assert VirtualNetworkLink.objects.filter(zone=zone).count() == 1


def test_link_names_are_unique_per_zone_pedns_21(alice):
    zone = _zone(alice)
    dns_services.create_link(zone, name="a", vnet=_vnet(alice))
    with pytest.raises(AzureRuleError) as exc:
        dns_services.create_link(zone, name="A", vnet=_vnet(alice, "contoso-weu-vnet"))
    assert "PEDNS-21" in exc.value.rule_ids


def test_no_links_to_classic_vnets_pedns_21(alice):
    with pytest.raises(AzureRuleError) as exc:
        dns_services.create_link(_zone(alice), name="c", vnet=_vnet(alice, "contoso-classic-vnet"))
    assert "PEDNS-21" in exc.value.rule_ids


def test_a_vnet_has_one_registration_zone_pedns_22_err_31(alice):
    dns_services.create_link(_zone(alice), name="r", vnet=_vnet(alice), registration_enabled=True)
    other = _zone(alice, "other.contoso.com")
    with pytest.raises(AzureRuleError) as exc:
        dns_services.create_link(other, name="r", vnet=_vnet(alice), registration_enabled=True)
    assert exc.value.err_id == "ERR-31" and "PEDNS-22" in exc.value.rule_ids
    # Resolution-only links to more zones are fine (PEDNS-22).
    dns_services.create_link(other, name="resolve", vnet=_vnet(alice))


def test_auto_registration_adds_the_vnets_vms_pedns_23(alice):
    zone = _zone(alice)
    dns_services.create_link(zone, name="r", vnet=_vnet(alice), registration_enabled=True)
    record = PrivateDnsRecordSet.objects.get(zone=zone, name="contoso-vm01")
    assert record.auto_registered and record.records == ["10.0.1.4"]
    html = alice.get(_url(zone, "overview")).content.decode()
    assert "True" in html


def test_a_new_vm_registers_and_goes_with_the_vm_pedns_23(alice):
    zone = _zone(alice)
    dns_services.create_link(zone, name="r", vnet=_vnet(alice), registration_enabled=True)
    subnet = _vnet(alice).subnets.get(name="vm-subnet")
    vm = compute_services.create_vm(
        _rg(alice), name="web01", location="eastus", size="Standard_B2s", os_type="Linux", subnet=subnet
    )
    assert PrivateDnsRecordSet.objects.get(zone=zone, name="web01").records == ["10.0.1.5"]
    compute_services.delete_vm(vm)
    assert not PrivateDnsRecordSet.objects.filter(zone=zone, name="web01").exists()


def test_deleting_the_registration_link_removes_its_records_pedns_23(alice):
    zone = _zone(alice)
    link = dns_services.create_link(zone, name="r", vnet=_vnet(alice), registration_enabled=True)
    dns_services.save_record_set(zone, name="manual", record_type="A", ttl="1", ttl_unit="Hours", records=["10.9.9.9"])
    response = alice.post(_url(zone, "link_delete", pk=link.pk))
    assert response.status_code == 302
    assert list(PrivateDnsRecordSet.objects.filter(zone=zone).values_list("name", flat=True)) == ["@", "manual"]


def test_fallback_to_internet_is_current_era_and_privatelink_only_pedns_14(alice):
    zone = _zone(alice, "privatelink.blob.core.windows.net")
    with pytest.raises(AzureRuleError) as exc:
        dns_services.create_link(zone, name="f", vnet=_vnet(alice), fallback_to_internet=True)
    assert "PEDNS-14" in exc.value.rule_ids
    alice.sandbox.era = "current"
    alice.sandbox.save()
    zone = PrivateDnsZone.objects.select_related("sandbox").get(pk=zone.pk)
    pane = alice.get(_url(zone, "link_add")).content.decode()
    assert "Fallback to internet" in pane
    link = dns_services.create_link(zone, name="f", vnet=_vnet(alice), fallback_to_internet=True)
    assert link.resolution_policy == "NxDomainRedirect"
    plain = _zone(alice, "corp.contoso.com")
    plain = PrivateDnsZone.objects.select_related("sandbox").get(pk=plain.pk)
    with pytest.raises(AzureRuleError):
        dns_services.create_link(plain, name="f", vnet=_vnet(alice), fallback_to_internet=True)


def test_a_zone_with_links_cannot_be_deleted(alice):
    zone = _zone(alice)
    dns_services.create_link(zone, name="a", vnet=_vnet(alice))
    response = alice.post(_url(zone, "delete"), **HX)
    assert response.status_code == 422 and "PEDNS-21" in response.content.decode()
    VirtualNetworkLink.objects.filter(zone=zone).delete()
    response = alice.post(_url(zone, "delete"), **HX)
    assert response.status_code == 200 and "HX-Location" in response
    assert not PrivateDnsZone.objects.filter(pk=zone.pk).exists()


def test_json_view_and_activity_log(alice):
    zone = _zone(alice)
    assert "numberOfRecordSets" in alice.get(_url(zone, "json")).content.decode()
    assert "Create or Update Private DNS Zone" in alice.get(_url(zone, "activity")).content.decode()


def test_zone_pages_query_count_does_not_grow(alice, django_assert_num_queries):
    zone = _zone(alice)

    def grow(n):
        start = PrivateDnsRecordSet.objects.filter(zone=zone).count()
        for i in range(start, start + n):
            dns_services.save_record_set(
                zone, name=f"r{i}", record_type="A", ttl="1", ttl_unit="Hours", records=["10.0.0.1"]
            )

    def count(url):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            alice.get(url)
        return len(ctx.captured_queries)

    dns_services.create_link(zone, name="a", vnet=_vnet(alice))
    for page in ("overview", "links"):
        grow(2)
        small = count(_url(zone, page))
        grow(10)
        dns_services.create_link(
            zone,
            name=f"l{page}",
            vnet=_vnet(alice, "contoso-weu-vnet" if page == "overview" else "contoso-westus-vnet"),
        )
        with django_assert_num_queries(small):
            alice.get(_url(zone, page))
