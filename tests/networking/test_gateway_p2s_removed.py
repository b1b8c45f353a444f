"""A gateway whose point-to-site configuration goes (an ARM PUT without
``vpnClientConfiguration``) no longer carries an app's gateway-required
integration: the trace stops where the tunnel would enter the VNet and
says why (SEED-11, ASGW-07 to ASGW-10)."""

import pytest

from networking import models as m
from networking import snapshot
from portal.arm import operations
from tests.helpers import app_of

pytestmark = pytest.mark.django_db

GATEWAY = "Microsoft.Network/virtualNetworkGateways/contoso-westus-vpngw"


def rid(client, path: str) -> str:
    subscription = client.sandbox.subscriptions.get().subscription_id
    return f"/subscriptions/{subscription}/resourceGroups/contoso-rg/providers/{path}"


@pytest.fixture
def integrated(alice):
    from appservice import services

    vnet = m.VirtualNetwork.objects.get(sandbox=alice.sandbox, name="contoso-westus-vnet")
    services.add_gateway_integration(app_of(alice, "contoso-web"), vnet)
    return alice


def trace(client):
    return snapshot.trace_from(client.sandbox, "app", "contoso-web", "10.1.1.4", 443)


def test_a_put_without_point_to_site_removes_it_asgw_07(integrated):
    operations.apply(
        integrated.sandbox, "PATCH", rid(integrated, GATEWAY), {"properties": {"vpnClientConfiguration": None}}
    )
    gateway = m.VirtualNetworkGateway.objects.get(sandbox=integrated.sandbox, name="contoso-westus-vpngw")
    assert not gateway.point_to_site_enabled
    assert gateway.gateway_integration_problem() == "the gateway has no point-to-site configuration"


def test_the_apps_tunnel_needs_the_gateways_point_to_site_asgw_07(integrated):
    assert trace(integrated).deciding_step != "Enter the virtual network"
    operations.apply(
        integrated.sandbox, "PATCH", rid(integrated, GATEWAY), {"properties": {"vpnClientConfiguration": None}}
    )
    result = trace(integrated)
    assert result.verdict == "Blocked" and result.deciding_step == "Enter the virtual network"
    blocked = result.steps[-1]
    assert "has no point-to-site configuration on 'contoso-westus-vpngw'" in blocked.detail
    assert "ASGW-07" in blocked.rule_ids


def test_an_ikev2_only_tunnel_type_blocks_too_asgw_10(integrated):
    operations.apply(
        integrated.sandbox,
        "PATCH",
        rid(integrated, GATEWAY),
        {"properties": {"vpnClientConfiguration": {"vpnClientProtocols": ["IKEv2"]}}},
    )
    result = trace(integrated)
    assert result.verdict == "Blocked" and "SSTP" in result.steps[-1].detail
