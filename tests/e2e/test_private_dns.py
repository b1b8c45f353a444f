"""A private DNS zone in the browser (issue #10): a new zone holds its SOA
record set '@' (PDNS-01), counted in "Number of record sets" and shown
without Edit or Delete."""

import pytest
from playwright.sync_api import expect

from networking.services import dns as dns_services

pytestmark = pytest.mark.browser


def test_a_new_zone_shows_its_soa_record_set_and_counts_one(tab):
    group = tab.sandbox().subscriptions.get().resource_groups.get(name="contoso-rg")
    zone = dns_services.create_zone(group, name="private.contoso.com", log=False)
    subscription = group.subscription.subscription_id
    tab.goto(
        f"/resource/subscriptions/{subscription}/resourceGroups/contoso-rg/providers/"
        f"Microsoft.Network/privateDnsZones/{zone.name}/overview",
        "zone-overview",
    )
    page = tab.page
    count = page.locator("#essentials .az-prop").filter(has_text="Number of record sets")
    expect(count.locator("dd")).to_have_text("1")
    row = page.locator("#record-sets tr[data-record='@']")
    expect(row).to_have_attribute("data-type", "SOA")
    expect(row).to_contain_text("Email: azureprivatedns-host.microsoft.com")
    expect(row).to_contain_text("Host: azureprivatedns.net")
    expect(row.get_by_role("link", name="Delete @ SOA")).to_have_count(0)
