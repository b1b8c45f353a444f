"""The Networking blade, the VNet Configuration page and the Add VNet pane,
as a learner's browser talks to them."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from appservice import services
from appservice.models import AppSetting, VnetIntegration
from networking.models import APP_SERVICE_DELEGATION, Subnet, VirtualNetwork
from portal.models import ActivityLogEntry, Notification
from tests.helpers import HX, app_of, app_url, subnet_of, vnet_of
from tests.helpers.appservice import grow_apps

pytestmark = pytest.mark.django_db


def _integrate(client, app="contoso-web", subnet="integration-subnet"):
    sub = subnet_of(client, "contoso-vnet", subnet)
    return services.add_regional_integration(app_of(client, app), sub.vnet, subnet=sub)


# --- Networking blade -------------------------------------------------------------------


def test_it_shows_inbound_and_outbound_traffic_with_integration_not_configured(alice):
    response = alice.get(app_url(alice, "networking", "contoso-web"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Inbound Traffic" in html and "Outbound Traffic" in html
    assert "Not configured" in html
    assert "Click here to configure" in html
    assert app_url(alice, "vnet_integration", "contoso-web") in html


def test_it_shows_the_integrated_subnet_on_the_networking_blade(alice):
    _integrate(alice)
    html = alice.get(app_url(alice, "networking", "contoso-web")).content.decode()
    assert "contoso-vnet/integration-subnet" in html


def test_it_warns_that_the_free_tier_cant_integrate_err_03(alice):
    html = alice.get(app_url(alice, "networking", "contoso-dev")).content.decode()
    assert 'data-err="ERR-03"' in html
    assert "Free tier doesn&#x27;t support virtual network integration" in html


def test_it_says_an_ase_app_is_already_in_a_vnet_err_04(alice):
    html = alice.get(app_url(alice, "networking", "contoso-internal")).content.decode()
    assert 'data-err="ERR-04"' in html
    assert "already run inside a virtual network" in html


def test_an_outsider_gets_404_on_every_app_page(alice, bob):
    for page in ("overview", "networking", "vnet_integration", "add_vnet", "add_classic_vnet", "activity_log"):
        assert bob.get(app_url(alice, page, "contoso-web")).status_code == 404, page


def test_an_outsider_cant_integrate_or_restart_anothers_app(alice, bob):
    sub = subnet_of(alice, "contoso-vnet", "integration-subnet")
    url = app_url(alice, "add_vnet", "contoso-web")
    response = bob.post(url, {"vnet": sub.vnet_id, "subnet_mode": "existing", "subnet": sub.pk})
    assert response.status_code == 404
    assert bob.post(app_url(alice, "restart", "contoso-web")).status_code == 404
    assert not VnetIntegration.objects.exists()


def test_a_vnet_of_another_sandbox_cant_be_chosen(alice, bob):
    bobs = subnet_of(bob, "contoso-vnet", "integration-subnet")
    response = alice.post(
        app_url(alice, "add_vnet", "contoso-web"), {"vnet": bobs.vnet_id, "subnet_mode": "existing", "subnet": bobs.pk}
    )
    assert response.status_code == 422
    assert "Select a virtual network." in response.content.decode()
    assert not VnetIntegration.objects.exists()


@pytest.mark.parametrize("page", ["networking", "vnet_integration", "overview", "activity_log"])
def test_read_only_pages_refuse_post_with_405(alice, page):
    assert alice.post(app_url(alice, page, "contoso-web")).status_code == 405


def test_route_all_refuses_other_methods_with_405(alice):
    # Route All asks first: its GET is the Yes/No pane (test_era_blades).
    assert alice.put(app_url(alice, "route_all", "contoso-web")).status_code == 405


# --- VNet Configuration page ----------------------------------------------------------------


def test_vnet_integration_page_full_and_fragment(alice):
    url = app_url(alice, "vnet_integration", "contoso-web")
    full = alice.get(url)
    assert full.status_code == 200
    assert "<html" in full.content.decode()
    assert "VNet Configuration" in full.content.decode()  # ASVI-66 Classic title
    fragment = alice.get(url, **HX)
    assert "<html" not in fragment.content.decode()
    assert 'id="integration-panel"' in fragment.content.decode()
    assert "HX-Request" in full["Vary"]


def test_vnet_integration_page_uses_the_current_eras_words(alice):
    alice.sandbox.era = "current"
    alice.sandbox.save()
    html = alice.get(app_url(alice, "vnet_integration", "contoso-web")).content.decode()
    assert "Virtual network integration" in html
    assert "Add virtual network integration" in html


def test_it_shows_the_integrations_details_after_integrating(alice):
    _integrate(alice)
    html = alice.get(app_url(alice, "vnet_integration", "contoso-web")).content.decode()
    assert 'data-integrated="regional"' in html
    for text in (
        "contoso-vnet",
        "East US",
        "10.0.0.0/16",
        "integration-subnet",
        "10.0.2.0/26",
        "Regional",
        "Disconnect",
    ):
        assert text in html, text


def test_it_shows_gateway_required_details_and_no_route_all(alice):
    services.add_gateway_integration(app_of(alice, "contoso-web"), vnet_of(alice, "contoso-westus-vnet"))
    html = alice.get(app_url(alice, "vnet_integration", "contoso-web")).content.decode()
    assert 'data-integrated="gateway"' in html
    assert "Point-to-site address space" in html and "172.16.201.0/24" in html
    assert "Certificates in sync" in html
    assert "ASGW-13" in html
    assert "gateway-retirement" not in html  # ASGW-03: no banner in the Classic era


def _dns_lines(html: str) -> tuple[str, str]:
    servers = html.split('id="dns-servers">', 1)[1].split("</dd>", 1)[0]
    zones = html.split('id="private-zones"', 1)[1].split("</dd>", 1)[0]
    return servers, zones


def test_asgw_06_gateway_required_dns_text_names_the_dns_actually_used(alice):
    # Issue #10: with WEBSITE_DNS_SERVER set, the page listed it yet said the VNet's DNS was used.
    app = app_of(alice, "contoso-web")
    services.add_gateway_integration(app, vnet_of(alice, "contoso-westus-vnet"))
    servers, zones = _dns_lines(alice.get(app_url(alice, "vnet_integration", "contoso-web")).content.decode())
    assert "168.63.129.16" in servers and "ASGW-06" in servers
    assert "uses the virtual network&#x27;s DNS servers" in zones and "ASGW-06" in zones
    AppSetting.objects.create(app=app, name="WEBSITE_DNS_SERVER", value="168.63.129.16")
    servers, zones = _dns_lines(alice.get(app_url(alice, "vnet_integration", "contoso-web")).content.decode())
    assert "168.63.129.16" in servers and "WEBSITE_DNS_SERVER" in servers
    assert "WEBSITE_DNS_SERVER replaces the virtual network&#x27;s DNS servers" in zones
    assert "DNS servers only" not in zones and "ASGW-06, ASDNS-04" in zones


def test_current_era_shows_the_gateway_retirement_banner_asgw_03(alice):
    alice.sandbox.era = "current"
    alice.sandbox.save()
    services.add_gateway_integration(app_of(alice, "contoso-web"), vnet_of(alice, "contoso-westus-vnet"))
    html = alice.get(app_url(alice, "vnet_integration", "contoso-web")).content.decode()
    assert "31 March 2027" in html


# --- Add VNet pane ---------------------------------------------------------------------------


def test_add_vnet_pane_groups_same_region_first_then_other_regions_seed_09(alice):
    response = alice.get(app_url(alice, "add_vnet", "contoso-web"), **HX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    same = html.index('data-group="same-region"')
    other = html.index('data-group="other-regions"')
    assert same < html.index("contoso-vnet (contoso-rg)") < other < html.index("contoso-westus-vnet (West US)")
    assert "Click here to connect to a Classic VNet" in html
    assert 'id="add-vnet-ok" disabled' in html


def test_add_vnet_pane_is_a_page_without_htmx(alice):
    html = alice.get(app_url(alice, "add_vnet", "contoso-web")).content.decode()
    assert "<html" in html and "Network Feature Status" in html


def test_choosing_a_same_region_vnet_offers_new_or_existing_subnets(alice):
    vnet = vnet_of(alice, "contoso-vnet")
    html = alice.get(app_url(alice, "add_vnet_details", "contoso-web"), {"vnet": vnet.pk}, **HX).content.decode()
    assert "Create New Subnet" in html and "Select Existing" in html
    assert 'value="10.0.0.0/26"' in html  # the suggested free /26 (ASVI-23)
    assert 'id="add-vnet-footer" hx-swap-oob="true"' in html
    assert 'id="add-vnet-ok">OK' in html


def test_existing_subnets_show_why_they_cant_be_used(alice):
    vnet = vnet_of(alice, "contoso-vnet")
    html = alice.get(
        app_url(alice, "add_vnet_details", "contoso-web"), {"vnet": vnet.pk, "subnet_mode": "existing"}, **HX
    ).content.decode()
    assert 'data-subnet="integration-subnet" data-enabled="true"' in html
    for name, err in (("vm-subnet", "ERR-01"), ("tiny-subnet", "ERR-05"), ("sqlmi-subnet", "ERR-10")):
        assert f'data-subnet="{name}" data-enabled="false"' in html
        assert err in html


def test_an_other_region_vnet_without_gateway_explains_and_keeps_ok_disabled(alice):
    vnet = vnet_of(alice, "contoso-weu-vnet")
    html = alice.get(app_url(alice, "add_vnet_details", "contoso-web"), {"vnet": vnet.pk}, **HX).content.decode()
    assert 'id="gateway-problem"' in html and "ERR-18" in html
    assert "Create a route-based VPN gateway with point-to-site" in html
    assert 'id="add-vnet-ok" disabled' in html


def test_an_other_region_vnet_with_a_p2s_gateway_is_accepted(alice):
    vnet = vnet_of(alice, "contoso-westus-vnet")
    html = alice.get(app_url(alice, "add_vnet_details", "contoso-web"), {"vnet": vnet.pk}, **HX).content.decode()
    assert 'id="gateway-ok"' in html
    assert 'id="add-vnet-ok">OK' in html


def test_details_for_a_garbage_vnet_id_is_harmless(alice):
    response = alice.get(app_url(alice, "add_vnet_details", "contoso-web"), {"vnet": "x' OR 1=1"}, **HX)
    assert response.status_code == 200
    assert 'id="add-vnet-ok" disabled' in response.content.decode()


def test_ok_integrates_notifies_logs_and_answers_the_fresh_panel(alice):
    sub = subnet_of(alice, "contoso-vnet", "integration-subnet")
    response = alice.post(
        app_url(alice, "add_vnet", "contoso-web"),
        {"vnet": sub.vnet_id, "subnet_mode": "existing", "subnet": sub.pk},
        **HX,
    )
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#integration-panel"
    html = response.content.decode()
    assert 'data-integrated="regional"' in html
    assert 'data-status="Restarting"' in html
    assert 'id="context-pane" class="az-pane" hx-swap-oob="true"' in html  # the pane closes
    assert 'id="add-vnet"' in html and ' disabled hx-swap-oob="true"' in html  # one integration per app
    app = app_of(alice, "contoso-web")
    assert app.integration.subnet == sub
    titles = set(Notification.objects.filter(sandbox=alice.sandbox).values_list("title", flat=True))
    assert "Adding VNet Integration" in titles
    ops = set(ActivityLogEntry.objects.filter(resource_id=app.arm_id).values_list("operation_name", flat=True))
    assert {"Create or Update Web App VNet Connection", "Restart Web App"} <= ops


def test_ok_without_htmx_redirects_to_the_vnet_configuration_page(alice):
    response = alice.post(
        app_url(alice, "add_vnet", "contoso-web"),
        {
            "vnet": vnet_of(alice, "contoso-vnet").pk,
            "subnet_mode": "new",
            "subnet_name": "asp",
            "subnet_prefix": "10.0.4.0/26",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == app_url(alice, "vnet_integration", "contoso-web")
    assert subnet_of(alice, "contoso-vnet", "asp").delegation == APP_SERVICE_DELEGATION


@pytest.mark.parametrize(
    "fields, field_id, message",
    [
        ({"subnet_name": "asp", "subnet_prefix": "10.0.1.0/26"}, "subnet-prefix", "ERR-21"),
        ({"subnet_name": "asp", "subnet_prefix": "10.9.0.0/26"}, "subnet-prefix", "ERR-21"),
        ({"subnet_name": "asp", "subnet_prefix": "10.0.5.0/28"}, "subnet-prefix", "ASVI-22"),
        ({"subnet_name": "asp", "subnet_prefix": "not-a-cidr"}, "subnet-prefix", "is not a valid CIDR block"),
        (
            {"subnet_name": "asp", "subnet_prefix": "10.0.4.7/26"},
            "subnet-prefix",
            "Did you mean &#x27;10.0.4.0/26&#x27;",
        ),
        ({"subnet_name": "-bad name-", "subnet_prefix": "10.0.4.0/26"}, "subnet-name", "NAMING-03"),
        ({"subnet_name": "vm-subnet", "subnet_prefix": "10.0.4.0/26"}, "subnet-name", "already exists"),
        ({"subnet_name": "", "subnet_prefix": ""}, "subnet-name", "Subnet name is required"),
        ({"subnet_name": "ünïcødé", "subnet_prefix": "10.0.4.0/26"}, "subnet-name", "NAMING-03"),
    ],
)
def test_bad_new_subnet_input_is_shown_on_the_field_and_nothing_is_written(alice, fields, field_id, message):
    before = list(Subnet.objects.order_by("pk").values_list("pk", "name", "address_prefix", "delegation"))
    response = alice.post(
        app_url(alice, "add_vnet", "contoso-web"),
        {"vnet": vnet_of(alice, "contoso-vnet").pk, "subnet_mode": "new", **fields},
        **HX,
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert message in html
    field_block = html[: html.index(f'id="{field_id}"')].rsplit('class="az-field', 1)[1]
    assert field_block.startswith(" has-error")
    assert list(Subnet.objects.order_by("pk").values_list("pk", "name", "address_prefix", "delegation")) == before
    assert not VnetIntegration.objects.exists()


def test_choosing_an_unusable_existing_subnet_is_refused_on_the_form(alice):
    sub = subnet_of(alice, "contoso-vnet", "vm-subnet")
    response = alice.post(
        app_url(alice, "add_vnet", "contoso-web"),
        {"vnet": sub.vnet_id, "subnet_mode": "existing", "subnet": sub.pk},
        **HX,
    )
    assert response.status_code == 422
    assert "ERR-01" in response.content.decode()
    assert not VnetIntegration.objects.exists()


def test_existing_mode_without_a_subnet_asks_for_one(alice):
    response = alice.post(
        app_url(alice, "add_vnet", "contoso-web"),
        {"vnet": vnet_of(alice, "contoso-vnet").pk, "subnet_mode": "existing"},
        **HX,
    )
    assert response.status_code == 422
    assert "Select a subnet." in response.content.decode()


def test_other_region_ok_creates_gateway_required_integration(alice):
    response = alice.post(
        app_url(alice, "add_vnet", "contoso-web"), {"vnet": vnet_of(alice, "contoso-westus-vnet").pk}, **HX
    )
    assert response.status_code == 200
    assert app_of(alice, "contoso-web").integration.kind == VnetIntegration.GATEWAY


def test_posting_without_csrf_token_is_refused(alice):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.cookies = alice.cookies
    sub = subnet_of(alice, "contoso-vnet", "integration-subnet")
    response = strict.post(
        app_url(alice, "add_vnet", "contoso-web"), {"vnet": sub.vnet_id, "subnet_mode": "existing", "subnet": sub.pk}
    )
    assert response.status_code == 403
    assert not VnetIntegration.objects.exists()


# --- Classic VNet pane -------------------------------------------------------------------------


def test_classic_pane_lists_classic_vnets_and_disables_those_without_p2s(alice):
    html = alice.get(app_url(alice, "add_classic_vnet", "contoso-web"), **HX).content.decode()
    assert 'data-vnet="contoso-classic-vnet" data-enabled="true"' in html
    assert 'data-vnet="legacy-classic-vnet" data-enabled="false"' in html
    assert "SEED-12" in html


def test_classic_pane_integrates_through_the_gateway(alice):
    vnet = VirtualNetwork.objects.get(sandbox=alice.sandbox, name="contoso-classic-vnet")
    response = alice.post(app_url(alice, "add_classic_vnet", "contoso-web"), {"vnet": vnet.pk}, **HX)
    assert response.status_code == 200
    assert app_of(alice, "contoso-web").integration.vnet == vnet


def test_classic_pane_refuses_a_classic_vnet_without_gateway(alice):
    vnet = VirtualNetwork.objects.get(sandbox=alice.sandbox, name="legacy-classic-vnet")
    response = alice.post(app_url(alice, "add_classic_vnet", "contoso-web"), {"vnet": vnet.pk}, **HX)
    assert response.status_code == 422
    assert "ERR-18" in response.content.decode()
    assert not VnetIntegration.objects.exists()


# --- Disconnect and route all ---------------------------------------------------------------------


def test_disconnect_asks_then_removes_the_integration_and_restarts(alice):
    _integrate(alice)
    pane = alice.get(app_url(alice, "disconnect", "contoso-web"), **HX).content.decode()
    assert "The app restarts" in pane and "delegation" in pane
    response = alice.post(app_url(alice, "disconnect", "contoso-web"), **HX)
    assert response.status_code == 200
    assert 'data-integrated="none"' in response.content.decode()
    assert not VnetIntegration.objects.exists()
    assert subnet_of(alice, "contoso-vnet", "integration-subnet").delegation == APP_SERVICE_DELEGATION


def test_disconnect_when_not_integrated_is_404(alice):
    assert alice.get(app_url(alice, "disconnect", "contoso-web")).status_code == 404
    assert alice.post(app_url(alice, "disconnect", "contoso-web")).status_code == 404


def test_route_all_toggle_sets_the_site_property_asrt_06(alice):
    _integrate(alice)
    response = alice.post(app_url(alice, "route_all", "contoso-web"), {"enabled": "true"}, **HX)
    assert 'data-route-all="all"' in response.content.decode()
    assert app_of(alice, "contoso-web").vnet_route_all_enabled is True


# --- Query counts stay flat as the sandbox grows ------------------------------------------------


def _queries(client, url, **extra) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, **extra).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "page, extra",
    [("networking", {}), ("vnet_integration", {}), ("add_vnet", HX), ("overview", {})],
)
def test_app_pages_query_count_does_not_grow_with_the_sandbox(alice, page, extra, django_assert_num_queries):
    url = app_url(alice, page, "contoso-web")
    grow_apps(alice, 2)
    small = _queries(alice, url, **extra)
    grow_apps(alice, 12)
    with django_assert_num_queries(small):
        alice.get(url, **extra)


def test_all_resources_query_count_does_not_grow_with_the_sandbox(alice, django_assert_num_queries):
    grow_apps(alice, 2)
    small = _queries(alice, "/resources/")
    grow_apps(alice, 12)
    with django_assert_num_queries(small):
        alice.get("/resources/")
