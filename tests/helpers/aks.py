"""Builders for the AKS tests: a VNet with subnets made through the
networking services (the compact seed has none for AKS), and cluster specs."""

from django.urls import reverse

from aks import services
from networking.models import Subnet
from networking.services import vnets
from portal.models import ResourceGroup


def group(client, name: str = "contoso-rg") -> ResourceGroup:
    return ResourceGroup.objects.select_related("subscription__sandbox").get(
        subscription__sandbox=client.sandbox, name=name
    )


def aks_subnets(client, *, space: str = "10.50.0.0/16", subnets=(("aks-subnet", "10.50.0.0/21"),), name="aks-vnet"):
    """A VNet in East US with the given subnets; returns {name: Subnet}."""
    vnet = vnets.create_vnet(group(client), name=name, location="eastus", address_space=[space], subnets=list(subnets))
    return {s.name: s for s in Subnet.objects.filter(vnet=vnet).select_related("vnet", "route_table")}


def spec(subnet, **overrides) -> services.ClusterSpec:
    values = {
        "name": "lab-aks",
        "location": "eastus",
        "node_count": 3,
        "network_plugin": "kubenet",
        "subnet": subnet,
        "node_size": "Standard_DS2_v2",
    }
    values.update(overrides)
    return services.ClusterSpec(**values)


def fresh(subnet) -> Subnet:
    return Subnet.objects.select_related("vnet", "route_table").get(pk=subnet.pk)


def finish_operations(client) -> None:
    """Let every running operation of the sandbox reach its end, as time would."""
    from django.utils import timezone

    from portal.models import Operation
    from portal.services import complete_due_operations

    Operation.objects.filter(sandbox=client.sandbox).unfinished().update(ends_at=timezone.now())
    complete_due_operations(client.sandbox)


def state(client) -> tuple:
    """What a refused create or scale must leave untouched."""
    from aks.models import AgentPool, ClusterNode, ManagedCluster, PodIpAddress, VirtualMachineScaleSet
    from networking.models import (
        LoadBalancer,
        NetworkInterface,
        NetworkSecurityGroup,
        PublicIPAddress,
        Route,
        RouteTable,
    )
    from portal.models import ActivityLogEntry, Notification, Operation

    sandbox = client.sandbox
    return (
        ManagedCluster.objects.filter(sandbox=sandbox).count(),
        list(AgentPool.objects.filter(cluster__sandbox=sandbox).values_list("name", "node_count")),
        ClusterNode.objects.filter(pool__cluster__sandbox=sandbox).count(),
        PodIpAddress.objects.filter(node__pool__cluster__sandbox=sandbox).count(),
        NetworkInterface.objects.filter(sandbox=sandbox).count(),
        RouteTable.objects.filter(sandbox=sandbox).count(),
        NetworkSecurityGroup.objects.filter(sandbox=sandbox).count(),
        Route.objects.filter(route_table__sandbox=sandbox).count(),
        VirtualMachineScaleSet.objects.filter(sandbox=sandbox).count(),
        LoadBalancer.objects.filter(sandbox=sandbox).count(),
        PublicIPAddress.objects.filter(sandbox=sandbox).count(),
        sorted(ResourceGroup.objects.filter(subscription__sandbox=sandbox).values_list("name", flat=True)),
        list(Subnet.objects.filter(vnet__sandbox=sandbox).values_list("route_table_id", flat=True)),
        ActivityLogEntry.objects.filter(sandbox=sandbox).exclude(status="Failed").count(),
        Notification.objects.filter(sandbox=sandbox).count(),
        Operation.objects.filter(sandbox=sandbox).count(),
    )


# The "Create Kubernetes cluster" wizard and the cluster blade.
WIZARD = reverse("create_wizard", kwargs={"kind": "kubernetes"})


def form(client, subnet, **overrides) -> dict:
    data = {
        "subscription": str(client.sandbox.subscriptions.get().subscription_id),
        "resource_group": "contoso-rg",
        "new_resource_group": "",
        "name": "lab-aks",
        "region": "eastus",
        "node_size": "Standard_DS2_v2",
        "node_count": "3",
        "os_type": "Linux",
        "network_plugin": "kubenet",
        "vnet": str(subnet.vnet_id),
        "subnet": str(subnet.pk),
        "service_cidr": "10.0.0.0/16",
        "dns_service_ip": "10.0.0.10",
        "docker_bridge_cidr": "172.17.0.1/16",
        "network_policy": "none",
        "current_tab": "networking",
        "action": "review",
    }
    data.update(overrides)
    return data


def blade(cluster, page: str) -> str:
    rg = cluster.resource_group
    return reverse(
        f"aks:{page}", kwargs={"subscription_id": rg.subscription.subscription_id, "rg": rg.name, "name": cluster.name}
    )
