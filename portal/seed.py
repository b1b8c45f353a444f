"""The demo seed every new sandbox starts with, and "Reset sandbox".

The seed is a small Contoso estate that exercises every branch of the
VNet Integration flow; the README lists it.
"""

from django.db import transaction

from appservice.models import AppServicePlan, AppSetting, VnetIntegration, WebApp
from networking import models as n
from networking.models import NetworkInterface, Subnet, VirtualNetwork, VirtualNetworkGateway
from portal.models import ActivityLogEntry, Notification, Operation, ResourceGroup, Sandbox, Subscription

SEED_RG = "contoso-rg"


def create_sandbox(era: str = "classic") -> Sandbox:
    with transaction.atomic():
        sandbox = Sandbox.objects.create(era=era)
        subscription = Subscription.objects.create(sandbox=sandbox)
        seed(sandbox, subscription)
    return sandbox


def reset_sandbox(sandbox: Sandbox) -> None:
    """Return the sandbox to the seed: same subscription ID, same era."""
    with transaction.atomic():
        subscription = sandbox.subscriptions.select_for_update().get()
        # Dependants first: what protects another resource goes before it.
        VnetIntegration.objects.filter(app__sandbox=sandbox).delete()
        WebApp.objects.filter(sandbox=sandbox).delete()
        for model in (
            n.PrivateEndpoint,
            n.VirtualNetworkGatewayConnection,
            n.NetworkInterface,
            n.VirtualMachine,
        ):
            model.objects.filter(sandbox=sandbox).delete()
        n.Subnet.objects.filter(vnet__sandbox=sandbox).delete()
        for model in (
            AppServicePlan,
            n.NetworkSecurityGroup,
            n.RouteTable,
            n.VirtualNetworkGateway,
            n.LocalNetworkGateway,
            n.ExpressRouteCircuit,
            n.PrivateDnsZone,
            n.StorageAccount,
            n.SqlServer,
            n.KeyVault,
            n.VirtualNetwork,
        ):
            model.objects.filter(sandbox=sandbox).delete()
        for model in (Notification, Operation, ActivityLogEntry):
            model.objects.filter(sandbox=sandbox).delete()
        subscription.resource_groups.all().delete()
        seed(sandbox, subscription)


def seed(sandbox: Sandbox, subscription: Subscription) -> None:
    rg = ResourceGroup.objects.create(subscription=subscription, name=SEED_RG, location="eastus")

    def vnet(name, location, space, *, classic=False):
        return VirtualNetwork.objects.create(
            sandbox=sandbox, resource_group=rg, name=name, location=location, address_space=space, is_classic=classic
        )

    # East US hub for the apps: one subnet of each kind the Add VNet pane must explain.
    main = vnet("contoso-vnet", "eastus", ["10.0.0.0/16"])
    Subnet.objects.bulk_create(
        [
            Subnet(vnet=main, name="vm-subnet", address_prefix="10.0.1.0/24"),
            Subnet(vnet=main, name="integration-subnet", address_prefix="10.0.2.0/26"),
            Subnet(vnet=main, name="tiny-subnet", address_prefix="10.0.2.64/29"),
            Subnet(vnet=main, name="sqlmi-subnet", address_prefix="10.0.3.0/24", delegation="Microsoft.Sql/managedInstances"),
        ]
    )
    vm_subnet = main.subnets.get(name="vm-subnet")
    NetworkInterface.objects.create(
        sandbox=sandbox,
        resource_group=rg,
        name="contoso-vm01-nic",
        location="eastus",
        subnet=vm_subnet,
        private_ip="10.0.1.4",
        vm_name="contoso-vm01",
    )

    # Other regions: one with a point-to-site gateway, one without.
    west = vnet("contoso-westus-vnet", "westus", ["10.1.0.0/16"])
    Subnet.objects.bulk_create(
        [
            Subnet(vnet=west, name="apps-subnet", address_prefix="10.1.1.0/24"),
            Subnet(vnet=west, name="GatewaySubnet", address_prefix="10.1.255.0/27"),
        ]
    )
    VirtualNetworkGateway.objects.create(
        sandbox=sandbox,
        resource_group=rg,
        name="contoso-westus-vpngw",
        location="westus",
        vnet=west,
        p2s_address_pool="172.16.201.0/24",
        p2s_tunnel_types=["SSTP", "IKEv2"],
    )
    europe = vnet("contoso-weu-vnet", "westeurope", ["10.2.0.0/16"])
    Subnet.objects.create(vnet=europe, name="default", address_prefix="10.2.0.0/24")

    # Classic VNets: only the one with a P2S gateway can be chosen (SEED-12).
    classic = vnet("contoso-classic-vnet", "eastus", ["10.10.0.0/16"], classic=True)
    Subnet.objects.bulk_create(
        [
            Subnet(vnet=classic, name="Subnet-1", address_prefix="10.10.0.0/24"),
            Subnet(vnet=classic, name="GatewaySubnet", address_prefix="10.10.255.0/27"),
        ]
    )
    VirtualNetworkGateway.objects.create(
        sandbox=sandbox,
        resource_group=rg,
        name="contoso-classic-gw",
        location="eastus",
        vnet=classic,
        p2s_address_pool="172.16.210.0/24",
        p2s_tunnel_types=["SSTP"],
    )
    legacy = vnet("legacy-classic-vnet", "eastus", ["10.11.0.0/16"], classic=True)
    Subnet.objects.create(vnet=legacy, name="Subnet-1", address_prefix="10.11.0.0/24")

    # One plan per case of the Networking blade, each with an app.
    plans = [
        ("contoso-s1-plan", "S1", "Windows", "", "contoso-web"),
        ("contoso-p1v3-plan", "P1V3", "Linux", "", "contoso-api"),
        ("contoso-free-plan", "F1", "Windows", "", "contoso-dev"),
        ("contoso-ase-plan", "I1V2", "Windows", "contoso-ase", "contoso-internal"),
    ]
    for plan_name, sku, os_name, ase, app_name in plans:
        plan = AppServicePlan.objects.create(
            sandbox=sandbox, resource_group=rg, name=plan_name, location="eastus", sku=sku, os=os_name, ase_name=ase
        )
        app = WebApp.objects.create(sandbox=sandbox, resource_group=rg, name=app_name, location="eastus", plan=plan)
        AppSetting.objects.bulk_create(
            [
                AppSetting(app=app, name="ASPNETCORE_ENVIRONMENT", value="Production"),
                AppSetting(app=app, name="WEBSITE_RUN_FROM_PACKAGE", value="1"),
            ]
        )
