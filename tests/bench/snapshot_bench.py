"""The snapshot as a request pays for it (issue #12), for `make bench-engine`:
built from the database (plain values, networking/snapshot.py ``build``),
served from the per-sandbox store (``current``), and one trace on it, at the
demo seed's size and at 100 times its resources. In this process, on a
temporary SQLite database."""

from __future__ import annotations

import os
import statistics
import tempfile
import time


def _median_ms(func, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def configure() -> None:
    """Django on a temporary SQLite database (before anything imports a model:
    the engine's test helpers do)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.bench.settings")
    os.environ.setdefault("DJANGO_SECRET_KEY", "engine-bench")
    os.environ["DATABASE_URL"] = "sqlite:///" + os.path.join(tempfile.mkdtemp(prefix="vnetlab-engine-"), "db.sqlite3")
    import django

    django.setup()


def measure(repeat: int = 20) -> list[str]:
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from appservice.models import WebApp
    from appservice.snapshot import app_source
    from networking import snapshot
    from networking.engine.trace import trace_app
    from portal import changes, seed
    from tests.bench import estate

    call_command("migrate", verbosity=0)
    sandbox = seed.create_sandbox()
    app = WebApp.objects.get(sandbox=sandbox, name="contoso-web")
    source = app_source(app)
    rows = []
    seed_size = estate.resource_count(sandbox)
    for label, target in (("seed", seed_size), ("100x", 100 * seed_size)):
        if target > estate.resource_count(sandbox):
            estate.grow(sandbox, target, notifications=0, activity=0)
        snapshot.build(sandbox)  # warm the ORM's caches
        with CaptureQueriesContext(connection) as queries:
            topo = snapshot.build(sandbox)
        build_ms = _median_ms(lambda: snapshot.build(sandbox), repeat)

        def after_change():
            changes.bump(sandbox)
            snapshot.current(sandbox)

        rebuilt_ms = _median_ms(after_change, repeat)
        kept_ms = _median_ms(lambda: snapshot.current(sandbox), repeat)
        trace_ms = _median_ms(lambda: trace_app(snapshot.current(sandbox), source, "contoso-sql01.database.windows.net", 1433), repeat)
        rows.append(
            f"| {label} | {estate.resource_count(sandbox)} | {len(topo.subnets)} | {len(queries)} | {build_ms:.1f} | "
            f"{rebuilt_ms:.1f} | {kept_ms:.2f} | {trace_ms:.2f} |"
        )
    return [
        "",
        "Snapshot from the database (demo seed with its network; in-process, SQLite; median of "
        f"{repeat}): the build from plain values, the store's answer after a change (the build, "
        "kept) and while nothing changed (one query), and a trace of contoso-web to its SQL server on the kept one.",
        "",
        "| estate | resources | subnets | build queries | build ms | after a change ms | kept ms | trace on the kept snapshot ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        *rows,
    ]
