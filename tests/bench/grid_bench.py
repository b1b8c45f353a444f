"""Long grids (issue #12, "long grids are paged"): the pages whose grids grow
with the estate, timed as a learner waits for them (rendered, not served
from the page cache).

    .venv/bin/python -m tests.bench.grid_bench      (or: make bench-grids)

One sandbox from the demo seed, grown to 100x its resources by
tests/bench/estate.py, plus one VNet with 400 subnets. Runs in-process
(Django's test client on a temporary SQLite database), times each page's
median over a few requests, counts its queries and prints a markdown table
for docs/benchmarks.md ("Long grids").
"""

import os
import statistics
import tempfile
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.bench.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "grid-bench")
os.environ["DATABASE_URL"] = "sqlite:///" + os.path.join(tempfile.mkdtemp(prefix="vnetlab-grids-"), "db.sqlite3")
# Every request renders: the figures are what a learner in a busy class waits for.
os.environ["VNETLAB_PAGE_CACHE"] = "0"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from networking.models import Subnet, VirtualNetwork  # noqa: E402
from portal.middleware import SESSION_KEY  # noqa: E402
from portal.models import ResourceGroup, Sandbox  # noqa: E402
from tests.bench import estate, machine  # noqa: E402

SUBNETS = 400
HX = {"HTTP_HX_REQUEST": "true"}


def big_vnet(sandbox) -> VirtualNetwork:
    """A VNet of 400 /26 subnets in 10.200.0.0/16."""
    rg = ResourceGroup.objects.get(subscription__sandbox=sandbox, name="contoso-rg")
    vnet = VirtualNetwork.objects.create(
        sandbox=sandbox, resource_group=rg, name="grid-vnet", location="eastus", address_space=["10.200.0.0/16"]
    )
    Subnet.objects.bulk_create(
        Subnet(vnet=vnet, name=f"subnet-{i:03d}", address_prefix=f"10.200.{i // 4}.{(i % 4) * 64}/26")
        for i in range(SUBNETS)
    )
    return vnet


def _once(client, url: str, headers: dict) -> tuple[float, int, bytes]:
    """One request: its time in ms, its queries, its body (a page must answer 200)."""
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        response = client.get(url, **headers)
        elapsed = (time.perf_counter() - start) * 1000
    assert response.status_code == 200, (url, response.status_code)
    return elapsed, len(queries.captured_queries), response.content


def median_of(client, url: str, headers: dict | None = None, runs: int = 7) -> tuple[float, int, int]:
    """The median time of ``runs`` requests, with the last one's queries and size."""
    samples = [_once(client, url, headers or {}) for _ in range(runs)]
    return statistics.median(s[0] for s in samples), samples[-1][1], len(samples[-1][2])


def main() -> None:
    call_command("migrate", verbosity=0)
    client = Client()
    client.get("/")
    sandbox = Sandbox.objects.get(secret=client.session[SESSION_KEY])
    seed = estate.resource_count(sandbox)
    grown = estate.grow(sandbox, seed * 100)
    big_vnet(sandbox)
    sub = sandbox.subscriptions.get().subscription_id
    kw = {"subscription_id": sub, "rg": "contoso-rg"}
    subnets = reverse("networking:vnet_subnets", kwargs={**kw, "provider": "Microsoft.Network", "name": "grid-vnet"})
    app = reverse("appservice:add_vnet", kwargs={**kw, "name": "contoso-web"})
    pages = [
        (f"VNet Subnets ({SUBNETS} subnets), page", subnets, None),
        (f"VNet Subnets ({SUBNETS} subnets), grid (HX)", subnets, HX),
        (f"VNet Subnets ({SUBNETS} subnets), page 4 grid (HX)", subnets + "?page=4", HX),
        ("Add VNet pane (HX)", app, HX),
        ("All resources, page", reverse("all_resources"), None),
        ("All resources, page 9 grid (HX)", reverse("all_resources") + "?page=9", HX),
        (
            "Resource group overview (bench-rg-0)",
            reverse("resource_group", kwargs={"subscription_id": sub, "rg": "bench-rg-0"}),
            None,
        ),
    ]
    print(
        f"\n{machine.describe('SQLite (temporary file)', 'in-memory')['date']}, load average (1 min) at start "
        f"{machine.loadavg()}; sandbox: {grown['resources']} resources ({seed} in the seed x 100), "
        f"{grown['vnets']} VNets, {grown['subnets'] + SUBNETS} subnets; page cache off."
    )
    print("\n| page | median ms | queries | bytes |\n|---|---:|---:|---:|")
    for label, url, headers in pages:
        ms, queries, size = median_of(client, url, headers)
        print(f"| {label} | {ms:.1f} | {queries} | {size} |")
    print(f"\nLoad average (1 min) at end {machine.loadavg()}.")


if __name__ == "__main__":
    main()
