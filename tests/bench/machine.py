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
