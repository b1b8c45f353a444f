"""Builders of the Network Watcher tests: the seed VM's NIC and subnet, and a
sandbox grown with VNets, NICs, NSG rules and routes."""

from networking import models as n
from networking.services import nsgs, routes
from tests.helpers.nsgs import make_nsg, make_table, rule_form


def seed_nic(client, name="contoso-vm01-nic") -> n.NetworkInterface:
    return n.NetworkInterface.objects.select_related("resource_group__subscription", "subnet__vnet").get(
        sandbox=client.sandbox, name=name
    )


def packet(**overrides) -> dict:
    """IP flow verify's packet: TCP out of the seed VM's address to 8.8.8.8:443."""
    data = {
        "protocol": "Tcp",
        "direction": "Outbound",
        "local_ip": "10.0.1.4",
        "local_port": "50000",
        "remote_ip": "8.8.8.8",
        "remote_port": "443",
    }
    data.update(overrides)
    return data


def seed_vm_subnet(client) -> n.Subnet:
    return n.Subnet.objects.select_related("vnet").get(
        vnet__sandbox=client.sandbox, vnet__name="contoso-vnet", name="vm-subnet"
    )


def grow_estate(client, count=5):
    """More VNets, subnets, NICs, NSG rules and routes in the sandbox."""
    rg = client.sandbox.subscriptions.get().resource_groups.get(name="contoso-rg")
    nsg = make_nsg(client, "grow-nsg")
    table = make_table(client, "grow-rt")
    for i in range(count):
        vnet = n.VirtualNetwork.objects.create(
            sandbox=client.sandbox,
            resource_group=rg,
            name=f"grow-{i}",
            location="eastus",
            address_space=[f"10.{50 + i}.0.0/16"],
        )
        subnet = n.Subnet.objects.create(
            vnet=vnet, name="default", address_prefix=f"10.{50 + i}.0.0/24", nsg=nsg, route_table=table
        )
        n.NetworkInterface.objects.create(
            sandbox=client.sandbox,
            resource_group=rg,
            name=f"grow-{i}-nic",
            location="eastus",
            subnet=subnet,
            private_ip=f"10.{50 + i}.0.4",
            vm_name=f"grow-{i}",
        )
        nsgs.add_rule(nsg, "Inbound", rule_form(name=f"r{i}", priority=str(100 + i)))
        routes.add_route(table, {"name": f"r{i}", "address_prefix": f"10.{80 + i}.0.0/16", "next_hop_type": "None"})
