"""The "Create a resource group" wizard (portal-ui §1.4)."""

import pytest
from django.test import Client
from django.urls import reverse

from portal.middleware import SESSION_KEY
from portal.models import ActivityLogEntry, Notification, ResourceGroup, Sandbox

URL = reverse("create_wizard", kwargs={"kind": "resourcegroup"})


def form(client, **overrides):
    data = {
        "subscription": str(client.sandbox.subscriptions.get().subscription_id),
        "name": "lab-rg",
        "region": "westeurope",
        "current_tab": "basics",
        "action": "review",
    }
    data.update(overrides)
    return data


def groups(client):
    return set(ResourceGroup.objects.filter(subscription__sandbox=client.sandbox).values_list("name", flat=True))


def test_it_shows_the_basics_tab_with_subscription_name_and_region(alice):
    response = alice.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Create a resource group" in html
    assert "Project details" in html and "Resource details" in html
    assert "Azure subscription 1" in html
    assert "(Europe) West Europe" in html
    assert "Review + create" in html and "&lt; Previous" in html and "Next : Review + create &gt;" in html


def test_review_passes_and_writes_nothing(alice):
    before = groups(alice)
    response = alice.post(URL, form(alice))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Validation passed" in html
    assert 'value="create"' in html
    assert groups(alice) == before
    assert not ActivityLogEntry.objects.filter(sandbox=alice.sandbox).exists()


def test_create_makes_the_group_and_shows_the_deployment(alice):
    response = alice.post(URL, form(alice, action="create"))
    assert response.status_code == 302
    group = ResourceGroup.objects.get(subscription__sandbox=alice.sandbox, name="lab-rg")
    assert group.location == "westeurope"
    page = alice.get(response["Location"])
    html = page.content.decode()
    assert "Your deployment is complete" in html
    assert "Go to resource group" in html
    overview = reverse("resource_group", kwargs={"subscription_id": group.subscription.subscription_id, "rg": "lab-rg"})
    assert f'href="{overview}"' in html
    assert ActivityLogEntry.objects.filter(sandbox=alice.sandbox, operation_name="Create Resource Group").exists()
    assert Notification.objects.filter(sandbox=alice.sandbox, title="Resource group created").exists()
    assert "lab-rg" in alice.get(reverse("resource_groups")).content.decode()


@pytest.mark.parametrize("name", ["ends-with-dot.", "has space", "a/b", "x" * 91, ""])
def test_it_refuses_a_name_against_azure_naming_rules_NAMING_01(alice, name):
    before = groups(alice)
    response = alice.post(URL, form(alice, name=name))
    assert response.status_code == 422
    html = response.content.decode()
    assert "Validation failed. Required information is missing or not valid." in html
    assert "NAMING-01" in html
    assert 'data-tab="basics" data-error="true"' in html
    assert groups(alice) == before


def test_it_refuses_an_existing_group_name_whatever_its_case_NAMING_01(alice):
    response = alice.post(URL, form(alice, name="CONTOSO-RG", action="create"))
    assert response.status_code == 422
    assert "already exists" in response.content.decode()
    assert groups(alice) == {"contoso-rg"}


def test_it_refuses_an_unknown_region(alice):
    response = alice.post(URL, form(alice, region="mars", action="create"))
    assert response.status_code == 422
    assert "Select a valid choice" in response.content.decode()
    assert groups(alice) == {"contoso-rg"}


def test_it_refuses_another_sandboxs_subscription(alice, bob):
    bob_sub = str(bob.sandbox.subscriptions.get().subscription_id)
    response = alice.post(URL, form(alice, subscription=bob_sub, action="create"))
    assert response.status_code == 422
    assert "Select a subscription." in response.content.decode()
    assert groups(alice) == {"contoso-rg"}
    assert groups(bob) == {"contoso-rg"}


def test_it_answers_htmx_with_the_wizard_fragment(alice):
    response = alice.post(URL, form(alice, action="next"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<form id="create-wizard"')
    assert "<html" not in html


def test_create_over_htmx_sends_the_browser_to_the_deployment(alice):
    response = alice.post(URL, form(alice, action="create"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "/create/deployments/" in response["HX-Location"]


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_it_refuses_other_methods_with_405(alice, method):
    assert getattr(alice, method)(URL).status_code == 405


def test_it_requires_the_csrf_token(db):
    client = Client(enforce_csrf_checks=True)
    client.get(reverse("home"))
    client.sandbox = Sandbox.objects.get(secret=client.session[SESSION_KEY])
    response = client.post(URL, form(client, action="create"))
    assert response.status_code == 403
    assert groups(client) == {"contoso-rg"}


def test_the_wizard_page_carries_the_csrf_token(alice):
    assert "csrfmiddlewaretoken" in alice.get(URL).content.decode()
