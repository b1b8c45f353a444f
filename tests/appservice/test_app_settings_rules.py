"""The rules behind Configuration > Application settings, at the service:
names (APPSET-01..03), the settings the lab interprets (ASDNS-04..06, ERR-47,
ASRT-05), saving with a restart (ASVI-60) and lost-update protection (APPSET-04)."""

import pytest

from appservice import services
from appservice.models import AppSetting, WebApp
from portal.errors import AzureRuleError
from portal.models import ActivityLogEntry, Notification
from tests.helpers import app_of

pytestmark = pytest.mark.django_db


def _saved(client, app="contoso-web"):
    return list(AppSetting.objects.filter(app__sandbox=client.sandbox, app__name=app).values_list("name", "value", "slot_setting"))


# --- Names ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["MY_SETTING", "my.setting", "Setting2", "a"])
def test_it_accepts_letters_digits_periods_and_underscores_appset_01(name):
    assert services.validate_setting_name(f"  {name} ", "Windows") == name


@pytest.mark.parametrize("name", ["MY-SETTING", "my setting", "café", "A$B", "x" * 257, "", "   "])
def test_it_refuses_other_characters_empty_and_overlong_names_appset_01(name):
    with pytest.raises(AzureRuleError) as exc:
        services.validate_setting_name(name, "Windows")
    assert exc.value.rule_ids == ("APPSET-01",)
    assert exc.value.field == "name"
    assert "APPSET-01" in exc.value.learn_more


def test_it_tells_linux_apps_to_write_a_colon_as_double_underscore_appset_02():
    with pytest.raises(AzureRuleError) as exc:
        services.validate_setting_name("ConnectionStrings:Default", "Linux")
    assert exc.value.rule_ids == ("APPSET-02",)
    assert "'__'" in exc.value.message
    assert services.validate_setting_name("ConnectionStrings__Default", "Linux") == "ConnectionStrings__Default"


def test_it_refuses_a_name_the_draft_already_has_whatever_its_case_appset_03(alice):
    app = app_of(alice, "contoso-web")
    rows = [("ASPNETCORE_ENVIRONMENT", "Production", False)]
    with pytest.raises(AzureRuleError) as exc:
        services.draft_setting(app, rows, name="aspnetcore_environment", value="x", slot=False)
    assert exc.value.message == "Application setting name must be unique."
    assert exc.value.rule_ids == ("APPSET-03",)


def test_editing_a_row_may_keep_its_own_name_appset_03(alice):
    app = app_of(alice, "contoso-web")
    rows = [("A", "1", False), ("B", "2", False)]
    assert services.draft_setting(app, rows, name="B", value="3", slot=True, original="B") == [
        ("A", "1", False),
        ("B", "3", True),
    ]
    with pytest.raises(AzureRuleError, match="must be unique"):
        services.draft_setting(app, rows, name="A", value="3", slot=False, original="B")


def test_a_draft_change_writes_nothing(alice):
    app = app_of(alice, "contoso-web")
    before = _saved(alice)
    services.draft_setting(app, [], name="NEW_ONE", value="1", slot=False)
    assert _saved(alice) == before


# --- Values the lab interprets ---------------------------------------------------------


@pytest.mark.parametrize("value", ["168.63.129.16", "10.0.0.4,10.0.0.5", ",".join(f"10.0.0.{i}" for i in range(1, 6))])
def test_it_accepts_a_comma_separated_ipv4_dns_list_asdns_04(value):
    assert services.validate_setting_value("WEBSITE_DNS_SERVER", value) == value


@pytest.mark.parametrize("value", ["10.0.0.4, 10.0.0.5", "dns.contoso.com", "10.0.0.4,,10.0.0.5", "fd00::1"])
def test_it_refuses_spaces_names_and_bad_addresses_in_the_dns_list_asdns_04(value):
    with pytest.raises(AzureRuleError) as exc:
        services.validate_setting_value("website_dns_server", value)
    assert exc.value.rule_ids == ("ASDNS-04",)
    assert exc.value.field == "value"


def test_it_refuses_more_than_five_dns_servers_asdns_05_err_47():
    value = ",".join(f"10.0.0.{i}" for i in range(1, 7))
    with pytest.raises(AzureRuleError) as exc:
        services.validate_setting_value("WEBSITE_DNS_SERVER", value)
    assert exc.value.err_id == "ERR-47"
    assert exc.value.rule_ids == ("ASDNS-05",)
    assert exc.value.field == "value"
    assert "'WEBSITE_DNS_SERVER' must be 1–5" in exc.value.message
    assert exc.value.learn_more == "Learn more: ERR-47, ASDNS-05"


def test_the_alternate_dns_server_is_one_address_asdns_06():
    assert services.validate_setting_value("WEBSITE_DNS_ALT_SERVER", "10.0.0.9") == "10.0.0.9"
    with pytest.raises(AzureRuleError) as exc:
        services.validate_setting_value("WEBSITE_DNS_ALT_SERVER", "10.0.0.9,10.0.0.10")
    assert exc.value.rule_ids == ("ASDNS-06",)


@pytest.mark.parametrize("value", ["1", "0", "true", "False"])
def test_route_all_takes_one_or_zero_asrt_05(value):
    assert services.validate_setting_value("WEBSITE_VNET_ROUTE_ALL", value) == value


@pytest.mark.parametrize("value", ["yes", "2", "", "on"])
def test_it_refuses_other_route_all_values_asrt_05(value):
    with pytest.raises(AzureRuleError) as exc:
        services.validate_setting_value("WEBSITE_VNET_ROUTE_ALL", value)
    assert exc.value.rule_ids == ("ASRT-05",)


def test_other_settings_take_any_text():
    assert services.validate_setting_value("GREETING", "Hello, world = 1") == "Hello, world = 1"


# --- Save --------------------------------------------------------------------------------


def test_save_replaces_the_settings_notifies_logs_and_restarts_asvi_60(alice):
    app = app_of(alice, "contoso-web")
    base = app.settings_version
    services.save_app_settings(app, base, [("WEBSITE_VNET_ROUTE_ALL", "1", False), ("SLOT", "x", True)])
    assert sorted(_saved(alice)) == [("SLOT", "x", True), ("WEBSITE_VNET_ROUTE_ALL", "1", False)]
    fresh = WebApp.objects.get(pk=app.pk)
    assert fresh.settings_version == base + 1
    assert fresh.status == "Restarting"
    titles = list(Notification.objects.filter(sandbox=alice.sandbox).values_list("title", flat=True))
    assert "Successfully updated application settings" in titles
    ops = set(ActivityLogEntry.objects.filter(sandbox=alice.sandbox, resource_id=app.arm_id).values_list("operation_name", flat=True))
    assert {"Update website configuration", "Restart Web App"} <= ops


def test_save_with_a_stale_version_writes_nothing_appset_04(alice):
    app = app_of(alice, "contoso-web")
    base = app.settings_version
    services.save_app_settings(app, base, [("FIRST_TAB", "1", False)])
    second_tab = app_of(alice, "contoso-web")
    with pytest.raises(AzureRuleError) as exc:
        services.save_app_settings(second_tab, base, [("SECOND_TAB", "1", False)])
    assert exc.value.rule_ids == ("APPSET-04",)
    assert "changed by someone else" in exc.value.message
    assert _saved(alice) == [("FIRST_TAB", "1", False)]
    assert WebApp.objects.get(pk=app.pk).settings_version == base + 1


def test_save_refuses_an_invalid_row_naming_it_and_writes_nothing(alice):
    app = app_of(alice, "contoso-web")
    before = _saved(alice)
    with pytest.raises(AzureRuleError) as exc:
        services.save_app_settings(app, app.settings_version, [("OK", "1", False), ("WEBSITE_DNS_SERVER", "10.0.0.1 ", False)])
    assert exc.value.message.startswith("Application setting 'WEBSITE_DNS_SERVER':")
    assert exc.value.rule_ids == ("ASDNS-04",)
    assert _saved(alice) == before
    assert WebApp.objects.get(pk=app.pk).settings_version == app.settings_version
    assert not Notification.objects.filter(sandbox=alice.sandbox, title__contains="application settings").exists()


def test_save_refuses_duplicate_names_appset_03(alice):
    app = app_of(alice, "contoso-web")
    with pytest.raises(AzureRuleError) as exc:
        services.save_app_settings(app, app.settings_version, [("A", "1", False), ("a", "2", False)])
    assert exc.value.rule_ids == ("APPSET-03",)
