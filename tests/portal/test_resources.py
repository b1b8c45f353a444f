"""The resource registry's lists and links."""

import uuid

import pytest
from django.urls import reverse

from networking.services import nsgs, vnets
from portal.models import ResourceGroup
from portal.resources import blade_url, count_resources, recent_resources, resource_page
from tests.helpers import vnet_of

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("rg, name", [("contoso-rg", "contoso-web"), ("rg (prod).v2", "a_b.c"), ("ünïcødé-rg", "x")])
def test_blade_links_are_exactly_what_reverse_gives(rg, name):
    sub = uuid.uuid4()
    assert blade_url("Microsoft.Web/sites", sub, rg, name) == reverse(
        "appservice:overview", kwargs={"subscription_id": sub, "rg": rg, "name": name}
    )
    assert blade_url("Microsoft.ClassicNetwork/virtualNetworks", sub, rg, name) == reverse(
        "networking:vnet_overview",
        kwargs={"subscription_id": sub, "rg": rg, "name": name, "provider": "Microsoft.ClassicNetwork"},
    )


def test_lists_are_scoped_to_the_sandbox_and_filtered(alice, bob):
    rows, total, pages, page = resource_page(alice.sandbox, q="WEST")
    assert [r.name for r in rows] == ["contoso-westus-vnet", "contoso-westus-vpngw"]
    assert (total, pages, page) == (2, 1, 1)
    assert (
        count_resources(alice.sandbox) == count_resources(bob.sandbox) == 15
    )  # the classic VNet's gateway is no resource of its own (CLASSIC-02)
    rows, total, _, _ = resource_page(alice.sandbox, arm_type="Microsoft.ClassicNetwork/virtualNetworks")
    assert total == 2 and all(r.type_label == "Virtual network (classic)" for r in rows)


def test_a_filter_with_like_wildcards_matches_them_literally(alice):
    assert resource_page(alice.sandbox, q="%")[1] == 0
    assert resource_page(alice.sandbox, q="_")[1] == 0


def test_a_loaded_estate_leaves_no_recent_resources(alice):
    assert recent_resources(alice.sandbox) == []
    assert "No recent resources" in alice.get(reverse("home")).content.decode()


def test_recent_resources_are_those_the_learner_acted_on_newest_first(alice):
    rg = ResourceGroup.objects.get(subscription__sandbox=alice.sandbox, name="contoso-rg")
    vnets.create_vnet(
        rg, name="lab-vnet", location="eastus", address_space=["10.50.0.0/16"], subnets=[("default", "10.50.0.0/24")]
    )
    nsgs.create_nsg(rg, name="lab-nsg", location="eastus")
    nsgs.delete_nsg(nsgs.create_nsg(rg, name="gone-nsg", location="eastus"))
    # A subnet's change counts for its VNet.
    vnets.create_subnet(vnet_of(alice, "contoso-vnet"), name="lab-subnet", prefix="10.0.200.0/24")
    recent = recent_resources(alice.sandbox)
    assert [(r.name, r.type_label) for r in recent] == [
        ("contoso-vnet", "Virtual network"),
        ("lab-nsg", "Network security group"),
        ("lab-vnet", "Virtual network"),
    ]
    assert recent[0].last_activity >= recent[1].last_activity >= recent[2].last_activity
    assert recent[0].last_activity.tzinfo is not None
    home = alice.get(reverse("home")).content.decode()
    assert "lab-nsg" in home and "gone-nsg" not in home and "contoso-web" not in home


@pytest.mark.parametrize(
    "rg, name", [("contoso-rg", "contoso-web"), ("rg (prod).v2", "a_b.c"), ("ünïcødé-rg", "x"), ("zqnameqz", "zqrgqz")]
)
def test_fast_reverse_gives_what_reverse_gives(rg, name):
    from portal.urlcache import fast_reverse

    sub = uuid.uuid4()
    for page in ("overview", "networking", "vnet_integration", "add_vnet"):
        kwargs = {"subscription_id": sub, "rg": rg, "name": name}
        assert fast_reverse(f"appservice:{page}", **kwargs) == reverse(f"appservice:{page}", kwargs=kwargs)
