"""One learner of `make bench-board`'s class, in this process: the CPU and
queries of each step of the learner's cycle, and of the cycle in all.

    .venv/bin/python -m tests.bench.cycle_bench [--repeat 20] [--markdown PATH]

The learner joins a class running the bench's lab through the join page
(Django's test client), with a live tab open (an ``OpenTab`` row, so every
push and panel is drawn, as in the class), on a fresh database: PostgreSQL
when DATABASE_URL names a server, else a temporary SQLite file. One cycle
is what the class's learner does between two pairs of changes: save an app
setting (the Configuration page read first), the restart's end, the board's
row, five pages, add a subnet, the board's row, five pages. Restarts take no
time (VNETLAB_RESTART_SECONDS=0): the request after the save finishes the
restart, as the server's timer does in a class.

Outside a server, a change's regrade runs in the request that made it (in a
class it runs on the worker's chore thread after a short pause), so a
write's figure here is the write and its regrade; the board's row is drawn
as an open board draws it. The CPU is this process's (``time.process_time``:
the worker's share; the database's own is not in it). It measures what a
learner costs the server whatever the machine's load, unlike
`make bench-board`'s latencies: compare runs of one machine.
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

PAGES_AFTER_SAVE = ("all_resources", "networking", "vnet_subnets", "all_resources", "networking")
PAGES_AFTER_SUBNET = ("vnet_subnets", "all_resources", "networking", "vnet_subnets", "all_resources")


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="python -m tests.bench.cycle_bench", description=__doc__.split("\n\n")[0])
    p.add_argument("--repeat", type=int, default=20, help="measured cycles (default 20)")
    p.add_argument("--warmup", type=int, default=3, help="unmeasured cycles first (default 3)")
    p.add_argument("--markdown", metavar="PATH")
    return p.parse_args(argv)


class ClassLearner:
    """A learner who joined the bench's class, with a tab open."""

    def __init__(self):
        from django.test import Client
        from django.utils import timezone

        from classroom.models import Seat
        from classroom.services import create_class, create_instructor
        from portal.middleware import SESSION_KEY
        from portal.models import OpenTab, Sandbox
        from tests.bench import board_bench

        instructor = create_instructor("cycle-instructor", "cycle-" + secrets.token_hex(8))
        self.klass = create_class(instructor, "Cycle class", lab_ids=[board_bench.LAB], capacity=300)
        self.client = Client()
        page = self.client.get(f"/join/{self.klass.code}/").content.decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        joined = self.client.post(
            f"/join/{self.klass.code}/", {"csrfmiddlewaretoken": token, "display_name": "Learner 000"}
        )
        if joined.status_code not in (302, 303):
            raise RuntimeError(f"joining answered {joined.status_code}")
        self.sandbox = Sandbox.objects.get(secret=self.client.session[SESSION_KEY])
        self.seat = Seat.objects.get(sandbox=self.sandbox)
        learner = board_bench.Learner(0, _Cookies(self.client.cookies["sessionid"].value))
        board_bench.address(learner)
        self.urls = learner.urls
        # A tab open for as long as the bench runs: pushes and panels are drawn.
        OpenTab.objects.create(
            channel_name="cycle-bench", sandbox_id=self.sandbox.pk, seen_at=timezone.now() + timezone.timedelta(days=1)
        )
        self.turn = 0

    def read(self, name: str) -> None:
        path, _headers = self.urls[name]
        answer = self.client.get(path)
        if answer.status_code != 200:
            raise RuntimeError(f"{name}: HTTP {answer.status_code}")

    def save_setting(self) -> None:
        """As the class's learner saves: the grid as read, one setting set."""
        from tests.bench.class_bench import settings_grid

        form = settings_grid(self.client.get(self.urls["configuration"]).content.decode())
        names = form["setting_name"]
        if "CYCLE_RUN" in names:
            form["setting_value"][names.index("CYCLE_RUN")] = str(self.turn)
        else:
            names.append("CYCLE_RUN")
            form["setting_value"].append(str(self.turn))
            form["setting_slot"].append("0")
        self._post(self.urls["save_settings"], {**form, "confirmed": "1"})

    def add_subnet(self) -> None:
        n = self.turn
        form = {
            "subnet_name": f"cycle-{n}",
            "subnet_prefix": f"10.0.{100 + n // 8}.{(n % 8) * 32}/27",
            "private_endpoint_network_policies": "Disabled",
        }
        self._post(self.urls["add_subnet"], form)

    def restart_end(self) -> None:
        self.client.get("/ping")

    def board_row(self) -> None:
        from classroom import live

        live.render_seats(self.klass.pk, [self.seat.pk])

    def _post(self, url: str, data: dict) -> None:
        answer = self.client.post(url, data, HTTP_HX_REQUEST="true")
        if answer.status_code != 200:
            raise RuntimeError(f"POST {url}: HTTP {answer.status_code}: {answer.content[:300]!r}")


class _Cookies:
    def __init__(self, session: str):
        self.cookies = {"sessionid": session}


def cycle(learner: ClassLearner, step) -> None:
    learner.turn += 1
    step("save app setting (Configuration read, save, regrade)", learner.save_setting)
    step("the restart's end (and its regrade)", learner.restart_end)
    step("board row", learner.board_row)
    for page in PAGES_AFTER_SAVE:
        step(f"page: {page}", lambda page=page: learner.read(page))
    step("add subnet (and its regrade)", learner.add_subnet)
    step("board row", learner.board_row)
    for page in PAGES_AFTER_SUBNET:
        step(f"page: {page}", lambda page=page: learner.read(page))


def run(args) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    learner = ClassLearner()
    cpu: dict[str, list[float]] = {}
    queries: dict[str, list[int]] = {}
    totals: list[float] = []

    def step(name, call):
        with CaptureQueriesContext(connection) as ctx:
            started = time.process_time()
            call()
            ms = (time.process_time() - started) * 1000
        cpu.setdefault(name, []).append(ms)
        queries.setdefault(name, []).append(len(ctx.captured_queries))
        totals[-1] += ms

    for i in range(args.warmup + args.repeat):
        if i == args.warmup:
            cpu.clear()
            queries.clear()
            totals.clear()
        totals.append(0.0)
        cycle(learner, step)
    return {
        "steps": {
            name: {
                "count": len(ms) // args.repeat,
                "queries": statistics.median(queries[name]),
                "median_ms": statistics.median(ms),
                "mean_ms": statistics.fmean(ms),
            }
            for name, ms in cpu.items()
        },
        "cycle_median_ms": statistics.median(totals),
        "cycle_mean_ms": statistics.fmean(totals),
    }


def markdown(result: dict, meta: dict) -> str:
    lines = [
        f"### `cycle_bench`, {meta['date']}",
        "",
        f"{meta['database']}; Python {meta['python']}, Django {meta['django']}; {meta['repeat']} cycles after "
        f"{meta['warmup']} unmeasured. Load average (`/proc/loadavg`) before: {meta['load_before']}; "
        f"after: {meta['load_after']}.",
        "",
        "| step | per cycle | queries (median) | CPU ms, median | mean |",
        "|---|---:|---:|---:|---:|",
        *(
            f"| {name} | {s['count']} | {s['queries']:.0f} | {s['median_ms']:.1f} | {s['mean_ms']:.1f} |"
            for name, s in result["steps"].items()
        ),
        f"| **the cycle** | | | **{result['cycle_median_ms']:.0f}** | {result['cycle_mean_ms']:.0f} |",
    ]
    return "\n".join(lines)


def main(argv=None) -> int:
    args = parse_args(argv)
    root = Path(__file__).resolve().parents[2]
    os.chdir(root)
    sys.path.insert(0, str(root))
    from tests.bench.machine import describe, loadavg
    from tests.bench.writes_bench import configure

    os.environ["VNETLAB_RESTART_SECONDS"] = "0"
    tmpdir = Path(tempfile.mkdtemp(prefix="vnetlab-cycle-"))
    db = configure(tmpdir)
    from tests.bench.run_bench import clean_up

    load_before = loadavg(all_three=True)
    machine = describe(db.label, "in-memory")
    try:
        result = run(args)
    finally:
        clean_up(None, db, tmpdir, keep=False)
    meta = {
        **machine,
        "repeat": args.repeat,
        "warmup": args.warmup,
        "load_before": load_before,
        "load_after": loadavg(all_three=True),
    }
    text = markdown(result, meta)
    print(text)
    if args.markdown:
        Path(args.markdown).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
