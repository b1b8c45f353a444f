"""How list and detail pages cope with a large sandbox (issue #3, "Lists
scale"): 1,000 VNets and 10,000 security rules.

    .venv/bin/python -m tests.bench.scale_bench

Runs in-process (Django's test client on a temporary SQLite database), times
each page's median over a few requests and counts its queries, and prints a
markdown table for docs/benchmarks.md. The page cache is off: every request
renders its page, as the first one after a change does (issue #12).
"""

import os
import statistics
import tempfile
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.bench.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "scale-bench")
os.environ["VNETLAB_PAGE_CACHE"] = "false"  # rendered pages, not copies
os.environ["DATABASE_URL"] = "sqlite:///" + os.path.join(tempfile.mkdtemp(prefix="vnetlab-scale-"), "db.sqlite3")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from networking import models as n  # noqa: E402
from portal.middleware import SESSION_KEY  # noqa: E402
from portal.models import ResourceGroup, Sandbox  # noqa: E402

VNETS, NSGS, RULES_PER_NSG = 1000, 10, 1000


def grow(sandbox) -> None:
    rg = ResourceGroup.objects.get(subscription__sandbox=sandbox, name="contoso-rg")
    common = {"sandbox": sandbox, "resource_group": rg, "location": "eastus"}
    n.VirtualNetwork.objects.bulk_create(
        n.VirtualNetwork(name=f"scale-vnet-{i:04d}", address_space=[f"10.{100 + i // 250}.{i % 250}.0/24"], **common)
        for i in range(VNETS)
    )
    vnets = n.VirtualNetwork.objects.filter(sandbox=sandbox, name__startswith="scale-vnet-")
    n.Subnet.objects.bulk_create(n.Subnet(vnet=v, name="default", address_prefix=v.address_space[0]) for v in vnets)
    n.NetworkSecurityGroup.objects.bulk_create(n.NetworkSecurityGroup(name=f"scale-nsg-{i}", **common) for i in range(NSGS))
    for nsg in n.NetworkSecurityGroup.objects.filter(sandbox=sandbox, name__startswith="scale-nsg-"):
        n.SecurityRule.objects.bulk_create(
            n.SecurityRule(
                nsg=nsg,
                name=f"rule-{j}",
                priority=100 + j,
                direction="Inbound" if j % 2 else "Outbound",
                access="Deny" if j % 3 else "Allow",
                protocol="Tcp",
                source_address_prefixes=["*"],
                source_port_ranges=["*"],
                destination_address_prefixes=[f"10.{j % 250}.0.0/16"],
                destination_port_ranges=[str(1000 + j)],
            )
            for j in range(RULES_PER_NSG)
        )


def measure(client, url, runs=5):
    times = []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        assert response.headers.get("X-VNetLab-Page-Cache") != "hit", url
    return statistics.median(times), len(queries.captured_queries), len(response.content)


def main() -> None:
    call_command("migrate", verbosity=0)
    client = Client()
    client.get("/")
    sandbox = Sandbox.objects.get(secret=client.session[SESSION_KEY])
    started = time.perf_counter()
    grow(sandbox)
    print(f"grown in {time.perf_counter() - started:.1f} s: {VNETS} VNets, {NSGS * RULES_PER_NSG} rules")
    sub = sandbox.subscriptions.get().subscription_id
    kw = {"subscription_id": sub, "rg": "contoso-rg"}
    pages = [
        ("All resources (page 1 of 11)", reverse("all_resources")),
        ("All resources, virtual networks", reverse("all_resources") + "?type=Microsoft.Network/virtualNetworks"),
        ("Resource group overview", reverse("resource_group", kwargs=kw)),
        ("VNet overview", reverse("networking:vnet_overview", kwargs={**kw, "provider": "Microsoft.Network", "name": "scale-vnet-0500"})),
        ("VNet subnets", reverse("networking:vnet_subnets", kwargs={**kw, "provider": "Microsoft.Network", "name": "scale-vnet-0500"})),
        ("NSG overview (1,000 rules)", reverse("networking:nsg_overview", kwargs={**kw, "name": "scale-nsg-3"})),
        ("NSG inbound rules (500)", reverse("networking:nsg_rules", kwargs={**kw, "name": "scale-nsg-3", "direction": "inbound"})),
        ("App Networking blade", reverse("appservice:networking", kwargs={**kw, "name": "contoso-web"})),
    ]
    print("\n| page | median ms | queries | bytes |\n|---|---:|---:|---:|")
    for label, url in pages:
        ms, queries, size = measure(client, url)
        print(f"| {label} | {ms:.1f} | {queries} | {size} |")


if __name__ == "__main__":
    main()
