"""A VNet's Peerings page, the "Add peering" pane (both links), a link's
settings and Delete, as a learner's browser talks to them."""

from html import unescape

import pytest

from networking.models import VirtualNetworkPeering
from networking.services import peerings
from networking.services.peerings import LinkSettings
from portal.errors import AzureRuleError
from portal.models import ActivityLogEntry, Notification
from tests.helpers import HX, vnet_of
from tests.helpers.gateways import finish_operations, make_gateway, make_vnet, rg_of, vnet_url

pytestmark = pytest.mark.django_db


def _form(client, remote, **overrides) -> dict:
    data = {
        "name": "hub-to-spoke",
        "remote_name": "spoke-to-hub",
        "deployment_model": "arm",
        "subscription": str(rg_of(client).subscription.subscription_id),
        "remote_vnet": str(remote.pk) if remote else "",
        "access": "allow",
        "forwarded": "allow",
        "gateway": "none",
        "remote_access": "allow",
        "remote_forwarded": "allow",
        "remote_gateway": "none",
    }
    data.update(overrides)
    return data


def _links():
    return sorted(VirtualNetworkPeering.objects.values_list("vnet__name", "name", "peering_state"))


# --- the page -------------------------------------------------------------------------------


def test_it_lists_peerings_with_status_peer_and_gateway_transit(alice, hub, spoke):
    peerings.add_peering(
        hub,
        spoke,
        name="hub-to-spoke",
        remote_name="spoke-to-hub",
        local=LinkSettings(),
        remote_settings=LinkSettings(),
    )
    html = alice.get(vnet_url(hub)).content.decode()
    for label in ("Name", "Peering status", "Peer", "Gateway transit"):
        assert f"<th>{label}</th>" in html
    assert 'data-peering="hub-to-spoke" data-state="Connected"' in html
    assert "spoke-vnet" in html


def test_it_says_peering_is_not_transitive_vnet_11(alice, hub):
    html = alice.get(vnet_url(hub)).content.decode()
    assert 'id="not-transitive"' in html and "not transitive" in html and "VNET-11" in html


def test_an_htmx_request_gets_the_table_only(alice, hub):
    response = alice.get(vnet_url(hub), **HX)
    html = response.content.decode()
    assert html.lstrip().startswith('<table class="az-grid" id="peering-table">')
    assert "<html" not in html
    assert "HX-Request" in response["Vary"]
    assert "<html" in alice.get(vnet_url(hub)).content.decode()


def test_an_outsider_gets_404_on_every_peering_url(alice, bob, hub, spoke):
    peerings.add_peering(
        hub,
        spoke,
        name="hub-to-spoke",
        remote_name="spoke-to-hub",
        local=LinkSettings(),
        remote_settings=LinkSettings(),
    )
    for url in (
        vnet_url(hub),
        vnet_url(hub, "peering_add"),
        vnet_url(hub, "peering_edit", peering="hub-to-spoke"),
        vnet_url(hub, "peering_delete", peering="hub-to-spoke"),
    ):
        assert bob.get(url).status_code == 404, url
        if url != vnet_url(hub):
            assert bob.post(url, _form(bob, None)).status_code == 404, url
    assert VirtualNetworkPeering.objects.count() == 2


def test_the_peerings_page_refuses_post_with_405(alice, hub):
    assert alice.post(vnet_url(hub)).status_code == 405
    assert alice.put(vnet_url(hub, "peering_add")).status_code == 405


def test_the_add_pane_has_both_directions_with_2021_labels(alice, hub):
    # The options' texts are drawn by the form pack, autoescaped (' is &#x27;).
    html = unescape(alice.get(vnet_url(hub, "peering_add"), **HX).content.decode())
    for label in (
        "This virtual network",
        "Remote virtual network",
        "Peering link name",
        "Traffic to remote virtual network",
        "Block all traffic to the remote virtual network",
        "Traffic forwarded from remote virtual network",
        "Block traffic that originates from outside this virtual network",
        "Use this virtual network's gateway",
        "Use the remote virtual network's gateway",
        "None (default)",
        "Virtual network deployment model",
        "Resource manager",
        "Classic",
    ):
        assert label in html, label
    assert ">Add</button>" in html


def test_add_creates_both_links_connected_with_activity_and_a_notification_vnet_10(alice, hub, spoke):
    response = alice.post(vnet_url(hub, "peering_add"), _form(alice, spoke), **HX)
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#peering-table"
    assert _links() == [("hub-vnet", "hub-to-spoke", "Connected"), ("spoke-vnet", "spoke-to-hub", "Connected")]
    assert ActivityLogEntry.objects.filter(
        resource_id=hub.arm_id, operation_name="Create or Update Virtual Network Peering"
    ).exists()
    assert ActivityLogEntry.objects.filter(
        resource_id=spoke.arm_id, operation_name="Create or Update Virtual Network Peering"
    ).exists()
    assert Notification.objects.filter(sandbox=alice.sandbox, title="Added virtual network peering").exists()


def test_add_without_htmx_redirects_to_the_page(alice, hub, spoke):
    response = alice.post(vnet_url(hub, "peering_add"), _form(alice, spoke))
    assert response.status_code == 302 and response["Location"] == vnet_url(hub)


def test_global_peering_across_regions_is_allowed_vnet_13(alice, hub):
    europe = make_vnet(alice, "weu-spoke", "10.70.0.0/16", "westeurope")
    assert alice.post(vnet_url(hub, "peering_add"), _form(alice, europe), **HX).status_code == 200
    assert len(_links()) == 2


# --- refusals ---------------------------------------------------------------------------------


def _refused(client, vnet, data, text):
    before = _links()
    response = client.post(vnet_url(vnet, "peering_add"), data, **HX)
    html = response.content.decode()
    assert response.status_code == 422
    assert text in html, html
    assert _links() == before
    return html


def test_overlapping_address_spaces_are_refused_with_err_22_vnet_15(alice, hub):
    overlap = make_vnet(alice, "overlap-vnet", "10.50.128.0/17")
    html = _refused(alice, hub, _form(alice, overlap), "can&#x27;t be peered: their address spaces overlap")
    assert 'data-err="ERR-22"' in html and "VNET-15" in html


def test_identical_address_spaces_are_refused_vnet_15(alice, hub):
    twin = make_vnet(alice, "twin-vnet", "10.50.0.0/16")
    _refused(alice, hub, _form(alice, twin), "ERR-22")


def test_a_vnet_cant_be_peered_with_itself_vnet_15(alice, hub):
    with pytest.raises(AzureRuleError) as exc:
        peerings.add_peering(
            hub, hub, name="self", remote_name="self2", local=LinkSettings(), remote_settings=LinkSettings()
        )
    assert "VNET-15" in exc.value.learn_more


def test_one_peering_per_vnet_pair_vnet_10(alice, hub, spoke):
    alice.post(vnet_url(hub, "peering_add"), _form(alice, spoke), **HX)
    _refused(alice, hub, _form(alice, spoke, name="again", remote_name="again2"), "already has peering")
    _refused(alice, spoke, _form(alice, hub, name="back", remote_name="back2"), "VNET-10")


def test_a_link_name_must_be_unique_on_its_vnet(alice, hub, spoke):
    other = make_vnet(alice, "other-vnet", "10.80.0.0/16")
    alice.post(vnet_url(hub, "peering_add"), _form(alice, spoke), **HX)
    _refused(alice, hub, _form(alice, other, remote_name="x"), "already has a peering named")


def test_a_vnet_of_another_sandbox_cant_be_chosen(alice, bob, hub):
    bobs = vnet_of(bob, "contoso-weu-vnet")
    _refused(alice, hub, _form(alice, bobs), "Select a virtual network.")


def test_use_this_vnets_gateway_needs_a_gateway_vnet_11(alice, hub, spoke):
    _refused(alice, hub, _form(alice, spoke, gateway="local"), "has no virtual network gateway")


def test_use_remote_gateway_needs_the_remote_to_allow_gateway_transit_vnet_11(alice, hub, spoke):
    make_gateway(alice, hub)
    _refused(alice, spoke, _form(alice, hub, gateway="remote"), "must allow gateway transit")


def test_use_remote_gateway_with_transit_on_the_hub_works_vnet_11(alice, hub, spoke):
    make_gateway(alice, hub)
    response = alice.post(
        vnet_url(spoke, "peering_add"),
        _form(alice, hub, name="spoke-to-hub", remote_name="hub-to-spoke", gateway="remote", remote_gateway="local"),
        **HX,
    )
    assert response.status_code == 200
    link = VirtualNetworkPeering.objects.get(name="spoke-to-hub")
    assert link.use_remote_gateways and VirtualNetworkPeering.objects.get(name="hub-to-spoke").allow_gateway_transit


def test_use_remote_gateway_waits_until_the_gateway_has_succeeded_asgw_12(alice, hub, spoke):
    make_gateway(alice, hub, finished=False)
    _refused(alice, spoke, _form(alice, hub, gateway="remote", remote_gateway="local"), "ASGW-12")


def test_only_one_peering_of_a_vnet_can_use_remote_gateways_err_24(alice, hub, spoke):
    hub2 = make_vnet(alice, "hub2-vnet", "10.90.0.0/16")
    make_gateway(alice, hub)
    make_gateway(alice, hub2)
    alice.post(
        vnet_url(spoke, "peering_add"),
        _form(alice, hub, name="s-h", remote_name="h-s", gateway="remote", remote_gateway="local"),
        **HX,
    )
    html = _refused(
        alice,
        spoke,
        _form(alice, hub2, name="s-h2", remote_name="h2-s", gateway="remote", remote_gateway="local"),
        "Only one peering of &#x27;spoke-vnet&#x27; can use remote gateways.",
    )
    assert 'data-err="ERR-24"' in html and "VNET-11" in html


def test_a_vnet_with_its_own_gateway_cant_use_remote_gateways_vnet_11(alice, hub, spoke):
    make_gateway(alice, hub)
    make_gateway(alice, spoke)
    _refused(
        alice, spoke, _form(alice, hub, gateway="remote", remote_gateway="local"), "has its own virtual network gateway"
    )


def test_a_classic_remote_gets_one_connected_link_and_no_gateway_transit_asvi_03(alice, hub):
    classic = vnet_of(alice, "legacy-classic-vnet")
    form = _form(alice, classic, deployment_model="classic")
    assert alice.post(vnet_url(hub, "peering_add"), form, **HX).status_code == 200
    assert _links() == [("hub-vnet", "hub-to-spoke", "Connected")]
    make_gateway(alice, hub)
    other = make_vnet(alice, "arm2", "10.91.0.0/16")
    html = _refused(
        alice,
        other,
        _form(alice, vnet_of(alice, "contoso-classic-vnet"), deployment_model="classic", gateway="remote"),
        "ASVI-03",
    )
    assert "classic" in html


def test_the_classic_pane_hides_the_remote_link_settings(alice, hub):
    html = alice.get(vnet_url(hub, "peering_add") + "?deployment_model=classic", **HX).content.decode()
    assert 'id="classic-note"' in html and "remote-peering-name" not in html
    assert "legacy-classic-vnet" in html and "spoke" not in html


def test_a_classic_peering_is_added_as_the_browser_posts_it_without_the_remote_link_settings(alice, hub):
    # The classic pane draws no remote link: its radio groups aren't posted and read as their defaults.
    form = _form(alice, vnet_of(alice, "legacy-classic-vnet"), deployment_model="classic")
    for name in ("remote_name", "remote_access", "remote_forwarded", "remote_gateway"):
        del form[name]
    assert alice.post(vnet_url(hub, "peering_add"), form, **HX).status_code == 200
    assert _links() == [("hub-vnet", "hub-to-spoke", "Connected")]


def test_back_to_resource_manager_the_remote_link_has_its_defaults_checked(alice, hub):
    html = alice.get(vnet_url(hub, "peering_add") + "?deployment_model=arm&access=block", **HX).content.decode()
    assert 'value="block" id="local-access-block" checked' in html
    assert 'value="allow" id="remote-access-allow" checked' in html
    assert 'value="none" id="remote-gateway-none" checked' in html


def test_the_virtual_network_list_offers_only_the_sandboxs_own_other_vnets(alice, bob, hub, spoke):
    html = alice.get(vnet_url(hub, "peering_add"), **HX).content.decode()
    assert f'<option value="{spoke.pk}">spoke-vnet (contoso-rg)</option>' in html
    assert f'<option value="{hub.pk}">' not in html
    assert f'<option value="{vnet_of(bob, "contoso-weu-vnet").pk}">' not in html


def test_a_classic_vnet_cant_add_peerings_itself(alice):
    classic = vnet_of(alice, "legacy-classic-vnet")
    html = alice.get(vnet_url(classic)).content.decode()
    assert 'id="classic-peering-note"' in html
    hub = make_vnet(alice, "hubx", "10.92.0.0/16")
    _refused(alice, classic, _form(alice, hub), "VNET-10")


def test_peerings_per_vnet_are_limited_to_500_limit_03(alice, hub, spoke, monkeypatch):
    monkeypatch.setattr(peerings, "MAX_PEERINGS_PER_VNET", 0)
    _refused(alice, hub, _form(alice, spoke), "LIMIT-03")


# --- edit and delete ------------------------------------------------------------------------------


def test_save_changes_a_links_settings(alice, hub, spoke):
    alice.post(vnet_url(hub, "peering_add"), _form(alice, spoke), **HX)
    url = vnet_url(hub, "peering_edit", peering="hub-to-spoke")
    assert "Save" in alice.get(url, **HX).content.decode()
    response = alice.post(url, {"access": "block", "forwarded": "block", "gateway": "none"}, **HX)
    assert response.status_code == 200
    link = VirtualNetworkPeering.objects.get(name="hub-to-spoke")
    assert not link.allow_virtual_network_access and not link.allow_forwarded_traffic


def test_turning_off_transit_used_by_the_other_side_is_refused_vnet_11(alice, hub, spoke):
    make_gateway(alice, hub)
    alice.post(
        vnet_url(spoke, "peering_add"),
        _form(alice, hub, name="s-h", remote_name="h-s", gateway="remote", remote_gateway="local"),
        **HX,
    )
    response = alice.post(
        vnet_url(hub, "peering_edit", peering="h-s"), {"access": "allow", "forwarded": "allow", "gateway": "none"}, **HX
    )
    assert response.status_code == 422 and "VNET-11" in response.content.decode()
    assert VirtualNetworkPeering.objects.get(name="h-s").allow_gateway_transit


def test_deleting_one_side_leaves_the_other_disconnected_vnet_10(alice, hub, spoke):
    alice.post(vnet_url(hub, "peering_add"), _form(alice, spoke), **HX)
    url = vnet_url(hub, "peering_delete", peering="hub-to-spoke")
    html = alice.get(url, **HX).content.decode()
    assert ">Yes</button>" in html and ">No</button>" in html
    assert alice.post(url, **HX).status_code == 200
    assert _links() == [("spoke-vnet", "spoke-to-hub", "Disconnected")]
    page = alice.get(vnet_url(spoke)).content.decode()
    assert 'data-state="Disconnected"' in page and 'id="disconnected-note"' in page
    assert ActivityLogEntry.objects.filter(
        resource_id=hub.arm_id, operation_name="Delete Virtual Network Peering"
    ).exists()
    # Re-adding from the hub is refused until the Disconnected link goes (VNET-10).
    _refused(
        alice, hub, _form(alice, spoke, name="again", remote_name="again2"), "Delete it, then add the peering again."
    )


def test_an_unknown_peering_is_404(alice, hub):
    assert alice.get(vnet_url(hub, "peering_edit", peering="nope")).status_code == 404


def test_the_peerings_page_query_count_does_not_grow_with_the_sandbox(alice, hub, django_assert_num_queries):
    def grow(n, start):
        for i in range(start, start + n):
            other = make_vnet(alice, f"grow-{i}", f"10.{100 + i}.0.0/16")
            peerings.add_peering(
                hub, other, name=f"p-{i}", remote_name=f"r-{i}", local=LinkSettings(), remote_settings=LinkSettings()
            )

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    grow(2, 0)
    finish_operations(alice)
    with CaptureQueriesContext(connection) as small:
        alice.get(vnet_url(hub))
    grow(10, 2)
    with django_assert_num_queries(len(small.captured_queries)):
        alice.get(vnet_url(hub))


def test_vnet_10_one_link_is_initiated_until_the_other_side_adds_its_own(alice):
    """VNET-10: 1 link = Initiated; 2 = Connected."""
    from networking import models as m
    from networking.services.peerings import LinkSettings, add_peering

    a = m.VirtualNetwork.objects.select_related("sandbox").get(sandbox=alice.sandbox, name="contoso-vnet")
    b = m.VirtualNetwork.objects.select_related("sandbox").get(sandbox=alice.sandbox, name="contoso-westus-vnet")
    settings = LinkSettings(allow_access=True, allow_forwarded=True)
    first = add_peering(
        a, b, name="a-to-b", remote_name="", local=settings, remote_settings=settings, link_remote=False
    )
    assert first.peering_state == "Initiated"
    assert not m.VirtualNetworkPeering.objects.filter(vnet=b).exists()
    second = add_peering(
        b, a, name="b-to-a", remote_name="", local=settings, remote_settings=settings, link_remote=False
    )
    first.refresh_from_db()
    assert (first.peering_state, second.peering_state) == ("Connected", "Connected")


def test_vnet_10_deleting_a_peered_vnet_leaves_the_other_side_disconnected(alice):
    """VNET-10: the link survives its deleted remote, Disconnected, and still
    names it; it can only be deleted."""
    from django.urls import reverse

    from networking import models as m
    from networking.services.peerings import LinkSettings, add_peering
    from networking.services.vnets import delete_vnet

    a = m.VirtualNetwork.objects.select_related("sandbox", "resource_group__subscription").get(
        sandbox=alice.sandbox, name="contoso-vnet"
    )
    b = m.VirtualNetwork.objects.select_related("sandbox", "resource_group__subscription").get(
        sandbox=alice.sandbox, name="contoso-weu-vnet"
    )
    settings = LinkSettings()
    add_peering(a, b, name="a-to-b", remote_name="b-to-a", local=settings, remote_settings=settings)
    b_id = b.arm_id
    delete_vnet(b)
    link = m.VirtualNetworkPeering.objects.get(vnet=a, name="a-to-b")
    assert link.peering_state == "Disconnected"
    assert link.remote_vnet is None and link.remote_id == b_id and link.remote_name == "contoso-weu-vnet"
    assert link.arm_json()["properties"]["remoteVirtualNetwork"]["id"] == b_id
    kwargs = {
        "subscription_id": a.resource_group.subscription.subscription_id,
        "rg": "contoso-rg",
        "provider": "Microsoft.Network",
        "name": "contoso-vnet",
    }
    html = alice.get(reverse("networking:vnet_peerings", kwargs=kwargs)).content.decode()
    assert "contoso-weu-vnet (deleted)" in html and "Disconnected" in html
    edit_kwargs = {**kwargs, "peering": "a-to-b"}
    assert alice.get(reverse("networking:peering_edit", kwargs=edit_kwargs)).status_code == 200
    refused = alice.post(
        reverse("networking:peering_edit", kwargs=edit_kwargs),
        {"access": "allow", "forwarded": "allow", "gateway": "none"},
    )
    assert refused.status_code == 422 and "was deleted" in refused.content.decode()
    assert alice.post(reverse("networking:peering_delete", kwargs=edit_kwargs)).status_code in (200, 302)
    assert not m.VirtualNetworkPeering.objects.filter(vnet=a).exists()
