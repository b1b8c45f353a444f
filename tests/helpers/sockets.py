"""A tab's WebSocket without a browser: a communicator on the ASGI
application carrying a sandbox's session cookie, the hello a page sends on
(re)connecting (static/portal/portal.js), and the lifespan a server runs."""

from __future__ import annotations

import asyncio
import json

from channels.testing import ApplicationCommunicator, WebsocketCommunicator
from django.contrib.sessions.backends.signed_cookies import SessionStore

from portal.asgi import application


def tab_socket(sandbox) -> WebsocketCommunicator:
    store = SessionStore()
    store["sandbox"] = str(sandbox.secret)
    store.save()
    headers = [
        (b"origin", b"http://127.0.0.1:8000"),
        (b"host", b"127.0.0.1:8000"),
        (b"cookie", f"sessionid={store.session_key}".encode()),
    ]
    return WebsocketCommunicator(application, "/ws/sandbox/", headers=headers)


def hello(live: list[str] | tuple[str, ...] = (), toasts: list[int] | tuple[int, ...] = ()) -> str:
    """What a page sends on connecting: its [data-live] ids, its spinning toasts."""
    return json.dumps({"live": list(live), "toasts": [str(t) for t in toasts]})


async def receive_until(communicator, needle: str, timeout: float = 5.0) -> str:
    """The first message holding ``needle`` (earlier ones are skipped)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        remaining = deadline - loop.time()
        assert remaining > 0, f"no message with {needle}"
        message = await communicator.receive_from(timeout=remaining)
        if needle in message:
            return message


LIVE_MARKER = 'id="ws-status" class="d-none" data-state="live"'


class Server:
    """The ASGI lifespan of a server process: ``async with Server():`` starts
    it (as uvicorn does before it listens) and stops it."""

    def __init__(self) -> None:
        self.lifespan = ApplicationCommunicator(application, {"type": "lifespan", "asgi": {"version": "3.0"}})

    async def __aenter__(self) -> Server:
        await self.lifespan.send_input({"type": "lifespan.startup"})
        assert await self.lifespan.receive_output(timeout=10) == {"type": "lifespan.startup.complete"}
        return self

    async def __aexit__(self, *exc) -> None:
        await self.lifespan.send_input({"type": "lifespan.shutdown"})
        assert await self.lifespan.receive_output(timeout=10) == {"type": "lifespan.shutdown.complete"}
