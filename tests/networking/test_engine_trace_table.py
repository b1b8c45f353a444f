"""Where an app's outbound packet goes (networking/engine/trace/), more
table cases: each a small topology, a query, the verdict, the deciding step
and the rule IDs the trace must carry for it. They cover azure-rules.md §15
step by step, in both eras wherever the eras differ.

The topologies are built here rather than taken from test_engine_trace.py, so
the two tables can change independently.
"""

import re
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
from networking.engine.trace import BLOCKED, FORWARDED, REACHABLE, trace_app

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

NAME_RESOLUTION = [
    # (id, rules, topology, app, destination, port, verdict, deciding step)
    (
        "public-name-via-azure-dns-classic",
        "SEED-24 ASDNS-01 PEDNS-16 SEED-17 ASRT-03",
        net(CLASSIC),
        regional(CLASSIC),
        "api.partner.example",
        443,
        REACHABLE,
        "",
    ),
    (
        "public-name-via-azure-dns-current",
        "ASDNS-01 PEDNS-16 ASRT-03",
        net(CURRENT),
        regional(CURRENT),
        "api.partner.example",
        443,
        REACHABLE,
        "",
    ),
    (
        "linked-zone-gives-the-pe-address-current",
        "ASDNS-01 PEDNS-16 PEDNS-10 PEDNS-11 ASRT-01 ROUTE-08 ASVI-02",
        net(CURRENT, private_endpoints=(SQL_PE,), zones=(SQL_ZONE,)),
        regional(CURRENT),
        SQL.host,
        1433,
        REACHABLE,
        "",
    ),
    (
        "linked-zone-with-route-all-current",
        "PEDNS-10 PEDNS-11 ASRT-02 ROUTE-08 ASVI-02",
        net(
            CURRENT,
            targets=[replace(STORAGE, public_network_access=False)],
            private_endpoints=(BLOB_PE,),
            zones=(BLOB_ZONE,),
        ),
        regional(CURRENT, route_all=True),
        STORAGE.host,
        443,
        REACHABLE,
        "",
    ),
    (
        "classic-zone-ignored-without-settings-lands-on-closed-endpoint",
        "SEED-24 PEDNS-10 PEDNS-12 SE-01",
        net(
            CLASSIC,
            targets=[replace(SQL, public_network_access=False)],
            private_endpoints=(SQL_PE,),
            zones=(SQL_ZONE,),
        ),
        regional(CLASSIC),
        SQL.host,
        1433,
        BLOCKED,
        "Delivery",
    ),
    (
        "classic-dns-setting-without-route-all-ignores-zone",
        "SEED-24 PEDNS-10 PEDNS-12",
        net(
            CLASSIC,
            targets=[replace(SQL, public_network_access=False)],
            private_endpoints=(SQL_PE,),
            zones=(SQL_ZONE,),
        ),
        regional(CLASSIC, dns=(AZURE_DNS,)),
        SQL.host,
        1433,
        BLOCKED,
        "Delivery",
    ),
    (
        "classic-route-all-without-dns-setting-ignores-zone",
        "SEED-24 SEED-18 PEDNS-10 PEDNS-12",
        net(
            CLASSIC,
            targets=[replace(SQL, public_network_access=False)],
            private_endpoints=(SQL_PE,),
            zones=(SQL_ZONE,),
        ),
        regional(CLASSIC, route_all=True),
        SQL.host,
        1433,
        BLOCKED,
        "Delivery",
    ),
    (
        "classic-both-settings-reach-a-closed-account-privately",
        "SEED-24 ASDNS-01 PEDNS-10 PEDNS-11 ROUTE-08 ASVI-02",
        net(
            CLASSIC,
            targets=[replace(STORAGE, public_network_access=False)],
            private_endpoints=(BLOB_PE,),
            zones=(BLOB_ZONE,),
        ),
        regional(CLASSIC, route_all=True, dns=(AZURE_DNS,)),
        STORAGE.host,
        443,
        REACHABLE,
        "",
    ),
    (
        "custom-dns-app-setting-misses-the-zone-current",
        "ASDNS-02 PEDNS-17 PEDNS-10 PEDNS-12 SE-01",
        net(
            CURRENT,
            targets=[replace(SQL, public_network_access=False)],
            private_endpoints=(SQL_PE,),
            zones=(SQL_ZONE,),
        ),
        regional(CURRENT, dns=(CUSTOM_DNS,)),
        SQL.host,
        1433,
        BLOCKED,
        "Delivery",
    ),
    (
        "custom-dns-app-setting-misses-the-zone-classic",
        "SEED-24 ASDNS-02 PEDNS-17 PEDNS-12",
        net(
            CLASSIC,
            targets=[replace(SQL, public_network_access=False)],
            private_endpoints=(SQL_PE,),
            zones=(SQL_ZONE,),
        ),
        regional(CLASSIC, route_all=True, dns=(CUSTOM_DNS,)),
        SQL.host,
        1433,
        BLOCKED,
        "Delivery",
    ),
    (
        "vnet-custom-dns-answers-publicly-current",
        "ASDNS-02 PEDNS-17 PEDNS-10 PEDNS-12 ASRT-17",
        net(
            CURRENT,
            vnets=[replace(VNET, dns_servers=(CUSTOM_DNS,))],
            private_endpoints=(SQL_PE,),
            zones=(SQL_ZONE,),
        ),
        regional(CURRENT),
        SQL.host,
        1433,
        REACHABLE,
        "",
    ),
    (
        "vnet-custom-dns-answers-publicly-classic",
        "SEED-24 ASDNS-02 PEDNS-17 SE-01",
        net(
            CLASSIC,
            vnets=[replace(VNET, dns_servers=(CUSTOM_DNS,))],
            targets=[replace(SQL, public_network_access=False)],
            private_endpoints=(SQL_PE,),
            zones=(SQL_ZONE,),
        ),
        regional(CLASSIC, route_all=True),
        SQL.host,
        1433,
        BLOCKED,
        "Delivery",
    ),
    (
        "dns-setting-beats-vnet-custom-dns-classic",
        "SEED-24 ASDNS-01 PEDNS-11 ROUTE-08",
        net(
            CLASSIC,
            vnets=[replace(VNET, dns_servers=(CUSTOM_DNS,))],
            private_endpoints=(SQL_PE,),
            zones=(SQL_ZONE,),
        ),
        regional(CLASSIC, route_all=True, dns=(AZURE_DNS,)),
        SQL.host,
        1433,
        REACHABLE,
        "",
    ),
    (
        "dns-setting-beats-vnet-custom-dns-current",
        "ASDNS-01 PEDNS-16 PEDNS-11 ROUTE-08",
        net(
            CURRENT,
            vnets=[replace(VNET, dns_servers=(CUSTOM_DNS,))],
            targets=[replace(SQL, public_network_access=False)],
            private_endpoints=(SQL_PE,),
            zones=(SQL_ZONE,),
        ),
        regional(CURRENT, dns=(AZURE_DNS,)),
        SQL.host,
        1433,
        REACHABLE,
        "",
    ),
    (
        "alt-server-after-custom-dns-does-not-win-current",
        "ASDNS-02 PEDNS-17 PEDNS-12",
        net(
            CURRENT,
            targets=[replace(SQL, public_network_access=False)],
            private_endpoints=(SQL_PE,),
            zones=(SQL_ZONE,),
        ),
        regional(CURRENT, dns=(CUSTOM_DNS, AZURE_DNS)),
        SQL.host,
        1433,
        BLOCKED,
        "Delivery",
    ),
    (
        "alt-server-after-azure-dns-classic",
        "SEED-24 ASDNS-01 PEDNS-11 ROUTE-08",
        net(CLASSIC, private_endpoints=(SQL_PE,), zones=(SQL_ZONE,)),
        regional(CLASSIC, route_all=True, dns=(AZURE_DNS, CUSTOM_DNS)),
        SQL.host,
        1433,
        REACHABLE,
        "",
    ),
    (
        "zone-linked-to-another-vnet-current",
        "ASDNS-01 PEDNS-10 PEDNS-12 SE-01",
        net(
            CURRENT,
            targets=[replace(SQL, public_network_access=False)],
            private_endpoints=(SQL_PE,),
            zones=(replace(SQL_ZONE, links=((2, False),)),),
        ),
        regional(CURRENT),
        SQL.host,
        1433,
        BLOCKED,
        "Delivery",
    ),
    (
        "zone-linked-to-another-vnet-classic",
        "SEED-24 PEDNS-10 PEDNS-12",
        net(
            CLASSIC,
            targets=[replace(SQL, public_network_access=False)],
            private_endpoints=(SQL_PE,),
            zones=(replace(SQL_ZONE, links=((2, False),)),),
        ),
        regional(CLASSIC, route_all=True, dns=(AZURE_DNS,)),
        SQL.host,
        1433,
        BLOCKED,
        "Delivery",
    ),
    (
        "linked-zone-without-the-record-current",
        "ASDNS-01 PEDNS-10 PEDNS-13",
        net(CURRENT, private_endpoints=(SQL_PE,), zones=(EMPTY_SQL_ZONE,)),
        regional(CURRENT),
        SQL.host,
        1433,
        BLOCKED,
        "Name resolution",
    ),
    (
        "linked-zone-without-the-record-classic-with-settings",
        "SEED-24 PEDNS-10 PEDNS-13",
        net(CLASSIC, private_endpoints=(SQL_PE,), zones=(EMPTY_SQL_ZONE,)),
        regional(CLASSIC, route_all=True, dns=(AZURE_DNS,)),
        SQL.host,
        1433,
        BLOCKED,
        "Name resolution",
    ),
    (
        "linked-zone-without-the-record-classic-ignored",
        "SEED-24 PEDNS-10 PEDNS-12 ASRT-17",
        net(CLASSIC, private_endpoints=(SQL_PE,), zones=(EMPTY_SQL_ZONE,)),
        regional(CLASSIC),
        SQL.host,
        1433,
        REACHABLE,
        "",
    ),
    (
        "zone-type-public-resource-without-pe-still-resolves-current",
        "ASDNS-01 PEDNS-16 ASRT-17",
        net(CURRENT, private_endpoints=(BLOB_PE,), zones=(BLOB_ZONE,)),
        regional(CURRENT),
        ARCHIVE.host,
        443,
        REACHABLE,
        "",
    ),
    (
        "zone-type-resource-with-a-foreign-pe-is-nxdomain-current",
        "PEDNS-10 PEDNS-13",
        net(CURRENT, private_endpoints=(BLOB_PE, PEER_ARCHIVE_PE), zones=(BLOB_ZONE,)),
        regional(CURRENT),
        ARCHIVE.host,
        443,
        BLOCKED,
        "Name resolution",
    ),
    (
        "zone-type-resource-with-a-foreign-pe-is-nxdomain-classic",
        "SEED-24 PEDNS-10 PEDNS-13",
        net(CLASSIC, private_endpoints=(BLOB_PE, PEER_ARCHIVE_PE), zones=(BLOB_ZONE,)),
        regional(CLASSIC, route_all=True, dns=(AZURE_DNS,)),
        ARCHIVE.host,
        443,
        BLOCKED,
        "Name resolution",
    ),
    (
        "nxdomain-redirect-link-falls-back-to-public-current",
        "PEDNS-10 PEDNS-14 PEDNS-12 ASRT-17",
        net(
            CURRENT,
            private_endpoints=(BLOB_PE, PEER_ARCHIVE_PE),
            zones=(replace(BLOB_ZONE, links=((1, True),)),),
        ),
        regional(CURRENT),
        ARCHIVE.host,
        443,
        REACHABLE,
        "",
    ),
    (
        "private-zone-name-of-a-vm-current",
        "ASDNS-01 PEDNS-11 ASRT-01 ASRT-16",
        net(CURRENT, zones=(CORP_ZONE,)),
        regional(CURRENT),
        "db.corp.internal",
        5432,
        REACHABLE,
        "",
    ),
    (
        "private-zone-name-of-a-vm-classic-without-settings",
        "SEED-24 PEDNS-13",
        net(CLASSIC, zones=(CORP_ZONE,)),
        regional(CLASSIC),
        "db.corp.internal",
        5432,
        BLOCKED,
        "Name resolution",
    ),
    (
        "private-zone-name-of-a-vm-classic-with-settings",
        "SEED-24 PEDNS-11 ASRT-02 ASRT-16",
        net(CLASSIC, zones=(CORP_ZONE,)),
        regional(CLASSIC, route_all=True, dns=(AZURE_DNS,)),
        "db.corp.internal",
        5432,
        REACHABLE,
        "",
    ),
    (
        "unknown-name-through-vnet-custom-dns-current",
        "ASDNS-02 PEDNS-17",
        net(CURRENT, vnets=[replace(VNET, dns_servers=(CUSTOM_DNS,))]),
        regional(CURRENT),
        "missing.partner.example",
        443,
        BLOCKED,
        "Name resolution",
    ),
    (
        "unknown-name-not-integrated-classic",
        "ASDNS-01",
        net(CLASSIC),
        outside(CLASSIC),
        "missing.partner.example",
        443,
        BLOCKED,
        "Name resolution",
    ),
    (
        "not-integrated-app-never-sees-the-zone-current",
        "ASDNS-01 PEDNS-10 PEDNS-12 SE-01",
        net(
            CURRENT,
            targets=[replace(SQL, public_network_access=False)],
            private_endpoints=(SQL_PE,),
            zones=(SQL_ZONE,),
        ),
        outside(CURRENT),
        SQL.host,
        1433,
        BLOCKED,
        "Delivery",
    ),
    (
        "gateway-required-uses-the-vnet-custom-dns-classic",
        "ASDNS-02 PEDNS-17 SEED-07 ASGW-13",
        net(CLASSIC, vnets=[replace(VNET, dns_servers=(CUSTOM_DNS,))]),
        gateway(CLASSIC),
        "api.partner.example",
        443,
        REACHABLE,
        "",
    ),
    (
        "key-vault-cname-points-into-vaultcore-zone-current",
        "PEDNS-10 PEDNS-11 ROUTE-08 ASVI-02",
        net(
            CURRENT,
            targets=[replace(VAULT, public_network_access=False)],
            private_endpoints=(VAULT_PE,),
            zones=(VAULT_ZONE,),
        ),
        regional(CURRENT),
        VAULT.host,
        443,
        REACHABLE,
        "",
    ),
    (
        "key-vault-cname-points-into-vaultcore-zone-classic",
        "SEED-24 PEDNS-10 PEDNS-11 ROUTE-08",
        net(
            CLASSIC,
            targets=[replace(VAULT, public_network_access=False)],
            private_endpoints=(VAULT_PE,),
            zones=(VAULT_ZONE,),
        ),
        regional(CLASSIC, route_all=True, dns=(AZURE_DNS,)),
        VAULT.host,
        443,
        REACHABLE,
        "",
    ),
    (
        "key-vault-vaultcore-zone-without-the-record-current",
        "PEDNS-10 PEDNS-13",
        net(CURRENT, private_endpoints=(VAULT_PE,), zones=(replace(VAULT_ZONE, records={}),)),
        regional(CURRENT),
        VAULT.host,
        443,
        BLOCKED,
        "Name resolution",
    ),
]


# --- Entering the virtual network (§15 step 2: ASRT, SEED-17/19/21, ASGW) ---------------------

ENTERING = [
    (
        "not-integrated-public-address-current",
        "ASRT-01 ROUTE-01",
        net(CURRENT),
        outside(CURRENT),
        PARTNER_IP,
        443,
        REACHABLE,
        "",
    ),
    (
        "not-integrated-172-16-blocked-current",
        "SEED-08 ASRT-01",
        net(CURRENT),
        outside(CURRENT),
        "172.16.5.4",
        443,
        BLOCKED,
        "Enter the virtual network",
    ),
    (
        "not-integrated-192-168-blocked-classic",
        "SEED-08 ASRT-01",
        net(CLASSIC),
        outside(CLASSIC),
        "192.168.1.10",
        3389,
        BLOCKED,
        "Enter the virtual network",
    ),
    (
        "not-integrated-port-25-is-not-integration-traffic-classic",
        "ASRT-01",
        net(CLASSIC),
        outside(CLASSIC),
        PARTNER_IP,
        25,
        REACHABLE,
        "",
    ),
    (
        "route-all-off-public-address-stays-out-classic",
        "SEED-17 SEED-21 ASRT-03 ROUTE-01",
        net(CLASSIC),
        regional(CLASSIC),
        PARTNER_IP,
        443,
        REACHABLE,
        "",
    ),
    (
        "route-all-off-public-address-stays-out-current",
        "SEED-17 SEED-21 ASRT-03",
        routed(CURRENT, FORCED),
        regional(CURRENT),
        PARTNER_IP,
        443,
        REACHABLE,
        "",
    ),
    (
        "route-all-off-rfc1918-enters-and-is-dropped-current",
        "ASRT-01 ROUTE-01 ROUTE-02 ROUTE-05",
        net(CURRENT),
        regional(CURRENT),
        "172.16.5.4",
        443,
        BLOCKED,
        "Delivery",
    ),
    (
        "route-all-on-public-address-enters-current",
        "SEED-17 SEED-18 ASRT-02 ASRT-17",
        net(CURRENT),
        regional(CURRENT, route_all=True),
        PARTNER_IP,
        443,
        REACHABLE,
        "",
    ),
    (
        "route-all-on-public-address-meets-the-nsg-classic",
        "SEED-18 SEED-21 SEED-15 NSG-02",
        guarded(CLASSIC, outbound("deny-partner", 100, "Deny", to="93.184.216.0/24")),
        regional(CLASSIC, route_all=True),
        PARTNER_IP,
        443,
        BLOCKED,
        "Network security group",
    ),
    (
        "service-endpoint-traffic-enters-without-route-all-current",
        "ASRT-01 SE-14 SEED-15 NSG-02",
        guarded(
            CURRENT,
            outbound("deny-storage", 100, "Deny", to="Storage"),
            subnets=[integration(nsg_id=1, service_endpoints=frozenset({"Microsoft.Storage"}))],
        ),
        regional(CURRENT),
        STORAGE.host,
        443,
        BLOCKED,
        "Network security group",
    ),
    (
        "service-endpoint-traffic-enters-without-route-all-classic",
        "ASRT-01 SE-14 SE-03 SEED-20 SE-02",
        guarded(
            CLASSIC,
            outbound("allow-sql", 100, "Allow", to="Sql", ports="1433"),
            outbound("deny-rest", 200, "Deny"),
            subnets=[integration(nsg_id=1, service_endpoints=frozenset({"Microsoft.Sql"}))],
            targets=[replace(SQL, default_deny=True, vnet_rule_subnets=frozenset({11}))],
        ),
        regional(CLASSIC),
        SQL.host,
        1433,
        REACHABLE,
        "",
    ),
    (
        "service-endpoint-for-another-service-stays-out-current",
        "SEED-17 ASRT-03 SE-01 SE-02",
        net(
            CURRENT,
            subnets=[integration(service_endpoints=frozenset({"Microsoft.Sql"}))],
            targets=[replace(STORAGE, default_deny=True, vnet_rule_subnets=frozenset({11}))],
        ),
        regional(CURRENT),
        STORAGE.host,
        443,
        BLOCKED,
        "Delivery",
    ),
    (
        # ASRT-01: it stays out of the VNet (the NSG never sees it), and the
        # internet doesn't route shared address space: it's lost.
        "shared-address-space-stays-out-without-route-all-current",
        "SEED-21 ASRT-03 ASRT-01 VNET-01",
        guarded(CURRENT, outbound("deny-everything", 100, "Deny")),
        regional(CURRENT),
        "100.64.5.4",
        443,
        BLOCKED,
        "Delivery",
    ),
    (
        "shared-address-space-with-route-all-is-dropped-classic",
        "ASRT-02 ROUTE-01 ROUTE-02 ROUTE-05",
        net(CLASSIC),
        regional(CLASSIC, route_all=True),
        "100.64.5.4",
        443,
        BLOCKED,
        "Delivery",
    ),
    (
        "shared-address-space-with-route-all-is-dropped-current",
        "ASRT-02 ROUTE-01 ROUTE-02",
        net(CURRENT),
        regional(CURRENT, route_all=True),
        "100.64.5.4",
        443,
        BLOCKED,
        "Delivery",
    ),
    (
        "shared-address-space-peered-vnet-with-route-all-current",
        "ASRT-02 ROUTE-07 SEED-14 ASRT-16",
        net(CURRENT, peerings=SHARED_PEERED),
        regional(CURRENT, route_all=True),
        SHARED_VM_IP,
        443,
        REACHABLE,
        "",
    ),
    (
        "port-25-to-a-vm-classic",
        "SEED-19 ASVI-52",
        net(CLASSIC),
        regional(CLASSIC),
        VM_IP,
        25,
        BLOCKED,
        "Enter the virtual network",
    ),
    (
        "port-25-to-a-vm-current",
        "ASVI-52 NSG-40 ASRT-01 ASRT-16",
        net(CURRENT),
        regional(CURRENT),
        VM_IP,
        25,
        REACHABLE,
        "",
    ),
    (
        "port-25-with-route-all-meets-the-nsg-current",
        "ASVI-52 NSG-40 ASRT-02 NSG-02",
        guarded(CURRENT, outbound("deny-smtp", 100, "Deny", ports="25", protocol="Tcp")),
        regional(CURRENT, route_all=True),
        PARTNER_IP,
        25,
        BLOCKED,
        "Network security group",
    ),
    (
        "port-587-relay-classic",
        "SEED-17 ASRT-03",
        net(CLASSIC),
        regional(CLASSIC),
        PARTNER_IP,
        587,
        REACHABLE,
        "",
    ),
    (
        "gateway-required-reaches-a-pe-in-its-vnet-current",
        "SEED-03 ASGW-17 ASVI-02 ROUTE-08",
        net(CURRENT, private_endpoints=(SQL_PE,)),
        gateway(CURRENT),
        "10.0.3.5",
        1433,
        REACHABLE,
        "",
    ),
    (
        "gateway-required-pending-pe-classic",
        "SEED-03 PEDNS-31",
        net(CLASSIC, private_endpoints=(replace(SQL_PE, approved=False),)),
        gateway(CLASSIC),
        "10.0.3.5",
        1433,
        BLOCKED,
        "Delivery",
    ),
    (
        "gateway-required-public-name-leaves-directly-current",
        "SEED-07 ASGW-13 ROUTE-01",
        net(CURRENT),
        gateway(CURRENT),
        "api.partner.example",
        443,
        REACHABLE,
        "",
    ),
    (
        "gateway-required-on-premises-range-needs-a-plan-route-classic",
        "SEED-07 ASGW-13 ASGW-15",
        net(CLASSIC, gateways={1: VPN_GATEWAY}),
        gateway(CLASSIC),
        "172.16.20.4",
        443,
        BLOCKED,
        "Enter the virtual network",
    ),
    (
        "gateway-required-unpeered-vnet-current",
        "SEED-07 ASGW-15",
        net(CURRENT),
        gateway(CURRENT),
        REMOTE_VM_IP,
        443,
        BLOCKED,
        "Enter the virtual network",
    ),
    (
        "gateway-required-port-25-is-not-regional-classic",
        "SEED-07 ASGW-13",
        net(CLASSIC),
        gateway(CLASSIC),
        PARTNER_IP,
        25,
        REACHABLE,
        "",
    ),
    (
        "gateway-required-public-service-sees-the-outbound-ip-current",
        "SEED-07 ASGW-13 ASRT-17",
        net(CURRENT, targets=[replace(SQL, default_deny=True, ip_rules=(N(f"{OUTBOUND_IP}/32"),))]),
        gateway(CURRENT),
        SQL.host,
        1433,
        REACHABLE,
        "",
    ),
    (
        "gateway-required-cannot-use-service-endpoints-classic",
        "SEED-07 ASGW-13 SE-01 SE-02",
        net(
            CLASSIC,
            subnets=[integration(service_endpoints=frozenset({"Microsoft.Storage"}))],
            targets=[replace(STORAGE, default_deny=True, vnet_rule_subnets=frozenset({11}))],
        ),
        gateway(CLASSIC),
        STORAGE.host,
        443,
        BLOCKED,
        "Delivery",
    ),
    (
        "shared-address-space-of-a-peered-vnet-stays-out-without-route-all-current",
        "ASRT-01 ASRT-03 SEED-17 VNET-01",
        net(CURRENT, peerings=SHARED_PEERED),
        regional(CURRENT),
        SHARED_VM_IP,
        443,
        BLOCKED,
        "Delivery",
    ),
    (
        "shared-address-space-of-a-peered-vnet-stays-out-without-route-all-classic",
        "ASRT-01 ASRT-03 SEED-17 VNET-01",
        net(CLASSIC, peerings=SHARED_PEERED),
        regional(CLASSIC),
        SHARED_VM_IP,
        443,
        BLOCKED,
        "Delivery",
    ),
    (
        "gateway-required-p2s-source-passes-allow-vnet-inbound-classic",
        "ASGW-17 NSG-30 NSG-10 NSG-21",
        vm_guarded(CLASSIC, nic_rules=(), gateways={1: P2S_GATEWAY}),
        gateway(CLASSIC),
        VM_IP,
        443,
        REACHABLE,
        "",
    ),
    (
        "gateway-required-stand-in-pool-passes-allow-vnet-inbound-current",
        "ASGW-17 NSG-30 NSG-10",
        vm_guarded(CURRENT, subnet_rules=()),
        gateway(CURRENT),
        VM_IP,
        443,
        REACHABLE,
        "",
    ),
    (
        "gateway-required-rule-allowing-the-p2s-pool-current",
        "ASGW-17 NSG-21 NSG-02",
        vm_guarded(
            CURRENT,
            nic_rules=(inbound("allow-p2s", 100, "Allow", source=str(P2S_POOL)), DENY_REST_IN),
            gateways={1: P2S_GATEWAY},
        ),
        gateway(CURRENT),
        VM_IP,
        443,
        REACHABLE,
        "",
    ),
    (
        "gateway-required-plain-peering-has-no-gateway-transit-current",
        "ASGW-18 ASGW-15",
        net(CURRENT, peerings=PEERED, gateways={1: P2S_GATEWAY}),
        transit_app(CURRENT, "10.1.0.0/16"),
        PEER_VM_IP,
        443,
        BLOCKED,
        "Enter the virtual network",
    ),
    (
        "gateway-required-plain-peering-has-no-gateway-transit-classic",
        "ASGW-18 ASGW-15",
        net(CLASSIC, peerings=PEERED),
        gateway(CLASSIC),
        PEER_VM_IP,
        443,
        BLOCKED,
        "Enter the virtual network",
    ),
    (
        "gateway-required-transit-without-a-plan-route-classic",
        "ASGW-18 ASGW-15",
        net(CLASSIC, peerings=TRANSIT, gateways={1: P2S_GATEWAY}),
        gateway(CLASSIC),
        PEER_VM_IP,
        443,
        BLOCKED,
        "Enter the virtual network",
    ),
    (
        "gateway-required-transit-with-a-plan-route-reaches-the-peer-current",
        "ASGW-18 ASGW-15 ASGW-17 NSG-30 NSG-10",
        net(
            CURRENT,
            peerings=TRANSIT,
            gateways={1: P2S_GATEWAY},
            nics=[replace(PEER_VM, nsg_id=3)],
            nsgs={3: Nsg("peer-vm-nsg", ())},
        ),
        transit_app(CURRENT, "10.1.0.0/16"),
        PEER_VM_IP,
        443,
        REACHABLE,
        "",
    ),
]


# --- The integration subnet's NSG (§15 step 3: SEED-15, NSG) -----------------------------------

NSG_CASES = [
    (
        "lower-priority-number-allow-wins-classic",
        "SEED-15 NSG-02 ASRT-16",
        guarded(
            CLASSIC,
            outbound("deny-workload", 300, "Deny", to="10.0.1.0/24"),
            outbound("allow-https", 200, "Allow", to="VirtualNetwork", ports="443"),
        ),
        regional(CLASSIC),
        VM_IP,
        443,
        REACHABLE,
        "",
    ),
    (
        "lower-priority-number-deny-wins-current",
        "SEED-15 NSG-02",
        guarded(
            CURRENT,
            outbound("deny-workload", 200, "Deny", to="10.0.1.0/24"),
            outbound("allow-https", 300, "Allow", to="VirtualNetwork", ports="443"),
        ),
        regional(CURRENT),
        VM_IP,
        443,
        BLOCKED,
        "Network security group",
    ),
    (
        "inbound-deny-all-never-applies-classic",
        "SEED-15 NSG-02 NSG-10 ASRT-16",
        guarded(CLASSIC, DENY_ALL_IN),
        regional(CLASSIC),
        VM_IP,
        443,
        REACHABLE,
        "",
    ),
    (
        "inbound-deny-never-applies-with-route-all-current",
        "SEED-15 SEED-21 NSG-10 ASRT-17",
        guarded(CURRENT, inbound("deny-https-in", 100, "Deny", ports="443")),
        regional(CURRENT, route_all=True),
        PARTNER_IP,
        443,
        REACHABLE,
        "",
    ),
    (
        "default-allow-internet-outbound-classic",
        "SEED-21 NSG-10 SEED-18",
        guarded(CLASSIC, outbound("deny-sql", 100, "Deny", to="Sql")),
        regional(CLASSIC, route_all=True),
        PARTNER_IP,
        443,
        REACHABLE,
        "",
    ),
    (
        "default-deny-all-outbound-for-shared-space-current",
        "SEED-15 SEED-21 NSG-02 NSG-10",
        guarded(CURRENT, outbound("deny-sql", 100, "Deny", to="Sql")),
        regional(CURRENT, route_all=True),
        "100.64.5.4",
        443,
        BLOCKED,
        "Network security group",
    ),
    (
        "default-deny-all-outbound-for-unpeered-private-classic",
        "SEED-15 NSG-10",
        guarded(CLASSIC, outbound("deny-sql", 100, "Deny", to="Sql")),
        regional(CLASSIC),
        PEER_VM_IP,
        443,
        BLOCKED,
        "Network security group",
    ),
    (
        "virtual-network-tag-covers-a-peered-vnet-current",
        "SEED-15 NSG-02",
        guarded(CURRENT, outbound("deny-vnet", 100, "Deny", to="VirtualNetwork"), peerings=PEERED),
        regional(CURRENT),
        PEER_VM_IP,
        443,
        BLOCKED,
        "Network security group",
    ),
    (
        "virtual-network-tag-allows-a-peered-vnet-classic",
        "SEED-15 NSG-02 SEED-14 ROUTE-07",
        guarded(
            CLASSIC,
            outbound("allow-vnet", 100, "Allow", to="VirtualNetwork"),
            outbound("deny-rest", 4000, "Deny"),
            peerings=PEERED,
        ),
        regional(CLASSIC),
        PEER_VM_IP,
        443,
        REACHABLE,
        "",
    ),
    (
        "virtual-network-tag-covers-on-premises-current",
        "SEED-15 NSG-02 SEED-23 ROUTE-26",
        guarded(
            CURRENT,
            outbound("allow-vnet", 100, "Allow", to="VirtualNetwork"),
            outbound("deny-rest", 4000, "Deny"),
            gateways={1: ER_GATEWAY},
        ),
        regional(CURRENT),
        "192.168.10.5",
        443,
        REACHABLE,
        "",
    ),
    (
        "internet-tag-does-not-cover-the-vnet-current",
        "SEED-15 NSG-10 ASRT-16",
        guarded(CURRENT, outbound("deny-internet", 200, "Deny", to="Internet")),
        regional(CURRENT, route_all=True),
        VM_IP,
        443,
        REACHABLE,
        "",
    ),
    (
        "storage-tag-blocks-storage-with-route-all-current",
        "SEED-21 NSG-02",
        guarded(CURRENT, outbound("deny-storage", 100, "Deny", to="Storage")),
        regional(CURRENT, route_all=True),
        STORAGE.host,
        443,
        BLOCKED,
        "Network security group",
    ),
    (
        "storage-tag-leaves-sql-alone-current",
        "SEED-21 NSG-10 ASRT-17",
        guarded(CURRENT, outbound("deny-storage", 100, "Deny", to="Storage")),
        regional(CURRENT, route_all=True),
        SQL.host,
        1433,
        REACHABLE,
        "",
    ),
    (
        "regional-storage-tag-blocks-storage-classic",
        "SEED-21 NSG-02",
        guarded(CLASSIC, outbound("deny-storage-eastus", 100, "Deny", to="Storage.EastUS")),
        regional(CLASSIC, route_all=True),
        STORAGE.host,
        443,
        BLOCKED,
        "Network security group",
    ),
    (
        "sql-tag-allow-before-internet-deny-classic",
        "SEED-21 NSG-02 ASRT-17",
        guarded(
            CLASSIC,
            outbound("allow-sql", 100, "Allow", to="Sql", ports="1433"),
            outbound("deny-internet", 200, "Deny", to="Internet"),
        ),
        regional(CLASSIC, route_all=True),
        SQL.host,
        1433,
        REACHABLE,
        "",
    ),
    (
        "azurecloud-tag-blocks-key-vault-current",
        "SEED-21 NSG-02",
        guarded(CURRENT, outbound("deny-azure", 100, "Deny", to="AzureCloud")),
        regional(CURRENT, route_all=True),
        VAULT.host,
        443,
        BLOCKED,
        "Network security group",
    ),
    (
        "azurecloud-tag-leaves-the-internet-alone-classic",
        "SEED-21 NSG-10 ASRT-17",
        guarded(CLASSIC, outbound("deny-azure", 100, "Deny", to="AzureCloud")),
        regional(CLASSIC, route_all=True),
        PARTNER_IP,
        443,
        REACHABLE,
        "",
    ),
    (
        "port-range-includes-the-port-classic",
        "SEED-15 NSG-02",
        guarded(
            CLASSIC,
            outbound("allow-sql-ports", 100, "Allow", to="10.0.1.0/24", ports="1433-1434", protocol="Tcp"),
            outbound("deny-vnet", 200, "Deny", to="VirtualNetwork"),
        ),
        regional(CLASSIC),
        VM_IP,
        1434,
        REACHABLE,
        "",
    ),
    (
        "port-range-excludes-the-port-current",
        "SEED-15 NSG-02",
        guarded(
            CURRENT,
            outbound("allow-sql-ports", 100, "Allow", to="10.0.1.0/24", ports="1433-1434", protocol="Tcp"),
            outbound("deny-vnet", 200, "Deny", to="VirtualNetwork"),
        ),
        regional(CURRENT),
        VM_IP,
        1435,
        BLOCKED,
        "Network security group",
    ),
    (
        "port-list-includes-the-port-current",
        "SEED-15 NSG-02",
        guarded(
            CURRENT,
            outbound("allow-web", 100, "Allow", to="VirtualNetwork", ports="80,443"),
            outbound("deny-vnet", 200, "Deny", to="VirtualNetwork"),
        ),
        regional(CURRENT),
        VM_IP,
        80,
        REACHABLE,
        "",
    ),
    (
        "port-list-excludes-the-port-classic",
        "SEED-15 NSG-02",
        guarded(
            CLASSIC,
            outbound("allow-web", 100, "Allow", to="VirtualNetwork", ports="80,443"),
            outbound("deny-vnet", 200, "Deny", to="VirtualNetwork"),
        ),
        regional(CLASSIC),
        VM_IP,
        8080,
        BLOCKED,
        "Network security group",
    ),
    (
        "udp-rule-does-not-match-tcp-classic",
        "SEED-15 NSG-10",
        guarded(CLASSIC, outbound("deny-dns-udp", 100, "Deny", to=CUSTOM_DNS, ports="53", protocol="Udp")),
        regional(CLASSIC),
        CUSTOM_DNS,
        53,
        REACHABLE,
        "",
    ),
    (
        "rule-source-is-the-integration-subnet-classic",
        "SEED-15 NSG-02",
        guarded(CLASSIC, outbound("deny-from-apps", 100, "Deny", source="10.0.2.0/26")),
        regional(CLASSIC),
        VM_IP,
        443,
        BLOCKED,
        "Network security group",
    ),
    (
        "rule-source-of-another-subnet-does-not-match-current",
        "SEED-15 NSG-10",
        guarded(CURRENT, outbound("deny-from-workload", 100, "Deny", source="10.0.1.0/24")),
        regional(CURRENT),
        VM_IP,
        443,
        REACHABLE,
        "",
    ),
    (
        "udr-prefix-joins-the-virtual-network-tag-current",
        "NSG-30 NSG-10 ROUTE-21",
        with_routes(CURRENT, udr("172.16.0.0/12", r.VIRTUAL_APPLIANCE, NVA_IP, "branch-via-firewall"), nsg_rules=()),
        regional(CURRENT),
        "172.16.5.4",
        443,
        FORWARDED,
        "Delivery",
    ),
    (
        "default-route-udr-joins-the-virtual-network-tag-classic",
        "NSG-30 NSG-10 ROUTE-31 ROUTE-21",
        with_routes(CLASSIC, FORCED, nsg_rules=()),
        regional(CLASSIC),
        REMOTE_VM_IP,
        443,
        FORWARDED,
        "Delivery",
    ),
    (
        "udr-prefix-does-not-leave-the-internet-tag-current",
        "NSG-31 NSG-02 SEED-21",
        with_routes(CURRENT, FORCED, nsg_rules=(outbound("deny-internet", 100, "Deny", to="Internet"),)),
        regional(CURRENT, route_all=True),
        PARTNER_IP,
        443,
        BLOCKED,
        "Network security group",
    ),
]

UDP_CASES = [
    # The same shape, traced with protocol Udp.
    (
        "udp-rule-blocks-dns-current",
        "SEED-15 NSG-02",
        guarded(CURRENT, outbound("deny-dns-udp", 100, "Deny", to=CUSTOM_DNS, ports="53", protocol="Udp")),
        regional(CURRENT),
        CUSTOM_DNS,
        53,
        BLOCKED,
        "Network security group",
    ),
    (
        "tcp-rule-does-not-match-udp-classic",
        "SEED-15 NSG-10 ASRT-16",
        guarded(CLASSIC, outbound("deny-dns-tcp", 100, "Deny", to=CUSTOM_DNS, ports="53", protocol="Tcp")),
        regional(CLASSIC),
        CUSTOM_DNS,
        53,
        REACHABLE,
        "",
    ),
    (
        "udp-port-25-is-not-smtp-classic",
        "SEED-17 ASRT-03",
        net(CLASSIC),
        regional(CLASSIC),
        PARTNER_IP,
        25,
        REACHABLE,
        "",
    ),
    (
        "destination-nsg-allows-only-tcp-current",
        "NSG-21 NSG-02",
        vm_guarded(
            CURRENT,
            nic_rules=(
                inbound("allow-dns-tcp", 100, "Allow", ports="53", protocol="Tcp"),
                DENY_REST_IN,
            ),
        ),
        regional(CURRENT),
        VM_IP,
        53,
        BLOCKED,
        "Delivery",
    ),
    (
        "tcp-deny-rule-lets-udp-out-with-route-all-current",
        "ASRT-02 SEED-21 NSG-10",
        guarded(CURRENT, outbound("deny-tcp-out", 100, "Deny", protocol="Tcp")),
        regional(CURRENT, route_all=True),
        PARTNER_IP,
        30000,
        REACHABLE,
        "",
    ),
    (
        "platform-dns-bypasses-the-integration-nsg-current",
        "NSG-23 PEDNS-18 ASRT-02",
        guarded(CURRENT, outbound("deny-everything", 100, "Deny")),
        regional(CURRENT, route_all=True),
        AZURE_DNS,
        53,
        REACHABLE,
        "",
    ),
    (
        "platform-dns-bypasses-the-integration-nsg-classic",
        "NSG-23 PEDNS-18",
        guarded(CLASSIC, outbound("deny-everything", 100, "Deny")),
        regional(CLASSIC, route_all=True, dns=(AZURE_DNS,)),
        AZURE_DNS,
        53,
        REACHABLE,
        "",
    ),
]


# --- Routes (§15 step 4: ROUTE, SE-03) ---------------------------------------------------------

WIDE = Vnet(5, "wide-vnet", "eastus", (N("172.0.0.0/11"),))  # contains 172.16.0.0/12 (ROUTE-04)
HOME = Vnet(6, "home-vnet", "eastus", (N("192.168.0.0/16"),))  # equals 192.168.0.0/16 (ROUTE-03)


def alone(era, vnet, integration_prefix, workload_prefix, vm_ip) -> tuple[Topology, App]:
    """One VNet with an integration subnet and a VM, and an app on it."""
    topology = Topology(
        era=era,
        vnets={vnet.id: vnet},
        subnets={
            50: Subnet(50, "workload", vnet.id, N(workload_prefix)),
            51: Subnet(51, "integration", vnet.id, N(integration_prefix)),
        },
        nics=(Nic("lone-vm-nic", 50, A(vm_ip), owner="lone-vm"),),
    )
    return topology, replace(APP, integration_kind="regional", vnet_id=vnet.id, subnet_id=51)


WIDE_TOPOLOGY, WIDE_APP = alone(CURRENT, WIDE, "172.0.2.0/26", "172.20.1.0/24", "172.20.1.4")
HOME_TOPOLOGY, HOME_APP = alone(CLASSIC, HOME, "192.168.2.0/26", "192.168.1.0/24", "192.168.1.4")

ROUTES = [
    (
        "192-168-none-route-drops-classic",
        "ASRT-01 ROUTE-01 ROUTE-02 ROUTE-05",
        net(CLASSIC),
        regional(CLASSIC),
        "192.168.1.10",
        443,
        BLOCKED,
        "Delivery",
    ),
    (
        "default-route-udr-removes-the-none-routes-current",
        "ASRT-01 ROUTE-31 ROUTE-21 SEED-16",
        routed(CURRENT, FORCED),
        regional(CURRENT),
        "172.16.5.4",
        443,
        FORWARDED,
        "Delivery",
    ),
    (
        "default-route-udr-removes-the-none-routes-classic",
        "ASRT-02 ROUTE-31 ROUTE-21 SEED-16",
        routed(CLASSIC, FORCED),
        regional(CLASSIC, route_all=True),
        "100.64.5.4",
        443,
        FORWARDED,
        "Delivery",
    ),
    (
        "forced-tunnel-with-route-all-current",
        "ASRT-02 ROUTE-31 ROUTE-21 SEED-16",
        routed(CURRENT, FORCED),
        regional(CURRENT, route_all=True),
        "api.partner.example",
        443,
        FORWARDED,
        "Delivery",
    ),
    (
        "default-route-udr-to-internet-current",
        "ROUTE-31 ROUTE-21 SEED-18 ASRT-17",
        routed(CURRENT, udr("0.0.0.0/0", r.INTERNET, name="straight-out")),
        regional(CURRENT, route_all=True),
        PARTNER_IP,
        443,
        REACHABLE,
        "",
    ),
    (
        "peering-not-connected-drops-current",
        "ROUTE-01 ROUTE-02 ROUTE-05",
        net(CURRENT, peerings=(Peering(1, 2, state="Initiated"),)),
        regional(CURRENT),
        PEER_VM_IP,
        443,
        BLOCKED,
        "Delivery",
    ),
    (
        "peering-without-vnet-access-drops-classic",
        "ROUTE-02 ROUTE-05",
        net(CLASSIC, peerings=(Peering(1, 2, allow_access=False), Peering(2, 1))),
        regional(CLASSIC),
        PEER_VM_IP,
        443,
        BLOCKED,
        "Delivery",
    ),
    (
        "peered-vm-current",
        "ROUTE-07 ROUTE-30 SEED-14 ASRT-16",
        net(CURRENT, peerings=PEERED),
        regional(CURRENT),
        PEER_VM_IP,
        443,
        REACHABLE,
        "",
    ),
    (
        "global-peering-current",
        "ROUTE-07 SEED-14 ASRT-16",
        net(CURRENT, peerings=GLOBALLY_PEERED),
        regional(CURRENT),
        REMOTE_VM_IP,
        443,
        REACHABLE,
        "",
    ),
    (
        "global-peering-classic",
        "ROUTE-07 SEED-14",
        net(CLASSIC, peerings=GLOBALLY_PEERED),
        regional(CLASSIC),
        REMOTE_VM_IP,
        22,
        REACHABLE,
        "",
    ),
    (
        "gateway-routes-not-propagated-classic",
        "ROUTE-01 ROUTE-02",
        routed(CLASSIC, propagate=False, gateways={1: ER_GATEWAY}),
        regional(CLASSIC),
        "192.168.10.5",
        443,
        BLOCKED,
        "Delivery",
    ),
    (
        "gateway-routes-propagated-current",
        "ROUTE-07 ROUTE-26 SEED-14 SEED-23",
        routed(CURRENT, propagate=True, gateways={1: ER_GATEWAY}),
        regional(CURRENT),
        "192.168.10.5",
        443,
        REACHABLE,
        "",
    ),
    (
        "remote-gateway-through-peering-current",
        "ROUTE-07 ROUTE-26 SEED-23",
        net(
            CURRENT,
            peerings=(Peering(1, 2, use_remote_gateways=True), Peering(2, 1, allow_gateway_transit=True)),
            gateways={2: replace(ER_GATEWAY, vnet_id=2, name="hub-er-gw")},
        ),
        regional(CURRENT),
        "192.168.10.5",
        443,
        REACHABLE,
        "",
    ),
    (
        "peering-without-remote-gateways-drops-classic",
        "ROUTE-02 ROUTE-05",
        net(
            CLASSIC,
            peerings=PEERED,
            gateways={2: replace(ER_GATEWAY, vnet_id=2, name="hub-er-gw")},
        ),
        regional(CLASSIC),
        "192.168.10.5",
        443,
        BLOCKED,
        "Delivery",
    ),
    (
        "bgp-default-route-beats-the-system-default-current",
        "ASRT-02 ROUTE-26 ROUTE-30 SEED-23",
        net(CURRENT, gateways={1: Gateway(1, "orders-er-gw", "ExpressRoute", (N("0.0.0.0/0"),))}),
        regional(CURRENT, route_all=True),
        PARTNER_IP,
        443,
        REACHABLE,
        "",
    ),
    (
        "bgp-default-route-not-propagated-classic",
        "ASRT-02 ROUTE-01 SEED-18 ASRT-17",
        routed(
            CLASSIC,
            propagate=False,
            gateways={1: Gateway(1, "orders-er-gw", "ExpressRoute", (N("0.0.0.0/0"),))},
        ),
        regional(CLASSIC, route_all=True),
        PARTNER_IP,
        443,
        REACHABLE,
        "",
    ),
    (
        "bgp-route-inside-the-vnet-loses-to-the-vnet-route-classic",
        "ROUTE-01 ROUTE-30 ASRT-16",
        net(CLASSIC, gateways={1: Gateway(1, "orders-er-gw", "ExpressRoute", (N("10.0.1.0/24"),))}),
        regional(CLASSIC),
        VM_IP,
        443,
        REACHABLE,
        "",
    ),
    (
        "udr-beats-bgp-on-a-tie-current",
        "ROUTE-30 ROUTE-21 SEED-16",
        routed(
            CURRENT,
            udr("192.168.0.0/16", r.VIRTUAL_APPLIANCE, NVA_IP, "onprem-via-firewall"),
            gateways={1: ER_GATEWAY},
        ),
        regional(CURRENT),
        "192.168.10.5",
        443,
        FORWARDED,
        "Delivery",
    ),
    (
        "udr-beats-the-vnet-route-on-a-tie-classic",
        "ROUTE-30 ROUTE-21 SEED-16",
        routed(CLASSIC, udr("10.0.0.0/16", r.VIRTUAL_APPLIANCE, NVA_IP, "inspect-east-west")),
        regional(CLASSIC),
        VM_IP,
        443,
        FORWARDED,
        "Delivery",
    ),
    (
        "longer-udr-wins-to-the-vnet-current",
        "ROUTE-30 ROUTE-21 SEED-16 ASRT-16",
        routed(
            CURRENT,
            udr("10.0.0.0/16", r.NONE, name="drop-vnet"),
            udr("10.0.1.0/24", r.VNET_LOCAL, name="workload-direct"),
        ),
        regional(CURRENT),
        VM_IP,
        443,
        REACHABLE,
        "",
    ),
    (
        "longer-udr-wins-to-none-classic",
        "ROUTE-30 SEED-16 ROUTE-02",
        routed(
            CLASSIC,
            udr("10.0.0.0/16", r.VNET_LOCAL, name="vnet-direct"),
            udr("10.0.1.0/24", r.NONE, name="drop-workload"),
        ),
        regional(CLASSIC),
        VM_IP,
        443,
        BLOCKED,
        "Delivery",
    ),
    (
        "udr-none-for-a-public-prefix-with-route-all-current",
        "ASRT-02 SEED-16 ROUTE-02",
        routed(CURRENT, udr("93.184.216.0/24", r.NONE, name="no-partner")),
        regional(CURRENT, route_all=True),
        PARTNER_IP,
        443,
        BLOCKED,
        "Delivery",
    ),
    (
        "udr-none-for-a-public-prefix-without-route-all-classic",
        "SEED-21 ASRT-03",
        routed(CLASSIC, udr("93.184.216.0/24", r.NONE, name="no-partner")),
        regional(CLASSIC),
        PARTNER_IP,
        443,
        REACHABLE,
        "",
    ),
    (
        "udr-to-a-vpn-gateway-current",
        "ROUTE-21 SEED-16 SEED-23",
        routed(CURRENT, udr("172.16.20.0/24", r.GATEWAY, name="branch-via-vpn"), gateways={1: VPN_GATEWAY}),
        regional(CURRENT),
        "172.16.20.4",
        443,
        REACHABLE,
        "",
    ),
    (
        "udr-for-storage-without-service-endpoint-current",
        "ASRT-02 ROUTE-21 SEED-16",
        routed(CURRENT, udr("20.60.0.0/16", r.VIRTUAL_APPLIANCE, NVA_IP, "storage-via-firewall")),
        regional(CURRENT, route_all=True),
        STORAGE.host,
        443,
        FORWARDED,
        "Delivery",
    ),
    (
        "service-endpoint-route-beats-forced-tunnel-classic",
        "SE-03 ROUTE-30 SE-02 SEED-20",
        net(
            CLASSIC,
            subnets=[integration(route_table_id=5, service_endpoints=frozenset({"Microsoft.Storage"}))],
            route_tables={5: RouteTable(5, "integration-routes", True, (FORCED,))},
        ),
        regional(CLASSIC, route_all=True),
        STORAGE.host,
        443,
        REACHABLE,
        "",
    ),
    (
        "service-endpoint-route-beats-forced-tunnel-current",
        "SE-03 ROUTE-30 SE-02",
        net(
            CURRENT,
            subnets=[integration(route_table_id=5, service_endpoints=frozenset({"Microsoft.KeyVault"}))],
            route_tables={5: RouteTable(5, "integration-routes", True, (FORCED,))},
        ),
        regional(CURRENT, route_all=True),
        VAULT.host,
        443,
        REACHABLE,
        "",
    ),
    (
        "pe-route-survives-a-forced-tunnel-classic",
        "ASRT-02 ROUTE-08 ASVI-02",
        routed(CLASSIC, FORCED, private_endpoints=(SQL_PE,)),
        regional(CLASSIC, route_all=True),
        "10.0.3.5",
        1433,
        REACHABLE,
        "",
    ),
    (
        "pe-route-survives-a-forced-tunnel-current",
        "ASRT-02 ROUTE-08 ASVI-02",
        routed(CURRENT, FORCED, private_endpoints=(SQL_PE,), zones=(SQL_ZONE,)),
        regional(CURRENT, route_all=True),
        SQL.host,
        1433,
        REACHABLE,
        "",
    ),
    (
        "pe-route-beats-a-subnet-udr-classic",
        "ROUTE-08 ASVI-02",
        routed(
            CLASSIC,
            udr("10.0.3.0/24", r.VIRTUAL_APPLIANCE, NVA_IP, "endpoints-via-firewall"),
            private_endpoints=(SQL_PE,),
        ),
        regional(CLASSIC),
        "10.0.3.5",
        1433,
        REACHABLE,
        "",
    ),
    (
        "pe-route-beats-a-subnet-udr-policy-disabled-current",
        "ROUTE-08 ASVI-02",
        routed(
            CURRENT,
            udr("10.0.3.0/24", r.VIRTUAL_APPLIANCE, NVA_IP, "endpoints-via-firewall"),
            private_endpoints=(SQL_PE,),
        ),
        regional(CURRENT),
        "10.0.3.5",
        1433,
        REACHABLE,
        "",
    ),
    (
        "equal-host-udr-takes-the-pe-address-classic",
        "ROUTE-30 ROUTE-21 SEED-16",
        routed(
            CLASSIC,
            udr("10.0.3.5/32", r.VIRTUAL_APPLIANCE, NVA_IP, "sql-pe-via-firewall"),
            private_endpoints=(SQL_PE,),
        ),
        regional(CLASSIC),
        "10.0.3.5",
        1433,
        FORWARDED,
        "Delivery",
    ),
    (
        "equal-host-udr-does-not-take-the-pe-address-policy-disabled-current",
        "ROUTE-08 ASVI-02",
        routed(
            CURRENT,
            udr("10.0.3.5/32", r.VIRTUAL_APPLIANCE, NVA_IP, "sql-pe-via-firewall"),
            private_endpoints=(SQL_PE,),
        ),
        regional(CURRENT),
        "10.0.3.5",
        1433,
        REACHABLE,
        "",
    ),
    (
        "pe-in-a-peered-vnet-current",
        "ROUTE-08 ASVI-02",
        net(CURRENT, peerings=PEERED, private_endpoints=(PEER_ARCHIVE_PE,)),
        regional(CURRENT),
        "10.1.0.6",
        443,
        REACHABLE,
        "",
    ),
    (
        "pe-in-an-unpeered-vnet-classic",
        "ROUTE-02 ROUTE-05",
        net(CLASSIC, private_endpoints=(REMOTE_SQL_PE,)),
        regional(CLASSIC),
        "10.2.0.5",
        1433,
        BLOCKED,
        "Delivery",
    ),
    (
        "vnet-range-containing-a-reserved-prefix-current",
        "ASRT-01 ROUTE-01 ROUTE-30 ASRT-16",
        WIDE_TOPOLOGY,
        WIDE_APP,
        "172.20.1.4",
        443,
        REACHABLE,
        "",
    ),
    (
        "vnet-range-equal-to-a-reserved-prefix-classic",
        "ASRT-01 ROUTE-01 ROUTE-30 ASRT-16",
        HOME_TOPOLOGY,
        HOME_APP,
        "192.168.1.4",
        443,
        REACHABLE,
        "",
    ),
    (
        "imds-bypasses-the-integration-nsg-classic",
        "NSG-23",
        guarded(CLASSIC, outbound("deny-everything", 100, "Deny")),
        regional(CLASSIC, route_all=True),
        "169.254.169.254",
        80,
        REACHABLE,
        "",
    ),
    (
        "vnet-length-udr-overrides-pe-with-route-table-policy-current",
        "ROUTE-08 SUBNET-21 ROUTE-21",
        with_routes(
            CURRENT,
            udr("10.0.0.0/16", r.VIRTUAL_APPLIANCE, NVA_IP, "vnet-via-firewall"),
            endpoints_policy="RouteTableEnabled",
            private_endpoints=(SQL_PE,),
        ),
        regional(CURRENT),
        "10.0.3.5",
        1433,
        FORWARDED,
        "Delivery",
    ),
    (
        "subnet-udr-overrides-pe-with-all-policies-enabled-current",
        "ROUTE-08 SUBNET-21",
        with_routes(
            CURRENT,
            udr("10.0.3.0/24", r.VIRTUAL_APPLIANCE, NVA_IP, "endpoints-via-firewall"),
            endpoints_policy="Enabled",
            private_endpoints=(SQL_PE,),
            zones=(SQL_ZONE,),
        ),
        regional(CURRENT),
        SQL.host,
        1433,
        FORWARDED,
        "Delivery",
    ),
    (
        "udr-shorter-than-the-vnet-prefix-does-not-override-pe-current",
        "ROUTE-08 ASVI-02",
        with_routes(
            CURRENT,
            udr("10.0.0.0/8", r.VIRTUAL_APPLIANCE, NVA_IP, "all-10-via-firewall"),
            endpoints_policy="RouteTableEnabled",
            private_endpoints=(SQL_PE,),
        ),
        regional(CURRENT),
        "10.0.3.5",
        1433,
        REACHABLE,
        "",
    ),
    (
        "nsg-only-policy-leaves-the-pe-route-current",
        "ROUTE-08 ASVI-02",
        with_routes(
            CURRENT,
            udr("10.0.0.0/16", r.VIRTUAL_APPLIANCE, NVA_IP, "vnet-via-firewall"),
            endpoints_policy="NetworkSecurityGroupEnabled",
            private_endpoints=(SQL_PE,),
        ),
        regional(CURRENT),
        "10.0.3.5",
        1433,
        REACHABLE,
        "",
    ),
    (
        "route-table-policy-ignored-in-classic",
        "ROUTE-08 ASVI-02",
        with_routes(
            CLASSIC,
            udr("10.0.0.0/16", r.VIRTUAL_APPLIANCE, NVA_IP, "vnet-via-firewall"),
            endpoints_policy="Enabled",
            private_endpoints=(SQL_PE,),
        ),
        regional(CLASSIC),
        "10.0.3.5",
        1433,
        REACHABLE,
        "",
    ),
    (
        "appliance-address-nobody-holds-current",
        "ROUTE-21",
        with_routes(CURRENT, udr("172.16.0.0/12", r.VIRTUAL_APPLIANCE, "10.0.4.50", "to-missing-nva")),
        regional(CURRENT),
        "172.16.5.4",
        443,
        BLOCKED,
        "Delivery",
    ),
    (
        "appliance-nic-without-ip-forwarding-classic",
        "ROUTE-21",
        with_routes(CLASSIC, udr("172.16.0.0/12", r.VIRTUAL_APPLIANCE, VM_IP, "via-orders-vm")),
        regional(CLASSIC),
        "172.16.5.4",
        443,
        BLOCKED,
        "Delivery",
    ),
    (
        "appliance-behind-a-gateway-is-not-directly-reachable-current",
        "ROUTE-21",
        with_routes(
            CURRENT, udr("172.16.0.0/12", r.VIRTUAL_APPLIANCE, "192.168.1.4", "via-onprem"), gateways={1: ER_GATEWAY}
        ),
        regional(CURRENT),
        "172.16.5.4",
        443,
        BLOCKED,
        "Delivery",
    ),
    (
        "appliance-in-a-peered-vnet-forwards-classic",
        "ROUTE-21 SEED-16",
        with_routes(
            CLASSIC,
            udr("172.16.0.0/12", r.VIRTUAL_APPLIANCE, "10.1.0.10", "via-peer-nva"),
            peerings=PEERED,
            nics=[Nic("peer-nva-nic", 20, A("10.1.0.10"), owner="peer-nva", ip_forwarding=True)],
        ),
        regional(CLASSIC),
        "172.16.5.4",
        443,
        FORWARDED,
        "Delivery",
    ),
    (
        "udr-to-an-expressroute-gateway-is-invalid-current",
        "ROUTE-21 ROUTE-27",
        with_routes(CURRENT, udr("172.16.20.0/24", r.GATEWAY, name="branch-via-gw"), gateways={1: ER_ONLY}),
        regional(CURRENT),
        "172.16.20.4",
        443,
        BLOCKED,
        "Delivery",
    ),
    (
        "udr-to-a-gateway-with-no-gateway-is-invalid-classic",
        "ROUTE-21 ROUTE-27",
        with_routes(CLASSIC, udr("172.16.20.0/24", r.GATEWAY, name="branch-via-gw")),
        regional(CLASSIC),
        "172.16.20.4",
        443,
        BLOCKED,
        "Delivery",
    ),
]


# --- Delivery (§15 step 5: NSG-21, ASRT-16/17, SE-01/02, PEDNS-12/31) ---------------------------

DELIVERY = [
    (
        "destination-subnet-allows-nic-denies-classic",
        "NSG-21 NSG-02",
        vm_guarded(CLASSIC, subnet_rules=(FROM_INTEGRATION_443,), nic_rules=(DENY_ALL_IN,)),
        regional(CLASSIC),
        VM_IP,
        443,
        BLOCKED,
        "Delivery",
    ),
    (
        "destination-subnet-denies-nic-allows-current",
        "NSG-21 NSG-02",
        vm_guarded(CURRENT, subnet_rules=(DENY_ALL_IN,), nic_rules=(FROM_INTEGRATION_443,)),
        regional(CURRENT),
        VM_IP,
        443,
        BLOCKED,
        "Delivery",
    ),
    (
        "destination-subnet-and-nic-both-allow-current",
        "NSG-21 ASRT-16",
        vm_guarded(
            CURRENT,
            subnet_rules=(FROM_INTEGRATION_443, DENY_REST_IN),
            nic_rules=(FROM_INTEGRATION_443, DENY_REST_IN),
        ),
        regional(CURRENT),
        VM_IP,
        443,
        REACHABLE,
        "",
    ),
    (
        "destination-allow-listing-the-outbound-ip-does-not-match-classic",
        "NSG-21 NSG-02",
        vm_guarded(
            CLASSIC,
            nic_rules=(inbound("allow-app-ip", 100, "Allow", source=OUTBOUND_IP), DENY_REST_IN),
        ),
        regional(CLASSIC),
        VM_IP,
        443,
        BLOCKED,
        "Delivery",
    ),
    (
        "destination-allow-listing-the-integration-subnet-classic",
        "NSG-21 ASRT-16",
        vm_guarded(CLASSIC, nic_rules=(FROM_INTEGRATION_443, DENY_REST_IN)),
        regional(CLASSIC),
        VM_IP,
        443,
        REACHABLE,
        "",
    ),
    (
        "peered-destination-default-allow-vnet-inbound-current",
        "NSG-21 ASRT-16 SEED-14",
        peer_vm_guarded(CURRENT, inbound("deny-rdp", 100, "Deny", ports="3389")),
        regional(CURRENT),
        PEER_VM_IP,
        443,
        REACHABLE,
        "",
    ),
    (
        "peered-destination-denies-the-virtual-network-classic",
        "NSG-21 NSG-02",
        peer_vm_guarded(CLASSIC, Rule("deny-vnet-in", 100, "Inbound", "Deny", sources=("VirtualNetwork",))),
        regional(CLASSIC),
        PEER_VM_IP,
        443,
        BLOCKED,
        "Delivery",
    ),
    (
        "nobody-holds-the-address-current",
        "ROUTE-01",
        net(CURRENT),
        regional(CURRENT),
        "10.0.1.99",
        443,
        BLOCKED,
        "Delivery",
    ),
    (
        "public-access-disabled-with-route-all-current",
        "SEED-18 PEDNS-12 SE-01",
        net(CURRENT, targets=[replace(STORAGE, public_network_access=False)]),
        regional(CURRENT, route_all=True),
        STORAGE.host,
        443,
        BLOCKED,
        "Delivery",
    ),
    (
        "public-access-disabled-beats-the-service-endpoint-classic",
        "SE-14 SE-03 PEDNS-12",
        net(
            CLASSIC,
            subnets=[integration(service_endpoints=frozenset({"Microsoft.KeyVault"}))],
            targets=[replace(VAULT, public_network_access=False, vnet_rule_subnets=frozenset({11}))],
        ),
        regional(CLASSIC),
        VAULT.host,
        443,
        BLOCKED,
        "Delivery",
    ),
    (
        "public-access-disabled-not-integrated-current",
        "ASRT-01 PEDNS-12",
        net(CURRENT, targets=[replace(VAULT, public_network_access=False)]),
        outside(CURRENT),
        VAULT.host,
        443,
        BLOCKED,
        "Delivery",
    ),
    (
        "service-endpoint-rule-for-another-subnet-current",
        "SE-14 SE-03 SEED-20 SE-01",
        net(
            CURRENT,
            subnets=[integration(service_endpoints=frozenset({"Microsoft.KeyVault"}))],
            targets=[replace(VAULT, default_deny=True, vnet_rule_subnets=frozenset({10}))],
        ),
        regional(CURRENT),
        VAULT.host,
        443,
        BLOCKED,
        "Delivery",
    ),
    (
        "service-endpoint-rule-for-the-integration-subnet-current",
        "SE-14 SE-03 SE-02 SEED-20",
        net(
            CURRENT,
            subnets=[integration(service_endpoints=frozenset({"Microsoft.KeyVault"}))],
            targets=[replace(VAULT, default_deny=True, vnet_rule_subnets=frozenset({11}))],
        ),
        regional(CURRENT),
        VAULT.host,
        443,
        REACHABLE,
        "",
    ),
    (
        "service-endpoint-to-an-open-account-current",
        "SE-14 SE-03 SE-02",
        net(CURRENT, subnets=[integration(service_endpoints=frozenset({"Microsoft.Storage"}))]),
        regional(CURRENT),
        STORAGE.host,
        443,
        REACHABLE,
        "",
    ),
    (
        "ip-rule-for-the-outbound-ip-classic",
        "ASRT-03 ASRT-17",
        net(CLASSIC, targets=[replace(SQL, default_deny=True, ip_rules=(N(f"{OUTBOUND_IP}/32"),))]),
        regional(CLASSIC),
        SQL.host,
        1433,
        REACHABLE,
        "",
    ),
    (
        "ip-rule-for-the-outbound-ip-with-route-all-current",
        "ASRT-02 SEED-18 ASRT-17",
        net(CURRENT, targets=[replace(SQL, default_deny=True, ip_rules=(N(f"{OUTBOUND_IP}/32"),))]),
        regional(CURRENT, route_all=True),
        SQL.host,
        1433,
        REACHABLE,
        "",
    ),
    (
        "ip-rule-stops-matching-behind-a-service-endpoint-current",
        "SE-03 SEED-20 SE-01",
        net(
            CURRENT,
            subnets=[integration(service_endpoints=frozenset({"Microsoft.Sql"}))],
            targets=[replace(SQL, default_deny=True, ip_rules=(N(f"{OUTBOUND_IP}/32"),))],
        ),
        regional(CURRENT),
        SQL.host,
        1433,
        BLOCKED,
        "Delivery",
    ),
    (
        "ip-rule-for-another-address-current",
        "ASRT-03 SE-01 SE-02",
        net(CURRENT, targets=[replace(SQL, default_deny=True, ip_rules=(N("52.1.2.0/24"),))]),
        regional(CURRENT),
        SQL.host,
        1433,
        BLOCKED,
        "Delivery",
    ),
    (
        "ip-rule-not-integrated-current",
        "ASRT-01 ASRT-17",
        net(CURRENT, targets=[replace(STORAGE, default_deny=True, ip_rules=(N("40.112.30.0/24"),))]),
        outside(CURRENT),
        STORAGE.host,
        443,
        REACHABLE,
        "",
    ),
    (
        "rejected-pe-current",
        "ASRT-01 ROUTE-08 PEDNS-31",
        net(CURRENT, private_endpoints=(replace(SQL_PE, approved=False),)),
        regional(CURRENT),
        "10.0.3.5",
        1433,
        BLOCKED,
        "Delivery",
    ),
    (
        "approved-pe-ignores-the-public-firewall-classic",
        "ROUTE-08 ASVI-02",
        net(
            CLASSIC,
            targets=[replace(SQL, public_network_access=False, default_deny=True)],
            private_endpoints=(SQL_PE,),
        ),
        regional(CLASSIC),
        "10.0.3.5",
        1433,
        REACHABLE,
        "",
    ),
    (
        "regional-cannot-cross-a-peering-to-a-classic-vnet-current",
        "ASVI-03 ROUTE-07",
        net(CURRENT, vnets=[LEGACY], subnets=[LEGACY_SUBNET], nics=[LEGACY_VM], peerings=LEGACY_PEERED),
        regional(CURRENT),
        LEGACY_VM_IP,
        443,
        BLOCKED,
        "Delivery",
    ),
    (
        "regional-cannot-cross-a-peering-to-a-classic-vnet-classic",
        "ASVI-03",
        net(CLASSIC, vnets=[LEGACY], subnets=[LEGACY_SUBNET], nics=[LEGACY_VM], peerings=LEGACY_PEERED),
        regional(CLASSIC, route_all=True),
        LEGACY_VM_IP,
        22,
        BLOCKED,
        "Delivery",
    ),
]

CASES = NAME_RESOLUTION + ENTERING + NSG_CASES + ROUTES + DELIVERY

# The address the destination sees, for cases where it is the point (ASRT-16,
# ASRT-17, SEED-18, SE-02): inside the integration subnet, or the app's
# listed outbound address.
SUBNET, OUTBOUND = "integration subnet", "outbound address"
SOURCES = {
    "route-all-off-public-address-stays-out-classic": OUTBOUND,
    "route-all-on-public-address-enters-current": OUTBOUND,
    "not-integrated-public-address-current": OUTBOUND,
    "service-endpoint-traffic-enters-without-route-all-classic": SUBNET,
    "port-25-to-a-vm-current": SUBNET,
    "peered-vm-current": SUBNET,
    "global-peering-current": SUBNET,
    "forced-tunnel-with-route-all-current": SUBNET,
    "service-endpoint-route-beats-forced-tunnel-classic": SUBNET,
    "service-endpoint-to-an-open-account-current": SUBNET,
    "ip-rule-for-the-outbound-ip-classic": OUTBOUND,
    "ip-rule-for-the-outbound-ip-with-route-all-current": OUTBOUND,
    "default-route-udr-to-internet-current": OUTBOUND,
    "bgp-default-route-not-propagated-classic": OUTBOUND,
    "pe-route-survives-a-forced-tunnel-current": SUBNET,
    "destination-allow-listing-the-integration-subnet-classic": SUBNET,
    "gateway-required-public-service-sees-the-outbound-ip-current": OUTBOUND,
}
INTEGRATION_PREFIXES = (INTEGRATION.prefix, N("172.0.2.0/26"), N("192.168.2.0/26"))


def check(case_id, rules, topology, app, destination, port, verdict, step, protocol):
    trace = trace_app(topology, app, destination, port, protocol)
    assert trace.verdict == verdict, trace.as_dict()
    assert trace.deciding_step == step, trace.as_dict()
    if verdict == BLOCKED:
        assert trace.fix
    for rule in rules.split():
        assert rule in trace.rule_ids, (rule, trace.rule_ids)
    if topology.era == CURRENT:
        # Classic-only rules: private zones need app settings, port 25 is refused.
        assert "SEED-24" not in trace.rule_ids
        assert "SEED-19" not in trace.rule_ids
    expected_source = SOURCES.get(case_id)
    if expected_source == SUBNET:
        assert any(IPv4Address(trace.source_ip) in prefix for prefix in INTEGRATION_PREFIXES), trace.source_ip
    elif expected_source == OUTBOUND:
        assert trace.source_ip == OUTBOUND_IP


@pytest.mark.parametrize(
    "case_id, rules, topology, app, destination, port, verdict, step", CASES, ids=[c[0] for c in CASES]
)
def test_trace_tcp(case_id, rules, topology, app, destination, port, verdict, step):
    check(case_id, rules, topology, app, destination, port, verdict, step, "Tcp")


@pytest.mark.parametrize(
    "case_id, rules, topology, app, destination, port, verdict, step", UDP_CASES, ids=[c[0] for c in UDP_CASES]
)
def test_trace_udp(case_id, rules, topology, app, destination, port, verdict, step):
    check(case_id, rules, topology, app, destination, port, verdict, step, "Udp")


def test_the_table_has_unique_ids_and_both_eras():
    cases = CASES + UDP_CASES
    ids = [c[0] for c in cases]
    assert len(ids) == len(set(ids))
    assert len(cases) >= 85
    assert {c[2].era for c in cases} == {CLASSIC, CURRENT}


def test_every_case_cites_rules_by_id():
    for case in CASES + UDP_CASES:
        assert case[1].split(), case[0]
        assert all(re.fullmatch(r"[A-Z]+-\d+", rule) for rule in case[1].split()), case[0]
