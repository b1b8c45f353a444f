"""Grow one sandbox from the demo seed to a classroom-sized estate.

Resources are what All resources lists (portal.resources.resource_models):
web apps, plans, virtual networks, gateways and NICs. The generated ones come
in units of a VNet (three subnets), a plan, a web app on it (two app
settings) and a NIC in the VNet's first subnet; units alternate between the
seed's region (so the Add VNet pane of a seed app has many same-region VNets
to judge) and other regions. A history of read notifications and activity
log rows is added too, as a sandbox that has been used for a while has them.
"""

import itertools
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from appservice.models import AppServicePlan, AppSetting, WebApp
from networking.models import NetworkInterface, Subnet, VirtualNetwork
from portal import pagecache
from portal.models import ActivityLogEntry, Notification, NotificationLevel, ResourceGroup, Sandbox
from portal.resources import count_resources

REGIONS = ["eastus", "westus", "eastus", "westeurope", "eastus", "northeurope"]
SKUS = ["S1", "P1V3", "B1", "P1V2"]


def resource_count(sandbox: Sandbox) -> int:
    return count_resources(sandbox)


def grow(sandbox: Sandbox, target: int = 500, *, notifications: int = 100, activity: int = 300) -> dict:
    """Add generated resources until the sandbox has ``target`` of them."""
    have = resource_count(sandbox)
    missing = target - have
    if missing < 0:
        raise ValueError(f"the sandbox already has {have} resources, more than {target}")
    subscription = sandbox.subscriptions.get()
    now = timezone.now()
    with transaction.atomic():
        groups = [
            ResourceGroup.objects.create(subscription=subscription, name=f"bench-rg-{i}", location="eastus")
            for i in range(4)
        ]
        units = missing // 4
        extra = missing - units * 4  # filled with extra VNets
        vnet_count = units + extra
        vnets = VirtualNetwork.objects.bulk_create(
            VirtualNetwork(
                sandbox=sandbox,
                resource_group=groups[i % len(groups)],
                name=f"bench-vnet-{i:03d}",
                location=REGIONS[i % len(REGIONS)],
                address_space=[f"10.{100 + i // 256}.{i % 256}.0/24"],
                created_at=now - timedelta(minutes=i),
            )
            for i in range(vnet_count)
        )
        subnets = Subnet.objects.bulk_create(
            Subnet(vnet=vnet, name=name, address_prefix=f"10.{100 + i // 256}.{i % 256}.{offset}/26")
            for i, vnet in enumerate(vnets)
            for name, offset in (("default", 0), ("apps", 64), ("data", 128))
        )
        first_subnets = subnets[::3]
        plans = AppServicePlan.objects.bulk_create(
            AppServicePlan(
                sandbox=sandbox,
                resource_group=groups[i % len(groups)],
                name=f"bench-plan-{i:03d}",
                location=REGIONS[i % len(REGIONS)],
                sku=SKUS[i % len(SKUS)],
                os="Windows" if i % 3 else "Linux",
                created_at=now - timedelta(minutes=i),
            )
            for i in range(units)
        )
        apps = WebApp.objects.bulk_create(
            WebApp(
                sandbox=sandbox,
                resource_group=plan.resource_group,
                name=f"bench-app-{i:03d}",
                location=plan.location,
                plan=plan,
                created_at=now - timedelta(minutes=i),
            )
            for i, plan in enumerate(plans)
        )
        AppSetting.objects.bulk_create(
            AppSetting(app=app, name=name, value=value)
            for app in apps
            for name, value in (("ASPNETCORE_ENVIRONMENT", "Production"), ("WEBSITE_RUN_FROM_PACKAGE", "1"))
        )
        NetworkInterface.objects.bulk_create(
            NetworkInterface(
                sandbox=sandbox,
                resource_group=vnets[i].resource_group,
                name=f"bench-vm{i:03d}-nic",
                location=vnets[i].location,
                subnet=first_subnets[i],
                private_ip=f"10.{100 + i // 256}.{i % 256}.4",
                vm_name=f"bench-vm{i:03d}",
            )
            for i in range(units)
        )
        Notification.objects.bulk_create(
            Notification(
                sandbox=sandbox,
                title=f"Deployment succeeded ({i})",
                body="A resource was created.",
                level=NotificationLevel.SUCCESS,
                unread=False,
                created_at=now - timedelta(minutes=5 + i),
            )
            for i in range(notifications)
        )
        app_cycle = itertools.cycle(apps)
        rows = []
        for i in range(activity):
            app = next(app_cycle)
            rows.append(
                ActivityLogEntry(
                    sandbox=sandbox,
                    operation_name="Create or Update Web App",
                    status="Succeeded",
                    timestamp=now - timedelta(minutes=5 + i),
                    resource_id=f"{subscription.arm_id}/resourceGroups/{app.resource_group.name}/providers/{app.arm_type}/{app.name}",
                    resource_group=app.resource_group.name,
                    resource_type=app.arm_type,
                )
            )
        ActivityLogEntry.objects.bulk_create(rows)
    # Written from outside the server's process, as another worker would:
    # the server must not keep serving pages rendered before it.
    pagecache.bump(sandbox)
    total = resource_count(sandbox)
    return {
        "resources": total,
        "generated_units": units,
        "vnets": VirtualNetwork.objects.filter(sandbox=sandbox).count(),
        "subnets": Subnet.objects.filter(vnet__sandbox=sandbox).count(),
        "apps": WebApp.objects.filter(sandbox=sandbox).count(),
        "plans": AppServicePlan.objects.filter(sandbox=sandbox).count(),
        "nics": NetworkInterface.objects.filter(sandbox=sandbox).count(),
        "notifications": Notification.objects.filter(sandbox=sandbox).count(),
        "activity_rows": ActivityLogEntry.objects.filter(sandbox=sandbox).count(),
    }
