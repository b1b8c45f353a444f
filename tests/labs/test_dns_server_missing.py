"""The Classic scenario "WEBSITE_DNS_SERVER went missing", graded both
ways: with route all on and the zone linked, the app without
WEBSITE_DNS_SERVER fails the DNS check naming SEED-24 and resolves the
database publicly; the reference fix, or the same setting added in the
Configuration blade, passes; a wrong DNS server fails; a "fix" that turns
route all off or opens the server fails the negative checks."""

import pytest

from appservice import services as app_services
from appservice.models import WebApp
from tests.labs.scenario_support import start

pytestmark = pytest.mark.django_db

LAB = "dns-server-missing"
SITE = "contoso-rg/Microsoft.Web/sites/${appName}"


def settings(run, **values: str) -> None:
    rows = [{"name": "ASPNETCORE_ENVIRONMENT", "value": run.params["appEnv"]}]
    rows += [{"name": name, "value": value} for name, value in values.items()]
    run.apply("PATCH", SITE, {"properties": {"siteConfig": {"appSettings": rows}}})


def test_the_lab_runs_in_the_classic_era_only_because_current_resolves_private_zones_itself_asdns_01():
    run = start(LAB, "current")
    assert tuple(run.lab.eras) == ("classic",)
    # The same estate in the Current era already works (ASDNS-01): nothing to troubleshoot.
    assert run.grade().result("app-reaches-sql-privately").passed


def test_route_all_without_the_dns_server_fails_the_dns_check_naming_seed_24():
    run = start(LAB)
    grade = run.grade()
    assert grade.percent == run.lab.start_score == 40
    assert run.failing() == ["dns-server-set", "app-reaches-sql-privately"]
    dns = grade.result("dns-server-set")
    assert "WEBSITE_DNS_SERVER = 168.63.129.16 (SEED-24)" in dns.message and "not set" in dns.found
    assert "SEED-24" in dns.check.rules
    trace = grade.result("app-reaches-sql-privately")
    assert "doesn't resolve to 10.100.2.4" in trace.message and "public network access disabled" in trace.found


def test_the_reference_fix_passes_every_check():
    run = start(LAB)
    run.solve()
    assert run.failing() == [] and run.grade().percent == 100


def test_the_setting_added_in_the_configuration_blade_passes_too_seed_24():
    """The learner's way: Configuration > New application setting > Save."""
    run = start(LAB)
    app = WebApp.objects.get(sandbox=run.sandbox, name=run.params["appName"])
    rows = [(s.name, s.value, s.slot_setting) for s in app.settings.all()]
    rows = app_services.draft_setting(app, rows, name="WEBSITE_DNS_SERVER", value="168.63.129.16", slot=False)
    app_services.save_app_settings(app, app.settings_version, rows)
    assert run.failing() == []


def test_another_dns_server_fails_both_checks_asdns_14():
    run = start(LAB)
    settings(run, WEBSITE_VNET_ROUTE_ALL="1", WEBSITE_DNS_SERVER="8.8.8.8")
    grade = run.grade()
    assert run.failing() == ["dns-server-set", "app-reaches-sql-privately"]
    assert "'8.8.8.8'" in grade.result("dns-server-set").found


def test_the_dns_server_without_route_all_fails_the_trace_and_the_negative_check_seed_24():
    run = start(LAB)
    settings(run, WEBSITE_DNS_SERVER="168.63.129.16")
    grade = run.grade()
    assert run.failing() == ["app-reaches-sql-privately", "route-all-kept"]
    assert "no longer routes all" in grade.result("route-all-kept").message
    assert grade.percent < run.lab.pass_mark


def test_opening_the_server_fails_the_negative_check_pedns_12():
    run = start(LAB)
    run.solve()
    run.apply(
        "PATCH",
        "contoso-network-rg/Microsoft.Sql/servers/contoso-sql01",
        {"properties": {"publicNetworkAccess": "Enabled"}},
    )
    grade = run.grade()
    assert run.failing() == ["public-access-disabled"]
    assert grade.percent < run.lab.pass_mark
