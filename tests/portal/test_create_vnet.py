"""The "Create virtual network" wizard, 2021-2022 tabs (portal-ui §3.1)."""

import pytest
from django.urls import reverse

from networking.models import Subnet, VirtualNetwork
from portal import services as portal_services
from portal.models import ActivityLogEntry, Notification, ResourceGroup
from portal.resources import resource_url

URL = reverse("create_wizard", kwargs={"kind": "virtualnetwork"})


def form(client, *, subnets=(("default", "10.0.0.0/24"),), space=("10.0.0.0/16",), **overrides):
    data = {
        "subscription": str(client.sandbox.subscriptions.get().subscription_id),
        "resource_group": "contoso-rg",
        "new_resource_group": "",
        "name": "lab-vnet",
        "region": "eastus",
        "current_tab": "basics",
        "action": "review",
        "address_space": list(space),
        "subnet_name": [n for n, _ in subnets],
        "subnet_prefix": [p for _, p in subnets],
    }
    data.update(overrides)
    return data


def state(client):
    """Everything a refused create must leave untouched."""
    sandbox = client.sandbox
    return (
        sorted(VirtualNetwork.objects.filter(sandbox=sandbox).values_list("name", flat=True)),
        Subnet.objects.filter(vnet__sandbox=sandbox).count(),
        sorted(ResourceGroup.objects.filter(subscription__sandbox=sandbox).values_list("name", flat=True)),
        ActivityLogEntry.objects.filter(sandbox=sandbox).exclude(status="Failed").count(),
        Notification.objects.filter(sandbox=sandbox).count(),
    )


def refused(client, data, *texts):
    before = state(client)
    response = client.post(URL, data)
    assert response.status_code == 422
    html = response.content.decode()
    assert "Validation failed. Required information is missing or not valid." in html
    for text in texts:
        assert text in html
    assert state(client) == before
    return html


def test_it_opens_on_basics_with_the_default_space_and_subnet(alice):
    response = alice.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Create virtual network" in html
    for tab in ("Basics", "IP Addresses", "Security", "Review + create"):
        assert tab in html
    assert "Next : IP Addresses &gt;" in html
    assert 'value="10.0.0.0/16"' in html
    assert 'value="default"' in html and 'value="10.0.0.0/24"' in html
    assert "(US) East US" in html
    assert "Create new" in html


def test_review_passes_then_create_makes_the_vnet_with_its_subnets(alice):
    data = form(alice, subnets=(("default", "10.0.0.0/24"), ("apps", "10.0.1.0/26")))
    before = state(alice)
    review = alice.post(URL, data)
    assert review.status_code == 200
    assert "Validation passed" in review.content.decode()
    assert state(alice) == before

    response = alice.post(URL, {**data, "action": "create"})
    assert response.status_code == 302
    vnet = VirtualNetwork.objects.get(sandbox=alice.sandbox, name="lab-vnet")
    assert vnet.address_space == ["10.0.0.0/16"]
    assert sorted(vnet.subnets.values_list("name", "address_prefix")) == [("apps", "10.0.1.0/26"), ("default", "10.0.0.0/24")]

    page = alice.get(response["Location"]).content.decode()
    assert "Your deployment is complete" in page
    for label in ("Deployment name", "Subscription", "Resource group", "Start time", "Correlation ID"):
        assert label in page
    assert f'href="{resource_url(vnet)}"' in page and "Go to resource" in page
    assert "lab-vnet" in alice.get(reverse("all_resources")).content.decode()
    rg = vnet.resource_group
    rg_page = alice.get(reverse("resource_group", kwargs={"subscription_id": rg.subscription.subscription_id, "rg": rg.name}))
    assert "lab-vnet" in rg_page.content.decode()
    assert ActivityLogEntry.objects.filter(sandbox=alice.sandbox, resource_id=vnet.arm_id).exists()
    assert Notification.objects.filter(sandbox=alice.sandbox, body__contains="lab-vnet").exists()


def test_next_and_previous_keep_the_wizard_state(alice):
    response = alice.post(URL, form(alice, name="kept-vnet", action="next"))
    html = response.content.decode()
    assert 'name="current_tab" value="ipaddresses"' in html
    assert 'value="kept-vnet"' in html
    back = alice.post(URL, form(alice, name="kept-vnet", action="prev", current_tab="ipaddresses")).content.decode()
    assert 'name="current_tab" value="basics"' in back
    assert "Next : Security &gt;" in alice.post(URL, form(alice, action="next")).content.decode()


def test_add_subnet_adds_a_row_in_the_next_free_range(alice):
    html = alice.post(URL, form(alice, action="add_subnet", current_tab="ipaddresses")).content.decode()
    assert 'value="10.0.1.0/24"' in html
    assert html.count('name="subnet_name"') == 2


def test_remove_subnet_drops_the_row(alice):
    data = form(alice, subnets=(("default", "10.0.0.0/24"), ("other", "10.0.1.0/24")), action="remove_subnet:0")
    html = alice.post(URL, data).content.decode()
    assert 'value="other"' in html and 'value="default"' not in html


@pytest.mark.parametrize(
    ("prefix", "reason"),
    [("224.0.0.0/4", "multicast"), ("127.0.0.0/16", "loopback"), ("169.254.0.0/16", "link-local"), ("168.63.129.16/32", "internal DNS")],
)
def test_it_refuses_a_reserved_address_space_VNET_02_ERR_20(alice, prefix, reason):
    html = refused(alice, form(alice, space=(prefix,), subnets=()), "ERR-20", "VNET-02", reason)
    assert 'data-tab="ipaddresses" data-error="true"' in html


def test_it_refuses_overlapping_address_spaces_VNET_03(alice):
    refused(alice, form(alice, space=("10.0.0.0/16", "10.0.128.0/17")), "overlaps address space", "VNET-03")


def test_it_warns_about_public_address_space_VNET_01(alice):
    html = alice.post(URL, form(alice, space=("20.0.0.0/16",), subnets=(), action="next")).content.decode()
    assert "VNET-01" in html and "20.0.0.0/16" in html


@pytest.mark.parametrize("prefix", ["10.0.0.0/30", "10.0.0.0/32"])
def test_it_refuses_a_subnet_smaller_than_29_SUBNET_03_ERR_23(alice, prefix):
    refused(alice, form(alice, subnets=(("tiny", prefix),)), "ERR-23", "SUBNET-03", "/8–/29")


def test_the_largest_subnet_follows_the_era_SUBNET_03(alice):
    # Classic (2021): /8 at most; Current (2026): /2.
    space = ("10.0.0.0/8",)
    refused(alice, form(alice, space=space, subnets=(("big", "8.0.0.0/7"),)), "ERR-23", "/8–/29")
    portal_services.set_era(alice.sandbox, "current")
    # Current's address space editor posts each space as its starting address and size.
    space = {"space": (), "space_start": ["10.0.0.0"], "space_size": ["8"]}
    refused(alice, form(alice, **space, subnets=(("big", "0.0.0.0/1"),)), "ERR-23", "/2–/29")
    ok = alice.post(URL, form(alice, **space, subnets=(("big", "10.0.0.0/8"),)))
    assert "Validation passed" in ok.content.decode()


def test_it_refuses_a_subnet_outside_the_address_space_SUBNET_05_ERR_21(alice):
    refused(alice, form(alice, subnets=(("away", "10.1.0.0/24"),)), "ERR-21", "SUBNET-05", "outside the address space")


def test_it_refuses_overlapping_subnets_SUBNET_05_ERR_21(alice):
    subnets = (("one", "10.0.0.0/24"), ("two", "10.0.0.128/25"))
    refused(alice, form(alice, subnets=subnets), "ERR-21", "SUBNET-05", "overlaps &#x27;one (10.0.0.0/24)&#x27;")


def test_it_refuses_a_prefix_with_host_bits_and_says_what_was_meant(alice):
    refused(alice, form(alice, subnets=(("x", "10.0.0.5/24"),)), "Did you mean &#x27;10.0.0.0/24&#x27;?")


@pytest.mark.parametrize("name", ["-starts-with-hyphen", "ends.", "a", "space name", "ünïcode"])
def test_it_refuses_a_bad_vnet_name_NAMING_02(alice, name):
    refused(alice, form(alice, name=name), "NAMING-02")


def test_it_refuses_a_vnet_name_taken_in_the_resource_group_NAMING_02(alice):
    refused(alice, form(alice, name="CONTOSO-VNET", action="create"), "already exists in resource group", "NAMING-02")


@pytest.mark.parametrize("name", ["bad name", "-x", "dot."])
def test_it_refuses_a_bad_subnet_name_NAMING_03(alice, name):
    refused(alice, form(alice, subnets=((name, "10.0.0.0/24"),)), "NAMING-03")


def test_it_refuses_the_same_subnet_name_twice_NAMING_03(alice):
    subnets = (("dup", "10.0.0.0/24"), ("DUP", "10.0.1.0/24"))
    refused(alice, form(alice, subnets=subnets), "listed twice", "NAMING-03")


def test_a_refused_create_writes_nothing(alice):
    refused(alice, form(alice, space=("127.0.0.0/8",), action="create"), "ERR-20")


def test_create_new_resource_group_adds_a_new_option_and_creates_both(alice):
    html = alice.post(URL, form(alice, action="new_rg", new_rg_name="lab-new-rg")).content.decode()
    assert "(new) lab-new-rg" in html
    assert 'name="new_resource_group" value="lab-new-rg"' in html
    data = form(alice, resource_group="lab-new-rg", new_resource_group="lab-new-rg", region="westus", action="create")
    response = alice.post(URL, data)
    assert response.status_code == 302
    rg = ResourceGroup.objects.get(subscription__sandbox=alice.sandbox, name="lab-new-rg")
    assert rg.location == "westus"
    assert VirtualNetwork.objects.get(sandbox=alice.sandbox, name="lab-vnet").resource_group == rg


def test_review_of_a_new_resource_group_writes_nothing(alice):
    before = state(alice)
    data = form(alice, resource_group="lab-new-rg", new_resource_group="lab-new-rg")
    assert "Validation passed" in alice.post(URL, data).content.decode()
    assert state(alice) == before


@pytest.mark.parametrize("name", ["bad name!", "contoso-rg", ""])
def test_create_new_refuses_a_bad_or_taken_group_name_NAMING_01(alice, name):
    response = alice.post(URL, form(alice, action="new_rg", new_rg_name=name))
    assert response.status_code == 422
    html = response.content.decode()
    assert "NAMING-01" in html
    assert '<details class="az-create-new" id="create-new-resource-group" open>' in html


def test_a_resource_group_is_picked_whatever_the_case_it_is_posted_in(alice):
    html = alice.post(URL, form(alice, resource_group="CONTOSO-RG", action="stay")).content.decode()
    assert '<option value="contoso-rg" selected>contoso-rg</option>' in html
    review = alice.post(URL, form(alice, resource_group="CONTOSO-RG")).content.decode()
    assert "Validation passed" in review and "<dd>contoso-rg</dd>" in review


def test_alice_cannot_choose_bobs_resource_group(alice, bob):
    ResourceGroup.objects.create(subscription=bob.sandbox.subscriptions.get(), name="bob-only-rg", location="eastus")
    bob_before = state(bob)
    refused(alice, form(alice, resource_group="bob-only-rg", action="create"), "Select a resource group")
    assert state(bob) == bob_before
    assert not VirtualNetwork.objects.filter(name="lab-vnet").exists()


def test_the_wizard_fragment_for_htmx(alice):
    response = alice.post(URL, form(alice, action="next"), headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<form id="create-wizard"') and "<html" not in html
    assert "HX-Request" in response["Vary"]


def test_a_failed_review_over_htmx_is_a_422_fragment(alice):
    response = alice.post(URL, form(alice, name="-"), headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert "<html" not in response.content.decode()


@pytest.mark.parametrize("method", ["put", "delete"])
def test_it_refuses_other_methods_with_405(alice, method):
    assert getattr(alice, method)(URL).status_code == 405
