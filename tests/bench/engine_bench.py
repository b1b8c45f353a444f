"""The connectivity engine's speed (issue #4, "Speed"), and its snapshot from the database (issue #12).

    .venv/bin/python -m tests.bench.engine_bench [--flows 10000] [--seed 4]

One run, well under two minutes on the project's 2-core machine:

1. generates a synthetic sandbox as the engine's own dataclasses: 200 VNets,
   4,000 subnets, 300 peerings, NSGs with 1,000 rules in all, route tables
   with 400 routes, 500 private endpoints, 100 private DNS zones (plus NICs,
   PaaS services, gateways and integrated apps to trace from);
2. times the snapshot build: the Topology, its indexes and every subnet's
   compiled route table (Topology.prepare());
3. traces --flows random flows with trace_app (a random integrated app to a
   VNet address, a private endpoint, a public address or a host name) and
   reports p50/p99 per trace;
4. runs the same flows' route selection through the optimised path
   (routing_for + select_route) and through the brute-force reference of
   tests/networking/test_engine_speedups.py (the routing inputs scanned from
   the snapshot and every candidate route examined), and reports the ratio;
5. then, from a database: the demo seed's snapshot built from its rows, kept
   per sandbox state, and traced, at the seed's size and 100 times it
   (tests/bench/snapshot_bench.py; --no-database leaves it out).

It asserts nothing about speed: it prints a markdown block with the figures
and the targets (p50 < 100 us, p99 < 1 ms, >= 20x the reference, snapshot
< 2 s). It exits non-zero only when the optimised and the reference route
selection disagree.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import random
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from ipaddress import IPv4Address, IPv4Network

from tests.bench import snapshot_bench

snapshot_bench.configure()  # the reference below comes with the test helpers, which import models

from networking.engine import routes as r  # noqa: E402
from networking.engine import servicetags  # noqa: E402
from networking.engine.nsg import Nsg, Rule  # noqa: E402
from networking.engine.topology import (  # noqa: E402
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
from networking.engine.trace import trace_app  # noqa: E402
from tests.helpers.engine_reference import reference_routing, reference_select_route  # noqa: E402

N = IPv4Network

VNETS, SUBNETS_PER_VNET, PEERINGS = 200, 20, 300
NSGS, RULES_PER_NSG = 100, 10
ROUTE_TABLES, ROUTES_PER_TABLE = 40, 10
PRIVATE_ENDPOINTS, ZONES = 500, 100
NICS, SERVICES, APPS, HUB_EVERY = 2000, 300, 200, 10
LOCATIONS = ("eastus", "eastus", "westeurope")
# (service tag, endpoint, host suffix, privatelink zone)
KINDS = (
    ("Storage", "Microsoft.Storage", "blob.core.windows.net", "privatelink.blob.core.windows.net"),
    ("Sql", "Microsoft.Sql", "database.windows.net", "privatelink.database.windows.net"),
    ("AzureKeyVault", "Microsoft.KeyVault", "vault.azure.net", "privatelink.vaultcore.azure.net"),
    ("AzureCosmosDB", "Microsoft.AzureCosmosDB", "documents.azure.com", "privatelink.documents.azure.com"),
)


def generate(rng: random.Random) -> dict:
    """The sandbox's parts, as keyword arguments of Topology, plus apps."""
    vnets = {}
    for i in range(VNETS):
        space = (N(f"10.{i}.0.0/16"),) if i % 7 else (N(f"10.{i}.0.0/16"), N(f"172.{16 + i % 16}.{i}.0/24"))
        vnets[i + 1] = Vnet(i + 1, f"vnet-{i}", LOCATIONS[i % len(LOCATIONS)], space)
    hubs = [v for v in vnets if (v - 1) % HUB_EVERY == 0]
    spokes = [v for v in vnets if v not in hubs]

    gateways = {
        h: Gateway(h, f"gw-{h}", rng.choice(("Vpn", "ExpressRoute")), (N(f"192.168.{k}.0/24"), N(f"172.31.{k}.0/24")))
        for k, h in enumerate(hubs)
    }
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < PEERINGS // 2:
        pairs.add((rng.choice(spokes), rng.choice(hubs)))
    peerings = []
    for spoke, hub in sorted(pairs):
        state = "Connected" if rng.random() < 0.95 else "Initiated"
        peerings.append(Peering(spoke, hub, state, use_remote_gateways=rng.random() < 0.5))
        peerings.append(Peering(hub, spoke, state, allow_gateway_transit=True))

    def address_spec() -> str:
        roll = rng.random()
        if roll < 0.25:
            return "*"
        if roll < 0.5:
            return rng.choice(("VirtualNetwork", "Internet", "Storage", "Sql", "AzureCloud", "AzureLoadBalancer"))
        if roll < 0.75:
            return f"10.{rng.randrange(VNETS)}.0.0/16"
        return f"10.{rng.randrange(VNETS)}.{rng.randrange(SUBNETS_PER_VNET)}.0/24"

    nsgs = {}
    for k in range(NSGS):
        priorities = rng.sample(range(100, 4097), RULES_PER_NSG)
        rules = tuple(
            Rule(
                f"rule-{k}-{j}",
                priorities[j],
                rng.choice(("Inbound", "Outbound")),
                "Deny" if rng.random() < 0.2 else "Allow",
                rng.choice(("*", "Tcp", "Tcp", "Udp")),
                (address_spec(),),
                ("*",),
                tuple(address_spec() for _ in range(rng.randint(1, 2))),
                (rng.choice(("*", "443", "22", "1433", "8000-8080", "80")),),
            )
            for j in range(RULES_PER_NSG)
        )
        nsgs[k + 1] = Nsg(f"nsg-{k}", rules)

    route_tables = {}
    for k in range(ROUTE_TABLES):
        routes: dict[IPv4Network, r.Route] = {}
        if k % 4 == 0:
            routes[N("0.0.0.0/0")] = r.Route(N("0.0.0.0/0"), r.VIRTUAL_APPLIANCE, r.USER, "10.0.0.4", "forced-tunnel")
        while len(routes) < ROUTES_PER_TABLE:
            roll = rng.random()
            if roll < 0.3:
                prefix, hop = N(f"10.{rng.randrange(VNETS)}.0.0/16"), r.VIRTUAL_APPLIANCE
            elif roll < 0.5:
                prefix, hop = N(f"10.{rng.randrange(VNETS)}.{rng.randrange(SUBNETS_PER_VNET)}.0/24"), r.NONE
            elif roll < 0.7:
                prefix, hop = N(f"52.{rng.randrange(256)}.0.0/16"), r.INTERNET
            elif roll < 0.85:
                prefix, hop = N(f"192.168.{rng.randrange(len(hubs))}.0/24"), r.VIRTUAL_APPLIANCE
            else:
                prefix, hop = servicetags.SERVICE_TAGS[rng.choice(KINDS)[0]][0], r.INTERNET
            next_ip = f"10.{rng.randrange(VNETS)}.0.4" if hop == r.VIRTUAL_APPLIANCE else None
            routes.setdefault(prefix, r.Route(prefix, hop, r.USER, next_ip, f"udr-{k}-{len(routes)}"))
        route_tables[k + 1] = RouteTable(k + 1, f"rt-{k}", rng.random() < 0.8, tuple(routes.values()))

    subnets = {}
    for v in vnets.values():
        base = int(v.space[0].network_address)
        for j in range(SUBNETS_PER_VNET):
            sid = len(subnets) + 1
            endpoints = (
                frozenset(rng.sample([k[1] for k in KINDS], rng.randint(1, 2))) if rng.random() < 0.2 else frozenset()
            )
            subnets[sid] = Subnet(
                sid,
                f"subnet-{j}",
                v.id,
                N((base + j * 256, 24)),
                nsg_id=rng.randint(1, NSGS) if rng.random() < 0.6 else None,
                route_table_id=rng.randint(1, ROUTE_TABLES) if rng.random() < 0.4 else None,
                service_endpoints=endpoints,
            )
    next_host = dict.fromkeys(subnets, 4)  # the first four addresses are Azure's (SUBNET-01)

    def take(subnet_id: int) -> IPv4Address:
        host = next_host[subnet_id]
        next_host[subnet_id] += 1
        return subnets[subnet_id].prefix.network_address + host

    targets = []
    for k in range(SERVICES):
        tag, endpoint, suffix, zone = KINDS[k % len(KINDS)]
        targets.append(
            Target(
                tag.lower(),
                f"svc{k}",
                f"svc{k}.{suffix}",
                servicetags.service_address(tag, k),
                endpoint,
                zone,
                public_network_access=rng.random() < 0.9,
                default_deny=rng.random() < 0.4,
                vnet_rule_subnets=frozenset(rng.sample(sorted(subnets), 5)),
            )
        )
    subnet_ids = sorted(subnets)
    endpoints = []
    for k in range(PRIVATE_ENDPOINTS):
        subnet_id = rng.choice(subnet_ids)
        target = targets[k % SERVICES]
        endpoints.append(PrivateEndpoint(f"pe-{k}", subnet_id, take(subnet_id), target.host, rng.random() < 0.95))
    nics = []
    for k in range(NICS):
        subnet_id = rng.choice(subnet_ids)
        nics.append(
            Nic(
                f"vm{k}-nic", subnet_id, take(subnet_id), rng.randint(1, NSGS) if rng.random() < 0.2 else None, f"vm{k}"
            )
        )

    # 100 zones: five copies (resource groups) of each privatelink zone, with
    # the A records of the private endpoints, and custom zones naming the VMs.
    zones = []
    private_zone_names = [k[3] for k in KINDS]
    for copy in range(5):
        for name in private_zone_names:
            records = {}
            for pe in endpoints:
                target = targets[int(pe.name.split("-")[1]) % SERVICES]
                if target.private_link_zone == name and int(pe.name.split("-")[1]) % 5 == copy:
                    records[target.name] = ("A", (str(pe.ip),))
            zones.append((name, records))
    corp = 0
    while len(zones) < ZONES:
        records = {nic.owner: ("A", (str(nic.ip),)) for nic in rng.sample(nics, 20)}
        zones.append((f"corp{corp}.contoso.internal", records))
        corp += 1
    zone_objects = tuple(
        Zone(name, records, tuple((v, rng.random() < 0.2) for v in rng.sample(sorted(vnets), 6)))
        for name, records in zones
    )

    apps = []
    for k in range(APPS):
        subnet = subnets[rng.choice(subnet_ids)]
        apps.append(
            App(
                f"app-{k}",
                vnets[subnet.vnet_id].location,
                (f"20.49.{100 + k // 256}.{k % 256}",),
                integration_kind="regional",
                vnet_id=subnet.vnet_id,
                subnet_id=subnet.id,
                route_all=rng.random() < 0.5,
                dns_servers=rng.choice(((), (), ("168.63.129.16",), ("10.0.0.10",))),
            )
        )
    public_names = {"www.contoso.com": ("A", "93.184.216.34"), "api.github.com": ("A", "140.82.112.6")}
    parts = dict(
        era="current",
        vnets=vnets,
        subnets=subnets,
        peerings=tuple(peerings),
        gateways=gateways,
        route_tables=route_tables,
        nsgs=nsgs,
        nics=tuple(nics),
        private_endpoints=tuple(endpoints),
        targets=tuple(targets),
        zones=zone_objects,
        public_names=public_names,
    )
    return {"parts": parts, "apps": apps, "hubs": hubs, "corp_zones": corp}


def flows(rng: random.Random, world: dict, count: int) -> list[tuple[App, str, int]]:
    """Random (app, destination, port): VNet addresses, private endpoint
    addresses, public addresses and names."""
    parts, apps = world["parts"], world["apps"]
    nics, endpoints, targets = parts["nics"], parts["private_endpoints"], parts["targets"]
    zones = parts["zones"]
    out = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.25:
            destination = str(rng.choice(nics).ip)  # a VM
        elif roll < 0.35:
            destination = f"10.{rng.randrange(VNETS)}.{rng.randrange(SUBNETS_PER_VNET)}.{rng.randrange(4, 250)}"
        elif roll < 0.55:
            destination = str(rng.choice(endpoints).ip)  # a private endpoint
        elif roll < 0.65:
            destination = str(rng.choice(targets).public_ip)  # a service's public endpoint
        elif roll < 0.75:
            destination = (
                f"{rng.choice((52, 93, 104, 140))}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
            )
        elif roll < 0.82:
            destination = f"192.168.{rng.randrange(len(world['hubs']))}.{rng.randrange(1, 255)}"  # on-premises
        elif roll < 0.94:
            destination = rng.choice(targets).host  # resolves publicly or through privatelink
        else:
            zone = rng.choice([z for z in zones if z.name.startswith("corp")])
            destination = f"{rng.choice(sorted(zone.records))}.{zone.name}"
        out.append((rng.choice(apps), destination, rng.choice((443, 443, 1433, 22, 80, 25))))
    return out


def percentile(sorted_values: list[float], fraction: float) -> float:
    index = min(len(sorted_values) - 1, max(0, round(fraction * (len(sorted_values) - 1))))
    return sorted_values[index]


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--flows", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--no-database", action="store_true", help="leave out the snapshot built from a database")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    started = time.perf_counter()

    t0 = time.perf_counter()
    world = generate(rng)
    generated = time.perf_counter() - t0
    parts = world["parts"]

    gc.collect()
    t0 = time.perf_counter()
    topology = Topology(**parts)
    topology.index  # noqa: B018 -- the lookup tables
    indexed = time.perf_counter() - t0
    topology.prepare()  # every subnet's routing, route table, VirtualNetwork tag
    built = time.perf_counter() - t0

    work = flows(rng, world, args.flows)
    for app, destination, port in work[:200]:  # warm the interpreter, not the engine's tables
        trace_app(topology, app, destination, port)

    per_trace: list[float] = []
    routed: list[float] = []  # the traces that got as far as route selection
    verdicts: Counter = Counter()
    steps: Counter = Counter()
    resolved: list[tuple[Subnet, IPv4Address]] = []
    clock = time.perf_counter_ns
    for app, destination, port in work:
        t = clock()
        trace = trace_app(topology, app, destination, port)
        elapsed = (clock() - t) / 1000
        per_trace.append(elapsed)
        if any(step.name == "Route" for step in trace.steps):
            routed.append(elapsed)
        verdicts[trace.verdict] += 1
        steps[trace.deciding_step or "(none)"] += 1
        if trace.destination_ip and ":" not in trace.destination_ip:
            resolved.append((topology.subnets[app.subnet_id], IPv4Address(trace.destination_ip)))
    per_trace.sort()
    routed.sort()

    # The same flows' route selection: optimised, then the brute-force reference.
    t0 = time.perf_counter()
    fast = [r.select_route(topology.routing_for(subnet), address).route for subnet, address in resolved]
    fast_total = time.perf_counter() - t0
    t0 = time.perf_counter()
    slow = [reference_select_route(reference_routing(topology, subnet), address) for subnet, address in resolved]
    slow_total = time.perf_counter() - t0
    # The reference's selection alone, on routing inputs computed beforehand.
    inputs = {subnet.id: reference_routing(topology, subnet) for subnet, _ in resolved}
    t0 = time.perf_counter()
    for subnet, address in resolved:
        reference_select_route(inputs[subnet.id], address)
    slow_select_total = time.perf_counter() - t0
    disagreements = sum(1 for a, b in zip(fast, slow, strict=True) if a != b)

    n = len(resolved)
    ratio = slow_total / fast_total
    p50, p99 = percentile(per_trace, 0.50), percentile(per_trace, 0.99)

    def mark(ok: bool) -> str:
        return "met" if ok else "**missed**"

    counts = (
        f"{len(parts['vnets'])} VNets, {len(parts['subnets'])} subnets, {len(parts['peerings'])} peerings, "
        f"{len(parts['nsgs'])} NSGs with {sum(len(g.rules) for g in parts['nsgs'].values())} rules, "
        f"{len(parts['route_tables'])} route tables with {sum(len(t.routes) for t in parts['route_tables'].values())} routes, "
        f"{len(parts['private_endpoints'])} private endpoints, {len(parts['zones'])} private DNS zones, "
        f"{len(parts['nics'])} NICs, {len(parts['targets'])} PaaS services, {len(parts['gateways'])} gateways, "
        f"{len(world['apps'])} integrated apps"
    )
    lines = [
        "### Connectivity engine (tests/bench/engine_bench.py)",
        "",
        f"- Date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- Machine: {os.cpu_count()} cores, {cpu_model()}; Python {sys.version.split()[0]} ({platform.python_implementation()})",
        f"- Topology (seed {args.seed}): {counts}",
        f"- Flows: {len(work)} traces ({', '.join(f'{k} {v}' for k, v in verdicts.most_common())}); "
        f"deciding steps: {', '.join(f'{k} {v}' for k, v in steps.most_common())}",
        "",
        "| figure | value | target |",
        "| --- | --- | --- |",
        f"| generating the dataclasses (not part of the snapshot) | {generated * 1000:.0f} ms | |",
        f"| snapshot build: Topology + lookup indexes | {indexed * 1000:.1f} ms | |",
        f"| snapshot build: + every subnet's routing and compiled route table (prepare) | {built * 1000:.0f} ms | < 2 s: {mark(built < 2)} |",
        f"| trace_app p50 | {p50:.1f} us | < 100 us: {mark(p50 < 100)} |",
        f"| trace_app p99 | {p99:.1f} us | < 1 ms: {mark(p99 < 1000)} |",
        f"| trace_app p50 / p99 of the {len(routed)} traces that reached route selection | "
        f"{percentile(routed, 0.5):.1f} us / {percentile(routed, 0.99):.1f} us | |",
        f"| trace_app mean / max | {sum(per_trace) / len(per_trace):.1f} us / {per_trace[-1]:.0f} us | |",
        f"| route selection, optimised (routing_for + select_route), per flow | {fast_total / n * 1e6:.2f} us | |",
        f"| route selection, brute-force reference (routing scanned + every candidate), per flow | {slow_total / n * 1e6:.1f} us | |",
        f"| of which the reference's selection alone | {slow_select_total / n * 1e6:.1f} us | |",
        f"| speed-up over the brute-force reference ({n} flows) | {ratio:.0f}x | >= 20x: {mark(ratio >= 20)} |",
        f"| optimised and reference routes that differ | {disagreements} | 0 |",
    ]
    if not args.no_database:
        from tests.bench.snapshot_bench import measure

        lines += measure()
    lines += ["", f"Run time {time.perf_counter() - started:.1f} s."]
    print("\n".join(lines))
    return 1 if disagreements else 0


if __name__ == "__main__":
    sys.exit(main())
