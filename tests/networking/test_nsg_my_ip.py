"""The security rule pane's Source "My IP address" (portal-ui §4 [newer],
MYIP-01, Ruleset.nsg_source_my_ip; docs/fidelity.md "Eras: blade by
blade"): offered in Current only, it fills "Source IP addresses/CIDR
ranges" with the sandbox's simulated public IP (a host of 203.0.113.0/24
taken from the sandbox key, never the visitor's address) and the rule is
saved with that /32 through the NSG service, with the same rules (NSG-xx)
as any other rule. Bad input is a 422 naming its rule, never a 500."""

import re
from html import unescape
from ipaddress import ip_network

import pytest

from networking.models import SecurityRule
from networking.services import nsgs
from networking.views.watcher import watcher_url
from portal.models import MY_IP_RANGE, Sandbox
from tests.helpers import HX
from tests.helpers.nsgs import blade_url, make_nsg, rule_form
from tests.helpers.watcher import packet, seed_nic, seed_vm_subnet

pytestmark = pytest.mark.django_db

MY_IP_OPTION = '<option value="MyIpAddress"'


def _era(client, era: str) -> None:
    client.sandbox.era = era
    client.sandbox.save(update_fields=["era"])


def _my_ip_form(**overrides) -> dict:
    """An inbound allow of SSH from "My IP address"."""
    base = {
        "source": "MyIpAddress",
        "destination": "Any",
        "service": "SSH",
        "access": "Allow",
        "priority": "300",
        "name": "AllowSshFromMyIp",
    }
    return rule_form(**{**base, **overrides})


def _source_options(html: str) -> list[str]:
    select = re.search(r'<select name="source".*?</select>', html, re.S).group(0)
    return [unescape(label) for label in re.findall(r"<option [^>]*>([^<]*)</option>", select)]


def _rules(nsg) -> list[tuple]:
    return sorted(SecurityRule.objects.filter(nsg=nsg).values_list("name", "priority", "source_address_prefixes"))


def test_the_sandbox_address_is_a_stable_documentation_address_myip_01(db):
    first, second = Sandbox.objects.create(), Sandbox.objects.create()
    address = first.my_public_ip
    assert ip_network(f"{address}/32").subnet_of(MY_IP_RANGE)
    assert address not in (str(MY_IP_RANGE.network_address), str(MY_IP_RANGE.broadcast_address))
    assert Sandbox.objects.get(pk=first.pk).my_public_ip == address, "the same on every visit"
    assert {first.my_public_ip, second.my_public_ip} <= {str(ip) for ip in MY_IP_RANGE.hosts()}


@pytest.mark.parametrize("direction", ["inbound", "outbound"])
def test_classic_offers_no_my_ip_address_and_current_offers_it_after_ip_addresses_myip_01(alice, direction):
    nsg = make_nsg(alice)
    url = blade_url(nsg, "nsg_rule_add", direction=direction)
    classic = alice.get(url, **HX).content.decode()
    assert _source_options(classic) == ["Any", "IP Addresses", "Service Tag"]
    _era(alice, "current")
    current = alice.get(url, **HX).content.decode()
    assert _source_options(current) == ["Any", "IP Addresses", "My IP address", "Service Tag"]
    destination = re.search(r'<select name="destination".*?</select>', current, re.S).group(0)
    assert "MyIpAddress" not in destination, "the portal offers it as a source only"


def test_choosing_my_ip_address_fills_the_box_read_only_with_the_sandbox_address_myip_01(alice):
    _era(alice, "current")
    nsg = make_nsg(alice)
    html = alice.get(
        blade_url(nsg, "nsg_rule_add", direction="inbound"), {"source": "MyIpAddress"}, **HX
    ).content.decode()
    address = f"{alice.sandbox.my_public_ip}/32"
    box = re.search(r'<input[^>]*id="source-ips"[^>]*>', html).group(0)
    assert f'value="{address}"' in box and "readonly" in box
    assert f"{MY_IP_OPTION} selected" in html
    assert "Source IP addresses/CIDR ranges" in html
    assert "never reads your real public IP address" in html and "203.0.113.0/24" in html


def test_current_saves_the_rule_with_the_sandbox_address_as_a_32_myip_01(alice):
    _era(alice, "current")
    nsg = make_nsg(alice)
    # What the read-only box posts doesn't count: the service fills the address.
    form = _my_ip_form(source_ips="0.0.0.0/0")
    response = alice.post(blade_url(nsg, "nsg_rule_add", direction="inbound"), form, **HX)
    assert response.status_code == 200 and response["HX-Retarget"] == "#inbound-rules"
    rule = SecurityRule.objects.get(nsg=nsg)
    address = f"{alice.sandbox.my_public_ip}/32"
    assert (rule.direction, rule.source_address_prefixes, rule.destination_port_ranges, rule.protocol) == (
        "Inbound",
        [address],
        ["22"],
        "Tcp",
    )
    assert f">{address}<" in response.content.decode(), "the grid shows the address"


def test_the_service_fills_my_ip_address_only_where_the_era_offers_it_myip_01(alice):
    nsg = make_nsg(alice)
    with pytest.raises(nsgs.AzureRuleError) as refused:
        nsgs.add_rule(nsg, "Outbound", _my_ip_form())
    assert "MYIP-01" in refused.value.learn_more and refused.value.field == "source"
    _era(alice, "current")
    nsg.sandbox.refresh_from_db()
    rule = nsgs.add_rule(nsg, "Outbound", _my_ip_form())
    assert rule.source_address_prefixes == [f"{alice.sandbox.my_public_ip}/32"]


def test_classic_refuses_a_posted_my_ip_address_with_422_myip_01_nsg_04(alice):
    nsg = make_nsg(alice)
    response = alice.post(blade_url(nsg, "nsg_rule_add", direction="inbound"), _my_ip_form(), **HX)
    assert response.status_code == 422
    html = response.content.decode()
    assert "My IP address" in unescape(html) and "MYIP-01" in html and "NSG-04" in html
    assert not SecurityRule.objects.filter(nsg=nsg).exists()


@pytest.mark.parametrize(
    ("overrides", "rule_id"),
    [
        ({"destination": "MyIpAddress"}, "MYIP-01"),
        ({"source": "Somewhere"}, "NSG-04"),
        ({"priority": "5000"}, "NSG-02"),
        ({"name": "bad name!"}, "NSG-01"),
    ],
)
def test_bad_input_with_my_ip_address_is_a_422_naming_its_rule_state_unchanged(alice, overrides, rule_id):
    _era(alice, "current")
    nsg = make_nsg(alice)
    response = alice.post(blade_url(nsg, "nsg_rule_add", direction="inbound"), _my_ip_form(**overrides), **HX)
    assert response.status_code == 422
    assert rule_id in response.content.decode()
    assert not SecurityRule.objects.filter(nsg=nsg).exists()


def test_a_refused_my_ip_rule_keeps_my_ip_address_in_the_pane_nsg_03(alice):
    _era(alice, "current")
    nsg = make_nsg(alice)
    url = blade_url(nsg, "nsg_rule_add", direction="inbound")
    alice.post(url, _my_ip_form(), **HX)
    before = _rules(nsg)
    clash = alice.post(url, _my_ip_form(name="Again"), **HX)
    html = clash.content.decode()
    assert clash.status_code == 422 and "NSG-03" in html
    assert f"{MY_IP_OPTION} selected" in html and f'value="{alice.sandbox.my_public_ip}/32"' in html
    assert _rules(nsg) == before


@pytest.mark.parametrize("era", ["classic", "current"])
def test_editing_a_my_ip_rule_shows_ip_addresses_with_the_address_myip_01(alice, era):
    """ARM keeps the address only: the edit pane shows "IP Addresses" and
    the /32 (docs/fidelity.md), and saving it keeps the address."""
    _era(alice, "current")
    nsg = make_nsg(alice)
    alice.post(blade_url(nsg, "nsg_rule_add", direction="inbound"), _my_ip_form(), **HX)
    _era(alice, era)
    url = blade_url(nsg, "nsg_rule_edit", rule="AllowSshFromMyIp")
    html = alice.get(url, **HX).content.decode()
    address = f"{alice.sandbox.my_public_ip}/32"
    assert '<option value="IPAddresses" selected' in html
    assert re.search(rf'id="source-ips" value="{re.escape(address)}"', html)
    saved = alice.post(url, _my_ip_form(source="IPAddresses", source_ips=address, priority="310"), **HX)
    assert saved.status_code == 200
    assert _rules(nsg) == [("AllowSshFromMyIp", 310, [address])]


def test_ip_flow_verify_from_the_sandbox_address_meets_the_my_ip_rule_myip_01_nw_03(alice):
    """The learner's machine, as the lab has it: IP flow verify's inbound
    check with the sandbox's address as the remote IP is allowed by the
    rule, another address of the range still meets DenyAllInBound."""
    _era(alice, "current")
    nsg = make_nsg(alice, "vm-subnet-nsg")
    nsgs.associate_subnet(nsg, seed_vm_subnet(alice))
    alice.post(blade_url(nsg, "nsg_rule_add", direction="inbound"), _my_ip_form(), **HX)
    url = watcher_url(alice.sandbox.subscriptions.get(), "eastus", "ip_flow_verify")
    mine = alice.sandbox.my_public_ip
    other = str(next(ip for ip in MY_IP_RANGE.hosts() if str(ip) != mine))

    def verify(remote_ip: str) -> str:
        flow = packet(
            nic=str(seed_nic(alice).pk), target_type="nic", direction="Inbound", local_port="22", remote_ip=remote_ip
        )
        response = alice.get(url, flow, **HX)
        assert response.status_code == 200, response.content.decode()[:2000]
        return response.content.decode()

    html = verify(mine)
    assert "Access allowed" in html and "securityRules/AllowSshFromMyIp" in html
    html = verify(other)
    assert "Access denied" in html and "defaultSecurityRules/DenyAllInBound" in html
