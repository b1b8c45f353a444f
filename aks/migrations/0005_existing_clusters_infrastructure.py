"""Clusters made before scale sets and the `kubernetes` load balancer were
modelled get them now, as aks.services.create makes them: a scale set per
pool holding its nodes' NICs (VMSS-01), the load balancer with its outbound
public IP and the nodes in its backend pool (LB-01, LB-02), and the node
resource group managed by its cluster."""

import uuid
from ipaddress import IPv4Network

from django.db import migrations

ADDRESS_POOL = IPv4Network("198.51.100.0/24")  # PIP-05, as networking.services.nat allots it


def _free_address(PublicIPAddress, sandbox_id):
    taken = set(
        PublicIPAddress.objects.filter(sandbox_id=sandbox_id, ip_address__isnull=False).values_list(
            "ip_address", flat=True
        )
    )
    return next((str(a) for a in ADDRESS_POOL.hosts() if str(a) not in taken), None)


def forwards(apps, schema_editor):
    ManagedCluster = apps.get_model("aks", "ManagedCluster")
    VirtualMachineScaleSet = apps.get_model("aks", "VirtualMachineScaleSet")
    ClusterNode = apps.get_model("aks", "ClusterNode")
    NetworkInterface = apps.get_model("networking", "NetworkInterface")
    LoadBalancer = apps.get_model("networking", "LoadBalancer")
    PublicIPAddress = apps.get_model("networking", "PublicIPAddress")
    ResourceGroup = apps.get_model("portal", "ResourceGroup")
    for cluster in ManagedCluster.objects.select_related("resource_group__subscription"):
        rg = cluster.resource_group
        rg_id = f"/subscriptions/{rg.subscription.subscription_id}/resourceGroups/{rg.name}"
        node_rg = ResourceGroup.objects.filter(subscription=rg.subscription, name=cluster.node_resource_group).first()
        if node_rg is None:
            continue
        if not node_rg.managed_by:
            node_rg.managed_by = f"{rg_id}/providers/Microsoft.ContainerService/managedClusters/{cluster.name}"
            node_rg.save(update_fields=["managed_by"])
        balancer = cluster.load_balancer
        if balancer is None:
            balancer = LoadBalancer.objects.create(
                sandbox_id=cluster.sandbox_id,
                resource_group=node_rg,
                name="kubernetes",
                location=cluster.location,
                sku="Standard",
                backend_pool="kubernetes",
                outbound_rule="aksOutboundRule",
            )
            PublicIPAddress.objects.create(
                sandbox_id=cluster.sandbox_id,
                resource_group=node_rg,
                name=str(uuid.uuid5(uuid.NAMESPACE_URL, f"{rg_id}/{cluster.name}".lower())),
                location=cluster.location,
                sku="Standard",
                allocation_method="Static",
                ip_address=_free_address(PublicIPAddress, cluster.sandbox_id),
                load_balancer=balancer,
            )
            cluster.load_balancer = balancer
            cluster.save(update_fields=["load_balancer"])
        for pool in cluster.pools.all():
            name = f"aks-{pool.name}-{cluster.resource_suffix}-vmss"
            if not VirtualMachineScaleSet.objects.filter(pool=pool).exists():
                VirtualMachineScaleSet.objects.create(
                    sandbox_id=cluster.sandbox_id, resource_group=node_rg, name=name, location=cluster.location, pool=pool
                )
            for node in ClusterNode.objects.filter(pool=pool):
                NetworkInterface.objects.filter(pk=node.nic_id).update(
                    scale_set=name, scale_set_instance=node.instance, load_balancer=balancer
                )


class Migration(migrations.Migration):
    dependencies = [("aks", "0004_scale_sets_load_balancer")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
