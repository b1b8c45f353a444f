"""Configuration > Application settings as a learner's browser talks to it:
the page, the Add/Edit application setting pane, the draft grid, Save with its
confirmation, Discard, two tabs saving at once (APPSET-04), and what saved
settings do on the VNet Integration page (SEED-17, SEED-24, ASDNS-01)."""

import re

import pytest

from appservice import services
from appservice.models import AppSetting, WebApp
from portal.models import ActivityLogEntry, Notification
from tests.helpers import HX, app_of, app_url, subnet_of

pytestmark = pytest.mark.django_db


def _grid(app, rows, *, show=False, **extra):
    """The POST body of the grid form: the draft rows as hidden inputs."""
    return {
        "base_version": str(app.settings_version),
        "show_values": "1" if show else "0",
        "setting_name": [r[0] for r in rows],
        "setting_value": [r[1] for r in rows],
        "setting_slot": ["1" if r[2] else "0" for r in rows],
        **extra,
    }


def _saved(app):
    return list(AppSetting.objects.filter(app=app).order_by("name").values_list("name", "value", "slot_setting"))


def _seeded(app):
    return [(s.name, s.value, s.slot_setting) for s in app.settings.all()]


def _row_names(html):
    return re.findall(r'<tr class="[^"]*" data-setting="([^"]+)"', html)


def _integrate(client, app="contoso-web"):
    sub = subnet_of(client, "contoso-vnet", "integration-subnet")
    return services.add_regional_integration(app_of(client, app), sub.vnet, subnet=sub)


# --- The page -----------------------------------------------------------------------------


def test_it_shows_the_application_settings_tab_with_the_portals_labels(alice):
    response = alice.get(app_url(alice, "configuration", "contoso-web"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "contoso-web <span class=\"az-title-sep\">|</span> Configuration" in html
    for label in ("Application settings", "General settings", "Path mappings", "Refresh", "Save", "Discard",
                  "New application setting", "Show values", 'placeholder="Filter application settings"',
                  "Name</th>", "Value</th>", "Deployment slot setting</th>", "Delete</th>", "Edit</th>"):
        assert label in html, label
    assert "environment variables" in html
    assert _row_names(html) == ["ASPNETCORE_ENVIRONMENT", "WEBSITE_RUN_FROM_PACKAGE"]


def test_values_stay_hidden_until_show_values(alice):
    url = app_url(alice, "configuration", "contoso-web")
    html = alice.get(url).content.decode()
    assert "Hidden value. Click to show value" in html
    assert "data-value>Production<" not in html
    app = app_of(alice, "contoso-web")
    shown = alice.post(app_url(alice, "settings_draft", "contoso-web"), _grid(app, _seeded(app), toggle_values="1"), **HX)
    html = shown.content.decode()
    assert "data-value>Production<" in html
    assert "Hide values" in html and "Hidden value. Click to show value" not in html


def test_the_filter_hides_rows_but_keeps_them_in_the_draft(alice):
    app = app_of(alice, "contoso-web")
    html = alice.post(
        app_url(alice, "settings_draft", "contoso-web"), _grid(app, _seeded(app), filter="aspnet"), **HX
    ).content.decode()
    assert 'data-setting="WEBSITE_RUN_FROM_PACKAGE" data-unsaved="false" hidden' in html
    assert 'data-setting="ASPNETCORE_ENVIRONMENT" data-unsaved="false">' in html
    assert html.count('name="setting_name"') == 2
    none = alice.post(app_url(alice, "settings_draft", "contoso-web"), _grid(app, _seeded(app), filter="nothing"), **HX)
    assert "No application settings to display" in none.content.decode()


def test_an_app_without_settings_says_so(alice):
    app = app_of(alice, "contoso-web")
    services.save_app_settings(app, app.settings_version, [])
    html = alice.get(app_url(alice, "configuration", "contoso-web")).content.decode()
    assert "No application settings to display" in html


def test_the_menu_lists_configuration_networking_and_scale_up_in_order(alice):
    html = alice.get(app_url(alice, "configuration", "contoso-web")).content.decode()
    labels = re.findall(r'class="az-resource-menu-item[^"]*" href="[^"]+"[^>]*><i class="bi [^"]+"></i><span>([^<]+)</span>', html)
    assert labels[labels.index("Configuration") :][:3] == ["Configuration", "Networking", "Scale up (App Service plan)"]
    assert 'aria-current="page"><i class="bi bi-sliders"></i><span>Configuration' in html


def test_it_explains_the_settings_the_lab_reads_next_to_them(alice):
    app = app_of(alice, "contoso-web")
    services.save_app_settings(
        app, app.settings_version, [("WEBSITE_VNET_ROUTE_ALL", "1", False), ("WEBSITE_DNS_SERVER", "168.63.129.16", False)]
    )
    html = alice.get(app_url(alice, "configuration", "contoso-web")).content.decode()
    assert html.count("data-hint") == 2
    assert "SEED-17, ASRT-05" in html
    assert "ASDNS-04, ASDNS-05, SEED-24" in html


def test_the_page_costs_the_same_number_of_queries_however_many_settings(alice, django_assert_max_num_queries):
    url = app_url(alice, "configuration", "contoso-web")
    with django_assert_max_num_queries(12):
        alice.get(url)
    app = app_of(alice, "contoso-web")
    services.save_app_settings(app, app.settings_version, [(f"SETTING_{i}", str(i), False) for i in range(40)])
    with django_assert_max_num_queries(12):
        html = alice.get(url).content.decode()
    assert len(_row_names(html)) == 40


def test_htmx_gets_only_the_grid_and_a_full_page_otherwise(alice):
    url = app_url(alice, "configuration", "contoso-web")
    full = alice.get(url)
    assert "<html" in full.content.decode()
    fragment = alice.get(url, **HX)
    html = fragment.content.decode()
    assert "<html" not in html
    assert html.lstrip().startswith('<section id="app-settings"')
    assert "HX-Request" in fragment["Vary"]


def test_an_outsider_gets_404_on_every_configuration_url(alice, bob):
    app = app_of(alice, "contoso-web")
    assert bob.get(app_url(alice, "configuration", "contoso-web")).status_code == 404
    assert bob.get(app_url(alice, "app_setting", "contoso-web")).status_code == 404
    body = _grid(app, [("STOLEN", "1", False)], confirmed="1")
    assert bob.post(app_url(alice, "settings_draft", "contoso-web"), body).status_code == 404
    assert bob.post(app_url(alice, "save_settings", "contoso-web"), body).status_code == 404
    assert _saved(app) == sorted(_seeded(app))
    assert "STOLEN" not in {n for n, _, _ in _saved(app)}


def test_wrong_methods_get_405(alice):
    assert alice.post(app_url(alice, "configuration", "contoso-web")).status_code == 405
    assert alice.post(app_url(alice, "app_setting", "contoso-web")).status_code == 405
    assert alice.get(app_url(alice, "settings_draft", "contoso-web")).status_code == 405
    assert alice.get(app_url(alice, "save_settings", "contoso-web")).status_code == 405


# --- The Add/Edit application setting pane -----------------------------------------------------


def test_new_application_setting_opens_the_pane_as_a_fragment(alice):
    response = alice.get(app_url(alice, "app_setting", "contoso-web"), **HX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    for label in ("Add/Edit application setting", 'name="name"', 'name="value"', "Deployment slot setting", ">OK<", "Cancel"):
        assert label in html, label
    assert 'hx-include="#app-settings-rows, #app-settings-filter"' in html
    assert 'name="setting_name"' not in html  # the rows come from the page's grid


def test_the_pane_opened_directly_is_a_page_that_carries_the_rows(alice):
    html = alice.get(app_url(alice, "app_setting", "contoso-web")).content.decode()
    assert "<html" in html and "Add/Edit application setting" in html
    assert html.count('name="setting_name"') == 2
    assert "hx-post" not in html.split('id="app-setting-form"')[1].split(">")[0]


def test_edit_opens_the_pane_prefilled_from_the_draft(alice):
    app = app_of(alice, "contoso-web")
    params = {**_grid(app, [("DRAFT_ONLY", "not saved yet", True)]), "edit": "draft_only"}
    html = alice.get(app_url(alice, "app_setting", "contoso-web"), params, **HX).content.decode()
    assert 'name="name" id="setting-name" value="DRAFT_ONLY"' in html
    assert 'name="value" id="setting-value" value="not saved yet"' in html
    assert 'name="original" value="DRAFT_ONLY"' in html
    assert 'name="slot_setting" id="slot-setting" value="on" checked' in html


def test_ok_adds_an_unsaved_row_closes_the_pane_and_writes_nothing(alice):
    app = app_of(alice, "contoso-web")
    before = _saved(app)
    body = _grid(app, _seeded(app), pane="1", name="WEBSITE_VNET_ROUTE_ALL", value="1", original="")
    response = alice.post(app_url(alice, "settings_draft", "contoso-web"), body, **HX)
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#app-settings"
    html = response.content.decode()
    assert _row_names(html) == ["ASPNETCORE_ENVIRONMENT", "WEBSITE_RUN_FROM_PACKAGE", "WEBSITE_VNET_ROUTE_ALL"]
    assert 'data-setting="WEBSITE_VNET_ROUTE_ALL" data-unsaved="true"' in html
    assert 'data-setting="ASPNETCORE_ENVIRONMENT" data-unsaved="false"' in html
    assert "You have unsaved changes" in html
    assert 'id="context-pane" class="az-pane" hx-swap-oob="true"' in html
    assert _saved(app) == before
    assert WebApp.objects.get(pk=app.pk).settings_version == app.settings_version


def test_ok_with_a_bad_name_answers_422_with_the_message_on_the_name_appset_01(alice):
    app = app_of(alice, "contoso-web")
    body = _grid(app, _seeded(app), pane="1", name="MY-SETTING", value="1", original="")
    response = alice.post(app_url(alice, "settings_draft", "contoso-web"), body, **HX)
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="name-error" data-rule="APPSET-01"' in html
    assert "Learn more: APPSET-01" in html
    assert 'value="MY-SETTING"' in html  # what the learner typed stays
    assert "Add/Edit application setting" in html
    assert _saved(app) == sorted(_seeded(app))


def test_ok_with_a_duplicate_name_says_it_must_be_unique_appset_03(alice):
    app = app_of(alice, "contoso-web")
    body = _grid(app, _seeded(app), pane="1", name="aspnetcore_environment", value="Dev", original="")
    response = alice.post(app_url(alice, "settings_draft", "contoso-web"), body, **HX)
    assert response.status_code == 422
    assert "Application setting name must be unique" in response.content.decode()


def test_ok_with_six_dns_servers_shows_err_47_on_the_value_asdns_05(alice):
    app = app_of(alice, "contoso-web")
    value = ",".join(f"10.0.0.{i}" for i in range(1, 7))
    body = _grid(app, [], pane="1", name="WEBSITE_DNS_SERVER", value=value, original="")
    html = alice.post(app_url(alice, "settings_draft", "contoso-web"), body, **HX).content.decode()
    assert 'id="value-error" data-rule="ASDNS-05" data-err="ERR-47"' in html
    assert "Learn more: ERR-47, ASDNS-05" in html


def test_ok_with_a_bad_route_all_value_cites_asrt_05(alice):
    app = app_of(alice, "contoso-web")
    body = _grid(app, [], pane="1", name="WEBSITE_VNET_ROUTE_ALL", value="yes", original="")
    response = alice.post(app_url(alice, "settings_draft", "contoso-web"), body, **HX)
    assert response.status_code == 422
    assert 'data-rule="ASRT-05"' in response.content.decode()


def test_ok_on_the_pane_page_without_htmx_answers_the_whole_page(alice):
    app = app_of(alice, "contoso-web")
    body = _grid(app, _seeded(app), pane="1", name="NEW_ONE", value="v", original="")
    response = alice.post(app_url(alice, "settings_draft", "contoso-web"), body)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html and 'data-setting="NEW_ONE" data-unsaved="true"' in html
    bad = alice.post(app_url(alice, "settings_draft", "contoso-web"), {**body, "name": "bad name"})
    assert bad.status_code == 422 and "<html" in bad.content.decode()


def test_editing_a_row_replaces_it_in_place(alice):
    app = app_of(alice, "contoso-web")
    body = _grid(app, _seeded(app), pane="1", name="ASPNETCORE_ENVIRONMENT", value="Staging", slot_setting="on",
                 original="ASPNETCORE_ENVIRONMENT")
    html = alice.post(app_url(alice, "settings_draft", "contoso-web"), body, **HX).content.decode()
    assert _row_names(html) == ["ASPNETCORE_ENVIRONMENT", "WEBSITE_RUN_FROM_PACKAGE"]
    assert 'data-setting="ASPNETCORE_ENVIRONMENT" data-unsaved="true"' in html
    assert 'name="setting_value" value="Staging"' in html


def test_delete_removes_the_row_from_the_draft_only(alice):
    app = app_of(alice, "contoso-web")
    body = _grid(app, _seeded(app), delete="WEBSITE_RUN_FROM_PACKAGE")
    html = alice.post(app_url(alice, "settings_draft", "contoso-web"), body, **HX).content.decode()
    assert _row_names(html) == ["ASPNETCORE_ENVIRONMENT"]
    assert 'id="deleted-settings">WEBSITE_RUN_FROM_PACKAGE<' in html
    assert ("WEBSITE_RUN_FROM_PACKAGE", "1", False) in _saved(app)


# --- Save, Discard --------------------------------------------------------------------------


def test_save_first_asks_for_confirmation_because_the_app_restarts(alice):
    app = app_of(alice, "contoso-web")
    response = alice.post(app_url(alice, "save_settings", "contoso-web"), _grid(app, [("X", "1", False)]), **HX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h2>Save changes</h2>" in html
    assert "restarts the app" in html
    assert ">Continue<" in html and "Cancel" in html
    assert 'name="confirmed" value="1"' in html
    assert _saved(app) == sorted(_seeded(app))
    page = alice.post(app_url(alice, "save_settings", "contoso-web"), _grid(app, [("X", "1", False)])).content.decode()
    assert "<html" in page and 'name="setting_name" value="X"' in page


def test_continue_saves_the_draft_notifies_logs_and_restarts_asvi_60(alice):
    app = app_of(alice, "contoso-web")
    rows = [*_seeded(app), ("WEBSITE_VNET_ROUTE_ALL", "1", False)]
    response = alice.post(app_url(alice, "save_settings", "contoso-web"), _grid(app, rows, confirmed="1"), **HX)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-setting="WEBSITE_VNET_ROUTE_ALL" data-unsaved="false"' in html
    assert "You have unsaved changes" not in html
    assert 'data-status="Restarting"' in html
    assert f'data-version="{app.settings_version + 1}"' in html
    assert 'id="context-pane" class="az-pane" hx-swap-oob="true"' in html
    assert ("WEBSITE_VNET_ROUTE_ALL", "1", False) in _saved(app)
    assert Notification.objects.filter(sandbox=alice.sandbox, title="Successfully updated application settings").exists()
    assert ActivityLogEntry.objects.filter(
        sandbox=alice.sandbox, resource_id=app.arm_id, operation_name="Update website configuration"
    ).exists()


def test_continue_without_htmx_redirects_to_the_page(alice):
    app = app_of(alice, "contoso-web")
    response = alice.post(app_url(alice, "save_settings", "contoso-web"), _grid(app, [("ONLY", "1", False)], confirmed="1"))
    assert response.status_code == 302
    assert response["Location"] == app_url(alice, "configuration", "contoso-web")
    assert _saved(app) == [("ONLY", "1", False)]


def test_save_refuses_an_invalid_row_and_keeps_the_draft_on_screen(alice):
    app = app_of(alice, "contoso-web")
    rows = [("WEBSITE_DNS_SERVER", "10.0.0.4, 10.0.0.5", False)]
    response = alice.post(app_url(alice, "save_settings", "contoso-web"), _grid(app, rows, confirmed="1"), **HX)
    assert response.status_code == 422
    html = response.content.decode()
    assert 'data-rule="ASDNS-04"' in html and "Failed to update application settings" in html
    assert 'data-setting="WEBSITE_DNS_SERVER" data-unsaved="true"' in html
    assert _saved(app) == sorted(_seeded(app))


def test_discard_loads_the_saved_settings_again(alice):
    # Discard is a plain GET of the page's grid: whatever the browser's draft was, it is dropped.
    html = alice.get(app_url(alice, "configuration", "contoso-web"), **HX).content.decode()
    assert _row_names(html) == ["ASPNETCORE_ENVIRONMENT", "WEBSITE_RUN_FROM_PACKAGE"]
    assert "You have unsaved changes" not in html
    assert 'id="discard-settings"' not in html  # the command bar isn't part of the grid


def test_a_second_tab_saving_from_an_old_version_is_told_and_keeps_its_rows_appset_04(alice):
    """Two tabs of one sandbox load the same version; the first saves; the
    second's save is refused, nothing is overwritten, and its rows stay on screen."""
    app = app_of(alice, "contoso-web")
    loaded = app.settings_version
    first = _grid(app, [*_seeded(app), ("FROM_TAB_ONE", "1", False)], confirmed="1")
    second = _grid(app, [*_seeded(app), ("FROM_TAB_TWO", "2", False)], confirmed="1")
    assert alice.post(app_url(alice, "save_settings", "contoso-web"), first, **HX).status_code == 200
    response = alice.post(app_url(alice, "save_settings", "contoso-web"), second, **HX)
    assert response.status_code == 422
    html = response.content.decode()
    assert 'data-rule="APPSET-04"' in html
    assert "changed by someone else" in html
    assert "Discard my changes and load the latest settings" in html
    assert 'data-setting="FROM_TAB_TWO" data-unsaved="true"' in html
    assert f'data-version="{loaded}"' in html  # still the old version: a blind retry is refused too
    names = {n for n, _, _ in _saved(app)}
    assert "FROM_TAB_ONE" in names and "FROM_TAB_TWO" not in names


def test_a_draft_older_than_the_saved_settings_is_flagged_before_saving_appset_04(alice):
    app = app_of(alice, "contoso-web")
    stale = _grid(app, _seeded(app))
    services.save_app_settings(app_of(alice, "contoso-web"), app.settings_version, [("ELSEWHERE", "1", False)])
    html = alice.post(app_url(alice, "settings_draft", "contoso-web"), stale, **HX).content.decode()
    assert 'id="settings-stale" data-rule="APPSET-04"' in html


# --- What saved settings do (issue #2 step 11) -----------------------------------------------


def _save(client, rows):
    app = app_of(client, "contoso-web")
    response = client.post(app_url(client, "save_settings", "contoso-web"), _grid(app, rows, confirmed="1"), **HX)
    assert response.status_code == 200


def _integration_page(client):
    return client.get(app_url(client, "vnet_integration", "contoso-web")).content.decode()


def test_saving_route_all_routes_all_outbound_traffic_into_the_vnet_seed_17_asrt_05(alice):
    _integrate(alice)
    assert 'data-route-all="rfc1918"' in _integration_page(alice)
    _save(alice, [("WEBSITE_VNET_ROUTE_ALL", "1", False)])
    html = _integration_page(alice)
    assert 'data-route-all="all"' in html
    assert "All outbound traffic is routed into the virtual network" in html


def test_classic_private_zones_need_both_azure_dns_and_route_all_seed_24(alice):
    _integrate(alice)
    assert 'data-used="no"' in _integration_page(alice)
    _save(alice, [("WEBSITE_DNS_SERVER", "168.63.129.16", False)])
    assert 'data-used="no"' in _integration_page(alice)
    _save(alice, [("WEBSITE_DNS_SERVER", "168.63.129.16", False), ("WEBSITE_VNET_ROUTE_ALL", "1", False)])
    html = _integration_page(alice)
    assert 'id="private-zones" data-used="yes">Used' in html
    assert "168.63.129.16" in html.split('id="dns-servers"')[1][:80]


def test_current_era_apps_use_private_zones_with_azure_dns_alone_asdns_01(alice):
    alice.sandbox.era = "current"
    alice.sandbox.save(update_fields=["era"])
    _integrate(alice)
    assert 'id="private-zones" data-used="yes">Used' in _integration_page(alice)
