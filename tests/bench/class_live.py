"""The live half of `make bench-class-serve`: each learner's tab.

Every learner holds one WebSocket to the lab's live endpoint
(``/ws/sandbox/``, portal/routing.py) with its session cookie, and says
hello as static/portal/portal.js does on connecting (the live elements it
shows: the app's status badge and the bell). The socket only timestamps what
arrives; the messages are examined after the phase, against what the
database says happened:

- every notification a learner's write made (every write of the loop makes
  one: "Saved subnet", the NSG rule's, "Successfully updated application
  settings", and the progress toast of the restart that a settings save, an
  integration and a disconnect start) should reach the learner's tab as a
  toast (``data-note``): a write none of whose notifications arrived is a
  push lost;
- every restart the server finished should reach the tab as that toast,
  finished (``data-level="success"``), with the app's badge reading
  Running: the delay from the operation's ``ends_at`` (read from the
  database, the time the server's timer aims at) to that push's arrival is
  the push "beyond the restart". A restart that another restart of the
  same app extended (a later write came before its end) ends with the badge
  still Restarting, rightly: it is counted as superseded, not measured;
- a tab the server closed before the bench did is counted as dropped (a
  browser would reconnect and say hello again; the pushes between are lost).
"""

from __future__ import annotations

import asyncio
import json
import re
import time

from tests.bench.push import Tab, close_tabs, open_tab
from tests.bench.run_bench import pct

TOAST = re.compile(r'data-level="(\w+)" data-note="(\d+)"')
BADGE = re.compile(r'id="app-status-(\d+)"[^>]*data-status="(\w+)"')
# The notification's created_at and the write's send time come from the
# same machine's clock; this much either side absorbs their rounding.
CLOCK_SLACK_S = 0.05


async def open_learner_tabs(port: int, learners: list, timeout: float = 20.0) -> None:
    """One tab per learner (``learner.tab``), hello sent and answered."""

    async def one(learner) -> None:
        cookie = "; ".join(f"{k}={v}" for k, v in learner.browser.cookies.items())
        tab = await open_tab(port, cookie)
        hello = {"live": [f"app-status-{learner.ids['app']}", "bell-count"], "toasts": []}
        await tab.ws.send(json.dumps(hello))
        tab.closing_at = float("inf")  # until close_learner_tabs
        learner.tab = tab

    for i in range(0, len(learners), 10):  # connect in batches, as a classroom does
        await asyncio.gather(*(one(learner) for learner in learners[i : i + 10]))
    deadline = time.monotonic() + timeout
    while any(not learner.tab.messages for learner in learners):
        if time.monotonic() > deadline:
            silent = sum(1 for learner in learners if not learner.tab.messages)
            raise RuntimeError(f"{silent} of {len(learners)} tabs got no answer to their hello in {timeout:g} s")
        await asyncio.sleep(0.05)


async def close_learner_tabs(learners: list, linger: float) -> None:
    """Wait ``linger`` seconds (the last restarts end and are pushed), then
    close. A tab whose socket closed before (``closed_at`` earlier than
    ``closing_at``) was dropped by the server."""
    await asyncio.sleep(linger)
    closing = time.perf_counter()
    for learner in learners:
        learner.tab.closing_at = closing
    await close_tabs([learner.tab for learner in learners])


def _arrivals(tab: Tab, app_pk: int, clock_offset: float) -> dict[tuple[int, str], tuple[float, str | None]]:
    """(note pk, level) -> (wall-clock arrival, the app's badge in that message), first arrival each."""
    seen: dict[tuple[int, str], tuple[float, str | None]] = {}
    for at, text in tab.messages[1:]:  # the first answers the hello
        badge = next((state for pk, state in BADGE.findall(text) if int(pk) == app_pk), None)
        for level, note in TOAST.findall(text):
            seen.setdefault((int(note), level), (at + clock_offset, badge))
    return seen


def _maker(writes: list, created: float):
    """The write during which a notification was made: the one whose
    request was in flight then, or failing that, within the clocks' slack."""
    for slack in (0.0, CLOCK_SLACK_S):
        for s in writes:
            if s.at - slack <= created <= s.at + s.ms / 1000 + slack:
                return s
    return None


def deliveries(learners: list, since_note: int, clock_offset: float) -> dict:
    """What reached the learners' tabs, against the notifications and
    restarts the database recorded after note pk ``since_note``.
    ``clock_offset`` turns the tabs' perf_counter stamps into epoch seconds."""
    from portal.models import Notification

    by_sandbox = {learner.ids["sandbox"]: learner for learner in learners}
    notes: dict[int, list] = {pk: [] for pk in by_sandbox}
    for note in Notification.objects.filter(pk__gt=since_note, sandbox_id__in=list(by_sandbox)).select_related(
        "operation"
    ):
        notes[note.sandbox_id].append(note)
    out = {
        "tabs": len(learners),
        "writes": 0,
        "writes_pushed": 0,
        "writes_without_push": 0,
        "writes_without_note": 0,
        "notes": 0,
        "notes_missing": 0,
        "restarts": 0,
        "restarts_superseded": 0,
        "restarts_missing": 0,
        "restarts_unfinished": 0,
        "tabs_dropped": 0,
    }
    push_ms: list[float] = []
    beyond_ms: list[float] = []
    lost: list[str] = []
    for sandbox_pk, learner in by_sandbox.items():
        app_pk = learner.ids["app"]
        tab = learner.tab
        if tab.closed_at is not None and tab.closed_at < tab.closing_at:
            out["tabs_dropped"] += 1
            after = tab.closed_at - tab.messages[-1][0]
            lost.append(f"learner {learner.index}: the server closed its tab, {after:.1f} s after the last message")
        seen = _arrivals(tab, app_pk, clock_offset)
        first_seen: dict[int, float] = {}
        for (note_pk, _level), (at, _badge) in seen.items():
            first_seen[note_pk] = min(at, first_seen.get(note_pk, at))
        writes = [s for s in learner.samples if s.kind == "write" and 200 <= s.status < 400]
        made: dict[int, list] = {id(s): [] for s in writes}
        for note in notes[sandbox_pk]:
            out["notes"] += 1
            if note.pk not in first_seen:
                out["notes_missing"] += 1
                lost.append(f"learner {learner.index}: notification {note.pk} ({note.title!r}) never reached the tab")
            maker = _maker(writes, note.created_at.timestamp())
            if maker is not None:
                made[id(maker)].append(note)
            op = note.operation
            if op is None or op.kind != "restart":
                continue
            out["restarts"] += 1
            done = seen.get((note.pk, "success"))
            if op.finished_at is None:
                out["restarts_unfinished"] += 1
                ends = f"{op.ends_at:%H:%M:%S.%f}"
                lost.append(f"learner {learner.index}: restart {op.pk} never finished (ends_at {ends})")
            elif done is None:
                out["restarts_missing"] += 1
                lost.append(f"learner {learner.index}: restart {op.pk} finished but its push never reached the tab")
            elif done[1] != "Running":
                out["restarts_superseded"] += 1
            else:
                beyond_ms.append((done[0] - op.ends_at.timestamp()) * 1000)
        for s in writes:
            out["writes"] += 1
            arrived = [first_seen[n.pk] for n in made[id(s)] if n.pk in first_seen]
            if not made[id(s)]:
                out["writes_without_note"] += 1
                lost.append(f"learner {learner.index}: {s.name} (HTTP {s.status}) made no notification to push")
            elif arrived:
                out["writes_pushed"] += 1
                push_ms.append((min(arrived) - s.at) * 1000)
            else:
                out["writes_without_push"] += 1
                lost.append(f"learner {learner.index}: {s.name} (HTTP {s.status}) pushed nothing to the tab")
    out.update(
        {
            "push_p50_ms": round(pct(push_ms, 50), 1),
            "push_p95_ms": round(pct(push_ms, 95), 1),
            "restarts_measured": len(beyond_ms),
            "beyond_p50_ms": round(pct(beyond_ms, 50), 1),
            "beyond_p95_ms": round(pct(beyond_ms, 95), 1),
            "beyond_max_ms": round(max(beyond_ms), 1) if beyond_ms else float("nan"),
            "delivered": not any(
                out[k]
                for k in (
                    "writes_without_push",
                    "writes_without_note",
                    "notes_missing",
                    "restarts_missing",
                    "restarts_unfinished",
                )
            ),
            "first_lost": lost[:5],
        }
    )
    return out
