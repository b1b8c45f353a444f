"""The App Service blades that changed between the portal eras (issue #10):
each reads the Classic (2021) words and the Current (2026) ones
(portal-ui §2.2-2.4, ASVI-66, ASRT-07, CLASSIC-01)."""

import re

import pytest

from appservice import services
from appservice.models import VnetIntegration
from networking.models import VirtualNetwork
from portal.errors import AzureRuleError
from tests.helpers import HX, app_of, app_url, subnet_of

pytestmark = pytest.mark.django_db


def _current(client) -> None:
    client.sandbox.era = "current"
    client.sandbox.save()


def _integrate(client) -> None:
    sub = subnet_of(client, "contoso-vnet", "integration-subnet")
    services.add_regional_integration(app_of(client, "contoso-web"), sub.vnet, subnet=sub)


def _page(client, page: str, **extra) -> str:
    response = client.get(app_url(client, page, "contoso-web"), **extra)
    assert response.status_code == 200
    return response.content.decode()


# --- Networking blade (portal-ui §2.2, ASVI-66) ---------------------------------------------


def test_classic_networking_blade_keeps_the_2021_tiles(alice):
    html = _page(alice, "networking")
    for text in ("Inbound Traffic", "Outbound Traffic", "VNet integration", "Click here to configure"):
        assert text in html, text
    assert "traffic configuration" not in html


def test_current_networking_blade_has_the_traffic_configuration_groups_asvi_66(alice):
    _current(alice)
    html = _page(alice, "networking")
    for text in (
        "Inbound traffic configuration",
        "Public network access",
        "App assigned address",
        "Outbound traffic configuration",
        "Virtual network integration",
        "NAT gateway",
    ):
        assert text in html, text
    for old in ("Inbound Traffic<", "Outbound Traffic<", "VNet integration<", "Click here to configure"):
        assert old not in html, old
    assert app_url(alice, "vnet_integration", "contoso-web") in html


def test_current_networking_blade_names_the_integrated_subnet(alice):
    _current(alice)
    _integrate(alice)
    html = _page(alice, "networking")
    assert ">contoso-vnet/integration-subnet</a>" in html


# --- The integration page (ASVI-66) ---------------------------------------------------------


def test_classic_integration_page_body_says_vnet_integration_and_vnet_details(alice):
    assert ">VNet Integration</h2>" in _page(alice, "vnet_integration")
    _integrate(alice)
    html = _page(alice, "vnet_integration")
    assert ">VNet Details</h2>" in html and "<dt>VNet Name</dt>" in html


def test_current_integration_page_body_says_virtual_network_integration(alice):
    _current(alice)
    html = _page(alice, "vnet_integration")
    assert ">Virtual network integration</h2>" in html
    assert "VNet Integration" not in html
    _integrate(alice)
    html = _page(alice, "vnet_integration")
    assert "VNet Details" not in html and "VNet Name" not in html
    assert "<dt>Virtual network</dt>" in html


# --- The add pane (portal-ui §2.3) ----------------------------------------------------------


def test_classic_add_pane_is_network_feature_status_with_ok(alice):
    html = _page(alice, "add_vnet", **HX)
    assert "<h2>Network Feature Status</h2>" in html
    assert 'for="vnet-select"' in html and ">Virtual Network" in html
    assert "Click here to connect to a Classic VNet" in html
    assert 'id="add-vnet-ok" disabled>OK</button>' in html
    assert 'id="subscription-select"' not in html


def test_current_add_pane_has_subscription_virtual_network_subnet_and_connect(alice):
    _current(alice)
    html = _page(alice, "add_vnet", **HX)
    assert "<h2>Add virtual network integration</h2>" in html
    assert 'id="subscription-select"' in html and "Azure subscription 1" in html
    assert ">Virtual network" in html and ">Virtual Network" not in html
    assert 'id="add-vnet-ok" disabled>Connect</button>' in html
    assert "Network Feature Status" not in html
    assert "Click here to connect to a Classic VNet" not in html


def test_current_add_pane_connects_a_new_subnet(alice):
    _current(alice)
    vnet = VirtualNetwork.objects.get(sandbox=alice.sandbox, name="contoso-vnet")
    details = alice.get(app_url(alice, "add_vnet_details", "contoso-web"), {"vnet": vnet.pk}, **HX).content.decode()
    assert "Subnet name" in details and "Create new" in details
    assert ">Connect</button>" in details
    response = alice.post(
        app_url(alice, "add_vnet", "contoso-web"),
        {"vnet": vnet.pk, "subnet_mode": "new", "subnet_name": "apps", "subnet_prefix": "10.0.4.0/26"},
        **HX,
    )
    assert response.status_code == 200
    assert app_of(alice, "contoso-web").integration.subnet.name == "apps"



def _connect_through_the_pane(client) -> None:
    sub = subnet_of(client, "contoso-vnet", "integration-subnet")
    response = client.post(
        app_url(client, "add_vnet", "contoso-web"),
        {"vnet": sub.vnet_id, "subnet_mode": "existing", "subnet": sub.pk},
        **HX,
    )
    assert response.status_code == 200


def test_current_pane_turns_outbound_internet_traffic_on_asvi_67(alice):
    _current(alice)
    assert not app_of(alice, "contoso-web").vnet_route_all_enabled
    _connect_through_the_pane(alice)
    assert app_of(alice, "contoso-web").vnet_route_all_enabled
    html = _page(alice, "vnet_integration")
    assert re.search(r'id="outbound-internet-traffic" checked', html)
    assert 'data-route-all="all"' in html


def test_classic_pane_leaves_route_all_off_asvi_67(alice):
    _connect_through_the_pane(alice)
    assert not app_of(alice, "contoso-web").vnet_route_all_enabled
    assert 'data-route-all="rfc1918"' in _page(alice, "vnet_integration")


def test_a_join_outside_the_portal_leaves_outbound_routing_as_it_was_asvi_67(alice):
    """The CLI or a template joins without touching vnetRouteAllEnabled,
    whatever the era."""
    _current(alice)
    _integrate(alice)
    assert not app_of(alice, "contoso-web").vnet_route_all_enabled

# --- Classic VNets in the Current era (CLASSIC-01) --------------------------------------------


def test_current_era_refuses_a_classic_vnet_classic_01(alice):
    _current(alice)
    vnet = VirtualNetwork.objects.get(sandbox=alice.sandbox, name="contoso-classic-vnet")
    with pytest.raises(AzureRuleError) as refused:
        services.add_gateway_integration(app_of(alice, "contoso-web"), vnet)
    assert refused.value.rule_ids == ("CLASSIC-01",)
    assert "retired" in refused.value.message
    assert not VnetIntegration.objects.exists()


def test_current_era_classic_pane_refuses_through_the_service_classic_01(alice):
    _current(alice)
    vnet = VirtualNetwork.objects.get(sandbox=alice.sandbox, name="contoso-classic-vnet")
    pane = _page(alice, "add_classic_vnet", **HX)
    assert 'data-vnet="contoso-classic-vnet" data-enabled="false"' in pane and "CLASSIC-01" in pane
    response = alice.post(app_url(alice, "add_classic_vnet", "contoso-web"), {"vnet": vnet.pk}, **HX)
    assert response.status_code == 422
    assert "CLASSIC-01" in response.content.decode()
    assert not VnetIntegration.objects.exists()


def test_current_era_says_classic_networking_is_retired_where_the_link_was_classic_01(alice):
    _current(alice)
    for page, extra in (("add_vnet", HX), ("vnet_integration", {})):
        html = _page(alice, page, **extra)
        assert 'id="classic-retired"' in html and "CLASSIC-01" in html, page
        assert "retired" in html, page


def test_classic_era_still_connects_a_classic_vnet_seed_12(alice):
    vnet = VirtualNetwork.objects.get(sandbox=alice.sandbox, name="contoso-classic-vnet")
    assert services.add_gateway_integration(app_of(alice, "contoso-web"), vnet).vnet == vnet


# --- Route All (Classic) and Outbound internet traffic (Current), ASRT-07 ------------------------


def test_classic_route_all_is_a_switch_that_asks_in_the_yes_no_pane_asrt_07(alice):
    _integrate(alice)
    html = _page(alice, "vnet_integration")
    assert 'id="toggle-route-all" role="switch" aria-checked="false"' in html
    assert "hx-confirm" not in html
    assert ">Enable<" not in html
    pane = alice.get(app_url(alice, "route_all", "contoso-web"), {"enabled": "true"}, **HX).content.decode()
    assert "Enable Route All for &#x27;contoso-web&#x27;?" in pane
    assert 'id="confirm-route-all">Yes</button>' in pane and ">No</button>" in pane
    assert '<input type="hidden" name="enabled" value="true">' in pane
    assert app_of(alice, "contoso-web").vnet_route_all_enabled is None  # asking changes nothing
    response = alice.post(app_url(alice, "route_all", "contoso-web"), {"enabled": "true"}, **HX)
    assert 'aria-checked="true"' in response.content.decode()
    assert app_of(alice, "contoso-web").vnet_route_all_enabled is True


def test_current_outbound_internet_traffic_is_a_checkbox_under_application_routing_asrt_10(alice):
    _current(alice)
    _integrate(alice)
    html = _page(alice, "vnet_integration")
    assert "Application routing" in html and "Configuration routing" in html
    assert 'name="enabled" value="true" id="outbound-internet-traffic">' in html
    assert 'id="apply-routing">Apply</button>' in html
    assert "outboundVnetRouting.applicationTraffic" in html
    assert "toggle-route-all" not in html and "Add the app setting" not in html
    response = alice.post(app_url(alice, "route_all", "contoso-web"), {"enabled": "true"}, **HX)
    assert 'id="outbound-internet-traffic" checked>' in response.content.decode()
    assert app_of(alice, "contoso-web").vnet_route_all_enabled is True
    # Unticked, the box sends nothing: Apply turns the property off.
    alice.post(app_url(alice, "route_all", "contoso-web"), {}, **HX)
    assert app_of(alice, "contoso-web").vnet_route_all_enabled is False


# --- Configuration / Environment variables (portal-ui §2.4) -------------------------------------


def test_classic_configuration_is_application_settings_with_save(alice):
    html = _page(alice, "configuration")
    assert ">Application settings</a>" in html and "New application setting" in html
    assert '<i class="bi bi-floppy"></i> Save</button>' in html
    assert "Environment variables" not in html


def test_current_configuration_is_environment_variables_with_apply(alice):
    _current(alice)
    html = _page(alice, "configuration")
    assert '<span class="az-title-sep">|</span> Environment variables</h1>' in html
    assert ">App settings</a>" in html and "Connection strings" in html
    assert 'id="save-settings"' in html and ">Apply</button>" in html
    assert "bi-floppy" not in html and "New application setting" not in html
    assert ">Application settings</a>" not in html


def test_current_menu_names_the_page_environment_variables(alice):
    # The 2026 portal has both: app settings under "Environment variables",
    # General settings, Default documents and Path mappings under "Configuration".
    _current(alice)
    html = _page(alice, "overview")
    labels = re.findall(r'<span>([^<]+)</span></a>', html)
    assert labels[labels.index("Environment variables") :][:3] == ["Environment variables", "Configuration", "Networking"]
    assert re.search(r'href="[^"]+/configuration/general"[^>]*><i class="bi bi-sliders"></i><span>Configuration<', html)


def test_current_apply_asks_to_confirm(alice):
    _current(alice)
    app = app_of(alice, "contoso-web")
    url = app_url(alice, "save_settings", "contoso-web")
    pane = alice.post(url, {"base_version": app.settings_version}, **HX).content.decode()
    assert "<h2>Apply changes</h2>" in pane and 'id="confirm-save">Confirm</button>' in pane
