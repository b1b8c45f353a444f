"""How fast a lab's checks re-run after a change (issue #11: under 50 ms p95
at the seed's size).

    .venv/bin/python -m tests.bench.labs_bench [--runs 30] [--class-size 30] [--think 3]

Runs in-process on a temporary SQLite database (or DATABASE_URL's server):

1. **Each lab alone.** For every lab and era it allows: the lab's start is
   deployed in a fresh sandbox (the demo seed with the network, as `make
   run` serves it), then the reference solution; the checks are graded
   ``--runs`` times at the start and at the end. A regrade is what follows
   every change (labs.live.regrade_and_push: the grade, the stored result,
   the panel's HTML).
2. **A class writing as it goes.** ``--class-size`` learners (30), each in
   their own sandbox with a lab in progress, each in a thread of its own:
   make a change through the services (a route added and removed), regrade,
   think for a while (``--think``: 0-6 s, 3 s on average), again, for
   ``--seconds`` (20). The regrade's latency is what a learner waits for the
   panel while the rest of the class writes too.

Prints markdown tables for docs/benchmarks.md.
"""

import argparse
import os
import random
import statistics
import tempfile
import threading
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.bench.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "labs-bench")
if not os.environ.get("DATABASE_URL"):
    os.environ["DATABASE_URL"] = "sqlite:///" + os.path.join(tempfile.mkdtemp(prefix="vnetlab-labs-"), "db.sqlite3")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402

from labs import catalog, checks, engine, services  # noqa: E402
from labs import live as labs_live  # noqa: E402
from networking.models import RouteTable  # noqa: E402
from networking.services import routes as route_services  # noqa: E402
from portal.models import Sandbox, Subscription  # noqa: E402
from tests.bench import machine  # noqa: E402


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def timed(call, runs: int) -> list[float]:
    found = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        found.append((time.perf_counter() - start) * 1000)
    return found


def new_sandbox(era: str) -> Sandbox:
    sandbox = Sandbox.objects.create(era=era)
    Subscription.objects.create(sandbox=sandbox)
    return sandbox


def each_lab(runs: int) -> list[dict]:
    rows = []
    for lab in catalog.load().values():
        for era in lab.eras:
            rows.append(one_lab(lab, era, runs))
            print(f"  {lab.id} ({era}): regrade p95 {rows[-1]['regrade'][1]:.1f} ms", flush=True)
    return rows


def one_lab(lab, era: str, runs: int) -> dict:
    sandbox = new_sandbox(era)
    run = services.start_lab(sandbox, lab, seed=1)
    start = timed(lambda: checks.grade(sandbox, lab, run.params), runs)
    engine.apply(sandbox, lab.solution, run.params)
    end = timed(lambda: checks.grade(sandbox, lab, run.params), runs)
    regrade = timed(lambda: labs_live.regrade_and_push(sandbox.pk), runs)
    traces = sum(1 for c in lab.checks if c.kind == "trace" or any(a.kind == "trace" for a in c.alternatives))
    return {
        "lab": lab.id,
        "era": era,
        "checks": len(lab.checks),
        "traces": traces,
        "start": (statistics.median(start), percentile(start, 95)),
        "end": (statistics.median(end), percentile(end, 95)),
        "regrade": (statistics.median(regrade), percentile(regrade, 95)),
    }


def a_class(size: int, seconds: float, think: float) -> dict:
    """``size`` learners, each changing their estate, waiting for the
    regrade, then thinking (``think`` seconds on average) before the next."""
    lab = catalog.get("udr-to-nva") or next(iter(catalog.load().values()))
    sandboxes = []
    for _ in range(size):
        sandbox = new_sandbox(lab.eras[0])
        services.start_lab(sandbox, lab, seed=random.randrange(1000))
        sandboxes.append(sandbox)
    latencies: list[float] = []
    changes = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def learner(sandbox: Sandbox) -> None:
        table = RouteTable.objects.filter(sandbox=sandbox).first()
        try:
            while time.monotonic() < deadline:
                route = route_services.add_route(
                    table, {"name": "bench", "address_prefix": "203.0.113.0/24", "next_hop_type": "None"}
                )
                route_services.delete_route(route)
                start = time.perf_counter()
                labs_live.regrade_and_push(sandbox.pk)
                elapsed = (time.perf_counter() - start) * 1000
                with lock:
                    latencies.append(elapsed)
                    changes[0] += 1
                time.sleep(random.uniform(0, 2 * think))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=learner, args=(s,)) for s in sandboxes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {
        "lab": lab.id,
        "size": size,
        "think": think,
        "regrades": len(latencies),
        "per_second": len(latencies) / seconds,
        "p50": statistics.median(latencies),
        "p95": percentile(latencies, 95),
        "max": max(latencies),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--class-size", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--think", type=float, default=3.0, help="Mean seconds a learner thinks between changes.")
    options = parser.parse_args()
    call_command("migrate", verbosity=0)
    settings.VNETLAB_SEED_NETWORK = True
    database = connection.vendor
    info = machine.describe("PostgreSQL" if database == "postgresql" else "SQLite (temporary file)", "in-memory")
    print(f"Load average (1 min) at start: {machine.loadavg()}", flush=True)
    rows = each_lab(options.runs)
    crowd = a_class(options.class_size, options.seconds, options.think)
    print()
    print(
        f"Run {info['date']} on {info['cores']} cores ({info['cpu']}), {info['memory_gib']} GiB; "
        f"Python {info['python']}, Django {info['django']}."
    )
    print(f"Database: {database}. Load average (1 min) at end: {machine.loadavg()}.")
    print()
    print(
        "| lab | era | checks | traces | start p50 / p95 ms | end p50 / p95 ms | regrade p50 / p95 ms | target (regrade p95 < 50 ms) |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---|")
    for row in rows:
        ok = "ok" if row["regrade"][1] < 50 else "MISSED"
        print(
            f"| {row['lab']} | {row['era']} | {row['checks']} | {row['traces']} | "
            f"{row['start'][0]:.1f} / {row['start'][1]:.1f} | {row['end'][0]:.1f} / {row['end'][1]:.1f} | "
            f"{row['regrade'][0]:.1f} / {row['regrade'][1]:.1f} | {ok} |"
        )
    print()
    print("| class | learners | mean think s | regrades | regrades/s | p50 ms | p95 ms | max ms |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    print(
        f"| {crowd['lab']} | {crowd['size']} | {crowd['think']:.1f} | {crowd['regrades']} | {crowd['per_second']:.1f} | "
        f"{crowd['p50']:.1f} | {crowd['p95']:.1f} | {crowd['max']:.1f} |"
    )


if __name__ == "__main__":
    main()
