"""The app's Network troubleshooter: the connectivity engine on real
sandbox data (networking/snapshot.py + networking/engine/trace.py)."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from appservice import services
from appservice.models import AppSetting
from networking.models import NetworkSecurityGroup, SecurityRule, Subnet
from tests.helpers import HX, app_of, app_url, subnet_of

pytestmark = pytest.mark.django_db


def _integrate(client):
    sub = subnet_of(client, "contoso-vnet", "integration-subnet")
    services.add_regional_integration(app_of(client, "contoso-web"), sub.vnet, subnet=sub)


def _run(client, host, port="443", **extra):
    return client.get(app_url(client, "troubleshoot", "contoso-web"), {"host": host, "port": port}, **extra)


def test_the_blade_shows_the_form(alice):
    html = alice.get(app_url(alice, "troubleshoot", "contoso-web")).content.decode()
    assert "Test connectivity" in html and 'id="trace-steps"' not in html


def test_asrt_01_without_integration_a_private_vm_is_unreachable(alice):
    html = _run(alice, "10.0.1.4", "22").content.decode()
    assert 'data-verdict="Blocked"' in html and 'data-step="Enter the virtual network"' in html
    assert "SEED-08" in html


def test_asrt_16_with_integration_the_vm_is_reached_from_the_integration_subnet(alice):
    _integrate(alice)
    html = _run(alice, "10.0.1.4", "22", **HX).content.decode()
    assert "<html" not in html
    assert 'data-verdict="Reachable"' in html
    assert "10.0.2.4" in html  # an integration-subnet address


def test_seed_15_an_nsg_on_the_integration_subnet_blocks_the_vm(alice):
    _integrate(alice)
    app = app_of(alice, "contoso-web")
    nsg = NetworkSecurityGroup.objects.create(
        sandbox=app.sandbox, resource_group=app.resource_group, name="deny-vms", location="eastus"
    )
    SecurityRule.objects.create(
        nsg=nsg,
        name="deny-vm-subnet",
        priority=100,
        direction="Outbound",
        access="Deny",
        protocol="*",
        source_address_prefixes=["*"],
        source_port_ranges=["*"],
        destination_address_prefixes=["10.0.1.0/24"],
        destination_port_ranges=["*"],
    )
    Subnet.objects.filter(vnet__sandbox=alice.sandbox, name="integration-subnet").update(nsg=nsg)
    html = _run(alice, "10.0.1.4", "22").content.decode()
    assert 'data-step="Network security group"' in html
    assert "deny-vm-subnet" in html


def test_seed_19_port_25_is_blocked_in_the_classic_era(alice):
    _integrate(alice)
    assert 'data-step="Enter the virtual network"' in _run(alice, "www.contoso.com", "25").content.decode()


def test_seed_17_route_all_sends_public_traffic_into_the_vnet(alice):
    _integrate(alice)
    before = _run(alice, "www.contoso.com").content.decode()
    assert "route all is off" in before
    AppSetting.objects.create(app=app_of(alice, "contoso-web"), name="WEBSITE_VNET_ROUTE_ALL", value="1")
    after = _run(alice, "www.contoso.com").content.decode()
    assert "Route all is on" in after


def test_bad_input_is_a_field_error(alice):
    response = _run(alice, "", "99999")
    assert response.status_code == 422
    html = response.content.decode()
    assert "Enter a host name or an IPv4 address." in html and "Enter a port from 1 to 65535." in html


def test_an_outsider_gets_404_and_post_is_405(alice, bob):
    assert bob.get(app_url(alice, "troubleshoot", "contoso-web")).status_code == 404
    assert alice.post(app_url(alice, "troubleshoot", "contoso-web")).status_code == 405


def test_the_trace_command_prints_json(alice):
    _integrate(alice)
    out = StringIO()
    call_command(
        "trace",
        "--sandbox",
        str(alice.sandbox.key),
        "--app",
        "contoso-web",
        "--to",
        "10.0.1.4",
        "--port",
        "22",
        "--json",
        stdout=out,
    )
    document = json.loads(out.getvalue())
    assert document["verdict"] == "Reachable"
    assert document["steps"][0]["step"] == "Name resolution"


def test_the_trace_command_refuses_an_unknown_app(alice):
    with pytest.raises(CommandError):
        call_command("trace", "--sandbox", str(alice.sandbox.key), "--app", "nope", "--to", "10.0.1.4")


# --- The console (ASGW-20) ------------------------------------------------------------


def _console(client, command, **extra):
    return client.post(app_url(client, "console", "contoso-web"), {"command": command}, **extra)


def test_asgw_20_the_console_offers_nameresolver_and_tcpping(alice):
    html = alice.get(app_url(alice, "console", "contoso-web")).content.decode()
    assert "nameresolver" in html and "tcpping" in html


def test_nameresolver_answers_from_the_apps_dns(alice):
    html = _console(alice, "nameresolver www.contoso.com", **HX).content.decode()
    assert "<html" not in html
    assert "Server: 168.63.129.16" in html and "93.184.216.34" in html
    assert "Non-existent domain" in _console(alice, "nameresolver nope.contoso.com").content.decode()


def test_tcpping_follows_the_trace(alice):
    assert "0/4 successful" in _console(alice, "tcpping 10.0.1.4:22").content.decode()
    _integrate(alice)
    assert "4/4 successful" in _console(alice, "tcpping 10.0.1.4:22").content.decode()


def test_the_console_refuses_nonsense_politely(alice):
    assert "Usage: tcpping" in _console(alice, "tcpping nope").content.decode()
    assert "is not recognized" in _console(alice, "rm -rf /").content.decode()


def test_the_console_is_sandboxed(alice, bob):
    assert bob.post(app_url(alice, "console", "contoso-web"), {"command": "help"}).status_code == 404


def test_route_01_an_address_nobody_holds_is_no_answer_at_the_destination_not_blocked(alice):
    # Issue #10: the network delivers, nobody answers; no step says Blocked.
    _integrate(alice)
    html = _run(alice, "10.0.1.99", "22", **HX).content.decode()
    assert 'data-verdict="No answer"' in html and 'data-step="Destination"' in html
    assert 'data-outcome="Blocked"' not in html
    assert "Nobody answers" in html and "ROUTE-01" in html and "NW-41" in html
