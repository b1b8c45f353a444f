"""Push latency: from an integration's POST to the app's "Running" badge
reaching every open tab.

``clients`` WebSocket clients join the sandbox's group as tabs do. Each one
only timestamps what it receives; the fragments are examined afterwards, so
the clients add as little as possible to what is measured.
"""

import asyncio
import re
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

import websockets


@dataclass
class PushRound:
    kind: str  # "integrate" or "disconnect"
    http_status: int
    post_ms: float  # time to the POST's response
    latencies: list[float] = field(default_factory=list)  # seconds, one per client that saw Running
    missing: int = 0  # clients that never saw Running in time
    saw_restarting: int = 0


def status_pattern(app_pk: int, status: str) -> re.Pattern:
    return re.compile(rf'id="app-status-{app_pk}"[^>]*data-status="{status}"')


class Tab:
    """One WebSocket client; records (perf_counter, text) for every message."""

    def __init__(self, ws):
        self.ws = ws
        self.messages: list[tuple[float, str]] = []
        self.closed_at: float | None = None  # when the socket closed, whoever closed it
        self.task = asyncio.ensure_future(self._read())

    async def _read(self):
        try:
            async for message in self.ws:
                self.messages.append((time.perf_counter(), message))
        except websockets.ConnectionClosed:
            pass
        self.closed_at = time.perf_counter()


async def open_tab(port: int, cookie: str) -> Tab:
    """A tab's WebSocket to the lab's live endpoint (portal/routing.py), with
    the session cookie and the Origin a page of the lab sends."""
    ws = await websockets.connect(
        f"ws://127.0.0.1:{port}/ws/sandbox/",
        origin=f"http://127.0.0.1:{port}",
        additional_headers={"Cookie": cookie},
        max_size=16 * 2**20,
        open_timeout=20,
    )
    return Tab(ws)


async def open_tabs(port: int, cookie: str, n: int) -> list[Tab]:
    tabs = []
    for i in range(0, n, 10):  # connect in batches, as a classroom does
        tabs += await asyncio.gather(*(open_tab(port, cookie) for _ in range(min(10, n - i))))
    return tabs


async def close_tabs(tabs: list[Tab]) -> None:
    await asyncio.gather(*(t.ws.close() for t in tabs), return_exceptions=True)
    for t in tabs:
        t.task.cancel()


async def post_form(port: int, path: str, cookie: str, csrf: str, form: dict) -> tuple[int, float, float]:
    """POST as htmx does, on a fresh connection. Returns (status, sent_at, elapsed)."""
    body = urlencode(form).encode()
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n"
        f"Cookie: {cookie}\r\nX-CSRFToken: {csrf}\r\nHX-Request: true\r\n"
        f"Origin: http://127.0.0.1:{port}\r\nReferer: http://127.0.0.1:{port}/\r\n"
        f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode("latin-1")
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    sent_at = time.perf_counter()
    writer.write(head + body)
    await writer.drain()
    status_line = await reader.readline()
    await reader.read()  # Connection: close
    elapsed = time.perf_counter() - sent_at
    writer.close()
    return int(status_line.split()[1]), sent_at, elapsed


async def push_round(
    tabs: list[Tab], *, kind: str, port: int, path: str, cookie: str, csrf: str, form: dict, app_pk: int, timeout: float
) -> PushRound:
    running = status_pattern(app_pk, "Running")
    restarting = status_pattern(app_pk, "Restarting")
    # Per tab: [next message to look at, saw Restarting, time Running arrived]
    state = [[len(t.messages), False, None] for t in tabs]
    status, sent_at, elapsed = await post_form(port, path, cookie, csrf, form)
    result = PushRound(kind=kind, http_status=status, post_ms=elapsed * 1000)
    if status != 200:
        return result

    def scan() -> bool:
        """Look at new messages only; True when every tab saw Running."""
        for tab, st in zip(tabs, state, strict=True):
            while st[2] is None and st[0] < len(tab.messages):
                ts, text = tab.messages[st[0]]
                st[0] += 1
                if not st[1] and restarting.search(text):
                    st[1] = True
                elif st[1] and running.search(text):
                    st[2] = ts
        return all(st[2] is not None for st in state)

    deadline = time.perf_counter() + timeout
    while not scan() and time.perf_counter() < deadline:
        await asyncio.sleep(0.01)
    for st in state:
        result.saw_restarting += st[1]
        if st[2] is None:
            result.missing += 1
        else:
            result.latencies.append(st[2] - sent_at)
    return result
