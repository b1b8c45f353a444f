"""The deployment page that follows a create (portal-ui §1.4 step 5)."""

import uuid

from django.urls import reverse

from portal.models import ActivityLogEntry, ResourceGroup
from tests.helpers import create_group


def test_it_shows_the_deployment_details(alice):
    url = create_group(alice)
    entry = ActivityLogEntry.objects.get(sandbox=alice.sandbox, operation_name="Create Resource Group")
    html = alice.get(url).content.decode()
    assert "Your deployment is complete" in html
    assert f"Microsoft.ResourceGroup-{entry.timestamp:%Y%m%d%H%M%S}" in html
    assert str(entry.correlation_id) in html
    assert "Azure subscription 1" in html and "deploy-rg" in html
    assert "Go to resource group" in html


def test_another_sandbox_cannot_see_the_deployment(alice, bob):
    url = create_group(alice)
    assert bob.get(url).status_code == 404


def test_an_unknown_deployment_is_a_404(alice):
    assert alice.get(reverse("create_deployment", kwargs={"correlation_id": uuid.uuid4()})).status_code == 404


def test_go_to_resource_is_disabled_once_the_resource_is_gone(alice):
    url = create_group(alice)
    ResourceGroup.objects.filter(subscription__sandbox=alice.sandbox, name="deploy-rg").delete()
    html = alice.get(url).content.decode()
    assert "The resource no longer exists." in html
    assert 'id="go-to-resource"' not in html


def test_it_refuses_a_post_with_405(alice):
    url = create_group(alice)
    assert alice.post(url).status_code == 405
