"""The class's reads, one at a time (issue #12, "Fast for a class"): what each
costs the server's CPU when it is rendered, with nothing else running.

    .venv/bin/python -m tests.bench.reads_bench [--repeat 60] [--profile PAGE]

The six GETs of a learner's loop in `make bench-class` (All resources, the
app's Networking blade, the Add VNet pane, a VNet's Subnets, an NSG's inbound
rules, the troubleshooter), in a sandbox from the demo seed on a temporary
SQLite database (or a new PostgreSQL database when DATABASE_URL names a
server), through Django's test client with DEBUG off as `make run` runs
(cached template loader) and the page cache off. For each page: the median
CPU time of one request in this process (``time.process_time``) after a
warm-up and the fastest one (less swayed by other work on the machine),
the median wall time, and its queries; /ping first, the
middleware alone (no view work, no template), for comparison. ``--profile PAGE`` prints
cProfile's top functions for that page instead.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

from tests.bench.run_bench import FreshDatabase, configure_env

HX = {"HTTP_HX_REQUEST": "true"}
PAGES = ("ping", "all_resources", "networking", "add_vnet", "vnet_subnets", "nsg_rules", "troubleshoot")


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="python -m tests.bench.reads_bench", description=__doc__.split("\n\n")[0])
    p.add_argument("--repeat", type=int, default=60, help="measured requests per page (default 60)")
    p.add_argument("--warmup", type=int, default=10, help="unmeasured requests per page first (default 10)")
    p.add_argument("--profile", choices=PAGES, help="cProfile one page instead of timing all")
    return p.parse_args(argv)


def class_reads(client) -> dict[str, tuple[str, dict]]:
    """The learner's six reads, addressed in the client's sandbox as
    tests/bench/class_bench.py addresses them."""
    from django.urls import reverse

    from appservice.models import WebApp
    from networking.models import NetworkSecurityGroup
    from portal.middleware import SESSION_KEY
    from portal.models import Sandbox

    sandbox = Sandbox.objects.get(secret=client.session[SESSION_KEY])
    app = WebApp.objects.select_related("resource_group__subscription").get(sandbox=sandbox, name="contoso-web")
    sub = app.resource_group.subscription.subscription_id
    nsg = NetworkSecurityGroup.objects.select_related("resource_group").filter(sandbox=sandbox).order_by("pk").first()
    site = {"subscription_id": sub, "rg": app.resource_group.name, "name": app.name}
    vnet = {
        "subscription_id": sub,
        "rg": app.resource_group.name,
        "provider": "Microsoft.Network",
        "name": "contoso-vnet",
    }
    rules = {"subscription_id": sub, "rg": nsg.resource_group.name, "name": nsg.name, "direction": "inbound"}
    trace = urlencode({"host": "contoso-sql01.database.windows.net", "port": 443})
    return {
        "ping": (reverse("ping"), {}),
        "all_resources": (reverse("all_resources"), {}),
        "networking": (reverse("appservice:networking", kwargs=site), {}),
        "add_vnet": (reverse("appservice:add_vnet", kwargs=site), HX),
        "vnet_subnets": (reverse("networking:vnet_subnets", kwargs=vnet), {}),
        "nsg_rules": (reverse("networking:nsg_rules", kwargs=rules), {}),
        "troubleshoot": (reverse("appservice:troubleshoot", kwargs=site) + "?" + trace, HX),
    }


def measure(client, path: str, headers: dict, repeat: int, warmup: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(warmup):
        client.get(path, **headers)
    cpu, wall = [], []
    for _ in range(repeat):
        c, w = time.process_time(), time.perf_counter()
        response = client.get(path, **headers)
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - w)
        if response.status_code != 200:
            raise RuntimeError(f"{path}: HTTP {response.status_code}")
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, **headers)
    return {
        "cpu_ms": statistics.median(cpu) * 1000,
        "cpu_min_ms": min(cpu) * 1000,
        "wall_ms": statistics.median(wall) * 1000,
        "queries": len(ctx.captured_queries),
        "bytes": len(response.content),
    }


def main(argv=None) -> int:
    args = parse_args(argv)
    tmpdir = Path(tempfile.mkdtemp(prefix="vnetlab-reads-"))
    db = FreshDatabase(tmpdir)
    # As `make bench --no-page-cache` sets it up: DEBUG off, every read rendered.
    configure_env(argparse.Namespace(restart_seconds=0.2, no_page_cache=True), db)
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection
        from django.test import Client

        from tests.bench.machine import describe, loadavg

        call_command("migrate", verbosity=0, interactive=False)
        client = Client()
        client.get("/")
        reads = class_reads(client)
        if args.profile:
            path, headers = reads[args.profile]
            for _ in range(args.warmup):
                client.get(path, **headers)
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(args.repeat):
                client.get(path, **headers)
            profiler.disable()
            stats = pstats.Stats(profiler).strip_dirs().sort_stats("cumulative")
            stats.print_stats(45)
            stats.sort_stats("tottime").print_stats(30)
            return 0
        machine = describe(db.label, "in-memory")
        before = loadavg()
        rows = {
            name: measure(client, path, headers, args.repeat, args.warmup) for name, (path, headers) in reads.items()
        }
        print(
            f"\n{machine['date']}, {machine['cores']} cores ({machine['cpu']}), {db.label}; DEBUG off, page cache off; "
            f"median of {args.repeat} after {args.warmup}; load average (1 min) {before} before, {loadavg()} after.\n"
        )
        print("| read | CPU ms | CPU ms, fastest | wall ms | queries | bytes |\n|---|---:|---:|---:|---:|---:|")
        for name, r in rows.items():
            print(f"| {name} | {r['cpu_ms']:.2f} | {r['cpu_min_ms']:.2f} | {r['wall_ms']:.2f} | {r['queries']} | {r['bytes']} |")
        connection.close()
    finally:
        db.drop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
