"""A learner creates a NAT gateway from the Marketplace: Basics, Outbound IP
with "Create a new public IP address", Subnet (contoso-vnet/vm-subnet),
Review + create; the Overview shows the address the lab allotted
(198.51.100.0/24, PIP-05); then Subnets > Associate adds integration-subnet,
and a GatewaySubnet is refused (NAT-03)."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.e2e.flows import htmx_click, pane_closed, wait_for_pane
from tests.e2e.support import Tab

pytestmark = pytest.mark.browser

CREATE = "/natGateways/create"


def _to_tab(tab: Tab, slug: str) -> None:
    htmx_click(tab, tab.page.locator(f"#tab-button-{slug}"), CREATE)
    expect(tab.page.locator(f"#tab-button-{slug}")).to_have_attribute("aria-selected", "true")


def test_a_learner_creates_a_nat_gateway_with_a_new_public_ip_and_associates_subnets(tab):
    page = tab.page
    # Create a resource > Networking > NAT gateway > Create.
    tab.goto(reverse("create_resource") + "?category=networking", "marketplace")
    tab.follow(page.locator("#product-list li[data-product='nat-gateway'] #create-nat-gateway"), "basics")
    expect(page.locator("h1.az-blade-title")).to_contain_text("Create network address translation (NAT) gateway")
    page.locator("#name").fill("contoso-nat")
    expect(page.locator("#idle-timeout")).to_have_value("4")

    _to_tab(tab, "outboundip")
    page.locator("#create-new-public-ip summary").click()
    page.locator("#new-public-ip-name").fill("nat-ip")
    htmx_click(tab, page.locator("#new-public-ip-ok"), CREATE)
    expect(page.locator("#new-public-ip")).to_contain_text("(new) nat-ip")
    tab.shot("outbound-ip")

    _to_tab(tab, "subnet")
    with page.expect_response(lambda r: CREATE in r.url and r.request.method == "POST"):
        page.locator("#vnet").select_option(label="contoso-vnet (contoso-rg)")
    tab.settle()
    page.locator("input[data-subnet='vm-subnet']").check()
    tab.shot("subnet")

    htmx_click(tab, page.locator("#review-button"), CREATE)
    expect(page.locator("#validation-banner")).to_have_attribute("data-validation", "passed")
    tab.shot("review")
    expect(page.locator("#tab-review")).to_contain_text("(new) nat-ip")
    with page.expect_response(lambda r: re.search(r"/natGateways/contoso-nat/overview$", r.url) is not None):
        page.locator("#create-button").click()
    tab.settle()
    expect(page.locator("h1.az-blade-title")).to_have_text("contoso-nat")
    expect(page.locator("#outbound-ips")).to_have_text("198.51.100.1")
    expect(page.locator("tr[data-subnet='contoso-vnet/vm-subnet']")).to_be_visible()
    tab.shot("overview")

    tab.follow(page.locator("nav.az-resource-menu").get_by_role("link", name="Subnets"), "subnets")
    page.locator("#associate-subnet").click()
    pane = wait_for_pane(tab)
    expect(pane.get_by_role("heading", name="Associate subnet")).to_be_visible()
    with page.expect_response(lambda r: "/associate" in r.url and r.request.method == "GET"):
        page.locator("#vnet-select").select_option(label="contoso-vnet (contoso-rg)")
    tab.settle()
    page.locator("#subnet-select").select_option(label="integration-subnet (10.0.2.0/26)")
    assert htmx_click(tab, page.locator("#associate-ok"), "/associate").status == 200
    pane_closed(tab)
    expect(page.locator("tr[data-subnet='contoso-vnet/integration-subnet']")).to_be_visible()
    tab.shot("associated")

    # The subnet is now taken: a second association of it is refused with the rule.
    page.locator("#associate-subnet").click()
    wait_for_pane(tab)
    with page.expect_response(lambda r: "/associate" in r.url and r.request.method == "GET"):
        page.locator("#vnet-select").select_option(label="contoso-vnet (contoso-rg)")
    tab.settle()
    page.locator("#subnet-select").select_option(label="vm-subnet (10.0.1.0/24) - NAT gateway: contoso-nat")
    assert htmx_click(tab, page.locator("#associate-ok"), "/associate").status == 422
    expect(page.locator("#context-pane .az-field-error")).to_contain_text("NAT-01")
    tab.shot("refused")
