"""The newer private endpoint wizard's Virtual Network tab (portal-ui §7.1
[newer], issue #10): the subnet's "Network policy for private endpoints" with
its "Edit subnet network policy" pane (SUBNET-21, LOCK-02), "Private IP
configuration" with a static address (SUBNET-01, PRIVIP-01) landing on the
endpoint's NIC and its DNS record, and the empty, disabled "Application
security group". Classic's wizard has none of it."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from networking.arm_services import endpoint_to_arm
from networking.models import NetworkInterface, PrivateDnsRecordSet, PrivateEndpoint, SqlServer
from networking.services import endpoints as endpoint_services
from portal import locks
from portal.arm import ids, operations
from portal.arm.errors import ArmError
from portal.errors import AzureRuleError
from portal.models import LockLevel
from tests.helpers.endpoints import group_of as _rg
from tests.helpers.endpoints import sql_server as _sql
from tests.helpers.endpoints import vnet_subnet as _subnet
from tests.helpers.endpoints import wizard_data as _wizard_data

pytestmark = pytest.mark.django_db


def _current(client) -> None:
    client.sandbox.era = "current"
    client.sandbox.save()


def _urls(client, subnet=None):
    rg = _rg(client)
    kwargs = {"subscription_id": rg.subscription.subscription_id, "rg": rg.name}
    wizard = reverse("networking:private_endpoint_create", kwargs=kwargs)
    pane = reverse("networking:private_endpoint_subnet_policy", kwargs=kwargs)
    return wizard, f"{pane}?subnet={(subnet or _subnet(client)).pk}"


def _data(client, **overrides):
    return _wizard_data(client, **{"current_tab": "network", **overrides})


# --- the Virtual Network tab --------------------------------------------------------


def test_current_network_tab_shows_policy_ip_configuration_and_an_empty_asg(alice):
    _current(alice)
    wizard, pane = _urls(alice)
    html = alice.post(wizard, _data(alice, action="stay")).content.decode()
    assert "Network policy for private endpoints" in html
    assert '<span id="pe-network-policy">Disabled</span>' in html
    assert 'id="edit-network-policy"' in html and pane.replace("&", "&amp;") in html
    assert "Dynamically allocate IP address" in html and "Statically allocate IP address" in html
    assert 'id="static-ip-grid"' not in html  # dynamic by default
    # No application security groups: the picker is empty and disabled, and says why.
    assert 'id="application-security-group"' in html
    assert "No application security groups exist in (US) East US" in html
    select = html.split('id="application-security-group"')[1].split(">")[0]
    assert "disabled" in select


def test_current_static_choice_draws_the_members_grid(alice):
    _current(alice)
    wizard, _ = _urls(alice)
    html = alice.post(wizard, _data(alice, ip_allocation="static", action="stay")).content.decode()
    assert 'id="static-ip-grid"' in html
    assert 'data-member="sqlServer"' in html and 'id="static-ip"' in html
    assert "SUBNET-01, PRIVIP-01" in html


def test_current_static_ip_lands_on_the_nic_and_the_dns_record_privip_01(alice):
    _current(alice)
    wizard, _ = _urls(alice)
    data = _data(alice, ip_allocation="static", static_ip="10.0.1.50", action="review")
    review = alice.post(wizard, data)
    assert review.status_code == 200
    assert "Statically allocate IP address (sqlServer: 10.0.1.50)" in review.content.decode()
    response = alice.post(wizard, {**data, "action": "create", "reviewed": "1"})
    assert response.status_code == 302
    endpoint = PrivateEndpoint.objects.select_related("nic").get(sandbox=alice.sandbox, name="wiz-pe")
    assert endpoint.nic.private_ip == "10.0.1.50"
    assert endpoint.static_ip and endpoint.member_name == "sqlServer"
    record = PrivateDnsRecordSet.objects.get(zone__sandbox=alice.sandbox, name="contoso-sql", record_type="A")
    assert record.records == ["10.0.1.50"]
    # ARM: ipConfigurations[] names the sub-resource's member and the address.
    config = endpoint_to_arm(endpoint)["properties"]["ipConfigurations"]
    assert config == [
        {
            "name": "sqlServer",
            "properties": {"groupId": "sqlServer", "memberName": "sqlServer", "privateIPAddress": "10.0.1.50"},
        }
    ]


@pytest.mark.parametrize(
    ("address", "rule", "words"),
    [
        ("10.0.1.3", "SUBNET-01", "reserved by Azure"),
        ("10.0.1.255", "SUBNET-01", "reserved by Azure"),
        ("10.0.9.9", "SUBNET-01", "is not in subnet"),
        ("not-an-ip", "SUBNET-01", "not a valid IPv4 address"),
        ("10.0.1.4", "PRIVIP-01", "already in use"),  # contoso-vm01-nic's
        ("", "PRIVIP-01", "Enter the private IP address"),
    ],
)
def test_current_bad_static_ip_is_refused_on_its_field_nothing_created(alice, address, rule, words):
    _current(alice)
    wizard, _ = _urls(alice)
    data = _data(alice, ip_allocation="static", static_ip=address, action="create", reviewed="1")
    response = alice.post(wizard, data)
    assert response.status_code == 422
    html = response.content.decode()
    error = html.split('id="static-ip"')[1]
    assert words in error.split("</td>")[0] and rule in error.split("</td>")[0]
    assert not PrivateEndpoint.objects.filter(sandbox=alice.sandbox).exists()
    assert not NetworkInterface.objects.filter(sandbox=alice.sandbox, name="wiz-pe-nic").exists()


def test_the_service_refuses_an_address_another_endpoint_holds_privip_01(alice):
    rg, subnet, target = _rg(alice), _subnet(alice), _sql(alice)
    first = endpoint_services.create_endpoint(
        rg, name="pe1", location="eastus", target=target, group_id="sqlServer", subnet=subnet, private_ip="10.0.1.20"
    )
    assert first.nic.private_ip == "10.0.1.20"
    with pytest.raises(AzureRuleError) as exc:
        endpoint_services.create_endpoint(
            rg,
            name="pe2",
            location="eastus",
            target=target,
            group_id="sqlServer",
            subnet=subnet,
            private_ip="10.0.1.20",
        )
    assert exc.value.rule_ids == ("PRIVIP-01",) and exc.value.field == "static_ip"
    # A dynamic endpoint then skips the static one's address.
    second = endpoint_services.create_endpoint(
        rg, name="pe3", location="eastus", target=target, group_id="sqlServer", subnet=subnet
    )
    assert second.nic.private_ip == "10.0.1.5"


# --- "Edit subnet network policy" -----------------------------------------------------


def test_the_policy_pane_saves_through_the_subnet_service_subnet_21(alice):
    _current(alice)
    _, pane = _urls(alice)
    html = alice.get(pane, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="context-pane").content.decode()
    assert "Edit subnet network policy" in html
    assert 'id="policy-pane-nsg"' in html and 'id="policy-pane-rt"' in html
    response = alice.post(pane, {"pe_policy_nsg": "on"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="context-pane")
    assert response.status_code == 200
    saved = response.content.decode()
    assert 'hx-swap-oob="true"' in saved and "Network security groups" in saved
    assert _subnet(alice).private_endpoint_network_policies == "NetworkSecurityGroupEnabled"
    alice.post(pane, {"pe_policy_nsg": "on", "pe_policy_rt": "on"}, HTTP_HX_REQUEST="true")
    assert _subnet(alice).private_endpoint_network_policies == "Enabled"
    # The wizard's line shows the subnet's new policy.
    wizard, _ = _urls(alice)
    html = alice.post(wizard, _data(alice, action="stay")).content.decode()
    assert '<span id="pe-network-policy">Network security groups and route tables</span>' in html


def test_a_read_only_lock_refuses_the_policy_pane_lock_02(alice):
    _current(alice)
    locks.add_lock(alice.sandbox, _rg(alice), name="freeze", level=LockLevel.READ_ONLY)
    _, pane = _urls(alice)
    response = alice.post(pane, {"pe_policy_rt": "on"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="context-pane")
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="subnet-policy-error"' in html and "LOCK-02" in html
    assert _subnet(alice).private_endpoint_network_policies == "Disabled"


def test_the_policy_pane_is_only_for_the_sandboxs_own_subnets(alice, bob):
    _current(bob)
    _, bob_pane = _urls(bob)
    alices_subnet = bob_pane.split("?")[0] + f"?subnet={_subnet(alice).pk}"
    assert bob.get(alices_subnet).status_code == 404
    assert bob.post(alices_subnet, {"pe_policy_nsg": "on"}).status_code == 404
    assert bob.get(bob_pane.split("?")[0] + "?subnet=x").status_code == 404
    assert _subnet(alice).private_endpoint_network_policies == "Disabled"


# --- Classic ---------------------------------------------------------------------------


def test_classic_has_none_of_it(alice):
    wizard, pane = _urls(alice)
    html = alice.post(wizard, _data(alice, current_tab="configuration", action="stay")).content.decode()
    for text in (
        "pe-network-policy",
        "edit-network-policy",
        "Private IP configuration",
        "Statically allocate IP address",
        "Application security group",
    ):
        assert text not in html
    assert alice.get(pane).status_code == 404
    # A static address posted anyway is ignored: the NIC takes the next free one.
    data = _data(alice, current_tab="configuration", ip_allocation="static", static_ip="10.0.1.50")
    assert alice.post(wizard, {**data, "action": "create", "reviewed": "1"}).status_code == 302
    endpoint = PrivateEndpoint.objects.get(sandbox=alice.sandbox, name="wiz-pe")
    assert endpoint.nic.private_ip == "10.0.1.5" and not endpoint.static_ip


# --- ARM: properties.ipConfigurations ----------------------------------------------------


def _arm_endpoint(client, name, ip_configurations):
    rg, subnet = _rg(client), _subnet(client)
    target = SqlServer.objects.filter(sandbox=client.sandbox).first() or _sql(client)
    rid = f"{rg.arm_id}/providers/Microsoft.Network/privateEndpoints/{name}"
    body = {
        "location": "eastus",
        "properties": {
            "subnet": {"id": subnet.arm_id},
            "privateLinkServiceConnections": [
                {"name": name, "properties": {"privateLinkServiceId": target.arm_id, "groupIds": ["sqlServer"]}}
            ],
            "ipConfigurations": ip_configurations,
        },
    }
    return rid, body


def test_a_template_gives_a_static_ip_and_export_writes_it_back_privip_01(alice):
    config = {
        "name": "sqlServer",
        "properties": {"groupId": "sqlServer", "memberName": "sqlServer", "privateIPAddress": "10.0.1.40"},
    }
    rid, body = _arm_endpoint(alice, "arm-pe", [config])
    operations.apply(alice.sandbox, "PUT", rid, body)
    endpoint = PrivateEndpoint.objects.get(sandbox=alice.sandbox, name="arm-pe")
    assert endpoint.nic.private_ip == "10.0.1.40" and endpoint.static_ip
    document = operations.current_document(alice.sandbox, ids.parse(rid))
    assert document["properties"]["ipConfigurations"] == [config]
    operations.apply(alice.sandbox, "PUT", rid, body)  # deployed again: the same
    moved = {**config, "properties": {**config["properties"], "privateIPAddress": "10.0.1.41"}}
    with pytest.raises(ArmError, match="can't be changed"):
        operations.apply(alice.sandbox, "PUT", rid, _arm_endpoint(alice, "arm-pe", [moved])[1])


def test_a_template_static_ip_keeps_the_rules_subnet_01_privip_01(alice):
    def config(ip, member="sqlServer"):
        return [{"name": "c", "properties": {"groupId": "sqlServer", "memberName": member, "privateIPAddress": ip}}]

    for ip, rule in (("10.0.1.1", "SUBNET-01"), ("10.0.1.4", "PRIVIP-01")):
        with pytest.raises(ArmError, match=rule) as exc:
            operations.apply(alice.sandbox, "PUT", *_arm_endpoint(alice, "arm-pe", config(ip)))
        assert exc.value.path.endswith("ipConfigurations[0].properties.privateIPAddress")
    with pytest.raises(ArmError, match="memberName must be 'sqlServer'"):
        operations.apply(alice.sandbox, "PUT", *_arm_endpoint(alice, "arm-pe", config("10.0.1.40", "blob")))
    assert not PrivateEndpoint.objects.filter(sandbox=alice.sandbox).exists()
    # No ipConfigurations: dynamic, and export writes none.
    rid, body = _arm_endpoint(alice, "arm-pe", [])
    operations.apply(alice.sandbox, "PUT", rid, body)
    assert PrivateEndpoint.objects.get(sandbox=alice.sandbox, name="arm-pe").nic.private_ip == "10.0.1.5"
    assert "ipConfigurations" not in operations.current_document(alice.sandbox, ids.parse(rid))["properties"]


def test_the_trace_reaches_the_static_address_through_the_dns_record_privip_01(alice):
    _current(alice)
    wizard, _ = _urls(alice)
    data = _data(alice, ip_allocation="static", static_ip="10.0.1.77", action="create", reviewed="1")
    assert alice.post(wizard, data).status_code == 302
    out = StringIO()
    call_command(
        "trace",
        "--sandbox",
        str(alice.sandbox.key),
        "--vm",
        "contoso-vm01",
        "--to",
        "contoso-sql.database.windows.net",
        "--port",
        "1433",
        "--json",
        stdout=out,
    )
    document = json.loads(out.getvalue())
    assert document["destinationIp"] == "10.0.1.77"
    resolved = [step["detail"] for step in document["steps"] if step["step"] == "Name resolution"]
    assert "'contoso-sql.privatelink.database.windows.net' is A 10.0.1.77 in the private zone" in resolved[2]
    assert document["verdict"] == "Reachable", document
