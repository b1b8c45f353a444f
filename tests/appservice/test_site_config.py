"""Configuration beyond the application settings (portal-ui §2.4): connection
strings drafted and saved with the settings (one Save, one restart, ASVI-60),
Advanced edit (APPSET-05), Save with nothing changed, and the General
settings, Path mappings and Default documents tabs (CONFIG-01 to CONFIG-11),
in both eras, as services, views and ARM."""

import json
import re

import pytest

from appservice import services
from appservice.arm import site_to_arm
from appservice.models import ConnectionString, WebApp
from portal.arm.deploy import deploy
from portal.arm.errors import ArmError
from portal.arm.export import export_sandbox
from portal.errors import AzureRuleError
from portal.models import ActivityLogEntry, Notification, Operation, Sandbox, Subscription
from tests.helpers import HX, app_of, app_url

pytestmark = pytest.mark.django_db


def _current(client) -> None:
    client.sandbox.era = "current"
    client.sandbox.save()


def _grid(app, rows=None, strings=(), **extra) -> dict:
    """The grid form's hidden inputs: app settings (the saved ones unless
    given) and connection strings."""
    rows = [(s.name, s.value, s.slot_setting) for s in app.settings.all()] if rows is None else rows
    return {
        "base_version": str(app.settings_version),
        "show_values": "0",
        "setting_name": [r[0] for r in rows],
        "setting_value": [r[1] for r in rows],
        "setting_slot": ["1" if r[2] else "0" for r in rows],
        "cs_name": [s[0] for s in strings],
        "cs_value": [s[1] for s in strings],
        "cs_type": [s[2] for s in strings],
        "cs_slot": ["1" if s[3] else "0" for s in strings],
        **extra,
    }


def _strings(app) -> list[tuple]:
    return list(ConnectionString.objects.filter(app=app).values_list("name", "value", "type", "slot_setting"))


def _restarts(client) -> int:
    return Operation.objects.filter(sandbox=client.sandbox, kind="restart").count()


SQL = ("Database", "Server=tcp:contoso-sql01.database.windows.net;Database=app", "SQLAzure", False)


# --- Connection strings: services ------------------------------------------------------------


def test_saving_settings_and_connection_strings_is_one_write_and_one_restart_asvi_60(alice):
    app = app_of(alice, "contoso-web")
    version = app.settings_version
    before = _restarts(alice)
    services.save_app_settings(app, version, [("A", "1", False)], [SQL])
    assert _strings(app) == [SQL]
    assert app.settings_version == version + 1
    assert _restarts(alice) == before + 1


def test_saving_without_connection_strings_keeps_them(alice):
    app = app_of(alice, "contoso-web")
    services.save_app_settings(app, app.settings_version, [], [SQL])
    services.save_app_settings(app, app.settings_version, [("B", "2", False)])
    assert _strings(app) == [SQL]


@pytest.mark.parametrize(
    ("row", "rule", "words"),
    [
        (("", "x", "SQLAzure", False), "CONNSTR-01", "is required"),
        (("bad-name", "x", "SQLAzure", False), "CONNSTR-01", "can only contain"),
        (("X" * 257, "x", "SQLAzure", False), "CONNSTR-01", "at most 256"),
        (("Db", "x", "Oracle", False), "CONNSTR-03", "Type must be one of"),
    ],
)
def test_a_bad_connection_string_is_refused_on_its_field(alice, row, rule, words):
    app = app_of(alice, "contoso-web")
    with pytest.raises(AzureRuleError) as caught:
        services.draft_connection_string(app, [], name=row[0], value=row[1], kind=row[2], slot=row[3])
    assert rule in caught.value.rule_ids and words in caught.value.message


def test_connection_string_names_are_unique_whatever_the_case_connstr_02(alice):
    app = app_of(alice, "contoso-web")
    with pytest.raises(AzureRuleError) as caught:
        services.draft_connection_string(app, [SQL], name="DATABASE", value="", kind="Custom", slot=False)
    assert caught.value.message == "Connection string name must be unique." and caught.value.field == "name"
    with pytest.raises(AzureRuleError) as caught:
        services.save_app_settings(app, app.settings_version, [], [SQL, ("database", "", "Custom", False)])
    assert "CONNSTR-02" in caught.value.rule_ids and _strings(app) == []


def test_the_type_is_matched_without_case_mysql_is_arms_mysql(alice):
    app = app_of(alice, "contoso-web")
    rows = services.draft_connection_string(app, [], name="Db", value="v", kind="MySQL", slot=True)
    assert rows == [("Db", "v", "MySql", True)]


def test_a_stale_save_of_connection_strings_is_refused_appset_04(alice):
    app = app_of(alice, "contoso-web")
    old = app.settings_version
    services.save_app_settings(app, old, [], [SQL])
    with pytest.raises(AzureRuleError) as caught:
        services.save_app_settings(app_of(alice, "contoso-web"), old, [], [])
    assert caught.value.rule_ids == ("APPSET-04",)
    assert _strings(app) == [SQL]


# --- Connection strings: the page --------------------------------------------------------------


def test_classic_configuration_has_a_connection_strings_section(alice):
    html = alice.get(app_url(alice, "configuration", "contoso-web")).content.decode()
    for label in (
        "Connection strings</h2>",
        "New connection string",
        'id="advanced-edit-cs"',
        "Type</th>",
        "No connection strings to display",
    ):
        assert label in html, label


def test_current_era_has_a_connection_strings_tab_that_keeps_the_draft(alice):
    _current(alice)
    app = app_of(alice, "contoso-web")
    body = _grid(app, [("ONLY", "1", False)], [SQL], switch_tab="connection-strings")
    html = alice.post(app_url(alice, "settings_draft", "contoso-web"), body, **HX).content.decode()
    assert re.search(r'class="nav-link active" aria-current="page" id="tab-connection-strings"', html)
    assert 'data-connection="Database"' in html and 'id="app-settings-table"' not in html
    assert 'name="setting_name" value="ONLY"' in html  # the other tab's draft rides along
    assert "</i> Add</a>" in html


def test_the_pane_adds_a_masked_unsaved_row_and_writes_nothing(alice):
    app = app_of(alice, "contoso-web")
    pane = alice.get(app_url(alice, "connection_string", "contoso-web"), **HX).content.decode()
    for label in (
        "Add/Edit connection string",
        'name="name"',
        'name="value"',
        'name="type"',
        "SQLServer",
        "PostgreSQL",
        "Custom",
        ">MySQL<",
        "RedisCache",
        "Deployment slot setting",
    ):
        assert label in pane, label
    body = _grid(app, pane="cs", name=SQL[0], value=SQL[1], type="SQLAzure", slot_setting="on")
    html = alice.post(app_url(alice, "settings_draft", "contoso-web"), body, **HX).content.decode()
    assert 'data-connection="Database" data-unsaved="true"' in html
    assert SQL[1] not in html.split('id="connection-strings-table"')[1]  # masked
    assert "Hidden value. Click to show value" in html
    assert _strings(app) == []
    shown = alice.post(
        app_url(alice, "settings_draft", "contoso-web"), _grid(app, strings=[SQL], toggle_values="1"), **HX
    ).content.decode()
    assert f"data-value>{SQL[1]}<" in shown


def test_the_pane_refuses_a_bad_name_on_the_field_with_422(alice):
    app = app_of(alice, "contoso-web")
    body = _grid(app, strings=[SQL], pane="cs", name="database", value="", type="Custom")
    response = alice.post(app_url(alice, "settings_draft", "contoso-web"), body, **HX)
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="name-error"' in html and "Connection string name must be unique." in html and "CONNSTR-02" in html


def test_a_made_up_type_is_refused_not_a_500(alice):
    app = app_of(alice, "contoso-web")
    body = _grid(app, pane="cs", name="Db", value="", type="<script>")
    response = alice.post(app_url(alice, "settings_draft", "contoso-web"), body, **HX)
    assert response.status_code == 422 and "CONNSTR-03" in response.content.decode()


def test_edit_and_delete_a_connection_string_in_the_draft(alice):
    app = app_of(alice, "contoso-web")
    url = app_url(alice, "connection_string", "contoso-web")
    pane = alice.get(url, {**_grid(app, strings=[SQL]), "edit": "database"}, **HX).content.decode()
    assert 'value="Database"' in pane and 'name="original" value="Database"' in pane
    html = alice.post(
        app_url(alice, "settings_draft", "contoso-web"), _grid(app, strings=[SQL], delete_cs="Database"), **HX
    ).content.decode()
    assert "data-connection=" not in html


def test_save_writes_settings_and_connection_strings_with_one_restart(alice):
    app = app_of(alice, "contoso-web")
    before = _restarts(alice)
    body = _grid(app, strings=[SQL], confirmed="1")
    response = alice.post(app_url(alice, "save_settings", "contoso-web"), body, **HX)
    assert response.status_code == 200
    assert 'data-connection="Database" data-unsaved="false"' in response.content.decode()
    assert _strings(app) == [SQL]
    assert _restarts(alice) == before + 1


def test_the_save_pane_carries_connection_strings_without_htmx(alice):
    app = app_of(alice, "contoso-web")
    page = alice.post(app_url(alice, "save_settings", "contoso-web"), _grid(app, strings=[SQL])).content.decode()
    assert 'name="cs_name" value="Database"' in page and ">Continue<" in page


# --- Save with nothing changed ------------------------------------------------------------------


def test_save_is_disabled_until_something_changes(alice):
    html = alice.get(app_url(alice, "configuration", "contoso-web")).content.decode()
    assert re.search(r'id="save-settings"[^>]* disabled title="No changes to save"', html)
    app = app_of(alice, "contoso-web")
    changed = alice.post(
        app_url(alice, "settings_draft", "contoso-web"), _grid(app, strings=[SQL]), **HX
    ).content.decode()
    button = re.search(r'<button[^>]*id="save-settings"[^>]*>', changed).group(0)
    assert 'hx-swap-oob="true"' in button and "disabled" not in button


def test_save_with_nothing_changed_asks_nothing_writes_nothing_restarts_nothing(alice):
    app = app_of(alice, "contoso-web")
    version, before = app.settings_version, _restarts(alice)
    for extra in ({}, {"confirmed": "1"}):
        response = alice.post(app_url(alice, "save_settings", "contoso-web"), _grid(app, **extra), **HX)
        html = response.content.decode()
        assert response.status_code == 200
        assert "Save changes</h2>" not in html and "No changes to save." in html
    assert app_of(alice, "contoso-web").settings_version == version
    assert _restarts(alice) == before
    assert not Notification.objects.filter(sandbox=alice.sandbox, title__startswith="Successfully updated").exists()


def test_current_apply_is_disabled_until_something_changes(alice):
    _current(alice)
    html = alice.get(app_url(alice, "configuration", "contoso-web")).content.decode()
    assert re.search(r'id="save-settings"[^>]* disabled title="No changes to apply"[^>]*>Apply</button>', html)


# --- Advanced edit --------------------------------------------------------------------------------


def test_advanced_edit_shows_the_draft_as_the_portals_json(alice):
    app = app_of(alice, "contoso-web")
    html = alice.get(app_url(alice, "advanced_edit", "contoso-web"), _grid(app, [("A", "1", True)]), **HX)
    text = html.content.decode()
    assert "<h2>Advanced edit</h2>" in text and 'id="advanced-json"' in text
    assert "&quot;slotSetting&quot;: true" in text and "&quot;name&quot;: &quot;A&quot;" in text
    cs = alice.get(
        app_url(alice, "advanced_edit", "contoso-web"),
        {**_grid(app, strings=[SQL]), "kind": "connection-strings"},
        **HX,
    ).content.decode()
    assert "&quot;type&quot;: &quot;SQLAzure&quot;" in cs


def test_advanced_edit_ok_replaces_the_draft_rows_and_writes_nothing(alice):
    app = app_of(alice, "contoso-web")
    saved = list(app.settings.values_list("name", flat=True))
    text = json.dumps(
        [{"name": "X", "value": "1", "slotSetting": False}, {"name": "Y", "value": 2, "slotSetting": True}]
    )
    body = _grid(app, pane="advanced", kind="app-settings", json=text)
    html = alice.post(app_url(alice, "settings_draft", "contoso-web"), body, **HX).content.decode()
    assert re.findall(r'data-setting="([^"]+)"', html) == ["X", "Y"]
    assert 'name="setting_slot" value="1"' in html and "Deleted:" in html
    assert list(app.settings.values_list("name", flat=True)) == saved


def test_advanced_edit_of_connection_strings(alice):
    app = app_of(alice, "contoso-web")
    text = json.dumps([{"name": "Db", "value": "v", "type": "PostgreSQL", "slotSetting": False}])
    body = _grid(app, pane="advanced", kind="connection-strings", json=text)
    html = alice.post(app_url(alice, "settings_draft", "contoso-web"), body, **HX).content.decode()
    assert 'data-connection="Db" data-unsaved="true"' in html and 'name="cs_type" value="PostgreSQL"' in html


@pytest.mark.parametrize(
    ("text", "kind", "words", "rule"),
    [
        ("[{", "app-settings", "This isn't valid JSON", "APPSET-05"),
        ('{"name": "A"}', "app-settings", "Write a JSON array", "APPSET-05"),
        ("[1]", "app-settings", "Item 1 isn't an object", "APPSET-05"),
        ('[{"value": "1"}]', "app-settings", 'Item 1 needs a "name"', "APPSET-05"),
        ('[{"name": "A", "slotSetting": "yes"}]', "app-settings", '"slotSetting" must be true or false', "APPSET-05"),
        ('[{"name": "A", "colour": "red"}]', "app-settings", "unknown property 'colour'", "APPSET-05"),
        ('[{"name": "A", "value": {"x": 1}}]', "app-settings", '"value" must be a string', "APPSET-05"),
        ('[{"name": "bad name"}]', "app-settings", "can only contain", "APPSET-01"),
        ('[{"name": "A"}, {"name": "a"}]', "app-settings", "must be unique", "APPSET-03"),
        ('[{"name": "Db", "type": "Oracle"}]', "connection-strings", "Type must be one of", "CONNSTR-03"),
        ('[{"name": "Db", "type": 5}]', "connection-strings", '"type" must be a string', "APPSET-05"),
    ],
)
def test_bad_advanced_edit_json_is_a_field_error_naming_the_problem(alice, text, kind, words, rule):
    app = app_of(alice, "contoso-web")
    body = _grid(app, pane="advanced", kind=kind, json=text)
    response = alice.post(app_url(alice, "settings_draft", "contoso-web"), body, **HX)
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="json-error"' in html and words in html.replace("&quot;", '"').replace("&#x27;", "'")
    assert rule in html


# --- General settings ---------------------------------------------------------------------------


def _general(client, name="contoso-web", **changes) -> dict:
    app = app_of(client, name)
    body = {
        "base_version": str(app.settings_version),
        "stack": app.runtime.group if app.runtime else "",
        "stack_version": app.runtime_stack,
        "platform": "32" if app.use_32bit_worker_process else "64",
        "managed_pipeline_mode": app.managed_pipeline_mode,
        "ftps_state": app.ftps_state,
        "http_version": "2.0" if app.http20_enabled else "1.1",
        "web_sockets_enabled": "on" if app.web_sockets_enabled else "off",
        "always_on": "on" if app.always_on else "off",
        "client_affinity_enabled": "on" if app.client_affinity_enabled else "off",
        "remote_debugging_enabled": "on" if app.remote_debugging_enabled else "off",
        "client_cert_mode": app.client_cert_mode,
    }
    return {**body, **changes}


@pytest.mark.parametrize("era", ["classic", "current"])
def test_general_settings_shows_the_portals_sections_and_labels(alice, era):
    alice.sandbox.era = era
    alice.sandbox.save()
    html = alice.get(app_url(alice, "general_settings", "contoso-web")).content.decode()
    for label in (
        "Stack settings",
        "Platform settings",
        "Debugging",
        "Incoming client certificates",
        "Platform",
        "Managed pipeline version",
        "FTP state",
        "HTTP version",
        "Web sockets",
        "Always On",
        "ARR affinity",
        "Remote debugging",
        "Client certificate mode",
        "ASP.NET V4.8",
        ">General settings</a>",
        ">Default documents</a>",
        ">Path mappings</a>",
    ):
        assert label in html, label
    assert re.search(r'id="save-config"[^>]* disabled', html)
    assert (">Application settings</a>" in html) == (era == "classic")
    assert (">Apply</button>" in html) == (era == "current")


def test_free_plan_shows_always_on_and_64_bit_locked_with_the_reason_config_01_02(alice):
    html = alice.get(app_url(alice, "general_settings", "contoso-dev")).content.decode()
    assert "Always On isn&#x27;t available in the Free tier" in html and "CONFIG-01" in html
    assert re.search(r'id="always-on-on"[^>]*disabled|disabled[^>]*id="always-on-on"', html)
    assert re.search(r'id="platform-64"[^>]*disabled|disabled[^>]*id="platform-64"', html)


def test_always_on_on_a_free_plan_is_refused_config_01(alice):
    url = app_url(alice, "general_settings", "contoso-dev")
    response = alice.post(url, _general(alice, "contoso-dev", always_on="on", save="1"))
    assert response.status_code == 422
    assert 'data-rule="CONFIG-01"' in response.content.decode()
    assert app_of(alice, "contoso-dev").always_on is False
    response = alice.post(url, _general(alice, "contoso-dev", platform="64", confirmed="1"))
    assert response.status_code == 422 and 'data-rule="CONFIG-02"' in response.content.decode()


def test_general_settings_save_asks_then_saves_and_restarts_asvi_60(alice):
    url = app_url(alice, "general_settings", "contoso-web")
    before = _restarts(alice)
    body = _general(alice, always_on="on", http_version="2.0", platform="64", save="1")
    pane = alice.post(url, body).content.decode()
    # The whole page without htmx: its title is the level-1 heading (A11Y-05).
    assert ">Save changes</h2>" in pane and ">Continue</button>" in pane and "ASVI-60" in pane
    assert 'name="always_on" value="on"' in pane and 'name="save"' not in pane
    assert app_of(alice, "contoso-web").always_on is False
    response = alice.post(url, {**body, "confirmed": "1"})
    assert response.status_code == 302 and response["Location"] == url
    app = app_of(alice, "contoso-web")
    assert (app.always_on, app.http20_enabled, app.use_32bit_worker_process) == (True, True, False)
    assert _restarts(alice) == before + 1
    assert Notification.objects.filter(sandbox=alice.sandbox, title="Successfully updated web app settings").exists()
    assert ActivityLogEntry.objects.filter(
        sandbox=alice.sandbox, operation_name="Update website configuration"
    ).exists()


def test_general_settings_save_with_nothing_changed_does_nothing(alice):
    url = app_url(alice, "general_settings", "contoso-web")
    before = _restarts(alice)
    version = app_of(alice, "contoso-web").settings_version
    for extra in ({"save": "1"}, {"confirmed": "1"}):
        html = alice.post(url, _general(alice, **extra)).content.decode()
        assert "No changes to save." in html and "Save changes</h2>" not in html
    assert _restarts(alice) == before and app_of(alice, "contoso-web").settings_version == version


def test_a_stack_the_os_does_not_offer_is_refused_config_05(alice):
    url = app_url(alice, "general_settings", "contoso-web")
    response = alice.post(url, _general(alice, stack="Python", stack_version="python|3.12", save="1"))
    assert response.status_code == 422 and "CONFIG-05" in response.content.decode()
    response = alice.post(url, _general(alice, stack=".NET", stack_version="dotnet|99", confirmed="1"))
    assert response.status_code == 422
    response = alice.post(url, _general(alice, stack="x" * 5000, ftps_state="nope", always_on="maybe", save="1"))
    assert response.status_code == 422


def test_linux_apps_pick_linux_stacks_and_have_no_platform_or_default_documents(alice):
    html = alice.get(app_url(alice, "general_settings", "contoso-api")).content.decode()
    # The Classic era's Linux stacks (runtimes.py).
    assert "Python 3.9" in html and "ASP.NET V4.8" not in html
    assert "Managed pipeline version" not in html and ">Default documents</a>" not in html
    assert alice.get(app_url(alice, "default_documents", "contoso-api")).status_code == 404
    url = app_url(alice, "general_settings", "contoso-api")
    alice.post(url, _general(alice, "contoso-api", stack="Python", stack_version="python|3.9", confirmed="1"))
    assert site_to_arm(app_of(alice, "contoso-api"))["properties"]["siteConfig"]["linuxFxVersion"] == "PYTHON|3.9"


def test_a_general_save_from_an_old_version_is_refused_appset_04(alice):
    url = app_url(alice, "general_settings", "contoso-web")
    old = _general(alice, always_on="on", confirmed="1")
    app = app_of(alice, "contoso-web")
    services.save_app_settings(app, app.settings_version, [])
    response = alice.post(url, old)
    assert response.status_code == 422 and 'data-rule="APPSET-04"' in response.content.decode()
    assert app_of(alice, "contoso-web").always_on is False


# --- Path mappings and Default documents -------------------------------------------------------------


def _paths(app, applications=None, handlers=(), **extra) -> dict:
    applications = app.virtual_applications if applications is None else applications
    return {
        "base_version": str(app.settings_version),
        "va_path": [a["virtual_path"] for a in applications],
        "va_physical": [a["physical_path"] for a in applications],
        "va_type": ["application" if a["application"] else "directory" for a in applications],
        "hm_ext": [h[0] for h in handlers],
        "hm_proc": [h[1] for h in handlers],
        "hm_args": [h[2] for h in handlers],
        **extra,
    }


def test_path_mappings_start_with_the_root_application(alice):
    html = alice.get(app_url(alice, "path_mappings", "contoso-web")).content.decode()
    assert "Handler mappings" in html and "Virtual applications and directories" in html
    assert 'data-virtual-path="/"' in html and 'value="site\\wwwroot"' in html
    assert "New virtual application or directory" in html and "No handler mappings to display" in html


def test_new_and_delete_change_the_tab_only(alice):
    app = app_of(alice, "contoso-web")
    url = app_url(alice, "path_mappings", "contoso-web")
    html = alice.post(url, _paths(app, add_va="1", add_hm="1")).content.decode()
    assert html.count('name="va_path"') == 2 and html.count('name="hm_ext"') == 1
    assert not re.search(r'id="save-config"[^>]* disabled', html)
    rows = [*app.virtual_applications, {"virtual_path": "/img", "physical_path": "site\\img", "application": False}]
    html = alice.post(url, _paths(app, rows, remove_va="1")).content.decode()
    assert html.count('name="va_path"') == 1
    assert app_of(alice, "contoso-web").virtual_applications == app.virtual_applications


def test_path_mappings_save_round_trips_through_arm(alice):
    app = app_of(alice, "contoso-web")
    url = app_url(alice, "path_mappings", "contoso-web")
    rows = [
        *app.virtual_applications,
        {"virtual_path": "/api", "physical_path": "site\\api", "application": True},
        {"virtual_path": "/api/docs", "physical_path": "site\\docs", "application": False},
        {"virtual_path": "/img", "physical_path": "site\\img", "application": False},
    ]
    handlers = [("*.php", "D:\\home\\php-cgi.exe", "")]
    assert alice.post(url, _paths(app, rows, handlers, confirmed="1")).status_code == 302
    app = app_of(alice, "contoso-web")
    assert [r["virtual_path"] for r in app.virtual_applications] == ["/", "/api", "/api/docs", "/img"]
    config = site_to_arm(app)["properties"]["siteConfig"]
    assert config["virtualApplications"][1] == {
        "virtualPath": "/api",
        "physicalPath": "site\\api",
        "preloadEnabled": False,
        "virtualDirectories": [{"virtualPath": "/docs", "physicalPath": "site\\docs"}],
    }
    assert config["virtualApplications"][0]["virtualDirectories"] == [
        {"virtualPath": "/img", "physicalPath": "site\\img"}
    ]
    assert config["handlerMappings"] == [
        {"extension": "*.php", "scriptProcessor": "D:\\home\\php-cgi.exe", "arguments": ""}
    ]


@pytest.mark.parametrize(
    "rows",
    [
        [{"virtual_path": "/img", "physical_path": "site\\img", "application": False}],  # no root
        [
            {"virtual_path": "/", "physical_path": "site\\wwwroot", "application": True},
            {"virtual_path": "img", "physical_path": "site\\img", "application": False},
        ],
        [
            {"virtual_path": "/", "physical_path": "site\\wwwroot", "application": True},
            {"virtual_path": "/a", "physical_path": "C:\\Windows", "application": False},
        ],
        [
            {"virtual_path": "/", "physical_path": "site\\wwwroot", "application": True},
            {"virtual_path": "/A", "physical_path": "site\\a", "application": False},
            {"virtual_path": "/a", "physical_path": "site\\b", "application": False},
        ],
    ],
)
def test_bad_virtual_applications_are_refused_config_10(alice, rows):
    app = app_of(alice, "contoso-web")
    response = alice.post(app_url(alice, "path_mappings", "contoso-web"), _paths(app, rows, save="1"))
    assert response.status_code == 422 and 'data-rule="CONFIG-10"' in response.content.decode()


def test_a_handler_mapping_needs_a_script_processor_config_10(alice):
    app = app_of(alice, "contoso-web")
    body = _paths(app, handlers=[("*.php", "", "")], save="1")
    response = alice.post(app_url(alice, "path_mappings", "contoso-web"), body)
    assert response.status_code == 422 and "needs a script processor" in response.content.decode()


def test_default_documents_show_the_portals_list_in_order(alice):
    html = alice.get(app_url(alice, "default_documents", "contoso-web")).content.decode()
    documents = re.findall(r'data-document="([^"]+)"', html)
    assert documents == [
        "Default.htm",
        "Default.html",
        "Default.asp",
        "index.htm",
        "index.html",
        "iisstart.htm",
        "default.aspx",
        "index.php",
        "hostingstart.html",
    ]


def test_default_documents_add_move_remove_and_save(alice):
    app = app_of(alice, "contoso-web")
    url = app_url(alice, "default_documents", "contoso-web")
    documents = ["index.html", "Default.htm"]
    html = alice.post(
        url, {"base_version": app.settings_version, "document": documents, "up_doc": "1"}
    ).content.decode()
    assert re.findall(r'data-document="([^"]+)"', html) == ["Default.htm", "index.html"]
    body = {"base_version": app.settings_version, "document": ["home.html", "index.html"], "confirmed": "1"}
    assert alice.post(url, body).status_code == 302
    app = app_of(alice, "contoso-web")
    assert app.default_documents == ["home.html", "index.html"]
    assert site_to_arm(app)["properties"]["siteConfig"]["defaultDocuments"] == ["home.html", "index.html"]


@pytest.mark.parametrize("documents", [["a/b.html"], ["x.html", "X.HTML"], [""]])
def test_bad_default_documents_are_refused_config_11(alice, documents):
    app = app_of(alice, "contoso-web")
    body = {"base_version": app.settings_version, "document": documents, "save": "1"}
    response = alice.post(app_url(alice, "default_documents", "contoso-web"), body)
    assert response.status_code == 422 and "CONFIG-11" in response.content.decode()


def test_garbage_posts_never_500(alice):
    for page in ("general_settings", "path_mappings", "default_documents"):
        url = app_url(alice, page, "contoso-web")
        for body in (
            {},
            {"base_version": "x", "save": "1"},
            {"remove_va": "99", "remove_hm": "-1", "up_doc": "zz"},
            {"va_path": ["/"], "va_physical": [], "va_type": [], "confirmed": "1"},
        ):
            assert alice.post(url, body).status_code in (200, 302, 422), (page, body)


def test_an_outsider_gets_404_on_every_new_url(alice, bob):
    app = app_of(alice, "contoso-web")
    for page in ("general_settings", "path_mappings", "default_documents", "connection_string", "advanced_edit"):
        assert bob.get(app_url(alice, page, "contoso-web")).status_code == 404, page
    for page in ("general_settings", "path_mappings", "default_documents"):
        assert bob.post(app_url(alice, page, "contoso-web"), {"always_on": "on", "confirmed": "1"}).status_code == 404
    body = _grid(app, strings=[SQL], confirmed="1")
    assert bob.post(app_url(alice, "save_settings", "contoso-web"), body).status_code == 404
    assert _strings(app) == []


# --- ARM -----------------------------------------------------------------------------------------


def test_connection_strings_and_site_config_export_and_import(alice):
    app = app_of(alice, "contoso-web")
    services.save_app_settings(app, app.settings_version, [], [SQL, ("Cache", "redis", "RedisCache", True)])
    services.save_site_config(
        app, app.settings_version, {"always_on": True, "web_sockets_enabled": True, "client_cert_mode": "Optional"}
    )
    document = site_to_arm(app_of(alice, "contoso-web"))
    config = document["properties"]["siteConfig"]
    assert config["connectionStrings"] == [
        {"name": "Cache", "connectionString": "redis", "type": "RedisCache"},
        {"name": "Database", "connectionString": SQL[1], "type": "SQLAzure"},
    ]
    assert (config["alwaysOn"], config["webSocketsEnabled"]) == (True, True)
    assert (document["properties"]["clientCertEnabled"], document["properties"]["clientCertMode"]) == (True, "Optional")

    template = export_sandbox(alice.sandbox)
    copy = Sandbox.objects.create(era=alice.sandbox.era)
    Subscription.objects.create(sandbox=copy)
    deploy(copy, template)
    copied = WebApp.objects.get(sandbox=copy, name="contoso-web")
    assert sorted(_strings(copied)) == sorted(_strings(app))
    assert (copied.always_on, copied.web_sockets_enabled, copied.client_cert_mode) == (True, True, "Optional")


def test_a_template_turning_always_on_on_a_free_plan_is_refused_config_01(alice):
    template = export_sandbox(alice.sandbox)
    site = next(r for r in template["resources"] if r["type"] == "Microsoft.Web/sites" and "dev" in r["name"])
    site["properties"]["siteConfig"]["alwaysOn"] = True
    with pytest.raises(ArmError) as caught:
        deploy(alice.sandbox, template)
    assert caught.value.rule_ids == ("CONFIG-01",)
    assert caught.value.path == "properties.siteConfig.alwaysOn"
    assert app_of(alice, "contoso-dev").always_on is False


# --- One runtime stack: the wizard's, which Stack settings change (issue #10) -------------------


def test_stack_settings_change_the_apps_runtime_stack_and_arm_writes_it_once(alice):
    url = app_url(alice, "general_settings", "contoso-web")
    html = alice.get(url).content.decode()
    assert re.search(r'<option value="dotnet\|5" selected>\.NET 5</option>', html)
    alice.post(url, _general(alice, stack="Node", stack_version="node|14-lts", confirmed="1"))
    app = app_of(alice, "contoso-web")
    assert app.runtime_stack == "node|14-lts"
    config = site_to_arm(app)["properties"]["siteConfig"]
    assert (config["nodeVersion"], config["metadata"]) == ("~14", [{"name": "CURRENT_STACK", "value": "node"}])
    assert "phpVersion" not in config and "linuxFxVersion" not in config


def test_an_app_keeps_its_stack_of_another_era_listed(alice):
    alice.sandbox.era = "current"
    alice.sandbox.save()
    html = alice.get(app_url(alice, "general_settings", "contoso-web")).content.decode()
    # Classic's .NET 5 beside Current's .NET 8: saving other settings keeps it.
    assert ".NET 8 (LTS)" in html and re.search(r'value="dotnet\|5" selected', html)
    alice.post(app_url(alice, "general_settings", "contoso-web"), _general(alice, always_on="on", confirmed="1"))
    assert app_of(alice, "contoso-web").runtime_stack == "dotnet|5"
    response = alice.post(
        app_url(alice, "general_settings", "contoso-web"),
        _general(alice, stack="Node", stack_version="node|14-lts", confirmed="1"),
    )
    assert response.status_code == 422 and "CONFIG-05" in response.content.decode()


def test_a_template_changes_the_stack_and_one_without_keeps_it(alice):
    template = export_sandbox(alice.sandbox)
    site = next(r for r in template["resources"] if r["type"] == "Microsoft.Web/sites" and "api" in r["name"])
    site["properties"]["siteConfig"]["linuxFxVersion"] = "PYTHON|3.8"
    deploy(alice.sandbox, template)
    assert app_of(alice, "contoso-api").runtime_stack == "python|3.8"
    del site["properties"]["siteConfig"]["linuxFxVersion"]
    deploy(alice.sandbox, template)
    assert app_of(alice, "contoso-api").runtime_stack == "python|3.8"
    site["properties"]["siteConfig"]["linuxFxVersion"] = "COBOL|85"
    with pytest.raises(ArmError) as caught:
        deploy(alice.sandbox, template)
    assert caught.value.rule_ids == ("CONFIG-05",)
    assert caught.value.path == "properties.siteConfig.linuxFxVersion"


def test_an_app_that_runs_no_stack_may_keep_none(alice):
    app = app_of(alice, "contoso-web")
    WebApp.objects.filter(pk=app.pk).update(runtime_stack="")
    url = app_url(alice, "general_settings", "contoso-web")
    assert "Select a stack" in alice.get(url).content.decode()
    body = {**_general(alice, always_on="on", confirmed="1"), "stack": "", "stack_version": ""}
    alice.post(url, body)
    app = app_of(alice, "contoso-web")
    assert (app.always_on, app.runtime_stack) == (True, "")
    assert "netFrameworkVersion" not in site_to_arm(app)["properties"]["siteConfig"]
