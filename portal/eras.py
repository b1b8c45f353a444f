"""The two portal eras and the values that differ between them.

Every value that changes between the Classic (2021) and the Current (2026)
portal lives in one :class:`Ruleset`, never in scattered ``if era ==``
statements. The rule IDs come from ``shared/reference/azure-rules.md`` §0.
"""

from dataclasses import dataclass
from enum import StrEnum


class Era(StrEnum):
    CLASSIC = "classic"
    CURRENT = "current"

    @property
    def label(self) -> str:
        return {"classic": "Classic (2021)", "current": "Current (2026)"}[self.value]


# Tier names as the rules catalogue writes them.
FREE, SHARED, BASIC, STANDARD = "Free", "Shared", "Basic", "Standard"
PREMIUM, PREMIUM_V2, PREMIUM_V3, PREMIUM_V4 = "Premium", "PremiumV2", "PremiumV3", "PremiumV4"
ELASTIC_PREMIUM, ISOLATED, ISOLATED_V2 = "ElasticPremium", "Isolated", "IsolatedV2"


@dataclass(frozen=True)
class Ruleset:
    era: Era
    # ASVI-10 / SEED-04: tiers that support regional VNet integration.
    regional_integration_tiers: tuple[str, ...]
    # ASGW-19: tiers that support gateway-required integration.
    gateway_integration_tiers: tuple[str, ...]
    # ASVI-41: regional integrations (distinct subnets) per App Service plan.
    integrations_per_plan: int
    # ASVI-42/43: whether several plans may join one subnet (MPSJ), and from what size.
    multi_plan_subnet_join: bool
    mpsj_min_prefix: int
    # ASVI-23: the subnet size the portal suggests.
    suggested_subnet_prefix: int
    # ASRT-07: the portal's label for the route-all control.
    route_all_label: str
    route_all_setting_hint: str
    # ASVI-67: the portal's integration pane turns outbound internet routing
    # (vnetRouteAllEnabled) on; a CLI/ARM join never does.
    portal_integration_routes_all: bool
    # SEED-24 / ASDNS-01: private DNS zones need WEBSITE_DNS_SERVER + route-all (Classic).
    private_zones_need_app_settings: bool
    # ASGW-03: the gateway-required retirement banner (Current only).
    gateway_retirement_notice: str
    # ASVI-52: outbound TCP 25 through the integration.
    port_25_blocked: bool
    # SUBNET-03: largest IPv4 subnet prefix.
    largest_subnet_prefix: int
    # Pricing tiers the portal of the era doesn't offer yet (Premium v4 came after 2021: ASVI-10).
    tiers_not_offered: tuple[str, ...]
    # ASVI-66: the name of the integration page.
    integration_page_title: str
    add_integration_label: str
    # SUBNET-21: the subnet's "NETWORK POLICY FOR PRIVATE ENDPOINTS" values
    # (privateEndpointNetworkPolicies), as (ARM value, portal label).
    private_endpoint_policy_choices: tuple[tuple[str, str], ...] = (("Disabled", "Disabled"), ("Enabled", "Enabled"))
    # PEDNS-14: a VNet link's "Fallback to internet" (resolutionPolicy NxDomainRedirect), Current only.
    dns_link_fallback: bool = False
    # SUBNET-21: Classic needs the subnet's private endpoint network policies Disabled before a PE.
    pe_needs_policies_disabled: bool = True
    # SE-07: services whose VNet rules need the subnet in the service's region.
    same_region_service_endpoints: tuple[str, ...] = ("Microsoft.Sql",)
    # portal-ui §2.2-2.4 [newer]: the 2023-2026 App Service blades (Networking's
    # "... traffic configuration" tiles, the Connect pane, Environment variables
    # with Apply, the "Outbound internet traffic" checkbox) instead of the 2021 ones.
    newer_app_service_blades: bool = False
    # CLASSIC-01 (lab): classic (ASM) virtual networks and their gateways are retired.
    classic_networking_retired: bool = False
    # SQL-02 (lab): a SQL server's Networking asks "Public network access"
    # (Disable / Selected networks) instead of the "Deny public network access" checkbox.
    sql_public_access_choice: bool = False
    # portal-ui §1.4, §1.6 [newer]: the Marketplace page's title and All resources' create command.
    marketplace_title: str = "Create a resource"
    all_resources_create_label: str = "Add"
    # portal-ui §3.1 [newer]: "Create virtual network" asks Security before "IP addresses".
    vnet_security_tab_first: bool = False
    # portal-ui §3.1 [newer]: its "IP addresses" tab is the address space editor (each space's
    # "Starting address" and size, its subnets under it, "+ Add a subnet" opening the subnet
    # editor with "Subnet purpose"), its "Security" tab the "Enable Azure ..." checkboxes.
    vnet_space_editor: bool = False
    # portal-ui §4 [newer]: the security rule pane's label for the ICMP protocol.
    icmp_label: str = "ICMP"
    # portal-ui §4 [newer], MYIP-01 (lab): the security rule pane's Source offers
    # "My IP address", which fills the sandbox's simulated public address.
    nsg_source_my_ip: bool = False
    # portal-ui §5 [newer]: "Add route" picks "Address prefix destination" (IP Addresses /
    # Service Tag) before the prefix, and ends with "Add" instead of "OK".
    route_destination_kind: bool = False
    # portal-ui §6 [newer]: gateway SKUs the create wizard no longer lists (still
    # deployable through ARM, so the service keeps accepting them).
    gateway_skus_not_offered: tuple[str, ...] = ()
    # portal-ui §7.1 [newer]: "Create a private endpoint" splits Configuration into
    # "Virtual Network" and "DNS" tabs, and says "Target subresource".
    private_endpoint_split_tabs: bool = False
    # portal-ui §7.1 [newer]: its "Virtual Network" tab also shows the subnet's "Network
    # policy for private endpoints" with "edit" (SUBNET-21), "Private IP configuration"
    # (dynamic, or a static address per member: PRIVIP-01) and "Application security group".
    private_endpoint_ip_configuration: bool = False
    # portal-ui §3.3 [newer]: Subnets has "+ Subnet" only; the "Add subnet" pane's
    # "Subnet purpose" picks the gateway's subnet instead of "+ Gateway subnet".
    subnet_purpose: bool = False
    # portal-ui §3.3 [newer]: the subnet's private endpoint network policy is two
    # checkboxes ("Network security groups", "Route tables"), not a dropdown.
    pe_policy_checkboxes: bool = False
    # portal-ui §3.4 [newer]: "Add peering" in "Remote virtual network summary" /
    # "Local virtual network summary" sections, each link's four settings as
    # checkboxes ("Allow '<A>' to access '<B>'"...), instead of the 2021 pane's
    # "This virtual network" / "Remote virtual network" and three radio groups.
    peering_checkboxes: bool = False
    # portal-ui §3.3 [newer], DOA-03: the subnet pane's "Enable private subnet
    # (no default outbound access)" and ARM's defaultOutboundAccess (API
    # versions from late 2023 on); Classic's portal and API versions don't know it.
    private_subnet_option: bool = False
    # portal-ui §1.7, §2.1: the link beside Essentials' "Resource group" and
    # "Subscription" that opens Move resources: "(change)" in the 2020-2022
    # portal, "(move)" in the newer one (MOVE-01).
    essentials_move_label: str = "change"
    # portal-ui §3.3 [newer]: the Subnets grid has a "NAT gateway" column (NAT-01).
    subnets_nat_gateway_column: bool = False
    # portal-ui §8 [newer]: IP flow verify picks a "Target resource type" (Virtual
    # machine / Network interface) before the resource, under "Target resource" and
    # "Packet details", and runs with "Verify IP flow" (NW-01).
    ip_flow_target_type: bool = False
    # portal-ui §1.1 [newer]: the header's "Directories + subscriptions" button
    # (the 2021 header shows the directory in the account tile only).
    directories_subscriptions_button: bool = False
    # portal-ui §6 [newer]: "Create virtual network gateway" shows "Public IP address
    # SKU" (Standard, read-only), "Availability zone" for AZ SKUs, and "Second Public
    # IP address name" when active-active is Enabled.
    gateway_standard_public_ip: bool = False

    def tier_label_list(self, tiers: tuple[str, ...]) -> str:
        return ", ".join(TIER_DISPLAY.get(t, t) for t in tiers)


TIER_DISPLAY = {
    PREMIUM_V2: "PremiumV2",
    PREMIUM_V3: "PremiumV3",
    PREMIUM_V4: "PremiumV4",
    ELASTIC_PREMIUM: "Elastic Premium",
}

CLASSIC = Ruleset(
    era=Era.CLASSIC,
    regional_integration_tiers=(STANDARD, PREMIUM, PREMIUM_V2, PREMIUM_V3, ELASTIC_PREMIUM),
    gateway_integration_tiers=(STANDARD, PREMIUM, PREMIUM_V2, PREMIUM_V3),
    integrations_per_plan=1,
    multi_plan_subnet_join=False,
    mpsj_min_prefix=26,
    suggested_subnet_prefix=26,
    route_all_label="Route All",
    route_all_setting_hint="WEBSITE_VNET_ROUTE_ALL = 1",
    portal_integration_routes_all=False,  # ASVI-67: only documented for the 2023+ portal
    private_zones_need_app_settings=True,
    gateway_retirement_notice="",
    port_25_blocked=True,
    largest_subnet_prefix=8,
    tiers_not_offered=(PREMIUM_V4,),
    integration_page_title="VNet Configuration",
    add_integration_label="Add VNet",
    dns_link_fallback=False,  # PEDNS-14
    pe_needs_policies_disabled=True,  # SUBNET-21
    same_region_service_endpoints=("Microsoft.Sql",),  # SE-07
    private_endpoint_policy_choices=(("Disabled", "Disabled"), ("Enabled", "Enabled")),  # SUBNET-21
    newer_app_service_blades=False,
    classic_networking_retired=False,  # CLASSIC-01
)

CURRENT = Ruleset(
    era=Era.CURRENT,
    regional_integration_tiers=(
        BASIC,
        STANDARD,
        PREMIUM,
        PREMIUM_V2,
        PREMIUM_V3,
        PREMIUM_V4,
        ELASTIC_PREMIUM,
    ),
    gateway_integration_tiers=(BASIC, STANDARD, PREMIUM, PREMIUM_V2, PREMIUM_V3, PREMIUM_V4),
    integrations_per_plan=2,
    multi_plan_subnet_join=True,
    mpsj_min_prefix=26,
    suggested_subnet_prefix=26,
    route_all_label="Outbound internet traffic",
    route_all_setting_hint="outboundVnetRouting.applicationTraffic (or WEBSITE_VNET_ROUTE_ALL = 1)",
    portal_integration_routes_all=True,  # ASVI-67
    private_zones_need_app_settings=False,
    gateway_retirement_notice=(
        "Gateway-required virtual network integration retires on 31 March 2027. "
        "Migrate to regional virtual network integration."
    ),
    port_25_blocked=False,
    largest_subnet_prefix=2,
    tiers_not_offered=(),
    integration_page_title="Virtual network integration",
    add_integration_label="Add virtual network integration",
    dns_link_fallback=True,  # PEDNS-14
    pe_needs_policies_disabled=False,  # SUBNET-21
    same_region_service_endpoints=("Microsoft.Sql", "Microsoft.Storage"),  # SE-07 (audited)
    private_endpoint_policy_choices=(  # SUBNET-21
        ("Disabled", "Disabled"),
        ("NetworkSecurityGroupEnabled", "Network security groups"),
        ("RouteTableEnabled", "Route tables"),
        ("Enabled", "Network security groups and route tables"),
    ),
    newer_app_service_blades=True,
    classic_networking_retired=True,  # CLASSIC-01
    sql_public_access_choice=True,  # SQL-02
    marketplace_title="Marketplace",
    all_resources_create_label="Create",
    vnet_security_tab_first=True,
    vnet_space_editor=True,
    icmp_label="ICMPv4",
    nsg_source_my_ip=True,  # MYIP-01
    route_destination_kind=True,
    gateway_skus_not_offered=("Basic",),
    private_endpoint_split_tabs=True,
    private_endpoint_ip_configuration=True,  # SUBNET-21, PRIVIP-01
    subnet_purpose=True,
    pe_policy_checkboxes=True,
    peering_checkboxes=True,
    private_subnet_option=True,
    essentials_move_label="move",
    subnets_nat_gateway_column=True,
    ip_flow_target_type=True,
    directories_subscriptions_button=True,
    gateway_standard_public_ip=True,
)

RULESETS = {Era.CLASSIC: CLASSIC, Era.CURRENT: CURRENT}


def ruleset_for(era: str) -> Ruleset:
    return RULESETS[Era(era)]
