"""Issue #10: "Create virtual network" in the Current era (portal-ui §3.1
[newer]). The learner switches the era, then walks the wizard: Security's
"Enable Azure ..." boxes (drawn, not simulated), the address space editor
("Add an IP address space", "Starting address", "Address space size"),
"+ Add a subnet" opening the subnet editor whose "Subnet purpose" Virtual
Network Gateway names the subnet GatewaySubnet, an overlapping subnet
refused on its field (SUBNET-05), then the create."""

import pytest
from playwright.sync_api import expect

from networking.models import VirtualNetwork
from tests.e2e.flows import (
    create_and_open_deployment,
    open_marketplace_product,
    review_and_create,
    switch_era,
    wizard_click,
    wizard_tab,
)
from tests.e2e.support import Tab

pytestmark = pytest.mark.browser

VNET = "era-vnet"


def _editor(tab: Tab):
    editor = tab.page.locator("#subnet-editor")
    expect(editor).to_be_visible()
    return editor


def test_the_current_wizard_draws_the_space_editor_and_the_subnet_editor(tab):
    switch_era(tab, "current")
    open_marketplace_product(tab, "virtualnetwork", "current-wizard")
    page = tab.page
    page.locator("#name").fill(VNET)

    # Security comes second: the three services, each box disabled with its balloon.
    wizard_click(tab, page.locator("#next-button"), "security")
    expect(wizard_tab(tab, "security")).to_have_attribute("aria-selected", "true")
    for box, service in (
        ("#enable-bastion", "Azure Bastion"),
        ("#enable-firewall", "Azure Firewall"),
        ("#enable-ddos", "Azure DDoS Network Protection"),
    ):
        expect(page.locator(box)).to_be_disabled()
        expect(page.locator(box)).not_to_be_checked()
        balloon = page.locator(f"label[for={box[1:]}] .az-balloon")
        expect(balloon).to_have_attribute("title", f"VNet Lab doesn't simulate {service}.")

    # IP addresses: the default space as its start and size, its default subnet under it.
    wizard_click(tab, page.locator("#next-button"))
    expect(wizard_tab(tab, "ipaddresses")).to_have_text("IP addresses")
    expect(page.locator("#space-start-0")).to_have_value("10.0.0.0")
    expect(page.locator("#space-size-0 option:checked")).to_have_text("/16 (65,536 addresses)")
    expect(page.locator("#space-0-subnets tr[data-subnet=default]")).to_contain_text("10.0.0.0 - 10.0.0.255")
    wizard_click(tab, page.get_by_role("button", name="Add an IP address space"), "ip-addresses")
    expect(page.locator("#space-start-1")).to_have_value("10.1.0.0")

    # "+ Add a subnet" under the second space: the editor, its purpose fixing the name.
    wizard_click(tab, page.locator("#add-subnet-1"))
    editor = _editor(tab)
    expect(editor.locator("#subnet-start")).to_have_value("10.1.0.0")
    with page.expect_response(lambda r: "/create/" in r.url and r.request.method == "POST"):
        editor.locator("#subnet-purpose").select_option(label="Virtual Network Gateway")
    tab.settle()
    editor = _editor(tab)
    expect(editor.locator("#subnet-name")).to_have_value("GatewaySubnet")
    expect(editor.locator("#subnet-name")).to_have_attribute("readonly", "")
    editor.locator("#subnet-start").fill("10.1.255.0")
    editor.locator("#subnet-size").select_option("27")
    tab.shot("subnet-editor")
    wizard_click(tab, editor.locator("#subnet-editor-save"))
    expect(page.locator("#subnet-editor")).to_have_count(0)
    gateway = page.locator("#space-1-subnets tr[data-subnet=GatewaySubnet]")
    expect(gateway).to_contain_text("10.1.255.0 - 10.1.255.31")
    expect(gateway).to_contain_text("/27 (32 addresses)")

    # An overlapping subnet is refused on the editor's field, nothing added.
    wizard_click(tab, page.locator("#add-subnet-0"))
    editor = _editor(tab)
    editor.locator("#subnet-name").fill("apps")
    editor.locator("#subnet-start").fill("10.0.0.128")
    editor.locator("#subnet-size").select_option("25")
    wizard_click(tab, editor.locator("#subnet-editor-save"), "subnet-refused")
    editor = _editor(tab)
    error = editor.locator(".az-field:has(#subnet-start) .az-field-error")
    expect(error).to_contain_text("overlaps 'default (10.0.0.0/24)'")
    expect(error).to_contain_text("SUBNET-05")
    editor.locator("#subnet-start").fill("10.0.1.0")
    wizard_click(tab, editor.locator("#subnet-editor-save"))
    expect(page.locator("#space-0-subnets tr[data-subnet=apps]")).to_contain_text("10.0.1.0 - 10.0.1.127")

    banner = review_and_create(tab, "review")
    expect(banner).to_have_attribute("data-validation", "passed")
    expect(page.locator("#tab-review")).to_contain_text("10.0.0.0/16, 10.1.0.0/16")
    expect(page.locator("#tab-review")).to_contain_text("Azure DDoS Network Protection")
    create_and_open_deployment(tab)

    vnet = VirtualNetwork.objects.get(sandbox=tab.sandbox(), name=VNET)
    assert vnet.address_space == ["10.0.0.0/16", "10.1.0.0/16"]
    assert sorted(vnet.subnets.values_list("name", "address_prefix")) == [
        ("GatewaySubnet", "10.1.255.0/27"),
        ("apps", "10.0.1.0/25"),
        ("default", "10.0.0.0/24"),
    ]
