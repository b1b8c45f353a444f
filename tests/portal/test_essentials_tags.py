"""Every overview's Essentials end with "Tags (edit)": the resource's tags
as chips, or "Click here to add tags" (portal-ui §1.7), linked to the Tags
page (TAG-01..05 govern what can be written there)."""

import pytest

from appservice.models import AppServicePlan
from networking.models import VirtualNetwork
from portal import tags
from portal.resources import resource_url
from tests.helpers import app_of

pytestmark = pytest.mark.django_db


def _overviews(client):
    sandbox = client.sandbox
    return [
        app_of(client, "contoso-web"),
        AppServicePlan.objects.get(sandbox=sandbox, name="contoso-s1-plan"),
        VirtualNetwork.objects.get(sandbox=sandbox, name="contoso-vnet"),
    ]


def test_an_untagged_resource_offers_to_add_tags(alice):
    for resource in _overviews(alice):
        html = alice.get(resource_url(resource)).content.decode()
        assert 'id="essentials-tags"' in html and "Click here to add tags" in html, resource.name
        assert f"/providers/{resource.arm_type}/{resource.name}/tags" in html, resource.name


def test_tags_show_as_chips_on_the_overview(alice):
    for resource in _overviews(alice):
        tags.set_tags(resource, {"env": "lab", "Owner": "ops"})
        html = alice.get(resource_url(resource)).content.decode()
        assert 'data-tag="env">env : lab</span>' in html and 'data-tag="Owner">Owner : ops</span>' in html
        assert "Click here to add tags" not in html
