"""Issue #3 walkthrough, NSG and route table part, as a learner clicks it:
create an NSG, add an outbound Deny rule (TCP 1433 to Sql, priority 200),
see Azure refuse a duplicate priority and priority 5000, associate the NSG
with contoso-vnet/vm-subnet; create a route table, add 0.0.0.0/0 to a
virtual appliance (seeing the refusal without a next hop address), associate
it with vm-subnet; then check the JSON View and the Activity log."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.e2e.flows import htmx_click, pane_closed, wait_for_pane
from tests.e2e.support import Tab

pytestmark = pytest.mark.browser


def _create_url(tab: Tab, url_name: str) -> str:
    subscription = tab.sandbox().subscriptions.get()
    return reverse(f"networking:{url_name}", kwargs={"subscription_id": subscription.subscription_id, "rg": "contoso-rg"})


def _create(tab: Tab, url_name: str, name: str, step: str, **radios) -> None:
    """Basics -> Name -> Review + create -> Create: the new resource's blade opens."""
    tab.goto(_create_url(tab, url_name), f"{step}-basics")
    tab.page.locator("#name").fill(name)
    for radio in radios.values():
        tab.page.locator(radio).check()
    htmx_click(tab, tab.page.locator("#review-button"), "/create")
    expect(tab.page.locator("#validation-banner")).to_have_attribute("data-validation", "passed")
    tab.shot(f"{step}-review")
    with tab.page.expect_navigation(url=re.compile(r"/overview$")):
        tab.page.locator("#create-button").click()
    tab.wait_live()
    expect(tab.page.locator("h1.az-blade-title")).to_have_text(name)


def _choose(tab: Tab, select: str, url_part: str, *, value: str | None = None, label: str | None = None) -> None:
    """Pick an option of a select that re-renders its pane."""
    with tab.page.expect_response(lambda r: url_part in r.url and r.request.method == "GET"):
        if value is not None:
            tab.page.locator(select).select_option(value)
        else:
            tab.page.locator(select).select_option(label=label)
    tab.settle()


def _menu(tab: Tab, label: str, step: str) -> None:
    tab.follow(tab.page.locator("nav.az-resource-menu").get_by_role("link", name=label), step)


def _associate_vm_subnet(tab: Tab, step: str) -> None:
    tab.page.locator("#associate-subnet").click()
    pane = wait_for_pane(tab)
    expect(pane.get_by_role("heading", name="Associate subnet")).to_be_visible()
    _choose(tab, "#vnet-select", "/associate", label="contoso-vnet (contoso-rg)")
    tab.page.locator("#subnet-select").select_option(label="vm-subnet (10.0.1.0/24)")
    tab.shot(f"{step}-pane")
    response = htmx_click(tab, tab.page.locator("#associate-ok"), "/associate")
    assert response.status == 200
    pane_closed(tab)
    expect(tab.page.locator("tr[data-subnet='contoso-vnet/vm-subnet']")).to_be_visible()
    tab.shot(step)


def test_a_learner_filters_and_routes_vm_subnet_with_an_nsg_and_a_route_table(tab):
    page = tab.page
    _create(tab, "nsg_create", "vm-nsg", "nsg-create")
    tab.shot("nsg-overview")
    for name in ("AllowVnetInBound", "AllowAzureLoadBalancerInBound", "DenyAllInBound", "AllowVnetOutBound", "AllowInternetOutBound", "DenyAllOutBound"):
        expect(page.locator(f"tr[data-rule='{name}'][data-default='true']")).to_have_count(1)

    # Add outbound security rule: deny TCP 1433 to the Sql service tag, priority 200.
    page.locator("#add-outbound-rule").click()
    pane = wait_for_pane(tab)
    expect(pane.get_by_role("heading", name="Add outbound security rule")).to_be_visible()
    expect(page.locator("#priority")).to_have_value("100")
    _choose(tab, "#destination", "/outboundSecurityRules/add", value="ServiceTag")
    page.locator("#destination-tag").select_option("Sql")
    page.locator("#destination-ports").fill("1433")
    page.locator("#protocol-tcp").check()
    page.locator("#access-deny").check()
    page.locator("#priority").fill("200")
    page.locator("#name").fill("DenySqlOutbound")
    tab.shot("rule-pane")
    assert htmx_click(tab, page.locator("#save-rule"), "/outboundSecurityRules/add").status == 200
    pane_closed(tab)
    row = page.locator("#outbound-rules tr[data-rule='DenySqlOutbound']")
    expect(row).to_contain_text("200")
    expect(row).to_contain_text("Sql")
    expect(row).to_contain_text("Deny")
    tab.shot("rule-added")

    # The same priority again, then 5000: Azure refuses both, the pane says why.
    page.locator("#add-outbound-rule").click()
    wait_for_pane(tab)
    page.locator("#priority").fill("200")
    page.locator("#name").fill("AllowWeb")
    assert htmx_click(tab, page.locator("#save-rule"), "/outboundSecurityRules/add").status == 422
    expect(page.locator("#context-pane .az-field-error")).to_contain_text("Rule 'DenySqlOutbound' already uses priority 200 for outbound traffic.")
    expect(page.locator("#context-pane .az-field-error")).to_contain_text("ERR-26, NSG-03")
    tab.shot("refused-duplicate-priority")
    page.locator("#priority").fill("5000")
    assert htmx_click(tab, page.locator("#save-rule"), "/outboundSecurityRules/add").status == 422
    expect(page.locator("#context-pane .az-field-error")).to_contain_text("Priority 5000 is invalid. Use 100–4096.")
    expect(page.locator("#context-pane .az-field-error")).to_contain_text("ERR-25, NSG-02")
    tab.shot("refused-priority-5000")
    page.locator("#context-pane [data-close-pane]").first.click()
    pane_closed(tab)
    expect(page.locator("tr[data-rule='AllowWeb']")).to_have_count(0)

    # A default rule can't be deleted (NSG-10).
    page.locator("tr[data-rule='DenyAllOutBound'] a[data-action='delete']").click()
    wait_for_pane(tab)
    expect(page.locator("#confirm-error")).to_contain_text("Default rule 'DenyAllOutBound' can't be deleted.")
    tab.shot("default-rule-refused")
    page.locator("#confirm-ok").click()
    pane_closed(tab)

    # "Hide default rules"
    htmx_click(tab, page.locator("#toggle-default-rules"), "hide_default=1", method="GET")
    expect(page.locator("tr[data-default='true']")).to_have_count(0)
    expect(page.locator("tr[data-rule='DenySqlOutbound']")).to_be_visible()
    tab.shot("defaults-hidden")

    # Subnets > + Associate > contoso-vnet / vm-subnet
    _menu(tab, "Subnets", "nsg-subnets")
    _associate_vm_subnet(tab, "nsg-associated")
    _menu(tab, "Overview", "nsg-effective")
    expect(page.locator("#nsg-effective")).to_contain_text("Subnet vm-subnet (10.0.1.0/24) of virtual network contoso-vnet")
    _menu(tab, "Properties", "nsg-json")
    expect(page.locator("#arm-json")).to_contain_text('"name": "DenySqlOutbound"')
    expect(page.locator("#arm-json")).to_contain_text("/virtualNetworks/contoso-vnet/subnets/vm-subnet")

    # Route table with 0.0.0.0/0 -> Virtual appliance 10.0.1.4
    _create(tab, "route_table_create", "vm-rt", "rt-create")
    expect(page.locator("#propagate-state")).to_contain_text("Yes")
    _menu(tab, "Routes", "routes")
    page.locator("#add-route").click()
    pane = wait_for_pane(tab)
    expect(pane.get_by_role("heading", name="Add route")).to_be_visible()
    page.locator("#route-name").fill("to-firewall")
    page.locator("#address-prefix").fill("0.0.0.0/0")
    _choose(tab, "#next-hop-type", "/routes/add", label="Virtual appliance")
    expect(page.locator("#next-hop-ip")).to_be_visible()
    assert htmx_click(tab, page.locator("#save-route"), "/routes/add").status == 422
    expect(page.locator("#context-pane .az-field-error")).to_contain_text("a virtual appliance needs a next hop address")
    expect(page.locator("#context-pane .az-field-error")).to_contain_text("ERR-29, ROUTE-21")
    tab.shot("route-refused-no-next-hop")
    page.locator("#next-hop-ip").fill("10.0.1.4")
    assert htmx_click(tab, page.locator("#save-route"), "/routes/add").status == 200
    pane_closed(tab)
    route = page.locator("tr[data-route='to-firewall']")
    expect(route).to_contain_text("0.0.0.0/0")
    expect(route).to_contain_text("Virtual appliance")
    expect(route).to_contain_text("10.0.1.4")
    tab.shot("route-added")

    _menu(tab, "Subnets", "rt-subnets")
    _associate_vm_subnet(tab, "rt-associated")

    _menu(tab, "Properties", "rt-json")
    json_text = page.locator("#arm-json")
    expect(json_text).to_contain_text('"nextHopType": "VirtualAppliance"')
    expect(json_text).to_contain_text('"nextHopIpAddress": "10.0.1.4"')
    expect(json_text).to_contain_text('"disableBgpRoutePropagation": false')
    _menu(tab, "Activity log", "rt-activity")
    log = page.locator("#activity-log")
    for operation in ("Create or Update Route Table", "Create or Update Route", "Join Route Table"):
        expect(log).to_contain_text(operation)
    expect(page.locator("h1.az-blade-title")).to_have_text(re.compile(r"vm-rt\s*\|\s*Activity log"))
