"""Creating a private endpoint: the NIC with the next free IP, the connection
state, and the DNS zone group (PEDNS-10, PEDNS-11, PEDNS-30, PEDNS-32)."""

import pytest
from django.urls import reverse

from networking.models import NetworkInterface, PrivateDnsRecordSet, PrivateDnsZone, PrivateEndpoint, Subnet
from networking.services import endpoints as endpoint_services
from portal.errors import AzureRuleError
from portal.models import ActivityLogEntry, Notification
from tests.helpers.endpoints import group_of as _rg
from tests.helpers.endpoints import sql_server as _sql
from tests.helpers.endpoints import vnet_subnet as _subnet
from tests.helpers.endpoints import wizard_data as _wizard_data

pytestmark = pytest.mark.django_db


def _create(client, **kwargs):
    values = {"name": "sql-pe", "location": "eastus", "group_id": "sqlServer", "subnet": _subnet(client)}
    values.update(kwargs)
    if "target" not in values:
        values["target"] = _sql(client)
    return endpoint_services.create_endpoint(_rg(client), **values)


def _wizard_url(client):
    rg = _rg(client)
    return reverse(
        "networking:private_endpoint_create", kwargs={"subscription_id": rg.subscription.subscription_id, "rg": rg.name}
    )


def test_it_gives_the_endpoint_a_nic_with_the_next_free_ip_after_the_reserved_ones(alice):
    endpoint = _create(alice)
    # 10.0.1.4 is contoso-vm01-nic's; .0-.3 are Azure's (SUBNET-01).
    assert endpoint.nic.private_ip == "10.0.1.5"
    assert endpoint.nic.name.startswith("sql-pe.nic.")
    assert endpoint.nic.subnet == endpoint.subnet


def test_a_second_endpoint_skips_the_first_endpoints_ip(alice):
    target = _sql(alice)
    _create(alice, target=target)
    second = _create(alice, target=target, name="sql-pe2")
    assert second.nic.private_ip == "10.0.1.6"


def test_it_is_approved_in_my_own_directory_pedns_30(alice):
    assert _create(alice).connection_state == "Approved"


def test_by_resource_id_it_waits_pending_pedns_30(alice):
    assert _create(alice, manual=True, request_message="please").connection_state == "Pending"


def test_dns_integration_creates_the_zone_the_link_and_the_a_record_pedns_11(alice):
    endpoint = _create(alice)
    zone = PrivateDnsZone.objects.get(sandbox=alice.sandbox, name="privatelink.database.windows.net")
    assert zone.location == "global"
    assert list(endpoint.dns_zones.all()) == [zone]
    assert zone.links.get().vnet.name == "contoso-vnet"
    record = PrivateDnsRecordSet.objects.get(zone=zone, name="contoso-sql", record_type="A")
    assert record.records == [endpoint.nic.private_ip]


def test_a_second_endpoint_reuses_the_zone_and_its_link_pedns_10(alice):
    target = _sql(alice)
    _create(alice, target=target)
    _create(alice, target=target, name="sql-pe2")
    zone = PrivateDnsZone.objects.get(sandbox=alice.sandbox, name="privatelink.database.windows.net")
    assert zone.links.count() == 1
    assert PrivateDnsRecordSet.objects.get(zone=zone, name="contoso-sql").records == ["10.0.1.5", "10.0.1.6"]


def test_without_dns_integration_no_zone_is_made(alice):
    _create(alice, integrate_dns=False)
    assert not PrivateDnsZone.objects.filter(sandbox=alice.sandbox).exists()


def test_it_refuses_a_delegated_subnet_with_err_11_subnet_11(alice):
    with pytest.raises(AzureRuleError) as exc:
        _create(alice, subnet=_subnet(alice, "sqlmi-subnet"))
    assert exc.value.err_id == "ERR-11" and "SUBNET-11" in exc.value.rule_ids
    assert "Microsoft.Sql/managedInstances" in exc.value.message
    assert not PrivateEndpoint.objects.filter(sandbox=alice.sandbox).exists()


def test_it_refuses_an_app_service_integration_subnet_asvi_35(alice):
    subnet = _subnet(alice, "integration-subnet")
    Subnet.objects.filter(pk=subnet.pk).update(delegation="Microsoft.Web/serverFarms")
    subnet.refresh_from_db()
    with pytest.raises(AzureRuleError) as exc:
        _create(alice, subnet=subnet)
    assert exc.value.err_id == "ERR-11" and "ASVI-35" in exc.value.rule_ids


def test_classic_era_needs_network_policies_disabled_subnet_21(alice):
    subnet = _subnet(alice)
    Subnet.objects.filter(pk=subnet.pk).update(private_endpoint_network_policies="Enabled")
    subnet.refresh_from_db()
    with pytest.raises(AzureRuleError) as exc:
        _create(alice, subnet=subnet)
    assert "SUBNET-21" in exc.value.rule_ids


def test_current_era_allows_network_policies_subnet_21(alice):
    alice.sandbox.era = "current"
    alice.sandbox.save()
    subnet = _subnet(alice)
    Subnet.objects.filter(pk=subnet.pk).update(private_endpoint_network_policies="Enabled")
    subnet.refresh_from_db()
    subnet.vnet.sandbox.refresh_from_db()
    target = _sql(alice)
    target.sandbox.refresh_from_db()
    rg = _rg(alice)
    endpoint = endpoint_services.create_endpoint(
        rg, name="pe", location="eastus", target=target, group_id="sqlServer", subnet=subnet
    )
    assert endpoint.pk


def test_it_refuses_a_full_subnet_subnet_01(alice):
    subnet = _subnet(alice, "tiny-subnet")  # /29: 3 usable addresses
    target = _sql(alice)
    for i in range(3):
        _create(alice, target=target, subnet=subnet, name=f"pe{i}")
    with pytest.raises(AzureRuleError) as exc:
        _create(alice, target=target, subnet=subnet, name="pe-full")
    assert "SUBNET-01" in exc.value.rule_ids


def test_it_refuses_a_vnet_in_another_region(alice):
    west = Subnet.objects.get(vnet__sandbox=alice.sandbox, name="apps-subnet")
    with pytest.raises(AzureRuleError) as exc:
        _create(alice, subnet=west)
    assert exc.value.field == "subnet" and "VNET-03" in exc.value.rule_ids


def test_it_refuses_a_wrong_sub_resource_pedns_01(alice):
    with pytest.raises(AzureRuleError) as exc:
        _create(alice, group_id="blob")
    assert "PEDNS-01" in exc.value.rule_ids


def test_a_free_tier_app_cannot_take_an_endpoint_asin_24(alice):
    from appservice.models import WebApp

    app = WebApp.objects.select_related("plan").get(sandbox=alice.sandbox, name="contoso-dev")
    with pytest.raises(AzureRuleError) as exc:
        _create(alice, target=app, group_id="sites")
    assert "ASIN-24" in exc.value.rule_ids


def test_a_web_app_endpoint_uses_the_azurewebsites_zone_pedns_01(alice):
    from appservice.models import WebApp

    app = WebApp.objects.select_related("plan").get(sandbox=alice.sandbox, name="contoso-web")
    _create(alice, target=app, group_id="sites")
    zone = PrivateDnsZone.objects.get(sandbox=alice.sandbox, name="privatelink.azurewebsites.net")
    assert zone.record_sets.exclude(record_type="SOA").get().name == "contoso-web"


def test_the_zone_group_holds_at_most_five_zones_pedns_32(alice):
    endpoint = _create(alice)
    from networking.services import dns as dns_services

    for i in range(4):
        endpoint_services.attach_zone(
            endpoint, dns_services.create_zone(_rg(alice), name=f"z{i}.contoso.com", log=False)
        )
    with pytest.raises(AzureRuleError) as exc:
        endpoint_services.attach_zone(endpoint, dns_services.create_zone(_rg(alice), name="z9.contoso.com", log=False))
    assert "PEDNS-32" in exc.value.rule_ids


def test_deleting_removes_its_nic_and_a_record(alice):
    endpoint = _create(alice)
    nic_pk = endpoint.nic.pk
    endpoint_services.delete_endpoint(endpoint)
    assert not NetworkInterface.objects.filter(pk=nic_pk).exists()
    zone = PrivateDnsZone.objects.get(sandbox=alice.sandbox, name="privatelink.database.windows.net")
    assert not zone.record_sets.exclude(record_type="SOA").exists()  # the zone keeps its SOA (PDNS-01)
    assert zone.links.exists()


def test_creating_logs_activity_and_notifies(alice):
    endpoint = _create(alice)
    assert ActivityLogEntry.objects.filter(sandbox=alice.sandbox, resource_id=endpoint.arm_id).exists()
    assert Notification.objects.filter(sandbox=alice.sandbox, title="Deployment succeeded").exists()


# --- the wizard ---------------------------------------------------------------------


def test_the_wizard_shows_its_tabs(alice):
    html = alice.get(_wizard_url(alice)).content.decode()
    assert "Create a private endpoint" in html
    for label in ("Basics", "Resource", "Configuration", "Review + create"):
        assert label in html


def test_the_wizard_fragment_with_htmx(alice):
    response = alice.get(_wizard_url(alice), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith("<form") and "<html" not in html


def test_the_wizard_validates_then_creates(alice):
    data = _wizard_data(alice, action="review")
    response = alice.post(_wizard_url(alice), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Validation passed" in html
    assert "(New) privatelink.database.windows.net" in html
    assert not PrivateEndpoint.objects.filter(sandbox=alice.sandbox).exists()
    response = alice.post(_wizard_url(alice), {**data, "action": "create", "reviewed": "1"})
    assert response.status_code == 302
    endpoint = PrivateEndpoint.objects.get(sandbox=alice.sandbox, name="wiz-pe")
    assert response["Location"].endswith("/Microsoft.Network/privateEndpoints/wiz-pe/overview")
    assert endpoint.connection_state == "Approved"


def test_the_wizard_refuses_a_delegated_subnet_err_11(alice):
    data = _wizard_data(alice, subnet=str(_subnet(alice, "sqlmi-subnet").pk), action="review")
    response = alice.post(_wizard_url(alice), data)
    assert response.status_code == 422
    html = response.content.decode()
    assert "ERR-11" in html and "SUBNET-11" in html
    assert not PrivateEndpoint.objects.filter(sandbox=alice.sandbox).exists()


def test_another_sandbox_cannot_open_the_wizard_in_my_group(alice, bob):
    assert bob.get(_wizard_url(alice)).status_code == 404


def test_the_wizard_refuses_put(alice):
    assert alice.put(_wizard_url(alice)).status_code == 405


def _current(client) -> None:
    client.sandbox.era = "current"
    client.sandbox.save()


def test_current_names_the_endpoints_nic_name_nic_by_default(alice):
    _current(alice)
    data = _wizard_data(alice, current_tab="basics", action="review")
    html = alice.post(_wizard_url(alice), data).content.decode()
    assert "Network Interface Name" in html and "wiz-pe-nic" in html
    response = alice.post(_wizard_url(alice), {**data, "action": "create", "reviewed": "1"})
    assert response.status_code == 302
    assert PrivateEndpoint.objects.get(sandbox=alice.sandbox, name="wiz-pe").nic.name == "wiz-pe-nic"


def test_current_takes_the_nic_name_typed_and_refuses_one_taken_naming_26(alice):
    _current(alice)
    taken = alice.post(_wizard_url(alice), _wizard_data(alice, nic_name="contoso-vm01-nic", action="review"))
    assert taken.status_code == 422
    assert "A network interface named &#x27;contoso-vm01-nic&#x27; already exists" in taken.content.decode()
    bad = alice.post(_wizard_url(alice), _wizard_data(alice, nic_name="-nic", action="review"))
    assert bad.status_code == 422 and "NAMING-26" in bad.content.decode()
    data = _wizard_data(alice, nic_name="my-pe-nic", action="create", reviewed="1")
    assert alice.post(_wizard_url(alice), data).status_code == 302
    assert NetworkInterface.objects.filter(sandbox=alice.sandbox, name="my-pe-nic").exists()


def test_classic_keeps_azures_nic_name_and_asks_none(alice):
    html = alice.get(_wizard_url(alice)).content.decode()
    assert "Network Interface Name" not in html
    data = _wizard_data(alice, nic_name="ignored-nic", action="create", reviewed="1")
    assert alice.post(_wizard_url(alice), data).status_code == 302
    assert PrivateEndpoint.objects.get(sandbox=alice.sandbox, name="wiz-pe").nic.name.startswith("wiz-pe.nic.")
