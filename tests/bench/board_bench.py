"""`make bench-board`: a class of 300 on `make serve`, and the instructor's board (issue #13).

    .venv/bin/python -m tests.bench.board_bench [--learners 300] [--duration 120] [--workers 2]

One run:

1. a fresh PostgreSQL database on DATABASE_URL's server, migrated, and the
   Redis database REDIS_URL names (emptied first, so not db 0);
2. the lab served as `make serve` serves it: --workers uvicorn workers, DEBUG
   off, restarts of the real length;
3. an instructor (made in this process, as `manage.py createinstructor`
   makes one) signs in through the sign-in page and creates nothing by hand:
   the class (one lab, capacity 300) is made by ``create_class``, as the
   Create pane does;
4. --learners learners join through the join page with the class's code,
   each a browser of its own (a keep-alive connection and a cookie jar), ten
   at a time, as a room does; each gets the sandbox the class gives (the
   lab's start). The bench's server allows the whole room to join within a
   minute (VNETLAB_JOINS_PER_MINUTE_PER_CODE, raised for the bench only);
5. the instructor's board holds its WebSocket (/ws/classroom/<pk>/board/)
   and each learner a live tab (/ws/sandbox/), as their pages would;
6. for --duration seconds each learner clicks through their portal (All
   resources, the app's Networking blade, the VNet's Subnets, 2-6 s apart:
   a learner reading the lab's instructions between clicks) and makes a
   change every 10-30 s through the real forms: in turn an app setting (the
   Configuration page read, then Save), a subnet of the VNet, and again.
   Each learner's first page comes 0-4 s into the class and the first
   change 0-20 s in, so the room's clicks are spread as its later ones are
   (BOARD_SYNCHRONIZED=1: all first pages in the class's first instant).

Measured: the learners' reads and writes (p50/p95, errors), and for every
write, when the board got that learner's row drawn again after it: the time
from the write's answer to the row's arrival. A write whose row never
arrived (within --linger seconds after the run) is an update lost.

Targets (issue #13, on this 2-core machine): the board reflects a learner's
change within 1 s at p95, no update lost, learners' reads p95 < 100 ms and
writes p95 < 300 ms, no tab or board closed by the server, no error.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import secrets
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from tests.bench.run_bench import ROOT, FreshDatabase, Server, broke, clean_up, pct, report, verdict

BOARD_P95_MS = 1000.0
READ_P95_MS = 100.0
WRITE_P95_MS = 300.0
LAB = "integrate-same-region"
# BOARD_SYNCHRONIZED=1: every learner's first click at the class's first instant
# (the bench before 2026-12-07's fifth session).
STAGGERED = os.environ.get("BOARD_SYNCHRONIZED", "") != "1"
PASSWORD = "bench-" + secrets.token_hex(8)
ROW = re.compile(r'<tr id="([\w-]+)"')
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
TOKEN = re.compile(r'"X-CSRFToken": "([A-Za-z0-9]{64})"')
HX = {"HX-Request": "true"}


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="python -m tests.bench.board_bench", description=__doc__.split("\n\n")[0])
    p.add_argument("--learners", type=int, default=int(os.environ.get("CLASS_SIZE") or 300))
    p.add_argument("--duration", type=float, default=float(os.environ.get("DURATION") or 120), help="seconds of class")
    p.add_argument("--workers", type=int, default=int(os.environ.get("WORKERS") or 2))
    p.add_argument("--linger", type=float, default=10.0, help="seconds to wait for the last rows after the class")
    p.add_argument("--markdown", metavar="PATH")
    p.add_argument("--json", metavar="PATH")
    p.add_argument("--keep", action="store_true", help="keep the temporary database and server logs")
    return p.parse_args(argv)


@dataclass
class Write:
    name: str
    sent: float  # perf_counter
    answered: float
    status: int


@dataclass
class Learner:
    index: int
    browser: object
    row_id: str = ""
    urls: dict = field(default_factory=dict)
    ids: dict = field(default_factory=dict)
    csrf: str = ""
    turn: int = 0
    reads: list[float] = field(default_factory=list)
    pages: list[tuple[str, float, float]] = field(default_factory=list)  # (page, sent, ms)
    writes: list[Write] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    tab: object = None

    async def call(self, method: str, path: str, headers=None, form=None):
        body = urlencode(form or {}, doseq=True).encode() if method == "POST" else b""
        try:
            response = await self.browser.request(method, path, headers, body)
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            self.errors.append(f"{method} {path}: {type(exc).__name__}: {exc}")
            return None
        if not (200 <= response.status < 400 or response.status == 422):
            self.errors.append(f"{method} {path}: HTTP {response.status}: {response.body[:200]!r}")
        found = TOKEN.search(response.body.decode("utf-8", "replace"))
        if found:
            self.csrf = found.group(1)
        return response

    async def read(self, name: str) -> None:
        path, headers = self.urls[name]
        started = time.perf_counter()
        await self.call("GET", path, headers)
        ms = (time.perf_counter() - started) * 1000
        self.reads.append(ms)
        self.pages.append((name, started, ms))

    async def write(self) -> None:
        from tests.bench.class_bench import settings_grid

        n, turn = self.turn, self.turn % 2
        self.turn += 1
        headers = {**HX, "X-CSRFToken": self.csrf}
        if turn == 0:
            page = await self.call("GET", self.urls["configuration"])
            if page is None:
                return
            form = settings_grid(page.body.decode("utf-8", "replace"))
            names = form["setting_name"]
            if "BOARD_RUN" in names:
                form["setting_value"][names.index("BOARD_RUN")] = str(n)
            else:
                form["setting_name"].append("BOARD_RUN")
                form["setting_value"].append(str(n))
                form["setting_slot"].append("0")
            form["confirmed"] = "1"
            name, path = "save app setting", self.urls["save_settings"]
        else:
            form = {
                "subnet_name": f"board-{n}",
                "subnet_prefix": f"10.0.{100 + n // 8}.{(n % 8) * 32}/27",
                "private_endpoint_network_policies": "Disabled",
            }
            name, path = "add subnet", self.urls["add_subnet"]
        sent = time.perf_counter()
        response = await self.call("POST", path, headers, form)
        self.writes.append(Write(name, sent, time.perf_counter(), response.status if response else 0))


# --- Setting the class up ----------------------------------------------------------


def make_class(learners: int):
    from classroom.services import create_class, create_instructor

    instructor = create_instructor("bench-instructor", PASSWORD)
    return create_class(instructor, "Bench class", lab_ids=[LAB], capacity=min(300, max(learners, 1)))


async def sign_in(port: int):
    from tests.bench.loadgen import Browser

    browser = Browser("127.0.0.1", port)
    page = await browser.request("GET", "/classroom/signin/")
    token = CSRF_INPUT.search(page.body.decode())
    if page.status != 200 or token is None:
        raise RuntimeError(f"the sign-in page answered {page.status}")
    form = {"csrfmiddlewaretoken": token.group(1), "username": "bench-instructor", "password": PASSWORD}
    answer = await browser.request("POST", "/classroom/signin/", {}, urlencode(form).encode())
    if answer.status != 302:
        raise RuntimeError(f"signing in answered {answer.status}: {answer.body[:300]!r}")
    await browser.close()
    return browser


async def join(port: int, code: str, count: int) -> list[Learner]:
    """``count`` browsers join through the join page, ten at a time."""
    from tests.bench.loadgen import Browser

    async def one(i: int) -> Learner:
        browser = Browser("127.0.0.1", port)
        page = await browser.request("GET", f"/join/{code}/")
        token = CSRF_INPUT.search(page.body.decode())
        if page.status != 200 or token is None:
            raise RuntimeError(f"learner {i}: the join page answered {page.status}")
        form = {"csrfmiddlewaretoken": token.group(1), "display_name": f"Learner {i:03d}"}
        answer = await browser.request("POST", f"/join/{code}/", {}, urlencode(form).encode())
        if answer.status not in (302, 303):
            raise RuntimeError(f"learner {i}: joining answered {answer.status}: {answer.body[:300]!r}")
        await browser.close()
        return Learner(i, browser)

    learners: list[Learner] = []
    for start in range(0, count, 10):
        learners += await asyncio.gather(*(one(i) for i in range(start, min(count, start + 10))))
    return learners


def address(learner: Learner) -> None:
    """The learner's URLs, the IDs its forms post and its board row's id, from its sandbox."""
    from django.contrib.sessions.backends.signed_cookies import SessionStore
    from django.urls import reverse

    from appservice.models import WebApp
    from classroom import board
    from networking.models import VirtualNetwork
    from portal.middleware import SESSION_KEY
    from portal.models import Sandbox

    secret = SessionStore(session_key=learner.browser.cookies["sessionid"]).load()[SESSION_KEY]
    sandbox = Sandbox.objects.select_related("seat").get(secret=secret)
    app = WebApp.objects.select_related("resource_group__subscription").filter(sandbox=sandbox).order_by("pk").first()
    vnet = (
        VirtualNetwork.objects.select_related("resource_group")
        .filter(sandbox=sandbox, is_classic=False)
        .order_by("pk")
        .first()
    )
    sub = app.resource_group.subscription.subscription_id
    site = {"subscription_id": sub, "rg": app.resource_group.name, "name": app.name}
    net = {"subscription_id": sub, "rg": vnet.resource_group.name, "provider": "Microsoft.Network", "name": vnet.name}
    learner.urls = {
        "all_resources": (reverse("all_resources"), {}),
        "networking": (reverse("appservice:networking", kwargs=site), {}),
        "vnet_subnets": (reverse("networking:vnet_subnets", kwargs=net), {}),
        "configuration": reverse("appservice:configuration", kwargs=site),
        "save_settings": reverse("appservice:save_settings", kwargs=site),
        "add_subnet": reverse("networking:vnet_add_subnet", kwargs=net),
    }
    learner.ids = {"app": app.pk, "sandbox": sandbox.pk}
    learner.row_id = board.row_for(sandbox.seat).row_id


# --- The class ---------------------------------------------------------------------


async def open_board(port: int, instructor, class_pk: int):
    import websockets

    from tests.bench.push import Tab

    cookie = "; ".join(f"{k}={v}" for k, v in instructor.cookies.items())
    ws = await websockets.connect(
        f"ws://127.0.0.1:{port}/ws/classroom/{class_pk}/board/",
        origin=f"http://127.0.0.1:{port}",
        additional_headers={"Cookie": cookie},
        max_size=64 * 2**20,
        open_timeout=20,
    )
    tab = Tab(ws)
    tab.closing_at = float("inf")
    await ws.send(json.dumps({"live": [], "toasts": []}))
    deadline = time.monotonic() + 30
    while not tab.messages and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    if not tab.messages:
        raise RuntimeError("the board got no rows on connecting")
    return tab


async def learner_loop(learner: Learner, deadline: float, rng: random.Random) -> None:
    next_write = time.monotonic() + rng.uniform(0, 20)
    pages = ("all_resources", "networking", "vnet_subnets")
    i = rng.randrange(len(pages))
    # Each learner's first click somewhere in a reading pause, as their
    # writes are spread: not all 300 in the same instant.
    await asyncio.sleep(rng.uniform(0, 4) if STAGGERED else 0)
    while time.monotonic() < deadline:
        if time.monotonic() >= next_write:
            await learner.write()
            next_write = time.monotonic() + rng.uniform(10, 30)
        else:
            await learner.read(pages[i % len(pages)])
            i += 1
        await asyncio.sleep(min(rng.uniform(2, 6), max(0.0, next_write - time.monotonic())))


async def the_class(
    port: int, server_pid: int, learners: list[Learner], instructor, class_pk: int, seconds: float, linger: float
) -> dict:
    from tests.bench import class_live
    from tests.bench.machine import cpu_by_part

    for learner in learners:
        await learner.read("all_resources")  # a page with the CSRF token
        learner.reads, learner.pages = [], []
    board = await open_board(port, instructor, class_pk)
    await class_live.open_learner_tabs(port, learners)
    deadline = time.monotonic() + seconds
    started = time.perf_counter()
    cpu_before = cpu_by_part(server_pid)
    await asyncio.gather(*(learner_loop(learner, deadline, random.Random(learner.index)) for learner in learners))
    wall = time.perf_counter() - started
    cpu = {part: (used - cpu_before[part]) / wall for part, used in cpu_by_part(server_pid).items()}
    for learner in learners:
        await learner.browser.close()
    await asyncio.sleep(linger)
    board_dropped = board.closed_at is not None
    await class_live.close_learner_tabs(learners, 0)
    await board.ws.close()
    board.task.cancel()
    return {**measure(learners, board, wall, board_dropped), "cores_used": {k: round(v, 2) for k, v in cpu.items()}}


def measure(learners: list[Learner], board, wall: float, board_dropped: bool) -> dict:
    """For each write, the first row of its learner the board got after it was sent."""
    rows: dict[str, list[float]] = {}
    for at, text in board.messages[1:]:  # the first is every row, on connecting
        for row_id in set(ROW.findall(text)):
            rows.setdefault(row_id, []).append(at)
    delays, lost, first_lost = [], 0, []
    board_by_window: dict[int, list[float]] = {}  # by the 10 s of the class the write was sent in
    board_by_write: dict[str, list[float]] = {}
    start = min((w.sent for learner in learners for w in learner.writes), default=0.0)
    for learner in learners:
        arrivals = rows.get(learner.row_id, [])
        for write in learner.writes:
            if write.status == 0:
                continue
            after = next((at for at in arrivals if at >= write.sent), None)
            if after is None:
                lost += 1
                first_lost.append(f"{learner.row_id}: {write.name} at +{write.sent:.1f}")
            else:
                delays.append(max(0.0, after - write.answered) * 1000)
                board_by_window.setdefault(int((write.sent - start) // 10), []).append(delays[-1])
                board_by_write.setdefault(write.name, []).append(delays[-1])
    reads = [ms for learner in learners for ms in learner.reads]
    writes = [(w.answered - w.sent) * 1000 for learner in learners for w in learner.writes]
    dropped = sum(
        1
        for learner in learners
        if learner.tab.closed_at is not None and learner.tab.closed_at < learner.tab.closing_at
    )
    errors = [e for learner in learners for e in learner.errors]
    by_page: dict[str, list[float]] = {}
    by_window: dict[int, list[float]] = {}  # reads by the 10 s of the class they were sent in
    first = min((sent for learner in learners for _n, sent, _ms in learner.pages), default=0.0)
    for learner in learners:
        for name, sent, ms in learner.pages:
            by_page.setdefault(name, []).append(ms)
            by_window.setdefault(int((sent - first) // 10), []).append(ms)
    return {
        "reads_by_page": {
            name: {"count": len(ms), "p50_ms": round(pct(ms, 50), 1), "p95_ms": round(pct(ms, 95), 1)}
            for name, ms in sorted(by_page.items())
        },
        "read_p95_ms_by_10s": [round(pct(by_window[w], 95)) for w in sorted(by_window)],
        "board_p95_ms_by_10s": [round(pct(board_by_window[w], 95)) for w in sorted(board_by_window)],
        "board_by_write": {
            name: {"count": len(ms), "p50_ms": round(pct(ms, 50), 1), "p95_ms": round(pct(ms, 95), 1)}
            for name, ms in sorted(board_by_write.items())
        },
        "seconds": round(wall, 1),
        "reads": len(reads),
        "reads_per_s": round(len(reads) / wall, 1),
        "read_p50_ms": round(pct(reads, 50), 1),
        "read_p95_ms": round(pct(reads, 95), 1),
        "writes": len(writes),
        "writes_per_s": round(len(writes) / wall, 2),
        "write_p50_ms": round(pct(writes, 50), 1),
        "write_p95_ms": round(pct(writes, 95), 1),
        "board_rows": sum(len(v) for v in rows.values()),
        "board_p50_ms": round(pct(delays, 50), 1),
        "board_p95_ms": round(pct(delays, 95), 1),
        "board_max_ms": round(max(delays, default=0.0), 1),
        "updates_lost": lost,
        "first_lost": first_lost[:5],
        "board_dropped": board_dropped,
        "tabs_dropped": dropped,
        "errors": len(errors),
        "first_errors": errors[:5],
    }


# --- Report ------------------------------------------------------------------------


def verdicts(r: dict) -> list[tuple[str, str, str]]:
    def mark(ok: bool) -> str:
        return "PASS" if ok else "MISS"

    return [
        ("board reflects a change, p95 < 1 s", f"{r['board_p95_ms']:.0f} ms", mark(r["board_p95_ms"] < BOARD_P95_MS)),
        ("no board update lost", f"{r['updates_lost']} of {r['writes']}", mark(not r["updates_lost"])),
        ("learners' reads p95 < 100 ms", f"{r['read_p95_ms']:.0f} ms", mark(r["read_p95_ms"] < READ_P95_MS)),
        ("learners' writes p95 < 300 ms", f"{r['write_p95_ms']:.0f} ms", mark(r["write_p95_ms"] < WRITE_P95_MS)),
        (
            "no tab or board closed by the server",
            f"{r['tabs_dropped']} tabs, board {'closed' if r['board_dropped'] else 'open'}",
            mark(not r["tabs_dropped"] and not r["board_dropped"]),
        ),
        ("no error", str(r["errors"]), mark(not r["errors"])),
    ]


def markdown(s: dict) -> str:
    r, m = s["result"], s["machine"]
    lines = [
        f"### `make bench-board`, {s['date']}",
        "",
        f"Run on {m['cores']} cores ({m['cpu']}); Python {m['python']}, Django {m['django']}, uvicorn {m['uvicorn']}. "
        f"Database: {m['database']}; channel layer: {m['channel_layer']}; `make serve` with {s['workers']} workers. "
        f"Load average (`/proc/loadavg`) before: {s['loadavg_before']}; after: {s['loadavg_after']}.",
        "",
        f"{s['learners']} learners joined through the join page in {s['join_seconds']:.0f} s, then {s['duration']:.0f} s of class: "
        "each learner a page every 2-6 s and a change every 10-30 s, the board's WebSocket and a live tab per learner open"
        + ("; the first pages spread over 0-4 s." if STAGGERED else "; every first page in the class's first instant."),
        "",
        "| | count | p50 | p95 |",
        "|---|---|---|---|",
        f"| learners' reads | {r['reads']} ({r['reads_per_s']}/s) | {r['read_p50_ms']} ms | {r['read_p95_ms']} ms |",
        f"| learners' writes | {r['writes']} ({r['writes_per_s']}/s) | {r['write_p50_ms']} ms | {r['write_p95_ms']} ms |",
        f"| board row after a write | {r['board_rows']} rows | {r['board_p50_ms']} ms | {r['board_p95_ms']} ms |",
        *(
            f"| reads: {name} | {p['count']} | {p['p50_ms']} ms | {p['p95_ms']} ms |"
            for name, p in r.get("reads_by_page", {}).items()
        ),
        *(
            f"| board row after: {name} | {p['count']} | {p['p50_ms']} ms | {p['p95_ms']} ms |"
            for name, p in r.get("board_by_write", {}).items()
        ),
        "",
        "Reads p95 by 10 s of class (ms): " + ", ".join(str(ms) for ms in r.get("read_p95_ms_by_10s", [])) + ".",
        "Board row p95 by 10 s of class (ms): " + ", ".join(str(ms) for ms in r.get("board_p95_ms_by_10s", [])) + ".",
        "",
        "Cores used during the class (CPU seconds per second, from /proc): "
        + ", ".join(f"{part} {used}" for part, used in r["cores_used"].items())
        + ". The bench's own clients stand in for the learners' browsers, which a real class runs elsewhere.",
        "",
        "| target | measured | |",
        "|---|---|---|",
        *(f"| {a} | {b} | {c} |" for a, b, c in verdicts(r)),
    ]
    return "\n".join(lines)


def main(argv=None) -> int:
    from tests.bench.class_bench import flush_redis, loadavg, serve_refusal

    args = parse_args(argv)
    refusal = serve_refusal(args)
    if refusal:
        print(refusal.replace("--serve", "make bench-board"), file=sys.stderr)
        return 2
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    tmpdir = Path(tempfile.mkdtemp(prefix="vnetlab-board-"))
    db = FreshDatabase(tmpdir)
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "tests.bench.settings",
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
            "DATABASE_URL": db.url,
            "DJANGO_LOG_LEVEL": "WARNING",
            "REDIS_PREFIX": f"vnetlab-board-{secrets.token_hex(4)}",
            "VNETLAB_JOINS_PER_MINUTE_PER_CODE": str(max(150, args.learners * 2)),
        }
    )
    flush_redis()
    failures: list[str] = []
    server = None
    summary: dict = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "loadavg_before": loadavg(),
        "learners": args.learners,
        "duration": args.duration,
        "workers": args.workers,
    }
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        from tests.bench.machine import describe

        summary["machine"] = describe(db.label, f"Redis ({os.environ['REDIS_URL']})")
        call_command("migrate", verbosity=0, interactive=False)
        klass = make_class(args.learners)
        connection.close()
        server = Server(args.workers, tmpdir / "uvicorn.log")
        server.wait_ready()
        instructor = asyncio.run(sign_in(server.port))
        started = time.perf_counter()
        learners = asyncio.run(join(server.port, klass.code, args.learners))
        summary["join_seconds"] = time.perf_counter() - started
        for learner in learners:
            address(learner)
        connection.close()
        print(f"[board] {args.learners} learners joined in {summary['join_seconds']:.0f} s", flush=True)
        result = asyncio.run(
            the_class(server.port, server.proc.pid, learners, instructor, klass.pk, args.duration, args.linger)
        )
        summary["result"] = result
        summary["loadavg_after"] = loadavg()
        for name, measured, mark in verdicts(result):
            print(f"[board] {mark} {name}: {measured}", flush=True)
        if result["errors"]:
            failures.append(f"{result['errors']} errors; first: {result['first_errors']}")
        if result["updates_lost"]:
            failures.append(f"{result['updates_lost']} board updates lost; first: {result['first_lost']}")
        if not server.alive():
            failures.append(f"uvicorn died:\n{server.log_tail()}")
        log = server.log_tail()
        if "Traceback" in log or "ERROR" in log:
            failures.append(f"the server logged errors:\n{log}")
        report(markdown(summary), summary, args)
    except Exception as exc:  # a benchmark that broke says why, and fails
        broke(exc, server, failures)
    finally:
        clean_up(server, db, tmpdir, keep=args.keep)
    return verdict(failures)


if __name__ == "__main__":
    sys.exit(main())
