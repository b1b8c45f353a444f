"""Profile the served lab under load: the same setup as run_bench, then one
page under load while a sampling profiler (py-spy, if installed) records the
uvicorn process.

    pip install --target /tmp/pyspy py-spy    # outside the project's venv
    PYSPY=/tmp/pyspy/bin/py-spy .venv/bin/python -m tests.bench.profile_server networking
"""

import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.bench import run_bench as rb


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    page = argv[0] if argv else "networking"
    seconds = float(argv[1]) if len(argv) > 1 else 8.0
    args = rb.parse_args(["--duration", str(seconds)])
    os.chdir(rb.ROOT)
    tmpdir = Path(tempfile.mkdtemp(prefix="vnetlab-prof-"))
    db = rb.FreshDatabase(tmpdir)
    rb.configure_env(args, db)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from tests.bench import estate

    call_command("migrate", verbosity=0, interactive=False)
    connection.close()
    server = rb.Server(1, tmpdir / "uvicorn.log")
    try:
        server.wait_ready()
        session, sandbox = rb.first_sandbox(server.port)
        estate.grow(sandbox, args.resources)
        connection.close()
        paths = rb.page_paths(sandbox)
        headers = {"HX-Request": "true"} if page == "add_vnet" else {}
        pages = [(page, paths[page], headers)]
        csrf, _, _ = rb.check_pages(server.port, session, [*pages, ("networking", paths["networking"], {})])
        out = tmpdir / f"{page}.txt"
        spy = os.environ.get("PYSPY") or shutil.which("py-spy")
        prof = None
        if spy:
            prof = subprocess.Popen(
                [
                    spy,
                    "record",
                    "-p",
                    str(server.proc.pid),
                    "-d",
                    str(int(seconds)),
                    "-r",
                    "200",
                    "-f",
                    "raw",
                    "-o",
                    str(out),
                    "--threads",
                ]  # fmt: skip
            )
            time.sleep(1)
        sampler = rb.MemorySampler(server.proc.pid)
        load = asyncio.run(rb.load_phase(args, server.port, session, csrf, pages, sampler))
        r = load[page]
        print(f"{page}: {r.rps:.0f} req/s, p50 {r.pct(50):.1f} ms, p95 {r.pct(95):.1f} ms")
        if prof:
            prof.wait(timeout=60)
            print(f"py-spy raw stacks: {out} (fold with your tool of choice)")
    finally:
        server.stop()
        db.drop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
