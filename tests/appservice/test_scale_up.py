"""Scale up (App Service plan): the Spec Picker on the app and on the plan,
what each tier offers for VNet integration per era (ASVI-10, ASVI-12,
ASVI-13), and what Azure refuses."""

import re

import pytest
from django.urls import reverse

from appservice import services
from appservice.models import AppServicePlan
from portal.access import blade_kwargs
from portal.models import ActivityLogEntry, Notification
from tests.helpers import HX, app_of, app_url, subnet_of

pytestmark = pytest.mark.django_db


def _plan(client, name):
    return AppServicePlan.objects.select_related("resource_group__subscription").get(sandbox=client.sandbox, name=name)


def _plan_url(client, name, page="plan_scale_up"):
    return reverse(f"appservice:{page}", kwargs=blade_kwargs(_plan(client, name)))


def _card(html, sku):
    match = re.search(rf'<label class="az-card[^"]*" data-sku="{sku}"[^>]*>.*?</label>', html, re.S)
    assert match, sku
    return match.group(0)


def _integrate(client, app="contoso-web"):
    sub = subnet_of(client, "contoso-vnet", "integration-subnet")
    return services.add_regional_integration(app_of(client, app), sub.vnet, subnet=sub)


# --- The page -------------------------------------------------------------------------------


def test_the_app_page_shows_the_spec_picker_on_the_current_tier(alice):
    response = alice.get(app_url(alice, "scale_up", "contoso-web"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Scale up (App Service plan)" in html
    for tab in ("Dev / Test", "Production", "Isolated"):
        assert f">{tab}</a>" in html
    assert 'data-tab="production" href' in html and 'class="nav-link active" role="tab" aria-selected="true" data-tab="production"' in html
    assert "Recommended pricing tiers" in html and ">Apply<" in html
    s1 = _card(html, "S1")
    assert "Standard" in s1 and "Current" in s1 and "checked" in s1
    assert 'data-vnet="yes"' in s1 and "ASVI-10" in s1
    assert 'id="current-sku">S1 (Standard)' in html


def test_each_tab_lists_its_skus(alice):
    url = app_url(alice, "scale_up", "contoso-web")
    dev = alice.get(url, {"tab": "dev-test"}, **HX).content.decode()
    assert re.findall(r'data-sku="([^"]+)"', dev) == ["F1", "D1", "B1", "B2", "B3"]
    isolated = alice.get(url, {"tab": "isolated"}, **HX).content.decode()
    assert re.findall(r'data-sku="([^"]+)"', isolated) == ["I1", "I1V2"]


def test_basic_has_vnet_integration_only_in_the_current_era_asvi_10(alice):
    url = app_url(alice, "scale_up", "contoso-web")
    classic = alice.get(url, {"tab": "dev-test"}).content.decode()
    assert 'data-vnet="no"' in _card(classic, "B1")
    assert "ASVI-10, ASVI-13" in _card(classic, "F1")
    alice.sandbox.era = "current"
    alice.sandbox.save(update_fields=["era"])
    current = alice.get(url, {"tab": "dev-test"}).content.decode()
    assert 'data-vnet="yes"' in _card(current, "B1")
    assert 'data-vnet="no"' in _card(current, "F1")


def test_isolated_tiers_are_unavailable_to_a_multitenant_plan_asvi_12(alice):
    html = alice.get(app_url(alice, "scale_up", "contoso-web"), {"tab": "isolated"}).content.decode()
    i1 = _card(html, "I1")
    assert 'data-enabled="false"' in i1 and " disabled" in i1
    assert "Learn more: ASVI-12" in i1


def test_htmx_gets_only_the_picker_and_a_full_page_otherwise(alice):
    url = app_url(alice, "scale_up", "contoso-web")
    assert "<html" in alice.get(url).content.decode()
    fragment = alice.get(url, **HX)
    html = fragment.content.decode()
    assert "<html" not in html and html.lstrip().startswith('<form id="spec-picker"')
    assert "HX-Request" in fragment["Vary"]


def test_the_picker_costs_a_bounded_number_of_queries(alice, django_assert_max_num_queries):
    _integrate(alice)
    with django_assert_max_num_queries(14):
        alice.get(app_url(alice, "scale_up", "contoso-web"))


def test_an_outsider_gets_404_and_cant_scale(alice, bob):
    assert bob.get(app_url(alice, "scale_up", "contoso-web")).status_code == 404
    assert bob.post(app_url(alice, "scale_up", "contoso-web"), {"sku": "P1V3"}).status_code == 404
    assert bob.get(_plan_url(alice, "contoso-s1-plan")).status_code == 404
    assert bob.post(_plan_url(alice, "contoso-s1-plan"), {"sku": "P1V3"}).status_code == 404
    assert _plan(alice, "contoso-s1-plan").sku == "S1"


def test_wrong_methods_get_405(alice):
    assert alice.put(app_url(alice, "scale_up", "contoso-web")).status_code == 405
    assert alice.delete(_plan_url(alice, "contoso-s1-plan")).status_code == 405


# --- Apply ---------------------------------------------------------------------------------


def test_apply_scales_the_plan_notifies_and_logs(alice):
    response = alice.post(app_url(alice, "scale_up", "contoso-web"), {"sku": "P1V3", "tab": "production"}, **HX)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="current-sku">P1V3 (Premium V3)' in html
    assert 'id="scale-done"' in html
    plan = _plan(alice, "contoso-s1-plan")
    assert plan.sku == "P1V3"
    assert Notification.objects.filter(sandbox=alice.sandbox, title="Successfully updated App Service plan").exists()
    assert ActivityLogEntry.objects.filter(resource_id=plan.arm_id, operation_name="Update App Service plan").exists()


def test_apply_without_htmx_redirects_back(alice):
    url = app_url(alice, "scale_up", "contoso-web")
    response = alice.post(url, {"sku": "S2"})
    assert response.status_code == 302 and response["Location"] == url
    assert _plan(alice, "contoso-s1-plan").sku == "S2"


def test_scaling_the_free_plan_up_clears_the_networking_warning_err_03(alice):
    networking = app_url(alice, "networking", "contoso-dev")
    html = alice.get(networking).content.decode()
    assert 'data-err="ERR-03"' in html
    assert f'<a href="{app_url(alice, "scale_up", "contoso-dev")}">Scale up (App Service plan)</a>' in html
    alice.post(app_url(alice, "scale_up", "contoso-dev"), {"sku": "S1"})
    assert 'data-err="ERR-03"' not in alice.get(networking).content.decode()


def test_it_refuses_isolated_for_a_multitenant_plan_asvi_12(alice):
    response = alice.post(app_url(alice, "scale_up", "contoso-web"), {"sku": "I1V2"}, **HX)
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="scale-error" data-rule="ASVI-12 SEED-04"' in html
    assert "multitenant plan" in html
    assert _plan(alice, "contoso-s1-plan").sku == "S1"


def test_it_refuses_leaving_isolated_for_a_plan_in_an_ase_asvi_12(alice):
    response = alice.post(app_url(alice, "scale_up", "contoso-internal"), {"sku": "P1V3"}, **HX)
    assert response.status_code == 422
    assert "App Service Environment &#x27;contoso-ase&#x27;" in response.content.decode()
    assert _plan(alice, "contoso-ase-plan").sku == "I1V2"


def test_it_refuses_an_unknown_or_missing_sku(alice):
    for sku in ("X9", ""):
        response = alice.post(app_url(alice, "scale_up", "contoso-web"), {"sku": sku}, **HX)
        assert response.status_code == 422
        assert "Learn more: ASVI-10" in response.content.decode()
    assert _plan(alice, "contoso-s1-plan").sku == "S1"


def test_it_refuses_scaling_an_integrated_apps_plan_below_vnet_integration_asvi_10_err_03(alice):
    """Azure refuses while the integration is in use: the learner must
    disconnect first. Classic Basic has no VNet integration."""
    _integrate(alice)
    response = alice.post(app_url(alice, "scale_up", "contoso-web"), {"sku": "B1"}, **HX)
    assert response.status_code == 422
    html = response.content.decode()
    assert 'data-err="ERR-03"' in html
    assert "App &#x27;contoso-web&#x27; uses virtual network integration with &#x27;contoso-vnet/integration-subnet&#x27;" in html
    assert "The Basic tier doesn&#x27;t support virtual network integration." in html
    assert "Learn more: ERR-03, ASVI-10" in html
    assert _plan(alice, "contoso-s1-plan").sku == "S1"


def test_free_and_shared_cite_asvi_13_too(alice):
    _integrate(alice)
    with pytest.raises(services.AzureRuleError) as exc:
        services.scale_plan(_plan(alice, "contoso-s1-plan"), "F1")
    assert exc.value.err_id == "ERR-03"
    assert exc.value.rule_ids == ("ASVI-10", "ASVI-13")


def test_the_integrated_plan_can_go_to_basic_in_the_current_era_asvi_10(alice):
    alice.sandbox.era = "current"
    alice.sandbox.save(update_fields=["era"])
    _integrate(alice)
    html = alice.get(app_url(alice, "scale_up", "contoso-web"), {"tab": "dev-test"}).content.decode()
    assert 'data-enabled="true"' in _card(html, "B1")
    assert 'data-enabled="false"' in _card(html, "F1")
    assert "ASVI-27" in html
    alice.post(app_url(alice, "scale_up", "contoso-web"), {"sku": "B1"})
    assert _plan(alice, "contoso-s1-plan").sku == "B1"


# --- The plan's own blade ---------------------------------------------------------------------


def test_the_plan_blade_has_a_scale_up_menu_item_and_page(alice):
    overview = alice.get(_plan_url(alice, "contoso-p1v3-plan", "plan_overview")).content.decode()
    assert f'href="{_plan_url(alice, "contoso-p1v3-plan")}"' in overview and "<span>Scale up</span>" in overview
    page = alice.get(_plan_url(alice, "contoso-p1v3-plan"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'aria-current="page"><i class="bi bi-arrow-up-square"></i><span>Scale up</span>' in html
    assert "checked" in _card(html, "P1V3")


def test_applying_on_the_plan_blade_scales_that_plan(alice):
    response = alice.post(_plan_url(alice, "contoso-p1v3-plan"), {"sku": "P2V3"}, **HX)
    assert response.status_code == 200
    assert _plan(alice, "contoso-p1v3-plan").sku == "P2V3"


# --- The portal's casing, See additional options, Included features and hardware (issue #10) ----


def _section(html, dom_id):
    match = re.search(rf'<section class="[^"]*" id="{dom_id}".*?</section>', html, re.S)
    assert match, dom_id
    return match.group(0)


def _feature(html, name):
    match = re.search(rf'data-feature="{re.escape(name)}"><dt>.*?</dt><dd>(.*?)</dd>', html, re.S)
    assert match, name
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


@pytest.mark.parametrize("era", ["classic", "current"])
def test_the_cards_write_the_sizes_as_the_spec_picker_does(alice, era):
    alice.sandbox.era = era
    alice.sandbox.save(update_fields=["era"])
    html = alice.get(app_url(alice, "scale_up", "contoso-api")).content.decode()
    assert '<strong class="fs-6">P1V2</strong>' in html and '<strong class="fs-6">P1V3</strong>' in html
    assert 'id="current-sku">P1V3 (Premium V3)' in html
    assert "P1v" not in _card(html, "P1V3") and "P1v" not in _card(html, "P2V2")


def test_production_recommends_premium_and_keeps_standard_behind_see_additional_options(alice):
    html = alice.get(app_url(alice, "scale_up", "contoso-api")).content.decode()
    recommended, more = html.split('id="more-tiers"')
    assert re.findall(r'data-sku="([^"]+)"', recommended) == ["P1V2", "P2V2", "P3V2", "P1V3", "P2V3", "P3V3"]
    assert re.findall(r'data-sku="([^"]+)"', more) == ["S1", "S2", "S3"]
    assert '<details id="more-tiers" class="mt-2">' in html  # closed: the plan's P1V3 is recommended
    assert ">See additional options</summary>" in html


def test_the_additional_options_are_open_when_the_plans_tier_is_among_them(alice):
    html = alice.get(app_url(alice, "scale_up", "contoso-web")).content.decode()
    assert '<details id="more-tiers" class="mt-2" open>' in html
    assert "checked" in _card(html, "S1")


def test_an_f1_plan_opens_on_dev_test_with_f1_d1_b1_recommended(alice):
    html = alice.get(app_url(alice, "scale_up", "contoso-dev")).content.decode()
    assert 'class="nav-link active" role="tab" aria-selected="true" data-tab="dev-test"' in html
    recommended, more = html.split('id="more-tiers"')
    assert re.findall(r'data-sku="([^"]+)"', recommended) == ["F1", "D1", "B1"]
    assert re.findall(r'data-sku="([^"]+)"', more) == ["B2", "B3"]


def test_isolated_has_no_additional_options(alice):
    html = alice.get(app_url(alice, "scale_up", "contoso-internal")).content.decode()
    assert "See additional options" not in html


def test_the_panes_describe_the_picked_card_s1(alice):
    html = alice.get(app_url(alice, "scale_up", "contoso-web")).content.decode()
    features = _section(html, "included-features")
    assert "Included features" in features
    assert _feature(html, "Staging slots") == "Up to 5 slots"
    assert _feature(html, "Daily backups") == "10 a day"
    assert _feature(html, "Auto scale") == "Up to 10 instances"
    assert _feature(html, "VNet integration") == "VNet integration ASVI-10"
    hardware = _section(html, "included-hardware")
    assert "Included hardware" in hardware and "100 total ACU" in hardware
    assert "1.75 GB per instance" in hardware and "50 GB shared by the plan&#x27;s apps" in hardware


def test_picking_a_card_shows_its_panes_and_changes_nothing(alice):
    url = app_url(alice, "scale_up", "contoso-web")
    html = alice.get(url, {"sku": "P1V3", "tab": "production"}, **HX).content.decode()
    assert html.lstrip().startswith('<form id="spec-picker"')
    assert "checked" in _card(html, "P1V3") and "checked" not in _card(html, "S1")
    assert "8 GB per instance" in _section(html, "included-hardware")
    assert _feature(html, "Staging slots") == "Up to 20 slots"
    assert _plan(alice, "contoso-s1-plan").sku == "S1"


@pytest.mark.parametrize(
    ("era", "b1_vnet"), [("classic", "Not included ASVI-10"), ("current", "VNet integration ASVI-10")]
)
def test_the_features_pane_gives_vnet_integration_per_era_asvi_10(alice, era, b1_vnet):
    alice.sandbox.era = era
    alice.sandbox.save(update_fields=["era"])
    url = app_url(alice, "scale_up", "contoso-dev")
    b1 = alice.get(url, {"sku": "B1", "tab": "dev-test"}).content.decode()
    assert _feature(b1, "VNet integration") == b1_vnet
    assert _feature(b1, "Staging slots") == "Not included"
    f1 = alice.get(url, {"sku": "F1", "tab": "dev-test"}).content.decode()
    assert _feature(f1, "VNet integration") == "Not included ASVI-10, ASVI-13"
    assert _feature(f1, "Custom domains / SSL") == "Not included"
