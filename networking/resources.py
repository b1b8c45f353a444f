"""The networking app's resource types, as the portal's registry knows them:
labels, icons, overview blades, resource menus (as data), Marketplace
products. Registered from NetworkingConfig.ready()."""

from portal.models import REGIONS
from portal.registry import (
    AUTOMATION,
    EXPORT_TEMPLATE,
    Diagnostic,
    MenuItem,
    MenuSection,
    Product,
    ResourceType,
    registry,
)

NETWORK_API = "2023-09-01"
# NxDomainRedirect on a zone link needs 2024-06-01 (PEDNS-14).
PRIVATE_DNS_API = "2024-06-01"

ACTIVITY_ICON = "bi-journal-text"


def arm_document(resource) -> dict:
    """ARM JSON out, as the models write it today."""
    return resource.arm_json()


def _item(label: str, icon: str, url_name: str, key: str, **params: str) -> MenuItem:
    return MenuItem(label, icon, f"networking:{url_name}", key, params=tuple(params.items()))


def _top(icon: str, prefix: str, activity_key: str = "activity") -> MenuSection:
    """Overview and Activity log, the first group of every menu."""
    return MenuSection(
        "",
        (
            _item("Overview", icon, f"{prefix}_overview", "overview"),
            _item("Activity log", ACTIVITY_ICON, f"{prefix}_activity", activity_key),
        ),
    )


def _settings(*items: MenuItem) -> MenuSection:
    return MenuSection("Settings", items)


def _target_menu(prefix: str, settings: tuple[tuple[str, str, str], ...], *extra: MenuSection) -> tuple:
    """The menu the PaaS-target family's blades share (networking/views/paas.py, compute.py, dns.py, endpoints.py):
    Overview (grid icon), Activity log, the type's Settings pages, then
    Automation with JSON View."""
    return (
        MenuSection(
            "",
            (
                _item("Overview", "bi-grid", f"{prefix}_overview", "overview"),
                _item("Activity log", ACTIVITY_ICON, f"{prefix}_activity", "activity"),
            ),
        ),
        _settings(*(_item(label, icon, f"{prefix}_{page}", page) for label, icon, page in settings)),
        MenuSection("Automation", (_item("JSON View", "bi-braces", f"{prefix}_json", "json"), EXPORT_TEMPLATE)),
        *extra,
    )


def _product(name: str, icon: str, description: str, categories: set[str], rank: int, **kwargs) -> Product:
    return Product(name, icon, description, frozenset(categories), rank=rank, **kwargs)


def _in_group(name: str, icon: str, description: str, categories: set[str], rank: int, url_name: str) -> Product:
    """A product whose wizard lives inside a resource group (its URL carries it)."""
    return _product(name, icon, description, categories, rank, wizard=f"networking:{url_name}", in_resource_group=True)


VNET_MENU = (
    _top("bi-diagram-3", "vnet"),
    _settings(
        _item("Address space", "bi-bounding-box", "vnet_address_space", "address_space"),
        _item("Connected devices", "bi-pc-display", "vnet_devices", "devices"),
        _item("Subnets", "bi-grid-1x2", "vnet_subnets", "subnets"),
        _item("DNS servers", "bi-hdd-network", "vnet_dns", "dns"),
        _item("Peerings", "bi-arrow-left-right", "vnet_peerings", "peerings"),
        _item("Properties", "bi-braces", "vnet_json", "json"),
    ),
    AUTOMATION,
)

# CLASSIC-02: a classic VNet's gateway is part of the VNet; its pages are
# the VNet's "VPN connections".
CLASSIC_VNET_MENU = (
    VNET_MENU[0],
    _settings(
        *VNET_MENU[1].items[:-1],
        _item("VPN connections", "bi-shield-lock", "vnet_vpn_connections", "vpn_connections"),
        VNET_MENU[1].items[-1],
    ),
    *VNET_MENU[2:],
)

NSG_MENU = (
    _top("bi-shield-lock", "nsg"),
    _settings(
        _item("Inbound security rules", "bi-box-arrow-in-right", "nsg_rules", "inbound", direction="inbound"),
        _item("Outbound security rules", "bi-box-arrow-right", "nsg_rules", "outbound", direction="outbound"),
        _item("Network interfaces", "bi-ethernet", "nsg_nics", "nics"),
        _item("Subnets", "bi-grid-1x2", "nsg_subnets", "subnets"),
        _item("Properties", "bi-code-square", "nsg_json", "json"),
    ),
    AUTOMATION,
)

ROUTE_TABLE_MENU = (
    _top("bi-signpost-split", "route_table"),
    _settings(
        _item("Configuration", "bi-sliders", "route_table_configuration", "configuration"),
        _item("Routes", "bi-signpost", "route_table_routes", "routes"),
        _item("Subnets", "bi-grid-1x2", "route_table_subnets", "subnets"),
        _item("Properties", "bi-code-square", "route_table_json", "json"),
    ),
    AUTOMATION,
)

GATEWAY_MENU = (
    _top("bi-shield-lock", "gateway"),
    _settings(
        _item("Configuration", "bi-sliders", "gateway_configuration", "configuration"),
        _item("Connections", "bi-plug", "gateway_connections", "connections"),
        _item("Point-to-site configuration", "bi-laptop", "gateway_p2s", "p2s"),
        _item("Properties", "bi-braces", "gateway_properties", "properties"),
    ),
    AUTOMATION,
)

LOCAL_GATEWAY_MENU = (
    _top("bi-building", "local_gateway"),
    _settings(
        _item("Configuration", "bi-sliders", "local_gateway_configuration", "configuration"),
        _item("Properties", "bi-braces", "local_gateway_properties", "properties"),
    ),
    AUTOMATION,
)

CONNECTION_MENU = (
    _top("bi-plug", "connection"),
    _settings(_item("Properties", "bi-braces", "connection_properties", "properties")),
    AUTOMATION,
)

CIRCUIT_MENU = (
    _top("bi-lightning", "circuit"),
    _settings(_item("Properties", "bi-braces", "circuit_properties", "properties")),
    AUTOMATION,
)

# The region's Network Watcher (networking/views/watcher.py): not a registered
# type (the lab has no model for it), but its menu is data all the same. Its
# URLs take the watcher's subscription_id, rg (NetworkWatcherRG) and name.
WATCHER_MENU = (
    MenuSection(
        "Network diagnostic tools",
        (
            _item("IP flow verify", "bi-shield-check", "watcher_ip_flow_verify", "ip_flow_verify"),
            _item("Next hop", "bi-signpost-split", "watcher_next_hop", "next_hop"),
            _item("Connection troubleshoot", "bi-plug", "watcher_connection_troubleshoot", "connection_troubleshoot"),
        ),
    ),
)

PAAS_SETTINGS = (
    ("Networking", "bi-diagram-3", "networking"),
    ("Private endpoint connections", "bi-plug", "connections"),
)

NIC_MENU = _target_menu(
    "nic",
    (("IP configurations", "bi-ethernet", "ipconfigs"),),
    # portal-ui §8: the Network Watcher pages a NIC offers.
    MenuSection(
        "Support + troubleshooting",
        (
            _item(
                "Effective security rules",
                "bi-shield-check",
                "nic_effective_security_rules",
                "effective_security_rules",
            ),
            _item("Effective routes", "bi-signpost-split", "nic_effective_routes", "effective_routes"),
        ),
    ),
)


NAT_GATEWAY_MENU = (
    _top("bi-arrow-up-right-circle", "nat_gateway"),
    _settings(
        _item("Outbound IP", "bi-globe2", "nat_gateway_outbound_ip", "outbound_ip"),
        _item("Subnets", "bi-grid-1x2", "nat_gateway_subnets", "subnets"),
        _item("Properties", "bi-code-square", "nat_gateway_json", "json"),
    ),
    AUTOMATION,
)

LOAD_BALANCER_MENU = (
    _top("bi-distribute-vertical", "load_balancer"),
    _settings(_item("Properties", "bi-code-square", "load_balancer_json", "json")),
    AUTOMATION,
)

PUBLIC_IP_MENU = (
    _top("bi-globe2", "public_ip"),
    _settings(_item("Properties", "bi-code-square", "public_ip_json", "json")),
    AUTOMATION,
)


def _network(type_name: str, label: str, icon: str, model: str, **kwargs) -> ResourceType:
    return ResourceType(
        arm_type=f"Microsoft.Network/{type_name}",
        api_version=kwargs.pop("api_version", NETWORK_API),
        label=label,
        icon=icon,
        model=f"networking.{model}",
        to_arm=arm_document,
        **kwargs,
    )


def _child(arm_type: str, label: str, model: str, api_version: str = NETWORK_API, **kwargs) -> ResourceType:
    """A child resource (a subnet, a rule): not listed on its own."""
    return ResourceType(
        arm_type=arm_type,
        api_version=api_version,
        label=label,
        icon="bi-dot",
        model=f"networking.{model}",
        listed=False,
        **kwargs,
    )


VNET_PRODUCT = _product(
    "Virtual network",
    "bi-diagram-3",
    "Your private network in Azure: address space, subnets, DNS.",
    {"popular", "networking"},
    1,
    wizard="virtualnetwork",
)


def resource_types() -> list[ResourceType]:
    return [
        _network(
            "virtualNetworks",
            "Virtual network",
            "bi-diagram-3",
            "VirtualNetwork",
            overview_url="networking:vnet_overview",
            url_provider=True,
            menu=VNET_MENU,
            product=VNET_PRODUCT,
            row_filter={"is_classic": False},
        ),
        ResourceType(
            arm_type="Microsoft.ClassicNetwork/virtualNetworks",
            api_version="2016-11-01",
            label="Virtual network (classic)",
            icon="bi-diagram-3",
            model="networking.VirtualNetwork",
            overview_url="networking:vnet_overview",
            url_provider=True,
            menu=CLASSIC_VNET_MENU,
            row_filter={"is_classic": True},
            to_arm=arm_document,
        ),
        _network(
            "networkSecurityGroups",
            "Network security group",
            "bi-shield-lock",
            "NetworkSecurityGroup",
            overview_url="networking:nsg_overview",
            menu=NSG_MENU,
            product=_in_group(
                "Network security group",
                "bi-shield-lock",
                "Filter network traffic to and from Azure resources.",
                {"networking"},
                10,
                "nsg_create",
            ),
        ),
        _network(
            "routeTables",
            "Route table",
            "bi-signpost-split",
            "RouteTable",
            overview_url="networking:route_table_overview",
            menu=ROUTE_TABLE_MENU,
            product=_in_group(
                "Route table",
                "bi-signpost-split",
                "User-defined routes for your subnets.",
                {"networking"},
                11,
                "route_table_create",
            ),
        ),
        _network(
            "virtualNetworkGateways",
            "Virtual network gateway",
            "bi-shield-lock",
            "VirtualNetworkGateway",
            overview_url="networking:gateway_overview",
            menu=GATEWAY_MENU,
            # A classic VNet's gateway isn't an ARM resource (CLASSIC-02).
            row_filter={"vnet__is_classic": False},
            product=_in_group(
                "Virtual network gateway",
                "bi-hdd-network",
                "VPN and ExpressRoute gateways, point-to-site.",
                {"networking"},
                12,
                "gateway_create",
            ),
        ),
        _network(
            "localNetworkGateways",
            "Local network gateway",
            "bi-building",
            "LocalNetworkGateway",
            overview_url="networking:local_gateway_overview",
            menu=LOCAL_GATEWAY_MENU,
            product=_in_group(
                "Local network gateway",
                "bi-building",
                "Your on-premises VPN device and address space.",
                {"networking"},
                13,
                "local_gateway_create",
            ),
        ),
        _network(
            "connections",
            "Connection",
            "bi-plug",
            "VirtualNetworkGatewayConnection",
            overview_url="networking:connection_overview",
            menu=CONNECTION_MENU,
        ),
        _network(
            "expressRouteCircuits",
            "ExpressRoute circuit",
            "bi-lightning",
            "ExpressRouteCircuit",
            overview_url="networking:circuit_overview",
            menu=CIRCUIT_MENU,
            product=_in_group(
                "ExpressRoute",
                "bi-lightning",
                "A private connection to Azure through a provider.",
                {"networking"},
                14,
                "circuit_create",
            ),
        ),
        _network(
            "privateDnsZones",
            "Private DNS zone",
            "bi-globe",
            "PrivateDnsZone",
            api_version=PRIVATE_DNS_API,
            overview_url="networking:dns_zone_overview",
            menu=_target_menu("dns_zone", (("Virtual network links", "bi-link-45deg", "links"),)),
            product=_in_group(
                "Private DNS zone",
                "bi-globe",
                "DNS zones answered only inside linked virtual networks.",
                {"networking"},
                15,
                "dns_zone_create",
            ),
        ),
        _network(
            "privateEndpoints",
            "Private endpoint",
            "bi-plug",
            "PrivateEndpoint",
            overview_url="networking:private_endpoint_overview",
            menu=_target_menu("private_endpoint", (("DNS configuration", "bi-globe", "dns"),)),
            product=_in_group(
                "Private endpoint",
                "bi-plug",
                "A private IP in your VNet for a PaaS resource (Private Link).",
                {"networking"},
                16,
                "private_endpoint_create",
            ),
        ),
        _network(
            "natGateways",
            "NAT gateway",
            "bi-arrow-up-right-circle",
            "NatGateway",
            overview_url="networking:nat_gateway_overview",
            menu=NAT_GATEWAY_MENU,
            activity_name="Nat Gateway",  # Azure's operation names: "Create or Update Nat Gateway"
            product=_in_group(
                "NAT gateway",
                "bi-arrow-up-right-circle",
                "Outbound internet access for your subnets from static public IP addresses.",
                {"networking"},
                17,
                "nat_gateway_create",
            ),
        ),
        _network(
            "publicIPAddresses",
            "Public IP address",
            "bi-globe2",
            "PublicIPAddress",
            overview_url="networking:public_ip_overview",
            menu=PUBLIC_IP_MENU,
            activity_name="Public Ip Address",  # Azure's operation names: "Create or Update Public Ip Address"
            product=_in_group(
                "Public IP address",
                "bi-globe2",
                "A static or dynamic public IPv4 address for a NAT gateway and other resources.",
                {"networking"},
                18,
                "public_ip_create",
            ),
        ),
        _network(
            "loadBalancers",
            "Load balancer",
            "bi-distribute-vertical",
            "LoadBalancer",
            overview_url="networking:load_balancer_overview",
            menu=LOAD_BALANCER_MENU,
        ),
        _network(
            "networkInterfaces",
            "Network interface",
            "bi-ethernet",
            "NetworkInterface",
            overview_url="networking:nic_overview",
            menu=NIC_MENU,
            # VMSS-01: a scale set instance's NIC is listed under the scale
            # set, not in All resources, resource groups or Recent.
            row_filter={"scale_set": ""},
        ),
        ResourceType(
            arm_type="Microsoft.Compute/virtualMachines",
            api_version="2023-09-01",
            label="Virtual machine",
            icon="bi-pc-display",
            model="networking.VirtualMachine",
            overview_url="networking:vm_overview",
            menu=_target_menu("vm", (("Networking", "bi-diagram-3", "networking"),)),
            product=_in_group(
                "Virtual machine",
                "bi-pc-display",
                "Linux and Windows virtual machines (their networking side).",
                {"popular", "compute"},
                4,
                "vm_create",
            ),
            to_arm=arm_document,
        ),
        ResourceType(
            arm_type="Microsoft.Storage/storageAccounts",
            api_version="2023-01-01",
            label="Storage account",
            icon="bi-archive",
            model="networking.StorageAccount",
            overview_url="networking:storage_overview",
            menu=_target_menu("storage", PAAS_SETTINGS),
            product=_in_group(
                "Storage account",
                "bi-archive",
                "Blobs, files, queues and tables: networking and firewall.",
                {"popular", "storage"},
                7,
                "storage_create",
            ),
            to_arm=arm_document,
        ),
        ResourceType(
            arm_type="Microsoft.Sql/servers",
            api_version="2021-11-01",
            label="SQL server",
            icon="bi-database",
            model="networking.SqlServer",
            overview_url="networking:sql_overview",
            menu=_target_menu("sql", PAAS_SETTINGS),
            product=_in_group(
                "SQL Database",
                "bi-database",
                "A logical SQL server: public endpoint, firewall, private endpoints.",
                {"popular", "databases"},
                6,
                "sql_create",
            ),
            to_arm=arm_document,
        ),
        ResourceType(
            arm_type="Microsoft.KeyVault/vaults",
            api_version="2023-07-01",
            label="Key vault",
            icon="bi-key",
            model="networking.KeyVault",
            overview_url="networking:keyvault_overview",
            menu=_target_menu("keyvault", PAAS_SETTINGS),
            product=_in_group(
                "Key Vault",
                "bi-key",
                "Secrets, keys and certificates: networking and firewall.",
                {"security"},
                8,
                "keyvault_create",
            ),
            to_arm=arm_document,
        ),
        _child("Microsoft.Network/virtualNetworks/subnets", "Subnet", "Subnet", to_arm=arm_document),
        _child(
            "Microsoft.Network/networkSecurityGroups/securityRules",
            "Security rule",
            "SecurityRule",
            to_arm=arm_document,
        ),
        _child("Microsoft.Network/routeTables/routes", "Route", "Route", to_arm=arm_document),
        _child(
            "Microsoft.Network/virtualNetworks/virtualNetworkPeerings",
            "Peering",
            "VirtualNetworkPeering",
            activity_name="Virtual Network Peering",
            to_arm=arm_document,
        ),
        _child(
            "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
            "Virtual network link",
            "VirtualNetworkLink",
            api_version=PRIVATE_DNS_API,
        ),
        # One model, one ARM type per record type (ARM names record sets
        # Microsoft.Network/privateDnsZones/A, .../CNAME, ...).
        *(
            _child(
                f"Microsoft.Network/privateDnsZones/{record_type}",
                f"{record_type} record set",
                "PrivateDnsRecordSet",
                api_version=PRIVATE_DNS_API,
                row_filter={"record_type": record_type},
            )
            for record_type, _ in _record_types()
        ),
    ]


def _record_types() -> list[tuple[str, str]]:
    from networking.models import PrivateDnsRecordSet

    return PrivateDnsRecordSet.TYPES


def network_watcher_url(subscription) -> str:
    """The portal menu's "Network Watcher": the subscription's watcher in East US."""
    # The views import forms and services, which need every app loaded:
    # this runs at request time, not while the registry is filled.
    from networking.views.watcher import watcher_url

    return watcher_url(subscription)


def _watcher_tool(label: str, icon: str, page: str, description: str) -> Diagnostic:
    def url(resource) -> str:
        from networking.views.watcher import watcher_url

        # A global resource (a private DNS zone) opens its group's region's watcher.
        region = resource.location if resource.location in REGIONS else resource.resource_group.location
        return watcher_url(resource.resource_group.subscription, region, page)

    return Diagnostic(label, icon, description, url)


def watcher_tools() -> tuple[Diagnostic, ...]:
    """Network Watcher's tools in the resource's region, for a type's
    Diagnose and solve problems page (portal-ui §8)."""
    return (
        _watcher_tool(
            "IP flow verify",
            "bi-shield-check",
            "ip_flow_verify",
            "Is a packet to or from a VM allowed or denied, and by which security rule?",
        ),
        _watcher_tool(
            "Next hop",
            "bi-signpost-split",
            "next_hop",
            "Where does a VM's traffic to an address go next, and which route decides it?",
        ),
        _watcher_tool(
            "Connection troubleshoot",
            "bi-plug",
            "connection_troubleshoot",
            "Can a source reach a destination and port, and where is the traffic stopped?",
        ),
    )


def register() -> None:
    for resource_type in resource_types():
        registry.register(resource_type)
        if resource_type.listed:
            for tool in watcher_tools():
                registry.add_diagnostic(resource_type.arm_type, tool)
    registry.add_wizard("virtualnetwork", "networking.forms.vnets.VirtualNetworkWizard")
    registry.add_page("network_watcher", network_watcher_url)
