"""Every resource has its ARM resource ID and a JSON View in ARM's shape."""

import json
import re

import pytest
from django.urls import reverse

from networking.models import NetworkInterface, VirtualNetworkGateway

pytestmark = pytest.mark.django_db


def _document(html: str) -> dict:
    body = re.search(r'<pre class="az-json" id="arm-json"[^>]*>(.*?)</pre>', html, re.S).group(1)
    return json.loads(
        body.replace("&quot;", '"')
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
    )


def _generic_url(resource, type_name):
    rg = resource.resource_group
    return reverse(
        "networking:resource_overview",
        kwargs={
            "subscription_id": rg.subscription.subscription_id,
            "rg": rg.name,
            "name": resource.name,
            "provider": "Microsoft.Network",
            "type_name": type_name,
        },
    )


def test_a_gateway_shows_its_arm_json_with_the_point_to_site_pool(alice):
    gateway = VirtualNetworkGateway.objects.get(sandbox=alice.sandbox, name="contoso-westus-vpngw")
    html = alice.get(_generic_url(gateway, "virtualNetworkGateways")).content.decode()
    document = _document(html)
    assert document["id"] == gateway.arm_id
    assert document["type"] == "Microsoft.Network/virtualNetworkGateways"
    assert document["properties"]["vpnClientConfiguration"]["vpnClientAddressPool"]["addressPrefixes"] == [
        "172.16.201.0/24"
    ]


def test_a_nic_shows_its_private_ip_and_subnet(alice):
    nic = NetworkInterface.objects.get(sandbox=alice.sandbox, name="contoso-vm01-nic")
    # The NIC has its own blade now (networking:nic_overview); its JSON View is a page of it.
    rg = nic.resource_group
    url = reverse("networking:nic_json", kwargs={"subscription_id": rg.subscription.subscription_id, "rg": rg.name, "name": nic.name})
    document = _document(alice.get(url).content.decode())
    config = document["properties"]["ipConfigurations"][0]["properties"]
    assert config["privateIPAddress"] == "10.0.1.4"
    assert config["subnet"]["id"].endswith("/virtualNetworks/contoso-vnet/subnets/vm-subnet")


def test_another_sandboxs_resource_json_is_404(alice, bob):
    gateway = VirtualNetworkGateway.objects.get(sandbox=alice.sandbox, name="contoso-westus-vpngw")
    assert bob.get(_generic_url(gateway, "virtualNetworkGateways")).status_code == 404


def test_an_unknown_type_is_404(alice):
    gateway = VirtualNetworkGateway.objects.get(sandbox=alice.sandbox, name="contoso-westus-vpngw")
    assert alice.get(_generic_url(gateway, "notAType")).status_code == 404
