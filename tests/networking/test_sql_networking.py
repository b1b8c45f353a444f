"""A SQL server's Networking has its own controls, not the storage
account's (issue #10): [Classic] "Deny public network access" and "Allow
Azure services and resources to access this server"; [Current] "Public
network access" (Disable / Selected networks) and the same exception. The
trace follows them (SQL-01 to SQL-03, PEDNS-12)."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from networking.models import SqlServer
from networking.services import nat as nat_services
from networking.services import paas as paas_services
from portal.models import ResourceGroup
from tests.helpers import HX, subnet_of
from tests.helpers.nsgs import rg_of

pytestmark = pytest.mark.django_db

ALLOW_AZURE = "Allow Azure services and resources to access this server"


def _sql(client) -> SqlServer:
    rg = ResourceGroup.objects.select_related("subscription__sandbox").get(subscription__sandbox=client.sandbox)
    target = paas_services.create_target(SqlServer, rg, name="contoso-sql", location="eastus")
    return SqlServer.objects.select_related("sandbox", "resource_group__subscription").get(pk=target.pk)


def _url(target) -> str:
    rg = target.resource_group
    kwargs = {"subscription_id": rg.subscription.subscription_id, "rg": rg.name, "name": target.name}
    return reverse("networking:sql_networking", kwargs=kwargs)


def _current(client) -> None:
    client.sandbox.era = "current"
    client.sandbox.save(update_fields=["era"])


def _trace(client, target) -> dict:
    out = StringIO()
    call_command(
        "trace", "--sandbox", str(client.sandbox.key), "--nic", "contoso-vm01-nic", "--to", target.host_name,
        "--port", "1433", "--json", stdout=out,
    )  # fmt: skip
    return json.loads(out.getvalue())


def test_classic_shows_deny_public_network_access_and_allow_azure_services_sql_02(alice):
    html = alice.get(_url(_sql(alice)), **HX).content.decode()
    assert "Deny public network access" in html and ALLOW_AZURE in html
    assert "All networks" not in html and "Selected networks" not in html


def test_current_shows_public_network_access_disable_or_selected_networks_sql_02(alice):
    _current(alice)
    html = alice.get(_url(_sql(alice)), **HX).content.decode()
    assert "Public access" in html and "Public network access" in html
    assert 'value="disabled"' in html and "Disable" in html and "Selected networks" in html
    assert "Exceptions" in html and ALLOW_AZURE in html
    assert "Deny public network access" not in html and "All networks" not in html


def test_classic_save_denies_public_access_and_keeps_the_azure_rule_sql_01(alice):
    target = _sql(alice)
    alice.post(_url(target), {"deny_public": "on", "allow_azure": "on"}, **HX)
    target.refresh_from_db()
    assert (target.public_network_access, target.default_action) == ("Disabled", "Deny")
    assert target.ip_rules == ["0.0.0.0"]
    html = alice.post(_url(target), {"allow_azure": "on"}, **HX).content.decode()
    target.refresh_from_db()
    assert target.public_network_access == "Enabled" and target.ip_rules == ["0.0.0.0"]
    assert 'data-ip-rule="0.0.0.0"' not in html  # the exception, not a firewall row
    alice.post(_url(target), {}, **HX)
    target.refresh_from_db()
    assert target.ip_rules == []


def test_current_save_takes_disable_or_selected_networks_sql_02(alice):
    _current(alice)
    target = _sql(alice)
    alice.post(_url(target), {"public_access": "disabled"}, **HX)
    target.refresh_from_db()
    assert target.public_network_access == "Disabled"
    alice.post(_url(target), {"public_access": "selected", "allow_azure": "on"}, **HX)
    target.refresh_from_db()
    assert (target.public_network_access, target.ip_rules) == ("Enabled", ["0.0.0.0"])


@pytest.mark.parametrize("era", ["classic", "current"])
def test_the_trace_follows_the_sql_servers_settings_sql_01_sql_03(alice, era):
    if era == "current":
        _current(alice)
        # DOA-02: the Current era's subnets are private; a NAT gateway gives the VM a way out.
        spec = nat_services.NatGatewaySpec(
            "contoso-nat", "eastus", new_public_ip="nat-ip", subnets=(subnet_of(alice, "contoso-vnet", "vm-subnet"),)
        )
        nat_services.create_nat_gateway(rg_of(alice), spec)
    target = _sql(alice)
    paas_services.set_sql_networking(target, deny_public=False, allow_azure=False)
    refused = _trace(alice, target)
    assert (refused["verdict"], refused["decidingStep"]) == ("Blocked", "Delivery")  # SQL-03: no rule allows it
    assert "allows only selected networks" in refused["steps"][-1]["detail"]
    paas_services.set_sql_networking(target, deny_public=False, allow_azure=True)
    allowed = _trace(alice, target)
    assert allowed["verdict"] == "Reachable" and "SQL-01" in allowed["steps"][-1]["rules"]
    paas_services.set_sql_networking(target, deny_public=True, allow_azure=True)
    denied = _trace(alice, target)
    assert denied["verdict"] == "Blocked" and "PEDNS-12" in denied["steps"][-1]["rules"]
