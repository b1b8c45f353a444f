"""Helpers the virtual network and subnet tests share: blade URLs by
resource ID, and a sandbox grown with unrelated networks."""

import json
import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from networking.models import NetworkInterface, Subnet, VirtualNetwork
from tests.helpers import HX, subnet_of


def vnet_url(client, page: str, vnet: str = "contoso-vnet", **extra) -> str:
    sub = client.sandbox.subscriptions.get().subscription_id
    kwargs = {"subscription_id": sub, "rg": "contoso-rg", "provider": "Microsoft.Network", "name": vnet, **extra}
    return reverse(f"networking:{page}", kwargs=kwargs)


def subnet_url(client, subnet: str, vnet: str = "contoso-vnet", delete: bool = False) -> str:
    return vnet_url(client, "vnet_subnet_delete" if delete else "vnet_subnet", vnet, subnet=subnet)


def post_add_subnet(client, **fields):
    """The "Add subnet" pane's post: app-subnet 10.0.5.0/24 in contoso-vnet, with ``fields``."""
    data = {
        "subnet_name": "app-subnet",
        "subnet_prefix": "10.0.5.0/24",
        "private_endpoint_network_policies": "Disabled",
    }
    data.update(fields)
    return client.post(vnet_url(client, "vnet_add_subnet"), data, **HX)


def post_edit_subnet(client, subnet: str, **fields):
    """A subnet pane's Save with the subnet's current values, changed by ``fields``."""
    current = subnet_of(client, "contoso-vnet", subnet)
    data = {
        "subnet_prefix": current.address_prefix,
        "delegation": current.delegation,
        "private_endpoint_network_policies": current.private_endpoint_network_policies,
        "service_endpoints": list(current.service_endpoints),
    }
    data.update(fields)
    return client.post(subnet_url(client, subnet), data, **HX)


def grow(client, n: int, tag: str = "") -> None:
    """Add ``n`` VNets, each with subnets and a NIC, to the client's sandbox."""
    main = VirtualNetwork.objects.select_related("resource_group").get(sandbox=client.sandbox, name="contoso-vnet")
    for i in range(n):
        vnet = VirtualNetwork.objects.create(
            sandbox=client.sandbox,
            resource_group=main.resource_group,
            name=f"grow{tag}-{i}-{n}",
            location="eastus",
            address_space=[f"10.{100 + i}.0.0/16"],
        )
        first = Subnet.objects.create(vnet=vnet, name="a", address_prefix=f"10.{100 + i}.0.0/24")
        Subnet.objects.create(vnet=vnet, name="b", address_prefix=f"10.{100 + i}.1.0/24")
        NetworkInterface.objects.create(
            sandbox=client.sandbox,
            resource_group=main.resource_group,
            name=f"nic{tag}-{i}-{n}",
            location="eastus",
            subnet=first,
            private_ip=f"10.{100 + i}.0.4",
        )


def grow_contoso(client, n: int, tag: str = "") -> None:
    """Add ``n`` subnets (each with a NIC) to contoso-vnet itself."""
    main = VirtualNetwork.objects.select_related("resource_group").get(sandbox=client.sandbox, name="contoso-vnet")
    for i in range(n):
        subnet = Subnet.objects.create(vnet=main, name=f"g{tag}{i}", address_prefix=f"10.0.{100 + i}.0/24")
        NetworkInterface.objects.create(
            sandbox=client.sandbox,
            resource_group=main.resource_group,
            name=f"gnic{tag}-{i}",
            location="eastus",
            subnet=subnet,
            private_ip=f"10.0.{100 + i}.4",
        )


def count_queries(client, url, **extra) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, **extra).status_code == 200
    return len(ctx.captured_queries)


def arm_document(html: str) -> dict:
    body = re.search(r'<pre class="az-json" id="arm-json"[^>]*>(.*?)</pre>', html, re.S).group(1)
    for escaped, plain in (("&quot;", '"'), ("&#x27;", "'"), ("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&")):
        body = body.replace(escaped, plain)
    return json.loads(body)


def snapshot(sandbox) -> tuple:
    """Everything a VNet form could change, to prove a refusal changed nothing."""
    vnets = list(
        VirtualNetwork.objects.filter(sandbox=sandbox)
        .order_by("pk")
        .values_list("name", "address_space", "dns_servers")
    )
    subnets = list(
        Subnet.objects.filter(vnet__sandbox=sandbox)
        .order_by("pk")
        .values_list(
            "name",
            "address_prefix",
            "delegation",
            "service_endpoints",
            "nsg_id",
            "route_table_id",
            "private_endpoint_network_policies",
        )
    )
    return vnets, subnets


def long_vnet(client, n: int, name: str = "long-vnet") -> VirtualNetwork:
    """A VNet in contoso-rg with ``n`` /26 subnets named subnet-000, subnet-001..."""
    main = VirtualNetwork.objects.select_related("resource_group").get(sandbox=client.sandbox, name="contoso-vnet")
    vnet = VirtualNetwork.objects.create(
        sandbox=client.sandbox,
        resource_group=main.resource_group,
        name=name,
        location="eastus",
        address_space=["10.200.0.0/16"],
    )
    Subnet.objects.bulk_create(
        Subnet(vnet=vnet, name=f"subnet-{i:03d}", address_prefix=f"10.200.{i // 4}.{(i % 4) * 64}/26") for i in range(n)
    )
    return vnet


def many_vnets(client, n: int, location: str = "eastus", tag: str = "many") -> None:
    """``n`` VNets named <tag>-vnet-000... in contoso-rg, in ``location``."""
    main = VirtualNetwork.objects.select_related("resource_group").get(sandbox=client.sandbox, name="contoso-vnet")
    VirtualNetwork.objects.bulk_create(
        VirtualNetwork(
            sandbox=client.sandbox,
            resource_group=main.resource_group,
            name=f"{tag}-vnet-{i:03d}",
            location=location,
            address_space=[f"10.{100 + i // 250}.{i % 250}.0/24"],
        )
        for i in range(n)
    )
