"""The security rule pane's Source "My IP address" follows the portal era
(issue #10, portal-ui §4 [newer], MYIP-01, Ruleset.nsg_source_my_ip;
docs/fidelity.md "Eras: blade by blade"): Classic's Source list has no such
option; in Current, choosing it fills "Source IP addresses/CIDR ranges"
(read-only, its info balloon telling the address is simulated) with the
sandbox's own 203.0.113.x/32, and Add saves the rule with that address."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from networking.models import SecurityRule
from networking.services import nsgs
from portal.models import ResourceGroup
from tests.e2e.flows import htmx_click, pane_closed, switch_era, wait_for_pane
from tests.e2e.support import Tab

pytestmark = pytest.mark.browser

ADD = "/inboundSecurityRules/add"


def _inbound_rules_url(tab: Tab) -> str:
    """web-nsg's Inbound security rules page, the NSG made by the service."""
    rg = ResourceGroup.objects.select_related("subscription").get(
        subscription__sandbox=tab.sandbox(), name="contoso-rg"
    )
    nsgs.create_nsg(rg, name="web-nsg", location="eastus")
    kwargs = {"subscription_id": rg.subscription.subscription_id, "rg": rg.name, "name": "web-nsg"}
    return reverse("networking:nsg_rules", kwargs={**kwargs, "direction": "inbound"})


def _open_add(tab: Tab, url: str, step: str):
    tab.goto(url)
    tab.page.locator("#add-rule").click()
    pane = wait_for_pane(tab)
    expect(pane.get_by_role("heading", name="Add inbound security rule")).to_be_visible()
    tab.shot(step)
    return pane


def test_my_ip_address_is_offered_in_current_and_saves_the_sandbox_address_myip_01(tab):
    url = _inbound_rules_url(tab)
    page = tab.page

    pane = _open_add(tab, url, "classic-add-rule")
    expect(pane.locator("#source option")).to_have_text(["Any", "IP Addresses", "Service Tag"])

    switch_era(tab, "current")
    pane = _open_add(tab, url, "current-add-rule")
    expect(pane.locator("#source option")).to_have_text(["Any", "IP Addresses", "My IP address", "Service Tag"])
    with page.expect_response(lambda r: ADD in r.url and r.request.method == "GET"):
        page.locator("#source").select_option(label="My IP address")
    tab.settle()
    address = f"{tab.sandbox().my_public_ip}/32"
    box = page.locator("#source-ips")
    expect(box).to_have_value(address)
    expect(box).to_have_attribute("readonly", "")
    balloon = pane.locator("label[for=source-ips] .az-balloon")
    expect(balloon).to_be_visible()
    title = balloon.get_attribute("title")
    assert "203.0.113.0/24" in title and "never reads your real public IP address" in title

    with page.expect_response(lambda r: ADD in r.url and r.request.method == "GET"):
        page.locator("#service").select_option("SSH")
    tab.settle()
    expect(box).to_have_value(address)
    page.locator("#priority").fill("300")
    page.locator("#name").fill("AllowSshFromMyIp")
    tab.shot("current-my-ip-address")
    assert htmx_click(tab, page.locator("#save-rule"), ADD).status == 200
    pane_closed(tab)
    row = page.locator("#inbound-rules tr[data-rule='AllowSshFromMyIp']")
    expect(row).to_contain_text(address)
    expect(row).to_contain_text("22")
    tab.shot("current-my-ip-rule-added")
    rule = SecurityRule.objects.get(nsg__sandbox=tab.sandbox(), name="AllowSshFromMyIp")
    assert rule.source_address_prefixes == [address]
