"""The demo seed every new sandbox starts with, and "Reset sandbox".

The seed is a small Contoso estate that exercises every branch of the
VNet Integration flow; the README lists it.
"""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from aks import services as aks_services
from appservice.models import AppServicePlan, AppSetting, VnetIntegration, WebApp
from networking import models as n
from networking.engine import servicetags
from networking.models import NetworkInterface, Subnet, VirtualNetwork, VirtualNetworkGateway
from portal.eras import Era
from portal.models import ActivityLogEntry, Notification, Operation, ResourceGroup, Sandbox, Subscription
from portal.services import complete_due_operations

SEED_RG = "contoso-rg"
NETWORK_RG = "contoso-network-rg"


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
            Subnet(
                vnet=main,
                name="sqlmi-subnet",
                address_prefix="10.0.3.0/24",
                delegation="Microsoft.Sql/managedInstances",
            ),
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
    if settings.VNETLAB_SEED_NETWORK:
        seed_network(sandbox, subscription)


def seed_network(sandbox: Sandbox, subscription: Subscription) -> None:
    """A hub-and-spoke network with on-premises behind a VPN gateway, a storage
    account locked to a service endpoint subnet and a SQL server reached
    through a private endpoint (issue #3's seed)."""
    rg = ResourceGroup.objects.create(subscription=subscription, name=NETWORK_RG, location="eastus")
    common = {"sandbox": sandbox, "resource_group": rg, "location": "eastus"}

    nsg = n.NetworkSecurityGroup.objects.create(name="contoso-spoke-nsg", **common)
    n.SecurityRule.objects.bulk_create(
        [
            n.SecurityRule(
                nsg=nsg,
                name="Allow-HTTPS-From-VNet",
                priority=100,
                direction="Inbound",
                access="Allow",
                protocol="Tcp",
                source_address_prefixes=["VirtualNetwork"],
                source_port_ranges=["*"],
                destination_address_prefixes=["*"],
                destination_port_ranges=["443"],
            ),
            n.SecurityRule(
                nsg=nsg,
                name="Deny-SMTP-Outbound",
                priority=200,
                direction="Outbound",
                access="Deny",
                protocol="Tcp",
                source_address_prefixes=["*"],
                source_port_ranges=["*"],
                destination_address_prefixes=["Internet"],
                destination_port_ranges=["25"],
            ),
        ]
    )
    table = n.RouteTable.objects.create(name="contoso-spoke-rt", **common)
    n.Route.objects.create(
        route_table=table,
        name="to-hub-nva",
        address_prefix="0.0.0.0/0",
        next_hop_type="VirtualAppliance",
        next_hop_ip="10.100.1.4",
    )

    hub = VirtualNetwork.objects.create(name="contoso-hub-vnet", address_space=["10.100.0.0/16"], **common)
    Subnet.objects.bulk_create(
        [
            Subnet(vnet=hub, name="GatewaySubnet", address_prefix="10.100.255.0/27"),
            Subnet(vnet=hub, name="nva-subnet", address_prefix="10.100.1.0/24"),
            Subnet(vnet=hub, name="endpoints-subnet", address_prefix="10.100.2.0/24"),
        ]
    )
    spoke = VirtualNetwork.objects.create(name="contoso-spoke-vnet", address_space=["10.101.0.0/16"], **common)
    Subnet.objects.bulk_create(
        [
            Subnet(
                vnet=spoke,
                name="workload-subnet",
                address_prefix="10.101.1.0/24",
                service_endpoints=["Microsoft.Storage"],
                nsg=nsg,
                route_table=table,
            ),
            Subnet(vnet=spoke, name="app-integration-subnet", address_prefix="10.101.2.0/26"),
        ]
    )
    nva = n.VirtualMachine.objects.create(name="contoso-nva01", **common)
    NetworkInterface.objects.create(
        name="contoso-nva01-nic",
        subnet=hub.subnets.get(name="nva-subnet"),
        private_ip="10.100.1.4",
        vm=nva,
        vm_name=nva.name,
        enable_ip_forwarding=True,
        **common,
    )

    # The hub's VPN gateway reaches on-premises; the spoke uses it through the peering.
    gateway = VirtualNetworkGateway.objects.create(name="contoso-hub-vpngw", vnet=hub, **common)
    n.VirtualNetworkPeering.objects.bulk_create(
        [
            n.VirtualNetworkPeering(
                vnet=hub, remote_vnet=spoke, name="hub-to-spoke", allow_gateway_transit=True, peering_state="Connected"
            ),
            n.VirtualNetworkPeering(
                vnet=spoke, remote_vnet=hub, name="spoke-to-hub", use_remote_gateways=True, peering_state="Connected"
            ),
        ]
    )
    onprem = n.LocalNetworkGateway.objects.create(
        name="contoso-onprem-lng",
        gateway_ip_address="203.0.113.10",
        address_prefixes=["192.168.0.0/16"],
        bgp_asn=65010,
        bgp_peering_address="192.168.255.254",
        **common,
    )
    n.VirtualNetworkGatewayConnection.objects.create(
        name="hub-to-onprem", gateway=gateway, connection_type="IPsec", local_network_gateway=onprem, **common
    )
    n.ExpressRouteCircuit.objects.create(name="contoso-er-circuit", advertised_prefixes=["172.20.0.0/16"], **common)

    # PaaS: storage locked to the spoke's workload subnet (service endpoint),
    # SQL reachable only through its private endpoint in the hub.
    storage = n.StorageAccount.objects.create(
        name="contosodata01", default_action="Deny", public_ip=str(servicetags.service_address("Storage", 1)), **common
    )
    storage.vnet_rules.add(spoke.subnets.get(name="workload-subnet"))
    sql = n.SqlServer.objects.create(
        name="contoso-sql01",
        public_network_access="Disabled",
        public_ip=str(servicetags.service_address("Sql", 1)),
        **common,
    )
    endpoints = hub.subnets.get(name="endpoints-subnet")
    pe_nic = NetworkInterface.objects.create(
        name="contoso-sql01-pe.nic.seed", subnet=endpoints, private_ip="10.100.2.4", **common
    )
    zone = n.PrivateDnsZone.objects.create(
        sandbox=sandbox, resource_group=rg, name="privatelink.database.windows.net", location="global"
    )
    n.PrivateDnsRecordSet.objects.create(
        zone=zone, name="contoso-sql01", record_type="A", ttl=10, records=["10.100.2.4"]
    )
    n.VirtualNetworkLink.objects.bulk_create(
        [
            n.VirtualNetworkLink(zone=zone, vnet=hub, name="hub-link"),
            n.VirtualNetworkLink(zone=zone, vnet=spoke, name="spoke-link"),
        ]
    )
    endpoint = n.PrivateEndpoint.objects.create(
        name="contoso-sql01-pe",
        subnet=endpoints,
        nic=pe_nic,
        target_type=ContentType.objects.get_for_model(n.SqlServer),
        target_id=sql.pk,
        group_id="sqlServer",
        **common,
    )
    endpoint.dns_zones.add(zone)
    seed_aks(sandbox, rg)


AKS_VNET = "contoso-aks-vnet"
AKS_CLUSTERS = (
    # name, network plugin, subnet, its prefix
    ("contoso-aks-kubenet", "kubenet", "aks-kubenet-subnet", "10.102.0.0/24"),
    ("contoso-aks-cni", "azure", "aks-cni-subnet", "10.102.4.0/22"),
)


def seed_aks(sandbox: Sandbox, rg: ResourceGroup) -> None:
    """A kubenet and an Azure CNI cluster side by side, each in its own subnet
    (AKS-05), made by aks.services as the wizard makes them: the kubenet one
    with its route table of one route per node (AKS-02), the CNI one with its
    pods' addresses reserved in the subnet (AKS-20). They start deployed."""
    vnet = VirtualNetwork.objects.create(
        sandbox=sandbox, resource_group=rg, name=AKS_VNET, location="eastus", address_space=["10.102.0.0/16"]
    )
    Subnet.objects.bulk_create(
        [Subnet(vnet=vnet, name=subnet, address_prefix=prefix) for _, _, subnet, prefix in AKS_CLUSTERS]
    )
    subnets = {s.name: s for s in Subnet.objects.filter(vnet=vnet).select_related("vnet", "route_table")}
    era = Era(sandbox.era)
    for name, plugin, subnet, _ in AKS_CLUSTERS:
        aks_services.create_cluster(
            rg,
            aks_services.ClusterSpec(
                name=name,
                location="eastus",
                node_count=aks_services.DEFAULT_NODE_COUNT,
                network_plugin=plugin,
                subnet=subnets[subnet],
                node_size=aks_services.DEFAULT_NODE_SIZE[era],
            ),
        )
    # A new sandbox holds no deployment in progress and no toasts: the
    # creates end now, and the Activity log records them as succeeded.
    running = Operation.objects.filter(sandbox=sandbox).unfinished()
    Notification.objects.filter(sandbox=sandbox, operation__in=running).delete()
    running.update(ends_at=timezone.now())
    complete_due_operations(sandbox)
