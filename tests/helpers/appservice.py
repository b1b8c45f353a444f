"""Builders of the App Service tests: a sandbox grown with VNets, plans and apps."""

from appservice.models import AppServicePlan, WebApp
from networking.models import Subnet, VirtualNetwork
from tests.helpers import app_of


def grow_apps(client, n):
    app = app_of(client, "contoso-web")
    rg = app.resource_group
    for i in range(n):
        vnet = VirtualNetwork.objects.create(
            sandbox=app.sandbox,
            resource_group=rg,
            name=f"grow-{i}-{n}",
            location="eastus",
            address_space=[f"10.{100 + i}.0.0/16"],
        )
        Subnet.objects.create(vnet=vnet, name="a", address_prefix=f"10.{100 + i}.0.0/24")
        plan = AppServicePlan.objects.create(
            sandbox=app.sandbox, resource_group=rg, name=f"plan-{i}-{n}", location="eastus"
        )
        WebApp.objects.create(sandbox=app.sandbox, resource_group=rg, name=f"app-{i}-{n}", location="eastus", plan=plan)
