"""One WebSocket per tab: joins its sandbox's group and swaps in the HTML
fragments pushed to it (htmx ws extension, out-of-band swaps).

On every (re)connect the tab names the live elements it shows
(static/portal/portal.js) and gets their state as it is now, so a tab open
across a server restart, or that connected after a push, shows the truth.

While it is open, the socket's row in ``portal.OpenTab`` tells every worker
that the sandbox has a tab, so pushes are rendered for it (portal/presence.py).
"""

import asyncio
import contextvars
import logging

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.core.exceptions import ValidationError

from portal import presence, services
from portal.inputs import json_loads
from portal.middleware import SESSION_KEY
from portal.models import Sandbox

# A tab's hello: {"live": [element ids], "toasts": [note pks]}; more than a
# page holds is ignored.
MAX_HELLO_BYTES = 64 * 1024

log = logging.getLogger(__name__)


class SandboxConsumer(AsyncWebsocketConsumer):
    sandbox: Sandbox | None = None
    heartbeat: asyncio.Task | None = None

    async def connect(self):
        session = self.scope.get("session")
        key = session.get(SESSION_KEY) if session is not None else None
        self.sandbox = await self._open(key) if key else None
        if self.sandbox is None:
            # No sandbox in the session: nothing to join (DESIGN: Tenancy).
            await self.close(code=4403)
            return
        await self.channel_layer.group_add(self.sandbox.group_name, self.channel_name)
        # A context of its own, as portal/live.py's timers: the consumer's
        # would make asgiref refuse the stamp's database call as a nested one.
        self.heartbeat = asyncio.get_running_loop().create_task(self._beat(), context=contextvars.Context())
        await self.accept()

    async def disconnect(self, code):
        if self.sandbox is None:
            return
        if self.heartbeat is not None:
            self.heartbeat.cancel()
        await self.channel_layer.group_discard(self.sandbox.group_name, self.channel_name)
        await database_sync_to_async(presence.closed)(self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        hello = _hello(text_data)
        if hello is None or self.sandbox is None:
            return  # anything but a hello is ignored
        await self.send(text_data=await self._state(*hello))

    async def sandbox_push(self, event):
        await self.send(text_data=event["html"])
        for operation in event.get("operations", ()):
            services.finish_on_time(self.sandbox.pk, operation["id"], operation["ends_at"])

    async def _beat(self):
        while True:
            await asyncio.sleep(presence.HEARTBEAT_SECONDS)
            try:
                await database_sync_to_async(presence.seen)(self.channel_name, self.sandbox.pk)
            except Exception:  # noqa: BLE001 - the next beat tries again; the row goes stale meanwhile
                log.exception("A tab's heartbeat failed")

    @database_sync_to_async
    def _open(self, key) -> Sandbox | None:
        """The session's sandbox, with this socket's row in ``OpenTab``
        written, or None."""
        try:
            sandbox = Sandbox.objects.filter(secret=key).first()
        except ValidationError:  # a malformed secret in the cookie is no sandbox
            return None
        if sandbox is None or not presence.opened(self.channel_name, sandbox.pk):
            return None
        return sandbox

    @database_sync_to_async
    def _state(self, element_ids: list[str], notes: list[str]) -> str:
        # What fell due while nobody looked is finished first (its push goes
        # to every tab), so the state drawn is the settled one.
        services.complete_due_operations(self.sandbox)
        return services.render_state(self.sandbox, element_ids, notes)


def _hello(text: str | None) -> tuple[list[str], list[str]] | None:
    """The element ids and progress notes a tab's hello names, or None for
    anything else (a malformed message changes nothing and answers nothing)."""
    if not text or len(text) > MAX_HELLO_BYTES:
        return None
    try:
        message = json_loads(text)
    except ValueError:  # not JSON, nested too deeply, or a NUL in a string
        return None
    if not isinstance(message, dict) or not isinstance(message.get("live"), list):
        return None
    toasts = message.get("toasts", [])
    if not isinstance(toasts, list):
        return None
    limit = services.MAX_LIVE_ELEMENTS
    return (
        [i for i in message["live"][:limit] if isinstance(i, str) and len(i) <= 100],
        [n for n in toasts[:limit] if isinstance(n, str)],
    )
