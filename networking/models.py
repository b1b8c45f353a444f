"""Virtual networks, subnets, gateways and NICs, shaped like their ARM resources."""

from ipaddress import ip_network

from django.contrib.contenttypes.fields import GenericForeignKey
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
    # SUBNET-07: at most one NSG and one route table per subnet.
    nsg = models.ForeignKey(
        "NetworkSecurityGroup", null=True, blank=True, on_delete=models.PROTECT, related_name="subnets"
    )
    route_table = models.ForeignKey("RouteTable", null=True, blank=True, on_delete=models.PROTECT, related_name="subnets")
    # SUBNET-21: Classic "Disabled"/"Enabled"; Current adds the two partial values.
    private_endpoint_network_policies = models.CharField(max_length=32, default="Disabled")

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
    """A network interface with a private IP in a subnet: a VM's, or the one
    a private endpoint creates."""

    subnet = models.ForeignKey(Subnet, on_delete=models.PROTECT, related_name="nics")
    private_ip = models.GenericIPAddressField(protocol="IPv4")
    vm_name = models.CharField(max_length=64, blank=True)
    vm = models.ForeignKey("VirtualMachine", null=True, blank=True, on_delete=models.CASCADE, related_name="nics")
    public_ip = models.GenericIPAddressField(protocol="IPv4", null=True, blank=True)
    # NSG-20: at most one NSG per NIC.
    nsg = models.ForeignKey(
        "NetworkSecurityGroup", null=True, blank=True, on_delete=models.PROTECT, related_name="nics"
    )
    enable_ip_forwarding = models.BooleanField(default=False)

    arm_type = "Microsoft.Network/networkInterfaces"
    type_label = "Network interface"


class VirtualMachine(ArmResource):
    """A virtual machine: only its networking side (NICs) is simulated."""

    size = models.CharField(max_length=32, default="Standard_B2s")
    os_type = models.CharField(max_length=8, choices=[("Linux", "Linux"), ("Windows", "Windows")], default="Linux")

    arm_type = "Microsoft.Compute/virtualMachines"
    type_label = "Virtual machine"


# --- Network security groups -----------------------------------------------------


class NetworkSecurityGroup(ArmResource):
    """A network security group: custom rules plus the six default rules
    (NSG-10), associated with subnets and NICs (NSG-20)."""

    arm_type = "Microsoft.Network/networkSecurityGroups"
    type_label = "Network security group"


class SecurityRule(models.Model):
    """A custom security rule (NSG-01 to NSG-07).

    Address prefixes and port ranges are lists as in ARM: ``["*"]`` is Any;
    a service tag stands alone in its list (NSG-04).
    """

    DIRECTIONS = [("Inbound", "Inbound"), ("Outbound", "Outbound")]
    ACCESS = [("Allow", "Allow"), ("Deny", "Deny")]
    PROTOCOLS = [("*", "Any"), ("Tcp", "TCP"), ("Udp", "UDP"), ("Icmp", "ICMP"), ("Esp", "ESP"), ("Ah", "AH")]

    nsg = models.ForeignKey(NetworkSecurityGroup, on_delete=models.CASCADE, related_name="rules")
    name = models.CharField(max_length=80)
    priority = models.PositiveSmallIntegerField()
    direction = models.CharField(max_length=8, choices=DIRECTIONS)
    access = models.CharField(max_length=5, choices=ACCESS, default="Allow")
    protocol = models.CharField(max_length=4, choices=PROTOCOLS, default="*")
    source_address_prefixes = models.JSONField(default=list)
    source_port_ranges = models.JSONField(default=list)
    destination_address_prefixes = models.JSONField(default=list)
    destination_port_ranges = models.JSONField(default=list)
    description = models.CharField(max_length=140, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(models.functions.Lower("name"), "nsg", name="unique_rule_name_per_nsg"),
            models.UniqueConstraint("nsg", "direction", "priority", name="unique_rule_priority_per_direction"),
        ]
        ordering = ["direction", "priority"]

    def __str__(self) -> str:
        return f"{self.nsg.name}/{self.name}"


# --- Route tables ----------------------------------------------------------------


class RouteTable(ArmResource):
    """A route table of user-defined routes, associated with subnets (ROUTE-20).
    ``disable_bgp_route_propagation`` is the portal's "Propagate gateway
    routes" = No (ROUTE-26)."""

    disable_bgp_route_propagation = models.BooleanField(default=False)

    arm_type = "Microsoft.Network/routeTables"
    type_label = "Route table"


class Route(models.Model):
    """A user-defined route (ROUTE-21, ROUTE-24). ``address_prefix`` is a CIDR
    or a service tag (ROUTE-23)."""

    NEXT_HOP_TYPES = [
        ("VirtualNetworkGateway", "Virtual network gateway"),
        ("VnetLocal", "Virtual network"),
        ("Internet", "Internet"),
        ("VirtualAppliance", "Virtual appliance"),
        ("None", "None"),
    ]

    route_table = models.ForeignKey(RouteTable, on_delete=models.CASCADE, related_name="routes")
    name = models.CharField(max_length=80)
    address_prefix = models.CharField(max_length=64)
    next_hop_type = models.CharField(max_length=24, choices=NEXT_HOP_TYPES)
    next_hop_ip = models.GenericIPAddressField(protocol="IPv4", null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(models.functions.Lower("name"), "route_table", name="unique_route_name_per_table")
        ]
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.route_table.name}/{self.name}"


# --- Peering -----------------------------------------------------------------------


class VirtualNetworkPeering(models.Model):
    """One side of a VNet peering (VNET-10): Initiated until the other side
    exists, then Connected; Disconnected when the other side is deleted."""

    STATES = [("Initiated", "Initiated"), ("Connected", "Connected"), ("Disconnected", "Disconnected")]

    vnet = models.ForeignKey(VirtualNetwork, on_delete=models.CASCADE, related_name="peerings")
    remote_vnet = models.ForeignKey(VirtualNetwork, on_delete=models.CASCADE, related_name="remote_peerings")
    name = models.CharField(max_length=80)
    allow_virtual_network_access = models.BooleanField(default=True)
    allow_forwarded_traffic = models.BooleanField(default=False)
    allow_gateway_transit = models.BooleanField(default=False)
    use_remote_gateways = models.BooleanField(default=False)
    peering_state = models.CharField(max_length=12, choices=STATES, default="Initiated")

    class Meta:
        constraints = [
            models.UniqueConstraint(models.functions.Lower("name"), "vnet", name="unique_peering_name_per_vnet"),
            models.UniqueConstraint("vnet", "remote_vnet", name="unique_peering_per_vnet_pair"),
        ]
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.vnet.name}/{self.name}"


# --- On-premises --------------------------------------------------------------------


class LocalNetworkGateway(ArmResource):
    """An on-premises VPN device and the address prefixes behind it."""

    gateway_ip_address = models.GenericIPAddressField(protocol="IPv4")
    address_prefixes = models.JSONField(default=list)
    bgp_asn = models.PositiveIntegerField(null=True, blank=True)
    bgp_peering_address = models.GenericIPAddressField(protocol="IPv4", null=True, blank=True)

    arm_type = "Microsoft.Network/localNetworkGateways"
    type_label = "Local network gateway"


class ExpressRouteCircuit(ArmResource):
    """An ExpressRoute circuit; ``advertised_prefixes`` are the on-premises
    routes it learns over BGP (ROUTE-27)."""

    service_provider = models.CharField(max_length=64, default="Equinix")
    peering_location = models.CharField(max_length=64, default="Washington DC")
    bandwidth_mbps = models.PositiveIntegerField(default=1000)
    advertised_prefixes = models.JSONField(default=list)

    arm_type = "Microsoft.Network/expressRouteCircuits"
    type_label = "ExpressRoute circuit"


class VirtualNetworkGatewayConnection(ArmResource):
    """A site-to-site VPN or ExpressRoute connection of a VNet gateway."""

    TYPES = [("IPsec", "Site-to-site (IPsec)"), ("ExpressRoute", "ExpressRoute"), ("Vnet2Vnet", "VNet-to-VNet")]

    gateway = models.ForeignKey(VirtualNetworkGateway, on_delete=models.CASCADE, related_name="connections")
    connection_type = models.CharField(max_length=16, choices=TYPES)
    local_network_gateway = models.ForeignKey(
        LocalNetworkGateway, null=True, blank=True, on_delete=models.PROTECT, related_name="connections"
    )
    express_route_circuit = models.ForeignKey(
        ExpressRouteCircuit, null=True, blank=True, on_delete=models.PROTECT, related_name="connections"
    )
    enable_bgp = models.BooleanField(default=False)

    arm_type = "Microsoft.Network/connections"
    type_label = "Connection"


# --- Private DNS ----------------------------------------------------------------------


class PrivateDnsZone(ArmResource):
    """A private DNS zone (location "global"); serves only VNets linked to it (PEDNS-20)."""

    arm_type = "Microsoft.Network/privateDnsZones"
    type_label = "Private DNS zone"


class PrivateDnsRecordSet(models.Model):
    """A record set of a private zone; ``name`` is relative ("@" for the apex)."""

    TYPES = [(t, t) for t in ("A", "AAAA", "CNAME", "MX", "PTR", "SRV", "TXT")]

    zone = models.ForeignKey(PrivateDnsZone, on_delete=models.CASCADE, related_name="record_sets")
    name = models.CharField(max_length=253)
    record_type = models.CharField(max_length=5, choices=TYPES)
    ttl = models.PositiveIntegerField(default=3600)
    records = models.JSONField(default=list)
    auto_registered = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(models.functions.Lower("name"), "record_type", "zone", name="unique_record_set")
        ]
        ordering = ["name", "record_type"]

    def __str__(self) -> str:
        return f"{self.name}.{self.zone.name} {self.record_type}"


class VirtualNetworkLink(models.Model):
    """A zone's link to a VNet (PEDNS-20 to PEDNS-22). ``resolution_policy``
    NxDomainRedirect exists in the Current era only (PEDNS-14)."""

    zone = models.ForeignKey(PrivateDnsZone, on_delete=models.CASCADE, related_name="links")
    vnet = models.ForeignKey(VirtualNetwork, on_delete=models.CASCADE, related_name="dns_links")
    name = models.CharField(max_length=80)
    registration_enabled = models.BooleanField(default=False)
    resolution_policy = models.CharField(max_length=16, default="Default")

    class Meta:
        constraints = [
            models.UniqueConstraint(models.functions.Lower("name"), "zone", name="unique_link_name_per_zone"),
            models.UniqueConstraint("zone", "vnet", name="unique_link_per_zone_vnet"),
        ]
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.zone.name}/{self.name}"


# --- PaaS targets --------------------------------------------------------------------------


class PaasTarget(ArmResource):
    """A PaaS service with a public endpoint and a firewall: public network
    access, VNet rules (service endpoint subnets, SE-01) and IP rules."""

    public_network_access = models.CharField(max_length=8, default="Enabled")
    default_action = models.CharField(max_length=5, default="Allow")
    ip_rules = models.JSONField(default=list, blank=True)
    public_ip = models.GenericIPAddressField(protocol="IPv4")

    # Subclasses set these (PEDNS-01, SUBNET-20).
    host_suffix = ""
    private_link_zone = ""
    group_id = ""
    service_endpoint = ""
    service_tag = ""

    class Meta:
        abstract = True

    @property
    def host_name(self) -> str:
        return f"{self.name.lower()}.{self.host_suffix}"


class StorageAccount(PaasTarget):
    vnet_rules = models.ManyToManyField(Subnet, blank=True, related_name="+")

    arm_type = "Microsoft.Storage/storageAccounts"
    type_label = "Storage account"
    host_suffix = "blob.core.windows.net"
    private_link_zone = "privatelink.blob.core.windows.net"
    group_id = "blob"
    service_endpoint = "Microsoft.Storage"
    service_tag = "Storage"


class SqlServer(PaasTarget):
    vnet_rules = models.ManyToManyField(Subnet, blank=True, related_name="+")

    arm_type = "Microsoft.Sql/servers"
    type_label = "SQL server"
    host_suffix = "database.windows.net"
    private_link_zone = "privatelink.database.windows.net"
    group_id = "sqlServer"
    service_endpoint = "Microsoft.Sql"
    service_tag = "Sql"


class KeyVault(PaasTarget):
    vnet_rules = models.ManyToManyField(Subnet, blank=True, related_name="+")

    arm_type = "Microsoft.KeyVault/vaults"
    type_label = "Key vault"
    host_suffix = "vault.azure.net"
    private_link_zone = "privatelink.vaultcore.azure.net"
    group_id = "vault"
    service_endpoint = "Microsoft.KeyVault"
    service_tag = "AzureKeyVault"


# --- Private endpoints ----------------------------------------------------------------------


class PrivateEndpoint(ArmResource):
    """A private endpoint: a NIC with a private IP in a subnet, connected to
    one sub-resource of a target (PEDNS-30, PEDNS-31), with a DNS zone group
    that keeps the A record in the privatelink zone (PEDNS-32)."""

    STATES = [("Approved", "Approved"), ("Pending", "Pending"), ("Rejected", "Rejected"), ("Disconnected", "Disconnected")]

    subnet = models.ForeignKey(Subnet, on_delete=models.PROTECT, related_name="private_endpoints")
    nic = models.OneToOneField(NetworkInterface, on_delete=models.PROTECT, related_name="private_endpoint")
    target_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.PROTECT, related_name="+")
    target_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("target_type", "target_id")
    group_id = models.CharField(max_length=32)
    connection_state = models.CharField(max_length=12, choices=STATES, default="Approved")
    request_message = models.CharField(max_length=140, blank=True)
    dns_zones = models.ManyToManyField(PrivateDnsZone, blank=True, related_name="private_endpoints")

    arm_type = "Microsoft.Network/privateEndpoints"
    type_label = "Private endpoint"

    @property
    def private_ip(self) -> str:
        return self.nic.private_ip
