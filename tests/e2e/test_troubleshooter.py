"""The app's Network troubleshooter in a browser: the learner types a host
and a port and sees where the packet goes, step by step, with the blocking
step highlighted and a fix."""

import pytest
from playwright.sync_api import expect

from tests.e2e.flows import integrate_existing_subnet, open_blade

pytestmark = pytest.mark.browser


def _test(tab, host, port, step):
    page = tab.page
    page.fill("#host", host)
    page.fill("#port", str(port))
    page.click("#run-test")
    tab.settle()
    expect(page.locator("#verdict")).to_be_visible()
    tab.shot(step)
    return page.locator("#verdict")


def test_the_troubleshooter_follows_the_packet_and_names_the_blocking_step(tab):
    open_blade(tab, "contoso-web", "troubleshoot", "troubleshooter")
    page = tab.page
    expect(page.locator("h1")).to_contain_text("Network troubleshooter")

    # Not integrated yet: a VM's private address is out of reach (SEED-08).
    verdict = _test(tab, "10.0.1.4", 22, "not-integrated")
    expect(verdict).to_have_attribute("data-verdict", "Blocked")
    expect(verdict).to_have_attribute("data-step", "Enter the virtual network")
    expect(page.locator("#fix")).to_contain_text("Integrate the app")
    # The diagram stops at the app itself: the packet never enters a VNet.
    expect(page.locator("#path .az-hop-blocked")).to_have_attribute("data-kind", "Source")
    expect(page.locator("#path .az-hop-blocked")).to_contain_text("contoso-web")
    expect(page.locator("#path .az-hop")).to_have_count(1)
    expect(page.locator("#trace-steps")).to_contain_text("SEED-08")

    # Integrate, then the same test reaches the VM from an integration-subnet address.
    open_blade(tab, "contoso-web", "vnet_integration")
    integrate_existing_subnet(tab)
    open_blade(tab, "contoso-web", "troubleshoot")
    verdict = _test(tab, "10.0.1.4", 22, "integrated")
    expect(verdict).to_have_attribute("data-verdict", "Reachable")
    expect(verdict).to_contain_text("10.0.2.")
    expect(page.locator("#path .az-hop-blocked")).to_have_count(0)
    expect(page.locator('#path .az-hop[data-kind="Subnet"]')).to_contain_text("integration-subnet")
    expect(page.locator('#path .az-hop[data-kind="Destination"]')).to_contain_text("10.0.1.4")

    # Port 25 can't use regional integration in the Classic era (SEED-19).
    verdict = _test(tab, "www.contoso.com", 25, "port-25")
    expect(verdict).to_have_attribute("data-verdict", "Blocked")
    expect(page.locator("#trace-steps")).to_contain_text("SEED-19")


def test_bad_input_stays_on_the_fields(tab):
    open_blade(tab, "contoso-web", "troubleshoot")
    page = tab.page
    page.fill("#host", "")
    page.fill("#port", "70000")
    page.click("#run-test")
    tab.settle()
    expect(page.get_by_text("Enter a host name or an IPv4 address.")).to_be_visible()
    expect(page.get_by_text("Enter a port from 1 to 65535.")).to_be_visible()
