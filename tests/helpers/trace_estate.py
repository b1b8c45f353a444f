"""The small estate the engine trace tables run on (networking/engine/trace.py):
VNets, subnets, NICs, PaaS targets, zones and gateways as plain engine
values, with builders for the variations a table case needs. Shared by
tests/networking/test_engine_trace_table.py and test_engine_fixes.py."""

from dataclasses import replace
from ipaddress import IPv4Address, IPv4Network

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

N = IPv4Network
A = IPv4Address
CLASSIC, CURRENT = "classic", "current"
AZURE_DNS = "168.63.129.16"
CUSTOM_DNS = "10.0.1.10"  # a DNS server VM in the workload subnet
OUTBOUND_IP = "40.112.30.9"  # the app's listed outbound address

# --- Networks ---------------------------------------------------------------------------------

VNET = Vnet(1, "orders-vnet", "eastus", (N("10.0.0.0/16"),))
PEER = Vnet(2, "peer-vnet", "eastus", (N("10.1.0.0/16"),))
REMOTE = Vnet(3, "remote-vnet", "westeurope", (N("10.2.0.0/16"),))
SHARED = Vnet(4, "shared-vnet", "eastus", (N("100.64.0.0/16"),))  # RFC 6598 space, not RFC1918

WORKLOAD = Subnet(10, "workload", 1, N("10.0.1.0/24"))
INTEGRATION = Subnet(11, "integration", 1, N("10.0.2.0/26"))
ENDPOINTS = Subnet(12, "endpoints", 1, N("10.0.3.0/24"))
FIREWALL = Subnet(13, "firewall", 1, N("10.0.4.0/24"))
PEER_SUBNET = Subnet(20, "default", 2, N("10.1.0.0/24"))
REMOTE_SUBNET = Subnet(30, "default", 3, N("10.2.0.0/24"))
SHARED_SUBNET = Subnet(40, "default", 4, N("100.64.0.0/24"))

VM_IP, PEER_VM_IP, REMOTE_VM_IP, SHARED_VM_IP = "10.0.1.4", "10.1.0.4", "10.2.0.4", "100.64.0.4"
VM = Nic("orders-vm-nic", 10, A(VM_IP), owner="orders-vm")
DNS_VM = Nic("dns-vm-nic", 10, A(CUSTOM_DNS), owner="dns-vm")
PEER_VM = Nic("peer-vm-nic", 20, A(PEER_VM_IP), owner="peer-vm")
REMOTE_VM = Nic("remote-vm-nic", 30, A(REMOTE_VM_IP), owner="remote-vm")
SHARED_VM = Nic("shared-vm-nic", 40, A(SHARED_VM_IP), owner="shared-vm")
NVA_IP = "10.0.4.4"
NVA = Nic("firewall-nic", 13, A(NVA_IP), owner="firewall-vm", ip_forwarding=True)

# --- Services ----------------------------------------------------------------------------------

SQL = Target(
    "sql",
    "orders-sql",
    "orders-sql.database.windows.net",
    A("20.42.64.30"),
    "Microsoft.Sql",
    "privatelink.database.windows.net",
)
STORAGE = Target(
    "storage",
    "ordersdata",
    "ordersdata.blob.core.windows.net",
    A("20.60.0.30"),
    "Microsoft.Storage",
    "privatelink.blob.core.windows.net",
)
ARCHIVE = Target(
    "storage",
    "archivedata",
    "archivedata.blob.core.windows.net",
    A("20.60.0.31"),
    "Microsoft.Storage",
    "privatelink.blob.core.windows.net",
)
VAULT = Target(
    "vault",
    "orders-kv",
    "orders-kv.vault.azure.net",
    A("20.40.224.30"),
    "Microsoft.KeyVault",
    "privatelink.vaultcore.azure.net",
)
PARTNER_IP = "93.184.216.40"
PUBLIC_NAMES = {"api.partner.example": ("A", PARTNER_IP)}

SQL_PE = PrivateEndpoint("orders-sql-pe", 12, A("10.0.3.5"), SQL.host)
BLOB_PE = PrivateEndpoint("ordersdata-pe", 12, A("10.0.3.6"), STORAGE.host)
PEER_ARCHIVE_PE = PrivateEndpoint("archivedata-pe", 20, A("10.1.0.6"), ARCHIVE.host)
REMOTE_SQL_PE = PrivateEndpoint("orders-sql-remote-pe", 30, A("10.2.0.5"), SQL.host)

SQL_ZONE = Zone("privatelink.database.windows.net", {"orders-sql": ("A", ("10.0.3.5",))}, ((1, False),))
BLOB_ZONE = Zone("privatelink.blob.core.windows.net", {"ordersdata": ("A", ("10.0.3.6",))}, ((1, False),))
EMPTY_SQL_ZONE = Zone("privatelink.database.windows.net", {}, ((1, False),))
CORP_ZONE = Zone("corp.internal", {"db": ("A", (VM_IP,))}, ((1, False),))

ER_GATEWAY = Gateway(1, "orders-er-gw", "ExpressRoute", (N("192.168.0.0/16"),))
VPN_GATEWAY = Gateway(1, "orders-vpn-gw", "Vpn", (N("172.16.0.0/16"),))
PEERED = (Peering(1, 2), Peering(2, 1))
GLOBALLY_PEERED = (Peering(1, 3), Peering(3, 1))
SHARED_PEERED = (Peering(1, 4), Peering(4, 1))

VAULT_PE = PrivateEndpoint("orders-kv-pe", 12, A("10.0.3.7"), VAULT.host)
VAULT_ZONE = Zone("privatelink.vaultcore.azure.net", {"orders-kv": ("A", ("10.0.3.7",))}, ((1, False),))
P2S_POOL = N("172.16.201.0/24")  # ASGW-09: inside RFC 1918
P2S_GATEWAY = Gateway(1, "orders-vpn-gw", "Vpn", (), P2S_POOL)
ER_ONLY = Gateway(1, "orders-er-gw", "ExpressRoute", ())
# ASGW-18: "Allow gateway transit" on the gateway VNet's side, "Use remote gateways" on the peer's.
TRANSIT = (Peering(1, 2, allow_gateway_transit=True), Peering(2, 1, use_remote_gateways=True))
LEGACY = Vnet(7, "legacy-vnet", "eastus", (N("10.7.0.0/16"),), is_classic=True)
LEGACY_SUBNET = Subnet(70, "default", 7, N("10.7.0.0/24"))
LEGACY_VM_IP = "10.7.0.4"
LEGACY_VM = Nic("legacy-vm-nic", 70, A(LEGACY_VM_IP), owner="legacy-vm")
LEGACY_PEERED = (Peering(1, 7),)  # a classic VNet has no peering links of its own


def net(era, *, subnets=(), targets=(), nics=(), vnets=(), **changes) -> Topology:
    """The lab network: VNET (workload, integration, endpoints and firewall
    subnets), three unpeered VNets with a VM each, SQL, two storage accounts
    and a vault. Items in ``subnets``, ``targets``, ``nics`` and ``vnets``
    replace the defaults with the same id, host or name."""
    all_vnets = {v.id: v for v in (VNET, PEER, REMOTE, SHARED, *vnets)}
    all_subnets = {
        s.id: s for s in (WORKLOAD, INTEGRATION, ENDPOINTS, FIREWALL, PEER_SUBNET, REMOTE_SUBNET, SHARED_SUBNET)
    }
    all_subnets.update({s.id: s for s in subnets})
    all_nics = {n.name: n for n in (VM, DNS_VM, NVA, PEER_VM, REMOTE_VM, SHARED_VM, *nics)}
    all_targets = {t.host: t for t in (SQL, STORAGE, ARCHIVE, VAULT, *targets)}
    return Topology(
        era=era,
        vnets=all_vnets,
        subnets=all_subnets,
        nics=tuple(all_nics.values()),
        targets=tuple(all_targets.values()),
        public_names=PUBLIC_NAMES,
        **changes,
    )


def integration(**changes) -> Subnet:
    return replace(INTEGRATION, **changes)


def outbound(name, priority, access, *, to="*", ports="*", protocol="*", source="*") -> Rule:
    return Rule(name, priority, "Outbound", access, protocol, (source,), ("*",), (to,), tuple(ports.split(",")))


def inbound(name, priority, access, *, source="*", ports="*", protocol="*") -> Rule:
    return Rule(name, priority, "Inbound", access, protocol, (source,), ("*",), ("*",), tuple(ports.split(",")))


def guarded(era, *rules, subnets=None, **changes) -> Topology:
    """``net`` with an NSG of ``rules`` on the integration subnet (``subnets``,
    if given, must attach it: nsg_id=1)."""
    subnets = subnets or [integration(nsg_id=1)]
    return net(era, subnets=subnets, nsgs={1: Nsg("integration-nsg", rules)}, **changes)


def udr(prefix, hop, ip=None, name="udr") -> r.Route:
    return r.Route(N(prefix), hop, r.USER, ip, name)


def routed(era, *routes, propagate=True, **changes) -> Topology:
    """``net`` with a route table of ``routes`` on the integration subnet."""
    table = RouteTable(5, "integration-routes", propagate, routes)
    return net(era, subnets=[integration(route_table_id=5)], route_tables={5: table}, **changes)


APP = App("orders-web", "eastus", (OUTBOUND_IP,))


# The apps below are built as networking/snapshot.py builds them: in the
# Classic era private zones need WEBSITE_DNS_SERVER=168.63.129.16 and route
# all on a regional integration (SEED-24); in the Current era they are on
# whenever the app asks Azure DNS (ASDNS-01).


def outside(era) -> App:
    """The app without VNet integration."""
    return replace(APP, private_zones=era == CURRENT)


def gateway(era) -> App:
    """The app with gateway-required integration into VNET."""
    return replace(APP, integration_kind="gateway", vnet_id=1, private_zones=era == CURRENT)


def regional(era, *, route_all=False, dns=()) -> App:
    """The app with regional integration on the integration subnet."""
    dns = tuple(dns)
    zones = era == CURRENT or (dns[:1] == (AZURE_DNS,) and route_all)
    return replace(
        APP,
        integration_kind="regional",
        vnet_id=1,
        subnet_id=11,
        route_all=route_all,
        dns_servers=dns,
        private_zones=zones,
    )


def vm_guarded(era, *, subnet_rules=None, nic_rules=None, **changes) -> Topology:
    """``net`` with inbound NSGs on the workload VM's subnet and/or NIC."""
    nsgs, subnets, nics = {}, [], []
    if subnet_rules is not None:
        nsgs[2] = Nsg("workload-nsg", subnet_rules)
        subnets.append(replace(WORKLOAD, nsg_id=2))
    if nic_rules is not None:
        nsgs[3] = Nsg("orders-vm-nsg", nic_rules)
        nics.append(replace(VM, nsg_id=3))
    return net(era, subnets=subnets, nics=nics, nsgs=nsgs, **changes)


def peer_vm_guarded(era, *rules) -> Topology:
    return net(
        era,
        peerings=PEERED,
        nics=[replace(PEER_VM, nsg_id=3)],
        nsgs={3: Nsg("peer-vm-nsg", rules)},
    )


DENY_ALL_IN = inbound("deny-all-in", 100, "Deny")
FROM_INTEGRATION_443 = inbound("allow-integration-443", 100, "Allow", source="10.0.2.0/26", ports="443")
DENY_REST_IN = inbound("deny-rest", 200, "Deny")
FORCED = udr("0.0.0.0/0", r.VIRTUAL_APPLIANCE, NVA_IP, "to-firewall")


def with_routes(era, *routes, nsg_rules=None, endpoints_policy=None, **changes) -> Topology:
    """``net`` with a route table of ``routes`` on the integration subnet, and
    optionally an NSG of ``nsg_rules`` there too, or a private endpoint
    network policy on the endpoints subnet (SUBNET-21)."""
    subnets = [integration(route_table_id=5, nsg_id=1 if nsg_rules is not None else None)]
    if endpoints_policy is not None:
        subnets.append(replace(ENDPOINTS, pe_policies=endpoints_policy))
    nsgs = {1: Nsg("integration-nsg", nsg_rules)} if nsg_rules is not None else {}
    table = RouteTable(5, "integration-routes", True, routes)
    return net(era, subnets=subnets, route_tables={5: table}, nsgs=nsgs, **changes)


def transit_app(era, *plan_routes) -> App:
    """The gateway-required app with the plan's VNet integration routes (ASGW-15)."""
    return replace(gateway(era), plan_routes=tuple(N(p) for p in plan_routes))


# --- Name resolution (§15 step 1: ASDNS, SEED-24, PEDNS) ----------------------------------------
