"""The "Create App Service Plan" wizard."""

import pytest
from django.urls import reverse

from appservice.models import AppServicePlan
from portal import services as portal_services
from portal.models import ActivityLogEntry, Notification
from portal.resources import resource_url

URL = reverse("create_wizard", kwargs={"kind": "appserviceplan"})


def form(client, **overrides):
    data = {
        "subscription": str(client.sandbox.subscriptions.get().subscription_id),
        "resource_group": "contoso-rg",
        "name": "lab-plan",
        "os": "Linux",
        "region": "westeurope",
        "sku": "P1V3",
        "current_tab": "basics",
        "action": "review",
    }
    data.update(overrides)
    return data


def plans(client):
    return sorted(AppServicePlan.objects.filter(sandbox=client.sandbox).values_list("name", flat=True))


def test_it_shows_name_os_region_and_pricing_tier(alice):
    html = alice.get(URL).content.decode()
    assert "Create App Service Plan" in html
    for label in ("Operating System", "Windows", "Linux", "Region", "Pricing tier", "(US) East US"):
        assert label in html


def test_it_creates_the_plan_and_shows_the_deployment(alice):
    assert "Validation passed" in alice.post(URL, form(alice)).content.decode()
    response = alice.post(URL, form(alice, action="create"))
    assert response.status_code == 302
    plan = AppServicePlan.objects.get(sandbox=alice.sandbox, name="lab-plan")
    assert (plan.os, plan.location, plan.sku) == ("Linux", "westeurope", "P1V3")
    page = alice.get(response["Location"]).content.decode()
    assert f'href="{resource_url(plan)}"' in page
    assert ActivityLogEntry.objects.filter(sandbox=alice.sandbox, resource_id=plan.arm_id).exists()
    assert Notification.objects.filter(sandbox=alice.sandbox, body__contains="lab-plan").exists()


@pytest.mark.parametrize("sku", ["I1", "I1V2"])
def test_it_refuses_isolated_tiers_which_need_an_app_service_environment_ASVI_12(alice, sku):
    before = plans(alice)
    response = alice.post(URL, form(alice, sku=sku, action="create"))
    assert response.status_code == 422
    assert "ASVI-12" in response.content.decode()
    assert plans(alice) == before


def test_isolated_tiers_are_disabled_in_the_drop_down_ASVI_12(alice):
    html = alice.get(URL).content.decode()
    assert '<option value="I1V2" disabled>' in html


def test_it_shows_which_tiers_support_vnet_integration_in_the_era_ASVI_10(alice):
    html = alice.get(URL).content.decode()
    assert "ASVI-10" in html
    assert 'data-sku="B1" data-vnet="false"' in html  # Classic: no Basic
    assert 'data-sku="S1" data-vnet="true"' in html
    assert 'data-sku="F1" data-vnet="false"' in html  # ASVI-13
    portal_services.set_era(alice.sandbox, "current")
    html = alice.get(URL).content.decode()
    assert 'data-sku="B1" data-vnet="true"' in html
    assert 'data-sku="P1V4" data-vnet="true"' in html


@pytest.mark.parametrize("name", ["has_underscore", "dot.name", "", "x" * 61])
def test_it_refuses_a_bad_plan_name_NAMING_04(alice, name):
    response = alice.post(URL, form(alice, name=name, action="create"))
    assert response.status_code == 422
    assert "NAMING-04" in response.content.decode()
    assert plans(alice) == sorted(["contoso-s1-plan", "contoso-p1v3-plan", "contoso-free-plan", "contoso-ase-plan"])


def test_it_refuses_a_plan_name_taken_in_the_group_NAMING_04(alice):
    response = alice.post(URL, form(alice, name="Contoso-S1-Plan", action="create"))
    assert response.status_code == 422
    assert "already exists" in response.content.decode()


def test_it_refuses_an_unknown_os_or_tier(alice):
    before = plans(alice)
    assert alice.post(URL, form(alice, os="BeOS", action="create")).status_code == 422
    assert alice.post(URL, form(alice, sku="Z9", action="create")).status_code == 422
    assert plans(alice) == before


def test_alice_cannot_put_a_plan_in_bobs_resource_group(alice, bob):
    from portal.models import ResourceGroup

    ResourceGroup.objects.create(subscription=bob.sandbox.subscriptions.get(), name="bob-only-rg", location="eastus")
    response = alice.post(URL, form(alice, resource_group="bob-only-rg", action="create"))
    assert response.status_code == 422
    assert not AppServicePlan.objects.filter(name="lab-plan").exists()


def test_it_answers_htmx_with_the_wizard_fragment(alice):
    response = alice.post(URL, form(alice, action="stay"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith('<form id="create-wizard"')


def test_it_refuses_other_methods_with_405(alice):
    assert alice.put(URL).status_code == 405
