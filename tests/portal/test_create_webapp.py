"""The "Create Web App" wizard: the app runs in its plan's region."""

import pytest
from django.urls import reverse

from appservice import services as appservice_services
from appservice.models import AppServicePlan, WebApp
from portal.models import ActivityLogEntry, Notification, ResourceGroup

URL = reverse("create_wizard", kwargs={"kind": "webapp"})


def plan_of(client, name="contoso-s1-plan"):
    return AppServicePlan.objects.get(sandbox=client.sandbox, name=name)


def form(client, **overrides):
    data = {
        "subscription": str(client.sandbox.subscriptions.get().subscription_id),
        "resource_group": "contoso-rg",
        "name": "lab-app",
        "publish": "code",
        "plan": str(plan_of(client).pk),
        "current_tab": "basics",
        "action": "review",
    }
    data.update(overrides)
    return data


def apps():
    return sorted(WebApp.objects.values_list("sandbox_id", "name"))


def test_it_shows_name_with_suffix_publish_and_plans(alice):
    html = alice.get(URL).content.decode()
    assert "Create Web App" in html
    assert ".azurewebsites.net" in html
    assert "Publish" in html and "Code" in html
    assert "contoso-s1-plan" in html and "contoso-p1v3-plan" in html


def test_it_creates_the_app_in_its_plans_region(alice):
    rg = ResourceGroup.objects.get(subscription__sandbox=alice.sandbox, name="contoso-rg")
    west = appservice_services.create_plan(rg, name="west-plan", location="westus", os_name="Linux", sku="S1")
    data = form(alice, plan=str(west.pk))
    review = alice.post(URL, data).content.decode()
    assert "Validation passed" in review
    assert "(US) West US" in review and "Linux" in review
    response = alice.post(URL, {**data, "action": "create"})
    assert response.status_code == 302
    app = WebApp.objects.get(sandbox=alice.sandbox, name="lab-app")
    assert (app.plan, app.location) == (west, "westus")
    page = alice.get(response["Location"]).content.decode()
    assert reverse("appservice:overview", kwargs={"subscription_id": rg.subscription.subscription_id, "rg": "contoso-rg", "name": "lab-app"}) in page
    assert ActivityLogEntry.objects.filter(sandbox=alice.sandbox, resource_id=app.arm_id).exists()
    assert Notification.objects.filter(sandbox=alice.sandbox, body__contains="lab-app").exists()
    assert "lab-app" in alice.get(reverse("all_resources")).content.decode()


def test_choosing_a_plan_shows_its_os_and_region(alice):
    html = alice.post(URL, form(alice, plan=str(plan_of(alice, "contoso-p1v3-plan").pk), action="stay")).content.decode()
    assert 'id="webapp-os">Linux' in html
    assert "(US) East US" in html


@pytest.mark.parametrize("name", ["-bad", "bad-", "under_score", "x", "ünï"])
def test_it_refuses_a_bad_app_name_NAMING_05(alice, name):
    before = apps()
    response = alice.post(URL, form(alice, name=name, action="create"))
    assert response.status_code == 422
    assert "NAMING-05" in response.content.decode()
    assert apps() == before


def test_it_refuses_a_name_already_taken_in_the_sandbox_NAMING_05(alice):
    response = alice.post(URL, form(alice, name="Contoso-Web", action="create"))
    assert response.status_code == 422
    assert "contoso-web.azurewebsites.net is taken" in response.content.decode()


def test_the_name_check_fragment_says_whether_the_host_name_is_free(alice):
    headers = {"HX-Request": "true"}
    free = alice.post(URL, form(alice, name="brand-new", action="check_name"), headers=headers).content.decode()
    assert free.lstrip().startswith('<div id="name-check"')
    assert "brand-new.azurewebsites.net is available" in free
    taken = alice.post(URL, form(alice, name="contoso-web", action="check_name"), headers=headers).content.decode()
    assert "is taken" in taken and "NAMING-05" in taken


def test_alice_cannot_choose_bobs_plan(alice, bob):
    before = apps()
    response = alice.post(URL, form(alice, plan=str(plan_of(bob).pk), action="create"))
    assert response.status_code == 422
    assert "Select an App Service plan" in response.content.decode()
    assert apps() == before


def test_the_service_refuses_a_plan_of_another_sandbox(alice, bob):
    rg = ResourceGroup.objects.get(subscription__sandbox=alice.sandbox, name="contoso-rg")
    with pytest.raises(Exception, match="App Service plan of this subscription"):
        appservice_services.create_webapp(rg, name="sneaky", plan=plan_of(bob))
    assert not WebApp.objects.filter(name="sneaky").exists()


def test_it_answers_htmx_with_the_wizard_fragment(alice):
    response = alice.post(URL, form(alice, action="stay"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith('<form id="create-wizard"')


def test_it_refuses_other_methods_with_405(alice):
    assert alice.delete(URL).status_code == 405
