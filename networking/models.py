"""Virtual networks, subnets, gateways and NICs, shaped like their ARM resources."""

from ipaddress import ip_network

from django.db import models

from networking.engine import addressing
from portal.models import ArmResource

APP_SERVICE_DELEGATION = "Microsoft.Web/serverFarms"  # SUBNET-12

DELEGATION_CHOICES = [
    ("", "None"),
    (APP_SERVICE_DELEGATION, APP_SERVICE_DELEGATION),
    ("Microsoft.Sql/managedInstances", "Microsoft.Sql/managedInstances"),
    ("Microsoft.ContainerInstance/containerGroups", "Microsoft.ContainerInstance/containerGroups"),
    ("Microsoft.Netapp/volumes", "Microsoft.Netapp/volumes"),
    ("Microsoft.DBforPostgreSQL/flexibleServers", "Microsoft.DBforPostgreSQL/flexibleServers"),
]


class VirtualNetworkQuerySet(models.QuerySet):
    def arm(self):
        return self.filter(is_classic=False)

    def classic(self):
        return self.filter(is_classic=True)


class VirtualNetwork(ArmResource):
    """A virtual network: address space, subnets, DNS servers.

    ``is_classic`` marks a classic (Azure Service Manager) VNet, which App
    Service reaches only through gateway-required integration (SEED-12).
    """

    address_space = models.JSONField(default=list)
    dns_servers = models.JSONField(default=list, blank=True)
    is_classic = models.BooleanField(default=False)

    objects = VirtualNetworkQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                models.functions.Lower("name"), "resource_group", name="unique_vnet_name_per_rg"
            )
        ]
        ordering = ["name"]

    @property
    def arm_type(self) -> str:
        return "Microsoft.ClassicNetwork/virtualNetworks" if self.is_classic else "Microsoft.Network/virtualNetworks"

    @property
    def type_label(self) -> str:
        return "Virtual network (classic)" if self.is_classic else "Virtual network"

    @property
    def has_ipv6(self) -> bool:
        return any(":" in p for p in self.address_space)

    @property
    def ipv4_space(self) -> list[str]:
        return [p for p in self.address_space if ip_network(p).version == 4]

    @property
    def dns_label(self) -> str:
        return ", ".join(self.dns_servers) if self.dns_servers else "Default (Azure-provided)"


class Subnet(models.Model):
    """A subnet of a VNet.

    ``serverfarm`` is the App Service *service association link* (SAL): the
    plan whose apps are integrated with this subnet. It is set with a
    conditional update so that two plans racing for one subnet can't both win
    (ASVI-42).
    """

    vnet = models.ForeignKey(VirtualNetwork, on_delete=models.CASCADE, related_name="subnets")
    name = models.CharField(max_length=80)
    address_prefix = models.CharField(max_length=49)
    delegation = models.CharField(max_length=120, blank=True, choices=DELEGATION_CHOICES)
    serverfarm = models.ForeignKey(
        "appservice.AppServicePlan", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    service_endpoints = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(models.functions.Lower("name"), "vnet", name="unique_subnet_name_per_vnet")
        ]
        ordering = ["vnet_id", "name"]

    def __str__(self) -> str:
        return f"{self.vnet.name}/{self.name}"

    arm_type = "Microsoft.Network/virtualNetworks/subnets"
    type_label = "Subnet"

    @property
    def arm_id(self) -> str:
        return f"{self.vnet.arm_id}/subnets/{self.name}"

    @property
    def network(self):
        return ip_network(self.address_prefix)

    @property
    def prefix_length(self) -> int:
        return self.network.prefixlen

    @property
    def usable_count(self) -> int:
        return addressing.usable_addresses(self.network)


class VirtualNetworkGateway(ArmResource):
    """A VPN or ExpressRoute gateway in a VNet's GatewaySubnet.

    Point-to-site is configured when ``p2s_address_pool`` is set; App Service
    gateway-required integration needs it with SSTP (ASGW-07, ASGW-10).
    """

    GATEWAY_TYPES = [("Vpn", "VPN"), ("ExpressRoute", "ExpressRoute")]
    VPN_TYPES = [("RouteBased", "Route-based"), ("PolicyBased", "Policy-based")]

    vnet = models.OneToOneField(VirtualNetwork, on_delete=models.CASCADE, related_name="gateway")
    gateway_type = models.CharField(max_length=16, choices=GATEWAY_TYPES, default="Vpn")
    vpn_type = models.CharField(max_length=16, choices=VPN_TYPES, default="RouteBased")
    sku = models.CharField(max_length=16, default="VpnGw1")
    p2s_address_pool = models.CharField(max_length=49, blank=True)
    p2s_tunnel_types = models.JSONField(default=list, blank=True)

    arm_type = "Microsoft.Network/virtualNetworkGateways"
    type_label = "Virtual network gateway"

    @property
    def point_to_site_enabled(self) -> bool:
        return bool(self.p2s_address_pool)

    def gateway_integration_problem(self) -> str | None:
        """Why App Service can't use this gateway (ASGW-07 to ASGW-10), or None."""
        if not self.point_to_site_enabled:
            return "the gateway has no point-to-site configuration"
        if self.gateway_type != "Vpn":
            return "ExpressRoute gateways can't be used"
        if self.vpn_type != "RouteBased":
            return "the gateway must be route-based"
        if "SSTP" not in self.p2s_tunnel_types:
            return "point-to-site must use the SSTP tunnel type"
        pool = ip_network(self.p2s_address_pool)
        if not any(pool.subnet_of(block) for block in addressing.RFC1918):
            return f"the point-to-site address pool {self.p2s_address_pool} is outside RFC 1918"
        return None


class NetworkInterface(ArmResource):
    """A VM's network interface with a private IP in a subnet."""

    subnet = models.ForeignKey(Subnet, on_delete=models.PROTECT, related_name="nics")
    private_ip = models.GenericIPAddressField(protocol="IPv4")
    vm_name = models.CharField(max_length=64, blank=True)

    arm_type = "Microsoft.Network/networkInterfaces"
    type_label = "Network interface"
