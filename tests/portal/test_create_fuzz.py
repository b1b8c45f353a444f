"""Fuzzing the create wizards: malformed CIDRs, names and unicode never give
a 500 and never change the database unless the create really succeeded."""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appservice.models import AppServicePlan, WebApp
from networking.models import Subnet, VirtualNetwork
from portal.models import ActivityLogEntry, Notification, ResourceGroup

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# Any text that can travel in a form post (no lone surrogates), favouring the odd.
texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=80)
octet = st.integers(min_value=-5, max_value=300)
cidrs = st.one_of(
    texts,
    st.builds(lambda a, b, c, d, n: f"{a}.{b}.{c}.{d}/{n}", octet, octet, octet, octet, st.integers(-1, 40)),
    st.builds(lambda a, n: f"{a}::/{n}", st.sampled_from(["fd00", "2001:db8", "fe80", "zz"]), st.integers(0, 130)),
    st.sampled_from(["10.0.0.0/8", "0.0.0.0/0", "255.255.255.255/32", "10.0.0.0/33", "10.0.0.0", "/24", "١٠.0.0.0/8"]),
)
names = st.one_of(texts, st.sampled_from(["contoso-rg", "contoso-vnet", "contoso-web", "a" * 300, "x\x00y", "名前"]))
actions = st.sampled_from(["review", "create", "next", "add_subnet", "remove_subnet:0", "remove_subnet:x", "new_rg", "bogus"])


def snapshot(sandbox):
    return (
        ResourceGroup.objects.filter(subscription__sandbox=sandbox).count(),
        VirtualNetwork.objects.filter(sandbox=sandbox).count(),
        Subnet.objects.filter(vnet__sandbox=sandbox).count(),
        AppServicePlan.objects.filter(sandbox=sandbox).count(),
        WebApp.objects.filter(sandbox=sandbox).count(),
        ActivityLogEntry.objects.filter(sandbox=sandbox).exclude(status="Failed").count(),  # CLS-13 records refusals
        Notification.objects.filter(sandbox=sandbox).count(),
    )


def post_and_check(client, kind, data):
    before = snapshot(client.sandbox)
    response = client.post(reverse("create_wizard", kwargs={"kind": kind}), data)
    assert response.status_code in (200, 302, 422)
    if response.status_code != 302:
        assert snapshot(client.sandbox) == before
    else:
        assert data["action"] == "create"
        assert snapshot(client.sandbox) != before


def basics(client, **values):
    return {"subscription": str(client.sandbox.subscriptions.get().subscription_id), "current_tab": "basics", **values}


@FUZZ
@given(name=names, space=st.lists(cidrs, max_size=3), subnets=st.lists(st.tuples(names, cidrs), max_size=3), action=actions, tab=texts)
@pytest.mark.django_db
def test_fuzzed_vnet_wizard_never_fails_or_half_writes(alice, name, space, subnets, action, tab):
    data = basics(
        alice,
        resource_group="contoso-rg",
        name=name,
        region="eastus",
        action=action,
        current_tab=tab,
        address_space=space,
        subnet_name=[n for n, _ in subnets],
        subnet_prefix=[p for _, p in subnets],
        new_rg_name=name,
    )
    post_and_check(alice, "virtualnetwork", data)


@FUZZ
@given(name=names, region=st.one_of(texts, st.just("eastus")), action=actions)
@pytest.mark.django_db
def test_fuzzed_resource_group_wizard_never_fails(alice, name, region, action):
    post_and_check(alice, "resourcegroup", basics(alice, name=name, region=region, action=action))


@FUZZ
@given(name=names, rg=names, os_name=st.one_of(texts, st.just("Linux")), sku=st.one_of(texts, st.sampled_from(["S1", "I1"])), action=actions)
@pytest.mark.django_db
def test_fuzzed_plan_wizard_never_fails(alice, name, rg, os_name, sku, action):
    data = basics(alice, name=name, resource_group=rg, new_resource_group=rg, os=os_name, sku=sku, region="eastus", action=action)
    post_and_check(alice, "appserviceplan", data)


@FUZZ
@given(name=names, plan=st.one_of(texts, st.integers(-5, 10**12).map(str)), action=st.one_of(actions, st.just("check_name")))
@pytest.mark.django_db
def test_fuzzed_webapp_wizard_never_fails(alice, name, plan, action):
    post_and_check(alice, "webapp", basics(alice, name=name, resource_group="contoso-rg", plan=plan, action=action))
