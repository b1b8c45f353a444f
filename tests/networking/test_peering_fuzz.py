"""Whatever a browser sends to the Add peering pane or a link's settings,
the answer is a form error or a peering: never a 500, never one link of two
(VNET-10), nothing written after a refusal."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from networking.models import VirtualNetworkPeering
from tests.helpers import HX
from tests.helpers.gateways import make_vnet, rg_of, vnet_url

pytestmark = pytest.mark.django_db

text = st.one_of(st.text(max_size=90), st.sampled_from(["hub-to-spoke", "a" * 81, "ok_name.", "é", "-x", "", "GatewaySubnet"]))
choice = st.one_of(st.sampled_from(["allow", "block", "local", "remote", "none", "arm", "classic", ""]), st.text(max_size=8))
pk = st.one_of(st.text(max_size=12), st.integers(-10, 10**14).map(str), st.just("own"))


def _state():
    return sorted(VirtualNetworkPeering.objects.values_list("vnet_id", "name", "peering_state", "use_remote_gateways", "allow_gateway_transit"))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=text, remote_name=text, model=choice, remote=pk, access=choice, gateway=choice, remote_gateway=choice, forwarded=choice)
def test_the_add_peering_pane_never_errors_and_never_half_writes(alice, name, remote_name, model, remote, access, gateway, remote_gateway, forwarded):
    hub = getattr(alice, "hub", None) or make_vnet(alice, "fuzz-hub", "10.50.0.0/16")
    alice.hub = hub
    spoke = getattr(alice, "spoke", None) or make_vnet(alice, "fuzz-spoke", "10.60.0.0/16")
    alice.spoke = spoke
    before = _state()
    data = {
        "name": name, "remote_name": remote_name, "deployment_model": model,
        "subscription": str(rg_of(alice).subscription.subscription_id),
        "remote_vnet": str(spoke.pk) if remote == "own" else remote,
        "access": access, "forwarded": forwarded, "gateway": gateway,
        "remote_access": access, "remote_forwarded": forwarded, "remote_gateway": remote_gateway,
    }
    response = alice.post(vnet_url(hub, "peering_add"), data, **HX)
    assert response.status_code in (200, 422)
    after = _state()
    if response.status_code == 422:
        assert after == before
    else:
        assert len(after) - len(before) == 2
        VirtualNetworkPeering.objects.all().delete()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(access=choice, forwarded=choice, gateway=choice)
def test_a_links_settings_pane_never_errors(alice, access, forwarded, gateway):
    from networking.services import peerings

    if not VirtualNetworkPeering.objects.exists():
        hub = make_vnet(alice, "e-hub", "10.50.0.0/16")
        spoke = make_vnet(alice, "e-spoke", "10.60.0.0/16")
        peerings.add_peering(hub, spoke, name="h-s", remote_name="s-h", local=peerings.LinkSettings(), remote_settings=peerings.LinkSettings())
    link = VirtualNetworkPeering.objects.select_related("vnet__resource_group__subscription").get(name="h-s")
    before = _state()
    response = alice.post(vnet_url(link.vnet, "peering_edit", peering="h-s"), {"access": access, "forwarded": forwarded, "gateway": gateway}, **HX)
    assert response.status_code in (200, 422)
    if response.status_code == 422:
        assert _state() == before
