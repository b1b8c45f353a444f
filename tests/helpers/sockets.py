"""A tab's WebSocket without a browser: a communicator on the ASGI
application carrying a sandbox's session cookie, the hello a page sends on
(re)connecting (static/portal/portal.js), the record an open tab leaves for
every worker (portal/presence.py), the templates a push draws, and the
lifespan a server runs."""

from __future__ import annotations

import asyncio
import gc
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from channels.testing import ApplicationCommunicator, WebsocketCommunicator
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.test.signals import template_rendered
from django.utils import timezone

from portal.asgi import application
from portal.models import OpenTab


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


def tab_elsewhere(sandbox, seen_ago: float = 0.0, channel_name: str | None = None) -> OpenTab:
    """A tab of the sandbox open on another worker, as its socket records it,
    last stamped ``seen_ago`` seconds ago: pushes are drawn for the sandbox
    (a test then reads what ``live.group_send`` is given)."""
    seen_at = timezone.now() - timedelta(seconds=seen_ago)
    name = channel_name or f"specific.elsewhere!{uuid.uuid4().hex}"
    return OpenTab.objects.create(channel_name=name, sandbox=sandbox, seen_at=seen_at)


@contextmanager
def templates_drawn() -> Iterator[list[str]]:
    """The names of the templates rendered inside, on any thread."""
    names: list[str] = []

    def drawn(sender, template, context, **kwargs):
        names.append(template.name)

    template_rendered.connect(drawn)
    try:
        yield names
    finally:
        template_rendered.disconnect(drawn)


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
        # The startup froze what the test process held (portal/lifespan.py):
        # give it back to the collector, or each test's cycles would stay.
        gc.unfreeze()
