"""What the benchmark ran on, read from /proc and the installed packages."""

import os
import platform
import sys
from datetime import UTC, datetime
from importlib.metadata import version


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _mem_total_gib() -> float:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) / 2**20
    except OSError:
        pass
    return float("nan")


def loadavg(*, all_three: bool = False) -> str:
    """The 1-minute load average (with ``all_three``, the 1, 5 and
    15-minute ones): other work on the machine skews the figures."""
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[: 3 if all_three else 1])
    except OSError:
        return "?"


def describe(database: str, layer: str) -> dict:
    def v(name):
        try:
            return version(name)
        except Exception:
            return "?"

    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cores": os.cpu_count(),
        "memory_gib": round(_mem_total_gib(), 1),
        "cpu": _cpu_model(),
        "kernel": platform.release(),
        "python": sys.version.split()[0],
        "django": v("django"),
        "channels": v("channels"),
        "uvicorn": v("uvicorn"),
        "websockets": v("websockets"),
        "database": database,
        "channel_layer": layer,
        "loadavg_start": loadavg(),
    }


def process_cpu(pid: int, *, reaped_children: bool = False) -> tuple[str, int, float] | None:
    """A process's (name, parent, CPU seconds used so far), from /proc; with
    ``reaped_children``, the CPU of its children that ended and were reaped
    too. None when there is no such process (any more)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            raw = f.read()
    except OSError:
        return None
    name = raw[raw.index("(") + 1 : raw.rindex(")")]
    fields = raw[raw.rindex(")") + 2 :].split()  # from the 3rd field (state) on
    ticks = fields[11:15] if reaped_children else fields[11:13]  # utime, stime[, cutime, cstime]
    return name, int(fields[1]), sum(int(t) for t in ticks) / os.sysconf("SC_CLK_TCK")


def _processes() -> dict[int, tuple[str, int, float]]:
    """Every process, with its reaped children's CPU (PostgreSQL's backends
    end and the postmaster reaps them), so a group's sum never goes back."""
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (read := process_cpu(int(entry), reaped_children=True)) is not None:
            found[int(entry)] = read
    return found


def cpu_by_part(server_pid: int) -> dict[str, float]:
    """CPU seconds used so far, by part of the machine: this process (the
    bench's clients), the server (``server_pid`` and its workers),
    PostgreSQL, Redis, and everything else. Two readings apart give where
    the cores went in between (a process that ended meanwhile counts
    through its parent, when the parent reaped it and is in the same part)."""
    procs = _processes()
    server, grown = {server_pid}, True
    while grown:
        more = {pid for pid, (_name, parent, _cpu) in procs.items() if parent in server} - server
        server |= more
        grown = bool(more)
    parts = {"bench": 0.0, "server": 0.0, "postgres": 0.0, "redis": 0.0, "other": 0.0}
    for pid, (name, _parent, cpu) in procs.items():
        if pid == os.getpid():
            parts["bench"] += cpu
        elif pid in server:
            parts["server"] += cpu
        elif name == "postgres":
            parts["postgres"] += cpu
        elif name.startswith("redis"):
            parts["redis"] += cpu
        else:
            parts["other"] += cpu
    return parts
