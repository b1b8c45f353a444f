"""The resource registry's lists and links."""

import uuid

import pytest
from django.urls import reverse

from portal.resources import blade_url, count_resources, recent_resources, resource_page

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
    assert count_resources(alice.sandbox) == count_resources(bob.sandbox) == 16
    rows, total, _, _ = resource_page(alice.sandbox, arm_type="Microsoft.ClassicNetwork/virtualNetworks")
    assert total == 2 and all(r.type_label == "Virtual network (classic)" for r in rows)


def test_a_filter_with_like_wildcards_matches_them_literally(alice):
    assert resource_page(alice.sandbox, q="%")[1] == 0
    assert resource_page(alice.sandbox, q="_")[1] == 0


def test_recent_resources_are_newest_first_with_real_datetimes(alice):
    recent = recent_resources(alice.sandbox, limit=3)
    assert len(recent) == 3
    assert recent[0].created_at >= recent[1].created_at >= recent[2].created_at
    assert recent[0].created_at.tzinfo is not None


@pytest.mark.parametrize("rg, name", [("contoso-rg", "contoso-web"), ("rg (prod).v2", "a_b.c"), ("ünïcødé-rg", "x"), ("zqnameqz", "zqrgqz")])
def test_fast_reverse_gives_what_reverse_gives(rg, name):
    from portal.urlcache import fast_reverse

    sub = uuid.uuid4()
    for page in ("overview", "networking", "vnet_integration", "add_vnet"):
        kwargs = {"subscription_id": sub, "rg": rg, "name": name}
        assert fast_reverse(f"appservice:{page}", **kwargs) == reverse(f"appservice:{page}", kwargs=kwargs)
