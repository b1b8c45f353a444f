"""A cluster's status badge, live: creating or scaling is a long-running
operation, and every open tab of the sandbox sees the badge turn from
"Creating"/"Updating" to "Succeeded" without reloading, as an app's badge
turns from "Restarting" to "Running" (docs/architecture.md, "Live
operations")."""

import re

import pytest
from channels.db import database_sync_to_async
from django.urls import reverse

from aks import services
from aks.models import ManagedCluster
from networking.models import Subnet
from networking.services import vnets
from portal import live
from portal.models import ResourceGroup
from portal.seed import create_sandbox
from portal.services import render_push
from tests.helpers.aks import aks_subnets, finish_operations, group, spec
from tests.helpers.sockets import receive_until, tab_elsewhere, tab_socket


def badge(cluster_pk: int, state: str) -> str:
    """The start of the badge as every page and push renders it."""
    return f'id="cluster-status-{cluster_pk}" class="az-status az-status-{state.lower()}" data-state="{state}"'


def blade(cluster, page: str = "overview") -> str:
    rg = cluster.resource_group
    return reverse(
        f"aks:{page}", kwargs={"subscription_id": rg.subscription.subscription_id, "rg": rg.name, "name": cluster.name}
    )


@pytest.fixture
def sent(monkeypatch, alice) -> list[dict]:
    """What the pushes send to the tab alice has open."""
    tab_elsewhere(alice.sandbox)
    messages: list[dict] = []
    monkeypatch.setattr(live, "group_send", lambda group, message: messages.append(message))
    return messages


@pytest.fixture
def subnet(alice):
    return aks_subnets(alice)["aks-subnet"]


# --- the push every tab receives ---------------------------------------------------------


def test_the_push_for_a_finished_create_carries_the_clusters_badge_as_succeeded(
    alice, subnet, sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        cluster = services.create_cluster(group(alice), spec(subnet))
    started = sent[-1]["html"]
    assert badge(cluster.pk, "Creating") in started
    assert "Creating..." in started
    sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        finish_operations(alice)
    [done] = sent
    assert f'{badge(cluster.pk, "Succeeded")} hx-swap-oob="true"' in done["html"]
    assert "Deployment succeeded" in done["html"]


def test_the_push_for_a_finished_scale_turns_updating_into_succeeded(
    alice, subnet, sent, django_capture_on_commit_callbacks
):
    cluster = services.create_cluster(group(alice), spec(subnet))
    finish_operations(alice)
    with django_capture_on_commit_callbacks(execute=True):
        services.scale_pool(cluster.pools.get(), 4)
    assert badge(cluster.pk, "Updating") in sent[-1]["html"]
    assert sent[-1]["operations"]  # each tab sets a timer for its end
    sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        finish_operations(alice)
    assert badge(cluster.pk, "Succeeded") in sent[-1]["html"]
    assert "Successfully scaled node pool &#x27;agentpool&#x27;" in sent[-1]["html"]


def test_an_app_restart_pushes_no_cluster_badge_and_a_cluster_no_app_badge(alice, subnet):
    cluster = services.create_cluster(group(alice), spec(subnet))
    html = render_push(alice.sandbox, badges={ManagedCluster.arm_type: [cluster.pk]})
    assert "app-status-" not in html and badge(cluster.pk, "Creating") in html
    assert "cluster-status-" not in render_push(alice.sandbox, badges={"Microsoft.Web/sites": []})


def test_a_push_never_renders_another_sandboxs_cluster(alice, bob, subnet):
    cluster = services.create_cluster(group(alice), spec(subnet))
    assert "cluster-status-" not in render_push(bob.sandbox, badges={ManagedCluster.arm_type: [cluster.pk]})


# --- the pages carry the same badge ---------------------------------------------------------


def test_the_overview_shows_creating_with_a_spinner_until_the_create_ends(alice, subnet, settings):
    settings.VNETLAB_OPERATION_SECONDS = 60
    cluster = services.create_cluster(group(alice), spec(subnet))
    html = alice.get(blade(cluster)).content.decode()
    assert badge(cluster.pk, "Creating") in html
    assert re.search(rf'id="cluster-status-{cluster.pk}"[^>]*><span class="spinner-border', html)
    finish_operations(alice)
    assert badge(cluster.pk, "Succeeded") in alice.get(blade(cluster)).content.decode()


def test_the_scale_banner_carries_the_badge_that_the_push_turns_to_succeeded(alice, subnet, settings):
    cluster = services.create_cluster(group(alice), spec(subnet))
    finish_operations(alice)
    settings.VNETLAB_OPERATION_SECONDS = 60
    response = alice.post(blade(cluster, "scale"), {"pool": "agentpool", "node_count": "4"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "Scaling started" in html and badge(cluster.pk, "Updating") in html


# --- two tabs on their WebSockets -----------------------------------------------------------


def _create_cluster(sandbox) -> int:
    rg = ResourceGroup.objects.select_related("subscription__sandbox").get(
        subscription__sandbox=sandbox, name="contoso-rg"
    )
    vnet = vnets.create_vnet(
        rg, name="aks-vnet", location="eastus", address_space=["10.50.0.0/16"], subnets=[("aks-subnet", "10.50.0.0/24")]
    )
    subnet = Subnet.objects.select_related("vnet", "route_table").get(vnet=vnet)
    return services.create_cluster(rg, spec(subnet)).pk


@pytest.mark.django_db(transaction=True)
async def test_every_tab_sees_the_cluster_go_from_creating_to_succeeded_and_others_see_nothing(settings):
    settings.VNETLAB_OPERATION_SECONDS = 0.3
    mine = await database_sync_to_async(create_sandbox)()
    theirs = await database_sync_to_async(create_sandbox)()
    tab1, tab2, stranger = tab_socket(mine), tab_socket(mine), tab_socket(theirs)
    for tab in (tab1, tab2, stranger):
        connected, _ = await tab.connect()
        assert connected

    cluster_pk = await database_sync_to_async(_create_cluster)(mine)
    for tab in (tab1, tab2):
        creating = await receive_until(tab, badge(cluster_pk, "Creating"))
        assert "Deployment in progress..." in creating
        # The consumers' timer finishes the create and pushes the settled badge.
        done = await receive_until(tab, badge(cluster_pk, "Succeeded"))
        assert "Deployment succeeded" in done
    assert await stranger.receive_nothing(timeout=0.5)
    for tab in (tab1, tab2, stranger):
        await tab.disconnect()
    state = await database_sync_to_async(
        lambda: services.cluster_state(ManagedCluster.objects.select_related("resource_group__subscription").get(pk=cluster_pk))
    )()
    assert state == "Succeeded"
