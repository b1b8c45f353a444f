"""Builders of the peering and gateway tests: URLs by resource ID, a
hub-and-spoke estate, and a gateway's connections, local gateways and circuits."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from networking.models import Subnet, VirtualNetwork, VirtualNetworkGateway
from networking.services import gateways
from portal.models import Operation, ResourceGroup


def rg_of(client) -> ResourceGroup:
    return ResourceGroup.objects.select_related("subscription").filter(subscription__sandbox=client.sandbox).first()


def gateway_form(client, chosen, **overrides) -> dict:
    """What "Create virtual network gateway" posts: a VpnGw1 gateway in ``chosen``'s region."""
    data = {
        "subscription": str(rg_of(client).subscription.subscription_id),
        "resource_group": rg_of(client).name,
        "name": "hub-vpngw",
        "region": chosen.location if chosen else "eastus",
        "gateway_type": "Vpn",
        "vpn_type": "RouteBased",
        "sku": "VpnGw1",
        "generation": "Generation1",
        "vnet": str(chosen.pk) if chosen else "",
        "gateway_subnet_prefix": "10.50.255.0/27",
        "public_ip_name": "hub-vpngw-ip",
        "active_active": "Disabled",
        "bgp": "Disabled",
        "bgp_asn": "65515",
        "current_tab": "basics",
        "action": "create",
    }
    data.update(overrides)
    return data


def vnet_url(vnet, page: str = "vnet_peerings", **extra) -> str:
    rg = vnet.resource_group
    return reverse(
        f"networking:{page}",
        kwargs={
            "subscription_id": rg.subscription.subscription_id,
            "rg": rg.name,
            "provider": vnet.arm_type.split("/")[0],
            "name": vnet.name,
            **extra,
        },
    )


def blade_url(resource, page: str) -> str:
    rg = resource.resource_group
    return reverse(
        f"networking:{page}",
        kwargs={"subscription_id": rg.subscription.subscription_id, "rg": rg.name, "name": resource.name},
    )


def create_url(client, page: str) -> str:
    rg = rg_of(client)
    return reverse(f"networking:{page}", kwargs={"subscription_id": rg.subscription.subscription_id, "rg": rg.name})


def make_vnet(client, name: str, space: str, location: str = "eastus", *, gateway_subnet: str = "") -> VirtualNetwork:
    rg = rg_of(client)
    vnet = VirtualNetwork.objects.create(
        sandbox=client.sandbox, resource_group=rg, name=name, location=location, address_space=[space]
    )
    if gateway_subnet:
        Subnet.objects.create(vnet=vnet, name="GatewaySubnet", address_prefix=gateway_subnet)
    return VirtualNetwork.objects.select_related("resource_group__subscription", "sandbox").get(pk=vnet.pk)


def make_gateway(
    client, vnet: VirtualNetwork, name: str = "", *, gateway_type: str = "Vpn", sku: str = "VpnGw1", finished=True
):
    """A gateway through the service; ``finished`` moves its create operation into the past."""
    spec = gateways.GatewaySpec(
        name=name or f"{vnet.name}-gw",
        location=vnet.location,
        vnet=vnet,
        gateway_type=gateway_type,
        sku=sku,
        gateway_subnet_prefix="" if Subnet.objects.filter(vnet=vnet, name="GatewaySubnet").exists() else _free27(vnet),
        public_ip_name=f"{vnet.name}-gw-ip",
    )
    gateway = gateways.create_gateway(vnet.resource_group, spec)
    if finished:
        finish_operations(client)
    return VirtualNetworkGateway.objects.select_related("vnet", "resource_group__subscription", "sandbox").get(
        pk=gateway.pk
    )


def finish_operations(client) -> None:
    past = timezone.now() - timedelta(seconds=1)
    Operation.objects.filter(sandbox=client.sandbox).update(ends_at=past)


def _free27(vnet) -> str:
    from networking.engine import addressing

    used = list(vnet.subnets.values_list("address_prefix", flat=True))
    return str(addressing.suggest_subnet(vnet.ipv4_space, used, 27))


def make_local(client, name="onprem-lng", *, bgp=False):
    spec = gateways.LocalGatewaySpec(
        ip_address="203.0.113.10",
        address_prefixes=("192.168.0.0/16",),
        bgp_enabled=bgp,
        bgp_asn=65010 if bgp else None,
        bgp_peer_ip="192.168.0.1" if bgp else "",
    )
    return gateways.create_local_gateway(rg_of(client), name=name, location="eastus", spec=spec)


def make_circuit(client, name="onprem-er"):
    return gateways.create_circuit(
        rg_of(client),
        name=name,
        location="eastus",
        spec=gateways.CircuitSpec("Equinix", "Washington DC", 1000, ("192.168.0.0/16",)),
    )


def grow_connections(client, gateway, n, start):
    for i in range(start, start + n):
        local = make_local(client, f"grow-lng-{i}")
        gateways.add_connection(
            gateway,
            gateways.ConnectionSpec(
                name=f"grow-cn-{i}", connection_type="IPsec", local_gateway=local, shared_key="abc123"
            ),
        )
