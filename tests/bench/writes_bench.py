"""The five writes of a class (issue #12, "Fast for a class"), one at a time:
queries and server CPU of each, in this process.

    .venv/bin/python -m tests.bench.writes_bench [--repeat 40] [--queries]

On a temporary SQLite database (a new PostgreSQL database when DATABASE_URL
names a server), one sandbox with the demo seed, made by a first visit as
`make bench-class` makes its learners'. Each write is the POST a learner's
form sends there (tests/bench/class_bench.py): add a subnet to contoso-vnet,
add an NSG inbound rule, save an app setting on contoso-web's Configuration
page (read first, as the browser does), integrate contoso-web with
contoso-vnet's integration-subnet, and disconnect it. Each POST goes through
Django's test client with the htmx header and must answer 200.

Figures: the queries of one POST (``CaptureQueriesContext``), and the
median CPU time of the POST (``time.process_time``, this process only: the
server's work, the database's included for SQLite) over --repeat runs after
--warmup unmeasured ones. What a write leaves is undone between runs, out of
the measure (the subnet and the rule are deleted through their panes; the
setting's value alternates; integrate and disconnect alternate), and
restarts take no time (VNETLAB_RESTART_SECONDS=0): a request before each
measured one (/ping) finishes them, so the measured write never does.
--queries prints each write's SQL.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

WRITES = ("add subnet", "add NSG rule", "save app setting", "integrate", "disconnect")
_HIDDEN = re.compile(r'<input[^>]*type="hidden"[^>]*>')
_ATTR = re.compile(r'(name|value)="([^"]*)"')


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="python -m tests.bench.writes_bench", description=__doc__.split("\n\n")[0])
    p.add_argument("--repeat", type=int, default=40, help="measured runs of each write (default 40)")
    p.add_argument("--warmup", type=int, default=5, help="unmeasured runs first (default 5)")
    p.add_argument("--queries", action="store_true", help="print the SQL of each write")
    p.add_argument("--markdown", metavar="PATH")
    p.add_argument("--json", metavar="PATH")
    return p.parse_args(argv)


def configure(tmpdir: Path):
    """Django on a fresh database, as the server is set up for `make bench`
    but with restarts that end at once."""
    from tests.bench.run_bench import FreshDatabase

    db = FreshDatabase(tmpdir)
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "tests.bench.settings",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
            "DATABASE_URL": db.url,
            "VNETLAB_RESTART_SECONDS": "0",
            "VNETLAB_PAGE_CACHE": "true",
            "DJANGO_LOG_LEVEL": "WARNING",
        }
    )
    os.environ.pop("REDIS_URL", None)  # the in-memory channel layer: pushes rendered and sent in-process
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return db


def _hidden_inputs(html: str) -> dict[str, list[str]]:
    """The page's hidden inputs, as the browser posts them (the settings grid)."""
    import html as html_lib

    form: dict[str, list[str]] = {}
    for tag in _HIDDEN.findall(html):
        attrs = dict(_ATTR.findall(tag))
        if "name" in attrs:
            form.setdefault(attrs["name"], []).append(html_lib.unescape(attrs.get("value", "")))
    return form


class Learner:
    """One browser with its sandbox, and the five writes as its forms post them."""

    def __init__(self):
        from django.test import Client
        from django.urls import reverse

        from appservice.models import WebApp
        from networking.models import NetworkSecurityGroup, Subnet
        from portal.middleware import SESSION_KEY
        from portal.models import Sandbox

        self.client = Client()
        self.client.get(reverse("home"))
        self.sandbox = Sandbox.objects.get(secret=self.client.session[SESSION_KEY])
        app = WebApp.objects.select_related("resource_group__subscription").get(
            sandbox=self.sandbox, name="contoso-web"
        )
        sub = app.resource_group.subscription.subscription_id
        subnet = Subnet.objects.select_related("vnet__resource_group").get(
            vnet__sandbox=self.sandbox, vnet__name="contoso-vnet", name="integration-subnet"
        )
        nsg = (
            NetworkSecurityGroup.objects.select_related("resource_group").filter(sandbox=self.sandbox).order_by("pk")[0]
        )
        site = {"subscription_id": sub, "rg": app.resource_group.name, "name": app.name}
        vnet = {
            "subscription_id": sub,
            "rg": subnet.vnet.resource_group.name,
            "provider": "Microsoft.Network",
            "name": "contoso-vnet",
        }
        self.vnet_kwargs = vnet
        self.nsg_kwargs = {"subscription_id": sub, "rg": nsg.resource_group.name, "name": nsg.name}
        self.urls = {
            "add_subnet": reverse("networking:vnet_add_subnet", kwargs=vnet),
            "add_rule": reverse("networking:nsg_rule_add", kwargs={**self.nsg_kwargs, "direction": "inbound"}),
            "configuration": reverse("appservice:configuration", kwargs=site),
            "save_settings": reverse("appservice:save_settings", kwargs=site),
            "integrate": reverse("appservice:add_vnet", kwargs=site),
            "disconnect": reverse("appservice:disconnect", kwargs=site),
            "ping": reverse("ping"),
        }
        self.ids = {"vnet": subnet.vnet_id, "subnet": subnet.pk}
        self.runs = 0

    def post(self, url: str, data: dict, measure, label: str):
        self.client.get(self.urls["ping"])  # finishes the last write's restart, out of the measure
        response = measure(lambda: self.client.post(url, data, HTTP_HX_REQUEST="true"))
        if response.status_code != 200:
            raise RuntimeError(f"{label}: HTTP {response.status_code}: {response.content[:400]!r}")
        return response

    def _undo(self, url: str) -> None:
        response = self.client.post(url, {}, HTTP_HX_REQUEST="true")
        if response.status_code != 200:
            raise RuntimeError(f"undo {url}: HTTP {response.status_code}")

    def add_subnet(self, measure) -> None:
        from django.urls import reverse

        name = f"bench-{self.runs}"
        form = {"subnet_name": name, "subnet_prefix": "10.0.200.0/27", "private_endpoint_network_policies": "Disabled"}
        self.post(self.urls["add_subnet"], form, measure, "add subnet")
        self._undo(reverse("networking:vnet_subnet_delete", kwargs={**self.vnet_kwargs, "subnet": name}))

    def add_rule(self, measure) -> None:
        from django.urls import reverse

        name = f"bench-rule-{self.runs}"
        form = {
            "source": "Any", "source_ports": "*", "destination": "Any", "service": "Custom",
            "destination_ports": "8080", "protocol": "Tcp", "access": "Allow",
            "priority": "1000", "name": name, "description": "",
        }  # fmt: skip
        self.post(self.urls["add_rule"], form, measure, "add NSG rule")
        self._undo(reverse("networking:nsg_rule_delete", kwargs={**self.nsg_kwargs, "rule": name}))

    def save_setting(self, measure) -> None:
        page = self.client.get(self.urls["configuration"])
        form = _hidden_inputs(page.content.decode())
        grid = {key: form.get(key, []) for key in ("setting_name", "setting_value", "setting_slot")}
        if "BENCH_RUN" in grid["setting_name"]:
            at = grid["setting_name"].index("BENCH_RUN")
            grid["setting_value"][at] = str(self.runs)
        else:
            grid["setting_name"].append("BENCH_RUN")
            grid["setting_value"].append(str(self.runs))
            grid["setting_slot"].append("0")
        data = {
            **grid,
            "base_version": form.get("base_version", [""])[:1],
            "show_values": form.get("show_values", ["0"])[:1],
            "confirmed": "1",
        }
        self.post(self.urls["save_settings"], data, measure, "save app setting")

    def integrate(self, measure) -> None:
        form = {"vnet": self.ids["vnet"], "subnet_mode": "existing", "subnet": self.ids["subnet"]}
        self.post(self.urls["integrate"], form, measure, "integrate")

    def disconnect(self, measure) -> None:
        self.post(self.urls["disconnect"], {}, measure, "disconnect")


def run(args) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    learner = Learner()
    steps = {
        "add subnet": learner.add_subnet,
        "add NSG rule": learner.add_rule,
        "save app setting": learner.save_setting,
        "integrate": learner.integrate,
        "disconnect": learner.disconnect,
    }
    cpu: dict[str, list[float]] = {name: [] for name in WRITES}
    db_cpu: dict[str, list[float]] = {name: [] for name in WRITES}
    queries: dict[str, list[str]] = {}

    def timed(name):
        def measure(call):
            backend = _backend_cpu_ms(connection)
            started = time.process_time()
            response = call()
            cpu[name].append((time.process_time() - started) * 1000)
            if backend is not None:
                db_cpu[name].append(_backend_cpu_ms(connection) - backend)
            return response

        return measure

    def counted(name):
        def measure(call):
            with CaptureQueriesContext(connection) as ctx:
                response = call()
            queries[name] = [q["sql"] for q in ctx.captured_queries]
            return response

        return measure

    for run_no in range(args.warmup + args.repeat + 1):
        for name in WRITES:  # in the class's order: integrate, then disconnect
            learner.runs = run_no
            if run_no == args.warmup:
                steps[name](counted(name))
            else:
                steps[name](timed(name))
            if run_no < args.warmup:
                cpu[name].clear()
                db_cpu[name].clear()
    return {
        name: {
            "queries": len(queries[name]),
            "cpu_ms": statistics.median(cpu[name]),
            # The kernel counts a process's CPU in ticks of 10 ms: a mean of
            # many writes, not a median of single ones.
            "db_cpu_ms": statistics.fmean(db_cpu[name]) if db_cpu[name] else None,
            "sql": queries[name],
        }
        for name in WRITES
    }


def _backend_cpu_ms(connection) -> float | None:
    """CPU used so far by this connection's PostgreSQL backend (same machine),
    from /proc; None on SQLite, whose work is this process's own."""
    if connection.vendor != "postgresql":
        return None
    from tests.bench.machine import process_cpu

    connection.ensure_connection()
    read = process_cpu(connection.connection.info.backend_pid)
    return None if read is None else read[2] * 1000


def markdown(results: dict, args, db_label: str, load_before: str, load_after: str) -> str:
    import django

    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    on_pg = any(r["db_cpu_ms"] is not None for r in results.values())
    rows = [
        f"| {name} | {r['queries']} | {r['cpu_ms']:.1f} |" + (f" {r['db_cpu_ms']:.1f} |" if on_pg else "")
        for name, r in results.items()
    ]
    return "\n".join(
        [
            f"Run {when}; Python {sys.version.split()[0]}, Django {django.get_version()}; {db_label}.",
            f"Load average (`/proc/loadavg`) before: {load_before}; after: {load_after}.",
            f"Median CPU of {args.repeat} runs after {args.warmup} unmeasured (in-process, Django's test client, page cache on).",
            "",
            "| write | queries | CPU ms |" + (" database CPU ms (mean) |" if on_pg else ""),
            "|---|---:|---:|" + ("---:|" if on_pg else ""),
            *rows,
        ]
    )


def main(argv=None) -> int:
    args = parse_args(argv)
    tmpdir = Path(tempfile.mkdtemp(prefix="vnetlab-writes-"))
    db = configure(tmpdir)
    from tests.bench import machine
    from tests.bench.run_bench import clean_up, report

    load_before = machine.loadavg(all_three=True)
    try:
        results = run(args)
    finally:
        load_after = machine.loadavg(all_three=True)
        clean_up(None, db, tmpdir, keep=False)
    if args.queries:
        for name, r in results.items():
            print(f"\n## {name}: {r['queries']} queries")
            for i, sql in enumerate(r["sql"], 1):
                print(f"{i:3}. {sql[:400]}")
    summary = {name: {k: v for k, v in r.items() if k != "sql"} for name, r in results.items()}
    report(markdown(results, args, db.label, load_before, load_after), summary, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
