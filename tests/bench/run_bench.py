"""`make bench`: VNet Lab under a classroom's load, on this machine.

One run, bounded in time (about a minute with the defaults):

1. a fresh database (a temporary SQLite file; with DATABASE_URL set to
   PostgreSQL, a new database on that server, dropped afterwards), migrated;
2. the lab served by uvicorn as `make run` serves it, on a free loopback port
   (DEBUG off; restarts take --restart-seconds);
3. one sandbox, made by the server on a first request, grown to --resources
   resources through the ORM;
4. --concurrency keep-alive clients on each page for --duration seconds:
   requests/s, p50/p95 latency, and the ratio to a trivial portal view
   (/ping, through the same middleware as every page) and to the bare
   health probe (/healthz, which skips the sandbox);
5. --ws-clients open WebSockets, and the time from an integration's POST to
   the app's "Running" badge reaching each of them;
6. the server's peak memory (RSS, from /proc).

It asserts nothing about speed: it prints the figures and the targets. It
exits non-zero only when something broke (a page that isn't 200, a push that
never came, a server that died).

    .venv/bin/python -m tests.bench.run_bench --help
"""

import argparse
import asyncio
import json
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]

TARGET_P95_MS = 50.0
TARGET_RATIO = 0.35
TARGET_PUSH_BEYOND_MS = 200.0
TARGET_RSS_MB = 300.0


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="python -m tests.bench.run_bench", description=__doc__.split("\n\n")[0])
    p.add_argument("--resources", type=int, default=500, help="resources in the sandbox (default 500)")
    p.add_argument("--concurrency", type=int, default=20, help="concurrent HTTP clients (default 20)")
    p.add_argument("--duration", type=float, default=10.0, help="measured seconds per page (default 10)")
    p.add_argument("--warmup", type=float, default=1.0, help="unmeasured seconds before each page (default 1)")
    p.add_argument("--max-requests", type=int, default=50_000, help="request cap per page (default 50000)")
    p.add_argument("--ws-clients", type=int, default=50, help="open WebSocket tabs for the push (default 50)")
    p.add_argument("--rounds", type=int, default=3, help="integrate + disconnect rounds (default 3)")
    p.add_argument("--restart-seconds", type=float, default=0.2, help="VNETLAB_RESTART_SECONDS (default 0.2)")
    p.add_argument("--workers", type=int, default=1, help="uvicorn workers (more than 1 needs REDIS_URL)")
    p.add_argument(
        "--no-page-cache",
        action="store_true",
        help="serve with VNETLAB_PAGE_CACHE off: every request renders its page",
    )
    p.add_argument("--markdown", metavar="PATH", help="also write the results as a markdown block to PATH")
    p.add_argument("--json", metavar="PATH", help="also write the raw figures as JSON to PATH")
    p.add_argument("--keep", action="store_true", help="keep the temporary database and server log")
    return p.parse_args(argv)


# --- environment: a fresh database, settings for the server and this process ---


class FreshDatabase:
    """A temporary SQLite file, or a new PostgreSQL database when DATABASE_URL
    names a PostgreSQL server."""

    def __init__(self, tmpdir: Path):
        self.admin_url = os.environ.get("DATABASE_URL", "")
        self.pg_name = ""
        scheme = urlsplit(self.admin_url).scheme if self.admin_url else ""
        if scheme.startswith("postgres"):
            import psycopg

            self.pg_name = f"vnetlab_bench_{secrets.token_hex(4)}"
            with psycopg.connect(self.admin_url, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{self.pg_name}"')
            parts = urlsplit(self.admin_url)
            self.url = urlunsplit(parts._replace(path=f"/{self.pg_name}"))
            self.label = f"PostgreSQL (fresh database {self.pg_name})"
        else:
            self.url = f"sqlite:///{tmpdir / 'bench.sqlite3'}"
            self.label = "SQLite (temporary file, WAL)"

    def drop(self):
        if not self.pg_name:
            return
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')


def configure_env(args, db: FreshDatabase) -> dict:
    env = {
        "DJANGO_SETTINGS_MODULE": "tests.bench.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
        "DATABASE_URL": db.url,
        "VNETLAB_RESTART_SECONDS": str(args.restart_seconds),
        "DJANGO_LOG_LEVEL": "WARNING",
        "VNETLAB_PAGE_CACHE": "false" if args.no_page_cache else "true",
    }
    if os.environ.get("REDIS_URL"):
        env["REDIS_PREFIX"] = f"vnetlab-bench-{secrets.token_hex(4)}"
    os.environ.update(env)
    return env


# --- the server -----------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def report(block: str, summary: dict, args) -> None:
    """Print a benchmark's Markdown block, and write it and the summary as
    JSON where ``--markdown`` and ``--json`` ask."""
    print("\n" + block + "\n")
    if args.markdown:
        Path(args.markdown).write_text(block + "\n")
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=2, default=str) + "\n")


class Server:
    """uvicorn serving portal.asgi as `make run` does, on a free loopback port."""

    def __init__(self, workers: int, log_path: Path):
        self.port = free_port()
        cmd = [
            sys.executable, "-m", "uvicorn", "portal.asgi:application",
            "--host", "127.0.0.1", "--port", str(self.port), "--ws", "websockets-sansio",
            "--no-access-log", "--log-level", "warning",
        ]  # fmt: skip
        if workers > 1:
            cmd += ["--workers", str(workers)]
        self.cmd = cmd
        self.log_path = log_path
        self.log = open(log_path, "wb")  # noqa: SIM115 (closed in stop())
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT, env=os.environ.copy())

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"uvicorn exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"uvicorn didn't listen on {self.port} within {timeout} s:\n{self.log_tail()}")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def log_tail(self, n: int = 4000) -> str:
        self.log.flush()
        try:
            return self.log_path.read_bytes()[-n:].decode(errors="replace")
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.log.close()


class MemorySampler(threading.Thread):
    """Samples the RSS of the server's process tree every ``interval`` s."""

    def __init__(self, pid: int, interval: float = 0.1):
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.peak_kb = 0
        self.samples = 0
        self._halt = threading.Event()

    @staticmethod
    def _status(pid: int, field: str) -> int:
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith(field + ":"):
                        return int(line.split()[1])
        except (OSError, ValueError):
            pass
        return 0

    def tree(self) -> list[int]:
        pids = [self.pid]
        try:
            for task in os.listdir(f"/proc/{self.pid}/task"):
                with open(f"/proc/{self.pid}/task/{task}/children") as f:
                    pids += [int(c) for c in f.read().split()]
        except OSError:
            pass
        return pids

    def rss_kb(self) -> int:
        return sum(self._status(pid, "VmRSS") for pid in self.tree())

    def hwm_kb(self) -> int:
        """Peak RSS the kernel recorded, summed over the tree's processes."""
        return sum(self._status(pid, "VmHWM") for pid in self.tree())

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server's process tree so far."""
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        for pid in self.tree():
            try:
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])  # utime, stime
            except (OSError, ValueError, IndexError):
                pass
        return total / ticks

    def run(self):
        while not self._halt.is_set():
            self.peak_kb = max(self.peak_kb, self.rss_kb())
            self.samples += 1
            self._halt.wait(self.interval)

    def stop(self):
        self._halt.set()
        self.join(timeout=2)


# --- the scenario ---------------------------------------------------------------


def first_sandbox(port: int) -> tuple[str, object]:
    """A cookie-less GET / makes the server create a sandbox for the session;
    returns the session cookie and that sandbox."""
    import httpx
    from django.contrib.sessions.backends.signed_cookies import SessionStore

    from portal.middleware import SESSION_KEY
    from portal.models import Sandbox

    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        r = client.get("/")
        r.raise_for_status()
        session = client.cookies.get("sessionid")
    if not session:
        raise RuntimeError("GET / set no session cookie")
    key = SessionStore(session_key=session).load().get(SESSION_KEY)
    return session, Sandbox.objects.get(secret=key)


def page_paths(sandbox) -> dict:
    from django.urls import reverse

    from appservice.models import WebApp
    from networking.models import Subnet, VirtualNetwork

    app = WebApp.objects.select_related("resource_group__subscription").get(sandbox=sandbox, name="contoso-web")
    rg = app.resource_group
    kwargs = {"subscription_id": rg.subscription.subscription_id, "rg": rg.name, "name": app.name}
    vnet = VirtualNetwork.objects.get(sandbox=sandbox, name="contoso-vnet")
    subnet = Subnet.objects.get(vnet=vnet, name="integration-subnet")
    return {
        "app": app,
        "vnet": vnet,
        "subnet": subnet,
        "networking": reverse("appservice:networking", kwargs=kwargs),
        "add_vnet": reverse("appservice:add_vnet", kwargs=kwargs),
        "disconnect": reverse("appservice:disconnect", kwargs=kwargs),
        "all_resources": reverse("all_resources"),
        "healthz": reverse("healthz"),
        "ping": reverse("ping"),
    }


def check_pages(port: int, session: str, pages: list[tuple[str, str, dict]]) -> tuple[str, dict, dict]:
    """Each page twice through the real server: 200, its size, whether the
    second one came from the page cache, and the csrftoken cookie."""
    import httpx

    sizes, copies = {}, {}
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30, cookies={"sessionid": session}) as client:
        for name, path, headers in pages:
            for _ in range(2):
                r = client.get(path, headers=headers)
                if r.status_code != 200:
                    raise RuntimeError(f"{name} ({path}) returned {r.status_code}: {r.text[:500]}")
            sizes[name] = len(r.content)
            copies[name] = r.headers.get("X-VNetLab-Page-Cache") == "hit"
        csrf = client.cookies.get("csrftoken")
    if not csrf:
        raise RuntimeError("no csrftoken cookie after the pages")
    return csrf, sizes, copies


def profile_pages(session: str, pages: list[tuple[str, str, dict]], repeat: int = 20) -> dict:
    """In this process, without the server: queries per request and the
    median time of one request with nothing else running (Django's test
    client, WSGI, same database), rendered every time and (when the page
    cache is on) served from a copy."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    client = Client()
    client.cookies["sessionid"] = session
    out = {}
    for name, path, headers in pages:
        extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
        with CaptureQueriesContext(connection) as ctx:
            r = client.get(path, **extra)
        captured = list(ctx.captured_queries)  # read now: the next request clears the log
        if r.status_code != 200:
            raise RuntimeError(f"{name} ({path}) returned {r.status_code} in-process")
        with override_settings(VNETLAB_PAGE_CACHE=False):
            rendered = _median_ms(client, path, extra, repeat)
        served = _median_ms(client, path, extra, repeat) if settings.VNETLAB_PAGE_CACHE else float("nan")
        slow = sorted(captured, key=lambda q: -float(q.get("time") or 0))[:3]
        out[name] = {
            "queries": len(captured),
            "median_ms": rendered,
            "copy_ms": served,
            "slowest_queries": [q["sql"][:200] for q in slow],
        }
    connection.close()
    return out


def _median_ms(client, path: str, extra: dict, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        client.get(path, **extra)
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


async def load_phase(args, port, session, csrf, pages, sampler):
    """Each page in turn; also the CPU the server and this client spent."""
    from tests.bench.loadgen import run_load

    results = {}
    for name, path, headers in pages:
        h = {"Cookie": f"sessionid={session}; csrftoken={csrf}", **headers}
        server_cpu, client_cpu, wall = sampler.cpu_seconds(), sum(os.times()[:2]), time.perf_counter()
        r = await run_load(
            name, "127.0.0.1", port, path, headers=h, concurrency=args.concurrency,
            seconds=args.duration, max_requests=args.max_requests, warmup=args.warmup,
        )  # fmt: skip
        wall = time.perf_counter() - wall
        r.server_cpu_share = (sampler.cpu_seconds() - server_cpu) / wall
        r.client_cpu_share = (sum(os.times()[:2]) - client_cpu) / wall
        results[name] = r
        await asyncio.sleep(0.5)
    return results


async def push_phase(args, port, session, csrf, paths):
    from tests.bench.push import close_tabs, open_tabs, push_round

    cookie = f"sessionid={session}; csrftoken={csrf}"
    timeout = args.restart_seconds + 10.0
    t = time.perf_counter()
    tabs = await open_tabs(port, cookie, args.ws_clients)
    connect_s = time.perf_counter() - t
    await asyncio.sleep(0.5)  # every tab has joined the group
    rounds = []
    app_pk = paths["app"].pk
    integrate = {"vnet": paths["vnet"].pk, "subnet_mode": "existing", "subnet": paths["subnet"].pk}
    try:
        for _ in range(args.rounds):
            for kind, path, form in (
                ("integrate", paths["add_vnet"], integrate),
                ("disconnect", paths["disconnect"], {}),
            ):
                r = await push_round(
                    tabs, kind=kind, port=port, path=path, cookie=cookie, csrf=csrf,
                    form=form, app_pk=app_pk, timeout=timeout,
                )  # fmt: skip
                rounds.append(r)
                if r.http_status != 200 or r.missing:
                    return rounds, connect_s
                await asyncio.sleep(0.3)
    finally:
        await close_tabs(tabs)
    return rounds, connect_s


# --- report ---------------------------------------------------------------------


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    data = sorted(values)
    k = max(0, min(len(data) - 1, round(p / 100 * len(data) + 0.5) - 1))
    return data[k]


def summarise(args, machine, estate, sizes, copies, profile, load, rounds, connect_s, memory, server_cmd) -> dict:
    base = load["ping"].rps or float("nan")
    bare = load["healthz"].rps or float("nan")
    pages = {}
    for name, r in load.items():
        pages[name] = {
            "path": r.path,
            "requests": r.requests,
            "errors": r.errors,
            "statuses": r.statuses,
            "rps": round(r.rps, 1),
            "p50_ms": round(r.pct(50), 2),
            "p95_ms": round(r.pct(95), 2),
            "p99_ms": round(r.pct(99), 2),
            "ratio": round(r.rps / base, 3),
            "ratio_bare": round(r.rps / bare, 3),
            "bytes": sizes.get(name, r.bytes_per_response),
            "queries": profile.get(name, {}).get("queries"),
            "solo_ms": round(profile.get(name, {}).get("median_ms", float("nan")), 2),
            "copy_ms": round(profile.get(name, {}).get("copy_ms", float("nan")), 2),
            "from_copy": copies.get(name, False),
            "server_cpu": round(r.server_cpu_share, 2),
            "client_cpu": round(r.client_cpu_share, 2),
            "server_cpu_ms_per_req": round(r.server_cpu_share / r.rps * 1000, 2) if r.rps else float("nan"),
        }
    push = {}
    for kind in ("integrate", "disconnect"):
        lat = [x for r in rounds if r.kind == kind for x in r.latencies]
        push[kind] = {
            "rounds": sum(1 for r in rounds if r.kind == kind),
            "samples": len(lat),
            "missing": sum(r.missing for r in rounds if r.kind == kind),
            "post_ms_median": round(
                statistics.median([r.post_ms for r in rounds if r.kind == kind] or [float("nan")]), 1
            ),
            "p50_ms": round(pct(lat, 50) * 1000, 1),
            "p95_ms": round(pct(lat, 95) * 1000, 1),
            "max_ms": round(max(lat) * 1000, 1) if lat else float("nan"),
            "p50_beyond_ms": round(pct(lat, 50) * 1000 - args.restart_seconds * 1000, 1),
            "p95_beyond_ms": round(pct(lat, 95) * 1000 - args.restart_seconds * 1000, 1),
        }
    return {
        "machine": machine,
        "settings": {
            "resources": estate["resources"],
            "estate": estate,
            "concurrency": args.concurrency,
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "ws_clients": args.ws_clients,
            "rounds": args.rounds,
            "restart_seconds": args.restart_seconds,
            "workers": args.workers,
            "page_cache": not args.no_page_cache,
            "server": " ".join(server_cmd[1:]),
        },
        "pages": pages,
        "profile": profile,
        "push": push,
        "ws_connect_s": round(connect_s, 2),
        "memory": memory,
    }


LABELS = {
    "healthz": "Health probe (/healthz, no sandbox)",
    "ping": "Trivial portal view (/ping)",
    "networking": "Networking blade",
    "add_vnet": "Add VNet pane (HX)",
    "all_resources": "All resources",
}


def _ms(value: float) -> str:
    return "–" if value != value else f"{value:.1f}"  # NaN: not measured


def mark(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def markdown(s: dict) -> str:
    m, st = s["machine"], s["settings"]
    lines = [
        f"Run {m['date']} on {m['cores']} cores ({m['cpu']}), {m['memory_gib']} GiB, Linux {m['kernel']}; "
        f"Python {m['python']}, Django {m['django']}, Channels {m['channels']}, uvicorn {m['uvicorn']}.",
        f"Database: {m['database']}; channel layer: {m['channel_layer']}; uvicorn workers: {st['workers']}. "
        f"Load average (1 min) at start {m['loadavg_start']}, at end {m.get('loadavg_end', '?')}: other work on the machine skews the figures.",
        f"Sandbox: {st['resources']} resources ({st['estate']['vnets']} VNets with {st['estate']['subnets']} subnets, "
        f"{st['estate']['plans']} plans, {st['estate']['apps']} web apps, {st['estate']['nics']} NICs, 2 gateways; "
        f"{st['estate']['notifications']} notifications, {st['estate']['activity_rows']} activity rows).",
        f"Load: {st['concurrency']} keep-alive clients per page, {st['warmup_s']:g} s warm-up then {st['duration_s']:g} s measured.",
        "Page cache: "
        + (
            "on (a blade is served from a copy while its sandbox is unchanged; portal/pagecache.py)."
            if st.get("page_cache", True)
            else "off (`--no-page-cache`: every request renders its page)."
        ),
        "",
        "| page | req/s | p50 ms | p95 ms | p99 ms | vs /ping | vs /healthz | queries | rendered ms | copy ms | from a copy | server CPU ms/req | server / client CPU | bytes | targets (p95 < 50 ms, >= 35 % of /ping) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---|",
    ]
    for name, p in s["pages"].items():
        if name in ("healthz", "ping"):
            target = mark(p["p95_ms"] < TARGET_P95_MS) + " (reference)"
        else:
            target = f"p95 {mark(p['p95_ms'] < TARGET_P95_MS)}, ratio {mark(p['ratio'] >= TARGET_RATIO)}"
        lines.append(
            f"| {LABELS.get(name, name)} | {p['rps']:.0f} | {p['p50_ms']:.1f} | {p['p95_ms']:.1f} | {p['p99_ms']:.1f} | "
            f"{p['ratio'] * 100:.0f} % | {p['ratio_bare'] * 100:.0f} % | {p['queries']} | {p['solo_ms']:.1f} | {_ms(p['copy_ms'])} | "
            f"{'yes' if p['from_copy'] else 'no'} | {p['server_cpu_ms_per_req']:.2f} | "
            f"{p['server_cpu'] * 100:.0f} % / {p['client_cpu'] * 100:.0f} % | {p['bytes']} | {target} |"
        )
    lines += [
        "",
        f"Push: {st['ws_clients']} WebSocket tabs, restart duration {st['restart_seconds'] * 1000:.0f} ms, "
        f"{st['rounds']} rounds; time from the POST being sent to the app's Running badge arriving at each tab.",
        "",
        "| action | samples | POST ms | p50 ms | p95 ms | max ms | p95 beyond restart | target (< 200 ms beyond) |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for kind, p in s["push"].items():
        lines.append(
            f"| {kind} | {p['samples']} | {p['post_ms_median']:.0f} | {p['p50_ms']:.0f} | {p['p95_ms']:.0f} | "
            f"{p['max_ms']:.0f} | {p['p95_beyond_ms']:.0f} ms | {mark(p['p95_beyond_ms'] < TARGET_PUSH_BEYOND_MS)} |"
        )
    mem = s["memory"]
    lines += [
        "",
        f"Server memory: peak RSS {mem['peak_rss_mb']:.0f} MB sampled every 100 ms "
        f"(kernel high-water mark {mem['hwm_mb']:.0f} MB; {mem['idle_rss_mb']:.0f} MB idle after start): "
        f"{mark(max(mem['peak_rss_mb'], mem['hwm_mb']) < TARGET_RSS_MB)} (target < 300 MB).",
    ]
    return "\n".join(lines)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.workers > 1 and not os.environ.get("REDIS_URL"):
        print("--workers > 1 needs REDIS_URL: the in-memory channel layer is per process.", file=sys.stderr)
        return 2
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    tmpdir = Path(tempfile.mkdtemp(prefix="vnetlab-bench-"))
    db = FreshDatabase(tmpdir)
    configure_env(args, db)
    server = None
    sampler = None
    failures: list[str] = []
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        from tests.bench import estate as estate_mod
        from tests.bench.machine import describe

        layer = f"Redis ({os.environ['REDIS_URL']})" if os.environ.get("REDIS_URL") else "in-memory"
        machine = describe(db.label, layer)
        print(f"[bench] database: {db.label}; channel layer: {layer}", flush=True)
        t = time.perf_counter()
        call_command("migrate", verbosity=0, interactive=False)
        connection.close()
        print(f"[bench] migrated in {time.perf_counter() - t:.1f} s", flush=True)

        server = Server(args.workers, tmpdir / "uvicorn.log")
        server.wait_ready()
        time.sleep(0.5)
        sampler = MemorySampler(server.proc.pid)
        idle_kb = sampler.rss_kb()
        sampler.start()
        print(
            f"[bench] uvicorn on 127.0.0.1:{server.port} (pid {server.proc.pid}, {idle_kb / 1024:.0f} MB)", flush=True
        )

        session, sandbox = first_sandbox(server.port)
        t = time.perf_counter()
        estate = estate_mod.grow(sandbox, args.resources)
        connection.close()
        print(
            f"[bench] sandbox grown to {estate['resources']} resources in {time.perf_counter() - t:.1f} s", flush=True
        )
        if estate["resources"] != args.resources:
            failures.append(f"the sandbox has {estate['resources']} resources, not {args.resources}")

        paths = page_paths(sandbox)
        pages = [
            ("healthz", paths["healthz"], {}),
            ("ping", paths["ping"], {}),
            ("networking", paths["networking"], {}),
            ("add_vnet", paths["add_vnet"], {"HX-Request": "true"}),
            ("all_resources", paths["all_resources"], {}),
        ]
        csrf, sizes, copies = check_pages(server.port, session, pages)
        profile = profile_pages(session, pages)
        for name, p in profile.items():
            print(
                f"[bench] {name}: {p['queries']} queries, {p['median_ms']:.1f} ms rendered, {p['copy_ms']:.1f} ms"
                f" from a copy, alone (in-process); the server {'served' if copies[name] else 'did not serve'} it from a copy",
                flush=True,
            )

        print(f"[bench] load: {args.concurrency} clients, {args.duration:g} s per page ...", flush=True)
        load = asyncio.run(load_phase(args, server.port, session, csrf, pages, sampler))
        for name, r in load.items():
            print(
                f"[bench]   {name}: {r.rps:.0f} req/s, p50 {r.pct(50):.1f} ms, p95 {r.pct(95):.1f} ms, errors {r.errors}",
                flush=True,
            )
            if r.errors or not r.requests:
                failures.append(f"{name}: {r.errors} errors of {r.requests} ({r.statuses}); first: {r.first_error}")

        print(f"[bench] push: {args.ws_clients} tabs, {args.rounds} rounds ...", flush=True)
        rounds, connect_s = asyncio.run(push_phase(args, server.port, session, csrf, paths))
        for r in rounds:
            if r.http_status != 200:
                failures.append(f"push {r.kind}: POST returned {r.http_status}")
            elif r.missing:
                failures.append(f"push {r.kind}: {r.missing} of {args.ws_clients} tabs never saw Running")
        if len(rounds) < 2 * args.rounds and not failures:
            failures.append("push: not every round ran")

        if not server.alive():
            failures.append(f"uvicorn died:\n{server.log_tail()}")
        sampler.stop()
        memory = {
            "idle_rss_mb": idle_kb / 1024,
            "peak_rss_mb": sampler.peak_kb / 1024,
            "hwm_mb": sampler.hwm_kb() / 1024,
            "samples": sampler.samples,
        }
        from tests.bench.machine import loadavg

        machine["loadavg_end"] = loadavg()
        summary = summarise(args, machine, estate, sizes, copies, profile, load, rounds, connect_s, memory, server.cmd)
        report(markdown(summary), summary, args)
        log = server.log_tail()
        if "Traceback" in log or "ERROR" in log:
            failures.append(f"the server logged errors:\n{log}")
    except Exception as exc:  # a benchmark that broke says why, and fails
        broke(exc, server, failures)
    finally:
        if sampler is not None and sampler.is_alive():
            sampler.stop()
        clean_up(server, db, tmpdir, keep=args.keep)
    return verdict(failures)


def broke(exc: Exception, server, failures: list[str]) -> None:
    """A benchmark that broke says why (and what the server logged), and fails."""
    import traceback

    traceback.print_exc()
    failures.append(f"{type(exc).__name__}: {exc}")
    if server is not None:
        print(server.log_tail(), file=sys.stderr)


def clean_up(server, db: FreshDatabase, tmpdir: Path, *, keep: bool) -> None:
    """Stop the server, drop the database and the temporary files (unless kept)."""
    if server is not None:
        server.stop()
    try:
        from django.db import connections

        connections.close_all()
        if not keep:
            db.drop()
    except Exception as exc:
        print(f"[bench] couldn't drop the database: {exc}", file=sys.stderr)
    if keep:
        print(f"[bench] kept {tmpdir}")
    else:
        shutil.rmtree(tmpdir, ignore_errors=True)


def verdict(failures: list[str]) -> int:
    """1 and what broke, or 0."""
    if failures:
        print("\nBENCHMARK BROKEN:", file=sys.stderr)
        for f in failures:
            print(f"  - {f}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
