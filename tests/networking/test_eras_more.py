"""More blades that follow the portal era (issue #10, docs/fidelity.md "Eras:
blade by blade"): the Subnets grid's "NAT gateway" column (portal-ui §3.3),
IP flow verify's "Target resource type" (§8, NW-01), the header's
"Directories + subscriptions" (§1.1) and the gateway wizard's Standard public
IPs, availability zone and active-active second public IP (§6; VPNGW-01 to
VPNGW-03, lab-defined). Each reads the labels in Classic, then in Current."""

import json

import pytest
from django.urls import reverse

from networking.models import VirtualNetworkGateway
from networking.services import nat as nat_services
from networking.views.watcher import watcher_url
from portal.eras import CLASSIC, CURRENT
from tests.helpers import HX
from tests.helpers.gateways import create_url, gateway_form, make_vnet, rg_of
from tests.helpers.vnets import vnet_url
from tests.helpers.watcher import packet, seed_nic, seed_vm_subnet

pytestmark = pytest.mark.django_db


def _current(client) -> None:
    client.post("/sandbox/era/", {"era": "current"})


def test_the_rulesets_differ_on_these_blades():
    for value in (
        "subnets_nat_gateway_column",
        "ip_flow_target_type",
        "directories_subscriptions_button",
        "gateway_standard_public_ip",
    ):
        assert getattr(CLASSIC, value) is False and getattr(CURRENT, value) is True, value


# --- Subnets grid: "NAT gateway" (portal-ui §3.3, NAT-01) ------------------------------------


def test_the_subnets_grid_has_a_nat_gateway_column_in_current_only_nat_01(alice):
    nat = nat_services.create_nat_gateway(
        rg_of(alice), nat_services.NatGatewaySpec(name="contoso-nat", location="eastus")
    )
    nat_services.associate_subnet(nat, seed_vm_subnet(alice))
    html = alice.get(vnet_url(alice, "vnet_subnets")).content.decode()
    assert "<th>NAT gateway</th>" not in html and "data-nat-gateway" not in html
    _current(alice)
    html = alice.get(vnet_url(alice, "vnet_subnets")).content.decode()
    assert "<th>NAT gateway</th>" in html
    assert "<td data-nat-gateway>contoso-nat</td>" in html
    assert "<td data-nat-gateway>-</td>" in html  # the other subnets have none


# --- IP flow verify: "Target resource type" (portal-ui §8, NW-01) -----------------------------


def _ip_flow_url(client) -> str:
    return watcher_url(client.sandbox.subscriptions.get())


def _flow(client, **fields) -> dict:
    return packet(**fields)


def test_classic_ip_flow_verify_keeps_its_one_picker_nw_01(alice):
    html = alice.get(_ip_flow_url(alice)).content.decode()
    assert "Virtual machine / Network interface" in html
    assert "Target resource type" not in html and "Packet details" not in html
    assert ">Check</button>" in html


def test_current_ip_flow_verify_asks_the_target_resource_type_nw_01(alice):
    _current(alice)
    html = alice.get(_ip_flow_url(alice)).content.decode()
    for label in ("Target resource", "Target resource type", "Virtual machine", "Network interface", "Packet details"):
        assert label in html, label
    assert 'id="target-type-vm"' in html and 'id="target-type-nic"' in html
    assert 'id="target-vm"' in html
    assert "Virtual machine / Network interface" not in html
    assert ">Verify IP flow</button>" in html


def test_current_by_virtual_machine_picks_its_one_nic_and_runs_the_same_check_nw_01(alice):
    _current(alice)
    nic = seed_nic(alice)
    vm = str(nic.vm_id) if nic.vm_id else f"name:{nic.vm_name}"
    html = alice.get(_ip_flow_url(alice), _flow(alice, target_type="vm", vm=vm), **HX).content.decode()
    assert 'id="ip-flow-result"' in html and "Access allowed" in html
    classic_like = alice.get(_ip_flow_url(alice), _flow(alice, target_type="nic", nic=str(nic.pk)), **HX)
    assert "Access allowed" in classic_like.content.decode()


def test_current_by_virtual_machine_needs_a_virtual_machine_nw_01(alice):
    _current(alice)
    response = alice.get(_ip_flow_url(alice), _flow(alice, target_type="vm"), **HX)
    assert response.status_code == 422
    assert "Choose a virtual machine. [NW-01]" in response.content.decode()


def test_current_by_network_interface_needs_one_and_hides_the_vm_picker_nw_01(alice):
    _current(alice)
    response = alice.get(_ip_flow_url(alice), _flow(alice, target_type="nic"), **HX)
    html = response.content.decode()
    assert response.status_code == 422
    assert "Choose a network interface. [NW-01]" in html
    assert 'id="target-vm"' not in html


def test_a_redraw_narrows_the_pickers_without_running_the_check(alice):
    _current(alice)
    nic = seed_nic(alice)
    vm = str(nic.vm_id) if nic.vm_id else f"name:{nic.vm_name}"
    response = alice.get(_ip_flow_url(alice), {"target_type": "vm", "vm": vm, "redraw": "1"}, **HX)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="ip-flow-result"' not in html and "[NW-01]" not in html
    assert f'<option value="{nic.pk}" selected>' in html  # its one NIC, picked


def test_a_nic_of_another_vm_is_refused_nw_01(alice):
    _current(alice)
    nic = seed_nic(alice)
    vm = str(nic.vm_id) if nic.vm_id else f"name:{nic.vm_name}"
    response = alice.get(_ip_flow_url(alice), _flow(alice, target_type="vm", vm=vm, nic="999999"), **HX)
    assert response.status_code == 422
    assert "Choose a network interface of the virtual machine. [NW-01]" in response.content.decode()


# --- Header: "Directories + subscriptions" (portal-ui §1.1) -----------------------------------


def test_the_header_has_directories_and_subscriptions_in_current_only(alice):
    html = alice.get("/").content.decode()
    assert 'id="directories-button"' not in html and 'title="Directory + subscription"' in html
    _current(alice)
    html = alice.get("/").content.decode()
    assert 'id="directories-button"' in html and 'title="Directories + subscriptions"' in html
    assert "Copilot" not in html  # unconfirmed (portal-ui §1.1): not drawn


def test_the_directories_pane_lists_the_directory_and_the_subscription_with_its_id(alice):
    _current(alice)
    subscription = alice.sandbox.subscriptions.get()
    html = alice.get(reverse("directories"), **HX).content.decode()
    assert "Directories + subscriptions" in html and "Default Directory" in html
    assert "Azure subscription 1" in html and str(subscription.subscription_id) in html
    assert "<html" not in html  # a pane for htmx
    assert alice.get(reverse("directories")).status_code == 200  # and a page without it


# --- Create virtual network gateway: public IPs (portal-ui §6) --------------------------------


def _gateway_form(client, vnet, **overrides) -> dict:
    """An active-active VpnGw2AZ gateway with both public IPs, zone-redundant."""
    fields = {
        "sku": "VpnGw2AZ",
        "generation": "Generation2",
        "public_ip_name": "hub-vpngw-pip1",
        "active_active": "Enabled",
        "second_public_ip_name": "hub-vpngw-pip2",
        "availability_zone": "Zone-redundant",
    }
    return gateway_form(client, vnet, **{**fields, **overrides})


@pytest.fixture
def hub(alice):
    return make_vnet(alice, "hub-vnet", "10.50.0.0/16")


def test_classic_gateway_wizard_is_unchanged(alice, hub):
    data = _gateway_form(alice, hub, action="stay")
    html = alice.post(create_url(alice, "gateway_create"), data, **HX).content.decode()
    for label in ("Public IP address SKU", "Availability zone", "Second Public IP address name"):
        assert label not in html, label


def test_current_gateway_wizard_shows_standard_zone_and_second_ip_vpngw_01_02_03(alice, hub):
    _current(alice)
    data = _gateway_form(alice, hub, action="stay")
    html = alice.post(create_url(alice, "gateway_create"), data, **HX).content.decode()
    assert 'id="public-ip-sku">Standard' in html and "VPNGW-03" in html
    assert 'id="availability-zone"' in html and "Zone-redundant" in html
    assert 'id="second-public-ip-name"' in html and "Second Public IP address name" in html
    # Not an AZ SKU, active-active off: neither shows.
    data = _gateway_form(alice, hub, action="stay", sku="VpnGw2", active_active="Disabled")
    html = alice.post(create_url(alice, "gateway_create"), data, **HX).content.decode()
    assert 'id="public-ip-sku">Standard' in html
    assert 'id="availability-zone"' not in html and 'id="second-public-ip-name"' not in html


def test_an_active_active_gateway_created_in_current_has_two_public_ips_vpngw_01(alice, hub):
    _current(alice)
    response = alice.post(create_url(alice, "gateway_create"), _gateway_form(alice, hub), **HX)
    assert response.status_code in (200, 204, 302), response.content.decode()[:2000]
    gateway = VirtualNetworkGateway.objects.get(sandbox=alice.sandbox, name="hub-vpngw")
    assert gateway.active_active and gateway.public_ip_sku == "Standard"
    assert gateway.availability_zone == "Zone-redundant"
    assert gateway.public_ip_names == ["hub-vpngw-pip1", "hub-vpngw-pip2"]
    from networking.arm_services import gateway_to_arm

    configs = gateway_to_arm(gateway)["properties"]["ipConfigurations"]
    assert [c["properties"]["publicIPAddress"]["id"].rsplit("/", 1)[1] for c in configs] == [
        "hub-vpngw-pip1",
        "hub-vpngw-pip2",
    ]
    json.dumps(configs)


def test_current_active_active_needs_a_second_name_unlike_the_first_vpngw_01(alice, hub):
    _current(alice)
    url = create_url(alice, "gateway_create")
    for second, text in (
        ("", "Second Public IP address name is required"),
        ("HUB-vpngw-pip1", "already the first public IP address&#x27;s name"),
        ("bad name!", "The name can contain only"),
    ):
        response = alice.post(url, _gateway_form(alice, hub, second_public_ip_name=second), **HX)
        html = response.content.decode()
        assert text in html, (second, html[:3000])
        assert response.status_code == 422
        assert not VirtualNetworkGateway.objects.filter(sandbox=alice.sandbox, name="hub-vpngw").exists()


def test_an_availability_zone_needs_an_az_sku_vpngw_02(alice, hub):
    from networking.services import gateways as services
    from portal.errors import AzureRuleError

    spec = services.GatewaySpec(
        name="gw", location="eastus", vnet=hub, sku="VpnGw2", availability_zone="Zone-redundant"
    )
    with pytest.raises(AzureRuleError) as refused:
        services.check_gateway_public_ips(spec)
    assert "VPNGW-02" in refused.value.rule_ids
    with pytest.raises(AzureRuleError):
        services.check_gateway_public_ips(
            services.GatewaySpec(name="gw", location="eastus", vnet=hub, sku="VpnGw2AZ", availability_zone="4")
        )
