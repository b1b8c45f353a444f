"""The scenario "the second plan can't join the full integration subnet",
graded both ways: its start (contoso-api lost its integration and its
subnet; the team's /28 is contoso-s1-plan's) fails the fix's checks saying
why; a new subnet (by ARM or the pane's Create New Subnet) or an empty
existing one passes them all; joining the full subnet is refused in both
eras; and freeing it by disconnecting contoso-web fails the negative
checks (SEED-10, ASVI-20, ASVI-22, ASVI-25, ASVI-42, ASVI-43)."""

from ipaddress import ip_network

import pytest

from appservice import services as app_services
from appservice.models import WebApp
from networking.models import Subnet, VirtualNetwork
from networking.services import vnets
from portal.errors import AzureRuleError
from tests.labs.scenarios import run_fixture

pytestmark = pytest.mark.django_db

LAB = "full-integration-subnet"

run = run_fixture(LAB)


def app(run, name: str) -> WebApp:
    return WebApp.objects.get(sandbox=run.sandbox, name=name)


def vnet(run) -> VirtualNetwork:
    return VirtualNetwork.objects.get(sandbox=run.sandbox, name="contoso-vnet")


def full_subnet(run) -> Subnet:
    return Subnet.objects.get(vnet=vnet(run), name=run.params["subnet"]["name"])


def test_the_start_fails_the_fix_checks_saying_why_seed_10(run):
    grade = run.grade()
    assert grade.percent == run.lab.start_score == 30
    integrated = grade.result("api-integrated")
    assert not integrated.passed and "contoso-api isn't integrated" in integrated.message
    assert "not set" in integrated.found
    reach = grade.result("api-reaches-vm")
    assert not reach.passed and "the app has no VNet integration" in reach.found
    assert grade.result("web-keeps-its-subnet").passed and grade.result("web-still-reaches-vm").passed


def test_the_full_subnet_refuses_the_second_plan_asvi_42_asvi_43(run):
    """The symptom, in each era's words: Classic never shares a subnet
    between plans (ERR-06); Current does only from /26 (ERR-07)."""
    with pytest.raises(AzureRuleError) as refused:
        app_services.add_regional_integration(app(run, "contoso-api"), vnet(run), subnet=full_subnet(run))
    assert "contoso-s1-plan" in refused.value.message
    expected = "ASVI-42" if run.sandbox.era == "classic" else "ASVI-43"
    assert expected in refused.value.rule_ids


def test_the_full_subnet_cant_grow_while_in_use_asvi_25(run):
    subnet = full_subnet(run)
    larger = str(ip_network(subnet.address_prefix).supernet(new_prefix=27))
    with pytest.raises(AzureRuleError) as refused:
        vnets.update_subnet(subnet, prefix=larger, delegation=subnet.delegation)
    assert "ASVI-25" in refused.value.rule_ids


def test_the_reference_solution_passes_every_check(run):
    run.solve()
    assert run.failing() == []
    assert run.grade().percent == 100


def test_the_panes_create_new_subnet_passes_too_asvi_22(run):
    app_services.add_regional_integration(
        app(run, "contoso-api"), vnet(run), new_subnet_name="api-new-subnet", new_subnet_prefix="10.0.9.0/27"
    )
    assert run.grade().percent == 100


def test_an_empty_existing_subnet_passes_too_seed_10(run):
    """SEED-10's other way: an empty existing subnet (integration-subnet, a /26)."""
    existing = Subnet.objects.get(vnet=vnet(run), name="integration-subnet")
    app_services.add_regional_integration(app(run, "contoso-api"), vnet(run), subnet=existing)
    assert run.grade().percent == 100


def test_a_29_is_refused_so_nothing_changes_asvi_21(run):
    tiny = Subnet.objects.get(vnet=vnet(run), name="tiny-subnet")
    with pytest.raises(AzureRuleError) as refused:
        app_services.add_regional_integration(app(run, "contoso-api"), vnet(run), subnet=tiny)
    assert "ASVI-21" in refused.value.rule_ids
    assert run.grade().percent == 30


def test_freeing_the_subnet_by_disconnecting_contoso_web_fails_the_negative_checks(run):
    """The "fix" that takes the first plan's subnet: contoso-api works,
    contoso-web doesn't."""
    app_services.disconnect(app(run, "contoso-web"))
    app_services.add_regional_integration(app(run, "contoso-api"), vnet(run), subnet=full_subnet(run))
    grade = run.grade()
    assert grade.result("api-integrated").passed and grade.result("api-reaches-vm").passed
    kept = grade.result("web-keeps-its-subnet")
    assert not kept.passed and "contoso-web was disconnected" in kept.message
    reach = grade.result("web-still-reaches-vm")
    assert not reach.passed and "the app has no VNet integration" in reach.found
    assert grade.percent == 70 and grade.percent < 100
