"""Network Watcher in a browser: a learner opens contoso-vm01-nic's Effective
routes from the NIC's menu and downloads them as CSV, then runs IP flow
verify and Next hop from the Network Watcher blade."""

import csv
import io

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from networking import models as n
from networking.services import nsgs
from networking.views.watcher import watcher_url
from tests.e2e.support import Tab

pytestmark = pytest.mark.browser

NIC_OPTION = "contoso-vm01 / contoso-vm01-nic (10.0.1.4)"


def _nic_url(tab: Tab) -> str:
    nic = n.NetworkInterface.objects.select_related("resource_group__subscription").get(
        sandbox=tab.sandbox(), name="contoso-vm01-nic"
    )
    rg = nic.resource_group
    kwargs = {"subscription_id": rg.subscription.subscription_id, "rg": rg.name, "name": nic.name}
    return reverse("networking:nic_overview", kwargs=kwargs)


def _menu(tab: Tab, label: str, step: str) -> None:
    tab.follow(tab.page.locator("nav.az-resource-menu").get_by_role("link", name=label), step)


def _check(tab: Tab, button: str, result: str, step: str):
    tab.page.locator(button).click()
    tab.settle()
    expect(tab.page.locator(result)).to_be_visible()
    tab.shot(step)
    return tab.page.locator(result)


def test_effective_routes_from_the_nic_menu_download_as_csv(tab):
    tab.goto(_nic_url(tab), "nic-overview")
    _menu(tab, "Effective routes", "effective-routes")
    page = tab.page
    expect(page.locator("h1.az-blade-title")).to_contain_text("Effective routes")
    grid = page.locator("#effective-routes")
    expect(grid.locator('tr[data-prefix="10.0.0.0/16"]')).to_contain_text("Virtual network")
    expect(grid.locator('tr[data-prefix="0.0.0.0/0"]')).to_contain_text("Internet")
    expect(grid.locator('tr[data-hop="None"]')).to_have_count(4)

    href = page.locator("#download-routes").get_attribute("href")
    response = page.request.get(tab.base_url + href)
    assert response.ok and response.headers["content-type"].startswith("text/csv")
    header, *rows = list(csv.reader(io.StringIO(response.text())))
    assert header[:3] == ["Source", "State", "Address Prefixes"]
    assert len(rows) == grid.locator("tbody tr").count() == 6

    _menu(tab, "Effective security rules", "effective-security-rules")
    expect(page.locator("#no-nsg")).to_be_visible()


def test_ip_flow_verify_and_next_hop_from_the_network_watcher(tab):
    sandbox = tab.sandbox()
    subnet = n.Subnet.objects.select_related("vnet").get(
        vnet__sandbox=sandbox, vnet__name="contoso-vnet", name="vm-subnet"
    )
    rg = sandbox.subscriptions.get().resource_groups.get(name="contoso-rg")
    nsgs.associate_subnet(nsgs.create_nsg(rg, name="vm-subnet-nsg", location="eastus"), subnet)

    tab.goto(watcher_url(sandbox.subscriptions.get()), "ip-flow-verify")
    page = tab.page
    expect(page.locator("h1.az-blade-title")).to_contain_text("Network Watcher | IP flow verify")

    # A typo first: the field says so, nothing breaks.
    page.locator("#nic-select").select_option(label=NIC_OPTION)
    page.locator("#local-ip").fill("10.0.1.5")
    page.locator("#local-port").fill("50000")
    page.locator("#remote-ip").fill("8.8.8.8")
    page.locator("#remote-port").fill("70000")
    page.locator("#check").click()
    tab.settle()
    expect(page.get_by_text("is not an IP address of contoso-vm01-nic")).to_be_visible()
    expect(page.get_by_text("Enter a port from 0 to 65535.")).to_be_visible()
    tab.shot("ip-flow-errors")

    page.locator("#local-ip").fill("10.0.1.4")
    page.locator("#remote-port").fill("443")
    result = _check(tab, "#check", "#ip-flow-result", "ip-flow-allowed")
    expect(result).to_have_attribute("data-access", "Allow")
    expect(result.locator("#access")).to_have_text("Access allowed")
    expect(result.locator("#security-rule")).to_have_text("defaultSecurityRules/AllowInternetOutBound")

    page.locator("#direction-inbound").check()
    page.locator("#local-port").fill("22")
    page.locator("#remote-port").fill("50000")
    result = _check(tab, "#check", "#ip-flow-result", "ip-flow-denied")
    expect(result.locator("#access")).to_have_text("Access denied")
    expect(result.locator("#security-rule")).to_have_text("defaultSecurityRules/DenyAllInBound")

    _menu(tab, "Next hop", "next-hop")
    page.locator("#nic-select").select_option(label=NIC_OPTION)
    page.locator("#source-ip").fill("10.0.1.4")
    page.locator("#destination-ip").fill("8.8.8.8")
    result = _check(tab, "#check-next-hop", "#next-hop-result", "next-hop-internet")
    expect(result.locator("#next-hop-type")).to_have_text("Internet")
    expect(result.locator("#route-table-id")).to_have_text("System Route")


def test_connection_troubleshoot_draws_the_path_and_marks_where_it_stops(tab):
    sandbox = tab.sandbox()
    subnet = n.Subnet.objects.select_related("vnet").get(
        vnet__sandbox=sandbox, vnet__name="contoso-vnet", name="vm-subnet"
    )
    rg = sandbox.subscriptions.get().resource_groups.get(name="contoso-rg")
    nsg = nsgs.create_nsg(rg, name="vm-subnet-nsg", location="eastus")
    nsgs.associate_subnet(nsg, subnet)
    n.NetworkInterface.objects.create(
        sandbox=sandbox,
        resource_group=rg,
        name="contoso-db01-nic",
        location="eastus",
        subnet=subnet.vnet.subnets.get(name="integration-subnet"),
        private_ip="10.0.2.10",
        vm_name="contoso-db01",
    )

    tab.goto(watcher_url(sandbox.subscriptions.get()), "ip-flow-verify")
    _menu(tab, "Connection troubleshoot", "connection-troubleshoot")
    page = tab.page
    expect(page.locator("h1.az-blade-title")).to_contain_text("Connection troubleshoot")
    page.locator("#source-vm").select_option(label=NIC_OPTION)
    page.locator("#destination").fill("10.0.2.10")
    page.locator("#destination-port").fill("1433")
    result = _check(tab, "#check-connection", "#connection-result", "connection-reachable")
    expect(result).to_have_attribute("data-status", "Reachable")
    expect(page.locator("#path .az-hop")).to_have_count(6)  # source, subnet, NSG, route, next hop, destination

    # Deny it on the VM's subnet: the same check now stops at the NSG, drawn in red.
    nsgs.add_rule(
        nsg,
        "Outbound",
        {
            "source": "Any",
            "source_ports": "*",
            "destination": "Any",
            "service": "Custom",
            "destination_ports": "1433",
            "protocol": "Tcp",
            "access": "Deny",
            "priority": "200",
            "name": "DenySqlPort",
            "description": "",
        },
    )
    result = _check(tab, "#check-connection", "#connection-result", "connection-blocked")
    expect(result).to_have_attribute("data-status", "Unreachable")
    blocked = page.locator("#path .az-hop-blocked")
    expect(blocked).to_have_attribute("data-kind", "Network security group")
    expect(blocked).to_contain_text("DenySqlPort")
    expect(page.locator("#connection-issue")).to_have_attribute("data-type", "NetworkSecurityRule")
