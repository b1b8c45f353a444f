"""The "Create Web App" wizard: the app runs in its plan's region, on the
operating system its runtime stack allows; the plan Azure preselects is the
learner's own multitenant one, never an App Service Environment's."""

import re

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
        "runtime_stack": "dotnet|5",
        "os": "Windows",
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
    # Windows by default: the Windows plans; the Linux one once Linux is chosen.
    assert "contoso-s1-plan" in html and "contoso-p1v3-plan" not in html
    linux = alice.post(URL, form(alice, os="Linux", runtime_stack="", action="stay")).content.decode()
    assert "contoso-p1v3-plan" in linux and "contoso-s1-plan" not in linux


def test_it_creates_the_app_in_its_plans_region(alice):
    rg = ResourceGroup.objects.get(subscription__sandbox=alice.sandbox, name="contoso-rg")
    west = appservice_services.create_plan(rg, name="west-plan", location="westus", os_name="Linux", sku="S1")
    data = form(alice, plan=str(west.pk), os="Linux", runtime_stack="python|3.9")
    review = alice.post(URL, data).content.decode()
    assert "Validation passed" in review
    assert "(US) West US" in review and "Linux" in review and "Python 3.9" in review
    response = alice.post(URL, {**data, "action": "create"})
    assert response.status_code == 302
    app = WebApp.objects.get(sandbox=alice.sandbox, name="lab-app")
    assert (app.plan, app.location, app.runtime_stack) == (west, "westus", "python|3.9")
    page = alice.get(response["Location"]).content.decode()
    assert (
        reverse(
            "appservice:overview",
            kwargs={"subscription_id": rg.subscription.subscription_id, "rg": "contoso-rg", "name": "lab-app"},
        )
        in page
    )
    assert ActivityLogEntry.objects.filter(sandbox=alice.sandbox, resource_id=app.arm_id).exists()
    assert Notification.objects.filter(sandbox=alice.sandbox, body__contains="lab-app").exists()
    assert "lab-app" in alice.get(reverse("all_resources")).content.decode()


def test_choosing_a_plan_shows_its_os_and_region(alice):
    plan = plan_of(alice, "contoso-p1v3-plan")
    html = alice.post(URL, form(alice, os="Linux", plan=str(plan.pk), action="stay")).content.decode()
    assert 'id="webapp-os-linux" checked' in html
    assert f'<option value="{plan.pk}" selected>' in html
    assert "Linux Plan (East US)" in html and "(US) East US" in html


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


# --- The plan Azure preselects (issue #10) --------------------------------------------------


def selected_plan(html: str) -> str:
    found = re.search(r'<select name="plan".*?<option value="(\d*)" selected>', html, re.S)
    return found.group(1) if found else ""


def test_it_never_preselects_an_app_service_environments_plan_asvi_12(alice):
    """contoso-ase-plan comes first by name; Azure still starts on the learner's own multitenant plan."""
    html = alice.get(URL).content.decode()
    ase = plan_of(alice, "contoso-ase-plan")
    assert f'<option value="{ase.pk}">contoso-ase-plan' in html  # listed: the ASE is in East US
    assert selected_plan(html) == str(plan_of(alice, "contoso-free-plan").pk)


def test_with_only_an_ase_plan_of_the_os_nothing_is_preselected(alice):
    AppServicePlan.objects.filter(sandbox=alice.sandbox, os="Windows", ase_name="").update(os="Linux")
    html = alice.get(URL).content.decode()
    assert "contoso-ase-plan" in html
    assert selected_plan(html) == ""


# --- Runtime stack and Operating System ---------------------------------------------------


@pytest.mark.parametrize(
    ("era", "offered", "not_offered"),
    [
        (
            "classic",
            [".NET 5", ".NET Core 3.1 (LTS)", "Node 14 LTS", "Python 3.9", "Java 11", "PHP 7.4"],
            [".NET 8 (LTS)", "Python 3.12"],
        ),
        (
            "current",
            [".NET 8 (LTS)", "Node 20 LTS", "Python 3.12", "Java 21", "PHP 8.3"],
            [".NET 5", "Node 14 LTS", "Python 3.9"],
        ),
    ],
)
def test_the_runtime_stacks_are_the_eras(alice, era, offered, not_offered):
    alice.sandbox.era = era
    alice.sandbox.save(update_fields=["era"])
    html = alice.get(URL).content.decode()
    assert '<option value="" selected>Select a runtime stack</option>' in html
    for label in offered:
        assert f">{label}</option>" in html, label
    for label in not_offered:
        assert f">{label}</option>" not in html, label
    assert '<optgroup label=".NET">' in html and '<optgroup label="Python">' in html


def test_a_windows_only_stack_greys_linux_and_chooses_windows(alice):
    html = alice.post(URL, form(alice, runtime_stack="aspnet|4.8", os="Linux", action="stay")).content.decode()
    assert re.search(r'id="webapp-os-linux"[^>]* disabled', html)
    assert 'id="webapp-os-windows" checked' in html
    assert "Windows Plan (East US)" in html


def test_a_linux_only_stack_greys_windows_and_offers_the_linux_plans(alice):
    html = alice.post(URL, form(alice, runtime_stack="python|3.9", os="Windows", action="stay")).content.decode()
    assert re.search(r'id="webapp-os-windows"[^>]* disabled', html)
    assert 'id="webapp-os-linux" checked' in html
    # The Windows plan posted isn't of Linux: the list starts over on the Linux plan.
    assert selected_plan(html) == str(plan_of(alice, "contoso-p1v3-plan").pk)


def test_a_stack_of_both_keeps_the_chosen_os(alice):
    html = alice.post(URL, form(alice, runtime_stack="node|14-lts", os="Linux", action="stay")).content.decode()
    assert 'id="webapp-os-linux" checked' in html
    assert not re.search(r'id="webapp-os-(linux|windows)"[^>]* disabled', html)


def test_review_asks_for_a_runtime_stack(alice):
    response = alice.post(URL, form(alice, runtime_stack=""))
    html = response.content.decode()
    assert "Select a runtime stack." in html and "Validation passed" not in html


def test_a_stack_of_the_other_era_is_not_a_choice(alice):
    response = alice.post(URL, form(alice, runtime_stack="dotnet|8", action="create"))
    assert response.status_code == 422
    assert "Select a runtime stack." in response.content.decode()
    assert not WebApp.objects.filter(sandbox=alice.sandbox, name="lab-app").exists()


def test_the_service_refuses_a_stack_the_plans_os_cant_run(alice):
    rg = ResourceGroup.objects.get(subscription__sandbox=alice.sandbox, name="contoso-rg")
    with pytest.raises(Exception, match="Python 3.9 runs on Linux"):
        appservice_services.create_webapp(rg, name="wrong-os", plan=plan_of(alice), runtime="python|3.9")
    assert not WebApp.objects.filter(name="wrong-os").exists()


def test_the_review_and_the_app_show_the_stack(alice):
    data = form(alice, runtime_stack="aspnet|4.8")
    review = alice.post(URL, data).content.decode()
    assert "Runtime stack" in review and "ASP.NET V4.8" in review
    alice.post(URL, {**data, "action": "create"})
    assert WebApp.objects.get(sandbox=alice.sandbox, name="lab-app").runtime_stack == "aspnet|4.8"


def test_the_current_overview_shows_the_runtime_stack_the_classic_one_doesnt(alice):
    app = WebApp.objects.select_related("resource_group__subscription").get(sandbox=alice.sandbox, name="contoso-api")
    url = reverse(
        "appservice:overview",
        kwargs={
            "subscription_id": app.resource_group.subscription.subscription_id,
            "rg": "contoso-rg",
            "name": app.name,
        },
    )
    assert "Runtime Stack" not in alice.get(url).content.decode()
    alice.sandbox.era = "current"
    alice.sandbox.save(update_fields=["era"])
    html = alice.get(url).content.decode()
    assert '<dt>Runtime Stack</dt><dd id="runtime-stack">.NET 5</dd>' in html
