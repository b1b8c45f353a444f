"""Helpers the NSG and route table tests share: a fresh NSG or route table
in a persona's sandbox, and the URLs of their blade pages."""

from django.urls import reverse

from networking.models import NetworkSecurityGroup, RouteTable
from networking.services import nsgs, routes


def rg_of(client):
    return client.sandbox.subscriptions.get().resource_groups.get(name="contoso-rg")


def make_nsg(client, name="web-nsg") -> NetworkSecurityGroup:
    return nsgs.create_nsg(rg_of(client), name=name, location="eastus")


def make_table(client, name="spoke-rt", propagate=True) -> RouteTable:
    return routes.create_route_table(rg_of(client), name=name, location="eastus", propagate=propagate)


def blade_url(resource, page: str, **kwargs) -> str:
    rg = resource.resource_group
    base = {"subscription_id": rg.subscription.subscription_id, "rg": rg.name, "name": resource.name}
    return reverse(f"networking:{page}", kwargs={**base, **kwargs})


def create_url(client, page: str) -> str:
    rg = rg_of(client)
    return reverse(f"networking:{page}", kwargs={"subscription_id": rg.subscription.subscription_id, "rg": rg.name})


def rule_form(**overrides) -> dict:
    """The pane's fields for an outbound deny of TCP 1433 to the Sql tag."""
    data = {
        "source": "Any",
        "source_ports": "*",
        "destination": "ServiceTag",
        "destination_tag": "Sql",
        "service": "Custom",
        "destination_ports": "1433",
        "protocol": "Tcp",
        "access": "Deny",
        "priority": "200",
        "name": "DenySqlOutbound",
        "description": "",
    }
    data.update(overrides)
    return data
