"""A VM's NIC or a subnet as the source of an outbound trace
(networking/engine/trace/: trace_nic, trace_subnet), ICMP in the traces,
and the path as hops for the diagram.

Each table case is a small topology, a source, a destination, a port and a
protocol, with the verdict, the deciding step, the rule IDs the trace must
carry and (for a blocked trace) words the blocking step must say, such as the
NSG that decided. The topology is built here, independent of the app tables.
"""

from dataclasses import replace
from ipaddress import IPv4Address, IPv4Network

import pytest

from networking.engine import routes as r
from networking.engine.nsg import Nsg, Rule
from networking.engine.topology import (
    App,
    Gateway,
    Nic,
    Peering,
    PrivateEndpoint,
    RouteTable,
    Subnet,
    Target,
    Topology,
    Vnet,
    Zone,
)
from networking.engine.trace import (
    BLOCKED,
    DESTINATION,
    FORWARDED,
    HOP_BLOCKED,
    HOP_INFO,
    HOP_KINDS,
    HOP_OK,
    NEXT_HOP,
    NO_ANSWER,
    NSG,
    REACHABLE,
    ROUTE,
    SOURCE,
    SUBNET,
    Hop,
    trace_app,
    trace_nic,
    trace_subnet,
)

N = IPv4Network
A = IPv4Address
CLASSIC, CURRENT = "classic", "current"
TCP, UDP, ICMP = "Tcp", "Udp", "Icmp"

# --- Networks ------------------------------------------------------------------------------------

HUB = Vnet(1, "hub-vnet", "eastus", (N("10.0.0.0/16"),))
SPOKE = Vnet(2, "spoke-vnet", "eastus", (N("10.1.0.0/16"),))
FAR = Vnet(3, "far-vnet", "westeurope", (N("10.2.0.0/16"),))

WEB_SUBNET = Subnet(10, "web-subnet", 1, N("10.0.1.0/24"))
APP_SUBNET = Subnet(11, "app-subnet", 1, N("10.0.2.0/24"))
NVA_SUBNET = Subnet(12, "nva-subnet", 1, N("10.0.3.0/24"))
PE_SUBNET = Subnet(13, "endpoints-subnet", 1, N("10.0.4.0/24"))
SPOKE_SUBNET = Subnet(20, "spoke-subnet", 2, N("10.1.1.0/24"))
FAR_SUBNET = Subnet(30, "far-subnet", 3, N("10.2.1.0/24"))

WEB = Nic("web01-nic", 10, A("10.0.1.4"), owner="web01")
WEB2 = Nic("web02-nic", 10, A("10.0.1.5"), owner="web02")
APP_VM = Nic("app01-nic", 11, A("10.0.2.4"), owner="app01")
NVA = Nic("nva01-nic", 12, A("10.0.3.4"), owner="nva01", ip_forwarding=True)
SPOKE_VM = Nic("spoke01-nic", 20, A("10.1.1.4"), owner="spoke01")
FAR_VM = Nic("far01-nic", 30, A("10.2.1.4"), owner="far01")
WEB_PUBLIC = replace(WEB, public_ip=A("52.170.10.4"))

SQL = Target(
    "SqlServer",
    "contoso-sql",
    "contoso-sql.database.windows.net",
    A("20.42.64.20"),
    "Microsoft.Sql",
    "privatelink.database.windows.net",
)
STORAGE = Target(
    "StorageAccount",
    "contosodata",
    "contosodata.blob.core.windows.net",
    A("20.60.0.20"),
    "Microsoft.Storage",
    "privatelink.blob.core.windows.net",
)
SQL_PE = PrivateEndpoint("contoso-sql-pe", 13, A("10.0.4.5"), SQL.host)
PUBLIC = {"www.contoso.com": ("A", "93.184.216.34")}


def out(name, priority, access, *, to="*", ports="*", protocol="*") -> Rule:
    return Rule(name, priority, "Outbound", access, protocol, ("*",), ("*",), (to,), tuple(ports.split(",")))


def inbound(name, priority, access, *, source="*", ports="*", protocol="*") -> Rule:
    return Rule(name, priority, "Inbound", access, protocol, (source,), ("*",), ("*",), tuple(ports.split(",")))


# NSG ids, and the NSGs every topology carries (unused ones change nothing).
NIC_DENY_APP, SUBNET_DENY_APP, NIC_ALLOW_APP, SUBNET_ALLOW_APP = 1, 2, 3, 4
IN_DENY_SSH, IN_ALLOW_SSH, IN_NIC_DENY_SSH, EMPTY = 5, 6, 7, 8
TAGS, DENY_CLOUD, DENY_VNET, DENY_TCP, DENY_ICMP = 9, 10, 11, 12, 13
DENY_ANY_APP, DENY_ICMP_22, IN_DENY_ICMP, DENY_UDP, LOCKDOWN = 14, 15, 16, 17, 18
NSGS = {
    NIC_DENY_APP: Nsg("web01-nsg", (out("deny-app-subnet", 100, "Deny", to="10.0.2.0/24"),)),
    SUBNET_DENY_APP: Nsg("web-subnet-nsg", (out("deny-app-subnet", 200, "Deny", to="10.0.2.0/24"),)),
    NIC_ALLOW_APP: Nsg("web01-open-nsg", (out("allow-app-subnet", 100, "Allow", to="10.0.2.0/24"),)),
    SUBNET_ALLOW_APP: Nsg("web-subnet-open-nsg", (out("allow-app-subnet", 100, "Allow", to="10.0.2.0/24"),)),
    IN_DENY_SSH: Nsg("app-subnet-nsg", (inbound("deny-ssh", 100, "Deny", ports="22", protocol="Tcp"),)),
    IN_ALLOW_SSH: Nsg(
        "app-subnet-open-nsg", (inbound("allow-ssh", 100, "Allow", source="VirtualNetwork", ports="22"),)
    ),
    IN_NIC_DENY_SSH: Nsg("app01-nsg", (inbound("deny-ssh", 100, "Deny", ports="22", protocol="Tcp"),)),
    EMPTY: Nsg("empty-nsg", ()),
    TAGS: Nsg(
        "tags-nsg", (out("allow-storage", 100, "Allow", to="Storage"), out("deny-internet", 200, "Deny", to="Internet"))
    ),
    DENY_CLOUD: Nsg("cloud-nsg", (out("deny-azurecloud", 100, "Deny", to="AzureCloud"),)),
    DENY_VNET: Nsg("isolate-nsg", (out("deny-vnet", 100, "Deny", to="VirtualNetwork"),)),
    DENY_TCP: Nsg("tcp-nsg", (out("deny-all-tcp", 100, "Deny", protocol="Tcp"),)),
    DENY_ICMP: Nsg("icmp-nsg", (out("deny-ping", 100, "Deny", protocol="Icmp"),)),
    DENY_ANY_APP: Nsg("any-nsg", (out("deny-any-to-app", 100, "Deny", to="10.0.2.0/24"),)),
    DENY_ICMP_22: Nsg("icmp-port-nsg", (out("deny-ping-port-22", 100, "Deny", ports="22", protocol="Icmp"),)),
    IN_DENY_ICMP: Nsg("app-ping-nsg", (inbound("deny-ping-in", 100, "Deny", protocol="Icmp"),)),
    DENY_UDP: Nsg("udp-nsg", (out("deny-all-udp", 100, "Deny", protocol="Udp"),)),
    LOCKDOWN: Nsg("lockdown-nsg", (out("deny-everything", 100, "Deny"),)),
}

TO_NVA = "10.0.3.4"
FORCED = RouteTable(1, "forced-rt", True, (r.Route(N("0.0.0.0/0"), r.VIRTUAL_APPLIANCE, r.USER, TO_NVA, "to-nva"),))
APP_VIA_NVA = RouteTable(
    2, "app-via-nva-rt", True, (r.Route(N("10.0.2.0/24"), r.VIRTUAL_APPLIANCE, r.USER, TO_NVA, "app-via-nva"),)
)
DROP_APP = RouteTable(3, "drop-app-rt", True, (r.Route(N("10.0.2.0/24"), r.NONE, r.USER, None, "drop-app"),))
NO_PROPAGATION = RouteTable(4, "no-bgp-rt", False, ())
ONPREM_VIA_NVA = RouteTable(
    5, "onprem-nva-rt", True, (r.Route(N("192.168.10.0/24"), r.VIRTUAL_APPLIANCE, r.USER, TO_NVA, "onprem-nva"),)
)
PE_VIA_NVA = RouteTable(
    6, "pe-nva-rt", True, (r.Route(N("10.0.4.5/32"), r.VIRTUAL_APPLIANCE, r.USER, TO_NVA, "sql-pe-via-nva"),)
)
BRANCH_VIA_NVA = RouteTable(
    7, "branch-nva-rt", True, (r.Route(N("172.16.0.0/12"), r.VIRTUAL_APPLIANCE, r.USER, TO_NVA, "branch-nva"),)
)
VNET_VIA_NVA = RouteTable(
    8, "vnet-nva-rt", True, (r.Route(N("10.0.0.0/16"), r.VIRTUAL_APPLIANCE, r.USER, TO_NVA, "vnet-via-nva"),)
)
APP_VIA_WEB02 = RouteTable(
    9, "via-web02-rt", True, (r.Route(N("10.0.2.0/24"), r.VIRTUAL_APPLIANCE, r.USER, "10.0.1.5", "via-web02"),)
)
APP_VIA_NOBODY = RouteTable(
    10, "via-ghost-rt", True, (r.Route(N("10.0.2.0/24"), r.VIRTUAL_APPLIANCE, r.USER, "10.0.3.99", "via-ghost"),)
)
ONPREM_VIA_GATEWAY = RouteTable(
    11, "onprem-gw-rt", True, (r.Route(N("192.168.10.0/24"), r.GATEWAY, r.USER, None, "onprem-via-gw"),)
)
SHARED_TO_INTERNET = RouteTable(
    12, "shared-internet-rt", True, (r.Route(N("100.64.0.0/10"), r.INTERNET, r.USER, None, "shared-out"),)
)
ROUTE_TABLES = {
    t.id: t
    for t in (
        FORCED,
        APP_VIA_NVA,
        DROP_APP,
        NO_PROPAGATION,
        ONPREM_VIA_NVA,
        PE_VIA_NVA,
        BRANCH_VIA_NVA,
        VNET_VIA_NVA,
        APP_VIA_WEB02,
        APP_VIA_NOBODY,
        ONPREM_VIA_GATEWAY,
        SHARED_TO_INTERNET,
    )
}

ONPREM_GW = Gateway(1, "hub-vpngw", "Vpn", (N("192.168.0.0/16"),))
ONPREM_GW_24 = Gateway(1, "hub-vpngw", "Vpn", (N("192.168.10.0/24"),))
BGP_INTO_VNET = Gateway(1, "hub-vpngw", "ExpressRoute", (N("192.168.0.0/16"), N("10.0.2.0/24")))
ER_GW = Gateway(1, "hub-ergw", "ExpressRoute", (N("192.168.0.0/16"),))
PEERED = (Peering(1, 2), Peering(2, 1))
INITIATED = (Peering(1, 2, state="Initiated"),)
SPOKE_USES_HUB_GW = (Peering(1, 2, allow_gateway_transit=True), Peering(2, 1, use_remote_gateways=True))

SQL_ZONE = "privatelink.database.windows.net"
ZONE_HUB = Zone(SQL_ZONE, {"contoso-sql": ("A", ("10.0.4.5",))}, links=((1, False),))
ZONE_SPOKE = Zone(SQL_ZONE, {"contoso-sql": ("A", ("10.0.4.5",))}, links=((2, False),))
EMPTY_ZONE_HUB = Zone(SQL_ZONE, {}, links=((1, False),))
EMPTY_ZONE_FALLBACK = Zone(SQL_ZONE, {}, links=((1, True),))

SUBNETS = (WEB_SUBNET, APP_SUBNET, NVA_SUBNET, PE_SUBNET, SPOKE_SUBNET, FAR_SUBNET)
NICS = (WEB, WEB2, APP_VM, NVA, SPOKE_VM, FAR_VM)


def topo(era=CLASSIC, *, subnets=(), nics=(), vnets=(), **changes) -> Topology:
    """The base network, with some subnets, NICs or VNets replaced (same id or name)."""
    subnet_map = {s.id: s for s in SUBNETS} | {s.id: s for s in subnets}
    nic_map = {n.name: n for n in NICS} | {n.name: n for n in nics}
    vnet_map = {v.id: v for v in (HUB, SPOKE, FAR)} | {v.id: v for v in vnets}
    parts = dict(
        era=era,
        vnets=vnet_map,
        subnets=subnet_map,
        nics=tuple(nic_map.values()),
        nsgs=NSGS,
        route_tables=ROUTE_TABLES,
        targets=(SQL, STORAGE),
        public_names=PUBLIC,
    )
    return Topology(**(parts | changes))


def web(**changes) -> Nic:
    return replace(WEB, **changes)


def web_subnet(**changes) -> Subnet:
    return replace(WEB_SUBNET, **changes)


def app_subnet(**changes) -> Subnet:
    return replace(APP_SUBNET, **changes)


SE_STORAGE = web_subnet(service_endpoints=frozenset({"Microsoft.Storage"}))
LOCKED_STORAGE = replace(STORAGE, default_deny=True)
STORAGE_FOR_WEB = replace(STORAGE, default_deny=True, vnet_rule_subnets=frozenset({10}))
SQL_PRIVATE_ONLY = replace(SQL, public_network_access=False)
VAULT = Target(
    "KeyVault",
    "contoso-kv",
    "contoso-kv.vault.azure.net",
    A("20.40.224.20"),
    "Microsoft.KeyVault",
    "privatelink.vaultcore.azure.net",
    public_network_access=False,
)
VAULT_PE = PrivateEndpoint("contoso-kv-pe", 13, A("10.0.4.6"), VAULT.host)
ZONE_VAULT_HUB = Zone("privatelink.vaultcore.azure.net", {"contoso-kv": ("A", ("10.0.4.6",))}, links=((1, False),))
LEGACY = Vnet(4, "legacy-vnet", "eastus", (N("10.7.0.0/16"),), is_classic=True)
LEGACY_SUBNET = Subnet(40, "legacy-subnet", 4, N("10.7.0.0/24"))
LEGACY_VM = Nic("legacy01-nic", 40, A("10.7.0.4"), owner="legacy01")


def case(case_id, rules, topology, source, destination, port, protocol, verdict, step, says=""):
    return pytest.param(rules, topology, source, destination, port, protocol, verdict, step, says, id=case_id)


CASES = [
    # --- VM to VM: same subnet, other subnet, peered, unpeered --------------------------------
    case("same-subnet", "NSG-21 ROUTE-01 ROUTE-30 VNET-09", topo(), WEB, "10.0.1.5", 22, TCP, REACHABLE, ""),
    case("other-subnet", "ROUTE-01 ROUTE-30 NSG-21", topo(), WEB, "10.0.2.4", 443, TCP, REACHABLE, ""),
    case("peered-vnet", "ROUTE-07 VNET-10", topo(peerings=PEERED), WEB, "10.1.1.4", 22, TCP, REACHABLE, ""),
    case(
        "peering-only-initiated-is-not-connected",
        "ROUTE-02 ROUTE-05",
        topo(peerings=INITIATED),
        WEB,
        "10.1.1.4",
        22,
        TCP,
        BLOCKED,
        "Route",
        "dropped",
    ),
    case("unpeered-vnet", "ROUTE-01 ROUTE-02 ROUTE-05", topo(), WEB, "10.2.1.4", 22, TCP, BLOCKED, "Route"),
    case("unpeered-172-16", "ROUTE-02 ROUTE-05", topo(), WEB, "172.20.0.4", 443, TCP, BLOCKED, "Route"),
    case(
        "nobody-at-address",
        "ROUTE-01 NW-41",
        topo(),
        WEB,
        "10.0.2.99",
        22,
        TCP,
        NO_ANSWER,
        "Destination",
        "nothing answers",
    ),
    case("subnet-source-same-vnet", "ROUTE-30 NSG-21", topo(), WEB_SUBNET, "10.0.2.4", 22, TCP, REACHABLE, ""),
    case("subnet-source-unpeered", "ROUTE-02", topo(), WEB_SUBNET, "10.2.1.4", 22, TCP, BLOCKED, "Route"),
    # --- Outbound NSGs: NIC first, then subnet; either can deny (NSG-21) ------------------------
    case(
        "nic-nsg-denies-subnet-allows",
        "NSG-21 NSG-02",
        topo(subnets=(web_subnet(nsg_id=SUBNET_ALLOW_APP),)),
        web(nsg_id=NIC_DENY_APP),
        "10.0.2.4",
        443,
        TCP,
        BLOCKED,
        "Network security group",
        "of 'web01-nsg' on NIC 'web01-nic' denies",
    ),
    case(
        "nic-nsg-allows-subnet-denies",
        "NSG-21 NSG-02",
        topo(subnets=(web_subnet(nsg_id=SUBNET_DENY_APP),)),
        web(nsg_id=NIC_ALLOW_APP),
        "10.0.2.4",
        443,
        TCP,
        BLOCKED,
        "Network security group",
        "of 'web-subnet-nsg' on subnet 'web-subnet' denies",
    ),
    case(
        "both-deny-the-nic-decides-first",
        "NSG-21",
        topo(subnets=(web_subnet(nsg_id=SUBNET_DENY_APP),)),
        web(nsg_id=NIC_DENY_APP),
        "10.0.2.4",
        443,
        TCP,
        BLOCKED,
        "Network security group",
        "'web01-nsg'",
    ),
    case(
        "both-allow",
        "NSG-21 NSG-02",
        topo(subnets=(web_subnet(nsg_id=SUBNET_ALLOW_APP),)),
        web(nsg_id=NIC_ALLOW_APP),
        "10.0.2.4",
        443,
        TCP,
        REACHABLE,
        "",
    ),
    case(
        "empty-nsg-default-allow-vnet-out",
        "NSG-10 NSG-30",
        topo(),
        web(nsg_id=EMPTY),
        "10.0.2.4",
        443,
        TCP,
        REACHABLE,
        "",
    ),
    case(
        "default-deny-all-out-for-unknown-private",
        "NSG-10 NSG-02",
        topo(),
        web(nsg_id=EMPTY),
        "10.2.1.4",
        443,
        TCP,
        BLOCKED,
        "Network security group",
        "'DenyAllOutBound'",
    ),
    case(
        "subnet-source-has-no-nic-nsg",
        "NSG-21",
        topo(subnets=(web_subnet(nsg_id=SUBNET_DENY_APP),)),
        web_subnet(nsg_id=SUBNET_DENY_APP),
        "10.0.2.4",
        443,
        TCP,
        BLOCKED,
        "Network security group",
        "'web-subnet-nsg'",
    ),
    # --- Inbound at the destination: subnet NSG, then NIC NSG; both must allow -----------------
    case(
        "destination-subnet-nsg-denies",
        "NSG-21 NSG-02",
        topo(subnets=(app_subnet(nsg_id=IN_DENY_SSH),)),
        WEB,
        "10.0.2.4",
        22,
        TCP,
        BLOCKED,
        "Delivery",
        "'deny-ssh' of 'app-subnet-nsg'",
    ),
    case(
        "destination-subnet-allows-nic-denies",
        "NSG-21 NSG-02",
        topo(
            subnets=(app_subnet(nsg_id=IN_ALLOW_SSH),),
            nics=(replace(APP_VM, nsg_id=IN_NIC_DENY_SSH),),
        ),
        WEB,
        "10.0.2.4",
        22,
        TCP,
        BLOCKED,
        "Delivery",
        "of 'app01-nsg'",
    ),
    case(
        "destination-subnet-denies-before-nic-allows",
        "NSG-21",
        topo(subnets=(app_subnet(nsg_id=IN_DENY_SSH),), nics=(replace(APP_VM, nsg_id=IN_ALLOW_SSH),)),
        WEB,
        "10.0.2.4",
        22,
        TCP,
        BLOCKED,
        "Delivery",
        "of 'app-subnet-nsg'",
    ),
    case(
        "destination-nsg-other-port",
        "NSG-21",
        topo(subnets=(app_subnet(nsg_id=IN_DENY_SSH),)),
        WEB,
        "10.0.2.4",
        443,
        TCP,
        REACHABLE,
        "",
    ),
    # --- Service tags in rules (NSG-30 to NSG-34) -----------------------------------------------
    case(
        "tag-storage-allowed-before-internet-deny",
        "NSG-34 NSG-02 ROUTE-06",
        topo(subnets=(web_subnet(nsg_id=TAGS),)),
        WEB,
        STORAGE.host,
        443,
        TCP,
        REACHABLE,
        "",
    ),
    case(
        "tag-internet-denied",
        "NSG-31 NSG-02",
        topo(subnets=(web_subnet(nsg_id=TAGS),)),
        WEB,
        "www.contoso.com",
        443,
        TCP,
        BLOCKED,
        "Network security group",
        "'deny-internet'",
    ),
    case(
        "tag-internet-doesnt-cover-the-vnet",
        "NSG-30 NSG-10",
        topo(subnets=(web_subnet(nsg_id=TAGS),)),
        WEB,
        "10.0.2.4",
        443,
        TCP,
        REACHABLE,
        "",
    ),
    case(
        "tag-azurecloud-denied",
        "NSG-33",
        topo(),
        web(nsg_id=DENY_CLOUD),
        SQL.host,
        1433,
        TCP,
        BLOCKED,
        "Network security group",
        "'deny-azurecloud'",
    ),
    case(
        "tag-virtualnetwork-covers-peers",
        "NSG-30 NSG-02",
        topo(peerings=PEERED),
        web(nsg_id=DENY_VNET),
        "10.1.1.4",
        22,
        TCP,
        BLOCKED,
        "Network security group",
        "'deny-vnet'",
    ),
    # --- UDRs: an NVA, None, 0/0 ------------------------------------------------------------------
    case(
        "forced-tunnel-internet-to-nva",
        "ROUTE-31 ROUTE-21",
        topo(subnets=(web_subnet(route_table_id=FORCED.id),)),
        WEB,
        "www.contoso.com",
        443,
        TCP,
        FORWARDED,
        "Delivery",
    ),
    case(
        "forced-tunnel-keeps-vnet-local",
        "ROUTE-01 ROUTE-30",
        topo(subnets=(web_subnet(route_table_id=FORCED.id),)),
        WEB,
        "10.0.2.4",
        443,
        TCP,
        REACHABLE,
        "",
    ),
    case(
        "forced-tunnel-removes-none-routes",
        "ROUTE-31",
        topo(subnets=(web_subnet(route_table_id=FORCED.id),)),
        WEB,
        "10.2.1.4",
        443,
        TCP,
        FORWARDED,
        "Delivery",
    ),
    case(
        "udr-subnet-via-nva",
        "ROUTE-21 ROUTE-30",
        topo(subnets=(web_subnet(route_table_id=APP_VIA_NVA.id),)),
        WEB,
        "10.0.2.4",
        443,
        TCP,
        FORWARDED,
        "Delivery",
    ),
    case(
        "udr-none-drops",
        "ROUTE-02 ROUTE-21",
        topo(subnets=(web_subnet(route_table_id=DROP_APP.id),)),
        WEB,
        "10.0.2.4",
        443,
        TCP,
        BLOCKED,
        "Route",
        "next hop is None",
    ),
    case(
        "service-endpoint-beats-forced-tunnel",
        "SE-03 ROUTE-30 SE-02",
        topo(
            subnets=(replace(SE_STORAGE, route_table_id=FORCED.id),),
            targets=(SQL, STORAGE_FOR_WEB),
        ),
        WEB,
        STORAGE.host,
        443,
        TCP,
        REACHABLE,
        "",
    ),
    case(
        "private-endpoint-beats-forced-tunnel",
        "ROUTE-08",
        topo(subnets=(web_subnet(route_table_id=FORCED.id),), private_endpoints=(SQL_PE,)),
        WEB,
        "10.0.4.5",
        1433,
        TCP,
        REACHABLE,
        "",
    ),
    # ROUTE-08: an equal /32 UDR takes a private endpoint's traffic in Classic, not in Current.
    case(
        "pe-equal-32-udr-classic",
        "ROUTE-21 ROUTE-30",
        topo(subnets=(web_subnet(route_table_id=PE_VIA_NVA.id),), private_endpoints=(SQL_PE,)),
        WEB,
        "10.0.4.5",
        1433,
        TCP,
        FORWARDED,
        "Delivery",
    ),
    case(
        "pe-equal-32-udr-current",
        "ROUTE-08",
        topo(CURRENT, subnets=(web_subnet(route_table_id=PE_VIA_NVA.id),), private_endpoints=(SQL_PE,)),
        WEB,
        "10.0.4.5",
        1433,
        TCP,
        REACHABLE,
        "",
    ),
    # --- Gateway / BGP routes ----------------------------------------------------------------------
    case(
        "on-premises-via-gateway",
        "ROUTE-07 ROUTE-26",
        topo(gateways={1: ONPREM_GW}),
        WEB,
        "192.168.10.5",
        443,
        TCP,
        REACHABLE,
        "",
    ),
    case(
        "gateway-routes-not-propagated",
        "ROUTE-02",
        topo(gateways={1: ONPREM_GW}, subnets=(web_subnet(route_table_id=NO_PROPAGATION.id),)),
        WEB,
        "192.168.10.5",
        443,
        TCP,
        BLOCKED,
        "Route",
    ),
    case(
        "spoke-uses-hub-gateway",
        "ROUTE-07",
        topo(gateways={1: ONPREM_GW}, peerings=SPOKE_USES_HUB_GW),
        SPOKE_VM,
        "192.168.10.5",
        443,
        TCP,
        REACHABLE,
        "",
    ),
    case(
        "vnet-route-beats-bgp",
        "ROUTE-01 ROUTE-30",
        topo(gateways={1: BGP_INTO_VNET}),
        WEB,
        "10.0.2.4",
        443,
        TCP,
        REACHABLE,
        "",
    ),
    case(
        "udr-beats-bgp-on-a-tie",
        "ROUTE-30 ROUTE-21",
        topo(gateways={1: ONPREM_GW_24}, subnets=(web_subnet(route_table_id=ONPREM_VIA_NVA.id),)),
        WEB,
        "192.168.10.5",
        443,
        TCP,
        FORWARDED,
        "Delivery",
    ),
    # --- Private endpoints and DNS ---------------------------------------------------------------
    case(
        "pe-through-linked-zone",
        "ASDNS-01 PEDNS-16 PEDNS-10 PEDNS-11 ROUTE-08 PEDNS-31",
        topo(private_endpoints=(SQL_PE,), zones=(ZONE_HUB,), targets=(SQL_PRIVATE_ONLY, STORAGE)),
        WEB,
        SQL.host,
        1433,
        TCP,
        REACHABLE,
        "",
    ),
    case(
        "linked-zone-without-record-nxdomain",
        "PEDNS-13",
        topo(private_endpoints=(SQL_PE,), zones=(EMPTY_ZONE_HUB,)),
        WEB,
        SQL.host,
        1433,
        TCP,
        BLOCKED,
        "Name resolution",
    ),
    case(
        "zone-not-linked-to-this-vnet",
        "PEDNS-10 PEDNS-12",
        topo(private_endpoints=(SQL_PE,), zones=(ZONE_SPOKE,), targets=(SQL_PRIVATE_ONLY, STORAGE)),
        WEB,
        SQL.host,
        1433,
        TCP,
        BLOCKED,
        "Delivery",
        "public network access disabled",
    ),
    case(
        "custom-dns-answers-public",
        "ASDNS-02 PEDNS-17 PEDNS-12",
        topo(
            vnets=(replace(HUB, dns_servers=("10.0.1.10",)),),
            private_endpoints=(SQL_PE,),
            zones=(ZONE_HUB,),
            targets=(SQL_PRIVATE_ONLY, STORAGE),
        ),
        WEB,
        SQL.host,
        1433,
        TCP,
        BLOCKED,
        "Delivery",
    ),
    case(
        "pe-pending",
        "PEDNS-31",
        topo(private_endpoints=(replace(SQL_PE, approved=False),)),
        WEB,
        "10.0.4.5",
        1433,
        TCP,
        BLOCKED,
        "Delivery",
        "isn't approved",
    ),
    case(
        "pe-from-peered-spoke",
        "PEDNS-11 ROUTE-08",
        topo(peerings=PEERED, private_endpoints=(SQL_PE,), zones=(ZONE_SPOKE,)),
        SPOKE_VM,
        SQL.host,
        1433,
        TCP,
        REACHABLE,
        "",
    ),
    case(
        "current-link-falls-back-to-public",
        "PEDNS-14 NSG-05 ROUTE-06",
        topo(CURRENT, private_endpoints=(SQL_PE,), zones=(EMPTY_ZONE_FALLBACK,), nics=(WEB_PUBLIC,)),
        WEB_PUBLIC,
        SQL.host,
        1433,
        TCP,
        REACHABLE,
        "",
    ),
    case("unknown-name", "PEDNS-13", topo(), WEB, "nope.contoso.com", 443, TCP, BLOCKED, "Name resolution"),
    # --- Service endpoints to storage -------------------------------------------------------------
    case(
        "se-firewall-lists-subnet",
        "SE-03 SE-02 SE-01",
        topo(subnets=(SE_STORAGE,), targets=(SQL, STORAGE_FOR_WEB)),
        WEB,
        STORAGE.host,
        443,
        TCP,
        REACHABLE,
        "",
    ),
    case(
        "se-firewall-doesnt-list-subnet",
        "SE-03 SE-01",
        topo(subnets=(SE_STORAGE,), targets=(SQL, LOCKED_STORAGE)),
        WEB,
        STORAGE.host,
        443,
        TCP,
        BLOCKED,
        "Delivery",
        "doesn't list subnet 'web-subnet'",
    ),
    case(
        "firewall-without-se",
        "SE-01 SE-02",
        topo(targets=(SQL, STORAGE_FOR_WEB)),
        WEB,
        STORAGE.host,
        443,
        TCP,
        BLOCKED,
        "Delivery",
        "selected networks",
    ),
    case(
        "firewall-ip-rule-for-public-ip",
        "NSG-05 ROUTE-06",
        topo(nics=(WEB_PUBLIC,), targets=(SQL, replace(LOCKED_STORAGE, ip_rules=(N("52.170.10.4/32"),)))),
        WEB_PUBLIC,
        STORAGE.host,
        443,
        TCP,
        REACHABLE,
        "",
    ),
    case(
        "se-from-subnet-source",
        "SE-03 SE-02",
        topo(subnets=(SE_STORAGE,), targets=(SQL, STORAGE_FOR_WEB)),
        SE_STORAGE,
        STORAGE.host,
        443,
        TCP,
        REACHABLE,
        "",
    ),
    # --- Internet per era: default outbound access (lab-defined DOA-01, DOA-02) -------------------
    case(
        "internet-classic-default-outbound",
        "DOA-01 NSG-05 ROUTE-01",
        topo(),
        WEB,
        "www.contoso.com",
        443,
        TCP,
        REACHABLE,
        "",
    ),
    case(
        "internet-current-private-subnet",
        "DOA-02",
        topo(CURRENT),
        WEB,
        "www.contoso.com",
        443,
        TCP,
        BLOCKED,
        "Delivery",
        "no default outbound access",
    ),
    case(
        "internet-current-public-ip",
        "NSG-05 ROUTE-01",
        topo(CURRENT, nics=(WEB_PUBLIC,)),
        WEB_PUBLIC,
        "www.contoso.com",
        443,
        TCP,
        REACHABLE,
        "",
    ),
    case(
        "internet-current-subnet-source",
        "DOA-02",
        topo(CURRENT),
        WEB_SUBNET,
        "www.contoso.com",
        443,
        TCP,
        BLOCKED,
        "Delivery",
    ),
    case("internet-classic-subnet-source", "DOA-01", topo(), WEB_SUBNET, "www.contoso.com", 443, TCP, REACHABLE, ""),
    case(
        "current-forced-tunnel-needs-no-default-outbound",
        "ROUTE-31",
        topo(CURRENT, subnets=(web_subnet(route_table_id=FORCED.id),)),
        WEB,
        "www.contoso.com",
        443,
        TCP,
        FORWARDED,
        "Delivery",
    ),
    case(
        "current-public-paas-endpoint-needs-outbound",
        "DOA-02",
        topo(CURRENT),
        WEB,
        STORAGE.host,
        443,
        TCP,
        BLOCKED,
        "Delivery",
    ),
    case(
        "current-service-endpoint-needs-no-outbound",
        "SE-03 SE-02",
        topo(CURRENT, subnets=(SE_STORAGE,), targets=(SQL, STORAGE_FOR_WEB)),
        WEB,
        STORAGE.host,
        443,
        TCP,
        REACHABLE,
        "",
    ),
    case(
        "current-on-premises-unaffected",
        "ROUTE-07",
        topo(CURRENT, gateways={1: ONPREM_GW}),
        WEB,
        "192.168.10.5",
        443,
        TCP,
        REACHABLE,
        "",
    ),
    case("tcp-25-classic", "NSG-40 DOA-01", topo(), WEB, "www.contoso.com", 25, TCP, REACHABLE, ""),
    case(
        "platform-dns-bypasses-nsgs",
        "NSG-23 PEDNS-18",
        topo(CURRENT),
        web(nsg_id=LOCKDOWN),
        "168.63.129.16",
        53,
        UDP,
        REACHABLE,
        "",
    ),
    case(
        "lockdown-nsg-blocks-the-rest",
        "NSG-02",
        topo(),
        web(nsg_id=LOCKDOWN),
        "10.0.1.5",
        53,
        UDP,
        BLOCKED,
        "Network security group",
        "'deny-everything'",
    ),
    # --- ICMP: Icmp and Any rules match it, Tcp and Udp rules don't; ports don't apply -------------
    case("icmp-vm-to-vm", "NSG-21 ROUTE-30", topo(), WEB, "10.0.2.4", 0, ICMP, REACHABLE, ""),
    case("icmp-skips-tcp-rule", "NSG-10", topo(), web(nsg_id=DENY_TCP), "10.0.2.4", 0, ICMP, REACHABLE, ""),
    case(
        "tcp-hits-tcp-rule",
        "NSG-02",
        topo(),
        web(nsg_id=DENY_TCP),
        "10.0.2.4",
        443,
        TCP,
        BLOCKED,
        "Network security group",
        "'deny-all-tcp'",
    ),
    case("icmp-skips-udp-rule", "NSG-10", topo(), web(nsg_id=DENY_UDP), "10.0.2.4", 0, ICMP, REACHABLE, ""),
    case(
        "icmp-rule-denies-ping",
        "NSG-02 NSG-21",
        topo(),
        web(nsg_id=DENY_ICMP),
        "10.0.2.4",
        0,
        ICMP,
        BLOCKED,
        "Network security group",
        "'deny-ping'",
    ),
    case("icmp-rule-ignores-tcp", "NSG-10", topo(), web(nsg_id=DENY_ICMP), "10.0.2.4", 443, TCP, REACHABLE, ""),
    case(
        "any-rule-denies-ping",
        "NSG-02",
        topo(subnets=(web_subnet(nsg_id=DENY_ANY_APP),)),
        WEB,
        "10.0.2.4",
        0,
        ICMP,
        BLOCKED,
        "Network security group",
        "'deny-any-to-app'",
    ),
    case(
        "icmp-port-ignored",
        "NSG-02",
        topo(),
        web(nsg_id=DENY_ICMP_22),
        "10.0.2.4",
        443,
        ICMP,
        BLOCKED,
        "Network security group",
        "'deny-ping-port-22'",
    ),
    case(
        "icmp-inbound-rule-at-destination",
        "NSG-21 NSG-02",
        topo(subnets=(app_subnet(nsg_id=IN_DENY_ICMP),)),
        WEB,
        "10.0.2.4",
        0,
        ICMP,
        BLOCKED,
        "Delivery",
        "'deny-ping-in' of 'app-ping-nsg'",
    ),
    case(
        "icmp-passes-tcp-inbound-rule",
        "NSG-21",
        topo(subnets=(app_subnet(nsg_id=IN_DENY_SSH),)),
        WEB,
        "10.0.2.4",
        22,
        ICMP,
        REACHABLE,
        "",
    ),
    case(
        "icmp-default-gateway-ignores-ping",
        "VNET-06 SUBNET-01",
        topo(),
        WEB,
        "10.0.2.1",
        0,
        ICMP,
        BLOCKED,
        "Delivery",
        "default gateway",
    ),
    case("icmp-internet-classic", "DOA-01", topo(), WEB, "www.contoso.com", 0, ICMP, REACHABLE, ""),
    case("icmp-internet-current", "DOA-02", topo(CURRENT), WEB, "www.contoso.com", 0, ICMP, BLOCKED, "Delivery"),
    case("icmp-from-subnet-source", "NSG-21", topo(), WEB_SUBNET, "10.0.2.4", 0, ICMP, REACHABLE, ""),
    # --- NSG-30: user-defined route prefixes are part of the VirtualNetwork tag -------------------
    case(
        "udr-prefix-allowed-by-allow-vnet-out",
        "NSG-30 NSG-10 ROUTE-21",
        topo(subnets=(web_subnet(route_table_id=BRANCH_VIA_NVA.id),)),
        web(nsg_id=EMPTY),
        "172.20.0.4",
        443,
        TCP,
        FORWARDED,
        "Delivery",
    ),
    case(
        "default-route-udr-allowed-by-allow-vnet-out",
        "NSG-30 NSG-10 ROUTE-31",
        topo(CURRENT, subnets=(web_subnet(route_table_id=FORCED.id),)),
        web(nsg_id=EMPTY),
        "10.2.1.4",
        443,
        TCP,
        FORWARDED,
        "Delivery",
    ),
    case(
        "subnet-source-udr-prefix-in-the-tag",
        "NSG-30 NSG-10",
        topo(subnets=(web_subnet(route_table_id=BRANCH_VIA_NVA.id, nsg_id=EMPTY),)),
        web_subnet(route_table_id=BRANCH_VIA_NVA.id, nsg_id=EMPTY),
        "172.20.0.4",
        443,
        UDP,
        FORWARDED,
        "Delivery",
    ),
    case(
        "udr-prefix-doesnt-leave-the-internet-tag",
        "NSG-31 NSG-02",
        topo(subnets=(web_subnet(nsg_id=TAGS, route_table_id=FORCED.id),)),
        WEB,
        "www.contoso.com",
        443,
        TCP,
        BLOCKED,
        "Network security group",
        "'deny-internet'",
    ),
    # --- ROUTE-08 / SUBNET-21 [Current]: the PE subnet's policy lets a VNet-length UDR win ----------
    case(
        "pe-subnet-route-tables-enabled-udr-wins-current",
        "ROUTE-08 SUBNET-21 ROUTE-21",
        topo(
            CURRENT,
            subnets=(web_subnet(route_table_id=VNET_VIA_NVA.id), replace(PE_SUBNET, pe_policies="RouteTableEnabled")),
            private_endpoints=(SQL_PE,),
        ),
        WEB,
        "10.0.4.5",
        1433,
        TCP,
        FORWARDED,
        "Delivery",
    ),
    case(
        "pe-subnet-policy-disabled-pe-wins-current",
        "ROUTE-08 PEDNS-31",
        topo(CURRENT, subnets=(web_subnet(route_table_id=VNET_VIA_NVA.id),), private_endpoints=(SQL_PE,)),
        WEB,
        "10.0.4.5",
        1433,
        TCP,
        REACHABLE,
        "",
    ),
    case(
        "pe-subnet-policy-enabled-default-route-never-wins-current",
        "ROUTE-08",
        topo(
            CURRENT,
            subnets=(web_subnet(route_table_id=FORCED.id), replace(PE_SUBNET, pe_policies="Enabled")),
            private_endpoints=(SQL_PE,),
        ),
        WEB,
        "10.0.4.5",
        1433,
        TCP,
        REACHABLE,
        "",
    ),
    # --- ROUTE-21: a virtual appliance is a NIC with IP forwarding, directly reachable ------------
    case(
        "appliance-nic-without-ip-forwarding",
        "ROUTE-21",
        topo(subnets=(web_subnet(route_table_id=APP_VIA_WEB02.id),)),
        WEB,
        "10.0.2.4",
        443,
        TCP,
        BLOCKED,
        "Delivery",
        "IP forwarding is off on 'web02-nic'",
    ),
    case(
        "appliance-address-nobody-holds",
        "ROUTE-21",
        topo(CURRENT, subnets=(web_subnet(route_table_id=APP_VIA_NOBODY.id),)),
        WEB,
        "10.0.2.4",
        22,
        TCP,
        BLOCKED,
        "Delivery",
        "no network interface has",
    ),
    case(
        "subnet-source-appliance-nobody-holds",
        "ROUTE-21",
        topo(subnets=(web_subnet(route_table_id=APP_VIA_NOBODY.id),)),
        web_subnet(route_table_id=APP_VIA_NOBODY.id),
        "10.0.2.4",
        0,
        ICMP,
        BLOCKED,
        "Delivery",
        "no network interface has",
    ),
    case(
        "appliance-in-the-hub-from-a-peered-spoke",
        "ROUTE-21",
        topo(peerings=PEERED, subnets=(replace(SPOKE_SUBNET, route_table_id=APP_VIA_NVA.id),)),
        SPOKE_VM,
        "10.0.2.4",
        443,
        TCP,
        FORWARDED,
        "Delivery",
    ),
    case(
        "appliance-in-an-unpeered-vnet-isnt-directly-reachable",
        "ROUTE-21",
        topo(CURRENT, subnets=(replace(FAR_SUBNET, route_table_id=APP_VIA_NVA.id),)),
        FAR_VM,
        "10.0.2.4",
        443,
        TCP,
        BLOCKED,
        "Delivery",
        "isn't directly reachable",
    ),
    # --- ROUTE-21 / ROUTE-27: a UDR to the gateway needs a VPN gateway ------------------------------
    case(
        "udr-to-a-vpn-gateway",
        "ROUTE-21 ROUTE-07",
        topo(gateways={1: ONPREM_GW}, subnets=(web_subnet(route_table_id=ONPREM_VIA_GATEWAY.id),)),
        WEB,
        "192.168.10.5",
        443,
        TCP,
        REACHABLE,
        "",
    ),
    case(
        "udr-to-an-expressroute-gateway-is-invalid",
        "ROUTE-21 ROUTE-27",
        topo(CURRENT, gateways={1: ER_GW}, subnets=(web_subnet(route_table_id=ONPREM_VIA_GATEWAY.id),)),
        WEB,
        "192.168.10.5",
        443,
        TCP,
        BLOCKED,
        "Delivery",
        "ExpressRoute gateway",
    ),
    case(
        "udr-to-a-missing-gateway-is-invalid",
        "ROUTE-21 ROUTE-27",
        topo(subnets=(web_subnet(route_table_id=ONPREM_VIA_GATEWAY.id),)),
        WEB,
        "192.168.10.5",
        443,
        TCP,
        BLOCKED,
        "Delivery",
        "no virtual network gateway",
    ),
    case(
        "udr-to-the-hubs-vpn-gateway-from-a-spoke",
        "ROUTE-21",
        topo(
            gateways={1: ONPREM_GW},
            peerings=SPOKE_USES_HUB_GW,
            subnets=(replace(SPOKE_SUBNET, route_table_id=ONPREM_VIA_GATEWAY.id),),
        ),
        SPOKE_VM,
        "192.168.10.5",
        443,
        TCP,
        REACHABLE,
        "",
    ),
    # --- PEDNS-01 / PEDNS-10: Key Vault's privatelink zone is vaultcore ----------------------------
    case(
        "key-vault-through-the-vaultcore-zone",
        "PEDNS-10 PEDNS-11 ROUTE-08",
        topo(private_endpoints=(VAULT_PE,), zones=(ZONE_VAULT_HUB,), targets=(SQL, STORAGE, VAULT)),
        WEB,
        VAULT.host,
        443,
        TCP,
        REACHABLE,
        "",
    ),
    # --- Addresses the internet doesn't route (ROUTE-01), and a VM across a classic peering ---------
    case(
        "shared-address-space-sent-to-the-internet-is-lost",
        "ROUTE-01 ROUTE-21",
        topo(nics=(WEB_PUBLIC,), subnets=(web_subnet(route_table_id=SHARED_TO_INTERNET.id),)),
        WEB_PUBLIC,
        "100.64.0.4",
        443,
        TCP,
        BLOCKED,
        "Delivery",
        "isn't a public address",
    ),
    case(
        "vm-reaches-a-peered-classic-vnet",
        "ROUTE-07 NSG-21",
        topo(vnets=(LEGACY,), subnets=(LEGACY_SUBNET,), nics=(LEGACY_VM,), peerings=(Peering(1, 4),)),
        WEB,
        "10.7.0.4",
        22,
        TCP,
        REACHABLE,
        "",
    ),
]


def run(topology, source, destination, port, protocol):
    if isinstance(source, Nic):
        return trace_nic(topology, source, destination, port, protocol)
    return trace_subnet(topology, source, destination, port, protocol)


@pytest.mark.parametrize("rules, topology, source, destination, port, protocol, verdict, step, says", CASES)
def test_trace_from_a_vm(rules, topology, source, destination, port, protocol, verdict, step, says):
    trace = run(topology, source, destination, port, protocol)
    assert trace.verdict == verdict, trace.as_dict()
    assert trace.deciding_step == step, trace.as_dict()
    for rule in rules.split():
        assert rule in trace.rule_ids, (rule, trace.rule_ids)
    if verdict in (BLOCKED, NO_ANSWER):
        assert trace.fix
        deciding = [s for s in trace.steps if s.name == step][-1]
        assert says in deciding.detail, deciding.detail


def test_the_table_has_at_least_45_cases():
    assert len(CASES) >= 45


# --- Hops ------------------------------------------------------------------------------------------


def kinds(trace) -> list[str]:
    return [h.kind for h in trace.hops]


@pytest.mark.parametrize("rules, topology, source, destination, port, protocol, verdict, step, says", CASES)
def test_hops_follow_the_packet_and_end_where_it_stops(
    rules, topology, source, destination, port, protocol, verdict, step, says
):
    trace = run(topology, source, destination, port, protocol)
    order = [HOP_KINDS.index(k) for k in kinds(trace)]
    assert order == sorted(order), kinds(trace)
    assert trace.hops[0].kind == SOURCE
    states = [h.state for h in trace.hops]
    if verdict in (BLOCKED, NO_ANSWER):
        assert states[-1] == HOP_BLOCKED and states.count(HOP_BLOCKED) == 1, trace.hops
    else:
        assert HOP_BLOCKED not in states
    if verdict == FORWARDED:
        assert trace.hops[-1] == Hop(NEXT_HOP, f"Virtual appliance {TO_NVA}", trace.hops[-1].detail, HOP_INFO)
    if verdict == REACHABLE:
        assert trace.hops[-1].kind == DESTINATION


def test_nsg_21_the_nic_nsg_hop_is_blocked_and_nothing_follows():
    trace = trace_nic(topo(subnets=(web_subnet(nsg_id=SUBNET_ALLOW_APP),)), web(nsg_id=NIC_DENY_APP), "10.0.2.4", 443)
    assert kinds(trace) == [SOURCE, SUBNET, NSG]
    assert trace.hops[-1].label == "web01-nsg: deny-app-subnet (100)"
    assert trace.hops[-1].state == HOP_BLOCKED


def test_nsg_21_the_nic_nsg_allows_then_the_subnet_nsg_blocks():
    trace = trace_nic(topo(subnets=(web_subnet(nsg_id=SUBNET_DENY_APP),)), web(nsg_id=NIC_ALLOW_APP), "10.0.2.4", 443)
    assert [(h.kind, h.label, h.state) for h in trace.hops[2:]] == [
        (NSG, "web01-open-nsg: allow-app-subnet (100)", HOP_OK),
        (NSG, "web-subnet-nsg: deny-app-subnet (200)", HOP_BLOCKED),
    ]


def test_a_reachable_vm_meets_every_kind_of_hop():
    trace = trace_nic(topo(subnets=(web_subnet(nsg_id=SUBNET_ALLOW_APP),)), WEB, "10.0.2.4", 22)
    assert kinds(trace) == [SOURCE, SUBNET, NSG, ROUTE, NEXT_HOP, DESTINATION]
    assert [h.label for h in trace.hops] == [
        "web01",
        "web-subnet 10.0.1.0/24",
        "web-subnet-open-nsg: allow-app-subnet (100)",
        "10.0.0.0/16 -> VnetLocal",
        "Virtual network",
        "app01 10.0.2.4",
    ]
    assert {h.state for h in trace.hops} == {HOP_OK}


def test_pedns_13_a_name_that_doesnt_resolve_stops_at_the_source():
    trace = trace_nic(topo(private_endpoints=(SQL_PE,), zones=(EMPTY_ZONE_HUB,)), WEB, SQL.host, 1433)
    assert [(h.kind, h.state) for h in trace.hops] == [(SOURCE, HOP_BLOCKED)]


def test_route_02_a_none_route_stops_at_the_route_nw_46():
    trace = trace_nic(topo(), WEB, "10.2.1.4", 22)
    assert (trace.hops[-1].kind, trace.hops[-1].label, trace.hops[-1].state) == (
        ROUTE,
        "10.0.0.0/8 -> None",
        HOP_BLOCKED,
    )


def test_doa_02_internet_stops_at_the_internet_hop_in_current():
    trace = trace_nic(topo(CURRENT), WEB, "www.contoso.com", 443)
    assert (trace.hops[-1].kind, trace.hops[-1].label, trace.hops[-1].state) == (NEXT_HOP, "Internet", HOP_BLOCKED)
    assert "NAT gateway" in trace.fix and "public IP" in trace.fix


def test_the_destination_nsg_blocks_at_the_destination_hop():
    trace = trace_nic(topo(subnets=(app_subnet(nsg_id=IN_DENY_SSH),)), WEB, "10.0.2.4", 22)
    assert trace.hops[-1] == Hop(DESTINATION, "app01 10.0.2.4", trace.steps[-1].detail, HOP_BLOCKED)


def test_hops_are_in_the_json():
    document = trace_nic(topo(), WEB, "10.0.1.5", 22).as_dict()
    assert document["hops"][0] == {
        "kind": "Source",
        "label": "web01",
        "detail": "NIC 'web01-nic' with 10.0.1.4.",
        "state": "ok",
    }
    assert {"source", "destination", "verdict", "decidingStep", "steps", "sourceIp"} <= set(document)


# --- Source addresses --------------------------------------------------------------------------------


def test_the_destination_sees_the_nics_private_ip_inside_azure():
    assert trace_nic(topo(peerings=PEERED), WEB, "10.1.1.4", 22).source_ip == "10.0.1.4"


def test_subnet_01_a_subnet_source_is_its_first_usable_address():
    trace = trace_subnet(topo(), APP_SUBNET, "10.0.1.5", 22)
    assert trace.source_ip == "10.0.2.4"
    assert trace.source == "hub-vnet/app-subnet"
    assert trace.hops[0].label == "VM 10.0.2.4"


def test_se_02_through_a_service_endpoint_the_source_stays_private():
    trace = trace_nic(topo(subnets=(SE_STORAGE,), targets=(SQL, STORAGE_FOR_WEB)), WEB, STORAGE.host, 443)
    assert trace.source_ip == "10.0.1.4"


def test_nsg_05_internet_traffic_leaves_from_the_nics_public_ip():
    assert trace_nic(topo(nics=(WEB_PUBLIC,)), WEB_PUBLIC, "www.contoso.com", 443).source_ip == "52.170.10.4"


def test_doa_01_without_a_public_ip_classic_uses_the_default_outbound_ip():
    trace = trace_nic(topo(), WEB, "www.contoso.com", 443)
    assert trace.source_ip == "default outbound access IP"


# --- ICMP and port 25 ------------------------------------------------------------------------------


def test_icmp_has_no_port():
    assert trace_nic(topo(), WEB, "10.0.2.4", 443, ICMP).port == 0


def test_nsg_40_port_25_is_a_tcp_matter_only():
    assert "NSG-40" in trace_nic(topo(), WEB, "www.contoso.com", 25, TCP).rule_ids
    assert "NSG-40" not in trace_nic(topo(), WEB, "www.contoso.com", 25, UDP).rule_ids
    assert "NSG-40" not in trace_nic(topo(), WEB, "www.contoso.com", 25, ICMP).rule_ids


def test_vnet_06_ping_to_a_default_gateway_is_refused_but_tcp_finds_nobody():
    assert trace_nic(topo(), WEB, "10.0.2.1", 0, ICMP).hops[-1].label == "Default gateway 10.0.2.1"
    assert "default gateway" not in trace_nic(topo(), WEB, "10.0.2.1", 443, TCP).steps[-1].detail


# --- trace_app: hops and ICMP ------------------------------------------------------------------------

APP = App("contoso-web", "eastus", ("20.42.0.17",))
INTEGRATED = replace(APP, integration_kind="regional", vnet_id=1, subnet_id=11)


def test_an_unintegrated_app_goes_from_source_to_destination_through_the_internet():
    trace = trace_app(topo(), APP, "www.contoso.com", 443)
    assert [(h.kind, h.label) for h in trace.hops] == [
        (SOURCE, "contoso-web"),
        (NEXT_HOP, "Internet"),
        (DESTINATION, "www.contoso.com 93.184.216.34"),
    ]


def test_an_integrated_app_meets_its_subnet_nsg_route_and_destination():
    topology = topo(subnets=(app_subnet(nsg_id=EMPTY),))
    trace = trace_app(topology, INTEGRATED, "10.0.1.5", 22)
    assert kinds(trace) == [SOURCE, SUBNET, NSG, ROUTE, NEXT_HOP, DESTINATION]
    assert trace.hops[1].label == "app-subnet 10.0.2.0/24"
    assert trace.hops[-1].label == "web02 10.0.1.5"


def test_an_apps_trace_stops_at_its_blocking_hop():
    topology = topo(subnets=(app_subnet(nsg_id=TAGS),))
    trace = trace_app(topology, replace(INTEGRATED, route_all=True), "www.contoso.com", 443)
    assert trace.verdict == BLOCKED
    assert [(h.kind, h.state) for h in trace.hops] == [(SOURCE, HOP_OK), (SUBNET, HOP_OK), (NSG, HOP_BLOCKED)]
    assert trace.as_dict()["hops"][-1]["label"] == "tags-nsg: deny-internet (200)"


def test_seed_19_port_25_stops_a_classic_app_at_its_source():
    trace = trace_app(topo(), INTEGRATED, "www.contoso.com", 25)
    assert [(h.kind, h.state) for h in trace.hops] == [(SOURCE, HOP_BLOCKED)]


def test_seed_05_an_app_sends_no_icmp():
    for app in (APP, INTEGRATED):
        trace = trace_app(topo(), app, "10.0.1.5", 0, ICMP)
        assert (trace.verdict, trace.deciding_step) == (BLOCKED, "Protocol")
        assert "SEED-05" in trace.rule_ids and "tcpping" in trace.fix
        assert trace.hops[-1].state == HOP_BLOCKED


def test_a_forwarded_app_trace_ends_at_the_appliance():
    topology = topo(subnets=(app_subnet(route_table_id=FORCED.id),))
    trace = trace_app(topology, replace(INTEGRATED, route_all=True), "www.contoso.com", 443)
    assert trace.verdict == FORWARDED
    assert (trace.hops[-1].kind, trace.hops[-1].state) == (NEXT_HOP, HOP_INFO)
