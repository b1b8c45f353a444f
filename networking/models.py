"""Virtual networks, subnets, gateways and NICs, shaped like their ARM resources."""

from ipaddress import ip_network

from django.contrib.contenttypes.fields import GenericForeignKey
from django.db import models

from networking.engine import addressing
from networking.engine.topology import has_default_outbound
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
            models.UniqueConstraint(models.functions.Lower("name"), "resource_group", name="unique_vnet_name_per_rg")
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

    def arm_properties(self) -> dict:
        return {
            "addressSpace": {"addressPrefixes": list(self.address_space)},
            "dhcpOptions": {"dnsServers": list(self.dns_servers)},
            "subnets": [
                s.arm_json()
                for s in self.subnets.select_related(
                    "nsg", "route_table", "vnet__resource_group__subscription", "vnet__sandbox"
                )
            ],
            "virtualNetworkPeerings": [
                p.arm_json() for p in self.peerings.select_related("remote_vnet__resource_group__subscription")
            ],
        }


class Subnet(models.Model):
    """A subnet of a VNet.

    What other apps put on a subnet lives with them (App Service's service
    association link is ``appservice.ServiceAssociationLink``), so this app
    names none of them.
    """

    vnet = models.ForeignKey(VirtualNetwork, on_delete=models.CASCADE, related_name="subnets")
    name = models.CharField(max_length=80)
    address_prefix = models.CharField(max_length=49)
    delegation = models.CharField(max_length=120, blank=True, choices=DELEGATION_CHOICES)
    service_endpoints = models.JSONField(default=list, blank=True)
    # SUBNET-07: at most one NSG and one route table per subnet.
    nsg = models.ForeignKey(
        "NetworkSecurityGroup", null=True, blank=True, on_delete=models.PROTECT, related_name="subnets"
    )
    route_table = models.ForeignKey(
        "RouteTable", null=True, blank=True, on_delete=models.PROTECT, related_name="subnets"
    )
    # SUBNET-21: Classic "Disabled"/"Enabled"; Current adds the two partial values.
    private_endpoint_network_policies = models.CharField(max_length=32, default="Disabled")
    # NAT-01: at most one NAT gateway per subnet; it then supplies the subnet's
    # outbound internet address (ASRT-17, NAT-07). The service refuses to
    # delete a NAT gateway in use (NAT-06); SET_NULL only lets a sandbox's
    # reset delete in any order.
    nat_gateway = models.ForeignKey(
        "NatGateway", null=True, blank=True, on_delete=models.SET_NULL, related_name="subnets"
    )
    # DOA-03 (lab): ARM's defaultOutboundAccess. False is a private subnet
    # (Current's "Enable private subnet (no default outbound access)", DOA-02);
    # None when it isn't set, and then the era decides (networking.engine.topology
    # has_default_outbound): Classic on (DOA-01), Current off.
    default_outbound_access = models.BooleanField(null=True, blank=True, default=None)

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

    def arm_json(self) -> dict:
        properties = {
            "addressPrefix": self.address_prefix,
            "delegations": [{"name": "delegation", "properties": {"serviceName": self.delegation}}]
            if self.delegation
            else [],
            "serviceEndpoints": [{"service": s, "locations": [self.vnet.location]} for s in self.service_endpoints],
            "privateEndpointNetworkPolicies": self.private_endpoint_network_policies,
            "provisioningState": "Succeeded",
        }
        if self.nsg_id:
            properties["networkSecurityGroup"] = {"id": self.nsg.arm_id}
        if self.route_table_id:
            properties["routeTable"] = {"id": self.route_table.arm_id}
        if self.nat_gateway_id:
            properties["natGateway"] = {"id": self.nat_gateway.arm_id}
        outbound = self.default_outbound_access_shown
        if outbound is not None:
            properties["defaultOutboundAccess"] = outbound
        return {"id": self.arm_id, "name": self.name, "type": self.arm_type, "properties": properties}

    @property
    def default_outbound_access_shown(self) -> bool | None:
        """DOA-03: ``defaultOutboundAccess`` as the JSON View and an export
        show it. Current's API (2025-07-01) always has it, the era's default
        when unset; Classic's API didn't know it, so only a value set before
        the sandbox went back to Classic shows."""
        if self.default_outbound_access is not None or not self.vnet.sandbox.rules.private_subnet_option:
            return self.default_outbound_access
        return has_default_outbound(self.vnet.sandbox.era, None)


def gateway_integration_problem(gateway_type: str, vpn_type: str, p2s_address_pool: str, p2s_tunnel_types) -> str | None:
    """Why App Service can't use a gateway of these settings (ASGW-07 to
    ASGW-10), or None: from plain values, as the snapshot reads them."""
    if not p2s_address_pool:
        return "the gateway has no point-to-site configuration"
    if gateway_type != "Vpn":
        return "ExpressRoute gateways can't be used"
    if vpn_type != "RouteBased":
        return "the gateway must be route-based"
    if "SSTP" not in p2s_tunnel_types:
        return "point-to-site must use the SSTP tunnel type"
    pool = ip_network(p2s_address_pool)
    if not any(pool.subnet_of(block) for block in addressing.RFC1918):
        return f"the point-to-site address pool {p2s_address_pool} is outside RFC 1918"
    return None


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
    p2s_auth_type = models.CharField(max_length=16, default="certificate")
    # [[name, public certificate data], ...] (LIMIT-24: at most 20).
    p2s_root_certificates = models.JSONField(default=list, blank=True)
    generation = models.CharField(max_length=12, default="Generation1")
    active_active = models.BooleanField(default=False)
    enable_bgp = models.BooleanField(default=False)
    bgp_asn = models.PositiveIntegerField(null=True, blank=True)
    public_ip_name = models.CharField(max_length=80, blank=True)
    # portal-ui §6 [newer]: the Current wizard's public IPs are Standard (PIP-01/02),
    # zone-redundant or in a zone for AZ SKUs, and an active-active gateway has a
    # second one. The lab keeps the names (no public IP resources, as for the first).
    public_ip_sku = models.CharField(max_length=16, blank=True)
    availability_zone = models.CharField(max_length=16, blank=True)
    second_public_ip_name = models.CharField(max_length=80, blank=True)

    arm_type = "Microsoft.Network/virtualNetworkGateways"
    type_label = "Virtual network gateway"

    @property
    def point_to_site_enabled(self) -> bool:
        return bool(self.p2s_address_pool)

    @property
    def public_ip_names(self) -> list[str]:
        """The gateway's public IP address names: two for an active-active gateway made with both."""
        return [name for name in (self.public_ip_name, self.second_public_ip_name) if name]

    def gateway_integration_problem(self) -> str | None:
        """Why App Service can't use this gateway (ASGW-07 to ASGW-10), or None."""
        return gateway_integration_problem(self.gateway_type, self.vpn_type, self.p2s_address_pool, self.p2s_tunnel_types)

    def arm_properties(self) -> dict:
        properties = {
            "gatewayType": self.gateway_type,
            "vpnType": self.vpn_type,
            "sku": {"name": self.sku, "tier": self.sku},
            "vpnGatewayGeneration": self.generation,
            "activeActive": self.active_active,
            "enableBgp": self.enable_bgp,
            "ipConfigurations": [{"properties": {"subnet": {"id": f"{self.vnet.arm_id}/subnets/GatewaySubnet"}}}],
        }
        if self.enable_bgp and self.bgp_asn:
            properties["bgpSettings"] = {"asn": self.bgp_asn}
        if self.point_to_site_enabled:
            properties["vpnClientConfiguration"] = {
                "vpnClientAddressPool": {"addressPrefixes": [self.p2s_address_pool]},
                "vpnClientProtocols": list(self.p2s_tunnel_types),
                "vpnAuthenticationTypes": [
                    {"certificate": "Certificate", "radius": "Radius", "aad": "AAD"}.get(
                        self.p2s_auth_type, self.p2s_auth_type
                    )
                ],
                "vpnClientRootCertificates": [{"name": name} for name, _ in self.p2s_root_certificates],
            }
        return properties


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
    # VMSS-01: the NIC of a scale set's instance (an AKS node's) belongs to
    # that instance: Azure lists it under the scale set, not as a resource of
    # its own, and its ID is nested under the instance. The scale set is
    # named, not referenced: the app that makes scale sets sits above this one.
    scale_set = models.CharField(max_length=80, blank=True)
    scale_set_instance = models.PositiveIntegerField(null=True, blank=True)
    # LB-01: in the backend pool of a load balancer whose outbound rule
    # translates the NIC's internet traffic to its frontend public IP.
    load_balancer = models.ForeignKey(
        "LoadBalancer", null=True, blank=True, on_delete=models.SET_NULL, related_name="backend_nics"
    )

    arm_type = "Microsoft.Network/networkInterfaces"
    type_label = "Network interface"

    @property
    def instance_id(self) -> str:
        """The scale set instance holding the NIC (VMSS-01), or ""."""
        if not self.scale_set:
            return ""
        return (
            f"{self.resource_group.arm_id}/providers/Microsoft.Compute/virtualMachineScaleSets/"
            f"{self.scale_set}/virtualMachines/{self.scale_set_instance}"
        )

    @property
    def arm_id(self) -> str:
        if self.scale_set:
            return f"{self.instance_id}/networkInterfaces/{self.name}"
        return super().arm_id

    def arm_properties(self) -> dict:
        ip_config = {
            "privateIPAddress": self.private_ip,
            "privateIPAllocationMethod": "Dynamic",
            "subnet": {"id": self.subnet.arm_id},
        }
        if self.public_ip:
            ip_config["publicIPAddress"] = {"ipAddress": self.public_ip}
        properties = {
            "ipConfigurations": [{"name": "ipconfig1", "properties": ip_config}],
            "enableIPForwarding": self.enable_ip_forwarding,
        }
        if self.nsg_id:
            properties["networkSecurityGroup"] = {"id": self.nsg.arm_id}
        if self.vm_id:
            properties["virtualMachine"] = {"id": self.vm.arm_id}
        elif self.scale_set:
            properties["virtualMachine"] = {"id": self.instance_id}
        if self.load_balancer_id:
            ip_config["loadBalancerBackendAddressPools"] = [{"id": self.load_balancer.backend_pool_id}]
        return properties


class VirtualMachine(ArmResource):
    """A virtual machine: only its networking side (NICs) is simulated."""

    size = models.CharField(max_length=32, default="Standard_B2s")
    os_type = models.CharField(max_length=8, choices=[("Linux", "Linux"), ("Windows", "Windows")], default="Linux")

    arm_type = "Microsoft.Compute/virtualMachines"
    type_label = "Virtual machine"

    def arm_properties(self) -> dict:
        return {
            "hardwareProfile": {"vmSize": self.size},
            "storageProfile": {"osDisk": {"osType": self.os_type}},
            "networkProfile": {"networkInterfaces": [{"id": nic.arm_id} for nic in self.nics.all()]},
        }


# --- Network security groups -----------------------------------------------------


class NetworkSecurityGroup(ArmResource):
    """A network security group: custom rules plus the six default rules
    (NSG-10), associated with subnets and NICs (NSG-20)."""

    arm_type = "Microsoft.Network/networkSecurityGroups"
    type_label = "Network security group"

    def arm_properties(self) -> dict:
        return {
            "securityRules": [r.arm_json() for r in self.rules.all()],
            "subnets": [{"id": s.arm_id} for s in self.subnets.select_related("vnet__resource_group__subscription")],
            "networkInterfaces": [{"id": n.arm_id} for n in self.nics.select_related("resource_group__subscription")],
        }


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

    def arm_json(self) -> dict:
        return {
            "name": self.name,
            "properties": {
                "priority": self.priority,
                "direction": self.direction,
                "access": self.access,
                "protocol": self.protocol,
                "sourceAddressPrefixes": list(self.source_address_prefixes),
                "sourcePortRanges": list(self.source_port_ranges),
                "destinationAddressPrefixes": list(self.destination_address_prefixes),
                "destinationPortRanges": list(self.destination_port_ranges),
                "description": self.description,
            },
        }


# --- Route tables ----------------------------------------------------------------


class RouteTable(ArmResource):
    """A route table of user-defined routes, associated with subnets (ROUTE-20).
    ``disable_bgp_route_propagation`` is the portal's "Propagate gateway
    routes" = No (ROUTE-26)."""

    disable_bgp_route_propagation = models.BooleanField(default=False)

    arm_type = "Microsoft.Network/routeTables"
    type_label = "Route table"

    def arm_properties(self) -> dict:
        return {
            "disableBgpRoutePropagation": self.disable_bgp_route_propagation,
            "routes": [r.arm_json() for r in self.routes.all()],
            "subnets": [{"id": s.arm_id} for s in self.subnets.select_related("vnet__resource_group__subscription")],
        }


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

    def arm_json(self) -> dict:
        properties = {"addressPrefix": self.address_prefix, "nextHopType": self.next_hop_type}
        if self.next_hop_ip:
            properties["nextHopIpAddress"] = self.next_hop_ip
        return {"name": self.name, "properties": properties}


# --- Peering -----------------------------------------------------------------------


class VirtualNetworkPeering(models.Model):
    """One side of a VNet peering (VNET-10): Initiated until the other side
    exists, then Connected; Disconnected when the other side is deleted."""

    STATES = [("Initiated", "Initiated"), ("Connected", "Connected"), ("Disconnected", "Disconnected")]
    # What a document and an operation by ID call it (a lab's PATCH of one link).
    arm_type = "Microsoft.Network/virtualNetworks/virtualNetworkPeerings"

    vnet = models.ForeignKey(VirtualNetwork, on_delete=models.CASCADE, related_name="peerings")
    # The link outlives a deleted remote VNet (as Disconnected, VNET-10):
    # then the remote is gone and ``remote_arm_id`` remembers what it was.
    remote_vnet = models.ForeignKey(
        VirtualNetwork, null=True, blank=True, on_delete=models.SET_NULL, related_name="remote_peerings"
    )
    remote_arm_id = models.CharField(max_length=400, blank=True)
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

    @property
    def remote_id(self) -> str:
        return self.remote_vnet.arm_id if self.remote_vnet_id else self.remote_arm_id

    @property
    def remote_name(self) -> str:
        return self.remote_vnet.name if self.remote_vnet_id else self.remote_arm_id.rsplit("/", 1)[-1]

    def arm_json(self) -> dict:
        return {
            "name": self.name,
            "properties": {
                "peeringState": self.peering_state,
                "remoteVirtualNetwork": {"id": self.remote_id},
                "allowVirtualNetworkAccess": self.allow_virtual_network_access,
                "allowForwardedTraffic": self.allow_forwarded_traffic,
                "allowGatewayTransit": self.allow_gateway_transit,
                "useRemoteGateways": self.use_remote_gateways,
            },
        }


# --- On-premises --------------------------------------------------------------------


class LocalNetworkGateway(ArmResource):
    """An on-premises VPN device and the address prefixes behind it."""

    gateway_ip_address = models.GenericIPAddressField(protocol="IPv4")
    address_prefixes = models.JSONField(default=list)
    bgp_asn = models.PositiveIntegerField(null=True, blank=True)
    bgp_peering_address = models.GenericIPAddressField(protocol="IPv4", null=True, blank=True)

    arm_type = "Microsoft.Network/localNetworkGateways"
    type_label = "Local network gateway"

    def arm_properties(self) -> dict:
        properties = {
            "gatewayIpAddress": self.gateway_ip_address,
            "localNetworkAddressSpace": {"addressPrefixes": list(self.address_prefixes)},
        }
        if self.bgp_asn:
            properties["bgpSettings"] = {"asn": self.bgp_asn, "bgpPeeringAddress": self.bgp_peering_address}
        return properties


class ExpressRouteCircuit(ArmResource):
    """An ExpressRoute circuit; ``advertised_prefixes`` are the on-premises
    routes it learns over BGP (ROUTE-27)."""

    service_provider = models.CharField(max_length=64, default="Equinix")
    peering_location = models.CharField(max_length=64, default="Washington DC")
    bandwidth_mbps = models.PositiveIntegerField(default=1000)
    advertised_prefixes = models.JSONField(default=list)

    arm_type = "Microsoft.Network/expressRouteCircuits"
    type_label = "ExpressRoute circuit"

    def arm_properties(self) -> dict:
        return {
            "serviceProviderProperties": {
                "serviceProviderName": self.service_provider,
                "peeringLocation": self.peering_location,
                "bandwidthInMbps": self.bandwidth_mbps,
            },
            "circuitProvisioningState": "Enabled",
            "serviceProviderProvisioningState": "Provisioned",
        }


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
    shared_key = models.CharField(max_length=128, blank=True)

    arm_type = "Microsoft.Network/connections"
    type_label = "Connection"

    def arm_properties(self) -> dict:
        properties = {
            "connectionType": self.connection_type,
            "virtualNetworkGateway1": {"id": self.gateway.arm_id},
            "enableBgp": self.enable_bgp,
            "connectionStatus": "Connected",
        }
        if self.local_network_gateway_id:
            properties["localNetworkGateway2"] = {"id": self.local_network_gateway.arm_id}
        if self.express_route_circuit_id:
            properties["peer"] = {"id": self.express_route_circuit.arm_id}
        return properties


# --- Private DNS ----------------------------------------------------------------------


class PrivateDnsZone(ArmResource):
    """A private DNS zone (location "global"); serves only VNets linked to it (PEDNS-20)."""

    arm_type = "Microsoft.Network/privateDnsZones"
    type_label = "Private DNS zone"

    def arm_properties(self) -> dict:
        return {
            "numberOfRecordSets": self.record_sets.count(),
            "numberOfVirtualNetworkLinks": self.links.count(),
            "numberOfVirtualNetworkLinksWithRegistration": self.links.filter(registration_enabled=True).count(),
        }


# The portal's labels of an SOA record's fields, in its order (ARM's names as keys).
SOA_LABELS = {
    "email": "Email",
    "host": "Host",
    "refreshTime": "Refresh",
    "retryTime": "Retry",
    "expireTime": "Expire",
    "minimumTtl": "Minimum TTL",
    "serialNumber": "Serial number",
}


class PrivateDnsRecordSet(models.Model):
    """A record set of a private zone; ``name`` is relative ("@" for the apex).

    Every zone holds one SOA record set "@", made with the zone and gone with
    it (PDNS-01); its one record is the dict of ARM's ``soaRecord``."""

    TYPES = [(t, t) for t in ("A", "AAAA", "CNAME", "MX", "PTR", "SOA", "SRV", "TXT")]

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

    @property
    def is_soa(self) -> bool:
        return self.record_type == "SOA"

    @property
    def value_lines(self) -> list[str]:
        """The Value column of the Record sets grid: an SOA's fields as the
        portal lists them, other types' records as they are."""
        if self.is_soa:
            soa = self.records[0]
            return [f"{label}: {soa[key]}" for key, label in SOA_LABELS.items()]
        return [str(r) for r in self.records]


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
        return self.host_for(self.name)

    @classmethod
    def host_for(cls, name: str) -> str:
        """The public host name of a service of this type named ``name``."""
        return f"{name.lower()}.{cls.host_suffix}"

    def arm_properties(self) -> dict:
        return {
            "publicNetworkAccess": self.public_network_access,
            "networkAcls": {
                "defaultAction": self.default_action,
                "ipRules": [{"value": ip} for ip in self.ip_rules],
                "virtualNetworkRules": [
                    {"id": s.arm_id} for s in self.vnet_rules.select_related("vnet__resource_group__subscription")
                ],
            },
        }


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
    # SQL-01: "Allow Azure services and resources to access this server" is
    # the firewall rule from 0.0.0.0 to 0.0.0.0 (ARM's AllowAllWindowsAzureIps).
    AZURE_SERVICES_RULE = "0.0.0.0"
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

    STATES = [
        ("Approved", "Approved"),
        ("Pending", "Pending"),
        ("Rejected", "Rejected"),
        ("Disconnected", "Disconnected"),
    ]

    subnet = models.ForeignKey(Subnet, on_delete=models.PROTECT, related_name="private_endpoints")
    nic = models.OneToOneField(NetworkInterface, on_delete=models.PROTECT, related_name="private_endpoint")
    target_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.PROTECT, related_name="+")
    target_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("target_type", "target_id")
    group_id = models.CharField(max_length=32)
    connection_state = models.CharField(max_length=12, choices=STATES, default="Approved")
    request_message = models.CharField(max_length=140, blank=True)
    dns_zones = models.ManyToManyField(PrivateDnsZone, blank=True, related_name="private_endpoints")
    # PRIVIP-01: the NIC's address was given ("Statically allocate IP address",
    # ARM's ipConfigurations), for the target sub-resource's member ``member_name``.
    static_ip = models.BooleanField(default=False)
    member_name = models.CharField(max_length=32, blank=True)

    arm_type = "Microsoft.Network/privateEndpoints"
    type_label = "Private endpoint"

    @property
    def private_ip(self) -> str:
        return self.nic.private_ip

    def arm_properties(self) -> dict:
        return {
            "subnet": {"id": self.subnet.arm_id},
            "networkInterfaces": [{"id": self.nic.arm_id}],
            "privateLinkServiceConnections": [
                {
                    "name": self.name,
                    "properties": {
                        "privateLinkServiceId": self.target.arm_id if self.target else "",
                        "groupIds": [self.group_id],
                        "privateLinkServiceConnectionState": {"status": self.connection_state},
                    },
                }
            ],
            **({"ipConfigurations": self.ip_configurations()} if self.static_ip else {}),
        }

    def ip_configurations(self) -> list[dict]:
        """ARM's ipConfigurations of an endpoint with a static address (PRIVIP-01):
        one per member of the target sub-resource (the lab's have one), named as the member."""
        return [
            {
                "name": self.member_name,
                "properties": {
                    "groupId": self.group_id,
                    "memberName": self.member_name,
                    "privateIPAddress": self.nic.private_ip,
                },
            }
        ]


# --- Public IP addresses and NAT gateways ---------------------------------------------------


class NatGateway(ArmResource):
    """A NAT gateway: the outbound internet address of the subnets it is
    attached to (NAT-01, NAT-02), taken from its Standard public IPs (NAT-04).
    It takes precedence over instance-level public IPs and default outbound
    access (NAT-07, ASRT-17)."""

    # NAT-09: TCP idle timeout, 4 to 120 minutes.
    idle_timeout_minutes = models.PositiveSmallIntegerField(default=4)
    # "" is "No Zone" (Azure picks one).
    zone = models.CharField(max_length=2, blank=True)

    arm_type = "Microsoft.Network/natGateways"
    type_label = "NAT gateway"

    class Meta:
        constraints = [
            models.UniqueConstraint(models.functions.Lower("name"), "resource_group", name="unique_nat_name_per_rg")
        ]
        ordering = ["name"]

    def arm_properties(self) -> dict:
        return {
            "idleTimeoutInMinutes": self.idle_timeout_minutes,
            "publicIpAddresses": [
                {"id": p.arm_id} for p in self.public_ips.select_related("resource_group__subscription")
            ],
            "subnets": [{"id": s.arm_id} for s in self.subnets.select_related("vnet__resource_group__subscription")],
        }


class LoadBalancer(ArmResource):
    """A public Standard load balancer as the lab models it: frontend IP
    configurations (its public IPs, ``frontend_ips``), one backend pool (the
    NICs that point at it, ``backend_nics``) and, when ``outbound_rule`` is
    set, an outbound rule: the backend pool's internet traffic leaves from
    the first frontend public IP (LB-01). Load-balancing rules and probes are
    not modelled."""

    SKUS = [("Basic", "Basic"), ("Standard", "Standard")]

    sku = models.CharField(max_length=8, choices=SKUS, default="Standard")
    backend_pool = models.CharField(max_length=80, default="kubernetes")
    outbound_rule = models.CharField(max_length=80, blank=True)

    arm_type = "Microsoft.Network/loadBalancers"
    type_label = "Load balancer"

    class Meta:
        constraints = [
            models.UniqueConstraint(models.functions.Lower("name"), "resource_group", name="unique_lb_name_per_rg")
        ]
        ordering = ["name"]

    @property
    def backend_pool_id(self) -> str:
        return f"{self.arm_id}/backendAddressPools/{self.backend_pool}"

    def frontend_id(self, pip: "PublicIPAddress") -> str:
        return f"{self.arm_id}/frontendIPConfigurations/{pip.name}"

    def arm_properties(self) -> dict:
        pips = list(self.frontend_ips.select_related("resource_group__subscription"))
        properties: dict = {
            "frontendIPConfigurations": [
                {"name": p.name, "id": self.frontend_id(p), "properties": {"publicIPAddress": {"id": p.arm_id}}}
                for p in pips
            ],
            "backendAddressPools": [{"name": self.backend_pool, "id": self.backend_pool_id}],
            "loadBalancingRules": [],
            "probes": [],
            "outboundRules": [],
        }
        if self.outbound_rule:
            properties["outboundRules"] = [
                {
                    "name": self.outbound_rule,
                    "id": f"{self.arm_id}/outboundRules/{self.outbound_rule}",
                    "properties": {
                        "protocol": "All",
                        "allocatedOutboundPorts": 0,
                        "idleTimeoutInMinutes": 30,
                        "enableTcpReset": True,
                        "frontendIPConfigurations": [{"id": self.frontend_id(p)} for p in pips],
                        "backendAddressPool": {"id": self.backend_pool_id},
                    },
                }
            ]
        return properties

    def arm_json(self) -> dict:
        document = super().arm_json()
        document["sku"] = {"name": self.sku, "tier": "Regional"}
        return document


class PublicIPAddress(ArmResource):
    """A public IP address. The lab allots each sandbox its addresses from the
    documentation range 198.51.100.0/24 (RFC 5737), so no two resources of a
    sandbox share one (PIP-05). A Dynamic (Basic) address has no IP until the
    resource it serves runs (PIP-02); a Standard one is Static.

    ``nat_gateway`` is its one association (PIP-03)."""

    SKUS = [("Basic", "Basic"), ("Standard", "Standard")]
    ALLOCATIONS = [("Dynamic", "Dynamic"), ("Static", "Static")]

    sku = models.CharField(max_length=8, choices=SKUS, default="Standard")
    allocation_method = models.CharField(max_length=8, choices=ALLOCATIONS, default="Static")
    ip_address = models.GenericIPAddressField(protocol="IPv4", null=True, blank=True)
    idle_timeout_minutes = models.PositiveSmallIntegerField(default=4)
    # A deleted NAT gateway leaves its public IPs behind, unassociated.
    nat_gateway = models.ForeignKey(
        NatGateway, null=True, blank=True, on_delete=models.SET_NULL, related_name="public_ips"
    )
    # A load balancer's frontend IP configuration uses it (PIP-03: its one
    # association, as for a NAT gateway).
    load_balancer = models.ForeignKey(
        LoadBalancer, null=True, blank=True, on_delete=models.SET_NULL, related_name="frontend_ips"
    )

    arm_type = "Microsoft.Network/publicIPAddresses"
    type_label = "Public IP address"

    class Meta:
        constraints = [
            models.UniqueConstraint(models.functions.Lower("name"), "resource_group", name="unique_pip_name_per_rg"),
            # PIP-05: the allotment never hands one address out twice in a sandbox.
            models.UniqueConstraint("sandbox", "ip_address", name="unique_pip_address_per_sandbox"),
        ]
        ordering = ["name"]

    @property
    def address_label(self) -> str:
        return self.ip_address or "-"

    def arm_properties(self) -> dict:
        properties: dict = {
            "publicIPAddressVersion": "IPv4",
            "publicIPAllocationMethod": self.allocation_method,
            "idleTimeoutInMinutes": self.idle_timeout_minutes,
        }
        if self.ip_address:
            properties["ipAddress"] = self.ip_address
        if self.nat_gateway_id:
            properties["natGateway"] = {"id": self.nat_gateway.arm_id}
        if self.load_balancer_id:
            properties["ipConfiguration"] = {"id": self.load_balancer.frontend_id(self)}
        return properties
