"""`make bench-class`: a class of learners on one server (issue #12, "Fast for a class").

    .venv/bin/python -m tests.bench.class_bench [--learners 30] [--duration 60] [--serve [--workers 2]]

One run:

1. a fresh database (a temporary SQLite file, or a new PostgreSQL database
   when DATABASE_URL names a server), migrated;
2. the lab served by uvicorn as `make run` serves it (DEBUG off, restarts of
   the real length, VNETLAB_RESTART_SECONDS), first with the page cache on,
   then with it off (a new server each time, on the same database);
3. --learners learners, each a browser of its own (a keep-alive connection
   and a cookie jar): a cookie-less visit to / gives each its own sandbox
   with the demo seed;
4. for each page cache setting: /ping alone (--learners keep-alive clients,
   10 s), then the class paced (0.5-1.5 s between clicks) and unpaced (no
   pause) for --duration seconds each. A learner's loop: All resources, the
   app's Networking blade, the Add VNet pane, a VNet's Subnets, an NSG's
   inbound rules, the troubleshooter; and about every 4 s a write through
   the real forms with the CSRF token, in turn: a subnet, an NSG rule, an
   app setting (the Configuration page read, then Save), an integration of
   the app with a VNet, and its disconnect. One more client asks /ping in a
   closed loop during the class, and one idle learner (a sandbox nobody
   changes) reads All resources every second: its hit rate shows whether
   others' writes empty its copies;
5. in this process, with nothing else running: the troubleshooter request
   at the seed's size and at 100 times the seed's resources, with the
   snapshot kept and right after a real change (an NSG rule's port).

Reads, writes and errors are counted per phase: any answer but 2xx, 3xx or
a form's 422 is an error, and the run exits 1 if there was one. Targets
(2 cores): paced reads p95 < 50 ms and writes p95 < 150 ms; unpaced reads
p95 < 100 ms and >= 25 % of /ping's throughput; the troubleshooter < 10 ms
at the seed's size and < 40 ms at 100x. Each prints PASS or MISS.

With --serve (`make bench-class-serve`), the same class against the lab
served as `make serve` serves it: a fresh PostgreSQL database (DATABASE_URL
must name a PostgreSQL server), the Redis channel layer on the database
REDIS_URL names (emptied first, so not db 0), --workers uvicorn workers
(WORKERS, 2). Each learner also holds a live tab (tests/bench/class_live.py);
more targets: every write's push delivered to its learner's tab, no tab
closed by the server, and the restart's push p95 < 200 ms beyond its end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import secrets
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from tests.bench.run_bench import (
    ROOT,
    TARGET_PUSH_BEYOND_MS,
    FreshDatabase,
    Server,
    broke,
    clean_up,
    pct,
    report,
    verdict,
)

READ_P95_PACED_MS = 50.0
WRITE_P95_PACED_MS = 150.0
READ_P95_UNPACED_MS = 100.0
UNPACED_RATIO = 0.25
TROUBLESHOOT_SEED_MS = 10.0
TROUBLESHOOT_100X_MS = 40.0
WRITE_EVERY_S = 4.0
CACHED_PAGES = {"all_resources", "networking", "add_vnet", "vnet_subnets"}
TOKEN = re.compile(r'"X-CSRFToken": "([A-Za-z0-9]{64})"')
HX = {"HX-Request": "true"}


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="python -m tests.bench.class_bench", description=__doc__.split("\n\n")[0])
    p.add_argument("--learners", type=int, default=int(os.environ.get("CLASS_SIZE") or 30))
    p.add_argument("--duration", type=float, default=float(os.environ.get("DURATION") or 60), help="seconds per phase")
    p.add_argument("--ping-seconds", type=float, default=10.0, help="seconds of /ping alone")
    p.add_argument("--only", choices=("on", "off"), help="run one page cache setting only")
    p.add_argument(
        "--serve",
        action="store_true",
        help="serve as `make serve` does (PostgreSQL, Redis, --workers), each learner with a live tab",
    )
    workers = int(os.environ.get("WORKERS") or 2)
    p.add_argument("--workers", type=int, default=workers, help="uvicorn workers with --serve (WORKERS, 2)")
    p.add_argument("--markdown", metavar="PATH")
    p.add_argument("--json", metavar="PATH")
    p.add_argument("--keep", action="store_true", help="keep the temporary database and server logs")
    return p.parse_args(argv)


# --- A learner ---------------------------------------------------------------------


@dataclass
class Sample:
    kind: str  # "read" or "write"
    name: str
    ms: float
    status: int
    hit: bool = False
    at: float = 0.0  # when it was sent, seconds since the epoch


@dataclass
class Learner:
    index: int
    browser: object
    urls: dict = field(default_factory=dict)
    ids: dict = field(default_factory=dict)
    csrf: str = ""
    writes: int = 0
    samples: list[Sample] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    tab: object = None  # with --serve: its WebSocket (tests/bench/push.py Tab)

    async def call(self, kind: str, name: str, method: str, path: str, headers=None, form=None):
        body = urlencode(form or {}, doseq=True).encode() if method == "POST" else b""
        at, started = time.time(), time.perf_counter()
        try:
            response = await self.browser.request(method, path, headers, body)
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            self.samples.append(Sample(kind, name, (time.perf_counter() - started) * 1000, 0, at=at))
            self.errors.append(f"{name}: {type(exc).__name__}: {exc}")
            return None
        ms = (time.perf_counter() - started) * 1000
        hit = response.header("X-VNetLab-Page-Cache") == "hit"
        self.samples.append(Sample(kind, name, ms, response.status, hit, at))
        if not (200 <= response.status < 400 or response.status == 422):
            self.errors.append(f"{name} {method} {path}: HTTP {response.status}: {response.body[:200]!r}")
        found = TOKEN.search(response.body.decode("utf-8", "replace"))
        if found:
            self.csrf = found.group(1)
        return response

    async def read(self, name: str) -> None:
        path, headers = self.urls[name]
        await self.call("read", name, "GET", path, headers)

    def _post_headers(self) -> dict:
        return {**HX, "X-CSRFToken": self.csrf}

    async def write(self) -> None:
        """The next write of the rotation, through the form a learner fills in."""
        n, turn = self.writes, self.writes % 5
        self.writes += 1
        if turn == 0:
            form = {
                "subnet_name": f"class-{n}",
                "subnet_prefix": f"10.0.{100 + n // 8}.{(n % 8) * 32}/27",
                "private_endpoint_network_policies": "Disabled",
            }
            await self.call("write", "add subnet", "POST", self.urls["add_subnet"], self._post_headers(), form)
        elif turn == 1:
            form = {
                "source": "Any", "source_ports": "*", "destination": "Any", "service": "Custom",
                "destination_ports": str(8000 + n), "protocol": "Tcp", "access": "Allow",
                "priority": str(1000 + n), "name": f"class-rule-{n}", "description": "",
            }  # fmt: skip
            await self.call("write", "add NSG rule", "POST", self.urls["add_rule"], self._post_headers(), form)
        elif turn == 2:
            page = await self.call("read", "configuration", "GET", self.urls["configuration"])
            if page is None:
                return
            html = page.body.decode("utf-8", "replace")
            form = settings_grid(html)
            form["setting_name"].append("CLASS_RUN")
            form["setting_value"].append(str(n))
            form["setting_slot"].append("0")
            names = form["setting_name"]
            if names.count("CLASS_RUN") > 1:  # a later save changes the one it added
                first = names.index("CLASS_RUN")
                for column in ("setting_name", "setting_value", "setting_slot"):
                    del form[column][first]
            form["confirmed"] = "1"
            await self.call("write", "save app setting", "POST", self.urls["save_settings"], self._post_headers(), form)
        elif turn == 3:
            form = {"vnet": self.ids["vnet"], "subnet_mode": "existing", "subnet": self.ids["subnet"]}
            await self.call("write", "integrate", "POST", self.urls["add_vnet_post"], self._post_headers(), form)
        else:
            await self.call("write", "disconnect", "POST", self.urls["disconnect"], self._post_headers(), {})


_HIDDEN = re.compile(r'<input[^>]*type="hidden"[^>]*>')
_ATTR = re.compile(r'(name|value)="([^"]*)"')


def settings_grid(html: str) -> dict:
    """The Configuration grid's hidden inputs, as the browser would post them."""
    import html as html_lib

    form: dict[str, list[str]] = {"setting_name": [], "setting_value": [], "setting_slot": []}
    for tag in _HIDDEN.findall(html):
        attrs = dict(_ATTR.findall(tag))
        name = attrs.get("name", "")
        if name in form or name in ("base_version", "show_values"):
            form.setdefault(name, []).append(html_lib.unescape(attrs.get("value", "")))
    form["base_version"] = form.get("base_version", [""])[:1]
    form["show_values"] = form.get("show_values", ["0"])[:1]
    return form


async def learner_loop(learner: Learner, deadline: float, paced: bool, rng: random.Random) -> None:
    next_write = time.monotonic() + rng.uniform(0, WRITE_EVERY_S)
    while time.monotonic() < deadline:
        for name in ("all_resources", "networking", "add_vnet", "vnet_subnets", "nsg_rules", "troubleshoot"):
            if time.monotonic() >= deadline:
                return
            if time.monotonic() >= next_write:
                await learner.write()
                next_write = time.monotonic() + WRITE_EVERY_S * rng.uniform(0.75, 1.25)
            await learner.read(name)
            if paced:
                await asyncio.sleep(rng.uniform(0.5, 1.5))
            else:
                await asyncio.sleep(0)


async def ping_loop(port: int, deadline: float, out: list[float]) -> None:
    from tests.bench.loadgen import Browser

    browser = Browser("127.0.0.1", port)
    try:
        while time.monotonic() < deadline:
            started = time.perf_counter()
            await browser.request("GET", "/ping")
            out.append((time.perf_counter() - started) * 1000)
    finally:
        await browser.close()


async def idle_loop(learner: Learner, deadline: float) -> None:
    while time.monotonic() < deadline:
        await learner.read("all_resources")
        await asyncio.sleep(1.0)


# --- Setting the class up ----------------------------------------------------------


async def enrol(port: int, count: int) -> list[Learner]:
    """``count`` browsers, each given its own sandbox by a first visit."""
    from tests.bench.loadgen import Browser

    learners = []
    for i in range(count):
        browser = Browser("127.0.0.1", port)
        response = await browser.request("GET", "/")
        if response.status != 200 or "sessionid" not in browser.cookies:
            raise RuntimeError(f"learner {i}: GET / gave {response.status} and no session")
        await browser.close()  # each phase reconnects, on its own event loop
        learners.append(Learner(i, browser))
    return learners


def address(learner: Learner) -> None:
    """The learner's URLs and the IDs its forms post, from its sandbox."""
    from django.contrib.sessions.backends.signed_cookies import SessionStore
    from django.urls import reverse

    from appservice.models import WebApp
    from networking.models import NetworkSecurityGroup, Subnet
    from portal.middleware import SESSION_KEY
    from portal.models import Sandbox

    secret = SessionStore(session_key=learner.browser.cookies["sessionid"]).load()[SESSION_KEY]
    sandbox = Sandbox.objects.get(secret=secret)
    app = WebApp.objects.select_related("resource_group__subscription").get(sandbox=sandbox, name="contoso-web")
    sub = app.resource_group.subscription.subscription_id
    subnet = Subnet.objects.select_related("vnet__resource_group").get(
        vnet__sandbox=sandbox, vnet__name="contoso-vnet", name="integration-subnet"
    )
    nsg = NetworkSecurityGroup.objects.select_related("resource_group").filter(sandbox=sandbox).order_by("pk").first()
    site = {"subscription_id": sub, "rg": app.resource_group.name, "name": app.name}
    vnet = {"subscription_id": sub, "rg": subnet.vnet.resource_group.name, "provider": "Microsoft.Network", "name": "contoso-vnet"}
    rules = {"subscription_id": sub, "rg": nsg.resource_group.name, "name": nsg.name, "direction": "inbound"}
    host = random.Random(learner.index).choice(["10.0.1.4", "contoso-sql01.database.windows.net", "www.microsoft.com"])
    learner.urls = {
        "all_resources": (reverse("all_resources"), {}),
        "networking": (reverse("appservice:networking", kwargs=site), {}),
        "add_vnet": (reverse("appservice:add_vnet", kwargs=site), HX),
        "vnet_subnets": (reverse("networking:vnet_subnets", kwargs=vnet), {}),
        "nsg_rules": (reverse("networking:nsg_rules", kwargs=rules), {}),
        "troubleshoot": (reverse("appservice:troubleshoot", kwargs=site) + "?" + urlencode({"host": host, "port": 443}), HX),
        "add_subnet": reverse("networking:vnet_add_subnet", kwargs=vnet),
        "add_rule": reverse("networking:nsg_rule_add", kwargs=rules),
        "configuration": reverse("appservice:configuration", kwargs=site),
        "save_settings": reverse("appservice:save_settings", kwargs=site),
        "add_vnet_post": reverse("appservice:add_vnet", kwargs=site),
        "disconnect": reverse("appservice:disconnect", kwargs=site),
    }
    learner.ids = {"vnet": subnet.vnet_id, "subnet": subnet.pk, "app": app.pk, "sandbox": sandbox.pk}


# --- The phases --------------------------------------------------------------------


async def ping_alone(port: int, clients: int, seconds: float) -> dict:
    from tests.bench.loadgen import run_load

    r = await run_load("ping", "127.0.0.1", port, "/ping", headers={}, concurrency=clients, seconds=seconds, warmup=1.0)
    return {"rps": round(r.rps, 1), "p50_ms": round(r.pct(50), 2), "p95_ms": round(r.pct(95), 2), "errors": r.errors}


async def class_phase(
    port: int,
    learners: list[Learner],
    idle: Learner,
    seconds: float,
    paced: bool,
    seed: int,
    linger: float | None = None,
) -> dict:
    """One phase of the class. With ``linger`` (--serve), each learner also
    holds a live tab, open before the phase and closed ``linger`` seconds
    after it (the last restarts end and are pushed)."""
    from tests.bench import class_live

    for learner in (*learners, idle):
        learner.samples, learner.errors = [], []
        await learner.read("all_resources")  # a page with the CSRF token, and a warm connection
    for learner in (*learners, idle):
        learner.samples = []
    if linger is not None:
        await class_live.open_learner_tabs(port, learners)
    deadline = time.monotonic() + seconds
    pings: list[float] = []
    started = time.perf_counter()
    await asyncio.gather(
        *(learner_loop(learner, deadline, paced, random.Random(seed * 1000 + learner.index)) for learner in learners),
        ping_loop(port, deadline, pings),
        idle_loop(idle, deadline),
    )
    wall = time.perf_counter() - started
    for learner in (*learners, idle):
        await learner.browser.close()
    if linger is not None:
        await class_live.close_learner_tabs(learners, linger)
    samples = [s for learner in learners for s in learner.samples]
    reads = [s for s in samples if s.kind == "read"]
    writes = [s for s in samples if s.kind == "write"]
    cacheable = [s for s in reads if s.name in CACHED_PAGES]
    idle_reads = idle.samples
    per_page = {}
    for name in sorted({s.name for s in samples}):
        ms = [s.ms for s in samples if s.name == name]
        per_page[name] = {"count": len(ms), "p50_ms": round(pct(ms, 50), 1), "p95_ms": round(pct(ms, 95), 1)}
    return {
        "paced": paced,
        "seconds": round(wall, 1),
        "reads": len(reads),
        "reads_per_s": round(len(reads) / wall, 1),
        "read_p50_ms": round(pct([s.ms for s in reads], 50), 1),
        "read_p95_ms": round(pct([s.ms for s in reads], 95), 1),
        "writes": len(writes),
        "writes_per_s": round(len(writes) / wall, 2),
        "write_p50_ms": round(pct([s.ms for s in writes], 50), 1),
        "write_p95_ms": round(pct([s.ms for s in writes], 95), 1),
        "refused_422": sum(1 for s in samples if s.status == 422),
        "errors": sum(len(learner.errors) for learner in (*learners, idle)),
        "first_errors": [e for learner in (*learners, idle) for e in learner.errors][:5],
        "hit_rate": round(sum(s.hit for s in cacheable) / len(cacheable), 3) if cacheable else 0.0,
        "idle_hit_rate": round(sum(s.hit for s in idle_reads[1:]) / max(1, len(idle_reads) - 1), 3),
        "ping_during": {
            "count": len(pings),
            "rps": round(len(pings) / wall, 1),
            "p50_ms": round(pct(pings, 50), 2),
            "p95_ms": round(pct(pings, 95), 2),
        },
        "pages": per_page,
    }


# --- The troubleshooter, alone ----------------------------------------------------------


def troubleshooter_alone(repeat: int = 30) -> dict:
    """In this process (Django's test client, the same database, page cache
    off): the troubleshooter's request with the snapshot kept, and right
    after a real change (an NSG rule's port: the parts of the snapshot it
    touches built again), at the seed's size and at 100x.
    What this process has loaded is frozen out of the garbage collector's
    full passes first, as a server's startup does (portal/lifespan.py)."""
    from django.test import Client
    from django.test.utils import override_settings
    from django.urls import reverse

    from appservice.models import WebApp
    from networking.models import NetworkSecurityGroup
    from networking.services import nsgs as nsg_services
    from portal import changes
    from portal.lifespan import freeze_loaded_objects
    from portal.middleware import SESSION_KEY
    from portal.models import Sandbox
    from tests.bench import estate

    client = Client()
    client.get("/")
    freeze_loaded_objects()
    sandbox = Sandbox.objects.get(secret=client.session[SESSION_KEY])
    app = WebApp.objects.select_related("resource_group__subscription").get(sandbox=sandbox, name="contoso-web")
    kwargs = {"subscription_id": app.resource_group.subscription.subscription_id, "rg": app.resource_group.name, "name": app.name}
    url = reverse("appservice:troubleshoot", kwargs=kwargs) + "?host=contoso-sql01.database.windows.net&port=1433"
    nsg = NetworkSecurityGroup.objects.filter(sandbox=sandbox).order_by("pk").first()
    if nsg is None:
        raise RuntimeError("troubleshooter: the seed has no network security group to change")
    pane = {
        "name": "bench-change", "priority": "4000", "service": "Custom", "protocol": "Tcp", "access": "Allow",
        "source": "Any", "destination": "Any", "source_ports": "*", "destination_ports": "1400",
    }  # fmt: skip
    with changes.writing_for(sandbox):
        rule = nsg_services.add_rule(nsg, "Inbound", pane)

    def real_change(n: int) -> None:
        """One custom NSG rule's destination port moves, through the service
        the rule's pane saves with: its NSG's part of the snapshot, and what
        depends on it, are built again (a bump alone would rebuild nothing:
        the parts are kept while their rows are equal)."""
        with changes.writing_for(sandbox):
            nsg_services.update_rule(rule, {**pane, "destination_ports": str(1400 + n % 50)})
        changes.bump(sandbox)

    def timed(change: bool) -> float:
        times = []
        for n in range(repeat):
            if change:
                real_change(n)
            started = time.perf_counter()
            response = client.get(url, HTTP_HX_REQUEST="true")
            times.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"troubleshooter: HTTP {response.status_code}")
        return round(statistics.median(times), 2)

    out = {}
    with override_settings(VNETLAB_PAGE_CACHE=False):
        seed_resources = estate.resource_count(sandbox)
        out["seed"] = {"resources": seed_resources, "kept_ms": timed(False), "rebuilt_ms": timed(True)}
        estate.grow(sandbox, 100 * seed_resources, notifications=0, activity=0)
        out["100x"] = {"resources": estate.resource_count(sandbox), "kept_ms": timed(False), "rebuilt_ms": timed(True)}
    return out


# --- Report ------------------------------------------------------------------------


def mark(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def verdicts(s: dict) -> list[tuple[str, str, str]]:
    rows = []
    for cache, run in s["runs"].items():
        ping = run["ping_alone"]["rps"]
        paced, unpaced = run["paced"], run["unpaced"]
        ratio = unpaced["reads_per_s"] / ping if ping else 0.0
        rows += [
            (f"paced reads p95 < {READ_P95_PACED_MS:.0f} ms (cache {cache})", f"{paced['read_p95_ms']:.1f} ms", mark(paced["read_p95_ms"] < READ_P95_PACED_MS)),
            (f"paced writes p95 < {WRITE_P95_PACED_MS:.0f} ms (cache {cache})", f"{paced['write_p95_ms']:.1f} ms", mark(paced["write_p95_ms"] < WRITE_P95_PACED_MS)),
            (f"unpaced reads p95 < {READ_P95_UNPACED_MS:.0f} ms (cache {cache})", f"{unpaced['read_p95_ms']:.1f} ms", mark(unpaced["read_p95_ms"] < READ_P95_UNPACED_MS)),
            (f"unpaced reads >= {UNPACED_RATIO:.0%} of /ping's throughput (cache {cache})", f"{ratio:.0%} ({unpaced['reads_per_s']:.0f} of {ping:.0f} req/s)", mark(ratio >= UNPACED_RATIO)),
        ]  # fmt: skip
    for cache, run in s["runs"].items():
        for phase in ("paced", "unpaced"):
            live = run[phase].get("live")
            if live is None:
                continue
            settled = live["restarts"] - live["restarts_superseded"]
            rows += [
                (f"every live push delivered (cache {cache}, {phase})", f"{live['writes_pushed']} of {live['writes']} writes, {live['restarts_measured']} of {settled} restarts' Running", mark(live["delivered"])),
                (f"no tab closed by the server (cache {cache}, {phase})", f"{live['tabs_dropped']} of {live['tabs']} closed", mark(not live["tabs_dropped"])),
                (f"push p95 beyond the restart < {TARGET_PUSH_BEYOND_MS:.0f} ms (cache {cache}, {phase})", f"{live['beyond_p95_ms']:.0f} ms (p50 {live['beyond_p50_ms']:.0f} ms, {live['restarts_measured']} restarts)", mark(live["beyond_p95_ms"] < TARGET_PUSH_BEYOND_MS)),
            ]  # fmt: skip
    t = s.get("troubleshooter")
    if t:
        rows += [
            (f"troubleshooter < {TROUBLESHOOT_SEED_MS:.0f} ms at the seed's size, snapshot kept", f"{t['seed']['kept_ms']:.1f} ms", mark(t["seed"]["kept_ms"] < TROUBLESHOOT_SEED_MS)),
            (f"troubleshooter < {TROUBLESHOOT_SEED_MS:.0f} ms at the seed's size, right after a real change", f"{t['seed']['rebuilt_ms']:.1f} ms", mark(t["seed"]["rebuilt_ms"] < TROUBLESHOOT_SEED_MS)),
            (f"troubleshooter < {TROUBLESHOOT_100X_MS:.0f} ms at 100x, snapshot kept", f"{t['100x']['kept_ms']:.1f} ms", mark(t["100x"]["kept_ms"] < TROUBLESHOOT_100X_MS)),
            (f"troubleshooter < {TROUBLESHOOT_100X_MS:.0f} ms at 100x, right after a real change", f"{t['100x']['rebuilt_ms']:.1f} ms", mark(t["100x"]["rebuilt_ms"] < TROUBLESHOOT_100X_MS)),
        ]  # fmt: skip
    return rows


def markdown(s: dict) -> str:
    m = s["machine"]
    lines = [
        f"Run {m['date']} on {m['cores']} cores ({m['cpu']}); Python {m['python']}, Django {m['django']}, uvicorn {m['uvicorn']}.",
        f"Database: {m['database']}; channel layer: {m['channel_layer']}; uvicorn workers: {s.get('workers', 1)}. Load average (`/proc/loadavg`) before: {s['loadavg_before']}; after: {s['loadavg_after']}.",
        f"Class: {s['learners']} learners, each in their own sandbox (the demo seed), {s['duration']:g} s per phase; a write about every {WRITE_EVERY_S:g} s per learner; restarts of {s['restart_seconds']:g} s.",
        "",
        "| page cache | phase | reads | reads/s | read p50 / p95 ms | writes | write p50 / p95 ms | 422 | errors | cache hits (idle learner) | /ping alone req/s (p95) | /ping during req/s (p95) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|",
    ]
    for cache, run in s["runs"].items():
        ping = run["ping_alone"]
        for phase in ("paced", "unpaced"):
            r = run[phase]
            hits = f"{r['hit_rate']:.0%} ({r['idle_hit_rate']:.0%})" if cache == "on" else "– (off)"
            lines.append(
                f"| {cache} | {phase} | {r['reads']} | {r['reads_per_s']:.0f} | {r['read_p50_ms']:.1f} / {r['read_p95_ms']:.1f} | "
                f"{r['writes']} | {r['write_p50_ms']:.1f} / {r['write_p95_ms']:.1f} | {r['refused_422']} | {r['errors']} | {hits} | "
                f"{ping['rps']:.0f} ({ping['p95_ms']:.1f}) | {r['ping_during']['rps']:.0f} ({r['ping_during']['p95_ms']:.1f}) |"
            )
    lines += ["", "| page or write | cache | phase | count | p50 ms | p95 ms |", "|---|---|---|---:|---:|---:|"]
    for cache, run in s["runs"].items():
        for phase in ("paced", "unpaced"):
            for name, p in run[phase]["pages"].items():
                lines.append(f"| {name} | {cache} | {phase} | {p['count']} | {p['p50_ms']:.1f} | {p['p95_ms']:.1f} |")
    if s.get("serve"):
        lines += [
            "",
            "Live tabs (`--serve`): one WebSocket per learner; a write is pushed when a notification it made reached its tab; "
            "beyond the restart: from the restart's `ends_at` to the push with the app's badge Running.",
            "",
            "| page cache | phase | tabs (dropped) | writes pushed | writes without push | notifications lost | push after write p50 / p95 ms | restarts | superseded | Running not pushed | beyond restart p50 / p95 / max ms |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for cache, run in s["runs"].items():
            for phase in ("paced", "unpaced"):
                v = run[phase]["live"]
                lines.append(
                    f"| {cache} | {phase} | {v['tabs']} ({v['tabs_dropped']}) | {v['writes_pushed']} of {v['writes']} | {v['writes_without_push']} | {v['notes_missing']} of {v['notes']} | "
                    f"{v['push_p50_ms']:.0f} / {v['push_p95_ms']:.0f} | {v['restarts']} | {v['restarts_superseded']} | "
                    f"{v['restarts_missing'] + v['restarts_unfinished']} | {v['beyond_p50_ms']:.0f} / {v['beyond_p95_ms']:.0f} / {v['beyond_max_ms']:.0f} |"
                )
    t = s.get("troubleshooter")
    if t:
        lines += [
            "",
            "Troubleshooter request alone (in-process, page cache off, median of 30):",
            "",
            "| estate | resources | snapshot kept ms | right after a real change ms |",
            "|---|---:|---:|---:|",
            f"| seed | {t['seed']['resources']} | {t['seed']['kept_ms']:.1f} | {t['seed']['rebuilt_ms']:.1f} |",
            f"| 100x | {t['100x']['resources']} | {t['100x']['kept_ms']:.1f} | {t['100x']['rebuilt_ms']:.1f} |",
        ]
    lines += ["", "| target | figure | verdict |", "|---|---|---|"]
    lines += [f"| {name} | {figure} | {verdict} |" for name, figure, verdict in verdicts(s)]
    return "\n".join(lines)


# --- main ---------------------------------------------------------------------------


def last_note() -> int:
    """The newest notification's pk: a phase's are those after it."""
    from django.db import connection
    from django.db.models import Max

    from portal.models import Notification

    pk = Notification.objects.aggregate(last=Max("pk"))["last"] or 0
    connection.close()
    return pk


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def serve_refusal(args) -> str:
    """Why --serve can't run here ("" when it can). It serves as `make serve`
    does: a fresh PostgreSQL database on DATABASE_URL's server, and the Redis
    database REDIS_URL names, emptied first (so not db 0, `make serve`'s own)."""
    from urllib.parse import urlsplit

    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        return (
            "--serve needs DATABASE_URL naming a PostgreSQL server, e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres "
            "(`make serve`'s workers share the database; the bench makes a fresh one there and drops it after)."
        )
    redis_url = os.environ.get("REDIS_URL", "")
    if not redis_url:
        return "--serve needs REDIS_URL with a Redis database of its own, e.g. REDIS_URL=redis://127.0.0.1:6379/9 (emptied at the start)."
    db = urlsplit(redis_url).path.strip("/") or "0"
    if db == "0":
        return f"--serve empties the Redis database REDIS_URL names ({redis_url}): name one of its own, not db 0, e.g. redis://127.0.0.1:6379/9."
    if args.workers < 2:
        return "--serve runs at least 2 workers (WORKERS), as `make serve` does."
    return ""


def flush_redis() -> None:
    import redis

    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    try:
        client.flushdb()
    finally:
        client.close()


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.serve:
        refusal = serve_refusal(args)
        if refusal:
            print(refusal, file=sys.stderr)
            return 2
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    tmpdir = Path(tempfile.mkdtemp(prefix="vnetlab-class-"))
    db = FreshDatabase(tmpdir)
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "tests.bench.settings",
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
            "DATABASE_URL": db.url,
            "DJANGO_LOG_LEVEL": "WARNING",
        }
    )
    if os.environ.get("REDIS_URL"):
        os.environ["REDIS_PREFIX"] = f"vnetlab-class-{secrets.token_hex(4)}"
    if args.serve:
        flush_redis()
    workers = args.workers if args.serve else 1
    failures: list[str] = []
    summary: dict = {
        "loadavg_before": loadavg(),
        "learners": args.learners,
        "duration": args.duration,
        "serve": args.serve,
        "workers": workers,
        "runs": {},
    }
    server = None
    try:
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command
        from django.db import connection

        from tests.bench import class_live
        from tests.bench.machine import describe

        redis_url = os.environ.get("REDIS_URL")
        summary["machine"] = describe(db.label, f"Redis ({redis_url})" if redis_url else "in-memory")
        summary["restart_seconds"] = settings.VNETLAB_RESTART_SECONDS
        linger = settings.VNETLAB_RESTART_SECONDS + 3.0 if args.serve else None
        call_command("migrate", verbosity=0, interactive=False)
        connection.close()
        learners: list[Learner] = []
        idle: Learner | None = None
        for cache in ("on", "off") if args.only is None else (args.only,):
            os.environ["VNETLAB_PAGE_CACHE"] = "true" if cache == "on" else "false"
            server = Server(workers, tmpdir / f"uvicorn-{cache}.log")
            server.wait_ready()
            if not learners:
                learners = asyncio.run(enrol(server.port, args.learners + 1))
                idle = learners.pop()
                for learner in (*learners, idle):
                    address(learner)
                connection.close()
                print(f"[class] {args.learners} learners enrolled, each with a sandbox", flush=True)
            for learner in (*learners, idle):
                learner.browser.port = server.port  # the same cookies, a new server
            run = {"ping_alone": asyncio.run(ping_alone(server.port, args.learners, args.ping_seconds))}
            print(f"[class] cache {cache}: /ping alone {run['ping_alone']['rps']:.0f} req/s", flush=True)
            for phase, paced in (("paced", True), ("unpaced", False)):
                since_note = last_note()
                seed = len(summary["runs"]) * 2 + paced
                result = asyncio.run(class_phase(server.port, learners, idle, args.duration, paced, seed, linger))
                run[phase] = result
                if args.serve:
                    offset = time.time() - time.perf_counter()
                    result["live"] = live = class_live.deliveries(learners, since_note, offset)
                    connection.close()
                    print(
                        f"[class] cache {cache}, {phase}: {live['writes_pushed']} of {live['writes']} writes pushed to their tab, "
                        f"restart push p95 {live['beyond_p95_ms']:.0f} ms beyond the restart ({live['restarts_measured']} restarts)",
                        flush=True,
                    )
                    if not live["delivered"] or live["tabs_dropped"]:
                        failures.append(f"cache {cache}, {phase}: live tabs: {live['first_lost']}")
                print(
                    f"[class] cache {cache}, {phase}: reads p95 {result['read_p95_ms']:.1f} ms ({result['reads_per_s']:.0f}/s), "
                    f"writes p95 {result['write_p95_ms']:.1f} ms, errors {result['errors']}, hit rate {result['hit_rate']:.0%}",
                    flush=True,
                )
                if result["errors"]:
                    failures.append(f"cache {cache}, {phase}: {result['errors']} errors; first: {result['first_errors']}")
            summary["runs"][cache] = run
            if not server.alive():
                failures.append(f"uvicorn died:\n{server.log_tail()}")
            log = server.log_tail()
            if "Traceback" in log or "ERROR" in log:
                failures.append(f"the server logged errors:\n{log}")
            server.stop()
            server = None
        connection.close()
        summary["troubleshooter"] = troubleshooter_alone()
        summary["loadavg_after"] = loadavg()
        report(markdown(summary), summary, args)
    except Exception as exc:  # a benchmark that broke says why, and fails
        broke(exc, server, failures)
    finally:
        clean_up(server, db, tmpdir, keep=args.keep)
    return verdict(failures)


if __name__ == "__main__":
    sys.exit(main())
