"""Essentials' "Resource group (change)" and "Subscription (change)" open the
"Move resources" pane (portal-ui §1.7); its answers to good and bad input
(MOVE-01..08)."""

import pytest
from django.urls import reverse

from appservice import services as app_services
from appservice.models import AppServicePlan
from networking.models import RouteTable, VirtualNetwork
from portal.access import blade_kwargs
from portal.models import ResourceGroup
from portal.registry import registry
from portal.resources import resource_url
from portal.services import create_resource_group, set_era
from tests.helpers import HX, app_of, subnet_of
from tests.helpers.nsgs import make_table

pytestmark = pytest.mark.django_db


def _move_url(resource) -> str:
    provider, _, type_name = resource.arm_type.partition("/")
    return reverse("resource_move", kwargs={**blade_kwargs(resource), "provider": provider, "type_name": type_name})


def _post(client, resource, **data):
    values = {"subscription": str(resource.resource_group.subscription.subscription_id), "action": "validate"}
    return client.post(_move_url(resource), {**values, **data}, **HX)


def test_essentials_show_change_links_beside_resource_group_and_subscription(alice):
    sandbox = alice.sandbox
    for resource in (
        app_of(alice, "contoso-web"),
        AppServicePlan.objects.get(sandbox=sandbox, name="contoso-s1-plan"),
        VirtualNetwork.objects.get(sandbox=sandbox, name="contoso-vnet"),
        make_table(alice),
    ):
        html = alice.get(resource_url(resource)).content.decode()
        assert 'id="move-group-link">change</a>)' in html, resource.name
        assert 'id="move-subscription-link">change</a>)' in html, resource.name
        assert _move_url(resource) in html


def test_a_resource_group_has_no_change_links(alice):
    group = ResourceGroup.objects.get(subscription__sandbox=alice.sandbox, name="contoso-rg")
    html = alice.get(
        reverse("resource_group", kwargs={"subscription_id": group.subscription.subscription_id, "rg": group.name})
    ).content.decode()
    assert "move-group-link" not in html and "move-subscription-link" not in html


def test_the_pane_lists_the_resource_and_its_children(alice):
    vnet = VirtualNetwork.objects.get(sandbox=alice.sandbox, name="contoso-vnet")
    html = alice.get(_move_url(vnet), **HX).content.decode()
    assert "<h2>Move resources</h2>" in html and 'id="move-items"' in html
    assert "integration-subnet" in html and "I understand that tools and scripts" in html


def test_the_subscription_pane_says_the_sandbox_has_one_subscription(alice):
    app = app_of(alice, "contoso-web")
    html = alice.get(_move_url(app) + "?to=subscription", **HX).content.decode()
    assert 'id="move-one-subscription"' in html and "The sandbox has one subscription" in html


def test_validate_says_the_move_can_be_made(alice):
    table = make_table(alice)
    create_resource_group(alice.sandbox, name="target-rg", location="eastus")
    html = _post(alice, table, target="target-rg").content.decode()
    assert "Checking whether these resources can be moved" in html and 'id="move-valid"' in html
    assert RouteTable.objects.get(pk=table.pk).resource_group.name == "contoso-rg"


@pytest.mark.parametrize("target", ["", "contoso-rg", "no-such-rg", "x" * 500, "../../etc"])
def test_move_01_a_bad_target_is_a_field_error_and_nothing_changes(alice, target):
    table = make_table(alice)
    response = _post(alice, table, target=target, action="move", acknowledge="on")
    assert response.status_code == 422
    assert "MOVE-01" in response.content.decode()
    assert RouteTable.objects.get(pk=table.pk).resource_group.name == "contoso-rg"


def test_move_08_the_move_needs_the_acknowledgement(alice):
    table = make_table(alice)
    create_resource_group(alice.sandbox, name="target-rg", location="eastus")
    response = _post(alice, table, target="target-rg", action="move")
    assert response.status_code == 422 and "MOVE-08" in response.content.decode()
    assert RouteTable.objects.get(pk=table.pk).resource_group.name == "contoso-rg"


def test_move_goes_to_the_resource_at_its_new_id(alice):
    table = make_table(alice)
    create_resource_group(alice.sandbox, name="target-rg", location="eastus")
    response = _post(alice, table, target="target-rg", action="move", acknowledge="on")
    moved = RouteTable.objects.get(pk=table.pk)
    assert moved.resource_group.name == "target-rg"
    assert response.status_code == 200 and resource_url(moved) in response["HX-Location"]
    assert alice.get(resource_url(moved)).status_code == 200


def test_move_06_another_subscription_is_refused_on_its_field(alice):
    table = make_table(alice)
    response = _post(alice, table, subscription="00000000-0000-0000-0000-000000000001", target="x", action="move")
    assert response.status_code == 422 and "MOVE-06" in response.content.decode()


def test_an_outsider_gets_404(alice, bob):
    table = make_table(alice)
    create_resource_group(alice.sandbox, name="target-rg", location="eastus")
    assert bob.get(_move_url(table), **HX).status_code == 404
    assert _post(bob, table, target="target-rg", action="move", acknowledge="on").status_code == 404
    assert RouteTable.objects.get(pk=table.pk).resource_group.name == "contoso-rg"


def test_wrong_method_and_full_page(alice):
    table = make_table(alice)
    assert alice.delete(_move_url(table)).status_code == 405
    page = alice.get(_move_url(table))
    assert page.status_code == 200 and "<html" in page.content.decode()


def test_asvi_64_the_subscription_pane_says_an_integrated_app_couldnt_move(alice):
    sub = subnet_of(alice, "contoso-vnet", "integration-subnet")
    app = app_of(alice, "contoso-web")
    app_services.add_regional_integration(app, sub.vnet, subnet=sub)
    html = alice.get(_move_url(app) + "?to=subscription", **HX).content.decode()
    assert "can&#x27;t move to another subscription while virtual network integration is in use." in html
    assert "ERR-17, ASVI-64" in html


def test_every_listed_type_s_pane_opens(carol):
    """The pane reads children generically: no type of the seed breaks it."""
    opened = 0
    for resource_type in registry.listed():
        for resource in resource_type.rows(carol.sandbox).select_related("resource_group__subscription")[:2]:
            assert carol.get(_move_url(resource), **HX).status_code == 200, resource_type.arm_type
            opened += 1
    assert opened > 5


def test_the_current_era_labels_the_links_move(alice):
    set_era(alice.sandbox, "current")
    html = alice.get(resource_url(make_table(alice))).content.decode()
    assert 'id="move-group-link">move</a>)' in html and 'id="move-subscription-link">move</a>)' in html
