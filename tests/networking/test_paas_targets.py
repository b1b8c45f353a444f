"""Storage accounts, SQL servers and key vaults: create, blades, public
network access, VNet rules (SE-01, SE-07), IP rules (SE-02) and private
endpoint connections (PEDNS-30)."""

import pytest
from django.urls import reverse

from networking.models import KeyVault, PrivateEndpoint, SqlServer, StorageAccount, Subnet
from networking.services import endpoints as endpoint_services
from networking.services import paas as paas_services
from portal.errors import AzureRuleError
from portal.models import ResourceGroup
from tests.helpers import HX

pytestmark = pytest.mark.django_db
SLUGS = {StorageAccount: "storage", SqlServer: "sql", KeyVault: "keyvault"}


def _rg(client):
    return ResourceGroup.objects.select_related("subscription__sandbox").get(subscription__sandbox=client.sandbox)


def _make(client, model=SqlServer, name="contoso-sql", location="eastus"):
    target = paas_services.create_target(model, _rg(client), name=name, location=location)
    return model.objects.select_related("sandbox", "resource_group__subscription").get(pk=target.pk)


def _url(target, page):
    rg = target.resource_group
    return reverse(
        f"networking:{SLUGS[type(target)]}_{page}",
        kwargs={"subscription_id": rg.subscription.subscription_id, "rg": rg.name, "name": target.name},
    )


def _subnet(client, vnet="contoso-vnet", name="vm-subnet"):
    return Subnet.objects.select_related("vnet").get(vnet__sandbox=client.sandbox, vnet__name=vnet, name=name)


@pytest.mark.parametrize(
    "model, good, bad",
    [
        (StorageAccount, "contosodata01", ["Contoso", "ab", "contoso-data", "x" * 25]),
        (SqlServer, "contoso-sql-1", ["-sql", "sql-", "SQL", "s_q"]),
        (KeyVault, "Contoso-kv1", ["1vault", "kv", "k" * 25, "kv--1"]),
    ],
)
def test_names_follow_each_services_rules(alice, model, good, bad):
    assert _make(alice, model, good).host_name == f"{good.lower()}.{model.host_suffix}"
    rule_id = paas_services.TARGET_NAMES[model][0]
    for name in bad:
        with pytest.raises(AzureRuleError) as exc:
            _make(alice, model, name)
        assert rule_id in exc.value.rule_ids, name


def test_a_target_gets_a_public_20_x_address(alice):
    target = _make(alice)
    assert target.public_ip.startswith("20.")
    html = alice.get(_url(target, "overview")).content.decode()
    assert target.public_ip in html and "contoso-sql.database.windows.net" in html and "Subscription ID" in html


def test_create_wizard(alice):
    rg = _rg(alice)
    url = reverse(
        "networking:storage_create", kwargs={"subscription_id": rg.subscription.subscription_id, "rg": rg.name}
    )
    assert "Create a storage account" in alice.get(url).content.decode()
    data = {
        "subscription": str(rg.subscription.subscription_id),
        "resource_group": rg.name,
        "name": "contosoblobs",
        "region": "eastus",
    }
    assert "Validation passed" in alice.post(url, {**data, "action": "review"}).content.decode()
    assert alice.post(url, {**data, "action": "create", "reviewed": "1"}).status_code == 302
    assert StorageAccount.objects.filter(sandbox=alice.sandbox, name="contosoblobs").exists()
    response = alice.post(url, {**data, "name": "Bad Name", "action": "review"})
    assert response.status_code == 422 and "NAMING-20" in response.content.decode()


def test_outsider_404_and_wrong_method_405(alice, bob):
    target = _make(alice)
    for page in ("overview", "networking", "connections", "activity", "json", "delete", "vnet_rule"):
        assert bob.get(_url(target, page)).status_code == 404, page
    assert alice.post(_url(target, "overview")).status_code == 405
    assert alice.get(_url(target, "ip_rule")).status_code == 405


def test_networking_page_full_and_fragment(alice):
    target = _make(alice, StorageAccount, "contosodata")
    full = alice.get(_url(target, "networking")).content.decode()
    assert "<html" in full and "Public network access" in full
    fragment = alice.get(_url(target, "networking"), **HX).content.decode()
    assert fragment.lstrip().startswith('<div id="paas-networking"')


def test_public_network_access_choices(alice):
    target = _make(alice, StorageAccount, "contosodata")
    alice.post(_url(target, "networking"), {"access": "selected"})
    target.refresh_from_db()
    assert (target.public_network_access, target.default_action) == ("Enabled", "Deny")
    alice.post(_url(target, "networking"), {"access": "disabled"})
    target.refresh_from_db()
    assert target.public_network_access == "Disabled"
    assert alice.post(_url(target, "networking"), {"access": "maybe"}).status_code == 422


def test_a_vnet_rule_needs_the_service_endpoint_se_01(alice):
    target, subnet = _make(alice), _subnet(alice)
    response = alice.post(_url(target, "vnet_rule"), {"vnet": subnet.vnet_id, "subnet": subnet.pk}, **HX)
    assert response.status_code == 422 and "SE-01" in response.content.decode()
    assert not target.vnet_rules.exists()
    subnet.refresh_from_db()
    assert subnet.service_endpoints == []


def test_enable_adds_the_endpoint_then_the_rule_se_01(alice):
    target, subnet = _make(alice), _subnet(alice)
    response = alice.post(
        _url(target, "vnet_rule"), {"vnet": subnet.vnet_id, "subnet": subnet.pk, "enable_endpoint": "on"}, **HX
    )
    assert response.status_code == 200
    subnet.refresh_from_db()
    assert subnet.service_endpoints == ["Microsoft.Sql"]
    assert list(target.vnet_rules.all()) == [subnet]
    assert 'data-subnet="contoso-vnet/vm-subnet"' in alice.get(_url(target, "networking")).content.decode()
    alice.post(_url(target, "vnet_rule_remove"), {"subnet": subnet.pk})
    assert not target.vnet_rules.exists()


def test_sql_rules_need_the_same_region_se_07(alice):
    target = _make(alice)
    west = _subnet(alice, "contoso-westus-vnet", "apps-subnet")
    with pytest.raises(AzureRuleError) as exc:
        paas_services.add_vnet_rule(target, west, enable_endpoint=True)
    assert "SE-07" in exc.value.rule_ids
    # Classic era: storage rules may cross regions (SE-07).
    storage = _make(alice, StorageAccount, "contosodata")
    paas_services.add_vnet_rule(storage, west, enable_endpoint=True)


def test_the_rule_pane_explains_each_subnet(alice):
    target, subnet = _make(alice), _subnet(alice)
    html = alice.get(_url(target, "vnet_rule"), {"vnet": subnet.vnet_id}, **HX).content.decode()
    assert "Microsoft.Sql service endpoint isn" in html and "Add existing virtual network" in html


def test_ip_rules_take_public_ipv4_only_se_02(alice):
    target = _make(alice)
    assert alice.post(_url(target, "ip_rule"), {"ip_rule": "203.0.113.0/24"}, **HX).status_code == 200
    for bad in ("10.0.0.0/8", "203.0.113.5/24", "nonsense", "2001:db8::/32", "203.0.113.0/24"):
        response = alice.post(_url(target, "ip_rule"), {"ip_rule": bad}, **HX)
        assert response.status_code == 422, bad
    target.refresh_from_db()
    assert target.ip_rules == ["203.0.113.0/24"]
    alice.post(_url(target, "ip_rule_remove"), {"ip_rule": "203.0.113.0/24"})
    target.refresh_from_db()
    assert target.ip_rules == []


def test_connections_approve_reject_remove_pedns_30(alice):
    target = _make(alice)
    endpoint = endpoint_services.create_endpoint(
        _rg(alice),
        name="pe",
        location="eastus",
        target=target,
        group_id="sqlServer",
        subnet=_subnet(alice),
        manual=True,
    )
    html = alice.get(_url(target, "connections")).content.decode()
    assert 'data-state="Pending"' in html
    assert (
        alice.post(_url(target, "connection"), {"endpoint": endpoint.pk, "action": "approve"}, **HX).status_code == 200
    )
    endpoint.refresh_from_db()
    assert endpoint.connection_state == "Approved"
    alice.post(_url(target, "connection"), {"endpoint": endpoint.pk, "action": "remove"})
    endpoint.refresh_from_db()
    assert endpoint.connection_state == "Disconnected"
    response = alice.post(_url(target, "connection"), {"endpoint": endpoint.pk, "action": "approve"}, **HX)
    assert response.status_code == 422 and "PEDNS-30" in response.content.decode()


def test_deleting_a_target_disconnects_its_endpoints(alice):
    target = _make(alice)
    endpoint = endpoint_services.create_endpoint(
        _rg(alice), name="pe", location="eastus", target=target, group_id="sqlServer", subnet=_subnet(alice)
    )
    assert "Yes" in alice.get(_url(target, "delete"), **HX).content.decode()
    assert alice.post(_url(target, "delete")).status_code == 302
    assert PrivateEndpoint.objects.get(pk=endpoint.pk).connection_state == "Disconnected"


def test_json_view_has_network_acls(alice):
    html = alice.get(_url(_make(alice), "json")).content.decode()
    assert "networkAcls" in html


def test_target_pages_query_count_does_not_grow(alice, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    target = _make(alice)
    subnet = _subnet(alice)

    def grow(n, start):
        for i in range(start, start + n):
            endpoint_services.create_endpoint(
                _rg(alice), name=f"pe{i}", location="eastus", target=target, group_id="sqlServer", subnet=subnet
            )
            paas_services.add_ip_rule(target, f"203.0.113.{i + 1}")

    grow(2, 0)
    paas_services.add_vnet_rule(target, subnet, enable_endpoint=True)
    smalls = {}
    for page in ("overview", "networking", "connections"):
        with CaptureQueriesContext(connection) as ctx:
            alice.get(_url(target, page))
        smalls[page] = len(ctx.captured_queries)
    grow(8, 2)
    paas_services.add_vnet_rule(target, _subnet(alice, name="integration-subnet"), enable_endpoint=True)
    for page, small in smalls.items():
        with django_assert_num_queries(small):
            alice.get(_url(target, page))
